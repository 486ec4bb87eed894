//! The steady state of training allocates nothing: a counting global
//! allocator counts every allocation, on any thread (the trainer's and the
//! pool's), made during the whole second epoch (from the first batch's start
//! to the last batch's end: gathering, forward, loss, backward, optimizer
//! step, metrics, logs, callbacks, progress), once for a small network on
//! one thread (SGD with momentum: an update apart, on optimizer state) and
//! once for the book's model with its products shared by two threads (plain
//! SGD, folded into the backward pass), and once for chapter 11's layers
//! (BatchNormalization, Dropout, PReLU, LeakyReLU, an l2 penalty and a
//! max_norm constraint) on two threads; and for a graph (Keras's Functional
//! API: two inputs, a `Concatenate`, BatchNormalization, two outputs with
//! loss weights), steps of the engine's batch path on two threads: inputs
//! loaded, forward, each output's loss, backward, Adam's update.

use mlp::loss::SparseCategoricalCrossentropy;
use mlp::metrics::Metric;
use mlp::optim::Sgd;
use mlp::prelude::*;
use mlp::train::{Callback, CallbackContext, Logs};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Counts allocations on every thread while `COUNTING` is on.
struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static COUNT: AtomicUsize = AtomicUsize::new(0);

fn count() {
    if COUNTING.load(Ordering::Relaxed) {
        COUNT.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: forwards to the system allocator; counting touches two atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

network! {
    struct Net { Input[20] -> Dense<32, relu> -> Dense<16, tanh> -> Dense<4, softmax> }
}

/// Measures the allocations of epoch `epoch`, from its first batch's start
/// to its last batch's end. Allocates nothing itself.
struct Window {
    epoch: usize,
    current: usize,
    steps: usize,
    batches: usize,
    result: Option<usize>,
}

impl Window {
    fn new(steps: usize) -> Self {
        Self {
            epoch: 1,
            current: 0,
            steps,
            batches: 0,
            result: None,
        }
    }
}

impl<N: Network> Callback<N> for Window {
    fn on_epoch_begin(&mut self, _: &mut CallbackContext<'_, N>, epoch: usize) -> mlp::Result<()> {
        self.current = epoch;
        Ok(())
    }

    fn on_batch_begin(&mut self, _: &mut CallbackContext<'_, N>, batch: usize) -> mlp::Result<()> {
        if self.current == self.epoch && batch == 0 {
            COUNT.store(0, Ordering::SeqCst);
            COUNTING.store(true, Ordering::SeqCst);
        }
        Ok(())
    }

    fn on_batch_end(
        &mut self,
        _: &mut CallbackContext<'_, N>,
        batch: usize,
        logs: &Logs,
    ) -> mlp::Result<()> {
        if self.current == self.epoch {
            self.batches += 1;
            assert!(logs["loss"].is_finite());
            if batch + 1 == self.steps {
                COUNTING.store(false, Ordering::SeqCst);
                self.result = Some(COUNT.load(Ordering::SeqCst));
            }
        }
        Ok(())
    }
}

network! {
    struct BookMlp {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}

network! {
    struct RegularizedMlp {
        Flatten[28, 28]
            -> BatchNormalization
            -> Dense<300, elu, kernel_initializer = he_normal, kernel_regularizer = l2(0.01), kernel_constraint = max_norm(3.0)>
            -> Dropout<0.2>
            -> PReLU
            -> Dense<100, elu, kernel_initializer = he_normal>
            -> LeakyReLU<0.2>
            -> Dense<10, softmax>
    }
}

/// The cases run in one test, one after the other: they share the global
/// counter and the thread-count variable.
#[test]
fn the_second_epoch_allocates_nothing() {
    // The counter sees allocations.
    COUNTING.store(true, Ordering::SeqCst);
    let probe = std::hint::black_box(vec![1_u64; 3]);
    COUNTING.store(false, Ordering::SeqCst);
    assert!(COUNT.load(Ordering::SeqCst) >= 1);
    drop(probe);

    small_network_with_weights_and_validation();
    books_model_on_two_threads();
    chapter_11_layers_on_two_threads();
    graph_on_two_threads();
}

fn small_network_with_weights_and_validation() {
    let n = 500;
    let x: Vec<SVector<f32, 20>> = (0..n)
        .map(|i| SVector::<f32, 20>::from_fn(|j, _| ((i * 31 + j * 7) % 17) as f32 / 17.0 - 0.5))
        .collect();
    let y: Vec<u8> = (0..n).map(|i| (i % 4) as u8).collect();
    let weights: Vec<f32> = (0..n).map(|i| 0.5 + (i % 3) as f32).collect();
    let steps = 400_usize.div_ceil(32); // validation_split 0.2 leaves 400
    let mut window = Window::new(steps);
    let mut model = Net::new(1);
    // With momentum: the update runs apart from the backward pass, on state.
    let mut trainer = model.compile(
        SparseCategoricalCrossentropy,
        Sgd::new(0.05).momentum(0.9),
        [Metric::Accuracy],
    );
    let options = Fit::epochs(3)
        .verbose(0)
        .validation_split(0.2)
        .sample_weight(&weights)
        .class_weight([(0, 2.0), (3, 0.5)])
        .callback(&mut window);
    let history = trainer.fit(&x, &y, options).unwrap();
    assert_eq!(history.len(), 3);
    assert_eq!(window.batches, steps);
    let allocations = window.result.expect("the window closed");
    println!("small network: {allocations} allocations during epoch 2 ({steps} batches)");
    assert_eq!(allocations, 0, "the training loop allocated");
}

fn books_model_on_two_threads() {
    // SAFETY: set before any other thread of this test binary reads it (the
    // one test runs its cases one after the other).
    unsafe { std::env::set_var("MLP_NUM_THREADS", "2") };
    let n = 320;
    let x: Vec<SMatrix<f32, 28, 28>> = (0..n)
        .map(|i| SMatrix::<f32, 28, 28>::from_fn(|r, c| ((i * 7 + r * 3 + c) % 11) as f32 / 11.0))
        .collect();
    let y: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
    let steps = n.div_ceil(32);
    let mut window = Window::new(steps);
    let mut model = BookMlp::new(42);
    // Plain SGD: the step is folded into the backward pass.
    let mut trainer = model.compile(
        SparseCategoricalCrossentropy,
        Sgd::new(0.01),
        [Metric::Accuracy],
    );
    let history = trainer
        .fit(&x, &y, Fit::epochs(2).verbose(0).callback(&mut window))
        .unwrap();
    assert_eq!(history.len(), 2);
    assert_eq!(window.batches, steps);
    let allocations = window.result.expect("the window closed");
    println!("book's model, 2 threads: {allocations} allocations during epoch 2 ({steps} batches)");
    assert_eq!(allocations, 0, "the training loop or the pool allocated");
}

fn chapter_11_layers_on_two_threads() {
    // MLP_NUM_THREADS is 2 from the previous case.
    let n = 320;
    let x: Vec<SMatrix<f32, 28, 28>> = (0..n)
        .map(|i| SMatrix::<f32, 28, 28>::from_fn(|r, c| ((i * 5 + r * 7 + c) % 13) as f32 / 13.0))
        .collect();
    let y: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
    let steps = n.div_ceil(32);
    let mut window = Window::new(steps);
    let mut model = RegularizedMlp::new(3);
    // BatchNormalization's moving statistics, Dropout's masks, the l2
    // penalty and the max_norm projection on every step.
    let mut trainer = model.compile(
        SparseCategoricalCrossentropy,
        Sgd::new(0.01).momentum(0.9),
        [Metric::Accuracy],
    );
    let history = trainer
        .fit(&x, &y, Fit::epochs(2).verbose(0).callback(&mut window))
        .unwrap();
    assert_eq!(history.len(), 2);
    let allocations = window.result.expect("the window closed");
    println!(
        "chapter 11 layers, 2 threads: {allocations} allocations during epoch 2 ({steps} batches)"
    );
    assert_eq!(allocations, 0, "the training loop allocated");
}

network! {
    /// The book's Wide & Deep with two outputs, wider, and a BN layer.
    struct WideDeepGraph {
        wide = Input[5];
        deep = Input[6];
        hidden1 = Dense<256, relu>(deep);
        norm = BatchNormalization(hidden1);
        hidden2 = Dense<256, relu>(norm);
        concat = Concatenate(wide, hidden2);
        output main_output = Dense<1>(concat);
        output aux_output = Dense<1>(hidden2);
    }
}

fn graph_on_two_threads() {
    use mlp::__internal::{Phase, Workspace};
    use mlp::loss::{Loss, MeanSquaredError, TargetRef};
    use mlp::optim::{Adam, Optimizer};
    let (n, steps) = (512, 12);
    let wide: Vec<[f32; 5]> = (0..n)
        .map(|i| core::array::from_fn(|j| ((i * 5 + j) % 7) as f32 / 7.0))
        .collect();
    let deep: Vec<[f32; 6]> = (0..n)
        .map(|i| core::array::from_fn(|j| ((i * 3 + j) % 11) as f32 / 11.0))
        .collect();
    let y: Vec<f32> = (0..n).map(|i| (i % 5) as f32).collect();
    let mut model = WideDeepGraph::new(1);
    let optimizer = Adam::new(1e-3);
    let mut state = vec![0.0; optimizer.slots() * WideDeepGraph::PARAMS];
    let mut grads = vec![0.0; WideDeepGraph::PARAMS];
    let mut ws = Workspace::with_threads::<WideDeepGraph>(n, 2);
    let mut step = |ws: &mut Workspace, model: &mut WideDeepGraph, iteration: u64| {
        ws.load_graph_input(0, n, &|r, row| row.copy_from_slice(&wide[r]))
            .unwrap();
        ws.load_graph_input(1, n, &|r, row| row.copy_from_slice(&deep[r]))
            .unwrap();
        let mode = Phase::Training {
            seed: 1,
            step: iteration,
        };
        ws.forward_model(model.params(), n, mode);
        for (k, weight) in [0.9_f32, 0.1].into_iter().enumerate() {
            for (r, t) in y.iter().enumerate() {
                let row = ws.graph_output_row(k, r).unwrap();
                let target = TargetRef::Values(core::slice::from_ref(t));
                MeanSquaredError.loss_and_delta(
                    row.activation,
                    row.z,
                    row.a,
                    target,
                    weight / n as f32,
                    row.delta,
                );
            }
        }
        ws.train_step(
            model.params_mut(),
            n,
            &mut grads,
            &optimizer,
            &mut state,
            iteration,
        )
        .unwrap();
    };
    // The first step sizes the update's backup.
    step(&mut ws, &mut model, 0);
    COUNT.store(0, Ordering::SeqCst);
    COUNTING.store(true, Ordering::SeqCst);
    for iteration in 1..=steps {
        step(&mut ws, &mut model, iteration);
    }
    COUNTING.store(false, Ordering::SeqCst);
    let allocations = COUNT.load(Ordering::SeqCst);
    println!("graph, 2 threads: {allocations} allocations in {steps} steps of {n} samples");
    assert_eq!(allocations, 0, "a graph's step allocated");
}
