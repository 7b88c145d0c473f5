// The evaluator, one table row per function and per operator on each type pair that matters:
// the result as JSON, or the run-time error with its position and the offending value.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include "expr_fixture.h"

namespace wsyaml::engine::testing {
namespace {

struct Row {
  const char* expr;
  const char* want;  // compact JSON, "missing", or the start of "error: ..."
};

void ExpectRows(const std::vector<Row>& rows) {
  for (const Row& row : rows) {
    CompiledExpr e(row.expr);
    ASSERT_EQ(e.diagnostics(), "") << row.expr;
    std::string got = e.Eval();
    std::string want = row.want;
    if (want.rfind("error: ", 0) == 0) {
      EXPECT_NE(got.find(want.substr(7)), std::string::npos) << row.expr << " -> " << got;
      EXPECT_EQ(got.rfind("error: line 7, column ", 0), 0u) << row.expr << " -> " << got;
    } else {
      EXPECT_EQ(got, want) << row.expr;
    }
  }
}

TEST(ExprEval, TextFunctions) {
  ExpectRows({
      {"len('abc')", "3"},
      {"len(msg.s)", "3"},
      {"len(msg.n)", "error: len() takes text, a list or a map, got number 5"},
      {"lower('AbC')", R"("abc")"},
      {"upper(msg.s)", R"("ABC")"},
      {"trim('  x y \t')", R"("x y")"},
      {"trim('   ')", R"("")"},
      {"upper(msg.n)", "error: upper() takes text, got number 5"},
      {"split('a,b,,c', ',')", R"(["a","b","","c"])"},
      {"split('abc', '')", R"(["abc"])"},
      {"join(['a', 1, true], '-')", R"("a-1-true")"},
      {"join(msg.s, '-')", R"(error: join() takes a list, got text "abc")"},
      {"startsWith('abc', 'ab')", "true"},
      {"startsWith('a', 'ab')", "false"},
      {"endsWith('abc', 'bc')", "true"},
      {"endsWith('c', 'bc')", "false"},
      {"matches('order-42', '^order-[0-9]+$')", "true"},
      {"matches(msg.s, 'b')", "true"},
      {"matches(msg.s, msg.s + 'x')", "false"},
      {"matches(msg.s, msg.bad)", "error: matches() bad regex"},
      {"matches(msg.n, 'a')", "error: matches() takes text, got number 5"},
  });
}

TEST(ExprEval, ConversionAndCollectionFunctions) {
  ExpectRows({
      {"int('42')", "42"},
      {"int(3.7)", "3"},
      {"int(true)", "1"},
      {"int(msg.num) + 1", "43"},
      {"int(msg.s)", R"(error: int() cannot read a number from text "abc")"},
      {"int(msg.list)", "error: int() cannot make a number of list [3,1,2]"},
      {"float('1.5')", "1.5"},
      {"float(msg.num)", "42"},
      {"str(5)", R"("5")"},
      {"str(1.5)", R"("1.5")"},
      {"str(msg.list)", R"("[3,1,2]")"},
      {"str(msg.nope)", R"("")"},
      {"has(msg.id)", "true"},
      {"has(msg.nope)", "false"},
      {"has(msg.nul)", "true"},
      {"keys({b: 1, a: 2})", R"(["a","b"])"},
      {"keys(msg.obj)", R"(["k"])"},
      {"keys(msg.list)", "error: keys() takes a map, got list [3,1,2]"},
      {"len(keys(last))", "1"},
      {"parseJson('{\"a\": [1]}')", R"({"a":[1]})"},
      {"parseJson('{\"a\": [1]}').a[0]", "1"},
      {"parseJson(msg.s)", R"(error: parseJson() got text that is not JSON: text "abc")"},
      {"toJson({a: [1, 'x']})", R"("{\"a\":[1,\"x\"]}")"},
      {"toJson(msg.s)", R"("\"abc\"")"},
  });
}

TEST(ExprEval, NumberFunctions) {
  ExpectRows({
      {"min(3, 1, 2)", "1"},
      {"max(3, 1, 2)", "3"},
      {"min(msg.list)", "1"},
      {"max(msg.list)", "3"},
      {"abs(-2.5)", "2.5"},
      {"abs(msg.n)", "5"},
      {"max(1, msg.s)", R"(error: max() takes numbers, got text "abc")"},
      {"min(split('', ','))", R"(error: min() takes numbers, got text "")"},
      {"min(msg.obj)", R"(error: min() takes numbers, got map {"k":"v"})"},
  });
}

TEST(ExprEval, FunctionsWithChanceAndTime) {
  for (int i = 0; i < 50; ++i) {
    // Arguments that are expressions: the expression forms, not today's template functions.
    std::string drawn = CompiledExpr("randomInt(1, 1 + 2)").Eval();
    EXPECT_TRUE(drawn == "1" || drawn == "2" || drawn == "3") << drawn;
    std::string item = CompiledExpr("randomItem('a', 'b' + '')").Eval();
    EXPECT_TRUE(item == R"("a")" || item == R"("b")") << item;
  }
  EXPECT_EQ(CompiledExpr("randomItem([7])").Eval(), "7");
  EXPECT_EQ(CompiledExpr("randomItem(split('x', ','))").Eval(), R"("x")");
  EXPECT_EQ(CompiledExpr("randomInt(msg.n, msg.n)").Eval(), "5");
  std::string s = CompiledExpr("randomString(6 + 6)").Eval();
  EXPECT_EQ(s.size(), 14u) << s;  // quoted
  EXPECT_EQ(s.find_first_not_of("\"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
            std::string::npos)
      << s;
  std::string u = CompiledExpr("uuid() + ''").Eval();
  ASSERT_EQ(u.size(), 38u) << u;
  EXPECT_EQ(u[15], '4') << u;
  EXPECT_EQ(CompiledExpr("uuid() != uuid()").Eval(), "true");
  EXPECT_EQ(CompiledExpr("timestamp() > 1.7e12 && timestamp() == int(timestamp())").Eval(), "true");
  EXPECT_EQ(CompiledExpr("now() > 1.7e12 && now() - timestamp() < 1000").Eval(), "true");
}

TEST(ExprEval, Arithmetic) {
  ExpectRows({
      {"1 + 2", "3"},
      {"msg.price * 2", "21"},
      {"msg.n - 7", "-2"},
      {"msg.n / 2", "2.5"},
      {"msg.n % 3", "2"},
      {"-msg.n", "-5"},
      {"'a' + msg.n", R"("a5")"},
      {"msg.n + 'a'", R"("5a")"},
      {"msg.s + msg.s", R"("abcabc")"},
      {"'x' + msg.list", R"("x[3,1,2]")"},
      {"msg.list + [4]", "[3,1,2,4]"},
      {"msg.n / 0", "error: '/' by zero"},
      {"msg.n % 0", "error: '%' by zero"},
      {"msg.list * 2", "error: '*' needs numbers, got list [3,1,2]"},
      {"msg.n - msg.b", "error: '-' needs numbers, got bool true"},
      {"msg.nope + 1", "error: '+' needs numbers, got nothing"},
      {"msg.obj + msg.list", R"(error: '+' needs numbers, got map {"k":"v"})"},
      {"-msg.s", R"(error: '-' needs a number, got text "abc")"},
  });
}

TEST(ExprEval, Comparisons) {
  ExpectRows({
      {"msg.n < 6", "true"},
      {"msg.n <= 5", "true"},
      {"msg.n > 5", "false"},
      {"msg.n >= 5.0", "true"},
      {"msg.s < 'abd'", "true"},
      {"msg.s >= 'b'", "false"},
      {"msg.s < 1", R"(error: '<' needs two numbers or two texts, got text "abc" and number 1)"},
      {"msg.b > msg.b", "error: '>' needs two numbers or two texts, got bool true"},
      {"msg.nope < 1", "error: '<' needs two numbers or two texts, got nothing and number 1"},
      {"msg.n == 5.0", "true"},
      {"msg.num == 42", "false"},
      {"msg.s == 'abc'", "true"},
      {"msg.s != 'abc'", "false"},
      {"msg.nope == null", "true"},
      {"msg.nul == null", "true"},
      {"msg.nul == msg.nope", "true"},
      {"msg.b == true", "true"},
      {"msg.list == [3, 1, 2]", "true"},
      {"msg.list != [1, 2, 3]", "true"},
      {"msg.obj == {k: 'v'}", "true"},
      {"msg.obj == msg.list", "false"},
  });
}

TEST(ExprEval, MembershipLogicAndChoice) {
  ExpectRows({
      {"2 in msg.list", "true"},
      {"9 in msg.list", "false"},
      {"'k' in msg.obj", "true"},
      {"'v' in msg.obj", "false"},
      {"'bc' in msg.s", "true"},
      {"msg.n in msg.s",
       "error: 'in' needs an item and a list, a key and a map, or two texts, got number 5 and "
       "text \"abc\""},
      {"1 in msg.n", "error: 'in' needs an item and a list"},
      {"msg.b && msg.n > 1", "true"},
      {"!msg.b || msg.n > 9", "false"},
      {"!msg.b && msg.n", "false"},  // short-circuit: the right side is not evaluated
      {"msg.b || msg.n", "true"},
      {"msg.n && true", "error: '&&' needs bools, got number 5"},
      {"msg.b && msg.s", R"(error: '&&' needs bools, got text "abc")"},
      {"!msg.n", "error: '!' needs a bool, got number 5"},
      {"msg.b ? msg.s : 1", R"("abc")"},
      {"!msg.b ? msg.s : 1", "1"},
      {"msg.n ? 1 : 2", "error: the condition of ?: needs a bool, got number 5"},
      {"msg.nope ?? 7", "7"},
      {"msg.nul ?? 'x'", R"("x")"},
      {"msg.n ?? 7", "5"},
  });
}

TEST(ExprEval, MembersAndElements) {
  ExpectRows({
      {"msg.list[0]", "3"},
      {"msg.list[-1]", "2"},
      {"msg.list[9]", "missing"},
      {"msg.list[msg.price]", "missing"},
      {"msg.obj.k", R"("v")"},
      {"msg.obj['k']", R"("v")"},
      {"msg.obj.nope", "missing"},
      {"msg.nope.deeper", "missing"},
      {"msg.s.length", "missing"},
      {"last[msg.symbol]", "41"},
      {"last[msg.symbol] + 1", "42"},
      {"last['MSFT'] ?? 0", "0"},
      {"msg.list['x']", R"(error: cannot index list [3,1,2] with text "x")"},
      {"msg.obj[1]", "missing"},  // a fixed path, as in today's templates
      {"msg.obj[msg.n - 4]", R"(error: cannot index map {"k":"v"} with number 1)"},
      {"msg.s[msg.n - 5]", R"(error: cannot index text "abc" with number 0)"},
      // Elements of computed lists and maps outlive them.
      {"split('a,b', ',')[1]", R"("b")"},
      {"[[1, 2], [3]][0]", "[1,2]"},
      {"{a: {b: [5, 'x']}}.a.b[1]", R"("x")"},
      {"{a: {b: 2}}.a", R"({"b":2})"},
      {"[vu, iter, conn]", "[3,7,0]"},
  });
}

TEST(ExprEval, ErrorsCarryThePositionOfTheFailingNode) {
  // `${` opens at column 17 of line 7; the expression starts at column 19.
  EXPECT_EQ(CompiledExpr("msg.n && true").Eval(),
            "error: line 7, column 19: '&&' needs bools, got number 5");
  EXPECT_EQ(CompiledExpr("true && msg.s").Eval(),
            "error: line 7, column 27: '&&' needs bools, got text \"abc\"");
  std::string long_text = CompiledExpr("msg.long * 2").Eval();
  EXPECT_NE(long_text.find("got text \"a text well beyond the short-string buffer\""),
            std::string::npos)
      << long_text;
}

TEST(ExprEval, AnExpressionInARegexIsInsertedLiterally) {
  CompiledExpr e("msg.s + '.*[' + msg.n");
  ASSERT_EQ(e.diagnostics(), "");
  graph::Template tmpl;
  tmpl.segments.resize(1);
  tmpl.segments[0].kind = graph::Segment::Kind::kExpr;
  tmpl.segments[0].escape = graph::Escape::kRegex;
  tmpl.segments[0].expr = std::make_shared<const graph::Expr>(*e.expr());
  EXPECT_EQ(Render(tmpl, e.context()), "abc\\.\\*\\[5");
}

TEST(ExprEval, ValuesOwningStorageCopyAndMove) {
  Value text = Value::OwnText(std::string(100, 'x'));
  Value copy = text;
  { Value gone = std::move(text); }
  EXPECT_EQ(copy.text(), std::string(100, 'x'));
  Value list = Value::Own(nlohmann::json::array({1, "two"}));
  const nlohmann::json* second = &list.json()[1];
  Value element = Value::ElementOf(std::move(list), second);
  EXPECT_FALSE(list.Owns());
  EXPECT_EQ(element.text(), "two");
  Value again = element;
  element = Value::Number(1);
  EXPECT_EQ(again.text(), "two");
  EXPECT_FALSE(Value::Number(1).Owns());
  EXPECT_FALSE(Value::BorrowText("x").Owns());
}

}  // namespace
}  // namespace wsyaml::engine::testing
