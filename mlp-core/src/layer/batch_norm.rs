//! Batch normalization, with Keras's semantics: in training each feature is
//! normalised by the batch's mean and (biased) variance and the moving
//! statistics follow them (`moving = moving * momentum + batch * (1 -
//! momentum)`); at inference the moving statistics are used.
//! `gamma` and `beta` are trainable; `moving_mean` and `moving_variance` are
//! not (Keras's "non-trainable params").

use nalgebra::SVector;

/// A batch normalization layer over `N` features: `gamma`, `beta`,
/// `moving_mean`, `moving_variance` (Keras's order), each `N` values.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchNormalization<const N: usize> {
    gamma: SVector<f32, N>,
    beta: SVector<f32, N>,
    moving_mean: SVector<f32, N>,
    moving_variance: SVector<f32, N>,
}

impl<const N: usize> BatchNormalization<N> {
    /// Values stored: four arrays of `N`.
    pub const PARAMS: usize = 4 * N;

    /// Keras's initial state: `gamma` and `moving_variance` ones, `beta` and
    /// `moving_mean` zeros.
    pub fn new() -> Self {
        Self::from_arrays([1.0; N], [0.0; N], [0.0; N], [1.0; N])
    }

    /// A layer from its four arrays, usable in `const` items (baked weights).
    pub const fn from_arrays(
        gamma: [f32; N],
        beta: [f32; N],
        moving_mean: [f32; N],
        moving_variance: [f32; N],
    ) -> Self {
        Self {
            gamma: SVector::from_array_storage(nalgebra::ArrayStorage([gamma])),
            beta: SVector::from_array_storage(nalgebra::ArrayStorage([beta])),
            moving_mean: SVector::from_array_storage(nalgebra::ArrayStorage([moving_mean])),
            moving_variance: SVector::from_array_storage(nalgebra::ArrayStorage([moving_variance])),
        }
    }

    /// The scale.
    pub fn gamma(&self) -> &SVector<f32, N> {
        &self.gamma
    }

    /// The offset.
    pub fn beta(&self) -> &SVector<f32, N> {
        &self.beta
    }

    /// The moving mean.
    pub fn moving_mean(&self) -> &SVector<f32, N> {
        &self.moving_mean
    }

    /// The moving variance.
    pub fn moving_variance(&self) -> &SVector<f32, N> {
        &self.moving_variance
    }

    /// The forward pass of one sample at inference, with the layer's
    /// `epsilon`: `gamma * (x - moving_mean) / sqrt(moving_variance +
    /// epsilon) + beta`.
    #[inline]
    pub fn forward_one(&self, x: &SVector<f32, N>, epsilon: f32) -> SVector<f32, N> {
        let mut out = *x;
        for j in 0..N {
            let scale = self.gamma[j] / libm::sqrtf(self.moving_variance[j] + epsilon);
            out[j] = (x[j] - self.moving_mean[j]) * scale + self.beta[j];
        }
        out
    }
}

impl<const N: usize> Default for BatchNormalization<N> {
    fn default() -> Self {
        Self::new()
    }
}

/// BatchNormalization on the batch path.
#[cfg(feature = "std")]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BatchNormShape {
    /// Where `gamma` starts in the flat parameters (`beta`, `moving_mean`
    /// and `moving_variance` follow it).
    pub offset: usize,
    /// Features.
    pub units: usize,
    /// The moving averages' momentum.
    pub momentum: f32,
    /// Added to the variance.
    pub epsilon: f32,
}

