// The model report's SVG: well-formed whatever the metrics and feature names,
// with the parts a reader looks for.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/metrics.hpp"
#include "core/report_svg.hpp"

using namespace leadscore;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A small well-formedness check of the XML subset the report uses: one root
// element, balanced tags, quoted attributes without '<', known entities only,
// no raw '<' or '&' in text, ASCII only. Returns "" or what is wrong.
std::string xml_problem(const std::string& x) {
  std::vector<std::string> open;
  bool seen_root = false;
  auto entity_ok = [&](size_t amp) {
    size_t semi = x.find(';', amp);
    if (semi == std::string::npos || semi - amp > 10) return false;
    std::string e = x.substr(amp + 1, semi - amp - 1);
    if (e == "amp" || e == "lt" || e == "gt" || e == "quot" || e == "apos") return true;
    if (e.size() >= 2 && e[0] == '#') return e.find_first_not_of("0123456789", 1) == std::string::npos;
    return false;
  };
  for (size_t i = 0; i < x.size();) {
    unsigned char c = x[i];
    if (c >= 0x80) return "non-ASCII byte at " + std::to_string(i);
    if (c == '&') {
      if (!entity_ok(i)) return "bad entity at " + std::to_string(i);
      ++i;
      continue;
    }
    if (c != '<') {
      if (open.empty() && !std::isspace(c)) return "text outside the root at " + std::to_string(i);
      ++i;
      continue;
    }
    size_t end = i + 1;
    char quote = 0;
    for (; end < x.size(); ++end) {
      if (quote) {
        if (x[end] == quote) quote = 0;
        else if (x[end] == '<') return "'<' in an attribute at " + std::to_string(end);
        else if (x[end] == '&' && !entity_ok(end)) return "bad entity in an attribute at " + std::to_string(end);
      } else if (x[end] == '"' || x[end] == '\'') {
        quote = x[end];
      } else if (x[end] == '>') {
        break;
      } else if (x[end] == '<') {
        return "'<' inside a tag at " + std::to_string(end);
      }
    }
    if (end >= x.size()) return "unterminated tag at " + std::to_string(i);
    std::string tag = x.substr(i + 1, end - i - 1);
    bool closing = !tag.empty() && tag[0] == '/';
    bool empty = !tag.empty() && tag.back() == '/';
    std::string name = tag.substr(closing ? 1 : 0);
    name = name.substr(0, name.find_first_of(" \t\n/"));
    if (name.empty() || !std::isalpha(static_cast<unsigned char>(name[0]))) return "bad tag name at " + std::to_string(i);
    if (closing) {
      if (open.empty() || open.back() != name) return "mismatched </" + name + "> at " + std::to_string(i);
      open.pop_back();
    } else {
      if (open.empty() && seen_root) return "second root element at " + std::to_string(i);
      seen_root = true;
      if (!empty) open.push_back(name);
    }
    i = end + 1;
  }
  if (!open.empty()) return "unclosed <" + open.back() + ">";
  if (!seen_root) return "no root element";
  return "";
}

