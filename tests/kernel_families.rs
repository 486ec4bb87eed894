//! Every family of kernels this processor runs, forced one after another
//! (`mlp::select_kernels`): each trains the book's model to bit-identical
//! weights, losses and predictions on one, two and three threads; the
//! AVX-512 family (gemm's kernels in the backward pass) gives bit for bit
//! the AVX2 family's results, so `Kernels::Auto` and
//! `Kernels::Reproducible` agree here; and the reproducible mode runs the
//! AVX2 family forced on this processor, whatever it has beside.
//!
//! One test function: the family is a process-wide setting.

use mlp::loss::SparseCategoricalCrossentropy;
use mlp::optim::{Adam, Optimizer, Sgd};
use mlp::prelude::*;
use mlp::{Kernels, select_kernels};

network! {
    struct BookMlp {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}

/// Weights, losses and predictions of one training run.
type Outcome = (Vec<f32>, Vec<f64>, Vec<SVector<f32, 10>>);

/// Deterministic book-sized inputs and their labels.
fn book_data(n: usize) -> (Vec<SMatrix<f32, 28, 28>>, Vec<u8>) {
    let x = (0..n)
        .map(|i| {
            SMatrix::<f32, 28, 28>::from_fn(|r, c| ((i * 7 + r * 3 + c * 11) % 23) as f32 / 23.0)
        })
        .collect();
    let y = (0..n).map(|i| (i % 10) as u8).collect();
    (x, y)
}

/// Two epochs of `fit` (batch 32, a validation split) with `optimizer` on
/// `threads` threads, then `predict_with_threads`.
fn train(optimizer: impl Optimizer, threads: usize) -> Outcome {
    let (x, y) = book_data(160);
    let mut model = BookMlp::new(3);
    let mut trainer = model.compile(SparseCategoricalCrossentropy, optimizer, []);
    let options = Fit::epochs(2)
        .batch_size(32)
        .verbose(0)
        .validation_split(0.2)
        .threads(threads);
    let history = trainer.fit(&x, &y, options).unwrap();
    let predictions = trainer.predict_with_threads(&x, 32, threads).unwrap();
    let mut losses = history.get("loss").unwrap().to_vec();
    losses.extend(history.get("val_loss").unwrap());
    (model.params().to_vec(), losses, predictions)
}

/// Plain SGD (its step folded into the kernel's gradient product) and Adam
/// (gradients written, then updated) on `kernels`, checked equal on 1, 2
/// and 3 threads.
fn outcomes(kernels: Kernels) -> [Outcome; 2] {
    let family = select_kernels(kernels).unwrap();
    assert_eq!(mlp::kernels(), family);
    let run = |threads| {
        [
            train(Sgd::new(0.01), threads),
            train(Adam::new(0.001), threads),
        ]
    };
    let one = run(1);
    assert!(
        one[0].0 != BookMlp::new(3).params(),
        "training moved the weights"
    );
    for threads in [2, 3] {
        let other = run(threads);
        for (name, a, b) in [("sgd", &one[0], &other[0]), ("adam", &one[1], &other[1])] {
            assert!(
                a.0 == b.0,
                "{kernels}: {name} weights differ on {threads} threads"
            );
            assert!(
                a.1 == b.1,
                "{kernels}: {name} losses differ on {threads} threads"
            );
            assert!(
                a.2 == b.2,
                "{kernels}: {name} predictions differ on {threads} threads"
            );
        }
    }
    one
}

#[test]
fn every_family_is_thread_invariant_and_avx512_sums_as_avx2() {
    let families: Vec<Kernels> = Kernels::families().collect();
    assert!(families.contains(&Kernels::Portable));
    let mut results = Vec::new();
    for family in &families {
        results.push((*family, outcomes(*family)));
    }
    let of = |k: Kernels| results.iter().find(|(f, _)| *f == k).map(|(_, o)| o);
    if let (Some(avx2), Some(avx512)) = (of(Kernels::Avx2), of(Kernels::Avx512)) {
        assert!(
            avx2 == avx512,
            "the AVX-512 family differs from the AVX2 family"
        );
    }
    // The reproducible mode is the AVX2 family forced, here as anywhere.
    let reproducible = outcomes(Kernels::Reproducible);
    if let Some(avx2) = of(Kernels::Avx2) {
        assert!(
            reproducible == *avx2,
            "reproducible mode differs from AVX2 forced"
        );
    }
    let auto = outcomes(Kernels::Auto);
    assert!(
        reproducible == auto,
        "the default differs from reproducible mode"
    );
    // A family the processor lacks is refused, and the running one stays.
    for family in [Kernels::Avx2, Kernels::Avx512] {
        if !family.available() {
            let err = select_kernels(family).unwrap_err();
            assert!(err.to_string().contains(family.name()), "{err}");
        }
    }
    assert_eq!(mlp::kernels(), select_kernels(Kernels::Auto).unwrap());
}
