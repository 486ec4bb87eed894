//! PReLU: a leaky ReLU whose negative slope is learned, one per unit
//! (Keras's `alpha`, initialised with zeros by default).

use nalgebra::SVector;

/// A PReLU layer over `N` values: `x` if `x >= 0`, else `alpha[j] * x`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PReLU<const N: usize> {
    alpha: SVector<f32, N>,
}

impl<const N: usize> PReLU<N> {
    /// Parameters: one slope per unit.
    pub const PARAMS: usize = N;

    /// A layer from its slopes, usable in `const` items.
    pub const fn from_array(alpha: [f32; N]) -> Self {
        Self {
            alpha: SVector::from_array_storage(nalgebra::ArrayStorage([alpha])),
        }
    }

    /// A layer from its weights in Keras's order, its slopes: the same as
    /// [`from_array`](Self::from_array) (the baked form of every kind).
    pub const fn from_arrays(alpha: [f32; N]) -> Self {
        Self::from_array(alpha)
    }

    /// The slopes.
    pub fn alpha(&self) -> &SVector<f32, N> {
        &self.alpha
    }

    /// The forward pass of one sample.
    #[inline]
    pub fn forward_one(&self, x: &SVector<f32, N>) -> SVector<f32, N> {
        x.zip_map(&self.alpha, |x, a| if x < 0.0 { a * x } else { x })
    }
}

/// PReLU on the batch path.
#[cfg(feature = "std")]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PReluShape {
    /// Where `alpha` is in the flat parameters.
    pub offset: usize,
    /// Units.
    pub units: usize,
}

#[cfg(feature = "std")]
impl PReluShape {
    fn alpha<'a>(&self, params: &'a [f32]) -> &'a [f32] {
        &params[self.offset..self.offset + self.units]
    }

    /// `out = prelu(input)`, row by row.
    pub fn forward(&self, params: &[f32], input: &[f32], out: &mut [f32]) {
        let alpha = self.alpha(params);
        for (x, o) in input
            .chunks_exact(self.units)
            .zip(out.chunks_exact_mut(self.units))
        {
            for ((o, &x), a) in o.iter_mut().zip(x).zip(alpha) {
                *o = if x < 0.0 { a * x } else { x };
            }
        }
    }

    /// The gradient of `alpha` (`Σ dy · min(x, 0)`) and dL/dx into `dx` if
    /// given. Returns whether the gradient is finite.
    pub fn backward(
        &self,
        params: &[f32],
        input: &[f32],
        dy: &[f32],
        dx: Option<&mut [f32]>,
        grads: &mut [f32],
    ) -> bool {
        let u = self.units;
        let alpha = self.alpha(params);
        let g = &mut grads[self.offset..self.offset + u];
        g.fill(0.0);
        for (x, dy) in input.chunks_exact(u).zip(dy.chunks_exact(u)) {
            for ((g, &x), dy) in g.iter_mut().zip(x).zip(dy) {
                if x < 0.0 {
                    *g += dy * x;
                }
            }
        }
        if let Some(dx) = dx {
            for ((dx, x), dy) in dx
                .chunks_exact_mut(u)
                .zip(input.chunks_exact(u))
                .zip(dy.chunks_exact(u))
            {
                for j in 0..u {
                    dx[j] = if x[j] < 0.0 { alpha[j] * dy[j] } else { dy[j] };
                }
            }
        }
        crate::kernels::all_finite(g)
    }
}

#[cfg(feature = "std")]
impl crate::engine::BatchLayer for PReluShape {
    fn of(info: &crate::layer::LayerInfo) -> Option<Self> {
        match info.kind {
            crate::layer::LayerKind::PReLU { units, .. } => Some(Self {
                offset: info.offset,
                units,
            }),
            _ => None,
        }
    }

    fn batch_forward(&self, pass: crate::engine::ForwardPass<'_>) {
        self.forward(pass.params, pass.input, pass.out);
    }

    fn batch_backward(&self, pass: crate::engine::BackwardPass<'_>) -> bool {
        self.backward(pass.params, pass.input, pass.delta, pass.dx, pass.grads)
    }
}

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;

    #[test]
    fn gradients_match_finite_differences() {
        let s = PReluShape {
            offset: 0,
            units: 2,
        };
        let mut params = vec![0.25_f32, -0.5];
        let input = vec![-1.0_f32, 2.0, 0.5, -3.0];
        let w = [0.7_f32, -0.2, 0.4, 0.9];
        let loss = |params: &[f32], input: &[f32]| {
            let mut out = vec![0.0; 4];
            s.forward(params, input, &mut out);
            out.iter().zip(&w).map(|(o, w)| o * w).sum::<f32>()
        };
        let (mut dx, mut grads) = (vec![0.0; 4], vec![0.0; 2]);
        assert!(s.backward(&params, &input, &w, Some(&mut dx), &mut grads));
        let h = 1e-2;
        for i in 0..4 {
            let (mut up, mut down) = (input.clone(), input.clone());
            up[i] += h;
            down[i] -= h;
            let numeric = (loss(&params, &up) - loss(&params, &down)) / (2.0 * h);
            assert!((numeric - dx[i]).abs() < 1e-3, "dx[{i}]");
        }
        for i in 0..2 {
            let keep = params[i];
            params[i] = keep + h;
            let up = loss(&params, &input);
            params[i] = keep - h;
            let down = loss(&params, &input);
            params[i] = keep;
            assert!(
                ((up - down) / (2.0 * h) - grads[i]).abs() < 1e-3,
                "alpha[{i}]"
            );
        }
    }
}
