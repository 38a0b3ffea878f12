// leadscore's settings, all under the reserved prefix "leadscore.".
#pragma once

namespace leadscore::pg {

// Registers every leadscore.* setting; called once from _PG_init.
void define_settings();

// leadscore.enable_lead_feedback: when off, submit_feedback refuses new feedback.
extern bool enable_lead_feedback;

// leadscore.enable_ml_scoring: whether score_lead(..., use_ml => NULL) uses the model.
extern bool enable_ml_scoring;

}  // namespace leadscore::pg
