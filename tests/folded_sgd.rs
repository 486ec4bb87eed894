//! Plain SGD folded into the backward pass (`Workspace::backward_sgd`) gives
//! the same weights, bit for bit, as the gradients followed by the step; it
//! writes nothing when a gradient is not finite, and folds nothing when it
//! cannot prove the step finite. `fit` uses it for `Sgd` without momentum or
//! clipping, and a whole fit comes out as with the step applied apart.

use mlp::__internal::{Backward, Workspace};
use mlp::loss::SparseCategoricalCrossentropy;
use mlp::metrics::Metric;
use mlp::optim::{Optimizer, Sgd, SgdStep};
use mlp::prelude::*;
use mlp::train::Fit;

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
    let mut ws = Workspace::for_model::<StraightGraph>(N, 2);
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
