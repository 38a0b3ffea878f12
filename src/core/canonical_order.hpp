// The canonical order of training leads: by a seeded hash of their id (ties,
// which a 64-bit hash makes rare, by id), so neither storage order nor thread
// count can change a model. Sorting millions of leads takes most of a
// second, so it runs in pieces between polls of should_stop (sort_in_pieces.hpp).
#pragma once

#include <cstdint>
#include <vector>

#include "core/cancel.hpp"

namespace leadscore {

// Indices into ids in canonical order for seed. Throws InvalidInput on a
// repeated id and Cancelled when should_stop says so.
std::vector<uint32_t> canonical_order(const std::vector<int64_t>& ids, uint64_t seed,
                                      const ShouldStop& should_stop = ShouldStop());

}  // namespace leadscore
