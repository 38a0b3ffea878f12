// See lead_body.hpp. created_at is read by timestamptz_in, whose format
// errors are caught and reported as parse_leads reports them; an input
// function holds no lock, buffer or other resource when it raises, so the
// error is flushed without a subtransaction (parse_leads needs one, per lead,
// in PL/pgSQL).
#include "pg/lead_body.hpp"

#include "core/hash.hpp"

extern "C" {
#include "access/xact.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
}

namespace leadscore::pg {
namespace {

// parse_leads' limits (README, "Input limits").
constexpr int kMaxLeads = 1000;
constexpr int kMaxAddressChars = 1000;
constexpr int kMaxTradeTags = 50;
constexpr int kMaxTagChars = 64;
constexpr int kMaxAttributes = 50;
constexpr int kMaxValueChars = 1000;
constexpr int kMaxKeyChars = 64;

const char* const kLeadKeys[] = {"id", "address", "permit_value", "trade_tags", "created_at"};

// jsonb_typeof() of a value.
const char* json_type(const JsonbValue* v) {
  switch (v->type) {
    case jbvNull: return "null";
    case jbvString: return "string";
    case jbvNumeric: return "number";
    case jbvBool: return "boolean";
    case jbvBinary: return JsonContainerIsArray(v->val.binary.data) ? "array" : "object";
    default: return "unknown";
  }
}

// The value as jsonb_out writes it (what "item -> key" shows in a message).
char* json_text(JsonbValue* v) {
  Jsonb* jb = JsonbValueToJsonb(v);
  return JsonbToCString(nullptr, &jb->root, VARSIZE(jb));
}

JsonbValue* member(JsonbContainer* obj, const char* key) {
  return getKeyJsonValueFromContainer(obj, key, static_cast<int>(strlen(key)), nullptr);
}

int char_length(const char* s, int len) { return pg_mbstrlen_with_len(s, len); }

// The key pattern ^[A-Za-z0-9_][A-Za-z0-9_ .-]{0,63}$.
bool key_allowed(const char* k, int len) {
  if (len < 1 || len > kMaxKeyChars) return false;
  for (int i = 0; i < len; i++) {
    unsigned char c = static_cast<unsigned char>(k[i]);
    bool word = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!word && (i == 0 || (c != ' ' && c != '.' && c != '-'))) return false;
  }
  return true;
}

// The key's first 80 characters as printable ASCII, any other character as
// "\u" and its code point in hex, at least four digits, as parse_leads writes
// it. An empty key splits into one empty character, whose ascii() is 0.
char* key_echo(const char* k, int len) {
  StringInfoData out;
  initStringInfo(&out);
  if (len == 0) appendStringInfoString(&out, "\\u0000");
  const char* p = k;
  const char* end = k + len;
  for (int n = 0; n < 80 && p < end; n++) {
    int l = pg_mblen(p);
    pg_wchar c = GetDatabaseEncoding() == PG_UTF8 ? utf8_to_unicode(reinterpret_cast<const unsigned char*>(p))
                                                  : static_cast<unsigned char>(*p);
    if (c >= 0x20 && c <= 0x7E) {
      appendStringInfoChar(&out, static_cast<char>(c));
    } else {
      char hex[16];
      snprintf(hex, sizeof hex, "%x", c);
      int h = static_cast<int>(strlen(hex));
      appendStringInfoString(&out, "\\u");
      for (int i = h; i < 4; i++) appendStringInfoChar(&out, '0');
      appendBinaryStringInfo(&out, hex, h);
    }
    p += l;
  }
  return out.data;
}

// created_at as timestamptz_in reads it; false for the format errors
// parse_leads turns into its own message.
bool read_timestamp(const char* text, TimestampTz* out) {
  MemoryContext context = CurrentMemoryContext;
  volatile bool ok = true;
  PG_TRY();
  {
    *out = DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in, CStringGetDatum(text),
                                                   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
  }
  PG_CATCH();
  {
    MemoryContextSwitchTo(context);
    ErrorData* e = CopyErrorData();
    if (e->sqlerrcode != ERRCODE_INVALID_DATETIME_FORMAT && e->sqlerrcode != ERRCODE_DATETIME_FIELD_OVERFLOW &&
        e->sqlerrcode != ERRCODE_INVALID_PARAMETER_VALUE)
      PG_RE_THROW();
    FlushErrorState();
    FreeErrorData(e);
    ok = false;
  }
  PG_END_TRY();
  return ok;
}

#define RAISE(code, ...) ereport(ERROR, (errcode(code), errmsg(__VA_ARGS__)))

// The ids seen so far and where, so that a repeated id is found in constant
// time rather than by comparing with every lead before it (a body of n leads
// cost n^2 / 2 comparisons). Open addressing in palloc'd memory, at most
// half full.
struct SeenIds {
  int64* ids;
  int* at;  // -1: empty slot
  uint32 mask;

