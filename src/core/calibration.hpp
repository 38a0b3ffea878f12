// Probability calibration of the raw forest output.
//
// The map is fitted on out-of-bag predictions: each training lead is scored
// only by the trees that did not see it, so one forest serves both fitting and
// calibration. Isotonic regression (pool adjacent violators) is the default;
// its block means are joined by straight lines so that distinct raw scores
// keep distinct calibrated values wherever the data allow. Platt scaling (a
// two-parameter logistic fit) takes over when data are too few for isotonic.
// Each isotonic block mean is noisy (a block of 100 leads at p = 0.5 has a
// standard error of 0.05), so the shipped map is the mean of maps fitted on
// bootstrap resamples, which smooths that noise without bending the map.
#pragma once

#include <cstdint>
#include <vector>

#include "core/cancel.hpp"
#include "core/params.hpp"

namespace leadscore {

// Calibrated probabilities stay inside [kProbFloor, 1 - kProbFloor], so log loss
// stays bounded even where a block of training leads was all one class.
constexpr double kProbFloor = 1e-3;

class Calibrator {
 public:
  Calibration method = Calibration::None;
  std::vector<double> xs, ys;  // isotonic knots: raw score -> probability, both non-decreasing
  double a = 0, b = 0;         // Platt: p = 1 / (1 + exp(a * raw + b))

  // Calibrated probability for a raw forest probability.
  double apply(double raw) const;

  // The isotonic knots joined by straight lines, flat beyond the ends, unclamped.
  double interpolate(double raw) const;

  // Fit on (raw score, label) pairs; labels are 0/1.
  static Calibrator fit_isotonic(const std::vector<double>& x, const std::vector<uint8_t>& y);
  // Mean of isotonic maps fitted on `rounds` bootstrap resamples, tabulated at
  // quantiles of x: monotone like each map, with less block-to-block noise.
  // Polls should_stop once per round (a sort of x each) and throws Cancelled.
  static Calibrator fit_isotonic_bagged(const std::vector<double>& x, const std::vector<uint8_t>& y,
                                        int rounds, uint64_t seed, const ShouldStop& should_stop = ShouldStop());
  // Polls should_stop once per Newton step (a pass over x each).
  static Calibrator fit_platt(const std::vector<double>& x, const std::vector<uint8_t>& y,
                              const ShouldStop& should_stop = ShouldStop());
  static Calibrator identity();

  // Checks for a deserialized map; throws CorruptModel.
  void validate() const;
};

}  // namespace leadscore
