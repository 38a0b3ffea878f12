// Tree growing and forest prediction; see forest.hpp.
//
// Each tree draws a bootstrap sample (as integer row weights), then grows depth
// first. At each node a random subset of features is examined through per-node
// histograms of weighted class counts over the node's rows, and the best Gini
// split is taken: numeric features scan thresholds with missing values tried on
// each side; categorical features sort their bins by class-1 rate (optimal for
// two classes, Breiman 1984) and scan the sorted prefixes. Out-of-bag rows are
// scored afterwards by regenerating each tree's bootstrap from its seed.
#include "core/forest.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <limits>
#include <mutex>
#include <thread>

#include "core/errors.hpp"
#include "core/hash.hpp"

namespace leadscore {

namespace {

// The seed of tree t; the bootstrap and the feature draws use separate streams.
uint64_t tree_seed(uint64_t seed, size_t t) { return mix64(seed * 0x9e3779b97f4a7c15ULL + t + 1); }

// Bootstrap multiplicities of one tree: n draws with replacement. A byte a
// row, not a word: the draws land at random, and an array a quarter the
// size misses the cache less (about 5% of training time on 1.6 million
// leads). A
// row is drawn more than 255 times with a probability below 10^-500; the
// count would then stay at 255.
void bootstrap(uint64_t seed, size_t n, std::vector<uint8_t>& cnt) {
  cnt.assign(n, 0);
  Rng rng(seed ^ 0x626f6f74ULL);
  for (size_t i = 0; i < n; ++i) {
    uint8_t& c = cnt[rng.below(static_cast<uint32_t>(n))];
    c += c != 255;
  }
}

// A candidate split with its Gini gain.
struct Split {
  double gain = 0;
  int feature = -1;
  uint8_t kind = kLeaf;
  uint8_t threshold = 0;
  CatSet set;
  double lw = 0, lp = 0;  // weighted rows and class-1 weight going left
};

// One tree's nodes before they are concatenated into the forest.
struct TreeOut {
  std::vector<Node> nodes;
  std::vector<CatSet> cats;
  std::vector<double> importance;
  std::vector<double> weights;        // per node: its weighted rows, for shrinkage
};

enum class Kind { WinOnly, Regression };

class TreeBuilder {
 public:
  TreeBuilder(const BinnedData& d, const TrainParams& p, double w_pos, double w_neg)
      : d_(d), p_(p), w_pos_(w_pos), w_neg_(w_neg),
        kind_(!d.target.empty() ? Kind::Regression : Kind::WinOnly) {
    const size_t nf = d.n_features;
    if (p.max_features == 0.0) mtry_ = static_cast<size_t>(std::max(1.0, std::floor(std::sqrt(double(nf)))));
    else if (p.max_features < 1.0) mtry_ = static_cast<size_t>(std::max(1.0, std::floor(p.max_features * double(nf))));
    else mtry_ = static_cast<size_t>(p.max_features);
    mtry_ = std::min(mtry_, nf);
    order_.resize(nf);
    unit_weights_ = w_pos_ == 1.0 && w_neg_ == 1.0 && kind_ != Kind::Regression;
  }

