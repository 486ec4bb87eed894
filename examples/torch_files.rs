//! What this example teaches: a model trained in PyTorch runs here, typed,
//! and goes back out as ONNX. Each folder of `tests/fixtures/torch-files/`
//! holds a model that real PyTorch 2.15 trained and saved two ways (the
//! `state_dict` as safetensors, and `torch.onnx.export`), with the inputs it
//! was given and what it predicted. Each file is loaded into a network
//! declared here (`load_torch`, `load_onnx`: every shape, operator and
//! connection checked against the declaration), the network predicts the
//! same inputs, and the line printed is the largest difference from
//! PyTorch's predictions. Each model is then exported with `save_onnx` and
//! run by tract, a pure-Rust ONNX runtime, against our own predictions; and
//! a model trained here goes the same way.
//!
//! Run it with `cargo run --release --example torch_files`; it ends with
//! `all matched` when everything is within 1e-5. With `--out DIR` it also
//! writes each export with its inputs and our predictions (`.npy`) for
//! `scripts/onnx_check.py`, which runs them in onnxruntime, and each model
//! as a `.keras` file for `scripts/check_keras_file.py` (Keras 3).

use mlp::io::KerasFile;
use mlp::loss::MeanSquaredError;
use mlp::optim::Sgd;
use mlp::prelude::*;
use std::path::{Path, PathBuf};

#[path = "../tests/common/npy.rs"]
mod npy;
#[path = "../tests/common/tract.rs"]
mod tract;

network! {
    /// `fashion_torch_mlp`: `nn.Sequential(nn.Flatten(), nn.Linear(784, 300),
    /// nn.ReLU(), nn.Linear(300, 100), nn.ReLU(), nn.Linear(100, 10))`. It ends
    /// in logits (PyTorch puts the softmax in the loss): the last Dense is linear.
    pub struct FashionLogits {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10>
    }
}

network! {
    /// `housing_torch_bn`: Linear -> BatchNorm1d -> ELU -> Dropout -> Linear.
    /// BatchNorm1d's epsilon is 1e-5 (Keras's default is 1e-3): declare it.
    pub struct HousingBn {
        Input[8] -> Dense<50> -> BatchNormalization<epsilon = 1e-5> -> ELU -> Dropout<0.2> -> Dense<1>
    }
}

network! {
    /// `wide_deep_torch`: two inputs and two outputs, named as in PyTorch.
    pub struct WideDeep {
        wide = Input[5];
        deep = Input[6];
        hidden1 = Dense<30, relu>(deep);
        hidden2 = Dense<30, relu>(hidden1);
        concat = Concatenate(wide, hidden2);
        output main_output = Dense<1>(concat);
        output aux_output = Dense<1>(hidden2);
    }
}

type Error = Box<dyn std::error::Error>;

/// The largest absolute difference between two sets of outputs.
fn max_abs_diff(a: &[Vec<f32>], b: &[Vec<f32>]) -> f32 {
    a.iter()
        .zip(b)
        .flat_map(|(x, y)| x.iter().zip(y).map(|(p, q)| (p - q).abs()))
        .fold(0.0, f32::max)
}

/// A model of either form, as this example drives it: predictions on
/// row-major batches (one per input), one vector per output.
trait Checked {
    fn input_shapes() -> Vec<Vec<usize>>;
    fn predict(&self, inputs: &[Vec<f32>]) -> Vec<Vec<f32>>;
    fn load_torch_file(&mut self, path: &Path) -> mlp::Result<()>;
    fn load_onnx_file(&mut self, path: &Path) -> mlp::Result<()>;
    fn onnx(&self) -> mlp::Result<Vec<u8>>;
    /// Saves a `.keras` file (a chain as a Sequential model, a graph as a
    /// Functional one), for `scripts/check_keras_file.py`.
    fn save_keras_file(&self, path: &Path) -> mlp::Result<()>;
}

