// Training leads held as bins, so that training memory grows by a few dozen
// bytes a lead instead of a kilobyte.
//
// A Lead object (strings, a vector of attributes) costs about a kilobyte; its
// bins cost one byte per feature. Training needs the Lead objects only to
// learn the feature spec (bin edges, category levels), so a loader streams
// the leads twice: first through a SpecSample, which keeps at most
// params.spec_sample_leads of them (the first in the canonical order, by a
// seeded hash of their id, among those the spec is learned from), then,
// once the spec is learned, through a TrainingSet, which keeps each lead as
// its id, its label and its bins. train(TrainingSet) does the rest, and
// train(leads, labels) (model.hpp) is the same two steps over a vector, so
// both give the same model byte for byte. With no more training leads than
// spec_sample_leads, the spec is learned from all of them, as it always was.
//
//   SpecSample sample(params);
//   for (lead : stream) if (sample.wants(lead.id)) sample.offer(lead);
//   TrainingSet set(sample.learn(now), now);
//   for (lead, label : stream) set.add(lead, label);
//   Model m = train(std::move(set), params, should_stop);
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "core/features.hpp"
#include "core/forest.hpp"
#include "core/lead.hpp"
#include "core/params.hpp"

namespace leadscore {

// The leads the feature spec is learned from: the first spec_sample_leads in
// canonical order among the spec's leads (the non-held-out ones, or all with
// refit_full), whatever order they are offered in.
class SpecSample {
 public:
  explicit SpecSample(const TrainParams& params);

  // Whether a lead with this id would be kept if offered now: a loader can
  // skip converting the rows this rejects.
  bool wants(int64_t id) const;

  // Keep a copy of the lead if wants(lead.id).
  void offer(const Lead& lead);

  size_t size() const { return leads_.size(); }

  // The spec learned from the kept leads; throws InvalidInput when they carry no feature.
  FeatureSpec learn(double now, const ShouldStop& should_stop = ShouldStop()) const;

  // The spec a sample offered every one of these leads would learn, from
  // the same leads, without copying any: for a loader that holds them all
  // anyway (no more of them than spec_sample_leads).
  static FeatureSpec learn_from(const std::vector<Lead>& leads, const TrainParams& params, double now,
                                const ShouldStop& should_stop = ShouldStop());

  // The ids of the leads a sample offered every one of these would keep, in
  // canonical order: for a loader that reads ids before rows, so that it
  // reads the sample's rows first and every other row once, after them.
  static std::vector<int64_t> chosen_ids(const std::vector<int64_t>& ids, const TrainParams& params);

 private:
  struct Key {
    uint64_t hash;
    int64_t id;
    uint32_t slot;
  };
  static bool before(const Key& a, const Key& b) { return a.hash != b.hash ? a.hash < b.hash : a.id < b.id; }
  // The keys of the ids (slot: the index into them) offer() would keep, in no particular order.
  template <class IdAt>
  static std::vector<Key> kept_keys(size_t n, IdAt id_at, const TrainParams& params);
  // The spec from leads[k.slot] for the keys, taken in canonical order.
  static FeatureSpec learn_keys(const std::vector<Lead>& leads, std::vector<Key> keys, const TrainParams& params,
                                double now, const ShouldStop& should_stop);
  TrainParams params_;
  std::vector<Key> heap_;  // max-heap by canonical order: the front is the last kept lead
  std::vector<Lead> leads_;
};

// The stages of the funnel a rated lead can reach, in order (funnel.hpp).
enum Stage : uint8_t { kStageNone = 0, kStageContacted = 1, kStageQuoted = 2, kStageWon = 3 };
constexpr uint8_t kPendingWin = 4;  // or-ed onto kStageQuoted: the win is not known yet

// What feedback says about a lead, for a funnel model: the best stage any
// contractor reached (kStageNone .. kStageWon), whether the win
// is known (false for a quote still pending), and the deal value in dollars
// its band stands for (NaN without a band) with the band's range.
struct Outcome {
  uint8_t stage = kStageNone;
  bool win_known = true;
  double deal_value = std::numeric_limits<double>::quiet_NaN();
  // The dollar range [deal_low, deal_high) the band stands for, deal_high
  // infinite for the open top band; NaN when unknown, and then the value is
  // taken as exact.
  double deal_low = std::numeric_limits<double>::quiet_NaN();
  double deal_high = std::numeric_limits<double>::quiet_NaN();
  // A quoted or won lead: days since its first quote (or win) was rated; a
  // won one: days from that rating to the win's report. NaN when unknown.
  double quote_age_days = std::numeric_limits<double>::quiet_NaN();
  double days_to_win = std::numeric_limits<double>::quiet_NaN();
};

// Every training lead as its id, label and bins under one spec, in the order
// added; row i's bins are rows[i * spec.size() ...]. Leads added with an
// Outcome also keep their stage and deal value, and then every lead must be.
struct TrainingSet {
  TrainingSet() = default;
  TrainingSet(FeatureSpec s, double now_) : spec(std::move(s)), now(now_) {}

  // Room for n leads, so the row buffer is not reallocated while it grows.
  void reserve(size_t n);

  // Bin a lead; label is 0 or 1.
  void add(const Lead& lead, uint8_t label);
  // Bin a lead of a funnel set; its label is whether it was won.
  void add(const Lead& lead, const Outcome& outcome);

  bool has_stages() const { return !stages.empty(); }

  size_t size() const { return ids.size(); }

  FeatureSpec spec;
  double now = 0;  // the scoring-time reference the bins were computed at
  std::vector<int64_t> ids;
  std::vector<uint8_t> labels;
  std::vector<uint8_t> rows;
  std::vector<uint8_t> stages;     // a funnel set: stage | kPendingWin when the win is not known
  std::vector<float> deal_values;  // a funnel set: dollars, NaN without a band
  std::vector<float> deal_lows, deal_highs;  // a funnel set: the band's range, [value, value] when unknown
  std::vector<float> quote_ages, win_days;  // a funnel set: Outcome's quote_age_days and days_to_win
  double quote_expiry_days = 60;   // when an open quote counts as lost (OpenQuoteOdds)
};

}  // namespace leadscore
