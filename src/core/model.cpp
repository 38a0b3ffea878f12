// Training, scoring, explanation and evaluation; see model.hpp.
#include "core/model.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <unordered_set>

#include "core/canonical_order.hpp"
#include "core/errors.hpp"
#include "core/hash.hpp"

namespace leadscore {

namespace {

// The pieces one round of fitting produces.
struct Fitted {
  FeatureSpec spec;
  Forest forest;
  Calibrator cal;
  std::vector<double> oob;  // per fitted row, NaN when no tree left it out
};

// A calibration map of the configured kind fitted on (raw score, label) pairs.
Calibrator calibrate(const std::vector<double>& x, const std::vector<uint8_t>& y, const TrainParams& params,
                     const ShouldStop& stop) {
  Calibration method = params.calibration;
  if (method == Calibration::Auto)
    method = x.size() >= static_cast<size_t>(params.platt_below) ? Calibration::Isotonic : Calibration::Platt;
  if (x.empty()) method = Calibration::None;
  switch (method) {
    case Calibration::Isotonic: return Calibrator::fit_isotonic_bagged(x, y, 10, params.seed, stop);
    case Calibration::Platt: return Calibrator::fit_platt(x, y, stop);
    default: return Calibrator::identity();
  }
}

// Grow the forest and calibrate it on out-of-bag predictions, all from
// set's rows[] in the given (canonical) order; the spec comes with set and
// counts its bins over these rows, the leads it describes. Frees set.rows.
Fitted fit(TrainingSet& set, const std::vector<uint32_t>& rows, const TrainParams& params, const ShouldStop& stop) {
  Fitted out;
  const size_t nf = set.spec.size();
  BinnedData d;
  d.n_rows = rows.size();
  d.n_features = nf;
  d.cols.resize(d.n_rows * d.n_features);
  d.y.resize(d.n_rows);
  for (size_t i = 0; i < d.n_rows; ++i) {
    const uint8_t* row = set.rows.data() + static_cast<size_t>(rows[i]) * nf;
    for (size_t f = 0; f < nf; ++f) d.cols[f * d.n_rows + i] = row[f];
    d.y[i] = set.labels[rows[i]];
    check_stop_every(stop, i);
  }
  std::vector<uint8_t>().swap(set.rows);  // every row the forest needs is in d now
  out.spec = std::move(set.spec);
  for (size_t f = 0; f < nf; ++f) {
    std::vector<uint32_t> counts(out.spec[f].n_bins(), 0);
    const uint8_t* col = d.cols.data() + f * d.n_rows;
    for (size_t i = 0; i < d.n_rows; ++i) counts[col[i]]++;
    out.spec.set_bin_counts(f, std::move(counts));
    d.n_bins.push_back(static_cast<uint8_t>(out.spec[f].n_bins()));
    d.categorical.push_back(out.spec[f].kind == FeatureKind::Categorical);
  }
  if (stop && stop()) throw Cancelled();
  out.forest = train_forest(d, params, stop, &out.oob);
  std::vector<double> x;
  std::vector<uint8_t> y;
  for (size_t i = 0; i < d.n_rows; ++i)
    if (!std::isnan(out.oob[i])) {
      x.push_back(out.oob[i]);
      y.push_back(d.y[i]);
    }
  out.cal = calibrate(x, y, params, stop);
  return out;
}

// The importance list in the lead's terms, largest first.
std::vector<FeatureImportance> top_importance(const FeatureSpec& spec, const Forest& forest) {
  std::vector<FeatureImportance> v;
  for (size_t f = 0; f < spec.size() && f < forest.importance.size(); ++f)
    if (forest.importance[f] > 0) v.push_back({spec[f].name, forest.importance[f]});
  std::stable_sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.importance > b.importance; });
  if (v.size() > kTopImportances) v.resize(kTopImportances);
  return v;
}

