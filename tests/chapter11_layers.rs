//! What chapter 11's layers and options do in `fit`, `evaluate` and
//! `predict`, against Keras's formulas: the l2 penalty in the reported
//! loss, max_norm after every step, BatchNormalization's moving statistics
//! (which the optimizer's weight decay never touches), Dropout only in
//! training, and MC Dropout.

use mlp::loss::SparseCategoricalCrossentropy;
use mlp::optim::Sgd;
use mlp::prelude::*;
use mlp::train::Fit;

network! {
    struct Plain { Input[4] -> Dense<8, elu> -> Dense<3, softmax> }
}

network! {
    struct Penalised {
        Input[4]
            -> Dense<8, elu, kernel_regularizer = l2(0.01), bias_regularizer = l1(0.02)>
            -> Dense<3, softmax, kernel_regularizer = l1_l2(l1 = 0.001, l2 = 0.003)>
    }
}

network! {
    struct Constrained {
        Input[4] -> Dense<8, elu, kernel_constraint = max_norm(0.5), bias_constraint = non_neg> -> Dense<3, softmax>
    }
}

network! {
    struct Normalised { Input[4] -> BatchNormalization<momentum = 0.9> -> Dense<3, softmax> }
}

network! {
    struct Dropped { Input[4] -> Dense<16, relu> -> Dropout<0.5> -> Dense<3, softmax> }
}

fn data(n: usize) -> (Vec<SVector<f32, 4>>, Vec<u8>) {
    let x = (0..n)
        .map(|i| SVector::from_fn(|j, _| ((i * 7 + j * 5) % 13) as f32 / 4.0 - 1.0))
        .collect();
    let y = (0..n).map(|i| (i % 3) as u8).collect();
    (x, y)
}

#[test]
fn the_reported_loss_includes_the_penalties() {
    let (x, y) = data(64);
    let mut penalised = Penalised::new(3);
    let mut plain = Plain::new(0);
    plain.set_weights(&penalised.get_weights()).unwrap();
    let w = penalised.get_weights();
    let sum =
        |i: usize, f: &dyn Fn(f32) -> f32| w[i].data.iter().map(|&v| f64::from(f(v))).sum::<f64>();
    let penalty = 0.01 * sum(0, &|v| v * v)
        + 0.02 * sum(1, &|v| v.abs())
        + 0.001 * sum(2, &|v| v.abs())
        + 0.003 * sum(2, &|v| v * v);
    let with = penalised
        .compile(SparseCategoricalCrossentropy, Sgd::new(0.01), [])
        .evaluate(&x, &y)
        .unwrap()["loss"];
    let without = plain
        .compile(SparseCategoricalCrossentropy, Sgd::new(0.01), [])
        .evaluate(&x, &y)
        .unwrap()["loss"];
    assert!(
        (with - without - penalty).abs() < 1e-5,
        "{with} - {without} vs {penalty}"
    );
}

#[test]
fn max_norm_and_non_neg_hold_after_every_fit() {
    let (x, y) = data(96);
    let mut model = Constrained::new(1);
    let mut trainer = model.compile(SparseCategoricalCrossentropy, Sgd::new(0.5), []);
    trainer.fit(&x, &y, Fit::epochs(3).verbose(0)).unwrap();
    let kernel = model.dense.kernel();
    for u in 0..8 {
        let norm = kernel.column(u).norm();
        assert!(norm <= 0.5 + 1e-5, "unit {u}: norm {norm}");
    }
    assert!(model.dense.bias().iter().all(|&b| b >= 0.0));
}

