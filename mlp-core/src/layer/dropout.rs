//! Dropout: during training, each input is zeroed with probability `rate`
//! and the others scaled by `1 / (1 - rate)` (Keras's inverted dropout); at
//! inference it is the identity.

use nalgebra::SVector;

/// A dropout layer over `N` values. It has no parameters (a zero-sized
/// type); its rate lives in the network's layer table, and it acts only
/// during `fit` (and in `predict_mc_dropout`).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Dropout<const N: usize>;

impl<const N: usize> Dropout<N> {
    /// The layer from its weights, which are none: every kind bakes as `from_arrays`.
    pub const fn from_arrays() -> Self {
        Self
    }

    /// The forward pass of one sample at inference: the identity.
    #[inline]
    pub fn forward_one(&self, x: &SVector<f32, N>) -> SVector<f32, N> {
        *x
    }
}

/// Dropout on the batch path.
#[cfg(feature = "std")]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DropoutShape {
    /// Values per sample.
    pub units: usize,
    /// The fraction dropped, in `[0, 1)`.
    pub rate: f32,
}

#[cfg(feature = "std")]
impl DropoutShape {
    /// Draws the mask of `n` rows into `mask` (`0` or `1 / (1 - rate)` per
    /// value: a value is dropped when a uniform 32-bit draw from `rng` is
    /// below `rate * 2^32`) and writes `out = input * mask`.
    pub fn forward_train<R: rand::RngCore + ?Sized>(
        &self,
        input: &[f32],
        out: &mut [f32],
        mask: &mut [f32],
        rng: &mut R,
    ) {
        let scale = 1.0 / (1.0 - self.rate);
        let threshold = (f64::from(self.rate) * 4_294_967_296.0) as u64;
        // One bulk draw of 32 random bits per value, into the mask itself.
        // SAFETY: any bytes are a valid f32, and the byte view covers
        // exactly the mask, which nothing else borrows meanwhile.
        let bytes = unsafe {
            core::slice::from_raw_parts_mut(mask.as_mut_ptr().cast::<u8>(), mask.len() * 4)
        };
        rng.fill_bytes(bytes);
        for ((o, m), x) in out.iter_mut().zip(mask.iter_mut()).zip(input) {
            *m = if u64::from(m.to_bits()) < threshold {
                0.0
            } else {
                scale
            };
            *o = x * *m;
        }
    }

    /// dL/dx from dL/dy through the mask of the last training forward pass.
    pub fn backward(&self, mask: &[f32], dy: &[f32], dx: &mut [f32]) {
        for ((dx, dy), m) in dx.iter_mut().zip(dy).zip(mask) {
            *dx = dy * m;
        }
    }
}

#[cfg(feature = "std")]
impl crate::engine::BatchLayer for DropoutShape {
    fn of(info: &crate::layer::LayerInfo) -> Option<Self> {
        match info.kind {
            crate::layer::LayerKind::Dropout { units, rate } => Some(Self { units, rate }),
            _ => None,
        }
    }

    /// The mask.
    fn scratch_len(&self, capacity: usize) -> usize {
        capacity * self.units
    }

    /// A mask in a mode that drops, the identity otherwise.
    fn batch_forward(&self, pass: crate::engine::ForwardPass<'_>) {
        let len = pass.out.len();
        match pass.rng {
            Some(rng) if self.rate > 0.0 => {
                self.forward_train(pass.input, pass.out, &mut pass.scratch[..len], rng);
            }
            _ => pass.out.copy_from_slice(pass.input),
        }
    }

    fn batch_backward(&self, pass: crate::engine::BackwardPass<'_>) -> bool {
        if let Some(dx) = pass.dx {
            if pass.dropped && self.rate > 0.0 {
                self.backward(&pass.scratch[..pass.delta.len()], pass.delta, dx);
            } else {
                dx.copy_from_slice(pass.delta);
            }
        }
        true
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn drops_about_rate_and_keeps_the_expected_sum() {
        let shape = DropoutShape {
            units: 10_000,
            rate: 0.2,
        };
        let input = vec![1.0_f32; 10_000];
        let (mut out, mut mask) = (vec![0.0; 10_000], vec![0.0; 10_000]);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        shape.forward_train(&input, &mut out, &mut mask, &mut rng);
        let dropped = out.iter().filter(|&&v| v == 0.0).count();
        assert!((1_800..2_200).contains(&dropped), "{dropped}");
        assert!(out.iter().all(|&v| v == 0.0 || (v - 1.25).abs() < 1e-6));
        let mean = out.iter().sum::<f32>() / 10_000.0;
        assert!((mean - 1.0).abs() < 0.03, "{mean}");
        let mut dx = vec![0.0; 10_000];
        shape.backward(&mask, &input, &mut dx);
        assert_eq!(dx, out);
    }
}
