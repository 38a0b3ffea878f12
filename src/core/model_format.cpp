// Model blob writer and reader; the layout is documented in model_format.hpp.
#include "core/model_format.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/params.hpp"

namespace leadscore {

namespace {

constexpr char kMagic[4] = {'L', 'S', 'C', 'M'};
constexpr uint8_t kLittleEndian = 1;
constexpr size_t kHeaderSize = 20;
constexpr size_t kTrailerSize = 4;

// The CRC table, computed at compile time: no static initialisation at load.
constexpr std::array<uint32_t, 256> make_crc_table() {
  std::array<uint32_t, 256> t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
    t[i] = c;
  }
  return t;
}
constexpr std::array<uint32_t, 256> kCrcTable = make_crc_table();

// Appends little-endian values to a string.
class Writer {
 public:
  void u8(uint8_t v) { s_.push_back(static_cast<char>(v)); }
  void u16(uint16_t v) { uint_le(v, 2); }
  void u32(uint32_t v) { uint_le(v, 4); }
  void u64(uint64_t v) { uint_le(v, 8); }
  void f64(double d) {
    uint64_t v;
    std::memcpy(&v, &d, 8);
    u64(v);
  }
  void f32(float f) {
    uint32_t v;
    std::memcpy(&v, &f, 4);
    u32(v);
  }
  void str(const std::string& v) {
    u32(static_cast<uint32_t>(v.size()));
    s_.append(v);
  }
  void bytes(const std::string& v) { s_.append(v); }
  std::string& out() { return s_; }

 private:
  void uint_le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) s_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  std::string s_;
};

// Reads little-endian values with a bounds check on every access.
class Reader {
 public:
  Reader(const uint8_t* p, size_t n, const char* what) : p_(p), n_(n), what_(what) {}
  uint8_t u8() { need(1); return p_[pos_++]; }
  uint16_t u16() { return static_cast<uint16_t>(uint_le(2)); }
  uint32_t u32() { return static_cast<uint32_t>(uint_le(4)); }
  uint64_t u64() { return uint_le(8); }
  double f64() {
    uint64_t v = u64();
    double d;
    std::memcpy(&d, &v, 8);
    return d;
  }
  float f32() {
    uint32_t v = u32();
    float f;
    std::memcpy(&f, &v, 4);
    return f;
  }
  std::string str() {
    uint32_t n = u32();
    need(n);
    std::string s(reinterpret_cast<const char*>(p_ + pos_), n);
    pos_ += n;
    return s;
  }
  // A element count whose elements take at least elem_size bytes each.
  size_t count(size_t elem_size) {
    uint32_t n = u32();
    if (elem_size > 0 && n > (n_ - pos_) / elem_size) fail("an element count exceeds the bytes present");
    return n;
  }
  void expect_end() {
    if (pos_ != n_) fail("has trailing bytes");
  }
  [[noreturn]] void fail(const std::string& msg) const {
    throw CorruptModel(std::string("corrupt model: section ") + what_ + " " + msg);
  }

 private:
  void need(size_t k) {
    if (k > n_ - pos_) fail("is truncated");
  }
  uint64_t uint_le(int k) {
    need(static_cast<size_t>(k));
    uint64_t v = 0;
    for (int i = 0; i < k; ++i) v |= static_cast<uint64_t>(p_[pos_ + i]) << (8 * i);
    pos_ += static_cast<size_t>(k);
    return v;
  }
  const uint8_t* p_;
  size_t n_;
  size_t pos_ = 0;
  const char* what_;
};

// Parameters by key: a count, then (name, value as text) pairs, the text as
// TrainParams::set() reads it. A parameter added later needs no new format.
void write_params(Writer& w, const TrainParams& p) {
  const auto kv = p.to_kv();
  w.u32(static_cast<uint32_t>(kv.size()));
  for (const auto& [key, text] : kv) {
    w.str(key);
    w.str(text);
  }
}

