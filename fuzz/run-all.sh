#!/usr/bin/env bash
# Runs every fuzz target for $1 seconds (default 600), one after another,
# each from its seeds (fuzz/seeds/<target>) into a scratch corpus
# (fuzz/corpus/<target>, not in git). Logs in fuzz/logs/<target>.log.
set -uo pipefail
cd "$(dirname "$0")"
secs=${1:-600}
mkdir -p logs
for t in idx csv weights_file set_weights keras_file state_file weights_check keras_h5 backup_restore; do
    mkdir -p corpus/$t
    echo "::: $t for ${secs}s"
    cargo +nightly fuzz run "$t" corpus/$t seeds/$t -- -max_total_time="$secs" -rss_limit_mb="$(./rss-limit.sh "$t")" -timeout=10 >logs/$t.log 2>&1
    echo "$t exit $?"
    grep -E "^#[0-9]+ *DONE|Done [0-9]+ runs|ERROR|panicked" logs/$t.log | tail -n 3
done
