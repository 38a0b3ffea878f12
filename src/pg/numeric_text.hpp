// A JSON number's text as the numeric that numeric_in makes of it, written
// directly in PostgreSQL's on-disk numeric layout (numeric.c: base-10000
// digits, short header when scale and weight fit, long header otherwise), so
// that a jsonb built in C++ need not call numeric_in once per number.
//
// It follows numeric_in's steps for decimal input (set_var_from_str, then
// make_result): decimal digits aligned on base-10000 digit boundaries, the
// display scale counted from the digits after the point less the exponent
// (never below 0), leading and trailing zero digits dropped, and zero always
// positive with weight 0. test/pgtap/numeric_text.sql compares the bytes with
// numeric_in's over many generated numbers.
#pragma once

#include <cstddef>
#include <string_view>

namespace leadscore::pg {

// The most bytes encode_numeric writes.
constexpr size_t kMaxEncodedNumeric = 64;

// Writes the numeric of text (a JSON number: -?(0|[1-9][0-9]*)(.[0-9]+)?
// ([eE][+-]?[0-9]+)?) into out, a varlena with a 4-byte header, and returns
// its size; returns 0, writing nothing useful, when the text has more digits
// or a larger exponent than this encoder takes: the caller then asks
// numeric_in. Plain computation, no Postgres call.
size_t encode_numeric(std::string_view text, char (&out)[kMaxEncodedNumeric]);

}  // namespace leadscore::pg
