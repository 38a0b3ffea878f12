// Reading leadscore.leads rows for the core; see lead_row.hpp.
#include "pg/lead_row.hpp"

#include <cmath>
#include <cstring>

#include "core/decimal.hpp"
#include "pg/catalog_names.hpp"
#include "pg/lead_body.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"
}

namespace leadscore::pg {
namespace {

// Seconds between the Unix epoch and the PostgreSQL epoch (2000-01-01).
constexpr double kPostgresEpochOffset = 946684800.0;

// A numeric as the nearest double. Most lead values (years, counts, amounts
// with cents) have at most four base-10000 digits and convert exactly from the
// digits; the rest take Postgres' own route through text. Both give the same
// double, so scores do not depend on which route a value took.
//
// Numeric's stored layout (numeric.c; fixed, since pg_upgrade keeps data
// files as they are): a uint16 header whose top two bits say short format
// (10), long positive (00), long negative (01) or special (11, NaN and
// infinities). Short: sign bit 0x2000, a 7-bit signed weight in 0x007F,
// digits from byte 2. Long: an int16 weight in bytes 2-3, digits from byte 4.
// Digits are int16 in base 10000, most significant first.
double numeric_to_double(Datum datum) {
  struct varlena* v = PG_DETOAST_DATUM_PACKED(datum);
  const char* p = VARDATA_ANY(v);
  const size_t len = VARSIZE_ANY_EXHDR(v);
  if (len >= 2) {
    uint16 header;
    std::memcpy(&header, p, sizeof header);
    const uint16 format = header & 0xC000;
    bool negative = false;
    int weight = 0;
    size_t start = 0;
    if (format == 0x8000) {
      negative = (header & 0x2000) != 0;
      weight = (header & 0x0040) ? static_cast<int>(header & 0x003F) - 64 : static_cast<int>(header & 0x003F);
      start = 2;
    } else if (format != 0xC000 && len >= 4) {
      int16 w;
      std::memcpy(&w, p + 2, sizeof w);
      negative = format == 0x4000;
      weight = w;
      start = 4;
    }
    if (start != 0 && (len - start) % 2 == 0 && (len - start) / 2 <= 4) {
      int16_t digits[4];
      const int n = static_cast<int>((len - start) / 2);
      std::memcpy(digits, p + start, 2 * static_cast<size_t>(n));
      double out;
      if (base10000_to_double(digits, n, weight, negative, &out)) return out;
    }
  }
  return DatumGetFloat8(DirectFunctionCall1(numeric_float8_no_overflow, PointerGetDatum(v)));
}

int column_index(TupleDesc desc, const char* name) {
  for (int i = 0; i < desc->natts; i++) {
    Form_pg_attribute att = TupleDescAttr(desc, i);
    if (!att->attisdropped && strcmp(NameStr(att->attname), name) == 0) return i;
  }
  ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                  errmsg("leadscore: the lead row has no column \"%s\"", name)));
  return -1;
}

// An attribute's key and scalar value; false for a nested container, which
// is not a feature.
bool flat_attribute(const char* key, int key_len, const JsonbValue& v, FlatAttribute* a) {
  a->key = key;
  a->key_len = key_len;
  switch (v.type) {
    case jbvNull: a->kind = FlatAttribute::Null; return true;
    case jbvNumeric:
      a->kind = FlatAttribute::Number;
      a->number = numeric_to_double(NumericGetDatum(v.val.numeric));
      return true;
    case jbvString:
      a->kind = FlatAttribute::String;
      a->text = v.val.string.val;
      a->text_len = v.val.string.len;
      return true;
    case jbvBool: a->kind = FlatAttribute::Bool; a->boolean = v.val.boolean; return true;
    default: return false;
  }
}

// permit_value as read_lead_row reads it: known when finite and not negative.
void flat_permit_value(Datum numeric, FlatLead* out) {
  double v = numeric_to_double(numeric);
  out->has_permit_value = std::isfinite(v) && v >= 0;
  out->permit_value = v;
}

