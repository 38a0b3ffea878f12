// Where a win probability stands among a model's held-out leads.
//
// A model keeps the calibrated win probabilities of the leads it held out of
// training, sorted and thinned to at most kMaxQuantiles values, each standing
// for an equal share of those leads (with fewer leads, every lead is kept).
// A lead's percentile is 100 x the share of kept values strictly below its
// win probability: "better than 83% of the model's held-out leads". Thinning
// to 1,000 values moves a percentile by at most 0.1 point, and keeps the blob
// small whatever the training size.
#pragma once

#include <cstddef>
#include <vector>

namespace leadscore {

class ScoreDistribution {
 public:
  static constexpr size_t kMaxQuantiles = 1000;

  ScoreDistribution() = default;

  // From any number of probabilities in [0, 1] (order does not matter); NaNs
  // are dropped. Throws InvalidInput for a value outside [0, 1].
  static ScoreDistribution from_probabilities(std::vector<double> probs);

  // From stored quantiles: ascending, in [0, 1], at most kMaxQuantiles.
  // Throws InvalidInput otherwise (the blob reader turns that into CorruptModel).
  static ScoreDistribution from_quantiles(std::vector<double> quantiles);

  // 0..100: the share of the distribution strictly below p; NaN when empty.
  double percentile(double p) const;

  bool empty() const { return q_.empty(); }
  const std::vector<double>& quantiles() const { return q_; }

 private:
  std::vector<double> q_;  // ascending
};

}  // namespace leadscore
