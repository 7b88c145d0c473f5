// A table of malformed scenarios: each must fail with its message at its line:column.
#include "compile_helpers.h"

namespace wsyaml::scenario::testing {
namespace {

struct BadCase {
  const char* yaml;
  int line;
  int column;
  const char* fragment;  // must appear in the message or the hint
};

// Most cases start with this header: the steps begin on line 3.
#define H "target: builtin:echo\nsteps:\n"
// A connection program: its steps begin on line 5, column 9.
#define C H "  - connect:\n      url: /\n      steps:\n"

const BadCase kCases[] = {
    // YAML syntax
    {"a: [1, 2\nb: c\n", 2, 2, "YAML syntax"},
    {H "  - send: {json: {a: ${vu}}}\n", 3, 23, "quote values"},
    {"name: x\n  bad: indent\n", 2, 6, "YAML syntax"},
    {"", 0, 0, "empty"},
    {"- just\n- a list\n", 1, 1, "must be a mapping"},
    // top level
    {"target: builtin:echo\nstep:\n  - close\n", 2, 1, "did you mean 'steps'"},
    {"target: builtin:echo\nname: a\nname: b\nsteps: [close]\n", 3, 1, "duplicate key 'name'"},
    {"target: http://x\nsteps: [close]\n", 1, 9, "target must be"},
    {"target: builtin:echo\n", 1, 1, "no steps"},
    {"target: builtin:echo\nsteps: close\n", 2, 8, "a list of steps"},
    {"target: builtin:echo\nsteps: [close]\nscenarios: {a: {steps: [close]}}\n", 3, 12,
     "either steps or scenarios"},
    {"target: builtin:echo\nscenarios:\n  a: {stepz: [close]}\n", 3, 7, "did you mean 'steps'"},
    {"target: builtin:echo\nscenarios:\n  a: 5\n", 3, 6, "must be a mapping"},
    {"target: ${env.NOPE}\nsteps: [close]\n", 1, 9, "'NOPE' is not set"},
    {"target: ${vu}\nsteps: [close]\n", 1, 9, "only use ${env"},
    {"vars: [a, b]\ntarget: builtin:echo\nsteps: [close]\n", 1, 7, "vars must be a mapping"},
    {"vars: {a: \"${b}\", b: 1}\ntarget: builtin:echo\nsteps: [close]\n", 1, 12,
     "used before it is defined"},
    {"steps:\n  - connect: /x\n", 2, 14, "relative url needs a target"},
    // load
    {"target: builtin:echo\nload: {vus: 0, duration: 1m}\nsteps: [close]\n", 2, 13, "at least 1"},
    {"target: builtin:echo\nload: {vus: 2, duration: 60}\nsteps: [close]\n", 2, 26, "add a unit"},
    {"target: builtin:echo\nload: {vus: -3, duration: 1m}\nsteps: [close]\n", 2, 13, "at least 1"},
    {"target: builtin:echo\nload: {vus: ten}\nsteps: [close]\n", 2, 13, "whole number"},
    {"target: builtin:echo\nload: {vus: 1, iterations: 0}\nsteps: [close]\n", 2, 28, "at least 1"},
    {"target: builtin:echo\nload: {vus: 1, duratoin: 1m}\nsteps: [close]\n", 2, 16,
     "did you mean 'duration'"},
    {"target: builtin:echo\nload: {rate: 20, duration: 1m}\nsteps: [close]\n", 2, 14,
     "no time unit"},
    {"target: builtin:echo\nload: {rate: 20/s}\nsteps: [close]\n", 2, 14, "needs a duration"},
    {"target: builtin:echo\nload: {stages: [{duration: 10s}]}\nsteps: [close]\n", 2, 17,
     "needs a target"},
    {"target: builtin:echo\nload: {vus: 1, iterations: 2, stages: [{duration: 1s, target: 1}]}"
     "\nsteps: [close]\n",
     2, 28, "cannot be combined"},
    {"target: builtin:echo\nload: {vus: 2, max-vus: 5, duration: 1s}\nsteps: [close]\n", 2, 25,
     "arrival rate"},
    {"target: builtin:echo\nload: {vus: 1, duration: 1s, graceful-stop: soon}\nsteps: [close]\n", 2,
     45, "expected a duration"},
    {"target: builtin:echo\nload: {stages: [{duration: 10s, target: 2}], ramp-up: 5s}\n"
     "steps: [close]\n",
     2, 55, "stages set when VUs start"},
    {"target: builtin:echo\nload: {vus: 2, duration: 1s, ramp-up: 2s}\nsteps: [close]\n", 2, 39,
     "not shorter than the duration"},
    // steps
    {H "  - on_message: {}\n", 3, 5, "did you mean 'on-message'"},
    {H "  - sleeep: 1s\n", 3, 5, "did you mean 'sleep'"},
    {H "  - frobnicate: 1\n", 3, 5, "unknown step 'frobnicate'"},
    {H "  - send\n", 3, 5, "'send' needs options"},
    {H "  - 42\n", 3, 5, "unknown step '42'"},
    {H "  - send: hi\n    close:\n", 4, 5, "two steps in one list item"},
    {H "  - every: {interval: 1s}\n    do: [close]\n", 4, 5, "indent 'do' under 'every:'"},
    {H "  - [close]\n", 3, 5, "a step"},
    {H "  - sleep: 500\n", 3, 12, "add a unit, e.g. 500ms"},
    {H "  - send: hi\n", 3, 5, "needs an open connection"},
    {H "  - connect: {url: /, steps: [close]}\n  - expect: {within: 1s}\n", 4, 5,
     "needs an open connection"},
    {H "  - every: {interval: 1s, do: [ping]}\n", 3, 32, "needs an open connection"},
    {H "  - sleep: 8s..2s\n", 3, 12, "min > max"},
    {H "  - sleep: 2x\n", 3, 12, "expected a duration"},
    {H "  - connect: {url: /, count: 0}\n", 3, 30, "at least 1"},
    {H "  - connect: {url: /, cuont: 2}\n", 3, 23, "did you mean 'count'"},
    {H "  - connect: {count: 2}\n", 3, 14, "needs a url"},
    {H "  - connect: {url: /, timeout: 10}\n", 3, 32, "add a unit"},
    {H "  - connect: {url: /, headers: [a]}\n", 3, 32, "headers must be a mapping"},
    {H "  - connect: {url: /, compression: gzip}\n", 3, 36, "unknown compression 'gzip'"},
    {H "  - connect: {url: /, compression: [deflate]}\n", 3, 36, "compression must be"},
    {H "  - connect: {url: /, max-message-size: 10}\n", 3, 41, "max-message-size must be a size"},
    {H "  - connect: {url: /, reconnect: {max: -1}}\n", 3, 40, "at least 0"},
    {H "  - connect: {url: /, tls: {insecure: maybe}}\n", 3, 39, "true or false"},
    {H "  - connect: [a]\n", 3, 14, "a URL or a mapping"},
    {H "  - send: {event: SAY}\n", 3, 12, "send: {json: {event"},
    {H "  - send: {text: a, json: {}}\n", 3, 21, "only one of"},
    {H "  - send: {to: x}\n", 3, 11, "needs one of text, json"},
    {H "  - send:\n", 3, 5, "send needs a message"},
    {H "  - send: {base64: \"%%%\"}\n", 3, 20, "not valid base64"},
    {H "  - send: {hex: \"abc\"}\n", 3, 17, "not valid hex"},
    {H "  - send: {file: missing.bin}\n", 3, 18, "cannot read file"},
    {H "  - send: {file: /dev/zero}\n", 3, 18, "not a regular file"},
    {H "  - send: {text: a, to: nowhere}\n", 3, 25, "unknown connection 'nowhere'"},
    {H "  - send: {json: {\"${vu}\": 1}}\n", 3, 19, "JSON keys must be plain"},
    {H "  - send: {text: a, reply: {match: {text: x}, within: 5}}\n", 3, 55, "add a unit"},
    {H "  - send: {text: a, reply: {match: {text: \"${msg}\"}}}\n", 3, 44,
     "only available inside an on-message"},
    {H "  - send: \"${sent.id}\"\n", 3, 12, "only available in a reply matcher"},
    // templates
    {H "  - send: \"${nope}\"\n", 3, 12, "unknown name 'nope'"},
    {"target: builtin:echo\nvars: {room: a}\nsteps:\n  - send: \"${rooom}\"\n", 4, 12,
     "did you mean 'room'"},
    {H "  - send: \"${randInt(1, 2)}\"\n", 3, 12, "did you mean 'randomInt'"},
    {H "  - send: \"${randomInt(1)}\"\n", 3, 12, "takes 2 arguments, got 1"},
    {H "  - send: \"${uuid(1)}\"\n", 3, 12, "takes 0 arguments"},
    {H "  - send: \"${randomItem()}\"\n", 3, 12, "at least 1"},
    {H "  - send: \"${randomInt(9, 1)}\"\n", 3, 24, "a <= b"},
    {H "  - send: \"${randomString(abc)}\"\n", 3, 27, "expected a number"},
    {H "  - send: \"abc ${vu\"\n", 3, 16, "unterminated"},
    {H "  - send: \"${vu.x}\"\n", 3, 12, "has no fields"},
    {H "  - send: \"${msg.a}\"\n", 3, 12, "only available inside an on-message"},
    {H "  - send: \"${data.users.name}\"\n", 3, 12, "unknown feeder 'users'"},
    {H "  - log: \"${env.NOT_SET_ANYWHERE}\"\n", 3, 11, "is not set"},
    {H "  - send: \"${}\"\n", 3, 12, "expected a name"},
    // values that would fail every connection at run time (issue 11, item 12)
    {"target: ws://127.0.0.1:99999\nsteps: [close]\n", 1, 23, "port 99999 is out of range"},
    {H "  - connect: ws://h:0/x\n", 3, 20, "port 0 is out of range"},
    {H "  - connect: ws://h:80a/x\n", 3, 20, "port must be a number"},
    {H "  - connect: {url: \"ws://h:${env.PORT}9/\"}\n", 3, 20, "port 80809 is out of range"},
    {H "  - connect: \"wss://[::1]:70000/\"\n", 3, 26, "port 70000"},
    {H "  - connect: \"ws://user:pw@h/\"\n", 3, 27, "credentials (user:password@)"},
    {H "  - connect: \"ws://u:${env.HOST}@h/\"\n", 3, 33, "headers: {Authorization"},
    {"target: ws://a:b@h:8080\nsteps: [close]\n", 1, 17, "credentials"},
    {H "  - connect: ws://:8080/\n", 3, 14, "has no host"},
    {H "  - connect: {url: /, tls: {ca: nope.pem}}\n", 3, 33, "cannot read tls ca file"},
    {H "  - connect: {url: /, tls: {ca: ca.pem, key: no.key}}\n", 3, 46, "tls key file"},
    {H "  - connect: {url: /, tls: {cert: .}}\n", 3, 35, "tls cert file"},
    {H "  - send: \"a\xff\"\n", 3, 13, "not valid UTF-8 (byte 0xFF)"},
    {H "  - send: {text: \"ok \xc3\"}\n", 3, 22, "text message is not valid UTF-8"},
    {H "  - send: {json: {a: [1, \"x\xed\xa0\x80\"]}}\n", 3, 28, "JSON text is not valid UTF-8"},
    {H "  - send: {json: {\"k\xf8\": 1}}\n", 3, 21, "JSON key is not valid UTF-8"},
    // zero where it means nothing; function arguments known now (item 13)
    {H "  - connect: {url: /, timeout: 0s}\n", 3, 32, "timeout must be longer than 0"},
    {C "        - expect: {within: 0s}\n", 6, 28, "within must be longer than 0"},
    {C "        - send: {text: a, reply: {within: 0ms}}\n", 6, 43, "longer than 0"},
    {"target: builtin:echo\nload: {vus: 1, duration: 1s, iteration-timeout: 0s}\nsteps: [close]\n",
     2, 49, "interrupt every iteration"},
    {"target: builtin:echo\nload: {stages: [{duration: 0s, target: 1}]}\nsteps: [close]\n", 2, 28,
     "the last stage lasts 0s"},
    {"target: builtin:echo\nload: {rate: 5/s, stages: [{duration: 1s, target: 9}, {duration: 0s, "
     "target: 1}]}\nsteps: [close]\n",
     2, 66, "the last stage lasts 0s"},
    {C "        - wait: {max: 0s}\n", 6, 23, "max must be longer than 0"},
    {C "        - repeat: {for: 0s, do: [ping]}\n", 6, 25, "never run its steps"},
    {H "  - send: \"${randomString(-1)}\"\n", 3, 27, "needs n >= 0, got -1"},
    {H "  - send: \"${randomString(1e11)}\"\n", 3, 27, "at most 1048576 characters"},
    {H "  - send: \"${randomString(${env.PORT}000)}\"\n", 3, 27, "at most 1048576"},
    {H "  - send: \"${randomString(2.5)}\"\n", 3, 27, "whole numbers, got 2.5"},
    {H "  - send: \"${randomInt(1.5, 2.5)}\"\n", 3, 24, "whole numbers, got 1.5"},
    {H "  - send: \"${randomInt(1, 2.5)}\"\n", 3, 27, "whole numbers, got 2.5"},
    {H "  - send: \"${randomInt(5, 1)}\"\n", 3, 24, "the range is empty"},
    {H "  - send: \"${randomInt(0, 1e300)}\"\n", 3, 27, "9007199254740991"},
    // messages that name what is wrong (item 17)
    {"target: builtin:echo\nload: {vus: 2147483647}\nsteps: [close]\n", 2, 13,
     "vus must be at most 1000000000, got 2147483647"},
    {"target: builtin:echo\nload: {vus: 1, iterations: 99999999999999999999}\nsteps: [close]\n", 2,
     28, "at most 1000000000"},
    {H "  - connect: /\n  - send: \"abc\n  - close\n", 4, 11, "unterminated double quote"},
    {H "  - connect: /\n  - send: 'it''s\n  - close\n", 4, 11, "unterminated single quote"},
    {"name: \"abc\ntarget: builtin:echo\nsteps: [close]\n", 1, 7, "unterminated double quote"},
    // matchers and handlers
    {C "        - on-message: {match: {txt: a}}\n", 6, 32, "did you mean 'text'"},
    {C "        - on-message: {match: {regex: \"a(\"}}\n", 6, 39, "regex does not compile"},
    {C "        - on-message: {match: {regex: '(a)\\1'}}\n", 6, 39, "no backreferences"},
    {C "        - on-message: {match: {regex: 'a(?=b)'}}\n", 6, 39, "no lookaround"},
    {C "        - on-message: {match: {json: [1]}}\n", 6, 38, "mapping of fields"},
    {C "        - on-message: {match: {binary: maybe}}\n", 6, 40, "true or false"},
    {C "        - on-message: {match: hello}\n", 6, 31, "match must be a mapping"},
    {C "        - on-message: {once: 1}\n", 6, 30, "true or false"},
    {C "        - on-message: {do: [{sleep: 1s}]}\n", 6, 30, "use `after"},
    {C "        - on-message: {do: [{expect: {within: 1s}}]}\n", 6, 30, "'expect' waits"},
    {C "        - every: {interval: 1s, do: [wait]}\n", 6, 38, "'wait' waits"},
    {C "        - after: {delay: 1s, do: [{repeat: {times: 2, do: [close]}}]}\n", 6, 36,
     "'repeat' waits"},
    {C "        - on-close: {do: [{connect: /}]}\n", 6, 28, "'connect' without steps waits"},
    {C "        - on-message: {capture: {id: user.id}}\n", 6, 38, "expected msg or msg.path"},
    {C "        - on-message: {measure: {name: x}}\n", 6, 33, "needs since"},
    {C "        - every: {do: [close]}\n", 6, 11, "needs an interval"},
    {C "        - every: {interval: 0s, do: [close]}\n", 6, 29, "longer than 0"},
    {C "        - every: {interval: 1s, times: 0}\n", 6, 40, "at least 1"},
    {C "        - after: {do: [close]}\n", 6, 11, "needs a delay"},
    {C "        - after: 3s\n", 6, 18, "after must be a mapping"},
    {C "        - cancel: nothing\n", 6, 19, "no timer or handler defines"},
    {C "        - every: {name: chatter, interval: 1s}\n        - cancel: chattr\n", 7, 19,
     "did you mean 'chatter'"},
    {C "        - close: {code: 99}\n", 6, 25, "at least 1000"},
    {C "        - close: {code: 1005}\n", 6, 25, "cannot be sent"},
    {C "        - log: {debug: x}\n", 6, 17, "unknown key 'debug'"},
    {C "        - log: {info: a, warn: b}\n", 6, 16, "one of info, warn, error"},
    {C "        - expect: {match: {text: a}, within: 1}\n", 6, 46, "add a unit"},
    {C "        - expect: {text: a}\n", 6, 20, "unknown key 'text' in expect"},
    {C "        - wait: some\n", 6, 17, "wait takes all"},
    {C "        - repeat: {do: [close]}\n", 6, 11, "needs times or for"},
    {C "        - repeat: {times: 2, for: 1s, do: [close]}\n", 6, 35, "not both"},
    {C "        - set: [a]\n", 6, 16, "set must be a mapping"},
    {C "        - set: {vu: 3}\n", 6, 17, "built-in name"},
    {C "        - ping: {nam: x}\n", 6, 18, "did you mean 'name'"},
    {C "        - fail: [x]\n", 6, 17, "fail must be"},
    // data feeders
    {"target: builtin:echo\ndata: {users: {csv: nope.csv}}\nsteps: [close]\n", 2, 21,
     "cannot read data file"},
    {"target: builtin:echo\ndata: {users: {csv: bad_row.csv}}\nsteps: [close]\n", 2, 21,
     "row 3 has 1 fields"},
    {"target: builtin:echo\ndata: {items: {json: bad_items.json}}\nsteps: [close]\n", 2, 22,
     "row 2 is not an object"},
    {"target: builtin:echo\ndata: {users: {csv: users.csv, order: shuffled}}\nsteps: [close]\n", 2,
     39, "sequential, random or per-vu"},
    {"target: builtin:echo\ndata: {users: {csv: users.csv}}\nsteps:\n  - log: \"${data.users.pwd}"
     "\"\n",
     4, 11, "no column 'pwd'"},
    // thresholds
    {H "  - close\nthresholds:\n  ws_conecting: [\"p(95) < 1s\"]\n", 5, 3,
     "did you mean 'ws_connecting'"},
    {H "  - close\nthresholds:\n  ws_connecting: [\"p(95) < 500\"]\n", 5, 19, "add a unit"},
    {H "  - close\nthresholds:\n  ws_connecting: [\"p95 < 1s\"]\n", 5, 19, "expected a threshold"},
    {H "  - close\nthresholds:\n  ws_msgs_sent: [\"avg < 5\"]\n", 5, 18, "does not apply"},
    {H "  - close\nthresholds:\n  ws_reply_time{name:echo}: [\"p(99) < 50ms\"]\n", 5, 3,
     "no step is named 'echo'"},
    {H "  - close\nthresholds:\n  checks: [\"avg > 1\"]\n", 5, 12, "is a rate"},
    {H "  - close\nthresholds:\n  ws_errors: [\"p(90) < 1\"]\n", 5, 15, "needs a time metric"},
    {H "  - close\nthresholds:\n  ws_errors: [\"count == 1s\"]\n", 5, 15, "expected a number"},
    {H "  - close\nthresholds:\n  ws_errors{color:red}: [\"count == 0\"]\n", 5, 3,
     "ever tagged 'color'"},
    {H "  - close\nthresholds:\n  ws_errors: [{threshold: \"count == 0\", abort-on-fial: true}]\n",
     5, 41, "did you mean 'abort-on-fail'"},
};

TEST(ErrorTableTest, HasAtLeastSixtyCases) { EXPECT_GE(sizeof(kCases) / sizeof(kCases[0]), 60u); }

TEST(ErrorTableTest, EachCaseFailsAtItsPositionWithItsMessage) {
  for (const auto& c : kCases) {
    CompileResult r = CompileText(c.yaml);
    SCOPED_TRACE(c.yaml);
    EXPECT_FALSE(r.ok());
    const Diagnostic* found = nullptr;
    for (const auto& d : r.diagnostics) {
      if (d.severity != Diagnostic::Severity::kError) continue;
      if ((d.message + " " + d.hint).find(c.fragment) != std::string::npos) found = &d;
    }
    if (!found) {
      ADD_FAILURE() << "no diagnostic with \"" << c.fragment << "\"; got:\n" << AllDiagnostics(r);
      continue;
    }
    EXPECT_EQ(found->line, c.line) << AllDiagnostics(r);
    EXPECT_EQ(found->column, c.column) << AllDiagnostics(r);
    EXPECT_EQ(found->file, "test.yaml");
    if (found->line > 0) {
      EXPECT_FALSE(found->source_line.empty());
    }
  }
}

// One cause, one error: the steps after a connect that failed to compile (or a misspelled
// one), and relative URLs under a target that failed, are not blamed as well.
TEST(ErrorTableTest, AFirstErrorIsReportedOnceWithoutACascade) {
  const std::pair<const char*, const char*> cases[] = {
      {"target: ${env.NOPE}\nsteps:\n  - connect: /ws\n  - send: a\n  - send: b\n"
       "  - expect: {within: 1s}\n  - close\n",
       "'NOPE' is not set"},
      {"steps:\n  - connect: /ws\n  - send: a\n  - send: b\n  - close\n",
       "relative url needs a target"},
      {H "  - connect: \"/ws/${nope}\"\n  - send: a\n  - on-message: {do: [close]}\n  - close\n",
       "unknown name 'nope'"},
      {H "  - connect: {url: /ws, cuont: 2}\n  - send: a\n  - ping\n  - close\n",
       "unknown key 'cuont'"},
      {H "  - conect: /ws\n  - send: a\n  - close\n", "did you mean 'connect'"},
      {H "  - connect:\n  - send: a\n  - close\n", "connect must be a URL"},
      {H "  - connect: ws://h:99999/\n  - send: a\n  - close\n", "out of range"},
      {H "  - repeat:\n      times: 2\n      do:\n        - connect: {url: /, timeout: 0s}\n"
         "        - send: a\n        - close\n",
       "timeout must be longer than 0"},
  };
  for (const auto& [yaml, fragment] : cases) {
    SCOPED_TRACE(yaml);
    CompileResult r = CompileText(yaml);
    ASSERT_EQ(r.diagnostics.size(), 1u) << AllDiagnostics(r);
    EXPECT_NE((r.diagnostics[0].message + r.diagnostics[0].hint).find(fragment), std::string::npos)
        << AllDiagnostics(r);
  }
  // A connect with steps of its own opens nothing for the steps after it: still an error.
  CompileResult r = CompileText(H "  - connect: {url: /, cuont: 1, steps: [close]}\n  - send: a\n");
  EXPECT_EQ(r.diagnostics.size(), 2u) << AllDiagnostics(r);
}

TEST(ErrorTableTest, DeepNestingNamesTheLimit) {
  std::string yaml = "target: builtin:echo\nsteps: [close]\nx: ";
  yaml += std::string(500, '[') + std::string(500, ']') + "\n";
  CompileResult r = CompileText(yaml);
  ASSERT_EQ(r.diagnostics.size(), 1u) << AllDiagnostics(r);
  EXPECT_EQ(r.diagnostics[0].line, 3);
  EXPECT_NE(r.diagnostics[0].message.find("nests lists and mappings too deeply"),
            std::string::npos);
  EXPECT_NE(r.diagnostics[0].message.find("499 levels"), std::string::npos);
  // 499 levels, the top-level mapping included, still read.
  std::string ok = "target: builtin:echo\nsteps: [{connect: /}, close]\nvars: {x: \"" +
                   std::string(400, '[') + "\"}\n";
  EXPECT_TRUE(CompileText(ok).ok());
}

// Zero where it has a meaning, numbers and URLs that are fine, UTF-8 text, parts filled in
// at run time: all still compile.
TEST(ErrorTableTest, TheValidFormsNearTheseErrorsStillCompile) {
  const char* valid[] = {
      "target: builtin:echo\nload: {vus: 2, duration: 1s, graceful-stop: 0s, ramp-up: 0s}\n"
      "steps: [{connect: /}, close]\n",
      "target: builtin:echo\nload: {stages: [{duration: 0s, target: 5}, {duration: 1s, target: "
      "5}]}\nsteps: [{connect: /}, close]\n",
      "target: builtin:echo\nload: {vus: 1000000000, iterations: 1}\nsteps: [{connect: /}, "
      "close]\n",
      "target: ws://127.0.0.1:65535/base\nsteps: [{connect: /}, close]\n",
      "target: ws://127.0.0.1\nsteps: [{connect: \"wss://[::1]:443/x?a=b:c@d\"}, close]\n",
      H
      "  - connect: {url: /, timeout: 1ms, reconnect: {max: 1, backoff: 0s}}\n"
      "  - sleep: 0s\n  - after: {delay: 0s, do: [close]}\n",
      "target: builtin:echo\nvars: {p: \"8080\", h: x}\nsteps:\n"
      "  - connect: \"ws://${h}:${p}/\"\n  - close\n",
      H "  - connect: {url: /, tls: {ca: ca.pem}}\n  - close\n",
      H
      "  - connect: /\n  - send: \"h\xc3\xa9llo \xe2\x9c\x93 \xf0\x9f\x98\x80\"\n"
      "  - send: {json: {\"cl\xc3\xa9\": \"\xe2\x82\xac\"}}\n  - send: {hex: ff00}\n"
      "  - send: {base64: \"//8=\"}\n  - send: \"\\xff\"\n  - close\n",
      H
      "  - connect: /\n  - send: \"${randomString(0)}${randomString(1048576)}"
      "${randomInt(-5, 5)}${randomInt(3, 3)}${randomInt(1, ${vu})}\"\n"
      "  - expect: {within: 1ms}\n  - wait: {max: 1ms}\n  - close\n",
      H "  - connect: /\n  - send: {text: 'it''s', reply: {within: 1s}}\n  - close\n",
  };
  for (const char* yaml : valid) {
    SCOPED_TRACE(yaml);
    MustCompile(yaml);
  }
  // A literal written with an exponent reaches the engine in plain digits.
  graph::TestPlan plan = MustCompile(H "  - connect: /\n  - send: \"${randomString(1e3)}\"\n");
  const auto& send = std::get<graph::Send>(Steps(plan)[1].action);
  EXPECT_EQ(Render(send.payload.body), "{randomString(1000)}");
}

}  // namespace
}  // namespace wsyaml::scenario::testing
