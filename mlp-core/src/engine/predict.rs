//! `predict`: a network over many samples, the samples shared among threads
//! (Keras's `model.predict`).
//!
//! ```
//! use mlp_core::prelude::*;
//!
//! network! { struct Net { Input[2] -> Dense<3, relu> -> Dense<2, softmax> } }
//!
//! let model = Net::new(3);
//! let x = [SVector::<f32, 2>::new(1.0, 2.0), SVector::<f32, 2>::new(-1.0, 0.5)];
//! let out = mlp_core::predict::predict(&*model, &x, 32);
//! assert_eq!(out[1], model.predict_one(&x[1]));
//! # Ok::<(), core::convert::Infallible>(())
//! ```

use super::Workspace;
pub use super::mc_dropout::predict_mc_dropout;
use crate::network::Network;
use crate::pool::{Pool, check_threads, split};
use crate::sample::Sample;
use std::vec::Vec;

/// Samples per block in [`predict`]: a block's activations stay in cache
/// while the weights stream past them.
const PREDICT_BLOCK: usize = 64;

/// Runs `N` over many samples in batches of `batch_size` and returns one output
/// per sample (Keras's `model.predict`).
///
/// The samples are shared among [`Pool::default_threads`] threads, each
/// running whole blocks of at most `batch_size` (and at most 64) samples
/// through every layer on its own buffers. Each output depends on its own
/// sample only, so the results are the same for any batch size and thread
/// count.
pub fn predict<N: Network>(model: &N, x: &[N::Input], batch_size: usize) -> Vec<N::Output> {
    predict_rows(model, x, batch_size, N::Output::from_row_major)
}

/// As [`predict`], on `threads` threads (the calling one included) rather
/// than `MLP_NUM_THREADS` or every core; the outputs are the same on any
/// number of threads. An error for 0 or more than
/// [`MAX_THREADS`](crate::train::MAX_THREADS) threads.
///
/// ```
/// use mlp_core::prelude::*;
///
/// network! { struct Net { Input[2] -> Dense<3, relu> -> Dense<2, softmax> } }
///
/// let model = Net::new(3);
/// let x = vec![SVector::<f32, 2>::new(1.0, 2.0); 100];
/// let out = mlp_core::predict::predict_with_threads(&*model, &x, 32, 2)?;
/// assert_eq!(out, mlp_core::predict::predict_with_threads(&*model, &x, 32, 1)?);
/// assert!(mlp_core::predict::predict_with_threads(&*model, &x, 32, 0).is_err());
/// # Ok::<(), mlp_core::Error>(())
/// ```
pub fn predict_with_threads<N: Network>(
    model: &N,
    x: &[N::Input],
    batch_size: usize,
    threads: usize,
) -> crate::Result<Vec<N::Output>> {
    let threads = check_threads("threads", threads)?;
    Ok(predict_rows_on(
        model,
        x,
        batch_size,
        threads,
        N::Output::from_row_major,
    ))
}

/// As [`predict`], mapping each sample's output row (`OUTPUT_SIZE` values)
/// through `f` as it is computed.
pub fn predict_rows<N: Network, T: Send>(
    model: &N,
    x: &[N::Input],
    batch_size: usize,
    f: impl Fn(&[f32]) -> T + Sync,
) -> Vec<T> {
    predict_rows_on(model, x, batch_size, Pool::default_threads(), f)
}

/// [`predict_rows`] on at most `threads` threads.
fn predict_rows_on<N: Network, T: Send>(
    model: &N,
    x: &[N::Input],
    batch_size: usize,
    threads: usize,
    f: impl Fn(&[f32]) -> T + Sync,
) -> Vec<T> {
    let block = batch_size.clamp(1, PREDICT_BLOCK);
    let run = |x: &[N::Input]| {
        let mut ws = Workspace::with_threads::<N>(block.min(x.len()).max(1), 1);
        let mut out = Vec::with_capacity(x.len());
        for chunk in x.chunks(block) {
            ws.load_inputs::<N>(chunk);
            let y = ws.forward(model.params(), chunk.len());
            out.extend(y.chunks_exact(N::OUTPUT_SIZE).map(&f));
        }
        out
    };
    let threads = threads.min(x.len().div_ceil(block));
    if threads <= 1 {
        return run(x);
    }
    std::thread::scope(|scope| {
        let run = &run;
        let parts: Vec<_> = (1..threads)
            .map(|t| {
                let part = &x[split(x.len(), threads, block, t)];
                scope.spawn(move || run(part))
            })
            .collect();
        let mut out = run(&x[split(x.len(), threads, block, 0)]);
        for part in parts {
            match part.join() {
                Ok(rows) => out.extend(rows),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}
