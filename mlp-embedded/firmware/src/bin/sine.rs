//! The sine firmware, the one measured against MicroFlow and TFLite Micro:
//! it runs the baked `1 -> 16 -> 16 -> 1` model over a grid of [0, 2π] and
//! checks it against `sin`, counts the instructions of one inference, and
//! reports its peak stack.
#![no_std]
#![no_main]

use core::hint::black_box;
use mlp_firmware::{check, counter, exit, print, print_f32, print_u32, stack};

/// The model's tolerance, as its doc test states it (the host measures a
/// largest error of 0.028 on 1,001 points).
const TOLERANCE: f32 = 0.05;
const POINTS: u32 = 101;
const TIMED: u32 = 1000;

/// `sin x` for `x` in [0, 2π], within 4e-6: folded onto [-π/2, π/2], then
/// Taylor to degree 9. (libm's `sinf` reduces its argument in f64, whose
/// software arithmetic would weigh more than the model on a Cortex-M4F.)
fn reference_sin(x: f32) -> f32 {
    use core::f32::consts::PI;
    let x = if x > PI { x - 2.0 * PI } else { x };
    let x = if x > PI / 2.0 {
        PI - x
    } else if x < -PI / 2.0 {
        -PI - x
    } else {
        x
    };
    let x2 = x * x;
    x * (1.0 - x2 / 6.0 * (1.0 - x2 / 20.0 * (1.0 - x2 / 42.0 * (1.0 - x2 / 72.0))))
}

#[cfg_attr(target_arch = "arm", cortex_m_rt::entry)]
#[cfg_attr(target_arch = "riscv32", riscv_rt::entry)]
fn main() -> ! {
    stack::paint();
    let mut worst = 0.0_f32;
    for i in 0..POINTS {
        let x = core::f32::consts::TAU * i as f32 / (POINTS - 1) as f32;
        let e = (mlp_embedded::sine(black_box(x)) - reference_sin(x)).abs();
        worst = if e > worst || e.is_nan() { e } else { worst };
    }
    print("sine: largest |model - sin| over 101 points of [0, 2pi]: ");
    print_f32(worst);
    print("\n");
    check(
        worst < TOLERANCE,
        "sine: within 0.05 of sin everywhere on the grid",
    );

    counter::start();
    let (ticks, instructions) = counter::ticks_per_instruction();
    let start = counter::now();
    for i in 0..TIMED {
        black_box(mlp_embedded::sine(black_box(i as f32 * 0.006)));
    }
    let spent = counter::since(start);
    // Instructions per inference (call and loop included), rounded.
    let per = spent as f32 * (instructions as f32 / ticks as f32) / TIMED as f32 + 0.5;
    print("sine: instructions per inference ");
    print_u32(per as u32);
    print(" (counter: ");
    print_u32(ticks);
    print(" ticks per ");
    print_u32(instructions);
    print(" instructions)\n");
    print("sine: peak stack ");
    print_u32(stack::peak());
    print(" B\n");
    exit(true)
}