// Parameters by key (format 3 on). A key this library does not declare is
// skipped: it names a parameter of a later library, and parameters only shape
// training (model_format.hpp); a declared key the blob lacks keeps its
// default. Every value goes through the same parser and check as user input.
TrainParams read_params_by_key(Reader& r) {
  TrainParams p;
  std::vector<bool> seen(param_table().size, false);
  const size_t n = r.count(8);
  for (size_t i = 0; i < n; ++i) {
    const std::string key = r.str();
    const std::string text = r.str();
    const ParamInfo* info = find_param(key);
    if (!info) continue;
    const size_t slot = static_cast<size_t>(info - param_table().begin());
    if (seen[slot]) r.fail("repeats parameter \"" + key + "\"");
    seen[slot] = true;
    try {
      p.set(key, text);
    } catch (const InvalidInput& e) {
      r.fail(std::string("holds invalid parameters: ") + e.what());
    }
  }
  return p;
}

// Parameters in formats 1 and 2: a JSON copy for people, which the reader
// skips, then fixed-layout binary fields in the order below. Format 2
// appended max_training_leads; format 1 blobs get its default.
TrainParams read_params_fixed(Reader& r, uint32_t version) {
  TrainParams p;
  (void)r.str();
  p.n_trees = static_cast<int>(r.u32());
  p.calibration_trees = static_cast<int>(r.u32());
  p.max_depth = static_cast<int>(r.u32());
  p.min_samples_leaf = static_cast<int>(r.u32());
  p.max_features = r.f64();
  uint8_t cw = r.u8(), cal = r.u8();
  if (cw > 1 || cal > 3) r.fail("has an unknown enum value");
  p.class_weight = static_cast<ClassWeight>(cw);
  p.calibration = static_cast<Calibration>(cal);
  p.platt_below = static_cast<int>(r.u32());
  p.holdout_fraction = r.f64();
  p.refit_full = r.u8() != 0;
  p.max_bins = static_cast<int>(r.u32());
  p.min_category_count = static_cast<int>(r.u32());
  p.max_categories = static_cast<int>(r.u32());
  p.max_trade_tags = static_cast<int>(r.u32());
  p.seed = r.u64();
  p.threads = static_cast<int>(r.u32());
  if (version >= 2) p.max_training_leads = static_cast<int>(r.u32());
  // Trained before either bound on attribute keys existed: every key was a
  // feature (share 0), with no cap below the spec's own limit.
  p.min_attribute_share = 0.0;
  p.max_attribute_features = 65535;
  return p;
}

TrainParams read_params(Reader& r, uint32_t version) {
  TrainParams p = version >= 3 ? read_params_by_key(r) : read_params_fixed(r, version);
  // A stored forest records the shrinkage it got; one written before there
  // was shrinkage got none, where the default would say "choose".
  if (p.shrinkage < 0) p.shrinkage = 0;
  try {
    p.validate();
  } catch (const InvalidInput& e) {
    r.fail(std::string("holds invalid parameters: ") + e.what());
  }
  return p;
}

void write_spec(Writer& w, const FeatureSpec& s, const ShouldStop& should_stop) {
  w.u32(static_cast<uint32_t>(s.size()));
  for (size_t f = 0; f < s.size(); ++f) {
    const FeatureDef& d = s[f];
    if (f % 64 == 63) check_stop(should_stop);
    w.str(d.name);
    w.u8(static_cast<uint8_t>(d.source));
    w.u8(static_cast<uint8_t>(d.kind));
    w.str(d.key);
    w.u32(static_cast<uint32_t>(d.edges.size()));
    for (double e : d.edges) w.f64(e);
    w.u32(static_cast<uint32_t>(d.levels.size()));
    for (const auto& l : d.levels) w.str(l);
    w.u32(static_cast<uint32_t>(d.bin_counts.size()));
    for (uint32_t c : d.bin_counts) w.u32(c);
    w.f64(d.lo);
    w.f64(d.hi);
  }
}

FeatureSpec read_spec(Reader& r) {
  std::vector<FeatureDef> defs(r.count(30));
  for (auto& d : defs) {
    d.name = r.str();
    uint8_t src = r.u8(), kind = r.u8();
    if (src > static_cast<uint8_t>(FeatureSource::Attribute) || kind > 1) r.fail("has an unknown feature kind");
    d.source = static_cast<FeatureSource>(src);
    d.kind = static_cast<FeatureKind>(kind);
    d.key = r.str();
    d.edges.resize(r.count(8));
    for (double& e : d.edges) e = r.f64();
    d.levels.resize(r.count(4));
    for (auto& l : d.levels) l = r.str();
    d.bin_counts.resize(r.count(4));
    for (uint32_t& c : d.bin_counts) c = r.u32();
    d.lo = r.f64();
    d.hi = r.f64();
    if (d.kind == FeatureKind::Numeric && !d.levels.empty()) r.fail("has levels on a numeric feature");
    if (d.kind == FeatureKind::Categorical && !d.edges.empty()) r.fail("has edges on a categorical feature");
  }
  return FeatureSpec::from_defs(std::move(defs));
}

