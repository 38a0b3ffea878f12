// Scoring and explaining the lead held in a ScoringState, shared by the
// one-lead functions (score_lead, explain_lead) and the batch one
// (score_results), so that a lead gets the same score and the same factors
// whichever way it is asked for.
#pragma once

#include <string>

#include "core/readable_factors.hpp"
#include "pg/scoring_state.hpp"

namespace leadscore::pg {

struct ScoreRow {
  int64 lead_id = 0;
  int score = 0;
  const char* grade = "D";
  bool has_prob = false;
  double win_prob = 0;
  const char* confidence = "low";
  bool has_confidence_value = false;
  double confidence_value = 0;
  const char* method = "rules";
  int model_version = 0;  // 0: none
  // NaN: not known for this score (NULL): the relative standing, the interval,
  // the funnel stages and the deal value.
  double percentile = NAN;
  double win_prob_low = NAN;
  double win_prob_high = NAN;
  double contact_prob = NAN;
  double quote_prob = NAN;
  double value_if_won = NAN;
  double expected_value = NAN;
};

// state.lead scored by the serving model when ml (and one serves), else by the rules.
ScoreRow score_row(ScoringState& state, bool ml);

// Why and how state.lead's score is made up, in points.
struct LeadExplanation {
  bool ml = false;
  int model_version = 0;
  int score = 0;
  double win_prob = 0;  // ml only
  // The funnel (ml, NaN where the model has none): as in ScoreRow.
  double contact_prob = NAN, quote_prob = NAN, value_if_won = NAN, expected_value = NAN;
  PointsExplanation points;
  const char* fallback_reason = nullptr;  // rules only: why not the model
  std::string fallback_detail;
};

// use_ml_given: the caller passed use_ml (not NULL), which names the reason
// when ml is off ("ml_not_requested" rather than "flag_off").
LeadExplanation explain_row(ScoringState& state, bool ml, bool use_ml_given, int top_n);

// Both of the above for state.lead, equal to them, with one walk of the
// trees when the model scores (score_results needs both for every lead).
// scratch holds the attribution between calls.
void score_and_explain_row(ScoringState& state, bool ml, bool use_ml_given, int top_n, Attribution* scratch,
                           ScoreRow* score, LeadExplanation* explanation);

// score_and_explain_row's model branch for a lead whose attribution and
// score the caller already has (Model::attribute_batch, with the serving
// model): the same row and explanation.
void model_row(ScoringState& state, const Lead& lead, const Attribution& a, const Score& s, int top_n,
               ScoreRow* score, LeadExplanation* explanation);

class JsonbBuilder;

// "base_points" and "top_factors" ({"up", "down", "other_points"}), as members
// of the object being written; each factor {"label", "value", "points",
// "feature"}. Members come in jsonb's key order (length, then bytes), which a
// JsonbBuilder requires: in an object written with it, "base_points" and
// "top_factors" come after the keys shorter than 11 bytes, before the longer.
void write_points(JsonWriter& w, const PointsExplanation& p);
void write_points(JsonbBuilder& w, const PointsExplanation& p);

}  // namespace leadscore::pg
