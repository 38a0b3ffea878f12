// For tests only, not part of the schema: the jsonb array [text] as
// JsonbBuilder lays it out, text a JSON number. test/pgtap/numeric_text.sql
// declares it in pg_temp to compare its bytes with jsonb_in's.
#include "pg/guard.hpp"
#include "pg/jsonb_builder.hpp"

using namespace leadscore::pg;

LEADSCORE_FUNCTION(jsonb_builder_number) {
  std::string number_text;
  pg_call([&] { number_text = text_to_cstring(PG_GETARG_TEXT_PP(0)); });
  JsonbBuilder w;
  w.begin_array().number(number_text).end_array();
  return w.finish();
}
