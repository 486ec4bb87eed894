//! The integer-only housing regressor (`HousingNetInt8`, 8 -> 30 relu -> 1):
//! its outputs for the first 100 test rows, quantised on the host, must be
//! the host's (`data/housing-int8.bin`, written by the host test
//! `housing.rs`, which measures it against the f32 model on all 5,160 test
//! rows); then instructions per inference and peak stack. Integers only.
#![no_std]
#![no_main]

use core::hint::black_box;
use mlp_firmware::{check, counter, exit, print, print_u32, stack};

const DATA: &[u8] = include_bytes!("../../data/housing-int8.bin");

#[cfg_attr(target_arch = "arm", cortex_m_rt::entry)]
#[cfg_attr(target_arch = "riscv32", riscv_rt::entry)]
fn main() -> ! {
    stack::paint();
    let n = DATA.len() / 9;
    check(
        n > 0 && DATA.len() == 9 * n,
        "the rows and their outputs have matching lengths",
    );
    let row = |i: usize| -> [i8; 8] { core::array::from_fn(|j| DATA[i * 8 + j] as i8) };
    counter::start();
    let (ticks, instructions) = counter::ticks_per_instruction();
    let (mut same, mut spent) = (0_u32, 0_u32);
    for i in 0..n {
        let x = row(i);
        let t = counter::now();
        let y = mlp_embedded::housing_q(black_box(&x));
        spent += counter::since(t);
        same += u32::from(y as u8 == DATA[8 * n + i]);
    }
    print("housing_int8: ");
    print_u32(same);
    print(" of ");
    print_u32(n as u32);
    print(" outputs as on the host\n");
    check(same == n as u32, "housing_int8: the host's outputs");
    print("housing_int8: instructions per inference ");
    print_u32(counter::per_call(spent, ticks, instructions, n as u32));
    print("\nhousing_int8: peak stack ");
    print_u32(stack::peak());
    print(" B\n");
    exit(true)
}