  // Grow tree t; poll() is consulted once per node and true aborts with Cancelled.
  template <class Poll>
  TreeOut build(size_t t, Poll&& poll) {
    const size_t n = d_.n_rows;
    const uint64_t seed = tree_seed(p_.seed, t);
    bootstrap(seed, n, cnt_);
    Rng rng(seed ^ 0x73706c6974ULL);
    idx_.clear();
    double W0 = 0, P0 = 0;
    for (size_t r = 0; r < n; ++r) {
      if (cnt_[r] == 0) continue;
      const double w = weight(r);
      W0 += w;
      P0 += w * level(r);
      idx_.push_back(static_cast<uint32_t>(r));
    }
    tmp_.resize(idx_.size());
    tmpc_.resize(idx_.size());
    cy_.resize(idx_.size());
    for (size_t k = 0; k < idx_.size(); ++k) cy_[k] = packed(cnt_[idx_[k]], code(idx_[k]));
    if (!unit_weights_) {
      gw_.resize(idx_.size());
      gwy_.resize(idx_.size());
    }
    for (size_t f = 0; f < order_.size(); ++f) order_[f] = static_cast<uint32_t>(f);

    TreeOut out;
    out.importance.assign(d_.n_features, 0.0);
    // W and P are the node's weighted row count and the weighted sum of its
    // rows' levels (win-only: the class-1 weight).
    struct Item { uint32_t lo, hi; int depth; int64_t parent; double W, P; };
    std::vector<Item> stack;
    stack.push_back({0, static_cast<uint32_t>(idx_.size()), 0, -1, W0, P0});
    const double msl = p_.min_samples_leaf * std::min(w_pos_, w_neg_);
    while (!stack.empty()) {
      if (poll()) throw Cancelled();
      const Item it = stack.back();
      stack.pop_back();
      const uint32_t self = static_cast<uint32_t>(out.nodes.size());
      if (it.parent >= 0) out.nodes[it.parent].right = self;  // only right children are patched
      const double W = it.W, P = it.P;
      out.weights.push_back(W);
      Node node;
      node.value = W > 0 ? static_cast<float>(std::min(1.0, std::max(0.0, P / W))) : 0.0f;
      const double eps = 1e-9 * (W + 1);
      const bool mixed = kind_ == Kind::Regression || (P > eps && W - P > eps);
      Split s;
      if (it.depth < p_.max_depth && W >= 2 * msl && mixed) s = best_split(it.lo, it.hi, W, P, rng);
      if (s.feature < 0) {
        uint64_t count = 0;
        for (uint32_t k = it.lo; k < it.hi; ++k) count += this->count(k);
        node.kind = kLeaf;
        node.aux = static_cast<uint32_t>(std::min<uint64_t>(count, UINT32_MAX));
        out.nodes.push_back(node);
        continue;
      }
      out.importance[s.feature] += s.gain;
      node.feature = static_cast<uint16_t>(s.feature);
      node.kind = s.kind;
      node.threshold = s.threshold;
      if (s.kind == kCategorical) {
        node.aux = static_cast<uint32_t>(out.cats.size());
        out.cats.push_back(s.set);
      }
      out.nodes.push_back(node);
      // Stable partition of the node's rows into left then right. Each row
      // is written to both sides and only its own side's count moves on: a
      // branch on the row's side would be mispredicted about half the time.
      // The left write lands at or before k, on a row already read.
      const uint8_t* col = d_.cols.data() + static_cast<size_t>(s.feature) * d_.n_rows;
      const CatSet* cs = out.cats.data();
      uint32_t nl = 0, nr = 0;
      for (uint32_t k = it.lo; k < it.hi; ++k) {
        const uint32_t r = idx_[k];
        const uint64_t c = cy_[k];
        const uint32_t left = goes_left(node, cs, col[r]);
        idx_[it.lo + nl] = r;
        cy_[it.lo + nl] = c;
        tmp_[nr] = r;
        tmpc_[nr] = c;
        nl += left;
        nr += left ^ 1u;
      }
      std::copy(tmp_.begin(), tmp_.begin() + nr, idx_.begin() + it.lo + nl);
      std::copy(tmpc_.begin(), tmpc_.begin() + nr, cy_.begin() + it.lo + nl);
      // Right first so that the left child comes next in preorder; the right
      // child's index is patched into this node when it is popped.
      stack.push_back({it.lo + nl, it.hi, it.depth + 1, self, W - s.lw, P - s.lp});
      stack.push_back({it.lo, it.lo + nl, it.depth + 1, -1, s.lw, s.lp});
    }
    return out;
  }

 private:
  // Best split of rows idx_[lo, hi) over a random subset of non-constant features.
  Split best_split(uint32_t lo, uint32_t hi, double W, double P, Rng& rng) {
    Split best;
    const double parent = purity(W, P);
    const double msl = p_.min_samples_leaf * std::min(w_pos_, w_neg_) - 1e-9;
    const size_t nf = order_.size();
    // With unweighted classes (the default) a weight is a bootstrap count,
    // read from cy_ beside the row, and the histograms are counted. Otherwise
    // node-local copies of the weights: one random access per row, not one
    // per row and feature.
    const bool counted = unit_weights_;
    if (!counted)
      for (uint32_t q = lo; q < hi; ++q) {
        const uint32_t r = idx_[q];
        gw_[q - lo] = weight(r);
        gwy_[q - lo] = gw_[q - lo] * level(r);
      }
    size_t tried = 0;
    for (size_t k = 0; k < nf && tried < mtry_; ++k) {
      size_t j = k + rng.below(static_cast<uint32_t>(nf - k));
      std::swap(order_[k], order_[j]);
      const uint32_t f = order_[k];
      const int nb = d_.n_bins[f];
      // Histogram over the node's rows, remembering which bins were touched so
      // that small nodes cost O(rows), not O(bins).
      const uint8_t* col = d_.cols.data() + static_cast<size_t>(f) * d_.n_rows;
      int m = 0;
      if (counted && hi - lo >= 2u * static_cast<uint32_t>(nb)) {
        m = count_histogram(col, lo, hi, nb);
      } else if (counted) {
        // Few rows for the bins: only the touched ones are visited.
        for (uint32_t q = lo; q < hi; ++q) {
          uint8_t b = col[idx_[q]];
          if (h_[0][b] == 0) touched_[m++] = b;
          h_[0][b] += cy_[q];
        }
        for (int i = 0; i < m; ++i) {
          const uint8_t b = touched_[i];
          hw_[b] = static_cast<double>(low(h_[0][b]));
          hp_[b] = static_cast<double>(high(h_[0][b]));
          h_[0][b] = 0;
        }
      } else {
        for (uint32_t q = lo; q < hi; ++q) {
          uint8_t b = col[idx_[q]];
          if (hw_[b] == 0) touched_[m++] = b;
          hw_[b] += gw_[q - lo];
          hp_[b] += gwy_[q - lo];
        }
      }
      if (m >= 2) {
        ++tried;  // constant features do not count towards mtry
        if (d_.categorical[f]) {
          categorical_split(f, nb, m, W, P, parent, msl, best);
        } else {
          std::sort(touched_, touched_ + m);
          numeric_split(f, nb, m, W, P, parent, msl, best);
        }
      }
      for (int i = 0; i < m; ++i) hw_[touched_[i]] = hp_[touched_[i]] = 0;
    }
    if (best.gain <= 1e-12 * W) best.feature = -1;
    return best;
  }