#[cfg(feature = "std")]
impl BatchNormShape {
    fn array<'a>(&self, params: &'a [f32], i: usize) -> &'a [f32] {
        &params[self.offset + i * self.units..][..self.units]
    }

    /// The scratch values it keeps per batch besides the normalised inputs:
    /// each feature's batch mean, variance and `1 / sqrt(variance +
    /// epsilon)`.
    pub const fn stats_len(&self) -> usize {
        3 * self.units
    }

    /// Inference: the moving statistics, as one scale and shift per feature
    /// (computed into `stats`) applied row by row.
    pub fn forward_inference(
        &self,
        params: &[f32],
        input: &[f32],
        out: &mut [f32],
        stats: &mut [f32],
    ) {
        let u = self.units;
        let (gamma, beta) = (self.array(params, 0), self.array(params, 1));
        let (mean, var) = (self.array(params, 2), self.array(params, 3));
        let (scale, rest) = stats.split_at_mut(u);
        let shift = &mut rest[..u];
        for j in 0..u {
            scale[j] = gamma[j] / (var[j] + self.epsilon).sqrt();
            shift[j] = beta[j] - mean[j] * scale[j];
        }
        for (x, o) in input.chunks_exact(u).zip(out.chunks_exact_mut(u)) {
            for j in 0..u {
                o[j] = x[j] * scale[j] + shift[j];
            }
        }
    }

    /// Training over `n` rows: normalises by the batch's statistics, keeps
    /// the normalised inputs in `x_hat` and the batch mean and variance in
    /// `stats` (for the backward pass and the moving averages).
    pub fn forward_train(
        &self,
        params: &[f32],
        input: &[f32],
        out: &mut [f32],
        x_hat: &mut [f32],
        stats: &mut [f32],
        n: usize,
    ) {
        let u = self.units;
        let (mean, rest) = stats.split_at_mut(u);
        let (var, inv_std) = rest.split_at_mut(u);
        mean.fill(0.0);
        var.fill(0.0);
        for x in input.chunks_exact(u) {
            for (m, x) in mean.iter_mut().zip(x) {
                *m += x;
            }
        }
        let inv_n = 1.0 / n as f32;
        for m in mean.iter_mut() {
            *m *= inv_n;
        }
        for x in input.chunks_exact(u) {
            for ((v, x), m) in var.iter_mut().zip(x).zip(mean.iter()) {
                *v += (x - m) * (x - m);
            }
        }
        for (v, s) in var.iter_mut().zip(inv_std.iter_mut()) {
            *v *= inv_n;
            *s = 1.0 / (*v + self.epsilon).sqrt();
        }
        let (gamma, beta) = (self.array(params, 0), self.array(params, 1));
        for ((x, o), h) in input
            .chunks_exact(u)
            .zip(out.chunks_exact_mut(u))
            .zip(x_hat.chunks_exact_mut(u))
        {
            for j in 0..u {
                h[j] = (x[j] - mean[j]) * inv_std[j];
                o[j] = gamma[j] * h[j] + beta[j];
            }
        }
    }

    /// The backward pass of a training forward over `n` rows: the gradients
    /// of `gamma` and `beta` (those of the moving statistics are zero), and
    /// dL/dx into `dx` if given. Returns whether the gradients are finite.
    #[allow(clippy::too_many_arguments)]
    pub fn backward(
        &self,
        params: &[f32],
        x_hat: &[f32],
        stats: &[f32],
        dy: &[f32],
        dx: Option<&mut [f32]>,
        grads: &mut [f32],
        n: usize,
    ) -> bool {
        let u = self.units;
        let g = &mut grads[self.offset..self.offset + 4 * u];
        let (dgamma, rest) = g.split_at_mut(u);
        let (dbeta, moving) = rest.split_at_mut(u);
        dgamma.fill(0.0);
        dbeta.fill(0.0);
        moving.fill(0.0);
        for (dy, h) in dy.chunks_exact(u).zip(x_hat.chunks_exact(u)) {
            for j in 0..u {
                dgamma[j] += dy[j] * h[j];
                dbeta[j] += dy[j];
            }
        }
        if let Some(dx) = dx {
            // dx = gamma / sqrt(var + eps) / n * (n dy - Σdy - x_hat Σ(dy x_hat)).
            let gamma = self.array(params, 0);
            let inv_std = &stats[2 * u..3 * u];
            let nf = n as f32;
            for ((dx, dy), h) in dx
                .chunks_exact_mut(u)
                .zip(dy.chunks_exact(u))
                .zip(x_hat.chunks_exact(u))
            {
                for j in 0..u {
                    let scale = gamma[j] * inv_std[j] / nf;
                    dx[j] = scale * (nf * dy[j] - dbeta[j] - h[j] * dgamma[j]);
                }
            }
        }
        crate::kernels::all_finite(dgamma) && crate::kernels::all_finite(dbeta)
    }

    /// Turns the batch's statistics (`stats`, from the last training
    /// forward pass) into the next moving statistics: `moving * momentum +
    /// batch * (1 - momentum)`, Keras's update.
    pub fn blend_moving(&self, params: &[f32], stats: &mut [f32]) {
        let u = self.units;
        let m = self.momentum;
        let moving = &params[self.offset + 2 * u..self.offset + 4 * u];
        for (batch, moving) in stats.iter_mut().zip(moving) {
            *batch = moving * m + *batch * (1.0 - m);
        }
    }

    /// Writes moving statistics (made by [`BatchNormShape::blend_moving`]).
    pub fn set_moving(&self, params: &mut [f32], moving: &[f32]) {
        let u = self.units;
        params[self.offset + 2 * u..self.offset + 4 * u].copy_from_slice(&moving[..2 * u]);
    }
}

#[cfg(feature = "std")]
impl crate::engine::BatchLayer for BatchNormShape {
    fn of(info: &crate::layer::LayerInfo) -> Option<Self> {
        match info.kind {
            crate::layer::LayerKind::BatchNormalization {
                units,
                momentum,
                epsilon,
            } => Some(Self {
                offset: info.offset,
                units,
                momentum,
                epsilon,
            }),
            _ => None,
        }
    }

    /// The normalised inputs, then the batch statistics.
    fn scratch_len(&self, capacity: usize) -> usize {
        capacity * self.units + self.stats_len()
    }

