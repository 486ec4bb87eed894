#!/usr/bin/env bash
# Builds the firmware in mlp-embedded/firmware/ for a RISC-V core
# (riscv32imac-unknown-none-elf, soft float, QEMU's virt board) and a
# Cortex-M4F (thumbv7em-none-eabihf, QEMU's mps2-an386) and runs it under
# QEMU; any failed check inside the firmware ends QEMU with exit code 1, and
# this script with it. Then prints the figures kept in mlp-embedded/README.md.
#
#   bash mlp-embedded/qemu.sh
#
# The cross build uses Debian's Rust (rustc-web, cargo-web, rust-web-src:
# /usr/bin/rustc and /usr/bin/cargo with the standard library's sources, for
# -Zbuild-std=core), never the rustup toolchain pinned for the workspace.
# Missing Debian packages are installed with apt-get (as root).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

packages=(rustc-web cargo-web rust-web-src binutils-arm-none-eabi qemu-system-arm
    binutils-riscv64-unknown-elf qemu-system-misc)
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

echo "::: host: the book's model gives Keras's classes; write the firmware's sample and expected classes"
cargo test -q -p mlp-embedded --features fashion --test fashion_sample

fw="$root/mlp-embedded/firmware"
log=$(mktemp)
trap 'rm -f "$log"' EXIT

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

# target, QEMU command, size tool, what counts instructions
run_target() {
    local target=$1 size=$2 counter=$3
    shift 3
    echo "::: build the firmware for $target (Debian $(/usr/bin/rustc --version))"
    (cd "$fw" && env -u RUSTUP_TOOLCHAIN -u CARGO -u CARGO_TARGET_DIR RUSTC=/usr/bin/rustc RUSTDOC=/usr/bin/rustdoc RUSTC_BOOTSTRAP=1 \
        /usr/bin/cargo build --release --quiet -Zbuild-std=core --target "$target")
    local bin="$fw/target/$target/release"
    : > "$log"
    for name in sine fashion fashion_int8 train finetune; do
        echo "::: $* -kernel $name"
        # -icount shift=0: virtual time advances 1 ns per instruction, which
        # the firmware's instruction counts rely on.
        timeout 900 "$@" -nographic -semihosting-config enable=on,target=native \
            -icount shift=0 -kernel "$bin/$name" | tee -a "$log"
    done
    echo "::: figures, $target (opt-level s, LTO, panic = abort; instructions: QEMU -icount, read through $counter)"
    local name flash ram insns
    for name in fashion fashion_int8 train finetune; do
        read -r flash ram < <(sizes "$size" "$bin/$name")
        insns=$(insns_of "$name")
        echo "$name firmware: flash $flash B, static RAM $ram B, stack $(stack_of "$name") B${insns:+, $insns instructions per inference}"
    done
    grep -m1 "^finetune: RAM of" "$log" || true
    grep -m1 "^finetune: instructions per sample per step" "$log" || true
    read -r flash ram < <(sizes "$size" "$bin/sine")
    echo "sine firmware: $(insns_of sine) instructions per inference"
    echo "sine firmware: flash $flash B, static RAM $ram B, stack $(stack_of sine) B"
}

# RISC-V first, so that the last line printed is the Cortex-M4F sine figure.
run_target riscv32imac-unknown-none-elf riscv64-unknown-elf-size "the instret CSR" \
    qemu-system-riscv32 -machine virt -bios none
run_target thumbv7em-none-eabihf arm-none-eabi-size "SysTick" \
    qemu-system-arm -machine mps2-an386 -cpu cortex-m4
