//! Finite-difference checks of the gradients the trainer relies on:
//!
//! 1. every loss's `delta = scale * dL/dz`, for every output activation it
//!    is meant for (and, for regression losses, every activation), against
//!    numeric derivatives of `Loss::loss` with respect to `z`;
//! 2. whole small networks (`Input[3] -> Dense<4, act> -> Dense<3, act> ->
//!    head`) through the engine's `Workspace` (`forward`, `output_and_delta`,
//!    `backward`), for every hidden activation, against numeric derivatives
//!    of the weighted mean loss with respect to every parameter.
//!
//! # Numerics
//!
//! Everything runs in f32, as training does. The numeric derivative is the
//! five-point central difference
//! `f'(x) ~ (f(x - 2h) - 8 f(x - h) + 8 f(x + h) - f(x + 2h)) / 12h`
//! with `h = 2^-7 ~ 0.0078`:
//! - a power of two, so `x + k h` is exact in f32 for the values used here;
//! - truncation error `h^4 / 30 * f^(5)`, about 1e-10 for the derivatives
//!   met here: negligible;
//! - rounding error: each f32 loss is off by a few ulps, `~1e-7 * |L|`; the
//!   stencil weights sum to 18/12 and divide by `h`, so the noise is
//!   `~1.5 * 1e-7 * |L| / h ~ 2e-5 * |L|`, and up to 10x that when the loss
//!   sums many rounded terms.
//!
//! Hence the tolerance: `|analytic - numeric| <= 3e-4 * max(1, |L|, |numeric|)`.
//! The noise is proportional to the loss, not to the gradient, so the scale
//! has the loss in it, and its floor of 1 keeps tiny gradients from failing
//! on noise alone. 3e-4 sits just above the pessimistic noise bound (10 ulps
//! per loss: 2.3e-4) and six times above the worst error measured (5e-5 of
//! the scale, printed by `cargo test --test gradients -- --nocapture`); it
//! still catches a gradient off by 0.1% (tried: a factor 0.999 in binary
//! cross-entropy's derivative fails the test), let alone a wrong sign,
//! factor or missing term.
//!
//! Points are chosen away from kinks (relu-like at 0, relu6 at 0 and 6,
//! hard_sigmoid and hard_silu at +-3, hard_tanh and the sparse ones at +-1,
//! the shrinks at +-0.5, sparsemax where a value meets its row's
//! threshold), from the clipping thresholds of the
//! cross-entropies (outputs within `[1e-3, 1 - 1e-3]`), from MAE's kink at
//! `a = y` and from Huber's at `|a - y| = delta`: there the derivative does
//! not exist and a difference quotient straddling the kink says nothing.

use mlp::__internal::Workspace;
use mlp::activation::{ALL, ActivationKind};
use mlp::loss::{
    BinaryCrossentropy, CategoricalCrossentropy, Huber, Loss, MeanAbsoluteError, MeanSquaredError,
    SparseCategoricalCrossentropy, TargetRef,
};
use mlp::prelude::*;

/// `h` of the five-point stencil (see the module docs).
const H: f64 = 1.0 / 128.0;
/// Tolerance relative to `max(1, |L|, |numeric|)` (see the module docs).
const TOL: f64 = 3e-4;

/// Five-point central difference of `f` at `x`.
fn derivative(mut f: impl FnMut(f32) -> f64, x: f32) -> f64 {
    let h = H as f32;
    let mut at = |k: f32| f(x + k * h);
    (at(-2.0) - 8.0 * at(-1.0) + 8.0 * at(1.0) - at(2.0)) / (12.0 * H)
}

/// The worst error seen, for the report: `normalised` is the error over the
/// scale the tolerance uses, `max(1, |L|, |numeric|)`.
#[derive(Debug, Default)]
struct Worst {
    normalised: f64,
    absolute: f64,
    at: String,
}

impl Worst {
    /// Records one comparison and fails it if it is out of tolerance.
    fn check(&mut self, analytic: f64, numeric: f64, loss: f64, at: impl Fn() -> String) {
        let err = (analytic - numeric).abs();
        let scale = 1f64.max(loss.abs()).max(numeric.abs());
        assert!(
            err <= TOL * scale,
            "{}: analytic {analytic} numeric {numeric} (error {err:e}, allowed {:e})",
            at(),
            TOL * scale
        );
        if err / scale > self.normalised {
            self.normalised = err / scale;
            self.at = at();
        }
        self.absolute = self.absolute.max(err);
    }
}

