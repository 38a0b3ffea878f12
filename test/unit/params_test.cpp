// Training parameters: defaults, text overrides, and refusal of bad input.
#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "core/params.hpp"

using namespace leadscore;

TEST(Params, DefaultsAreValid) {
  TrainParams p;
  EXPECT_NO_THROW(p.validate());
  EXPECT_EQ(p.threads, 1);
}

TEST(Params, OverridesFromText) {
  TrainParams p = TrainParams::from_kv({{"n_trees", "7"}, {"calibration", "platt"}, {"max_features", "sqrt"},
                                        {"refit_full", "false"}, {"threads", "2"}, {"class_weight", "balanced"}});
  EXPECT_EQ(p.n_trees, 7);
  EXPECT_EQ(p.calibration, Calibration::Platt);
  EXPECT_FALSE(p.refit_full);
  EXPECT_EQ(p.threads, 2);
  EXPECT_EQ(p.class_weight, ClassWeight::Balanced);
}

TEST(Params, UnknownKeyIsNamedWithAllowedKeys) {
  try {
    TrainParams::from_kv({{"n_tress", "10"}});
    FAIL() << "expected InvalidInput";
  } catch (const InvalidInput& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("\"n_tress\""), std::string::npos) << m;
    EXPECT_NE(m.find("n_trees"), std::string::npos) << m;
    EXPECT_NE(m.find("min_samples_leaf"), std::string::npos) << m;
  }
}

TEST(Params, BadValuesNameTheParameter) {
  for (auto kv : std::vector<std::pair<std::string, std::string>>{
           {"n_trees", "0"}, {"n_trees", "ten"}, {"max_depth", "2.5"}, {"holdout_fraction", "0.95"},
           {"calibration", "magic"}, {"max_bins", "256"}, {"refit_full", "maybe"}, {"threads", "-1"},
           {"min_attribute_share", "1.5"}, {"min_attribute_share", "-0.1"}, {"min_attribute_share", "all"},
           {"max_attribute_features", "-1"}, {"max_attribute_features", "70000"}}) {
    try {
      TrainParams::from_kv({kv});
      FAIL() << kv.first << "=" << kv.second << " accepted";
    } catch (const InvalidInput& e) {
      EXPECT_NE(std::string(e.what()).find(kv.first), std::string::npos) << e.what();
    }
  }
}

TEST(Params, AttributeKeyBounds) {
  TrainParams d;
  EXPECT_EQ(d.min_attribute_share, 0.01);
  EXPECT_EQ(d.max_attribute_features, 200);
  TrainParams p = TrainParams::from_kv({{"min_attribute_share", "0"}, {"max_attribute_features", "65535"}});
  EXPECT_EQ(p.min_attribute_share, 0.0);
  EXPECT_EQ(p.max_attribute_features, 65535);
  EXPECT_EQ(TrainParams::from_kv({{"min_attribute_share", "1"}}).min_attribute_share, 1.0);
}

TEST(Params, JsonListsEveryKey) {
  std::string j = TrainParams().to_json();
  for (const auto& k : TrainParams::keys()) EXPECT_NE(j.find("\"" + k + "\""), std::string::npos) << k;
}

TEST(Params, MessagesComeFromTheDeclaration) {
  // The exact text SQL callers see (expected/ml.out pins it too).
  try {
    TrainParams::from_kv({{"n_trees", "0"}});
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_STREQ(e.what(), "parameter \"n_trees\" must be an integer in [1, 5000], got \"0\"");
  }
  EXPECT_EQ(allowed_values(*find_param("holdout_fraction")), "a number in [0, 0.9)");
  EXPECT_EQ(allowed_values(*find_param("calibration")), "one of auto, isotonic, platt, none");
  EXPECT_EQ(allowed_values(*find_param("refit_full")), "true or false");
  EXPECT_EQ(find_param("no_such_parameter"), nullptr);
}

