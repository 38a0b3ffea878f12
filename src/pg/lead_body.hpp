// The leads of an RPC body (a JSON array of lead objects), checked exactly as
// parse_leads() checks them: the same checks in the same order, raising the
// same messages, SQLSTATEs and hints (test/pgtap/rpc_results.sql compares the
// two on every problem parse_leads reports). parse_lead_array() makes rows of
// the checked leads; score_body() scores them without making rows.
//
// All of it is Postgres-side code (palloc, ereport, no C++ object): call it
// inside pg_call.
#pragma once

#include "pg/postgres.hpp"

extern "C" {
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
}

namespace leadscore::pg {

// One lead object, checked. Pointers point into the body or into memory
// palloc'd in the context current when the body was checked.
struct CheckedLead {
  int64 id;
  const char* address;  // nullptr: absent or null
  int address_len;
  Numeric permit_value;  // nullptr: absent or null
  bool has_tags;         // false: absent or null
  int n_tags;
  const char** tags;
  int* tag_lens;
  bool has_created_at;
  TimestampTz created_at;
  // Every other member, in the object's (jsonb's) key order.
  int n_attributes;
  JsonbValue* attribute_keys;
  JsonbValue* attribute_values;
};

// Checks body (nullptr for SQL NULL) and each of its leads in order, raising
// the first problem found; returns the checked leads, *n of them.
CheckedLead* check_lead_body(Jsonb* body, int* n);

}  // namespace leadscore::pg
