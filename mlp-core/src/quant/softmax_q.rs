//! `softmax` in integers. Its inputs `q` (scale `s`) enter only through
//! their differences from the largest, `d = max − q` in `[0, 255]`, so
//! `exp(−d · s)` is a table of 256 values in fixed point (`2^15` for 1),
//! computed at bake time; the outputs are `round(256 · e / Σ e) − 128`,
//! saturated at 127: TensorFlow Lite's fixed output quantisation of
//! softmax (scale 1/256, zero point −128). One division per unit.
//!
//! ```
//! use mlp_core::quant::SoftmaxQ;
//!
//! // Input scale ln 2: each step down halves the weight.
//! let table: [u16; 256] = core::array::from_fn(|d| if d < 15 { 1 << (15 - d) } else { 0 });
//! let softmax = SoftmaxQ::<3>::from_table(table);
//! // Weights 4 : 2 : 1 -> 4/7, 2/7, 1/7 of 256, less 128.
//! assert_eq!(softmax.forward(&[10, 9, 8]), [18, -55, -91]);
//! # Ok::<(), core::convert::Infallible>(())
//! ```

/// `softmax` over `N` int8 values; outputs with scale 1/256 and zero point −128.
#[repr(C)]
pub struct SoftmaxQ<const N: usize> {
    exp: [u16; 256],
}

impl<const N: usize> SoftmaxQ<N> {
    /// A layer from its table: entry `d` is `round(2^15 · exp(−d · s))` for
    /// the input scale `s`.
    pub const fn from_table(exp: [u16; 256]) -> Self {
        Self { exp }
    }

    /// The table of `exp(−d · s)` in units of `2^-15`.
    pub fn table(&self) -> &[u16; 256] {
        &self.exp
    }

    /// One sample through softmax, in integers only.
    #[inline]
    pub fn forward(&self, x: &[i8; N]) -> [i8; N] {
        let max = x.iter().copied().max().unwrap_or(0);
        let e = x.map(|q| u32::from(self.exp[(i32::from(max) - i32::from(q)) as usize]));
        // The largest term is 2^15, so the sum is positive.
        let sum: u32 = e.iter().sum();
        e.map(|e| {
            let p = ((e << 8) + sum / 2) / sum;
            (p as i32 - 128).min(127) as i8
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_follow_the_float_softmax() {
        let s = 0.1_f64;
        let table: [u16; 256] =
            core::array::from_fn(|d| ((-(d as f64) * s).exp() * 32768.0).round() as u16);
        let softmax = SoftmaxQ::<4>::from_table(table);
        let x = [-30_i8, 12, 5, 127];
        let y = softmax.forward(&x);
        let z = x.map(|q| (f64::from(q) * s).exp());
        let total: f64 = z.iter().sum();
        for (y, z) in y.iter().zip(z) {
            let p = (f64::from(*y) + 128.0) / 256.0;
            assert!((p - z / total).abs() <= 1.0 / 256.0, "{p} vs {}", z / total);
        }
        // One input: probability 1, saturated at 127 (255/256).
        assert_eq!(SoftmaxQ::<1>::from_table(table).forward(&[-7]), [127]);
    }
}
