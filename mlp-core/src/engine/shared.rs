//! The one raw pointer of the engine: a buffer that the pool's threads write
//! in disjoint parts.

/// A pointer into a buffer that may cross to the pool's threads. Every phase
/// that uses one has its threads touch disjoint elements, and runs while the
/// buffer it points into is borrowed by the caller.
#[derive(Clone, Copy, Debug)]
pub struct Shared(*mut f32);

// SAFETY: used only inside `Pool::run` phases whose threads touch disjoint
// elements, and only while the buffer it points into is borrowed by the caller.
unsafe impl Send for Shared {}
unsafe impl Sync for Shared {}

impl Shared {
    /// A pointer to the start of `buffer`.
    pub fn new(buffer: &mut [f32]) -> Self {
        Self(buffer.as_mut_ptr())
    }

    /// A pointer to the start of `buffer`, which is only read through it.
    pub fn read_only(buffer: &[f32]) -> Self {
        Self(buffer.as_ptr().cast_mut())
    }

    /// The element `offset` values from the start (a method, so closures
    /// capture the whole `Shared`).
    ///
    /// # Safety
    /// `offset` lies within the buffer (or one past its end).
    pub unsafe fn at(self, offset: usize) -> *mut f32 {
        // SAFETY: the caller's contract.
        unsafe { self.0.add(offset) }
    }
}
