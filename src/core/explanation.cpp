// Ranking and writing explanations; see explanation.hpp.
#include "core/explanation.hpp"

#include <algorithm>
#include <cmath>

#include "core/errors.hpp"
#include "core/json.hpp"

namespace leadscore {

void rank_contributions(Explanation& e, int top_n) {
  if (top_n < 0) throw InvalidInput("top_n must not be negative");
  std::stable_sort(e.contributions.begin(), e.contributions.end(),
                   [](const auto& a, const auto& b) { return std::fabs(a.value) > std::fabs(b.value); });
  e.top_up.clear();
  e.top_down.clear();
  for (const auto& c : e.contributions) {
    if (c.value > 0 && e.top_up.size() < static_cast<size_t>(top_n)) e.top_up.push_back(c);
    if (c.value < 0 && e.top_down.size() < static_cast<size_t>(top_n)) e.top_down.push_back(c);
  }
}

std::string Explanation::to_json() const {
  JsonWriter w;
  auto list = [&](const char* key, const std::vector<Contribution>& v) {
    w.key(key).begin_array();
    for (const auto& c : v) {
      w.begin_object();
      w.key("feature").value(c.feature);
      w.key("contribution").value(c.value);
      w.end_object();
    }
    w.end_array();
  };
  w.begin_object();
  w.key("base_value").value(base_value);
  w.key("raw_prob").value(raw_prob);
  w.key("win_prob").value(win_prob);
  list("top_up", top_up);
  list("top_down", top_down);
  w.end_object();
  return w.str();
}

}  // namespace leadscore
