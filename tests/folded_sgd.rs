//! Plain SGD folded into the backward pass (`Workspace::backward_sgd`) gives
//! the same weights, bit for bit, as the gradients followed by the step; it
//! writes nothing when a gradient is not finite, and folds nothing when it
//! cannot prove the step finite. `fit` uses it for `Sgd` without momentum or
//! clipping, and a whole fit comes out as with the step applied apart. All of
//! this on a chain, and on wired graphs: the Wide & Deep graph, a Dense layer
//! read by two heads beside another reading the same input, merges of inputs.

use mlp::__internal::{Backward, Phase, Workspace};
use mlp::loss::{MeanSquaredError, SparseCategoricalCrossentropy};
use mlp::metrics::Metric;
use mlp::optim::{Optimizer, Sgd, SgdStep};
use mlp::prelude::*;
use mlp::train::Fit;

mod common {
    pub mod graphs;
}
use common::graphs::{Merges, WideDeep};

network! {
    struct BookMlp {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}

const N: usize = 32;

fn images(n: usize, salt: usize) -> Vec<SMatrix<f32, 28, 28>> {
    (0..n)
        .map(|i| {
            SMatrix::<f32, 28, 28>::from_fn(|r, c| {
                ((i * 13 + r * 5 + c * 3 + salt) % 17) as f32 / 17.0
            })
        })
        .collect()
}

/// Sets the output delta of softmax cross-entropy after a forward pass of
/// `n` samples with `classes` outputs, sample `r` labelled `r % classes`.
fn set_cross_entropy_delta(ws: &mut Workspace, n: usize, classes: usize) {
    let (_, a, delta) = ws.output_and_delta(n);
    for (r, (d, a)) in delta
        .chunks_exact_mut(classes)
        .zip(a.chunks_exact(classes))
        .enumerate()
    {
        for (k, (d, a)) in d.iter_mut().zip(a).enumerate() {
            *d = (a - if k == r % classes { 1.0 } else { 0.0 }) / n as f32;
        }
    }
}

/// A workspace after the forward pass of one batch, with the output delta
/// of a cross-entropy loss set.
fn loaded(model: &BookMlp, threads: usize) -> Workspace {
    let mut ws = Workspace::with_threads::<BookMlp>(N, threads);
    ws.load_inputs::<BookMlp>(&images(N, 0));
    ws.forward(model.params(), N);
    set_cross_entropy_delta(&mut ws, N, 10);
    ws
}

#[test]
fn the_folded_step_equals_gradients_then_the_step() {
    let rate = 0.01;
    for threads in [1, 2] {
        let model = BookMlp::new(7);

        let mut apart = BookMlp::new(7);
        let mut ws = loaded(&apart, threads);
        let mut grads = vec![0.0; BookMlp::PARAMS];
        assert!(ws.backward(apart.params(), N, &mut grads));
        Sgd::new(rate).step(apart.params_mut(), &grads, &mut [], 0);

        let mut folded = BookMlp::new(7);
        let mut ws = loaded(&folded, threads);
        let mut grads = vec![0.0; BookMlp::PARAMS];
        let outcome = ws.backward_sgd(folded.params_mut(), N, &mut grads, SgdStep { rate });
        assert_eq!(outcome, Backward::Applied, "{threads} threads");

        assert!(
            folded.params() != model.params(),
            "the step changed nothing"
        );
        let differ = apart
            .params()
            .iter()
            .zip(folded.params())
            .filter(|(a, b)| a.to_bits() != b.to_bits())
            .count();
        assert_eq!(differ, 0, "{threads} threads: {differ} weights differ");
    }
}

network! {
    /// A first layer of 4 units over 20,000 inputs: big enough to be shared
    /// by the threads, too narrow for each to get units (the threads with
    /// none still step their share of the later layer).
    struct Narrow { Input[20000] -> Dense<4, relu> -> Dense<3, softmax> }
}

#[test]
fn a_thread_without_units_of_the_first_layer_still_steps_the_others() {
    let n = 8;
    let x: Vec<SVector<f32, 20000>> = (0..n)
        .map(|i| SVector::from_fn(|j, _| ((i * 7 + j * 3) % 13) as f32 / 13.0 - 0.5))
        .collect();
    let step = |fold: bool, threads: usize| {
        let mut model = Narrow::new(5);
        let mut ws = Workspace::with_threads::<Narrow>(n, threads);
        ws.load_inputs::<Narrow>(&x);
        ws.forward(model.params(), n);
        set_cross_entropy_delta(&mut ws, n, 3);
        let mut grads = vec![0.0; Narrow::PARAMS];
        if fold {
            let outcome = ws.backward_sgd(model.params_mut(), n, &mut grads, SgdStep { rate: 0.1 });
            assert_eq!(outcome, Backward::Applied);
        } else {
            assert!(ws.backward(model.params(), n, &mut grads));
            Sgd::new(0.1).step(model.params_mut(), &grads, &mut [], 0);
        }
        model.params().to_vec()
    };
    let apart = step(false, 1);
    assert!(apart != Narrow::new(5).params());
    for threads in [1, 2, 3] {
        assert!(step(true, threads) == apart, "{threads} threads");
    }
}

#[test]
fn a_gradient_that_is_not_finite_writes_nothing() {
    let model = BookMlp::new(7);
    for threads in [1, 2] {
        let mut after = BookMlp::new(7);
        let mut ws = loaded(&after, threads);
        ws.output_and_delta(N).2[17] = f32::NAN;
        let mut grads = vec![0.0; BookMlp::PARAMS];
        let outcome = ws.backward_sgd(after.params_mut(), N, &mut grads, SgdStep { rate: 0.01 });
        assert_eq!(outcome, Backward::NotFinite);
        assert!(after.params() == model.params(), "{threads} threads");
    }
}

#[test]
fn a_step_that_could_overflow_is_left_to_the_caller() {
    // Finite gradients, but a rate so large that the bound cannot prove
    // `w - rate * g` finite: the gradients are computed and nothing applied.
    let model = BookMlp::new(7);
    let mut after = BookMlp::new(7);
    let mut ws = loaded(&after, 2);
    let mut grads = vec![f32::NAN; BookMlp::PARAMS];
    let outcome = ws.backward_sgd(after.params_mut(), N, &mut grads, SgdStep { rate: 1e36 });
    assert_eq!(outcome, Backward::Computed);
    assert!(after.params() == model.params());
    assert!(grads.iter().all(|g| g.is_finite()));
    let mut reference = vec![0.0; BookMlp::PARAMS];
    let mut ws = loaded(&model, 2);
    assert!(ws.backward(model.params(), N, &mut reference));
    assert!(grads == reference, "the gradients are the plain pass's");
}

/// SGD as the trainer saw it before the fold: the same step, never folded.
#[derive(Debug)]
struct Unfolded(Sgd);

impl Optimizer for Unfolded {
    fn name(&self) -> &'static str {
        self.0.name()
    }
    fn slots(&self) -> usize {
        self.0.slots()
    }
    fn step(&self, params: &mut [f32], grads: &[f32], state: &mut [f32], iteration: u64) {
        self.0.step(params, grads, state, iteration)
    }
    fn learning_rate(&self, iteration: u64) -> f32 {
        self.0.learning_rate(iteration)
    }
}

