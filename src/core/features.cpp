// Learning and applying the feature specification; see features.hpp.
#include "core/features.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>

#include "core/errors.hpp"
#include "core/json.hpp"

namespace leadscore {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Number from an attribute value: numbers as is, booleans 0/1, numeric text parsed.
double attr_number(const AttrValue& v) {
  if (auto d = std::get_if<double>(&v)) return *d;
  if (auto b = std::get_if<bool>(&v)) return *b ? 1.0 : 0.0;
  if (auto s = std::get_if<std::string>(&v)) {
    if (s->empty()) return kNaN;
    char* end = nullptr;
    double d = std::strtod(s->c_str(), &end);
    if (end != s->c_str() && *end == '\0') return d;
  }
  return kNaN;
}

// Numeric value of a non-attribute, non-tag feature, NaN when missing.
double builtin_number(FeatureSource src, const Lead& lead, double now) {
  switch (src) {
    case FeatureSource::PermitValue:
      if (lead.permit_value && *lead.permit_value >= 0.0 && std::isfinite(*lead.permit_value))
        return std::log1p(*lead.permit_value);
      return kNaN;
    case FeatureSource::CreatedMonth:
    case FeatureSource::CreatedWeekday: {
      if (!lead.created_at || !std::isfinite(*lead.created_at)) return kNaN;
      int m, wd;
      civil_month_weekday(*lead.created_at, &m, &wd);
      return src == FeatureSource::CreatedMonth ? m : wd;
    }
    case FeatureSource::CreatedAgeDays:
      if (!lead.created_at || !std::isfinite(*lead.created_at) || !std::isfinite(now)) return kNaN;
      return (now - *lead.created_at) / 86400.0;
    default:
      return kNaN;
  }
}

// Bin of a numeric value under the given edges; NaN is the missing bin.
inline uint8_t numeric_bin(const std::vector<double>& edges, double v) {
  if (std::isnan(v)) return kMissingBin;
  // 1 + the number of edges below v, as std::lower_bound finds it, but with a
  // fixed number of steps and a conditional move instead of a branch: every
  // lead takes a different path through the edges, so branches mispredict.
  const double* base = edges.data();
  size_t n = edges.size();
  if (n == 0) return 1;
  while (n > 1) {
    const size_t half = n / 2;
    base = base[half - 1] < v ? base + half : base;
    n -= half;
  }
  return static_cast<uint8_t>(1 + (base - edges.data()) + (*base < v));
}

// Bin edges from training values: midpoints between distinct values when there
// are few, otherwise approximate quantiles that never split a run of equal values.
std::vector<double> learn_edges(std::vector<double>& vals, int max_value_bins) {
  std::vector<double> edges;
  if (vals.empty()) return edges;
  std::sort(vals.begin(), vals.end());
  std::vector<std::pair<double, size_t>> distinct;
  for (double v : vals) {
    if (distinct.empty() || distinct.back().first != v) distinct.push_back({v, 0});
    distinct.back().second++;
  }
  auto mid = [](double a, double b) { return a + (b - a) / 2; };
  if (distinct.size() <= static_cast<size_t>(max_value_bins)) {
    for (size_t i = 0; i + 1 < distinct.size(); ++i)
      edges.push_back(mid(distinct[i].first, distinct[i + 1].first));
    return edges;
  }
  const double per_bin = static_cast<double>(vals.size()) / max_value_bins;
  double acc = 0;
  for (size_t i = 0; i + 1 < distinct.size(); ++i) {
    acc += static_cast<double>(distinct[i].second);
    if (acc >= per_bin * static_cast<double>(edges.size() + 1)) {
      edges.push_back(mid(distinct[i].first, distinct[i + 1].first));
      if (edges.size() + 1 >= static_cast<size_t>(max_value_bins)) break;
    }
  }
  return edges;
}

// How the non-null values of one attribute key are distributed over types.
// Values are gathered in the same single pass, so learning never looks a
// key up lead by lead (once a pass over every lead for each mixed key: keys
// times leads).
struct KeyStats {
  size_t strings = 0, trues = 0, falses = 0;
  std::vector<double> numbers;                          // the numbers themselves
  std::unordered_map<std::string, size_t> text_counts;  // strings
  // Training leads with a non-null value: a lead holds a key once.
  size_t leads() const { return numbers.size() + strings + trues + falses; }
  size_t bools() const { return trues + falses; }
};

// The attribute keys that become features: those with a value on at least
// min_attribute_share of the n training leads, at most max_attribute_features
// of them, the ones on most leads first (ties by key); returned in key order.
std::vector<std::string> feature_keys(const std::unordered_map<std::string, KeyStats>& keys, size_t n,
                                      const TrainParams& params) {
  // The share as a count of leads, forgiving the rounding of share * n.
  const double min_leads = params.min_attribute_share * static_cast<double>(n) * (1 - 1e-12);
  std::vector<std::pair<size_t, const std::string*>> kept;
  for (const auto& [k, s] : keys)
    if (s.leads() > 0 && static_cast<double>(s.leads()) >= min_leads) kept.push_back({s.leads(), &k});
  auto more_leads = [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : *a.second < *b.second; };
  const size_t cap = static_cast<size_t>(params.max_attribute_features);
  if (kept.size() > cap) {
    std::nth_element(kept.begin(), kept.begin() + cap, kept.end(), more_leads);
    kept.resize(cap);
  }
  std::vector<std::string> out;
  out.reserve(kept.size());
  for (const auto& kv : kept) out.push_back(*kv.second);
  std::sort(out.begin(), out.end());
  return out;
}

// Eight bytes at a time: level strings are often 20 bytes or more, and a
// byte-wise hash would cost as much as the tree walk.
uint64_t text_hash(const std::string& s) {
  const size_t n = s.size();
  const char* p = s.data();
  uint64_t h = 0x9e3779b97f4a7c15ULL ^ n;
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 31;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, p + i, n - i);
  h = (h ^ tail) * 0x94d049bb133111ebULL;
  return h ^ (h >> 29);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

}  // namespace

