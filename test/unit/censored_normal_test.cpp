// Moments of a truncated normal and the spread of banded log values.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/censored_normal.hpp"
#include "core/hash.hpp"

namespace leadscore {
namespace {

// The moments by the midpoint rule over [lo, hi] (infinite ends cut at 12 sd).
TruncatedMoments integrated(double m, double sigma, double lo, double hi) {
  lo = std::max(lo, m - 12 * sigma);
  hi = std::min(hi, m + 12 * sigma);
  const int steps = 200000;
  const double h = (hi - lo) / steps;
  double z = 0, first = 0, second = 0;
  for (int i = 0; i < steps; ++i) {
    const double y = lo + (i + 0.5) * h, d = (y - m) / sigma, w = std::exp(-0.5 * d * d);
    z += w;
    first += w * (y - m);
    second += w * (y - m) * (y - m);
  }
  return {first / z, second / z};
}

TEST(CensoredNormal, MomentsMatchIntegration) {
  const double inf = INFINITY;
  struct Case { double m, sigma, lo, hi; };
  for (const Case& c : {Case{9.5, 0.6, 9.2, 10.3}, Case{9.5, 0.6, -inf, 8.5}, Case{9.5, 0.6, 11.9, inf},
                        Case{12.0, 0.4, 8.5, 9.2}, Case{7.0, 0.8, 11.9, 13.0}, Case{10.0, 1.0, -inf, inf}}) {
    const TruncatedMoments got = truncated_moments(c.m, c.sigma, {c.lo, c.hi});
    const TruncatedMoments want = integrated(c.m, c.sigma, c.lo, c.hi);
    EXPECT_NEAR(got.mean, want.mean, 1e-4 * (1 + std::fabs(want.mean))) << c.m << " " << c.lo << " " << c.hi;
    EXPECT_NEAR(got.square, want.square, 1e-4 * (1 + want.square)) << c.m << " " << c.lo << " " << c.hi;
  }
}

TEST(CensoredNormal, FarTailsAndExactValuesStayFinite) {
  // 60 sd away: the mass underflows, and the nearer end stands for the range.
  const TruncatedMoments far = truncated_moments(0.0, 0.1, {6.0, 7.0});
  EXPECT_NEAR(far.mean, 6.0, 1e-9);
  EXPECT_NEAR(far.square, 36.0, 1e-9);
  const TruncatedMoments exact = truncated_moments(1.0, 0.5, {2.5, 2.5});
  EXPECT_DOUBLE_EQ(exact.mean, 1.5);
  EXPECT_DOUBLE_EQ(exact.square, 2.25);
}

// A uniform draw in (0, 1) and a standard normal one (Box-Muller).
double uniform(Rng& rng) { return (rng.below(1000000) + 0.5) / 1e6; }
double normal(Rng& rng) {
  const double u1 = uniform(rng), u2 = uniform(rng);
  return std::sqrt(-2 * std::log(u1)) * std::cos(6.283185307179586 * u2);
}

// The log range of the default deal band a log value falls in.
LogRange band_of(double y) {
  const double edges[] = {-INFINITY, std::log(5000.0), std::log(15000.0), std::log(50000.0), std::log(150000.0),
                          INFINITY};
  int b = 0;
  while (y >= edges[b + 1]) ++b;
  return {edges[b], edges[b + 1]};
}

// 20,000 draws with a seeded generator: x uniform in [lo, lo + width), a
// log value at mean(x) + sigma z, z standard normal, reported only as its
// default band.
template <class Mean>
void draw_banded(uint64_t seed, double lo, double width, double sigma, Mean mean, std::vector<double>* x,
                 std::vector<LogRange>* r) {
  Rng rng(seed);
  for (int i = 0; i < 20000; ++i) {
    const double z = normal(rng);
    const double xi = lo + width * uniform(rng);
    x->push_back(xi);
    r->push_back(band_of(mean(xi) + sigma * z));
  }
}

TEST(CensoredNormal, SpreadIsRecoveredFromBands) {
  // Log values drawn around known means, reported only as the default
  // bands: the fitted spread is the one they were drawn with.
  for (double sigma : {0.3, 0.6, 1.0}) {
    std::vector<double> m;
    std::vector<LogRange> r;
    draw_banded(17, std::log(3000.0), 4.0, sigma, [](double mean) { return mean; }, &m, &r);
    EXPECT_NEAR(fit_log_spread(m, r, 2.0), sigma, 0.05 * sigma) << sigma;
  }
}

TEST(CensoredNormal, LineIsRecoveredFromBands) {
  // Log values drawn around a + b x with known a, b and sigma, reported only
  // as the default bands, x a compressed prediction (b > 1, as a forest's
  // predictions are drawn towards the middle): the fitted line and spread
  // are the ones they were drawn with. The line from a = 0, b = 1 with the
  // spread fitted around x alone would leave the ends biased.
  struct Case { double a, b, sigma; };
  for (const Case& c : {Case{-2.0, 1.2, 0.6}, Case{1.0, 0.9, 0.4}, Case{0.0, 1.0, 1.0}}) {
    std::vector<double> x;
    std::vector<LogRange> r;
    draw_banded(23, std::log(4000.0), 3.0, c.sigma, [&](double xi) { return c.a + c.b * xi; }, &x, &r);
    const LogLine line = fit_log_line(x, r, 1.0);
    EXPECT_NEAR(line.b, c.b, 0.05) << c.a << " " << c.b;
    EXPECT_NEAR(line.a + line.b * 10.0, c.a + c.b * 10.0, 0.05) << c.a << " " << c.b;  // the line where the data are
    EXPECT_NEAR(line.sigma, c.sigma, 0.05 * c.sigma) << c.a << " " << c.b;
  }
  // A constant x has no slope to fit: the line stays the identity.
  const LogLine flat = fit_log_line({9.0, 9.0, 9.0}, {{8.5, 9.2}, {9.2, 10.3}, {8.5, 9.2}}, 0.5);
  EXPECT_EQ(flat.a, 0.0);
  EXPECT_EQ(flat.b, 1.0);
}

}  // namespace
}  // namespace leadscore
