//! The steady state of training allocates nothing: a counting global
//! allocator measures every allocation made on the training thread during
//! the whole second epoch (from the first batch's start to the last batch's
//! end: gathering, forward, loss, backward, optimizer step, metrics, logs,
//! callbacks, progress).
//!
//! Allocations are split by alignment: matrixmultiply's `sgemm` (used by
//! `mlp::batch`) allocates its packing buffer on every call with the
//! alignment of its SIMD kernel (16 bytes or more), while everything else
//! here (`Vec<f32>`, `String`, ...) uses 8 or less. The trainer's own code
//! must make none; the GEMM allocations are counted and printed, and belong
//! to the batch engine (they vanish if it moves to a GEMM that reuses its
//! buffers).

use mlp::loss::SparseCategoricalCrossentropy;
use mlp::metrics::Metric;
use mlp::optim::Sgd;
use mlp::prelude::*;
use mlp::train::{Callback, CallbackContext, Logs};
use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Counts allocations per thread: (aligned to 16 or more, others).
struct Counting;

thread_local! {
    static COUNTS: Cell<(usize, usize)> = const { Cell::new((0, 0)) };
}

fn count(layout: Layout) {
    let _ = COUNTS.try_with(|c| {
        let (wide, other) = c.get();
        c.set(if layout.align() >= 16 {
            (wide + 1, other)
        } else {
            (wide, other + 1)
        });
    });
}

fn counts() -> (usize, usize) {
    COUNTS.with(Cell::get)
}

// SAFETY: forwards to the system allocator; counting touches only a
// const-initialised thread-local `Cell` without destructor.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout);
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout);
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(layout);
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
    start: (usize, usize),
    batches: usize,
    result: Option<(usize, usize)>,
}

impl<N: Network> Callback<N> for Window {
    fn on_epoch_begin(&mut self, _: &mut CallbackContext<'_, N>, epoch: usize) -> mlp::Result<()> {
        self.current = epoch;
        Ok(())
    }

    fn on_batch_begin(&mut self, _: &mut CallbackContext<'_, N>, batch: usize) -> mlp::Result<()> {
        if self.current == self.epoch && batch == 0 {
            self.start = counts();
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
                let (wide, other) = counts();
                self.result = Some((wide - self.start.0, other - self.start.1));
            }
        }
        Ok(())
    }
}

#[test]
fn the_second_epoch_allocates_nothing_in_the_trainer() {
    // The counter sees allocations on this thread.
    let before = counts();
    let probe = std::hint::black_box(vec![1_u64; 3]);
    assert_eq!(counts().1, before.1 + 1);
    drop(probe);

    let n = 500;
    let x: Vec<SVector<f32, 20>> = (0..n)
        .map(|i| SVector::<f32, 20>::from_fn(|j, _| ((i * 31 + j * 7) % 17) as f32 / 17.0 - 0.5))
        .collect();
    let y: Vec<u8> = (0..n).map(|i| (i % 4) as u8).collect();
    let weights: Vec<f32> = (0..n).map(|i| 0.5 + (i % 3) as f32).collect();
    let steps = 400_usize.div_ceil(32); // validation_split 0.2 leaves 400
    let mut window = Window {
        epoch: 1,
        current: 0,
        steps,
        start: (0, 0),
        batches: 0,
        result: None,
    };
    let mut model = Net::new(1);
    let mut trainer = model.compile(
        SparseCategoricalCrossentropy,
        Sgd::new(0.05),
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
    let (gemm, trainer_allocs) = window.result.expect("the window closed");
    println!(
        "allocations during epoch 2 ({steps} batches): trainer {trainer_allocs}, GEMM packing buffers {gemm}"
    );
    assert_eq!(trainer_allocs, 0, "the training loop allocated");
    // Three GEMM calls per layer and batch at most (forward, kernel gradient, input gradient).
    assert!(
        gemm <= steps * 3 * 3,
        "{gemm} GEMM allocations in {steps} batches"
    );
}