  // The histogram of a large node when weights are counts: rows go to four
  // interleaved tables, so consecutive rows in one bin do not wait on each
  // other's store, and the present bins are found by one pass over the nb
  // bins, in ascending order. Whole numbers add up exactly in any order, so
  // hw_ and hp_ get the same values the row-by-row loop gives. Returns the
  // number of present bins, listed in touched_.
  int count_histogram(const uint8_t* col, uint32_t lo, uint32_t hi, int nb) {
    uint32_t q = lo;
    for (; q + 4 <= hi; q += 4) {
      const uint8_t b0 = col[idx_[q]], b1 = col[idx_[q + 1]], b2 = col[idx_[q + 2]], b3 = col[idx_[q + 3]];
      h_[0][b0] += cy_[q];
      h_[1][b1] += cy_[q + 1];
      h_[2][b2] += cy_[q + 2];
      h_[3][b3] += cy_[q + 3];
    }
    for (; q < hi; ++q) h_[0][col[idx_[q]]] += cy_[q];
    int m = 0;
    for (int b = 0; b < nb; ++b) {
      const uint64_t sum = h_[0][b] + h_[1][b] + h_[2][b] + h_[3][b];
      for (int k = 0; k < 4; ++k) h_[k][b] = 0;
      if (sum == 0) continue;
      touched_[m++] = static_cast<uint8_t>(b);
      hw_[b] = static_cast<double>(low(sum));
      hp_[b] = static_cast<double>(high(sum));
    }
    return m;
  }

  // Scan thresholds between the present bins (touched_, sorted); missing values
  // (bin 0) are tried on both sides. Thresholds fall halfway between present
  // bins, so values unseen in this node are split evenly.
  void numeric_split(uint32_t f, int nb, int m, double W, double P, double parent, double msl, Split& best) {
    const double mw = hw_[0], mp = hp_[0];
    const int first = touched_[0] == 0 ? 1 : 0;  // skip the missing bin
    if (mw > 0 && mw >= msl && W - mw >= msl) {   // missing alone on the left
      double g = purity(mw, mp) + purity(W - mw, P - mp) - parent;
      if (g > best.gain) set_best(best, g, f, kNumMissingLeft, 0, mw, mp);
    }
    double cw = 0, cp = 0;
    for (int i = first; i < m - 1; ++i) {
      const int b = touched_[i];
      cw += hw_[b];
      cp += hp_[b];
      const int t = b + (touched_[i + 1] - b - 1) / 2;
      double lw = cw + mw, lp = cp + mp;  // missing left
      if (lw >= msl && W - lw >= msl) {
        double g = purity(lw, lp) + purity(W - lw, P - lp) - parent;
        if (g > best.gain) set_best(best, g, f, kNumMissingLeft, static_cast<uint8_t>(t), lw, lp);
      }
      if (mw > 0 && cw >= msl && W - cw >= msl) {  // missing right
        double g = purity(cw, cp) + purity(W - cw, P - cp) - parent;
        if (g > best.gain) set_best(best, g, f, kNumMissingRight, static_cast<uint8_t>(t - 1), cw, cp);
      }
    }
    if (mw > 0 && first < m && mw >= msl && W - mw >= msl) {  // everything present left, missing right
      double g = purity(W - mw, P - mp) + purity(mw, mp) - parent;
      if (g > best.gain) set_best(best, g, f, kNumMissingRight, static_cast<uint8_t>(nb - 2), W - mw, P - mp);
    }
  }

  // Sort present bins by class-1 rate and scan the prefixes.
  void categorical_split(uint32_t f, int nb, int m, double W, double P, double parent, double msl, Split& best) {
    std::copy(touched_, touched_ + m, sorted_);
    std::sort(sorted_, sorted_ + m, [&](uint8_t a, uint8_t b) {
      double ra = hp_[a] / hw_[a], rb = hp_[b] / hw_[b];
      return ra != rb ? ra < rb : a < b;
    });
    double lw = 0, lp = 0;
    int best_k = -1;
    double best_g = best.gain;
    for (int k = 0; k < m - 1; ++k) {
      lw += hw_[sorted_[k]];
      lp += hp_[sorted_[k]];
      if (lw < msl || W - lw < msl) continue;
      double g = purity(lw, lp) + purity(W - lw, P - lp) - parent;
      if (g > best_g) { best_g = g; best_k = k; }
    }
    if (best_k < 0) return;
    best.set = CatSet{};
    double left_w = 0, left_p = 0;
    for (int k = 0; k <= best_k; ++k) {
      best.set.add(sorted_[k]);
      left_w += hw_[sorted_[k]];
      left_p += hp_[sorted_[k]];
    }
    set_best(best, best_g, f, kCategorical, 0, left_w, left_p);
    // Bins absent from this node (unseen levels, "other") follow the larger side.
    if (left_w >= W - left_w)
      for (int b = 0; b < 256; ++b)
        if (b >= nb || hw_[b] <= 0) best.set.add(static_cast<uint8_t>(b));
  }

  // What a split wants to maximise over the children: win-only, Σ over classes
  // of (class weight)^2 / total, the part of weighted Gini that varies;
  // regression, (sum of targets)^2 / weight, the part of the squared error
  // that varies.
  double purity(double w, double p) const {
    if (w <= 0) return 0.0;
    return kind_ == Kind::WinOnly ? (p * p + (w - p) * (w - p)) / w : p * p / w;
  }

