//! An optimizer's update over the whole parameters, in chunks shared among
//! the threads, applied only if every value it writes is finite.

use super::{NotFinite, Shared, Workspace};
use crate::kernels;
use crate::pool::split;
use core::sync::atomic::{AtomicBool, Ordering};

/// An optimizer update over one chunk: `(params, grads, state)`.
pub type UpdateFn<'a> = dyn Fn(&mut [f32], &[f32], &mut [f32]) + Sync + 'a;

/// Parameters per chunk of [`Workspace::update_chunks`].
pub const UPDATE_CHUNK: usize = 1 << 15;

/// Parameters per block of [`Workspace::update_chunks`]: a block's
/// parameters, gradients, and state (twice, up to 3 slots) fit a 32 KiB L1
/// cache.
pub const UPDATE_BLOCK: usize = 1 << 10;

impl Workspace {
    /// The scratch space [`Workspace::update_chunks`] needs for an optimizer
    /// of `slots` state values per parameter: one block's state per thread.
    pub fn update_scratch_len(&self, slots: usize) -> usize {
        self.pool.threads() * slots * UPDATE_BLOCK
    }

    /// Applies `update(params, grads, state)` to the parameters in chunks of
    /// [`UPDATE_CHUNK`] values, the chunks shared among the threads. `state`
    /// holds `slots` values per parameter, laid out chunk by chunk: the chunk
    /// of parameters `s..e` owns `state[slots * s..slots * e]` (its `slots`
    /// buffers back to back), which is what
    /// [`crate::optim::Optimizer::step`] expects. The layout depends only on
    /// the chunk size, never on the number of threads.
    ///
    /// All or nothing: each thread updates its chunks in blocks of
    /// [`UPDATE_BLOCK`] parameters small enough for its L1 cache: it copies
    /// a block's parameters and state into `backup` (laid out as `params`
    /// then `state`), the block's state into its own part of `scratch` (the
    /// optimizer's layout for the block), updates them there, checks that
    /// every value written is finite while it is in cache, and copies the
    /// state back. If any parameter or state value came out NaN or infinite
    /// (finite but huge gradients, a huge learning rate), every chunk is
    /// restored from `backup` and the result is [`NotFinite::Update`]: the
    /// parameters and state keep their values. The blocks give the same
    /// values as one update per chunk: each parameter's update reads only
    /// its own gradient and state.
    ///
    /// `backup` holds `(1 + slots) * params.len()` values; `scratch`
    /// [`Workspace::update_scratch_len`] values.
    #[allow(clippy::too_many_arguments)]
    pub fn update_chunks(
        &self,
        params: &mut [f32],
        grads: &[f32],
        state: &mut [f32],
        slots: usize,
        backup: &mut [f32],
        scratch: &mut [f32],
        update: &UpdateFn<'_>,
    ) -> Result<(), NotFinite> {
        assert_eq!(
            grads.len(),
            params.len(),
            "gradients are laid out as the parameters"
        );
        assert_eq!(
            state.len(),
            slots * params.len(),
            "optimizer state is `slots` values per parameter"
        );
        let len = params.len();
        assert_eq!(
            backup.len(),
            len + state.len(),
            "the backup holds the parameters and the state"
        );
        let chunks = len.div_ceil(UPDATE_CHUNK);
        let parts = self.side_parts(chunks);
        assert!(
            scratch.len() >= parts * slots * UPDATE_BLOCK,
            "scratch space for each thread's block of state"
        );
        let (p, s, b, w) = (
            Shared::new(params),
            Shared::new(state),
            Shared::new(backup),
            Shared::new(scratch),
        );
        let finite = AtomicBool::new(true);
        self.pool.run_parts(parts, &|t| {
            if t >= parts {
                return;
            }
            // SAFETY: each thread has its own part of the scratch space.
            let scratch = unsafe {
                core::slice::from_raw_parts_mut(
                    w.at(t * slots * UPDATE_BLOCK),
                    slots * UPDATE_BLOCK,
                )
            };
            let mut ok = true;
            for c in split(chunks, parts, 1, t) {
                let r = c * UPDATE_CHUNK..((c + 1) * UPDATE_CHUNK).min(len);
                let l = r.len();
                for off in (0..l).step_by(UPDATE_BLOCK) {
                    let n = UPDATE_BLOCK.min(l - off);
                    let at = r.start + off;
                    let local = &mut scratch[..slots * n];
                    // SAFETY: the chunks, hence the blocks, are disjoint and
                    // within the buffers (the backup's state part starts at
                    // `len` and mirrors `state`).
                    unsafe {
                        let params = core::slice::from_raw_parts_mut(p.at(at), n);
                        core::slice::from_raw_parts_mut(b.at(at), n).copy_from_slice(params);
                        for k in 0..slots {
                            let i = slots * r.start + k * l + off;
                            let old = core::slice::from_raw_parts(s.at(i), n);
                            local[k * n..(k + 1) * n].copy_from_slice(old);
                            core::slice::from_raw_parts_mut(b.at(len + i), n).copy_from_slice(old);
                        }
                        update(params, &grads[at..at + n], local);
                        ok &= kernels::all_finite(params) & kernels::all_finite(local);
                        for k in 0..slots {
                            let i = slots * r.start + k * l + off;
                            core::slice::from_raw_parts_mut(s.at(i), n)
                                .copy_from_slice(&local[k * n..(k + 1) * n]);
                        }
                    }
                }
            }
            if !ok {
                finite.store(false, Ordering::Relaxed);
            }
        });
        if finite.into_inner() {
            Ok(())
        } else {
            let (old_params, old_state) = backup.split_at(len);
            params.copy_from_slice(old_params);
            state.copy_from_slice(old_state);
            Err(NotFinite::Update)
        }
    }
}