void read_attributes(Jsonb* jb, FlatLead* out) {
  out->n_attributes = 0;
  out->attributes = nullptr;
  if (!JB_ROOT_IS_OBJECT(jb)) return;
  int capacity = JB_ROOT_COUNT(jb);
  if (capacity == 0) return;
  out->attributes = static_cast<FlatAttribute*>(palloc(sizeof(FlatAttribute) * capacity));

  JsonbIterator* it = JsonbIteratorInit(&jb->root);
  JsonbValue v;
  JsonbIteratorToken token;
  int depth = 0;
  const char* key = nullptr;
  int key_len = 0;
  while ((token = JsonbIteratorNext(&it, &v, false)) != WJB_DONE) {
    switch (token) {
      case WJB_BEGIN_OBJECT:
      case WJB_BEGIN_ARRAY:
        depth++;
        break;
      case WJB_END_OBJECT:
      case WJB_END_ARRAY:
        depth--;
        break;
      case WJB_KEY:
        if (depth == 1) key = v.val.string.val, key_len = v.val.string.len;
        break;
      case WJB_VALUE: {
        if (depth != 1 || out->n_attributes >= capacity) break;
        if (flat_attribute(key, key_len, v, &out->attributes[out->n_attributes])) out->n_attributes++;
        break;
      }
      default:
        break;
    }
  }
}

}  // namespace

bool timestamptz_to_epoch(TimestampTz t, double* seconds) {
  if (TIMESTAMP_NOT_FINITE(t)) return false;
  *seconds = static_cast<double>(t) / USECS_PER_SEC + kPostgresEpochOffset;
  return true;
}

LeadColumns lead_columns(HeapTupleHeader row, MemoryContext context) {
  MemoryContext old = MemoryContextSwitchTo(context);
  LeadColumns c;
  c.desc = lookup_rowtype_tupdesc_copy(HeapTupleHeaderGetTypeId(row), HeapTupleHeaderGetTypMod(row));
  c.values = static_cast<Datum*>(palloc(sizeof(Datum) * c.desc->natts));
  c.nulls = static_cast<bool*>(palloc(sizeof(bool) * c.desc->natts));
  MemoryContextSwitchTo(old);
  c.id = column_index(c.desc, LS_LEADS_ID);
  c.address = column_index(c.desc, LS_LEADS_ADDRESS);
  c.permit_value = column_index(c.desc, LS_LEADS_PERMIT_VALUE);
  c.trade_tags = column_index(c.desc, LS_LEADS_TRADE_TAGS);
  c.created_at = column_index(c.desc, LS_LEADS_CREATED_AT);
  c.attributes = column_index(c.desc, LS_LEADS_ATTRIBUTES);
  return c;
}

void read_lead_row(HeapTupleHeader row, const LeadColumns& c, FlatLead* out) {
  HeapTupleData tuple;
  tuple.t_len = HeapTupleHeaderGetDatumLength(row);
  ItemPointerSetInvalid(&tuple.t_self);
  tuple.t_tableOid = InvalidOid;
  tuple.t_data = row;
  Datum* values = c.values;
  bool* nulls = c.nulls;
  heap_deform_tuple(&tuple, c.desc, values, nulls);

  memset(out, 0, sizeof(*out));
  out->id = nulls[c.id] ? 0 : DatumGetInt64(values[c.id]);

  if (!nulls[c.address]) {
    text* t = DatumGetTextPP(values[c.address]);
    out->address = VARDATA_ANY(t);
    out->address_len = VARSIZE_ANY_EXHDR(t);
  }
  if (!nulls[c.permit_value]) flat_permit_value(values[c.permit_value], out);
  if (!nulls[c.trade_tags]) {
    ArrayType* arr = DatumGetArrayTypeP(values[c.trade_tags]);
    Datum* elems;
    bool* elem_nulls;
    int n;
    deconstruct_array(arr, TEXTOID, -1, false, TYPALIGN_INT, &elems, &elem_nulls, &n);
    out->tags = static_cast<const char**>(palloc(sizeof(char*) * (n + 1)));
    out->tag_lens = static_cast<int*>(palloc(sizeof(int) * (n + 1)));
    for (int i = 0; i < n; i++) {
      if (elem_nulls[i]) continue;
      text* t = DatumGetTextPP(elems[i]);
      out->tags[out->n_tags] = VARDATA_ANY(t);
      out->tag_lens[out->n_tags] = VARSIZE_ANY_EXHDR(t);
      out->n_tags++;
    }
  }
  if (!nulls[c.created_at])
    out->has_created_at = timestamptz_to_epoch(DatumGetTimestampTz(values[c.created_at]), &out->created_at);
  if (!nulls[c.attributes]) read_attributes(DatumGetJsonbP(values[c.attributes]), out);
}

