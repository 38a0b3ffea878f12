// Scoring is const and thread-safe: many threads may share one model.
#include <gtest/gtest.h>

#include <thread>

#include "core/model.hpp"
#include "synthetic.hpp"

using namespace leadscore;

TEST(Concurrency, ThreadsScoringOneModelAgreeWithOneThread) {
  std::vector<Lead> leads;
  std::vector<uint8_t> y;
  synth::make_leads(2000, 17, &leads, &y);
  TrainParams p;
  p.n_trees = 10;
  const Model m = train(leads, y, p, 1.7e9);
  const std::vector<Score> want = m.score_batch(leads, 1.7e9);
  std::vector<std::vector<Score>> got(4);
  std::vector<std::thread> ts;
  for (int k = 0; k < 4; ++k)
    ts.emplace_back([&, k] {
      for (const Lead& l : leads) got[k].push_back(k % 2 ? m.score(l, 1.7e9) : m.score_batch({l}, 1.7e9)[0]);
    });
  for (auto& t : ts) t.join();
  for (int k = 0; k < 4; ++k)
    for (size_t i = 0; i < leads.size(); ++i) {
      EXPECT_EQ(got[k][i].win_prob, want[i].win_prob);
      EXPECT_EQ(got[k][i].confidence_value, want[i].confidence_value);
    }
}

TEST(Concurrency, ScoringTimeMovesOnlyTheAge) {
  std::vector<Lead> leads;
  std::vector<uint8_t> y;
  synth::make_leads(1000, 18, &leads, &y);
  TrainParams p;
  p.n_trees = 5;
  const Model m = train(leads, y, p, 1.7e9);
  // The same lead scored twice at the same time gives the same answer; the
  // core never reads a clock.
  EXPECT_EQ(m.score(leads[0], 1.7e9).win_prob, m.score(leads[0], 1.7e9).win_prob);
  Lead undated = leads[0];
  undated.created_at.reset();
  EXPECT_EQ(m.score(undated, 1.7e9).win_prob, m.score(undated, 2.0e9).win_prob);
}