#[test]
fn moving_statistics_follow_the_batch_and_ignore_weight_decay() {
    let (x, y) = data(32);
    let mut model = Normalised::new(0);
    let mut trainer = model.compile(
        SparseCategoricalCrossentropy,
        Sgd::new(0.1).weight_decay(0.5),
        [],
    );
    // One step over the whole batch, unshuffled.
    trainer
        .fit(
            &x,
            &y,
            Fit::epochs(1).batch_size(32).shuffle(false).verbose(0),
        )
        .unwrap();
    for j in 0..4 {
        let column: Vec<f64> = x.iter().map(|s| f64::from(s[j])).collect();
        let mean = column.iter().sum::<f64>() / 32.0;
        let var = column.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / 32.0;
        // moving = moving * 0.9 + batch * 0.1, from Keras's 0 and 1.
        let (m, v) = (
            model.batch_normalization.moving_mean()[j],
            model.batch_normalization.moving_variance()[j],
        );
        assert!((f64::from(m) - 0.1 * mean).abs() < 1e-5, "mean {j}: {m}");
        assert!(
            (f64::from(v) - (0.9 + 0.1 * var)).abs() < 1e-5,
            "variance {j}: {v}"
        );
    }
    // gamma moved (trained, and decayed).
    assert!(model.batch_normalization.gamma().iter().any(|&g| g != 1.0));
}

#[test]
fn dropout_acts_in_fit_only_and_mc_dropout_averages_passes() {
    let (x, y) = data(64);
    let mut model = Dropped::new(4);
    let mut trainer = model.compile(SparseCategoricalCrossentropy, Sgd::new(0.05), []);
    trainer.fit(&x, &y, Fit::epochs(2).verbose(0)).unwrap();
    // predict and evaluate: the identity, so the batch path is predict_one.
    let p = trainer.predict(&x).unwrap();
    for (p, x) in p.iter().zip(&x) {
        assert!((p - model.predict_one(x)).abs().max() < 1e-6);
    }
    let mc = model.predict_mc_dropout(&x, 200, 7).unwrap();
    let again = model.predict_mc_dropout(&x, 200, 7).unwrap();
    assert_eq!(mc, again, "the same seed gives the same mean");
    for (m, x) in mc.iter().zip(&x) {
        assert!((m.sum() - 1.0).abs() < 1e-4);
        // A mean of 200 dropped passes is near, but not, the plain pass.
        let plain = model.predict_one(x);
        assert!((m - plain).abs().max() < 0.5);
    }
    assert!(mc.iter().zip(&x).any(|(m, x)| *m != model.predict_one(x)));
    assert!(model.predict_mc_dropout(&x, 0, 7).is_err());
}

#[test]
fn weights_files_carry_keras_names_for_every_new_layer() {
    network! {
        struct Everything {
            Input[4]
                -> BatchNormalization
                -> Dense<6, elu>
                -> PReLU<alpha_initializer = constant(0.25)>
                -> Dropout<0.1>
                -> Dense<3, softmax>
        }
    }
    let (x, y) = data(64);
    let mut model = Everything::new(2);
    model
        .compile(SparseCategoricalCrossentropy, Sgd::new(0.05), [])
        .fit(&x, &y, Fit::epochs(1).verbose(0))
        .unwrap();
    let names: Vec<String> = model.get_weights().into_iter().map(|w| w.name).collect();
    assert_eq!(
        names,
        [
            "batch_normalization/gamma",
            "batch_normalization/beta",
            "batch_normalization/moving_mean",
            "batch_normalization/moving_variance",
            "dense/kernel",
            "dense/bias",
            "p_re_lu/alpha",
            "dense_1/kernel",
            "dense_1/bias",
        ]
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("everything.safetensors");
    model.save_weights(&path).unwrap();
    let mut loaded = Everything::new(99);
    loaded.load_weights(&path).unwrap();
    assert_eq!(loaded.params(), model.params());
    assert_eq!(loaded.predict_one(&x[0]), model.predict_one(&x[0]));
    // get_layer sees the BatchNormalization's four arrays.
    let bn = model.get_layer("batch_normalization").unwrap();
    assert_eq!(bn.get_weights().len(), 4);
    assert!(bn.kernel().is_none());
}
