// The labelled data sets of ../shared/data turned into leads, with the saved
// train/test split. Each CSV column that is not the label or a leakage column
// becomes an attribute: numbers when the whole column parses as numbers,
// strings otherwise, and empty cells are absent. Used by the benchmark tool
// and by the real-data unit test; never by the core itself.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/lead.hpp"

namespace leadscore::bench {

struct Dataset {
  std::string name;
  std::vector<Lead> train, test;
  std::vector<uint8_t> train_y, test_y;
};

// Names accepted by load_dataset, in report order.
std::vector<std::string> dataset_names();

// Load bank_full, bank_additional_full, leads or leads_strict from data_dir.
Dataset load_dataset(const std::string& name, const std::string& data_dir);

}  // namespace leadscore::bench
