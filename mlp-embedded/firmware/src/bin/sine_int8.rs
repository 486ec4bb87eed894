//! The integer-only sine model (`SineNetInt8`: int8 weights and activations,
//! int32 accumulators, fixed-point requantisation): its outputs for all 256
//! int8 inputs must be the host's (`data/sine-int8.bin`, written by the host
//! test `baked.rs`, which measures the error against `sin`); then
//! instructions per inference and peak stack. Integers only: `qemu.sh`
//! checks that no soft-float routine is linked into this firmware.
#![no_std]
#![no_main]

use core::hint::black_box;
use mlp_firmware::{check, counter, exit, print, print_u32, stack};

mlp_firmware::avr_entry!(main);

const EXPECTED: &[u8; 256] = include_bytes!("../../data/sine-int8.bin");
/// Calls timed. AVR: fewer, each counted in QEMU's instruction trace.
#[cfg(not(target_arch = "avr"))]
const TIMED: u32 = 1024;
#[cfg(target_arch = "avr")]
const TIMED: u32 = 16;

#[cfg_attr(target_arch = "arm", cortex_m_rt::entry)]
#[cfg_attr(target_arch = "riscv32", riscv_rt::entry)]
fn main() -> ! {
    stack::paint();
    let mut same = 0_u32;
    for (i, expected) in EXPECTED.iter().enumerate() {
        let y = mlp_embedded::sine_q(black_box((i as u8 ^ 0x80) as i8));
        same += u32::from(y as u8 == *expected);
    }
    print("sine_int8: ");
    print_u32(same);
    print(" of 256 outputs as on the host\n");
    check(
        same == 256,
        "sine_int8: every int8 input gives the host's output",
    );

    counter::start();
    let (ticks, instructions) = counter::ticks_per_instruction();
    // Each call timed alone, as the other firmwares do.
    let mut spent = 0_u32;
    for i in 0..TIMED {
        let t = counter::now();
        black_box(mlp_embedded::sine_q(black_box(i as u8 as i8)));
        spent += counter::since(t);
    }
    if counter::COUNTS {
        print("sine_int8: instructions per inference ");
        print_u32(counter::per_call(spent, ticks, instructions, TIMED));
        print("\n");
    }
    print("sine_int8: peak stack ");
    print_u32(stack::peak());
    print(" B\n");
    exit(true)
}
