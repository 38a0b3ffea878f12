// A row of leadscore.leads, read in two steps so that no Postgres error can
// longjmp past a live C++ object:
//   1. read_lead_row() (Postgres side): deform the row, detoast, walk the jsonb,
//      and keep plain pointers into palloc'd memory;
//   2. to_lead() (C++ side): copy those values into a core Lead; no Postgres call.
#pragma once

#include <cstdint>
#include <vector>

#include "core/lead.hpp"
#include "pg/postgres.hpp"

namespace leadscore::pg {

struct FlatAttribute {
  const char* key;
  int key_len;
  enum Kind { Null, Number, String, Bool } kind;
  double number;
  const char* text;
  int text_len;
  bool boolean;
};

struct FlatLead {
  int64 id;
  bool has_permit_value;
  double permit_value;
  int n_tags;
  const char** tags;
  int* tag_lens;
  bool has_created_at;
  double created_at;  // seconds since the Unix epoch
  const char* address;
  int address_len;
  int n_attributes;
  FlatAttribute* attributes;
};

// The row type of leadscore.leads and where each column is; found once per
// call site, with buffers for deforming rows, all in a long-lived context.
struct LeadColumns {
  int id, address, permit_value, trade_tags, created_at, attributes;
  TupleDesc desc;
  Datum* values;
  bool* nulls;
};

// Looks up the columns of the row type of the given tuple (a leadscore.leads
// row); allocates in context, which must outlive every read_lead_row call.
LeadColumns lead_columns(HeapTupleHeader row, MemoryContext context);

// Step 1: the row's values in palloc'd memory of the current context.
// Nested objects and arrays inside attributes are skipped (they are not features).
void read_lead_row(HeapTupleHeader row, const LeadColumns& columns, FlatLead* out);

struct CheckedLead;

// Step 1 for a lead of an RPC body checked by check_lead_body() (lead_body.hpp):
// the values a row made of it would give read_lead_row, without the row.
void read_checked_lead(const CheckedLead& lead, FlatLead* out);

// Step 2: the same values as a core Lead. With slots (kept between calls by
// the caller), lead's buffers are reused when the row has the same attribute
// keys as the lead already holds; without, the attributes are rebuilt.
void to_lead(const FlatLead& flat, Lead* lead, std::vector<uint32_t>* slots = nullptr);

// Seconds since the Unix epoch of a timestamptz, or false for +/-infinity.
bool timestamptz_to_epoch(TimestampTz t, double* seconds);

}  // namespace leadscore::pg
