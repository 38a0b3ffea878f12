// The model report as SVG; see report_svg.hpp.
//
// The picture is a fixed 960 x 420 canvas: a title line and a line of summary
// figures, then three panels side by side (calibration, ROC, importances).
// Everything is drawn with presentation attributes, not a <style> element,
// because CSS inside an inline SVG applies to the whole page that embeds it.
// Numbers are written with a fixed number of decimals after being checked
// finite and clamped to the plot, so no NaN or infinity can reach the markup.
#include "core/report_svg.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <vector>

namespace leadscore {

namespace {

constexpr int kPlotTop = 100;
constexpr int kPlotSize = 240;
constexpr int kPlotBottom = kPlotTop + kPlotSize;
constexpr int kCalibrationLeft = 64;
constexpr int kRocLeft = 370;
constexpr int kNamesRight = 814;   // feature names end here, bars start after
constexpr int kBarsLeft = 820;
constexpr int kBarsMaxWidth = 84;
constexpr size_t kMaxNameChars = 26;

const char* const kInk = "#222222";
const char* const kMuted = "#666666";
const char* const kGrid = "#e6e6e6";
const char* const kCurve = "#1f77b4";
const char* const kBar = "#2ca02c";

// A finite number with the given decimals; 0 for anything else.
std::string num(double v, int decimals = 1) {
  if (!std::isfinite(v)) v = 0;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

double clamp01(double v) { return std::isfinite(v) ? std::min(1.0, std::max(0.0, v)) : 0.0; }

// Unicode code points of text; invalid UTF-8 and characters XML 1.0 forbids become '?'.
std::vector<uint32_t> code_points(const std::string& text) {
  std::vector<uint32_t> out;
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  for (size_t i = 0; i < n;) {
    unsigned char c = s[i];
    uint32_t cp = 0;
    size_t len = 0;
    if (c < 0x80) { cp = c; len = 1; }
    else if ((c & 0xE0) == 0xC0) { cp = c & 0x1F; len = 2; }
    else if ((c & 0xF0) == 0xE0) { cp = c & 0x0F; len = 3; }
    else if ((c & 0xF8) == 0xF0) { cp = c & 0x07; len = 4; }
    bool valid = len > 0 && i + len <= n;
    for (size_t k = 1; valid && k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) valid = false;
      else cp = (cp << 6) | (s[i + k] & 0x3F);
    }
    // Overlong forms, surrogates and values beyond Unicode are invalid UTF-8.
    static const uint32_t kMinOfLength[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (valid && (cp < kMinOfLength[len] || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)) valid = false;
    if (!valid) {
      out.push_back('?');
      i += 1;
      continue;
    }
    bool xml_char = cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp != 0xFFFE && cp != 0xFFFF);
    out.push_back(xml_char ? cp : '?');
    i += len;
  }
  return out;
}

// Code points as escaped XML text; non-ASCII as character references so the
// markup is ASCII whatever encoding carries it.
std::string escape_points(const std::vector<uint32_t>& points) {
  std::string out;
  for (uint32_t cp : points) {
    switch (cp) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (cp < 0x80 && cp >= 0x20) out += static_cast<char>(cp);
        else out += "&#" + std::to_string(cp) + ";";
    }
  }
  return out;
}

// A feature name short enough for its column, cut with an ellipsis.
std::string short_name(const std::string& name) {
  std::vector<uint32_t> p = code_points(name);
  if (p.size() > kMaxNameChars) {
    p.resize(kMaxNameChars - 1);
    p.push_back(0x2026);
  }
  return escape_points(p);
}

class Svg {
 public:
  std::string out;

