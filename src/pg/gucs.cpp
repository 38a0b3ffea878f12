// Every leadscore.* setting is declared once, in the table below, with its
// type, default, range, who may set it and why; registration and
// leadscore.settings() are derived from it.
//
// Feature gates and limits are PGC_SUSET: they bound what API callers may do,
// so an API caller must not be able to change them with SET or set_config().
// A superuser sets them per database or role (ALTER DATABASE/ROLE ... SET), or
// grants the right with GRANT SET ON PARAMETER.
#include "pg/gucs.hpp"

#include "pg/postgres.hpp"

extern "C" {
#include "lib/stringinfo.h"
}

namespace leadscore::pg {

bool enable_lead_feedback = true;
bool enable_ml_scoring = false;
bool enable_nightly_training = false;
int training_min_lead_age_days = 14;
int score_history_retention_days = 365;
int max_feedback_per_day = 1000;
int max_private_leads_per_day = 1000;
int quote_expiry_days = 60;

namespace {

struct Setting {
  const char* name;  // without the "leadscore." prefix
  bool* bool_var;    // exactly one of bool_var, int_var
  int* int_var;
  int int_min, int_max;
  GucContext context;
  const char* short_desc;
  const char* long_desc;
};

// Defaults are the variables' initial values above (Postgres requires them
// to agree, and checks in assert-enabled builds).
constexpr Setting kSettings[] = {
    {"enable_lead_feedback", &enable_lead_feedback, nullptr, 0, 0, PGC_SUSET,
     "Accept contractors' feedback through leadscore.submit_feedback().",
     "When off, submit_feedback() fails with an error; reading feedback still works."},
    // A default, not a permission: callers may pass use_ml explicitly, so any
    // session may change it too.
    {"enable_ml_scoring", &enable_ml_scoring, nullptr, 0, 0, PGC_USERSET,
     "Score leads with the active model when use_ml is not given.",
     "Off (the default) scores by rules; on uses the active model, falling back to rules without one."},
    {"enable_nightly_training", &enable_nightly_training, nullptr, 0, 0, PGC_SUSET,
     "Let leadscore.nightly_training() train and rescore.",
     "When off (the default), each run is recorded as skipped with this reason and changes nothing else."},
    // Leads younger than this have had no time to be answered; training on
    // them would teach the model that every new lead fails.
    {"training_min_lead_age", nullptr, &training_min_lead_age_days, 0, 36500, PGC_SUSET,
     "Minimum age, in days, of a lead before training uses its label.",
     "Leads created more recently are left out of training; leads without created_at count as old enough."},
    {"score_history_retention", nullptr, &score_history_retention_days, 0, 36500, PGC_SUSET,
     "Days that leadscore.score_history keeps each stored score.",
     "nightly_training() deletes older rows; 0 keeps no history past the next run."},
    // Rate limits bound how much one signed-in account can write: its share of
    // the labels and of the leads training reads.
    {"max_feedback_per_day", nullptr, &max_feedback_per_day, 1, 10000000, PGC_SUSET,
     "Most feedback rows one signed-in account may write in 24 hours.",
     "submit_feedback() refuses more (SQLSTATE 54000); service_role is not limited."},
    {"max_private_leads_per_day", nullptr, &max_private_leads_per_day, 1, 10000000, PGC_SUSET,
     "Most of its own leads one signed-in account may create or change in 24 hours.",
     "score_leads() refuses a body that would go past it (SQLSTATE 54000); service_role is not limited."},
    // A quote nobody accepted for this long is a lost deal: without it, leads
    // that reached a quote and then went quiet would never be labelled, and
    // the model would learn only from the quick wins and losses.
    {"quote_expiry_days", nullptr, &quote_expiry_days, 1, 3650, PGC_SUSET,
     "Days after which an unresolved rating (by default quoted) counts as lost.",
     "A rating that rating_labels maps to NULL resolves to lost once its feedback row is older than this."},
};

}  // namespace

void define_settings() {
  for (const Setting& s : kSettings) {
    const char* name = psprintf("leadscore.%s", s.name);
    if (s.bool_var)
      DefineCustomBoolVariable(name, s.short_desc, s.long_desc, s.bool_var, *s.bool_var, s.context, 0, nullptr,
                               nullptr, nullptr);
    else
      DefineCustomIntVariable(name, s.short_desc, s.long_desc, s.int_var, *s.int_var, s.int_min, s.int_max,
                              s.context, 0, nullptr, nullptr, nullptr);
  }
  MarkGUCPrefixReserved("leadscore");
}

char* settings_json() {
  StringInfoData out;
  initStringInfo(&out);
  appendStringInfoChar(&out, '{');
  bool first = true;
  for (const Setting& s : kSettings) {
    appendStringInfo(&out, "%s\"%s\": ", first ? "" : ", ", s.name);
    if (s.bool_var) appendStringInfoString(&out, *s.bool_var ? "true" : "false");
    else appendStringInfo(&out, "%d", *s.int_var);
    first = false;
  }
  appendStringInfoChar(&out, '}');
  return out.data;
}

}  // namespace leadscore::pg
