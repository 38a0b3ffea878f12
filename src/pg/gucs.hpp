// leadscore's settings, all under the reserved prefix "leadscore.".
#pragma once

namespace leadscore::pg {

// Registers every leadscore.* setting; called once from _PG_init.
void define_settings();

// leadscore.enable_lead_feedback: when off, submit_feedback refuses new feedback.
extern bool enable_lead_feedback;

// leadscore.enable_ml_scoring: whether score_lead(..., use_ml => NULL) uses the model.
extern bool enable_ml_scoring;

// leadscore.enable_nightly_training: when off, nightly_training() records a skipped run.
extern bool enable_nightly_training;

// leadscore.training_min_lead_age (days): training leaves out leads created more recently.
extern int training_min_lead_age_days;

// leadscore.score_history_retention (days): how long score_history keeps rows.
extern int score_history_retention_days;

// leadscore.max_feedback_per_day: feedback rows one signed-in account may write in 24 hours.
extern int max_feedback_per_day;

// leadscore.max_private_leads_per_day: own leads one signed-in account may write in 24 hours.
extern int max_private_leads_per_day;

// leadscore.quote_expiry_days: an unresolved rating older than this counts as lost.
extern int quote_expiry_days;

// Every setting's current value as a JSON object text, keyed by name without
// the prefix; palloc'd. Plain Postgres style.
char* settings_json();

}  // namespace leadscore::pg