impl<N: Network> Checked for Box<N> {
    fn input_shapes() -> Vec<Vec<usize>> {
        vec![N::INPUT_SHAPE.to_vec()]
    }
    fn predict(&self, inputs: &[Vec<f32>]) -> Vec<Vec<f32>> {
        let mut out = Vec::new();
        for row in inputs[0].chunks_exact(N::INPUT_SIZE) {
            let mut y = vec![0.0; N::OUTPUT_SIZE];
            self.predict_one(&N::Input::from_row_major(row))
                .write_row_major(&mut y);
            out.extend(y);
        }
        vec![out]
    }
    fn load_torch_file(&mut self, path: &Path) -> mlp::Result<()> {
        TorchFile::load_torch(&mut **self, path)
    }
    fn load_onnx_file(&mut self, path: &Path) -> mlp::Result<()> {
        OnnxFile::load_onnx(&mut **self, path)
    }
    fn onnx(&self) -> mlp::Result<Vec<u8>> {
        OnnxFile::onnx_to_bytes(&**self)
    }
    fn save_keras_file(&self, path: &Path) -> mlp::Result<()> {
        (**self).save_keras(path)
    }
}

/// The graph, by hand: its inputs and outputs are a struct's fields.
struct TwoInputs(Box<WideDeep>);

impl Checked for TwoInputs {
    fn input_shapes() -> Vec<Vec<usize>> {
        vec![vec![5], vec![6]]
    }
    fn predict(&self, inputs: &[Vec<f32>]) -> Vec<Vec<f32>> {
        let mut out = vec![Vec::new(), Vec::new()];
        for (w, d) in inputs[0].chunks_exact(5).zip(inputs[1].chunks_exact(6)) {
            let y = self.0.predict_one(&WideDeepInputs {
                wide: SVector::from_row_slice(w),
                deep: SVector::from_row_slice(d),
            });
            out[0].push(y.main_output[0]);
            out[1].push(y.aux_output[0]);
        }
        out
    }
    fn load_torch_file(&mut self, path: &Path) -> mlp::Result<()> {
        TorchFile::load_torch(&mut *self.0, path)
    }
    fn load_onnx_file(&mut self, path: &Path) -> mlp::Result<()> {
        OnnxFile::load_onnx(&mut *self.0, path)
    }
    fn onnx(&self) -> mlp::Result<Vec<u8>> {
        OnnxFile::onnx_to_bytes(&*self.0)
    }
    fn save_keras_file(&self, path: &Path) -> mlp::Result<()> {
        self.0.save_keras(path)
    }
}

/// Our export of `model`, run by tract on `inputs`, against our predictions;
/// with `out`, the export and its data written for onnxruntime.
fn export<M: Checked>(
    name: &str,
    model: &M,
    inputs: &[Vec<f32>],
    out: Option<&Path>,
) -> Result<f32, Error> {
    let bytes = model.onnx()?;
    let shapes = M::input_shapes();
    let feed: Vec<(&[f32], &[usize])> = inputs
        .iter()
        .zip(&shapes)
        .map(|(x, s)| (x.as_slice(), s.as_slice()))
        .collect();
    let ours = model.predict(inputs);
    let diff = max_abs_diff(&tract::run(&bytes, &feed)?, &ours);
    println!("{name} exported to ONNX, run by tract: max abs diff {diff:.3e}");
    if let Some(out) = out {
        let dir = out.join(name);
        std::fs::create_dir_all(&dir)?;
        std::fs::write(dir.join("model.onnx"), &bytes)?;
        for (k, (x, s)) in inputs.iter().zip(&shapes).enumerate() {
            let mut shape = vec![x.len() / s.iter().product::<usize>()];
            shape.extend(s);
            npy::write_f32(&dir.join(format!("input_{k}.npy")), &shape, x)?;
        }
        let n = inputs[0].len() / shapes[0].iter().product::<usize>();
        for (k, y) in ours.iter().enumerate() {
            npy::write_f32(&dir.join(format!("output_{k}.npy")), &[n, y.len() / n], y)?;
        }
        // The same model as a `.keras` file, for Keras 3 (PyTorch -> here ->
        // Keras), with the same inputs and outputs.
        let keras = out.join(format!("{name}_keras"));
        std::fs::create_dir_all(&keras)?;
        model.save_keras_file(&keras.join("model.keras"))?;
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "npy") {
                std::fs::copy(&path, keras.join(path.file_name().unwrap_or_default()))?;
            }
        }
    }
    Ok(diff)
}

