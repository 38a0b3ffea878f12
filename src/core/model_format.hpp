// The model blob stored in the database.
//
//   offset  size  field
//   0       4     magic "LSCM"
//   4       4     format version (uint32), currently kFormatVersion
//   8       1     byte order tag: 1 = little-endian (every integer and double
//                 is written little-endian byte by byte, whatever the host)
//   9       3     reserved, zero
//   12      8     body length in bytes (uint64)
//   20      ...   body: sections, each a 4-byte tag, a uint64 length, payload:
//                 PARM (training parameters), SPEC (feature specification),
//                 FRST (forest), CALB (calibration map), METR (metrics),
//                 DIST (held-out win probabilities, format 4 on), STGE (the
//                 funnel's stages) and VALU (the deal-value model), both
//                 format 5 on, in that order
//   end-4   4     CRC-32 (IEEE) of every byte before it
//
// A string is a uint32 byte count and the bytes. PARM, from format 3 on:
//
//   4       count of parameters (uint32)
//   then, count times: name (string), value (string, as TrainParams::set()
//   reads it: "50", "0.2", "sqrt", "balanced", "true")
//
// in declaration order (params.hpp). The reader looks each name up in that
// declaration. A declared parameter the blob lacks (one added after the blob
// was written) keeps its default. A name it does not declare (one a later
// library added) is skipped: parameters shape training, and everything
// scoring needs is in the other sections, apart from min_samples_leaf
// (confidence support), which every format stores. So adding a parameter
// needs no new format version; a change a reader must not skip, such as a
// parameter that changes how a stored model scores, still does. A repeated
// name, or a value set() refuses, makes the blob corrupt. Formats 1 and 2
// stored a JSON copy of the parameters, which readers skip, then fixed
// binary fields (model_format.cpp reads them).
//
// The reader checks size, magic, version, byte order, length and checksum
// before parsing anything, then bounds-checks every count against the bytes
// that remain and validates the structure (child indices, feature indices,
// monotone calibration) so no blob can make scoring read out of bounds or loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/model.hpp"

namespace leadscore {

// 1: first release; 2: the params section ends with max_training_leads and
// the metrics section with auc_raw; 3: parameters by name; 4: the DIST
// section, which percentiles rank against (a model read from an earlier
// format has none, and its scores have no percentile); 5: the STGE and VALU
// sections (a model read from an earlier format has no funnel and no value
// model: its scores' contact_prob, quote_prob, value_if_won and
// expected_value are NaN, NULL in SQL); 6: STGE holds a forest per step
// of the funnel (a format-5 blob, from development builds of 0.4.0, loads
// without its funnel).
// Blobs of every earlier version stay readable. A parameter an older blob
// lacks is read as the value that describes how that model was trained
// (formats 1 and 2 made a feature of every attribute key: min_attribute_share
// 0, and no cap below the spec's own limit of 65535 features); a parameter a
// format-3 or later blob lacks keeps its default.
constexpr uint32_t kFormatVersion = 6;

// The model as a self-contained binary blob. A forest grown on many leads
// takes megabytes; should_stop is polled every few thousand nodes and every
// megabyte of checksum, and Cancelled thrown when it says so.
std::string serialize(const Model& model, const ShouldStop& should_stop = ShouldStop());

// Parse a blob; throws CorruptModel with a message naming what is wrong.
Model deserialize(std::string_view blob);
Model deserialize(const uint8_t* data, size_t size);

// CRC-32 (IEEE 802.3, reflected, as zlib computes it).
uint32_t crc32(const uint8_t* data, size_t n);

}  // namespace leadscore
