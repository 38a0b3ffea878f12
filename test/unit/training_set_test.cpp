// Training from streamed, binned leads: the same model as training from a
// vector of leads, whatever order the leads stream in, with the spec learned
// from the first spec_sample_leads in canonical order.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/hash.hpp"
#include "core/model.hpp"
#include "core/model_format.hpp"
#include "core/training_set.hpp"
#include "synthetic.hpp"

using namespace leadscore;

namespace {

constexpr double kNow = 1.7e9;

// The two passes a database loader makes, over the leads in the given order.
Model train_streamed(const std::vector<Lead>& leads, const std::vector<uint8_t>& labels,
                     const std::vector<size_t>& order, const TrainParams& p) {
  SpecSample sample(p);
  for (size_t i : order)
    if (sample.wants(leads[i].id)) sample.offer(leads[i]);
  TrainingSet set(sample.learn(kNow), kNow);
  for (size_t i : order) set.add(leads[i], labels[i]);
  return train(std::move(set), p);
}

// What a database loader does with more leads than its sample holds: the
// ids first, the sample's leads (chosen by id) then, learning the spec from
// them, and every other lead after them, in the given order.
Model train_sample_first(const std::vector<Lead>& leads, const std::vector<uint8_t>& labels,
                         const std::vector<size_t>& order, const TrainParams& p) {
  std::vector<int64_t> ids;
  for (size_t i : order) ids.push_back(leads[i].id);
  std::vector<int64_t> chosen = SpecSample::chosen_ids(ids, p);
  std::sort(chosen.begin(), chosen.end());
  std::vector<size_t> first, rest;
  for (size_t i : order) (std::binary_search(chosen.begin(), chosen.end(), leads[i].id) ? first : rest).push_back(i);
  std::vector<Lead> sample;
  for (size_t i : first) sample.push_back(leads[i]);
  TrainingSet set(SpecSample::learn_from(sample, p, kNow), kNow);
  for (size_t i : first) set.add(leads[i], labels[i]);
  for (size_t i : rest) set.add(leads[i], labels[i]);
  return train(std::move(set), p);
}

std::vector<size_t> shuffled(size_t n, uint64_t seed) {
  std::vector<size_t> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = i;
  Rng rng(seed);
  for (size_t i = n; i > 1; --i) std::swap(v[i - 1], v[rng.below(static_cast<uint32_t>(i))]);
  return v;
}

}  // namespace

TEST(TrainingSet, StreamedInAnyOrderGivesTheSameModelAsAVectorOfLeads) {
  std::vector<Lead> leads;
  std::vector<uint8_t> labels;
  synth::make_leads(3000, 11, &leads, &labels);
  for (bool refit_full : {false, true}) {
    for (int sample : {100000, 400}) {  // the spec from every training lead, then from a sample
      TrainParams p;
      p.n_trees = 10;
      p.refit_full = refit_full;
      p.spec_sample_leads = sample;
      const std::string want = serialize(train(leads, labels, p, kNow));
      EXPECT_EQ(serialize(train_streamed(leads, labels, shuffled(leads.size(), 3), p)), want)
          << "refit_full " << refit_full << ", spec_sample_leads " << sample;
      std::vector<size_t> reversed = shuffled(leads.size(), 3);
      std::reverse(reversed.begin(), reversed.end());
      EXPECT_EQ(serialize(train_streamed(leads, labels, reversed, p)), want);
      EXPECT_EQ(serialize(train_sample_first(leads, labels, shuffled(leads.size(), 5), p)), want)
          << "sample first: refit_full " << refit_full << ", spec_sample_leads " << sample;
    }
  }
}

