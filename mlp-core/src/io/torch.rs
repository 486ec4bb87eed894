//! PyTorch state dicts in safetensors (`safetensors.torch.save_file(
//! model.state_dict(), "model.safetensors")`) loaded into a declared chain
//! or graph: PyTorch's modules (`1.weight`, `hidden1.bias`) mapped to the
//! layers in order (a module named as a layer goes to that layer), Linear
//! weights `[out, in]` transposed into the kernels, BatchNorm1d's four
//! tensors into a BatchNormalization (its `num_batches_tracked` ignored),
//! every shape checked with a message naming the tensor and both shapes.
//!
//! ```
//! use mlp_core::prelude::*;
//! use safetensors::{Dtype, tensor::TensorView};
//!
//! network! { pub struct Net { Input[2] -> Dense<3, relu> -> Dense<1> } }
//!
//! // What PyTorch's `nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))` saves.
//! let f = |v: &[f32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
//! let (w0, b0, w2, b2) = (f(&[1., 2., 3., 4., 5., 6.]), f(&[0.; 3]), f(&[1., 1., 1.]), f(&[0.5]));
//! let tensors = [("0.weight", &w0, vec![3, 2]), ("0.bias", &b0, vec![3]),
//!                ("2.weight", &w2, vec![1, 3]), ("2.bias", &b2, vec![1])];
//! let views = tensors.iter().map(|(n, d, s)| (*n, TensorView::new(Dtype::F32, s.clone(), d).unwrap()));
//! let bytes = safetensors::serialize(views, None).unwrap();
//!
//! let mut model = Net::new_zeroed();
//! model.load_torch_from_bytes(&bytes)?;
//! // Linear's weight [out, in] is the transpose of the kernel (in, out).
//! assert_eq!(model.get_weights()[0].data, [1., 3., 5., 2., 4., 6.]);
//! assert_eq!(model.predict_one(&SVector::from([1.0, 1.0]))[0], 3. + 7. + 11. + 0.5);
//! # Ok::<(), mlp_core::Error>(())
//! ```

use super::arch::{arch, named};
use crate::Result;
use crate::model::Model;
use crate::weights::NamedArray;
use mlp_spec::arch::Arch;
use mlp_spec::torch::torch_arrays;
use std::path::Path;

/// The arrays of a state dict for `arch`, checked.
fn decode(arch: &Arch, bytes: &[u8], source: &str) -> Result<Vec<NamedArray>> {
    named(torch_arrays(bytes, arch), source)
}

/// PyTorch's state dicts for every model, chain or graph. In the prelude.
pub trait TorchFile: Model {
    /// Replaces every weight from the PyTorch state dict saved as
    /// safetensors at `path`. Everything is checked first: on error, naming
    /// the file, the tensor or module and both shapes, no weight has
    /// changed.
    fn load_torch(&mut self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        let bytes = crate::fs::read(path)?;
        let arrays = decode(&arch::<Self>(), &bytes, &path.display().to_string())?;
        self.set_weights(&arrays)
    }

    /// [`TorchFile::load_torch`] from bytes already in memory.
    fn load_torch_from_bytes(&mut self, bytes: &[u8]) -> Result<()> {
        let arrays = decode(&arch::<Self>(), bytes, "state dict bytes")?;
        self.set_weights(&arrays)
    }
}

impl<M: Model> TorchFile for M {}
