// Moments of a truncated normal and the spread of range-censored log values;
// see censored_normal.hpp.
#include "core/censored_normal.hpp"

#include <algorithm>
#include <cmath>

namespace leadscore {

namespace {

constexpr double kInvSqrt2Pi = 0.3989422804014327;

double density(double x) { return std::isinf(x) ? 0.0 : kInvSqrt2Pi * std::exp(-0.5 * x * x); }
// x phi(x), 0 at either infinity.
double x_density(double x) { return std::isinf(x) ? 0.0 : x * density(x); }
// The upper tail 1 - Phi(x), accurate far out where 1 - Phi would cancel.
double upper_tail(double x) { return 0.5 * std::erfc(x / std::sqrt(2.0)); }

// Phi(b) - Phi(a) for a < b, from whichever tails do not cancel.
double mass(double a, double b) {
  if (a >= 0) return upper_tail(a) - upper_tail(b);     // right of the centre
  if (b <= 0) return upper_tail(-b) - upper_tail(-a);   // left of it
  return 1.0 - upper_tail(b) - upper_tail(-a);          // across it
}

// The standard normal truncated to [a, b).
TruncatedMoments standard(double a, double b) {
  const double z = mass(a, b);
  TruncatedMoments t;
  if (!(z > 1e-300)) {
    // Both ends far in one tail: the end nearer the centre holds the mass.
    const double end = std::fabs(a) < std::fabs(b) ? a : b;
    t.mean = end;
    t.square = end * end;
    return t;
  }
  t.mean = (density(a) - density(b)) / z;
  t.square = std::max(0.0, 1.0 + (x_density(a) - x_density(b)) / z);
  return t;
}

}  // namespace

TruncatedMoments truncated_moments(double m, double sigma, const LogRange& r) {
  TruncatedMoments t;
  if (!(r.hi > r.lo) || !(sigma > 0)) {  // an exact value, or no spread
    const double y = std::min(std::max(m, r.lo), r.hi);
    t.mean = y - m;
    t.square = t.mean * t.mean;
    return t;
  }
  const TruncatedMoments s = standard((r.lo - m) / sigma, (r.hi - m) / sigma);
  t.mean = sigma * s.mean;
  t.square = sigma * sigma * s.square;
  return t;
}

double fit_log_spread(const std::vector<double>& m, const std::vector<LogRange>& r, double sigma0,
                      const ShouldStop& should_stop) {
  double sigma = sigma0 > 0 ? sigma0 : 1.0;
  // Each round cannot lower the likelihood; the spread settles to a relative
  // change below 1e-4 within a few dozen rounds on banded values.
  for (int round = 0; round < 200; ++round) {
    check_stop(should_stop);
    double sum = 0;
    for (size_t i = 0; i < m.size(); ++i) sum += truncated_moments(m[i], sigma, r[i]).square;
    const double next = std::sqrt(sum / static_cast<double>(m.size()));
    if (!(next > 1e-9)) return 1e-9;
    const bool settled = std::fabs(next - sigma) <= 1e-4 * sigma;
    sigma = next;
    if (settled) break;
  }
  return sigma;
}

}  // namespace leadscore
