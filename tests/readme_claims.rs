//! The README's and docs' claims that a test can hold:
//!
//! - every relative link of README.md, CHANGELOG.md, the crates' READMEs and
//!   docs/*.md names a file that exists, and so does every repository path
//!   README.md and docs/ quote; docs/architecture.md's file names exist;
//! - the README's Rust examples compile and run as written: they live here
//!   (and the baked sine model in mlp-embedded/tests/readme_sine.rs) between
//!   `// README begin` and `// README end` markers, inside functions that give
//!   them the variables and files the README leaves to the reader, and
//!   `readme_examples_are_the_compiled_code` checks that each marked block is
//!   in README.md verbatim, so neither can change alone;
//! - the compile error, the two summaries and the two refusals the README
//!   quotes are the real ones;
//! - the Examples table lists examples/, the features paragraph and the crate
//!   docs' table name every Cargo feature, docs/reliability.md names every
//!   fuzz target and existing unit tests.

use std::path::{Path, PathBuf};

/// The repository's root (the `mlp` crate's folder).
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Markdown files whose links and paths are checked, relative to the root.
fn documents() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = [
        "README.md",
        "CHANGELOG.md",
        "mlp-core/README.md",
        "mlp-embedded/README.md",
    ]
    .iter()
    .map(PathBuf::from)
    .collect();
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("docs/ is readable")
        .map(|entry| entry.expect("a docs/ entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .map(|path| {
            path.strip_prefix(root())
                .expect("under the root")
                .to_path_buf()
        })
        .collect();
    docs.sort();
    assert!(
        docs.len() >= 3,
        "docs/ should hold architecture.md, performance.md and reliability.md: {docs:?}"
    );
    files.extend(docs);
    files
}

/// Checks that a scan of the documents found at least `at_least` of
/// `what` (so a broken parser cannot pass by finding nothing) and that none
/// of them failed.
fn assert_all_found(
    checked: usize,
    at_least: usize,
    what: &str,
    failed_as: &str,
    failed: &[String],
) {
    assert!(
        checked >= at_least,
        "only {checked} {what} found: is the parser right?"
    );
    assert!(failed.is_empty(), "{failed_as}:\n{}", failed.join("\n"));
}

/// Every `[text](target)` and `![alt](target)` of a Markdown text, with its line.
fn links(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(start) = rest.find("](") {
            let after = &rest[start + 2..];
            let Some(end) = after.find(')') else { break };
            found.push((number + 1, after[..end].to_string()));
            rest = &after[end..];
        }
    }
    found
}

/// Whether a link leaves the repository (a web address, a mail, an anchor).
fn is_external(target: &str) -> bool {
    target.starts_with("http://")
        || target.starts_with("https://")
        || target.starts_with("mailto:")
        || target.starts_with('#')
}

#[test]
fn every_relative_link_names_an_existing_file() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for document in documents() {
        let text = std::fs::read_to_string(root().join(&document)).expect("a readable document");
        let folder = root()
            .join(&document)
            .parent()
            .expect("a parent folder")
            .to_path_buf();
        for (line, target) in links(&text) {
            if is_external(&target) {
                continue;
            }
            let path = target.split('#').next().unwrap_or_default();
            checked += 1;
            if !folder.join(path).exists() {
                broken.push(format!("{}:{line}: {target}", document.display()));
            }
        }
    }
    assert_all_found(
        checked,
        20,
        "relative links",
        "links to files that do not exist",
        &broken,
    );
}

/// The repository's top-level folders a quoted path may start with.
const TOP_LEVEL: [&str; 12] = [
    "tests/",
    "examples/",
    "benches/",
    "scripts/",
    "docs/",
    "data/",
    "fuzz/",
    ".ci/",
    "src/",
    "mlp-core/",
    "mlp-spec/",
    "mlp-macros/",
];

