// See score_scale.hpp.
#include "core/score_scale.hpp"

#include <cmath>

namespace leadscore {

int percent_score(double win_prob) { return static_cast<int>(std::lround(100.0 * win_prob)); }

const char* grade_of(int score) {
  // Lowest score of each grade, best first.
  struct Band {
    int from;
    const char* grade;
  };
  static constexpr Band kBands[] = {{70, "A"}, {50, "B"}, {30, "C"}};
  for (const Band& b : kBands)
    if (score >= b.from) return b.grade;
  return "D";
}

}  // namespace leadscore