void write_forest(Writer& w, const Forest& f, const ShouldStop& should_stop) {
  w.u32(f.n_features);
  w.u32(static_cast<uint32_t>(f.roots.size()));
  for (uint32_t r : f.roots) w.u32(r);
  w.u32(static_cast<uint32_t>(f.nodes.size()));
  for (size_t i = 0; i < f.nodes.size(); ++i) {
    const Node& n = f.nodes[i];
    if (i % 4096 == 4095) check_stop(should_stop);
    w.u16(n.feature);
    w.u8(n.kind);
    w.u8(n.threshold);
    w.u32(n.right);
    w.f32(n.value);
    w.u32(n.aux);
  }
  w.u32(static_cast<uint32_t>(f.catsets.size()));
  for (const CatSet& c : f.catsets)
    for (uint64_t b : c.bits) w.u64(b);
  w.u32(static_cast<uint32_t>(f.importance.size()));
  for (double v : f.importance) w.f64(v);
}

Forest read_forest(Reader& r) {
  Forest f;
  f.n_features = r.u32();
  f.roots.resize(r.count(4));
  for (uint32_t& x : f.roots) x = r.u32();
  f.nodes.resize(r.count(16));
  for (Node& n : f.nodes) {
    n.feature = r.u16();
    n.kind = r.u8();
    n.threshold = r.u8();
    n.right = r.u32();
    n.value = r.f32();
    n.aux = r.u32();
  }
  f.catsets.resize(r.count(32));
  for (CatSet& c : f.catsets)
    for (uint64_t& b : c.bits) b = r.u64();
  f.importance.resize(r.count(8));
  for (double& v : f.importance) v = r.f64();
  f.validate();
  f.index();
  return f;
}

void write_calibration(Writer& w, const Calibrator& c) {
  w.u8(static_cast<uint8_t>(c.method));
  w.f64(c.a);
  w.f64(c.b);
  w.u32(static_cast<uint32_t>(c.xs.size()));
  for (size_t i = 0; i < c.xs.size(); ++i) {
    w.f64(c.xs[i]);
    w.f64(c.ys[i]);
  }
}

Calibrator read_calibration(Reader& r) {
  Calibrator c;
  uint8_t m = r.u8();
  if (m > static_cast<uint8_t>(Calibration::None)) r.fail("has an unknown calibration method");
  c.method = static_cast<Calibration>(m);
  c.a = r.f64();
  c.b = r.f64();
  size_t n = r.count(16);
  c.xs.resize(n);
  c.ys.resize(n);
  for (size_t i = 0; i < n; ++i) {
    c.xs[i] = r.f64();
    c.ys[i] = r.f64();
  }
  c.validate();
  return c;
}

void write_metrics(Writer& w, const Metrics& m) {
  w.u64(m.rows_train);
  w.u64(m.rows_holdout);
  for (double v : {m.positive_rate, m.auc, m.accuracy, m.brier, m.log_loss, m.ece}) w.f64(v);
  w.u32(static_cast<uint32_t>(m.calibration.size()));
  for (const auto& b : m.calibration) {
    w.f64(b.lo);
    w.f64(b.hi);
    w.u64(b.count);
    w.f64(b.mean_predicted);
    w.f64(b.fraction_positive);
  }
  w.u32(static_cast<uint32_t>(m.roc.size()));
  for (const auto& p : m.roc) {
    w.f64(p.fpr);
    w.f64(p.tpr);
    w.f64(p.threshold);
  }
  w.u32(static_cast<uint32_t>(m.importance.size()));
  for (const auto& f : m.importance) {
    w.str(f.feature);
    w.f64(f.importance);
  }
  w.f64(m.auc_raw);
}

