// Feature specification: names in lead terms, binning, missing and unseen values.
#include <gtest/gtest.h>

#include <cmath>

#include "core/errors.hpp"
#include "core/features.hpp"

using namespace leadscore;

namespace {

std::vector<uint32_t> all_rows(size_t n) {
  std::vector<uint32_t> r(n);
  for (size_t i = 0; i < n; ++i) r[i] = static_cast<uint32_t>(i);
  return r;
}

int index_of(const FeatureSpec& s, const std::string& name) {
  for (size_t i = 0; i < s.size(); ++i)
    if (s[i].name == name) return static_cast<int>(i);
  return -1;
}

// Twenty leads with every kind of field filled in.
std::vector<Lead> sample_leads() {
  std::vector<Lead> v;
  for (int i = 0; i < 20; ++i) {
    Lead l;
    l.id = i;
    l.permit_value = 1000.0 * (i + 1);
    l.trade_tags = {i % 2 ? "roofing" : "plumbing"};
    l.created_at = 1700000000.0 + 86400.0 * i;
    l.address = "1 Elm St, Burlington, VT 05401";
    l.attributes["city"] = std::string(i % 3 ? "burlington" : "essex");
    l.attributes["employees"] = static_cast<double>(i);
    l.attributes["verified"] = i % 2 == 0;
    v.push_back(l);
  }
  return v;
}

}  // namespace

TEST(Features, NamesAreInLeadTerms) {
  TrainParams p;
  p.min_category_count = 1;
  auto leads = sample_leads();
  FeatureSpec s = FeatureSpec::learn(leads, all_rows(leads.size()), p, 1.8e9);
  for (const char* n : {"permit_value", "trade_tags:roofing", "trade_tags:plumbing", "created_at.month",
                        "created_at.weekday", "created_at.age_days", "address", "attributes.city",
                        "attributes.employees", "attributes.verified"})
    EXPECT_GE(index_of(s, n), 0) << n;
  EXPECT_EQ(s[index_of(s, "attributes.city")].kind, FeatureKind::Categorical);
  EXPECT_EQ(s[index_of(s, "attributes.verified")].kind, FeatureKind::Numeric);
  EXPECT_NE(s.to_json().find("\"attributes.city\""), std::string::npos);
}

TEST(Features, MissingValuesGoToBinZeroAndUnseenLevelsToOther) {
  TrainParams p;
  p.min_category_count = 1;
  auto leads = sample_leads();
  FeatureSpec s = FeatureSpec::learn(leads, all_rows(leads.size()), p, 1.8e9);
  Lead empty;  // nothing at all
  std::vector<uint8_t> row(s.size(), 99), novel(s.size(), 0);
  s.encode(empty, 1.8e9, row.data(), 1, novel.data());
  for (size_t f = 0; f < s.size(); ++f) {
    if (s[f].source == FeatureSource::TradeTag) EXPECT_EQ(row[f], 1) << s[f].name;  // value 0
    else EXPECT_EQ(row[f], kMissingBin) << s[f].name;
  }
  // Missing where training never had a missing value counts as novel.
  EXPECT_TRUE(novel[index_of(s, "attributes.city")]);

  Lead odd;
  odd.attributes["city"] = std::string("atlantis");
  odd.attributes["employees"] = std::string("not a number");
  odd.attributes["unknown_key"] = 5.0;  // ignored
  odd.permit_value = -5.0;              // negative is missing
  s.encode(odd, 1.8e9, row.data(), 1, novel.data());
  EXPECT_EQ(row[index_of(s, "attributes.city")], kOtherBin);
  EXPECT_TRUE(novel[index_of(s, "attributes.city")]);
  EXPECT_EQ(row[index_of(s, "attributes.employees")], kMissingBin);
  EXPECT_EQ(row[index_of(s, "permit_value")], kMissingBin);
  odd.permit_value = std::nan("");
  s.encode(odd, 1.8e9, row.data(), 1);
  EXPECT_EQ(row[index_of(s, "permit_value")], kMissingBin);
}

TEST(Features, NumericBinsFollowTheOrderOfValues) {
  TrainParams p;
  auto leads = sample_leads();
  FeatureSpec s = FeatureSpec::learn(leads, all_rows(leads.size()), p, 1.8e9);
  int f = index_of(s, "attributes.employees");
  ASSERT_GE(f, 0);
  uint8_t prev = 0;
  for (double v : {-100.0, 0.0, 3.0, 7.5, 19.0, 1e9}) {
    Lead l;
    l.attributes["employees"] = v;
    std::vector<uint8_t> row(s.size());
    s.encode(l, 1.8e9, row.data(), 1);
    EXPECT_GE(row[f], prev);
    EXPECT_GE(row[f], 1);
    prev = row[f];
  }
}

TEST(Features, AtMost255BinsForManyDistinctValues) {
  std::vector<Lead> leads;
  for (int i = 0; i < 5000; ++i) {
    Lead l;
    l.id = i;
    l.attributes["x"] = i * 0.37;
    leads.push_back(l);
  }
  TrainParams p;
  FeatureSpec s = FeatureSpec::learn(leads, all_rows(leads.size()), p, 0);
  ASSERT_EQ(s.size(), 1u);
  EXPECT_LE(s[0].n_bins(), 255);
  EXPECT_GE(s[0].n_bins(), 200);
}

