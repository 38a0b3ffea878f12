// Explanations: contributions add up to the raw output and use lead terms.
#include <gtest/gtest.h>

#include <cmath>

#include "core/errors.hpp"
#include "core/model.hpp"
#include "synthetic.hpp"

using namespace leadscore;

TEST(Explain, ContributionsSumToRawOutput) {
  std::vector<Lead> leads;
  std::vector<uint8_t> y;
  synth::make_leads(2000, 21, &leads, &y);
  TrainParams p;
  p.n_trees = 15;
  Model m = train(leads, y, p, 1.7e9);
  for (size_t i = 0; i < 50; ++i) {
    Explanation e = m.explain(leads[i], 1.7e9, 3);
    double sum = e.base_value;
    for (const auto& c : e.contributions) sum += c.value;
    Score s = m.score(leads[i], 1.7e9);
    EXPECT_NEAR(sum, s.raw_prob, 1e-9);
    EXPECT_NEAR(e.raw_prob, s.raw_prob, 1e-12);
    EXPECT_EQ(e.win_prob, s.win_prob);
    EXPECT_LE(e.top_up.size(), 3u);
    EXPECT_LE(e.top_down.size(), 3u);
    for (const auto& c : e.top_up) EXPECT_GT(c.value, 0);
    for (const auto& c : e.top_down) EXPECT_LT(c.value, 0);
    for (size_t k = 1; k < e.top_up.size(); ++k) EXPECT_GE(e.top_up[k - 1].value, e.top_up[k].value);
  }
}

TEST(Explain, StrongFeatureLeadsTheList) {
  std::vector<Lead> leads;
  std::vector<uint8_t> y;
  synth::make_leads(3000, 8, &leads, &y);
  TrainParams p;
  p.n_trees = 20;
  Model m = train(leads, y, p, 1.7e9);
  Lead hot;
  hot.id = 1;
  hot.attributes["score"] = 99.0;
  hot.attributes["region"] = std::string("south");
  Explanation e = m.explain(hot, 1.7e9, 2);
  ASSERT_FALSE(e.top_up.empty());
  EXPECT_EQ(e.top_up[0].feature, "attributes.score");
  EXPECT_NE(e.to_json().find("\"attributes.score\""), std::string::npos);
  EXPECT_THROW(m.explain(hot, 1.7e9, -1), InvalidInput);
}
