// See numeric_text.hpp. Names follow numeric.c's set_var_from_str and
// make_result, whose steps this mirrors.
#include "pg/numeric_text.hpp"

#include <cstdint>
#include <cstring>

#include "pg/postgres.hpp"

namespace leadscore::pg {
namespace {

// numeric.c's layout (not exported by utils/numeric.h).
constexpr int kDecDigits = 4;  // decimal digits per base-10000 digit
constexpr uint16_t kNumericNeg = 0x4000;
constexpr uint16_t kNumericShort = 0x8000;
constexpr uint16_t kShortSignMask = 0x2000;
constexpr int kShortDscaleShift = 7;
constexpr int kShortDscaleMax = 0x1F80 >> kShortDscaleShift;
constexpr uint16_t kShortWeightSignMask = 0x0040;
constexpr uint16_t kShortWeightMask = 0x003F;
constexpr int kShortWeightMax = kShortWeightMask;
constexpr int kShortWeightMin = -(kShortWeightMask + 1);

// What this encoder takes; anything longer goes to numeric_in. At these
// bounds the weight and the scale are far inside numeric's limits, and the
// result fits in kMaxEncodedNumeric bytes.
constexpr int kMaxDigits = 40;
constexpr int kMaxExponent = 400;

}  // namespace

size_t encode_numeric(std::string_view text, char (&out)[kMaxEncodedNumeric]) {
  // Decimal digits, with kDecDigits zeros before and after for alignment.
  uint8_t decdigits[kDecDigits + kMaxDigits + kDecDigits] = {};
  size_t p = 0;
  bool negative = false;
  if (p < text.size() && text[p] == '-') {
    negative = true;
    p++;
  }
  int dweight = -1;  // decimal weight of the first digit
  int dscale = 0;
  int i = kDecDigits;
  bool have_dp = false;
  for (; p < text.size(); p++) {
    const char c = text[p];
    if (c >= '0' && c <= '9') {
      if (i == kDecDigits + kMaxDigits) return 0;
      decdigits[i++] = static_cast<uint8_t>(c - '0');
      if (have_dp) {
        dscale++;
      } else {
        dweight++;
      }
    } else if (c == '.' && !have_dp) {
      have_dp = true;
    } else {
      break;
    }
  }
  const int ddigits = i - kDecDigits;
  if (ddigits == 0) return 0;
  if (p < text.size()) {
    if (text[p] != 'e' && text[p] != 'E') return 0;
    p++;
    bool exponent_negative = false;
    if (p < text.size() && (text[p] == '+' || text[p] == '-')) exponent_negative = text[p++] == '-';
    if (p == text.size()) return 0;
    int exponent = 0;
    for (; p < text.size(); p++) {
      if (text[p] < '0' || text[p] > '9') return 0;
      exponent = exponent * 10 + (text[p] - '0');
      if (exponent > kMaxExponent) return 0;
    }
    if (exponent_negative) exponent = -exponent;
    dweight += exponent;
    dscale -= exponent;
    if (dscale < 0) dscale = 0;
  }

  // Base-10000 weight and digits, the first digit aligned by offset zeros.
  int weight = dweight >= 0 ? (dweight + 1 + kDecDigits - 1) / kDecDigits - 1
                            : -((-dweight - 1) / kDecDigits + 1);
  const int offset = (weight + 1) * kDecDigits - (dweight + 1);
  int ndigits = (ddigits + offset + kDecDigits - 1) / kDecDigits;
  int16_t digits[kMaxDigits / kDecDigits + 2];
  for (int k = 0, d = kDecDigits - offset; k < ndigits; k++, d += kDecDigits)
    digits[k] = static_cast<int16_t>(((decdigits[d] * 10 + decdigits[d + 1]) * 10 + decdigits[d + 2]) * 10 +
                                     decdigits[d + 3]);

  // make_result: no leading or trailing zero digits; zero is positive, weight 0.
  int first = 0;
  while (first < ndigits && digits[first] == 0) {
    first++;
    weight--;
  }
  while (ndigits > first && digits[ndigits - 1] == 0) ndigits--;
  const int n = ndigits - first;
  if (n == 0) {
    weight = 0;
    negative = false;
  }

  size_t len;
  char* at;
  if (dscale <= kShortDscaleMax && weight <= kShortWeightMax && weight >= kShortWeightMin) {
    const uint16_t header = static_cast<uint16_t>(
        (negative ? (kNumericShort | kShortSignMask) : kNumericShort) | (dscale << kShortDscaleShift) |
        (weight < 0 ? kShortWeightSignMask : 0) | (weight & kShortWeightMask));
    len = VARHDRSZ + sizeof header + n * sizeof(int16_t);
    std::memcpy(out + VARHDRSZ, &header, sizeof header);
    at = out + VARHDRSZ + sizeof header;
  } else {
    const uint16_t sign_dscale = static_cast<uint16_t>((negative ? kNumericNeg : 0) | dscale);
    const int16_t long_weight = static_cast<int16_t>(weight);
    len = VARHDRSZ + sizeof sign_dscale + sizeof long_weight + n * sizeof(int16_t);
    std::memcpy(out + VARHDRSZ, &sign_dscale, sizeof sign_dscale);
    std::memcpy(out + VARHDRSZ + sizeof sign_dscale, &long_weight, sizeof long_weight);
    at = out + VARHDRSZ + sizeof sign_dscale + sizeof long_weight;
  }
  std::memcpy(at, digits + first, n * sizeof(int16_t));
  SET_VARSIZE(out, len);
  return len;
}

}  // namespace leadscore::pg