void civil_month_weekday(double epoch_seconds, int* month, int* weekday) {
  // Days-from-civil inverse (H. Hinnant's algorithm), valid far beyond any lead date.
  long long days = static_cast<long long>(std::floor(epoch_seconds / 86400.0));
  *weekday = static_cast<int>(((days + 3) % 7 + 7) % 7);  // 1970-01-01 was a Thursday
  long long z = days + 719468;
  long long era = (z >= 0 ? z : z - 146096) / 146097;
  long long doe = z - era * 146097;
  long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  long long mp = (5 * doy + 2) / 153;
  *month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
}

std::string value_text(const AttrValue& v) {
  if (auto s = std::get_if<std::string>(&v)) return *s;
  if (auto b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  if (auto d = std::get_if<double>(&v)) {
    if (std::isnan(*d)) return "";
    char buf[32];
    if (*d == std::floor(*d) && std::fabs(*d) < 1e15)
      std::snprintf(buf, sizeof buf, "%.0f", *d);
    else
      std::snprintf(buf, sizeof buf, "%.17g", *d);
    return buf;
  }
  return "";
}

size_t address_prefix_bytes(const std::string& address) {
  const size_t limit = std::min(address.size(), 4 * kMaxAddressChars);
  size_t chars = 0;
  for (size_t i = 0; i < limit; ++i)
    if ((static_cast<unsigned char>(address[i]) & 0xC0) != 0x80 && chars++ == kMaxAddressChars) return i;
  return limit;
}

std::string address_token(const std::string& address) {
  const char* a = address.data();
  const size_t n = address_prefix_bytes(address);
  // US ZIP. The leading street number is the digit run where the first
  // non-blank character stands, found once: every run is then visited once.
  size_t first = 0;
  while (first < n && (a[first] == ' ' || a[first] == '\t')) ++first;
  size_t zip = n;  // start of the last five-digit run, n when none
  for (size_t i = first; i < n;) {
    if (!is_digit(a[i])) { ++i; continue; }
    size_t j = i;
    while (j < n && is_digit(a[j])) ++j;
    if (j - i == 5 && i != first) zip = i;
    i = j;
  }
  if (zip != n) return "zip:" + std::string(a + zip, 5);
  // Canadian postal code (A1A 1A1): keep the forward sortation area. A fixed
  // window of at most seven characters per start.
  for (size_t i = 0; i + 6 <= n; ++i) {
    if (!(is_alpha(a[i]) && is_digit(a[i + 1]) && is_alpha(a[i + 2]))) continue;
    size_t k = i + 3;
    if (a[k] == ' ') ++k;
    if (k + 3 <= n && is_digit(a[k]) && is_alpha(a[k + 1]) && is_digit(a[k + 2]) &&
        (i == 0 || !is_alpha(a[i - 1]))) {
      std::string fsa(a + i, 3);
      for (auto& c : fsa) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      return "fsa:" + fsa;
    }
  }
  // City: the second comma-separated part ("12 Main St, Springfield, IL").
  const char* end = a + n;
  const char* c1 = std::find(a, end, ',');
  if (c1 == end) return "";
  const char* c2 = std::find(c1 + 1, end, ',');
  std::string out;
  for (const char* p = c1 + 1; p < c2; ++p) {
    const char c = *p;
    if (is_alpha(c)) out.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    else if ((c == ' ' || c == '-' || c == '.') && !out.empty() && out.back() != ' ') out.push_back(' ');
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out.empty() ? "" : "city:" + out;
}

FeatureSpec FeatureSpec::learn(const std::vector<Lead>& leads, const std::vector<uint32_t>& rows,
                               const TrainParams& params, double now, const ShouldStop& should_stop,
                               BinCounts bin_counts) {
  const int max_value_bins = params.max_bins - 1;
  std::vector<FeatureDef> defs;

  // Survey the training leads: which sources appear, tag and key statistics.
  bool any_permit = false, any_created = false;
  std::map<std::string, size_t> tag_counts;
  std::map<std::string, size_t> address_counts;
  std::unordered_map<std::string, KeyStats> keys;
  // The previous lead's keys, by position, with their stats: leads mostly
  // carry the same keys, and an attribute map is sorted, so the key at a
  // position is usually the one there before, found by one comparison
  // instead of hashing it (a table's elements stay put when it grows).
  std::vector<std::pair<const std::string*, KeyStats*>> last_keys;
  for (size_t i = 0; i < rows.size(); ++i) {
    check_stop_every(should_stop, i);
    const Lead& l = leads[rows[i]];
    if (!std::isnan(builtin_number(FeatureSource::PermitValue, l, now))) any_permit = true;
    if (l.created_at && std::isfinite(*l.created_at)) any_created = true;
    for (const auto& t : l.trade_tags) tag_counts[t]++;
    if (!l.address.empty()) {
      std::string tok = address_token(l.address);
      if (!tok.empty()) address_counts[tok]++;
    }
    size_t at = 0;
    for (const auto& [k, v] : l.attributes) {
      if (at == last_keys.size() || *last_keys[at].first != k) {
        auto it = keys.try_emplace(k).first;
        if (at == last_keys.size()) last_keys.emplace_back();
        last_keys[at] = {&it->first, &it->second};
      }
      KeyStats& s = *last_keys[at++].second;
      if (std::holds_alternative<double>(v) && !std::isnan(std::get<double>(v))) {
        s.numbers.push_back(std::get<double>(v));
      } else if (auto b = std::get_if<bool>(&v)) {
        (*b ? s.trues : s.falses)++;
      } else if (auto str = std::get_if<std::string>(&v)) {
        s.strings++;
        if (!str->empty()) s.text_counts[*str]++;
      }
    }
  }
  check_stop(should_stop);
  const std::vector<std::string> key_order = feature_keys(keys, rows.size(), params);

  auto numeric_def = [&](std::string name, FeatureSource src, std::string key) {
    FeatureDef d;
    d.name = std::move(name);
    d.source = src;
    d.kind = FeatureKind::Numeric;
    d.key = std::move(key);
    return d;
  };

  if (any_permit) defs.push_back(numeric_def("permit_value", FeatureSource::PermitValue, ""));
  {
    // Most frequent tags first, ties by name, then kept in name order.
    std::vector<std::pair<size_t, std::string>> tags;
    for (const auto& [t, c] : tag_counts)
      if (c >= static_cast<size_t>(params.min_category_count)) tags.push_back({c, t});
    std::sort(tags.begin(), tags.end(),
              [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
    if (tags.size() > static_cast<size_t>(params.max_trade_tags)) tags.resize(params.max_trade_tags);
    std::sort(tags.begin(), tags.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
    for (const auto& [c, t] : tags) {
      FeatureDef d = numeric_def("trade_tags:" + t, FeatureSource::TradeTag, t);
      d.edges = {0.5};
      defs.push_back(std::move(d));
    }
  }
  if (any_created) {
    defs.push_back(numeric_def("created_at.month", FeatureSource::CreatedMonth, ""));
    defs.push_back(numeric_def("created_at.weekday", FeatureSource::CreatedWeekday, ""));
    defs.push_back(numeric_def("created_at.age_days", FeatureSource::CreatedAgeDays, ""));
  }
  auto learn_levels = [&](FeatureDef& d, const std::map<std::string, size_t>& counts) {
    std::vector<std::pair<size_t, std::string>> lv;
    for (const auto& [s, c] : counts)
      if (c >= static_cast<size_t>(params.min_category_count) && !s.empty()) lv.push_back({c, s});
    std::sort(lv.begin(), lv.end(),
              [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
    size_t cap = std::min<size_t>(params.max_categories, static_cast<size_t>(max_value_bins - 1));
    if (lv.size() > cap) lv.resize(cap);
    for (auto& [c, s] : lv) d.levels.push_back(std::move(s));
  };
  if (!address_counts.empty()) {
    FeatureDef d;
    d.name = "address";
    d.source = FeatureSource::Address;
    d.kind = FeatureKind::Categorical;
    learn_levels(d, address_counts);
    defs.push_back(std::move(d));
  }
  std::unordered_map<std::string, std::vector<double>> attr_values;  // numeric keys
  for (const std::string& k : key_order) {
    check_stop(should_stop);
    KeyStats& s = keys[k];
    FeatureDef d;
    d.name = "attributes." + k;
    d.source = FeatureSource::Attribute;
    d.key = k;
    // Mostly text means categorical; numbers and booleans are numeric.
    if (s.strings > s.numbers.size() + s.bools()) {
      d.kind = FeatureKind::Categorical;
      std::map<std::string, size_t> counts(s.text_counts.begin(), s.text_counts.end());
      // A mixed key: numbers and booleans count by their text form.
      for (double v : s.numbers) counts[value_text(AttrValue(v))]++;
      if (s.trues) counts[value_text(AttrValue(true))] += s.trues;
      if (s.falses) counts[value_text(AttrValue(false))] += s.falses;
      learn_levels(d, counts);
    } else {
      d.kind = FeatureKind::Numeric;
      std::vector<double>& vals = attr_values[k];
      vals = std::move(s.numbers);
      vals.insert(vals.end(), s.trues, 1.0);  // booleans as 0/1; the order of values does not matter
      vals.insert(vals.end(), s.falses, 0.0);
      if (s.strings > 0) {  // a mixed key: numeric text counts as a number
        for (const auto& [t, c] : s.text_counts) {
          double v = attr_number(AttrValue(t));
          if (!std::isnan(v)) vals.insert(vals.end(), c, v);
        }
      }
    }
    defs.push_back(std::move(d));
  }

  // Numeric edges and ranges from the training values.
  for (auto& d : defs) {
    if (d.kind != FeatureKind::Numeric || d.source == FeatureSource::TradeTag) continue;
    check_stop(should_stop);  // one sort of up to all training values per feature
    std::vector<double> vals;
    if (d.source == FeatureSource::Attribute) {
      vals = std::move(attr_values[d.key]);
    } else {
      vals.reserve(rows.size());
      for (uint32_t r : rows) {
        double v = builtin_number(d.source, leads[r], now);
        if (!std::isnan(v)) vals.push_back(v);
      }
    }
    if (!vals.empty()) {
      auto [mn, mx] = std::minmax_element(vals.begin(), vals.end());
      d.lo = *mn;
      d.hi = *mx;
    }
    d.edges = learn_edges(vals, max_value_bins);
  }
  for (auto& d : defs)
    if (d.source == FeatureSource::TradeTag) { d.lo = 0; d.hi = 1; }

  // Checked here so that too many features is an error of the parameters,
  // not the corrupt-model error from_defs() gives a blob.
  if (defs.size() > 65535)
    throw InvalidInput("training would make " + std::to_string(defs.size()) +
                       " features, more than 65535: lower max_attribute_features or max_trade_tags");
  FeatureSpec spec = from_defs(std::move(defs));
  if (bin_counts == BinCounts::Leave) return spec;
  // Training leads per bin, for the confidence measure.
  std::vector<uint8_t> row(spec.size());
  for (auto& d : spec.defs_) d.bin_counts.assign(d.n_bins(), 0);
  for (size_t i = 0; i < rows.size(); ++i) {
    check_stop_every(should_stop, i);
    spec.encode(leads[rows[i]], now, row.data(), 1);
    for (size_t f = 0; f < spec.size(); ++f) spec.defs_[f].bin_counts[row[f]]++;
  }
  return spec;
}

FeatureSpec FeatureSpec::from_defs(std::vector<FeatureDef> defs) {
  if (defs.size() > 65535) throw CorruptModel("feature spec has too many features");
  for (const auto& d : defs) {
    if (d.n_bins() > 255) throw CorruptModel("feature \"" + d.name + "\" has more than 255 bins");
    if (static_cast<uint8_t>(d.source) > static_cast<uint8_t>(FeatureSource::Attribute))
      throw CorruptModel("feature \"" + d.name + "\" has an unknown source");
    for (size_t i = 1; i < d.edges.size(); ++i)
      if (d.edges[i] < d.edges[i - 1])
        throw CorruptModel("feature \"" + d.name + "\" has unordered bin edges");
    for (double e : d.edges)
      if (std::isnan(e)) throw CorruptModel("feature \"" + d.name + "\" has a NaN bin edge");
    if (!d.bin_counts.empty() && d.bin_counts.size() != static_cast<size_t>(d.n_bins()))
      throw CorruptModel("feature \"" + d.name + "\" has a bin count table of the wrong size");
  }
  // Encoding writes each built-in source into one feature and each tag or
  // attribute key into one: a second feature of the same source or key would
  // never be written, and scoring would read whatever the buffer held.
  std::vector<bool> builtin_seen(static_cast<size_t>(FeatureSource::Attribute) + 1, false);
  std::vector<std::pair<uint8_t, const std::string*>> keyed;
  for (const auto& d : defs) {
    if (d.source == FeatureSource::TradeTag || d.source == FeatureSource::Attribute) {
      keyed.push_back({static_cast<uint8_t>(d.source), &d.key});
    } else if (builtin_seen[static_cast<size_t>(d.source)]) {
      throw CorruptModel("feature \"" + d.name + "\" repeats the source of an earlier feature");
    } else {
      builtin_seen[static_cast<size_t>(d.source)] = true;
    }
  }
  std::sort(keyed.begin(), keyed.end(),
            [](const auto& a, const auto& b) { return a.first != b.first ? a.first < b.first : *a.second < *b.second; });
  for (size_t i = 1; i < keyed.size(); ++i)
    if (keyed[i].first == keyed[i - 1].first && *keyed[i].second == *keyed[i - 1].second)
      throw CorruptModel("feature spec names the key \"" + *keyed[i].second + "\" twice");
  FeatureSpec s;
  s.defs_ = std::move(defs);
  s.build_index();
  return s;
}

void FeatureSpec::set_bin_counts(size_t f, std::vector<uint32_t> counts) {
  if (f >= defs_.size() || counts.size() != static_cast<size_t>(defs_[f].n_bins()))
    throw InvalidInput("bin count table does not fit the feature");
  defs_[f].bin_counts = std::move(counts);
}

void FeatureSpec::build_index() {
  level_index_.assign(defs_.size(), {});
  tag_feature_.clear();
  tag_features_.clear();
  attr_features_.clear();
  permit_ = month_ = weekday_ = age_ = address_ = -1;
  for (size_t f = 0; f < defs_.size(); ++f) {
    const FeatureDef& d = defs_[f];
    if (!d.levels.empty()) {
      LevelIndex& li = level_index_[f];
      size_t cap = 4;
      while (cap < 2 * d.levels.size()) cap *= 2;
      li.slots.assign(cap, 0);
      li.mask = cap - 1;
      for (size_t i = 0; i < d.levels.size(); ++i) {
        uint64_t h = text_hash(d.levels[i]) & li.mask;
        while (li.slots[h] != 0) h = (h + 1) & li.mask;
        li.slots[h] = static_cast<uint16_t>(i + 1);
      }
    }
    switch (d.source) {
      case FeatureSource::PermitValue: permit_ = static_cast<int>(f); break;
      case FeatureSource::TradeTag:
        tag_feature_[d.key] = static_cast<uint32_t>(f);
        tag_features_.push_back(static_cast<uint32_t>(f));
        break;
      case FeatureSource::CreatedMonth: month_ = static_cast<int>(f); break;
      case FeatureSource::CreatedWeekday: weekday_ = static_cast<int>(f); break;
      case FeatureSource::CreatedAgeDays: age_ = static_cast<int>(f); break;
      case FeatureSource::Address: address_ = static_cast<int>(f); break;
      case FeatureSource::Attribute: attr_features_.push_back(static_cast<uint32_t>(f)); break;
    }
  }
  std::sort(attr_features_.begin(), attr_features_.end(),
            [&](uint32_t a, uint32_t b) { return defs_[a].key < defs_[b].key; });
}

uint8_t FeatureSpec::level_bin(size_t f, const std::string& text) const {
  const LevelIndex& li = level_index_[f];
  if (li.slots.empty()) return kOtherBin;
  const std::vector<std::string>& levels = defs_[f].levels;
  for (uint64_t h = text_hash(text) & li.mask;; h = (h + 1) & li.mask) {
    const uint16_t s = li.slots[h];
    if (s == 0) return kOtherBin;
    if (levels[s - 1] == text) return static_cast<uint8_t>(2 + (s - 1));
  }
}

void FeatureSpec::encode(const Lead& lead, double now, uint8_t* out, size_t stride,
                         uint8_t* novel) const {
  auto put_num = [&](size_t f, double v) {
    const FeatureDef& d = defs_[f];
    uint8_t b = numeric_bin(d.edges, v);
    out[f * stride] = b;
    if (novel)
      novel[f] = (!d.bin_counts.empty() && d.bin_counts[b] == 0) ||
                 (b != kMissingBin && (v < d.lo || v > d.hi));
  };
  auto put_cat = [&](size_t f, const std::string& text) {
    const uint8_t b = text.empty() ? kMissingBin : level_bin(f, text);
    out[f * stride] = b;
    if (novel) novel[f] = !defs_[f].bin_counts.empty() && defs_[f].bin_counts[b] == 0;
  };

  // Trade tags: absent unless listed.
  for (uint32_t f : tag_features_) {
    out[f * stride] = 1;  // value 0 falls in bin 1 under edge 0.5
    if (novel) novel[f] = 0;
  }
  for (const auto& t : lead.trade_tags) {
    auto it = tag_feature_.find(t);
    if (it != tag_feature_.end()) out[it->second * stride] = 2;
  }
  if (permit_ >= 0) put_num(permit_, builtin_number(FeatureSource::PermitValue, lead, now));
  if (month_ >= 0) put_num(month_, builtin_number(FeatureSource::CreatedMonth, lead, now));
  if (weekday_ >= 0) put_num(weekday_, builtin_number(FeatureSource::CreatedWeekday, lead, now));
  if (age_ >= 0) put_num(age_, builtin_number(FeatureSource::CreatedAgeDays, lead, now));
  if (address_ >= 0) put_cat(address_, lead.address.empty() ? std::string() : address_token(lead.address));

  // Attributes: merge the lead's sorted map with the spec's sorted keys.
  auto it = lead.attributes.begin();
  const auto end = lead.attributes.end();
  for (uint32_t f : attr_features_) {
    const FeatureDef& d = defs_[f];
    int c = 1;
    while (it != end && (c = it->first.compare(d.key)) < 0) ++it;
    const AttrValue* v = (it != end && c == 0) ? &it->second : nullptr;
    if (d.kind == FeatureKind::Numeric) {
      put_num(f, v ? attr_number(*v) : kNaN);
    } else if (v && std::holds_alternative<std::string>(*v)) {
      put_cat(f, std::get<std::string>(*v));
    } else {
      put_cat(f, v ? value_text(*v) : std::string());
    }
  }
}

std::string FeatureSpec::to_json() const {
  JsonWriter w;
  w.begin_object();
  w.key("n_features").value(defs_.size());
  w.key("features").begin_array();
  for (const auto& d : defs_) {
    w.begin_object();
    w.key("name").value(d.name);
    w.key("kind").value(d.kind == FeatureKind::Numeric ? "numeric" : "categorical");
    w.key("bins").value(d.n_bins());
    if (d.kind == FeatureKind::Categorical) {
      w.key("levels").value(d.levels.size());
    } else {
      w.key("min").value(d.lo);
      w.key("max").value(d.hi);
    }
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return w.str();
}

}  // namespace leadscore
