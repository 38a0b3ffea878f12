// One real data set, a small slice, to catch breakage (not to measure).
#include <gtest/gtest.h>

#include <fstream>

#include "core/model.hpp"
#include "datasets.hpp"

using namespace leadscore;

TEST(RealData, BankFullSliceBeatsAFloor) {
  const std::string dir = LEADSCORE_SHARED_DATA_DIR;
  if (!std::ifstream(dir + "/bank-full.csv")) GTEST_SKIP() << "no data in " << dir;
  bench::Dataset ds = bench::load_dataset("bank_full", dir);
  // Rows are in time order and drift strongly, so the slice takes every
  // fourth training lead and every third test lead across the whole period.
  auto thin = [](auto& v, size_t step) {
    size_t k = 0;
    for (size_t i = 0; i < v.size(); i += step) v[k++] = v[i];
    v.resize(k);
  };
  thin(ds.train, 4);
  thin(ds.train_y, 4);
  thin(ds.test, 3);
  thin(ds.test_y, 3);
  TrainParams p;
  p.n_trees = 20;
  Model m = train(ds.train, ds.train_y, p, 1.7e9);
  Metrics t = evaluate(m, ds.test, ds.test_y, 1.7e9);
  // The full benchmark reaches about 0.80; 0.72 only catches real breakage.
  EXPECT_GT(t.auc, 0.72);
  EXPECT_LT(t.ece, 0.05);
  EXPECT_GT(m.metrics().auc, 0.70);
  EXPECT_EQ(t.rows_holdout, ds.test.size());
}
