// libFuzzer target for the model blob reader. Any input must either be
// rejected with CorruptModel or give a model that scores and explains a lead
// without touching memory it does not own. Half the time the trailing
// checksum is recomputed first, so mutations reach the section parsers
// instead of stopping at the checksum. Build with bench/run_fuzz.sh.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/model_format.hpp"

using namespace leadscore;

namespace {

// Score and explain a fixed lead with a model that the reader accepted.
void exercise(const Model& m) {
  Lead lead;
  lead.id = 1;
  lead.permit_value = 25000;
  lead.trade_tags = {"roofing"};
  lead.created_at = 1.6e9;
  lead.address = "1 Main St, Springfield, IL 62701";
  lead.attributes["score"] = 50.0;
  lead.attributes["region"] = std::string("south");
  Score s = m.score(lead, 1.7e9);
  if (!(s.win_prob >= 0.0 && s.win_prob <= 1.0)) __builtin_trap();
  m.explain(lead, 1.7e9, 3);
  (void)m.metrics().to_json();
  (void)m.spec().to_json();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string blob(reinterpret_cast<const char*>(data), size);
  if (size > 24 && (data[size - 1] & 1)) {
    uint32_t c = crc32(reinterpret_cast<const uint8_t*>(blob.data()), blob.size() - 4);
    for (int i = 0; i < 4; ++i) blob[blob.size() - 4 + i] = static_cast<char>((c >> (8 * i)) & 0xff);
  }
  try {
    exercise(deserialize(blob));
  } catch (const CorruptModel&) {
  } catch (const InvalidInput&) {
  }
  return 0;
}
