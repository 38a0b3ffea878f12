// A model's held-out quality as one self-contained SVG picture: the
// calibration curve against the diagonal, the ROC curve with its AUC, and the
// largest feature importances as bars, under a title naming the model version
// and its training date. A frontend shows the text as it is (inline, or as an
// image from a data: URL); it needs no script, stylesheet, font or file.
#pragma once

#include <string>

#include "core/funnel.hpp"
#include "core/metrics.hpp"

namespace leadscore {

constexpr int kReportWidth = 960;
constexpr int kReportHeight = 420;
constexpr size_t kReportBars = 10;  // importance bars shown at most
constexpr int kFunnelPanelHeight = 170;  // added below the three panels for a funnel model

// The report as SVG text: ASCII markup, feature names escaped (and cut to a
// readable length), no non-finite number anywhere. trained_at is shown as given.
// With a funnel (funnel.present), a fourth panel below: per stage (contact,
// quote, win), the mean predicted probability against the observed rate on
// the held-out leads, and the canvas is kFunnelPanelHeight taller.
std::string model_report_svg(const Metrics& m, int version, const std::string& trained_at,
                             const Funnel* funnel = nullptr);

// Text as XML character data or attribute value: & < > " ' escaped, characters
// XML forbids (control characters, invalid UTF-8) replaced by '?'.
std::string xml_escape(const std::string& text);

}  // namespace leadscore
