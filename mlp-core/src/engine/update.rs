//! An optimizer's update over the whole parameters, in chunks shared among
//! the threads.

use super::{Shared, Workspace};
use crate::pool::split;

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
    pub fn update_chunks(
        &self,
        params: &mut [f32],
        grads: &[f32],
        state: &mut [f32],
        slots: usize,
        update: &UpdateFn<'_>,
    ) {
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
        let chunks = len.div_ceil(UPDATE_CHUNK);
        let parts = self.side_parts(chunks);
        let (p, s) = (Shared::new(params), Shared::new(state));
        self.pool.run_parts(parts, &|t| {
            if t >= parts {
                return;
            }
            for c in split(chunks, parts, 1, t) {
                let r = c * UPDATE_CHUNK..((c + 1) * UPDATE_CHUNK).min(len);
                // SAFETY: the chunks are disjoint and within both buffers.
                unsafe {
                    let params = core::slice::from_raw_parts_mut(p.at(r.start), r.len());
                    let state =
                        core::slice::from_raw_parts_mut(s.at(slots * r.start), slots * r.len());
                    update(params, &grads[r], state);
                }
            }
        });
    }
}