// The forest's raw probability of n rows of a row-major bin matrix (nf
// bytes a row): leaf values summed in tree order and divided by the number of
// trees, exactly as Model::score computes raw_prob, walked a block of rows at
// a time as Model::score_batch does.
std::vector<double> raw_probs(const Forest& forest, const uint8_t* rows, size_t nf, size_t n,
                              const ShouldStop& should_stop) {
  constexpr size_t kBlock = 32;
  std::vector<double> out(n);
  uint32_t leaves[kBlock];
  double sum[kBlock];
  const double T = static_cast<double>(forest.n_trees());
  for (size_t b0 = 0; b0 < n; b0 += kBlock) {
    if (b0 % (8 * kBlock) == 0) check_stop(should_stop);  // every 256 leads
    const size_t m = std::min(kBlock, n - b0);
    std::fill_n(sum, m, 0.0);
    for (size_t t = 0; t < forest.n_trees(); ++t) {
      forest.walk_block(t, rows + b0 * nf, m, nf, leaves);
      for (size_t i = 0; i < m; ++i) sum[i] += static_cast<double>(forest.nodes[forest.walk_node[leaves[i]]].value);
    }
    for (size_t i = 0; i < m; ++i) out[b0 + i] = sum[i] / T;
  }
  return out;
}

// Scratch space for one encoded lead: on the stack when the model is small.
class RowBuffer {
 public:
  explicit RowBuffer(size_t n) {
    if (n > sizeof small_) {
      big_.resize(n);
      p_ = big_.data();
    } else {
      p_ = small_;
    }
  }
  uint8_t* data() { return p_; }

 private:
  uint8_t small_[1024];
  std::vector<uint8_t> big_;
  uint8_t* p_;
};

}  // namespace

const char* to_string(ConfidenceLevel c) {
  switch (c) {
    case ConfidenceLevel::High: return "high";
    case ConfidenceLevel::Medium: return "medium";
    default: return "low";
  }
}

bool is_holdout(int64_t lead_id, uint64_t seed, double holdout_fraction) {
  return in_holdout(lead_id, seed, holdout_fraction);
}

Model::Model(FeatureSpec spec, Forest forest, Calibrator cal, Metrics metrics, TrainParams params,
             ScoreDistribution held_out)
    : spec_(std::move(spec)), forest_(std::move(forest)), cal_(std::move(cal)),
      metrics_(std::move(metrics)), params_(params), held_out_(std::move(held_out)) {
  if (forest_.n_features != spec_.size())
    throw CorruptModel("forest and feature spec disagree on the number of features");
  const double k = 2.0 * params_.min_samples_leaf;
  leaf_value_.resize(forest_.walk_node.size());
  leaf_support_.resize(forest_.walk_node.size());
  for (size_t w = 0; w < forest_.walk_node.size(); ++w) {
    const Node& n = forest_.nodes[forest_.walk_node[w]];
    const double c = n.aux;
    leaf_value_[w] = n.value;
    leaf_support_[w] = c / (c + k);
  }
}

Score Model::finish(double sum_v, double sum_v2, double sum_support, const uint8_t* novel) const {
  const double T = static_cast<double>(forest_.n_trees());
  Score s;
  s.raw_prob = T > 0 ? sum_v / T : 0.0;
  s.win_prob = cal_.apply(s.raw_prob);
  s.percentile = held_out_.percentile(s.win_prob);
  const double var = T > 0 ? std::max(0.0, sum_v2 / T - s.raw_prob * s.raw_prob) : 0.0;
  const double agreement = std::max(0.0, 1.0 - 2.0 * std::sqrt(var));
  const double support = T > 0 ? sum_support / T : 0.0;
  double unfamiliar = 0;
  for (size_t f = 0; f < spec_.size(); ++f)
    if (novel[f]) unfamiliar += forest_.importance[f];
  const double familiarity = std::max(0.0, 1.0 - unfamiliar);
  s.uncertainty = 1.0 - std::min(1.0, std::max(0.0, agreement * support * familiarity));
  const double h = kZ90 * std::sqrt(var);
  s.win_prob_low = cal_.apply(std::max(0.0, s.raw_prob - h));
  s.win_prob_high = cal_.apply(std::min(1.0, s.raw_prob + h));
  const double width = s.win_prob_high - s.win_prob_low;
  s.confidence_value = 1.0 - width;
  s.confidence = width <= kWidthHigh     ? ConfidenceLevel::High
                 : width <= kWidthMedium ? ConfidenceLevel::Medium
                                         : ConfidenceLevel::Low;
  return s;
}

