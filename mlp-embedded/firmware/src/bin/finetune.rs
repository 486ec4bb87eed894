//! Fine-tuning only the last layer, with the models left in flash: the sine
//! model's last layer calibrated with the mean squared error, and the book's
//! classifier's last layer (100 x 10 + 10 parameters) fine-tuned with the
//! sparse categorical cross-entropy on a few test images. The tuners are the
//! only RAM the firmware has (`.bss`); the baked statics `MODEL` and
//! `FASHION` are read from flash.
#![no_std]
#![no_main]

use mlp_core::on_device::{DeviceTrainer, DeviceSgd, scratch_len};
use mlp_embedded::{FASHION, FashionLastLayer, FashionMlp, SineLastLayer};
use mlp_firmware::{check, counter, exit, print, print_f32, print_u32, stack};

const SAMPLE: &[u8] = include_bytes!("../../data/fashion-sample.bin");
const EXPECTED: &[u8] = include_bytes!("../../data/fashion-expected.bin");
/// Images fine-tuned on.
const B: usize = 8;
/// Fine-tuning steps on them.
const STEPS: usize = 10;

const NO_SGD: DeviceSgd = DeviceSgd {
    learning_rate: 0.0,
    momentum: 0.0,
};

/// The tuners: all zeros at reset (`.bss`, no flash), loaded from the models
/// in flash at run time.
static mut SINE_TUNER: SineLastLayer = SineLastLayer::zeroed(NO_SGD);
static mut FASHION_TUNER: FashionLastLayer = FashionLastLayer::zeroed(NO_SGD);

fn fashion_last_layer() {
    let n = SAMPLE.len() / 784;
    check(
        n >= B && EXPECTED.len() == 3 * n,
        "the sample and its expected classes have matching lengths",
    );
    // Images the model gets wrong first, then others, with their labels.
    let mut picked = [0usize; B];
    let mut k = 0;
    for wrong in [true, false] {
        for i in 0..n {
            if k < B && (EXPECTED[n + i] != EXPECTED[i]) == wrong {
                picked[k] = i;
                k += 1;
            }
        }
    }
    let labels = picked.map(|i| usize::from(EXPECTED[i]));
    // One image at a time as f32 (3,136 B on the stack), from the bytes in
    // flash: the batch is never held in RAM.
    let image = |i: usize| {
        let at = picked[i] * 784;
        mlp_embedded::scale(SAMPLE[at..at + 784].try_into().unwrap())
    };
    let sample = |i: usize| (image(i), labels[i]);
    // SAFETY: the only reference to this static, in a single thread.
    let tuner = unsafe { &mut *(&raw mut FASHION_TUNER) };
    tuner.load(&FASHION);
    tuner.sgd = DeviceSgd {
        learning_rate: 0.05,
        momentum: 0.9,
    };
    let right = |tuner: &mut FashionLastLayer| {
        (0..B)
            .filter(|&i| tuner.predict(&FASHION, &image(i)).argmax().0 == labels[i])
            .count()
    };
    let right_before = right(tuner);
    let before = tuner.loss_sparse_from(&FASHION, B, sample);
    counter::start();
    let (ticks, instructions) = counter::ticks_per_instruction();
    let mut spent = 0_u32;
    for _ in 0..STEPS {
        let t = counter::now();
        tuner.step_sparse_from(&FASHION, B, sample);
        spent = spent.wrapping_add(counter::since(t));
    }
    let after = tuner.loss_sparse_from(&FASHION, B, sample);
    let right_after = right(tuner);
    print(
        "finetune: book's model, last layer (sparse categorical cross-entropy, 8 images, 10 steps): ",
    );
    print_f32(before);
    print(" -> ");
    print_f32(after);
    print(", right ");
    print_u32(right_before as u32);
    print(" -> ");
    print_u32(right_after as u32);
    print(" of 8\n");
    check(
        after < before / 2.0,
        "last-layer fine-tuning: the loss halves",
    );
    check(
        right_after > right_before,
        "last-layer fine-tuning: accuracy on the fine-tuning set rises",
    );
    check(
        right_after == B,
        "last-layer fine-tuning: all 8 images now classified right",
    );
    // Per step of 8 images: instructions per image, to compare with an
    // inference (the frozen layers' forward pass is most of it).
    let per = spent as f32 * (instructions as f32 / ticks as f32) / (STEPS * B) as f32 + 0.5;
    print("finetune: instructions per sample per step ");
    print_u32(per as u32);
    print("\n");
}

#[cfg_attr(target_arch = "arm", cortex_m_rt::entry)]
#[cfg_attr(target_arch = "riscv32", riscv_rt::entry)]
fn main() -> ! {
    stack::paint();
    // SAFETY: the only reference to this static, in a single thread.
    mlp_firmware::sine_last_layer("finetune", unsafe { &mut *(&raw mut SINE_TUNER) });
    fashion_last_layer();
    print("finetune: RAM of the book's model's last layer ");
    print_u32(FashionLastLayer::RAM_BYTES as u32);
    print(" B, of all its layers ");
    print_u32(
        (DeviceTrainer::<FashionMlp, { scratch_len::<FashionMlp>() }>::RAM_BYTES
            + <FashionMlp as mlp_core::Model>::WEIGHT_BYTES) as u32,
    );
    print(" B (trainer and the model's RAM copy)\n");
    print("finetune: peak stack ");
    print_u32(stack::peak());
    print(" B\n");
    exit(true)
}