/// Loads the folder both ways, compares with PyTorch, exports; the worst
/// difference seen.
fn check<M: Checked>(
    dir: &Path,
    mut fresh: impl FnMut() -> M,
    out: Option<&Path>,
) -> Result<f32, Error> {
    let name = dir.file_name().and_then(|n| n.to_str()).unwrap_or("?");
    let n_inputs = M::input_shapes().len();
    let inputs: Vec<Vec<f32>> = (0..n_inputs)
        .map(|k| npy::read_f32(&dir.join(format!("input_{k}.npy"))).map(|(_, v)| v))
        .collect::<Result<_, _>>()?;
    let mut expected = Vec::new();
    for k in 0.. {
        let path = dir.join(format!("output_{k}.npy"));
        if !path.exists() {
            break;
        }
        expected.push(npy::read_f32(&path)?.1);
    }
    let mut worst = 0.0_f32;
    let mut last = None;
    for how in ["onnx", "safetensors"] {
        let mut model = fresh();
        match how {
            "onnx" => model.load_onnx_file(&dir.join("model.onnx"))?,
            _ => model.load_torch_file(&dir.join("model.safetensors"))?,
        }
        let diff = max_abs_diff(&model.predict(&inputs), &expected);
        println!("{name} ({how}): max abs diff {diff:.3e}");
        worst = worst.max(diff);
        last = Some(model);
    }
    let model = last.ok_or("no model loaded")?;
    Ok(worst.max(export(name, &model, &inputs, out)?))
}

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .map(PathBuf::from)
    };
    let fixtures = flag("--fixtures").unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/torch-files")
    });
    let out = flag("--out");
    let out = out.as_deref();

    let mut worst = 0.0_f32;
    worst = worst.max(check(
        &fixtures.join("fashion_torch_mlp"),
        || FashionLogits::new(1),
        out,
    )?);
    worst = worst.max(check(
        &fixtures.join("housing_torch_bn"),
        || HousingBn::new(1),
        out,
    )?);
    worst = worst.max(check(
        &fixtures.join("wide_deep_torch"),
        || TwoInputs(WideDeep::new(1)),
        out,
    )?);

    // A model trained here (from PyTorch's weights, on the fixture's inputs
    // and a target of our own), then exported.
    let dir = fixtures.join("housing_torch_bn");
    let (_, x) = npy::read_f32(&dir.join("input_0.npy"))?;
    let samples: Vec<SVector<f32, 8>> = x.chunks_exact(8).map(SVector::from_row_slice).collect();
    let targets: Vec<SVector<f32, 1>> = samples
        .iter()
        .map(|s| SVector::from([s.sum() / 8.0]))
        .collect();
    let mut model = HousingBn::new(42);
    model.load_torch(dir.join("model.safetensors"))?;
    let mut trainer = model.compile(MeanSquaredError, Sgd::new(0.01), []);
    let history = trainer.fit(&samples, &targets, Fit::epochs(3).seed(42).verbose(0))?;
    drop(trainer);
    println!(
        "housing trained here 3 epochs (loss {:.4})",
        history
            .get("loss")
            .and_then(|l| l.last())
            .copied()
            .unwrap_or(f64::NAN)
    );
    worst = worst.max(export("housing_trained_here", &model, &[x], out)?);

    if worst <= 1e-5 {
        println!("all matched");
        Ok(())
    } else {
        Err(format!("max abs diff {worst:e} is over 1e-5").into())
    }
}
