//! The typed core through the facade: the book's model, its consts and
//! introspection, weights in Keras's layout, seeding, Flatten's pixel order,
//! the one-sample path against the batch path, every activation and the
//! initializer options.

use mlp::activation::ActivationKind;
use mlp::initializer::Initializer;
use mlp::prelude::*;
use mlp::{Error, LayerKind};
use proptest::prelude::*;

network! {
    /// The Fashion-MNIST classifier of chapter 10.
    pub struct FashionMlp {
        Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
    }
}

/// The book's model, from the architecture: 784 inputs, then 300, 100, 10 units.
const WIDTHS: [usize; 4] = [784, 300, 100, 10];

/// Parameters of Dense layer `l` (0-based): a kernel and a bias.
const fn dense_params(l: usize) -> usize {
    WIDTHS[l] * WIDTHS[l + 1] + WIDTHS[l + 1]
}

// The consts are usable in const context.
const _: () = assert!(FashionMlp::WEIGHT_BYTES == 4 * FashionMlp::PARAMS);

#[test]
fn consts_of_the_book_model() {
    let params = dense_params(0) + dense_params(1) + dense_params(2);
    assert_eq!(params, 266_610, "the book's \"Total params\"");
    assert_eq!(FashionMlp::PARAMS, params);
    assert_eq!(
        FashionMlp::WEIGHT_BYTES,
        params * std::mem::size_of::<f32>()
    );
    assert_eq!(std::mem::size_of::<FashionMlp>(), FashionMlp::WEIGHT_BYTES);
    assert_eq!(FashionMlp::INPUT_SIZE, 784);
    assert_eq!(FashionMlp::INPUT_SHAPE, &[28, 28]);
    assert_eq!(FashionMlp::OUTPUT_SIZE, 10);
    assert_eq!(FashionMlp::NAME, "FashionMlp");
    assert_eq!(<FashionMlp as Network>::Input::SIZE, 784);
    assert_eq!(<FashionMlp as Network>::Output::SIZE, 10);
}

#[test]
fn layer_table() {
    let model = FashionMlp::new(0);
    let layers = model.layers();
    assert_eq!(layers, FashionMlp::LAYERS);
    let names: Vec<_> = layers.iter().map(|l| l.name).collect();
    assert_eq!(names, ["flatten", "dense", "dense_1", "dense_2"]);
    let kinds: Vec<_> = layers.iter().map(|l| l.type_name()).collect();
    assert_eq!(kinds, ["Flatten", "Dense", "Dense", "Dense"]);
    let offsets: Vec<_> = layers.iter().map(|l| l.offset).collect();
    assert_eq!(
        offsets,
        [0, 0, dense_params(0), dense_params(0) + dense_params(1)]
    );
    let outputs: Vec<_> = layers.iter().map(|l| l.output_size()).collect();
    assert_eq!(outputs, [784, 300, 100, 10]);
    let params: Vec<_> = layers.iter().map(|l| l.params()).collect();
    assert_eq!(
        params,
        [0, dense_params(0), dense_params(1), dense_params(2)]
    );
    assert_eq!(layers[0].kind, LayerKind::Flatten { rows: 28, cols: 28 });
    let dense: Vec<_> = layers.iter().filter_map(|l| l.dense()).collect();
    assert_eq!(
        dense,
        [
            (784, 300, ActivationKind::Relu),
            (300, 100, ActivationKind::Relu),
            (100, 10, ActivationKind::Softmax)
        ]
    );
    // Keras's defaults when no initializer is given.
    for layer in &layers[1..] {
        let LayerKind::Dense {
            kernel_initializer,
            bias_initializer,
            ..
        } = layer.kind
        else {
            panic!("{} is not Dense", layer.name);
        };
        assert_eq!(kernel_initializer, Initializer::GlorotUniform);
        assert_eq!(bias_initializer, Initializer::Zeros);
    }
}

#[test]
fn summary_is_keras_summary() {
    // What `println!("{}", model.summary())` prints; Keras's `print_fn` also ends
    // the table with an empty line.
    let ours = format!("{}\n", FashionMlp::new(42).summary());
    let keras = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/keras-fashion-mlp/summary.txt"
    ))
    .expect("the Keras fixture");
    let ours: Vec<&str> = ours.split('\n').collect();
    let keras: Vec<&str> = keras.split('\n').collect();
    // Keras names a Sequential model `sequential`; ours is named after the struct.
    assert_eq!(ours[0], "Model: \"fashion_mlp\"");
    assert_eq!(keras[0], "Model: \"sequential\"");
    let (ours, keras) = (&ours[1..], &keras[1..]);
    for (i, (o, k)) in ours.iter().zip(keras).enumerate() {
        assert_eq!(o, k, "line {} of the summary", i + 2);
    }
    assert_eq!(ours.len(), keras.len(), "number of lines");
}

