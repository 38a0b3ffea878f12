// Training, scoring, explanation and evaluation; see model.hpp.
#include "core/model.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numeric>
#include <unordered_set>

#include "core/canonical_order.hpp"
#include "core/censored_normal.hpp"
#include "core/errors.hpp"
#include "core/hash.hpp"
#include "core/json.hpp"

namespace leadscore {

namespace {

// Rows walked down each tree together: a block's rows stay in cache while
// the tree does (score_batch, attribute_batch, the held-out figures).
constexpr size_t kBlock = 32;

// The pieces one round of fitting produces.
struct Fitted {
  FeatureSpec spec;
  Forest forest;  // the win's
  Calibrator cal;
  Forest contact_forest, quote_forest;  // a funnel model's steps (funnel.hpp)
  Calibrator contact_cal, quote_cal;
  // Per fitted row, NaN when no tree left it out: the win forest's
  // out-of-bag mean, and a funnel model's contact and quote forests' (for a
  // row not contacted, which the quote forest does not learn from, all its
  // trees' mean).
  OutOfBag oob;
  std::vector<double> oob_contact, oob_quote;
};

// Whether row r of a funnel set is a quote whose win is not known yet: it
// trains the contact and quote stages and stays out of everything about winning.
bool pending(const TrainingSet& set, uint32_t r) { return set.has_stages() && (set.stages[r] & kPendingWin); }

// Whether row r of a funnel set reached the stage.
uint8_t reached(const TrainingSet& set, uint32_t r, uint8_t stage) { return (set.stages[r] & 3) >= stage; }

// Whether row r is among the leads a step's map learns from: the quote's,
// P(quote | contact), only the contacted ones; the contact's every row.
bool in_step(const TrainingSet& set, uint32_t r, uint8_t stage) {
  return stage != kStageQuoted || reached(set, r, kStageContacted);
}

// The rows of a map fitted on win labels. A pending quote has no label yet:
// it enters as won with its chance of ending in a win (OpenQuoteOdds), drawn
// by a seeded hash of its id, so that in expectation the map sees every quote
// as it will end. Leaving open quotes out, or counting them lost, would bias
// the map as it would the forest (funnel.hpp).
class WinRows {
 public:
  // open_share: per set row, a pending quote's chance of a win (empty for a set without stages).
  WinRows(const TrainingSet& set, const std::vector<float>& open_share, uint64_t seed)
      : set_(set), open_share_(open_share), seed_(seed) {}

  void add(std::vector<double>& x, std::vector<uint8_t>& y, double vote, uint32_t r) const {
    x.push_back(vote);
    y.push_back(label(r));
  }

  // Row r's win label, a pending quote's drawn.
  uint8_t label(uint32_t r) const {
    if (!pending(set_, r)) return set_.labels[r];
    const double u = static_cast<double>(id_hash(set_.ids[r], seed_ ^ 0x77696e73ULL) >> 11) * 0x1.0p-53;
    return u < open_share_[r] ? 1 : 0;
  }

