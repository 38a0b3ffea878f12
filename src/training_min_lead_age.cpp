// SQL: leadscore.training_min_lead_age() — the leadscore.training_min_lead_age
// setting, for the view of trainable leads. Calling it loads the library, so
// the setting is defined before it is read.
#include "pg/guard.hpp"
#include "pg/gucs.hpp"

LEADSCORE_FUNCTION(training_min_lead_age) { PG_RETURN_INT32(leadscore::pg::training_min_lead_age_days); }