  static SeenIds with_room(int n) {
    uint32 size = 16;
    while (size < 2u * static_cast<uint32>(n)) size <<= 1;
    SeenIds s{static_cast<int64*>(palloc(sizeof(int64) * size)), static_cast<int*>(palloc(sizeof(int) * size)),
              size - 1};
    for (uint32 i = 0; i < size; i++) s.at[i] = -1;
    return s;
  }
  // Where id was seen before (-1: never); remembers it at idx when new.
  int seen_or_add(int64 id, int idx) {
    uint32 slot = static_cast<uint32>(leadscore::mix64(static_cast<uint64_t>(id))) & mask;
    for (; at[slot] >= 0; slot = (slot + 1) & mask)
      if (ids[slot] == id) return at[slot];
    ids[slot] = id;
    at[slot] = idx;
    return -1;
  }
};

// One lead object, checked as parse_leads checks it.
void check_lead(JsonbContainer* obj, int idx, SeenIds* seen, Datum max_id, TimestampTz latest, CheckedLead* out) {
  memset(out, 0, sizeof(*out));

  JsonbValue* id = member(obj, "id");
  if (!id || id->type == jbvNull) RAISE(ERRCODE_INVALID_PARAMETER_VALUE, "leads[%d]: id is required", idx);
  bool id_ok = false;
  if (id->type == jbvNumeric) {
    Datum num = NumericGetDatum(id->val.numeric);
    Datum zero = DirectFunctionCall1(int8_numeric, Int64GetDatum(0));
    id_ok = DatumGetInt32(DirectFunctionCall2(numeric_cmp, num, zero)) > 0 &&
            DatumGetInt32(DirectFunctionCall2(numeric_cmp, num,
                                              DirectFunctionCall2(numeric_trunc, num, Int32GetDatum(0)))) == 0 &&
            DatumGetInt32(DirectFunctionCall2(numeric_cmp, num, max_id)) <= 0;
  }
  if (!id_ok)
    RAISE(ERRCODE_INVALID_PARAMETER_VALUE, "leads[%d]: id must be a positive integer, got %s", idx, json_text(id));
  int64 lead_id = DatumGetInt64(DirectFunctionCall1(numeric_int8, NumericGetDatum(id->val.numeric)));
  // Where the lead is, for messages: made only when one is raised.
  auto where = [&] { return psprintf("leads[%d] (id " INT64_FORMAT ")", idx, lead_id); };
  const int earlier = seen->seen_or_add(lead_id, idx);
  if (earlier >= 0) RAISE(ERRCODE_INVALID_PARAMETER_VALUE, "%s: duplicate id, also at leads[%d]", where(), earlier);
  out->id = lead_id;

  JsonbValue* address = member(obj, "address");
  if (address && address->type != jbvString && address->type != jbvNull)
    RAISE(ERRCODE_INVALID_PARAMETER_VALUE, "%s: address must be a string", where());
  if (address && address->type == jbvString) {
    int chars = char_length(address->val.string.val, address->val.string.len);
    if (chars > kMaxAddressChars)
      RAISE(ERRCODE_STRING_DATA_RIGHT_TRUNCATION, "%s: address must be at most %d characters, got %d", where(),
            kMaxAddressChars, chars);
    out->address = address->val.string.val;
    out->address_len = address->val.string.len;
  }

  JsonbValue* permit = member(obj, "permit_value");
  if (permit && permit->type != jbvNumeric && permit->type != jbvNull)
    RAISE(ERRCODE_INVALID_PARAMETER_VALUE, "%s: permit_value must be a number, got %s", where(), json_text(permit));
  if (permit && permit->type == jbvNumeric) out->permit_value = permit->val.numeric;

  JsonbValue* tags = member(obj, "trade_tags");
  if (tags && tags->type != jbvNull) {
    bool is_array = tags->type == jbvBinary && JsonContainerIsArray(tags->val.binary.data);
    int n = is_array ? JsonContainerSize(tags->val.binary.data) : 0;
    const char** texts = static_cast<const char**>(palloc(sizeof(char*) * (n + 1)));
    int* lens = static_cast<int*>(palloc(sizeof(int) * (n + 1)));
    int too_short_or_long = -1;
    for (int i = 0; is_array && i < n; i++) {
      JsonbValue* t = getIthJsonbValueFromContainer(tags->val.binary.data, i);
      if (t->type != jbvString) {
        is_array = false;
        break;
      }
      int chars = char_length(t->val.string.val, t->val.string.len);
      if (too_short_or_long < 0 && (chars < 1 || chars > kMaxTagChars)) too_short_or_long = chars;
      texts[i] = t->val.string.val;
      lens[i] = t->val.string.len;
    }
    if (!is_array) RAISE(ERRCODE_INVALID_PARAMETER_VALUE, "%s: trade_tags must be an array of strings", where());
    if (n > kMaxTradeTags)
      RAISE(ERRCODE_PROGRAM_LIMIT_EXCEEDED, "%s: trade_tags must have at most %d tags, got %d", where(), kMaxTradeTags,
            n);
    if (too_short_or_long >= 0)
      RAISE(ERRCODE_INVALID_PARAMETER_VALUE, "%s: trade_tags: each tag must have 1 to %d characters, got one of %d",
            where(), kMaxTagChars, too_short_or_long);
    out->has_tags = true;
    out->n_tags = n;
    out->tags = texts;
    out->tag_lens = lens;
  }

  JsonbValue* created = member(obj, "created_at");
  if (created && created->type != jbvString && created->type != jbvNull)
    RAISE(ERRCODE_INVALID_PARAMETER_VALUE, "%s: created_at must be a timestamp string", where());
  if (created && created->type == jbvString) {
    char* text = pnstrdup(created->val.string.val, created->val.string.len);
    TimestampTz t;
    if (!read_timestamp(text, &t))
      RAISE(ERRCODE_INVALID_DATETIME_FORMAT, "%s: created_at is not a timestamp: %s", where(), text);
    if (t > latest)
      ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                      errmsg("%s: created_at is in the future: %s", where(), text),
                      errhint("A lead cannot be created more than a day from now.")));
    out->has_created_at = true;
    out->created_at = t;
  }

  // Attributes: every other member, counted first, then checked in key order.
  int n_attributes = JsonContainerSize(obj);
  for (const char* k : kLeadKeys)
    if (member(obj, k)) n_attributes--;
  if (n_attributes > kMaxAttributes)
    RAISE(ERRCODE_PROGRAM_LIMIT_EXCEEDED, "%s: at most %d attributes per lead, got %d", where(), kMaxAttributes,
          n_attributes);
  out->attribute_keys = static_cast<JsonbValue*>(palloc(sizeof(JsonbValue) * (n_attributes + 1)));
  out->attribute_values = static_cast<JsonbValue*>(palloc(sizeof(JsonbValue) * (n_attributes + 1)));
  JsonbIterator* it = JsonbIteratorInit(obj);
  JsonbValue key, value;
  JsonbIteratorToken token;
  while ((token = JsonbIteratorNext(&it, &key, true)) != WJB_DONE) {
    if (token != WJB_KEY) continue;
    token = JsonbIteratorNext(&it, &value, true);
    const char* k = key.val.string.val;
    int klen = key.val.string.len;
    bool lead_key = false;
    for (const char* lk : kLeadKeys)
      if (static_cast<int>(strlen(lk)) == klen && memcmp(lk, k, klen) == 0) lead_key = true;
    if (lead_key) continue;
    auto kstr = [&] { return pnstrdup(k, klen); };
    if (!key_allowed(k, klen))
      RAISE(ERRCODE_INVALID_PARAMETER_VALUE,
            "%s: attribute key \"%s\" is not allowed: keys have 1 to 64 characters, letters, digits, space, _ . - "
            "(not starting with space, . or -)",
            where(), key_echo(k, klen));
    if (value.type == jbvBinary)
      RAISE(ERRCODE_INVALID_PARAMETER_VALUE, "%s: attribute \"%s\" must be a number, string, boolean or null, not an %s",
            where(), kstr(), json_type(&value));
    if (value.type == jbvString) {
      int chars = char_length(value.val.string.val, value.val.string.len);
      if (chars > kMaxValueChars)
        RAISE(ERRCODE_STRING_DATA_RIGHT_TRUNCATION, "%s: attribute \"%s\" must be at most %d characters, got %d", where(),
              kstr(), kMaxValueChars, chars);
    }
    out->attribute_keys[out->n_attributes] = key;
    out->attribute_values[out->n_attributes] = value;
    out->n_attributes++;
  }
}

}  // namespace

