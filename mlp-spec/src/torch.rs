//! PyTorch state dicts (`safetensors.torch.save_file(model.state_dict())`)
//! read into a declared model: the modules of the file (`1.weight`,
//! `hidden1.bias`, ...) mapped to the declaration's layers, Linear weights
//! `[out, in]` transposed into Keras's kernels `(in, out)`, BatchNorm1d's
//! `weight`, `bias`, `running_mean`, `running_var` as `gamma`, `beta`,
//! `moving_mean`, `moving_variance` (its `num_batches_tracked` ignored),
//! every shape checked. Shared by the runtime's `load_torch` and the
//! `#[weights]` bake.
//!
//! Which module is which layer: a module named as a layer (`main_output`,
//! or a layer declared `name = hidden1`) is that layer; the others, in
//! natural order of their names (`1` before `3` before `10`, `fc2` before
//! `fc10`: `nn.Sequential`'s numbering), are the remaining layers with
//! weights in declaration order.
//!
//! ```
//! use mlp_spec::arch::{Arch, Op};
//! use safetensors::{Dtype, tensor::TensorView};
//!
//! let mut arch = Arch::new("Net");
//! let x = arch.push("input", Op::Input { shape: vec![2] }, &[]);
//! arch.push("dense", Op::dense(2, 1, "linear"), &[x]);
//! let w: Vec<u8> = [1.0_f32, 2.0].iter().flat_map(|v| v.to_le_bytes()).collect();
//! let b: Vec<u8> = 0.5_f32.to_le_bytes().to_vec();
//! let bytes = safetensors::serialize(
//!     [("0.weight", TensorView::new(Dtype::F32, vec![1, 2], &w).map_err(|e| e.to_string())?),
//!      ("0.bias", TensorView::new(Dtype::F32, vec![1], &b).map_err(|e| e.to_string())?)],
//!     None,
//! ).map_err(|e| e.to_string())?;
//! let arrays = mlp_spec::torch::torch_arrays(&bytes, &arch).map_err(|e| e.join("; "))?;
//! assert_eq!(arrays[0].name, "dense/kernel");
//! assert_eq!(arrays[0].shape, [2, 1]);
//! assert_eq!(arrays[1].data, [0.5]);
//! # Ok::<(), String>(())
//! ```

use crate::arch::{Arch, Array, Layer, Op, shape};
use safetensors::{Dtype, SafeTensors};
use std::borrow::ToOwned;
use std::collections::BTreeMap;
use std::format;
use std::string::{String, ToString};
use std::vec;
use std::vec::Vec;

/// What a module of the state dict is.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Module {
    Linear,
    BatchNorm,
    PReLU,
}

impl Module {
    fn name(self) -> &'static str {
        match self {
            Module::Linear => "Linear",
            Module::BatchNorm => "BatchNorm1d",
            Module::PReLU => "PReLU",
        }
    }

    /// The module a declared layer is in PyTorch.
    fn of(op: &Op) -> Option<Self> {
        match op {
            Op::Layer(Layer::Dense { .. }) => Some(Module::Linear),
            Op::Layer(Layer::BatchNormalization { .. }) => Some(Module::BatchNorm),
            Op::Layer(Layer::PReLU { .. }) => Some(Module::PReLU),
            _ => None,
        }
    }
}

/// One tensor of the file.
struct Tensor {
    name: String,
    shape: Vec<usize>,
    data: Vec<f32>,
}

/// Whether `name` is a state dict's file rather than one with Keras's names
/// (`dense/kernel`): its tensors are named `<module>.<weight>`.
pub fn is_state_dict(bytes: &[u8]) -> bool {
    SafeTensors::deserialize(bytes).is_ok_and(|f| {
        let names = f.names();
        !names.is_empty()
            && names.iter().all(|n| !n.contains('/'))
            && names.iter().any(|n| n.ends_with(".weight"))
    })
}

