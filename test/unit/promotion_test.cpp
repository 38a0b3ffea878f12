// The promotion gate: every branch of if_better, always and never, and the
// measurement of the active model on the candidate's held-out leads.
#include <gtest/gtest.h>

#include <cmath>

#include "core/errors.hpp"
#include "core/promotion.hpp"
#include "synthetic.hpp"

using namespace leadscore;

namespace {

void expect_gate(const Promotion& p, bool activate, const std::string& reason) {
  EXPECT_EQ(p.activate, activate) << p.reason;
  EXPECT_EQ(p.reason, reason);
}

// A candidate whose held-out figures are credibly better than chance.
ChanceCheck credible() {
  ChanceCheck c;
  c.credible = true;
  return c;
}

// Held-out metrics with the given AUC, log loss, size and win rate.
Metrics held_out(double auc, double log_loss, uint64_t n, double positive_rate) {
  Metrics m;
  m.auc_raw = m.auc = auc;
  m.log_loss = log_loss;
  m.rows_holdout = n;
  m.positive_rate = positive_rate;
  return m;
}

}  // namespace

TEST(Promotion, ModesByName) {
  EXPECT_EQ(activation_mode("if_better"), ActivationMode::IfBetter);
  EXPECT_EQ(activation_mode("always"), ActivationMode::Always);
  EXPECT_EQ(activation_mode("never"), ActivationMode::Never);
  EXPECT_FALSE(activation_mode("sometimes"));
  EXPECT_FALSE(activation_mode("Always"));
  EXPECT_FALSE(activation_mode(""));
}

TEST(Promotion, WhatEachModeNeedsFromTheActiveModel) {
  EXPECT_FALSE(needs_active_model(ActivationMode::Never));
  EXPECT_TRUE(needs_active_model(ActivationMode::Always));  // its version is reported
  EXPECT_TRUE(needs_active_model(ActivationMode::IfBetter));
  EXPECT_FALSE(needs_active_auc(ActivationMode::Never));
  EXPECT_FALSE(needs_active_auc(ActivationMode::Always));
  EXPECT_TRUE(needs_active_auc(ActivationMode::IfBetter));
}

TEST(Promotion, NeverAndAlwaysIgnoreTheComparison) {
  for (const ActiveModel& a : {ActiveModel::none(), ActiveModel::unreadable(), ActiveModel::measured(0.99)}) {
    expect_gate(decide_promotion(ActivationMode::Never, 0.9, a, credible()), false, "activate is never");
    expect_gate(decide_promotion(ActivationMode::Always, 0.5, a, credible()), true, "activate is always");
  }
}

TEST(Promotion, IfBetterWithoutAReadableActiveModelActivates) {
  expect_gate(decide_promotion(ActivationMode::IfBetter, 0.6, ActiveModel::none(), credible()), true, "there was no active model");
  expect_gate(decide_promotion(ActivationMode::IfBetter, 0.6, ActiveModel::unreadable(), credible()), true,
              "the active model is unreadable");
}

TEST(Promotion, IfBetterComparesWithinTheTolerance) {
  const char* up = "its held-out AUC is at least the active model's minus 0.01";
  const char* down = "its held-out AUC is below the active model's minus 0.01";
  expect_gate(decide_promotion(ActivationMode::IfBetter, 0.85, ActiveModel::measured(0.80), credible()), true, up);
  expect_gate(decide_promotion(ActivationMode::IfBetter, 0.80, ActiveModel::measured(0.80), credible()), true, up);
  expect_gate(decide_promotion(ActivationMode::IfBetter, 0.80 - 0.9 * kPromotionTolerance, ActiveModel::measured(0.80), credible()), true, up);
  expect_gate(decide_promotion(ActivationMode::IfBetter, 0.80 - 1.1 * kPromotionTolerance, ActiveModel::measured(0.80), credible()), false, down);
  expect_gate(decide_promotion(ActivationMode::IfBetter, 0.55, ActiveModel::measured(0.80), credible()), false, down);
}

TEST(Promotion, AnAucThatCannotBeMeasuredDoesNotBlock) {
  // NaN: the held-out leads are all of one class.
  const char* up = "its held-out AUC is at least the active model's minus 0.01";
  expect_gate(decide_promotion(ActivationMode::IfBetter, NAN, ActiveModel::measured(0.80), credible()), true, up);
  expect_gate(decide_promotion(ActivationMode::IfBetter, 0.60, ActiveModel::measured(NAN), credible()), true, up);
  expect_gate(decide_promotion(ActivationMode::IfBetter, NAN, ActiveModel::measured(NAN), credible()), true, up);
}

