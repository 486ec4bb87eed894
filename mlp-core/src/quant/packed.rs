//! [`DenseI8`]'s opt-in integer path with its weights re-laid out once for
//! VNNI ([`PackedI8`]): [`PackedDenseI8::forward_one_u8`] gives
//! [`DenseI8::forward_one_u8`]'s outputs bit for bit (the same `u8`
//! inputs, the same exact `i32` sums, the same f32 arithmetic after them),
//! sixteen units per `vpdpbusd` register instead of one horizontal sum per
//! unit. [`DenseI8::pack`] builds it at load time (it allocates the packed
//! weights once; a forward pass allocates nothing).
//!
//! ```
//! use mlp_core::activation::Relu;
//! use mlp_core::quant::DenseI8;
//! use mlp_core::SVector;
//!
//! let layer = DenseI8::<3, 2, Relu>::from_parts([[51, -127, 25], [32, 95, -127]], [0.01, 0.02], [0.0, 1.0]);
//! let packed = layer.pack();
//! let x = SVector::from([0.5, 0.25, 1.0]);
//! assert_eq!(packed.forward_one_u8(&x), layer.forward_one_u8(&x));
//! # Ok::<(), core::convert::Infallible>(())
//! ```

use super::DenseI8;
use crate::activation::Activation;
use crate::kernels::{PackedI8, int8_path, quantize_u8};
use core::marker::PhantomData;
use nalgebra::SVector;

/// A [`DenseI8`] layer with its int8 weights packed for VNNI (see the
/// module's docs): `IN` inputs, `OUT` units, activation `A`.
#[derive(Clone, Debug)]
pub struct PackedDenseI8<const IN: usize, const OUT: usize, A> {
    kernel: PackedI8,
    /// `Σ_i kernel[u][i]` of each unit, for inputs whose zero point is not 0.
    row_sums: [i32; OUT],
    scale: [f32; OUT],
    bias: [f32; OUT],
    activation: PhantomData<A>,
}

impl<const IN: usize, const OUT: usize, A: Activation> DenseI8<IN, OUT, A> {
    /// The layer with its weights packed for VNNI ([`PackedDenseI8`]), for
    /// the opt-in integer path at its fastest. Allocates the packed weights
    /// (`IN · OUT` bytes, rounded up to blocks of 16 units and 4 inputs).
    pub fn pack(&self) -> PackedDenseI8<IN, OUT, A> {
        PackedDenseI8 {
            kernel: PackedI8::from_rows(self.kernel()),
            row_sums: core::array::from_fn(|u| {
                self.kernel()[u].iter().map(|q| i32::from(*q)).sum()
            }),
            scale: *self.scales(),
            bias: *self.bias(),
            activation: PhantomData,
        }
    }
}

impl<const IN: usize, const OUT: usize, A: Activation> PackedDenseI8<IN, OUT, A> {
    /// One sample in integer arithmetic: [`DenseI8::forward_one_u8`]'s
    /// result, bit for bit (the input quantised to `u8` with its own scale
    /// and zero point, the sums exact in `i32`, then
    /// `A(bias + scale · x_scale · (Σ q · x − zero · Σ q))`).
    pub fn forward_one_u8(&self, x: &SVector<f32, IN>) -> SVector<f32, OUT> {
        let mut z = SVector::<f32, OUT>::zeros();
        self.one(x.as_slice(), z.as_mut_slice());
        z
    }

    /// [`Self::forward_one_u8`] on slices, into `out` (no allocation). An
    /// error naming both sizes if `x` does not hold `IN` values or `out`
    /// `OUT`.
    pub fn forward_u8_into(&self, x: &[f32], out: &mut [f32]) -> crate::Result<()> {
        if x.len() != IN || out.len() != OUT {
            return Err(crate::Error::InvalidArgument {
                name: "x",
                message: alloc::format!(
                    "holds {} values and out {}; one sample of a {IN} x {OUT} layer takes {IN} and gives {OUT}",
                    x.len(),
                    out.len()
                ),
            });
        }
        self.one(x, out);
        Ok(())
    }

    /// One sample, `x` of `IN` values into `out` of `OUT`.
    #[inline]
    fn one(&self, x: &[f32], out: &mut [f32]) {
        let mut xq = [0_u8; IN];
        let params = quantize_u8(x, &mut xq);
        let mut sums = [0_i32; OUT];
        self.kernel.run(int8_path(), &xq, &mut sums);
        self.finish(&sums, params, out);
    }

    /// [`Self::forward_one_u8`] for every sample of `x` (`IN` values each,
    /// one after another) into `out` (`OUT` each), on the calling thread:
    /// the same outputs bit for bit, four samples sharing each pass over
    /// the weights ([`PackedI8::gemm`]). Allocates nothing. An error naming
    /// both sizes if `x` is not whole samples or `out` not one row for each.
    pub fn forward_u8_batch_into(&self, x: &[f32], out: &mut [f32]) -> crate::Result<()> {
        Self::samples(x.len(), out.len())?;
        self.batch(x, out);
        Ok(())
    }

    /// The samples `x_len` inputs hold, if they are whole samples and
    /// `out_len` outputs one row for each; else an error naming both sizes.
    pub(crate) fn samples(x_len: usize, out_len: usize) -> crate::Result<usize> {
        match x_len.checked_div(IN) {
            Some(samples) if samples * IN == x_len && out_len == samples * OUT => Ok(samples),
            _ => Err(crate::Error::InvalidArgument {
                name: "x",
                message: alloc::format!(
                    "holds {x_len} values and out {out_len}; a {IN} x {OUT} layer takes whole samples of {IN} inputs and gives {OUT} outputs each"
                ),
            }),
        }
    }

