// Every leadscore.* setting is defined here, with who may set it and why.
//
// Feature flags are PGC_SUSET: they gate what API callers may do, so an API
// caller must not be able to flip them with SET or set_config(). A superuser
// sets them per database or role (ALTER DATABASE/ROLE ... SET), or grants the
// right with GRANT SET ON PARAMETER.
#include "pg/gucs.hpp"

#include "pg/postgres.hpp"

namespace leadscore::pg {

bool enable_lead_feedback = true;
bool enable_ml_scoring = false;

void define_settings() {
  DefineCustomBoolVariable(
      "leadscore.enable_lead_feedback",
      "Accept contractors' feedback through leadscore.submit_feedback().",
      "When off, submit_feedback() fails with an error; reading feedback still works.",
      &enable_lead_feedback, true, PGC_SUSET, 0, nullptr, nullptr, nullptr);

  // A default, not a permission: callers may pass use_ml explicitly, so any
  // session may change it too.
  DefineCustomBoolVariable(
      "leadscore.enable_ml_scoring",
      "Score leads with the active model when use_ml is not given.",
      "Off (the default) scores by rules; on uses the active model, falling back to rules without one.",
      &enable_ml_scoring, false, PGC_USERSET, 0, nullptr, nullptr, nullptr);

  MarkGUCPrefixReserved("leadscore");
}

}  // namespace leadscore::pg
