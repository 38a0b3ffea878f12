// Tree growing: known best splits, missing values, categories, determinism.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>

#include "core/forest.hpp"
#include "core/errors.hpp"
#include "core/hash.hpp"
#include "core/model.hpp"
#include "core/model_format.hpp"
#include "synthetic.hpp"

using namespace leadscore;

namespace {

// One numeric feature, label = (bin > 5); bins 1..10, every bin 10 rows.
BinnedData threshold_data() {
  BinnedData d;
  d.n_features = 1;
  d.n_bins = {11};
  d.categorical = {0};
  for (int b = 1; b <= 10; ++b)
    for (int k = 0; k < 10; ++k) {
      d.cols.push_back(static_cast<uint8_t>(b));
      d.y.push_back(b > 5);
    }
  d.n_rows = d.y.size();
  return d;
}

TrainParams one_tree() {
  TrainParams p;
  p.n_trees = 1;
  p.calibration_trees = 0;
  p.min_samples_leaf = 1;
  p.max_features = 1.0;
  return p;
}

}  // namespace

TEST(Forest, FindsTheKnownBestThreshold) {
  BinnedData d = threshold_data();
  Forest f = train_forest(d, one_tree(), ShouldStop(), nullptr);
  const Node& root = f.nodes[f.roots[0]];
  ASSERT_NE(root.kind, kLeaf);
  EXPECT_EQ(root.feature, 0);
  // Every bin from 1 to 5 goes left and 6 to 10 right, whatever the bootstrap.
  for (int b = 1; b <= 10; ++b) {
    uint8_t row = static_cast<uint8_t>(b);
    EXPECT_EQ(f.predict(&row), b > 5 ? 1.0 : 0.0) << b;
  }
}

TEST(Forest, MissingValuesFindTheirSide) {
  // Missing (bin 0) rows are all positive, so the best split isolates them.
  BinnedData d = threshold_data();
  for (int k = 0; k < 30; ++k) {
    d.cols.push_back(0);
    d.y.push_back(1);
  }
  d.n_rows = d.y.size();
  Forest f = train_forest(d, one_tree(), ShouldStop(), nullptr);
  uint8_t missing = 0, low = 2, high = 9;
  EXPECT_EQ(f.predict(&missing), 1.0);
  EXPECT_EQ(f.predict(&low), 0.0);
  EXPECT_EQ(f.predict(&high), 1.0);
}

TEST(Forest, CategoricalSplitGroupsLevelsByRate) {
  // Levels 2 and 4 win, 3 and 5 lose: no single threshold separates them.
  BinnedData d;
  d.n_features = 1;
  d.n_bins = {6};
  d.categorical = {1};
  for (int lv : {2, 3, 4, 5})
    for (int k = 0; k < 20; ++k) {
      d.cols.push_back(static_cast<uint8_t>(lv));
      d.y.push_back(lv % 2 == 0);
    }
  d.n_rows = d.y.size();
  TrainParams p = one_tree();
  p.max_depth = 1;
  Forest f = train_forest(d, p, ShouldStop(), nullptr);
  ASSERT_EQ(f.nodes[0].kind, kCategorical);
  for (uint8_t lv : {2, 3, 4, 5}) EXPECT_EQ(f.predict(&lv), lv % 2 == 0 ? 1.0 : 0.0);
}

TEST(Forest, DepthAndLeafSizeLimitsHold) {
  std::vector<Lead> leads;
  std::vector<uint8_t> y;
  synth::make_leads(2000, 5, &leads, &y);
  TrainParams p;
  p.n_trees = 5;
  p.max_depth = 4;
  p.min_samples_leaf = 50;
  p.holdout_fraction = 0;
  Model m = train(leads, y, p, 1.7e9);
  const Forest& f = m.forest();
  for (size_t t = 0; t < f.n_trees(); ++t) EXPECT_LE(f.depth[t], 4);
  for (const Node& n : f.nodes)
    if (n.kind == kLeaf) EXPECT_GE(n.aux, 50u);
}