TEST(Features, RareLevelsFallIntoOther) {
  std::vector<Lead> leads;
  for (int i = 0; i < 100; ++i) {
    Lead l;
    l.id = i;
    l.attributes["src"] = std::string(i < 95 ? "web" : "fax" + std::to_string(i));
    leads.push_back(l);
  }
  TrainParams p;  // min_category_count 10
  FeatureSpec s = FeatureSpec::learn(leads, all_rows(leads.size()), p, 0);
  ASSERT_EQ(s[0].levels.size(), 1u);
  EXPECT_EQ(s[0].levels[0], "web");
}

TEST(Features, CreatedAtGivesMonthWeekdayAndAge) {
  int month = 0, weekday = 0;
  civil_month_weekday(0.0, &month, &weekday);  // 1970-01-01, a Thursday
  EXPECT_EQ(month, 1);
  EXPECT_EQ(weekday, 3);
  civil_month_weekday(1709164800.0, &month, &weekday);  // 2024-02-29, a Thursday
  EXPECT_EQ(month, 2);
  EXPECT_EQ(weekday, 3);
  civil_month_weekday(-86400.0, &month, &weekday);  // 1969-12-31, a Wednesday
  EXPECT_EQ(month, 12);
  EXPECT_EQ(weekday, 2);
}

TEST(Features, AddressTokens) {
  EXPECT_EQ(address_token("1 Elm St, Burlington, VT 05401"), "zip:05401");
  EXPECT_EQ(address_token("12345 Main Street"), "");  // a leading street number is not a ZIP
  EXPECT_EQ(address_token("400 Brant St, Burlington ON L7R 2G5"), "fsa:L7R");
  EXPECT_EQ(address_token("9 Oak Ave, South  Burlington, VT"), "city:south burlington");
  EXPECT_EQ(address_token("nowhere in particular"), "");
  EXPECT_EQ(address_token(""), "");
}

TEST(Features, ValueText) {
  EXPECT_EQ(value_text(AttrValue(3.0)), "3");
  EXPECT_EQ(value_text(AttrValue(true)), "true");
  EXPECT_EQ(value_text(AttrValue(std::string("x"))), "x");
  EXPECT_EQ(value_text(AttrValue()), "");
}

TEST(Features, MixedKeysCountNumbersAndBooleansByTheirText) {
  std::vector<Lead> leads;
  for (int i = 0; i < 45; ++i) {
    Lead l;
    l.id = i;
    // Mostly text: categorical, numbers and booleans as levels "3" and "true".
    if (i < 25) l.attributes["kind"] = std::string("a");
    else if (i < 35) l.attributes["kind"] = 3.0;
    else l.attributes["kind"] = true;
    // Mostly numbers: numeric, numeric text and booleans as numbers.
    if (i < 30) l.attributes["size"] = static_cast<double>(i % 3 + 2);
    else if (i < 40) l.attributes["size"] = std::string("7");
    else l.attributes["size"] = false;
    leads.push_back(l);
  }
  TrainParams p;  // min_category_count 10
  FeatureSpec s = FeatureSpec::learn(leads, all_rows(leads.size()), p, 0);
  const FeatureDef& kind = s[index_of(s, "attributes.kind")];
  ASSERT_EQ(kind.kind, FeatureKind::Categorical);
  EXPECT_EQ(kind.levels, (std::vector<std::string>{"a", "3", "true"}));
  const FeatureDef& size = s[index_of(s, "attributes.size")];
  ASSERT_EQ(size.kind, FeatureKind::Numeric);
  EXPECT_EQ(size.lo, 0.0);  // false
  EXPECT_EQ(size.hi, 7.0);  // "7"
  EXPECT_EQ(size.edges.size(), 4u);  // between 0, 2, 3, 4 and 7
}

TEST(Features, ASpecFromABlobMayNotRepeatASourceOrKey) {
  // Encoding fills one feature per built-in source and per key; a repeated
  // one would be left unwritten and read as whatever the buffer held.
  auto def = [](const char* name, FeatureSource src, const char* key) {
    FeatureDef d;
    d.name = name;
    d.source = src;
    d.key = key;
    return d;
  };
  EXPECT_NO_THROW(FeatureSpec::from_defs({def("permit_value", FeatureSource::PermitValue, ""),
                                          def("trade_tags:a", FeatureSource::TradeTag, "a"),
                                          def("attributes.a", FeatureSource::Attribute, "a")}));
  EXPECT_THROW(FeatureSpec::from_defs({def("permit_value", FeatureSource::PermitValue, ""),
                                       def("created_at.age_d", FeatureSource::PermitValue, "")}),
               CorruptModel);
  EXPECT_THROW(FeatureSpec::from_defs({def("address", FeatureSource::Address, ""),
                                       def("address", FeatureSource::Address, "")}),
               CorruptModel);
  EXPECT_THROW(FeatureSpec::from_defs({def("trade_tags:a", FeatureSource::TradeTag, "a"),
                                       def("trade_tags:b", FeatureSource::TradeTag, "a")}),
               CorruptModel);
  EXPECT_THROW(FeatureSpec::from_defs({def("attributes.x", FeatureSource::Attribute, "x"),
                                       def("attributes.y", FeatureSource::Attribute, "z"),
                                       def("attributes.x2", FeatureSource::Attribute, "x")}),
               CorruptModel);
}
