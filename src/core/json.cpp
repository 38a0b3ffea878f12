// JSON text writer; see json.hpp.
#include "core/json.hpp"

#include <cmath>
#include <cstdio>

namespace leadscore {

void json_escape(std::string& out, std::string_view s) {
  out.push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
  out.push_back('"');
}

void JsonWriter::separate() {
  if (need_comma_) out_.push_back(',');
  need_comma_ = true;
}

JsonWriter& JsonWriter::begin_object() {
  separate();
  out_.push_back('{');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  out_.push_back('}');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  separate();
  out_.push_back('[');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  out_.push_back(']');
  need_comma_ = true;
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
  separate();
  json_escape(out_, k);
  out_.push_back(':');
  need_comma_ = false;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
  separate();
  json_escape(out_, s);
  return *this;
}

namespace {

// A whole number of tenths below 100,000 in size (score points) has at most
// six significant digits, so "%.6g" writes it in full, without an exponent
// and without trailing zeros: written here directly, as printf is slow.
bool format_tenths(double d, char (&buf)[32]) {
  if (!(std::fabs(d) < 1e5)) return false;
  const long long k = std::llround(d * 10.0);
  if (static_cast<double>(k) / 10.0 != d || (k == 0 && std::signbit(d))) return false;
  unsigned long long m = k < 0 ? -k : k;
  char digits[8];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + m % 10);
    m /= 10;
  } while (m > 0);
  char* p = buf;
  if (k < 0) *p++ = '-';
  const int tenths = digits[0] - '0';
  if (n == 1) *p++ = '0';
  for (int i = n - 1; i >= 1; i--) *p++ = digits[i];
  if (tenths != 0) {
    *p++ = '.';
    *p++ = digits[0];
  }
  *p = '\0';
  return true;
}

}  // namespace

bool format_json_number(double d, char (&buf)[32]) {
  if (!std::isfinite(d)) return false;
  if (!format_tenths(d, buf)) std::snprintf(buf, sizeof buf, "%.6g", d);
  return true;
}

JsonWriter& JsonWriter::value(double d) {
  separate();
  char buf[32];
  out_ += format_json_number(d, buf) ? buf : "null";
  return *this;
}

JsonWriter& JsonWriter::value(long long i) {
  separate();
  out_ += std::to_string(i);
  return *this;
}

JsonWriter& JsonWriter::value(bool b) {
  separate();
  out_ += b ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::null() {
  separate();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  separate();
  out_ += json;
  return *this;
}

}  // namespace leadscore
