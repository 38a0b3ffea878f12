// The parameter table derived from LEADSCORE_TRAIN_PARAMS, and parsing,
// checking and writing by kind; see params.hpp.
#include "core/params.hpp"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <type_traits>

#include "core/errors.hpp"
#include "core/json.hpp"

namespace leadscore {

namespace {

// Names by enum value; plain arrays, so nothing static has a destructor.
constexpr const char* kCalibrationNames[] = {"auto", "isotonic", "platt", "none", nullptr};
constexpr const char* kClassWeightNames[] = {"none", "balanced", nullptr};

template <typename T>
constexpr const char* const* choice_names() { return nullptr; }
template <>
constexpr const char* const* choice_names<Calibration>() { return kCalibrationNames; }
template <>
constexpr const char* const* choice_names<ClassWeight>() { return kClassWeightNames; }

// A member's value as the double every kind works on, and back.
template <typename T>
double to_value(T v) {
  if constexpr (std::is_enum_v<T>) return static_cast<double>(static_cast<int>(v));
  else return static_cast<double>(v);
}
template <typename T>
T from_value(double v) {
  if constexpr (std::is_enum_v<T>) return static_cast<T>(static_cast<int>(v));
  else if constexpr (std::is_same_v<T, bool>) return v != 0;
  else return static_cast<T>(v);
}

template <auto Member>
double get(const TrainParams& p) { return to_value(p.*Member); }
template <auto Member>
void put(TrainParams& p, double v) {
  using T = std::remove_reference_t<decltype(p.*Member)>;
  p.*Member = from_value<T>(v);
}

#define LEADSCORE_PARAM_INFO(name, type, kind, def, range, help) \
  {#name, ParamKind::kind, range, choice_names<type>(), help, &get<&TrainParams::name>, &put<&TrainParams::name>},
constexpr ParamInfo kParams[] = {LEADSCORE_TRAIN_PARAMS(LEADSCORE_PARAM_INFO)};
#undef LEADSCORE_PARAM_INFO
constexpr size_t kNumParams = sizeof kParams / sizeof kParams[0];

// The shortest decimal text that reads back as exactly v.
std::string number_text(double v) {
  char buf[32];
  if (v == std::floor(v) && std::fabs(v) < 9.0e15) {
    std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(v));
    return buf;
  }
  for (int digits = 15; digits <= 17; ++digits) {
    std::snprintf(buf, sizeof buf, "%.*g", digits, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

// The whole of s as a finite number.
bool parse_number(const std::string& s, double* out) {
  const char* begin = s.c_str();
  char* end = nullptr;
  errno = 0;
  double d = std::strtod(begin, &end);
  if (end == begin || *end != '\0' || errno == ERANGE || !std::isfinite(d)) return false;
  *out = d;
  return true;
}

size_t n_choices(const ParamInfo& p) {
  size_t n = 0;
  while (p.choices[n]) ++n;
  return n;
}

bool in_range(const ParamRange& r, double v) {
  return v >= r.lo && (r.hi_open ? v < r.hi : v <= r.hi);
}

// Whether v is an allowed value of p.
bool valid(const ParamInfo& p, double v) {
  if (!std::isfinite(v)) return false;
  switch (p.kind) {
    case ParamKind::Int: return v == std::floor(v) && in_range(p.range, v);
    case ParamKind::Real: return in_range(p.range, v);
    case ParamKind::Bool: return v == 0 || v == 1;
    case ParamKind::Choice: return v >= 0 && v == std::floor(v) && v < static_cast<double>(n_choices(p));
    case ParamKind::Features: return v >= 0 && (v < 1 || v == std::floor(v));
  }
  return false;
}

// The value text names, or NaN when it names none.
double parse(const ParamInfo& p, const std::string& text) {
  double v = NAN;
  switch (p.kind) {
    case ParamKind::Int:
    case ParamKind::Real:
      if (!parse_number(text, &v)) v = NAN;
      break;
    case ParamKind::Bool:
      if (text == "true" || text == "1" || text == "on" || text == "yes") v = 1;
      else if (text == "false" || text == "0" || text == "off" || text == "no") v = 0;
      break;
    case ParamKind::Choice:
      for (size_t i = 0; p.choices[i]; ++i)
        if (text == p.choices[i]) v = static_cast<double>(i);
      break;
    case ParamKind::Features:
      if (text == "sqrt") v = 0;
      else if (text == "all") v = 1;
      else if (!parse_number(text, &v)) v = NAN;
      break;
  }
  return v;
}

[[noreturn]] void refuse(const ParamInfo& p, const std::string& got) {
  throw InvalidInput(std::string("parameter \"") + p.name + "\" must be " + allowed_values(p) + ", got \"" + got +
                     "\"");
}

}  // namespace

ParamTable param_table() { return {kParams, kNumParams}; }

const ParamInfo* find_param(const std::string& name) {
  for (const ParamInfo& p : kParams)
    if (name == p.name) return &p;
  return nullptr;
}

std::string allowed_values(const ParamInfo& p) {
  switch (p.kind) {
    case ParamKind::Int:
      return "an integer in [" + number_text(p.range.lo) + ", " + number_text(p.range.hi) + "]";
    case ParamKind::Real:
      return "a number in [" + number_text(p.range.lo) + ", " + number_text(p.range.hi) + (p.range.hi_open ? ")" : "]");
    case ParamKind::Bool: return "true or false";
    case ParamKind::Choice: {
      std::string s = "one of ";
      for (size_t i = 0; p.choices[i]; ++i) s += (i ? ", " : "") + std::string(p.choices[i]);
      return s;
    }
    case ParamKind::Features: return "\"sqrt\", \"all\", a fraction in (0, 1) or a whole count";
  }
  return "?";
}

std::string value_text(const ParamInfo& p, double v) {
  switch (p.kind) {
    case ParamKind::Bool: return v != 0 ? "true" : "false";
    case ParamKind::Choice:
      if (valid(p, v)) return p.choices[static_cast<size_t>(v)];
      break;
    case ParamKind::Features:
      if (v == 0) return "sqrt";
      break;
    default: break;
  }
  return number_text(v);
}

const char* to_string(Calibration c) {
  size_t i = static_cast<size_t>(c);
  return i < 4 ? kCalibrationNames[i] : "?";
}

const char* to_string(ClassWeight w) { return w == ClassWeight::Balanced ? "balanced" : "none"; }

std::vector<std::string> TrainParams::keys() {
  std::vector<std::string> names;
  for (const ParamInfo& p : kParams) names.push_back(p.name);
  return names;
}

void TrainParams::set(const std::string& key, const std::string& text) {
  const ParamInfo* p = find_param(key);
  if (!p) {
    std::string allowed;
    for (const ParamInfo& q : kParams) allowed += (allowed.empty() ? "" : ", ") + std::string(q.name);
    throw InvalidInput("unknown parameter \"" + key + "\"; allowed: " + allowed);
  }
  double v = parse(*p, text);
  if (!valid(*p, v)) refuse(*p, text);
  p->put(*this, v);
}

void TrainParams::validate() const {
  for (const ParamInfo& p : kParams) {
    double v = p.get(*this);
    if (!valid(p, v)) refuse(p, value_text(p, v));
  }
}

TrainParams TrainParams::from_kv(const std::vector<std::pair<std::string, std::string>>& kv) {
  TrainParams p;
  for (const auto& [k, v] : kv) p.set(k, v);
  p.validate();
  return p;
}

std::vector<std::pair<std::string, std::string>> TrainParams::to_kv() const {
  std::vector<std::pair<std::string, std::string>> kv;
  for (const ParamInfo& p : kParams) kv.emplace_back(p.name, value_text(p, p.get(*this)));
  return kv;
}

std::string TrainParams::to_json() const {
  JsonWriter w;
  w.begin_object();
  for (const ParamInfo& p : kParams) {
    const double v = p.get(*this);
    w.key(p.name);
    switch (p.kind) {
      case ParamKind::Int:
        if (std::fabs(v) < 9.0e18) w.value(static_cast<long long>(v));
        else w.value(v);  // only an unvalidated struct gets here
        break;
      case ParamKind::Real: w.value(v); break;
      case ParamKind::Bool: w.value(v != 0); break;
      case ParamKind::Choice: w.value(value_text(p, v)); break;
      case ParamKind::Features:
        if (v == 0) w.value("sqrt");
        else w.value(v);
        break;
    }
  }
  w.end_object();
  return w.str();
}

}  // namespace leadscore