TEST(Params, EveryParameterRefusesValuesOutsideItsDeclaration) {
  for (const ParamInfo& p : param_table()) {
    std::vector<std::string> bad = {"", "x1"};
    switch (p.kind) {
      case ParamKind::Int:
        bad.push_back(value_text(p, p.range.lo - 1));
        bad.push_back(value_text(p, p.range.hi + 1));
        bad.push_back(value_text(p, p.range.lo + 0.5));
        break;
      case ParamKind::Real:
        bad.push_back(value_text(p, p.range.lo - 0.01));
        bad.push_back(value_text(p, p.range.hi_open ? p.range.hi : p.range.hi + 0.01));
        break;
      case ParamKind::Bool: bad.push_back("maybe"); break;
      case ParamKind::Choice: bad.push_back("Auto"); break;
      case ParamKind::Features: bad.push_back("-1"); bad.push_back("1.5"); break;
    }
    for (const std::string& v : bad) {
      TrainParams t;
      try {
        t.set(p.name, v);
        ADD_FAILURE() << p.name << "=" << v << " accepted";
      } catch (const InvalidInput& e) {
        std::string expected = std::string("parameter \"") + p.name + "\" must be " + allowed_values(p) + ", got \"" + v + "\"";
        EXPECT_EQ(e.what(), expected);
      }
    }
  }
}

TEST(Params, ValidateRefusesWhatSetRefuses) {
  TrainParams p;
  p.min_samples_leaf = 0;
  EXPECT_THROW(p.validate(), InvalidInput);
  p = TrainParams();
  p.holdout_fraction = 0.9;  // the range is half-open
  try {
    p.validate();
    FAIL();
  } catch (const InvalidInput& e) {
    EXPECT_STREQ(e.what(), "parameter \"holdout_fraction\" must be a number in [0, 0.9), got \"0.9\"");
  }
  p = TrainParams();
  p.max_features = 2.5;  // a count must be whole
  EXPECT_THROW(p.validate(), InvalidInput);
  p = TrainParams();
  p.seed = 1ull << 60;  // beyond what a JSON number carries exactly
  EXPECT_THROW(p.validate(), InvalidInput);
  p = TrainParams();
  p.calibration = static_cast<Calibration>(9);
  EXPECT_THROW(p.validate(), InvalidInput);
}

TEST(Params, TextRoundTripsExactly) {
  TrainParams p = TrainParams::from_kv({{"n_trees", "7"}, {"max_features", "0.3"}, {"holdout_fraction", "0.123456789"},
                                        {"class_weight", "balanced"}, {"calibration", "none"}, {"refit_full", "no"},
                                        {"seed", "9007199254740991"}, {"max_training_leads", "300"}});
  TrainParams back;
  for (const auto& [k, v] : p.to_kv()) back.set(k, v);
  for (const ParamInfo& info : param_table()) EXPECT_EQ(info.get(back), info.get(p)) << info.name;
  EXPECT_EQ(back.seed, 9007199254740991ull);
  EXPECT_EQ(back.to_json(), p.to_json());
  EXPECT_EQ(TrainParams::keys().size(), p.to_kv().size());
}

TEST(Params, SpecialSpellings) {
  EXPECT_EQ(TrainParams::from_kv({{"max_features", "all"}}).max_features, 1.0);
  EXPECT_EQ(TrainParams::from_kv({{"max_features", "12"}}).max_features, 12.0);
  EXPECT_EQ(TrainParams::from_kv({{"refit_full", "off"}}).refit_full, false);
  EXPECT_EQ(TrainParams::from_kv({{"n_trees", "1e2"}}).n_trees, 100);
  std::string j = TrainParams().to_json();
  EXPECT_NE(j.find("\"max_features\":\"sqrt\""), std::string::npos) << j;
  EXPECT_NE(j.find("\"holdout_fraction\":0.2,"), std::string::npos) << j;
  EXPECT_NE(j.find("\"refit_full\":true"), std::string::npos) << j;
}