CheckedLead* check_lead_body(Jsonb* body, int* n_out) {
  if (!body) RAISE(ERRCODE_INVALID_PARAMETER_VALUE, "leads: must be a JSON array of lead objects");
  if (!JB_ROOT_IS_ARRAY(body) || JB_ROOT_IS_SCALAR(body))
    RAISE(ERRCODE_INVALID_PARAMETER_VALUE, "leads: must be a JSON array of lead objects");
  int n = JB_ROOT_COUNT(body);
  if (n > kMaxLeads) RAISE(ERRCODE_PROGRAM_LIMIT_EXCEEDED, "leads: at most %d leads per call, got %d", kMaxLeads, n);

  TimestampTz now = GetCurrentTransactionStartTimestamp();
  Interval day = {0, 1, 0};
  TimestampTz latest = DatumGetTimestampTz(
      DirectFunctionCall2(timestamptz_pl_interval, TimestampTzGetDatum(now), IntervalPGetDatum(&day)));
  Datum max_id = DirectFunctionCall1(int8_numeric, Int64GetDatum(PG_INT64_MAX));
  SeenIds seen = SeenIds::with_room(n);
  CheckedLead* leads = static_cast<CheckedLead*>(palloc(sizeof(CheckedLead) * (n + 1)));
  for (int i = 0; i < n; i++) {
    CHECK_FOR_INTERRUPTS();
    JsonbValue* item = getIthJsonbValueFromContainer(&body->root, i);
    if (item->type != jbvBinary || !JsonContainerIsObject(item->val.binary.data))
      RAISE(ERRCODE_INVALID_PARAMETER_VALUE, "leads[%d]: must be an object", i);
    check_lead(item->val.binary.data, i, &seen, max_id, latest, &leads[i]);
  }
  *n_out = n;
  return leads;
}

}  // namespace leadscore::pg