void read_checked_lead(const CheckedLead& lead, FlatLead* out) {
  memset(out, 0, sizeof(*out));
  out->id = lead.id;
  out->address = lead.address;
  out->address_len = lead.address_len;
  if (lead.permit_value) flat_permit_value(NumericGetDatum(lead.permit_value), out);
  if (lead.has_tags) {
    out->n_tags = lead.n_tags;
    out->tags = lead.tags;
    out->tag_lens = lead.tag_lens;
  }
  if (lead.has_created_at) out->has_created_at = timestamptz_to_epoch(lead.created_at, &out->created_at);
  if (lead.n_attributes > 0) {
    out->attributes = static_cast<FlatAttribute*>(palloc(sizeof(FlatAttribute) * lead.n_attributes));
    for (int i = 0; i < lead.n_attributes; i++) {
      const JsonbValue& key = lead.attribute_keys[i];
      if (flat_attribute(key.val.string.val, key.val.string.len, lead.attribute_values[i],
                         &out->attributes[out->n_attributes]))
        out->n_attributes++;
    }
  }
}

namespace {

AttrValue attribute_value(const FlatAttribute& a) {
  switch (a.kind) {
    case FlatAttribute::Number: return a.number;
    case FlatAttribute::String: return std::string(a.text, a.text_len);
    case FlatAttribute::Bool: return a.boolean;
    case FlatAttribute::Null: break;
  }
  return AttrValue();
}

// Overwrites the values of an attribute map that already has exactly these
// keys (the common case: rows of one table share their attribute names), so
// that scoring row after row allocates nothing. slots remembers where each
// key of the previous row sat in the map (jsonb orders keys by length, the map
// by bytes), so a row shaped like the last one costs one comparison per key.
// False when the keys differ; the caller then rebuilds the map, so values
// written before that are moot.
bool reuse_attributes(const FlatLead& flat, Attributes& attributes, std::vector<uint32_t>* slots) {
  const size_t n = static_cast<size_t>(flat.n_attributes);
  if (attributes.size() != n) return false;
  if (slots->size() != n) slots->assign(n, 0);
  const auto items = attributes.begin();
  for (size_t i = 0; i < n; i++) {
    const FlatAttribute& a = flat.attributes[i];
    const std::string_view key(a.key, a.key_len);
    uint32_t& slot = (*slots)[i];
    if (slot >= n || items[slot].first != key) {
      auto it = attributes.find(key);
      if (it == attributes.end()) return false;
      slot = static_cast<uint32_t>(it - items);
    }
    AttrValue& value = items[slot].second;
    if (a.kind == FlatAttribute::String && std::holds_alternative<std::string>(value))
      std::get<std::string>(value).assign(a.text, a.text_len);
    else
      value = attribute_value(a);
  }
  return true;
}

}  // namespace

void to_lead(const FlatLead& flat, Lead* lead, std::vector<uint32_t>* slots) {
  lead->id = flat.id;
  lead->permit_value.reset();
  if (flat.has_permit_value) lead->permit_value = flat.permit_value;
  lead->trade_tags.resize(flat.n_tags);
  for (int i = 0; i < flat.n_tags; i++) lead->trade_tags[i].assign(flat.tags[i], flat.tag_lens[i]);
  lead->created_at.reset();
  if (flat.has_created_at) lead->created_at = flat.created_at;
  lead->address.assign(flat.address ? flat.address : "", flat.address_len);
  if (slots && reuse_attributes(flat, lead->attributes, slots)) return;
  // jsonb hands the keys over shortest first: appended, then sorted once.
  lead->attributes.clear();
  for (int i = 0; i < flat.n_attributes; i++) {
    const FlatAttribute& a = flat.attributes[i];
    lead->attributes.append(std::string_view(a.key, a.key_len), attribute_value(a));
  }
  lead->attributes.normalize();
}

}  // namespace leadscore::pg
