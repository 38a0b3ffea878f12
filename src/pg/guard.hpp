// The border between C++ and Postgres, crossed in both directions.
//
// Postgres reports errors with longjmp, which skips C++ destructors; C++ reports
// errors with exceptions, which Postgres cannot catch. So:
//  - every SQL-callable function is declared with LEADSCORE_FUNCTION, which runs
//    its body inside guard(): a C++ exception is caught, its message copied to a
//    fixed buffer, the catch block closed, and only then is ereport() raised;
//  - C++ code holding live objects calls Postgres through pg_call(): a Postgres
//    error is caught with PG_TRY, copied, and rethrown as the C++ PgError, which
//    unwinds the C++ stack before guard() re-raises the original error. No C++
//    exception crosses its PG_TRY either, and Postgres' error stacks are put
//    back by RAII on every way out (as pg_duckdb's PostgresFunctionGuard does);
//  - guard() checks on the way out that the body left those stacks as it
//    found them, so a dangling one is an error here, not a crash later.
#pragma once

#include <exception>
#include <type_traits>
#include <utility>

#include "core/errors.hpp"
#include "pg/postgres.hpp"

namespace leadscore::pg {

// A Postgres error travelling through C++ frames; guard() re-raises it unchanged.
class PgError : public std::exception {
 public:
  explicit PgError(ErrorData* data) : data_(data) {}
  const char* what() const noexcept override { return data_ ? data_->message : "postgres error"; }
  ErrorData* data() const noexcept { return data_; }

 private:
  ErrorData* data_;  // palloc'd in the caller's memory context; freed with it
};

using FunctionBody = Datum (*)(FunctionCallInfo);

// Runs body; turns any C++ exception into an ereport(ERROR) raised after unwinding.
Datum guard(FunctionCallInfo fcinfo, FunctionBody body, const char* function_name);

// Calls fn (which calls Postgres) and turns a Postgres error into PgError.
// fn is written in plain Postgres style; should it throw a C++ exception all
// the same, the exception is carried out of the PG_TRY block and rethrown.
template <typename Fn>
auto pg_call(Fn&& fn) -> decltype(fn());

// True when Postgres wants the running statement to stop (cancel, timeout, shutdown).
// Cheap and safe to call from the backend thread only; core callbacks use it.
bool interrupt_pending();

// --- implementation of pg_call ------------------------------------------------

ErrorData* capture_error(MemoryContext context);

// Postgres' error stacks as they were when this object was made, put back when
// it goes away, however the scope is left: a PG_TRY block restores them only
// when control reaches PG_CATCH or PG_END_TRY, and anything else (an exception,
// a return) would leave PG_exception_stack pointing into a dead stack frame.
class ErrorStacks {
 public:
  ErrorStacks() noexcept : exception_stack_(PG_exception_stack), context_stack_(error_context_stack) {}
  ~ErrorStacks() { restore(); }
  ErrorStacks(const ErrorStacks&) = delete;
  ErrorStacks& operator=(const ErrorStacks&) = delete;

  void restore() const noexcept {
    PG_exception_stack = exception_stack_;
    error_context_stack = context_stack_;
  }

 private:
  sigjmp_buf* const exception_stack_;
  ErrorContextCallback* const context_stack_;
};

template <typename Fn>
auto pg_call(Fn&& fn) -> decltype(fn()) {
  using Result = decltype(fn());
  ErrorStacks stacks;
  MemoryContext context = CurrentMemoryContext;
  ErrorData* volatile error = nullptr;
  // Set only by a C++ exception, after which the block is left normally: never
  // across a longjmp, so neither needs to be volatile.
  std::exception_ptr thrown;
  if constexpr (std::is_void_v<Result>) {
    PG_TRY();
    {
      try {
        fn();
      } catch (...) {
        thrown = std::current_exception();
      }
    }
    PG_CATCH();
    { error = capture_error(context); }
    PG_END_TRY();
    if (thrown) std::rethrow_exception(thrown);
    if (error) throw PgError(error);
  } else {
    Result result{};
    PG_TRY();
    {
      try {
        result = fn();
      } catch (...) {
        thrown = std::current_exception();
      }
    }
    PG_CATCH();
    { error = capture_error(context); }
    PG_END_TRY();
    if (thrown) std::rethrow_exception(thrown);
    if (error) throw PgError(error);
    return result;
  }
}

}  // namespace leadscore::pg

// Declares a SQL-callable function whose body runs under guard().
// Usage: LEADSCORE_FUNCTION(my_function) { ... return SomeDatum; }
#define LEADSCORE_FUNCTION(name)                                              \
  static Datum name##_body(FunctionCallInfo fcinfo);                          \
  extern "C" {                                                                \
  PG_FUNCTION_INFO_V1(name);                                                  \
  PGDLLEXPORT Datum name(PG_FUNCTION_ARGS) {                                  \
    return leadscore::pg::guard(fcinfo, name##_body, #name);                  \
  }                                                                           \
  }                                                                           \
  static Datum name##_body(FunctionCallInfo fcinfo)
