// The promotion gate: whether a newly trained model becomes the active one.
//
//   if_better  activate unless the active model is readable and ranks the
//              candidate's held-out leads better by more than
//              kPromotionTolerance: the candidate's raw-forest AUC there
//              (metrics().auc_raw) against the active model's raw-forest AUC
//              on the same leads. Raw AUCs, because a database-trained forest
//              never sees its held-out leads while its calibration map does,
//              once they are measured (model.hpp), and no map changes a
//              ranking by raw probability. An AUC that cannot be measured
//              (NaN: the held-out leads are all of one class) does not block.
//   always     activate.
//   never      keep the candidate for a later activate_model().
// Under if_better and always, a model is activated only if its held-out
// figures show it is credibly better than chance (check_better_than_chance):
// its held-out AUC's one-sided 95% lower bound (Hanley and McNeil's standard
// error) is above 0.5, and its held-out log loss is below that of always
// predicting the held-out win rate. Otherwise it stays a candidate, and the
// reason gives the numbers; activate_model() can still activate it by hand.
//
// The glue fetches the active model and scores the held-out leads; everything
// decided from those numbers is here, so unit tests reach every branch.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/lead.hpp"
#include "core/model.hpp"

namespace leadscore {

enum class ActivationMode : uint8_t { IfBetter, Always, Never };

// How much lower the candidate's held-out AUC may be and still win.
constexpr double kPromotionTolerance = 0.01;

// The mode named "if_better", "always" or "never"; nothing for any other name.
std::optional<ActivationMode> activation_mode(std::string_view name);

// Whether the gate needs the active model at all (its version is reported),
// and whether it needs that model's AUC on the candidate's held-out leads.
inline bool needs_active_model(ActivationMode m) { return m != ActivationMode::Never; }
inline bool needs_active_auc(ActivationMode m) { return m == ActivationMode::IfBetter; }

// What the glue found about the active model.
struct ActiveModel {
  enum class State : uint8_t { None, Unreadable, Measured };
  State state = State::None;
  double auc_raw = 0;  // Measured: its raw AUC on the candidate's held-out leads (NaN if one class)

  static ActiveModel none() { return {}; }
  static ActiveModel unreadable() { return {State::Unreadable, 0}; }
  static ActiveModel measured(double auc_raw) { return {State::Measured, auc_raw}; }
};

struct Promotion {
  bool activate = false;
  std::string reason;  // as train_lead_model() reports it
};

// One-sided 95% normal quantile: the AUC's lower bound is auc - kChanceZ * se.
constexpr double kChanceZ = 1.6448536269514722;

// Whether a model's held-out figures are credibly better than chance.
struct ChanceCheck {
  bool credible = false;
  std::string reason;           // why not, with the numbers; empty when credible
  double auc = 0;               // the held-out AUC of the raw forest (of the calibrated model without it)
  double auc_lower_bound = 0;   // one-sided 95%; NaN when the held-out leads are of one class
  double log_loss = 0;          // the model's held-out log loss
  double base_log_loss = 0;     // always predicting the held-out win rate
};
ChanceCheck check_better_than_chance(const Metrics& m);

// The gate. candidate_auc_raw is the candidate's metrics().auc_raw. With
// needs_active_auc(mode) false, active only has to say None or Unreadable, or
// may say anything: always and never do not look at it. A chance that is not
// credible keeps the candidate under every mode.
Promotion decide_promotion(ActivationMode mode, double candidate_auc_raw, const ActiveModel& active,
                           const ChanceCheck& chance);

// A model's raw-forest AUC on the leads that training with `split`'s seed and
// holdout_fraction held out (is_holdout): how the gate measures the active
// model on the candidate's held-out leads. NaN when those are of one class.
// Scoring polls should_stop (Cancelled when it says so).
double auc_raw_on_holdout(const Model& model, const TrainParams& split, const std::vector<Lead>& leads,
                          const std::vector<uint8_t>& labels, double now,
                          const ShouldStop& should_stop = ShouldStop());

}  // namespace leadscore