/// Every path in backticks that starts with a top-level folder of the
/// repository (or `mlp-embedded/`), with its line; a trailing `:` or `,` is
/// not part of it, and a path with spaces (a command) is skipped.
fn quoted_paths(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (number, line) in text.lines().enumerate() {
        for (index, piece) in line.split('`').enumerate() {
            let quoted = index % 2 == 1;
            let is_path = TOP_LEVEL
                .iter()
                .chain(&["mlp-embedded/"])
                .any(|top| piece.starts_with(top));
            if quoted && is_path && !piece.contains(' ') {
                found.push((number + 1, piece.trim_end_matches([':', ',']).to_string()));
            }
        }
    }
    found
}

/// Whether a path exists; a `*` in its last part matches any run of
/// characters (`tests/ui/graph_*`, `tests/ui/weights/onnx_*.rs`).
fn exists(relative: &Path) -> bool {
    let full = root().join(relative);
    let name = relative
        .file_name()
        .and_then(|name| name.to_str())
        .unwrap_or_default();
    let Some((prefix, suffix)) = name.split_once('*') else {
        return full.exists();
    };
    let folder = full.parent().expect("a parent folder");
    std::fs::read_dir(folder).is_ok_and(|entries| {
        entries.filter_map(Result::ok).any(|entry| {
            let entry = entry.file_name().to_string_lossy().into_owned();
            entry.len() >= prefix.len() + suffix.len()
                && entry.starts_with(prefix)
                && entry.ends_with(suffix)
        })
    })
}

/// Quoted paths that are not the repository's: the reader's own firmware
/// crate of *Your own firmware, step by step*.
const READERS_PATHS: [&str; 1] = ["src/main.rs"];

#[test]
fn every_quoted_repository_path_exists() {
    let mut missing = Vec::new();
    let mut checked = 0;
    // README.md and docs/: mlp-embedded/README.md quotes paths relative to
    // its own folder and its firmware's.
    for document in documents()
        .into_iter()
        .filter(|document| !document.starts_with("mlp-embedded"))
    {
        let text = std::fs::read_to_string(root().join(&document)).expect("a readable document");
        for (line, path) in quoted_paths(&text) {
            if READERS_PATHS.contains(&path.as_str()) || path.contains('<') {
                continue;
            }
            checked += 1;
            // An example may be named by its target (`examples/fashion_mnist`).
            if !exists(Path::new(&path)) && !exists(Path::new(&format!("{path}.rs"))) {
                missing.push(format!("{}:{line}: `{path}`", document.display()));
            }
        }
    }
    assert_all_found(
        checked,
        30,
        "quoted paths",
        "quoted paths that do not exist",
        &missing,
    );
}

// ---------------------------------------------------------------------------
// The README's Rust examples, each between markers, as the README writes it.

// README begin
use mlp::prelude::*;