TEST(Forest, SameSeedSameModelWhateverRowOrderAndThreads) {
  std::vector<Lead> leads;
  std::vector<uint8_t> y;
  synth::make_leads(1500, 11, &leads, &y);
  TrainParams p;
  p.n_trees = 8;
  p.calibration_trees = 12;
  Model a = train(leads, y, p, 1.7e9);

  // Reverse and rotate the rows; train with two threads.
  std::vector<Lead> l2(leads.rbegin(), leads.rend());
  std::vector<uint8_t> y2(y.rbegin(), y.rend());
  std::rotate(l2.begin(), l2.begin() + 500, l2.end());
  std::rotate(y2.begin(), y2.begin() + 500, y2.end());
  p.threads = 2;
  Model b = train(l2, y2, p, 1.7e9);
  ASSERT_EQ(a.forest().nodes.size(), b.forest().nodes.size());
  EXPECT_EQ(0, std::memcmp(a.forest().nodes.data(), b.forest().nodes.data(), a.forest().nodes.size() * sizeof(Node)));
  EXPECT_EQ(a.calibrator().xs, b.calibrator().xs);
  EXPECT_EQ(a.metrics().auc, b.metrics().auc);

  // A different seed gives a different forest.
  p.seed = 7;
  Model c = train(leads, y, p, 1.7e9);
  EXPECT_TRUE(c.forest().nodes.size() != a.forest().nodes.size() ||
              std::memcmp(a.forest().nodes.data(), c.forest().nodes.data(), a.forest().nodes.size() * sizeof(Node)) != 0);
}

TEST(Forest, BatchAndSingleScoresAgree) {
  std::vector<Lead> leads;
  std::vector<uint8_t> y;
  synth::make_leads(1000, 3, &leads, &y);
  TrainParams p;
  p.n_trees = 10;
  Model m = train(leads, y, p, 1.7e9);
  std::vector<Score> batch = m.score_batch(leads, 1.7e9);
  for (size_t i = 0; i < leads.size(); i += 37) {
    Score s = m.score(leads[i], 1.7e9);
    EXPECT_EQ(s.win_prob, batch[i].win_prob);
    EXPECT_EQ(s.raw_prob, batch[i].raw_prob);
    EXPECT_EQ(s.confidence_value, batch[i].confidence_value);
    // The branch-free block walk and the plain walk reach the same leaves.
    std::vector<uint8_t> row(m.spec().size());
    m.spec().encode(leads[i], 1.7e9, row.data(), 1);
    EXPECT_DOUBLE_EQ(m.forest().predict(row.data()), s.raw_prob);
  }
}

TEST(Forest, RejectsUnusableTrainingSets) {
  std::vector<Lead> leads(10);
  for (int i = 0; i < 10; ++i) leads[i].id = i;
  std::vector<uint8_t> all_lost(10, 0);
  EXPECT_THROW(train(leads, all_lost, TrainParams(), 0), InvalidInput);
  std::vector<uint8_t> y = {0, 1, 0, 1, 0, 1, 0, 1, 0, 1};
  EXPECT_THROW(train(leads, y, TrainParams(), 0), InvalidInput);  // no feature values at all
  leads[3].id = 4;
  leads[3].attributes["x"] = 1.0;
  EXPECT_THROW(train(leads, y, TrainParams(), 0), InvalidInput);  // duplicate id
  EXPECT_THROW(train(leads, std::vector<uint8_t>(3, 1), TrainParams(), 0), InvalidInput);
}

