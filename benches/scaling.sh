#!/usr/bin/env bash
# Scaling of a training epoch with the work: the first hidden layer's width
# (300, 1,000, 4,000 at batch 32) and the batch size (1 .. 1,024 at width 300),
# on 1 and 2 threads. Prints one `SCALING` line per configuration (epoch
# seconds, samples/s, GEMM GFLOP/s). Waits for a 1-minute load average below
# 1.0 before each configuration, as benches/compare.sh does.
#
#   benches/scaling.sh                 # logs in $OUT (default target/scaling)
#
# Environment: RUNS (default 3), THREADS (default "1 2"), OUT.
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${RUNS:-3}
THREADS=${THREADS:-1 2}
OUT=${OUT:-$ROOT/target/scaling}
mkdir -p "$OUT"

. benches/quiet.sh

cargo build --release --example bench_epoch || exit 1
BIN=$ROOT/target/release/examples/bench_epoch

one() {
    local name=$1
    shift
    wait_quiet
    echo "== $(date +%T) $name (load $(cut -d' ' -f1 /proc/loadavg))"
    "$BIN" --no-machine --no-inference "$@" >"$OUT/$name.log" 2>&1
    grep '^SCALING' "$OUT/$name.log"
}

for t in $THREADS; do
    for h in 300 1000 4000; do
        one "hidden$h-t$t" --threads "$t" --hidden "$h" --runs "$RUNS"
    done
    for b in 1 8 32 128 512 1024; do
        one "batch$b-t$t" --threads "$t" --batch-size "$b" --runs "$RUNS"
    done
done
echo "logs: $OUT"
grep -h '^SCALING' "$OUT"/*.log
