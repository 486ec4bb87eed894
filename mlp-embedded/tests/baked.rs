//! The baked sine model: no heap on the inference path nor on the training
//! step, and it approximates sin on [0, 2π].

use mlp_core::prelude::*;
use mlp_embedded::{MODEL, SineNet, calibrate, sine, trainer};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::f32::consts::TAU;

/// Counts the allocations of the current thread (tests run in parallel).
struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_in(f: impl FnOnce()) -> usize {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

#[test]
fn the_counter_sees_allocations() {
    // The proof below means something only if this counter counts.
    let n = allocations_in(|| drop(std::hint::black_box(vec![1u8; 16])));
    assert_eq!(n, 1);
}

#[test]
fn predict_one_makes_no_heap_allocation() {
    let mut total = 0.0;
    let n = allocations_in(|| {
        for i in 0..1000 {
            let x = SVector::<f32, 1>::new(TAU * i as f32 / 999.0);
            total += std::hint::black_box(MODEL.predict_one(std::hint::black_box(&x)))[0];
        }
    });
    assert_eq!(n, 0, "predict_one allocated {n} times");
    assert!(total.is_finite());
}

#[test]
fn baked_model_approximates_sine() {
    let n = 1001;
    let (mut sum, mut max) = (0.0_f64, 0.0_f32);
    for i in 0..n {
        let x = TAU * i as f32 / (n - 1) as f32;
        let e = (sine(x) - x.sin()).abs();
        sum += f64::from(e * e);
        max = max.max(e);
    }
    let mse = sum / f64::from(n);
    println!("baked SineNet on {n} points of [0, 2π]: mse {mse:.2e}, max |error| {max:.4}");
    assert!(mse < 1e-3, "mse {mse}");
    assert!(max < 0.1, "max error {max}");
}

#[test]
fn the_integer_model_approximates_sine_within_0_05_on_the_grid() {
    use mlp_embedded::{SineNetInt8, sine_int8, sine_q};
    let n = 1001;
    let (mut max, mut max_vs_f32) = (0.0_f32, 0.0_f32);
    for i in 0..n {
        let x = TAU * i as f32 / (n - 1) as f32;
        let y = sine_int8(x);
        max = max.max((y - x.sin()).abs());
        max_vs_f32 = max_vs_f32.max((y - sine(x)).abs());
        // The f32 wrapper is the integer path between two conversions.
        let q = SineNetInt8::quantize_input(&mlp_core::SVector::<f32, 1>::new(x))[0];
        assert_eq!(y, SineNetInt8::OUTPUT.dequantize(sine_q(q)));
    }
    println!(
        "integer-only SineNetInt8 on {n} points of [0, 2π]: max |error| {max:.4} (against the \
         f32 model: {max_vs_f32:.4}); {} bytes",
        core::mem::size_of::<SineNetInt8>()
    );
    assert!(max < 0.05, "max error {max}");
}

/// Writes `firmware/data/sine-int8.bin`: the integer model's output for
/// each of the 256 int8 inputs (input `i - 128` at byte `i`), which the
/// `sine_int8` firmware compares itself with; every input the device can
/// see, so a match makes the device's function the host's.
#[test]
fn integer_outputs_are_written_for_the_firmware() {
    use mlp_embedded::sine_q;
    let table: Vec<u8> = (-128..=127_i8).map(|q| sine_q(q) as u8).collect();
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/firmware/data/sine-int8.bin");
    std::fs::write(path, &table).unwrap();
    // A sine over [0, 2π] takes both signs.
    assert_eq!(table.len(), 256);
    assert!(table.iter().any(|&b| (b as i8) > 0) && table.iter().any(|&b| (b as i8) < 0));
}

/// `weights/sine-calibration.safetensors` is 1,000 evenly spaced points of
/// [0, 2π], the training set's range.
#[test]
fn the_sine_calibration_sample_is_the_grid() {
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/weights/sine-calibration.safetensors"
    ))
    .unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let t = file.tensor("input").unwrap();
    assert_eq!(t.shape(), [1000, 1]);
    for (i, b) in t.data().chunks_exact(4).enumerate() {
        let x = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        assert_eq!(x, (2.0 * std::f64::consts::PI * i as f64 / 999.0) as f32);
    }
}

