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
bool enable_nightly_training = false;
int training_min_lead_age_days = 14;
int score_history_retention_days = 365;

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

  DefineCustomBoolVariable(
      "leadscore.enable_nightly_training",
      "Let leadscore.nightly_training() train and rescore.",
      "When off (the default), each run is recorded as skipped with this reason and changes nothing else.",
      &enable_nightly_training, false, PGC_SUSET, 0, nullptr, nullptr, nullptr);

  // Leads younger than this have had no time to be answered; training on them
  // would teach the model that every new lead fails.
  DefineCustomIntVariable(
      "leadscore.training_min_lead_age",
      "Minimum age, in days, of a lead before training uses its label.",
      "Leads created more recently are left out of training; leads without created_at count as old enough.",
      &training_min_lead_age_days, 14, 0, 36500, PGC_SUSET, 0, nullptr, nullptr, nullptr);

  DefineCustomIntVariable(
      "leadscore.score_history_retention",
      "Days that leadscore.score_history keeps each stored score.",
      "nightly_training() deletes older rows; 0 keeps no history past the next run.",
      &score_history_retention_days, 365, 0, 36500, PGC_SUSET, 0, nullptr, nullptr, nullptr);

  MarkGUCPrefixReserved("leadscore");
}

}  // namespace leadscore::pg