/// `fc10` after `fc2`, `10` after `3`: digits compared as numbers.
fn natural(a: &str, b: &str) -> core::cmp::Ordering {
    fn chunks(s: &str) -> Vec<(bool, String)> {
        let mut out: Vec<(bool, String)> = Vec::new();
        for c in s.chars() {
            let digit = c.is_ascii_digit();
            match out.last_mut() {
                Some((d, run)) if *d == digit => run.push(c),
                _ => out.push((digit, c.to_string())),
            }
        }
        out
    }
    let (a, b) = (chunks(a), chunks(b));
    for (x, y) in a.iter().zip(&b) {
        let ord = match (
            x.0 && y.0,
            x.1.trim_start_matches('0').len(),
            y.1.trim_start_matches('0').len(),
        ) {
            (true, lx, ly) if lx != ly => lx.cmp(&ly),
            _ => x.1.cmp(&y.1),
        };
        if ord.is_ne() {
            return ord;
        }
    }
    a.len().cmp(&b.len())
}

/// The values of a tensor as `f32` (from `F32`, `F64`, `F16` or `BF16`).
fn values(name: &str, dtype: Dtype, bytes: &[u8]) -> Result<Vec<f32>, String> {
    let out: Vec<f32> = match dtype {
        Dtype::F32 => bytes
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        Dtype::F64 => bytes
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8])) as f32)
            .collect(),
        Dtype::BF16 => bytes
            .chunks_exact(2)
            .map(|c| f32::from_bits(u32::from(u16::from_le_bytes([c[0], c[1]])) << 16))
            .collect(),
        other => {
            return Err(format!(
                "tensor `{name}` has dtype {other:?}; PyTorch's float32, float64 or bfloat16 weights are read"
            ));
        }
    };
    Ok(out)
}

/// The weights of the PyTorch state dict `bytes` (a safetensors file) for
/// `arch`, in [`Arch::weights`]'s order and Keras's layout; or every
/// problem found, each naming the tensor (or module) and both shapes.
pub fn torch_arrays(bytes: &[u8], arch: &Arch) -> Result<Vec<Array>, Vec<String>> {
    let file = SafeTensors::deserialize(bytes)
        .map_err(|e| vec![format!("not a safetensors file: {e}")])?;
    let mut problems = Vec::new();
    // Every tensor, grouped by module.
    let mut modules: BTreeMap<String, BTreeMap<String, Tensor>> = BTreeMap::new();
    for (name, view) in file.tensors() {
        let Some((module, weight)) = name.rsplit_once('.') else {
            problems.push(format!(
                "tensor `{name}` is not named `<module>.<weight>` as in a PyTorch state dict"
            ));
            continue;
        };
        if weight == "num_batches_tracked" {
            continue;
        }
        match values(&name, view.dtype(), view.data()) {
            Ok(data) => {
                let tensor = Tensor {
                    name: name.clone(),
                    shape: view.shape().to_vec(),
                    data,
                };
                modules
                    .entry(module.to_owned())
                    .or_default()
                    .insert(weight.to_owned(), tensor);
            }
            Err(e) => problems.push(e),
        }
    }
    // What each module is.
    let mut kinds: Vec<(String, Module)> = Vec::new();
    for (module, tensors) in &modules {
        let keys: Vec<&str> = tensors.keys().map(String::as_str).collect();
        let rank = tensors.get("weight").map(|t| t.shape.len());
        let kind = match (keys.as_slice(), rank) {
            (["bias", "running_mean", "running_var", "weight"], _) => Some(Module::BatchNorm),
            (["bias", "weight"] | ["weight"], Some(2)) => Some(Module::Linear),
            (["weight"], Some(1)) => Some(Module::PReLU),
            _ => None,
        };
        match kind {
            Some(k) => kinds.push((module.clone(), k)),
            None => problems.push(format!(
                "module `{module}` holds `{}`: not a Linear (`weight` [out, in], `bias`), a BatchNorm1d \
                 (`weight`, `bias`, `running_mean`, `running_var`) or a PReLU (`weight`)",
                keys.join("`, `")
            )),
        }
    }
    kinds.sort_by(|a, b| natural(&a.0, &b.0));
    for n in arch
        .nodes
        .iter()
        .filter(|n| matches!(n.op, Op::Layer(Layer::Normalization { .. })))
    {
        problems.push(format!(
            "layer `{}` (Normalization) has no PyTorch module: a state dict cannot hold it; \
             declare the model without it, or set its statistics with `adapt`",
            n.name
        ));
    }
    // The declared layers with weights, and the module each takes.
    let layers: Vec<&crate::arch::Node> = arch
        .nodes
        .iter()
        .filter(|n| Module::of(&n.op).is_some())
        .collect();
    let mut taken: Vec<Option<usize>> = layers
        .iter()
        .map(|l| kinds.iter().position(|(m, _)| *m == l.name))
        .collect();
    let named: Vec<usize> = taken.iter().flatten().copied().collect();
    let mut free = (0..kinds.len()).filter(|i| !named.contains(i));
    for t in taken.iter_mut().filter(|t| t.is_none()) {
        *t = free.next();
    }
    let extra: Vec<String> = free
        .map(|i| format!("`{}` ({})", kinds[i].0, kinds[i].1.name()))
        .collect();
    if !extra.is_empty() {
        problems.push(format!(
            "the state dict has module(s) {} that `{}` does not declare",
            extra.join(", "),
            arch.name
        ));
    }
    let mut arrays = Vec::new();
    for (layer, module) in layers.iter().zip(&taken) {
        let Some(module) = *module else {
            problems.push(format!(
                "layer `{}` ({}) has no module in the state dict",
                layer.name,
                layer.op.describe()
            ));
            continue;
        };
        let (module, kind) = &kinds[module];
        if Module::of(&layer.op) != Some(*kind) {
            problems.push(format!(
                "layer `{}` is declared {} but its module `{module}` is a {}",
                layer.name,
                layer.op.describe(),
                kind.name()
            ));
            continue;
        }
        let tensors = &modules[module];
        match convert(layer, tensors) {
            Ok(mut a) => arrays.append(&mut a),
            Err(e) => problems.push(e),
        }
    }
    if problems.is_empty() {
        Ok(arrays)
    } else {
        Err(problems)
    }
}

