// Streaming training leads into a spec sample and a binned set; see training_set.hpp.
#include "core/training_set.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/errors.hpp"
#include "core/hash.hpp"

namespace leadscore {

SpecSample::SpecSample(const TrainParams& params) : params_(params) {}

bool SpecSample::wants(int64_t id) const {
  if (!params_.refit_full && in_holdout(id, params_.seed, params_.holdout_fraction)) return false;
  if (leads_.size() < static_cast<size_t>(params_.spec_sample_leads)) return true;
  return before(Key{id_hash(id, params_.seed), id, 0}, heap_.front());
}

void SpecSample::offer(const Lead& lead) {
  if (!wants(lead.id)) return;
  const auto cmp = [](const Key& a, const Key& b) { return before(a, b); };
  Key k{id_hash(lead.id, params_.seed), lead.id, 0};
  if (leads_.size() < static_cast<size_t>(params_.spec_sample_leads)) {
    k.slot = static_cast<uint32_t>(leads_.size());
    leads_.push_back(lead);
  } else {
    // Full: the new lead takes the place of the last one in canonical order.
    std::pop_heap(heap_.begin(), heap_.end(), cmp);
    k.slot = heap_.back().slot;
    heap_.pop_back();
    leads_[k.slot] = lead;
  }
  heap_.push_back(k);
  std::push_heap(heap_.begin(), heap_.end(), cmp);
}

FeatureSpec SpecSample::learn(double now, const ShouldStop& should_stop) const {
  return learn_keys(leads_, heap_, params_, now, should_stop);
}

template <class IdAt>
std::vector<SpecSample::Key> SpecSample::kept_keys(size_t n, IdAt id_at, const TrainParams& params) {
  // The leads offer() would keep: the training ones (all when refit_full),
  // the first spec_sample_leads of them in canonical order.
  std::vector<Key> keys;
  for (size_t i = 0; i < n; ++i) {
    const int64_t id = id_at(i);
    if (params.refit_full || !in_holdout(id, params.seed, params.holdout_fraction))
      keys.push_back(Key{id_hash(id, params.seed), id, static_cast<uint32_t>(i)});
  }
  if (keys.size() > static_cast<size_t>(params.spec_sample_leads)) {
    std::nth_element(keys.begin(), keys.begin() + params.spec_sample_leads, keys.end(), before);
    keys.resize(params.spec_sample_leads);
  }
  return keys;
}

FeatureSpec SpecSample::learn_from(const std::vector<Lead>& leads, const TrainParams& params, double now,
                                   const ShouldStop& should_stop) {
  std::vector<Key> keys = kept_keys(leads.size(), [&](size_t i) { return leads[i].id; }, params);
  return learn_keys(leads, std::move(keys), params, now, should_stop);
}

std::vector<int64_t> SpecSample::chosen_ids(const std::vector<int64_t>& ids, const TrainParams& params) {
  std::vector<Key> keys = kept_keys(ids.size(), [&](size_t i) { return ids[i]; }, params);
  std::sort(keys.begin(), keys.end(), before);
  std::vector<int64_t> out(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) out[i] = keys[i].id;
  return out;
}

FeatureSpec SpecSample::learn_keys(const std::vector<Lead>& leads, std::vector<Key> keys, const TrainParams& params,
                                   double now, const ShouldStop& should_stop) {
  if (keys.empty()) throw InvalidInput("every lead is held out: training needs more leads");
  // Learning does not depend on the order of its leads, but give it the
  // canonical one anyway, so nothing could ever depend on the offer order.
  std::sort(keys.begin(), keys.end(), before);
  std::vector<uint32_t> rows(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) rows[i] = keys[i].slot;
  // Its bins are counted over every training lead once they are binned (set_bin_counts).
  FeatureSpec spec = FeatureSpec::learn(leads, rows, params, now, should_stop, FeatureSpec::BinCounts::Leave);
  if (spec.size() == 0) throw InvalidInput("the training leads carry no usable feature values");
  return spec;
}

void TrainingSet::reserve(size_t n) {
  ids.reserve(n);
  labels.reserve(n);
  rows.reserve(n * spec.size());
}

void TrainingSet::add(const Lead& lead, uint8_t label) {
  if (has_stages()) throw InvalidInput("a funnel training set needs every lead's outcome");
  const size_t nf = spec.size();
  const size_t at = rows.size();
  rows.resize(at + nf);
  spec.encode(lead, now, rows.data() + at, 1);
  ids.push_back(lead.id);
  labels.push_back(label);
}

void TrainingSet::add(const Lead& lead, const Outcome& outcome) {
  if (!ids.empty() && !has_stages()) throw InvalidInput("a training set without stages cannot take an outcome");
  if (outcome.stage > kStageWon) throw InvalidInput("a lead's stage is out of range");
  if (!outcome.win_known && outcome.stage == kStageWon) throw InvalidInput("a won lead cannot be pending");
  const size_t nf = spec.size();
  const size_t at = rows.size();
  rows.resize(at + nf);
  spec.encode(lead, now, rows.data() + at, 1);
  ids.push_back(lead.id);
  labels.push_back(outcome.stage == kStageWon ? 1 : 0);
  // Only a quote can be pending: below it the funnel has no win to wait
  // for, whatever rating_labels says of the rating (an operator may map a
  // lower rating to NULL).
  const bool pending = !outcome.win_known && outcome.stage == kStageQuoted;
  stages.push_back(static_cast<uint8_t>(outcome.stage | (pending ? kPendingWin : 0)));
  const float nan = std::numeric_limits<float>::quiet_NaN();
  auto days = [&](double d) { return std::isfinite(d) && d >= 0 ? static_cast<float>(d) : nan; };
  const float value = std::isfinite(outcome.deal_value) && outcome.deal_value >= 0
                          ? static_cast<float>(outcome.deal_value)
                          : nan;
  deal_values.push_back(value);
  // A range that does not hold the value (or none) leaves the value exact.
  const bool ranged = !std::isnan(value) && outcome.deal_low >= 0 && outcome.deal_low <= value &&
                      outcome.deal_high >= value;
  deal_lows.push_back(ranged ? static_cast<float>(outcome.deal_low) : value);
  deal_highs.push_back(ranged ? static_cast<float>(outcome.deal_high) : value);
  quote_ages.push_back(days(outcome.quote_age_days));
  win_days.push_back(days(outcome.days_to_win));
}

}  // namespace leadscore