#[test]
fn baked_weights_are_the_files() {
    // The weights in the binary are the ones in the file, bit for bit.
    let mut loaded = SineNet::new_zeroed();
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/weights/sine.safetensors"
    ))
    .unwrap();
    let arrays = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut named = Vec::new();
    for w in MODEL.get_weights() {
        let t = arrays.tensor(&w.name).unwrap();
        assert_eq!(t.shape(), w.shape.as_slice(), "{}", w.name);
        let data: Vec<f32> = t
            .data()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
            .collect();
        named.push(mlp_core::weights::NamedArray {
            name: w.name.clone(),
            shape: w.shape.clone(),
            data,
        });
    }
    loaded.set_weights(&named).unwrap();
    assert_eq!(loaded.params(), MODEL.params());
}

#[test]
fn fine_tuning_on_the_device_lowers_the_loss_without_allocating() {
    // The sensor reads 0.3 too high and 10% too strong: y = 1.1 sin x + 0.3.
    const B: usize = 16;
    let x: [f32; B] = core::array::from_fn(|i| TAU * (i as f32 + 0.5) / B as f32);
    let y = x.map(|x| 1.1 * x.sin() + 0.3);
    let mut model = SineNet::WEIGHTS;
    let mut trainer = trainer();
    // Loss before and after each of 5 rounds of 40 steps.
    let mut losses = [0.0_f32; 10];
    let n = allocations_in(|| {
        for round in losses.chunks_exact_mut(2) {
            let (before, after) = calibrate(&mut model, &mut trainer, &x, &y, 40);
            round.copy_from_slice(&[before, after]);
        }
    });
    assert_eq!(n, 0, "training allocated {n} times");
    println!("loss every 40 steps: {losses:?}");
    let (first, last) = (losses[0], losses[9]);
    assert!(first > 0.04, "the shifted target starts far: {first}");
    assert!(last < first / 10.0, "loss {first} -> {last}");
    for pair in losses.windows(2) {
        assert!(pair[1] <= pair[0] * 1.01, "loss rose: {losses:?}");
    }
    // The copy changed, the static did not.
    assert_ne!(model.params(), MODEL.params());
}

#[test]
fn trainer_and_tuned_copy_can_be_statics() {
    use mlp_core::on_device::DeviceSgd;
    use std::sync::Mutex;
    // On a device: RAM statics built at compile time, no heap, no stack copy.
    static TUNED: Mutex<SineNet> = Mutex::new(SineNet::WEIGHTS);
    static TRAINER: Mutex<mlp_embedded::SineTrainer> =
        Mutex::new(mlp_embedded::SineTrainer::new(DeviceSgd {
            learning_rate: 0.01,
            momentum: 0.9,
        }));
    let (mut model, mut trainer) = (TUNED.lock().unwrap(), TRAINER.lock().unwrap());
    let x = [1.0_f32, 2.0, 4.0, 5.0];
    let y = x.map(|x| x.sin() - 0.2);
    let (before, after) = calibrate(&mut model, &mut trainer, &x, &y, 100);
    assert!(after < before / 4.0, "{before} -> {after}");
}

#[test]
fn last_layer_calibration_leaves_the_static_and_allocates_nothing() {
    use mlp_core::on_device::DeviceSgd;
    use mlp_embedded::{SineLastLayer, calibrate_last_layer};
    // The same sensor (y = 1.1 sin x + 0.3): a gain and an offset, which the
    // last (linear) layer alone can take up.
    const B: usize = 16;
    let x: [f32; B] = core::array::from_fn(|i| TAU * (i as f32 + 0.5) / B as f32);
    let y = x.map(|x| 1.1 * x.sin() + 0.3);
    let before_static = MODEL.params().to_vec();
    let mut losses = (0.0, 0.0);
    let mut tuned = 0.0;
    let n = allocations_in(|| {
        let mut tuner = SineLastLayer::new(
            &MODEL,
            DeviceSgd {
                learning_rate: 0.01,
                momentum: 0.9,
            },
        );
        losses = calibrate_last_layer(&mut tuner, &x, &y, 200);
        tuned = tuner.predict(&MODEL, &SVector::<f32, 1>::new(1.0))[0];
    });
    assert_eq!(n, 0, "fine-tuning allocated {n} times");
    let (first, last) = losses;
    println!("last layer only: loss {first} -> {last} in 200 steps");
    assert!(first > 0.04, "the shifted target starts far: {first}");
    assert!(last < first / 10.0, "loss {first} -> {last}");
    assert!((tuned - (1.1 * 1.0_f32.sin() + 0.3)).abs() < 0.1, "{tuned}");
    assert_eq!(
        MODEL.params(),
        &before_static[..],
        "the static is only read"
    );
    // 17 trainable parameters, three times (weights, gradients, velocity),
    // and 38 floats of scratch (frozen: 1 + 16; span: 16 + 2 + 1 + 2).
    assert_eq!(SineLastLayer::RAM_BYTES, 4 * (3 * 17 + 38) + 8);
}
