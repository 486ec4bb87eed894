//! The book's classifier with int8 weights (one scale per unit, 269,480
//! bytes instead of 1,066,440): its classes of the first 100 test images
//! must be the host's int8 build's, from `data/fashion-expected.bin`.
#![no_std]
#![no_main]

#[cfg_attr(target_arch = "arm", cortex_m_rt::entry)]
#[cfg_attr(target_arch = "riscv32", riscv_rt::entry)]
fn main() -> ! {
    mlp_firmware::check_fashion("fashion_int8", mlp_embedded::classify_pixels_int8, 2)
}