Metrics read_metrics(Reader& r, uint32_t version) {
  Metrics m;
  m.rows_train = r.u64();
  m.rows_holdout = r.u64();
  for (double* v : {&m.positive_rate, &m.auc, &m.accuracy, &m.brier, &m.log_loss, &m.ece}) *v = r.f64();
  m.calibration.resize(r.count(40));
  for (auto& b : m.calibration) {
    b.lo = r.f64();
    b.hi = r.f64();
    b.count = r.u64();
    b.mean_predicted = r.f64();
    b.fraction_positive = r.f64();
  }
  m.roc.resize(r.count(24));
  for (auto& p : m.roc) {
    p.fpr = r.f64();
    p.tpr = r.f64();
    p.threshold = r.f64();
  }
  m.importance.resize(r.count(12));
  for (auto& f : m.importance) {
    f.feature = r.str();
    f.importance = r.f64();
  }
  if (version >= 2) m.auc_raw = r.f64();
  return m;
}

// Held-out win probabilities (format 4 on): a count, then that many ascending
// doubles in [0, 1] (score_distribution.hpp).
void write_distribution(Writer& w, const ScoreDistribution& d) {
  w.u32(static_cast<uint32_t>(d.quantiles().size()));
  for (double q : d.quantiles()) w.f64(q);
}

ScoreDistribution read_distribution(Reader& r) {
  std::vector<double> q(r.count(8));
  for (double& v : q) v = r.f64();
  try {
    return ScoreDistribution::from_quantiles(std::move(q));
  } catch (const InvalidInput& e) {
    r.fail(std::string("holds an invalid distribution: ") + e.what());
  }
}

// The funnel (format 5 on): a presence byte; when present, from format 6
// the contact forest as FRST stores a forest, a byte saying whether a quote
// forest follows (0: the quote is the win, funnel.hpp) and then it, then the
// contact and quote calibration maps, and the figures of the contact, quote
// and win stages (rows as u64, then positive_rate, mean_predicted, auc,
// log_loss, brier, ece as f64). Format 5, written by development builds of
// 0.4.0 whose one forest carried every stage, stored the forest's contact and
// quote fraction per node (two f32 each, as many as FRST has nodes) in place
// of the two forests; such a model loads without its funnel (its forest's
// node values are the win's, so it scores the win as it did).
void write_figures(Writer& w, const StageFigures& f) {
  w.u64(f.rows);
  for (double v : {f.positive_rate, f.mean_predicted, f.auc, f.log_loss, f.brier, f.ece}) w.f64(v);
}

StageFigures read_figures(Reader& r) {
  StageFigures f;
  f.rows = r.u64();
  for (double* v : {&f.positive_rate, &f.mean_predicted, &f.auc, &f.log_loss, &f.brier, &f.ece}) *v = r.f64();
  return f;
}

void write_funnel(Writer& w, const Model& m, const ShouldStop& should_stop) {
  const Funnel& f = m.funnel();
  w.u8(f.present ? 1 : 0);
  if (!f.present) return;
  write_forest(w, f.contact_forest, should_stop);
  w.u8(f.quote_is_win() ? 0 : 1);
  if (!f.quote_is_win()) write_forest(w, f.quote_forest, should_stop);
  write_calibration(w, f.contact_cal);
  write_calibration(w, f.quote_cal);
  for (const StageFigures* s : {&f.contact, &f.quote, &f.win}) write_figures(w, *s);
}

// Reads the funnel into f; forest is the model's win forest, which a format
// 5 funnel's node fractions must match in number.
void read_funnel(Reader& r, uint32_t version, const Forest& forest, Funnel& f) {
  const uint8_t present = r.u8();
  if (present > 1) r.fail("has a bad presence flag");
  if (!present) return;
  if (version == 5) {
    const size_t n = r.count(8);
    if (n != forest.nodes.size()) r.fail("has stage values for another number of nodes than the forest");
    for (size_t i = 0; i < 2 * n; ++i) (void)r.f32();
    (void)read_calibration(r);
    (void)read_calibration(r);
    for (int i = 0; i < 3; ++i) (void)read_figures(r);
    return;
  }
  f.contact_forest = read_forest(r);
  const uint8_t has_quote = r.u8();
  if (has_quote > 1) r.fail("has a bad quote forest flag");
  if (has_quote) {
    f.quote_forest = read_forest(r);
    if (f.quote_forest.n_trees() == 0) r.fail("has a quote forest without trees");
  }
  f.present = true;
  f.contact_cal = read_calibration(r);
  f.quote_cal = read_calibration(r);
  for (StageFigures* s : {&f.contact, &f.quote, &f.win}) *s = read_figures(r);
}

