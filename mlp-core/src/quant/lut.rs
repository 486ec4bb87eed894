//! An activation in integers: a table of 256 int8 values, one per int8
//! input, computed at bake time from the activation's formula and the
//! quantisation of its input and output (TensorFlow Lite's int8 `tanh` and
//! `logistic` kernels work the same way). Any elementwise activation
//! (`sigmoid`, `tanh`, `elu`, `gelu`, a `LeakyReLU` layer, ...) has this
//! form; 256 bytes of flash per layer.
//!
//! ```
//! use mlp_core::quant::LutQ;
//!
//! // A table that negates (saturating at 127).
//! let table: [i8; 256] = core::array::from_fn(|i| (127 - i as i32).max(-128) as i8);
//! let lut = LutQ::<3>::from_table(table);
//! assert_eq!(lut.forward(&[-128, 0, 5]), [127, -1, -6]);
//! # Ok::<(), core::convert::Infallible>(())
//! ```

/// An elementwise activation on `N` int8 values, by table.
#[repr(C)]
pub struct LutQ<const N: usize> {
    table: [i8; 256],
}

impl<const N: usize> LutQ<N> {
    /// A layer from its table: entry `i` is the output for input `i - 128`.
    pub const fn from_table(table: [i8; 256]) -> Self {
        Self { table }
    }

    /// The table: entry `i` is the output for input `i - 128`.
    pub fn table(&self) -> &[i8; 256] {
        &self.table
    }

    /// One sample through the table.
    #[inline]
    pub fn forward(&self, x: &[i8; N]) -> [i8; N] {
        x.map(|q| self.table[usize::from(q as u8 ^ 0x80)])
    }
}
