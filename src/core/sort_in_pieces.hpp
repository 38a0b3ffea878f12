// std::sort for arrays of millions of elements, in pieces between polls of
// should_stop (cancel.hpp): sorted runs of 64K elements, then bottom-up
// merges of neighbouring runs, one poll per run or merge. The result is that
// of a stable sort (std::sort within a run is not stable, but callers give
// total orders: no two elements compare equal).
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "core/cancel.hpp"

namespace leadscore {

template <typename T, typename Less>
void sort_in_pieces(std::vector<T>& v, Less less, const ShouldStop& should_stop) {
  constexpr size_t kRun = size_t{1} << 16;
  const size_t n = v.size();
  for (size_t lo = 0; lo < n; lo += kRun) {
    std::sort(v.begin() + lo, v.begin() + std::min(n, lo + kRun), less);
    check_stop(should_stop);
  }
  if (n <= kRun) return;
  std::vector<T> merged(n);
  for (size_t width = kRun; width < n; width *= 2) {
    for (size_t lo = 0; lo < n; lo += 2 * width) {
      const size_t mid = std::min(n, lo + width), hi = std::min(n, lo + 2 * width);
      std::merge(v.begin() + lo, v.begin() + mid, v.begin() + mid, v.begin() + hi, merged.begin() + lo, less);
      check_stop(should_stop);
    }
    v.swap(merged);
  }
}

}  // namespace leadscore