// The value model (format 5 on): fitted byte, banded_leads, min_banded_leads
// (u64), fallback, log_low, log_span, smear (f64), rows_holdout (u64), median_relative_error
// (f64), then the value forest as FRST stores one when fitted.
void write_value(Writer& w, const ValueModel& v, const ShouldStop& should_stop) {
  w.u8(v.fitted ? 1 : 0);
  w.u64(v.banded_leads);
  w.u64(v.min_banded_leads);
  w.f64(v.fallback);
  w.f64(v.log_low);
  w.f64(v.log_span);
  w.f64(v.smear);
  w.u64(v.rows_holdout);
  w.f64(v.median_relative_error);
  if (v.fitted) write_forest(w, v.forest, should_stop);
}

ValueModel read_value(Reader& r) {
  ValueModel v;
  const uint8_t fitted = r.u8();
  if (fitted > 1) r.fail("has a bad fitted flag");
  v.banded_leads = r.u64();
  v.min_banded_leads = r.u64();
  v.fallback = r.f64();
  v.log_low = r.f64();
  v.log_span = r.f64();
  v.smear = r.f64();
  v.rows_holdout = r.u64();
  v.median_relative_error = r.f64();
  if (!std::isnan(v.fallback) && !(std::isfinite(v.fallback) && v.fallback >= 0)) r.fail("has a bad fallback value");
  if (fitted) {
    if (!std::isfinite(v.log_low) || !(v.log_span > 0 && v.log_span < 100) || !(v.smear > 0 && v.smear < 1e6))
      r.fail("has a bad value scale");
    v.forest = read_forest(r);
    v.fitted = true;
  }
  return v;
}

constexpr const char* kSections[] = {"PARM", "SPEC", "FRST", "CALB", "METR", "DIST", "STGE", "VALU"};
constexpr int kSectionCount = 8;

// Formats before 4 end after METR, format 4 after DIST.
int sections_in(uint32_t version) { return version >= 5 ? kSectionCount : version == 4 ? 6 : 5; }

// CRC-32 of data[0..n), a megabyte at a time between polls of should_stop.
uint32_t crc32_cancellable(const uint8_t* data, size_t n, const ShouldStop& should_stop) {
  constexpr size_t kChunk = size_t{1} << 20;
  uint32_t c = 0xFFFFFFFFu;
  for (size_t at = 0; at < n; at += kChunk) {
    if (at > 0) check_stop(should_stop);
    const size_t end = std::min(n, at + kChunk);
    for (size_t i = at; i < end; ++i) c = kCrcTable[(c ^ data[i]) & 0xff] ^ (c >> 8);
  }
  return c ^ 0xFFFFFFFFu;
}

}  // namespace

uint32_t crc32(const uint8_t* data, size_t n) { return crc32_cancellable(data, n, ShouldStop()); }

std::string serialize(const Model& model, const ShouldStop& should_stop) {
  Writer sec[kSectionCount];
  write_params(sec[0], model.params());
  write_spec(sec[1], model.spec(), should_stop);
  write_forest(sec[2], model.forest(), should_stop);
  check_stop(should_stop);
  write_calibration(sec[3], model.calibrator());
  write_metrics(sec[4], model.metrics());
  write_distribution(sec[5], model.held_out());
  write_funnel(sec[6], model, should_stop);
  write_value(sec[7], model.value_model(), should_stop);
  // Sections are appended straight after the header: no copy of the body.
  size_t body_size = 0;
  for (int i = 0; i < kSectionCount; ++i) body_size += 12 + sec[i].out().size();
  Writer w;
  w.out().reserve(kHeaderSize + body_size + kTrailerSize);
  w.bytes(std::string(kMagic, 4));
  w.u32(kFormatVersion);
  w.u8(kLittleEndian);
  w.u8(0);
  w.u8(0);
  w.u8(0);
  w.u64(body_size);
  for (int i = 0; i < kSectionCount; ++i) {
    w.bytes(std::string(kSections[i], 4));
    w.u64(sec[i].out().size());
    w.bytes(sec[i].out());
    sec[i].out() = std::string();
  }
  check_stop(should_stop);
  std::string& s = w.out();
  w.u32(crc32_cancellable(reinterpret_cast<const uint8_t*>(s.data()), s.size(), should_stop));
  return std::move(w.out());
}