fn forward(kind: ActivationKind, z: &[f32]) -> Vec<f32> {
    let mut a = z.to_vec();
    kind.forward(&mut a);
    a
}

/// Checks `loss_and_delta` of one sample against numeric derivatives of
/// `loss` with respect to each `z`.
fn check_loss<L: Loss>(
    loss: L,
    kind: ActivationKind,
    z: &[f32],
    target: TargetRef<'_>,
    worst: &mut Worst,
) {
    let a = forward(kind, z);
    // A scale other than 1, as the trainer passes sample_weight / batch_size.
    let scale = 0.37_f32;
    let mut delta = vec![0.0; z.len()];
    let value = loss.loss_and_delta(kind, z, &a, target, scale, &mut delta);
    let plain = loss.loss(kind, z, &a, target);
    assert!(
        (value - plain).abs() <= 1e-6 * plain.abs().max(1.0),
        "{} with {kind}: loss_and_delta returns {value}, loss {plain}",
        L::NAME
    );
    for i in 0..z.len() {
        let numeric = derivative(
            |zi| {
                let mut z = z.to_vec();
                z[i] = zi;
                let a = forward(kind, &z);
                loss.loss(kind, &z, &a, target) as f64
            },
            z[i],
        );
        let analytic = delta[i] as f64 / scale as f64;
        worst.check(analytic, numeric, value as f64, || {
            format!(
                "{} with {kind}, target {target:?}, z = {z:?}: dL/dz[{i}]",
                L::NAME
            )
        });
    }
}

/// Pre-activations away from every kink of every activation (0, +-3, 6),
/// so that the five-point stencil (+-2h = +-0.016) never straddles one.
const ZS: [[f32; 3]; 3] = [[-1.3, 0.4, 2.1], [0.7, -0.45, 1.6], [-2.2, 1.1, 0.25]];

#[test]
fn losses_match_finite_differences() {
    let mut report = Vec::new();

    // Cross-entropies, with the output activations that keep outputs in
    // (0, 1) (or positive, for categorical's normalisation).
    let mut worst = Worst::default();
    for kind in [
        ActivationKind::Softmax,
        ActivationKind::Sigmoid,
        ActivationKind::HardSigmoid,
    ] {
        for z in &ZS {
            for class in 0..3 {
                check_loss(
                    SparseCategoricalCrossentropy,
                    kind,
                    z,
                    TargetRef::Class(class),
                    &mut worst,
                );
            }
        }
    }
    report.push(("sparse_categorical_crossentropy", worst));

    let mut worst = Worst::default();
    let targets: [&[f32]; 3] = [&[0.0, 0.0, 1.0], &[0.2, 0.5, 0.3], &[0.3, 0.6, 0.3]];
    for kind in [
        ActivationKind::Softmax,
        ActivationKind::Sigmoid,
        ActivationKind::HardSigmoid,
        ActivationKind::Softplus,
        ActivationKind::Exponential,
    ] {
        for z in &ZS {
            for y in targets {
                check_loss(
                    CategoricalCrossentropy,
                    kind,
                    z,
                    TargetRef::Values(y),
                    &mut worst,
                );
            }
        }
    }
    report.push(("categorical_crossentropy", worst));

    let mut worst = Worst::default();
    let targets: [&[f32]; 2] = [&[0.0, 1.0, 0.3], &[1.0, 1.0, 0.0]];
    for kind in [
        ActivationKind::Sigmoid,
        ActivationKind::Softmax,
        ActivationKind::HardSigmoid,
    ] {
        for z in &ZS {
            for y in targets {
                check_loss(
                    BinaryCrossentropy,
                    kind,
                    z,
                    TargetRef::Values(y),
                    &mut worst,
                );
            }
        }
    }
    report.push(("binary_crossentropy", worst));

    // Regression losses, with every activation. Targets sit at fixed offsets
    // from the outputs: errors of 0.3 to 2.5, none within 0.25 of MAE's kink
    // at 0 or Huber's at +-1 (a moves by at most 2h * max|da/dz| ~ 0.13).
    let offsets = [[0.4_f32, -1.7, 2.5], [-0.3, 0.6, -1.4]];
    fn regression<L: Loss>(loss: L, offsets: &[[f32; 3]; 2]) -> Worst {
        let mut worst = Worst::default();
        for &kind in ALL {
            for z in &ZS {
                let a = forward(kind, z);
                for off in offsets {
                    let y: Vec<f32> = a.iter().zip(off).map(|(a, o)| a + o).collect();
                    check_loss(loss, kind, z, TargetRef::Values(&y), &mut worst);
                }
            }
        }
        worst
    }
    report.push(("mean_squared_error", regression(MeanSquaredError, &offsets)));
    report.push((
        "mean_absolute_error",
        regression(MeanAbsoluteError, &offsets),
    ));
    report.push(("huber_loss", regression(Huber::default(), &offsets)));
    report.push((
        "huber_loss (delta 2)",
        regression(Huber::new(2.0), &offsets),
    ));

    for (name, worst) in &report {
        println!(
            "{name:32} worst error {:.1e} of max(1, |L|, |dL/dz|) (absolute {:.1e}) at {}",
            worst.normalised, worst.absolute, worst.at
        );
    }
}

