// See promotion.hpp.
#include "core/promotion.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "core/errors.hpp"
#include "core/metrics.hpp"

namespace leadscore {

std::optional<ActivationMode> activation_mode(std::string_view name) {
  if (name == "if_better") return ActivationMode::IfBetter;
  if (name == "always") return ActivationMode::Always;
  if (name == "never") return ActivationMode::Never;
  return std::nullopt;
}

ChanceCheck check_better_than_chance(const Metrics& m) {
  ChanceCheck c;
  const double n = static_cast<double>(m.rows_holdout);
  const double won = std::round(n * m.positive_rate), lost = n - won;
  c.auc = std::isfinite(m.auc_raw) ? m.auc_raw : m.auc;
  c.log_loss = m.log_loss;
  const double pi = m.positive_rate;
  c.base_log_loss = pi > 0 && pi < 1 ? -(pi * std::log(pi) + (1 - pi) * std::log(1 - pi)) : 0;
  c.auc_lower_bound = std::numeric_limits<double>::quiet_NaN();
  char text[320];
  if (!(won >= 1 && lost >= 1) || !std::isfinite(c.auc)) {
    std::snprintf(text, sizeof text,
                  "its %.0f held-out leads (%.0f won) are too few or of one class to show it is better than chance",
                  n, std::isfinite(won) ? won : 0.0);
    c.reason = text;
    return c;
  }
  // Hanley and McNeil (1982): the standard error of an AUC from its value and the class counts.
  const double a = c.auc, q1 = a / (2 - a), q2 = 2 * a * a / (1 + a);
  const double variance = (a * (1 - a) + (won - 1) * (q1 - a * a) + (lost - 1) * (q2 - a * a)) / (won * lost);
  c.auc_lower_bound = a - kChanceZ * std::sqrt(std::max(variance, 0.0));
  if (!(c.auc_lower_bound > 0.5)) {
    std::snprintf(text, sizeof text,
                  "its held-out ranking is not credibly better than chance: AUC %.3f, one-sided 95%% lower bound "
                  "%.3f, on %.0f held-out leads (%.0f won)",
                  a, c.auc_lower_bound, n, won);
    c.reason = text;
    return c;
  }
  if (!(c.log_loss < c.base_log_loss)) {
    std::snprintf(text, sizeof text,
                  "its held-out log loss %.4f is not below %.4f, that of always predicting the held-out win rate %.3f",
                  c.log_loss, c.base_log_loss, pi);
    c.reason = text;
    return c;
  }
  c.credible = true;
  return c;
}

Promotion decide_promotion(ActivationMode mode, double candidate_auc_raw, const ActiveModel& active,
                           const ChanceCheck& chance) {
  if (mode == ActivationMode::Never) return {false, "activate is never"};
  if (!chance.credible) return {false, chance.reason};
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
                          const std::vector<uint8_t>& labels, double now, const ShouldStop& should_stop) {
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
  for (const Score& s : model.score_batch(held, now, should_stop)) raw.push_back(s.raw_prob);
  return roc_auc(raw, held_labels);
}

}  // namespace leadscore