  void text(double x, double y, const std::string& escaped, int size, const char* anchor = "start",
            const char* fill = kInk, const char* extra = "") {
    out += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" font-size=\"" + std::to_string(size) +
           "\" text-anchor=\"" + anchor + "\" fill=\"" + fill + "\"" + extra + ">" + escaped + "</text>\n";
  }
  void line(double x1, double y1, double x2, double y2, const char* stroke, double width = 1,
            const char* extra = "") {
    out += "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" + num(y2) +
           "\" stroke=\"" + stroke + "\" stroke-width=\"" + num(width) + "\"" + extra + "/>\n";
  }
};

// A unit-square plot at (left, kPlotTop): grid, axes, ticks, labels, diagonal.
struct Plot {
  double left;
  double x(double v) const { return left + clamp01(v) * kPlotSize; }
  double y(double v) const { return kPlotBottom - clamp01(v) * kPlotSize; }

  void frame(Svg& s, const std::string& title, const char* x_label, const char* y_label) const {
    s.text(left, kPlotTop - 12, title, 14, "start", kInk, " font-weight=\"bold\"");
    for (int i = 0; i <= 5; ++i) {
      double v = i / 5.0;
      std::string label = i == 0 ? "0" : i == 5 ? "1" : num(v);
      s.line(x(v), kPlotTop, x(v), kPlotBottom, kGrid);
      s.line(left, y(v), left + kPlotSize, y(v), kGrid);
      s.line(x(v), kPlotBottom, x(v), kPlotBottom + 4, kInk);
      s.line(left - 4, y(v), left, y(v), kInk);
      s.text(x(v), kPlotBottom + 17, label, 11, "middle", kMuted);
      s.text(left - 7, y(v) + 4, label, 11, "end", kMuted);
    }
    s.out += "<rect x=\"" + num(left) + "\" y=\"" + num(kPlotTop) + "\" width=\"" + num(kPlotSize) +
             "\" height=\"" + num(kPlotSize) + "\" fill=\"none\" stroke=\"" + kInk + "\"/>\n";
    s.line(x(0), y(0), x(1), y(1), "#999999", 1, " stroke-dasharray=\"5 4\"");
    s.text(left + kPlotSize / 2.0, kPlotBottom + 36, x_label, 12, "middle");
    double cy = kPlotTop + kPlotSize / 2.0;
    s.text(left - 38, cy, y_label, 12, "middle", kInk,
           (" transform=\"rotate(-90 " + num(left - 38) + " " + num(cy) + ")\"").c_str());
  }

  void no_data(Svg& s) const {
    s.text(left + kPlotSize / 2.0, kPlotTop + kPlotSize / 2.0 - 20, "no data", 13, "middle", kMuted);
  }

