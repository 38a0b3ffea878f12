// Feature specification: how a Lead becomes a row of small integer bins.
//
// Every feature is pre-binned into at most 255 uint8 bins, as histogram-based
// tree learners do. Bin 0 always means "missing", so missing values take part
// in every split instead of being imputed. Numeric features use bins 1..k+1
// split at learned edges (quantiles, or midpoints when there are few distinct
// values); categorical features use bin 1 for "other" (rare or unseen levels)
// and bins 2.. for the learned vocabulary.
//
// The spec is learned on the training leads and travels inside the model, so
// scoring encodes exactly as training did. Keys a lead has that the spec does
// not know are ignored; keys the spec knows that a lead lacks are missing.
// An attribute key becomes a feature only when enough training leads carry it
// (params.min_attribute_share, max_attribute_features), so made-up keys on a
// few leads cannot grow the model.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/cancel.hpp"
#include "core/lead.hpp"
#include "core/params.hpp"

namespace leadscore {

enum class FeatureKind : uint8_t { Numeric = 0, Categorical = 1 };

// Where in a Lead a feature's value comes from.
enum class FeatureSource : uint8_t {
  PermitValue = 0,     // log1p(permit_value)
  TradeTag = 1,        // 0/1: lead has tag `key`
  CreatedMonth = 2,    // 1..12 (UTC)
  CreatedWeekday = 3,  // 0 = Monday .. 6 = Sunday (UTC)
  CreatedAgeDays = 4,  // (scoring time - created_at) in days
  Address = 5,         // "zip:NNNNN", "fsa:A1A" or "city:name" parsed from address
  Attribute = 6,       // attributes[key]
};

constexpr uint8_t kMissingBin = 0;
constexpr uint8_t kOtherBin = 1;

struct FeatureDef {
  std::string name;  // in the lead's own terms: "permit_value", "trade_tags:roofing", "attributes.city"
  FeatureSource source = FeatureSource::Attribute;
  FeatureKind kind = FeatureKind::Numeric;
  std::string key;                   // attribute key or trade tag, else empty
  std::vector<double> edges;         // numeric: bin 1 + (number of edges below the value)
  std::vector<std::string> levels;   // categorical: level i is bin 2 + i
  std::vector<uint32_t> bin_counts;  // training leads per bin (drives confidence)
  double lo = 0, hi = 0;             // numeric: range seen in training

  // Number of bins in use, including the missing bin.
  int n_bins() const {
    return kind == FeatureKind::Numeric ? static_cast<int>(edges.size()) + 2
                                        : static_cast<int>(levels.size()) + 2;
  }
};

class FeatureSpec {
 public:
  // Whether learn() counts the training leads per bin (what confidence
  // reads). A spec learned from a sample leaves them to set_bin_counts(),
  // which counts every training lead: counting the sample would encode each
  // of its leads once more for figures that are then replaced.
  enum class BinCounts : uint8_t { Count, Leave };

  // Learn names, kinds, vocabularies and bin edges from the given training
  // leads; throws Cancelled when should_stop says so.
  static FeatureSpec learn(const std::vector<Lead>& leads, const std::vector<uint32_t>& rows,
                           const TrainParams& params, double now, const ShouldStop& should_stop = ShouldStop(),
                           BinCounts bin_counts = BinCounts::Count);

  // Build from deserialized definitions; validates them and builds lookup tables.
  static FeatureSpec from_defs(std::vector<FeatureDef> defs);

  size_t size() const { return defs_.size(); }
  const FeatureDef& operator[](size_t i) const { return defs_[i]; }
  const std::vector<FeatureDef>& defs() const { return defs_; }

  // Encode one lead: bin of feature f goes to out[f * stride]. When novel is not
  // null, novel[f] is set to 1 where the value was never seen in training (an
  // unseen level, a missing value never missing in training, a number outside
  // the training range).
  void encode(const Lead& lead, double now, uint8_t* out, size_t stride,
              uint8_t* novel = nullptr) const;

  // Replace the training leads per bin of feature f (n_bins() counts): a spec
  // learned from a sample counts its bins over every training lead instead.
  void set_bin_counts(size_t f, std::vector<uint32_t> counts);

  // Names, kinds and vocabulary sizes as JSON, for inspection from SQL.
  std::string to_json() const;

 private:
  void build_index();
  std::vector<FeatureDef> defs_;
  // Lookup tables rebuilt from defs_; not serialized.
  // Open-addressing table per categorical feature: slot holds level index + 1.
  struct LevelIndex {
    std::vector<uint16_t> slots;
    uint64_t mask = 0;
  };
  // Bin of a categorical value of feature f: its level's bin or "other".
  uint8_t level_bin(size_t f, const std::string& text) const;
  std::vector<LevelIndex> level_index_;
  std::unordered_map<std::string, uint32_t> tag_feature_;
  std::vector<uint32_t> tag_features_;   // the same features as a list: every lead resets them all
  std::vector<uint32_t> attr_features_;  // attribute features, sorted by key
  int permit_ = -1, month_ = -1, weekday_ = -1, age_ = -1, address_ = -1;
};

// Addresses are read up to their first kMaxAddressChars characters, so the
// work per address is bounded however long a stored address is; anything
// after them never changes a token. A real address is far shorter, and the
// request validation refuses longer ones. Characters are counted as UTF-8
// does (a byte that is not a continuation byte starts one), and never at more
// than four bytes apiece, so text in any encoding is cut within
// 4 * kMaxAddressChars bytes.
constexpr size_t kMaxAddressChars = 1000;

// Bytes of address that address_token reads: its first kMaxAddressChars characters.
size_t address_prefix_bytes(const std::string& address);

// The categorical token parsed from a free-text address, or "" when none, in
// time linear in the part read (address_prefix_bytes):
//   "zip:NNNNN"  the last run of exactly five digits that is not the leading
//                street number (US ZIP);
//   "fsa:A1A"    else the forward sortation area of the first Canadian postal
//                code (A1A 1A1 or A1A1A1) that does not continue a word;
//   "city:name"  else the second comma-separated part, letters lower-cased,
//                runs of spaces, hyphens and dots made one space.
std::string address_token(const std::string& address);

// Text form of a number or boolean when it feeds a categorical feature.
std::string value_text(const AttrValue& v);

// Civil month (1..12) and weekday (0 = Monday) of a Unix time, in UTC.
void civil_month_weekday(double epoch_seconds, int* month, int* weekday);

}  // namespace leadscore