 private:
  const TrainingSet& set_;
  const std::vector<float>& open_share_;
  uint64_t seed_;
};

// Per row of a funnel set, a pending quote's chance of ending in a win, from
// how the quotes among learn_rows ended (funnel.hpp: OpenQuoteOdds), for the
// pending quotes among rows; 0 elsewhere.
std::vector<float> open_quote_shares(const TrainingSet& set, const std::vector<uint32_t>& learn_rows,
                                     const std::vector<uint32_t>& rows, const ShouldStop& should_stop) {
  std::vector<float> share;
  if (!set.has_stages()) return share;
  std::vector<double> ages, win_days;
  uint64_t lost = 0;
  for (size_t i = 0; i < learn_rows.size(); ++i) {
    check_stop_every(should_stop, i);
    const uint32_t r = learn_rows[i];
    if (!reached(set, r, kStageQuoted)) continue;
    ages.push_back(std::isnan(set.quote_ages[r]) ? 0.0 : set.quote_ages[r]);
    if (set.labels[r]) win_days.push_back(set.win_days[r]);
    else if (!pending(set, r)) ++lost;
  }
  const OpenQuoteOdds odds(std::move(ages), std::move(win_days), lost, set.quote_expiry_days);
  share.assign(set.size(), 0.0f);
  for (size_t i = 0; i < rows.size(); ++i) {
    check_stop_every(should_stop, i);
    const uint32_t r = rows[i];
    if (pending(set, r)) share[r] = static_cast<float>(odds.win_share(std::isnan(set.quote_ages[r]) ? 0.0 : set.quote_ages[r]));
  }
  return share;
}

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

// Grow the forests and calibrate them on out-of-bag predictions, all from
// set's rows[] in the given (canonical) order; the spec comes with set and
// counts its bins over these rows, the leads it describes. Frees set.rows.
//
// measured: the rows (of set) whose out-of-bag votes will measure the model
// (empty when none will): a row the quote forest never saw gets the vote of
// all its trees only there.
//
// The win forest learns won against lost, a pending quote drawn as won with
// its chance of ending in a win (WinRows), so that in expectation it sees
// every quote as it will end. A funnel model's steps each get a plain forest
// of stage_trees trees (funnel.hpp): contact on every row, quote on the
// contacted rows. One forest per step learns each conditional probability
// from the leads it concerns; a single forest for every stage spent each
// split on all three at once and was measured worse on every stage
// (bench/sql/README.md, "One forest per step").
Fitted fit(TrainingSet& set, const std::vector<uint32_t>& rows, const WinRows& win_rows,
           const std::function<bool(uint32_t)>& measured, const TrainParams& params, const ShouldStop& stop) {
  Fitted out;
  const size_t nf = set.spec.size();
  const bool funnel = set.has_stages();
  BinnedData d;
  d.n_rows = rows.size();
  d.n_features = nf;
  d.cols.resize(d.n_rows * d.n_features);
  d.y.resize(d.n_rows);
  for (size_t i = 0; i < d.n_rows; ++i) {
    const uint8_t* row = set.rows.data() + static_cast<size_t>(rows[i]) * nf;
    for (size_t f = 0; f < nf; ++f) d.cols[f * d.n_rows + i] = row[f];
    d.y[i] = win_rows.label(rows[i]);
    check_stop_every(stop, i);
  }
  std::vector<uint8_t>().swap(set.rows);  // every row the forests need is in d now
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
    if (!std::isnan(out.oob.win[i])) win_rows.add(x, y, out.oob.win[i], rows[i]);
  out.cal = calibrate(x, y, params, stop);
  if (!funnel) return out;
  std::vector<double>().swap(x);  // what the map was fitted on, freed before the next forest grows
  std::vector<uint8_t>().swap(y);

  // A step's map on its out-of-bag votes; the quote's on the contacted rows.
  auto calibrate_step = [&](const std::vector<double>& votes, uint8_t stage) {
    x.clear();
    y.clear();
    for (size_t i = 0; i < rows.size(); ++i)
      if (!std::isnan(votes[i]) && in_step(set, rows[i], stage)) {
        x.push_back(votes[i]);
        y.push_back(reached(set, rows[i], stage));
      }
    return calibrate(x, y, params, stop);
  };
  TrainParams step = params;
  step.n_trees = params.stage_trees;
  step.calibration_trees = 0;
  // Contact: every row.
  for (size_t i = 0; i < d.n_rows; ++i) d.y[i] = reached(set, rows[i], kStageContacted);
  OutOfBag oob;
  out.contact_forest = train_forest(d, step, stop, &oob);
  out.oob_contact = std::move(oob.win);
  // Quote given contact: the contacted rows, unless none stopped at a quote
  // (then the quote is the win, funnel.hpp, and a forest would learn the win
  // again).
  bool stopped_at_quote = false;
  for (uint32_t r : rows) stopped_at_quote |= (set.stages[r] & 3) == kStageQuoted;
  if (!stopped_at_quote) {
    std::vector<uint8_t>().swap(d.cols);
    out.contact_cal = calibrate_step(out.oob_contact, kStageContacted);
    return out;
  }
  std::vector<uint32_t> contacted;
  for (size_t i = 0; i < d.n_rows; ++i)
    if (reached(set, rows[i], kStageContacted)) contacted.push_back(static_cast<uint32_t>(i));
  out.oob_quote.assign(d.n_rows, std::numeric_limits<double>::quiet_NaN());
  {  // a lead stopped at a quote, so the contacted rows are not empty
    BinnedData q;
    q.n_rows = contacted.size();
    q.n_features = nf;
    q.n_bins = d.n_bins;
    q.categorical = d.categorical;
    q.cols.resize(q.n_rows * nf);
    q.y.resize(q.n_rows);
    for (size_t f = 0; f < nf; ++f) {
      const uint8_t* from = d.cols.data() + f * d.n_rows;
      uint8_t* to = q.cols.data() + f * q.n_rows;
      for (size_t j = 0; j < q.n_rows; ++j) to[j] = from[contacted[j]];
      check_stop(stop);
    }
    for (size_t j = 0; j < q.n_rows; ++j) q.y[j] = reached(set, rows[contacted[j]], kStageQuoted);
    out.quote_forest = train_forest(q, step, stop, &oob);
    for (size_t j = 0; j < q.n_rows; ++j) out.oob_quote[contacted[j]] = oob.win[j];
  }
  // The rows not contacted are out of every quote tree's bag: all the trees
  // vote for those that measure the model.
  std::vector<uint8_t> row(nf);
  for (size_t i = 0, j = 0; i < d.n_rows; ++i) {
    if (j < contacted.size() && contacted[j] == i) {
      ++j;
      continue;
    }
    if (!measured || !measured(rows[i])) continue;
    for (size_t f = 0; f < nf; ++f) row[f] = d.cols[f * d.n_rows + i];
    out.oob_quote[i] = out.quote_forest.predict(row.data());
    check_stop_every(stop, i);
  }
  std::vector<uint8_t>().swap(d.cols);
  out.contact_cal = calibrate_step(out.oob_contact, kStageContacted);
  out.quote_cal = calibrate_step(out.oob_quote, kStageQuoted);
  return out;
}

// A banded training lead's deal: the value its band stands for in dollars
// and the band's range [low, high), high infinite for the open top band;
// low == high when only the value is known.
struct BandedValue {
  double value, low, high;
};

// The deal-value model (funnel.hpp) from the banded training leads: their
// bins (row-major, nf a row), their bands and whether each is held out.
ValueModel fit_value(const FeatureSpec& spec, const std::vector<uint8_t>& bins, const std::vector<BandedValue>& values,
                     const std::vector<uint8_t>& held, const TrainParams& params, const ShouldStop& stop) {
  ValueModel v;
  v.banded_leads = values.size();
  v.min_banded_leads = static_cast<uint64_t>(params.min_banded_leads);
  if (values.empty()) return v;
  double sum = 0;
  for (const BandedValue& b : values) sum += b.value;
  v.fallback = sum / static_cast<double>(values.size());
  const size_t nf = spec.size();
  std::vector<uint32_t> fit_rows, hold_rows;
  for (uint32_t i = 0; i < values.size(); ++i) (held[i] ? hold_rows : fit_rows).push_back(i);
  if (values.size() < v.min_banded_leads || fit_rows.size() < 2) return v;
  // Values of zero or less have no logarithm; a band starting at 0 stands for at least a dollar.
  auto log_of = [](double x) { return std::log(std::max(1.0, x)); };
  const size_t n = fit_rows.size();
  std::vector<double> t(n), m(n);
  std::vector<LogRange> ranges(n);
  for (size_t i = 0; i < n; ++i) {
    const BandedValue& b = values[fit_rows[i]];
    t[i] = log_of(b.value);
    ranges[i].lo = b.high > b.low ? (b.low > 1 ? std::log(b.low) : -INFINITY) : t[i];
    ranges[i].hi = b.high > b.low ? (std::isinf(b.high) ? INFINITY : log_of(b.high)) : t[i];
  }

  BinnedData d;
  d.n_rows = n;
  d.n_features = nf;
  d.cols.resize(n * nf);
  d.y.assign(n, 0);
  d.target.resize(n);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* row = bins.data() + static_cast<size_t>(fit_rows[i]) * nf;
    for (size_t f = 0; f < nf; ++f) d.cols[f * n + i] = row[f];
    check_stop_every(stop, i);
  }
  for (size_t f = 0; f < nf; ++f) {
    d.n_bins.push_back(static_cast<uint8_t>(spec[f].n_bins()));
    d.categorical.push_back(spec[f].kind == FeatureKind::Categorical);
  }
  // Leaves as large as the win forest's (min_samples_leaf): a band's value
  // is coarse, and leaves of a few leads learned its noise and made the
  // forest larger than the win forest it sits beside. Every feature tried
  // at each split (bagged trees, scikit-learn's default for a regression
  // forest): a job's value rests on few features (its size above all), and
  // a split that may try only a third of them mostly cuts on ones that say
  // nothing of it. On the demo's leads this took the expected value's
  // median error from 31.8% to 29.1% (bench/sql/README.md).
  TrainParams vp = params;
  vp.n_trees = params.value_trees;
  vp.calibration_trees = 0;
  vp.class_weight = ClassWeight::None;
  vp.max_features = static_cast<double>(nf);  // a whole count: all of them
  vp.shrinkage = 0;
  // Two rounds of expectation-maximisation over the bands' ranges
  // (censored_normal.hpp): the first forest learns each band at its typical
  // value; with its out-of-bag predictions as the means, the spread is
  // fitted and each lead's target becomes its expected log value within its
  // band; the second forest, the one shipped, learns those, and the spread
  // is fitted again around its predictions.
  double sigma = 0;
  for (int round = 0; round < 2; ++round) {
    double lo = INFINITY, hi = -INFINITY;
    for (double x : t) {
      lo = std::min(lo, x);
      hi = std::max(hi, x);
    }
    const double span = hi > lo ? hi - lo : 1.0;
    for (size_t i = 0; i < n; ++i) d.target[i] = static_cast<float>((t[i] - lo) / span);
    OutOfBag oob;
    v.forest = train_forest(d, vp, stop, &oob);
    v.log_low = lo;
    v.log_span = span;
    double square = 0;
    for (size_t i = 0; i < n; ++i) {
      m[i] = lo + span * (std::isnan(oob.win[i]) ? v.forest.predict(bins.data() + static_cast<size_t>(fit_rows[i]) * nf)
                                                 : oob.win[i]);
      square += (t[i] - m[i]) * (t[i] - m[i]);
      check_stop_every(stop, i);
    }
    sigma = fit_log_spread(m, ranges, sigma > 0 ? sigma : std::sqrt(square / static_cast<double>(n)), stop);
    if (round == 0)
      for (size_t i = 0; i < n; ++i) t[i] = m[i] + truncated_moments(m[i], sigma, ranges[i]).mean;
  }
  // A forest's predictions are drawn towards the middle of what it learned
  // (a leaf averages its neighbours), the most at the ends: leads at the low
  // end come out too high and those at the top too low. So the log value is
  // read off the out-of-bag prediction through a straight line fitted to the
  // bands by maximum likelihood (fit_log_line), as a win probability is read
  // through its calibration map, and the spread around that line is the one
  // the smear uses. The line is folded into the forest's scale.
  const LogLine line = fit_log_line(m, ranges, sigma, stop);
  if (line.b > 0 && line.b < 10 && std::isfinite(line.a) && line.sigma > 0) {
    v.log_low = line.a + line.b * v.log_low;
    v.log_span *= line.b;
    sigma = line.sigma;
  }
  // Deals spread by more than a factor of e^5 per standard deviation around
  // the prediction (operator bands of absurd width): the features say
  // nothing of the value, and every lead keeps the banded leads' mean.
  if (!(sigma < 5.0)) {
    v.forest = Forest();
    return v;
  }
  // The mean of a log-normal value, not its median.
  v.smear = std::exp(0.5 * sigma * sigma);
  v.fitted = true;
  std::vector<double> rel;
  for (size_t i = 0; i < hold_rows.size(); ++i) {
    const double truth = values[hold_rows[i]].value;
    if (!(truth > 0)) continue;
    const double pred = v.dollars(v.forest.predict(bins.data() + static_cast<size_t>(hold_rows[i]) * nf));
    rel.push_back(std::fabs(pred - truth) / truth);
    check_stop_every(stop, i);
  }
  v.rows_holdout = rel.size();
  if (!rel.empty()) {
    std::nth_element(rel.begin(), rel.begin() + rel.size() / 2, rel.end());
    v.median_relative_error = rel[rel.size() / 2];
  }
  return v;
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

// A forest's node values by walk position (forest.hpp): what a walk ends on.
std::vector<double> leaf_values(const Forest& f) {
  std::vector<double> v(f.walk_node.size());
  for (size_t w = 0; w < f.walk_node.size(); ++w) v[w] = f.nodes[f.walk_node[w]].value;
  return v;
}

// The same for m <= kBlock row-major rows (stride nf), added to sums[0..m),
// a tree at a time for the block.
void add_leaf_sums(const Forest& f, const std::vector<double>& leaf, const uint8_t* rows, size_t m, size_t nf,
                   double* sums) {
  uint32_t leaves[kBlock];
  for (size_t t = 0; t < f.n_trees(); ++t) {
    f.walk_block(t, rows, m, nf, leaves);
    for (size_t i = 0; i < m; ++i) sums[i] += leaf[leaves[i]];
  }
}

// The forest's raw probabilities of n rows of a row-major bin matrix (nf
// bytes a row): leaf values summed in tree order and divided by the number of
// trees, exactly as Model::score computes raw_prob, walked a block of rows at
// a time as Model::score_batch does.
std::vector<double> raw_probs(const Forest& forest, const uint8_t* rows, size_t nf, size_t n,
                              const ShouldStop& should_stop) {
  const std::vector<double> leaf = leaf_values(forest);
  std::vector<double> out(n, 0.0);
  const double T = static_cast<double>(forest.n_trees());
  for (size_t b0 = 0; b0 < n; b0 += kBlock) {
    if (b0 % (8 * kBlock) == 0) check_stop(should_stop);  // every 256 leads
    const size_t m = std::min(kBlock, n - b0);
    add_leaf_sums(forest, leaf, rows + b0 * nf, m, nf, out.data() + b0);
    for (size_t i = 0; i < m; ++i) out[b0 + i] /= T;
  }
  return out;
}

// The held-out figures of the three stages (funnel.hpp) from the given rows'
// raw means: each lead's probabilities composed as scoring composes them,
// through the maps given (those fitted without these rows). A row missing a
// raw mean (no tree left it out) is skipped; a pending quote has no win yet.
void funnel_figures(const TrainingSet& set, const std::vector<uint32_t>& rows, const std::vector<double>& raw_w,
                    const std::vector<double>& raw_c, const std::vector<double>& raw_q, const Calibrator& win_cal,
                    const Calibrator& contact_cal, const Calibrator& quote_cal, bool quote_is_win, Funnel* f) {
  std::vector<double> pc, pq, pw;
  std::vector<uint8_t> yc, yq, yw;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (std::isnan(raw_w[i]) || std::isnan(raw_c[i]) || (!quote_is_win && std::isnan(raw_q[i]))) continue;
    const uint32_t r = rows[i];
    const double w = win_cal.apply(raw_w[i]);
    double c, q;
    stage_probs(contact_cal, quote_cal, quote_is_win, w, raw_c[i], quote_is_win ? 0.0 : raw_q[i], &c, &q);
    pc.push_back(c);
    yc.push_back(reached(set, r, kStageContacted));
    pq.push_back(q);
    yq.push_back(reached(set, r, kStageQuoted));
    if (pending(set, r)) continue;
    pw.push_back(w);
    yw.push_back(set.labels[r]);
  }
  f->contact = StageFigures::of(pc, yc);
  f->quote = StageFigures::of(pq, yq);
  f->win = StageFigures::of(pw, yw);
}

// Scratch space of n values (an encoded lead, a leaf per tree): on the stack
// when the model is small.
template <class T, size_t kStack>
class ScratchBuffer {
 public:
  ScratchBuffer(const ScratchBuffer&) = delete;  // p_ may point into small_
  ScratchBuffer& operator=(const ScratchBuffer&) = delete;
  explicit ScratchBuffer(size_t n) {
    if (n > kStack) {
      big_.resize(n);
      p_ = big_.data();
    } else {
      p_ = small_;
    }
  }
  T* data() { return p_; }

