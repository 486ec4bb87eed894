//! Finite-difference checks of the gradients through chapter 11's layers on
//! the engine's batch path: a network with BatchNormalization (training
//! mode: the batch's statistics), PReLU, ELU, Dropout (a fixed mask: the
//! masks depend on the mode's seed and step only) and Dense layers, and one
//! with chapter 10's Normalization between two Dense layers, against
//! numeric derivatives of the batch's mean loss with respect to every
//! parameter (the moving statistics' gradients are zero: they do not enter
//! a training forward pass).
//!
//! The numeric derivative is the five-point stencil of `tests/gradients.rs`
//! (`h = 2^-7`), with its tolerance `3e-4 * max(1, |L|, |numeric|)`. The
//! inputs put every value entering PReLU at least 0.4 from its kink: each
//! feature takes the values -1.5, -0.5, 0.5 and 1.5 (shifted and scaled),
//! which BatchNormalization maps to about ±1.34 and ±0.45.

use mlp::__internal::{Phase, Workspace};
use mlp::activation::ActivationKind;
use mlp::loss::{Loss, SparseCategoricalCrossentropy, TargetRef};
use mlp::prelude::*;

network! {
    struct Net {
        Input[4]
            -> BatchNormalization<momentum = 0.9>
            -> PReLU<alpha_initializer = constant(0.25)>
            -> ELU<alpha = 0.5>
            -> Dense<5, tanh>
            -> Dropout<0.3>
            -> Dense<3, softmax>
    }
}

const H: f64 = 1.0 / 128.0;
const TOL: f64 = 3e-4;
const MODE: Phase = Phase::Training { seed: 7, step: 3 };

fn inputs() -> Vec<SVector<f32, 4>> {
    let base = [
        [-1.5, 0.5, 1.5, -0.5],
        [0.5, -1.5, -0.5, 1.5],
        [1.5, -0.5, 0.5, -1.5],
        [-0.5, 1.5, -1.5, 0.5],
    ];
    base.iter()
        .map(|row| SVector::from_fn(|j, _| 0.3 + (j as f32 + 1.0) * 0.7 * row[j]))
        .collect()
}

fn batch_loss(ws: &mut Workspace, params: &[f32], targets: &[usize]) -> f64 {
    let n = targets.len();
    ws.forward_mode(params, n, MODE);
    let (z, a, _) = ws.output_and_delta(n);
    let width = a.len() / n;
    let mut total = 0.0;
    for (i, t) in targets.iter().enumerate() {
        let r = i * width..(i + 1) * width;
        let l = SparseCategoricalCrossentropy.loss(
            ActivationKind::Softmax,
            &z[r.clone()],
            &a[r],
            TargetRef::Class(*t),
        );
        total += f64::from(l) / n as f64;
    }
    total
}

