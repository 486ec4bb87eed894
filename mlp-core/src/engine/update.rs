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

impl Workspace {
    /// Applies `update(params, grads, state)` to the parameters in chunks of
    /// [`UPDATE_CHUNK`] values, the chunks shared among the threads. `state`
    /// holds `slots` values per parameter, laid out chunk by chunk: the chunk
    /// of parameters `s..e` owns `state[slots * s..slots * e]` (its `slots`
    /// buffers back to back), which is what
    /// [`crate::optim::Optimizer::step`] expects. The layout depends only on
    /// the chunk size, never on the number of threads.
    ///
    /// All or nothing: each thread copies a chunk's parameters and state
    /// into `backup` (`(1 + slots) * params.len()` values, laid out as
    /// `params` then `state`) before updating it, and checks the values it
    /// wrote while they are in its cache. If any parameter or state value
    /// came out NaN or infinite (finite but huge gradients, a huge learning
    /// rate), every chunk is restored from `backup` and the result is
    /// [`NotFinite::Update`]: the parameters and state keep their values.
    pub fn update_chunks(
        &self,
        params: &mut [f32],
        grads: &[f32],
        state: &mut [f32],
        slots: usize,
        backup: &mut [f32],
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
        let (p, s, b) = (Shared::new(params), Shared::new(state), Shared::new(backup));
        let finite = AtomicBool::new(true);
        self.pool.run_parts(parts, &|t| {
            if t >= parts {
                return;
            }
            for c in split(chunks, parts, 1, t) {
                let r = c * UPDATE_CHUNK..((c + 1) * UPDATE_CHUNK).min(len);
                // SAFETY: the chunks are disjoint and within the buffers
                // (the backup's state part starts at `len`).
                unsafe {
                    let params = core::slice::from_raw_parts_mut(p.at(r.start), r.len());
                    let state =
                        core::slice::from_raw_parts_mut(s.at(slots * r.start), slots * r.len());
                    core::slice::from_raw_parts_mut(b.at(r.start), r.len()).copy_from_slice(params);
                    core::slice::from_raw_parts_mut(b.at(len + slots * r.start), state.len())
                        .copy_from_slice(state);
                    update(params, &grads[r], state);
                    if !(kernels::all_finite(params) && kernels::all_finite(state)) {
                        finite.store(false, Ordering::Relaxed);
                    }
                }
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
