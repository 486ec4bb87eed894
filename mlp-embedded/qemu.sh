#!/usr/bin/env bash
# Builds the firmware in mlp-embedded/firmware/ for a RISC-V core
# (riscv32imac-unknown-none-elf, soft float, QEMU's virt board), a
# Cortex-M4F (thumbv7em-none-eabihf, QEMU's mps2-an386), a Cortex-M0
# without FPU (thumbv6m-none-eabi, QEMU's microbit: nRF51, 256 kB flash, 16 kB
# RAM) and an 8-bit AVR (avr-none for the ATmega328P of QEMU's uno board: 32 kB
# flash, 2 kB RAM; the integer-only sine model) and runs it under QEMU; any
# failed check inside the firmware ends QEMU with exit code 1, and this script
# with it. On the Cortex-M0 and the AVR it also checks that the integer-only
# firmwares link no soft-float routine. Then prints the figures kept in
# mlp-embedded/README.md, ending with one line per target and model.
#
#   bash mlp-embedded/qemu.sh
#
# The cross build uses Debian's Rust (rustc-web, cargo-web, rust-web-src:
# /usr/bin/rustc and /usr/bin/cargo with the standard library's sources, for
# -Zbuild-std=core), never the rustup toolchain pinned for the workspace;
# AVR links with Debian's avr-gcc and avr-libc.
# Missing Debian packages are installed with apt-get (as root).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

packages=(rustc-web cargo-web rust-web-src binutils-arm-none-eabi qemu-system-arm
    binutils-riscv64-unknown-elf qemu-system-misc gcc-avr avr-libc binutils-avr)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "::: apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

host=$(mktemp)
echo "::: host: the book's model gives Keras's classes; write the firmware's sample and expected classes"
cargo test -q -p mlp-embedded --features fashion --test fashion_sample -- --nocapture | tee "$host"
echo "::: host: the integer-only sine and housing models; write their expected outputs"
cargo test -q -p mlp-embedded --test baked --test housing -- --nocapture | tee -a "$host"
# The host's figures, for the models whose device outputs are checked equal
# to the host's (the same integer code).
sine_int8_error=$(grep -m1 'integer-only SineNetInt8' "$host" | sed 's/.*max |error| \([0-9.]*\).*/\1/')
housing_rmse=$(grep -m1 'housing on [0-9]* test rows' "$host" | sed 's/.*integer-only int8 \([0-9.]*\);.*/\1/')
housing_rmse_f32=$(grep -m1 'housing on [0-9]* test rows' "$host" | sed 's/.*test RMSE f32 \([0-9.]*\),.*/\1/')
fashion_acc=$(grep -m1 'test accuracy: f32' "$host" | sed 's/.*f32 \([0-9.]*\),.*/\1/')
fashion_acc8=$(grep -m1 'test accuracy: f32' "$host" | sed 's/.*int8 \([0-9.]*\) .*/\1/')

fw="$root/mlp-embedded/firmware"
log=$(mktemp)
trap 'rm -f "$log" "$host"' EXIT
summary=()

# Flash: what the image loads into read-only memory (vector table, code,
# read-only data, and the initial values of .data); static RAM: .data, .bss
# and .uninit (not the stack region the RISC-V runtime reserves, nor an empty
# heap). Stack: the firmware's own painted-stack measurement.
sizes() {
    "$1" -A "$2" | awk '
        $1 ~ /^\.(vector_table|text|init\.rust|rodata)$/ { flash += $2 }
        $1 == ".data" { flash += $2; ram += $2 }
        $1 ~ /^\.(bss|uninit)$/ { ram += $2 }
        END { printf "%d %d\n", flash, ram }'
}
stack_of() { grep -m1 "^$1: peak stack" "$log" | awk '{print $4}' || true; }
insns_of() { grep -m1 "^$1: instructions per inference" "$log" | awk '{print $5}' || true; }
sine_error() { grep -m1 "^sine: largest" "$log" | awk '{print $NF}' || true; }

# One summary line: target, firmware, model, precision, what the error is.
line() {
    local target=$1 name=$2 model=$3 precision=$4 value=$5 flash ram
    read -r flash ram < <(sizes "$size" "$bin/$name")
    summary+=("$target $model $precision: flash $flash B, static RAM $ram B, stack $(stack_of "${name%.elf}") B, cycles $(insns_of "${name%.elf}"), $value")
}

