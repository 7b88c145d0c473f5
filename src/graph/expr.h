// Expressions inside `${...}`: a plain-data tree built once by the compiler and evaluated by
// the engine (engine/expr_eval.h). No parsing happens at run time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace re2 {
class RE2;
}

namespace wsyaml::graph {

/// One step of a path into a JSON value: `a` in msg.a, or `[0]` in msg.list[0].
struct PathElem {
  std::string key;  ///< object key; empty when this is an array index
  int index = -1;   ///< array index, or -1 for an object key
};
/// A path into a JSON document, e.g. msg.user.name -> {"user","name"}; empty = the whole text.
using JsonPath = std::vector<PathElem>;

/// Functions callable in expressions (the first five also in the old template form).
enum class Function {
  kRandomInt,
  kRandomString,
  kRandomItem,
  kUuid,
  kTimestamp,
  kLen,
  kHas,
  kInt,
  kFloat,
  kStr,
  kLower,
  kUpper,
  kTrim,
  kSplit,
  kJoin,
  kStartsWith,
  kEndsWith,
  kMatches,
  kMin,
  kMax,
  kAbs,
  kKeys,
  kParseJson,
  kToJson,
  kNow,
};

/// The longest text randomString(n) makes (1 MiB): the compiler rejects a larger constant n,
/// the engine stops there for one computed at run time.
inline constexpr int64_t kMaxRandomString = int64_t{1} << 20;

/// The name of a function as written ("startsWith").
inline const char* FunctionName(Function f) {
  static const char* const kNames[] = {
      "randomInt", "randomString", "randomItem", "uuid",    "timestamp", "len",  "has",
      "int",       "float",        "str",        "lower",   "upper",     "trim", "split",
      "join",      "startsWith",   "endsWith",   "matches", "min",       "max",  "abs",
      "keys",      "parseJson",    "toJson",     "now"};
  return kNames[static_cast<int>(f)];
}

/// Operators of unary and binary expression nodes.
enum class Op {
  kNot,  ///< !a
  kNeg,  ///< -a
  kOr,
  kAnd,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kIn,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
};

/// What the compiler knows of an expression's type; kUnknown until run time (msg fields).
enum class ValueType { kUnknown, kNull, kBool, kNumber, kText, kList, kMap };

/// A source position inside an expression (line, column), 1-based; 0 = none.
struct ExprPos {
  int line = 0;
  int column = 0;
};

/// One node of an expression tree.
struct Expr {
  enum class Kind {
    kNull,          ///< null
    kBool,          ///< `boolean`
    kNumber,        ///< `number`
    kText,          ///< `text`
    kList,          ///< [args...]
    kMap,           ///< {keys[i]: args[i]}
    kVu,            ///< vu
    kConn,          ///< conn
    kIter,          ///< iter
    kConnProtocol,  ///< conn.protocol
    kVar,           ///< variable `slot`
    kMsg,           ///< msg`path` (borrowed from the parsed message)
    kSent,          ///< sent`path`
    kData,          ///< data.FEED.COLUMN: feeder `slot`, column `text`
    kUnary,         ///< `op` args[0]
    kBinary,        ///< args[0] `op` args[1] (kOr and kAnd short-circuit)
    kCond,          ///< args[0] ? args[1] : args[2]
    kCoalesce,      ///< args[0] ?? args[1]: args[1] when args[0] is missing or null
    kMember,        ///< args[0].text
    kIndex,         ///< args[0][args[1]]
    kCall,          ///< function(args...)
  };
  Kind kind = Kind::kNull;
  Op op = Op::kNot;
  bool boolean = false;
  double number = 0;
  std::string text;  ///< kText, kMember name, kData column
  int slot = -1;     ///< kVar slot, kData feeder
  JsonPath path;     ///< kMsg, kSent
  Function function = Function::kUuid;
  std::vector<Expr> args;         ///< operands, elements, arguments
  std::vector<std::string> keys;  ///< kMap keys, parallel to args
  /// kCall kMatches with a constant pattern: compiled once by the compiler.
  std::shared_ptr<const re2::RE2> regex;
  ValueType type = ValueType::kUnknown;  ///< what the compiler could see
  ExprPos pos;                           ///< where the node starts, for run-time errors
};

}  // namespace wsyaml::graph
