// Rules-based scoring: each term, the clamp, and bad weight rows.
#include <gtest/gtest.h>

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

}  // namespace
}  // namespace leadscore
