// Stage figures and the value model's description; see funnel.hpp.
#include "core/funnel.hpp"

#include <algorithm>
#include <cstdio>

namespace leadscore {

StageFigures StageFigures::of(const std::vector<double>& p, const std::vector<uint8_t>& y) {
  StageFigures f;
  f.rows = p.size();
  if (p.empty()) return f;
  const Metrics m = compute_metrics(p, y);
  double sum = 0;
  for (double v : p) sum += v;
  f.positive_rate = m.positive_rate;
  f.mean_predicted = sum / static_cast<double>(p.size());
  f.auc = m.auc;
  f.log_loss = m.log_loss;
  f.brier = m.brier;
  f.ece = m.ece;
  return f;
}

void StageFigures::write_json(JsonWriter& w) const {
  w.begin_object();
  w.key("auc").value(auc);
  w.key("log_loss").value(log_loss);
  w.key("brier").value(brier);
  w.key("ece").value(ece);
  w.key("positive_rate").value(positive_rate);
  w.key("mean_predicted").value(mean_predicted);
  w.key("rows").value(static_cast<long long>(rows));
  w.end_object();
}

std::string ValueModel::estimate() const {
  char buf[256];
  if (fitted) {
    std::snprintf(buf, sizeof buf, "value model fitted on %llu banded leads", static_cast<unsigned long long>(banded_leads));
  } else if (std::isnan(fallback)) {
    std::snprintf(buf, sizeof buf, "no value model fitted: no training lead carries a deal band");
  } else if (banded_leads >= min_banded_leads) {
    std::snprintf(buf, sizeof buf,
                  "no value model fitted: the %llu banded leads' values spread too widely for their features to "
                  "say more; every lead gets their mean value, $%.0f",
                  static_cast<unsigned long long>(banded_leads), fallback);
  } else {
    std::snprintf(buf, sizeof buf,
                  "no value model fitted: %llu banded leads, fewer than %llu; every lead gets their mean value, $%.0f",
                  static_cast<unsigned long long>(banded_leads), static_cast<unsigned long long>(min_banded_leads),
                  fallback);
  }
  return buf;
}

void ValueModel::write_json(JsonWriter& w) const {
  w.begin_object();
  w.key("fitted").value(fitted);
  w.key("kind").value(kind());
  w.key("banded_leads").value(static_cast<long long>(banded_leads));
  w.key("min_banded_leads").value(static_cast<long long>(min_banded_leads));
  w.key("fallback_value").value(fallback);
  w.key("rows_holdout").value(static_cast<long long>(rows_holdout));
  w.key("median_relative_error").value(median_relative_error);
  w.key("estimate").value(estimate());
  w.end_object();
}

OpenQuoteOdds::OpenQuoteOdds(std::vector<double> quote_ages, std::vector<double> days_to_win, uint64_t lost,
                             double quote_expiry_days)
    : ages_(std::move(quote_ages)), win_days_(std::move(days_to_win)) {
  for (double& d : win_days_)
    if (!(d >= 0)) d = 0;  // NaN or negative: reported at once
  std::sort(ages_.begin(), ages_.end());
  std::sort(win_days_.begin(), win_days_.end());
  win_tail_.assign(win_days_.size() + 1, 0.0);
  for (size_t i = win_days_.size(); i-- > 0;) win_tail_[i] = win_tail_[i + 1] + 1.0 / still_observed(win_days_[i]);
  lost_weight_ = static_cast<double>(lost) / still_observed(quote_expiry_days);
}

double OpenQuoteOdds::still_observed(double t) const {
  if (ages_.empty()) return 1.0;
  const size_t older = static_cast<size_t>(ages_.end() - std::lower_bound(ages_.begin(), ages_.end(), t));
  return static_cast<double>(std::max<size_t>(older, 1)) / static_cast<double>(ages_.size());
}

double OpenQuoteOdds::win_share(double age) const {
  if (!(age >= 0)) age = 0;
  const size_t first_later = static_cast<size_t>(std::upper_bound(win_days_.begin(), win_days_.end(), age) - win_days_.begin());
  const double w = win_tail_[first_later];
  return w + lost_weight_ > 0 ? w / (w + lost_weight_) : 0.0;
}

void stage_probs(const Calibrator& contact_cal, const Calibrator& quote_cal, bool quote_is_win, double win,
                 double raw_contact, double raw_quote, double* contact, double* quote) {
  *contact = contact_cal.apply(raw_contact);
  *quote = quote_is_win ? win : *contact * quote_cal.apply(raw_quote);
  make_monotone(win, quote, contact);
}

}  // namespace leadscore
