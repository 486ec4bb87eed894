//! Weights files (save_weights / load_weights) and weights baked into the
//! binary with `#[weights("file")]`.

use mlp::prelude::*;
use std::path::Path;

network! {
    /// The architecture of tests/fixtures/weights/tiny.safetensors.
    pub struct Tiny {
        Input[2] -> Dense<3, relu> -> Dense<1>
    }
}

network! {
    /// The same, with the file's weights baked in at compile time.
    #[weights("tests/fixtures/weights/tiny.safetensors")]
    pub struct BakedTiny {
        Input[2] -> Dense<3, relu> -> Dense<1>
    }
}

network! {
    /// The sine regressor of mlp-embedded, baked from its weights file.
    #[weights("mlp-embedded/weights/sine.safetensors")]
    struct Sine {
        Input[1] -> Dense<16, relu> -> Dense<16, relu> -> Dense<1>
    }
}

network! {
    /// A classifier for the budget check.
    pub struct Small {
        Flatten[8, 8] -> Dense<32, relu> -> Dense<10, softmax>
    }
}

/// In read-only memory: no parsing and no heap at run time.
static TINY: BakedTiny = BakedTiny::WEIGHTS;

// Compile-time budgets: a model that outgrows them does not build.
const _: () = assert!(Small::WEIGHT_BYTES <= 64 * 1024);
const _: () = assert!(<Sine as Model>::PARAMS == 16 + 16 + 16 * 16 + 16 + 16 + 1);
const SMALL_BYTES: usize = <Small as Model>::WEIGHT_BYTES;

const TINY_FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/weights/tiny.safetensors"
);
const SINE_FILE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/mlp-embedded/weights/sine.safetensors"
);

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn budget_consts_are_usable_in_const_context() {
    assert_eq!(SMALL_BYTES, (64 * 32 + 32 + 32 * 10 + 10) * 4);
    let buffer = [0u8; Tiny::WEIGHT_BYTES];
    assert_eq!(buffer.len(), 13 * 4);
}

#[test]
fn the_tiny_file_loads_in_keras_layout() {
    let mut model = Tiny::new_zeroed();
    model.load_weights(TINY_FILE).unwrap();
    // The file's kernel is row-major (inputs, units): [[1, 2, 3], [4, 5, 6]].
    let kernel = model.dense.kernel();
    assert_eq!(kernel.shape(), (2, 3));
    assert_eq!(
        (
            kernel[(0, 0)],
            kernel[(0, 2)],
            kernel[(1, 0)],
            kernel[(1, 2)]
        ),
        (1.0, 3.0, 4.0, 6.0)
    );
    // x = (1, 1): hidden = relu((5, 7, 9) + (0.5, -0.5, 0.25)); out = 5.5 - 6.5 + 2 * 9.25 + 0.1.
    let y = model.predict_one(&SVector::<f32, 2>::new(1.0, 1.0))[0];
    assert!((y - 17.6).abs() < 1e-5, "{y}");
    // x = (1, -1): hidden = relu((-3, -3, -3) + bias) = 0; out = the last bias.
    let y = model.predict_one(&SVector::<f32, 2>::new(1.0, -1.0))[0];
    assert!((y - 0.1).abs() < 1e-7, "{y}");
}

#[test]
fn baked_weights_equal_loaded_weights() {
    let mut loaded = Tiny::new_zeroed();
    loaded.load_weights(TINY_FILE).unwrap();
    assert_eq!(TINY.params(), loaded.params());
    for x in [[1.0, 1.0], [0.5, -2.0], [-1.0, 3.0]] {
        let x = SVector::<f32, 2>::from(x);
        assert_eq!(TINY.predict_one(&x), loaded.predict_one(&x));
    }

    let mut sine = Sine::new_zeroed();
    sine.load_weights(SINE_FILE).unwrap();
    static SINE: Sine = Sine::WEIGHTS;
    assert_eq!(
        SINE.params(),
        sine.params(),
        "every f32 literal round-trips exactly"
    );
    assert!(
        (SINE.predict_one(&SVector::<f32, 1>::new(std::f32::consts::FRAC_PI_2))[0] - 1.0).abs()
            < 0.05
    );
}

#[test]
fn save_then_load_round_trips_and_replaces_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("small.safetensors");
    let first = Small::new(1);
    first.save_weights(&path).unwrap();
    let second = Small::new(2);
    second.save_weights(&path).unwrap();
    assert_eq!(
        files_in(dir.path()),
        ["small.safetensors"],
        "no temporary file is left"
    );

    let mut back = Small::new_zeroed();
    back.load_weights(&path).unwrap();
    assert_eq!(back.params(), second.params());
    assert_ne!(back.params(), first.params());
    // Keras's names, shapes and F32, as `get_weights` describes them.
    let bytes = std::fs::read(&path).unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    for array in second.get_weights() {
        let t = file.tensor(&array.name).unwrap();
        assert_eq!(
            (t.dtype(), t.shape()),
            (safetensors::Dtype::F32, array.shape.as_slice()),
            "{}",
            array.name
        );
    }
}

#[test]
fn a_missing_file_is_an_io_error_naming_it() {
    let mut model = Tiny::new(1);
    let before = model.params().to_vec();
    let err = model
        .load_weights("no/such/weights.safetensors")
        .unwrap_err();
    assert!(matches!(err, mlp::Error::Io { .. }), "{err:?}");
    assert!(
        err.to_string().starts_with("no/such/weights.safetensors: "),
        "{err}"
    );
    assert_eq!(model.params(), before.as_slice());
}

#[test]
fn a_truncated_file_is_an_error_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let full = std::fs::read(TINY_FILE).unwrap();
    let path = dir.path().join("cut.safetensors");
    let mut model = Tiny::new(1);
    let before = model.params().to_vec();
    for len in [0, 7, 8, 100, full.len() - 1] {
        std::fs::write(&path, &full[..len]).unwrap();
        let err = model.load_weights(&path).unwrap_err();
        let message = err.to_string();
        assert!(
            message.starts_with(&format!("{}: not a valid safetensors file", path.display())),
            "{message}"
        );
    }
    assert_eq!(model.params(), before.as_slice());
}

#[test]
fn a_file_for_another_architecture_names_the_tensor_and_both_shapes() {
    let mut model = Sine::new(1);
    let before = model.params().to_vec();
    // The tiny file: `dense/kernel` is (2, 3) where Sine has (1, 16).
    let err = model.load_weights(TINY_FILE).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{TINY_FILE}: missing tensor(s) `dense_2/kernel` (16, 1), `dense_2/bias` (1,) that `Sine` needs"
        )
    );
    network! { struct Wide { Input[2] -> Dense<4, relu> -> Dense<1> } }
    let err = Wide::new(1).load_weights(TINY_FILE).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("{TINY_FILE}: tensor `dense/kernel`: expected shape (2, 4), found (2, 3)")
    );
    network! { struct Short { Input[2] -> Dense<3, relu> } }
    let err = Short::new(1).load_weights(TINY_FILE).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "{TINY_FILE}: unexpected tensor(s) `dense_1/bias` (1,), `dense_1/kernel` (3, 1) that `Short` does not have"
        )
    );
    assert_eq!(model.params(), before.as_slice());
}