  // A short dashed sample with a label, for the diagonal's meaning.
  void legend(Svg& s, double lx, double ly, const char* label) const {
    s.line(lx, ly - 4, lx + 18, ly - 4, "#999999", 1, " stroke-dasharray=\"5 4\"");
    s.text(lx + 22, ly, label, 10, "start", kMuted);
  }
};

void calibration_panel(Svg& s, const Metrics& m) {
  Plot p{kCalibrationLeft};
  std::string title = "Calibration";
  if (std::isfinite(m.ece)) title += " (ECE " + num(m.ece, 3) + ")";
  p.frame(s, title, "predicted win probability", "observed win rate");
  p.legend(s, p.left + 8, kPlotTop + 16, "perfectly calibrated");

  uint64_t max_count = 0;
  std::vector<const CalibrationBin*> bins;
  for (const auto& b : m.calibration)
    if (b.count > 0 && std::isfinite(b.mean_predicted) && std::isfinite(b.fraction_positive)) {
      bins.push_back(&b);
      max_count = std::max(max_count, b.count);
    }
  if (bins.empty()) return p.no_data(s);
  std::string points;
  for (const auto* b : bins) points += num(p.x(b->mean_predicted)) + "," + num(p.y(b->fraction_positive)) + " ";
  points.pop_back();
  s.out += "<polyline points=\"" + points + "\" fill=\"none\" stroke=\"" + kCurve + "\" stroke-width=\"2\"/>\n";
  // Point area grows with the bin's share of leads.
  for (const auto* b : bins) {
    double r = 2.5 + 4.0 * std::sqrt(static_cast<double>(b->count) / static_cast<double>(max_count));
    s.out += "<circle cx=\"" + num(p.x(b->mean_predicted)) + "\" cy=\"" + num(p.y(b->fraction_positive)) +
             "\" r=\"" + num(r) + "\" fill=\"" + kCurve + "\" fill-opacity=\"0.8\"/>\n";
  }
}

void roc_panel(Svg& s, const Metrics& m) {
  Plot p{kRocLeft};
  std::string title = "ROC curve (AUC " + (std::isfinite(m.auc) ? num(m.auc, 3) : std::string("n/a")) + ")";
  p.frame(s, title, "false positive rate", "true positive rate");
  p.legend(s, p.left + kPlotSize - 70, kPlotBottom - 10, "chance");

  std::string points;
  for (const auto& r : m.roc)
    if (std::isfinite(r.fpr) && std::isfinite(r.tpr)) points += num(p.x(r.fpr)) + "," + num(p.y(r.tpr)) + " ";
  if (points.empty()) return p.no_data(s);
  // Shade the area under the curve, closed along the x axis.
  s.out += "<polygon points=\"" + points + num(p.x(1)) + "," + num(p.y(0)) + " " + num(p.x(0)) + "," +
           num(p.y(0)) + "\" fill=\"" + kCurve + "\" fill-opacity=\"0.12\" stroke=\"none\"/>\n";
  points.pop_back();
  s.out += "<polyline points=\"" + points + "\" fill=\"none\" stroke=\"" + kCurve + "\" stroke-width=\"2\"/>\n";
}

void importance_panel(Svg& s, const Metrics& m) {
  std::vector<const FeatureImportance*> bars;
  for (const auto& f : m.importance)
    if (bars.size() < kReportBars && std::isfinite(f.importance) && f.importance >= 0) bars.push_back(&f);
  const double left = 650;
  s.text(left, kPlotTop - 12, "Feature importance (top " + std::to_string(bars.size()) + ")", 14, "start", kInk,
         " font-weight=\"bold\"");
  if (bars.empty()) {
    s.text(left + 140, kPlotTop + kPlotSize / 2.0 - 20, "no data", 13, "middle", kMuted);
    return;
  }
  double top = 0;
  for (const auto* f : bars) top = std::max(top, f->importance);
  const double row = static_cast<double>(kPlotSize) / kReportBars;
  for (size_t i = 0; i < bars.size(); ++i) {
    double y = kPlotTop + row * static_cast<double>(i);
    double w = top > 0 ? kBarsMaxWidth * bars[i]->importance / top : 0;
    s.text(kNamesRight, y + row / 2 + 4, short_name(bars[i]->feature), 11, "end", kInk);
    s.out += "<rect class=\"ls-bar\" x=\"" + num(kBarsLeft) + "\" y=\"" + num(y + 4) + "\" width=\"" +
             num(std::max(w, 1.0)) + "\" height=\"" + num(row - 8) + "\" fill=\"" + kBar + "\"/>\n";
    s.text(kBarsLeft + std::max(w, 1.0) + 4, y + row / 2 + 4, num(100 * bars[i]->importance) + "%", 10, "start",
           kMuted);
  }
  s.text(left, kPlotBottom + 36, "share of the forest&apos;s total split gain", 12, "start");
}

// Per stage, two bars on one 0..100% scale: predicted (mean probability) and
// observed (the rate on the held-out leads).
void funnel_panel(Svg& s, const Funnel& f) {
  const double top = kPlotBottom + 70, left = 64, names = 200, width = 560;
  s.text(left, top - 12, "Funnel on the held-out leads: predicted against observed", 14, "start", kInk,
         " font-weight=\"bold\"");
  const struct { const char* name; const StageFigures* f; } stages[] = {
      {"reached a decision maker", &f.contact}, {"came to a quote", &f.quote}, {"won", &f.win}};
  const double row = 34;
  for (size_t i = 0; i < 3; ++i) {
    const double y = top + row * static_cast<double>(i);
    const StageFigures& g = *stages[i].f;
    s.text(left + names - 8, y + 16, stages[i].name, 12, "end", kInk);
    const double pred = clamp01(g.mean_predicted), seen = clamp01(g.positive_rate);
    s.out += "<rect x=\"" + num(left + names) + "\" y=\"" + num(y + 3) + "\" width=\"" + num(std::max(1.0, width * pred)) +
             "\" height=\"11\" fill=\"" + kCurve + "\"/>\n";
    s.out += "<rect x=\"" + num(left + names) + "\" y=\"" + num(y + 16) + "\" width=\"" + num(std::max(1.0, width * seen)) +
             "\" height=\"11\" fill=\"" + kBar + "\"/>\n";
    std::string figures = "predicted " + num(100 * pred) + "% &#183; observed " + num(100 * seen) + "%";
    if (std::isfinite(g.auc)) figures += " &#183; AUC " + num(g.auc, 3);
    figures += " &#183; " + std::to_string(g.rows) + " leads";
    s.text(left + names + width + 8, y + 16, figures, 10, "start", kMuted);
  }
  const double ly = top + row * 3 + 8;
  s.out += "<rect x=\"" + num(left + names) + "\" y=\"" + num(ly - 9) + "\" width=\"12\" height=\"10\" fill=\"" + kCurve + "\"/>\n";
  s.text(left + names + 16, ly, "mean predicted probability", 10, "start", kMuted);
  s.out += "<rect x=\"" + num(left + names + 180) + "\" y=\"" + num(ly - 9) + "\" width=\"12\" height=\"10\" fill=\"" + kBar + "\"/>\n";
  s.text(left + names + 196, ly, "observed rate", 10, "start", kMuted);
}

}  // namespace

