// The fast explanation (Model::attribute, model_points from an attribution)
// against a straightforward one kept here: walk each tree, credit each
// split's feature by name, sort every factor, name every factor. Both must
// give the same factors, labels, values and points to the last bit, and the
// score that comes with the attribution must equal Model::score().
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "core/hash.hpp"
#include "core/model.hpp"
#include "core/readable_factors.hpp"
#include "synthetic.hpp"

using namespace leadscore;

namespace {

constexpr double kNow = 1.7e9;

// Per-feature path attribution, features in spec order, by walking each tree.
Explanation reference_explain(const Model& m, const Lead& lead, double now) {
  const FeatureSpec& spec = m.spec();
  const Forest& forest = m.forest();
  std::vector<uint8_t> row(spec.size() + 64);
  spec.encode(lead, now, row.data(), 1);
  std::vector<double> contrib(spec.size(), 0.0);
  double base = 0, raw = 0;
  for (size_t t = 0; t < forest.n_trees(); ++t) {
    uint32_t i = forest.roots[t];
    base += forest.nodes[i].value;
    while (forest.nodes[i].kind != kLeaf) {
      const Node& n = forest.nodes[i];
      const uint32_t next = goes_left(n, forest.catsets.data(), row[n.feature]) ? i + 1 : n.right;
      contrib[n.feature] += static_cast<double>(forest.nodes[next].value) - static_cast<double>(n.value);
      i = next;
    }
    raw += forest.nodes[i].value;
  }
  const double T = static_cast<double>(forest.n_trees());
  Explanation e;
  e.base_value = base / T;
  e.raw_prob = raw / T;
  e.win_prob = m.calibrator().apply(e.raw_prob);
  for (size_t f = 0; f < spec.size(); ++f)
    if (contrib[f] != 0.0) e.contributions.push_back({spec[f].name, contrib[f] / T});
  std::stable_sort(e.contributions.begin(), e.contributions.end(),
                   [](const Contribution& a, const Contribution& b) { return std::fabs(a.value) > std::fabs(b.value); });
  return e;
}

// Points for every factor, sorted by |points| (ties keep the order above),
// the first top_n each way listed and named, the rest summed in that order.
PointsExplanation reference_points(const Model& m, const Explanation& e, const Lead& lead, double now, int top_n) {
  const Calibrator& cal = m.calibrator();
  const double base = e.base_value, raw = e.raw_prob;
  double slope;
  if (std::fabs(raw - base) > 1e-9) {
    slope = (cal.apply(raw) - cal.apply(base)) / (raw - base);
  } else {
    const double h = 1e-4;
    slope = (cal.apply(std::min(1.0, raw + h)) - cal.apply(std::max(0.0, raw - h))) /
            (std::min(1.0, raw + h) - std::max(0.0, raw - h));
  }
  // The points summed in feature order, as they were before sorting.
  std::vector<std::pair<size_t, double>> in_feature_order;
  std::map<std::string, size_t> number;
  for (size_t f = 0; f < m.spec().size(); ++f) number[m.spec()[f].name] = f;
  std::vector<ReadableFactor> all;
  for (const Contribution& c : e.contributions) {
    ReadableFactor r;
    r.feature = c.feature;
    r.points = 100.0 * slope * c.value;
    describe_factor(r.feature, lead, now, &r.label, &r.value);
    if (r.points != 0) {
      all.push_back(r);
      in_feature_order.push_back({number.at(r.feature), r.points});
    }
  }
  std::sort(in_feature_order.begin(), in_feature_order.end());
  PointsExplanation out;
  out.base_points = 100.0 * cal.apply(base);
  out.score_points = out.base_points;
  for (const auto& fp : in_feature_order) out.score_points += fp.second;
  std::stable_sort(all.begin(), all.end(), [](const ReadableFactor& a, const ReadableFactor& b) {
    return std::fabs(a.points) > std::fabs(b.points);
  });
  for (const ReadableFactor& r : all) {
    if (r.points > 0 && static_cast<int>(out.up.size()) < top_n) out.up.push_back(r);
    else if (r.points < 0 && static_cast<int>(out.down.size()) < top_n) out.down.push_back(r);
    else out.other_points += r.points;
  }
  return out;
}

void expect_same_list(const std::vector<ReadableFactor>& got, const std::vector<ReadableFactor>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t k = 0; k < got.size(); ++k) {
    EXPECT_EQ(got[k].feature, want[k].feature);
    EXPECT_EQ(got[k].label, want[k].label);
    EXPECT_EQ(got[k].value, want[k].value);
    EXPECT_EQ(got[k].points, want[k].points);
  }
}

void expect_same_score(const Score& got, const Score& want) {
  EXPECT_EQ(got.win_prob, want.win_prob);
  EXPECT_EQ(got.raw_prob, want.raw_prob);
  EXPECT_EQ(got.confidence, want.confidence);
  EXPECT_EQ(got.confidence_value, want.confidence_value);
  EXPECT_TRUE(got.percentile == want.percentile || (std::isnan(got.percentile) && std::isnan(want.percentile)));
  EXPECT_EQ(got.win_prob_low, want.win_prob_low);
  EXPECT_EQ(got.win_prob_high, want.win_prob_high);
  EXPECT_EQ(got.uncertainty, want.uncertainty);
}