size_t count(const std::string& haystack, const std::string& needle) {
  size_t n = 0;
  for (size_t at = haystack.find(needle); at != std::string::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

// Metrics of a reasonable model: bins, a ROC curve, n importances.
Metrics sample_metrics(size_t n_importances) {
  std::vector<double> p;
  std::vector<uint8_t> y;
  for (int i = 0; i < 2000; ++i) {
    double q = (i % 100) / 100.0;
    p.push_back(q);
    y.push_back((i * 7919 % 100) / 100.0 < q);
  }
  Metrics m = compute_metrics(p, y);
  for (size_t i = 0; i < n_importances; ++i)
    m.importance.push_back({"feature_" + std::to_string(i), 1.0 / static_cast<double>(i + 2)});
  return m;
}

TEST(ReportSvg, TheCheckerRejectsBrokenXml) {
  EXPECT_EQ(xml_problem("<svg><g/></svg>"), "");
  EXPECT_NE(xml_problem("<svg><g></svg>"), "");
  EXPECT_NE(xml_problem("<svg>a & b</svg>"), "");
  EXPECT_NE(xml_problem("<svg><text a=\"<\"/></svg>"), "");
  EXPECT_NE(xml_problem("<svg/><svg/>"), "");
}

TEST(ReportSvg, XmlEscapeKeepsTextAndMarkupApart) {
  EXPECT_EQ(xml_escape("a&b<c>\"d\"'e'"), "a&amp;b&lt;c&gt;&quot;d&quot;&apos;e&apos;");
  EXPECT_EQ(xml_escape("caf\xc3\xa9 \xe2\x82\xac"), "caf&#233; &#8364;");
  EXPECT_EQ(xml_escape("tab\tnul\x01"), "tab&#9;nul?");
  EXPECT_EQ(xml_escape("\xe2\x82"), "??");          // a cut sequence
  EXPECT_EQ(xml_escape("\xc0\xaf"), "??");          // an overlong '/'
  EXPECT_EQ(xml_escape("\xed\xa0\x80"), "???");    // a surrogate
  EXPECT_EQ(xml_escape("\xef\xbf\xbf"), "?");      // U+FFFF, not an XML character
}

TEST(ReportSvg, IsWellFormedWithFixedSizeAndTitle) {
  std::string svg = model_report_svg(sample_metrics(5), 7, "2026-11-25 04:12 UTC");
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_EQ(svg.rfind("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"960\" height=\"420\" viewBox=\"0 0 960 420\"", 0), 0u);
  EXPECT_NE(svg.find(">leadscore model v7 &#8212; trained 2026-11-25 04:12 UTC</text>"), std::string::npos);
  EXPECT_NE(svg.find("<title>leadscore model v7"), std::string::npos);
  EXPECT_EQ(count(svg, "<polyline"), 2u);  // the calibration and ROC curves
  EXPECT_EQ(count(svg, "stroke-dasharray"), 4u);  // two diagonals, two legend samples
}

TEST(ReportSvg, ShowsTheAucToThreeDecimals) {
  Metrics m = sample_metrics(3);
  m.auc = 0.81249;
  std::string svg = model_report_svg(m, 1, "today");
  EXPECT_NE(svg.find(">ROC curve (AUC 0.812)</text>"), std::string::npos);
  m.auc = kNaN;
  svg = model_report_svg(m, 1, "today");
  EXPECT_NE(svg.find(">ROC curve (AUC n/a)</text>"), std::string::npos);
}

TEST(ReportSvg, DrawsOneBarPerImportanceUpToTen) {
  for (size_t n : {0, 1, 9, 10, 11, 20}) {
    std::string svg = model_report_svg(sample_metrics(n), 1, "today");
    EXPECT_EQ(count(svg, "<rect class=\"ls-bar\""), std::min<size_t>(n, kReportBars)) << n << " importances";
    EXPECT_NE(svg.find("Feature importance (top " + std::to_string(std::min<size_t>(n, 10)) + ")"), std::string::npos);
    EXPECT_EQ(xml_problem(svg), "") << n << " importances";
  }
}

TEST(ReportSvg, EscapesHostileFeatureNames) {
  Metrics m = sample_metrics(0);
  m.importance = {{"a&b<c>\"d\"'e'", 0.5},
                  {"</text></svg><script>alert(1)</script>", 0.3},
                  {"ctrl\x01\x1f" "bad\xff" "utf8", 0.1},
                  {"attributes.caf\xc3\xa9", 0.05}};
  std::string svg = model_report_svg(m, 2, "<now> & \"then\"");
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_NE(svg.find(">a&amp;b&lt;c&gt;&quot;d&quot;&apos;e&apos;</text>"), std::string::npos);
  EXPECT_EQ(svg.find("<script"), std::string::npos);
  EXPECT_NE(svg.find("&lt;/text&gt;&lt;/svg&gt;&lt;script&gt;aler&#8230;"), std::string::npos)
      << "long names are cut with an ellipsis";
  EXPECT_NE(svg.find(">ctrl??bad?utf8</text>"), std::string::npos);
  EXPECT_NE(svg.find(">attributes.caf&#233;</text>"), std::string::npos);
  EXPECT_NE(svg.find("trained &lt;now&gt; &amp; &quot;then&quot;"), std::string::npos);
  EXPECT_EQ(count(svg, "<rect class=\"ls-bar\""), 4u);
}

TEST(ReportSvg, EmptyMetricsStillGiveAValidPicture) {
  Metrics m = compute_metrics({}, {});
  std::string svg = model_report_svg(m, 1, "");
  EXPECT_EQ(xml_problem(svg), "");
  EXPECT_EQ(count(svg, ">no data</text>"), 3u);
  EXPECT_EQ(count(svg, "<rect class=\"ls-bar\""), 0u);
  EXPECT_NE(svg.find("AUC n/a"), std::string::npos);
}

TEST(ReportSvg, NonFiniteNumbersNeverReachTheMarkup) {
  Metrics m = sample_metrics(4);
  m.ece = m.brier = m.positive_rate = kNaN;
  m.auc = std::numeric_limits<double>::infinity();
  m.calibration[3].mean_predicted = kNaN;  // an empty bin, as compute_metrics leaves it
  m.calibration[4].fraction_positive = std::numeric_limits<double>::infinity();
  m.roc.push_back({kNaN, 0.5, 0});
  m.roc.push_back({2.0, -1.0, 0});  // out of range: clamped to the plot
  m.importance[1].importance = kNaN;
  m.importance[2].importance = -std::numeric_limits<double>::infinity();
  std::string svg = model_report_svg(m, 3, "today");
  EXPECT_EQ(xml_problem(svg), "");
  for (const char* bad : {"nan", "NaN", "inf", "e+", "-0.0"}) EXPECT_EQ(svg.find(bad), std::string::npos) << bad;
  EXPECT_EQ(count(svg, "<rect class=\"ls-bar\""), 2u) << "bars only for finite importances";
}

TEST(ReportSvg, SkipsEmptyCalibrationBins) {
  Metrics m = compute_metrics({0.05, 0.05, 0.95, 0.95}, {0, 0, 1, 1});
  std::string svg = model_report_svg(m, 1, "today");
  EXPECT_EQ(count(svg, "<circle"), 2u);
}

}  // namespace

namespace leadscore {
namespace {

TEST(ReportSvg, FunnelPanelShowsEachStagePredictedAgainstObserved) {
  Metrics m;
  m.rows_holdout = 100;
  Funnel f;
  f.present = true;
  f.contact = {100, 0.71, 0.69, 0.6, 0.5, 0.2, 0.02};
  f.quote = {100, 0.42, 0.40, 0.6, 0.5, 0.2, 0.02};
  f.win = {90, 0.13, 0.14, 0.7, 0.4, 0.1, 0.02};
  const std::string with = model_report_svg(m, 3, "2026-11-29", &f);
  const std::string without = model_report_svg(m, 3, "2026-11-29");
  EXPECT_NE(with.find("predicted 69.0% &#183; observed 71.0%"), std::string::npos);
  EXPECT_NE(with.find("predicted 14.0% &#183; observed 13.0%"), std::string::npos);
  EXPECT_NE(with.find("height=\"" + std::to_string(kReportHeight + kFunnelPanelHeight) + "\""), std::string::npos);
  EXPECT_EQ(without.find("Funnel"), std::string::npos);
  f.win.positive_rate = NAN;
  EXPECT_EQ(model_report_svg(m, 3, "x", &f).find("nan"), std::string::npos);
}

}  // namespace
}  // namespace leadscore