/// The cross-entropies' options (Keras's `from_logits`, `label_smoothing`)
/// against finite differences, with logits from linear and curved outputs.
#[test]
fn loss_options_match_finite_differences() {
    let logit_kinds = [
        ActivationKind::Linear,
        ActivationKind::Tanh,
        ActivationKind::Softmax,
    ];
    let mut worst = Worst::default();
    for kind in logit_kinds {
        for z in &ZS {
            for class in 0..3 {
                let loss = SparseCategoricalCrossentropy.from_logits(true);
                check_loss(loss, kind, z, TargetRef::Class(class), &mut worst);
            }
        }
    }
    println!("sparse, from_logits: worst {:.1e}", worst.normalised);

    let mut worst = Worst::default();
    let targets: [&[f32]; 2] = [&[0.0, 0.0, 1.0], &[0.2, 0.5, 0.3]];
    for y in targets {
        for z in &ZS {
            for kind in logit_kinds {
                for loss in [
                    CategoricalCrossentropy.from_logits(true),
                    CategoricalCrossentropy
                        .from_logits(true)
                        .label_smoothing(0.2),
                ] {
                    check_loss(loss, kind, z, TargetRef::Values(y), &mut worst);
                }
            }
            for kind in [
                ActivationKind::Softmax,
                ActivationKind::Sigmoid,
                ActivationKind::Softplus,
            ] {
                let loss = CategoricalCrossentropy.label_smoothing(0.1);
                check_loss(loss, kind, z, TargetRef::Values(y), &mut worst);
            }
        }
    }
    println!("categorical, options: worst {:.1e}", worst.normalised);

    let mut worst = Worst::default();
    let targets: [&[f32]; 2] = [&[0.0, 1.0, 0.3], &[1.0, 1.0, 0.0]];
    for y in targets {
        for z in &ZS {
            for kind in [ActivationKind::Linear, ActivationKind::Tanh] {
                for loss in [
                    BinaryCrossentropy.from_logits(true),
                    BinaryCrossentropy.from_logits(true).label_smoothing(0.3),
                ] {
                    check_loss(loss, kind, z, TargetRef::Values(y), &mut worst);
                }
            }
            for kind in [ActivationKind::Sigmoid, ActivationKind::HardSigmoid] {
                let loss = BinaryCrossentropy.label_smoothing(0.2);
                check_loss(loss, kind, z, TargetRef::Values(y), &mut worst);
            }
        }
    }
    println!("binary, options: worst {:.1e}", worst.normalised);
}

/// Kinks of an activation: where its derivative jumps (or its second
/// derivative, for elu, which the five-point stencil also needs smooth).
fn kinks(kind: ActivationKind) -> &'static [f64] {
    match kind {
        ActivationKind::Relu
        | ActivationKind::LeakyRelu
        | ActivationKind::Elu
        | ActivationKind::Celu
        | ActivationKind::Selu => &[0.0],
        ActivationKind::Relu6 => &[0.0, 6.0],
        ActivationKind::HardSigmoid | ActivationKind::HardSilu => &[-3.0, 3.0],
        ActivationKind::HardTanh | ActivationKind::SparsePlus | ActivationKind::SparseSigmoid => {
            &[-1.0, 1.0]
        }
        ActivationKind::SoftShrink | ActivationKind::HardShrink => &[-0.5, 0.5],
        // Relative to the row's threshold (see `pre_activations`).
        ActivationKind::Sparsemax => &[0.0],
        _ => &[],
    }
}

