#!/bin/sh
# Build the model-reader fuzzer with clang (-fsanitize=fuzzer,address) and run
# it for a bounded time over a copy of the seed corpus in fuzz/corpus.
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
"$build/model_reader_fuzz" -max_total_time="$secs" -max_len=65536 -print_final_stats=1 "$work"
