//! The book's Fashion-MNIST classifier (266,610 parameters, trained by Keras,
//! baked in f32) on the device: its classes of the first 100 test images
//! must be the host build's, which `tests/fashion_sample.rs` of
//! `mlp-embedded` wrote to `data/fashion-expected.bin`.
#![no_std]
#![no_main]

use core::hint::black_box;
use mlp_firmware::{check, counter, exit, print, print_u32, stack};

const SAMPLE: &[u8] = include_bytes!("../../data/fashion-sample.bin");
/// The labels, then the host's f32 classes, one byte per image.
const EXPECTED: &[u8] = include_bytes!("../../data/fashion-expected.bin");
const N: usize = SAMPLE.len() / 784;

fn image(i: usize) -> &'static [u8; 784] {
    SAMPLE[i * 784..(i + 1) * 784].try_into().unwrap()
}

#[cfg_attr(target_arch = "arm", cortex_m_rt::entry)]
#[cfg_attr(target_arch = "riscv32", riscv_rt::entry)]
fn main() -> ! {
    stack::paint();
    check(
        N > 0 && SAMPLE.len() == N * 784 && EXPECTED.len() == 2 * N,
        "fashion: the sample and its expected classes have matching lengths",
    );
    let (labels, host) = EXPECTED.split_at(N);
    counter::start();
    let (ticks, instructions) = counter::ticks_per_instruction();
    let (mut same, mut right, mut spent) = (0, 0, 0_u32);
    for i in 0..N {
        let t = counter::now();
        let class = mlp_embedded::classify_pixels(black_box(image(i)));
        spent += counter::since(t);
        same += usize::from(class == usize::from(host[i]));
        right += usize::from(class == usize::from(labels[i]));
    }
    print("fashion f32: ");
    print_u32(same as u32);
    print(" of ");
    print_u32(N as u32);
    print(" classes as on the host, ");
    print_u32(right as u32);
    print(" right\n");
    check(same == N, "fashion f32: the same classes as the host build");
    let per = spent as f32 * (instructions as f32 / ticks as f32) / N as f32 + 0.5;
    print("fashion f32: instructions per inference ");
    print_u32(per as u32);
    print("\nfashion: peak stack ");
    print_u32(stack::peak());
    print(" B\n");
    exit(true)
}