/// The threshold of sparsemax over `z`: the outputs are `max(z - tau, 0)`.
fn sparsemax_tau(z: &[f64]) -> f64 {
    let mut sorted = z.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    let (mut sum, mut tau) = (0.0, 0.0);
    for (k, v) in sorted.iter().enumerate() {
        sum += v;
        if 1.0 + (k + 1) as f64 * v > sum {
            tau = (sum - 1.0) / (k + 1) as f64;
        }
    }
    tau
}

/// The pre-activations of every Dense layer for every sample, in f64 from
/// the flat parameters (to keep the check's points away from kinks).
fn pre_activations(ws: &Workspace, params: &[f32], x: &[Vec<f32>]) -> Vec<(ActivationKind, f64)> {
    let mut out = Vec::new();
    for sample in x {
        let mut input: Vec<f64> = sample.iter().map(|v| *v as f64).collect();
        for layer in ws.layers() {
            let mut z = vec![0.0; layer.units];
            for (j, z) in z.iter_mut().enumerate() {
                let bias = params[layer.offset + layer.inputs * layer.units + j] as f64;
                *z = bias
                    + (0..layer.inputs)
                        .map(|i| input[i] * params[layer.offset + j * layer.inputs + i] as f64)
                        .sum::<f64>();
            }
            // Sparsemax's kinks are where a value meets the row's threshold
            // tau: its distance to them is `z - tau` (see `kinks`).
            let tau = if layer.activation == ActivationKind::Sparsemax {
                sparsemax_tau(&z)
            } else {
                0.0
            };
            out.extend(z.iter().map(|z| (layer.activation, *z - tau)));
            let mut a: Vec<f32> = z.iter().map(|z| *z as f32).collect();
            layer.activation.forward(&mut a);
            input = a.iter().map(|v| *v as f64).collect();
        }
    }
    out
}