network! {
    /// The book's Fashion-MNIST classifier (chapter 10).
    pub struct FashionMlp {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}
// README end

use mlp::loss::Reduction;
use mlp::optim::{Accumulate, Ema};

// README begin
network! {
    pub struct BatchNormMlp {
        Flatten[28, 28]
            -> BatchNormalization
            -> Dense<300, elu, kernel_initializer = he_normal>
            -> BatchNormalization
            -> Dense<100, elu, kernel_initializer = he_normal>
            -> BatchNormalization
            -> Dense<10, softmax>
    }
}
// README end

// README begin
network! {
    pub struct WideAndDeep {
        input = Input[8];
        hidden1 = Dense<30, relu>(input);
        hidden2 = Dense<30, relu>(hidden1);
        concat = Concatenate(input, hidden2);   // 8 + 30 = 38, summed by the macro
        output output = Dense<1>(concat);
    }
}
// README end

network! {
    /// The book's housing regressor, as saved by Keras in
    /// tests/fixtures/keras-files/housing_sequential.
    pub struct Housing { Input[8] -> Dense<30, relu> -> Dense<1> }
}

network! {
    /// The two-input, two-output Wide & Deep model of
    /// tests/fixtures/keras-files/wide_deep_two_outputs, with this library's
    /// default layer names (a Keras file's layers match by kind and order).
    pub struct WideDeep {
        wide_input = Input[5];
        deep_input = Input[6];
        hidden1 = Dense<30, relu>(deep_input);
        hidden2 = Dense<30, relu>(hidden1);
        concat = Concatenate(wide_input, hidden2);
        output main_output = Dense<1>(concat);
        output aux_output = Dense<1>(hidden2);
    }
}

type Error = Box<dyn std::error::Error>;

/// `n` images whose class `k` has row `k` bright, and their labels.
fn images(n: usize) -> (Vec<SMatrix<f32, 28, 28>>, Vec<u8>) {
    let x = (0..n)
        .map(|i| {
            SMatrix::from_fn(|r, c| {
                if r == i % 10 {
                    1.0
                } else {
                    ((r + c + i) % 7) as f32 * 0.01
                }
            })
        })
        .collect();
    let y = (0..n).map(|i| (i % 10) as u8).collect();
    (x, y)
}

/// `n` samples of `N` features, from a small deterministic pattern.
fn features<const N: usize>(n: usize, shift: usize) -> Vec<SVector<f32, N>> {
    (0..n)
        .map(|i| SVector::from_fn(|j, _| ((i * 7 + j * 3 + shift) % 11) as f32 / 11.0 - 0.5))
        .collect()
}

#[test]
#[rustfmt::skip] // the README's layout, checked verbatim
fn chapter_10_compile_and_fit() -> Result<(), Error> {
    let (x_train, y_train) = images(20);
    let (x_valid, y_valid) = images(10);
    let mut model = FashionMlp::new(42);
    let kernel: &SMatrix<f32, 784, 300> = model.dense.kernel();
    assert_eq!(kernel.shape(), (784, 300));
    // README begin
    let mut trainer = model.compile(SparseCategoricalCrossentropy, Sgd::new(0.01), [Metric::Accuracy]);
    let history = trainer.fit(&x_train, &y_train, Fit::epochs(30).validation_data(&x_valid, &y_valid))?;
    // README end
    for key in ["loss", "accuracy", "val_loss", "val_accuracy"] {
        assert_eq!(history.get(key).map(<[f64]>::len), Some(30), "{key}");
    }
    Ok(())
}

network! {
    /// A small classifier that ends in logits, for the chapter 11 options.
    pub struct Logits { Input[4] -> Dense<8, relu> -> Dense<3> }
}

network! {
    /// A small classifier that ends in a softmax.
    pub struct Probabilities { Input[4] -> Dense<8, relu> -> Dense<3, softmax> }
}

#[test]
#[rustfmt::skip] // the README's layout, checked verbatim
fn chapter_11_options() -> Result<(), Error> {
    let x = features::<4>(30, 0);
    let y: Vec<u8> = (0..30).map(|i| (i % 3) as u8).collect();
    // README begin
    let optimizer = Adam::new(1e-3).weight_decay(1e-4);
    let loss = SparseCategoricalCrossentropy.from_logits(true);
    let fit = Fit::epochs(100).callback(ReduceLrOnPlateau::default().patience(5));
    // README end
    let mut model = Logits::new(1);
    let history =
        model
            .compile(loss, optimizer, [])
            .fit(&x, &y, fit.verbose(0).validation_split(0.2))?;
    assert_eq!(history.get("loss").map(<[f64]>::len), Some(100));
    assert!(
        history.get("learning_rate").is_some(),
        "ReduceLrOnPlateau records the rate"
    );

    // README begin
    let optimizer = Ema::new(Accumulate::new(Adam::new(1e-3), 4)).momentum(0.99);
    let loss = SparseCategoricalCrossentropy.output_logits(true).reduction(Reduction::Sum);
    let metrics = [Metric::Accuracy, Metric::auc(), Metric::precision()];
    // README end
    let mut model = Probabilities::new(1);
    let mut trainer = model.compile(loss, optimizer, metrics);
    trainer.fit(&x, &y, Fit::epochs(2).verbose(0))?;
    let results = trainer.evaluate(&x, &y)?;
    assert!(results.get("accuracy").is_some(), "{results}");
    Ok(())
}

#[test]
#[rustfmt::skip] // the README's layout, checked verbatim
fn normalization_layer() -> Result<(), Error> {
    let x_train = features::<8>(40, 0)
        .iter()
        .map(|x| x * 1000.0)
        .collect::<Vec<_>>();
    let y_train: Vec<f32> = (0..40).map(|i| (i % 5) as f32).collect();
    // README begin
    network! {
        pub struct NormalizedHousing {
            Input[8] -> Normalization -> Dense<50, relu> -> Dense<50, relu> -> Dense<50, relu> -> Dense<1>
        }
    }
    let mut model = NormalizedHousing::new(42);
    model.adapt_normalization("normalization", &x_train)?; // the raw, unscaled features
    let mut trainer = model.compile(MeanSquaredError, Adam::new(1e-3), [Metric::RootMeanSquaredError]);
    // README end
    let history = trainer.fit(&x_train, &y_train, Fit::epochs(1).verbose(0))?;
    assert!(
        history.get("root_mean_squared_error").is_some(),
        "{:?}",
        history.names().collect::<Vec<_>>()
    );
    Ok(())
}

#[test]
#[rustfmt::skip] // the README's layout, checked verbatim
fn wide_and_deep_with_two_outputs() -> Result<(), Error> {
    let model = WideAndDeep::new(1);
    let one = model.predict_one(&WideAndDeepInputs {
        input: SVector::zeros(),
    });
    assert!(one.output[0].is_finite());
    let (train_wide, train_deep) = (features::<5>(40, 0), features::<6>(40, 2));
    let (valid_wide, valid_deep) = (features::<5>(10, 1), features::<6>(10, 3));
    let (test_wide, test_deep) = (features::<5>(10, 4), features::<6>(10, 5));
    let (y_train, y_valid, y_test): (Vec<f32>, Vec<f32>, Vec<f32>) = (
        (0..40).map(|i| i as f32 / 40.0).collect(),
        vec![0.5; 10],
        vec![0.25; 10],
    );
    // README begin
    network! {
        pub struct TwoOutputs {
            wide_input = Input[5];
            deep_input = Input[6];
            hidden1 = Dense<30, relu>(deep_input);
            hidden2 = Dense<30, relu>(hidden1);
            concat = Concatenate(wide_input, hidden2);
            output main_output = Dense<1>(concat);
            output aux_output = Dense<1>(hidden2);
        }
    }

    let mut model = TwoOutputs::new(42);
    let mut trainer = model
        .compile(MeanSquaredError, Sgd::default(), [])
        .loss_weights([0.9, 0.1]);
    let history = trainer.fit(
        (&train_wide, &train_deep),          // one slice per input
        (&y_train, &y_train),                // one target slice per output
        Fit::epochs(20).validation_data((&valid_wide, &valid_deep), (&y_valid, &y_valid)),
    )?;
    // history keys: loss, main_output_loss, aux_output_loss, val_loss, val_main_output_loss, ...
    let results = trainer.evaluate((&test_wide, &test_deep), (&y_test, &y_test))?;
    println!("{}", results["main_output_loss"]);
    // README end
    let keys: Vec<&str> = history.names().collect();
    for key in [
        "loss",
        "main_output_loss",
        "aux_output_loss",
        "val_loss",
        "val_main_output_loss",
    ] {
        assert!(keys.contains(&key), "{key} is not among {keys:?}");
    }
    Ok(())
}

/// The file examples of *Keras interoperability* and *PyTorch and ONNX*, run
/// in a folder that holds the files they name: copies of the repository's
/// Keras and PyTorch fixtures, and a safetensors file written by this library.
/// (The only test here that changes the working directory; the others use
/// absolute paths.)
#[test]
#[rustfmt::skip] // the README's layout, checked verbatim
fn files_in_and_out() -> Result<(), Error> {
    let folder = tempfile::tempdir()?;
    let fixtures = root().join("tests/fixtures");
    std::fs::copy(
        fixtures.join("keras-files/housing_sequential/model.keras"),
        folder.path().join("model.keras"),
    )?;
    std::fs::copy(
        fixtures.join("keras-files/wide_deep_two_outputs/model.keras"),
        folder.path().join("wide_deep.keras"),
    )?;
    std::fs::copy(
        fixtures.join("torch-files/fashion_torch_mlp/model.safetensors"),
        folder.path().join("model.safetensors"),
    )?;
    std::fs::copy(
        fixtures.join("torch-files/fashion_torch_mlp/model.onnx"),
        folder.path().join("model.onnx"),
    )?;
    FashionMlp::new(7).save_weights(folder.path().join("weights.safetensors"))?;
    std::env::set_current_dir(folder.path())?;
    let (images, _) = images(1);
    let image = images[0];

    // README begin
    let mut model = FashionMlp::new_zeroed();
    model.load_weights("weights.safetensors")?;   // every name, shape and dtype checked first
    let p = model.predict_one(&image);
    model.save_weights("copy.safetensors")?;      // a temporary file, then a rename: never half-written
    // README end
    assert_eq!(p, FashionMlp::new(7).predict_one(&image));

    // README begin
    let mut model = Housing::new_zeroed();
    model.load_keras("model.keras")?;          // or load_keras_weights("model.weights.h5")
    model.save_keras("copy.keras")?;           // Keras 3's keras.models.load_model reads it
    // README end
    assert_ne!(
        model.params(),
        Housing::new_zeroed().params(),
        "the weights were loaded"
    );

    // README begin
    let mut model = WideDeep::new_zeroed();      // wide_input, deep_input -> main_output, aux_output
    model.load_keras("wide_deep.keras")?;        // Keras's Functional model, checked node by node
    model.save_keras("copy.keras")?;             // written back as a Functional model
    // README end
    let mut copy = WideDeep::new_zeroed();
    copy.load_keras("copy.keras")?;
    assert_eq!(copy.params(), model.params());

    // README begin
    network! {
        pub struct FashionLogits {   // nn.Flatten, nn.Linear(784, 300), nn.ReLU, ..., nn.Linear(100, 10)
            Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10>
        }
    }

    let mut model = FashionLogits::new_zeroed();
    model.load_torch("model.safetensors")?;   // `1.weight` [300, 784] transposed into dense/kernel (784, 300)
    model.load_onnx("model.onnx")?;           // the graph checked against the declaration first
    model.save_onnx("ours.onnx")?;            // opset 17, dynamic batch axis, inference graph
    // README end
    let mut from_torch = FashionLogits::new_zeroed();
    from_torch.load_torch("model.safetensors")?;
    assert_eq!(
        from_torch.params(),
        model.params(),
        "the state dict and the ONNX file hold the same weights"
    );
    assert!(std::path::Path::new("ours.onnx").exists());

    // The two refusals the README quotes, word for word.
    network! {
        /// The fixture's model with a narrower second layer.
        pub struct FashionNarrow { Flatten[28, 28] -> Dense<300, relu> -> Dense<50, relu> -> Dense<10> }
    }
    let readme = std::fs::read_to_string(root().join("README.md"))?;
    let torch = FashionNarrow::new_zeroed()
        .load_torch("model.safetensors")
        .expect_err("a wrong shape")
        .to_string();
    let onnx = FashionMlp::new_zeroed()
        .load_onnx("model.onnx")
        .expect_err("a softmax the file does not have")
        .to_string();
    for (error, quote) in [
        (
            torch,
            "tensor `3.weight` has shape (100, 300), but layer `dense_1` (Dense<50, relu>) needs (50, 300)",
        ),
        (
            onnx,
            "layer `dense_2` (Dense<10, softmax>) ends in Softmax, but in the file `logits` is read by no other operator; a PyTorch model that ends in logits (its softmax in the loss) is declared with a linear last layer",
        ),
    ] {
        assert!(error.contains(quote), "the error is now:\n{error}");
        let quote_in_readme = quote.split_whitespace().collect::<Vec<_>>().join(" ");
        let readme_text = readme.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            readme_text.contains(&quote_in_readme),
            "README.md no longer quotes: {quote}"
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// The check that the code above is the README's.

/// The blocks between `// README begin` and `// README end`,
/// each as its lines with the leading blanks removed.
fn marked_blocks() -> Vec<Vec<String>> {
    // This file, and mlp-embedded's test of the README's baked sine model
    // (its `#[weights]` path is relative to that crate).
    let sources = [
        include_str!("readme_claims.rs"),
        include_str!("../mlp-embedded/tests/readme_sine.rs"),
    ];
    let mut blocks = Vec::new();
    let mut current: Option<Vec<String>> = None;
    for line in sources.iter().flat_map(|source| source.lines()) {
        match (line.trim(), current.as_mut()) {
            ("// README begin", None) => current = Some(Vec::new()),
            ("// README end", Some(_)) => blocks.extend(current.take()),
            (_, Some(block)) => block.push(line.trim_start().to_string()),
            _ => {}
        }
    }
    assert!(current.is_none(), "a `// README begin` without its end");
    blocks
}

#[test]
fn readme_examples_are_the_compiled_code() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let lines: Vec<&str> = readme.lines().map(str::trim_start).collect();
    let blocks = marked_blocks();
    assert!(blocks.len() >= 10, "only {} marked blocks", blocks.len());
    let missing: Vec<String> = blocks
        .iter()
        .filter(|block| {
            !lines
                .windows(block.len())
                .any(|window| window.iter().zip(block.iter()).all(|(a, b)| a == b))
        })
        .map(|block| block.join("\n"))
        .collect();
    assert!(
        missing.is_empty(),
        "README.md does not hold these compiled examples as written here:\n\n{}",
        missing.join("\n\n")
    );
}

/// The README's ```text blocks.
fn text_blocks(readme: &str) -> Vec<Vec<&str>> {
    let mut blocks = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in readme.lines() {
        match (line.trim(), current.as_mut()) {
            ("```text", None) => current = Some(Vec::new()),
            ("```", Some(_)) => blocks.extend(current.take()),
            (_, Some(block)) => block.push(line),
            _ => {}
        }
    }
    blocks
}

/// A compile error the README quotes from a UI case is that case's `.stderr`,
/// line for line; a line that ends in `...` is cut there.
#[test]
fn quoted_compile_errors_are_the_ui_snapshots() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let mut quoted = 0;
    for block in text_blocks(&readme) {
        let Some(case) = block
            .iter()
            .find_map(|line| line.trim().strip_prefix("--> tests/ui/"))
        else {
            continue;
        };
        let case = case.split(".rs:").next().expect("a path");
        let stderr = std::fs::read_to_string(root().join(format!("tests/ui/{case}.stderr")))
            .expect("the case's .stderr");
        let snapshot: Vec<&str> = stderr.lines().collect();
        for (index, line) in block.iter().enumerate() {
            let real = snapshot.get(index).copied().unwrap_or_default();
            match line.strip_suffix("...") {
                Some(cut) => assert!(
                    real.starts_with(cut),
                    "tests/ui/{case}.stderr line {}:\n  README: {line}\n  real:   {real}",
                    index + 1
                ),
                None => assert_eq!(*line, real, "tests/ui/{case}.stderr line {}", index + 1),
            }
        }
        quoted += 1;
    }
    assert!(
        quoted >= 1,
        "the README quotes tests/ui/predict_flat_vector.stderr"
    );
}

/// The summaries the README prints are this library's: the book's model's
/// and the first Wide & Deep graph's.
#[test]
fn readme_summaries_are_ours() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let summaries: Vec<Vec<&str>> = text_blocks(&readme)
        .into_iter()
        .filter(|block| block[0].starts_with("Model: "))
        .collect();
    assert_eq!(summaries.len(), 2, "the README shows two summaries");
    let fashion = FashionMlp::new(42).summary().to_string();
    assert_eq!(summaries[0], fashion.lines().collect::<Vec<_>>());
    let wide_and_deep = WideAndDeep::new(42).summary().to_string();
    assert_eq!(summaries[1], wide_and_deep.lines().collect::<Vec<_>>());
}