Score Model::score(const Lead& lead, double now) const {
  if (forest_.n_trees() == 0) throw InvalidInput("model is empty");
  const size_t nf = spec_.size(), T = forest_.n_trees();
  RowBuffer buf(2 * nf);
  uint8_t* row = buf.data();
  uint8_t* novel = row + nf;
  spec_.encode(lead, now, row, 1, novel);
  uint32_t small[256];
  std::vector<uint32_t> big;
  uint32_t* leaves = small;
  if (T > 256) {
    big.resize(T);
    leaves = big.data();
  }
  forest_.walk_trees(row, leaves);
  double sv = 0, sv2 = 0, ss = 0;
  for (size_t t = 0; t < T; ++t) {
    const double v = leaf_value_[leaves[t]];
    sv += v;
    sv2 += v * v;
    ss += leaf_support_[leaves[t]];
  }
  return finish(sv, sv2, ss, novel);
}

void Model::score_batch(const Lead* leads, size_t n, double now, Score* out, const ShouldStop& should_stop) const {
  if (forest_.n_trees() == 0) throw InvalidInput("model is empty");
  constexpr size_t kBlock = 32;
  const size_t nf = spec_.size();
  RowBuffer buf(2 * std::min(n, kBlock) * nf);
  uint8_t* const rows = buf.data();
  uint8_t* const novel = rows + std::min(n, kBlock) * nf;
  double sv[kBlock], sv2[kBlock], ss[kBlock];
  for (size_t b0 = 0; b0 < n; b0 += kBlock) {
    if (b0 % (8 * kBlock) == 0) check_stop(should_stop);  // every 256 leads, about a millisecond
    const size_t m = std::min(kBlock, n - b0);
    for (size_t i = 0; i < m; ++i) {
      spec_.encode(leads[b0 + i], now, rows + i * nf, 1, novel + i * nf);
      sv[i] = sv2[i] = ss[i] = 0;
    }
    // Tree-outer, so each tree stays in cache while the block walks it.
    uint32_t leaves[kBlock];
    for (size_t t = 0; t < forest_.n_trees(); ++t) {
      forest_.walk_block(t, rows, m, nf, leaves);
      for (size_t i = 0; i < m; ++i) {
        const double v = leaf_value_[leaves[i]];
        sv[i] += v;
        sv2[i] += v * v;
        ss[i] += leaf_support_[leaves[i]];
      }
    }
    for (size_t i = 0; i < m; ++i) out[b0 + i] = finish(sv[i], sv2[i], ss[i], novel + i * nf);
  }
}

std::vector<Score> Model::score_batch(const std::vector<Lead>& leads, double now,
                                     const ShouldStop& should_stop) const {
  std::vector<Score> out(leads.size());
  score_batch(leads.data(), leads.size(), now, out.data(), should_stop);
  return out;
}

