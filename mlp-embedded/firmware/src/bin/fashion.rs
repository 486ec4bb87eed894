//! The book's Fashion-MNIST classifier (266,610 parameters, trained by Keras,
//! baked in f32) on the device: its classes of the first 100 test images
//! must be the host build's, which `tests/fashion_sample.rs` of
//! `mlp-embedded` wrote to `data/fashion-expected.bin`.
#![no_std]
#![no_main]

#[cfg_attr(target_arch = "arm", cortex_m_rt::entry)]
#[cfg_attr(target_arch = "riscv32", riscv_rt::entry)]
fn main() -> ! {
    mlp_firmware::check_fashion("fashion", mlp_embedded::classify_pixels, 1)
}
