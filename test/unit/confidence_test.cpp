// Confidence: a lead like many training leads beats an outlier.
#include <gtest/gtest.h>

#include "core/model.hpp"
#include "synthetic.hpp"

using namespace leadscore;

TEST(Confidence, TypicalLeadIsMoreConfidentThanOutlier) {
  std::vector<Lead> leads;
  std::vector<uint8_t> y;
  synth::make_leads(4000, 13, &leads, &y);
  TrainParams p;
  p.n_trees = 20;
  Model m = train(leads, y, p, 1.7e9);

  Lead typical;  // a clear, well-populated region of the training data
  typical.id = 1;
  typical.attributes["score"] = 5.0;
  typical.attributes["region"] = std::string("west");
  typical.attributes["noise"] = 50.0;
  typical.attributes["vip"] = false;

  Lead outlier;  // unseen region, values far outside training ranges
  outlier.id = 2;
  outlier.attributes["score"] = 1e6;
  outlier.attributes["region"] = std::string("atlantis");
  outlier.attributes["noise"] = -1e6;
  outlier.attributes["vip"] = std::string("perhaps");

  Score a = m.score(typical, 1.7e9), b = m.score(outlier, 1.7e9);
  EXPECT_GT(a.confidence_value, b.confidence_value);
  EXPECT_GE(static_cast<int>(a.confidence), static_cast<int>(b.confidence));
  for (const Score& s : {a, b}) {
    EXPECT_GE(s.confidence_value, 0.0);
    EXPECT_LE(s.confidence_value, 1.0);
  }
  EXPECT_STREQ(to_string(ConfidenceLevel::High), "high");
  EXPECT_STREQ(to_string(ConfidenceLevel::Medium), "medium");
  EXPECT_STREQ(to_string(ConfidenceLevel::Low), "low");
}

TEST(Confidence, LabelFollowsThresholds) {
  std::vector<Lead> leads;
  std::vector<uint8_t> y;
  synth::make_leads(1000, 14, &leads, &y);
  TrainParams p;
  p.n_trees = 10;
  Model m = train(leads, y, p, 1.7e9);
  for (const Score& s : m.score_batch(leads, 1.7e9)) {
    ConfidenceLevel want = s.confidence_value >= kConfidenceHigh     ? ConfidenceLevel::High
                           : s.confidence_value >= kConfidenceMedium ? ConfidenceLevel::Medium
                                                                     : ConfidenceLevel::Low;
    EXPECT_EQ(s.confidence, want);
  }
}
