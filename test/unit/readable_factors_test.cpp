// Explanations in points that add up to the score, with readable labels and
// the lead's own values (readable_factors.hpp).
#include <gtest/gtest.h>

#include <cmath>

#include "core/model.hpp"
#include "core/readable_factors.hpp"
#include "core/rules.hpp"
#include "core/score_scale.hpp"
#include "synthetic.hpp"

using namespace leadscore;

namespace {

double total(const PointsExplanation& p) {
  double t = p.base_points + p.other_points;
  for (const auto& f : p.up) t += f.points;
  for (const auto& f : p.down) t += f.points;
  return t;
}

std::string label_of(const std::string& feature, const Lead& l, double now, std::string* value) {
  std::string label;
  describe_factor(feature, l, now, &label, value);
  return label;
}

}  // namespace

TEST(ReadableFactors, ModelFactorsAddUpToTheScoreOnEveryLead) {
  std::vector<Lead> leads;
  std::vector<uint8_t> y;
  synth::make_leads(3000, 21, &leads, &y);
  TrainParams p;
  p.n_trees = 20;
  Model m = train(leads, y, p, 1.7e9);
  for (const Lead& l : leads) {
    Explanation e = m.explain(l, 1.7e9, 0);
    PointsExplanation pe = model_points(e, m.calibrator(), l, 1.7e9, 3);
    const Score s = m.score(l, 1.7e9);
    EXPECT_NEAR(pe.score_points, 100 * s.win_prob, 1e-6);
    EXPECT_NEAR(total(pe), pe.score_points, 1e-6);
    EXPECT_LE(std::fabs(total(pe) - percent_score(s.win_prob)), 0.5 + 1e-9);
    for (const auto& f : pe.up) EXPECT_GT(f.points, 0);
    for (const auto& f : pe.down) EXPECT_LT(f.points, 0);
    EXPECT_LE(pe.up.size(), 3u);
  }
}

TEST(ReadableFactors, RulesFactorsAddUpToTheScoreAlsoWhenClamped) {
  std::vector<Lead> leads;
  std::vector<uint8_t> y;
  synth::make_leads(500, 22, &leads, &y);
  for (double big : {10.0, 80.0}) {  // 80: many leads pass 100 and are clamped
    RuleWeights w;
    w.add("base", "", 5);
    w.add("permit_value_at_least", "0", big);
    w.add("trade_tag", "*", big / 2);
    w.add("recency", "", 20);
    w.add("completeness", "", 10);
    for (const Lead& l : leads) {
      RulesScore r = score_by_rules(l, 1.7e9, w);
      PointsExplanation pe = rules_points(explain_rules(r, 0), l, 1.7e9, 2);
      EXPECT_LE(std::fabs(total(pe) - r.score), 0.5 + 1e-9);
      EXPECT_EQ(pe.base_points, 5);
    }
  }
}

TEST(ReadableFactors, LabelsAndValuesForEveryKindOfFeature) {
  Lead l;
  l.permit_value = 65806.4;
  l.trade_tags = {"roofing"};
  l.address = "12 Main St, Burlington, VT 05401";
  l.created_at = 1764547200;  // 2025-12-01, a Monday
  l.attributes["competing_bids"] = 3.0;
  l.attributes["owner_occupied"] = true;
  l.attributes["property_type"] = std::string("single_family");
  const double now = l.created_at.value() + 12 * 86400;
  std::string v;
  EXPECT_EQ(label_of("permit_value", l, now, &v), "Permit value");
  EXPECT_EQ(v, "$65,806");
  EXPECT_EQ(label_of("trade_tags:roofing", l, now, &v), "Trade: roofing");
  EXPECT_EQ(v, "yes");
  EXPECT_EQ(label_of("trade_tags:solar", l, now, &v), "Trade: solar");
  EXPECT_EQ(v, "no");
  EXPECT_EQ(label_of("address", l, now, &v), "Location");
  EXPECT_EQ(v, "ZIP 05401");
  EXPECT_EQ(label_of("attributes.competing_bids", l, now, &v), "Competing bids");
  EXPECT_EQ(v, "3");
  EXPECT_EQ(label_of("attributes.owner_occupied", l, now, &v), "Owner occupied");
  EXPECT_EQ(v, "yes");
  EXPECT_EQ(label_of("attributes.property_type", l, now, &v), "Property type");
  EXPECT_EQ(v, "single_family");
  EXPECT_EQ(label_of("created_at.month", l, now, &v), "Month created");
  EXPECT_EQ(v, "December");
  EXPECT_EQ(label_of("created_at.weekday", l, now, &v), "Weekday created");
  EXPECT_EQ(v, "Monday");
  EXPECT_EQ(label_of("created_at.age_days", l, now, &v), "Lead age");
  EXPECT_EQ(v, "12 days");
  EXPECT_EQ(label_of("created_at", l, now, &v), "Recency");
  EXPECT_EQ(v, "12 days old");
  EXPECT_EQ(label_of("completeness", l, now, &v), "Completeness");
  EXPECT_EQ(v, "5 of 5 fields");

  Lead empty;  // every value missing
  for (const char* f : {"permit_value", "address", "attributes.competing_bids", "created_at.month",
                        "created_at.weekday", "created_at.age_days"}) {
    label_of(f, empty, now, &v);
    EXPECT_EQ(v, "not given") << f;
  }
  EXPECT_EQ(label_of("attributes.competing_bids", empty, now, &v), "Competing bids");
}

TEST(ReadableFactors, AMissingValueIsNamedOnlyWhenItMovedTheScore) {
  // Rules give a missing permit value no points: no permit factor at all.
  RuleWeights w;
  w.add("base", "", 5);
  w.add("permit_value_at_least", "0", 10);
  Lead l;
  l.trade_tags = {"roofing"};
  PointsExplanation pe = rules_points(explain_rules(score_by_rules(l, 1.7e9, w), 0), l, 1.7e9, 5);
  for (const auto& f : pe.up) EXPECT_NE(f.feature, "permit_value");
  for (const auto& f : pe.down) EXPECT_NE(f.feature, "permit_value");
}