#[test]
fn get_layer_by_name() -> Result<(), Error> {
    let model = FashionMlp::new(42);
    let hidden1 = model.get_layer("dense")?;
    assert_eq!(hidden1.name(), "dense");
    let kernel = hidden1.kernel().expect("a Dense layer has a kernel");
    assert_eq!(kernel.shape(), (784, 300));
    assert!(
        kernel.iter().eq(model.dense.kernel().iter()),
        "the view reads the typed kernel"
    );
    assert_eq!(hidden1.bias().expect("and a bias").len(), 300);
    assert_eq!(
        model.get_layer("dense_2")?.kernel().unwrap().shape(),
        (100, 10)
    );
    let flatten = model.get_layer("flatten")?;
    assert!(flatten.kernel().is_none() && flatten.bias().is_none());
    assert!(flatten.get_weights().is_empty());
    let weights = model.get_layer("dense_1")?.get_weights();
    let names: Vec<_> = weights.iter().map(|w| w.name.as_str()).collect();
    assert_eq!(names, ["dense_1/kernel", "dense_1/bias"]);
    Ok(())
}

#[test]
fn get_layer_unknown_name_lists_the_known_ones() {
    let model = FashionMlp::new(42);
    let err = model.get_layer("dense_3").unwrap_err();
    assert!(
        matches!(&err, Error::UnknownLayer { name, known } if name == "dense_3" && known.len() == 4)
    );
    assert_eq!(
        err.to_string(),
        "no layer named `dense_3`; the layers are: flatten, dense, dense_1, dense_2"
    );
}

#[test]
fn typed_kernels_have_keras_shapes() {
    let model = FashionMlp::new(42);
    assert_eq!(model.dense.kernel().shape(), (784, 300));
    assert_eq!(model.dense.bias().shape(), (300, 1));
    assert_eq!(model.dense_1.kernel().shape(), (300, 100));
    assert_eq!(model.dense_2.kernel().shape(), (100, 10));
    // Glorot-uniform kernels within Keras's limit, zero biases.
    let limit = (6.0_f32 / (784.0 + 300.0)).sqrt();
    assert!(model.dense.kernel().iter().all(|w| w.abs() <= limit));
    assert!(model.dense.kernel().iter().any(|w| w.abs() > limit / 2.0));
    assert!(model.dense.bias().iter().all(|b| *b == 0.0));
}

#[test]
fn get_weights_is_keras_layout() {
    let model = FashionMlp::new(3);
    let weights = model.get_weights();
    let described: Vec<(&str, &[usize])> = weights
        .iter()
        .map(|w| (w.name.as_str(), w.shape.as_slice()))
        .collect();
    assert_eq!(
        described,
        [
            ("dense/kernel", &[784, 300][..]),
            ("dense/bias", &[300][..]),
            ("dense_1/kernel", &[300, 100][..]),
            ("dense_1/bias", &[100][..]),
            ("dense_2/kernel", &[100, 10][..]),
            ("dense_2/bias", &[10][..]),
        ]
    );
    // Row-major, as numpy holds a (784, 300) array.
    let kernel = model.dense_1.kernel();
    for (i, u) in [(0, 0), (0, 1), (1, 0), (299, 99), (17, 42)] {
        assert_eq!(
            weights[2].data[i * 100 + u],
            kernel[(i, u)],
            "dense_1/kernel[{i}, {u}]"
        );
    }
}

#[test]
fn set_weights_round_trip() -> Result<(), Error> {
    let source = FashionMlp::new(1);
    let mut target = FashionMlp::new(2);
    assert_ne!(source.params(), target.params());
    target.set_weights(&source.get_weights())?;
    assert_eq!(source.params(), target.params());
    assert_eq!(target.get_weights(), source.get_weights());
    let image = SMatrix::<f32, 28, 28>::from_fn(|i, j| ((i * 28 + j) % 7) as f32 / 7.0);
    assert_eq!(target.predict_one(&image), source.predict_one(&image));
    Ok(())
}

