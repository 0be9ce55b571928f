#!/bin/bash
# Compares benchmark results with the targets in lib/report.py and prints one
# "PASS|MISS|n/a  target: value (target limit)" line per target, and
# "INFO  ratio: value (why)" for a ratio reported without a target.
# Always exits 0 unless the results cannot be read: a missed target is a
# finding, not a broken build.
#   bench/check-targets.sh [RESULTS_DIR]   (default bench/results)
set -euo pipefail
dir=${1:-$(cd "$(dirname "$0")" && pwd)/results}
[ -f "$dir/apply.csv" ] || [ -f "$dir/connect.csv" ] || [ -f "$dir/kernel.csv" ] || { echo "check-targets: no results in $dir" >&2; exit 2; }
exec /usr/bin/python3 "$(dirname "$0")/lib/report.py" "$dir" --check
