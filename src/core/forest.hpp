// The random forest: CART trees on Gini over pre-binned features, stored as one
// flat array of 16-byte nodes for fast, cache-friendly prediction.
//
// Node layout: trees are laid out in preorder, so a split's left child is the
// next node and only the right child's index is stored. A numeric split sends
// bin b left when (uint8)(b - off) <= threshold, where off is 0 when missing
// values (bin 0) go left and 1 when they go right; this keeps the test
// branch-free. A categorical split sends b left when bit b of its 256-bit set
// is on; the sets live in a side table indexed by the node's aux field. A
// leaf's right field holds its own index, so a walk that has reached it stays
// there. A leaf's aux field is the number of bootstrap rows that reached it, which the
// confidence measure uses. Every node keeps its class-1 fraction in value, so
// explanations can attribute the change along each path.
//
// Two kinds of forest share the builder (BinnedData says which):
//   win only   labels 0/1, Gini splits: the win forest and each step of the
//              funnel (funnel.hpp).
//   regression a target in [0, 1] per row (the deal value, scaled); splits
//              reduce its variance and value is the node's mean target.
#pragma once

#include <cstdint>
#include <vector>

#include "core/cancel.hpp"
#include "core/params.hpp"

namespace leadscore {

enum NodeKind : uint8_t { kLeaf = 0, kNumMissingLeft = 1, kNumMissingRight = 2, kCategorical = 3 };

// The largest threshold of a numeric split. A feature has at most 255 bins
// (0..254), so 254 already sends every bin left; the walk keeps one mask per
// kind and threshold up to this one, and a blob with a larger threshold is
// refused rather than walked into the masks that follow.
constexpr uint8_t kMaxThreshold = 254;

struct Node {
  uint16_t feature = 0;
  uint8_t kind = kLeaf;
  uint8_t threshold = 0;
  uint32_t right = 0;  // index of the right child (absolute in Forest::nodes); a leaf's own index
  float value = 0;     // weighted fraction of class 1 among rows reaching the node
  uint32_t aux = 0;    // categorical: set index; leaf: training rows in the leaf
};
static_assert(sizeof(Node) == 16, "Node must stay 16 bytes");

struct CatSet {
  uint64_t bits[4] = {0, 0, 0, 0};
  bool has(uint8_t b) const { return (bits[b >> 6] >> (b & 63)) & 1; }
  void add(uint8_t b) { bits[b >> 6] |= uint64_t{1} << (b & 63); }
};

// Whether bin b goes to the left child of split node n.
inline bool goes_left(const Node& n, const CatSet* cats, uint8_t b) {
  if (n.kind == kCategorical) return cats[n.aux].has(b);
  return static_cast<uint8_t>(b - (n.kind - 1)) <= n.threshold;
}

// Training rows already binned, column-major (feature f of row r at cols[f * n_rows + r]).
struct BinnedData {
  size_t n_rows = 0;
  size_t n_features = 0;
  std::vector<uint8_t> cols;
  std::vector<uint8_t> n_bins;       // bins in use per feature, at most 255; every bin of f is below n_bins[f]
  std::vector<uint8_t> categorical;  // 1 when the feature splits by category sets
  std::vector<uint8_t> y;            // labels 0/1 (won); all 0 for a regression
  // A regression forest: per row, the target in [0, 1]. Empty otherwise.
  std::vector<float> target;
};

class Forest {
 public:
  std::vector<Node> nodes;
  std::vector<uint32_t> roots;       // first node of each tree
  std::vector<CatSet> catsets;
  uint32_t n_features = 0;
  std::vector<double> importance;    // mean decrease in impurity per feature, sums to 1
  std::vector<uint8_t> depth;        // per tree, derived by index(); not serialized
  uint8_t max_depth = 0;             // over all trees, derived by index()

