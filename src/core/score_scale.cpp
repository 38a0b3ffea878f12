// See score_scale.hpp.
#include "core/score_scale.hpp"

#include <algorithm>
#include <cmath>

#include "core/errors.hpp"

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

GradeBands GradeBands::defaults() {
  return from({{"A", 90, 100}, {"B", 70, 90}, {"C", 40, 70}, {"D", 0, 40}});
}

GradeBands GradeBands::from(std::vector<GradeBand> bands) {
  if (bands.empty()) throw InvalidInput("grade bands: there must be at least one band");
  for (const GradeBand& b : bands) {
    if (b.grade.empty()) throw InvalidInput("grade bands: a grade has no name");
    if (!(b.min_percentile >= 0 && b.max_percentile <= 100 && b.min_percentile < b.max_percentile))
      throw InvalidInput("grade bands: grade " + b.grade + " must lie within 0..100 with min_percentile < max_percentile");
  }
  std::sort(bands.begin(), bands.end(),
            [](const GradeBand& a, const GradeBand& b) { return a.min_percentile > b.min_percentile; });
  if (bands.front().max_percentile != 100) throw InvalidInput("grade bands: no band reaches percentile 100");
  if (bands.back().min_percentile != 0) throw InvalidInput("grade bands: no band starts at percentile 0");
  for (size_t i = 1; i < bands.size(); ++i) {
    const GradeBand &hi = bands[i - 1], &lo = bands[i];
    if (lo.max_percentile > hi.min_percentile)
      throw InvalidInput("grade bands: " + lo.grade + " and " + hi.grade + " overlap");
    if (lo.max_percentile < hi.min_percentile)
      throw InvalidInput("grade bands: a gap lies between " + lo.grade + " and " + hi.grade);
  }
  for (size_t i = 0; i < bands.size(); ++i)
    for (size_t j = i + 1; j < bands.size(); ++j)
      if (bands[i].grade == bands[j].grade) throw InvalidInput("grade bands: grade " + bands[i].grade + " repeats");
  GradeBands g;
  g.bands_ = std::move(bands);
  return g;
}

const char* GradeBands::grade_of(double percentile) const {
  if (bands_.empty()) return "D";
  const double p = std::clamp(std::isnan(percentile) ? 0.0 : percentile, 0.0, 100.0);
  for (const GradeBand& b : bands_)
    if (p >= b.min_percentile) return b.grade.c_str();
  return bands_.back().grade.c_str();
}

double rules_percentile(int score) {
  // kBelow[s]: percent of the reference leads whose rules score is below s,
  // for s = 0..100 (see score_scale.hpp for the reference).
  static constexpr double kBelow[101] = {
#include "core/rules_reference.inc"
  };
  return kBelow[std::clamp(score, 0, 100)];
}

}  // namespace leadscore
