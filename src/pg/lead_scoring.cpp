// See lead_scoring.hpp.
#include "pg/lead_scoring.hpp"

#include <cmath>

#include "core/json.hpp"
#include "core/readable_factors.hpp"
#include "core/rules.hpp"
#include "core/score_scale.hpp"
#include "pg/jsonb_builder.hpp"

namespace leadscore::pg {
namespace {

// Points to one decimal: the sum of shown points then matches the score
// to rounding, without float noise such as 9.99999.
double tenths(double v) { return std::round(v * 10.0) / 10.0 + 0.0; }

template <typename Writer>
void write_list(Writer& w, const char* key, const std::vector<ReadableFactor>& factors) {
  w.key(key).begin_array();
  for (const auto& f : factors)
    w.begin_object()
        .key("label").value(f.label)
        .key("value").value(f.value)
        .key("points").value(tenths(f.points))
        .key("feature").value(f.feature)
        .end_object();
  w.end_array();
}

template <typename Writer>
void write_points_to(Writer& w, const PointsExplanation& p) {
  w.key("base_points").value(tenths(p.base_points));
  w.key("top_factors").begin_object();
  write_list(w, "up", p.up);
  write_list(w, "down", p.down);
  w.key("other_points").value(tenths(p.other_points));
  w.end_object();
}

void fill_ml_row(const Score& s, const ServingModel& serving, ScoreRow* row) {
  row->score = percent_score(s.win_prob);
  row->has_prob = true;
  row->win_prob = s.win_prob;
  row->confidence = to_string(s.confidence);
  row->has_confidence_value = true;
  row->confidence_value = s.confidence_value;
  row->method = "ml";
  row->model_version = serving.version;
  row->percentile = s.percentile;
  row->win_prob_low = s.win_prob_low;
  row->win_prob_high = s.win_prob_high;
  row->contact_prob = s.contact_prob;
  row->quote_prob = s.quote_prob;
  row->value_if_won = s.value_if_won;
  row->expected_value = s.expected_value;
}

// The funnel's figures beside an explanation (NaN where the model has none).
void fill_funnel(const Score& s, LeadExplanation* e) {
  e->contact_prob = s.contact_prob;
  e->quote_prob = s.quote_prob;
  e->value_if_won = s.value_if_won;
  e->expected_value = s.expected_value;
}

// A model stored before percentiles existed keeps the absolute grade.
const char* grade_for(ScoringState& state, const ScoreRow& row) {
  return std::isnan(row.percentile) ? grade_of(row.score) : grade_bands(state).grade_of(row.percentile);
}

LeadExplanation ml_explanation(ScoringState& state, const Lead& lead, const Attribution& a, int top_n) {
  const Model& m = *state.serving.model;
  LeadExplanation out;
  out.ml = true;
  out.model_version = state.serving.version;
  out.score = percent_score(a.win_prob);
  out.win_prob = a.win_prob;
  out.points = model_points(a, m.spec(), m.calibrator(), lead, state.now, top_n);
  return out;
}

}  // namespace

ScoreRow score_row(ScoringState& state, bool ml) {
  ScoreRow row;
  row.lead_id = state.lead.id;
  const ServingModel* serving = ml ? &serving_model(state) : nullptr;
  if (serving && serving->model) {
    fill_ml_row(serving->model->score(state.lead, state.now), *serving, &row);
  } else {
    row.score = score_by_rules(state.lead, state.now, rule_weights(state)).score;
    row.percentile = rules_percentile(row.score);
  }
  row.grade = grade_for(state, row);
  return row;
}

LeadExplanation explain_row(ScoringState& state, bool ml, bool use_ml_given, int top_n) {
  if (ml && serving_model(state).model) {
    Attribution a;
    Score s;
    state.serving.model->attribute(state.lead, state.now, &a, &s);
    LeadExplanation e = ml_explanation(state, state.lead, a, top_n);
    fill_funnel(s, &e);
    return e;
  }
  LeadExplanation out;
  if (!ml) {
    out.fallback_reason = use_ml_given ? "ml_not_requested" : "flag_off";
    out.fallback_detail = "use_ml is false, or leadscore.enable_ml_scoring is off";
  } else {
    out.fallback_reason = state.serving.version == 0 ? "no_active_model" : "model_unreadable";
    out.fallback_detail = state.serving.problem;
  }
  RulesScore r = score_by_rules(state.lead, state.now, rule_weights(state));
  out.score = r.score;
  out.points = rules_points(explain_rules(r, 0), state.lead, state.now, top_n);
  return out;
}

void score_and_explain_row(ScoringState& state, bool ml, bool use_ml_given, int top_n, Attribution* scratch,
                           ScoreRow* score, LeadExplanation* explanation) {
  if (ml && serving_model(state).model) {
    Score s;
    state.serving.model->attribute(state.lead, state.now, scratch, &s);
    model_row(state, state.lead, *scratch, s, top_n, score, explanation);
    return;
  }
  *score = score_row(state, ml);
  *explanation = explain_row(state, ml, use_ml_given, top_n);
}

void model_row(ScoringState& state, const Lead& lead, const Attribution& a, const Score& s, int top_n,
               ScoreRow* score, LeadExplanation* explanation) {
  *score = ScoreRow();
  score->lead_id = lead.id;
  fill_ml_row(s, state.serving, score);
  score->grade = grade_for(state, *score);
  *explanation = ml_explanation(state, lead, a, top_n);  // the funnel's figures are in *score
}

void write_points(JsonWriter& w, const PointsExplanation& p) { write_points_to(w, p); }
void write_points(JsonbBuilder& w, const PointsExplanation& p) { write_points_to(w, p); }

}  // namespace leadscore::pg
