// A jsonb value built directly in PostgreSQL's binary layout, for results that
// would otherwise be written as JSON text and parsed straight back by jsonb_in
// (lexing, a JsonbValue tree, sorting every object's keys, converting).
//
// The caller writes the value as it would with JsonWriter; the builder records
// it as a flat list of tokens (plain C++, no Postgres call), then finish() lays
// it out in one pass inside pg_call, as jsonb_util.c's convertJsonb does: each
// container a header and a JEntry per child (every JB_OFFSET_STRIDE'th an end
// offset, the others lengths), an object's keys before its values, numerics
// and containers padded to 4 bytes with the padding counted in their length.
// Numbers are kept as their text and laid out as the numerics numeric_in
// makes of it (pg/numeric_text.hpp; numeric_in itself for the rare text longer
// than that encoder takes), as jsonb_in makes them; strings are stored as
// their bytes. The result is the jsonb that
// jsonb_in returns for the same value written as JSON text, byte for byte.
//
// jsonb keeps an object's keys sorted by length, then bytes, and drops
// duplicates; the builder does not sort: keys must come in that order, each
// after the one before, and a key out of order is an error (std::logic_error).
// Objects whose keys are known in advance are written in that order once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pg/postgres.hpp"

namespace leadscore::pg {

class JsonbBuilder {
 public:
  // Room for about this many tokens (each container, key and scalar is one)
  // and bytes of keys, strings and numbers' text, so that a large value is
  // not copied as it grows.
  void reserve(size_t tokens, size_t text_bytes) {
    tokens_.reserve(tokens);
    text_.reserve(text_bytes);
  }

  // Empties the builder for a new value; its buffers keep their capacity.
  void clear() {
    tokens_.clear();
    text_.clear();
    open_.clear();
    complete_ = false;
  }
  // The bytes its buffers hold, used or not.
  size_t capacity_bytes() const {
    return tokens_.capacity() * sizeof(Token) + text_.capacity() + open_.capacity() * sizeof(Open);
  }

  JsonbBuilder& begin_array();
  JsonbBuilder& end_array();
  JsonbBuilder& begin_object();
  JsonbBuilder& end_object();
  // A member's name; it must sort after the previous key of the same object.
  JsonbBuilder& key(std::string_view k);
  JsonbBuilder& value(std::string_view s);
  JsonbBuilder& value(const char* s) { return value(std::string_view(s)); }
  // As JsonWriter::value(double) writes it ("%.6g"; null when not finite).
  JsonbBuilder& value(double d);
  JsonbBuilder& value(long long i);
  JsonbBuilder& value(int i) { return value(static_cast<long long>(i)); }
  JsonbBuilder& value(bool b);
  JsonbBuilder& null();
  // A number given as JSON number text, made a numeric as jsonb_in makes it.
  JsonbBuilder& number(std::string_view text);

  // The jsonb (palloc'd in the current memory context). The value must be one
  // complete array or object. Calls Postgres through pg_call.
  Datum finish() const;

 private:
  enum class Kind : uint8_t { Array, Object, Key, String, Number, True, False, Null };
  // Array/Object: a = children (elements or pairs), b = the index after the
  // container's last token. Key/String/Number: a = offset in text_, b = length.
  struct Token {
    Kind kind;
    uint32_t a;
    uint32_t b;
  };
  struct Open {
    uint32_t token;
    bool object;
    bool after_key;      // an object's key is waiting for its value
    bool has_key;        // last_key_* hold the object's latest key
    uint32_t last_key_offset;
    uint32_t last_key_length;
  };

  void before_value();
  void scalar(Kind kind, std::string_view text);
  JsonbBuilder& begin(Kind kind);
  JsonbBuilder& end(Kind kind);

  std::vector<Token> tokens_;
  std::string text_;  // keys, strings and number texts (numbers NUL-terminated)
  std::vector<Open> open_;
  bool complete_ = false;

  friend struct JsonbLayout;
};

}  // namespace leadscore::pg