/// One layer's arrays from its module's tensors, every shape checked.
fn convert(
    layer: &crate::arch::Node,
    tensors: &BTreeMap<String, Tensor>,
) -> Result<Vec<Array>, String> {
    let check = |t: &Tensor, want: &[usize]| {
        if t.shape == want {
            Ok(())
        } else {
            Err(format!(
                "tensor `{}` has shape {}, but layer `{}` ({}) needs {}",
                t.name,
                shape(&t.shape),
                layer.name,
                layer.op.describe(),
                shape(want)
            ))
        }
    };
    let array = |w: &str, shape: Vec<usize>, data: Vec<f32>| Array {
        name: format!("{}/{w}", layer.name),
        shape,
        data,
    };
    match layer.op {
        Op::Layer(Layer::Dense { inputs, units, .. }) => {
            let weight = &tensors["weight"];
            check(weight, &[units, inputs])?;
            let bias = match tensors.get("bias") {
                Some(b) => {
                    check(b, &[units])?;
                    b.data.clone()
                }
                None => vec![0.0; units],
            };
            // [out, in] -> Keras's (in, out), row-major.
            let mut kernel = vec![0.0; inputs * units];
            for u in 0..units {
                for i in 0..inputs {
                    kernel[i * units + u] = weight.data[u * inputs + i];
                }
            }
            Ok(vec![
                array("kernel", vec![inputs, units], kernel),
                array("bias", vec![units], bias),
            ])
        }
        Op::Layer(Layer::BatchNormalization { units, .. }) => {
            let mut out = Vec::new();
            for (theirs, ours) in [
                ("weight", "gamma"),
                ("bias", "beta"),
                ("running_mean", "moving_mean"),
                ("running_var", "moving_variance"),
            ] {
                let t = &tensors[theirs];
                check(t, &[units])?;
                out.push(array(ours, vec![units], t.data.clone()));
            }
            Ok(out)
        }
        Op::Layer(Layer::PReLU { units, .. }) => {
            let t = &tensors["weight"];
            // `nn.PReLU()` has one slope for every unit.
            let data = if t.shape == [1] {
                vec![t.data[0]; units]
            } else {
                check(t, &[units])?;
                t.data.clone()
            };
            Ok(vec![array("alpha", vec![units], data)])
        }
        _ => Ok(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural_order_counts_numbers() {
        let mut names = ["fc10", "fc2", "10", "3", "1", "a.2", "a.10"];
        names.sort_by(|a, b| natural(a, b));
        assert_eq!(names, ["1", "3", "10", "a.2", "a.10", "fc2", "fc10"]);
    }
}
