// Exact conversion of a decimal number held as base-10000 digits (the layout
// PostgreSQL's numeric uses) to the nearest double, for the common case only.
//
// The value is digits[0..n) * 10000^(weight - i) with an optional minus sign.
// When it can be written as M * 10^e with M below 2^53 and |e| small enough
// that 10^|e| is itself an exact double (|e| <= 22), one IEEE multiplication
// or division gives the correctly rounded result, the same double that
// strtod() returns for the number's text. Anything else reports false, and the
// caller takes the slower text route; so both routes agree bit for bit.
#pragma once

#include <cstdint>

namespace leadscore {

inline bool base10000_to_double(const int16_t* digits, int n, int weight, bool negative, double* out) {
  static constexpr double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                      1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                      1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  constexpr uint64_t kExactLimit = uint64_t{1} << 53;
  if (n < 0 || n > 4) return false;  // 10000^4 > 2^53: more digits may not fit
  uint64_t m = 0;
  for (int i = 0; i < n; ++i) {
    if (digits[i] < 0 || digits[i] > 9999) return false;
    m = m * 10000 + static_cast<uint64_t>(digits[i]);
  }
  if (m >= kExactLimit) return false;
  // The last digit has weight (weight - (n - 1)), in powers of 10000.
  const int e = 4 * (weight - (n - 1));
  double v;
  if (n == 0 || m == 0) {
    v = 0.0;
  } else if (e >= 0) {
    if (e > 22) return false;
    const double p = kPow10[e];
    if (static_cast<double>(m) * p >= static_cast<double>(kExactLimit)) return false;
    v = static_cast<double>(m) * p;  // an exact integer below 2^53
  } else {
    if (-e > 22) return false;
    v = static_cast<double>(m) / kPow10[-e];  // both exact: one correctly rounded division
  }
  *out = negative ? -v : v;
  return true;
}

}  // namespace leadscore
