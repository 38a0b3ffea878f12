// Maps C++ exceptions to SQLSTATEs and re-raises them as Postgres errors.
#include "pg/guard.hpp"

#include <cstring>
#include <new>

namespace leadscore::pg {
namespace {

// Why the body failed, captured without allocating so the catch block can close
// before Postgres longjmps.
struct Failure {
  int sqlstate = 0;
  bool cancelled = false;
  ErrorData* postgres_error = nullptr;
  char message[1024];  // written only on failure: guard() runs once per row scored

  void set(int state, const char* text) {
    sqlstate = state;
    std::strncpy(message, text ? text : "unknown error", sizeof(message) - 1);
    message[sizeof(message) - 1] = '\0';
  }
};

}  // namespace

ErrorData* capture_error(MemoryContext context) {
  MemoryContextSwitchTo(context);
  ErrorData* data = CopyErrorData();
  FlushErrorState();
  return data;
}

bool interrupt_pending() {
  return InterruptPending && (QueryCancelPending || ProcDiePending);
}

Datum guard(FunctionCallInfo fcinfo, FunctionBody body, const char* function_name) {
  // Plain pointers, not an ErrorStacks: the ereport()s below leave this frame
  // by longjmp, which must skip no destructor.
  sigjmp_buf* const entry_exception_stack = PG_exception_stack;
  ErrorContextCallback* const entry_context_stack = error_context_stack;
  Failure failure;
  Datum result = 0;
  bool returned = false;
  try {
    result = body(fcinfo);
    returned = true;
  } catch (const PgError& e) {
    failure.postgres_error = e.data();
  } catch (const Cancelled&) {
    failure.cancelled = true;
  } catch (const InvalidInput& e) {
    failure.set(ERRCODE_INVALID_PARAMETER_VALUE, e.what());
  } catch (const CorruptModel& e) {
    failure.set(ERRCODE_DATA_CORRUPTED, e.what());
  } catch (const std::bad_alloc&) {
    failure.set(ERRCODE_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception& e) {
    failure.set(ERRCODE_INTERNAL_ERROR, e.what());
  } catch (...) {
    failure.set(ERRCODE_INTERNAL_ERROR, "unknown C++ exception");
  }

  // Every C++ frame below us is gone now; raising a Postgres error is safe,
  // once the error stacks are known to point into live frames: a body that
  // left a PG_TRY block by other than its end would make the next ereport
  // jump into a dead one.
  if (PG_exception_stack != entry_exception_stack || error_context_stack != entry_context_stack) {
    PG_exception_stack = entry_exception_stack;
    error_context_stack = entry_context_stack;
    ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
                    errmsg("leadscore: internal error: %s left Postgres' error stacks dangling", function_name),
                    errdetail("A PG_TRY block or an error context callback was left without being closed.")));
  }
  if (returned) return result;
  if (failure.postgres_error) ReThrowError(failure.postgres_error);
  if (failure.cancelled) {
    // Let Postgres report the real reason (cancel request, statement_timeout, shutdown).
    CHECK_FOR_INTERRUPTS();
    ereport(ERROR, (errcode(ERRCODE_QUERY_CANCELED),
                    errmsg("leadscore: %s was cancelled", function_name)));
  }
  ereport(ERROR, (errcode(failure.sqlstate), errmsg("leadscore: %s", failure.message)));
  pg_unreachable();
}

}  // namespace leadscore::pg
