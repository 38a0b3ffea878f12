// Cancellation: the stop callback is polled often and aborts training cleanly.
#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "core/model.hpp"
#include "synthetic.hpp"

using namespace leadscore;

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
