// Values known only as a range. A contractor's deal band says a job was worth
// between two amounts ($15k to $50k), not how much; taking every band at one
// number (its midpoint) biases what is learned: on a log-normal spread of
// values, most of a band's deals sit below its midpoint. Instead, in log
// dollars, a deal's value Y is taken as normal around the lead's predicted
// log value m with one spread sigma for all leads (a log-normal deal value),
// and what a band says is what that normal says once truncated to the band:
//
//   E[Y | lo <= Y < hi] = m + sigma (phi(a) - phi(b)) / Z,
//   E[(Y - m)^2 | lo <= Y < hi] = sigma^2 (1 + (a phi(a) - b phi(b)) / Z),
//
// a = (lo - m) / sigma, b = (hi - m) / sigma, Z = Phi(b) - Phi(a), phi and
// Phi the standard normal density and distribution. The spread is fitted by
// expectation-maximisation (the mean of the second moment, repeated until it
// settles), which is the maximum-likelihood spread of interval-censored
// normal data for the given means.
#pragma once

#include <vector>

#include "core/cancel.hpp"

namespace leadscore {

// A log-dollar range [lo, hi): lo may be -infinity (a band from $0), hi
// +infinity (the open top band); lo == hi is an exact value.
struct LogRange {
  double lo = 0, hi = 0;
};

struct TruncatedMoments {
  double mean = 0;    // E[Y - m | Y in the range]
  double square = 0;  // E[(Y - m)^2 | Y in the range]
};

// The moments of N(m, sigma^2) truncated to r, relative to m. Where the
// range lies so far in a tail that Z underflows, the nearest end of the
// range stands for the whole of it.
TruncatedMoments truncated_moments(double m, double sigma, const LogRange& r);

// The spread sigma of log values around the means m given the ranges they
// fell in (both of the same length, not empty), by expectation-maximisation
// from sigma0 > 0. Polls should_stop between rounds; throws Cancelled.
double fit_log_spread(const std::vector<double>& m, const std::vector<LogRange>& r, double sigma0,
                      const ShouldStop& should_stop = ShouldStop());

// A straight line through interval-censored data: log values Y_i normal
// around a + b x_i with one spread sigma, known only by the ranges they fell
// in. Fitted by expectation-maximisation from a = 0, b = 1 and sigma0 > 0
// (each round: each Y_i's truncated moments under the current line, then
// least squares of their means on x and the spread of their second moments
// around the new line), which is maximum likelihood for interval-censored
// normal regression. x and r have the same length, at least 2, and x must
// not be constant. Polls should_stop between rounds; throws Cancelled.
struct LogLine {
  double a = 0, b = 1, sigma = 1;
};
LogLine fit_log_line(const std::vector<double>& x, const std::vector<LogRange>& r, double sigma0,
                     const ShouldStop& should_stop = ShouldStop());

}  // namespace leadscore