  // A row's level: win-only its label, regression its target.
  double level(uint32_t r) const { return kind_ == Kind::Regression ? d_.target[r] : d_.y[r]; }
  // What cy_ keeps beside the bootstrap count: a win-only row's label.
  uint32_t code(uint32_t r) const { return kind_ == Kind::WinOnly ? d_.y[r] : 0u; }

  // A row's weight in this tree: its bootstrap count times its class weight
  // (computed where needed rather than stored: two doubles a row less).
  double weight(uint32_t r) const { return cnt_[r] * (d_.y[r] ? w_pos_ : w_neg_); }
  // A row's bootstrap count in the low half and the same times its code in
  // the high half, so that one addition counts both in a histogram. Neither
  // half of a sum over rows can carry into the other: the counts of a tree
  // add up to its rows, fewer than 2^31.
  static uint64_t packed(uint32_t count, uint32_t code) { return uint64_t{count * code} << 32 | count; }
  static uint32_t low(uint64_t v) { return static_cast<uint32_t>(v); }
  static uint32_t high(uint64_t v) { return static_cast<uint32_t>(v >> 32); }
  // Bootstrap count of the row at position q of idx_.
  uint32_t count(uint32_t q) const { return low(cy_[q]); }

  static void set_best(Split& s, double g, uint32_t f, uint8_t kind, uint8_t thr, double lw, double lp) {
    s.lw = lw;
    s.lp = lp;
    s.gain = g;
    s.feature = static_cast<int>(f);
    s.kind = kind;
    s.threshold = thr;
  }

