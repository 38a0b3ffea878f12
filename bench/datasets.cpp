// CSV loading for the benchmark data sets; see datasets.hpp.
#include "datasets.hpp"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#ifdef LEADSCORE_HAVE_ZLIB
#include <zlib.h>
#endif

namespace leadscore::bench {

namespace {

struct Config {
  const char* file;
  char sep;
  const char* label;
  const char* positive;
  const char* split_file;
  const char* id_column;  // empty: the row number from 1 is the lead id
  std::vector<std::string> drop;
};

const std::vector<std::string> kLeadsLeakage = {
    "Prospect ID", "Lead Number", "Tags", "Lead Quality", "Last Activity", "Last Notable Activity",
    "Asymmetrique Activity Index", "Asymmetrique Profile Index", "Asymmetrique Activity Score",
    "Asymmetrique Profile Score"};

Config config_for(const std::string& name) {
  if (name == "bank_full") return {"bank-full.csv", ';', "y", "yes", "bank_full_split.txt", "", {"duration"}};
  if (name == "bank_additional_full")
    return {"bank-additional-full.csv.gz", ';', "y", "yes", "bank_additional_full_split.txt", "", {"duration"}};
  if (name == "leads") return {"Leads.csv", ',', "Converted", "1", "leads_split.txt", "Lead Number", kLeadsLeakage};
  if (name == "leads_strict") {
    auto drop = kLeadsLeakage;
    drop.push_back("Lead Profile");
    return {"Leads.csv", ',', "Converted", "1", "leads_split.txt", "Lead Number", drop};
  }
  throw std::runtime_error("unknown data set " + name);
}

std::string read_file(const std::string& path) {
  if (path.size() > 3 && path.compare(path.size() - 3, 3, ".gz") == 0) {
#ifdef LEADSCORE_HAVE_ZLIB
    gzFile g = gzopen(path.c_str(), "rb");
    if (!g) throw std::runtime_error("cannot open " + path);
    std::string out;
    char buf[1 << 16];
    int n;
    while ((n = gzread(g, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
    gzclose(g);
    return out;
#else
    throw std::runtime_error("built without zlib: cannot read " + path);
#endif
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// RFC 4180-style records: quoted fields, doubled quotes, CRLF or LF endings.
std::vector<std::vector<std::string>> parse_csv(const std::string& text, char sep) {
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') { field.push_back('"'); ++i; }
        else quoted = false;
      } else {
        field.push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == sep) {
      row.push_back(std::move(field));
      field.clear();
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      row.push_back(std::move(field));
      field.clear();
      rows.push_back(std::move(row));
      row.clear();
    } else {
      field.push_back(c);
    }
  }
  if (!field.empty() || !row.empty()) {
    row.push_back(std::move(field));
    rows.push_back(std::move(row));
  }
  return rows;
}

bool parse_double(const std::string& s, double* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || *end != '\0') return false;
  *out = d;
  return true;
}

}  // namespace

std::vector<std::string> dataset_names() { return {"bank_full", "bank_additional_full", "leads", "leads_strict"}; }

Dataset load_dataset(const std::string& name, const std::string& data_dir) {
  const Config cfg = config_for(name);
  auto rows = parse_csv(read_file(data_dir + "/" + cfg.file), cfg.sep);
  if (rows.size() < 2) throw std::runtime_error("empty data file for " + name);
  const auto header = rows[0];
  const size_t n = rows.size() - 1;
  int label_col = -1, id_col = -1;
  std::vector<int> feature_cols;
  for (size_t c = 0; c < header.size(); ++c) {
    if (header[c] == cfg.label) label_col = static_cast<int>(c);
    if (header[c] == cfg.id_column) id_col = static_cast<int>(c);
    bool dropped = header[c] == cfg.label;
    for (const auto& d : cfg.drop) dropped = dropped || header[c] == d;
    if (!dropped) feature_cols.push_back(static_cast<int>(c));
  }
  if (label_col < 0) throw std::runtime_error("label column missing in " + name);
  // A column is numeric when every non-empty cell parses as a number.
  std::vector<bool> numeric(header.size(), true);
  for (size_t r = 1; r <= n; ++r)
    for (int c : feature_cols) {
      double d;
      if (static_cast<size_t>(c) < rows[r].size() && !rows[r][c].empty() && !parse_double(rows[r][c], &d))
        numeric[c] = false;
    }

  std::vector<Lead> leads(n);
  std::vector<uint8_t> y(n);
  for (size_t r = 0; r < n; ++r) {
    const auto& cells = rows[r + 1];
    Lead& l = leads[r];
    l.id = static_cast<int64_t>(r) + 1;  // ids are positive in the database; the SQL benchmark uses the same
    if (id_col >= 0) {
      double d;
      if (parse_double(cells.at(id_col), &d)) l.id = static_cast<int64_t>(d);
    }
    y[r] = cells.at(label_col) == cfg.positive;
    for (int c : feature_cols) {
      if (static_cast<size_t>(c) >= cells.size() || cells[c].empty()) continue;
      double d;
      if (numeric[c] && parse_double(cells[c], &d)) l.attributes.emplace(header[c], d);
      else l.attributes.emplace(header[c], cells[c]);
    }
  }

  Dataset ds;
  ds.name = name;
  auto split = parse_csv(read_file(data_dir + "/" + cfg.split_file), ',');
  if (split.size() != n + 1) throw std::runtime_error("split file does not match " + name);
  for (size_t i = 1; i < split.size(); ++i) {
    size_t row = std::stoul(split[i].at(0));
    if (row >= n) throw std::runtime_error("split row out of range");
    if (split[i].at(1) == "train") {
      ds.train.push_back(leads[row]);
      ds.train_y.push_back(y[row]);
    } else {
      ds.test.push_back(leads[row]);
      ds.test_y.push_back(y[row]);
    }
  }
  return ds;
}

}  // namespace leadscore::bench
