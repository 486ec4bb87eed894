//! Learning-rate schedules.

/// A learning rate as a function of the step (Keras's
/// `LearningRateSchedule`). A plain `f32` is a constant rate.
pub trait LearningRateSchedule: Send + Sync + core::fmt::Debug {
    /// The rate at `step` (0-based count of optimizer steps taken).
    fn rate(&self, step: u64) -> f32;
}

impl LearningRateSchedule for f32 {
    fn rate(&self, _step: u64) -> f32 {
        *self
    }
}
