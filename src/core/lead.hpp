// A lead as the application stores it, before any feature engineering.
// The core never sees a database row: the glue fills these plain values.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace leadscore {

// One value of the free-form attribute map: null, number, string or boolean.
using AttrValue = std::variant<std::monostate, double, std::string, bool>;

// Attribute map ordered by key; ordering lets encoding merge it with the spec.
using Attributes = std::map<std::string, AttrValue, std::less<>>;

struct Lead {
  int64_t id = 0;                       // stable identity; drives holdout and row order
  std::optional<double> permit_value;   // negative or NaN counts as missing
  std::vector<std::string> trade_tags;  // multi-hot over the training vocabulary
  std::optional<double> created_at;     // seconds since the Unix epoch (UTC)
  std::string address;                  // free text; a ZIP or city token is parsed out
  Attributes attributes;                // every key becomes a feature if seen in training
};

}  // namespace leadscore