    /// The batch's statistics in training, the moving ones otherwise.
    fn batch_forward(&self, pass: crate::engine::ForwardPass<'_>) {
        let len = pass.out.len();
        if pass.training {
            let (x_hat, stats) = pass.scratch.split_at_mut(pass.capacity * self.units);
            self.forward_train(
                pass.params,
                pass.input,
                pass.out,
                &mut x_hat[..len],
                stats,
                pass.n,
            );
        } else {
            let at = pass.scratch.len() - self.stats_len();
            self.forward_inference(pass.params, pass.input, pass.out, &mut pass.scratch[at..]);
        }
    }

    fn batch_backward(&self, pass: crate::engine::BackwardPass<'_>) -> bool {
        let (x_hat, stats) = pass.scratch.split_at(pass.scratch.len() - self.stats_len());
        let len = pass.delta.len();
        self.backward(
            pass.params,
            &x_hat[..len],
            stats,
            pass.delta,
            pass.dx,
            pass.grads,
            pass.n,
        )
    }

    /// The next moving statistics, from the batch's.
    fn before_step(&self, params: &[f32], scratch: &mut [f32]) {
        let at = scratch.len() - self.stats_len();
        self.blend_moving(params, &mut scratch[at..]);
    }

    /// The moving statistics [`BatchLayer::before_step`] made.
    ///
    /// [`BatchLayer::before_step`]: crate::engine::BatchLayer::before_step
    fn after_step(&self, params: &mut [f32], scratch: &[f32]) {
        self.set_moving(params, &scratch[scratch.len() - self.stats_len()..]);
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;

    fn shape(units: usize) -> BatchNormShape {
        BatchNormShape {
            offset: 0,
            units,
            momentum: 0.99,
            epsilon: 1e-3,
        }
    }

    #[test]
    fn training_normalises_each_feature() {
        let s = shape(2);
        let params = [1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0];
        let input = [1.0, 10.0, 3.0, 20.0, 5.0, 30.0];
        let (mut out, mut h, mut stats) = ([0.0; 6], [0.0; 6], [0.0; 6]);
        s.forward_train(&params, &input, &mut out, &mut h, &mut stats, 3);
        assert_eq!(&stats[..2], &[3.0, 20.0]);
        assert!((stats[2] - 8.0 / 3.0).abs() < 1e-5);
        let col: f32 = out.iter().step_by(2).sum();
        assert!(col.abs() < 1e-5);
        let mut moving = params;
        s.blend_moving(&params, &mut stats);
        s.set_moving(&mut moving, &stats);
        assert!(
            (moving[4] - 0.03).abs() < 1e-6 && (moving[6] - (0.99 + 0.01 * 8.0 / 3.0)).abs() < 1e-6
        );
    }

    #[test]
    fn gradients_match_finite_differences() {
        let (u, n) = (3, 4);
        let s = shape(u);
        let mut params = vec![1.3, 0.7, -0.4, 0.2, -0.1, 0.5, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0];
        let input = vec![
            0.5, -1.0, 2.0, 1.5, 0.3, -0.7, -0.2, 0.9, 1.1, 0.8, -1.4, 0.1,
        ];
        let weights = [
            0.3, -0.2, 0.5, 0.1, 0.7, -0.6, -0.4, 0.2, 0.9, 0.25, -0.35, 0.45,
        ];
        // L = Σ weights · y, so dL/dy = weights.
        let loss = |params: &[f32], input: &[f32]| {
            let (mut out, mut h, mut stats) =
                (vec![0.0; n * u], vec![0.0; n * u], vec![0.0; 3 * u]);
            s.forward_train(params, input, &mut out, &mut h, &mut stats, n);
            out.iter()
                .zip(&weights)
                .map(|(o, w)| f64::from(o * w))
                .sum::<f64>()
        };
        let (mut out, mut h, mut stats) = (vec![0.0; n * u], vec![0.0; n * u], vec![0.0; 3 * u]);
        s.forward_train(&params, &input, &mut out, &mut h, &mut stats, n);
        let mut dx = vec![0.0; n * u];
        let mut grads = vec![0.0; 4 * u];
        assert!(s.backward(&params, &h, &stats, &weights, Some(&mut dx), &mut grads, n));
        let step = 1e-2_f32;
        for i in 0..n * u {
            let (mut up, mut down) = (input.clone(), input.clone());
            up[i] += step;
            down[i] -= step;
            let numeric = (loss(&params, &up) - loss(&params, &down)) / f64::from(2.0 * step);
            assert!(
                (numeric as f32 - dx[i]).abs() < 2e-3,
                "dx[{i}]: {numeric} vs {}",
                dx[i]
            );
        }
        for i in 0..2 * u {
            let keep = params[i];
            params[i] = keep + step;
            let up = loss(&params, &input);
            params[i] = keep - step;
            let down = loss(&params, &input);
            params[i] = keep;
            let numeric = (up - down) / f64::from(2.0 * step);
            assert!(
                (numeric as f32 - grads[i]).abs() < 2e-3,
                "param {i}: {numeric} vs {}",
                grads[i]
            );
        }
        assert!(grads[2 * u..].iter().all(|&g| g == 0.0));
    }
}