  const BinnedData& d_;
  const TrainParams& p_;
  double w_pos_, w_neg_;
  Kind kind_;
  size_t mtry_ = 1;
  std::vector<uint32_t> order_, idx_, tmp_;
  std::vector<uint8_t> cnt_;
  std::vector<double> gw_, gwy_;
  // Counted histograms, when both classes weigh 1 (count_histogram for nodes
  // with at least two rows a bin, where a pass over the bins costs little).
  bool unit_weights_ = false;
  // Beside idx_ and partitioned with it: packed(bootstrap count, code(row)).
  std::vector<uint64_t> cy_, tmpc_;
  uint64_t h_[4][256] = {};  // packed sums; zero between uses
  double hw_[256] = {0}, hp_[256] = {0};  // zero between uses
  uint8_t touched_[256], sorted_[256];
};

// Joins worker threads on every exit path, including exceptions.
struct ThreadJoiner {
  std::vector<std::thread>& ts;
  ~ThreadJoiner() {
    for (auto& t : ts)
      if (t.joinable()) t.join();
  }
};

}  // namespace

double Forest::predict(const uint8_t* row) const {
  double s = 0;
  for (size_t t = 0; t < roots.size(); ++t) s += nodes[leaf(t, row)].value;
  return roots.empty() ? 0.0 : s / static_cast<double>(roots.size());
}

void Forest::index() {
  max_depth = 0;
  masks.assign(1 + 2 * 255 + catsets.size(), CatSet{});
  for (auto& w : masks[0].bits) w = ~uint64_t{0};
  static_assert(kMaxThreshold == 254, "one mask per kind and threshold 0..254: 2 * 255 numeric masks");
  for (int kind = 1; kind <= 2; ++kind)
    for (int t = 0; t <= kMaxThreshold; ++t) {
      CatSet& m = masks[1 + 255 * (kind - 1) + t];
      for (int b = 0; b < 256; ++b)
        if (static_cast<uint8_t>(b - (kind - 1)) <= t) m.add(static_cast<uint8_t>(b));
    }
  std::copy(catsets.begin(), catsets.end(), masks.begin() + 1 + 2 * 255);

  walk_compact = masks.size() <= 65536;
  walk.resize(nodes.size());
  walk_node.resize(nodes.size());
  node_walk.resize(nodes.size());
  walk_roots.assign(roots.size(), 0);
  depth.assign(roots.size(), 0);
  std::vector<uint8_t> level(nodes.size(), 0), seen(nodes.size(), 0);
  uint32_t next_free = 0;
  for (size_t t = 0; t < roots.size(); ++t) {
    // Breadth first: a node's position is the order in which it is queued,
    // and its two children are queued together.
    const uint32_t base = next_free;
    walk_roots[t] = base;
    walk_node[next_free++] = roots[t];
    level[roots[t]] = 0;
    seen[roots[t]] = 1;
    uint8_t mx = 0;
    for (uint32_t pos = base; pos < next_free; ++pos) {
      const uint32_t i = walk_node[pos];
      const Node& n = nodes[i];
      WalkNode& w = walk[pos];
      w.feature = n.feature;
      mx = std::max(mx, level[i]);
      if (n.kind == kLeaf) {
        w.child = pos;
        w.mask = 0;
        continue;
      }
      // A crafted blob may pass validate() with a node reachable twice or a
      // path too deep to count; neither can come from training.
      if (n.right == i + 1 || seen[i + 1] || seen[n.right]) throw CorruptModel("forest node is reachable along two paths");
      if (level[i] >= 254) throw CorruptModel("forest tree is deeper than 254 levels");
      seen[i + 1] = seen[n.right] = 1;
      w.child = next_free;
      // validate() bounds aux and threshold; checked again here because a
      // mask out of range is read on every walk through this node.
      const uint64_t mask = n.kind == kCategorical ? uint64_t{1} + 2 * 255 + n.aux
                                                   : uint64_t{1} + 255 * (n.kind - 1) + n.threshold;
      if (n.kind > kCategorical || mask >= masks.size() ||
          (n.kind != kCategorical && n.threshold > kMaxThreshold))
        throw CorruptModel("forest node names a walk mask out of range");
      w.mask = static_cast<uint16_t>(walk_compact ? mask : 0);
      level[i + 1] = level[n.right] = static_cast<uint8_t>(level[i] + 1);
      walk_node[next_free++] = i + 1;
      walk_node[next_free++] = n.right;
    }
    depth[t] = mx;
    max_depth = std::max(max_depth, mx);
  }
  for (uint32_t pos = 0; pos < next_free; ++pos) node_walk[walk_node[pos]] = pos;
}

namespace {

// One level of a compact walk: the position after at for this row. The same
// instructions at every node and no branch on the data: a leaf's mask is
// full and its left child is itself.
inline uint32_t walk_step(const Forest::WalkNode* ws, const CatSet* ms, uint32_t at, const uint8_t* row) {
  const Forest::WalkNode w = ws[at];
  const uint32_t b = row[w.feature];
  const uint32_t right = ~static_cast<uint32_t>(ms[w.mask].bits[b >> 6] >> (b & 63)) & 1u;
  return w.child + right;
}

// Walks k <= G trees starting at the given walk positions down to their
// leaves, their positions held in registers: G independent chains of loads
// overlap, and the group stops as soon as its own walks have all arrived.
template <size_t G>
inline void walk_group(const Forest::WalkNode* ws, const CatSet* ms, const uint32_t* roots, size_t k,
                       int max_depth, const uint8_t* row, uint32_t* leaves) {
  uint32_t at[G];
  for (size_t j = 0; j < G; ++j) at[j] = roots[std::min(j, k - 1)];  // spare lanes repeat the last tree
  for (int level = 0; level < max_depth; ++level) {
    uint32_t moved = 0;
#pragma GCC unroll 8
    for (size_t j = 0; j < G; ++j) {
      const uint32_t next = walk_step(ws, ms, at[j], row);
      moved |= next ^ at[j];
      at[j] = next;
    }
    if (!moved) break;
  }
  for (size_t j = 0; j < k; ++j) leaves[j] = at[j];
}

// walk_group, writing each lane's position at every level to its path
// (stride slots per tree).
template <size_t G>
inline void walk_group_paths(const Forest::WalkNode* ws, const CatSet* ms, const uint32_t* roots, size_t k,
                             int max_depth, const uint8_t* row, uint32_t* paths, size_t stride) {
  uint32_t at[G];
  uint32_t* path[G];
  for (size_t j = 0; j < G; ++j) {
    const size_t lane = std::min(j, k - 1);  // spare lanes repeat the last tree, and write its path again
    at[j] = roots[lane];
    path[j] = paths + lane * stride;
    path[j][0] = at[j];
  }
  for (int level = 0; level < max_depth; ++level) {
    uint32_t moved = 0;
#pragma GCC unroll 8
    for (size_t j = 0; j < G; ++j) {
      const uint32_t next = walk_step(ws, ms, at[j], row);
      moved |= next ^ at[j];
      at[j] = next;
      path[j][level + 1] = next;
    }
    if (!moved) break;
  }
}

}  // namespace

void Forest::walk_paths(const uint8_t* row, uint32_t* paths) const {
  const WalkNode* ws = walk.data();
  const CatSet* ms = masks.data();
  const size_t T = roots.size(), stride = static_cast<size_t>(max_depth) + 1;
  size_t g = 0;
  for (; g + 8 <= T; g += 8) walk_group_paths<8>(ws, ms, &walk_roots[g], 8, max_depth, row, paths + g * stride, stride);
  for (; g < T; g += 2)
    walk_group_paths<2>(ws, ms, &walk_roots[g], std::min<size_t>(2, T - g), max_depth, row, paths + g * stride, stride);
}

void Forest::walk_trees(const uint8_t* row, uint32_t* leaves) const {
  const WalkNode* ws = walk.data();
  const CatSet* ms = masks.data();
  const size_t T = roots.size();
  if (!walk_compact) {
    for (size_t t = 0; t < T; ++t) leaves[t] = node_walk[leaf(t, row)];
    return;
  }
  // Groups of eight measured faster than one lockstep pass over all trees or
  // groups of 4 or 16; the remainder goes in groups of two, so few lanes idle.
  size_t g = 0;
  for (; g + 8 <= T; g += 8) walk_group<8>(ws, ms, &walk_roots[g], 8, max_depth, row, leaves + g);
  for (; g < T; g += 2) walk_group<2>(ws, ms, &walk_roots[g], std::min<size_t>(2, T - g), max_depth, row, leaves + g);
}

void Forest::walk_block(size_t tree, const uint8_t* rows, size_t m, size_t nf, uint32_t* leaves) const {
  const WalkNode* ws = walk.data();
  const CatSet* ms = masks.data();
  if (!walk_compact) {
    for (size_t i = 0; i < m; ++i) leaves[i] = node_walk[leaf(tree, rows + i * nf)];
    return;
  }
  const uint32_t root = walk_roots[tree];
  for (size_t i = 0; i < m; ++i) leaves[i] = root;
  for (int level = 0; level < depth[tree]; ++level) {
    uint32_t moved = 0;  // one predictable branch per level: stop once all rows sit in leaves
    for (size_t i = 0; i < m; ++i) {
      const uint32_t at = leaves[i];
      const uint32_t next = walk_step(ws, ms, at, rows + i * nf);
      moved |= next ^ at;
      leaves[i] = next;
    }
    if (!moved) break;
  }
}

void Forest::walk_block_paths(size_t tree, const uint8_t* rows, size_t m, size_t nf, uint32_t* paths,
                              size_t stride) const {
  const WalkNode* ws = walk.data();
  const CatSet* ms = masks.data();
  const uint32_t root = walk_roots[tree];
  for (size_t i = 0; i < m; ++i) paths[i * stride] = root;
  for (int level = 0; level < depth[tree]; ++level) {
    uint32_t moved = 0;
    for (size_t i = 0; i < m; ++i) {
      uint32_t* path = paths + i * stride + level;
      const uint32_t at = path[0];
      const uint32_t next = walk_step(ws, ms, at, rows + i * nf);
      moved |= next ^ at;
      path[1] = next;
    }
    if (!moved) break;
  }
}

void Forest::validate() const {
  if (roots.empty()) throw CorruptModel("forest has no trees");
  if (n_features == 0 || n_features > 65535) throw CorruptModel("forest has a bad feature count");
  if (importance.size() != n_features) throw CorruptModel("forest importance table has the wrong size");
  // Trees tile the node array: every node belongs to exactly one tree and is checked.
  if (roots[0] != 0) throw CorruptModel("forest tree bounds are out of range");
  for (size_t t = 0; t < roots.size(); ++t) {
    const size_t begin = roots[t];
    const size_t end = t + 1 < roots.size() ? roots[t + 1] : nodes.size();
    if (begin >= end || end > nodes.size()) throw CorruptModel("forest tree bounds are out of range");
    for (size_t i = begin; i < end; ++i) {
      const Node& nd = nodes[i];
      // Leaves too: the branch-free walk reads a leaf's feature before masking it.
      if (nd.feature >= n_features) throw CorruptModel("forest node names a feature out of range");
      if (nd.kind == kLeaf) {
        if (!(nd.value >= 0.0f && nd.value <= 1.0f)) throw CorruptModel("forest leaf value outside [0, 1]");
        if (nd.right != i) throw CorruptModel("forest leaf does not point to itself");
        continue;
      }
      if (nd.kind > kCategorical) throw CorruptModel("forest node has an unknown kind");
      // Children must lie after the node inside the same tree: walks always end.
      if (i + 1 >= end || nd.right <= i + 1 || nd.right >= end)
        throw CorruptModel("forest node has a child out of range");
      if (nd.kind == kCategorical && nd.aux >= catsets.size())
        throw CorruptModel("forest node names a category set out of range");
      if (nd.kind != kCategorical && nd.threshold > kMaxThreshold)
        throw CorruptModel("forest numeric split has a threshold beyond the bins");
      if (!(nd.value >= 0.0f && nd.value <= 1.0f)) throw CorruptModel("forest node value outside [0, 1]");
    }
  }
}

namespace {

// Sends rows (ascending row numbers; column-major bins, n rows a column)
// down a grown tree and calls at_leaf(leaf, rows, count) once for each leaf
// some reach. A node's rows are partitioned between its children as the
// builder partitions them: a pass over the node's rows that reads one column
// in ascending order. Walking one row at a time from the root instead read a
// different column at every level, a chain of cache misses once the columns
// outgrow the cache (12% of a training on 400,000 leads). rows is
// reordered; spare is scratch. Polls should_stop every 65,536 rows moved.
template <class AtLeaf>
void send_down(const TreeOut& tree, const uint8_t* cols, size_t n, std::vector<uint32_t>& rows,
               std::vector<uint32_t>& spare, const ShouldStop& should_stop, AtLeaf&& at_leaf) {
  struct Part { uint32_t node, lo, hi; };
  std::vector<Part> stack;
  if (!rows.empty()) stack.push_back({0, 0, static_cast<uint32_t>(rows.size())});
  spare.resize(rows.size());
  const CatSet* cs = tree.cats.data();
  size_t moved = 0;
  while (!stack.empty()) {
    const Part p = stack.back();
    stack.pop_back();
    const Node& node = tree.nodes[p.node];
    if (node.kind == kLeaf) {
      at_leaf(p.node, rows.data() + p.lo, p.hi - p.lo);
      continue;
    }
    moved += p.hi - p.lo;
    if (moved >= 65536) {
      moved = 0;
      check_stop(should_stop);
    }
    const uint8_t* col = cols + static_cast<size_t>(node.feature) * n;
    uint32_t nl = 0, nr = 0;
    for (uint32_t q = p.lo; q < p.hi; ++q) {  // stable, and without a branch on the side (see build)
      const uint32_t r = rows[q];
      const uint32_t left = goes_left(node, cs, col[r]);
      rows[p.lo + nl] = r;
      spare[nr] = r;
      nl += left;
      nr += left ^ 1u;
    }
    std::copy(spare.begin(), spare.begin() + nr, rows.begin() + p.lo + nl);
    if (nr) stack.push_back({node.right, p.lo + nl, p.hi});
    if (nl) stack.push_back({p.node + 1, p.lo, p.lo + nl});
  }
}

// Hierarchical shrinkage (Agarwal et al., 2022): walking down from the root,
// each step moves a node's value by (child - parent) / (1 + lambda /
// parent's rows), the parent's value already shrunk. A node of few rows is
// then mostly its parent, a large one mostly itself. Every node's value
// changes, so the steps an explanation credits along a path still add up to
// the leaf. raw holds the tree's unshrunk values; out receives the shrunk
// ones.
std::vector<float> raw_values(const TreeOut& t) {
  std::vector<float> v;
  v.reserve(t.nodes.size());
  for (const Node& n : t.nodes) v.push_back(n.value);
  return v;
}

void shrink(const TreeOut& t, const std::vector<float>& raw, double lambda, std::vector<float>& out) {
  out = raw;
  if (lambda <= 0) return;
  // Preorder: a parent comes before its children, so its value is final
  // when they are reached.
  for (size_t i = 0; i < t.nodes.size(); ++i) {
    const Node& node = t.nodes[i];
    if (node.kind == kLeaf) continue;
    const double k = 1.0 / (1.0 + lambda / std::max(t.weights[i], 1e-9));
    for (const uint32_t c : {static_cast<uint32_t>(i + 1), node.right})
      out[c] = static_cast<float>(out[i] + k * (raw[c] - raw[i]));
  }
}

// The shrinkage tried when params.shrinkage is "auto" (below 0), in
// bootstrap-weighted rows; 0 (none) is one of them, so data that gain
// nothing keep the plain forest.
constexpr double kShrinkageGrid[] = {0, 10, 30, 100, 300, 1000};
constexpr int kShrinkageChoices = sizeof(kShrinkageGrid) / sizeof(kShrinkageGrid[0]);
// The most rows the choice reads: a sample of them is as good a judge, and
// the sums it keeps per row and shrinkage stay bounded.
constexpr size_t kShrinkageRows = 200000;

}  // namespace

Forest train_forest(const BinnedData& data, const TrainParams& params, const ShouldStop& should_stop,
                    OutOfBag* oob) {
  const size_t n = data.n_rows;
  if (n == 0) throw InvalidInput("no training rows");
  if (data.y.size() != n || (!data.target.empty() && data.target.size() != n))
    throw InvalidInput("training rows and their labels differ in number");
  if (data.n_features == 0) throw InvalidInput("no features: the training leads carry no usable values");
  size_t npos = 0;
  for (uint8_t v : data.y) npos += v;
  double w_pos = 1.0, w_neg = 1.0;
  if (params.class_weight == ClassWeight::Balanced && npos > 0 && npos < n) {
    w_pos = static_cast<double>(n) / (2.0 * static_cast<double>(npos));
    w_neg = static_cast<double>(n) / (2.0 * static_cast<double>(n - npos));
  }

  // Trees past n_trees are grown only for their out-of-bag votes (see params.hpp).
  const size_t T_keep = static_cast<size_t>(params.n_trees);
  const size_t T = std::max(T_keep, oob ? static_cast<size_t>(params.calibration_trees) : size_t{0});
  std::vector<TreeOut> trees(T);
  std::atomic<size_t> next{0};
  std::atomic<bool> abort{false};
  std::mutex err_mu;
  std::exception_ptr err;

  auto work = [&](bool caller) {
    try {
      TreeBuilder b(data, params, w_pos, w_neg);
      auto poll = [&]() {
        if (abort.load(std::memory_order_relaxed)) return true;
        if (caller && should_stop && should_stop()) {
          abort = true;
          return true;
        }
        return false;
      };
      for (;;) {
        size_t t = next.fetch_add(1);
        if (t >= T || abort.load()) break;
        trees[t] = b.build(t, poll);
      }
    } catch (...) {
      std::lock_guard<std::mutex> g(err_mu);
      if (!err) err = std::current_exception();
      abort = true;
    }
  };

  {
    std::vector<std::thread> workers;
    ThreadJoiner joiner{workers};
    for (int i = 1; i < params.threads; ++i) {
      try {
        workers.emplace_back(work, false);
      } catch (const std::system_error&) {
        break;  // fewer threads only costs time
      }
    }
    work(true);
  }
  if (err) std::rethrow_exception(err);
  check_stop(should_stop);

  // Out-of-bag means over all grown trees, summed in tree order so the result
  // is deterministic. With shrinkage "auto", every value of the grid is
  // tried, and the one whose out-of-bag predictions have the smallest Brier
  // score (squared error for a regression forest) ships; otherwise only the
  // one given. The choice is made on the first
  // kShrinkageRows rows at most, so what it holds per row and shrinkage stays
  // bounded; above that, a second pass sums the chosen one over the rows the
  // choice did not read.
  // Training rows come in canonical order (a seeded hash of the lead id), so
  // the first rows are a random sample of them, and a block of rows is read
  // from a few cache lines per column where a strided sample would touch
  // every line. Each tree's bootstrap is regenerated from its seed.
  // Sums are floats: a mean of at most a few thousand values in [0, 1] loses
  // nothing that matters.
  const bool choose = params.shrinkage < 0;
  std::vector<double> lambdas;
  if (choose) lambdas.assign(kShrinkageGrid, kShrinkageGrid + kShrinkageChoices);
  else lambdas.push_back(params.shrinkage);
  const bool regression = !data.target.empty();
  struct OobSums {
    size_t first = 0, m = 0;      // rows first .. first + m - 1
    std::vector<float> sum;       // [g * m + row - first]
    std::vector<uint32_t> votes;  // [row - first]: trees that did not see the row
  };
  // Sums of the out-of-bag leaf values under each shrinkage, over the m rows from first.
  auto oob_pass = [&](const std::vector<double>& lams, size_t first, size_t m) {
    OobSums o;
    o.first = first;
    o.m = m;
    const size_t G = lams.size();
    o.sum.assign(G * o.m, 0.0f);
    o.votes.assign(o.m, 0);
    std::vector<uint8_t> boot;
    std::vector<uint32_t> rows, spare;
    std::vector<std::vector<float>> shrunk(G);
    for (size_t t = 0; t < T; ++t) {
      check_stop(should_stop);
      const std::vector<float> raw = raw_values(trees[t]);
      for (size_t g = 0; g < G; ++g) shrink(trees[t], raw, lams[g], shrunk[g]);
      bootstrap(tree_seed(params.seed, t), n, boot);
      rows.clear();
      for (size_t r = first; r < first + m; ++r)
        if (!boot[r]) rows.push_back(static_cast<uint32_t>(r));
      // Each row's sums gain one term per tree, in tree order, whatever
      // order a tree's leaves are reached in.
      send_down(trees[t], data.cols.data(), n, rows, spare, should_stop, [&](uint32_t leaf, const uint32_t* at, size_t k) {
        for (size_t j = 0; j < k; ++j) {
          const size_t i = at[j] - first;
          for (size_t g = 0; g < G; ++g) o.sum[g * m + i] += shrunk[g][leaf];
          o.votes[i]++;
        }
      });
    }
    return o;
  };
  // What a row's prediction is scored against.
  auto target = [&](size_t r) -> double { return regression ? data.target[r] : data.y[r]; };
  size_t best = 0;
  OobSums sums;
  if (choose) {
    sums = oob_pass(lambdas, 0, std::min(n, kShrinkageRows));
    double best_score = std::numeric_limits<double>::infinity();
    for (size_t g = 0; g < lambdas.size(); ++g) {
      check_stop(should_stop);
      double score = 0;
      for (size_t r = 0; r < sums.m; ++r) {
        if (!sums.votes[r]) continue;
        const double d = sums.sum[g * sums.m + r] / sums.votes[r] - target(r);
        score += d * d;
      }
      if (score < best_score) {  // ties keep the smaller shrinkage
        best_score = score;
        best = g;
      }
    }
  }
  if (oob) {
    // The chosen shrinkage's means: over the rows the choice read, from its
    // sums; over the others, from one more pass (the same sums, term for
    // term, that a pass over every row would give).
    oob->win.assign(n, std::numeric_limits<double>::quiet_NaN());
    auto take = [&](const OobSums& o, size_t g) {
      for (size_t i = 0; i < o.m; ++i)
        if (o.votes[i]) oob->win[o.first + i] = static_cast<double>(o.sum[g * o.m + i]) / o.votes[i];
    };
    take(sums, best);
    const size_t read = sums.m;
    if (read < n) {
      sums = OobSums();
      take(oob_pass({lambdas[best]}, read, n - read), 0);
    }
    oob->shrinkage = lambdas[best];
  }
  sums = OobSums();
  if (lambdas[best] > 0)
    for (size_t t = 0; t < T_keep; ++t) {
      std::vector<float> shrunk;
      shrink(trees[t], raw_values(trees[t]), lambdas[best], shrunk);
      for (size_t i = 0; i < trees[t].nodes.size(); ++i) trees[t].nodes[i].value = shrunk[i];
    }
  trees.resize(T_keep);

  Forest f;
  f.n_features = static_cast<uint32_t>(data.n_features);
  f.importance.assign(data.n_features, 0.0);
  size_t total_nodes = 0, total_cats = 0;
  for (const auto& t : trees) { total_nodes += t.nodes.size(); total_cats += t.cats.size(); }
  f.nodes.reserve(total_nodes);
  f.catsets.reserve(total_cats);
  for (auto& t : trees) {
    const uint32_t off = static_cast<uint32_t>(f.nodes.size());
    const uint32_t coff = static_cast<uint32_t>(f.catsets.size());
    f.roots.push_back(off);
    for (Node nd : t.nodes) {
      nd.right = nd.kind == kLeaf ? static_cast<uint32_t>(f.nodes.size()) : nd.right + off;
      if (nd.kind == kCategorical) nd.aux += coff;
      f.nodes.push_back(nd);
    }
    f.catsets.insert(f.catsets.end(), t.cats.begin(), t.cats.end());
    for (size_t j = 0; j < data.n_features; ++j) f.importance[j] += t.importance[j];
    t = TreeOut{};
  }
  double imp_sum = 0;
  for (double v : f.importance) imp_sum += v;
  if (imp_sum > 0)
    for (double& v : f.importance) v /= imp_sum;
  f.index();
  return f;
}

}  // namespace leadscore