/// The weighted mean loss of a batch: what `fit` minimises.
fn batch_loss<L: Loss>(
    ws: &mut Workspace,
    params: &[f32],
    loss: L,
    targets: &[TargetRef<'_>],
    weights: &[f32],
) -> f64 {
    let n = targets.len();
    let kind = ws.layers().last().unwrap().activation;
    ws.forward(params, n);
    let (z, a, _) = ws.output_and_delta(n);
    let width = a.len() / n;
    let mut total = 0.0_f64;
    for (i, (t, w)) in targets.iter().zip(weights).enumerate() {
        let rows = i * width..(i + 1) * width;
        total += (w / n as f32) as f64 * loss.loss(kind, &z[rows.clone()], &a[rows], *t) as f64;
    }
    total
}

/// Checks the parameter gradient of network `N` under `loss` against
/// numeric derivatives; returns the worst error.
fn check_network<N: Network<Input = SVector<f32, 3>>, L: Loss>(
    loss: L,
    targets: &[TargetRef<'_>],
) -> Worst {
    let x = [
        SVector::<f32, 3>::new(0.5, -0.8, 0.3),
        SVector::<f32, 3>::new(-0.9, 0.2, 0.7),
        SVector::<f32, 3>::new(0.1, 0.6, -0.4),
        SVector::<f32, 3>::new(1.0, -0.3, -1.0),
    ];
    let weights = [1.0_f32, 0.5, 2.0, 1.5];
    let n = x.len();
    let mut ws = Workspace::new::<N>(n);
    ws.load_inputs::<N>(&x);
    let rows: Vec<Vec<f32>> = x.iter().map(|v| v.as_slice().to_vec()).collect();
    // The first seed whose pre-activations all keep 0.1 from their layer's
    // kinks: parameters move by at most 2h = 0.016 and inputs are within
    // +-1, so no pre-activation crosses a kink during the check.
    let model = (0..1000)
        .map(N::new)
        .find(|m| {
            pre_activations(&ws, m.params(), &rows)
                .iter()
                .all(|(kind, z)| kinks(*kind).iter().all(|k| (z - k).abs() > 0.1))
        })
        .expect("a seed whose pre-activations avoid the kinks");
    let params = model.params().to_vec();

    // The analytic gradient, as the trainer computes it.
    let kind = ws.layers().last().unwrap().activation;
    ws.forward(&params, n);
    let (z, a, delta) = ws.output_and_delta(n);
    let width = a.len() / n;
    let mut value = 0.0;
    for (i, (t, w)) in targets.iter().zip(weights).enumerate() {
        let r = i * width..(i + 1) * width;
        let scale = w / n as f32;
        value += scale
            * loss.loss_and_delta(kind, &z[r.clone()], &a[r.clone()], *t, scale, &mut delta[r]);
    }
    let mut grads = vec![0.0; N::PARAMS];
    ws.backward(&params, n, &mut grads);

    let mut worst = Worst::default();
    for p in 0..N::PARAMS {
        let numeric = derivative(
            |v| {
                let mut q = params.clone();
                q[p] = v;
                batch_loss(&mut ws, &q, loss, targets, &weights)
            },
            params[p],
        );
        worst.check(grads[p] as f64, numeric, value as f64, || {
            format!("{} ({}), parameter {p}", N::NAME, L::NAME)
        });
    }
    worst
}

/// One network per hidden activation, each in its own module.
macro_rules! networks {
    ($($module:ident: $hidden:ident -> $head:ident<$outputs:literal>;)*) => {$(
        mod $module {
            mlp::network! {
                pub struct Net {
                    Input[3] -> Dense<4, $hidden> -> Dense<3, $hidden> -> Dense<$outputs, $head>
                }
            }
        }
    )*};
}

networks! {
    h_linear: linear -> softmax<2>;
    h_relu: relu -> softmax<2>;
    h_sigmoid: sigmoid -> softmax<2>;
    h_softmax: softmax -> softmax<2>;
    h_tanh: tanh -> softmax<2>;
    h_elu: elu -> softmax<2>;
    h_selu: selu -> softmax<2>;
    h_leaky_relu: leaky_relu -> softmax<2>;
    h_softplus: softplus -> softmax<2>;
    h_swish: swish -> softmax<2>;
    h_exponential: exponential -> softmax<2>;
    h_softsign: softsign -> softmax<2>;
    h_relu6: relu6 -> softmax<2>;
    h_hard_sigmoid: hard_sigmoid -> softmax<2>;
    h_gelu: gelu -> softmax<2>;
    h_mish: mish -> softmax<2>;
    h_hard_silu: hard_silu -> softmax<2>;
    h_log_sigmoid: log_sigmoid -> softmax<2>;
    h_celu: celu -> softmax<2>;
    h_hard_tanh: hard_tanh -> softmax<2>;
    h_sparse_plus: sparse_plus -> softmax<2>;
    h_sparse_sigmoid: sparse_sigmoid -> softmax<2>;
    h_squareplus: squareplus -> softmax<2>;
    h_soft_shrink: soft_shrink -> softmax<2>;
    h_hard_shrink: hard_shrink -> softmax<2>;
    h_tanh_shrink: tanh_shrink -> softmax<2>;
    h_log_softmax: log_softmax -> softmax<2>;
    h_sparsemax: sparsemax -> softmax<2>;
    h_gelu_approximate: gelu_approximate -> softmax<2>;
    head_categorical: tanh -> softmax<3>;
    head_binary: relu -> sigmoid<2>;
    head_mse: elu -> linear<2>;
    head_huber: swish -> linear<2>;
}

#[test]
fn networks_match_finite_differences() {
    let classes = [0, 1, 1, 0].map(TargetRef::Class);
    let mut report: Vec<(&str, Worst)> = vec![
        (
            "linear",
            check_network::<h_linear::Net, _>(SparseCategoricalCrossentropy, &classes),
        ),
        (
            "relu",
            check_network::<h_relu::Net, _>(SparseCategoricalCrossentropy, &classes),
        ),
        (
            "sigmoid",
            check_network::<h_sigmoid::Net, _>(SparseCategoricalCrossentropy, &classes),
        ),
        (
            "softmax",
            check_network::<h_softmax::Net, _>(SparseCategoricalCrossentropy, &classes),
        ),
        (
            "tanh",
            check_network::<h_tanh::Net, _>(SparseCategoricalCrossentropy, &classes),
        ),
        (
            "elu",
            check_network::<h_elu::Net, _>(SparseCategoricalCrossentropy, &classes),
        ),
        (
            "selu",
            check_network::<h_selu::Net, _>(SparseCategoricalCrossentropy, &classes),
        ),
        (
            "leaky_relu",
            check_network::<h_leaky_relu::Net, _>(SparseCategoricalCrossentropy, &classes),
        ),
        (
            "softplus",
            check_network::<h_softplus::Net, _>(SparseCategoricalCrossentropy, &classes),
        ),
        (
            "swish",
            check_network::<h_swish::Net, _>(SparseCategoricalCrossentropy, &classes),
        ),
        (
            "exponential",
            check_network::<h_exponential::Net, _>(SparseCategoricalCrossentropy, &classes),
        ),
        (
            "softsign",
            check_network::<h_softsign::Net, _>(SparseCategoricalCrossentropy, &classes),
        ),
        (
            "relu6",
            check_network::<h_relu6::Net, _>(SparseCategoricalCrossentropy, &classes),
        ),
        (
            "hard_sigmoid",
            check_network::<h_hard_sigmoid::Net, _>(SparseCategoricalCrossentropy, &classes),
        ),
        (
            "gelu",
            check_network::<h_gelu::Net, _>(SparseCategoricalCrossentropy, &classes),
        ),
        (
            "mish",
            check_network::<h_mish::Net, _>(SparseCategoricalCrossentropy, &classes),
        ),
        (
            "hard_silu",
            check_network::<h_hard_silu::Net, _>(SparseCategoricalCrossentropy, &classes),
        ),
        (
            "log_sigmoid",
            check_network::<h_log_sigmoid::Net, _>(SparseCategoricalCrossentropy, &classes),
        ),
        (
            "celu",
            check_network::<h_celu::Net, _>(SparseCategoricalCrossentropy, &classes),
        ),
        (
            "hard_tanh",
            check_network::<h_hard_tanh::Net, _>(SparseCategoricalCrossentropy, &classes),
        ),
        (
            "sparse_plus",
            check_network::<h_sparse_plus::Net, _>(SparseCategoricalCrossentropy, &classes),
        ),
        (
            "sparse_sigmoid",
            check_network::<h_sparse_sigmoid::Net, _>(SparseCategoricalCrossentropy, &classes),
        ),
        (
            "squareplus",
            check_network::<h_squareplus::Net, _>(SparseCategoricalCrossentropy, &classes),
        ),
        (
            "soft_shrink",
            check_network::<h_soft_shrink::Net, _>(SparseCategoricalCrossentropy, &classes),
        ),
        (
            "hard_shrink",
            check_network::<h_hard_shrink::Net, _>(SparseCategoricalCrossentropy, &classes),
        ),
        (
            "tanh_shrink",
            check_network::<h_tanh_shrink::Net, _>(SparseCategoricalCrossentropy, &classes),
        ),
        (
            "log_softmax",
            check_network::<h_log_softmax::Net, _>(SparseCategoricalCrossentropy, &classes),
        ),
        (
            "sparsemax",
            check_network::<h_sparsemax::Net, _>(SparseCategoricalCrossentropy, &classes),
        ),
        (
            "gelu_approximate",
            check_network::<h_gelu_approximate::Net, _>(SparseCategoricalCrossentropy, &classes),
        ),
    ];
    // Every activation of the table above is covered.
    assert_eq!(report.len(), ALL.len());

    let one_hot: [&[f32]; 4] = [
        &[1.0, 0.0, 0.0],
        &[0.0, 0.0, 1.0],
        &[0.0, 1.0, 0.0],
        &[0.2, 0.3, 0.5],
    ];
    report.push((
        "tanh / softmax, categorical",
        check_network::<head_categorical::Net, _>(
            CategoricalCrossentropy,
            &one_hot.map(TargetRef::Values),
        ),
    ));
    let binary: [&[f32]; 4] = [&[1.0, 0.0], &[0.0, 0.0], &[1.0, 1.0], &[0.0, 1.0]];
    report.push((
        "relu / sigmoid, binary",
        check_network::<head_binary::Net, _>(BinaryCrossentropy, &binary.map(TargetRef::Values)),
    ));
    let near: [&[f32]; 4] = [&[0.3, -0.2], &[-0.5, 0.2], &[0.2, 0.5], &[-0.3, -0.2]];
    report.push((
        "elu / linear, mse",
        check_network::<head_mse::Net, _>(MeanSquaredError, &near.map(TargetRef::Values)),
    ));
    // Huber's targets far from any output this small network gives (|a| < 5
    // for inputs within +-1), so that every error stays on the linear side,
    // away from the kink at |a - y| = 1; the quadratic side is checked above.
    let far: [&[f32]; 4] = [
        &[10.0, -10.0],
        &[-10.0, 10.0],
        &[10.0, 10.0],
        &[-10.0, -10.0],
    ];
    report.push((
        "swish / linear, huber",
        check_network::<head_huber::Net, _>(Huber::default(), &far.map(TargetRef::Values)),
    ));

    for (name, worst) in &report {
        println!(
            "hidden {name:28} worst error {:.1e} of max(1, |L|, |dL/dw|) (absolute {:.1e}) at {}",
            worst.normalised, worst.absolute, worst.at
        );
    }
}