#[test]
fn a_fit_with_the_folded_step_equals_one_without() {
    let x = images(300, 5);
    let y: Vec<u8> = (0..300).map(|i| ((i * 7) % 10) as u8).collect();
    let options = || Fit::epochs(2).batch_size(N).verbose(0).seed(3);

    let mut folded = BookMlp::new(11);
    let mut trainer = folded.compile(
        SparseCategoricalCrossentropy,
        Sgd::new(0.05),
        [Metric::Accuracy],
    );
    let h1 = trainer.fit(&x, &y, options()).expect("fit");

    let mut apart = BookMlp::new(11);
    let mut trainer = apart.compile(
        SparseCategoricalCrossentropy,
        Unfolded(Sgd::new(0.05)),
        [Metric::Accuracy],
    );
    let h2 = trainer.fit(&x, &y, options()).expect("fit");

    assert_eq!(h1.get("loss"), h2.get("loss"));
    assert!(folded.params() == apart.params());
    assert!(folded.params() != BookMlp::new(11).params());
}

network! {
    /// The book's model declared as a graph: its nodes form a straight line.
    struct StraightGraph {
        pixels = Input[784];
        hidden1 = Dense<300, relu>(pixels);
        hidden2 = Dense<100, relu>(hidden1);
        output class = Dense<10, softmax>(hidden2);
    }
}