std::string xml_escape(const std::string& text) { return escape_points(code_points(text)); }

std::string model_report_svg(const Metrics& m, int version, const std::string& trained_at, const Funnel* funnel) {
  const bool with_funnel = funnel && funnel->present;
  const int height = kReportHeight + (with_funnel ? kFunnelPanelHeight : 0);
  const std::string title =
      "leadscore model v" + std::to_string(version) + " &#8212; trained " + xml_escape(trained_at);
  Svg s;
  s.out.reserve(16384);
  s.out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(kReportWidth) + "\" height=\"" +
           std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(kReportWidth) + " " +
           std::to_string(height) +
           "\" role=\"img\" font-family=\"DejaVu Sans, Liberation Sans, Arial, Helvetica, sans-serif\">\n";
  s.out += "<title>" + title + "</title>\n";
  s.out += "<rect x=\"0\" y=\"0\" width=\"" + std::to_string(kReportWidth) + "\" height=\"" +
           std::to_string(height) + "\" fill=\"#ffffff\"/>\n";
  s.text(24, 34, title, 20, "start", kInk, " font-weight=\"bold\"");

  std::string summary = "held-out leads: " + std::to_string(m.rows_holdout);
  if (std::isfinite(m.positive_rate)) summary += " &#183; win rate " + num(100 * m.positive_rate) + "%";
  if (std::isfinite(m.auc)) summary += " &#183; AUC " + num(m.auc, 3);
  if (std::isfinite(m.brier)) summary += " &#183; Brier " + num(m.brier, 3);
  if (std::isfinite(m.ece)) summary += " &#183; ECE " + num(m.ece, 3);
  s.text(24, 56, summary, 12, "start", kMuted);

  calibration_panel(s, m);
  roc_panel(s, m);
  importance_panel(s, m);
  if (with_funnel) funnel_panel(s, *funnel);
  s.out += "</svg>\n";
  return s.out;
}

}  // namespace leadscore
