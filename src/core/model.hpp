// The public face of the core: train a model from leads, score and explain
// leads with it, evaluate it. This is the API the Postgres glue links against.
//
//   Model m = train(leads, labels, params, now, should_stop);
//   Score s = m.score(lead, now);              // thread-safe, const
//   m.score_batch(leads.data(), n, now, out);  // the fast path for many leads
//   Explanation e = m.explain(lead, now, 5);
//   Metrics h = evaluate(m, leads, labels, now);
//   std::string blob = serialize(m); Model back = deserialize(blob);  (model_format.hpp)
//
// Training in short: leads are put in a canonical order by a seeded hash of
// their id, so neither row order nor thread count changes the result. A share
// of leads chosen by the same kind of hash (params.holdout_fraction; see
// is_holdout) is held out for the reported metrics. By default
// (params.refit_full) one forest is grown on all leads and calibrated on its
// out-of-bag predictions; the held-out leads are then measured through their
// own out-of-bag predictions (only trees that never saw a lead score it),
// mapped by a calibration fitted on the other leads' out-of-bag predictions,
// so no measured label touches what measures it. Those figures describe a
// forest of about a third of the trees, so they slightly understate the
// shipped model. With refit_full off, the forest is grown on the other leads
// only and the held-out leads are scored by it with the map fitted on the
// other leads: slower to learn from, but what a fair comparison of two models
// on the same held-out part needs. Once measured, the held-out leads join the
// out-of-bag predictions to fit the shipped map, which steadies it with more
// leads than the out-of-bag ones alone (its effect on calibration error is in
// bench/sql/README.md). Compare models on metrics().auc_raw and on raw_prob,
// as the promotion gate does (promotion.hpp): the forest's ranking, which
// never saw the held-out leads and which no map changes.
//
// A score's 90% interval comes from how much the trees disagree: with sd the
// standard deviation of the trees' leaf probabilities for the lead,
//
//   [win_prob_low, win_prob_high] = [cal(raw - 1.645 sd), cal(raw + 1.645 sd)]
//
// (raw clamped to [0, 1] first, cal the calibration map): the spread of one
// tree's estimate, taken as the error's standard deviation and mapped to the
// probability scale by the same monotone map as the score, so the interval
// lies in [0, 1] and holds win_prob. Trees disagree most where the data are
// sparse or conflicting and where a lead is unlike the training leads (each
// tree then routes it by different, untested splits), so the interval is
// wide there. Confidence follows from its width w = win_prob_high -
// win_prob_low: confidence_value = 1 - w; high when w <= kWidthHigh, medium
// when w <= kWidthMedium, else low.
//
// Why not a width fitted on labels: for y ~ Bernoulli(p) and an estimate p^,
// E[(y - p^)^2 - p^(1 - p^)] = E[(p - p^)(1 - 2 p^)], not E[(p - p^)^2]; for a
// calibrated p^ it is zero in every group whatever the error, so held-out
// labels cannot size the interval (bench/sql/README.md has the measurement).
//
// uncertainty = 1 - agreement x support x familiarity, each in [0, 1], is
// reported beside it for diagnosis:
//   agreement   = 1 - 2 * (standard deviation of the trees' leaf probabilities);
//   support     = mean over trees of c / (c + 2 * min_samples_leaf), where c is
//                 the number of bootstrap rows in the lead's leaf;
//   familiarity = 1 - (importance-weighted share of features whose value was
//                 never seen in training: an unseen level, a missing value where
//                 training had none, a number outside the training range).
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/calibration.hpp"
#include "core/errors.hpp"
#include "core/explanation.hpp"
#include "core/features.hpp"
#include "core/forest.hpp"
#include "core/funnel.hpp"
#include "core/lead.hpp"
#include "core/metrics.hpp"
#include "core/params.hpp"
#include "core/score_distribution.hpp"
#include "core/training_set.hpp"

namespace leadscore {

enum class ConfidenceLevel : uint8_t { Low = 0, Medium = 1, High = 2 };
constexpr double kWidthHigh = 0.25;
constexpr double kWidthMedium = 0.45;
constexpr double kZ90 = 1.6448536269514722;  // the normal's 95% point

// "high", "medium" or "low".
const char* to_string(ConfidenceLevel c);

struct Score {
  double win_prob = 0;          // calibrated probability of winning, in [0, 1]
  double raw_prob = 0;          // uncalibrated mean of the trees' leaf probabilities
  ConfidenceLevel confidence = ConfidenceLevel::Low;
  double confidence_value = 0;  // the number behind the label, in [0, 1]
  // 0..100: share of the model's held-out leads with a lower win_prob; NaN
  // for a model stored without that distribution (score_distribution.hpp).
  double percentile = NAN;
  double win_prob_low = 0, win_prob_high = 0;  // a 90% interval for the true win probability
  double uncertainty = 1;  // 1 - agreement x support x familiarity, in [0, 1]
  // The funnel (funnel.hpp), NaN where the model has none: calibrated
  // probabilities that someone reaches a decision maker and that it comes to
  // a quote (contact_prob >= quote_prob >= win_prob), the expected deal value
  // in dollars if won, and win_prob x value_if_won.
  double contact_prob = NAN, quote_prob = NAN;
  double value_if_won = NAN, expected_value = NAN;
};

// A lead's path attribution before any ranking or naming: per feature (as
// numbered in the spec), the sum over trees of the changes in the node's
// class-1 fraction credited to it; divided by n_trees it is the feature's
// contribution. What Model::explain() names and ranks, and what
// model_points() (readable_factors.hpp) turns into points without naming
// the factors it does not show.
struct Attribution {
  double base_value = 0;       // mean raw probability of the tree roots
  double raw_prob = 0;         // equal to Score::raw_prob
  double win_prob = 0;         // calibrated, equal to Score::win_prob
  double n_trees = 0;
  std::vector<double> sums;    // one per feature; its storage is reused by the next call
  std::vector<uint32_t> paths; // the walk's way down each tree, reused likewise
};

class Model {
 public:
  Model() = default;
  Model(FeatureSpec spec, Forest forest, Calibrator cal, Metrics metrics, TrainParams params,
        ScoreDistribution held_out = ScoreDistribution(), Funnel funnel = Funnel(), ValueModel value = ValueModel());

