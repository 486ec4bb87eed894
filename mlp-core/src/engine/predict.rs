//! The batch path of [`Predict`](crate::predict::Predict): a model over
//! many samples in blocks, the blocks shared among threads.

use super::{Phase, Workspace};
use crate::model::Model;
use crate::pool::{Pool, split};
use crate::train::Rows;
use core::ops::Range;
use std::vec::Vec;

/// Samples per block in [`predict_model`]: a block's activations stay in cache
/// while the weights stream past them.
const PREDICT_BLOCK: usize = 64;

/// [`Pool::default_threads`], or where `MLP_NUM_THREADS` is invalid, every
/// core, after saying so on standard error (once per process).
pub(crate) fn threads_or_every_core() -> usize {
    static WARNED: std::sync::Once = std::sync::Once::new();
    Pool::default_threads().unwrap_or_else(|e| {
        WARNED.call_once(|| eprintln!("mlp: {e}; predicting on every core"));
        std::thread::available_parallelism().map_or(1, |n| n.get().min(crate::pool::MAX_THREADS))
    })
}

/// Runs `run(part)` for each of `parts` parts, part 0 on the calling thread
/// and the others on threads of `scope` (a part whose thread the operating
/// system refuses runs on the calling thread), and returns the results in
/// part order. A panic in a part goes on in the calling thread.
pub(crate) fn run_parts_scoped<'s, T: Send + 's>(
    scope: &'s std::thread::Scope<'s, '_>,
    parts: usize,
    run: &'s (impl Fn(usize) -> T + Sync),
) -> Vec<T> {
    let spawned: Vec<_> = (1..parts)
        .map(|t| {
            std::thread::Builder::new()
                .spawn_scoped(scope, move || run(t))
                .map_err(|_| t)
        })
        .collect();
    let mut out = Vec::with_capacity(parts);
    out.push(run(0));
    for part in spawned {
        out.push(match part {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(t) => run(t),
        });
    }
    out
}

/// Any model's outputs for every sample of `x` (one [`Rows`] per input, all
/// of one length) in blocks of `batch_size` (at most 64) on `threads`
/// threads.
pub(crate) fn predict_model<M: Model>(
    model: &M,
    x: &[Rows<'_>],
    batch_size: usize,
    threads: usize,
) -> Vec<M::Outputs> {
    predict_map(model, x, batch_size, threads, M::outputs_from_rows)
}

/// [`predict_model`], mapping each sample's outputs (one row per output)
/// through `f` as they are computed.
pub(crate) fn predict_map<M: Model, T: Send>(
    model: &M,
    x: &[Rows<'_>],
    batch_size: usize,
    threads: usize,
    f: impl Fn(&[&[f32]]) -> T + Sync,
) -> Vec<T> {
    let block = batch_size.clamp(1, PREDICT_BLOCK);
    over_blocks::<M, T>(x, block, threads, |ws, range, out| {
        let n = range.len();
        let idx: Vec<usize> = range.collect();
        ws.load_batch(x, &idx, &[]);
        ws.forward_model(model.params(), n, Phase::Inference);
        for r in 0..n {
            with_output_rows::<M, ()>(ws, r, |rows| out.push(f(rows)));
        }
    })
}

/// Calls `f` with sample `r`'s row of every output of the last forward pass.
pub(crate) fn with_output_rows<M: Model, T>(
    ws: &Workspace,
    r: usize,
    f: impl FnOnce(&[&[f32]]) -> T,
) -> T {
    let outputs = M::OUTPUTS.len();
    if outputs <= 4 {
        let mut rows: [&[f32]; 4] = [&[]; 4];
        for (k, row) in rows.iter_mut().enumerate().take(outputs) {
            *row = ws.output_values(k, r);
        }
        f(&rows[..outputs])
    } else {
        let rows: Vec<&[f32]> = (0..outputs).map(|k| ws.output_values(k, r)).collect();
        f(&rows)
    }
}

/// Runs `f(ws, range, out)` over the samples of `x` in blocks of `block`,
/// the blocks shared among at most `threads` threads, each with its own
/// buffers for `M`, and joins the results in order.
pub(crate) fn over_blocks<M: Model, T: Send>(
    x: &[Rows<'_>],
    block: usize,
    threads: usize,
    f: impl Fn(&mut Workspace, Range<usize>, &mut Vec<T>) + Sync,
) -> Vec<T> {
    let len = x.first().map_or(0, Rows::len);
    let run = |range: Range<usize>| {
        let mut ws = Workspace::with_threads::<M>(block.min(range.len()).max(1), 1);
        let mut out = Vec::with_capacity(range.len());
        let mut start = range.start;
        while start < range.end {
            let end = (start + block).min(range.end);
            f(&mut ws, start..end, &mut out);
            start = end;
        }
        out
    };
    let threads = threads.min(len.div_ceil(block));
    if threads <= 1 {
        return run(0..len);
    }
    let part = |t: usize| run(split(len, threads, block, t));
    std::thread::scope(|scope| run_parts_scoped(scope, threads, &part))
        .into_iter()
        .flatten()
        .collect()
}