 private:
  T small_[kStack];
  std::vector<T> big_;
  T* p_;
};
using RowBuffer = ScratchBuffer<uint8_t, 1024>;
using LeafBuffer = ScratchBuffer<uint32_t, 256>;

// The leads that train (max_training_leads), then the same two passes a
// streaming loader makes (training_set.hpp), so both give the same model;
// what is added per lead is its label or its Outcome.
template <class What>
Model train_in_two_passes(const std::vector<Lead>& leads, const std::vector<What>& what, const TrainParams& params,
                          double now, const ShouldStop& should_stop) {
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
    set.add(leads[order[i]], what[order[i]]);
    check_stop_every(should_stop, i);
  }
  return train(std::move(set), params, should_stop);
}

// The sum of a forest's leaves (leaf: by walk position) over an encoded row.
double leaf_sum(const Forest& f, const std::vector<double>& leaf, const uint8_t* row) {
  const size_t T = f.n_trees();
  LeafBuffer buf(T);
  uint32_t* leaves = buf.data();
  f.walk_trees(row, leaves);
  double sum = 0;
  for (size_t t = 0; t < T; ++t) sum += leaf[leaves[t]];
  return sum;
}

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
             ScoreDistribution held_out, Funnel funnel, ValueModel value)
    : spec_(std::move(spec)), forest_(std::move(forest)), cal_(std::move(cal)),
      metrics_(std::move(metrics)), params_(params), held_out_(std::move(held_out)),
      funnel_(std::move(funnel)), value_(std::move(value)) {
  if (forest_.n_features != spec_.size())
    throw CorruptModel("forest and feature spec disagree on the number of features");
  if (value_.fitted && (value_.forest.n_features != spec_.size() || !std::isfinite(value_.log_low) ||
                        !(value_.log_span > 0 && value_.log_span < 100) || !(value_.smear > 0 && value_.smear < 1e6)))
    throw CorruptModel("value forest does not fit the feature spec");
  if (funnel_.present) {
    const Forest& c = funnel_.contact_forest;
    const Forest& q = funnel_.quote_forest;
    if (c.n_features != spec_.size() || c.n_trees() == 0 || (!funnel_.quote_is_win() && q.n_features != spec_.size()))
      throw CorruptModel("a stage forest does not fit the feature spec");
    contact_leaf_ = leaf_values(funnel_.contact_forest);
    quote_leaf_ = leaf_values(funnel_.quote_forest);
  }
  if (value_.fitted) value_leaf_ = leaf_values(value_.forest);
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

Model::SideSums Model::side_sums(const uint8_t* row) const {
  SideSums side;
  if (funnel_.present) {
    side.contact = leaf_sum(funnel_.contact_forest, contact_leaf_, row);
    if (!funnel_.quote_is_win()) side.quote = leaf_sum(funnel_.quote_forest, quote_leaf_, row);
  }
  if (value_.fitted) side.value = leaf_sum(value_.forest, value_leaf_, row);
  return side;
}

void Model::add_side_sums(const uint8_t* rows, size_t m, size_t nf, SideSums* side) const {
  double sums[kBlock];
  auto add = [&](const Forest& f, const std::vector<double>& leaf, double SideSums::*field) {
    std::fill_n(sums, m, 0.0);
    add_leaf_sums(f, leaf, rows, m, nf, sums);
    for (size_t i = 0; i < m; ++i) side[i].*field += sums[i];
  };
  if (funnel_.present) {
    add(funnel_.contact_forest, contact_leaf_, &SideSums::contact);
    if (!funnel_.quote_is_win()) add(funnel_.quote_forest, quote_leaf_, &SideSums::quote);
  }
  if (value_.fitted) add(value_.forest, value_leaf_, &SideSums::value);
}

Score Model::finish(const LeafSums& sums, const SideSums& side, const uint8_t* novel) const {
  const double sum_v = sums.v, sum_v2 = sums.v2, sum_support = sums.support;
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
  if (funnel_.present)
    stage_probs(funnel_.contact_cal, funnel_.quote_cal, funnel_.quote_is_win(), s.win_prob,
                side.contact / static_cast<double>(funnel_.contact_forest.n_trees()),
                funnel_.quote_is_win() ? 0.0 : side.quote / static_cast<double>(funnel_.quote_forest.n_trees()),
                &s.contact_prob, &s.quote_prob);
  s.value_if_won =
      value_.fitted ? value_.dollars(side.value / static_cast<double>(value_.forest.n_trees())) : value_.fallback;
  s.expected_value = s.win_prob * s.value_if_won;
  return s;
}

Score Model::score(const Lead& lead, double now) const {
  if (forest_.n_trees() == 0) throw InvalidInput("model is empty");
  const size_t nf = spec_.size(), T = forest_.n_trees();
  RowBuffer buf(2 * nf);
  uint8_t* row = buf.data();
  uint8_t* novel = row + nf;
  spec_.encode(lead, now, row, 1, novel);
  LeafBuffer leaf_buf(T);
  uint32_t* leaves = leaf_buf.data();
  forest_.walk_trees(row, leaves);
  LeafSums sums;
  for (size_t t = 0; t < T; ++t) sums.add(*this, leaves[t]);
  return finish(sums, side_sums(row), novel);
}

void Model::score_batch(const Lead* leads, size_t n, double now, Score* out, const ShouldStop& should_stop) const {
  if (forest_.n_trees() == 0) throw InvalidInput("model is empty");
  const size_t nf = spec_.size();
  RowBuffer buf(2 * std::min(n, kBlock) * nf);
  uint8_t* const rows = buf.data();
  uint8_t* const novel = rows + std::min(n, kBlock) * nf;
  LeafSums sums[kBlock];
  SideSums side[kBlock];
  for (size_t b0 = 0; b0 < n; b0 += kBlock) {
    if (b0 % (8 * kBlock) == 0) check_stop(should_stop);  // every 256 leads, about a millisecond
    const size_t m = std::min(kBlock, n - b0);
    for (size_t i = 0; i < m; ++i) {
      spec_.encode(leads[b0 + i], now, rows + i * nf, 1, novel + i * nf);
      sums[i] = LeafSums();
      side[i] = SideSums();
    }
    // Tree-outer, so each tree stays in cache while the block walks it.
    uint32_t leaves[kBlock];
    for (size_t t = 0; t < forest_.n_trees(); ++t) {
      forest_.walk_block(t, rows, m, nf, leaves);
      for (size_t i = 0; i < m; ++i) sums[i].add(*this, leaves[i]);
    }
    add_side_sums(rows, m, nf, side);
    for (size_t i = 0; i < m; ++i) out[b0 + i] = finish(sums[i], side[i], novel + i * nf);
  }
}

std::vector<Score> Model::score_batch(const std::vector<Lead>& leads, double now,
                                     const ShouldStop& should_stop) const {
  std::vector<Score> out(leads.size());
  score_batch(leads.data(), leads.size(), now, out.data(), should_stop);
  return out;
}

namespace {

// Path attribution along one tree's way down (walk positions from the root,
// a position repeated once the walk sat in its leaf, at most levels steps):
// each split's feature is credited with the change in the node's class-1
// fraction from the node to the child the lead takes. Returns the leaf.
inline uint32_t credit_path(const Forest::WalkNode* ws, const double* value, const uint32_t* path, int levels,
                            double* sums) {
  int l = 0;
  for (; l < levels && path[l + 1] != path[l]; ++l) sums[ws[path[l]].feature] += value[path[l + 1]] - value[path[l]];
  return path[l];
}

}  // namespace

void Model::attribute(const Lead& lead, double now, Attribution* out, Score* score) const {
  if (forest_.n_trees() == 0) throw InvalidInput("model is empty");
  const size_t nf = spec_.size(), T = forest_.n_trees();
  RowBuffer buf(2 * nf);
  uint8_t* row = buf.data();
  uint8_t* novel = row + nf;
  spec_.encode(lead, now, row, 1, novel);
  out->sums.assign(nf, 0.0);
  double* sums = out->sums.data();
  double base = 0;
  LeafSums leaf_sums;
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
      leaf_sums.add(*this, credit_path(ws, value, path, forest_.depth[t], sums));
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
      leaf_sums.add(*this, forest_.node_walk[i]);
    }
  }
  const double Td = static_cast<double>(T);
  out->n_trees = Td;
  out->base_value = base / Td;
  out->raw_prob = leaf_sums.v / Td;
  out->win_prob = cal_.apply(out->raw_prob);
  if (score) *score = finish(leaf_sums, side_sums(row), novel);
}

