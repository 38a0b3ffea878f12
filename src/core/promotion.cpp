// See promotion.hpp.
#include "core/promotion.hpp"

#include "core/errors.hpp"
#include "core/metrics.hpp"

namespace leadscore {

std::optional<ActivationMode> activation_mode(std::string_view name) {
  if (name == "if_better") return ActivationMode::IfBetter;
  if (name == "always") return ActivationMode::Always;
  if (name == "never") return ActivationMode::Never;
  return std::nullopt;
}

Promotion decide_promotion(ActivationMode mode, double candidate_auc_raw, const ActiveModel& active) {
  if (mode == ActivationMode::Never) return {false, "activate is never"};
  if (mode == ActivationMode::Always) return {true, "activate is always"};
  if (active.state == ActiveModel::State::None) return {true, "there was no active model"};
  if (active.state == ActiveModel::State::Unreadable) return {true, "the active model is unreadable"};
  // Written as "not below", so a NaN on either side activates. The reasons
  // spell out kPromotionTolerance: train_lead_model() reports them as they are.
  if (!(candidate_auc_raw < active.auc_raw - kPromotionTolerance))
    return {true, "its held-out AUC is at least the active model's minus 0.01"};
  return {false, "its held-out AUC is below the active model's minus 0.01"};
}

double auc_raw_on_holdout(const Model& model, const TrainParams& split, const std::vector<Lead>& leads,
                          const std::vector<uint8_t>& labels, double now) {
  if (leads.size() != labels.size()) throw InvalidInput("leads and labels differ in length");
  std::vector<Lead> held;
  std::vector<uint8_t> held_labels;
  for (size_t i = 0; i < leads.size(); i++) {
    if (is_holdout(leads[i].id, split.seed, split.holdout_fraction)) {
      held.push_back(leads[i]);
      held_labels.push_back(labels[i]);
    }
  }
  std::vector<double> raw;
  raw.reserve(held.size());
  for (const Score& s : model.score_batch(held, now)) raw.push_back(s.raw_prob);
  return roc_auc(raw, held_labels);
}

}  // namespace leadscore
