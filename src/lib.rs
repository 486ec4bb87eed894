//! # mlp
//!
//! Multilayer perceptrons whose shapes are types. A network declared as
//! `Flatten[28, 28] -> Dense<300, relu> -> Dense<10, softmax>` becomes a plain
//! struct of statically sized nalgebra matrices, so a shape mistake is a
//! compile error; around it sits the workflow of Keras's `Sequential`
//! (chapter 10 of Géron's *Hands-On Machine Learning*).
//!
//! The README's walkthrough, in short: declare, compile, fit, evaluate,
//! predict, save.
//!
//! ```
//! use mlp::prelude::*;
//!
//! // Declare: the shapes are types, so a wrong one does not compile.
//! network! {
//!     /// Three classes of 4 features.
//!     pub struct Classifier {
//!         Input[4] -> Dense<16, relu> -> Dense<3, softmax>
//!     }
//! }
//!
//! // Three clusters: class k has feature k high.
//! let x: Vec<SVector<f32, 4>> = (0..300)
//!     .map(|i| SVector::from_fn(|j, _| if j == i % 3 { 1.0 } else { ((i * 7 + j) % 5) as f32 * 0.05 }))
//!     .collect();
//! let y: Vec<u8> = (0..300).map(|i| (i % 3) as u8).collect();
//!
//! // Compile with a loss, an optimizer and metrics; fit; evaluate; predict.
//! let mut model = Classifier::new(42);
//! println!("{}", model.summary());
//! let mut trainer = model.compile(SparseCategoricalCrossentropy, Sgd::new(0.1), [Metric::Accuracy]);
//! let history = trainer.fit(&x, &y, Fit::epochs(20).verbose(0).validation_split(0.2))?;
//! assert!(history.get("val_accuracy").is_some());
//! let results = trainer.evaluate(&x, &y)?;
//! assert!(results["accuracy"] > 0.9, "{results}");
//! let p: Vec<SVector<f32, 3>> = trainer.predict(&x[..3])?;
//! assert_eq!(p[1].imax(), 1);
//!
//! // Save the weights (safetensors, Keras's names and layout) and load them back.
//! let path = std::env::temp_dir().join(format!("mlp-front-page-{}.safetensors", std::process::id()));
//! model.save_weights(&path)?;
//! let mut reloaded = Classifier::new_zeroed();
//! reloaded.load_weights(&path)?;
//! assert_eq!(reloaded.params(), model.params());
//! // A model predicts without a trainer too, as a Keras model does without `compile`.
//! assert_eq!(reloaded.predict(&x[..3])?, p);
//! # std::fs::remove_file(&path)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Bake, and run on a microcontroller: `#[weights("file")]` compiles a
//! weights file into the struct's constant `WEIGHTS`, so a `static` holds
//! the trained model in read-only memory. Prediction then needs no heap, no
//! file and no `std`: a `#![no_std]` firmware depends on `mlp-core` with
//! `default-features = false` and calls the same `predict_one` (the
//! repository's `mlp-embedded` crate runs this under QEMU on a Cortex-M4F).
//!
//! ```
//! use mlp::prelude::*;
//!
//! network! {
//!     #[weights("tests/fixtures/weights/tiny.safetensors")]
//!     pub struct Tiny { Input[2] -> Dense<3, relu> -> Dense<1> }
//! }
//!
//! static MODEL: Tiny = Tiny::WEIGHTS;
//!
//! /// What the firmware calls: no allocation, no parsing.
//! fn on_the_device(x: f32, y: f32) -> f32 {
//!     MODEL.predict_one(&SVector::<f32, 2>::new(x, y))[0]
//! }
//! assert!(on_the_device(0.5, -1.0).is_finite());
//! ```
//!
//! The book's Fashion-MNIST classifier, with its summary and layers:
//!
//! ```
//! use mlp::prelude::*;
//!
//! network! {
//!     /// The book's Fashion-MNIST classifier (chapter 10).
//!     pub struct FashionMlp {
//!         Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
//!     }
//! }
//!
//! let model = FashionMlp::new(42);
//! println!("{}", model.summary());
//! let hidden1 = model.get_layer("dense")?;
//! assert_eq!(hidden1.kernel().unwrap().shape(), (784, 300));
//! let image = SMatrix::<f32, 28, 28>::zeros();
//! let p: SVector<f32, 10> = model.predict_one(&image);
//! assert!((p.sum() - 1.0).abs() < 1e-5);
//! # Ok::<(), mlp::Error>(())
//! ```
//!
//! ## The grammar of `network!`
//!
//! ```text
//! network! {
//!     #[attributes] /// doc comments
//!     [#[weights("path/to/file.safetensors")]]
//!     [pub] struct Name {
//!         [name:] Flatten[rows, cols]            // or: Input[n]
//!         -> [name:] Dense<units[, activation][, option = value]*>
//!         -> [name:] Kind[<number*, name = value*>]   // Dropout, BatchNormalization, ...
//!         -> ...
//!         -> [name:] Dense<...>                       // the last layer is a Dense layer
//!     }
//! }
//! ```
//!
//! Layers are named as Keras names them (`flatten`, `dense`, `dense_1`,
//! `dropout`, `batch_normalization`, `re_lu`, `leaky_re_lu`, `elu`,
//! `p_re_lu`, `normalization`, ...) unless a name is given.
//!
//! Dense's options, each given at most once:
//!
//! | Option | Values (Keras 3's names and defaults) |
//! |---|---|
//! | `kernel_initializer`, `bias_initializer` | `glorot_uniform` (the kernel's default), `zeros` (the bias's), `ones`, `he_normal`, `he_uniform`, `lecun_normal`, ..., `constant(0.1)`, `random_normal(mean = 0.0, stddev = 0.05)`, `random_uniform(minval = -0.05, maxval = 0.05)`, `truncated_normal(...)` |
//! | `kernel_regularizer`, `bias_regularizer` | `l1(0.01)`, `l2(0.01)`, `l1_l2(l1 = 0.01, l2 = 0.01)`; factors not negative; `l1` and `l2` alone mean a factor of 0.01, `l1_l2` alone 0 and 0 |
//! | `kernel_constraint`, `bias_constraint` | `max_norm(2.0)` (a positive `max_value`; 2.0 alone), `non_neg` |
//!
//! The other layer kinds take the width of the layer before them; numbers
//! without a name come first, in the order shown, and `name = value` in any
//! order:
//!
//! | Layer | Examples | Arguments |
//! |---|---|---|
//! | `Dropout` | `Dropout<0.2>`, `Dropout<rate = 0.2>` | `rate` in [0, 1), required; active in `fit` only |
//! | `BatchNormalization` | `BatchNormalization`, `BatchNormalization<momentum = 0.9, epsilon = 0.001>` | `momentum` in [0, 1] (0.99), `epsilon` positive (0.001) |
//! | `ReLU` | `ReLU`, `ReLU<6.0>`, `ReLU<max_value = 6.0, negative_slope = 0.0, threshold = 0.0>` | each not negative; no maximum by default |
//! | `LeakyReLU` | `LeakyReLU`, `LeakyReLU<0.2>`, `LeakyReLU<negative_slope = 0.2>` | `negative_slope` not negative (0.3; Keras 2 called it `alpha`) |
//! | `ELU` | `ELU`, `ELU<alpha = 1.0>` | `alpha` (1.0) |
//! | `PReLU` | `PReLU`, `PReLU<alpha_initializer = constant(0.25)>` | a trainable slope per unit, starting from `alpha_initializer` (`zeros`) |
//! | `Normalization` | `Normalization` | none: `(x - mean) / max(sqrt(variance), 1e-7)` per feature, with `mean`, `variance` (and Keras's `count`) not trainable, learned from the training data by `model.adapt_normalization("normalization", &x_train)` (Keras's `norm_layer.adapt(X_train)`) |
//!
//! A mistake is a compile error on the token at fault that says what to
//! write instead (`Dropout<1.5>`: "`rate` of `Dropout` is the fraction of
//! inputs set to zero and must be in [0, 1), found 1.5"), and all mistakes
//! of a declaration are reported at once.
//!
//! ```
//! use mlp::prelude::*;
//!
//! network! {
//!     /// Chapter 11's Fashion-MNIST classifier, with each kind of regularization.
//!     pub struct Regularized {
//!         Flatten[28, 28] -> BatchNormalization
//!             -> Dense<300, elu, kernel_initializer = he_normal, kernel_regularizer = l2(0.01)>
//!             -> Dropout<0.2>
//!             -> Dense<100, kernel_constraint = max_norm(3.0)> -> LeakyReLU<0.2>
//!             -> Dense<10, softmax>
//!     }
//! }
//!
//! // Batch normalization keeps 4 vectors per input (2 of them not trained).
//! let params = 4 * 784 + (784 * 300 + 300) + (300 * 100 + 100) + (100 * 10 + 10);
//! assert_eq!(Regularized::PARAMS, params);
//! let model = Regularized::new(42);
//! let p: SVector<f32, 10> = model.predict_one(&SMatrix::<f32, 28, 28>::zeros());
//! assert!((p.sum() - 1.0).abs() < 1e-5);
//! ```
//!
//! ### Graphs: Keras's Functional API
//!
//! A body of statements ending in `;` declares a graph: several inputs,
//! merges, several outputs. Each statement names a node and applies a layer
//! to the nodes it reads, as `hidden1 = keras.layers.Dense(30,
//! activation="relu")(input_deep)` does in Keras:
//!
//! ```text
//! name = Input[n];                          // an input: n features
//! name = Layer(node);                       // any chain layer: Dense<30, relu>, Dropout<0.2>, ...
//! name = Concatenate(a, b, ...);            // widths summed
//! name = Add(a, b, ...);                    // one width (else a compile error naming both)
//! name = Average(a, b, ...);                // one width
//! output name = Layer(node);                // a node that is also an output
//! output name;                              // an existing node as an output
//! ```
//!
//! A node reads only nodes defined above it (so a graph has no cycle), and
//! every input and node must lead to an output. Inputs and outputs are
//! named by their node; the other layers are named as Keras names them
//! (`dense`, `dense_1`, `concatenate`, ...) unless given Keras's `name`
//! option (`Dense<30, relu, name = hidden>`). The struct has one field per
//! layer, as a chain's; beside it `network!` writes `NameInputs` and
//! `NameOutputs`, with a field per input and per output, which
//! [`Model::predict_one`] takes and
//! returns (no heap, `no_std`). Structs rather than tuples: fields named as
//! declared cannot be swapped silently, even when two outputs have the same
//! width. The book's Wide & Deep model with two inputs and an auxiliary
//! output:
//!
//! ```
//! use mlp::prelude::*;
//!
//! network! {
//!     pub struct WideDeep {
//!         wide_input = Input[5];
//!         deep_input = Input[6];
//!         hidden1 = Dense<30, relu>(deep_input);
//!         hidden2 = Dense<30, relu>(hidden1);
//!         concat = Concatenate(wide_input, hidden2);
//!         output main_output = Dense<1>(concat);
//!         output aux_output = Dense<1>(hidden2);
//!     }
//! }
//!
//! let model = WideDeep::new(42);
//! let y: WideDeepOutputs = model.predict_one(&WideDeepInputs {
//!     wide_input: SVector::zeros(),
//!     deep_input: SVector::zeros(),
//! });
//! assert!(y.main_output[0].is_finite() && y.aux_output[0].is_finite());
//! assert_eq!(model.get_layer("dense_1")?.kernel().unwrap().shape(), (30, 30));
//! # Ok::<(), mlp::Error>(())
//! ```
//!
//! The book's first Wide & Deep model has one input read twice
//! (`Concatenate(input, hidden2)`); its second, the two inputs without the
//! auxiliary output (all three are in `examples/wide_and_deep.rs`).
//!
//! A graph trains as a chain does, and as in Keras: a chain is a graph with
//! one input, one output and a straight plan, and every model has the same
//! [`Model`] contract, the same `compile`, the same
//! [`Trainer`](crate::train::Trainer) and the same [`Fit`](crate::train::Fit)
//! options (callbacks, weights, whole-state save and resume, MC Dropout,
//! ...). `fit` takes one slice per input and one target slice per output
//! (one slice alone for one input or output), with `loss_weights`, and a
//! loss per output as a tuple (see [`train::Losses`]):
//!
//! ```
//! use mlp::loss::MeanSquaredError;
//! use mlp::optim::Sgd;
//! use mlp::prelude::*;
//!
//! network! {
//!     pub struct WideAndDeep {
//!         input = Input[8];
//!         hidden1 = Dense<30, relu>(input);
//!         hidden2 = Dense<30, relu>(hidden1);
//!         concat = Concatenate(input, hidden2);
//!         output output = Dense<1>(concat);
//!     }
//! }
//!
//! let x: Vec<SVector<f32, 8>> = (0..64).map(|i| SVector::from_fn(|j, _| ((i + j) % 5) as f32 / 5.0)).collect();
//! let y: Vec<f32> = x.iter().map(|s| s.sum() / 8.0).collect();
//! let mut model = WideAndDeep::new(42);
//! let mut trainer = model.compile(MeanSquaredError, Sgd::new(1e-2), []);
//! let history = trainer.fit(&x, &y, Fit::epochs(5).verbose(0).validation_data(&x, &y))?;
//! assert_eq!(history.names().collect::<Vec<_>>(), ["loss", "val_loss"]);
//! let results = trainer.evaluate_with(&x, &y, mlp::train::Evaluate::new().verbose(0))?;
//! assert!(results["loss"] < history.get("loss").unwrap()[0]);
//! # Ok::<(), mlp::Error>(())
//! ```
//!
//! ### Baked weights: `#[weights("file.safetensors")]`
//!
//! The attribute `#[weights("path")]` (the macro's own: it is not put on the
//! struct) reads a weights file at compile time and gives the struct a
//! constant `Name::WEIGHTS` holding those weights: `static MODEL: Name =
//! Name::WEIGHTS;` keeps the model in read-only memory, with no file, no
//! parsing and no heap at run time (for `#![no_std]` targets). The path is
//! relative to the folder of the crate that invokes the macro (its
//! `CARGO_MANIFEST_DIR`); the crate is rebuilt when the file changes.
//!
//! The file is a safetensors file, as
//! [`save_weights`](crate::io::WeightsFile::save_weights) writes it, a
//! Keras `.keras` archive (a chain's; its architecture is checked against
//! the declaration), a PyTorch state dict or an ONNX model. A safetensors
//! file must hold exactly the weights of every layer that has some, named
//! `<layer>/<weight>` as [`get_weights`](crate::Model::get_weights) names
//! them, in `F32`: a Dense layer's `kernel` (inputs x units, row-major, as
//! Keras and numpy) and `bias`; a BatchNormalization's `gamma`, `beta`,
//! `moving_mean` and `moving_variance`; a PReLU's `alpha`; a
//! Normalization's `mean`, `variance` and `count`. A missing file, a file
//! that is not of these formats, a missing or extra tensor, another dtype
//! or another shape is a compile error pointing at the path.
//!
//! ```
//! use mlp::prelude::*;
//!
//! network! {
//!     /// A small regressor whose weights are compiled into the binary.
//!     #[weights("tests/fixtures/weights/tiny.safetensors")]
//!     pub struct Tiny { Input[2] -> Dense<3, relu> -> Dense<1> }
//! }
//!
//! static MODEL: Tiny = Tiny::WEIGHTS;
//!
//! // The same weights as loading the file at run time.
//! let mut loaded = Tiny::new_zeroed();
//! loaded.load_weights(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/weights/tiny.safetensors"))?;
//! assert_eq!(MODEL.params(), loaded.params());
//! let y = MODEL.predict_one(&SVector::<f32, 2>::new(0.5, -1.0));
//! assert!(y[0].is_finite());
//!
//! // BatchNormalization's four arrays and PReLU's slopes are baked too,
//! // here from a Keras archive.
//! network! {
//!     #[weights("tests/fixtures/keras-files/layer_kinds/model.keras")]
//!     pub struct Kinds {
//!         Input[12]
//!             -> Dense<16, relu, kernel_regularizer = l2(0.01)>
//!             -> BatchNormalization<momentum = 0.9, epsilon = 0.01>
//!             -> LeakyReLU<0.2>
//!             -> Dropout<0.3>
//!             -> Dense<10, kernel_initializer = he_normal>
//!             -> PReLU
//!             -> ELU<0.7>
//!             -> Dense<8>
//!             -> ReLU<max_value = 1.5, negative_slope = 0.1, threshold = 0.2>
//!             -> BatchNormalization
//!             -> Dense<3, softmax>
//!     }
//! }
//! static KINDS: Kinds = Kinds::WEIGHTS;
//! let names: Vec<String> = KINDS.get_weights().into_iter().map(|a| a.name).collect();
//! assert!(names.contains(&"batch_normalization/moving_variance".to_string()));
//! assert!(names.contains(&"p_re_lu/alpha".to_string()));
//! # Ok::<(), mlp::Error>(())
//! ```
//!
//! `#[weights("file", quantize = "int8")]` also bakes `<Name>Int8`: its
//! Dense layers hold int8 weights with one scale per unit (TensorFlow
//! Lite's per-channel scheme), the other layers and the activations stay
//! f32, and it has its own `WEIGHTS` and `predict_one`. A graph's is wired
//! as the graph, from `<Name>Inputs` to `<Name>Outputs`. With `calibrate =
//! "sample.safetensors"` it is an integer-only network instead (see
//! [`quant`]), a graph's merges in integers too; a graph's sample holds one
//! tensor per input, named as the input.
//!
//! ```
//! use mlp::prelude::*;
//!
//! network! {
//!     /// The book's Wide & Deep model, Keras-trained, baked in int8.
//!     #[weights("tests/fixtures/weights/wide_deep.safetensors", quantize = "int8")]
//!     pub struct WideDeep {
//!         wide_input = Input[5];
//!         deep_input = Input[6];
//!         hidden1 = Dense<30, relu, name = dense_2>(deep_input);
//!         hidden2 = Dense<30, relu, name = dense_3>(hidden1);
//!         concat = Concatenate(wide_input, hidden2);
//!         output main_output = Dense<1>(concat);
//!         output aux_output = Dense<1>(hidden2);
//!     }
//! }
//! static MODEL: WideDeep = WideDeep::WEIGHTS;
//! static MODEL_INT8: WideDeepInt8 = WideDeepInt8::WEIGHTS;
//!
//! let x = WideDeepInputs { wide_input: SVector::repeat(0.5), deep_input: SVector::repeat(-0.5) };
//! let (y, q) = (MODEL.predict_one(&x), MODEL_INT8.predict_one(&x));
//! assert!((q.main_output[0] - y.main_output[0]).abs() < 0.05);
//! assert!((q.aux_output[0] - y.aux_output[0]).abs() < 0.05);
//! assert!(size_of::<WideDeepInt8>() < size_of::<WideDeep>() / 2);
//! ```
//!
//! A safetensors file that lacks a declared layer's weights does not
//! compile (`tiny.safetensors` has no BatchNormalization arrays):
//!
//! ```compile_fail
//! use mlp::prelude::*;
//!
//! network! {
//!     #[weights("tests/fixtures/weights/tiny.safetensors")]
//!     pub struct TinyBn { Input[2] -> Dense<3, relu> -> BatchNormalization -> Dense<1> }
//! }
//! ```
//!
//! ## Features
//!
//! `mlp` and `mlp-core` have the same features, all on by default. Without
//! any (`default-features = false`), `mlp-core` needs neither `std` nor
//! `alloc`: a `#![no_std]` firmware depends on it directly. An
//! inference-only desktop program takes `default-features = false, features
//! = ["std"]`.
//!
//! | Feature | Enables | Dependencies it adds |
//! |---|---|---|
//! | (none) | typed networks, `predict_one`, baked weights, integer-only int8 inference, [`on_device`] training: `no_std`, no heap, builds for 16-bit AVR | nalgebra, libm |
//! | `rand` | random initialisation from a seed (`Model::new`, `Model::initialize`), `no_std` | rand, rand_chacha, rand_distr (no_std) |
//! | `alloc` (`mlp-core` only) | `Error`, the untyped weights view, summaries, boxed constructors | none |
//! | `std` (with `rand`, `alloc`) | `compile`, `fit`, `evaluate`, `predict` on threads (the batch engine), callbacks, `History`, safetensors weights files | serde, serde_json, csv (`CsvLogger`), tempfile, safetensors, gemm-f32 (the batch products' register kernels) |
//! | `datasets` | the book's data sets from `$MLP_DATA_DIR`, the repository or the cache; `train_test_split`, `StandardScaler` | flate2, sha2, tar, dirs, rand_mt |
//! | `download` | a missing data set downloaded once into the cache from its official address, SHA-256 checked | ureq (with rustls) |
//! | `progress` | Keras's live progress bar in a terminal (without it, `verbose = 1` prints a line per epoch) | indicatif |
//! | `plot` | learning-curve plots (PNG, SVG) of a `History`, with an embedded font | plotters, png |
//! | `tensorboard` | the `TensorBoard` callback's event files | prost, crc32c |
//! | `keras` | Keras's own files: `.keras` archives and `.weights.h5`, read and written | hdf5-pure, zip |
//! | `onnx` | ONNX models, read (checked against the declaration) and written | prost |
//!
//! Every feature is checked alone in CI (`cargo hack --each-feature check`).
#![warn(missing_docs)]

pub use mlp_core::*;