void Model::attribute_batch(const Lead* leads, size_t n, double now, Attribution* out, Score* scores) const {
  if (forest_.n_trees() == 0) throw InvalidInput("model is empty");
  if (!forest_.walk_compact || n == 1) {
    for (size_t i = 0; i < n; ++i) attribute(leads[i], now, &out[i], &scores[i]);
    return;
  }
  const size_t nf = spec_.size(), T = forest_.n_trees();
  const size_t stride = static_cast<size_t>(forest_.max_depth) + 1;
  RowBuffer buf(2 * std::min(n, kBlock) * nf);
  uint8_t* const rows = buf.data();
  uint8_t* const novel = rows + std::min(n, kBlock) * nf;
  std::vector<uint32_t> paths(kBlock * stride);
  const Forest::WalkNode* ws = forest_.walk.data();
  const double* value = leaf_value_.data();
  LeafSums leaf_sums[kBlock];
  SideSums side[kBlock];
  // The roots' values are the same for every lead.
  double base = 0;
  for (size_t t = 0; t < T; ++t) base += value[forest_.walk_roots[t]];
  const double Td = static_cast<double>(T);
  for (size_t b0 = 0; b0 < n; b0 += kBlock) {
    const size_t m = std::min(kBlock, n - b0);
    for (size_t i = 0; i < m; ++i) {
      spec_.encode(leads[b0 + i], now, rows + i * nf, 1, novel + i * nf);
      out[b0 + i].sums.assign(nf, 0.0);
      leaf_sums[i] = LeafSums();
      side[i] = SideSums();
    }
    // Tree after tree and down each path, as attribute() credits them, so
    // every sum adds the same numbers in the same order.
    for (size_t t = 0; t < T; ++t) {
      forest_.walk_block_paths(t, rows, m, nf, paths.data(), stride);
      const int d = forest_.depth[t];
      for (size_t i = 0; i < m; ++i) {
        leaf_sums[i].add(*this, credit_path(ws, value, paths.data() + i * stride, d, out[b0 + i].sums.data()));
      }
    }
    add_side_sums(rows, m, nf, side);
    for (size_t i = 0; i < m; ++i) {
      Attribution& a = out[b0 + i];
      a.n_trees = Td;
      a.base_value = base / Td;
      a.raw_prob = leaf_sums[i].v / Td;
      a.win_prob = cal_.apply(a.raw_prob);
      scores[b0 + i] = finish(leaf_sums[i], side[i], novel + i * nf);
    }
  }
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

  return train_in_two_passes(leads, labels, params, now, should_stop);
}

