// SQL: leadscore.feedback_enabled() — the leadscore.enable_lead_feedback flag.
// submit_feedback() calls it, which also guarantees the library (and so the
// setting's definition) is loaded before the flag is read.
#include "pg/guard.hpp"
#include "pg/gucs.hpp"

LEADSCORE_FUNCTION(feedback_enabled) { PG_RETURN_BOOL(leadscore::pg::enable_lead_feedback); }