void Model::attribute(const Lead& lead, double now, Attribution* out, Score* score) const {
  if (forest_.n_trees() == 0) throw InvalidInput("model is empty");
  const size_t nf = spec_.size(), T = forest_.n_trees();
  RowBuffer buf(2 * nf);
  uint8_t* row = buf.data();
  uint8_t* novel = row + nf;
  spec_.encode(lead, now, row, 1, novel);
  out->sums.assign(nf, 0.0);
  double* sums = out->sums.data();
  double base = 0, sv = 0, sv2 = 0, ss = 0;
  // Path attribution: each split's feature is credited with the change in the
  // node's class-1 fraction from parent to the child the lead takes, tree
  // after tree and down each path, the order every sum has always had. The
  // leaf gives the score's statistics, summed as score() sums them.
  if (forest_.walk_compact) {
    // The trees walked in lockstep as scoring walks them, the ways down kept
    // and credited afterwards in that order.
    const size_t stride = static_cast<size_t>(forest_.max_depth) + 1;
    out->paths.resize(T * stride);
    forest_.walk_paths(row, out->paths.data());
    const Forest::WalkNode* ws = forest_.walk.data();
    const double* value = leaf_value_.data();
    for (size_t t = 0; t < T; ++t) {
      const uint32_t* path = out->paths.data() + t * stride;
      base += value[path[0]];
      size_t l = 0;
      for (; l + 1 < stride && path[l + 1] != path[l]; ++l) sums[ws[path[l]].feature] += value[path[l + 1]] - value[path[l]];
      const double v = value[path[l]];
      sv += v;
      sv2 += v * v;
      ss += leaf_support_[path[l]];
    }
  } else {
    const Node* ns = forest_.nodes.data();
    const CatSet* cs = forest_.catsets.data();
    for (size_t t = 0; t < T; ++t) {
      uint32_t i = forest_.roots[t];
      base += ns[i].value;
      while (ns[i].kind != kLeaf) {
        const uint32_t next = goes_left(ns[i], cs, row[ns[i].feature]) ? i + 1 : ns[i].right;
        sums[ns[i].feature] += static_cast<double>(ns[next].value) - static_cast<double>(ns[i].value);
        i = next;
      }
      const uint32_t w = forest_.node_walk[i];
      const double v = leaf_value_[w];
      sv += v;
      sv2 += v * v;
      ss += leaf_support_[w];
    }
  }
  const double Td = static_cast<double>(T);
  out->n_trees = Td;
  out->base_value = base / Td;
  out->raw_prob = sv / Td;
  out->win_prob = cal_.apply(out->raw_prob);
  if (score) *score = finish(sv, sv2, ss, novel);
}

Explanation Model::explain(const Lead& lead, double now, int top_n) const {
  if (forest_.n_trees() == 0) throw InvalidInput("model is empty");
  if (top_n < 0) throw InvalidInput("top_n must not be negative");
  Attribution a;
  attribute(lead, now, &a);
  Explanation e;
  e.base_value = a.base_value;
  e.raw_prob = a.raw_prob;
  e.win_prob = a.win_prob;
  for (size_t f = 0; f < a.sums.size(); ++f)
    if (a.sums[f] != 0.0) e.contributions.push_back({spec_[f].name, a.sums[f] / a.n_trees});
  rank_contributions(e, top_n);
  return e;
}

Model train(const std::vector<Lead>& leads, const std::vector<uint8_t>& labels, const TrainParams& params,
            double now, const ShouldStop& should_stop) {
  params.validate();
  if (leads.size() != labels.size()) throw InvalidInput("leads and labels differ in length");
  if (leads.size() < 2) throw InvalidInput("training needs at least 2 leads");
  if (leads.size() > 0x7fffffff) throw InvalidInput("too many leads for one model");
  for (uint8_t y : labels)
    if (y > 1) throw InvalidInput("labels must be 0 or 1");
  if (!std::isfinite(now)) throw InvalidInput("scoring time must be finite");

  // The leads that train (max_training_leads), then the same two passes a
  // streaming loader makes (training_set.hpp), so both give the same model.
  std::vector<int64_t> lead_ids(leads.size());
  for (size_t i = 0; i < leads.size(); ++i) lead_ids[i] = leads[i].id;
  std::vector<uint32_t> order = canonical_order(lead_ids, params.seed, should_stop);
  lead_ids = std::vector<int64_t>();
  if (order.size() > static_cast<size_t>(params.max_training_leads)) order.resize(params.max_training_leads);
  SpecSample sample(params);
  for (size_t i = 0; i < order.size(); ++i) {
    sample.offer(leads[order[i]]);
    check_stop_every(should_stop, i);
  }
  TrainingSet set(sample.learn(now, should_stop), now);
  set.reserve(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    set.add(leads[order[i]], labels[order[i]]);
    check_stop_every(should_stop, i);
  }
  return train(std::move(set), params, should_stop);
}

