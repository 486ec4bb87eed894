#!/usr/bin/env bash
# Side-by-side timing of the book's model (784-300-100-10, SGD 0.01, batch 32,
# 55,000 Fashion-MNIST images): ours on 1 and 2 threads, Keras, PyTorch eager
# and numpy/OpenBLAS's sgemm peak, interleaved round by round so that every
# system sees the same conditions. Before each timing run it waits until the
# 1-minute load average is below 1.0 (polling every 30 s).
#
#   benches/compare.sh [rounds]        # logs in $OUT (default target/compare)
#
# Environment: BENCH (the Python scripts, default ../shared/bench beside the repository),
# VENV_TF, VENV_TORCH, VENV_NP (virtualenvs; a missing one skips that system),
# KERAS_ARGS, TORCH_ARGS, OURS_ARGS (extra flags), FASHION_MNIST_DIR, QUIET_LOAD
# (the load average to wait for, default 1.0). It prints the CPU first, and
# each of our runs names the kernel that ran (`CPU ...; mlp kernel ...`).
set -u
cd "$(dirname "$0")/.."
ROOT=$PWD
ROUNDS=${1:-1}
BENCH=${BENCH:-$PWD/../shared/bench}
VENV_TF=${VENV_TF:-$PWD/../venvs/tf}
VENV_TORCH=${VENV_TORCH:-$PWD/../venvs/torch}
VENV_NP=${VENV_NP:-$PWD/../venvs/np}
KERAS_ARGS=${KERAS_ARGS:---runs 3 --epochs 3}
TORCH_ARGS=${TORCH_ARGS:---runs 3 --modes eager}
OURS_ARGS=${OURS_ARGS:---runs 5}
OUT=${OUT:-$ROOT/target/compare}
export FASHION_MNIST_DIR=${FASHION_MNIST_DIR:-$ROOT/data/fashion-mnist}
export MLP_DATA_DIR=${MLP_DATA_DIR:-$ROOT/data}
mkdir -p "$OUT"

. benches/quiet.sh

# run NAME COMMAND...: waits for a quiet machine, runs, logs to $OUT/NAME.log.
run() {
    local name=$1
    shift
    wait_quiet
    echo "== $(date +%T) $name (load $(cut -d' ' -f1 /proc/loadavg))"
    "$@" >"$OUT/$name.log" 2>&1
    echo "   rc=$? ; $(grep -E '^(CPU|OURS_TRAIN|KERAS_TRAIN|TORCH_TRAIN|BOUND)' "$OUT/$name.log" | head -4 | tr '\n' ' ')"
}

# The processor every figure below belongs to.
cpu_field() { grep -m1 "^$1[[:space:]]*:" /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'; }
echo "CPU: $(cpu_field 'model name') (family $(cpu_field 'cpu family'), model $(cpu_field model)), $(nproc) cores, $(grep -qw avx512f /proc/cpuinfo && echo avx512f || echo 'no avx512f')"

cargo build --release --example bench_epoch || exit 1
BIN=$ROOT/target/release/examples/bench_epoch
have_torch=0
"$VENV_TORCH/bin/python" -c 'import torch' 2>/dev/null && have_torch=1

for r in $(seq 1 "$ROUNDS"); do
    run "r$r-ours-1t" "$BIN" --threads 1 $OURS_ARGS
    run "r$r-ours-2t" "$BIN" --threads 2 $OURS_ARGS
    if [ -x "$VENV_TF/bin/python" ]; then
        run "r$r-keras" env -C "$BENCH" "$VENV_TF/bin/python" keras_mlp.py $KERAS_ARGS
    fi
    if [ $have_torch = 1 ]; then
        run "r$r-torch" env -C "$BENCH" "$VENV_TORCH/bin/python" torch_mlp.py $TORCH_ARGS
    else
        echo "== torch not importable from $VENV_TORCH: PyTorch not measured"
    fi
    if [ -x "$VENV_NP/bin/python" ]; then
        run "r$r-sgemm" env -C "$BENCH" -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE \
            "$VENV_NP/bin/python" sgemm_peak.py
    fi
done
echo "logs: $OUT"
grep -hE '^(CPU|epoch seconds|OURS_|SGEMM_PEAK|BOUND|KERAS_|TORCH_|SGEMM |BANDWIDTH|WEIGHTS_ONCE)' "$OUT"/r*.log
