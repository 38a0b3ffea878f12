// Cooperative cancellation. Work that can run long on caller-sized input
// (training, batch scoring, serialization) takes a "should I stop?" callback,
// which the Postgres glue answers from its interrupt flags, and polls it
// often enough that no stretch between two polls takes long (the benchmark
// BM_LongestGapBetweenStopPolls in bench/core_microbench.cpp measures the
// longest: about 30 ms at 200,000 leads, about 130 ms at 2,000,000, the
// default max_training_leads, where the held-out metrics' sort is the
// longest stretch). When it says yes, the work throws Cancelled and unwinds; the glue
// then lets Postgres raise the cancel or timeout error.
#pragma once

#include <cstddef>
#include <functional>

#include "core/errors.hpp"

namespace leadscore {

// Polled from the thread that started the work; true means stop now. May be empty.
using ShouldStop = std::function<bool()>;

// Loops over leads or rows poll once per this many iterations: cheap next to
// the work, and a few milliseconds apart at most.
constexpr size_t kPollEvery = 1024;

// Throws Cancelled when should_stop is set and says so.
inline void check_stop(const ShouldStop& should_stop) {
  if (should_stop && should_stop()) throw Cancelled();
}

// check_stop() on every kPollEvery-th iteration i of a loop.
inline void check_stop_every(const ShouldStop& should_stop, size_t i) {
  if (i % kPollEvery == kPollEvery - 1) check_stop(should_stop);
}

}  // namespace leadscore
