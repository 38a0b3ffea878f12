// Training parameters with their defaults. One set of defaults serves every
// data set; the SQL side passes overrides as string key/values (a jsonb object),
// and anything unknown or out of range is refused with InvalidInput naming it.
//
// calibration_trees: the calibration map is fitted on out-of-bag predictions,
// where each lead is scored by the ~37% of trees that did not see it. Growing
// more trees than n_trees (the extra ones only vote out of bag and are then
// dropped) makes those predictions as smooth as the shipped forest's. Tree t
// depends on the seed and t alone, so the shipped trees do not change. The
// default 0 grows no extra trees: on the benchmark data the extra votes did
// not improve calibration error and cost training time.
// max_training_leads bounds training memory: training holds every lead it
// uses in memory (about 3 KB per lead with twenty attributes, measured), so
// beyond this many labelled leads it uses the ones with the smallest seeded
// hash of their id, the same set whatever their order. The database applies
// the same bound before reading leads, so it never loads more than this.
// min_attribute_share and max_attribute_features bound what the callers'
// attribute keys can add to the model: a key becomes a feature only when at
// least that share of the training leads (and at least one) have a non-null
// value for it, and of those keys only the max_attribute_features found on
// the most leads are kept (ties by key). Without them, one account sending
// leads with hundreds of made-up keys each would add as many features, and
// training time and memory grow with the feature count.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace leadscore {

enum class Calibration : uint8_t { Auto = 0, Isotonic = 1, Platt = 2, None = 3 };
enum class ClassWeight : uint8_t { None = 0, Balanced = 1 };

struct TrainParams {
  int n_trees = 50;              // trees in the shipped forest
  int calibration_trees = 0;     // trees grown in all for out-of-bag calibration (see below)
  int max_depth = 14;            // depth limit of each tree
  int min_samples_leaf = 32;     // smallest leaf, in bootstrap-weighted rows
  double max_features = 0.0;     // per split: 0 = sqrt(features), (0,1) = fraction, >=1 = count
  ClassWeight class_weight = ClassWeight::None;
  Calibration calibration = Calibration::Auto;  // auto: isotonic, Platt when data are small
  int platt_below = 1000;        // auto picks Platt when fewer out-of-bag rows than this
  double holdout_fraction = 0.2; // leads held out (by id hash) for the reported metrics
  bool refit_full = true;        // grow the shipped forest on all leads, held-out ones included (model.hpp)
  int max_bins = 255;            // bins per feature including the missing bin (<= 255)
  int min_category_count = 10;   // rarer categorical levels fall into "other"
  int max_categories = 200;      // most frequent levels kept per categorical
  int max_trade_tags = 100;      // most frequent trade tags kept as features
  int max_training_leads = 200000;  // more leads: a fixed sample by id hash trains (memory bound; see below)
  double min_attribute_share = 0.01;  // a key on fewer training leads than this share is no feature (see below)
  int max_attribute_features = 200;   // most frequent attribute keys kept as features (see below)
  uint64_t seed = 42;            // every random choice derives from this and lead ids
  int threads = 1;               // worker threads for tree building (results do not depend on it)

  // Throws InvalidInput naming the first parameter out of range.
  void validate() const;

  // Set one parameter from text; throws InvalidInput for unknown keys or bad values.
  void set(const std::string& key, const std::string& value);

  // Defaults overridden by the given key/values, validated.
  static TrainParams from_kv(const std::vector<std::pair<std::string, std::string>>& kv);

  // Names accepted by set(), in documentation order.
  static std::vector<std::string> keys();

  std::string to_json() const;
};

// Text names of the enum values, as accepted by set().
const char* to_string(Calibration c);
const char* to_string(ClassWeight w);

}  // namespace leadscore
