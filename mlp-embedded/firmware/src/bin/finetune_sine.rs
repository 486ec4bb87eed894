//! On-device training where there is no FPU (the Cortex-M0): the sine
//! model's last layer (16 weights and a bias) calibrated in RAM with soft
//! float, the model left in flash (`sine_last_layer`, as in `finetune`);
//! prints its cost: instructions per sample per step, the tuner's RAM and the
//! peak stack.
#![no_std]
#![no_main]

use mlp_core::on_device::DeviceSgd;
use mlp_embedded::SineLastLayer;
use mlp_firmware::{counter, exit, print, print_u32, stack};

/// All zeros at reset (`.bss`, no flash), loaded from the model at run time.
static mut TUNER: SineLastLayer = SineLastLayer::zeroed(DeviceSgd {
    learning_rate: 0.0,
    momentum: 0.0,
});

#[cfg_attr(target_arch = "arm", cortex_m_rt::entry)]
#[cfg_attr(target_arch = "riscv32", riscv_rt::entry)]
fn main() -> ! {
    stack::paint();
    counter::start();
    let (ticks, instructions) = counter::ticks_per_instruction();
    // SAFETY: the only reference to this static, in a single thread.
    let spent = mlp_firmware::sine_last_layer("finetune_sine", unsafe { &mut *(&raw mut TUNER) });
    print("finetune_sine: instructions per sample per step ");
    print_u32(counter::per_call(spent, ticks, instructions, 200 * 16));
    print("\nfinetune_sine: RAM of the tuner ");
    print_u32(SineLastLayer::RAM_BYTES as u32);
    print(" B\nfinetune_sine: peak stack ");
    print_u32(stack::peak());
    print(" B\n");
    exit(true)
}
