#!/usr/bin/env bash
# Set up, then run a benchmark (default: benchmarks/bench_core.py); extra
# arguments go to the benchmark. Uses its own database (BENCH_DB, default
# integration_bench), built once with the addons and the demo group.
source "$(dirname "${BASH_SOURCE[0]}")/_common.sh"
bash "$ROOT/scripts/setup.sh"
source "$ROOT/scripts/_common.sh"
script=bench_core.py
if [[ "${1:-}" == *.py ]]; then script=$(basename "$1"); shift; fi
cd "$ROOT/benchmarks"
exec "$PY" "$script" "$@"