// The firmware of *Your own firmware, step by step*, on the host: the same
// `use`, the fine-tuner's type, its compile-time RAM budget, its `static`, and
// the body of `main`, with the model in a `Box` instead of baked from the
// reader's `model.safetensors`, and the sensor read from a pattern.

/// The firmware, in a module of its own: rustfmt leaves it as the README
/// writes it.
#[rustfmt::skip]
mod firmware {
    use super::*;

    // README begin
    use mlp_core::on_device::{LastLayers, DeviceSgd, last_layers_params, last_layers_scratch_len};
    // README end

    network! {
        /// The firmware's network, without its `#[weights("model.safetensors")]`.
        pub struct Net { Input[8] -> Dense<32, relu> -> Dense<16, relu> -> Dense<4, softmax> }
    }

    // README begin
    type Tuner = LastLayers<Net, 1, { last_layers_params::<Net>(1) }, { last_layers_scratch_len::<Net>(1) }>;
    const _: () = assert!(Tuner::RAM_BYTES <= 4 * 1024, "RAM budget, checked at compile time");
    // In RAM; all zeros, so in .bss (zeroed at reset, no flash; settings at run time).
    static mut TUNER: Tuner = Tuner::zeroed(DeviceSgd { learning_rate: 0.0, momentum: 0.0 });
    // README end

