//! Weights never pass through the stack: a 128 MiB network and the book's
//! model are built, initialised, introspected and run in a thread whose whole
//! stack is 256 KiB.

use mlp::prelude::*;

/// The stack of the threads below: 512 times smaller than the big model.
const STACK: usize = 256 * 1024;

network! {
    /// Two 4096-wide layers: 33,562,624 parameters, 128 MiB of f32.
    pub struct Wide {
        Input[4096] -> Dense<4096, relu> -> Dense<4096>
    }
}

network! {
    /// The Fashion-MNIST classifier of chapter 10 (about 1 MiB).
    pub struct FashionMlp {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}

/// Runs `f` in a thread with a [`STACK`]-byte stack and returns its result
/// (a stack overflow aborts the whole test binary, which fails the test).
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .name("small-stack".into())
        .stack_size(STACK)
        .spawn(f)
        .expect("spawn a thread")
        .join()
        .expect("the small-stack thread ran to the end")
}

// The model is 128 MiB, 512 times the thread's stack.
const _: () = assert!(Wide::WEIGHT_BYTES >= 128 * 1024 * 1024 && Wide::WEIGHT_BYTES >= 512 * STACK);

#[test]
fn a_128_mib_network_on_a_256_kib_stack() {
    let params = 2 * (4096 * 4096 + 4096);
    assert_eq!(Wide::PARAMS, params);
    assert_eq!(Wide::WEIGHT_BYTES, params * 4);

    let (nonzero, one, batch, weights_len) = on_small_stack(|| {
        let model = Wide::new(11);
        assert_eq!(std::mem::size_of_val(&*model), Wide::WEIGHT_BYTES);
        let nonzero = model.params().iter().filter(|p| **p != 0.0).count();
        // A 16 KiB input, by value inside the thread.
        let x = SVector::<f32, 4096>::from_fn(|i, _| ((i % 13) as f32 - 6.0) / 6.0);
        let one = model.predict_one(&x);
        let batch = model.predict_with_batch_size(&[x], 1).unwrap();
        let weights_len: usize = model.get_weights().iter().map(|w| w.data.len()).sum();
        (nonzero, one, batch, weights_len)
    });
    // Glorot-uniform kernels are non-zero (almost surely), biases start at zero.
    assert!(
        nonzero > 2 * 4096 * 4096 - 100,
        "{nonzero} non-zero parameters"
    );
    assert!(nonzero <= 2 * 4096 * 4096);
    assert_eq!(weights_len, params);
    assert!(one.iter().any(|v| *v != 0.0));
    let max_diff = one
        .iter()
        .zip(batch[0].iter())
        .map(|(a, b)| (a - b).abs())
        .fold(0.0_f32, f32::max);
    assert!(
        max_diff < 1e-4,
        "one-sample and batch paths differ by {max_diff}"
    );
}

#[test]
fn the_book_model_on_a_256_kib_stack() {
    let (summary, probabilities, shape, same_after_round_trip) = on_small_stack(|| {
        let mut model = FashionMlp::new(42);
        let summary = model.summary().to_string();
        let image = SMatrix::<f32, 28, 28>::from_fn(|i, j| ((i + j) % 3) as f32 / 2.0);
        let p = model.predict_one(&image);
        let shape = model
            .get_layer("dense")
            .map(|l| l.kernel().unwrap().shape());
        let weights = model.get_weights();
        model.initialize(7);
        model.set_weights(&weights).expect("its own weights fit");
        (summary, p, shape, model.predict_one(&image) == p)
    });
    assert!(summary.contains("Total params: 266,610"), "{summary}");
    assert!((probabilities.sum() - 1.0).abs() < 1e-5);
    assert_eq!(shape.expect("a layer named dense"), (784, 300));
    assert!(same_after_round_trip);
}
