// Training parameters. Each one is declared once, as a row of
// LEADSCORE_TRAIN_PARAMS below: its name (also the TrainParams member), type,
// kind, default, allowed range and a line of help. Everything else derives
// from that row: the member itself, set() (text from SQL's params jsonb or the
// benchmark tool's --param), validate(), to_json(), keys(), the "unknown
// parameter ...; allowed: ..." message, the model blob's parameter section
// (stored by key, model_format.hpp) and the README's list of parameters, which
// a unit test compares with this table. Adding a parameter is adding a row and
// its README line.
//
// Every value is held as a double in between (integers, so seeds too, up to
// 2^53 exactly; a choice as its enum's index; a boolean as 0 or 1), so one
// parser, one check and one writer per kind serve every parameter.
//
// Why some parameters exist:
// - calibration_trees: the calibration map is fitted on out-of-bag predictions,
//   where each lead is scored by only the ~37% of trees that did not see it.
//   Growing trees beyond n_trees, which only vote out of bag and are then
//   dropped, makes those predictions as smooth as the shipped forest's. Tree t
//   depends on the seed and t alone, so the shipped trees do not change. Off by
//   default: it did not lower calibration error where measured (bench/README.md).
// - max_training_leads bounds training memory and time: beyond this many
//   labelled leads, training uses those with the smallest seeded hash of their
//   id, the same set whatever their order. The database applies the same bound
//   before reading leads, so it never loads more. Training keeps a lead as its
//   bins (training_set.hpp), about 50 to 120 bytes, so the default of two
//   million fits the memory budget the README states (bench/sql/README.md).
// - spec_sample_leads bounds the memory of learning the feature spec: its bin
//   edges and category levels come from at most this many training leads (the
//   first in the canonical order), so the database can stream the rest and
//   keep each of them only as one byte per feature (training_set.hpp). With
//   no more training leads than this, the spec is learned from all of them.
// - refit_full: see "Training in short" in model.hpp.
// - min_attribute_share and max_attribute_features bound what callers'
//   attribute keys can add to the model: a key becomes a feature only when at
//   least that share of the training leads (and at least one) have a non-null
//   value for it, and of those keys only the max_attribute_features found on
//   the most leads are kept (ties by key). Without them, one account sending
//   leads with hundreds of made-up keys each would add as many features, and
//   training time and memory grow with the feature count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace leadscore {

enum class Calibration : uint8_t { Auto = 0, Isotonic = 1, Platt = 2, None = 3 };
enum class ClassWeight : uint8_t { None = 0, Balanced = 1 };

// How a parameter's text is read and its value checked.
enum class ParamKind : uint8_t {
  Int,       // a whole number in the range
  Real,      // a number in the range
  Bool,      // true or false (also 1/0, on/off, yes/no)
  Choice,    // one of the names of an enum's values
  Features,  // "sqrt" (stored as 0), "all" (1), a fraction in (0, 1) or a whole count
};

// Allowed values of an Int or Real parameter: [lo, hi], or [lo, hi) when hi_open.
struct ParamRange {
  double lo = 0;
  double hi = 0;
  bool hi_open = false;
};
constexpr ParamRange closed(double lo, double hi) { return {lo, hi, false}; }
constexpr ParamRange half_open(double lo, double hi) { return {lo, hi, true}; }
constexpr ParamRange no_range() { return {}; }  // Bool, Choice and Features say what they allow

