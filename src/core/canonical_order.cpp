// See canonical_order.hpp.
#include "core/canonical_order.hpp"

#include <algorithm>
#include <string>

#include "core/errors.hpp"
#include "core/hash.hpp"
#include "core/sort_in_pieces.hpp"

namespace leadscore {
namespace {

// Sorted as one contiguous array, not through index indirection: a key holds
// what the comparison needs.
struct Key {
  uint64_t hash;
  int64_t id;
  uint32_t index;
};

bool before(const Key& a, const Key& b) { return a.hash != b.hash ? a.hash < b.hash : a.id < b.id; }

}  // namespace

std::vector<uint32_t> canonical_order(const std::vector<int64_t>& ids, uint64_t seed, const ShouldStop& should_stop) {
  const size_t n = ids.size();
  std::vector<Key> keys(n);
  for (size_t i = 0; i < n; ++i) {
    keys[i] = {id_hash(ids[i], seed), ids[i], static_cast<uint32_t>(i)};
    check_stop_every(should_stop, i);
  }
  sort_in_pieces(keys, before, should_stop);
  std::vector<uint32_t> order(n);
  for (size_t i = 0; i < n; ++i) {
    if (i > 0 && keys[i].id == keys[i - 1].id) throw InvalidInput("duplicate lead id " + std::to_string(keys[i].id));
    order[i] = keys[i].index;
  }
  return order;
}

}  // namespace leadscore
