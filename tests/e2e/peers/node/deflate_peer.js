// A permessage-deflate echo peer on node `ws`, for tests/e2e/deflate_e2e_test.
//
//   node tests/e2e/peers/node/deflate_peer.js [--no-context-takeover | --compress-all] [--bench]
//
// prints `listening on ws://127.0.0.1:PORT`, echoes every message, and on SIGTERM prints one
// JSON line: {"connections": [{"offered", "accepted", "messages"}, ...]}: the client's
// Sec-WebSocket-Extensions, the server's answer (empty when none) and the messages as
// received, inflated ({"text": ...} or {"binary": HEX}). `perMessageDeflate: true` (messages
// under 1 KB go out uncompressed), or with --no-context-takeover both ways, a 10-bit server
// window and every message compressed; --compress-all compresses every message, with context
// takeover. --bench records nothing (tools/bench/deflate_bench.py).
'use strict';
const { WebSocketServer } = require('ws');

const strict = process.argv.includes('--no-context-takeover');
const bench = process.argv.includes('--bench');
let perMessageDeflate = true;
if (strict) {
  perMessageDeflate = { serverNoContextTakeover: true, clientNoContextTakeover: true,
                        serverMaxWindowBits: 10, threshold: 0 };
} else if (process.argv.includes('--compress-all')) {
  perMessageDeflate = { threshold: 0 };
}
const connections = [];
const server = new WebSocketServer({ host: '127.0.0.1', port: 0, perMessageDeflate });
const answers = new WeakMap();  // request -> the Sec-WebSocket-Extensions answered
server.on('headers', (headers, request) => {
  const line = headers.find((h) => h.toLowerCase().startsWith('sec-websocket-extensions:'));
  answers.set(request, line ? line.slice(line.indexOf(':') + 1).trim() : '');
});
server.on('connection', (ws, request) => {
  const record = {
    offered: request.headers['sec-websocket-extensions'] || '',
    accepted: answers.get(request) || '',
    messages: [],
  };
  if (!bench) connections.push(record);
  ws.on('message', (data, isBinary) => {
    if (!bench) record.messages.push(isBinary ? { binary: data.toString('hex') } : { text: data.toString() });
    ws.send(data, { binary: isBinary });
  });
});
server.on('listening', () => {
  console.log(`listening on ws://127.0.0.1:${server.address().port}`);
});
const stop = () => {
  console.log(JSON.stringify({ connections }));
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
