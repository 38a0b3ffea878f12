// Cancellation: every phase of training polls the stop callback, and a stop
// at any poll aborts cleanly with Cancelled; batch scoring, calibration and
// serialization poll too. How long the longest stretch between two polls
// takes is a speed figure, measured by bench/core_microbench.cpp.
#include <gtest/gtest.h>

#include <limits>

#include "core/calibration.hpp"
#include "core/errors.hpp"
#include "core/features.hpp"
#include "core/hash.hpp"
#include "core/model.hpp"
#include "core/model_format.hpp"
#include "synthetic.hpp"

using namespace leadscore;

namespace {

// A callback that says "stop" on its (n + 1)-th call and counts its calls.
struct StopAfter {
  long n;
  long calls = 0;
  ShouldStop callback() {
    return [this] { return ++calls > n; };
  }
};

// Polls of a whole run that is never stopped.
template <class Work>
long polls_of(Work&& work) {
  StopAfter never{std::numeric_limits<long>::max()};
  work(never.callback());
  return never.calls;
}

std::vector<uint32_t> all_rows(size_t n) {
  std::vector<uint32_t> r(n);
  for (size_t i = 0; i < n; ++i) r[i] = static_cast<uint32_t>(i);
  return r;
}

}  // namespace

TEST(Cancel, StopsMidTraining) {
  std::vector<Lead> leads;
  std::vector<uint8_t> y;
  synth::make_leads(3000, 4, &leads, &y);
  for (int threads : {1, 2}) {
    TrainParams p;
    p.n_trees = 50;
    p.threads = threads;
    int polls = 0;
    EXPECT_THROW(train(leads, y, p, 1.7e9, [&] { return ++polls > 200; }), Cancelled);
    EXPECT_GT(polls, 200);
    // The same data train fine afterwards: nothing was left half-done.
    p.n_trees = 3;
    EXPECT_NO_THROW(train(leads, y, p, 1.7e9, [] { return false; }));
  }
}

TEST(Cancel, PolledOftenEnough) {
  std::vector<Lead> leads;
  std::vector<uint8_t> y;
  synth::make_leads(2000, 4, &leads, &y);
  TrainParams p;
  p.n_trees = 5;
  long polls = 0;
  train(leads, y, p, 1.7e9, [&] { ++polls; return false; });
  EXPECT_GT(polls, 100);  // at least once per tree node
}

TEST(Cancel, AStopAtAnyPollOfTrainingThrowsCancelledUpToTheLast) {
  // Polls are counted over a whole run; a stop at the n-th of them, for n
  // spread over the run and for each of its last 60 (the held-out scoring,
  // metrics and calibration after the forest), ends training with
  // Cancelled at once: no poll follows the one that said stop, so no phase
  // swallows the stop and goes on. A stop after the last poll lets the run
  // finish.
  std::vector<Lead> leads;
  std::vector<uint8_t> y;
  synth::make_leads(2500, 8, &leads, &y);
  for (bool refit_full : {false, true}) {
    TrainParams p;
    p.n_trees = 3;
    p.refit_full = refit_full;
    const long total = polls_of([&](const ShouldStop& s) { train(leads, y, p, 1.7e9, s); });
    ASSERT_GT(total, 200);
    std::vector<long> at;
    for (long n = 0; n < total; n += total / 40) at.push_back(n);
    for (long n = std::max(0L, total - 60); n < total; ++n) at.push_back(n);
    for (long n : at) {
      StopAfter stop{n};
      EXPECT_THROW(train(leads, y, p, 1.7e9, stop.callback()), Cancelled) << "stop at poll " << n + 1 << " of " << total;
      EXPECT_EQ(stop.calls, n + 1) << "training went on after the stop";
    }
    StopAfter last{total};
    EXPECT_NO_THROW(train(leads, y, p, 1.7e9, last.callback()));
  }
}

TEST(Cancel, FeatureSpecLearningPollsEveryFewLeads) {
  std::vector<Lead> leads;
  std::vector<uint8_t> y;
  synth::make_leads(20000, 3, &leads, &y);
  const std::vector<uint32_t> rows = all_rows(leads.size());
  const long total = polls_of([&](const ShouldStop& s) { FeatureSpec::learn(leads, rows, TrainParams(), 1.7e9, s); });
  // The survey of the leads and the per-bin counts, each polled every kPollEvery leads.
  EXPECT_GE(total, 2 * static_cast<long>(leads.size() / kPollEvery));
  for (long n : {0L, total / 3, total - 1}) {
    StopAfter stop{n};
    EXPECT_THROW(FeatureSpec::learn(leads, rows, TrainParams(), 1.7e9, stop.callback()), Cancelled);
  }
}

TEST(Cancel, CalibrationPollsEveryRoundOrStep) {
  Rng rng(3);
  std::vector<double> x(5000);
  std::vector<uint8_t> y(5000);
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = rng.below(1000) / 1000.0;
    y[i] = rng.below(1000) < x[i] * 1000;
  }
  EXPECT_GE(polls_of([&](const ShouldStop& s) { Calibrator::fit_isotonic_bagged(x, y, 10, 1, s); }), 10);
  EXPECT_GE(polls_of([&](const ShouldStop& s) { Calibrator::fit_platt(x, y, s); }), 2);
  StopAfter iso{4}, platt{1};
  EXPECT_THROW(Calibrator::fit_isotonic_bagged(x, y, 10, 1, iso.callback()), Cancelled);
  EXPECT_THROW(Calibrator::fit_platt(x, y, platt.callback()), Cancelled);
}

TEST(Cancel, BatchScoringPollsEveryFewHundredLeads) {
  std::vector<Lead> leads;
  std::vector<uint8_t> y;
  synth::make_leads(6000, 5, &leads, &y);
  TrainParams p;
  p.n_trees = 3;
  const Model m = train(leads, y, p, 1.7e9);
  const long total = polls_of([&](const ShouldStop& s) { m.score_batch(leads, 1.7e9, s); });
  EXPECT_GE(total, static_cast<long>(leads.size() / 256));
  StopAfter stop{total / 2};
  EXPECT_THROW(m.score_batch(leads, 1.7e9, stop.callback()), Cancelled);
  // Polling changes no score.
  const std::vector<Score> a = m.score_batch(leads, 1.7e9), b = m.score_batch(leads, 1.7e9, [] { return false; });
  for (size_t i = 0; i < leads.size(); i += 97) EXPECT_EQ(a[i].win_prob, b[i].win_prob);
}

TEST(Cancel, SerializationPollsThroughABigForest) {
  std::vector<Lead> leads;
  std::vector<uint8_t> y;
  synth::make_leads(8000, 6, &leads, &y);
  TrainParams p;
  p.n_trees = 40;
  p.min_samples_leaf = 2;
  const Model m = train(leads, y, p, 1.7e9);
  ASSERT_GT(m.forest().nodes.size(), 3u * 4096);
  const long total = polls_of([&](const ShouldStop& s) { serialize(m, s); });
  EXPECT_GE(total, static_cast<long>(m.forest().nodes.size() / 4096));
  for (long n : {0L, total - 1}) {
    StopAfter stop{n};
    EXPECT_THROW(serialize(m, stop.callback()), Cancelled);
  }
  EXPECT_EQ(serialize(m, [] { return false; }), serialize(m));
}