TEST(TrainingSet, SpecSampleKeepsTheFirstTrainingLeadsInCanonicalOrder) {
  std::vector<Lead> leads;
  std::vector<uint8_t> labels;
  synth::make_leads(2000, 5, &leads, &labels);
  TrainParams p;
  p.refit_full = false;
  p.spec_sample_leads = 50;
  SpecSample s(p);
  for (size_t i : shuffled(leads.size(), 8)) s.offer(leads[i]);
  EXPECT_EQ(s.size(), 50u);
  // The 50 non-held-out leads with the smallest (hash, id): those, and no
  // other lead, are still wanted after every lead was offered.
  std::vector<std::pair<uint64_t, int64_t>> keys;
  for (const Lead& l : leads)
    if (!in_holdout(l.id, p.seed, p.holdout_fraction)) keys.push_back({id_hash(l.id, p.seed), l.id});
  std::sort(keys.begin(), keys.end());
  const auto last = keys[49];
  for (const Lead& l : leads) {
    const bool held = in_holdout(l.id, p.seed, p.holdout_fraction);
    const bool first = !held && std::make_pair(id_hash(l.id, p.seed), l.id) < last;
    EXPECT_EQ(s.wants(l.id), first) << "lead " << l.id;
  }
}

TEST(TrainingSet, SampledSpecCountsBinsOverEveryTrainingLead) {
  std::vector<Lead> leads;
  std::vector<uint8_t> labels;
  synth::make_leads(3000, 2, &leads, &labels);
  TrainParams p;
  p.n_trees = 5;
  p.refit_full = false;
  p.spec_sample_leads = 300;
  Model m = train(leads, labels, p, kNow);
  for (const FeatureDef& d : m.spec().defs()) {
    uint64_t total = 0;
    for (uint32_t c : d.bin_counts) total += c;
    EXPECT_EQ(total, m.metrics().rows_train) << d.name;
  }
}

TEST(TrainingSet, RefusesInconsistentSets) {
  std::vector<Lead> leads;
  std::vector<uint8_t> labels;
  synth::make_leads(100, 1, &leads, &labels);
  TrainParams p;
  SpecSample s(p);
  for (const Lead& l : leads) s.offer(l);
  TrainingSet set(s.learn(kNow), kNow);
  for (size_t i = 0; i < leads.size(); ++i) set.add(leads[i], labels[i]);
  set.labels.pop_back();
  EXPECT_THROW(train(std::move(set), p), InvalidInput);
}

TEST(TrainingSet, SpecLearnedFromLeadsHeldInMemoryIsTheSampledOne) {
  // A loader that holds every lead learns the spec from them in place: the
  // same model as the two streaming passes, with and without held-out
  // leads, the spec from every training lead or from a sample.
  std::vector<Lead> leads;
  std::vector<uint8_t> labels;
  synth::make_leads(3000, 12, &leads, &labels);
  for (bool refit_full : {false, true}) {
    for (int sample : {100000, 400}) {
      TrainParams p;
      p.n_trees = 10;
      p.refit_full = refit_full;
      p.spec_sample_leads = sample;
      TrainingSet set(SpecSample::learn_from(leads, p, kNow), kNow);
      for (size_t i = 0; i < leads.size(); ++i) set.add(leads[i], labels[i]);
      EXPECT_EQ(serialize(train(std::move(set), p)), serialize(train_streamed(leads, labels, shuffled(leads.size(), 4), p)))
          << "refit_full " << refit_full << ", spec_sample_leads " << sample;
    }
  }
}

TEST(TrainingSet, OnlyAQuoteCanBePending) {
  // rating_labels may map a rating below a quote to NULL (win unknown); the
  // funnel has no win to wait for there, so the lead is not an open quote.
  std::vector<Lead> leads;
  std::vector<uint8_t> labels;
  synth::make_leads(10, 13, &leads, &labels);
  TrainParams p;
  TrainingSet set(SpecSample::learn_from(leads, p, kNow), kNow);
  Outcome open_quote, unknown_contact;
  open_quote.stage = kStageQuoted;
  open_quote.win_known = false;
  unknown_contact.stage = kStageContacted;
  unknown_contact.win_known = false;
  set.add(leads[0], open_quote);
  set.add(leads[1], unknown_contact);
  EXPECT_EQ(set.stages[0], kStageQuoted | kPendingWin);
  EXPECT_EQ(set.stages[1], kStageContacted);
  EXPECT_EQ(set.labels[1], 0);
}