TEST(Promotion, ActiveModelMeasuredOnTheCandidatesHeldOutLeads) {
  std::vector<Lead> leads;
  std::vector<uint8_t> y;
  synth::make_leads(3000, 17, &leads, &y);
  TrainParams p;
  p.refit_full = false;  // as in the database: the forest never sees its held-out leads
  p.n_trees = 20;
  Model forest = train(leads, y, p, 1.7e9);
  // Measured on its own held-out leads, a model gets the auc_raw it reports.
  EXPECT_NEAR(auc_raw_on_holdout(forest, p, leads, y, 1.7e9), forest.metrics().auc_raw, 1e-12);

  TrainParams stump_params = p;
  stump_params.n_trees = 1;
  stump_params.max_depth = 1;
  Model stump = train(leads, y, stump_params, 1.7e9);
  const double forest_on_stumps_leads = auc_raw_on_holdout(forest, stump.params(), leads, y, 1.7e9);
  EXPECT_GT(forest_on_stumps_leads, stump.metrics().auc_raw + kPromotionTolerance);
  expect_gate(decide_promotion(ActivationMode::IfBetter, stump.metrics().auc_raw, ActiveModel::measured(forest_on_stumps_leads), credible()),
              false, "its held-out AUC is below the active model's minus 0.01");
  const double stump_on_forests_leads = auc_raw_on_holdout(stump, forest.params(), leads, y, 1.7e9);
  expect_gate(decide_promotion(ActivationMode::IfBetter, forest.metrics().auc_raw, ActiveModel::measured(stump_on_forests_leads), credible()),
              true, "its held-out AUC is at least the active model's minus 0.01");
}

TEST(Promotion, OneClassHeldOutMeasuresNaN) {
  std::vector<Lead> leads;
  std::vector<uint8_t> y;
  synth::make_leads(600, 5, &leads, &y);
  TrainParams p;
  p.n_trees = 3;
  Model m = train(leads, y, p, 1.7e9);
  std::vector<uint8_t> all_won(y.size(), 1);
  EXPECT_TRUE(std::isnan(auc_raw_on_holdout(m, p, leads, all_won, 1.7e9)));
  all_won.pop_back();
  EXPECT_THROW(auc_raw_on_holdout(m, p, leads, all_won, 1.7e9), InvalidInput);
}

TEST(Promotion, HanleyMcNeilLowerBoundByHand) {
  // AUC 0.8 on 50 won and 50 lost: q1 = 0.8 / 1.2, q2 = 1.28 / 1.8,
  // variance = (0.16 + 49 (q1 - 0.64) + 49 (q2 - 0.64)) / 2500 = 0.00198044,
  // lower bound = 0.8 - 1.6449 * 0.0445021 = 0.726800.
  ChanceCheck c = check_better_than_chance(held_out(0.8, 0.5, 100, 0.5));
  EXPECT_NEAR(c.auc_lower_bound, 0.726800, 1e-5);
  EXPECT_NEAR(c.base_log_loss, std::log(2.0), 1e-12);
  EXPECT_TRUE(c.credible) << c.reason;
  EXPECT_EQ(c.reason, "");
}

TEST(Promotion, ChanceLevelModelsStayCandidatesUnderEveryMode) {
  // 74 labels, 15 held out, AUC 0.5: the case a first user met in 0.3.0.
  ChanceCheck c = check_better_than_chance(held_out(0.5, 0.69, 15, 5.0 / 15));
  EXPECT_FALSE(c.credible);
  EXPECT_EQ(c.reason.rfind("its held-out ranking is not credibly better than chance: AUC 0.500, one-sided 95% "
                           "lower bound ", 0), 0u) << c.reason;
  EXPECT_NE(c.reason.find("on 15 held-out leads (5 won)"), std::string::npos) << c.reason;
  for (ActivationMode m : {ActivationMode::IfBetter, ActivationMode::Always}) {
    Promotion p = decide_promotion(m, 0.5, ActiveModel::none(), c);
    EXPECT_FALSE(p.activate);
    EXPECT_EQ(p.reason, c.reason);
  }
  expect_gate(decide_promotion(ActivationMode::Never, 0.5, ActiveModel::none(), c), false, "activate is never");
}

TEST(Promotion, AGoodRankingWithAWorseLogLossThanTheBaseRateStaysACandidate) {
  // Ranks well on many leads, but its probabilities are worse than always
  // saying the win rate (0.3: base log loss 0.6109).
  ChanceCheck c = check_better_than_chance(held_out(0.75, 0.70, 2000, 0.3));
  EXPECT_GT(c.auc_lower_bound, 0.5);
  EXPECT_FALSE(c.credible);
  EXPECT_EQ(c.reason, "its held-out log loss 0.7000 is not below 0.6109, that of always predicting the held-out win "
                      "rate 0.300");
}

TEST(Promotion, OneClassOrNoHeldOutLeadsCannotShowAnything) {
  EXPECT_FALSE(check_better_than_chance(held_out(NAN, 0.1, 40, 1.0)).credible);
  EXPECT_FALSE(check_better_than_chance(held_out(NAN, NAN, 0, NAN)).credible);
  EXPECT_EQ(check_better_than_chance(held_out(NAN, 0.1, 40, 1.0)).reason,
            "its 40 held-out leads (40 won) are too few or of one class to show it is better than chance");
}
