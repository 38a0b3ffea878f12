// Isotonic and Platt calibration; see calibration.hpp.
#include "core/calibration.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/eigen.hpp"
#include "core/errors.hpp"
#include "core/hash.hpp"
#include "core/sort_in_pieces.hpp"

namespace leadscore {

namespace {

double clamp_prob(double p) { return std::min(1.0 - kProbFloor, std::max(kProbFloor, p)); }

}  // namespace

Calibrator Calibrator::identity() {
  Calibrator c;
  c.method = Calibration::None;
  return c;
}

double Calibrator::interpolate(double raw) const {
  if (xs.empty()) return raw;
  if (raw <= xs.front()) return ys.front();
  if (raw >= xs.back()) return ys.back();
  size_t i = static_cast<size_t>(std::upper_bound(xs.begin(), xs.end(), raw) - xs.begin());
  double x0 = xs[i - 1], x1 = xs[i], y0 = ys[i - 1], y1 = ys[i];
  double t = x1 > x0 ? (raw - x0) / (x1 - x0) : 1.0;
  return y0 + t * (y1 - y0);
}

double Calibrator::apply(double raw) const {
  if (std::isnan(raw)) raw = 0.5;
  switch (method) {
    case Calibration::Isotonic:
      return clamp_prob(interpolate(raw));
    case Calibration::Platt:
      return clamp_prob(1.0 / (1.0 + std::exp(a * raw + b)));
    default:
      return clamp_prob(raw);
  }
}

namespace {

// Blocks of (weight, Σx, Σy).
struct Block { double w, sx, sy; };

// Pool-adjacent-violators over the rows in ascending order of raw score
// (sx[k], sy[k]), row k taken count[k] times (once each without counts), then
// neighbouring blocks merged to a minimum size; n is the number of rows taken.
// Each copy of a row is added one at a time, so rows repeated by a bootstrap
// sum exactly as the same rows listed one by one would.
std::vector<Block> isotonic_blocks(const double* sx, const uint8_t* sy, const uint8_t* count, size_t m, size_t n) {
  // Equal raw scores start in one block.
  std::vector<Block> st;
  for (size_t k = 0; k < m;) {
    size_t j = k;
    Block b{0, 0, 0};
    while (j < m && sx[j] == sx[k]) {
      for (uint32_t c = count ? count[j] : 1; c > 0; --c) {
        b.w += 1;
        b.sx += sx[j];
        b.sy += sy[j];
      }
      ++j;
    }
    k = j;
    if (b.w == 0) continue;  // a score the bootstrap did not draw
    st.push_back(b);
    // Pool while the previous block's mean is not below this one's.
    while (st.size() > 1) {
      Block& hi = st.back();
      Block& lo = st[st.size() - 2];
      if (lo.sy * hi.w < hi.sy * lo.w) break;
      lo.w += hi.w;
      lo.sx += hi.sx;
      lo.sy += hi.sy;
      st.pop_back();
    }
  }
  // Merge neighbouring blocks until each holds at least 1% of the rows (and
  // 10 at least): tiny blocks at the ends are all-0 or all-1 by chance and
  // would make the extremes overconfident. Merging neighbours of a monotone
  // sequence keeps it monotone.
  const double min_w = std::max(10.0, static_cast<double>(n) / 100.0);
  std::vector<Block> merged;
  Block cur{0, 0, 0};
  for (const Block& b : st) {
    cur.w += b.w;
    cur.sx += b.sx;
    cur.sy += b.sy;
    if (cur.w >= min_w) {
      merged.push_back(cur);
      cur = Block{0, 0, 0};
    }
  }
  if (cur.w > 0) {
    if (merged.empty()) {
      merged.push_back(cur);
    } else {
      merged.back().w += cur.w;
      merged.back().sx += cur.sx;
      merged.back().sy += cur.sy;
    }
  }
  return merged;
}

// The rows in ascending order of raw score (ties by position).
void sort_by_score(const std::vector<double>& x, const std::vector<uint8_t>& y, std::vector<double>* sx,
                   std::vector<uint8_t>* sy) {
  const size_t n = x.size();
  std::vector<size_t> ord(n);
  std::iota(ord.begin(), ord.end(), size_t{0});
  std::sort(ord.begin(), ord.end(), [&](size_t i, size_t j) { return x[i] != x[j] ? x[i] < x[j] : i < j; });
  sx->resize(n);
  sy->resize(n);
  for (size_t k = 0; k < n; ++k) {
    (*sx)[k] = x[ord[k]];
    (*sy)[k] = y[ord[k]];
  }
}

}  // namespace

Calibrator Calibrator::fit_isotonic(const std::vector<double>& x, const std::vector<uint8_t>& y) {
  Calibrator c;
  c.method = Calibration::Isotonic;
  const size_t n = x.size();
  if (n == 0) return c;
  std::vector<double> sx;
  std::vector<uint8_t> sy;
  sort_by_score(x, y, &sx, &sy);
  for (const Block& b : isotonic_blocks(sx.data(), sy.data(), nullptr, n, n)) {
    c.xs.push_back(b.sx / b.w);
    c.ys.push_back(b.sy / b.w);
  }
  return c;
}

Calibrator Calibrator::fit_isotonic_bagged(const std::vector<double>& x, const std::vector<uint8_t>& y,
                                           int rounds, uint64_t seed, const ShouldStop& should_stop) {
  const size_t n = x.size();
  check_stop(should_stop);
  if (n == 0 || rounds <= 1) return fit_isotonic(x, y);
  // Sorted once: a bootstrap round is the same rows taken a drawn number of
  // times each, so it needs only those counts, in sorted order.
  std::vector<double> sx;
  std::vector<uint8_t> sy;
  std::vector<uint32_t> rank(n);  // a word, and the counts below a byte: a round's draws land at random
  {
    struct Entry {
      double x;
      size_t i;
    };
    std::vector<Entry> ord(n);
    for (size_t i = 0; i < n; ++i) ord[i] = {x[i], i};
    sort_in_pieces(ord, [](const Entry& a, const Entry& b) { return a.x != b.x ? a.x < b.x : a.i < b.i; },
                   should_stop);
    sx.resize(n);
    sy.resize(n);
    for (size_t k = 0; k < n; ++k) {
      sx[k] = ord[k].x;
      sy[k] = y[ord[k].i];
      rank[ord[k].i] = static_cast<uint32_t>(k);
    }
  }
  // Tabulate at up to 256 quantiles of the raw scores.
  Calibrator out;
  out.method = Calibration::Isotonic;
  for (size_t k = 0; k < 256; ++k) {
    double q = sx[std::min(n - 1, k * (n - 1) / 255)];
    if (out.xs.empty() || q > out.xs.back()) out.xs.push_back(q);
  }
  out.ys.assign(out.xs.size(), 0.0);
  Rng rng(seed ^ 0x63616c6962ULL);
  // A row drawn more than 255 times in a round (probability below 10^-500)
  // would count 255.
  std::vector<uint8_t> count(n);
  for (int r = 0; r < rounds; ++r) {
    check_stop(should_stop);
    std::fill(count.begin(), count.end(), uint8_t{0});
    for (size_t i = 0; i < n; ++i) {
      uint8_t& c = count[rank[rng.below(static_cast<uint32_t>(n))]];
      c += c != 255;
      if ((i & 0xFFFF) == 0xFFFF) check_stop(should_stop);  // a round over millions of rows takes a third of a second
    }
    Calibrator c;
    c.method = Calibration::Isotonic;
    for (const Block& b : isotonic_blocks(sx.data(), sy.data(), count.data(), n, n)) {
      c.xs.push_back(b.sx / b.w);
      c.ys.push_back(b.sy / b.w);
    }
    for (size_t k = 0; k < out.xs.size(); ++k) out.ys[k] += c.interpolate(out.xs[k]);
  }
  for (double& v : out.ys) v /= rounds;
  // Rounding can break exact monotonicity by an ulp; restore it.
  for (size_t k = 1; k < out.ys.size(); ++k) out.ys[k] = std::max(out.ys[k], out.ys[k - 1]);
  return out;
}

Calibrator Calibrator::fit_platt(const std::vector<double>& x, const std::vector<uint8_t>& y,
                                 const ShouldStop& should_stop) {
  // Newton's method on the regularised targets of Platt (1999), which keep the
  // fit finite when the classes separate perfectly.
  Calibrator c;
  c.method = Calibration::Platt;
  const size_t n = x.size();
  double npos = 0;
  for (uint8_t v : y) npos += v;
  const double nneg = static_cast<double>(n) - npos;
  const double t_pos = (npos + 1) / (npos + 2), t_neg = 1 / (nneg + 2);
  Eigen::Vector2d theta(0.0, std::log((nneg + 1) / (npos + 1)));  // (a, b)
  for (int iter = 0; iter < 100; ++iter) {
    check_stop(should_stop);
    Eigen::Matrix2d H = Eigen::Matrix2d::Identity() * 1e-12;
    Eigen::Vector2d g = Eigen::Vector2d::Zero();
    for (size_t i = 0; i < n; ++i) {
      double f = theta(0) * x[i] + theta(1);
      double p = 1.0 / (1.0 + std::exp(f));  // predicted P(y = 1)
      double t = y[i] ? t_pos : t_neg;
      Eigen::Vector2d d(x[i], 1.0);
      g += (t - p) * d;  // gradient of the negative log likelihood in (a, b)
      H += p * (1 - p) * d * d.transpose();
    }
    Eigen::Vector2d step = H.ldlt().solve(g);
    theta -= step;
    if (step.cwiseAbs().maxCoeff() < 1e-10) break;
  }
  c.a = theta(0);
  c.b = theta(1);
  if (!std::isfinite(c.a) || !std::isfinite(c.b)) return identity();
  return c;
}

void Calibrator::validate() const {
  if (static_cast<uint8_t>(method) > static_cast<uint8_t>(Calibration::None))
    throw CorruptModel("calibration map has an unknown method");
  if (xs.size() != ys.size()) throw CorruptModel("calibration map has mismatched knots");
  for (size_t i = 0; i < xs.size(); ++i) {
    if (!std::isfinite(xs[i]) || !(ys[i] >= 0.0 && ys[i] <= 1.0))
      throw CorruptModel("calibration map has a knot out of range");
    if (i > 0 && (xs[i] < xs[i - 1] || ys[i] < ys[i - 1]))
      throw CorruptModel("calibration map is not monotonic");
  }
  if (method == Calibration::Platt && (!std::isfinite(a) || !std::isfinite(b)))
    throw CorruptModel("calibration map has non-finite Platt parameters");
}

}  // namespace leadscore