    fn read_sensor() -> SVector<f32, 8> {
        SVector::from_fn(|i, _| i as f32 / 8.0)
    }

    fn collect_labelled_samples() -> ([SVector<f32, 8>; 4], [usize; 4]) {
        let x = features::<8>(4, 1);
        ([x[0], x[1], x[2], x[3]], [0, 1, 2, 3])
    }

    #[test]
    // `MODEL` is the firmware's `static`, here a reference: `&MODEL` borrows it
    // as the firmware does; `&mut *(&raw mut TUNER)` is the 2024 edition's way
    // to a `static mut` without `static_mut_refs`.
    #[allow(non_snake_case, clippy::needless_borrow, clippy::deref_addrof)]
    fn firmware_main_on_the_host() {
        let model = Net::new(3);
        let MODEL: &Net = &model;
        // README begin
        let class = MODEL.predict_one(&read_sensor()).argmax().0;   // the baked model
        // SAFETY: the only reference to TUNER (no interrupt uses it).
        let tuner = unsafe { &mut *(&raw mut TUNER) };
        tuner.load(&MODEL);                  // copies the last layer's weights from flash
        tuner.sgd = DeviceSgd { learning_rate: 0.05, momentum: 0.9 };
        let (x, labels): ([SVector<f32, 8>; 4], [usize; 4]) = collect_labelled_samples();
        for _ in 0..10 {
            tuner.step_sparse(&MODEL, &x, &labels);   // or tuner.step(&MODEL, &x, &y) for MSE
        }
        let tuned = tuner.predict(&MODEL, &read_sensor()).argmax().0;   // frozen layers from flash
        // README end
        assert!(class < 4 && tuned < 4);
        assert_eq!(
            tuner.weights().len(),
            16 * 4 + 4,
            "the last layer's 16 x 4 + 4 parameters"
        );
    }
}

