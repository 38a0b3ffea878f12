#!/bin/sh
# Same-machine comparison in one run: the scikit-learn baseline first (its
# JSON goes to a temporary file; the split files are only verified), then the
# benchmark tool on all four data sets beside it.
#   bench/run_all.sh [build-dir]     (default build)
set -eu
cd "$(dirname "$0")/.."
build="${1:-build}"
data=../shared/data
json="$(mktemp /tmp/leadscore-baseline.XXXXXX.json)"
/usr/bin/python3 ../shared/baseline/baseline.py --data-dir "$data" --json "$json" >/dev/null
"$build/leadscore_bench" --data-dir "$data" --baseline ../shared/baseline/results.json --same-machine "$json"
rm -f "$json"
