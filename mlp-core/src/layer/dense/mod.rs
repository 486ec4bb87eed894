//! The fully connected layer.

#[cfg(feature = "std")]
mod batch;

#[cfg(feature = "std")]
pub use batch::DenseShape;

use crate::activation::Activation;
use core::marker::PhantomData;
use nalgebra::{SMatrix, SVector};

/// A fully connected layer with `IN` inputs, `OUT` units and activation `A`:
/// `a = A(x · kernel + bias)`.
///
/// The kernel is `IN x OUT`, Keras's layout (`dense.kernel().shape() == (784, 300)`
/// in the book's model). The layer is `#[repr(C)]` and holds nothing but `f32`s:
/// a network of such layers is one flat array of parameters, which is what the
/// batch path, the optimizers and the weight files work on.
#[repr(C)]
#[derive(Clone, Copy, PartialEq)]
pub struct Dense<const IN: usize, const OUT: usize, A: Activation> {
    kernel: SMatrix<f32, IN, OUT>,
    bias: SVector<f32, OUT>,
    activation: PhantomData<A>,
}

impl<const IN: usize, const OUT: usize, A: Activation> core::fmt::Debug for Dense<IN, OUT, A> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Dense")
            .field("inputs", &IN)
            .field("units", &OUT)
            .field("activation", &A::KIND)
            .finish_non_exhaustive()
    }
}

impl<const IN: usize, const OUT: usize, A: Activation> Dense<IN, OUT, A> {
    /// Number of inputs.
    pub const INPUTS: usize = IN;
    /// Number of units (outputs).
    pub const UNITS: usize = OUT;
    /// Parameters: `IN * OUT` weights and `OUT` biases.
    pub const PARAMS: usize = IN * OUT + OUT;

    /// A layer with all weights zero (by value: for small layers and `static`s;
    /// networks build their layers in place on the heap).
    pub fn zeros() -> Self {
        Self {
            kernel: SMatrix::zeros(),
            bias: SVector::zeros(),
            activation: PhantomData,
        }
    }

    /// A layer from its kernel and bias, usable in `const` and `static` items
    /// (weights baked into a binary).
    pub const fn from_arrays(kernel: [[f32; IN]; OUT], bias: [f32; OUT]) -> Self {
        Self {
            kernel: SMatrix::from_array_storage(nalgebra::ArrayStorage(kernel)),
            bias: SVector::from_array_storage(nalgebra::ArrayStorage([bias])),
            activation: PhantomData,
        }
    }

    /// The kernel, `IN x OUT` as in Keras.
    pub fn kernel(&self) -> &SMatrix<f32, IN, OUT> {
        &self.kernel
    }

    /// The kernel, mutably.
    pub fn kernel_mut(&mut self) -> &mut SMatrix<f32, IN, OUT> {
        &mut self.kernel
    }

    /// The bias, one per unit.
    pub fn bias(&self) -> &SVector<f32, OUT> {
        &self.bias
    }

    /// The bias, mutably.
    pub fn bias_mut(&mut self) -> &mut SVector<f32, OUT> {
        &mut self.bias
    }

    /// Replaces both weights; shapes are checked by the compiler.
    pub fn set_weights(&mut self, kernel: &SMatrix<f32, IN, OUT>, bias: &SVector<f32, OUT>) {
        self.kernel.copy_from(kernel);
        self.bias.copy_from(bias);
    }

    /// The forward pass of one sample, without heap allocation.
    #[inline]
    pub fn forward_one(&self, x: &SVector<f32, IN>) -> SVector<f32, OUT> {
        let mut z = self.bias;
        crate::kernels::gemv_t(self.kernel.as_slice(), IN, x.as_slice(), z.as_mut_slice());
        A::forward(z.as_mut_slice());
        z
    }
}

impl<const IN: usize, const OUT: usize, A: Activation> Default for Dense<IN, OUT, A> {
    fn default() -> Self {
        Self::zeros()
    }
}
