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
