// Blobs whose checksum is right but whose forest was crafted: every index a
// walk could take (child, category set, numeric mask, feature) is checked
// when the blob is read, so each is refused with CorruptModel instead of
// being scored out of bounds.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>

#include "core/model_format.hpp"

using namespace leadscore;

namespace {

uint32_t get_u32(const std::string& b, size_t at) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(b[at + i])) << (8 * i);
  return v;
}

void put_u32(std::string& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// Recompute the trailing checksum, so only the structural checks can refuse.
std::string reseal(std::string b) {
  put_u32(b, b.size() - 4, crc32(reinterpret_cast<const uint8_t*>(b.data()), b.size() - 4));
  return b;
}

// A model over numeric attributes only (so its forest has no category sets),
// with eight trees or more, so scoring walks trees in groups of eight.
const std::string& numeric_blob() {
  static const std::string* blob = [] {
    std::vector<Lead> leads;
    std::vector<uint8_t> y;
    for (int i = 0; i < 600; ++i) {
      Lead l;
      l.id = i;
      l.attributes["a"] = static_cast<double>(i % 37);
      l.attributes["b"] = static_cast<double>((i * 7) % 11);
      leads.push_back(l);
      y.push_back((i % 37) + ((i * 7) % 11) > 25);
    }
    TrainParams p;
    p.n_trees = 9;
    p.min_samples_leaf = 5;
    return new std::string(serialize(train(leads, y, p, 1.7e9)));
  }();
  return *blob;
}

// Where the forest's parts sit in a blob (see model_format.hpp).
struct ForestLayout {
  size_t roots = 0;     // offset of the first root index
  uint32_t n_roots = 0;
  size_t nodes = 0;     // offset of the first 16-byte node
  uint32_t n_nodes = 0;
  uint32_t n_catsets = 0;
};

ForestLayout forest_layout(const std::string& b) {
  size_t pos = 20;
  while (b.compare(pos, 4, "FRST") != 0) {
    uint64_t len = 0;
    for (int i = 0; i < 8; ++i) len |= static_cast<uint64_t>(static_cast<uint8_t>(b[pos + 4 + i])) << (8 * i);
    pos += 12 + len;
  }
  ForestLayout f;
  pos += 12 + 4;  // tag, length, n_features
  f.n_roots = get_u32(b, pos);
  f.roots = pos + 4;
  f.n_nodes = get_u32(b, f.roots + 4 * f.n_roots);
  f.nodes = f.roots + 4 * f.n_roots + 4;
  f.n_catsets = get_u32(b, f.nodes + 16 * f.n_nodes);
  return f;
}

// Node fields at their offsets inside a 16-byte node.
constexpr size_t kFeature = 0, kKind = 2, kThreshold = 3, kRight = 4, kAux = 12;

// The blob with one edit applied to its first split node of the second tree
// (or to its leaf, when leaf is true), checksum fixed.
std::string crafted(const std::function<void(std::string&, size_t node, size_t at, const ForestLayout&)>& edit,
                    bool leaf = false) {
  std::string b = numeric_blob();
  const ForestLayout f = forest_layout(b);
  const uint32_t first = get_u32(b, f.roots + 4), end = get_u32(b, f.roots + 8);
  for (uint32_t i = first; i < end; ++i) {
    const size_t at = f.nodes + 16 * static_cast<size_t>(i);
    if ((static_cast<uint8_t>(b[at + kKind]) == kLeaf) == leaf) {
      edit(b, i, at, f);
      return reseal(b);
    }
  }
  ADD_FAILURE() << "no such node";
  return b;
}

// deserialize() must refuse the blob, naming the forest.
void expect_refused(const std::string& blob, const char* what) {
  try {
    Model m = deserialize(blob);
    Lead l;
    l.attributes["a"] = 3.0;
    m.score(l, 1.7e9);
    ADD_FAILURE() << what << ": accepted";
  } catch (const CorruptModel& e) {
    EXPECT_NE(std::string(e.what()).find("forest"), std::string::npos) << what << ": " << e.what();
  }
}

}  // namespace

