// See jsonb_builder.hpp. The layout below follows convertJsonbValue and the
// functions it calls in PostgreSQL's jsonb_util.c step for step, so that the
// bytes are the ones jsonb_in produces.
#include "pg/jsonb_builder.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "core/json.hpp"
#include "pg/guard.hpp"
#include "pg/numeric_text.hpp"

extern "C" {
#include "lib/stringinfo.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
}

namespace leadscore::pg {
namespace {

// jsonb's key order: shorter first, then by bytes (lengthCompareJsonbString).
int compare_keys(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  return std::memcmp(a.data(), b.data(), a.size());
}

// JSON's number grammar, which jsonb_in's lexer enforces before numeric_in
// sees the text: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
bool is_json_number(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') i++;
    return i > start;
  };
  if (i < s.size() && s[i] == '-') i++;
  if (i < s.size() && s[i] == '0') {
    i++;
  } else if (!digits()) {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    i++;
    if (!digits()) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    i++;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) i++;
    if (!digits()) return false;
  }
  return i == s.size();
}

// jsonb_in refuses \u0000, so no jsonb string holds a NUL byte.
constexpr const char* kNulInString = "a string or key with a NUL byte";

[[noreturn]] void misuse(const char* what) { throw std::logic_error(std::string("jsonb builder: ") + what); }

}  // namespace

// --- recording (C++ only) -----------------------------------------------------

void JsonbBuilder::before_value() {
  if (open_.empty()) misuse("a value outside any array or object");
  Open& top = open_.back();
  if (top.object) {
    if (!top.after_key) misuse("an object member without a key");
    top.after_key = false;
  } else {
    tokens_[top.token].a++;
  }
}

void JsonbBuilder::scalar(Kind kind, std::string_view text) {
  if (kind == Kind::String && text.find('\0') != std::string_view::npos) misuse(kNulInString);
  before_value();
  tokens_.push_back({kind, static_cast<uint32_t>(text_.size()), static_cast<uint32_t>(text.size())});
  text_.append(text);
  if (kind == Kind::Number) text_.push_back('\0');  // numeric_in reads a C string
}

JsonbBuilder& JsonbBuilder::begin(Kind kind) {
  if (open_.empty()) {
    if (complete_) misuse("a second value after the first");
  } else {
    before_value();
  }
  open_.push_back({static_cast<uint32_t>(tokens_.size()), kind == Kind::Object, false, false, 0, 0});
  tokens_.push_back({kind, 0, 0});
  return *this;
}

JsonbBuilder& JsonbBuilder::end(Kind kind) {
  if (open_.empty() || tokens_[open_.back().token].kind != kind) misuse("an end without its begin");
  if (open_.back().after_key) misuse("a key without a value");
  tokens_[open_.back().token].b = static_cast<uint32_t>(tokens_.size());
  open_.pop_back();
  complete_ = open_.empty();
  return *this;
}

JsonbBuilder& JsonbBuilder::begin_array() { return begin(Kind::Array); }
JsonbBuilder& JsonbBuilder::end_array() { return end(Kind::Array); }
JsonbBuilder& JsonbBuilder::begin_object() { return begin(Kind::Object); }
JsonbBuilder& JsonbBuilder::end_object() { return end(Kind::Object); }

JsonbBuilder& JsonbBuilder::key(std::string_view k) {
  if (open_.empty() || !open_.back().object || open_.back().after_key) misuse("a key outside an object");
  if (k.find('\0') != std::string_view::npos) misuse(kNulInString);
  Open& top = open_.back();
  if (top.has_key && compare_keys(std::string_view(text_).substr(top.last_key_offset, top.last_key_length), k) >= 0)
    misuse("object keys out of jsonb's order (length, then bytes) or repeated");
  top.has_key = true;
  top.after_key = true;
  top.last_key_offset = static_cast<uint32_t>(text_.size());
  top.last_key_length = static_cast<uint32_t>(k.size());
  tokens_[top.token].a++;
  tokens_.push_back({Kind::Key, top.last_key_offset, top.last_key_length});
  text_.append(k);
  return *this;
}

JsonbBuilder& JsonbBuilder::value(std::string_view s) {
  scalar(Kind::String, s);
  return *this;
}

JsonbBuilder& JsonbBuilder::value(double d) {
  char buf[32];
  return format_json_number(d, buf) ? number(buf) : null();
}

JsonbBuilder& JsonbBuilder::value(long long i) { return number(std::to_string(i)); }

JsonbBuilder& JsonbBuilder::value(bool b) {
  scalar(b ? Kind::True : Kind::False, {});
  return *this;
}

JsonbBuilder& JsonbBuilder::null() {
  scalar(Kind::Null, {});
  return *this;
}

JsonbBuilder& JsonbBuilder::number(std::string_view text) {
  if (!is_json_number(text)) misuse("not a JSON number");
  scalar(Kind::Number, text);
  return *this;
}

// --- layout (Postgres, inside pg_call: plain data only) ---------------------

struct JsonbLayout {
  const JsonbBuilder::Token* tokens;
  const char* text;
  StringInfo buf;

  using Kind = JsonbBuilder::Kind;

  int reserve(int len) {
    enlargeStringInfo(buf, len);
    int offset = buf->len;
    buf->len += len;
    buf->data[buf->len] = '\0';
    return offset;
  }

  void append(const void* data, int len) { memcpy(buf->data + reserve(len), data, len); }