# No float instruction in an integer-only firmware: none of the soft-float
# routines (compiler_builtins' float module: __aeabi_f*/__aeabi_d*, the
# __addsf3 family, conversions) is linked into the ELF. The f32 sine firmware
# is the check's own test: it must link them.
soft_float() { "${2:-arm-none-eabi-nm}" "$1" | grep -E '__aeabi_([fd]|[ul]*[il]2[fd])|__[a-z]+[sd]f[23]$|__(fix|float)[a-z]*[sd]i|compiler_builtins5float' || true; }

# target, size tool, what counts instructions, the firmwares, QEMU command
run_target() {
    local target=$1 counter=$3 bins=$4
    size=$2
    shift 4
    echo "::: build the firmware for $target (Debian $(/usr/bin/rustc --version))"
    local args=()
    for name in $bins; do args+=(--bin "$name"); done
    (cd "$fw" && env -u RUSTUP_TOOLCHAIN -u CARGO -u CARGO_TARGET_DIR RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 \
        /usr/bin/cargo build --release --quiet -Zbuild-std=core --target "$target" "${args[@]}")
    bin="$fw/target/$target/release"
    : > "$log"
    for name in $bins; do
        echo "::: $* -kernel $name"
        # -icount shift=0: virtual time advances 1 ns per instruction, which
        # the firmware's instruction counts rely on.
        timeout 900 "$@" -nographic -semihosting-config enable=on,target=native \
            -icount shift=0 -kernel "$bin/$name" | tee -a "$log"
    done
    echo "::: figures, $target (opt-level s, LTO, panic = abort; instructions: QEMU -icount, read through $counter)"
    local name flash ram
    for name in $bins; do
        case $name in fashion | train | finetune) ;; *) continue ;; esac
        read -r flash ram < <(sizes "$size" "$bin/$name")
        echo "$name firmware: flash $flash B, static RAM $ram B, stack $(stack_of "$name") B"
    done
    grep -m1 "^finetune: RAM of" "$log" || true
    grep -m1 -E "^finetune(_sine)?: instructions per sample per step" "$log" || true
    grep -m1 "^finetune_sine: RAM of the tuner" "$log" || true
    line "$target" sine sine f32 "max error $(sine_error)"
    line "$target" sine_int8 sine int8 "max error $sine_int8_error"
    line "$target" housing_int8 housing int8 "test RMSE $housing_rmse (f32 $housing_rmse_f32)"
    case " $bins " in *" fashion_int8 "*)
        line "$target" fashion fashion f32 "accuracy $fashion_acc"
        line "$target" fashion_int8 fashion int8 "accuracy $fashion_acc8 (f32 $fashion_acc)" ;;
    esac
}

all="sine sine_int8 housing_int8 fashion fashion_int8 train finetune"
run_target riscv32imac-unknown-none-elf riscv64-unknown-elf-size "the instret CSR" "$all" \
    qemu-system-riscv32 -machine virt -bios none
run_target thumbv7em-none-eabihf arm-none-eabi-size "SysTick" "$all" \
    qemu-system-arm -machine mps2-an386 -cpu cortex-m4
# The book's Fashion-MNIST model (266 kB even in int8) does not fit the
# nRF51's 256 kB of flash.
run_target thumbv6m-none-eabi arm-none-eabi-size "SysTick" "sine sine_int8 housing_int8 finetune_sine" \
    qemu-system-arm -machine microbit
echo "::: Cortex-M0: no soft-float routine in the integer-only firmwares (arm-none-eabi-nm)"
m0="$fw/target/thumbv6m-none-eabi/release"
if [ -z "$(soft_float "$m0/sine")" ]; then
    echo "FAIL the check finds no soft-float routine in the f32 sine firmware"
    exit 1
fi
echo "the f32 sine firmware links $(soft_float "$m0/sine" | wc -l) soft-float symbols (the check sees them)"
for name in sine_int8 housing_int8; do
    found=$(soft_float "$m0/$name")
    if [ -n "$found" ]; then
        echo "FAIL $name links soft-float routines:"
        echo "$found"
        exit 1
    fi
    echo "PASS $name: no soft-float routine linked"
done


