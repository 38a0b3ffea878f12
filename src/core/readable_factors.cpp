// See readable_factors.hpp.
#include "core/readable_factors.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/features.hpp"

namespace leadscore {

namespace {

constexpr const char* kNotGiven = "not given";

// "$65,806": whole dollars with thousands separators.
std::string dollars(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f", std::round(v));
  std::string digits = buf, out;
  const bool neg = !digits.empty() && digits[0] == '-';
  if (neg) digits.erase(0, 1);
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out.push_back(',');
    out.push_back(digits[i]);
  }
  return (neg ? "-$" : "$") + out;
}

// "competing_bids" -> "Competing bids".
std::string words(const std::string& key) {
  std::string s = key;
  for (char& c : s)
    if (c == '_' || c == '.' || c == '-') c = ' ';
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

std::string days_text(double days, const char* suffix) {
  char buf[48];
  const long d = std::lround(std::max(0.0, days));
  std::snprintf(buf, sizeof buf, "%ld day%s%s", d, d == 1 ? "" : "s", suffix);
  return buf;
}

constexpr const char* kMonths[] = {"January", "February", "March",     "April",   "May",      "June",
                                   "July",    "August",   "September", "October", "November", "December"};
constexpr const char* kWeekdays[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};

// Ranks factors, picks the top few each way and sums the rest. Only the
// picked factors are described (label and value): a model has dozens of
// features with points, and formatting each one's value would cost more
// than the whole ranking.
PointsExplanation pick(std::vector<ReadableFactor> all, double base_points, int top_n, const Lead& lead, double now) {
  PointsExplanation out;
  out.base_points = base_points;
  out.score_points = base_points;
  for (const auto& f : all) out.score_points += f.points;
  std::stable_sort(all.begin(), all.end(),
                   [](const ReadableFactor& a, const ReadableFactor& b) { return std::fabs(a.points) > std::fabs(b.points); });
  for (auto& f : all) {
    if (f.points > 0 && static_cast<int>(out.up.size()) < top_n) out.up.push_back(std::move(f));
    else if (f.points < 0 && static_cast<int>(out.down.size()) < top_n) out.down.push_back(std::move(f));
    else out.other_points += f.points;
  }
  for (auto* list : {&out.up, &out.down})
    for (auto& f : *list) describe_factor(f.feature, lead, now, &f.label, &f.value);
  return out;
}

// 100 x this turns a raw attribution into points: the calibration map's
// secant slope between base and raw (its slope at raw when they meet).
double points_slope(const Calibrator& cal, double base, double raw) {
  if (std::fabs(raw - base) > 1e-9) return (cal.apply(raw) - cal.apply(base)) / (raw - base);
  const double h = 1e-4;
  return (cal.apply(std::min(1.0, raw + h)) - cal.apply(std::max(0.0, raw - h))) /
         (std::min(1.0, raw + h) - std::max(0.0, raw - h));
}

}  // namespace

void describe_factor(const std::string& feature, const Lead& lead, double now, std::string* label, std::string* value) {
  const auto created = lead.created_at;
  if (feature == "permit_value") {
    *label = "Permit value";
    const bool has = lead.permit_value && *lead.permit_value >= 0 && !std::isnan(*lead.permit_value);
    *value = has ? dollars(*lead.permit_value) : kNotGiven;
  } else if (feature.rfind("trade_tags:", 0) == 0) {
    const std::string tag = feature.substr(11);
    *label = "Trade: " + tag;
    *value = std::find(lead.trade_tags.begin(), lead.trade_tags.end(), tag) != lead.trade_tags.end() ? "yes" : "no";
  } else if (feature == "address") {
    *label = "Location";
    const std::string t = address_token(lead.address);
    if (t.rfind("zip:", 0) == 0) *value = "ZIP " + t.substr(4);
    else if (t.rfind("fsa:", 0) == 0) *value = "postal area " + t.substr(4);
    else if (t.rfind("city:", 0) == 0) *value = "city " + t.substr(5);
    else *value = kNotGiven;
  } else if (feature.rfind("attributes.", 0) == 0) {
    const std::string key = feature.substr(11);
    *label = words(key);
    auto it = lead.attributes.find(key);
    std::string text;
    if (it != lead.attributes.end()) {
      if (auto b = std::get_if<bool>(&it->second)) text = *b ? "yes" : "no";
      else text = value_text(it->second);
    }
    *value = text.empty() ? kNotGiven : text;
  } else if (feature == "created_at.month" || feature == "created_at.weekday") {
    const bool month = feature == "created_at.month";
    *label = month ? "Month created" : "Weekday created";
    if (!created || std::isnan(*created)) {
      *value = kNotGiven;
    } else {
      int m = 1, wd = 0;
      civil_month_weekday(*created, &m, &wd);
      *value = month ? kMonths[std::clamp(m, 1, 12) - 1] : kWeekdays[std::clamp(wd, 0, 6)];
    }
  } else if (feature == "created_at.age_days" || feature == "created_at") {
    const bool rules = feature == "created_at";
    *label = rules ? "Recency" : "Lead age";
    *value = !created || std::isnan(*created) ? kNotGiven : days_text((now - *created) / 86400.0, rules ? " old" : "");
  } else if (feature == "completeness") {
    *label = "Completeness";
    int have = 0;
    have += !lead.address.empty();
    have += lead.permit_value && *lead.permit_value >= 0 && !std::isnan(*lead.permit_value);
    have += !lead.trade_tags.empty();
    have += lead.created_at && !std::isnan(*lead.created_at);
    have += !lead.attributes.empty();
    *value = std::to_string(have) + " of 5 fields";
  } else {
    *label = words(feature);
    *value = "";
  }
}

PointsExplanation model_points(const Explanation& e, const Calibrator& cal, const Lead& lead, double now, int top_n) {
  const double slope = points_slope(cal, e.base_value, e.raw_prob);
  std::vector<ReadableFactor> all;
  for (const Contribution& c : e.contributions) {
    ReadableFactor f;
    f.feature = c.feature;
    f.points = 100.0 * slope * c.value;
    if (f.points != 0) all.push_back(std::move(f));
  }
  return pick(std::move(all), 100.0 * cal.apply(e.base_value), top_n, lead, now);
}

PointsExplanation model_points(const Attribution& a, const FeatureSpec& spec, const Calibrator& cal, const Lead& lead,
                               double now, int top_n) {
  // The order the other overload reaches with two stable sorts (contributions
  // by |value| in feature order, then factors by |points|) is |points|, then
  // |value|, then feature number; one sort of plain numbers gives it, and the
  // unlisted points are summed in that order, so other_points is the same
  // to the last bit.
  struct Factor {
    double points, magnitude;
    size_t feature;
  };
  std::vector<Factor> all;
  all.reserve(a.sums.size());
  const double slope = points_slope(cal, a.base_value, a.raw_prob);
  PointsExplanation out;
  out.base_points = 100.0 * cal.apply(a.base_value);
  out.score_points = out.base_points;
  for (size_t f = 0; f < a.sums.size(); ++f) {
    if (a.sums[f] == 0.0) continue;
    const double value = a.sums[f] / a.n_trees;
    const double points = 100.0 * slope * value;
    if (points == 0) continue;
    all.push_back({points, std::fabs(value), f});
    out.score_points += points;
  }
  std::sort(all.begin(), all.end(), [](const Factor& x, const Factor& y) {
    const double px = std::fabs(x.points), py = std::fabs(y.points);
    if (px != py) return px > py;
    if (x.magnitude != y.magnitude) return x.magnitude > y.magnitude;
    return x.feature < y.feature;
  });
  const size_t room = static_cast<size_t>(std::clamp(top_n, 0, 64));
  out.up.reserve(room);
  out.down.reserve(room);
  for (const Factor& f : all) {
    std::vector<ReadableFactor>* list = nullptr;
    if (f.points > 0 && static_cast<int>(out.up.size()) < top_n) list = &out.up;
    else if (f.points < 0 && static_cast<int>(out.down.size()) < top_n) list = &out.down;
    if (!list) {
      out.other_points += f.points;
      continue;
    }
    ReadableFactor r;
    r.feature = spec[f.feature].name;
    r.points = f.points;
    describe_factor(r.feature, lead, now, &r.label, &r.value);
    list->push_back(std::move(r));
  }
  return out;
}

PointsExplanation rules_points(const Explanation& e, const Lead& lead, double now, int top_n) {
  // raw_prob is the rules' sum before the clamp; scale the factors by the
  // share of their sum the clamp kept.
  const double sum = e.raw_prob - e.base_value;
  const double kept = std::clamp(e.raw_prob, 0.0, 100.0) - e.base_value;
  const double scale = std::fabs(sum) > 1e-12 ? kept / sum : 1.0;
  std::vector<ReadableFactor> all;
  for (const Contribution& c : e.contributions) {
    ReadableFactor f;
    f.feature = c.feature;
    f.points = c.value * scale;
    if (f.points != 0) all.push_back(std::move(f));
  }
  return pick(std::move(all), e.base_value, top_n, lead, now);
}

}  // namespace leadscore