Model train(const std::vector<Lead>& leads, const std::vector<Outcome>& outcomes, const TrainParams& params,
            double now, const ShouldStop& should_stop) {
  params.validate();
  if (leads.size() != outcomes.size()) throw InvalidInput("leads and outcomes differ in length");
  if (leads.size() < 2) throw InvalidInput("training needs at least 2 leads");
  if (leads.size() > 0x7fffffff) throw InvalidInput("too many leads for one model");
  if (!std::isfinite(now)) throw InvalidInput("scoring time must be finite");
  return train_in_two_passes(leads, outcomes, params, now, should_stop);
}

Model train(TrainingSet&& set, const TrainParams& params, const ShouldStop& should_stop) {
  params.validate();
  const size_t n = set.size(), nf = set.spec.size();
  if (set.labels.size() != n || set.rows.size() != n * nf) throw InvalidInput("training set is inconsistent");
  if (set.has_stages() && (set.stages.size() != n || set.deal_values.size() != n || set.deal_lows.size() != n ||
                           set.deal_highs.size() != n || set.quote_ages.size() != n ||
                           set.win_days.size() != n))
    throw InvalidInput("training set is inconsistent");
  if (n < 2) throw InvalidInput("training needs at least 2 leads");
  if (n > 0x7fffffff) throw InvalidInput("too many leads for one model");
  for (uint8_t y : set.labels)
    if (y > 1) throw InvalidInput("labels must be 0 or 1");
  if (!std::isfinite(set.now)) throw InvalidInput("scoring time must be finite");
  const std::vector<int64_t>& ids = set.ids;
  const std::vector<uint8_t>& labels = set.labels;
  const bool funnel = set.has_stages();

  // Canonical order: by seeded id hash, so storage order cannot matter.
  std::vector<uint32_t> order = canonical_order(ids, params.seed, should_stop);
  // Beyond max_training_leads, the leads first in the canonical order train:
  // a sample fixed by the seed and the ids alone (params.hpp).
  if (order.size() > static_cast<size_t>(params.max_training_leads)) order.resize(params.max_training_leads);

  std::vector<uint32_t> train_rows, hold_rows;
  for (uint32_t r : order)
    (in_holdout(ids[r], params.seed, params.holdout_fraction) ? hold_rows : train_rows).push_back(r);
  // Won and lost among the leads whose outcome is known (a pending quote is neither).
  auto both_classes = [&](const std::vector<uint32_t>& rows) {
    bool pos = false, neg = false;
    for (uint32_t r : rows)
      if (!pending(set, r)) (labels[r] ? pos : neg) = true;
    return pos && neg;
  };
  if (!both_classes(order)) throw InvalidInput("training needs both won and lost leads");
  if (!both_classes(train_rows)) throw InvalidInput("the non-held-out leads are all of one class");
  // The odds are learned from the quotes the forest trains on: with the
  // held-out leads kept out (refit_full false), none of their labels reaches
  // what measures them.
  const std::vector<float> open_share =
      open_quote_shares(set, params.refit_full ? order : train_rows, order, should_stop);
  const WinRows win_rows(set, open_share, params.seed);

  // The banded leads' bins, kept apart before fit() frees the rest.
  std::vector<uint8_t> banded_bins, banded_held;
  std::vector<BandedValue> banded_values;
  if (funnel)
    for (uint32_t r : order)
      if (!std::isnan(set.deal_values[r])) {
        banded_bins.insert(banded_bins.end(), set.rows.begin() + static_cast<size_t>(r) * nf,
                           set.rows.begin() + static_cast<size_t>(r + 1) * nf);
        banded_values.push_back({set.deal_values[r], set.deal_lows[r], set.deal_highs[r]});
        banded_held.push_back(in_holdout(ids[r], params.seed, params.holdout_fraction));
      }
  auto value_model = [&](const FeatureSpec& spec) {
    return funnel ? fit_value(spec, banded_bins, banded_values, banded_held, params, should_stop) : ValueModel();
  };

  if (!params.refit_full || hold_rows.empty()) {
    // The shipped forest never sees the held-out leads: measure it on them
    // directly, from their bins, kept apart before fit() frees the rest.
    std::vector<uint8_t> hold_bins(hold_rows.size() * nf);
    for (size_t i = 0; i < hold_rows.size(); ++i)
      std::copy_n(set.rows.data() + static_cast<size_t>(hold_rows[i]) * nf, nf, hold_bins.data() + i * nf);
    Fitted fitted = fit(set, train_rows, win_rows, nullptr, params, should_stop);
    const OutOfBag fitted_oob = std::move(fitted.oob);
    TrainParams shipped = params;  // the model records the shrinkage its forest got, chosen or given
    shipped.shrinkage = fitted_oob.shrinkage;
    const Calibrator& contact_cal = fitted.contact_cal;
    const Calibrator& quote_cal = fitted.quote_cal;
    const Calibrator& fitted_cal = fitted.cal;  // the win map fitted out of bag, which the metrics describe
    // One pass over the held-out leads' bins gives both the calibrated
    // probabilities the metrics describe and the raw ones auc_raw and the
    // refit need.
    struct {
      std::vector<double> win, contact, quote;
    } raw;
    raw.win = raw_probs(fitted.forest, hold_bins.data(), nf, hold_rows.size(), should_stop);
    if (funnel) {
      raw.contact = raw_probs(fitted.contact_forest, hold_bins.data(), nf, hold_rows.size(), should_stop);
      if (fitted.quote_forest.n_trees() > 0)
        raw.quote = raw_probs(fitted.quote_forest, hold_bins.data(), nf, hold_rows.size(), should_stop);
    }
    std::vector<double> p, raw_known;
    std::vector<uint8_t> hy;
    for (size_t i = 0; i < hold_rows.size(); ++i) {
      if (pending(set, hold_rows[i])) continue;
      p.push_back(fitted_cal.apply(raw.win[i]));
      raw_known.push_back(raw.win[i]);
      hy.push_back(labels[hold_rows[i]]);
    }
    check_stop(should_stop);
    Metrics metrics = compute_metrics(p, hy);
    check_stop(should_stop);
    metrics.rows_train = train_rows.size();
    metrics.importance = top_importance(fitted.spec, fitted.forest);
    metrics.auc_raw = roc_auc(raw_known, hy);
    check_stop(should_stop);
    // Once measured, the held-out leads also calibrate: the forest never sees
    // them, their predictions come from all its trees, and a fifth more
    // leads steadies the map. The metrics above keep describing the map
    // fitted without them; auc_raw, the forest's own ranking, is what a
    // comparison of models on these leads should use (see the header).
    // The stages are measured and refitted the same way.
    auto refit = [&](const std::vector<double>& oob_votes, const std::vector<double>& held_votes, uint8_t stage) {
      std::vector<double> x;
      std::vector<uint8_t> xy;
      for (size_t i = 0; i < train_rows.size(); ++i) {
        if (std::isnan(oob_votes[i]) || !in_step(set, train_rows[i], stage)) continue;
        if (stage == kStageWon) {
          win_rows.add(x, xy, oob_votes[i], train_rows[i]);
        } else {
          x.push_back(oob_votes[i]);
          xy.push_back(reached(set, train_rows[i], stage));
        }
      }
      for (size_t i = 0; i < hold_rows.size(); ++i) {
        if (!in_step(set, hold_rows[i], stage)) continue;
        if (stage == kStageWon) {
          win_rows.add(x, xy, held_votes[i], hold_rows[i]);
        } else {
          x.push_back(held_votes[i]);
          xy.push_back(reached(set, hold_rows[i], stage));
        }
      }
      return calibrate(x, xy, params, should_stop);
    };
    Calibrator cal = hold_rows.empty() ? fitted_cal : refit(fitted_oob.win, raw.win, kStageWon);
    std::vector<double> oob_known;  // what percentiles rank against when nothing is held out
    if (hold_rows.empty())
      for (size_t i = 0; i < train_rows.size(); ++i)
        if (!std::isnan(fitted_oob.win[i]) && !pending(set, train_rows[i])) oob_known.push_back(fitted_oob.win[i]);
    check_stop(should_stop);
    Funnel stages;
    if (funnel) {
      stages.present = true;
      const bool quote_is_win = fitted.quote_forest.n_trees() == 0;
      funnel_figures(set, hold_rows, raw.win, raw.contact, raw.quote, fitted_cal, contact_cal, quote_cal,
                     quote_is_win, &stages);
      stages.contact_cal = hold_rows.empty() ? contact_cal : refit(fitted.oob_contact, raw.contact, kStageContacted);
      stages.quote_cal =
          hold_rows.empty() || quote_is_win ? quote_cal : refit(fitted.oob_quote, raw.quote, kStageQuoted);
      stages.contact_forest = std::move(fitted.contact_forest);
      stages.quote_forest = std::move(fitted.quote_forest);
    }
    // Percentiles rank against the held-out leads as the shipped map sees
    // them (all out-of-bag leads when none is held out).
    const std::vector<double>& ranked = hold_rows.empty() ? oob_known : raw_known;
    std::vector<double> dist(ranked.size());
    for (size_t i = 0; i < ranked.size(); ++i) dist[i] = cal.apply(ranked[i]);
    ValueModel value = value_model(fitted.spec);
    return Model(std::move(fitted.spec), std::move(fitted.forest), std::move(cal), std::move(metrics), shipped,
                 ScoreDistribution::from_probabilities(std::move(dist)), std::move(stages), std::move(value));
  }

  // One forest on all leads. The held-out leads are measured through their
  // out-of-bag predictions (only trees that never saw a lead score it), mapped
  // by a calibration fitted on the other leads' out-of-bag predictions, so no
  // label of a measured lead touches what measures it. These figures describe
  // a forest of about a third of the trees, so they slightly understate the
  // shipped one. The contact and quote stages are measured the same way.
  auto held = [&](uint32_t r) { return in_holdout(ids[r], params.seed, params.holdout_fraction); };
  Fitted fitted = fit(set, order, win_rows, held, params, should_stop);
  std::vector<double> fx, hx;
  std::vector<uint8_t> fy, hy;
  for (size_t i = 0; i < order.size(); ++i) {
    const uint32_t r = order[i];
    if (std::isnan(fitted.oob.win[i])) continue;
    if (held(r)) {
      if (pending(set, r)) continue;  // measured on outcomes that are known
      hx.push_back(fitted.oob.win[i]);
      hy.push_back(labels[r]);
    } else {
      win_rows.add(fx, fy, fitted.oob.win[i], r);
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
  Funnel stages;
  if (funnel) {
    // The steps' maps for the held-out figures are fitted on the other
    // leads' out-of-bag votes only, the quote's on the contacted ones.
    Calibrator held_stage[2];
    for (uint8_t stage : {kStageContacted, kStageQuoted}) {
      const std::vector<double>& votes = stage == kStageContacted ? fitted.oob_contact : fitted.oob_quote;
      std::vector<double> x;
      std::vector<uint8_t> y;
      for (size_t i = 0; i < votes.size(); ++i) {  // none for the quote when it is the win
        const uint32_t r = order[i];
        if (std::isnan(votes[i]) || held(r) || !in_step(set, r, stage)) continue;
        x.push_back(votes[i]);
        y.push_back(reached(set, r, stage));
      }
      held_stage[stage == kStageContacted ? 0 : 1] = calibrate(x, y, params, should_stop);
      check_stop(should_stop);
    }
    std::vector<uint32_t> rows;
    std::vector<double> rw, rc, rq;
    for (size_t i = 0; i < order.size(); ++i)
      if (held(order[i])) {
        rows.push_back(order[i]);
        rw.push_back(fitted.oob.win[i]);
        rc.push_back(fitted.oob_contact[i]);
        rq.push_back(fitted.oob_quote.empty() ? std::numeric_limits<double>::quiet_NaN() : fitted.oob_quote[i]);
      }
    stages.present = true;
    funnel_figures(set, rows, rw, rc, rq, held_cal, held_stage[0], held_stage[1], fitted.quote_forest.n_trees() == 0,
                   &stages);
    stages.contact_cal = std::move(fitted.contact_cal);
    stages.quote_cal = std::move(fitted.quote_cal);
    stages.contact_forest = std::move(fitted.contact_forest);
    stages.quote_forest = std::move(fitted.quote_forest);
  }
  ValueModel value = value_model(fitted.spec);
  TrainParams shipped = params;  // the model records the shrinkage its forest got, chosen or given
  shipped.shrinkage = fitted.oob.shrinkage;
  return Model(std::move(fitted.spec), std::move(fitted.forest), std::move(fitted.cal), std::move(metrics), shipped,
               ScoreDistribution::from_probabilities(std::move(dist)), std::move(stages), std::move(value));
}

std::string Model::metrics_json() const {
  std::string base = metrics_.to_json();
  JsonWriter w;
  w.begin_object();
  if (funnel_.present) {
    w.key("stages").begin_object();
    w.key("contact");
    funnel_.contact.write_json(w);
    w.key("quote");
    funnel_.quote.write_json(w);
    w.key("win");
    funnel_.win.write_json(w);
    w.end_object();
  }
  w.key("value_model");
  value_.write_json(w);
  w.end_object();
  // Both are objects: the win stage's members, then these.
  const std::string& extra = w.str();
  if (base.size() < 2 || base.back() != '}' || extra.size() < 2) return base;
  base.pop_back();
  base += base.back() == '{' ? "" : ",";
  base.append(extra, 1, std::string::npos);
  return base;
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
