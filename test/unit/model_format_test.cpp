// Model blob: exact round trip, and every kind of damage is refused cleanly.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/model_format.hpp"
#include "synthetic.hpp"

using namespace leadscore;

namespace {

// A small trained model and its blob, built once for the whole file.
const Model& small_model() {
  static const Model* m = [] {
    std::vector<Lead> leads;
    std::vector<uint8_t> y;
    synth::make_leads(800, 9, &leads, &y);
    TrainParams p;
    p.n_trees = 4;
    return new Model(train(leads, y, p, 1.7e9));
  }();
  return *m;
}

// Offsets of the sections' tags inside a blob.
std::vector<size_t> section_offsets(const std::string& b) {
  std::vector<size_t> out;
  size_t pos = 20;
  while (pos + 12 <= b.size() - 4) {
    out.push_back(pos);
    uint64_t len = 0;
    for (int i = 0; i < 8; ++i) len |= static_cast<uint64_t>(static_cast<uint8_t>(b[pos + 4 + i])) << (8 * i);
    pos += 12 + len;
  }
  return out;
}

// Recompute the trailing checksum so damage reaches the section parsers.
std::string reseal(std::string b) {
  uint32_t c = crc32(reinterpret_cast<const uint8_t*>(b.data()), b.size() - 4);
  for (int i = 0; i < 4; ++i) b[b.size() - 4 + i] = static_cast<char>((c >> (8 * i)) & 0xff);
  return b;
}

// A blob of the fuzz corpus, which keeps blobs of every earlier format.
std::string corpus_blob(const std::string& name) {
  std::ifstream in(std::string(LEADSCORE_FUZZ_CORPUS_DIR) + "/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void put_u32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// The blob with its parameter section replaced by these (name, value) pairs,
// laid out as model_format.hpp documents, lengths and checksum fixed.
std::string with_params(const std::string& b, const std::vector<std::pair<std::string, std::string>>& kv) {
  std::string parm;
  put_u32(parm, static_cast<uint32_t>(kv.size()));
  for (const auto& [k, v] : kv) {
    put_u32(parm, static_cast<uint32_t>(k.size()));
    parm += k;
    put_u32(parm, static_cast<uint32_t>(v.size()));
    parm += v;
  }
  const size_t parm_at = section_offsets(b)[0], spec_at = section_offsets(b)[1];
  std::string c = b.substr(0, parm_at + 4);
  for (int i = 0; i < 8; ++i) c.push_back(static_cast<char>((uint64_t{parm.size()} >> (8 * i)) & 0xff));
  c += parm;
  c += b.substr(spec_at);
  const uint64_t body = c.size() - 24;
  for (int i = 0; i < 8; ++i) c[12 + i] = static_cast<char>((body >> (8 * i)) & 0xff);
  return reseal(c);
}

// Same forest, map and confidence on a few leads.
void expect_same_scores(const Model& a, const Model& b) {
  std::vector<Lead> leads;
  std::vector<uint8_t> y;
  synth::make_leads(50, 7, &leads, &y);
  for (const Lead& l : leads) {
    Score x = a.score(l, 1.7e9), z = b.score(l, 1.7e9);
    EXPECT_EQ(x.win_prob, z.win_prob);
    EXPECT_EQ(x.confidence_value, z.confidence_value);
  }
}

}  // namespace

TEST(ModelFormat, RoundTripScoresIdentically) {
  const Model& m = small_model();
  std::string blob = serialize(m);
  Model back = deserialize(blob);
  EXPECT_EQ(serialize(back), blob);
  std::vector<Lead> leads;
  std::vector<uint8_t> y;
  synth::make_leads(200, 99, &leads, &y);
  for (const Lead& l : leads) {
    Score a = m.score(l, 1.7e9), b = back.score(l, 1.7e9);
    EXPECT_EQ(a.win_prob, b.win_prob);
    EXPECT_EQ(a.confidence_value, b.confidence_value);
  }
  EXPECT_EQ(back.metrics().to_json(), m.metrics().to_json());
  EXPECT_EQ(back.spec().to_json(), m.spec().to_json());
  EXPECT_EQ(back.params().to_json(), m.params().to_json());
}

TEST(ModelFormat, HeaderIsMagicVersionLittleEndian) {
  std::string b = serialize(small_model());
  EXPECT_EQ(b.substr(0, 4), "LSCM");
  EXPECT_EQ(static_cast<uint8_t>(b[4]), kFormatVersion);
  EXPECT_EQ(b[5], 0);
  EXPECT_EQ(b[8], 1);
  EXPECT_EQ(section_offsets(b).size(), 8u);
}

TEST(ModelFormat, TruncationAnywhereIsRejected) {
  std::string b = serialize(small_model());
  std::vector<size_t> cuts = {0, 3, 4, 19, 20, 24, b.size() - 5, b.size() - 1};
  for (size_t off : section_offsets(b)) {
    cuts.push_back(off);
    cuts.push_back(off + 5);
    cuts.push_back(off + 13);
  }
  for (size_t n : cuts) EXPECT_THROW(deserialize(std::string_view(b.data(), n)), CorruptModel) << n;
}

TEST(ModelFormat, TruncatedSectionsWithValidChecksumAreRejected) {
  // Cut each section short and fix the lengths and checksum, so only the
  // section parser can notice.
  std::string b = serialize(small_model());
  auto offs = section_offsets(b);
  for (size_t s = 0; s < offs.size(); ++s) {
    size_t off = offs[s];
    uint64_t len = 0;
    for (int i = 0; i < 8; ++i) len |= static_cast<uint64_t>(static_cast<uint8_t>(b[off + 4 + i])) << (8 * i);
    if (len < 2) continue;
    std::string c = b;
    c.erase(off + 12 + len / 2, len - len / 2);
    uint64_t nl = len / 2;
    for (int i = 0; i < 8; ++i) c[off + 4 + i] = static_cast<char>((nl >> (8 * i)) & 0xff);
    uint64_t body = c.size() - 24;
    for (int i = 0; i < 8; ++i) c[12 + i] = static_cast<char>((body >> (8 * i)) & 0xff);
    EXPECT_THROW(deserialize(reseal(c)), CorruptModel) << "section " << s;
  }
}

TEST(ModelFormat, FlippedBytesAreRejected) {
  std::string b = serialize(small_model());
  for (size_t i = 0; i < b.size(); i += std::max<size_t>(1, b.size() / 300)) {
    std::string c = b;
    c[i] = static_cast<char>(c[i] ^ 0x5a);
    EXPECT_THROW(deserialize(c), CorruptModel) << i;
  }
}

TEST(ModelFormat, DamagedContentBehindAValidChecksumNeverCrashes) {
  std::string b = serialize(small_model());
  Lead probe;
  probe.attributes["score"] = 50.0;
  int accepted = 0;
  for (size_t i = 20; i + 4 < b.size(); i += 7) {
    std::string c = b;
    c[i] = static_cast<char>(c[i] ^ 0xff);
    try {
      Model m = deserialize(reseal(c));
      Score s = m.score(probe, 1.7e9);  // must stay in bounds and finite
      EXPECT_GE(s.win_prob, 0.0);
      EXPECT_LE(s.win_prob, 1.0);
      ++accepted;
    } catch (const CorruptModel&) {
    }
  }
  SUCCEED() << accepted << " damaged blobs were still well-formed";
}

TEST(ModelFormat, WrongMagicAndFutureVersion) {
  std::string b = serialize(small_model());
  std::string c = b;
  c[0] = 'X';
  try {
    deserialize(c);
    FAIL();
  } catch (const CorruptModel& e) {
    EXPECT_NE(std::string(e.what()).find("magic"), std::string::npos) << e.what();
  }
  c = b;
  c[4] = static_cast<char>(kFormatVersion + 1);
  try {
    deserialize(reseal(c));
    FAIL();
  } catch (const CorruptModel& e) {
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
  }
  EXPECT_THROW(deserialize(std::string_view()), CorruptModel);
}

TEST(ModelFormat, NewParametersRoundTrip) {
  std::vector<Lead> leads;
  std::vector<uint8_t> y;
  synth::make_leads(400, 12, &leads, &y);
  TrainParams p;
  p.n_trees = 2;
  p.min_attribute_share = 0.05;
  p.max_attribute_features = 17;
  const Model back = deserialize(serialize(train(leads, y, p, 1.7e9)));
  EXPECT_EQ(back.params().min_attribute_share, 0.05);
  EXPECT_EQ(back.params().max_attribute_features, 17);
}

TEST(ModelFormat, OlderFormatsStillLoadAndScore) {
  // Blobs written by earlier releases (the fuzzer's seed corpus keeps them).
  const std::string dir = LEADSCORE_FUZZ_CORPUS_DIR;
  for (const auto& [file, version] : {std::make_pair("format1-isotonic.bin", 1), std::make_pair("format2-isotonic.bin", 2)}) {
    std::ifstream in(dir + "/" + file, std::ios::binary);
    ASSERT_TRUE(in) << file;
    std::stringstream ss;
    ss << in.rdbuf();
    const std::string blob = ss.str();
    ASSERT_EQ(static_cast<uint8_t>(blob[4]), version) << file;
    const Model m = deserialize(blob);
    // Trained before attribute keys were bounded: every key made a feature.
    EXPECT_EQ(m.params().min_attribute_share, 0.0) << file;
    EXPECT_EQ(m.params().max_attribute_features, 65535) << file;
    EXPECT_EQ(m.params().shrinkage, 0.0) << file << ": trained before shrinkage, its forest got none";
    Lead l;
    l.attributes["score"] = 80.0;
    l.attributes["region"] = std::string("south");
    const Score s = m.score(l, 1.7e9);
    EXPECT_GT(s.win_prob, 0.0) << file;
    EXPECT_LT(s.win_prob, 1.0) << file;
    // Written again, it is a current blob that reads back the same.
    const std::string again = serialize(m);
    EXPECT_EQ(static_cast<uint8_t>(again[4]), kFormatVersion);
    EXPECT_EQ(deserialize(again).score(l, 1.7e9).win_prob, s.win_prob) << file;
    EXPECT_EQ(deserialize(again).params().to_json(), m.params().to_json()) << file;
  }
}

TEST(ModelFormat, Crc32KnownValue) {
  const char* s = "123456789";
  EXPECT_EQ(crc32(reinterpret_cast<const uint8_t*>(s), 9), 0xCBF43926u);
}

TEST(ModelFormat, ParametersAreStoredByName) {
  TrainParams p = small_model().params();
  std::string b = serialize(small_model());
  // The parameter section of the blob is exactly to_kv() in the documented layout.
  EXPECT_EQ(with_params(b, p.to_kv()), b);
  EXPECT_EQ(p.to_kv().size(), TrainParams::keys().size());
}

TEST(ModelFormat, UnknownParameterNamesAreSkipped) {
  // A later library may store a parameter this one does not declare; the
  // model loads with the parameters it does know, and scores the same.
  const Model& m = small_model();
  auto kv = m.params().to_kv();
  kv.insert(kv.begin() + 2, {"a_later_parameter", "0.75"});
  kv.push_back({"another_one", "anything at all"});
  Model back = deserialize(with_params(serialize(m), kv));
  EXPECT_EQ(back.params().to_json(), m.params().to_json());
  expect_same_scores(m, back);
  EXPECT_EQ(serialize(back), serialize(m));  // and they are not carried along
}

TEST(ModelFormat, MissingParametersTakeTheirDefaults) {
  // A parameter declared after a blob was written is absent from it.
  const Model& m = small_model();
  auto kv = m.params().to_kv();
  std::vector<std::pair<std::string, std::string>> without;
  for (const auto& e : kv)
    if (e.first != "n_trees" && e.first != "max_training_leads") without.push_back(e);
  Model back = deserialize(with_params(serialize(m), without));
  EXPECT_EQ(back.params().n_trees, TrainParams().n_trees);
  EXPECT_NE(m.params().n_trees, TrainParams().n_trees);
  EXPECT_EQ(back.params().max_training_leads, TrainParams().max_training_leads);
  expect_same_scores(m, back);
  // No parameters at all: every default, but the shrinkage the stored forest
  // got, which is none (the default would say "choose one").
  TrainParams defaults;
  defaults.shrinkage = 0;
  EXPECT_EQ(deserialize(with_params(serialize(m), {})).params().to_json(), defaults.to_json());
}

TEST(ModelFormat, RepeatedOrBadParametersAreCorrupt) {
  const Model& m = small_model();
  auto kv = m.params().to_kv();
  auto twice = kv;
  twice.push_back({"max_depth", "3"});
  try {
    deserialize(with_params(serialize(m), twice));
    FAIL();
  } catch (const CorruptModel& e) {
    EXPECT_NE(std::string(e.what()).find("repeats parameter \"max_depth\""), std::string::npos) << e.what();
  }
  for (auto [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"n_trees", "0"}, {"calibration", "magic"}, {"holdout_fraction", "0.95"}, {"seed", "-1"}, {"max_bins", ""}}) {
    auto bad = kv;
    for (auto& e : bad)
      if (e.first == key) e.second = value;
    try {
      deserialize(with_params(serialize(m), bad));
      ADD_FAILURE() << key << "=" << value << " accepted";
    } catch (const CorruptModel& e) {
      EXPECT_NE(std::string(e.what()).find("\"" + key + "\""), std::string::npos) << e.what();
    }
  }
}

TEST(ModelFormat, Format1BlobsLoadWithDefaultsForLaterParameters) {
  std::string b = corpus_blob("format1-tiny.bin");
  ASSERT_EQ(static_cast<uint8_t>(b.at(4)), 1);
  Model m = deserialize(b);
  // What bench/make_fuzz_corpus.cpp trained it with...
  EXPECT_EQ(m.params().n_trees, 1);
  EXPECT_EQ(m.params().max_depth, 2);
  EXPECT_EQ(m.params().min_samples_leaf, 10);
  EXPECT_EQ(m.params().min_category_count, 1);
  EXPECT_EQ(m.params().calibration, Calibration::Isotonic);
  // ... and format 2's max_training_leads, which format 1 lacks, at its default.
  EXPECT_EQ(m.params().max_training_leads, TrainParams().max_training_leads);
  Model again = deserialize(serialize(m));
  EXPECT_EQ(again.params().to_json(), m.params().to_json());
  expect_same_scores(m, again);
}

TEST(ModelFormat, Format2BlobsLoadTheirParameters) {
  // Written by the format-2 library with these parameters:
  // n_trees 3, max_depth 4, min_samples_leaf 10, min_category_count 1,
  // calibration platt, class_weight balanced, max_training_leads 250, seed 7,
  // holdout_fraction 0.25, refit_full false, max_features 0.5.
  std::string b = corpus_blob("format2-sampled.bin");
  ASSERT_EQ(static_cast<uint8_t>(b.at(4)), 2);
  Model m = deserialize(b);
  const TrainParams& p = m.params();
  EXPECT_EQ(p.n_trees, 3);
  EXPECT_EQ(p.max_depth, 4);
  EXPECT_EQ(p.min_samples_leaf, 10);
  EXPECT_EQ(p.min_category_count, 1);
  EXPECT_EQ(p.calibration, Calibration::Platt);
  EXPECT_EQ(p.class_weight, ClassWeight::Balanced);
  EXPECT_EQ(p.max_training_leads, 250);
  EXPECT_EQ(p.seed, 7u);
  EXPECT_EQ(p.holdout_fraction, 0.25);
  EXPECT_FALSE(p.refit_full);
  EXPECT_EQ(p.max_features, 0.5);
  EXPECT_EQ(p.threads, 1);
  EXPECT_FALSE(std::isnan(m.metrics().auc_raw));  // format 2 stores it
  Model again = deserialize(serialize(m));
  EXPECT_EQ(again.params().to_json(), p.to_json());
  expect_same_scores(m, again);
}

TEST(ModelFormat, Format3BlobsLoadWithoutAPercentile) {
  std::string b = corpus_blob("format3-tiny.bin");
  ASSERT_EQ(static_cast<uint8_t>(b.at(4)), 3);
  Model m = deserialize(b);
  EXPECT_TRUE(m.held_out().empty());
  Lead l;
  EXPECT_TRUE(std::isnan(m.score(l, 1.7e9).percentile));
  // Written again in the current format, it still has none.
  EXPECT_TRUE(deserialize(serialize(m)).held_out().empty());
}

TEST(ModelFormat, HeldOutDistributionRoundTrips) {
  const Model& m = small_model();
  ASSERT_FALSE(m.held_out().empty());
  Model back = deserialize(serialize(m));
  EXPECT_EQ(back.held_out().quantiles(), m.held_out().quantiles());
  std::vector<Lead> leads;
  std::vector<uint8_t> y;
  synth::make_leads(50, 5, &leads, &y);
  for (const Lead& l : leads) EXPECT_EQ(back.score(l, 1.7e9).percentile, m.score(l, 1.7e9).percentile);
}

TEST(ModelFormat, DescendingOrOutOfRangeDistributionIsCorrupt) {
  const std::string good = serialize(small_model());
  const size_t dist = section_offsets(good)[5];
  ASSERT_EQ(good.substr(dist, 4), "DIST");
  // The first two quantiles (after the 12-byte section header and the count).
  const size_t first = dist + 12 + 4;
  std::string swapped = good;
  double a, b;
  std::memcpy(&a, good.data() + first, 8);
  std::memcpy(&b, good.data() + first + 8, 8);
  ASSERT_LT(a, 1.0);
  const double big = 1.0, bad = 1.5;
  std::memcpy(&swapped[first], &big, 8);  // now above its successor unless that is 1
  if (b < 1.0) EXPECT_THROW(deserialize(reseal(swapped)), CorruptModel);
  std::string outside = good;
  std::memcpy(&outside[first], &bad, 8);
  EXPECT_THROW(deserialize(reseal(outside)), CorruptModel);
}
