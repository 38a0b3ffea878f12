// The funnel beside the win model: calibrated contact and quote
// probabilities, and the deal value a won lead brings.
//
// Stages. A model trained on every rating (training_set.hpp: Outcome) has a
// forest per step of the funnel, each a plain Gini forest (forest.hpp) with
// its own calibration map fitted on out-of-bag predictions:
//   win      the model's own forest: won against lost, on every lead whose
//            win is known and every open quote, drawn as won with its chance
//            of ending in a win (OpenQuoteOdds) by a seeded hash of its id;
//   contact  P(contact), on every rated lead (stage_trees trees);
//   quote    P(quote | contact), on the contacted leads (stage_trees trees);
//            none when no lead stopped at a quote: the quote is the win.
// contact_prob is the contact map's, quote_prob contact_prob times the quote
// map's, and an earlier stage is raised to a later one where they would
// cross, so every score has contact_prob >= quote_prob >= win_prob; win_prob
// itself is never changed. The win is learned directly, not as the product
// of a third step: a product of calibrated probabilities is not calibrated
// (measured +0.023 too high on the demo's leads), and the win given a quote
// sees only the quotes. One forest for every stage, whose splits followed a
// stage score, was measured worse on every stage (bench/sql/README.md, "One
// forest per step").
//
// Deal value. A band is a range of dollars; training takes each banded lead
// (quoted or won) at its band's typical value (deal_bands.typical_value: the
// midpoint, 1.5 x the lower bound for the open top band) and grows a
// regression forest on it when at least min_banded_leads leads carry one,
// measured on the held-out banded leads. Deal values spread over orders of
// magnitude, so the forest learns their logarithm (a few large jobs would
// otherwise decide every split); value_if_won is exp of its mean over trees,
// read through a line fitted to the bands (the forest's predictions lean
// towards the middle), times a smearing factor that turns it back into a
// mean in dollars. With fewer banded leads, every lead gets their mean value (the
// fallback), and with none there is no value: value_if_won and
// expected_value are NaN (NULL in SQL). expected_value = win_prob x value_if_won.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/calibration.hpp"
#include "core/forest.hpp"
#include "core/json.hpp"
#include "core/metrics.hpp"

namespace leadscore {

// One stage's figures on the held-out leads.
struct StageFigures {
  uint64_t rows = 0;
  double positive_rate = NAN, mean_predicted = NAN;
  double auc = NAN, log_loss = NAN, brier = NAN, ece = NAN;

  static StageFigures of(const std::vector<double>& p, const std::vector<uint8_t>& y);
  void write_json(JsonWriter& w) const;
};

// The contact and quote stages of a funnel model (present is false for a
// model trained on won/lost only, or stored before format 6): one plain
// forest per step, each with its calibration map. contact_forest learns
// P(contact) from every rated lead, quote_forest P(quote | contact) from the
// contacted ones; the win has the model's own forest.
struct Funnel {
  bool present = false;
  // quote_forest has no trees when no training lead stopped at a quote
  // (every quote was won, as in feedback that says only won or lost): the
  // quote is then the win, and quote_prob is win_prob.
  Forest contact_forest, quote_forest;
  Calibrator contact_cal, quote_cal;
  StageFigures contact, quote, win;

  bool quote_is_win() const { return quote_forest.n_trees() == 0; }
};

// The served contact and quote probabilities from the step forests' raw
// means and the calibrated win: contact, contact x P(quote | contact) (the
// win when quote_is_win), an earlier stage raised to a later one where they
// cross. Training measures the held-out leads through the same function,
// with the maps fitted without them.
void stage_probs(const Calibrator& contact_cal, const Calibrator& quote_cal, bool quote_is_win, double win,
                 double raw_contact, double raw_quote, double* contact, double* quote);

// The deal-value model.
struct ValueModel {
  bool fitted = false;
  uint64_t banded_leads = 0;      // training leads with a deal band
  uint64_t min_banded_leads = 0;  // the minimum a forest needed when this model was trained
  double fallback = NAN;          // dollars for every lead when not fitted; NaN when no lead had a band
  // When fitted: the forest learns log dollars mapped to [0, 1], each
  // lead's target its expected log value within its band
  // (censored_normal.hpp); a lead's value is exp(log_low + log_span * mean
  // t) * smear. log_low and log_span map the forest's mean back to log
  // dollars through the line fitted to the bands on its out-of-bag
  // predictions (fit_log_line: a forest's predictions lean towards the
  // middle), and smear = exp(sigma^2 / 2) with sigma the spread of log
  // values around that line: the mean in dollars of a log-normal value, not
  // its median.
  double log_low = 0, log_span = 0, smear = 1;
  Forest forest;
  uint64_t rows_holdout = 0;      // held-out banded leads it was measured on
  double median_relative_error = NAN;  // median |predicted - band value| / band value on them

  // A fitted model's dollars for the forest's mean target t over its trees.
  double dollars(double t) const { return std::exp(log_low + log_span * t) * smear; }

  // "fitted", "fallback" or "none".
  const char* kind() const { return fitted ? "fitted" : std::isnan(fallback) ? "none" : "fallback"; }
  // One sentence for the training result and the report.
  std::string estimate() const;
  void write_json(JsonWriter& w) const;
};

// How likely an open quote is to end in a win, by its age, from how quotes
// ended before. Quotes resolve in two ways: won (reported days_to_win days
// after the quote) or lost once they expire (quote_expiry_days). A quote
// still open at age a can only become a win reported later than a, so
//
//   share(a) = W(a) / (W(a) + L),
//
// W(a) the won quotes with days_to_win > a, L the expired ones. Young quotes
// are resolved less often than old ones (a quote must be old enough for its
// outcome to show), so each resolved quote counts 1 / G(t), G(t) the share of
// all quotes at least t days old at training time and t its resolution time
// (days_to_win, or the expiry): the usual inverse-probability-of-censoring
// weight. A platform that reports wins at once (days_to_win 0) gets share 0:
// an open quote there is a quote not won. A win without a known time counts
// as reported at once.
class OpenQuoteOdds {
 public:
  // quote_ages: the age in days of every quote (open or resolved);
  // days_to_win: of every won quote; lost: how many quotes expired.
  OpenQuoteOdds(std::vector<double> quote_ages, std::vector<double> days_to_win, uint64_t lost,
                double quote_expiry_days);
  double win_share(double age) const;

 private:
  // The share of quotes at least t days old, at least one quote's worth.
  double still_observed(double t) const;
  std::vector<double> ages_;       // sorted
  std::vector<double> win_days_;   // sorted
  std::vector<double> win_tail_;   // win_tail_[i]: weight of the wins from i on
  double lost_weight_ = 0;
};

// Raise earlier stages so that contact >= quote >= win.
inline void make_monotone(double win, double* quote, double* contact) {
  if (*quote < win) *quote = win;
  if (*contact < *quote) *contact = *quote;
}

}  // namespace leadscore