#[test]
fn set_weights_wrong_shape_names_the_layer_and_both_shapes() {
    let mut model = FashionMlp::new(1);
    let before = model.params().to_vec();
    let mut weights = FashionMlp::new(2).get_weights();
    // The transposed kernel of the first hidden layer.
    weights[0].shape = vec![300, 784];
    let err = model.set_weights(&weights).unwrap_err();
    assert!(matches!(&err, Error::Shape { what, expected, found }
        if what == "dense/kernel" && expected == &[784, 300] && found == &[300, 784]));
    assert_eq!(
        err.to_string(),
        "dense/kernel: expected shape (784, 300), found (300, 784)"
    );
    assert_eq!(
        model.params(),
        before.as_slice(),
        "a failed set_weights changes nothing"
    );

    // A bias of the wrong length, further down.
    let mut weights = FashionMlp::new(2).get_weights();
    weights[5] = mlp::weights::NamedArray {
        name: "dense_2/bias".into(),
        shape: vec![100],
        data: vec![0.0; 100],
    };
    let err = model.set_weights(&weights).unwrap_err();
    assert_eq!(
        err.to_string(),
        "dense_2/bias: expected shape (10,), found (100,)"
    );
    assert_eq!(model.params(), before.as_slice());

    // Too few arrays.
    let err = model.set_weights(&weights[..4]).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Length {
                expected: 6,
                found: 4,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn same_seed_same_model_other_seed_other_model() {
    let a = FashionMlp::new(7);
    let b = FashionMlp::new(7);
    let c = FashionMlp::new(8);
    assert_eq!(a.params(), b.params());
    let differing = a
        .params()
        .iter()
        .zip(c.params())
        .filter(|(x, y)| x != y)
        .count();
    // Only the zero biases agree.
    assert_eq!(differing, FashionMlp::PARAMS - (300 + 100 + 10));
    // `initialize` in place gives the same as `new`.
    let mut d = FashionMlp::new_zeroed();
    assert!(d.params().iter().all(|p| *p == 0.0));
    d.initialize(7);
    assert_eq!(d.params(), a.params());
}

network! {
    /// One linear unit over a flattened image, to read Flatten's order.
    struct Probe28 {
        Flatten[28, 28] -> Dense<1>
    }
}

network! {
    /// The same over a non-square image, where rows and columns cannot be confused.
    struct Probe3x5 {
        Flatten[3, 5] -> Dense<1>
    }
}

#[test]
fn flatten_is_row_major_as_keras() -> Result<(), Error> {
    // Kernel weight of feature f is f, so the output names the feature a pixel lands on.
    let mut probe = Probe28::new_zeroed();
    let mut weights = probe.get_weights();
    weights[0].data = (0..784).map(|f| f as f32).collect();
    probe.set_weights(&weights)?;
    for (i, j) in [
        (0, 0),
        (0, 1),
        (1, 0),
        (3, 17),
        (17, 3),
        (27, 0),
        (0, 27),
        (27, 27),
    ] {
        let mut image = SMatrix::<f32, 28, 28>::zeros();
        image[(i, j)] = 1.0;
        assert_eq!(
            probe.predict_one(&image)[0],
            (i * 28 + j) as f32,
            "pixel ({i}, {j})"
        );
    }

    let mut probe = Probe3x5::new_zeroed();
    *probe.dense.kernel_mut() = SMatrix::<f32, 15, 1>::from_fn(|f, _| f as f32);
    for i in 0..3 {
        for j in 0..5 {
            let mut image = SMatrix::<f32, 3, 5>::zeros();
            image[(i, j)] = 1.0;
            assert_eq!(
                probe.predict_one(&image)[0],
                (i * 5 + j) as f32,
                "pixel ({i}, {j})"
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(12))]

    /// The one-sample path (typed, nalgebra) and the batch path (GEMM over the
    /// flat parameters) compute the same function.
    #[test]
    fn predict_one_equals_the_batch_path(
        seed in any::<u64>(),
        pixels in prop::collection::vec(prop::collection::vec(0.0_f32..1.0, 784), 1..40),
        batch_size in 1_usize..17,
    ) {
        let model = FashionMlp::new(seed);
        let images: Vec<SMatrix<f32, 28, 28>> =
            pixels.iter().map(|p| SMatrix::from_row_slice(p)).collect();
        let batch = model.predict_with_batch_size(&images, batch_size).unwrap();
        prop_assert_eq!(batch.len(), images.len());
        for (image, b) in images.iter().zip(&batch) {
            let one = model.predict_one(image);
            prop_assert!((one.sum() - 1.0).abs() < 1e-5);
            for k in 0..10 {
                prop_assert!((one[k] - b[k]).abs() <= 1e-5, "class {}: {} vs {}", k, one[k], b[k]);
            }
        }
    }
}

/// Declares one network per activation name the macro accepts and returns
/// (name, layer table, forward of a fixed input, pre-activations).
macro_rules! every_activation {
    ($($name:ident),* $(,)?) => {{
        let mut out: Vec<(&'static str, &'static [mlp::LayerInfo], Vec<f32>, Vec<f32>)> = Vec::new();
        $({
            network! { struct Net { Input[3] -> Dense<4, $name> } }
            let mut model = Net::new_zeroed();
            // A fixed kernel and bias, so that pre-activations span both signs.
            let kernel = SMatrix::<f32, 3, 4>::from_row_slice(&[
                0.5, -1.0, 2.0, 0.1,
                -0.3, 0.8, 0.0, -2.0,
                1.5, 0.2, -0.7, 0.4,
            ]);
            let bias = SVector::<f32, 4>::new(0.1, -0.2, 0.3, -0.4);
            model.dense.set_weights(&kernel, &bias);
            let x = SVector::<f32, 3>::new(1.0, -2.0, 0.5);
            let z = kernel.transpose() * x + bias;
            let y = model.predict_one(&x);
            out.push((stringify!($name), Net::LAYERS, y.as_slice().to_vec(), z.as_slice().to_vec()));
        })*
        out
    }};
}

#[test]
fn every_activation_name_builds_and_computes_its_function() {
    let nets = every_activation!(
        linear,
        relu,
        sigmoid,
        softmax,
        tanh,
        elu,
        selu,
        leaky_relu,
        softplus,
        swish,
        silu,
        exponential,
        softsign,
        relu6,
        hard_sigmoid,
        mish,
        hard_silu,
        hard_swish,
        log_sigmoid,
        celu,
        hard_tanh,
        sparse_plus,
        sparse_sigmoid,
        squareplus,
        soft_shrink,
        hard_shrink,
        tanh_shrink,
        log_softmax,
        sparsemax,
        gelu_approximate,
        gelu,
    );
    assert_eq!(nets.len(), 31);
    let mut kinds = Vec::new();
    for (name, layers, y, mut z) in nets {
        let (_, _, kind) = layers[0].dense().expect("a Dense layer");
        // `silu` is Keras's other name for `swish`, `hard_swish` for
        // `hard_silu`.
        let want = match name {
            "silu" => "swish",
            "hard_swish" => "hard_silu",
            _ => name,
        };
        assert_eq!(kind.name(), want);
        kind.forward(&mut z);
        // Relative: the model's pre-activations come from fused multiply-adds
        // and nalgebra's from separate ones, a few ulps apart, which
        // `exponential` magnifies (49.4 here).
        for (a, b) in y.iter().zip(&z) {
            assert!(
                (a - b).abs() <= 1e-6 * a.abs().max(1.0),
                "{name}: {y:?} vs {z:?}"
            );
        }
        kinds.push(kind);
    }
    // Every runtime activation is reachable from the macro.
    for &kind in mlp::activation::ALL {
        assert!(kinds.contains(&kind), "{kind} has no name in the macro");
    }
}

network! {
    /// Initializer options, with and without arguments.
    struct Initialized {
        Input[50] -> Dense<40, relu, kernel_initializer = zeros, bias_initializer = ones>
        -> Dense<30, kernel_initializer = random_normal(mean = 5.0, stddev = 0.01), bias_initializer = constant(0.1)>
        -> Dense<20, kernel_initializer = random_uniform(minval = 2.0, maxval = 3.0)>
        -> Dense<400, kernel_initializer = he_normal>
    }
}

#[test]
fn initializer_options_take_effect() {
    let model = Initialized::new(5);
    assert!(model.dense.kernel().iter().all(|w| *w == 0.0));
    assert!(model.dense.bias().iter().all(|b| *b == 1.0));
    assert!(model.dense_1.bias().iter().all(|b| *b == 0.1));
    let mean = model.dense_1.kernel().mean();
    assert!(
        (mean - 5.0).abs() < 0.01,
        "random_normal(mean = 5.0): mean {mean}"
    );
    assert!(model.dense_1.kernel().iter().all(|w| (w - 5.0).abs() < 0.1));
    assert!(
        model
            .dense_2
            .kernel()
            .iter()
            .all(|w| (2.0..3.0).contains(w))
    );
    assert!(
        model.dense_2.bias().iter().all(|b| *b == 0.0),
        "bias default: zeros"
    );
    // he_normal: variance 2 / fan_in (fan_in 20, 8,000 draws).
    let k = model.dense_3.kernel();
    let var = k.iter().map(|w| w * w).sum::<f32>() / k.len() as f32;
    assert!(
        (var / (2.0 / 20.0) - 1.0).abs() < 0.1,
        "he_normal variance {var}"
    );

    let inits: Vec<_> = Initialized::LAYERS
        .iter()
        .map(|l| match l.kind {
            LayerKind::Dense {
                kernel_initializer,
                bias_initializer,
                ..
            } => (kernel_initializer, bias_initializer),
            _ => panic!("{} is not Dense", l.name),
        })
        .collect();
    assert_eq!(
        inits,
        [
            (Initializer::Zeros, Initializer::Ones),
            (
                Initializer::RandomNormal {
                    mean: 5.0,
                    stddev: 0.01
                },
                Initializer::Constant { value: 0.1 }
            ),
            (
                Initializer::RandomUniform {
                    minval: 2.0,
                    maxval: 3.0
                },
                Initializer::Zeros
            ),
            (Initializer::HeNormal, Initializer::Zeros),
        ]
    );
}
