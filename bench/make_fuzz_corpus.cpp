// Writes a few small, valid model blobs as the fuzzer's seed corpus:
//   make_fuzz_corpus DIR
// Files are named after the format version, so blobs of older formats stay
// in the corpus beside them (the unit tests load those too).
#include <cmath>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "core/hash.hpp"
#include "core/model_format.hpp"

using namespace leadscore;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  Rng rng(3);
  std::vector<Lead> leads;
  std::vector<uint8_t> y;
  for (int i = 0; i < 300; ++i) {
    Lead l;
    l.id = i;
    double s = rng.below(100);
    l.attributes["score"] = s;
    l.attributes["region"] = std::string(rng.below(2) ? "north" : "south");
    if (i % 3 == 0) l.permit_value = 1000.0 * rng.below(100);
    if (i % 4 == 0) l.trade_tags = {"roofing"};
    l.created_at = 1.6e9 + 86400.0 * rng.below(300);
    leads.push_back(l);
    y.push_back(rng.below(100) < s);
  }
  const char* names[] = {"isotonic.bin", "platt.bin", "tiny.bin"};
  for (int k = 0; k < 3; ++k) {
    TrainParams p;
    p.n_trees = k == 2 ? 1 : 3;
    p.max_depth = k == 2 ? 2 : 4;
    p.min_samples_leaf = 10;
    p.min_category_count = 1;
    p.calibration = k == 1 ? Calibration::Platt : Calibration::Isotonic;
    std::string blob = serialize(train(leads, y, p, 1.7e9));
    std::ofstream(std::string(argv[1]) + "/format" + std::to_string(kFormatVersion) + "-" + names[k],
                  std::ios::binary) << blob;
  }
  // A funnel model: stages, a pending quote and deal values beside the label.
  std::vector<Outcome> outcomes;
  for (size_t i = 0; i < leads.size(); ++i) {
    Outcome o;
    o.stage = y[i] ? kStageWon : static_cast<uint8_t>(rng.below(3));
    o.win_known = !(o.stage == kStageQuoted && i % 5 == 0);
    if (o.stage >= kStageQuoted) o.deal_value = 5000.0 + 100.0 * rng.below(200);
    outcomes.push_back(o);
  }
  TrainParams p;
  p.n_trees = 3;
  p.max_depth = 4;
  p.min_samples_leaf = 10;
  p.min_category_count = 1;
  p.min_banded_leads = 20;
  p.value_trees = 2;
  std::ofstream(std::string(argv[1]) + "/format" + std::to_string(kFormatVersion) + "-funnel.bin", std::ios::binary)
      << serialize(train(leads, outcomes, p, 1.7e9));
  return 0;
}
