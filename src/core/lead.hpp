// A lead as the application stores it, before any feature engineering.
// The core never sees a database row: the glue fills these plain values.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace leadscore {

// One value of the free-form attribute map: null, number, string or boolean.
using AttrValue = std::variant<std::monostate, double, std::string, bool>;

// The attribute map: unique keys in byte order, stored as one sorted vector.
// Encoding merges it with the spec's sorted keys for every scored lead; over a
// contiguous array that merge is a linear scan, where a node-based map spent
// most of the encoding time chasing pointers. Leads have tens of keys, so an
// insertion in the middle (a shift) costs less than a tree node would.
class Attributes {
 public:
  using value_type = std::pair<std::string, AttrValue>;
  using iterator = std::vector<value_type>::iterator;
  using const_iterator = std::vector<value_type>::const_iterator;

  iterator begin() { return items_.begin(); }
  iterator end() { return items_.end(); }
  const_iterator begin() const { return items_.begin(); }
  const_iterator end() const { return items_.end(); }
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  void clear() { items_.clear(); }
  void reserve(size_t n) { items_.reserve(n); }

  iterator find(std::string_view key) {
    auto it = lower_bound(key);
    return it != items_.end() && it->first == key ? it : items_.end();
  }
  const_iterator find(std::string_view key) const {
    return const_cast<Attributes*>(this)->find(key);
  }

  // Like std::map::emplace: inserts unless the key is present; appending in
  // key order (as loaders do) never shifts.
  template <class V>
  std::pair<iterator, bool> emplace(std::string_view key, V&& value) {
    auto it = items_.empty() || items_.back().first < key ? items_.end() : lower_bound(key);
    if (it != items_.end() && it->first == key) return {it, false};
    return {items_.emplace(it, std::string(key), AttrValue(std::forward<V>(value))), true};
  }

  AttrValue& operator[](std::string_view key) { return emplace(key, std::monostate{}).first->second; }

  // Bulk loading for keys that arrive in another order (jsonb orders an
  // object's keys by length first): append() every pair, then normalize()
  // once. emplace() in that order would shift the vector at each insertion,
  // quadratic in the number of keys; this is O(n log n), and O(n) when the
  // keys already arrive sorted. Until normalize(), find() and encoding are
  // undefined.
  template <class V>
  void append(std::string_view key, V&& value) {
    items_.emplace_back(std::string(key), AttrValue(std::forward<V>(value)));
  }

  // Restores key order after append(); of equal keys the first appended
  // stays, as with emplace().
  void normalize() {
    auto less = [](const value_type& a, const value_type& b) { return a.first < b.first; };
    auto same = [](const value_type& a, const value_type& b) { return a.first == b.first; };
    auto not_less = [](const value_type& a, const value_type& b) { return !(a.first < b.first); };
    if (std::adjacent_find(items_.begin(), items_.end(), not_less) == items_.end()) return;  // already strictly sorted
    std::stable_sort(items_.begin(), items_.end(), less);
    items_.erase(std::unique(items_.begin(), items_.end(), same), items_.end());
  }

 private:
  iterator lower_bound(std::string_view key) {
    return std::lower_bound(items_.begin(), items_.end(), key,
                            [](const value_type& item, std::string_view k) { return item.first < k; });
  }
  std::vector<value_type> items_;
};

struct Lead {
  int64_t id = 0;                       // stable identity; drives holdout and row order
  std::optional<double> permit_value;   // negative or NaN counts as missing
  std::vector<std::string> trade_tags;  // multi-hot over the training vocabulary
  std::optional<double> created_at;     // seconds since the Unix epoch (UTC)
  std::string address;                  // free text; a ZIP or city token is parsed out
  Attributes attributes;                // every key becomes a feature if seen in training
};

}  // namespace leadscore