namespace {

// A forest of complete categorical trees of the given depth, built by hand:
// every split has its own category set, so the set count is chosen exactly.
Forest categorical_forest(size_t n_trees, int depth, uint64_t seed) {
  Forest f;
  f.n_features = 4;
  f.importance.assign(4, 0.25);
  Rng rng(seed);
  for (size_t t = 0; t < n_trees; ++t) {
    f.roots.push_back(static_cast<uint32_t>(f.nodes.size()));
    // Preorder: a node's left subtree follows it, its right subtree after that.
    std::function<void(int)> grow = [&](int level) {
      const uint32_t at = static_cast<uint32_t>(f.nodes.size());
      f.nodes.emplace_back();
      Node& n = f.nodes.back();
      n.value = static_cast<float>(rng.below(1000)) / 1000.0f;
      n.feature = static_cast<uint16_t>(rng.below(4));
      if (level == depth) {
        n.kind = kLeaf;
        n.right = at;
        n.aux = 1 + rng.below(50);
        return;
      }
      n.kind = kCategorical;
      n.aux = static_cast<uint32_t>(f.catsets.size());
      CatSet s;
      for (int b = 0; b < 256; ++b)
        if (rng.below(2)) s.add(static_cast<uint8_t>(b));
      f.catsets.push_back(s);
      grow(level + 1);
      f.nodes[at].right = static_cast<uint32_t>(f.nodes.size());
      grow(level + 1);
    };
    grow(0);
  }
  f.validate();
  f.index();
  return f;
}

// Every walk of f reaches the leaf that the plain node-by-node walk reaches.
void expect_walks_agree(const Forest& f) {
  Rng rng(7);
  constexpr size_t kRows = 40;
  std::vector<uint8_t> rows(kRows * f.n_features);
  for (auto& b : rows) b = static_cast<uint8_t>(rng.below(256));
  std::vector<uint32_t> single(f.n_trees()), block(kRows);
  for (size_t r = 0; r < kRows; ++r) {
    f.walk_trees(rows.data() + r * f.n_features, single.data());
    for (size_t t = 0; t < f.n_trees(); ++t)
      ASSERT_EQ(f.walk_node[single[t]], f.leaf(t, rows.data() + r * f.n_features)) << "tree " << t;
  }
  for (size_t t = 0; t < f.n_trees(); t += 17) {
    f.walk_block(t, rows.data(), kRows, f.n_features, block.data());
    for (size_t r = 0; r < kRows; ++r)
      ASSERT_EQ(f.walk_node[block[r]], f.leaf(t, rows.data() + r * f.n_features)) << "tree " << t;
  }
}

}  // namespace

TEST(Forest, CompactWalkReachesTheSameLeavesAsThePlainWalk) {
  Forest f = categorical_forest(20, 8, 1);
  EXPECT_TRUE(f.walk_compact);
  expect_walks_agree(f);
}

TEST(Forest, ForestWithTooManyCategorySetsForTheCompactWalkStillScores) {
  // 300 trees x 255 splits: more category sets than a 16-bit mask index holds.
  Forest f = categorical_forest(300, 8, 2);
  EXPECT_FALSE(f.walk_compact);
  expect_walks_agree(f);
}

TEST(Forest, IndexRejectsANodeReachableAlongTwoPaths) {
  // Preorder of a depth-2 tree: 0 root, 1 left split (leaves 2, 3), 4 right split.
  Forest f = categorical_forest(1, 2, 3);
  f.nodes[1].right = 4;  // the left split now also leads to the right split
  EXPECT_NO_THROW(f.validate());  // every child still lies after its parent
  EXPECT_THROW(f.index(), CorruptModel);
}

TEST(Forest, NumericThresholdsBeyondTheBinsAreRefusedByValidateAndIndex) {
  // Thresholds past kMaxThreshold would name the masks after the numeric
  // ones (the first category set's, or past the end when there is none).
  Forest f = categorical_forest(8, 3, 4);
  f.catsets.clear();
  for (Node& n : f.nodes)
    if (n.kind != kLeaf) n.kind = kNumMissingRight, n.threshold = kMaxThreshold;
  EXPECT_NO_THROW(f.validate());
  EXPECT_NO_THROW(f.index());
  f.nodes[0].threshold = kMaxThreshold + 1;
  EXPECT_THROW(f.validate(), CorruptModel);
  EXPECT_THROW(f.index(), CorruptModel);
  f.nodes[0].kind = kNumMissingLeft;
  EXPECT_THROW(f.validate(), CorruptModel);
  EXPECT_THROW(f.index(), CorruptModel);
}

TEST(Forest, MaxTrainingLeadsTrainsOnAFixedSampleWhateverTheOrder) {
  std::vector<Lead> leads;
  std::vector<uint8_t> y;
  synth::make_leads(1000, 5, &leads, &y);
  TrainParams p;
  p.n_trees = 5;
  p.max_training_leads = 300;
  p.refit_full = false;  // so every held-out lead is measured and the counts add up
  Model m = train(leads, y, p, 1.7e9);
  EXPECT_EQ(m.metrics().rows_train + m.metrics().rows_holdout, 300u);
  // Reversed input, same sample and so the same model.
  std::vector<Lead> rev(leads.rbegin(), leads.rend());
  std::vector<uint8_t> ry(y.rbegin(), y.rend());
  Model r = train(rev, ry, p, 1.7e9);
  EXPECT_EQ(serialize(m), serialize(r));
  // The bound is a parameter like the others: stored, and read back from the blob.
  EXPECT_EQ(deserialize(serialize(m)).params().max_training_leads, 300);
  p.max_training_leads = 1;
  EXPECT_THROW(train(leads, y, p, 1.7e9), InvalidInput);
}