  // Score one lead at scoring time now (seconds since the Unix epoch).
  Score score(const Lead& lead, double now) const;

  // Score n leads into out[0..n); same results as score(), several times
  // faster. With should_stop, polled every few hundred leads, a long batch is
  // cancellable: Cancelled is thrown and out is left partly written.
  void score_batch(const Lead* leads, size_t n, double now, Score* out,
                   const ShouldStop& should_stop = ShouldStop()) const;
  std::vector<Score> score_batch(const std::vector<Lead>& leads, double now,
                                 const ShouldStop& should_stop = ShouldStop()) const;

  // Per-feature path attribution that adds up, with base_value, to raw_prob.
  Explanation explain(const Lead& lead, double now, int top_n) const;

  // The attribution explain() ranks, in one walk of the trees; with score,
  // also the lead's score, equal to score() (the walk reaches the same
  // leaves), so a caller that needs both walks once.
  void attribute(const Lead& lead, double now, Attribution* out, Score* score = nullptr) const;

  // attribute() with a score for each of n leads, into out[0..n) and
  // scores[0..n), equal to it number for number. Blocks of leads walk each
  // tree together, so the tree stays in cache while the block goes down it:
  // what a batch of leads to score and explain should call.
  void attribute_batch(const Lead* leads, size_t n, double now, Attribution* out, Score* scores) const;

  const FeatureSpec& spec() const { return spec_; }
  const Forest& forest() const { return forest_; }
  const Calibrator& calibrator() const { return cal_; }
  const Metrics& metrics() const { return metrics_; }
  const TrainParams& params() const { return params_; }
  // The calibrated win probabilities of the held-out leads (empty for a model
  // stored before format 4): what percentile ranks against.
  const ScoreDistribution& held_out() const { return held_out_; }
  // The contact and quote stages (funnel.present false when trained on won/lost only).
  const Funnel& funnel() const { return funnel_; }
  const ValueModel& value_model() const { return value_; }

  // The metrics as stored with the model: the win stage's figures, then
  // "stages" (contact, quote, win on the held-out leads; absent without a
  // funnel) and "value_model".
  std::string metrics_json() const;

 private:
  // Per-tree sums over the lead's leaves in the win forest.
  struct LeafSums {
    double v = 0, v2 = 0, support = 0;
    void add(const Model& m, uint32_t w) {
      const double x = m.leaf_value_[w];
      v += x;
      v2 += x * x;
      support += m.leaf_support_[w];
    }
  };
  // Sums of the other forests' leaves over a lead (those it has): the
  // contact and quote forests' and the value forest's.
  struct SideSums {
    double contact = 0, quote = 0, value = 0;
  };
  // Finish a score from the sums over the lead's leaves.
  Score finish(const LeafSums& sums, const SideSums& side, const uint8_t* novel) const;
  // The side sums of an encoded row.
  SideSums side_sums(const uint8_t* row) const;
  // The same for a block of m row-major rows (stride nf, m at most the
  // block model.cpp walks), into side[0..m).
  void add_side_sums(const uint8_t* rows, size_t m, size_t nf, SideSums* side) const;

  FeatureSpec spec_;
  Forest forest_;
  // Per walk position (forest.hpp), derived: the node's class-1 fraction and
  // its support c / (c + 2 * min_samples_leaf), read where a walk ends.
  std::vector<double> leaf_value_, leaf_support_;
  std::vector<double> contact_leaf_, quote_leaf_;  // the step forests' leaf fractions, by walk position
  std::vector<double> value_leaf_;                 // the value forest's leaves (scaled log dollars), likewise
  Calibrator cal_;
  Metrics metrics_;
  TrainParams params_;
  ScoreDistribution held_out_;
  Funnel funnel_;
  ValueModel value_;
};

// Train a model; labels are 0/1 and parallel to leads. Lead ids must be unique.
// now is the scoring-time reference for lead age during training. should_stop
// may be empty; when it returns true, training throws Cancelled. Every phase
// polls it (ordering, feature spec, encoding, trees, out-of-bag votes,
// calibration, held-out scoring and metrics; see cancel.hpp).
Model train(const std::vector<Lead>& leads, const std::vector<uint8_t>& labels, const TrainParams& params,
            double now, const ShouldStop& should_stop = ShouldStop());

// Train a funnel model (funnel.hpp): each lead's stage, pending win and
// deal value instead of a label.
Model train(const std::vector<Lead>& leads, const std::vector<Outcome>& outcomes, const TrainParams& params,
            double now, const ShouldStop& should_stop = ShouldStop());

// Train a model from leads already binned (training_set.hpp); the same model
// train() above gives for the same leads. Consumes the set's rows.
Model train(TrainingSet&& set, const TrainParams& params, const ShouldStop& should_stop = ShouldStop());

// Metrics of a model's calibrated probabilities on the given leads and labels.
Metrics evaluate(const Model& model, const std::vector<Lead>& leads, const std::vector<uint8_t>& labels,
                 double now);

// Whether train() with this seed and fraction holds the lead out of training.
bool is_holdout(int64_t lead_id, uint64_t seed, double holdout_fraction);

}  // namespace leadscore
