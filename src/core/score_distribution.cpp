// See score_distribution.hpp.
#include "core/score_distribution.hpp"

#include <algorithm>
#include <cmath>

#include "core/errors.hpp"

namespace leadscore {

ScoreDistribution ScoreDistribution::from_probabilities(std::vector<double> probs) {
  probs.erase(std::remove_if(probs.begin(), probs.end(), [](double p) { return std::isnan(p); }), probs.end());
  for (double p : probs)
    if (p < 0 || p > 1) throw InvalidInput("a win probability lies outside [0, 1]");
  std::sort(probs.begin(), probs.end());
  ScoreDistribution d;
  const size_t n = probs.size(), k = std::min(n, kMaxQuantiles);
  d.q_.reserve(k);
  // The value at the middle of each of k equal shares of the sorted leads.
  for (size_t j = 0; j < k; ++j) d.q_.push_back(probs[std::min(n - 1, (2 * j + 1) * n / (2 * k))]);
  return d;
}

ScoreDistribution ScoreDistribution::from_quantiles(std::vector<double> quantiles) {
  if (quantiles.size() > kMaxQuantiles) throw InvalidInput("too many quantiles");
  for (size_t i = 0; i < quantiles.size(); ++i) {
    if (!(quantiles[i] >= 0 && quantiles[i] <= 1)) throw InvalidInput("a quantile lies outside [0, 1]");
    if (i > 0 && quantiles[i] < quantiles[i - 1]) throw InvalidInput("quantiles are not ascending");
  }
  ScoreDistribution d;
  d.q_ = std::move(quantiles);
  return d;
}

double ScoreDistribution::percentile(double p) const {
  if (q_.empty() || std::isnan(p)) return NAN;
  const size_t below = static_cast<size_t>(std::lower_bound(q_.begin(), q_.end(), p) - q_.begin());
  return 100.0 * static_cast<double>(below) / static_cast<double>(q_.size());
}

}  // namespace leadscore
