#!/usr/bin/env bash
# Code and read-only data of the no_std crate, built as a staticlib in release
# for the HOST (x86_64): no cross target (thumbv7em, riscv32) can be installed
# on this machine, so these are host figures.
#
#   bash mlp-embedded/measure-size.sh            # the baked sine model
#   bash mlp-embedded/measure-size.sh fashion    # and the book's 266k-parameter model
set -euo pipefail
cd "$(dirname "$0")/.."
features="panic-handler${1:+,$1}"
cargo rustc -p mlp-embedded --release --features "$features" --crate-type staticlib -- -C panic=abort
lib="$PWD/target/release/libmlp_embedded.a"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "== size -A of the crate's own object in $lib"
(cd "$work" && ar x "$lib" && size -A mlp_embedded-*.o | grep -vE '^\.(debug|comment|note)|^$')
echo "== the crate's symbols (nm -C -S --size-sort; sizes in hex bytes)"
nm -C -S --size-sort "$lib" 2>/dev/null | grep -E ' (mlp_sine|mlp_classify|mlp_embedded::)' || true

echo "== linked into a C program (-Os, --gc-sections), minus the same program without it"
printf 'int main(void) { return 0; }\n' > "$work/base.c"
if [ -n "${1:-}" ]; then
    printf 'float mlp_sine(float); unsigned mlp_classify(const unsigned char *);\nunsigned char img[784];\nint main(void) { return (int)mlp_sine(1.0f) + (int)mlp_classify(img); }\n' > "$work/main.c"
else
    printf 'float mlp_sine(float);\nint main(void) { return (int)mlp_sine(1.0f); }\n' > "$work/main.c"
fi
cc -Os -Wl,--gc-sections "$work/base.c" -o "$work/base"
cc -Os -ffunction-sections -Wl,--gc-sections "$work/main.c" "$lib" -o "$work/with" -lm
size "$work/base" "$work/with" | sed "s|$work/||"
