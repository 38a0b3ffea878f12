// Which attribute keys become features: only keys carried by a minimum share
// of the training leads, and at most max_attribute_features of them, so
// leads with made-up keys cannot grow the model (or its training time).
#include <gtest/gtest.h>

#include <string>

#include "core/features.hpp"
#include "core/model.hpp"
#include "synthetic.hpp"

using namespace leadscore;

namespace {

std::vector<uint32_t> all_rows(size_t n) {
  std::vector<uint32_t> r(n);
  for (size_t i = 0; i < n; ++i) r[i] = static_cast<uint32_t>(i);
  return r;
}

size_t attribute_features(const FeatureSpec& s) {
  size_t n = 0;
  for (const auto& d : s.defs()) n += d.source == FeatureSource::Attribute;
  return n;
}

// count leads, key "k<j>" on the first (count - 3j) of them, for j < keys.
std::vector<Lead> graded_keys(int count, int keys) {
  std::vector<Lead> leads(count);
  for (int i = 0; i < count; ++i) {
    leads[i].id = i;
    for (int j = 0; j < keys; ++j)
      if (i < count - 3 * j) leads[i].attributes[std::to_string(1000 + j)] = static_cast<double>(i % 7);
  }
  return leads;
}

}  // namespace

TEST(AttributeKeys, MadeUpKeysOnAFewLeadsAreNoFeatures) {
  // 10,000 ordinary leads, then 100 leads with 700 keys of their own each.
  std::vector<Lead> leads;
  std::vector<uint8_t> y;
  synth::make_leads(10000, 21, &leads, &y);
  const TrainParams p;
  const FeatureSpec ordinary = FeatureSpec::learn(leads, all_rows(leads.size()), p, 1.7e9);
  for (int i = 0; i < 100; ++i) {
    Lead l = leads[static_cast<size_t>(i)];
    l.id = 1000000 + i;
    for (int k = 0; k < 700; ++k) l.attributes["made_up_" + std::to_string(i) + "_" + std::to_string(k)] = 1.0 * k;
    leads.push_back(l);
    y.push_back(static_cast<uint8_t>(i % 2));
  }
  const FeatureSpec spec = FeatureSpec::learn(leads, all_rows(leads.size()), p, 1.7e9);
  EXPECT_EQ(spec.size(), ordinary.size());
  for (const auto& d : spec.defs()) EXPECT_EQ(d.name.find("made_up_"), std::string::npos) << d.name;

  // Training builds the same small spec, so its cost follows the lead count.
  TrainParams quick;
  quick.n_trees = 3;
  const Model m = train(leads, y, quick, 1.7e9);
  EXPECT_EQ(m.spec().size(), ordinary.size());
  EXPECT_EQ(m.forest().n_features, ordinary.size());

  // Without the share, the cap alone still bounds them; without either, the
  // 70,000 made-up keys would be more features than a spec can hold.
  TrainParams open = p;
  open.min_attribute_share = 0;
  EXPECT_EQ(attribute_features(FeatureSpec::learn(leads, all_rows(leads.size()), open, 1.7e9)), 200u);
  open.max_attribute_features = 65535;
  EXPECT_THROW(FeatureSpec::learn(leads, all_rows(leads.size()), open, 1.7e9), InvalidInput);
}

TEST(AttributeKeys, TheShareIsCountedInTrainingLeads) {
  std::vector<Lead> leads(1000);
  for (int i = 0; i < 1000; ++i) {
    leads[i].id = i;
    leads[i].attributes["everywhere"] = 1.0 * (i % 5);
    if (i < 10) leads[i].attributes["on_ten"] = 1.0 * i;       // exactly 1%
    if (i < 9) leads[i].attributes["on_nine"] = 1.0 * i;       // just under
    if (i < 50) leads[i].attributes["null_mostly"] = AttrValue();  // nulls do not count
    if (i < 5) leads[i].attributes["null_mostly"] = 1.0;
  }
  TrainParams p;  // min_attribute_share 0.01
  FeatureSpec s = FeatureSpec::learn(leads, all_rows(leads.size()), p, 0);
  std::vector<std::string> names;
  for (const auto& d : s.defs()) names.push_back(d.name);
  EXPECT_EQ(names, (std::vector<std::string>{"attributes.everywhere", "attributes.on_ten"}));
  p.min_attribute_share = 0;
  EXPECT_EQ(attribute_features(FeatureSpec::learn(leads, all_rows(leads.size()), p, 0)), 4u);
  p.min_attribute_share = 1;
  EXPECT_EQ(attribute_features(FeatureSpec::learn(leads, all_rows(leads.size()), p, 0)), 1u);
}

TEST(AttributeKeys, AtMostMaxAttributeFeaturesTheMostFrequentKept) {
  // 300 keys, key j on 1000 - 3j leads: the first 200 are the most frequent.
  const std::vector<Lead> leads = graded_keys(1000, 300);
  TrainParams p;  // max_attribute_features 200
  FeatureSpec s = FeatureSpec::learn(leads, all_rows(leads.size()), p, 0);
  ASSERT_EQ(s.size(), 200u);
  for (int j = 0; j < 200; ++j) EXPECT_EQ(s[static_cast<size_t>(j)].key, std::to_string(1000 + j));
  p.max_attribute_features = 0;
  EXPECT_EQ(FeatureSpec::learn(leads, all_rows(leads.size()), p, 0).size(), 0u);
  // Equal counts: the keys first in byte order stay.
  std::vector<Lead> ties(20);
  for (int i = 0; i < 20; ++i) {
    ties[i].id = i;
    for (const char* k : {"d", "b", "a", "c"}) ties[i].attributes[k] = 1.0 * i;
  }
  p.max_attribute_features = 2;
  FeatureSpec t = FeatureSpec::learn(ties, all_rows(ties.size()), p, 0);
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].key, "a");
  EXPECT_EQ(t[1].key, "b");
}
