// SQL: leadscore.parse_lead_array(leads jsonb) -> leadscore.leads[]
// parse_leads() in one pass over the jsonb: the body checked as parse_leads
// checks it (pg/lead_body.hpp), and the same rows, as an array for the RPCs
// to score and write. parse_leads stays the readable statement of the rules.
//
// All of it is Postgres-side code (palloc, ereport, no C++ object), run under
// one pg_call.
#include "pg/catalog_names.hpp"
#include "pg/guard.hpp"
#include "pg/lead_body.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/typcache.h"
}

using namespace leadscore::pg;

namespace {

struct Columns {
  TupleDesc desc;
  int id, address, permit_value, trade_tags, created_at, attributes, updated_at;
};

int column(TupleDesc desc, const char* name) {
  for (int i = 0; i < desc->natts; i++) {
    Form_pg_attribute att = TupleDescAttr(desc, i);
    if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0) return i;
  }
  ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN), errmsg("leadscore: the lead row has no column \"%s\"", name)));
  return -1;
}

Columns lead_columns(Oid row_type) {
  Columns c;
  c.desc = lookup_rowtype_tupdesc_copy(row_type, -1);
  c.id = column(c.desc, LS_LEADS_ID);
  c.address = column(c.desc, LS_LEADS_ADDRESS);
  c.permit_value = column(c.desc, LS_LEADS_PERMIT_VALUE);
  c.trade_tags = column(c.desc, LS_LEADS_TRADE_TAGS);
  c.created_at = column(c.desc, LS_LEADS_CREATED_AT);
  c.attributes = column(c.desc, LS_LEADS_ATTRIBUTES);
  c.updated_at = column(c.desc, LS_LEADS_UPDATED_AT);
  return c;
}

// A checked lead as a row; updated_at is now.
Datum lead_row(const CheckedLead& lead, const Columns& cols, TimestampTz now) {
  Datum* values = static_cast<Datum*>(palloc0(sizeof(Datum) * cols.desc->natts));
  bool* nulls = static_cast<bool*>(palloc(sizeof(bool) * cols.desc->natts));
  for (int i = 0; i < cols.desc->natts; i++) nulls[i] = true;
  values[cols.id] = Int64GetDatum(lead.id);
  nulls[cols.id] = false;
  if (lead.address) {
    values[cols.address] = PointerGetDatum(cstring_to_text_with_len(lead.address, lead.address_len));
    nulls[cols.address] = false;
  }
  if (lead.permit_value) {
    values[cols.permit_value] = NumericGetDatum(lead.permit_value);
    nulls[cols.permit_value] = false;
  }
  if (lead.has_tags) {
    Datum* texts = static_cast<Datum*>(palloc(sizeof(Datum) * (lead.n_tags + 1)));
    for (int i = 0; i < lead.n_tags; i++) texts[i] = PointerGetDatum(cstring_to_text_with_len(lead.tags[i], lead.tag_lens[i]));
    values[cols.trade_tags] = PointerGetDatum(construct_array(texts, lead.n_tags, TEXTOID, -1, false, TYPALIGN_INT));
    nulls[cols.trade_tags] = false;
  }
  if (lead.has_created_at) {
    values[cols.created_at] = TimestampTzGetDatum(lead.created_at);
    nulls[cols.created_at] = false;
  }
  JsonbParseState* state = nullptr;
  pushJsonbValue(&state, WJB_BEGIN_OBJECT, nullptr);
  for (int i = 0; i < lead.n_attributes; i++) {
    pushJsonbValue(&state, WJB_KEY, &lead.attribute_keys[i]);
    pushJsonbValue(&state, WJB_VALUE, &lead.attribute_values[i]);
  }
  values[cols.attributes] = JsonbPGetDatum(JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_OBJECT, nullptr)));
  nulls[cols.attributes] = false;
  values[cols.updated_at] = TimestampTzGetDatum(now);
  nulls[cols.updated_at] = false;
  return HeapTupleGetDatum(heap_form_tuple(cols.desc, values, nulls));
}

Datum parse_array(FunctionCallInfo fcinfo) {
  Oid array_type = get_fn_expr_rettype(fcinfo->flinfo);
  Oid row_type = get_element_type(array_type);
  if (!OidIsValid(row_type))
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("parse_lead_array must return an array of rows")));
  int n = 0;
  CheckedLead* leads = check_lead_body(PG_ARGISNULL(0) ? nullptr : PG_GETARG_JSONB_P(0), &n);
  Columns cols = lead_columns(row_type);
  TimestampTz now = GetCurrentTransactionStartTimestamp();
  Datum* rows = static_cast<Datum*>(palloc(sizeof(Datum) * (n + 1)));
  for (int i = 0; i < n; i++) {
    CHECK_FOR_INTERRUPTS();
    rows[i] = lead_row(leads[i], cols, now);
  }
  return PointerGetDatum(construct_array(rows, n, row_type, -1, false, TYPALIGN_DOUBLE));
}

}  // namespace

LEADSCORE_FUNCTION(parse_lead_array) {
  Datum result;
  pg_call([&] { result = parse_array(fcinfo); });
  return result;
}
