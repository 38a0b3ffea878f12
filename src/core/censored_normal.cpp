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

LogLine fit_log_line(const std::vector<double>& x, const std::vector<LogRange>& r, double sigma0,
                     const ShouldStop& should_stop) {
  LogLine line;
  line.sigma = sigma0 > 0 ? sigma0 : 1.0;
  const size_t n = x.size();
  double mx = 0;
  for (double v : x) mx += v;
  mx /= static_cast<double>(n);
  double sxx = 0;
  for (double v : x) sxx += (v - mx) * (v - mx);
  if (n < 2 || !(sxx > 0)) return line;
  std::vector<double> y(n), sq(n);
  for (int round = 0; round < 500; ++round) {
    check_stop(should_stop);
    double my = 0;
    for (size_t i = 0; i < n; ++i) {
      const double m = line.a + line.b * x[i];
      const TruncatedMoments t = truncated_moments(m, line.sigma, r[i]);
      y[i] = m + t.mean;
      sq[i] = t.square - t.mean * t.mean;  // the variance of Y_i given its range
      my += y[i];
    }
    my /= static_cast<double>(n);
    double sxy = 0;
    for (size_t i = 0; i < n; ++i) sxy += (x[i] - mx) * (y[i] - my);
    LogLine next;
    next.b = sxy / sxx;
    next.a = my - next.b * mx;
    double ss = 0;
    for (size_t i = 0; i < n; ++i) {
      const double d = y[i] - (next.a + next.b * x[i]);
      ss += sq[i] + d * d;
    }
    next.sigma = std::sqrt(ss / static_cast<double>(n));
    if (!(next.sigma > 1e-9) || !std::isfinite(next.a) || !std::isfinite(next.b)) return line;
    const bool settled = std::fabs(next.b - line.b) <= 1e-5 && std::fabs(next.a - line.a) <= 1e-5 * (1 + std::fabs(line.a)) &&
                         std::fabs(next.sigma - line.sigma) <= 1e-5 * line.sigma;
    line = next;
    if (settled) break;
  }
  return line;
}

}  // namespace leadscore