/// The names, without `.rs`, of the Rust files in the repository folder `dir`.
fn rust_file_stems(dir: &str) -> Vec<String> {
    std::fs::read_dir(root().join(dir))
        .unwrap_or_else(|e| panic!("{dir}/: {e}"))
        .filter_map(|entry| {
            entry
                .ok()?
                .file_name()
                .to_str()?
                .strip_suffix(".rs")
                .map(str::to_string)
        })
        .collect()
}

/// The README's table of examples names every file of `examples/`, and only those.
#[test]
fn examples_table_lists_every_example() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let mut listed: Vec<String> = readme
        .lines()
        .filter_map(|line| line.strip_prefix("| ["))
        .filter_map(|rest| rest.split_once("](examples/"))
        .map(|(name, _)| name.to_string())
        .collect();
    let mut files = rust_file_stems("examples");
    listed.sort();
    files.sort();
    assert_eq!(
        listed, files,
        "the README's Examples table against examples/*.rs"
    );
}

/// Every Cargo feature of `mlp` is named in the README's list and in the
/// features table of the crate docs (src/lib.rs).
#[test]
fn every_feature_is_documented() {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).expect("Cargo.toml");
    let section = manifest
        .split("\n[features]\n")
        .nth(1)
        .expect("a [features] section");
    let section = section.split("\n[").next().unwrap_or_default();
    let features: Vec<&str> = section
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.split_once(" = "))
        .map(|(name, _)| name.trim())
        .filter(|name| *name != "default")
        .collect();
    assert!(features.len() >= 8, "{features:?}");
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let paragraph = readme
        .split("Cargo features:")
        .nth(1)
        .expect("the README's features paragraph");
    let paragraph = paragraph.split("\n\n").next().unwrap_or_default();
    let lib = std::fs::read_to_string(root().join("src/lib.rs")).expect("src/lib.rs");
    for feature in features {
        let quoted = format!("`{feature}`");
        assert!(
            paragraph.contains(&quoted),
            "README.md's features paragraph does not name {quoted}"
        );
        assert!(
            lib.contains(&format!("//! | {quoted} ")),
            "src/lib.rs's features table has no row {quoted}"
        );
    }
}

