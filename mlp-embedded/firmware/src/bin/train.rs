//! Training on the device, without a heap: the sine model calibrated with
//! the mean squared error, and the book's classifier fine-tuned with the
//! sparse categorical cross-entropy on a few test images.
#![no_std]
#![no_main]

use mlp_core::on_device::{DeviceTrainer, DeviceSgd, scratch_len};
use mlp_embedded::FashionMlp;
use mlp_firmware::{check, exit, print, print_f32, stack};

const SAMPLE: &[u8] = include_bytes!("../../data/fashion-sample.bin");
const EXPECTED: &[u8] = include_bytes!("../../data/fashion-expected.bin");
/// Images fine-tuned on.
const B: usize = 8;

type FashionTrainer = DeviceTrainer<FashionMlp, { scratch_len::<FashionMlp>() }>;

/// The classifier's RAM copy (1 MiB, copied from flash at reset) and its
/// trainer (gradients and velocity, 2 MiB): statics, never on the stack. The
/// trainer is all zeros, so it lives in `.bss` and takes no flash; its
/// settings are set at run time.
static mut TUNED: FashionMlp = FashionMlp::WEIGHTS;
static mut TRAINER: FashionTrainer = FashionTrainer::new(DeviceSgd {
    learning_rate: 0.0,
    momentum: 0.0,
});

fn sine_calibration() {
    // The sensor reads 0.3 too high and 10% too strong: y = 1.1 sin x + 0.3.
    let x: [f32; 16] = core::array::from_fn(|i| core::f32::consts::TAU * (i as f32 + 0.5) / 16.0);
    let y = x.map(|x| 1.1 * libm::sinf(x) + 0.3);
    let mut model = mlp_embedded::SineNet::WEIGHTS;
    let mut trainer = mlp_embedded::trainer();
    let (first, _) = mlp_embedded::calibrate(&mut model, &mut trainer, &x, &y, 0);
    let (_, last) = mlp_embedded::calibrate(&mut model, &mut trainer, &x, &y, 200);
    print("calibration (mse): ");
    print_f32(first);
    print(" -> ");
    print_f32(last);
    print(" after 200 steps\n");
    check(
        first > 0.04 && last < first / 10.0,
        "calibration: the loss falls tenfold",
    );
}

fn classifier_fine_tuning() {
    let n = SAMPLE.len() / 784;
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
    let x = picked.map(|i| mlp_embedded::scale(SAMPLE[i * 784..(i + 1) * 784].try_into().unwrap()));
    let labels = picked.map(|i| usize::from(EXPECTED[i]));
    // SAFETY: the only references to these statics, in a single thread.
    let (model, trainer) = unsafe { (&mut *(&raw mut TUNED), &mut *(&raw mut TRAINER)) };
    trainer.sgd = DeviceSgd {
        learning_rate: 0.01,
        momentum: 0.9,
    };
    let before = trainer.loss_sparse(model, &x, &labels);
    for _ in 0..10 {
        trainer.step_sparse(model, &x, &labels);
    }
    let after = trainer.loss_sparse(model, &x, &labels);
    let right = x
        .iter()
        .zip(&labels)
        .filter(|(x, l)| {
            use mlp_core::Model;
            model.predict_one(x).argmax().0 == **l
        })
        .count();
    print("fine-tuning (sparse categorical cross-entropy, 8 images, 10 steps): ");
    print_f32(before);
    print(" -> ");
    print_f32(after);
    print("\n");
    check(after < before / 2.0, "fine-tuning: the loss halves");
    check(right == B, "fine-tuning: all 8 images now classified right");
}

#[cfg_attr(target_arch = "arm", cortex_m_rt::entry)]
#[cfg_attr(target_arch = "riscv32", riscv_rt::entry)]
fn main() -> ! {
    stack::paint();
    sine_calibration();
    classifier_fine_tuning();
    print("train: peak stack ");
    mlp_firmware::print_u32(stack::peak());
    print(" B\n");
    exit(true)
}