/// The analytic gradients of the batch loss of `N` at `params` on inputs
/// `x` and `targets`, each checked against the five-point stencil except
/// those of the parameters in `frozen` (not trainable: Keras gives them no
/// gradient, and the engine writes 0). Returns them.
fn checked_gradients<N: Network>(
    params: &[f32],
    x: &[N::Input],
    targets: &[usize],
    frozen: core::ops::Range<usize>,
) -> Vec<f32> {
    let n = x.len();
    let mut ws = Workspace::new::<N>(n);
    ws.load_inputs::<N>(x);

    ws.forward_mode(params, n, MODE);
    let (z, a, delta) = ws.output_and_delta(n);
    let width = a.len() / n;
    for (i, t) in targets.iter().enumerate() {
        let r = i * width..(i + 1) * width;
        SparseCategoricalCrossentropy.loss_and_delta(
            ActivationKind::Softmax,
            &z[r.clone()],
            &a[r.clone()],
            TargetRef::Class(*t),
            1.0 / n as f32,
            &mut delta[r],
        );
    }
    let mut grads = vec![0.0; N::PARAMS];
    assert!(ws.backward(params, n, &mut grads));

    let loss = batch_loss(&mut ws, params, targets);
    let mut worst = 0.0_f64;
    for p in (0..N::PARAMS).filter(|p| !frozen.contains(p)) {
        let mut at = |k: f64| {
            let mut q = params.to_vec();
            q[p] += (k * H) as f32;
            batch_loss(&mut ws, &q, targets)
        };
        let numeric = (at(-2.0) - 8.0 * at(-1.0) + 8.0 * at(1.0) - at(2.0)) / (12.0 * H);
        let analytic = f64::from(grads[p]);
        let scale = 1f64.max(loss.abs()).max(numeric.abs());
        let err = (analytic - numeric).abs();
        assert!(
            err <= TOL * scale,
            "parameter {p}: analytic {analytic} numeric {numeric}"
        );
        worst = worst.max(err / scale);
    }
    assert!(
        grads[frozen.clone()].iter().all(|&g| g == 0.0),
        "not trainable: {:?}",
        &grads[frozen]
    );
    println!(
        "worst normalised error {worst:.1e} over {} parameters",
        N::PARAMS
    );
    grads
}

#[test]
fn gradients_through_chapter_11_layers_match_finite_differences() {
    let model = Net::new(5);
    // The moving statistics (8..16) have no gradient: they do not enter a
    // training forward pass.
    let grads = checked_gradients::<Net>(model.params(), &inputs(), &[0, 2, 1, 2], 8..16);
    // BN's gamma and beta (8), PReLU's alphas (those with negative inputs),
    // and the Dense layers all have gradients.
    let nonzero = grads.iter().filter(|&&g| g != 0.0).count();
    assert!(nonzero > 40, "{nonzero} non-zero gradients");
}

network! {
    struct NormNet {
        Input[4] -> Dense<3, tanh> -> Normalization -> Dense<3, softmax>
    }
}

/// The gradient through Normalization (`delta / max(sqrt(variance),
/// 1e-7)`) reaches the Dense layer before it; its own weights (15..22)
/// have none.
#[test]
fn gradients_through_normalization_match_finite_differences() {
    let mut model = NormNet::new(5);
    let norm = NormNet::LAYERS[1].offset;
    let p = model.params_mut();
    p[norm..norm + 3].copy_from_slice(&[0.1, -0.2, 0.05]);
    p[norm + 3..norm + 6].copy_from_slice(&[0.25, 0.5, 2.0]);
    let grads = checked_gradients::<NormNet>(model.params(), &inputs(), &[0, 2, 1, 2], 15..22);
    assert_eq!(norm, 15);
    assert!(grads[..15].iter().all(|&g| g != 0.0), "{:?}", &grads[..15]);
}

#[test]
fn dropout_masks_depend_on_the_seed_and_step_only() {
    let x = inputs();
    let model = Net::new(5);
    let mut ws = Workspace::with_threads::<Net>(4, 1);
    ws.load_inputs::<Net>(&x);
    let first = ws.forward_mode(model.params(), 4, MODE).to_vec();
    let mut ws2 = Workspace::with_threads::<Net>(4, 2);
    ws2.load_inputs::<Net>(&x);
    assert_eq!(ws2.forward_mode(model.params(), 4, MODE), first.as_slice());
    let other = ws2
        .forward_mode(model.params(), 4, Phase::Training { seed: 7, step: 4 })
        .to_vec();
    assert_ne!(other, first, "another step draws other masks");
    // At inference, Dropout is the identity and BN uses the moving statistics:
    // the batch path gives what predict_one gives.
    let inference = ws2.forward(model.params(), 4).to_vec();
    for (i, sample) in x.iter().enumerate() {
        let one = model.predict_one(sample);
        for j in 0..3 {
            assert!((inference[i * 3 + j] - one[j]).abs() < 1e-6);
        }
    }
}