  // Pads the buffer to a multiple of 4 (the varlena header is 4 bytes, so
  // this aligns within the jsonb too); returns the padding's length.
  int pad_to_int() {
    int padlen = INTALIGN(buf->len) - buf->len;
    int offset = reserve(padlen);
    memset(buf->data + offset, 0, padlen);
    return padlen;
  }

  static bool is_container(Kind k) { return k == Kind::Array || k == Kind::Object; }

  // The index after the value starting at token i.
  uint32_t skip(uint32_t i) const { return is_container(tokens[i].kind) ? tokens[i].b : i + 1; }

  static void check_total(uint32_t total, const char* what) {
    if (total > JENTRY_OFFLENMASK)
      ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                      errmsg("total size of jsonb %s elements exceeds the maximum of %u bytes", what,
                             JENTRY_OFFLENMASK)));
  }

  // Appends the value at token i; returns its JEntry (type and length).
  JEntry value(uint32_t i) {
    const JsonbBuilder::Token& t = tokens[i];
    switch (t.kind) {
      case Kind::Array: return array(i);
      case Kind::Object: return object(i);
      case Kind::Key:
      case Kind::String:
        append(text + t.a, static_cast<int>(t.b));
        return t.b;
      case Kind::Number: {
        int padlen = pad_to_int();
        alignas(4) char encoded[kMaxEncodedNumeric];  // a varlena header is written through it
        int numlen = static_cast<int>(encode_numeric(std::string_view(text + t.a, t.b), encoded));
        if (numlen > 0) {
          append(encoded, numlen);
        } else {
          Numeric n = DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(text + t.a),
                                                          ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
          numlen = static_cast<int>(VARSIZE_ANY(n));
          append(n, numlen);
          pfree(n);
        }
        return JENTRY_ISNUMERIC | (padlen + numlen);
      }
      case Kind::True: return JENTRY_ISBOOL_TRUE;
      case Kind::False: return JENTRY_ISBOOL_FALSE;
      case Kind::Null: return JENTRY_ISNULL;
    }
    elog(ERROR, "jsonb builder: unknown token");
    return 0;
  }

  // Every JB_OFFSET_STRIDE'th child stores its end offset instead of its length.
  void set_entry(int entries, int index, JEntry meta, uint32_t total) {
    if (index % JB_OFFSET_STRIDE == 0) meta = (meta & JENTRY_TYPEMASK) | total | JENTRY_HAS_OFF;
    memcpy(buf->data + entries + index * sizeof(JEntry), &meta, sizeof(JEntry));
  }

  JEntry array(uint32_t i) {
    check_stack_depth();
    const int n = static_cast<int>(tokens[i].a);
    const int base = buf->len;
    pad_to_int();
    uint32 header = n | JB_FARRAY;
    append(&header, sizeof header);
    const int entries = reserve(sizeof(JEntry) * n);
    uint32_t total = 0;
    uint32_t next = i + 1;
    for (int k = 0; k < n; k++) {
      if ((k & 255) == 255) CHECK_FOR_INTERRUPTS();  // no destructor is live here
      JEntry meta = value(next);
      next = skip(next);
      total += JBE_OFFLENFLD(meta);
      check_total(total, "array");
      set_entry(entries, k, meta, total);
    }
    check_total(buf->len - base, "array");
    return JENTRY_ISCONTAINER | (buf->len - base);
  }

  // Keys first, then the values in the keys' order, as jsonb stores them.
  JEntry object(uint32_t i) {
    check_stack_depth();
    const int n = static_cast<int>(tokens[i].a);
    const int base = buf->len;
    pad_to_int();
    uint32 header = n | JB_FOBJECT;
    append(&header, sizeof header);
    const int entries = reserve(sizeof(JEntry) * n * 2);
    uint32_t total = 0;
    uint32_t next = i + 1;
    for (int k = 0; k < n; k++) {
      JEntry meta = value(next);
      next = skip(next + 1);
      total += JBE_OFFLENFLD(meta);
      check_total(total, "object");
      set_entry(entries, k, meta, total);
    }
    next = i + 1;
    for (int k = 0; k < n; k++) {
      JEntry meta = value(next + 1);
      next = skip(next + 1);
      total += JBE_OFFLENFLD(meta);
      check_total(total, "object");
      set_entry(entries, n + k, meta, total);
    }
    check_total(buf->len - base, "object");
    return JENTRY_ISCONTAINER | (buf->len - base);
  }
};

Datum JsonbBuilder::finish() const {
  if (!complete_) misuse("finish() before the value is complete");
  // Room for everything at once: each token takes at most a JEntry and its
  // text (a numeric at most its text, a header and padding), so the buffer
  // does not grow while it is filled.
  const size_t estimate = VARHDRSZ + text_.size() + 16 * tokens_.size();
  Datum result = 0;
  pg_call([&] {
    StringInfoData buf;
    initStringInfo(&buf);
    enlargeStringInfo(&buf, static_cast<int>(std::min<size_t>(estimate, MaxAllocSize / 2)));
    JsonbLayout layout{tokens_.data(), text_.data(), &buf};
    layout.reserve(VARHDRSZ);
    layout.value(0);  // the root's JEntry is not stored: its header says what it is
    SET_VARSIZE(buf.data, buf.len);
    result = PointerGetDatum(buf.data);
  });
  return result;
}

}  // namespace leadscore::pg
