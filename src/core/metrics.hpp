// Quality metrics of predicted probabilities against 0/1 labels, matching the
// definitions of the scikit-learn baseline: ROC AUC with ties counted half,
// Brier score, log loss with probabilities clipped to [1e-15, 1 - 1e-15],
// accuracy at 0.5, and expected calibration error over 10 equal-width bins
// [0, .1), ..., [.9, 1] weighted by bin size.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace leadscore {

struct CalibrationBin {
  double lo = 0, hi = 0;       // bin bounds on the predicted probability
  uint64_t count = 0;
  double mean_predicted = 0;   // NaN when the bin is empty
  double fraction_positive = 0;
};

struct RocPoint {
  double fpr = 0, tpr = 0;
  double threshold = 0;  // predictions >= threshold count as positive
};

struct FeatureImportance {
  std::string feature;
  double importance = 0;
};

constexpr size_t kMaxRocPoints = 101;
constexpr size_t kTopImportances = 20;

struct Metrics {
  uint64_t rows_train = 0;    // leads the measured forest was trained on
  uint64_t rows_holdout = 0;  // leads the metrics were computed on
  double positive_rate = 0;   // among the measured leads
  double auc = 0, accuracy = 0, brier = 0, log_loss = 0, ece = 0;  // NaN when undefined
  // AUC of the forest's raw (uncalibrated) probability on the same leads: the
  // ranking alone, which no calibration map can change (model.hpp). NaN when
  // undefined or not measured (models of format 1).
  double auc_raw = std::numeric_limits<double>::quiet_NaN();
  std::vector<CalibrationBin> calibration;
  std::vector<RocPoint> roc;  // at most kMaxRocPoints, from (0,0) to (1,1)
  std::vector<FeatureImportance> importance;  // largest first, at most kTopImportances

  std::string to_json() const;
};

// All probability metrics for predictions p of labels y (same length).
Metrics compute_metrics(const std::vector<double>& p, const std::vector<uint8_t>& y);

// ROC AUC by ranks, ties counted half; NaN unless both classes are present.
double roc_auc(const std::vector<double>& p, const std::vector<uint8_t>& y);

// Expected calibration error over n_bins equal-width bins.
double expected_calibration_error(const std::vector<double>& p, const std::vector<uint8_t>& y, int n_bins = 10);

}  // namespace leadscore
