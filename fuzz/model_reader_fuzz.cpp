// libFuzzer target for the model blob reader and the scoring walks behind it.
// Any input must either be rejected with CorruptModel or give a model that
// scores and explains leads without touching memory it does not own (the
// target is built with AddressSanitizer, see bench/run_fuzz.sh). Half the
// time the trailing checksum is recomputed first, so mutations reach the
// section parsers instead of stopping at the checksum.
//
// A fixed lead knows nothing of the fuzzed model's features, so it walks few
// of its paths. Each accepted model therefore also scores leads generated
// from its own feature spec (values at and around every bin edge, known and
// unknown levels, missing values), through every walk: one lead at a time
// (trees in groups of eight and two), a batch (tree by tree), and the
// node-by-node walk of explain(). The walks must agree, or the model is
// inconsistent in a way validation should have refused.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/hash.hpp"
#include "core/model_format.hpp"

using namespace leadscore;

namespace {

constexpr double kNow = 1.7e9;
constexpr int kGeneratedLeads = 12;

// A number at, just below or just above a random bin edge, or at the ends of
// the training range, or NaN (missing).
double value_near_edges(const FeatureDef& d, Rng& rng) {
  switch (rng.below(5)) {
    case 0: return std::nan("");
    case 1: return rng.below(2) ? d.lo : d.hi;
    default: break;
  }
  if (d.edges.empty()) return d.lo;
  const double e = d.edges[rng.below(static_cast<uint32_t>(d.edges.size()))];
  const double step = std::fabs(e) * 1e-12 + 1e-12;
  switch (rng.below(3)) {
    case 0: return e - step;
    case 1: return e + step;
    default: return e;
  }
}

// An address whose token is the given level ("zip:..", "fsa:..", "city:..").
std::string address_for(const std::string& level) {
  if (level.rfind("zip:", 0) == 0) return "1 Main St, Springfield, IL " + level.substr(4);
  if (level.rfind("fsa:", 0) == 0) return "400 Brant St, Burlington ON " + level.substr(4) + " 2G5";
  if (level.rfind("city:", 0) == 0) return "9 Oak Ave, " + level.substr(5) + ", VT";
  return level;
}

// A lead whose fields exercise the model's own features.
Lead generated_lead(const FeatureSpec& spec, Rng& rng, int64_t id) {
  Lead l;
  l.id = id;
  for (const FeatureDef& d : spec.defs()) {
    const bool missing = rng.below(6) == 0;
    switch (d.source) {
      case FeatureSource::PermitValue: {
        const double v = value_near_edges(d, rng);
        if (!missing && std::isfinite(v)) l.permit_value = std::expm1(v);
        break;
      }
      case FeatureSource::TradeTag:
        if (rng.below(2)) l.trade_tags.push_back(d.key);
        break;
      case FeatureSource::CreatedMonth:
      case FeatureSource::CreatedWeekday:
      case FeatureSource::CreatedAgeDays:
        if (!missing) l.created_at = kNow - 86400.0 * rng.below(800) - rng.below(86400);
        break;
      case FeatureSource::Address:
        if (!missing)
          l.address = d.levels.empty() || rng.below(4) == 0
                          ? std::string("nowhere")
                          : address_for(d.levels[rng.below(static_cast<uint32_t>(d.levels.size()))]);
        break;
      case FeatureSource::Attribute:
        if (missing) break;
        if (d.kind == FeatureKind::Numeric) {
          const double v = value_near_edges(d, rng);
          if (rng.below(4) == 0) l.attributes[d.key] = std::to_string(v);  // numeric text
          else l.attributes[d.key] = v;
        } else if (!d.levels.empty() && rng.below(4) != 0) {
          l.attributes[d.key] = d.levels[rng.below(static_cast<uint32_t>(d.levels.size()))];
        } else {
          l.attributes[d.key] = rng.below(2) ? AttrValue(std::string("unseen level")) : AttrValue(7.0);
        }
        break;
    }
  }
  return l;
}

bool same(double a, double b) { return std::fabs(a - b) <= 1e-9; }

// Score and explain a fixed lead and leads generated from the model's spec
// with a model that the reader accepted, through every walk.
void exercise(const Model& m, uint64_t seed) {
  std::vector<Lead> leads(1);
  Lead& fixed = leads[0];
  fixed.id = 1;
  fixed.permit_value = 25000;
  fixed.trade_tags = {"roofing"};
  fixed.created_at = 1.6e9;
  fixed.address = "1 Main St, Springfield, IL 62701";
  fixed.attributes["score"] = 50.0;
  fixed.attributes["region"] = std::string("south");
  Rng rng(seed);
  for (int i = 0; i < kGeneratedLeads; ++i) leads.push_back(generated_lead(m.spec(), rng, i + 2));

  const std::vector<Score> batch = m.score_batch(leads, kNow);
  for (size_t i = 0; i < leads.size(); ++i) {
    const Score s = m.score(leads[i], kNow);
    if (!(s.win_prob >= 0.0 && s.win_prob <= 1.0)) __builtin_trap();
    if (!(s.confidence_value >= 0.0 && s.confidence_value <= 1.0)) __builtin_trap();
    if (!same(s.raw_prob, batch[i].raw_prob) || !same(s.win_prob, batch[i].win_prob)) __builtin_trap();
    const Explanation e = m.explain(leads[i], kNow, 3);
    if (!same(e.raw_prob, s.raw_prob)) __builtin_trap();
  }
  (void)m.metrics().to_json();
  (void)m.spec().to_json();
  (void)m.params().to_json();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string blob(reinterpret_cast<const char*>(data), size);
  if (size > 24 && (data[size - 1] & 1)) {
    uint32_t c = crc32(reinterpret_cast<const uint8_t*>(blob.data()), blob.size() - 4);
    for (int i = 0; i < 4; ++i) blob[blob.size() - 4 + i] = static_cast<char>((c >> (8 * i)) & 0xff);
  }
  try {
    exercise(deserialize(blob), crc32(data, size));
  } catch (const CorruptModel&) {
  } catch (const InvalidInput&) {
  }
  return 0;
}
