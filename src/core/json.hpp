// Minimal JSON text writer for metrics and summaries. The output goes into a
// jsonb column, so strings must be escaped exactly and non-finite numbers
// become null (JSON has no NaN).
#pragma once

#include <string>
#include <string_view>

namespace leadscore {

class JsonWriter {
 public:
  // Structural tokens; commas between members are inserted automatically.
  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  // Member name inside an object; the next value belongs to it.
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(double d);
  JsonWriter& value(long long i);
  JsonWriter& value(int i) { return value(static_cast<long long>(i)); }
  JsonWriter& value(size_t i) { return value(static_cast<long long>(i)); }
  JsonWriter& value(bool b);
  JsonWriter& null();
  // Splice already valid JSON text as one value.
  JsonWriter& raw(std::string_view json);
  const std::string& str() const { return out_; }

 private:
  void separate();
  std::string out_;
  bool need_comma_ = false;
};

// Append s to out as a quoted, escaped JSON string.
void json_escape(std::string& out, std::string_view s);

// d as JsonWriter::value(double) writes it ("%.6g"), NUL-terminated in buf;
// false, with nothing written, when d is not finite (JSON null).
bool format_json_number(double d, char (&buf)[32]);

}  // namespace leadscore
