#!/usr/bin/env bash
# CI: every fuzz target for ${FUZZ_SECONDS:-30} s from its seeds, so that a
# new crash (a panic, an abort, a leak-free OOM over 2 GB, or over 512 MB for
# the HDF5 reader's `keras_h5`, a 10 s hang) fails the build. Installs the
# nightly toolchain and cargo-fuzz if missing.
set -euo pipefail
cd "$(dirname "$0")"
secs=${FUZZ_SECONDS:-30}

if ! rustup run nightly rustc --version >/dev/null 2>&1; then
    rustup toolchain install nightly --profile minimal
fi
if ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    cargo +nightly install cargo-fuzz --locked
fi

cargo +nightly fuzz build
for t in $(cargo +nightly fuzz list); do
    corpus=$(mktemp -d)
    echo "::: fuzz $t for ${secs}s"
    # A crash exits non-zero and leaves its input in fuzz/artifacts/$t/.
    status=0
    cargo +nightly fuzz run "$t" "$corpus" "seeds/$t" -- \
        -max_total_time="$secs" -rss_limit_mb="$(./rss-limit.sh "$t")" -timeout=10 >"$corpus.log" 2>&1 || status=$?
    grep -E "DONE|Done [0-9]+ runs|ERROR|panicked|SUMMARY" "$corpus.log" || true
    if [ "$status" -ne 0 ]; then
        tail -n 60 "$corpus.log"
        echo "fuzz target $t failed (exit $status)"
        exit 1
    fi
    rm -f "$corpus.log"
    rm -rf "$corpus"
done
