#!/usr/bin/env bash
# Runs already-built fuzz binaries (cargo fuzz build) for $1 seconds each,
# without rebuilding: fuzz/run-bins.sh 600 weights_file set_weights
set -uo pipefail
cd "$(dirname "$0")"
secs=$1; shift
mkdir -p logs
for t in "$@"; do
    mkdir -p corpus/$t
    echo "::: $t for ${secs}s"
    target/x86_64-unknown-linux-gnu/release/$t -artifact_prefix=artifacts/$t/ -max_total_time="$secs" \
        -rss_limit_mb="$(./rss-limit.sh "$t")" -timeout=10 corpus/$t seeds/$t >logs/$t.log 2>&1
    echo "$t exit $?"
    grep -E "DONE|Done [0-9]+ runs|ERROR|panicked" logs/$t.log | tail -n 3
done
