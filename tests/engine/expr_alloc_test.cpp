// "No allocation for scalar results": this file replaces the global operator new of the
// engine test binary with one that counts, and evaluates scalar expressions with the count
// watched. Adding a heap allocation to the evaluation of a scalar makes it fail.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "expr_fixture.h"

// AddressSanitizer owns operator new and delete: a replacement would free with free() what
// its own operator new allocated in other translation units (alloc-dealloc-mismatch). The
// count is taken in the Release pass; the sanitized pass skips these tests.
#if defined(__SANITIZE_ADDRESS__)
#define WSYAML_COUNT_ALLOCATIONS 0
#else
#define WSYAML_COUNT_ALLOCATIONS 1
#endif

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

#if WSYAML_COUNT_ALLOCATIONS
void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#endif

namespace wsyaml::engine::testing {
namespace {

// Heap allocations made by evaluating `expr` 100 times (compiled and parsed beforehand).
long AllocationsOf(const std::string& expr, std::string* result) {
  CompiledExpr e(expr);
  EXPECT_EQ(e.diagnostics(), "") << expr;
  if (!e.expr()) return -1;
  *result = e.Eval();
  long before = g_allocations.load();
  for (int i = 0; i < 100; ++i) {
    Value value;
    EvalError error;
    Evaluate(*e.expr(), e.context(), &value, &error);
  }
  return g_allocations.load() - before;
}

TEST(ExprAlloc, ScalarResultsDoNotAllocate) {
  if (!WSYAML_COUNT_ALLOCATIONS) GTEST_SKIP() << "AddressSanitizer owns operator new";
  const char* const kScalar[] = {
      "msg.seq != last[msg.symbol] + 1",
      "msg.price > 0 && has(msg.id) && msg.qty <= 100",
      "last[msg.symbol] + 1",
      "last['MSFT'] ?? 0",
      "msg.s == 'abc' ? msg.n * 2 : -1",
      "msg.long == 'x' || msg.long != msg.s",
      "len(msg.long) + abs(-msg.price) + min(msg.list) + max(1, msg.n)",
      "startsWith(msg.long, 'a text') && endsWith(msg.s, 'c') && 'bc' in msg.s",
      "matches(msg.symbol, '^[A-Z]+$')",
      "2 in msg.list && 'k' in msg.obj && msg.obj.k == 'v' && msg.list[-1] == 2",
      "int(msg.num) + float('1.5') + int(msg.b)",
      "msg.nope ?? msg.nul ?? msg.n % 3",
      "vu + iter + conn",
      "msg.s",
      "msg.list",
  };
  for (const char* expr : kScalar) {
    std::string result;
    EXPECT_EQ(AllocationsOf(expr, &result), 0) << expr << " = " << result;
    EXPECT_EQ(result.rfind("error", 0), std::string::npos) << expr << " = " << result;
  }
}

TEST(ExprAlloc, TheCounterSeesComputedTexts) {
  if (!WSYAML_COUNT_ALLOCATIONS) GTEST_SKIP() << "AddressSanitizer owns operator new";
  // The test above can fail: a computed text beyond the short-string buffer allocates.
  std::string result;
  EXPECT_GE(AllocationsOf("upper(msg.long) + msg.s", &result), 100) << result;
}

}  // namespace
}  // namespace wsyaml::engine::testing
