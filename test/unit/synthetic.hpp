// Small synthetic lead sets shared by the unit tests.
#pragma once

#include <cmath>
#include <string>
#include <vector>

#include "core/hash.hpp"
#include "core/lead.hpp"

namespace leadscore::synth {

// Leads whose win chance rises with "score" and depends on "region"; some
// values are missing on purpose. Labels are drawn with a fixed generator.
inline void make_leads(size_t n, uint64_t seed, std::vector<Lead>* leads, std::vector<uint8_t>* labels) {
  Rng rng(seed);
  const char* regions[] = {"north", "south", "east", "west"};
  leads->clear();
  labels->clear();
  for (size_t i = 0; i < n; ++i) {
    Lead l;
    l.id = static_cast<int64_t>(i) * 7 + 3;
    double score = static_cast<double>(rng.below(1000)) / 10.0;
    int region = static_cast<int>(rng.below(4));
    if (rng.below(10) != 0) l.attributes["score"] = score;
    if (rng.below(10) != 0) l.attributes["region"] = std::string(regions[region]);
    l.attributes["noise"] = static_cast<double>(rng.below(100));
    l.attributes["vip"] = rng.below(5) == 0;
    if (rng.below(3) == 0) l.permit_value = 1000.0 * rng.below(500);
    if (rng.below(2) == 0) l.trade_tags.push_back("roofing");
    if (rng.below(3) == 0) l.trade_tags.push_back("plumbing");
    l.created_at = 1.6e9 + 86400.0 * rng.below(700);
    l.address = std::string("12 Main St, ") + (rng.below(2) ? "Springfield" : "Shelbyville") + ", IL";
    double logit = (score - 50.0) / 12.0 + (region == 1 ? 1.0 : 0.0) - (region == 3 ? 1.0 : 0.0);
    double p = 1.0 / (1.0 + std::exp(-logit));
    labels->push_back(static_cast<double>(rng.below(1000000)) / 1e6 < p);
    leads->push_back(std::move(l));
  }
}

}  // namespace leadscore::synth
