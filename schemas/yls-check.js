// Checks scenarios the way editors do: with yaml-language-server's own language service,
// through each file's `# yaml-language-server: $schema=...` first line. Not part of the test
// suite (it needs node and an npm package); run it after changing the schema:
//   mkdir -p /tmp/yls && cd /tmp/yls && npm install yaml-language-server vscode-languageserver-textdocument
//   NODE_PATH=/tmp/yls/node_modules node schemas/yls-check.js scenarios/*.yaml
// Prints each diagnostic; HOVER='[[line,col],...]' also prints the hover text there.
// Exit status 1 when any file has a diagnostic.
const fs = require('fs');
const path = require('path');
const url = require('url');
const { getLanguageService } = require('yaml-language-server/lib/umd/languageservice/yamlLanguageService');
const { TextDocument } = require('vscode-languageserver-textdocument');

const ls = getLanguageService({
  schemaRequestService: (uri) => Promise.resolve(fs.readFileSync(url.fileURLToPath(uri), 'utf8')),
  workspaceContext: { resolveRelativePath: (rel, resource) => new URL(rel, resource).toString() },
});
ls.configure({ validate: true, hover: true, completion: true, schemas: [] , yamlVersion: '1.2'});

(async () => {
  let bad = 0;
  for (const file of process.argv.slice(2)) {
    const text = fs.readFileSync(file, 'utf8');
    const doc = TextDocument.create(url.pathToFileURL(path.resolve(file)).toString(), 'yaml', 1, text);
    const diags = await ls.doValidation(doc, false);
    console.log(`${file}: ${diags.length} diagnostics`);
    for (const d of diags) {
      bad++;
      console.log(`  ${d.range.start.line + 1}:${d.range.start.character + 1} ${d.message}`);
    }
    if (process.env.HOVER) {
      for (const [line, col] of JSON.parse(process.env.HOVER)) {
        const h = await ls.doHover(doc, { line: line - 1, character: col - 1 });
        console.log(`  hover ${line}:${col}: ${h ? JSON.stringify(h.contents).slice(0, 200) : 'none'}`);
      }
    }
  }
  process.exit(bad ? 1 : 0);
})();
