// Google Benchmark micro-benchmarks of the core on synthetic leads: per-lead
// encoding, address parsing, scoring (single and batch), explanation,
// serialization, training, and the longest wait for a cancellation during
// training. The real-data figures come from leadscore_bench instead.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <string>
#include <vector>

#include "core/calibration.hpp"
#include "core/features.hpp"
#include "core/hash.hpp"
#include "core/model.hpp"
#include "core/model_format.hpp"
#include "core/readable_factors.hpp"

using namespace leadscore;

namespace {

constexpr double kNow = 1.7e9;

// n synthetic leads with a dozen mixed attributes and a known signal.
void make_leads(size_t n, std::vector<Lead>* leads, std::vector<uint8_t>* labels) {
  Rng rng(7);
  const char* industries[] = {"roofing", "plumbing", "electrical", "hvac", "solar", "windows"};
  for (size_t i = 0; i < n; ++i) {
    Lead l;
    l.id = static_cast<int64_t>(i);
    double score = rng.below(1000) / 10.0;
    l.permit_value = 500.0 * (1 + rng.below(400));
    l.trade_tags = {industries[rng.below(6)]};
    l.created_at = kNow - 86400.0 * rng.below(400);
    l.address = std::string("1 Main St, City") + std::to_string(rng.below(20)) + ", ST";
    l.attributes["score"] = score;
    l.attributes["industry"] = std::string(industries[rng.below(6)]);
    l.attributes["employees"] = static_cast<double>(rng.below(500));
    l.attributes["source"] = std::string(rng.below(2) ? "web" : "referral");
    l.attributes["verified"] = rng.below(2) == 0;
    for (int k = 0; k < 6; ++k) l.attributes["extra" + std::to_string(k)] = static_cast<double>(rng.below(50));
    double p = 1 / (1 + std::exp(-(score - 60) / 10));
    labels->push_back(rng.below(1000) < p * 1000);
    leads->push_back(std::move(l));
  }
}

// A default model on 20k synthetic leads, trained once.
struct Fixture {
  std::vector<Lead> leads;
  std::vector<uint8_t> labels;
  Model model;
  Fixture() {
    make_leads(20000, &leads, &labels);
    model = train(leads, labels, TrainParams(), kNow);
  }
};

Fixture& fixture() {
  static Fixture* f = new Fixture();  // lives for the whole benchmark process
  return *f;
}

void BM_EncodeLead(benchmark::State& st) {
  Fixture& f = fixture();
  std::vector<uint8_t> row(f.model.spec().size());
  size_t i = 0;
  for (auto _ : st) {
    f.model.spec().encode(f.leads[i++ % f.leads.size()], kNow, row.data(), 1);
    benchmark::DoNotOptimize(row.data());
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_EncodeLead);

// The address token of an ordinary address (arg 0) and of a hostile one (arg
// 1): 80,000 spaces, then 40,000 one-digit runs, each of which once sent the
// parser back to the start of the address.
void BM_AddressToken(benchmark::State& st) {
  const std::string address = st.range(0) == 0 ? std::string("1 Elm St, Burlington, VT 05401")
                                                : std::string(80000, ' ') + [] {
                                                    std::string s;
                                                    for (int i = 0; i < 40000; ++i) s += "1 ";
                                                    return s;
                                                  }();
  for (auto _ : st) benchmark::DoNotOptimize(address_token(address));
  st.SetItemsProcessed(st.iterations());
  st.SetLabel(st.range(0) == 0 ? "normal" : "hostile, 160,000 chars");
}
BENCHMARK(BM_AddressToken)->Arg(0)->Arg(1);

void BM_ScoreLead(benchmark::State& st) {
  Fixture& f = fixture();
  size_t i = 0;
  for (auto _ : st) benchmark::DoNotOptimize(f.model.score(f.leads[i++ % f.leads.size()], kNow));
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_ScoreLead);

void BM_ScoreBatch(benchmark::State& st) {
  Fixture& f = fixture();
  const size_t n = static_cast<size_t>(st.range(0));
  std::vector<Score> out(n);
  for (auto _ : st) {
    f.model.score_batch(f.leads.data(), n, kNow, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  st.SetItemsProcessed(st.iterations() * static_cast<int64_t>(n));
}
BENCHMARK(BM_ScoreBatch)->Arg(1000)->Arg(10000);

void BM_ExplainLead(benchmark::State& st) {
  Fixture& f = fixture();
  size_t i = 0;
  for (auto _ : st) benchmark::DoNotOptimize(f.model.explain(f.leads[i++ % f.leads.size()], kNow, 5));
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_ExplainLead);

// What explain_lead asks of the core per lead: the explanation in points
// with three factors each way, labels and values for those only, from the
// attribution (Model::attribute, no factor named unless listed).
void BM_ExplainPoints(benchmark::State& st) {
  Fixture& f = fixture();
  Attribution a;
  size_t i = 0;
  for (auto _ : st) {
    const Lead& l = f.leads[i++ % f.leads.size()];
    f.model.attribute(l, kNow, &a);
    benchmark::DoNotOptimize(model_points(a, f.model.spec(), f.model.calibrator(), l, kNow, 3));
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_ExplainPoints);

// The same through a full Explanation (every factor named and ranked): the
// way explain_lead went before the attribution existed.
void BM_ExplainPointsViaExplanation(benchmark::State& st) {
  Fixture& f = fixture();
  size_t i = 0;
  for (auto _ : st) {
    const Lead& l = f.leads[i++ % f.leads.size()];
    benchmark::DoNotOptimize(model_points(f.model.explain(l, kNow, 0), f.model.calibrator(), l, kNow, 3));
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_ExplainPointsViaExplanation);

// What score_results asks per lead: the score and the explanation in points
// from one walk of the trees.
void BM_ScoreAndExplainPoints(benchmark::State& st) {
  Fixture& f = fixture();
  Attribution a;
  Score s;
  size_t i = 0;
  for (auto _ : st) {
    const Lead& l = f.leads[i++ % f.leads.size()];
    f.model.attribute(l, kNow, &a, &s);
    benchmark::DoNotOptimize(s);
    benchmark::DoNotOptimize(model_points(a, f.model.spec(), f.model.calibrator(), l, kNow, 3));
  }
  st.SetItemsProcessed(st.iterations());
}
BENCHMARK(BM_ScoreAndExplainPoints);

// The same for a body of 100 leads, walked together (Model::attribute_batch).
void BM_ScoreAndExplainPointsBatch(benchmark::State& st) {
  Fixture& f = fixture();
  constexpr size_t kBody = 100;
  std::vector<Attribution> a(kBody);
  std::vector<Score> s(kBody);
  size_t start = 0;
  for (auto _ : st) {
    const Lead* body = f.leads.data() + start;
    start = (start + kBody) % (f.leads.size() - kBody);
    f.model.attribute_batch(body, kBody, kNow, a.data(), s.data());
    for (size_t i = 0; i < kBody; ++i)
      benchmark::DoNotOptimize(model_points(a[i], f.model.spec(), f.model.calibrator(), body[i], kNow, 3));
    benchmark::DoNotOptimize(s.data());
  }
  st.SetItemsProcessed(st.iterations() * static_cast<int64_t>(kBody));
}
BENCHMARK(BM_ScoreAndExplainPointsBatch);

void BM_SerializeRoundTrip(benchmark::State& st) {
  Fixture& f = fixture();
  for (auto _ : st) benchmark::DoNotOptimize(deserialize(serialize(f.model)));
}
BENCHMARK(BM_SerializeRoundTrip)->Unit(benchmark::kMillisecond);

void BM_Train(benchmark::State& st) {
  std::vector<Lead> leads;
  std::vector<uint8_t> labels;
  make_leads(static_cast<size_t>(st.range(0)), &leads, &labels);
  TrainParams p;
  p.threads = static_cast<int>(st.range(1));
  for (auto _ : st) benchmark::DoNotOptimize(train(leads, labels, p, kNow));
  st.SetItemsProcessed(st.iterations() * st.range(0));
}
BENCHMARK(BM_Train)->Args({10000, 1})->Args({10000, 2})->Unit(benchmark::kMillisecond);

// The win map as training fits it (isotonic, 10 bootstrap rounds) on n
// out-of-bag predictions: at a million rows and more, each round's draws
// land at random in arrays of n entries, so what they weigh shows here.
void BM_CalibrateIsotonicBagged(benchmark::State& st) {
  const size_t n = static_cast<size_t>(st.range(0));
  std::vector<double> x(n);
  std::vector<uint8_t> y(n);
  Rng rng(5);
  for (size_t i = 0; i < n; ++i) {
    x[i] = static_cast<double>(rng.below(1000000)) / 1e6;
    y[i] = rng.below(1000000) < x[i] * 1e6 ? 1 : 0;
  }
  for (auto _ : st) benchmark::DoNotOptimize(Calibrator::fit_isotonic_bagged(x, y, 10, 42));
  st.SetItemsProcessed(st.iterations() * st.range(0));
}
BENCHMARK(BM_CalibrateIsotonicBagged)->Arg(100000)->Arg(1600000)->Unit(benchmark::kMillisecond);

// The longest stretch between two polls of the stop callback, over what
// train_lead_model() does with max_training_leads (200,000) leads: train as
// the database does (refit_full off), score the held-out leads again for the
// activation gate, serialize. Cancellation waits at most this long; the
// counters give it in milliseconds, with the poll count.
void BM_LongestGapBetweenStopPolls(benchmark::State& st) {
  std::vector<Lead> leads;
  std::vector<uint8_t> labels;
  make_leads(static_cast<size_t>(st.range(0)), &leads, &labels);
  TrainParams p;
  p.refit_full = false;
  using Clock = std::chrono::steady_clock;
  double longest = 0;
  int64_t polls = 0;
  const char* phase = "";
  const char* longest_phase = "";
  Clock::time_point last;
  ShouldStop stop = [&] {
    const Clock::time_point now = Clock::now();
    const double gap = std::chrono::duration<double, std::milli>(now - last).count();
    if (gap > longest) longest = gap, longest_phase = phase;
    last = now;
    ++polls;
    return false;
  };
  // The gate's leads, gathered before the clock starts: the database streams
  // them to the active model while it reads the training leads.
  std::vector<Lead> held;
  for (const Lead& l : leads)
    if (is_holdout(l.id, p.seed, p.holdout_fraction)) held.push_back(l);
  for (auto _ : st) {
    longest = 0;
    polls = 0;
    last = Clock::now();
    phase = "train";
    Model m = train(leads, labels, p, kNow, stop);
    phase = "gate";
    benchmark::DoNotOptimize(m.score_batch(held, kNow, stop));
    phase = "serialize";
    benchmark::DoNotOptimize(serialize(m, stop));
    stop();
  }
  st.counters["longest_gap_ms"] = longest;
  st.counters["polls"] = static_cast<double>(polls);
  st.SetLabel(std::string("longest gap in ") + longest_phase);
}
BENCHMARK(BM_LongestGapBetweenStopPolls)->Arg(200000)->Arg(2000000)->Iterations(1)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
