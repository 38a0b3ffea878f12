// SQL: leadscore.quote_expiry_days() — the leadscore.quote_expiry_days
// setting, for the labelling rule. Calling it loads the library, so the
// setting is defined before it is read.
#include "pg/guard.hpp"
#include "pg/gucs.hpp"

LEADSCORE_FUNCTION(quote_expiry_days) { PG_RETURN_INT32(leadscore::pg::quote_expiry_days); }