Model deserialize(std::string_view blob) {
  return deserialize(reinterpret_cast<const uint8_t*>(blob.data()), blob.size());
}

Model deserialize(const uint8_t* data, size_t size) {
  if (size < 4 || std::memcmp(data, kMagic, 4) != 0)
    throw CorruptModel(size < 4 ? "corrupt model: blob is too short to hold a header"
                                : "corrupt model: not a leadscore model (bad magic)");
  if (size < kHeaderSize + kTrailerSize)
    throw CorruptModel("corrupt model: blob is truncated inside the header (" + std::to_string(size) + " bytes)");
  Reader h(data, kHeaderSize, "header");
  h.u32();  // magic, checked above
  uint32_t version = h.u32();
  if (version > kFormatVersion)
    throw CorruptModel("corrupt model: format version " + std::to_string(version) +
                       " is newer than this library reads (up to " + std::to_string(kFormatVersion) + ")");
  if (version == 0) throw CorruptModel("corrupt model: format version 0 does not exist");
  if (h.u8() != kLittleEndian) throw CorruptModel("corrupt model: unknown byte order tag");
  h.u8();
  h.u8();
  h.u8();
  uint64_t body_len = h.u64();
  if (body_len != size - kHeaderSize - kTrailerSize)
    throw CorruptModel("corrupt model: blob is " + std::to_string(size) + " bytes but its header announces " +
                       std::to_string(body_len + kHeaderSize + kTrailerSize) +
                       (body_len + kHeaderSize + kTrailerSize > size ? " (truncated)" : ""));
  Reader t(data + size - kTrailerSize, kTrailerSize, "trailer");
  if (t.u32() != crc32(data, size - kTrailerSize))
    throw CorruptModel("corrupt model: checksum mismatch (the blob was altered or damaged)");

  Reader body(data + kHeaderSize, body_len, "list");
  const uint8_t* p = data + kHeaderSize;
  size_t pos = 0;
  TrainParams params;
  FeatureSpec spec;
  Forest forest;
  Calibrator cal;
  Metrics metrics;
  ScoreDistribution held_out;
  Funnel funnel;
  ValueModel value;
  for (int i = 0; i < sections_in(version); ++i) {
    if (body_len - pos < 12) throw CorruptModel(std::string("corrupt model: section ") + kSections[i] + " is missing");
    if (std::memcmp(p + pos, kSections[i], 4) != 0)
      throw CorruptModel(std::string("corrupt model: expected section ") + kSections[i]);
    Reader lr(p + pos + 4, 8, kSections[i]);
    uint64_t len = lr.u64();
    pos += 12;
    if (len > body_len - pos) throw CorruptModel(std::string("corrupt model: section ") + kSections[i] + " is truncated");
    Reader r(p + pos, static_cast<size_t>(len), kSections[i]);
    switch (i) {
      case 0: params = read_params(r, version); break;
      case 1: spec = read_spec(r); break;
      case 2: forest = read_forest(r); break;
      case 3: cal = read_calibration(r); break;
      case 4: metrics = read_metrics(r, version); break;
      case 5: held_out = read_distribution(r); break;
      case 6: read_funnel(r, version, forest, funnel); break;
      case 7: value = read_value(r); break;
    }
    r.expect_end();
    pos += static_cast<size_t>(len);
  }
  if (pos != body_len) throw CorruptModel("corrupt model: trailing bytes after the last section");
  if (forest.n_features != spec.size())
    throw CorruptModel("corrupt model: forest and feature spec disagree on the number of features");
  if (value.fitted && value.forest.n_features != spec.size())
    throw CorruptModel("corrupt model: value forest and feature spec disagree on the number of features");
  return Model(std::move(spec), std::move(forest), std::move(cal), std::move(metrics), params, std::move(held_out),
               std::move(funnel), std::move(value));
}

}  // namespace leadscore
