#!/bin/sh
# Build the model-reader fuzzer with clang under AddressSanitizer
# (-fsanitize=fuzzer,address) and run it for a bounded time over a copy of the
# seed corpus in fuzz/corpus. Every blob the reader accepts is then scored
# through every walk with leads generated from its own spec, so an index a
# walk can take but validation missed shows as an ASan report, not as a
# silent wrong score. Exits non-zero on any crash, sanitizer report, or input
# that takes longer than 5 s.
#   bench/run_fuzz.sh [seconds]      (default 60)
set -eu
cd "$(dirname "$0")/.."
secs="${1:-60}"
build=build/fuzz   # inside the ignored build directory
CXX=clang++ cmake -S . -B "$build" -DLEADSCORE_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$build" --target model_reader_fuzz -j2 >/dev/null
work="$build/corpus"
mkdir -p "$work"
cp fuzz/corpus/* "$work/"
ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}" \
  "$build/model_reader_fuzz" -max_total_time="$secs" -max_len=65536 -timeout=5 \
  -artifact_prefix="$build/" -print_final_stats=1 "$work"