    /// [`Self::forward_u8_batch_into`] on sizes [`Self::samples`] accepted.
    pub(crate) fn batch(&self, x: &[f32], out: &mut [f32]) {
        if OUT == 0 {
            return;
        }
        let path = int8_path();
        let mut xq = [[0_u8; IN]; TILE];
        let mut sums = [[0_i32; OUT]; TILE];
        let mut params = [(0.0, 0); TILE];
        for (x, out) in x.chunks(TILE * IN).zip(out.chunks_mut(TILE * OUT)) {
            let n = x.len() / IN;
            for ((x, q), p) in x.chunks_exact(IN).zip(&mut xq).zip(&mut params) {
                *p = quantize_u8(x, q);
            }
            self.kernel
                .run_many(path, xq[..n].as_flattened(), sums[..n].as_flattened_mut());
            for ((sums, p), out) in sums.iter().zip(params).zip(out.chunks_exact_mut(OUT)) {
                self.finish(sums, p, out);
            }
        }
    }

    /// One sample's outputs from its exact sums and its input's `(scale,
    /// zero point)`: `A(bias + scale · x_scale · (sum − zero · Σ q))`.
    #[inline]
    fn finish(&self, sums: &[i32], params: (f32, i32), out: &mut [f32]) {
        super::dequantize::<A>(
            sums,
            |u| self.row_sums[u],
            &self.scale,
            &self.bias,
            params,
            out,
        );
    }
}

/// Samples quantised and summed together in
/// [`PackedDenseI8::forward_u8_batch_into`] (the kernel's tile).
pub(crate) const TILE: usize = 4;

#[cfg(all(test, feature = "std"))]
mod tests {
    use super::*;
    use crate::activation::{Linear, Relu, Softmax};

    /// A layer whose weights cover the int8 range, with two units of
    /// zeros and biases of both signs.
    fn layer<const IN: usize, const OUT: usize, A: Activation>() -> DenseI8<IN, OUT, A> {
        let kernel = core::array::from_fn(|u| {
            core::array::from_fn(|i| {
                if u % 7 == 3 {
                    0
                } else {
                    (((i * 31 + u * 17) % 255) as i32 - 127) as i8
                }
            })
        });
        let scale = core::array::from_fn(|u| 0.001 * (u % 5 + 1) as f32);
        let bias = core::array::from_fn(|u| (u as f32 - 3.0) / 4.0);
        DenseI8::from_parts(kernel, scale, bias)
    }

    /// The packed layer against the unpacked one, bit for bit, on inputs
    /// with and without negatives (zero point 0 and not).
    fn same<const IN: usize, const OUT: usize, A: Activation>() {
        let plain = layer::<IN, OUT, A>();
        let packed = plain.pack();
        for shift in [0.0, 0.3, 1.0] {
            let x = SVector::<f32, IN>::from_fn(|i, _| ((i * 13) % 29) as f32 / 9.0 - shift);
            let (p, u) = (packed.forward_one_u8(&x), plain.forward_one_u8(&x));
            let bits = |v: &SVector<f32, OUT>| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&p), bits(&u), "{IN} x {OUT}, shift {shift}");
        }
    }

    /// The batch path against the one-sample path, bit for bit, for sample
    /// counts around the tiles of 4.
    fn batch_same<const IN: usize, const OUT: usize, A: Activation>() {
        let packed = layer::<IN, OUT, A>().pack();
        for samples in [0, 1, 3, 4, 5, 11] {
            let x: Vec<f32> = (0..samples * IN)
                .map(|i| ((i * 13) % 29) as f32 / 9.0 - (i / IN % 3) as f32 * 0.4)
                .collect();
            let mut out = vec![f32::NAN; samples * OUT];
            packed.forward_u8_batch_into(&x, &mut out).unwrap();
            for (x, out) in x.chunks(IN).zip(out.chunks(OUT)) {
                let mut one = [0.0; OUT];
                packed.forward_u8_into(x, &mut one).unwrap();
                let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                assert_eq!(bits(out), bits(&one), "{IN} x {OUT}, {samples} samples");
            }
        }
        let err = packed
            .forward_u8_batch_into(&vec![0.0; IN + 1], &mut vec![0.0; OUT])
            .unwrap_err();
        assert!(
            err.to_string()
                .contains(&format!("holds {} values", IN + 1)),
            "{err}"
        );
        let err = packed
            .forward_u8_batch_into(&vec![0.0; IN], &mut vec![0.0; OUT + 1])
            .unwrap_err();
        assert!(
            err.to_string().contains(&format!("out {}", OUT + 1)),
            "{err}"
        );
    }

    #[test]
    fn the_batch_path_is_the_one_sample_path_bit_for_bit() {
        batch_same::<784, 300, Relu>();
        batch_same::<100, 10, Softmax>();
        batch_same::<7, 17, Linear>();
    }

    #[test]
    fn packed_forward_is_the_unpacked_one_bit_for_bit() {
        same::<784, 300, Relu>();
        same::<300, 100, Relu>();
        same::<100, 10, Softmax>();
        same::<7, 17, Linear>();
        same::<1, 1, Linear>();
    }
}