Model train(TrainingSet&& set, const TrainParams& params, const ShouldStop& should_stop) {
  params.validate();
  const size_t n = set.size(), nf = set.spec.size();
  if (set.labels.size() != n || set.rows.size() != n * nf) throw InvalidInput("training set is inconsistent");
  if (n < 2) throw InvalidInput("training needs at least 2 leads");
  if (n > 0x7fffffff) throw InvalidInput("too many leads for one model");
  for (uint8_t y : set.labels)
    if (y > 1) throw InvalidInput("labels must be 0 or 1");
  if (!std::isfinite(set.now)) throw InvalidInput("scoring time must be finite");
  const std::vector<int64_t>& ids = set.ids;
  const std::vector<uint8_t>& labels = set.labels;

  // Canonical order: by seeded id hash, so storage order cannot matter.
  std::vector<uint32_t> order = canonical_order(ids, params.seed, should_stop);
  // Beyond max_training_leads, the leads first in the canonical order train:
  // a sample fixed by the seed and the ids alone (params.hpp).
  if (order.size() > static_cast<size_t>(params.max_training_leads)) order.resize(params.max_training_leads);

  std::vector<uint32_t> train_rows, hold_rows;
  for (uint32_t r : order)
    (in_holdout(ids[r], params.seed, params.holdout_fraction) ? hold_rows : train_rows).push_back(r);
  auto both_classes = [&](const std::vector<uint32_t>& rows) {
    bool pos = false, neg = false;
    for (uint32_t r : rows) (labels[r] ? pos : neg) = true;
    return pos && neg;
  };
  if (!both_classes(order)) throw InvalidInput("training needs both won and lost leads");
  if (!both_classes(train_rows)) throw InvalidInput("the non-held-out leads are all of one class");

  if (!params.refit_full || hold_rows.empty()) {
    // The shipped forest never sees the held-out leads: measure it on them
    // directly, from their bins, kept apart before fit() frees the rest.
    std::vector<uint8_t> hold_bins(hold_rows.size() * nf);
    for (size_t i = 0; i < hold_rows.size(); ++i)
      std::copy_n(set.rows.data() + static_cast<size_t>(hold_rows[i]) * nf, nf, hold_bins.data() + i * nf);
    Fitted fitted = fit(set, train_rows, params, should_stop);
    const std::vector<double> fitted_oob = std::move(fitted.oob);
    Model m(std::move(fitted.spec), std::move(fitted.forest), std::move(fitted.cal), Metrics(), params);
    // One pass over the held-out leads' bins gives both the calibrated
    // probabilities the metrics describe and the raw ones auc_raw and the
    // refit need.
    const std::vector<double> raw = raw_probs(m.forest(), hold_bins.data(), nf, hold_rows.size(), should_stop);
    std::vector<double> p;
    std::vector<uint8_t> hy;
    for (size_t i = 0; i < hold_rows.size(); ++i) {
      p.push_back(m.calibrator().apply(raw[i]));
      hy.push_back(labels[hold_rows[i]]);
    }
    check_stop(should_stop);
    Metrics metrics = compute_metrics(p, hy);
    check_stop(should_stop);
    metrics.rows_train = train_rows.size();
    metrics.importance = top_importance(m.spec(), m.forest());
    metrics.auc_raw = roc_auc(raw, hy);
    check_stop(should_stop);
    // Once measured, the held-out leads also calibrate: the forest never sees
    // them, their predictions come from all its trees, and a fifth more
    // leads steadies the map. The metrics above keep describing the map
    // fitted without them; auc_raw, the forest's own ranking, is what a
    // comparison of models on these leads should use (see the header).
    std::vector<double> x;
    std::vector<uint8_t> xy;
    for (size_t i = 0; i < train_rows.size(); ++i)
      if (!std::isnan(fitted_oob[i])) {
        x.push_back(fitted_oob[i]);
        xy.push_back(labels[train_rows[i]]);
      }
    x.insert(x.end(), raw.begin(), raw.end());
    xy.insert(xy.end(), hy.begin(), hy.end());
    Calibrator cal = hold_rows.empty() ? m.calibrator() : calibrate(x, xy, params, should_stop);
    check_stop(should_stop);
    // Percentiles rank against the held-out leads as the shipped map sees
    // them (all out-of-bag leads when none is held out).
    const std::vector<double>& ranked = hold_rows.empty() ? x : raw;
    std::vector<double> dist(ranked.size());
    for (size_t i = 0; i < ranked.size(); ++i) dist[i] = cal.apply(ranked[i]);
    return Model(m.spec(), m.forest(), std::move(cal), std::move(metrics), params,
                 ScoreDistribution::from_probabilities(std::move(dist)));
  }

  // One forest on all leads. The held-out leads are measured through their
  // out-of-bag predictions (only trees that never saw a lead score it), mapped
  // by a calibration fitted on the other leads' out-of-bag predictions, so no
  // label of a measured lead touches what measures it. These figures describe
  // a forest of about a third of the trees, so they slightly understate the
  // shipped one.
  Fitted fitted = fit(set, order, params, should_stop);
  std::vector<double> fx, hx;
  std::vector<uint8_t> fy, hy;
  for (size_t i = 0; i < order.size(); ++i) {
    const uint32_t r = order[i];
    if (std::isnan(fitted.oob[i])) continue;
    if (in_holdout(ids[r], params.seed, params.holdout_fraction)) {
      hx.push_back(fitted.oob[i]);
      hy.push_back(labels[r]);
    } else {
      fx.push_back(fitted.oob[i]);
      fy.push_back(labels[r]);
    }
  }
  const Calibrator held_cal = calibrate(fx, fy, params, should_stop);
  check_stop(should_stop);
  const double auc_raw = roc_auc(hx, hy);
  // Percentiles rank against the held-out leads' out-of-bag predictions
  // through the shipped map (all out-of-bag leads when none is held out).
  std::vector<double> dist = hx.empty() ? fx : hx;
  for (double& v : dist) v = fitted.cal.apply(v);
  for (double& v : hx) v = held_cal.apply(v);
  check_stop(should_stop);
  Metrics metrics = compute_metrics(hx, hy);
  check_stop(should_stop);
  metrics.auc_raw = auc_raw;
  metrics.rows_train = train_rows.size();
  metrics.importance = top_importance(fitted.spec, fitted.forest);
  return Model(std::move(fitted.spec), std::move(fitted.forest), std::move(fitted.cal), std::move(metrics), params,
               ScoreDistribution::from_probabilities(std::move(dist)));
}

Metrics evaluate(const Model& model, const std::vector<Lead>& leads, const std::vector<uint8_t>& labels,
                 double now) {
  if (leads.size() != labels.size()) throw InvalidInput("leads and labels differ in length");
  for (uint8_t y : labels)
    if (y > 1) throw InvalidInput("labels must be 0 or 1");
  std::vector<Score> s = model.score_batch(leads, now);
  std::vector<double> p(s.size());
  for (size_t i = 0; i < s.size(); ++i) p[i] = s[i].win_prob;
  Metrics m = compute_metrics(p, labels);
  m.rows_train = model.metrics().rows_train;
  m.importance = model.metrics().importance;
  return m;
}

}  // namespace leadscore