# AVR: no semihosting, so the firmware prints over USART0 (QEMU's serial
# port, into a file here) and ends with `exit 0` or `exit 1`; this waits for
# that line (at most 5 minutes), then stops that QEMU. QEMU 7.2 cannot read an
# AVR timer under -icount ("Bad icount read"), so the instructions are
# counted from QEMU's trace of every instruction (-singlestep -d
# nochain,exec), read as it is written (about 14 million lines, never
# stored): the firmware calls `mlp_firmware_mark` before and after each timed
# inference, and the count is the mean number of trace lines between the two.
echo "::: build the firmware for avr-none (ATmega328P; Debian $(/usr/bin/rustc --version), $(avr-gcc --version | head -1))"
(cd "$fw" && env -u RUSTUP_TOOLCHAIN -u CARGO -u CARGO_TARGET_DIR RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 \
    CARGO_TARGET_AVR_NONE_RUSTFLAGS="-C target-cpu=atmega328p" \
    /usr/bin/cargo build --release --quiet -Zbuild-std=core --target avr-none --bin sine_int8)
bin="$fw/target/avr-none/release"
avr_tmp=$(mktemp -d)
trap 'rm -rf "$log" "$host" "$avr_tmp"' EXIT
mkfifo "$avr_tmp/trace"
# A trace line: `Trace 0: <host> [<cs_base>/<pc>/<flags>/<cflags>]`, the pc in
# bytes, as avr-nm prints the symbol (8 hex digits).
mark=$(avr-nm "$bin/sine_int8.elf" | awk '$3 == "mlp_firmware_mark" { print $1 }')
if [ -z "$mark" ]; then
    echo "FAIL sine_int8 (avr-none) has no mlp_firmware_mark"
    exit 1
fi
awk -v mark="[00000000/$mark/" '/^Trace/ { n++; if (index($0, mark)) print n }' < "$avr_tmp/trace" > "$avr_tmp/marks" &
counter=$!
: > "$log"
echo "::: qemu-system-avr -machine uno -bios sine_int8.elf (serial port to a file, instruction trace counted)"
qemu-system-avr -machine uno -display none -monitor none -serial "file:$avr_tmp/serial" \
    -singlestep -d nochain,exec -D "$avr_tmp/trace" -bios "$bin/sine_int8.elf" 2>"$avr_tmp/stderr" &
qemu=$!
for _ in $(seq 1 1200); do
    grep -q '^exit [01]' "$avr_tmp/serial" 2>/dev/null && break
    kill -0 "$qemu" 2>/dev/null || break
    sleep 0.25
done
kill "$qemu" 2>/dev/null || true
wait "$qemu" 2>/dev/null || true
wait "$counter"
tr -d '\r' < "$avr_tmp/serial" | tee -a "$log"
if ! grep -q '^exit 0$' "$log"; then
    echo "FAIL sine_int8 on avr-none did not end with exit 0"
    cat "$avr_tmp/stderr"
    exit 1
fi
# Marks: two from the (empty) calibration, then a start and an end per call.
awk 'NR > 2 && NR % 2 == 1 { start = $1 } NR > 2 && NR % 2 == 0 { sum += $1 - start; calls++ }
    END { if (calls) printf "sine_int8: instructions per inference %d (QEMU trace, %d calls)\n", sum / calls + 0.5, calls }' \
    "$avr_tmp/marks" | tee -a "$log"
size=avr-size
line avr-none sine_int8.elf sine int8 "max error $sine_int8_error"
read -r flash ram < <(sizes avr-size "$bin/sine_int8.elf")
stack=$(stack_of sine_int8)
echo "::: ATmega328P: flash $flash B of 32768; static RAM $ram B + stack $stack B of 2048"
if [ "$flash" -gt 32768 ] || [ $((ram + stack)) -gt 2048 ]; then
    echo "FAIL sine_int8 does not fit the ATmega328P"
    exit 1
fi
found=$(soft_float "$bin/sine_int8.elf" avr-nm)
if [ -n "$found" ]; then
    echo "FAIL sine_int8 (avr-none) links soft-float routines:"
    echo "$found"
    exit 1
fi
echo "PASS sine_int8 (avr-none): no soft-float routine linked"

echo "::: one line per target and model (cycles: instructions per inference counted by QEMU: -icount; on AVR its instruction trace)"
printf '%s\n' "${summary[@]}"
