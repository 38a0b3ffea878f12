// Rules-based scoring: each term, the clamp, and bad weight rows.
#include <gtest/gtest.h>

#include <cmath>

#include "core/errors.hpp"
#include "core/rules.hpp"

namespace leadscore {
namespace {

constexpr double kDay = 86400.0;
constexpr double kNow = 1.8e9;

RuleWeights default_weights() {
  RuleWeights w;
  w.add("base", "", 20);
  w.add("permit_value_at_least", "0", 0);
  w.add("permit_value_at_least", "150000", 26);  // out of order on purpose
  w.add("permit_value_at_least", "5000", 8);
  w.add("permit_value_at_least", "15000", 16);
  w.add("trade_tag", "roofing", 14);
  w.add("trade_tag", "solar", 6);
  w.add("trade_tag", "*", 4);
  w.add("recency", "", 25);
  w.add("recency_half_life_days", "", 45);
  w.add("completeness", "", 15);
  return w;
}

TEST(Rules, EmptyLeadGetsBaseOnly) {
  RulesScore s = score_by_rules(Lead{}, kNow, default_weights());
  EXPECT_EQ(s.score, 20);
  ASSERT_EQ(s.terms.size(), 1u);
  EXPECT_EQ(s.terms[0].factor, "base");
}

TEST(Rules, FullLeadAddsEveryTerm) {
  Lead lead;
  lead.address = "12 Main St, Springfield, IL 62704";
  lead.permit_value = 20000;
  lead.trade_tags = {"solar", "roofing"};
  lead.created_at = kNow - 45 * kDay;  // one half-life old
  lead.attributes["owner_occupied"] = true;
  RulesScore s = score_by_rules(lead, kNow, default_weights());
  // 20 + 16 (band 15k) + 14 (best tag roofing) + 12.5 (half of 25) + 15 (all five fields)
  EXPECT_EQ(s.score, 78);
  bool saw_roofing = false;
  for (const auto& t : s.terms) saw_roofing |= t.factor == "trade_tags:roofing";
  EXPECT_TRUE(saw_roofing);
}

TEST(Rules, UnknownTagUsesStarAndMissingValueEarnsNoBand) {
  Lead lead;
  lead.trade_tags = {"fencing"};
  lead.permit_value = -1;  // negative means missing
  RulesScore s = score_by_rules(lead, kNow, default_weights());
  EXPECT_EQ(s.score, 20 + 4 + 3);  // base + "*" + one fifth of completeness
}

TEST(Rules, NewerLeadsScoreHigher) {
  Lead fresh, old;
  fresh.created_at = kNow;
  old.created_at = kNow - 365 * kDay;
  auto w = default_weights();
  EXPECT_GT(score_by_rules(fresh, kNow, w).score, score_by_rules(old, kNow, w).score);
}

TEST(Rules, ClampsToHundred) {
  RuleWeights w;
  w.add("base", "", 250);
  EXPECT_EQ(score_by_rules(Lead{}, kNow, w).score, 100);
  w.add("base", "", -40);
  EXPECT_EQ(score_by_rules(Lead{}, kNow, w).score, 0);
}

TEST(Rules, BadRowsAreRefused) {
  RuleWeights w;
  EXPECT_THROW(w.add("bonus", "", 1), InvalidInput);
  EXPECT_THROW(w.add("permit_value_at_least", "lots", 1), InvalidInput);
  EXPECT_THROW(w.add("recency_half_life_days", "", 0), InvalidInput);
}

TEST(RulesExplanation, BaseAndTermsInPointsRankedEachWay) {
  RuleWeights w;
  w.add("base", "", 20);
  w.add("permit_value_at_least", "0", -3);
  w.add("permit_value_at_least", "5000", 8);
  w.add("trade_tag", "fencing", -6);
  w.add("recency", "", 25);
  w.add("completeness", "", 15);
  Lead lead;
  lead.permit_value = 1000;       // the lowest band: -3
  lead.trade_tags = {"fencing"};  // -6
  lead.created_at = kNow;         // recency 25
  RulesScore s = score_by_rules(lead, kNow, w);
  Explanation e = explain_rules(s, 5);
  EXPECT_EQ(e.base_value, 20);
  // completeness: 3 of 5 fields, 15 * 3 / 5 = 9
  EXPECT_DOUBLE_EQ(e.raw_prob, 20 - 3 - 6 + 25 + 9);
  EXPECT_EQ(s.score, 45);
  EXPECT_TRUE(std::isnan(e.win_prob));
  ASSERT_EQ(e.top_up.size(), 2u);
  EXPECT_EQ(e.top_up[0].feature, "created_at");
  EXPECT_EQ(e.top_up[1].feature, "completeness");
  ASSERT_EQ(e.top_down.size(), 2u);
  EXPECT_EQ(e.top_down[0].feature, "trade_tags:fencing");
  EXPECT_EQ(e.top_down[0].value, -6);
  EXPECT_EQ(e.top_down[1].feature, "permit_value");
  EXPECT_EQ(e.contributions.size(), 4u);  // the base is not a contribution
  for (const auto& c : e.contributions) EXPECT_NE(c.feature, "base");
}

TEST(RulesExplanation, TopNLimitsEachSideAndTiesKeepTermOrder) {
  RuleWeights w;
  w.add("base", "", 5);
  w.add("permit_value_at_least", "0", 8);
  w.add("trade_tag", "*", 8);
  w.add("completeness", "", 40);  // 2 of 5 fields: 16
  Lead lead;
  lead.permit_value = 100;
  lead.trade_tags = {"anything"};
  Explanation e = explain_rules(score_by_rules(lead, kNow, w), 2);
  ASSERT_EQ(e.top_up.size(), 2u);
  EXPECT_EQ(e.top_up[0].feature, "completeness");
  EXPECT_EQ(e.top_up[1].feature, "permit_value");  // ties with the tag, and comes first among the terms
  EXPECT_TRUE(e.top_down.empty());
  EXPECT_EQ(explain_rules(score_by_rules(lead, kNow, w), 0).top_up.size(), 0u);
  EXPECT_THROW(explain_rules(score_by_rules(lead, kNow, w), -1), InvalidInput);
}

}  // namespace
}  // namespace leadscore