TEST(Forest, HeldOutLeadsCalibrateOnceMeasuredAndAucRawIsTheForestsRanking) {
  std::vector<Lead> leads;
  std::vector<uint8_t> y;
  synth::make_leads(2000, 6, &leads, &y);
  TrainParams p;
  p.n_trees = 10;
  p.refit_full = false;
  Model m = train(leads, y, p, 1.7e9);
  std::vector<Lead> hold;
  std::vector<uint8_t> hy;
  for (size_t i = 0; i < leads.size(); ++i)
    if (is_holdout(leads[i].id, p.seed, p.holdout_fraction)) hold.push_back(leads[i]), hy.push_back(y[i]);
  std::vector<double> raw, cal;
  for (const Score& s : m.score_batch(hold, 1.7e9)) raw.push_back(s.raw_prob), cal.push_back(s.win_prob);
  // auc_raw is the shipped forest's ranking of the held-out leads...
  EXPECT_DOUBLE_EQ(m.metrics().auc_raw, roc_auc(raw, hy));
  // ... and survives serialization (format 2).
  EXPECT_DOUBLE_EQ(deserialize(serialize(m)).metrics().auc_raw, m.metrics().auc_raw);
  // The reported metrics describe the map fitted without the held-out leads;
  // the shipped map, fitted with them too, differs from it.
  EXPECT_NE(compute_metrics(cal, hy).brier, m.metrics().brier);
  // With refit_full the figure is measured out of bag and is defined too.
  p.refit_full = true;
  EXPECT_GT(train(leads, y, p, 1.7e9).metrics().auc_raw, 0.6);
}

namespace {

// The shrunk forest has the plain one's splits, and every step from a parent
// to a child is the plain step scaled towards 0.
void expect_shrunk_towards_parents(const Forest& plain, const Forest& shrunk, double lambda) {
  ASSERT_EQ(plain.nodes.size(), shrunk.nodes.size());
  for (size_t t = 0; t < plain.n_trees(); ++t) {
    const uint32_t root = plain.roots[t];
    EXPECT_FLOAT_EQ(shrunk.nodes[root].value, plain.nodes[root].value) << "the root keeps its value";
  }
  size_t moved = 0;
  for (size_t i = 0; i < plain.nodes.size(); ++i) {
    const Node& n = plain.nodes[i];
    EXPECT_EQ(n.kind, shrunk.nodes[i].kind);
    EXPECT_EQ(n.right, shrunk.nodes[i].right);
    if (n.kind == kLeaf) continue;
    for (const uint32_t c : {static_cast<uint32_t>(i + 1), n.right}) {
      // A child's step from its parent is the plain step scaled by a factor
      // in (0, 1): the same sign, never larger.
      const double step = plain.nodes[c].value - plain.nodes[i].value;
      const double got = shrunk.nodes[c].value - shrunk.nodes[i].value;
      if (lambda == 0 || std::fabs(step) < 1e-6) {
        EXPECT_NEAR(got, step, 1e-6);
        continue;
      }
      EXPECT_GT(got * step, 0) << i;
      EXPECT_LT(std::fabs(got), std::fabs(step)) << i;
      ++moved;
    }
  }
  if (lambda > 0) EXPECT_GT(moved, 0u);
}

}  // namespace

