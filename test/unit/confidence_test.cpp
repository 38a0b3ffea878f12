// Confidence: a lead like many training leads beats an outlier.
#include <gtest/gtest.h>

#include <cmath>

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

TEST(Confidence, LabelFollowsTheIntervalsWidth) {
  std::vector<Lead> leads;
  std::vector<uint8_t> y;
  synth::make_leads(3000, 14, &leads, &y);
  TrainParams p;
  p.n_trees = 10;
  Model m = train(leads, y, p, 1.7e9);
  std::vector<Score> scores = m.score_batch(leads, 1.7e9);
  for (const Score& s : scores) {
    // The interval holds win_prob and lies in [0, 1].
    EXPECT_LE(0.0, s.win_prob_low);
    EXPECT_LE(s.win_prob_low, s.win_prob);
    EXPECT_LE(s.win_prob, s.win_prob_high);
    EXPECT_LE(s.win_prob_high, 1.0);
    const double w = s.win_prob_high - s.win_prob_low;
    EXPECT_DOUBLE_EQ(s.confidence_value, 1.0 - w);
    ConfidenceLevel want = w <= kWidthHigh     ? ConfidenceLevel::High
                           : w <= kWidthMedium ? ConfidenceLevel::Medium
                                               : ConfidenceLevel::Low;
    EXPECT_EQ(s.confidence, want);
  }
  // Monotone: a narrower interval never has a lower confidence.
  for (size_t i = 0; i < scores.size(); i += 7)
    for (size_t j = 0; j < scores.size(); j += 11) {
      const double wi = scores[i].win_prob_high - scores[i].win_prob_low;
      const double wj = scores[j].win_prob_high - scores[j].win_prob_low;
      if (wi < wj) {
        EXPECT_GE(static_cast<int>(scores[i].confidence), static_cast<int>(scores[j].confidence));
        EXPECT_GT(scores[i].confidence_value, scores[j].confidence_value);
      }
    }
}
