// The promotion gate: every branch of if_better, always and never, and the
// measurement of the active model on the candidate's held-out leads.
#include <gtest/gtest.h>

#include <cmath>

#include "core/errors.hpp"
#include "core/promotion.hpp"
#include "synthetic.hpp"

using namespace leadscore;

namespace {

void expect_gate(Promotion p, bool activate, const char* reason) {
  EXPECT_EQ(p.activate, activate) << p.reason;
  EXPECT_STREQ(p.reason, reason);
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
    expect_gate(decide_promotion(ActivationMode::Never, 0.9, a), false, "activate is never");
    expect_gate(decide_promotion(ActivationMode::Always, 0.5, a), true, "activate is always");
  }
}

TEST(Promotion, IfBetterWithoutAReadableActiveModelActivates) {
  expect_gate(decide_promotion(ActivationMode::IfBetter, 0.6, ActiveModel::none()), true, "there was no active model");
  expect_gate(decide_promotion(ActivationMode::IfBetter, 0.6, ActiveModel::unreadable()), true,
              "the active model is unreadable");
}

TEST(Promotion, IfBetterComparesWithinTheTolerance) {
  const char* up = "its held-out AUC is at least the active model's minus 0.01";
  const char* down = "its held-out AUC is below the active model's minus 0.01";
  expect_gate(decide_promotion(ActivationMode::IfBetter, 0.85, ActiveModel::measured(0.80)), true, up);
  expect_gate(decide_promotion(ActivationMode::IfBetter, 0.80, ActiveModel::measured(0.80)), true, up);
  expect_gate(decide_promotion(ActivationMode::IfBetter, 0.80 - 0.9 * kPromotionTolerance,
                               ActiveModel::measured(0.80)), true, up);
  expect_gate(decide_promotion(ActivationMode::IfBetter, 0.80 - 1.1 * kPromotionTolerance,
                               ActiveModel::measured(0.80)), false, down);
  expect_gate(decide_promotion(ActivationMode::IfBetter, 0.55, ActiveModel::measured(0.80)), false, down);
}

TEST(Promotion, AnAucThatCannotBeMeasuredDoesNotBlock) {
  // NaN: the held-out leads are all of one class.
  const char* up = "its held-out AUC is at least the active model's minus 0.01";
  expect_gate(decide_promotion(ActivationMode::IfBetter, NAN, ActiveModel::measured(0.80)), true, up);
  expect_gate(decide_promotion(ActivationMode::IfBetter, 0.60, ActiveModel::measured(NAN)), true, up);
  expect_gate(decide_promotion(ActivationMode::IfBetter, NAN, ActiveModel::measured(NAN)), true, up);
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
  expect_gate(decide_promotion(ActivationMode::IfBetter, stump.metrics().auc_raw,
                               ActiveModel::measured(forest_on_stumps_leads)),
              false, "its held-out AUC is below the active model's minus 0.01");
  const double stump_on_forests_leads = auc_raw_on_holdout(stump, forest.params(), leads, y, 1.7e9);
  expect_gate(decide_promotion(ActivationMode::IfBetter, forest.metrics().auc_raw,
                               ActiveModel::measured(stump_on_forests_leads)),
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
