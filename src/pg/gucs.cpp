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

void define_settings() {
  DefineCustomBoolVariable(
      "leadscore.enable_lead_feedback",
      "Accept contractors' feedback through leadscore.submit_feedback().",
      "When off, submit_feedback() fails with an error; reading feedback still works.",
      &enable_lead_feedback, true, PGC_SUSET, 0, nullptr, nullptr, nullptr);

  MarkGUCPrefixReserved("leadscore");
}

}  // namespace leadscore::pg