// The declaration: X(name, type, kind, default, range, help), in documentation order.
// The help is one lowercase phrase; the README shows it after the allowed values.
#define LEADSCORE_TRAIN_PARAMS(X)                                                                                     \
  X(n_trees, int, Int, 50, closed(1, 5000), "trees in the shipped forest")                                            \
  X(calibration_trees, int, Int, 0, closed(0, 5000),                                                                  \
    "trees grown for the out-of-bag predictions calibration is fitted on, when more than n_trees "                    \
    "(the extra ones are then dropped)")                                                                              \
  X(max_depth, int, Int, 14, closed(1, 64), "depth limit of each tree")                                               \
  X(min_samples_leaf, int, Int, 32, closed(1, 1000000), "smallest leaf, in bootstrap-weighted rows")                  \
  X(shrinkage, double, Real, -1.0, closed(-1, 1000000),                                                               \
    "hierarchical shrinkage of each forest but the value's: each step down a tree moves a node's value by "        \
    "(child - parent) / (1 + shrinkage / parent's rows); -1 chooses it for each forest from 0, 10, 30, 100, "      \
    "300 and 1000 by out-of-bag Brier score")                                                                      \
  X(max_features, double, Features, 0.0, no_range(),                                                                  \
    "how many features each split tries: the square root of their number, all, that share of them, or that many")     \
  X(class_weight, ClassWeight, Choice, ClassWeight::None, no_range(),                                                 \
    "balanced weighs won and lost leads to equal totals (calibration restores the base rate either way)")             \
  X(calibration, Calibration, Choice, Calibration::Auto, no_range(),                                                  \
    "the calibration map (auto: isotonic, or Platt with fewer than platt_below out-of-bag rows)")                     \
  X(platt_below, int, Int, 1000, closed(0, 1000000000), "out-of-bag rows below which auto calibration uses Platt")    \
  X(holdout_fraction, double, Real, 0.2, half_open(0, 0.9),                                                           \
    "share of leads held out, chosen by a seeded hash of their id, for the reported metrics")                         \
  X(refit_full, bool, Bool, true, no_range(),                                                                         \
    "grow the shipped forest on all leads, held-out ones included (train_lead_model() sets false unless given)")      \
  X(max_bins, int, Int, 255, closed(3, 255), "bins per numeric feature, the missing bin included")                    \
  X(min_category_count, int, Int, 10, closed(1, 1000000000), "levels seen fewer times share the \"other\" bin")       \
  X(max_categories, int, Int, 200, closed(1, 253), "most frequent levels kept per categorical feature")               \
  X(max_trade_tags, int, Int, 100, closed(0, 10000), "most frequent trade tags kept as features")                     \
  X(max_training_leads, int, Int, 2000000, closed(2, 100000000),                                                      \
    "above this many labelled leads, only this many train, a fixed sample by a seeded hash of their id")              \
  X(spec_sample_leads, int, Int, 50000, closed(2, 100000000),                                                       \
    "leads, the first by a seeded hash of their id, whose values set the bin edges and category levels; "           \
    "all leads are then binned by them")                                                                             \
  X(min_attribute_share, double, Real, 0.01, closed(0, 1),                                                            \
    "an attribute key becomes a feature only if at least this share of the training leads have a value for it")      \
  X(max_attribute_features, int, Int, 200, closed(0, 65535),                                                          \
    "most attribute keys kept as features, those on the most training leads first")                                  \
  X(min_banded_leads, int, Int, 200, closed(1, 100000000),                                                           \
    "training leads with a deal band needed to fit a value model; with fewer, every lead gets their mean value")      \
  X(value_trees, int, Int, 20, closed(1, 5000), "trees in the deal-value forest")                                     \
  X(stage_trees, int, Int, 20, closed(1, 5000),                                                                       \
    "trees in each of the contact and quote forests of a funnel model")                                            \
  X(seed, uint64_t, Int, 42, closed(0, 9007199254740991.0), "every random choice derives from this and the lead ids") \
  X(threads, int, Int, 1, closed(1, 256), "worker threads for tree building (the model does not depend on it)")

struct TrainParams {
#define LEADSCORE_PARAM_MEMBER(name, type, kind, def, range, help) type name = def;
  LEADSCORE_TRAIN_PARAMS(LEADSCORE_PARAM_MEMBER)
#undef LEADSCORE_PARAM_MEMBER

  // Throws InvalidInput naming the first parameter out of range.
  void validate() const;

  // Set one parameter from text; throws InvalidInput for unknown keys or bad values.
  void set(const std::string& key, const std::string& value);

  // Defaults overridden by the given key/values, validated.
  static TrainParams from_kv(const std::vector<std::pair<std::string, std::string>>& kv);

  // Every parameter as (name, text that set() reads back to the same value),
  // in declaration order: what the model blob stores.
  std::vector<std::pair<std::string, std::string>> to_kv() const;

  // Names accepted by set(), in documentation order.
  static std::vector<std::string> keys();

  std::string to_json() const;
};

// One row of the declaration, as the table in params.cpp holds it.
struct ParamInfo {
  const char* name;
  ParamKind kind;
  ParamRange range;
  const char* const* choices;  // Choice: the name of enum value i is choices[i]; ends with nullptr
  const char* help;
  double (*get)(const TrainParams&);
  void (*put)(TrainParams&, double);
};

// The declared parameters, in documentation order.
struct ParamTable {
  const ParamInfo* first;
  size_t size;
  const ParamInfo* begin() const { return first; }
  const ParamInfo* end() const { return first + size; }
};
ParamTable param_table();

// The parameter of that name, or nullptr.
const ParamInfo* find_param(const std::string& name);

// What a parameter accepts, in words: "an integer in [1, 5000]", "one of none, balanced".
std::string allowed_values(const ParamInfo& p);

// A value as set() reads it back exactly: "50", "0.2", "sqrt", "balanced", "true".
std::string value_text(const ParamInfo& p, double value);

// Text names of the enum values, as accepted by set().
const char* to_string(Calibration c);
const char* to_string(ClassWeight w);

}  // namespace leadscore
