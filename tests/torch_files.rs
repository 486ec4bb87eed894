//! PyTorch's own files, in and out: the fixtures of `tests/fixtures/torch-files/`
//! (made by real PyTorch 2.15; see their PROVENANCE.md) load through both
//! import paths, `load_torch` (the state dict as safetensors) and
//! `load_onnx` (`torch.onnx.export`), and predict PyTorch's outputs to 1e-5;
//! our ONNX exports, of the fixtures and of every layer kind, run in tract
//! and predict what we predict to 1e-5; a file that differs from the
//! declaration is refused, naming the layer and both descriptions.

use mlp::prelude::*;
use std::path::{Path, PathBuf};

mod common {
    pub mod tract;
}

network! {
    /// `fashion_torch_mlp`: PyTorch's MLP ends in logits (its softmax is in the loss).
    pub struct FashionLogits {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10>
    }
}

network! {
    /// `housing_torch_bn`: BatchNorm1d's epsilon is PyTorch's 1e-5.
    pub struct HousingBn {
        Input[8] -> Dense<50> -> BatchNormalization<epsilon = 1e-5> -> ELU -> Dropout<0.2> -> Dense<1>
    }
}

network! {
    /// `wide_deep_torch`: two inputs, two outputs.
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

fn folder(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/torch-files")
        .join(name)
}

fn npy(path: &Path) -> Vec<f32> {
    mlp::datasets::npy::read(path).unwrap().data
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// A chain's predictions on row-major samples, row-major.
fn predict<N: Network>(model: &N, x: &[f32]) -> Vec<f32> {
    let mut out = vec![0.0; x.len() / N::INPUT_SIZE * N::OUTPUT_SIZE];
    for (row, y) in x
        .chunks_exact(N::INPUT_SIZE)
        .zip(out.chunks_exact_mut(N::OUTPUT_SIZE))
    {
        model
            .predict_one(&N::Input::from_row_major(row))
            .write_row_major(y);
    }
    out
}

/// Loads a chain's fixture both ways, checks PyTorch's outputs, then our
/// export in tract.
fn chain_matches_pytorch<N: Network>(name: &str) {
    let dir = folder(name);
    let x = npy(&dir.join("input_0.npy"));
    let y = npy(&dir.join("output_0.npy"));
    let mut from_torch = N::new(1);
    from_torch
        .load_torch(dir.join("model.safetensors"))
        .unwrap();
    let mut from_onnx = N::new(2);
    from_onnx.load_onnx(dir.join("model.onnx")).unwrap();
    for (how, model) in [("safetensors", &from_torch), ("onnx", &from_onnx)] {
        let ours = predict(&**model, &x);
        let diff = max_abs_diff(&ours, &y);
        assert!(diff <= 1e-5, "{name} ({how}): max abs diff {diff}");
    }
    // Both paths give the same weights, bit for bit.
    assert_eq!(from_torch.params(), from_onnx.params());
    // Our export, read by tract, predicts what we predict.
    let bytes = from_onnx.onnx_to_bytes().unwrap();
    let theirs = common::tract::run(&bytes, &[(&x, N::INPUT_SHAPE)]).unwrap();
    let diff = max_abs_diff(&theirs[0], &predict(&*from_onnx, &x));
    assert!(
        diff <= 1e-5,
        "{name} exported, in tract: max abs diff {diff}"
    );
}

#[test]
fn fashion_mlp_with_logits_matches_pytorch_both_ways() {
    chain_matches_pytorch::<FashionLogits>("fashion_torch_mlp");
}

#[test]
fn housing_with_batch_norm_elu_and_dropout_matches_pytorch_both_ways() {
    chain_matches_pytorch::<HousingBn>("housing_torch_bn");
}

/// The graph's predictions, `main` then `aux` per output, row-major.
fn predict_wide_deep(model: &WideDeep, wide: &[f32], deep: &[f32]) -> [Vec<f32>; 2] {
    let mut out = [Vec::new(), Vec::new()];
    for (w, d) in wide.chunks_exact(5).zip(deep.chunks_exact(6)) {
        let y = model.predict_one(&WideDeepInputs {
            wide: SVector::from_row_slice(w),
            deep: SVector::from_row_slice(d),
        });
        out[0].push(y.main_output[0]);
        out[1].push(y.aux_output[0]);
    }
    out
}

#[test]
fn wide_and_deep_graph_matches_pytorch_both_ways() {
    let dir = folder("wide_deep_torch");
    let (wide, deep) = (npy(&dir.join("input_0.npy")), npy(&dir.join("input_1.npy")));
    let expected = [
        npy(&dir.join("output_0.npy")),
        npy(&dir.join("output_1.npy")),
    ];
    let mut from_torch = WideDeep::new(1);
    from_torch
        .load_torch(dir.join("model.safetensors"))
        .unwrap();
    let mut from_onnx = WideDeep::new(2);
    from_onnx.load_onnx(dir.join("model.onnx")).unwrap();
    assert_eq!(from_torch.params(), from_onnx.params());
    let ours = predict_wide_deep(&from_onnx, &wide, &deep);
    for (got, want) in ours.iter().zip(&expected) {
        let diff = max_abs_diff(got, want);
        assert!(diff <= 1e-5, "wide_deep_torch: max abs diff {diff}");
    }
    let bytes = from_onnx.onnx_to_bytes().unwrap();
    let theirs = common::tract::run(&bytes, &[(&wide, &[5]), (&deep, &[6])]).unwrap();
    for (got, want) in theirs.iter().zip(&ours) {
        let diff = max_abs_diff(got, want);
        assert!(
            diff <= 1e-5,
            "wide_deep exported, in tract: max abs diff {diff}"
        );
    }
}

network! {
    /// Every layer kind and activation, one after the other.
    pub struct EveryKind {
        Input[6] -> Dense<8, relu> -> Dense<8, sigmoid> -> Dense<8, tanh> -> Dense<8, elu>
            -> Dense<8, selu> -> Dense<8, leaky_relu> -> Dense<8, softplus> -> Dense<8, softsign>
            -> Dense<8, relu6> -> Dense<8, hard_sigmoid> -> Dense<8, swish> -> Dense<8, gelu>
            -> Dense<8, exponential>
            -> BatchNormalization<momentum = 0.9, epsilon = 0.01> -> ReLU -> Dropout<0.3>
            -> Dense<8> -> LeakyReLU<0.1> -> Dense<8> -> ELU<0.7> -> Dense<8> -> PReLU
            -> ReLU<max_value = 2.0> -> Dense<4, softmax>
    }
}

network! {
    /// A graph with every merge, several inputs and outputs.
    pub struct Merges {
        a = Input[4];
        b = Input[4];
        c = Input[3];
        ha = Dense<5, relu>(a);
        hb = Dense<5, tanh>(b);
        sum = Add(ha, hb);
        sum3 = Add(ha, hb, sum);
        mean = Average(ha, hb);
        joined = Concatenate(sum3, mean, c);
        norm = BatchNormalization(joined);
        output y = Dense<3, softmax>(norm);
        output z = Dense<1>(mean);
    }
}

/// Deterministic inputs in [-2, 2).
fn samples(n: usize, seed: u32) -> Vec<f32> {
    (0..n)
        .map(|i| (((i as u32 + 1).wrapping_mul(2_654_435_761) ^ seed) % 4000) as f32 / 1000.0 - 2.0)
        .collect()
}

/// Weights that are not the initial ones (BatchNormalization's moving
/// statistics included), so that every array takes part.
fn perturbed<M: Graph>(model: &mut M) {
    let n = M::PARAMS;
    let noise = samples(n, 7);
    for (p, e) in model.params_mut().iter_mut().zip(noise) {
        *p += 0.1 * e;
        *p = p.abs().max(0.05).copysign(*p);
    }
}

#[test]
fn every_layer_kind_exported_runs_in_tract_as_here_and_reads_back() {
    let mut model = EveryKind::new(3);
    let noise = samples(EveryKind::PARAMS, 11);
    for (p, e) in model.params_mut().iter_mut().zip(noise) {
        // BatchNormalization's moving variances (ones) stay positive.
        *p += 0.05 * e;
    }
    let x = samples(6 * 20, 3);
    let bytes = model.onnx_to_bytes().unwrap();
    let theirs = common::tract::run(&bytes, &[(&x, &[6])]).unwrap();
    let ours = predict(&*model, &x);
    let diff = max_abs_diff(&theirs[0], &ours);
    assert!(diff <= 1e-5, "every kind in tract: max abs diff {diff}");
    // gelu has no single ONNX operator at opset 17: it is read back from
    // its five (Div, Erf, Add, Mul, Mul), like every other kind.
    let mut back = EveryKind::new_zeroed();
    back.load_onnx_from_bytes(&bytes).unwrap();
    assert_eq!(back.params(), model.params());
}

network! {
    /// `gelu_torch`: PyTorch's `nn.GELU()` (erf) after each hidden Linear.
    pub struct GeluTorch { Input[8] -> Dense<16, gelu> -> Dense<16, gelu> -> Dense<1> }
}

network! {
    /// The same with the tanh approximation: not the file's function, refused.
    pub struct GeluTanh { Input[8] -> Dense<16, gelu_approximate> -> Dense<16, gelu> -> Dense<1> }
}

#[test]
fn pytorch_gelu_reads_from_its_erf_operators() {
    let dir = folder("gelu_torch");
    let mut model = GeluTorch::new_zeroed();
    model.load_onnx(dir.join("model.onnx")).unwrap();
    let x = npy(&dir.join("input_0.npy"));
    let diff = max_abs_diff(&predict(&*model, &x), &npy(&dir.join("output_0.npy")));
    assert!(diff <= 1e-5, "gelu_torch (onnx): max abs diff {diff}");
    // Not a constant answer.
    assert!(model.params().iter().filter(|&&v| v != 0.0).count() > GeluTorch::PARAMS / 2);
    let err = GeluTanh::new_zeroed()
        .load_onnx(dir.join("model.onnx"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("the activation `gelu_approximate` has no ONNX form"),
        "{err}"
    );
}

#[test]
fn a_graph_with_every_merge_exported_runs_in_tract_and_reads_back() {
    let mut model = Merges::new(5);
    perturbed(&mut *model);
    let (a, b, c) = (samples(4 * 10, 1), samples(4 * 10, 2), samples(3 * 10, 3));
    let bytes = model.onnx_to_bytes().unwrap();
    let theirs = common::tract::run(&bytes, &[(&a, &[4]), (&b, &[4]), (&c, &[3])]).unwrap();
    let mut ours = [Vec::new(), Vec::new()];
    for i in 0..10 {
        let y = model.predict_one(&MergesInputs {
            a: SVector::from_row_slice(&a[i * 4..][..4]),
            b: SVector::from_row_slice(&b[i * 4..][..4]),
            c: SVector::from_row_slice(&c[i * 3..][..3]),
        });
        ours[0].extend(y.y.iter());
        ours[1].extend(y.z.iter());
    }
    for (got, want) in theirs.iter().zip(&ours) {
        let diff = max_abs_diff(got, want);
        assert!(diff <= 1e-5, "merges in tract: max abs diff {diff}");
    }
    let mut back = Merges::new_zeroed();
    back.load_onnx_from_bytes(&bytes).unwrap();
    assert_eq!(back.params(), model.params());
}

network! {
    /// Keras's default epsilon, 1e-3: not PyTorch's.
    pub struct HousingKerasEpsilon {
        Input[8] -> Dense<50> -> BatchNormalization -> ELU -> Dropout<0.2> -> Dense<1>
    }
}

network! {
    /// A softmax the PyTorch file does not have.
    pub struct FashionSoftmax {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}

network! {
    /// A hidden layer of another width.
    pub struct FashionNarrow {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<50, relu> -> Dense<10>
    }
}

#[test]
fn a_different_architecture_is_refused_naming_the_layer_and_both_descriptions() {
    let dir = folder("housing_torch_bn");
    let mut model = HousingKerasEpsilon::new(1);
    let before = model.params().to_vec();
    let err = model
        .load_onnx(dir.join("model.onnx"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(
            "layer `batch_normalization` (BatchNormalization<momentum = 0.99, epsilon = 0.001>)"
        ) && err.contains("has epsilon = 1e-5")
            && err.contains("declare `BatchNormalization<epsilon = 1e-5>`"),
        "{err}"
    );
    assert_eq!(
        model.params(),
        before.as_slice(),
        "a refused file changes nothing"
    );

    let dir = folder("fashion_torch_mlp");
    let err = FashionSoftmax::new(1)
        .load_onnx(dir.join("model.onnx"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("layer `dense_2` (Dense<10, softmax>) ends in Softmax")
            && err.contains("declared with a linear last layer"),
        "{err}"
    );

    let err = FashionNarrow::new(1)
        .load_onnx(dir.join("model.onnx"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("layer `dense_1` (Dense<50, relu>) reads 300 values; the file's node `/3/Gemm` (Gemm) is Dense<100> reading 300"),
        "{err}"
    );
    let err = FashionNarrow::new(1)
        .load_torch(dir.join("model.safetensors"))
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("tensor `3.weight` has shape (100, 300), but layer `dense_1` (Dense<50, relu>) needs (50, 300)"),
        "{err}"
    );
}

#[test]
fn truncated_and_foreign_files_are_errors() {
    let dir = folder("housing_torch_bn");
    let bytes = std::fs::read(dir.join("model.onnx")).unwrap();
    let mut model = HousingBn::new(1);
    for cut in [1, bytes.len() / 3, bytes.len() / 2, bytes.len() - 1] {
        let err = model
            .load_onnx_from_bytes(&bytes[..cut])
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("ONNX bytes: "), "{err}");
    }
    let st = std::fs::read(dir.join("model.safetensors")).unwrap();
    let err = model.load_onnx_from_bytes(&st).unwrap_err().to_string();
    assert!(err.contains("ONNX"), "{err}");
    let err = model.load_torch_from_bytes(&bytes).unwrap_err().to_string();
    assert!(err.contains("not a safetensors file"), "{err}");
    // The wide & deep state dict has modules this chain does not declare.
    let wd = std::fs::read(folder("wide_deep_torch").join("model.safetensors")).unwrap();
    let err = model.load_torch_from_bytes(&wd).unwrap_err().to_string();
    assert!(err.contains("tensor `"), "{err}");
}