/// Every Rust file under the folders of the workspace's sources, as paths
/// relative to the root.
fn source_files() -> Vec<String> {
    fn walk(folder: &Path, found: &mut Vec<String>) {
        for entry in std::fs::read_dir(folder).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                found.push(
                    path.strip_prefix(root())
                        .expect("under the root")
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    let mut found = Vec::new();
    for folder in [
        "src",
        "mlp-core/src",
        "mlp-macros/src",
        "mlp-spec/src",
        "mlp-embedded/src",
        "tests",
        "examples",
        "benches",
        "fuzz",
    ] {
        walk(&root().join(folder), &mut found);
    }
    found
}

/// docs/architecture.md's tables name files by their path inside a crate's
/// `src/` or within a folder of its row (`engine/`'s `stage.rs`): each named
/// `.rs` file is the end of the path of a file that exists.
#[test]
fn architecture_names_existing_files() {
    let text =
        std::fs::read_to_string(root().join("docs/architecture.md")).expect("docs/architecture.md");
    let files = source_files();
    let mut named = 0;
    let mut missing = Vec::new();
    for (index, piece) in text.split('`').enumerate() {
        if index % 2 == 0 || !piece.ends_with(".rs") || piece.contains(['<', ' ']) {
            continue;
        }
        named += 1;
        let tail = format!("/{piece}");
        if !files
            .iter()
            .any(|file| file.ends_with(&tail) || file == piece)
        {
            missing.push(piece.to_string());
        }
    }
    assert!(named >= 40, "only {named} file names found");
    assert!(
        missing.is_empty(),
        "docs/architecture.md names files that do not exist: {missing:?}"
    );
}

/// docs/reliability.md names every fuzz target, and says how many there are.
#[test]
fn reliability_names_every_fuzz_target() {
    let text =
        std::fs::read_to_string(root().join("docs/reliability.md")).expect("docs/reliability.md");
    let targets = rust_file_stems("fuzz/fuzz_targets");
    const COUNTS: [&str; 16] = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen",
    ];
    let count = COUNTS.get(targets.len()).expect("fewer than 16 targets");
    assert!(
        text.contains(&format!("with {count} targets")),
        "docs/reliability.md should say `with {count} targets`"
    );
    for target in &targets {
        assert!(
            text.contains(&format!("`{target}`")),
            "docs/reliability.md does not name the fuzz target `{target}`"
        );
    }
}

/// The unit tests docs/reliability.md names by path (`weights::tests::name`)
/// are functions of that module of mlp-core.
#[test]
fn reliability_names_existing_unit_tests() {
    let text =
        std::fs::read_to_string(root().join("docs/reliability.md")).expect("docs/reliability.md");
    let mut named = 0;
    for (index, piece) in text.split('`').enumerate() {
        let Some((module, test)) = piece.split_once("::tests::") else {
            continue;
        };
        if index % 2 == 0 || test.is_empty() || test == "*" {
            continue;
        }
        named += 1;
        let module = module.replace("::", "/");
        let file = ["rs", "mod.rs"]
            .iter()
            .map(|end| {
                root().join(format!(
                    "mlp-core/src/{module}{}{end}",
                    if *end == "rs" { "." } else { "/" }
                ))
            })
            .find(|path| path.exists())
            .unwrap_or_else(|| panic!("no file for the module of `{piece}`"));
        let source = std::fs::read_to_string(&file).expect("a readable source file");
        let test = test.split(['(', ' ']).next().unwrap_or_default();
        assert!(
            source.contains(&format!("fn {test}(")),
            "{} has no test `{test}`",
            file.display()
        );
    }
    assert!(named >= 8, "only {named} unit tests named");
}