  // Derived by index(), not serialized: the layout that scoring walks.
  // Each tree is laid out again breadth first, so the top levels of every
  // tree share a few cache lines and two children are always neighbours:
  // a step goes to child + 0 (left) or child + 1 (right). Every node tests
  // "go left when bit b of mask is set", so all walks do the same few
  // instructions at every node. Masks: 0 is full (a leaf goes "left" to
  // itself, so a walk that reached it stays there), 1 + 255 * k + t is the
  // numeric test of kind k + 1 with threshold t, and categorical sets follow.
  // Walks return positions in this layout; walk_node maps them back to nodes.
  // A node takes 8 bytes, so a mask index must fit 16 bits; a forest with more
  // categorical splits than that (thousands of trees) is walked node by node
  // through leaf() instead (walk_compact false), with the same results.
  struct WalkNode {
    uint32_t child;
    uint16_t mask;
    uint16_t feature;
  };
  std::vector<WalkNode> walk;
  std::vector<uint32_t> walk_roots;  // first walk position of each tree
  std::vector<uint32_t> walk_node;   // node index of each walk position
  std::vector<uint32_t> node_walk;   // walk position of each node
  std::vector<CatSet> masks;
  bool walk_compact = true;

  size_t n_trees() const { return roots.size(); }

  // Index of the leaf that a row-major bin row reaches in one tree.
  uint32_t leaf(size_t tree, const uint8_t* row) const {
    const Node* ns = nodes.data();
    const CatSet* cs = catsets.data();
    uint32_t i = roots[tree];
    while (ns[i].kind != kLeaf) i = goes_left(ns[i], cs, row[ns[i].feature]) ? i + 1 : ns[i].right;
    return i;
  }

  // Mean leaf value over trees: the raw, uncalibrated forest probability.
  double predict(const uint8_t* row) const;

  // Structural checks for a deserialized forest, so that every index any walk
  // can take (node by node, grouped, breadth first) is in range: children,
  // roots, features (of leaves too), category sets and numeric thresholds.
  // Throws CorruptModel.
  void validate() const;

  // Derive the breadth-first layout, its masks and the per-tree depths that
  // the walks need (after training or reading); refuses, with CorruptModel,
  // what validate() cannot see node by node: a node reachable along two
  // paths, a tree deeper than 254 levels, a mask out of range.
  void index();

  // Walk m row-major rows (stride nf) down tree t; leaves[i] receives each
  // leaf's walk position.
  // All rows advance one level per pass without data-dependent branches, so
  // their memory reads overlap and no branch is mispredicted.
  void walk_block(size_t tree, const uint8_t* rows, size_t m, size_t nf, uint32_t* leaves) const;

  // The same walk, keeping the way down: row i's walk position at each level
  // from the root on goes to paths[i * stride + level] (stride > depth[tree]).
  // Once a walk has reached its leaf the next slot repeats the leaf, unless
  // the leaf is at level depth[tree]; later slots may be unwritten. Only for
  // a compact walk (walk_compact).
  void walk_block_paths(size_t tree, const uint8_t* rows, size_t m, size_t nf, uint32_t* paths, size_t stride) const;

  // Walk one row down every tree at once, the trees advancing in lockstep so
  // a single lead also gets overlapping memory reads; leaves has n_trees()
  // slots and receives walk positions.
  void walk_trees(const uint8_t* row, uint32_t* leaves) const;

  // The same walk, keeping the way down: paths has n_trees() x (max_depth +
  // 1) slots, tree t's from t * (max_depth + 1), and receives the walk
  // position at each level from the root on. Once a tree's walk has reached
  // its leaf the next slot repeats the leaf; later slots may be unwritten.
  // Only for a compact walk (walk_compact).
  void walk_paths(const uint8_t* row, uint32_t* paths) const;
};

// Out-of-bag predictions: per row, the mean over the trees that did not see
// it of the leaf's value; NaN for rows every tree saw.
struct OutOfBag {
  std::vector<double> win;
  double shrinkage = 0;  // the hierarchical shrinkage the forest got (chosen when params say auto)
};

// Grow the forest. Trees are seeded by index, so the result does not depend on
// params.threads. oob (if not null) receives the out-of-bag predictions.
// Node values are then shrunk towards their ancestors' (params.shrinkage;
// below 0, the value of a small grid with the best out-of-bag Brier score).
// Throws Cancelled when should_stop says so; only the calling thread ever
// calls should_stop.
Forest train_forest(const BinnedData& data, const TrainParams& params, const ShouldStop& should_stop,
                    OutOfBag* oob);

}  // namespace leadscore