network! {
    /// The same as a chain.
    struct FlatMlp {
        Input[784] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}

/// The fold is a property of the plan: a graph whose nodes form a straight
/// line runs on the chain's plan, folds plain SGD, and trains to the
/// chain's weights bit for bit.
#[test]
fn a_straight_graph_folds_sgd_as_a_chain_does() {
    let x: Vec<SVector<f32, 784>> = images(300, 9)
        .iter()
        .map(|m| SVector::from_iterator(m.transpose().iter().copied()))
        .collect();
    let y: Vec<u8> = (0..300).map(|i| ((i * 3) % 10) as u8).collect();

    let mut graph = StraightGraph::new(4);
    let mut ws = Workspace::with_threads::<StraightGraph>(N, 2);
    let idx: Vec<usize> = (0..N).collect();
    ws.load_batch(&[mlp::train::Rows::new(&x)], &idx, &[]);
    ws.forward(graph.params(), N);
    set_cross_entropy_delta(&mut ws, N, 10);
    let mut grads = vec![0.0; StraightGraph::PARAMS];
    let outcome = ws.backward_sgd(graph.params_mut(), N, &mut grads, SgdStep { rate: 0.05 });
    assert_eq!(outcome, Backward::Applied);

    let mut chain = FlatMlp::new(4);
    let mut graph = StraightGraph::new(4);
    graph.params_mut().copy_from_slice(chain.params());
    let options = || Fit::epochs(2).batch_size(N).verbose(0).seed(3);
    let h1 = chain
        .compile(SparseCategoricalCrossentropy, Sgd::new(0.05), [])
        .fit(&x, &y, options())
        .expect("fit");
    let h2 = graph
        .compile(SparseCategoricalCrossentropy, Sgd::new(0.05), [])
        .fit(
            x.as_slice(),
            y.as_slice(),
            Fit::epochs(2).batch_size(N).verbose(0).seed(3),
        )
        .expect("fit");
    assert_eq!(h1.get("loss"), h2.get("loss"));
    assert!(graph.params() == chain.params());
    assert!(chain.params() != FlatMlp::new(4).params());
}

network! {
    /// A Dense layer read by two heads (one of them through a
    /// `Concatenate`), beside another Dense layer reading the same input;
    /// wide enough for the threads to share the products.
    struct Heads {
        x = Input[784];
        shared = Dense<256, relu>(x);
        side = Dense<64, tanh>(x);
        joined = Concatenate(shared, side);
        output class = Dense<10, softmax>(shared);
        output score = Dense<1>(joined);
    }
}

network! {
    /// A graph with a layer other than Dense: its plan does not fold.
    struct WithDropout {
        x = Input[8];
        hidden = Dense<16, relu>(x);
        dropped = Dropout<0.25>(hidden);
        output y = Dense<1>(dropped);
    }
}

/// A workspace for graph `G` on `threads` threads after the forward pass of
/// `n` samples, each output's dL/dz that of a squared error towards fixed
/// targets.
fn graph_loaded<G: Model>(model: &G, n: usize, threads: usize) -> Workspace {
    let mut ws = Workspace::with_threads::<G>(n, threads);
    for port in 0..G::INPUTS.len() {
        ws.load_graph_input(port, n, &|r, row| {
            for (j, v) in row.iter_mut().enumerate() {
                *v = ((r * 7 + j * 3 + port) % 19) as f32 / 19.0 - 0.5;
            }
        })
        .unwrap();
    }
    ws.forward_model(model.params(), n, Phase::Training { seed: 1, step: 0 });
    for port in 0..G::OUTPUTS.len() {
        for r in 0..n {
            let row = ws.output_row(port, r);
            for (k, (d, a)) in row.delta.iter_mut().zip(row.a).enumerate() {
                *d = (a - ((r + k + port) % 3) as f32 * 0.5) / n as f32;
            }
        }
    }
    ws
}

/// One plain SGD step of `rate` on graph `G`, folded (`backward_sgd`) or
/// apart (`backward`, then `Sgd::step`): the weights after it, and what
/// `backward_sgd` did.
fn graph_step<G: Model>(fold: bool, threads: usize, rate: f32) -> (Vec<u32>, Option<Backward>) {
    let mut model = G::new(7);
    let mut ws = graph_loaded(&*model, N, threads);
    let mut grads = vec![0.0; G::PARAMS];
    let outcome = if fold {
        Some(ws.backward_sgd(model.params_mut(), N, &mut grads, SgdStep { rate }))
    } else {
        assert!(ws.backward(model.params(), N, &mut grads));
        Sgd::new(rate).step(model.params_mut(), &grads, &mut [], 0);
        None
    };
    (
        model.params().iter().map(|w| w.to_bits()).collect(),
        outcome,
    )
}

fn folds_as_apart<G: Model>(name: &str) {
    let before: Vec<u32> = G::new(7).params().iter().map(|w| w.to_bits()).collect();
    let (apart, _) = graph_step::<G>(false, 1, 0.05);
    assert!(apart != before, "{name}: the step changed nothing");
    for threads in [1, 2, 3] {
        let (folded, outcome) = graph_step::<G>(true, threads, 0.05);
        assert_eq!(
            outcome,
            Some(Backward::Applied),
            "{name}, {threads} threads"
        );
        let differ = apart.iter().zip(&folded).filter(|(a, b)| a != b).count();
        assert_eq!(
            differ, 0,
            "{name}, {threads} threads: {differ} weights differ"
        );
    }
}

/// A wired graph folds plain SGD into its first declared Dense layer, whose
/// phase runs last, and steps every other layer in that phase: the weights
/// are those of the gradients followed by the step, bit for bit, on 1, 2
/// and 3 threads.
#[test]
fn a_wired_graph_folds_sgd_bit_for_bit() {
    folds_as_apart::<WideDeep>("Wide & Deep");
    folds_as_apart::<Heads>("a Dense layer read by two heads");
    folds_as_apart::<Merges>("a Dense layer reading merges of inputs");
}

#[test]
fn a_graphs_gradient_that_is_not_finite_writes_nothing() {
    for threads in [1, 2] {
        let before = Heads::new(7);
        let mut after = Heads::new(7);
        let mut ws = graph_loaded(&*after, N, threads);
        // The head the fold node's phase does not read directly.
        ws.output_row(1, 5).delta[0] = f32::NAN;
        let mut grads = vec![0.0; Heads::PARAMS];
        let outcome = ws.backward_sgd(after.params_mut(), N, &mut grads, SgdStep { rate: 0.01 });
        assert_eq!(outcome, Backward::NotFinite, "{threads} threads");
        assert!(after.params() == before.params(), "{threads} threads");
    }
}

#[test]
fn a_graphs_step_that_could_overflow_or_a_plan_that_cannot_fold_is_left_to_the_caller() {
    let before = WideDeep::new(7);
    let mut after = WideDeep::new(7);
    let mut ws = graph_loaded(&*after, N, 2);
    let mut grads = vec![f32::NAN; WideDeep::PARAMS];
    let outcome = ws.backward_sgd(after.params_mut(), N, &mut grads, SgdStep { rate: 1e36 });
    assert_eq!(outcome, Backward::Computed);
    assert!(after.params() == before.params());
    let mut reference = vec![0.0; WideDeep::PARAMS];
    let mut ws = graph_loaded(&*before, N, 2);
    assert!(ws.backward(before.params(), N, &mut reference));
    assert!(grads == reference, "the gradients are the plain pass's");

    // A Dropout layer: the step is never folded.
    let before = WithDropout::new(7);
    let mut after = WithDropout::new(7);
    let mut ws = graph_loaded(&*after, N, 1);
    let mut grads = vec![0.0; WithDropout::PARAMS];
    let outcome = ws.backward_sgd(after.params_mut(), N, &mut grads, SgdStep { rate: 0.01 });
    assert_eq!(outcome, Backward::Computed);
    assert!(after.params() == before.params());
}

/// The Wide & Deep graph trained with `Sgd` (folded) and with the same step
/// applied apart: the same losses and weights, bit for bit, on 1 and 2
/// threads.
#[test]
fn a_graphs_fit_with_the_folded_step_equals_one_without() {
    let n = 200;
    let wide: Vec<SVector<f32, 5>> = (0..n)
        .map(|i| SVector::from_fn(|j, _| ((i * 5 + j * 3) % 13) as f32 / 13.0 - 0.5))
        .collect();
    let deep: Vec<SVector<f32, 6>> = (0..n)
        .map(|i| SVector::from_fn(|j, _| ((i * 7 + j * 11) % 17) as f32 / 17.0 - 0.5))
        .collect();
    let main: Vec<f32> = wide
        .iter()
        .zip(&deep)
        .map(|(w, d)| w[0] - 2.0 * d[1] + w[2] * d[3])
        .collect();
    let aux: Vec<f32> = deep.iter().map(|d| d[0] + d[5]).collect();
    let options = |threads| {
        Fit::epochs(2)
            .batch_size(N)
            .verbose(0)
            .seed(3)
            .threads(threads)
    };
    let losses = (MeanSquaredError, MeanSquaredError);
    for threads in [1, 2] {
        let mut folded = WideDeep::new(11);
        let h1 = folded
            .compile(losses, Sgd::new(0.05), [])
            .loss_weights([0.9, 0.1])
            .fit((&wide, &deep), (&main, &aux), options(threads))
            .expect("fit");
        let mut apart = WideDeep::new(11);
        let h2 = apart
            .compile(losses, Unfolded(Sgd::new(0.05)), [])
            .loss_weights([0.9, 0.1])
            .fit((&wide, &deep), (&main, &aux), options(threads))
            .expect("fit");
        assert_eq!(h1.get("loss"), h2.get("loss"), "{threads} threads");
        assert!(folded.params() == apart.params(), "{threads} threads");
        assert!(folded.params() != WideDeep::new(11).params());
    }
}