TEST(Forest, ShrinkageScalesEveryStepTowardsTheParent) {
  std::vector<Lead> leads;
  std::vector<uint8_t> y;
  synth::make_leads(1500, 21, &leads, &y);
  TrainParams p;
  p.n_trees = 6;
  p.holdout_fraction = 0;
  p.shrinkage = 0;
  const Model plain = train(leads, y, p, 1.7e9);
  for (double lambda : {10.0, 1000.0}) {
    p.shrinkage = lambda;
    const Model shrunk = train(leads, y, p, 1.7e9);
    expect_shrunk_towards_parents(plain.forest(), shrunk.forest(), lambda);
    EXPECT_EQ(shrunk.params().shrinkage, lambda) << "the model records the shrinkage it got";
  }
  // With a very large shrinkage every tree says its root's value.
  p.shrinkage = 1e6;
  const Model flat = train(leads, y, p, 1.7e9);
  for (size_t t = 0; t < flat.forest().n_trees(); ++t) {
    const float root = flat.forest().nodes[flat.forest().roots[t]].value;
    const uint32_t end = t + 1 < flat.forest().n_trees() ? flat.forest().roots[t + 1]
                                                           : static_cast<uint32_t>(flat.forest().nodes.size());
    for (uint32_t i = flat.forest().roots[t]; i < end; ++i) EXPECT_NEAR(flat.forest().nodes[i].value, root, 0.01);
  }
}

TEST(Forest, AutomaticShrinkageIsChosenFromTheGridOutOfBag) {
  // Strong signal and pure noise: out of bag, noise gains from shrinking its
  // leaves towards the base rate, and every choice is one of the grid's.
  std::vector<Lead> leads;
  std::vector<uint8_t> y;
  synth::make_leads(3000, 22, &leads, &y);
  TrainParams p;
  p.n_trees = 20;
  ASSERT_LT(p.shrinkage, 0) << "automatic is the default";
  const Model signal = train(leads, y, p, 1.7e9);
  Rng rng(5);
  for (auto& label : y) label = rng.below(100) < 20;
  const Model noise = train(leads, y, p, 1.7e9);
  const std::vector<double> grid = {0, 10, 30, 100, 300, 1000};
  EXPECT_NE(std::find(grid.begin(), grid.end(), signal.params().shrinkage), grid.end());
  EXPECT_NE(std::find(grid.begin(), grid.end(), noise.params().shrinkage), grid.end());
  EXPECT_GT(noise.params().shrinkage, signal.params().shrinkage);
  EXPECT_GE(noise.params().shrinkage, 100);
}

TEST(Forest, AutomaticShrinkageOnManyRowsChoosesOnASampleAndSumsEveryRow) {
  // Past 200,000 rows the choice reads the first of them; the out-of-bag
  // predictions and the forest are then those of the chosen shrinkage given
  // outright, over every row.
  BinnedData d;
  d.n_rows = 250000;
  d.n_features = 2;
  d.n_bins = {11, 11};
  d.categorical = {0, 0};
  d.cols.resize(2 * d.n_rows);
  Rng rng(9);
  for (size_t r = 0; r < d.n_rows; ++r) {
    const uint8_t a = static_cast<uint8_t>(1 + rng.below(10)), b = static_cast<uint8_t>(1 + rng.below(10));
    d.cols[r] = a;
    d.cols[d.n_rows + r] = b;
    d.y.push_back(rng.below(100) < static_cast<uint32_t>(5 * a + 2 * b));
  }
  TrainParams p;
  p.n_trees = 3;
  p.calibration_trees = 0;
  p.max_depth = 6;
  p.min_samples_leaf = 20;
  p.max_features = 1.0;
  OutOfBag chosen;
  const Forest a = train_forest(d, p, ShouldStop(), &chosen);
  p.shrinkage = chosen.shrinkage;
  OutOfBag given;
  const Forest b = train_forest(d, p, ShouldStop(), &given);
  ASSERT_EQ(chosen.win.size(), d.n_rows);
  size_t voted = 0;
  for (size_t r = 0; r < d.n_rows; ++r) {
    if (std::isnan(given.win[r])) {
      EXPECT_TRUE(std::isnan(chosen.win[r]));
      continue;
    }
    ++voted;
    EXPECT_EQ(chosen.win[r], given.win[r]) << r;
  }
  EXPECT_GT(voted, d.n_rows / 2);
  ASSERT_EQ(a.nodes.size(), b.nodes.size());
  EXPECT_EQ(0, std::memcmp(a.nodes.data(), b.nodes.data(), a.nodes.size() * sizeof(Node)));
}
