// Parsing and validation of TrainParams; see params.hpp.
#include "core/params.hpp"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iterator>

#include "core/errors.hpp"
#include "core/json.hpp"

namespace leadscore {

namespace {

// Parse a whole string as a finite double or fail naming the key.
double parse_number(const std::string& key, const std::string& v) {
  const char* s = v.c_str();
  char* end = nullptr;
  errno = 0;
  double d = std::strtod(s, &end);
  if (end == s || *end != '\0' || errno == ERANGE || !std::isfinite(d))
    throw InvalidInput("parameter \"" + key + "\" must be a number, got \"" + v + "\"");
  return d;
}

// Parse an integer in [lo, hi] or fail naming the key and the range.
long long parse_int(const std::string& key, const std::string& v, long long lo, long long hi) {
  double d = parse_number(key, v);
  if (d != std::floor(d) || d < static_cast<double>(lo) || d > static_cast<double>(hi))
    throw InvalidInput("parameter \"" + key + "\" must be an integer in [" + std::to_string(lo) +
                       ", " + std::to_string(hi) + "], got \"" + v + "\"");
  return static_cast<long long>(d);
}

bool parse_bool(const std::string& key, const std::string& v) {
  if (v == "true" || v == "1" || v == "on" || v == "yes") return true;
  if (v == "false" || v == "0" || v == "off" || v == "no") return false;
  throw InvalidInput("parameter \"" + key + "\" must be true or false, got \"" + v + "\"");
}

// Fail naming the parameter and its allowed range.
[[noreturn]] void out_of_range(const char* key, const std::string& allowed) {
  throw InvalidInput(std::string("parameter \"") + key + "\" must be " + allowed);
}

}  // namespace

const char* to_string(Calibration c) {
  switch (c) {
    case Calibration::Auto: return "auto";
    case Calibration::Isotonic: return "isotonic";
    case Calibration::Platt: return "platt";
    case Calibration::None: return "none";
  }
  return "?";
}

const char* to_string(ClassWeight w) { return w == ClassWeight::Balanced ? "balanced" : "none"; }

std::vector<std::string> TrainParams::keys() {
  // A plain array: no static object with a destructor may outlive the backend.
  static const char* const names[] = {
      "n_trees", "calibration_trees", "max_depth", "min_samples_leaf", "max_features", "class_weight",
      "calibration", "platt_below", "holdout_fraction", "refit_full", "max_bins",
      "min_category_count", "max_categories", "max_trade_tags", "max_training_leads", "min_attribute_share", "max_attribute_features", "seed",
      "threads"};
  return std::vector<std::string>(std::begin(names), std::end(names));
}

void TrainParams::set(const std::string& key, const std::string& v) {
  if (key == "n_trees") n_trees = static_cast<int>(parse_int(key, v, 1, 5000));
  else if (key == "calibration_trees") calibration_trees = static_cast<int>(parse_int(key, v, 0, 5000));
  else if (key == "max_depth") max_depth = static_cast<int>(parse_int(key, v, 1, 64));
  else if (key == "min_samples_leaf") min_samples_leaf = static_cast<int>(parse_int(key, v, 1, 1000000));
  else if (key == "max_features") {
    if (v == "sqrt") max_features = 0.0;
    else if (v == "all") max_features = 1.0;
    else max_features = parse_number(key, v);
  } else if (key == "class_weight") {
    if (v == "none") class_weight = ClassWeight::None;
    else if (v == "balanced") class_weight = ClassWeight::Balanced;
    else out_of_range("class_weight", "\"none\" or \"balanced\", got \"" + v + "\"");
  } else if (key == "calibration") {
    if (v == "auto") calibration = Calibration::Auto;
    else if (v == "isotonic") calibration = Calibration::Isotonic;
    else if (v == "platt") calibration = Calibration::Platt;
    else if (v == "none") calibration = Calibration::None;
    else out_of_range("calibration", "one of auto, isotonic, platt, none, got \"" + v + "\"");
  } else if (key == "platt_below") platt_below = static_cast<int>(parse_int(key, v, 0, 1000000000));
  else if (key == "holdout_fraction") holdout_fraction = parse_number(key, v);
  else if (key == "refit_full") refit_full = parse_bool(key, v);
  else if (key == "max_bins") max_bins = static_cast<int>(parse_int(key, v, 3, 255));
  else if (key == "min_category_count") min_category_count = static_cast<int>(parse_int(key, v, 1, 1000000000));
  else if (key == "max_categories") max_categories = static_cast<int>(parse_int(key, v, 1, 253));
  else if (key == "max_trade_tags") max_trade_tags = static_cast<int>(parse_int(key, v, 0, 10000));
  else if (key == "max_training_leads") max_training_leads = static_cast<int>(parse_int(key, v, 2, 100000000));
  else if (key == "min_attribute_share") min_attribute_share = parse_number(key, v);
  else if (key == "max_attribute_features") max_attribute_features = static_cast<int>(parse_int(key, v, 0, 65535));
  else if (key == "seed") seed = static_cast<uint64_t>(parse_int(key, v, 0, 9007199254740991LL));
  else if (key == "threads") threads = static_cast<int>(parse_int(key, v, 1, 256));
  else {
    std::string allowed;
    for (const auto& k : keys()) allowed += (allowed.empty() ? "" : ", ") + k;
    throw InvalidInput("unknown parameter \"" + key + "\"; allowed: " + allowed);
  }
}

void TrainParams::validate() const {
  if (n_trees < 1 || n_trees > 5000) out_of_range("n_trees", "in [1, 5000]");
  if (calibration_trees < 0 || calibration_trees > 5000) out_of_range("calibration_trees", "in [0, 5000]");
  if (max_depth < 1 || max_depth > 64) out_of_range("max_depth", "in [1, 64]");
  if (min_samples_leaf < 1) out_of_range("min_samples_leaf", "at least 1");
  if (!(max_features >= 0.0) || !std::isfinite(max_features) ||
      (max_features >= 1.0 && max_features != std::floor(max_features)))
    out_of_range("max_features", "\"sqrt\", a fraction in (0, 1) or a whole count");
  if (!(holdout_fraction >= 0.0 && holdout_fraction < 0.9))
    out_of_range("holdout_fraction", "in [0, 0.9)");
  if (max_bins < 3 || max_bins > 255) out_of_range("max_bins", "in [3, 255]");
  if (min_category_count < 1) out_of_range("min_category_count", "at least 1");
  if (max_categories < 1 || max_categories > 253) out_of_range("max_categories", "in [1, 253]");
  if (max_trade_tags < 0) out_of_range("max_trade_tags", "at least 0");
  if (platt_below < 0) out_of_range("platt_below", "at least 0");
  if (max_training_leads < 2 || max_training_leads > 100000000) out_of_range("max_training_leads", "in [2, 100000000]");
  if (!(min_attribute_share >= 0.0 && min_attribute_share <= 1.0)) out_of_range("min_attribute_share", "in [0, 1]");
  if (max_attribute_features < 0 || max_attribute_features > 65535) out_of_range("max_attribute_features", "in [0, 65535]");
  if (threads < 1 || threads > 256) out_of_range("threads", "in [1, 256]");
}

TrainParams TrainParams::from_kv(const std::vector<std::pair<std::string, std::string>>& kv) {
  TrainParams p;
  for (const auto& [k, v] : kv) p.set(k, v);
  p.validate();
  return p;
}

std::string TrainParams::to_json() const {
  JsonWriter w;
  w.begin_object();
  w.key("n_trees").value(n_trees);
  w.key("calibration_trees").value(calibration_trees);
  w.key("max_depth").value(max_depth);
  w.key("min_samples_leaf").value(min_samples_leaf);
  if (max_features == 0.0) w.key("max_features").value("sqrt");
  else w.key("max_features").value(max_features);
  w.key("class_weight").value(to_string(class_weight));
  w.key("calibration").value(to_string(calibration));
  w.key("platt_below").value(platt_below);
  w.key("holdout_fraction").value(holdout_fraction);
  w.key("refit_full").value(refit_full);
  w.key("max_bins").value(max_bins);
  w.key("min_category_count").value(min_category_count);
  w.key("max_categories").value(max_categories);
  w.key("max_trade_tags").value(max_trade_tags);
  w.key("max_training_leads").value(max_training_leads);
  w.key("min_attribute_share").value(min_attribute_share);
  w.key("max_attribute_features").value(max_attribute_features);
  w.key("seed").value(static_cast<long long>(seed));
  w.key("threads").value(threads);
  w.end_object();
  return w.str();
}

}  // namespace leadscore
