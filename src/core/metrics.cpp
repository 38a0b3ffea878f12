// Metric computations; see metrics.hpp.
#include "core/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/errors.hpp"
#include "core/json.hpp"

namespace leadscore {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Bin of p among n equal-width bins, the last one closed at 1.
int bin_of(double p, int n) {
  int b = static_cast<int>(std::floor(p * n));
  return std::min(n - 1, std::max(0, b));
}

// Indices sorted by descending prediction (ties by index, for determinism).
std::vector<size_t> by_descending(const std::vector<double>& p) {
  std::vector<size_t> ord(p.size());
  std::iota(ord.begin(), ord.end(), size_t{0});
  std::sort(ord.begin(), ord.end(), [&](size_t i, size_t j) { return p[i] != p[j] ? p[i] > p[j] : i < j; });
  return ord;
}

}  // namespace

double roc_auc(const std::vector<double>& p, const std::vector<uint8_t>& y) {
  const size_t n = p.size();
  double npos = 0;
  for (uint8_t v : y) npos += v;
  const double nneg = static_cast<double>(n) - npos;
  if (npos == 0 || nneg == 0) return kNaN;
  std::vector<size_t> ord(n);
  std::iota(ord.begin(), ord.end(), size_t{0});
  std::sort(ord.begin(), ord.end(), [&](size_t i, size_t j) { return p[i] < p[j]; });
  // Sum of positive ranks, tied groups sharing their average rank.
  double rank_sum = 0;
  for (size_t i = 0; i < n;) {
    size_t j = i;
    double pos_in_group = 0;
    while (j < n && p[ord[j]] == p[ord[i]]) pos_in_group += y[ord[j++]];
    double avg_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2.0;
    rank_sum += pos_in_group * avg_rank;
    i = j;
  }
  return (rank_sum - npos * (npos + 1) / 2.0) / (npos * nneg);
}

double expected_calibration_error(const std::vector<double>& p, const std::vector<uint8_t>& y, int n_bins) {
  if (p.empty()) return kNaN;
  std::vector<double> sp(n_bins, 0.0), sy(n_bins, 0.0), c(n_bins, 0.0);
  for (size_t i = 0; i < p.size(); ++i) {
    int b = bin_of(p[i], n_bins);
    sp[b] += p[i];
    sy[b] += y[i];
    c[b] += 1;
  }
  double ece = 0;
  for (int b = 0; b < n_bins; ++b)
    if (c[b] > 0) ece += c[b] / static_cast<double>(p.size()) * std::fabs(sy[b] / c[b] - sp[b] / c[b]);
  return ece;
}

Metrics compute_metrics(const std::vector<double>& p, const std::vector<uint8_t>& y) {
  if (p.size() != y.size()) throw InvalidInput("metrics: predictions and labels differ in length");
  Metrics m;
  const size_t n = p.size();
  m.rows_holdout = n;
  if (n == 0) {
    m.positive_rate = m.auc = m.accuracy = m.brier = m.log_loss = m.ece = kNaN;
    return m;
  }
  double npos = 0, correct = 0, brier = 0, ll = 0;
  for (size_t i = 0; i < n; ++i) {
    npos += y[i];
    correct += ((p[i] >= 0.5) == (y[i] != 0));
    brier += (p[i] - y[i]) * (p[i] - y[i]);
    double q = std::min(1.0 - 1e-15, std::max(1e-15, p[i]));
    ll -= y[i] ? std::log(q) : std::log(1.0 - q);
  }
  const double dn = static_cast<double>(n);
  m.positive_rate = npos / dn;
  m.accuracy = correct / dn;
  m.brier = brier / dn;
  m.log_loss = ll / dn;
  m.ece = expected_calibration_error(p, y, 10);
  m.auc = roc_auc(p, y);

  // Calibration curve over the same 10 bins as ECE.
  m.calibration.resize(10);
  for (int b = 0; b < 10; ++b) {
    m.calibration[b].lo = b / 10.0;
    m.calibration[b].hi = (b + 1) / 10.0;
  }
  std::vector<double> sp(10, 0.0), sy(10, 0.0);
  for (size_t i = 0; i < n; ++i) {
    int b = bin_of(p[i], 10);
    m.calibration[b].count++;
    sp[b] += p[i];
    sy[b] += y[i];
  }
  for (int b = 0; b < 10; ++b) {
    double c = static_cast<double>(m.calibration[b].count);
    m.calibration[b].mean_predicted = c > 0 ? sp[b] / c : kNaN;
    m.calibration[b].fraction_positive = c > 0 ? sy[b] / c : kNaN;
  }

  // ROC curve at each distinct threshold, then thinned to a bounded size.
  const double nneg = dn - npos;
  if (npos > 0 && nneg > 0) {
    std::vector<RocPoint> full;
    full.push_back({0.0, 0.0, std::numeric_limits<double>::infinity()});
    std::vector<size_t> ord = by_descending(p);
    double tp = 0, fp = 0;
    for (size_t i = 0; i < n;) {
      size_t j = i;
      while (j < n && p[ord[j]] == p[ord[i]]) {
        if (y[ord[j]]) tp += 1; else fp += 1;
        ++j;
      }
      full.push_back({fp / nneg, tp / npos, p[ord[i]]});
      i = j;
    }
    if (full.size() <= kMaxRocPoints) {
      m.roc = std::move(full);
    } else {
      for (size_t k = 0; k < kMaxRocPoints; ++k)
        m.roc.push_back(full[static_cast<size_t>(std::llround(
            static_cast<double>(k) * static_cast<double>(full.size() - 1) / (kMaxRocPoints - 1)))]);
    }
  }
  return m;
}

std::string Metrics::to_json() const {
  JsonWriter w;
  w.begin_object();
  w.key("auc").value(auc);
  w.key("auc_raw").value(auc_raw);
  w.key("accuracy").value(accuracy);
  w.key("brier").value(brier);
  w.key("log_loss").value(log_loss);
  w.key("ece").value(ece);
  w.key("positive_rate").value(positive_rate);
  w.key("rows_train").value(static_cast<long long>(rows_train));
  w.key("rows_holdout").value(static_cast<long long>(rows_holdout));
  w.key("calibration_curve").begin_array();
  for (const auto& b : calibration) {
    w.begin_object();
    w.key("lo").value(b.lo);
    w.key("hi").value(b.hi);
    w.key("count").value(static_cast<long long>(b.count));
    w.key("mean_predicted").value(b.mean_predicted);
    w.key("fraction_positive").value(b.fraction_positive);
    w.end_object();
  }
  w.end_array();
  w.key("roc_curve").begin_array();
  for (const auto& r : roc) {
    w.begin_array();
    w.value(r.fpr).value(r.tpr);
    w.end_array();
  }
  w.end_array();
  w.key("feature_importance").begin_array();
  for (const auto& f : importance) {
    w.begin_object();
    w.key("feature").value(f.feature);
    w.key("importance").value(f.importance);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return w.str();
}

}  // namespace leadscore