TEST(CraftedBlob, TheUneditedBlobLoadsAndScores) {
  const ForestLayout f = forest_layout(numeric_blob());
  ASSERT_EQ(f.n_catsets, 0u);
  ASSERT_GE(f.n_roots, 8u);
  Model m = deserialize(numeric_blob());
  Lead l;
  l.attributes["a"] = 30.0;
  EXPECT_GT(m.score(l, 1.7e9).win_prob, 0.0);
  // Editing a node to what it already is changes nothing: the edits below are the cause.
  EXPECT_NO_THROW(deserialize(crafted([](std::string&, size_t, size_t, const ForestLayout&) {})));
}

TEST(CraftedBlob, NumericSplitWithThreshold255AndNoCategorySetsIsRefused) {
  // The reported blob: kind 2 (missing values right) at threshold 255 named
  // the first category set's mask, which a forest without sets does not have.
  expect_refused(crafted([](std::string& b, size_t, size_t at, const ForestLayout&) {
                   b[at + kKind] = static_cast<char>(kNumMissingRight);
                   b[at + kThreshold] = static_cast<char>(255);
                 }),
                 "kind 2, threshold 255");
  expect_refused(crafted([](std::string& b, size_t, size_t at, const ForestLayout&) {
                   b[at + kKind] = static_cast<char>(kNumMissingLeft);
                   b[at + kThreshold] = static_cast<char>(255);
                 }),
                 "kind 1, threshold 255");
}

TEST(CraftedBlob, CategoricalSplitWithASetOutOfRangeIsRefused) {
  expect_refused(crafted([](std::string& b, size_t, size_t at, const ForestLayout& f) {
                   b[at + kKind] = static_cast<char>(kCategorical);
                   put_u32(b, at + kAux, f.n_catsets);
                 }),
                 "category set index");
  expect_refused(crafted([](std::string& b, size_t, size_t at, const ForestLayout&) {
                   b[at + kKind] = static_cast<char>(kCategorical);
                   put_u32(b, at + kAux, 0xFFFFFFFFu);
                 }),
                 "category set index 2^32 - 1");
}

TEST(CraftedBlob, ChildIndicesOutOfRangeAreRefused) {
  expect_refused(crafted([](std::string& b, size_t, size_t at, const ForestLayout& f) {
                   put_u32(b, at + kRight, f.n_nodes);
                 }),
                 "right child past the last node");
  expect_refused(crafted([](std::string& b, size_t, size_t at, const ForestLayout& f) {
                   put_u32(b, at + kRight, get_u32(b, f.roots + 8));  // the next tree's root
                 }),
                 "right child in the next tree");
  expect_refused(crafted([](std::string& b, size_t node, size_t at, const ForestLayout&) {
                   put_u32(b, at + kRight, static_cast<uint32_t>(node));  // itself: a loop
                 }),
                 "right child is the node itself");
  expect_refused(crafted([](std::string& b, size_t node, size_t at, const ForestLayout&) {
                   put_u32(b, at + kRight, static_cast<uint32_t>(node + 1));  // both children one node
                 }),
                 "both children the same node");
  expect_refused(crafted([](std::string& b, size_t, size_t, const ForestLayout& f) {
                   put_u32(b, f.roots + 4, f.n_nodes + 5);
                 }),
                 "root past the last node");
  expect_refused(crafted([](std::string& b, size_t, size_t, const ForestLayout& f) { put_u32(b, f.roots, 1); }),
                 "nodes before the first tree");
}

TEST(CraftedBlob, FeaturesAndKindsOutOfRangeAreRefused) {
  expect_refused(crafted([](std::string& b, size_t, size_t at, const ForestLayout&) {
                   b[at + kFeature] = static_cast<char>(0xff);
                 }),
                 "split feature out of range");
  expect_refused(crafted([](std::string& b, size_t, size_t at, const ForestLayout&) {
                   b[at + kFeature] = static_cast<char>(0x7f);
                 }, true),
                 "leaf feature out of range");
  expect_refused(crafted([](std::string& b, size_t, size_t at, const ForestLayout&) {
                   b[at + kKind] = 4;
                 }),
                 "unknown node kind");
}
