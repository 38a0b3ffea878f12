// JSON text: escaping, numbers and non-finite numbers.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include "core/json.hpp"

using namespace leadscore;

TEST(Json, EscapesStrings) {
  JsonWriter w;
  w.begin_object().key("a\"b").value("line\nbreak\\ \x01").key("n").value(std::nan("")).end_object();
  EXPECT_EQ(w.str(), "{\"a\\\"b\":\"line\\nbreak\\\\ \\u0001\",\"n\":null}");
}

TEST(Json, ArraysAndNesting) {
  JsonWriter w;
  w.begin_array().value(1).begin_object().key("x").value(true).end_object().value(0.5).end_array();
  EXPECT_EQ(w.str(), "[1,{\"x\":true},0.5]");
}

// Numbers are written as "%.6g" writes them, by a shortcut for whole tenths
// (score points) and by printf otherwise: both must give the same text.
std::string printf_6g(double d) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", d);
  return buf;
}

std::string written(double d) {
  char buf[32];
  return format_json_number(d, buf) ? buf : "null";
}

TEST(Json, TenthsAsPrintfWritesThem) {
  for (long long k = -1000001; k <= 1000001; k++) {
    const double d = static_cast<double>(k) / 10.0;
    ASSERT_EQ(written(d), printf_6g(d)) << k;
    const double rounded = std::round(d * 10.0) / 10.0 + 0.0;  // as the explanations round points
    ASSERT_EQ(written(rounded), printf_6g(rounded)) << k;
  }
}

TEST(Json, OtherNumbersAsPrintfWritesThem) {
  const double cases[] = {0.0,     -0.0,    0.05,   0.15,     1.25,    -2.35,  99999.95, 100000.0, 123456.7,
                          1e-7,    1e20,    -1e-5,  0.123456, 1.0 / 3, 2.0 / 3, 1e5 - 0.05, 5e-324, 1.7976931348623157e308,
                          0.30000000000000004,  12345.650000000001, -99999.9};
  for (double d : cases) EXPECT_EQ(written(d), printf_6g(d)) << d;
  uint64_t state = 88172645463325252ull;  // xorshift: many doubles of every size, and near-tenths
  for (int i = 0; i < 200000; i++) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    double d;
    std::memcpy(&d, &state, sizeof d);
    if (!std::isfinite(d)) continue;
    ASSERT_EQ(written(d), printf_6g(d)) << d;
    const double near = static_cast<double>(static_cast<int64_t>(state % 2000001) - 1000000) / 10.0;
    ASSERT_EQ(written(std::nextafter(near, 1e9)), printf_6g(std::nextafter(near, 1e9))) << near;
    ASSERT_EQ(written(near), printf_6g(near)) << near;
  }
  EXPECT_EQ(written(std::nan("")), "null");
  EXPECT_EQ(written(-INFINITY), "null");
}
