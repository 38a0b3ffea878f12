// SQL: leadscore.settings() -> jsonb — every leadscore.* setting as the session
// sees it. Calling it loads the library, so every setting is defined (never a
// custom setting that PostgreSQL keeps as unchecked text) when SQL reads it.
#include "pg/guard.hpp"
#include "pg/gucs.hpp"

extern "C" {
#include "utils/jsonb.h"
}

LEADSCORE_FUNCTION(settings) {
  Datum result;
  leadscore::pg::pg_call([&] { result = DirectFunctionCall1(jsonb_in, CStringGetDatum(leadscore::pg::settings_json())); });
  return result;
}