// Leads unlike the training ones too: values dropped, unseen levels and
// tags, numbers outside the training range, so that missing-value splits and
// novel features are exercised.
std::vector<Lead> random_leads(size_t n, uint64_t seed) {
  std::vector<Lead> leads;
  std::vector<uint8_t> y;
  synth::make_leads(n, seed, &leads, &y);
  Rng rng(seed + 1);
  for (Lead& l : leads) {
    switch (rng.below(6)) {
      case 0: l.attributes.clear(); break;
      case 1: l.attributes["region"] = std::string("nowhere"); break;
      case 2: l.attributes["score"] = 1e6; l.permit_value = -5.0; break;
      case 3: l.created_at.reset(); l.address.clear(); break;
      case 4: l.trade_tags = {"solar"}; break;
      default: break;
    }
  }
  return leads;
}

// 30 trees on 3,000 synthetic leads.
Model small_model() {
  std::vector<Lead> train_leads;
  std::vector<uint8_t> y;
  synth::make_leads(3000, 5, &train_leads, &y);
  TrainParams p;
  p.n_trees = 30;
  return train(train_leads, y, p, kNow);
}

}  // namespace

TEST(ExplainReference, FastExplanationEqualsTheStraightforwardOne) {
  const Model m = small_model();
  Attribution a;  // reused across leads, as the SQL functions reuse it
  size_t listed = 0, others = 0;
  for (const Lead& l : random_leads(2000, 77)) {
    const Explanation want = reference_explain(m, l, kNow);
    Score s;
    m.attribute(l, kNow, &a, &s);
    expect_same_score(s, m.score(l, kNow));
    EXPECT_EQ(a.base_value, want.base_value);
    EXPECT_EQ(a.raw_prob, want.raw_prob);
    EXPECT_EQ(a.win_prob, want.win_prob);

    const Explanation e = m.explain(l, kNow, 0);
    ASSERT_EQ(e.contributions.size(), want.contributions.size());
    for (size_t k = 0; k < e.contributions.size(); ++k) {
      EXPECT_EQ(e.contributions[k].feature, want.contributions[k].feature);
      EXPECT_EQ(e.contributions[k].value, want.contributions[k].value);
    }

    for (int top_n : {0, 1, 3, 50}) {
      const PointsExplanation got = model_points(a, m.spec(), m.calibrator(), l, kNow, top_n);
      const PointsExplanation ref = reference_points(m, want, l, kNow, top_n);
      EXPECT_EQ(got.base_points, ref.base_points);
      EXPECT_EQ(got.score_points, ref.score_points);
      EXPECT_EQ(got.other_points, ref.other_points);
      expect_same_list(got.up, ref.up);
      expect_same_list(got.down, ref.down);
      const PointsExplanation old = model_points(e, m.calibrator(), l, kNow, top_n);
      EXPECT_EQ(got.other_points, old.other_points);
      expect_same_list(got.up, old.up);
      expect_same_list(got.down, old.down);
      if (top_n == 3) {
        listed += got.up.size() + got.down.size();
        others += got.other_points != 0;
      }
    }
  }
  // The comparison covered leads with listed factors and with unlisted ones.
  EXPECT_GT(listed, 2000u);
  EXPECT_GT(others, 100u);
}

// The batch walk gives each lead the attribution and score of its own walk,
// to the last bit, in blocks and across their edges (77 leads: two full
// blocks and a part), and leaves no sum of one lead in the next call's.
TEST(ExplainReference, BatchAttributionEqualsOneLeadAtATime) {
  const Model m = small_model();
  ASSERT_TRUE(m.forest().walk_compact);
  const std::vector<Lead> leads = random_leads(77, 78);
  std::vector<Attribution> batch(leads.size());
  std::vector<Score> scores(leads.size());
  for (int round = 0; round < 2; ++round) {
    m.attribute_batch(leads.data(), leads.size(), kNow, batch.data(), scores.data());
    size_t credited = 0;
    for (size_t i = 0; i < leads.size(); ++i) {
      Attribution one;
      Score s;
      m.attribute(leads[i], kNow, &one, &s);
      expect_same_score(scores[i], s);
      EXPECT_EQ(batch[i].base_value, one.base_value);
      EXPECT_EQ(batch[i].raw_prob, one.raw_prob);
      EXPECT_EQ(batch[i].win_prob, one.win_prob);
      EXPECT_EQ(batch[i].n_trees, one.n_trees);
      ASSERT_EQ(batch[i].sums.size(), one.sums.size());
      for (size_t f = 0; f < one.sums.size(); ++f) {
        EXPECT_EQ(batch[i].sums[f], one.sums[f]) << "lead " << i << " feature " << f;
        credited += one.sums[f] != 0.0;
      }
    }
    EXPECT_GT(credited, leads.size());  // the leads' sums are not all zero
  }
}
