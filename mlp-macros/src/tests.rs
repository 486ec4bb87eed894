//! Tokens in, tokens out: the parser, the checks and the expansion, called on
//! `quote!` input without a compiler in between.

use crate::expand::expand;
use crate::parse::Network;
use crate::validate::{Init, LayerModelKind, Model, validate};
use proc_macro2::TokenStream;
use quote::quote;

const FASHION: &str = "pub struct FashionMlp {
    Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax>
}";

fn network(tokens: TokenStream) -> Network {
    syn::parse2(tokens).expect("the declaration parses")
}

fn model(tokens: TokenStream) -> Model {
    match validate(&network(tokens)) {
        Ok(model) => model,
        Err(e) => panic!("the declaration is valid, but: {e}"),
    }
}

/// Every error message of an invalid declaration, in order.
fn errors(tokens: TokenStream) -> Vec<String> {
    match syn::parse2::<Network>(tokens) {
        Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        Ok(network) => match validate(&network) {
            Ok(_) => panic!("the declaration is invalid, but it was accepted"),
            Err(e) => e.into_iter().map(|e| e.to_string()).collect(),
        },
    }
}

/// Each declaration has one error, which starts with its message.
fn one_error_each<const N: usize>(cases: [(TokenStream, &str); N]) {
    for (tokens, want) in cases {
        let errors = errors(tokens);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with(want),
            "want `{want}`, got `{}`",
            errors[0]
        );
    }
}

/// The expansion of a valid declaration, as the runtime crate `::mlp_core` sees it.
fn expansion(tokens: TokenStream) -> String {
    expand(&quote!(::mlp_core), &model(tokens)).to_string()
}

fn fashion() -> TokenStream {
    FASHION.parse().unwrap()
}

fn fields(model: &Model) -> Vec<String> {
    model.layers.iter().map(|l| l.field.to_string()).collect()
}

/// `needle` (built with `quote!`, so formatted the same way) occurs in `haystack`.
fn assert_contains(haystack: &str, needle: TokenStream) {
    let needle = needle.to_string();
    assert!(
        haystack.contains(&needle),
        "expansion lacks `{needle}`:\n{haystack}"
    );
}

#[test]
fn default_names_are_keras_names() {
    let model = model(fashion());
    assert_eq!(fields(&model), ["flatten", "dense", "dense_1", "dense_2"]);
    assert_eq!(model.ident, "FashionMlp");
    assert_eq!(model.input_shape(), [28, 28]);
}

#[test]
fn widths_flow_through_the_chain() {
    let model = model(fashion());
    let dense: Vec<(usize, usize, &str)> = model
        .layers
        .iter()
        .filter_map(|l| match &l.kind {
            LayerModelKind::Dense {
                inputs,
                units,
                activation,
                ..
            } => Some((*inputs, *units, activation.name)),
            _ => None,
        })
        .collect();
    assert_eq!(
        dense,
        [(784, 300, "relu"), (300, 100, "relu"), (100, 10, "softmax")]
    );
    let params: usize = model.layers.iter().map(|l| l.kind.params()).sum();
    assert_eq!(params, 784 * 300 + 300 + 300 * 100 + 100 + 100 * 10 + 10);
}

#[test]
fn expansion_has_the_consts_offsets_and_types() {
    let out = expansion(fashion());
    let params = 784 * 300 + 300 + 300 * 100 + 100 + 100 * 10 + 10_usize;
    assert_eq!(params, 266_610);
    assert_contains(&out, quote!(const PARAMS: usize = #params;));
    assert_contains(
        &out,
        quote!(
            const INPUT_SIZE: usize = 784usize;
        ),
    );
    assert_contains(
        &out,
        quote!(
            const OUTPUT_SIZE: usize = 10usize;
        ),
    );
    assert_contains(
        &out,
        quote!(
            const INPUT_SHAPE: &'static [usize] = &[28usize, 28usize];
        ),
    );
    assert_contains(
        &out,
        quote!(
            type Input = ::mlp_core::__private::SMatrix<f32, 28usize, 28usize>;
        ),
    );
    assert_contains(
        &out,
        quote!(
            type Output = ::mlp_core::__private::SVector<f32, 10usize>;
        ),
    );
    // Each layer starts where the previous one's parameters end.
    let offsets = [
        ("flatten", 0_usize),
        ("dense", 0),
        ("dense_1", 784 * 300 + 300),
        ("dense_2", 235_500 + 30_100),
    ];
    for (name, offset) in offsets {
        // The row `LayerInfo { name: "dense_1", kind: ..., offset: 235500usize }`
        // (not the node of the same name, `NodeInfo { name: "dense_1", .. }`).
        let row = &out[out
            .find(&format!("LayerInfo {{ {}", quote!(name: #name, kind:)))
            .expect(name)..];
        let row_offset = &row[row.find("offset :").unwrap()..];
        let want = format!("{} }}", quote!(offset: #offset));
        assert!(
            row_offset.starts_with(&want),
            "{name}: want `{want}`, got `{}`",
            &row_offset[..want.len()]
        );
    }
    assert_contains(
        &out,
        quote!(pub dense_1: ::mlp_core::__private::Dense<300usize, 100usize, ::mlp_core::__private::activation::Relu>,),
    );
    assert_contains(
        &out,
        quote!(pub flatten: ::mlp_core::__private::Flatten<28usize, 28usize>,),
    );
    // Flatten is told its output size, which the macro computed.
    assert_contains(
        &out,
        quote!(let x = self.flatten.forward_one::<784usize>(&x);),
    );
}

#[test]
fn expansion_is_valid_rust() {
    let tokens = expand(&quote!(::mlp_core), &model(fashion()));
    let file: syn::File = syn::parse2(tokens).expect("the expansion parses as items");
    // The struct, the layout check, the Model impl, the Network impl and the
    // Debug impl.
    assert_eq!(file.items.len(), 5);
}

#[test]
fn vector_input_and_linear_default() {
    let out = expansion(quote!(struct Housing { Input[8] -> Dense<30, relu> -> Dense<1> }));
    assert_contains(
        &out,
        quote!(
            type Input = ::mlp_core::__private::SVector<f32, 8usize>;
        ),
    );
    assert_contains(
        &out,
        quote!(
            const INPUT_SHAPE: &'static [usize] = &[8usize];
        ),
    );
    assert_contains(
        &out,
        quote!(activation: ::mlp_core::__private::ActivationKind::Linear,),
    );
    let params = 8 * 30 + 30 + 30 + 1_usize;
    assert_contains(&out, quote!(const PARAMS: usize = #params;));
    // `Input` is not a layer: no field, and the Dense layers are named from `dense`.
    assert_eq!(
        fields(&model(
            quote!(struct Housing { Input[8] -> Dense<30, relu> -> Dense<1> })
        )),
        ["dense", "dense_1"]
    );
}

#[test]
fn explicit_names_do_not_use_up_default_names() {
    let model = model(
        quote!(struct Net { Input[4] -> hidden: Dense<8, relu> -> Dense<8> -> out: Dense<2> }),
    );
    assert_eq!(fields(&model), ["hidden", "dense", "out"]);
    let out = expansion(
        quote!(struct Net { Input[4] -> hidden: Dense<8, relu> -> Dense<8> -> out: Dense<2> }),
    );
    assert_contains(&out, quote!(name: "hidden",));
    assert_contains(&out, quote!(.field("hidden", &self.hidden)));
}

#[test]
fn initializers_with_arguments_expand_to_their_variant() {
    let decl = quote!(struct Net {
        Input[4] -> Dense<8, relu,
            kernel_initializer = random_normal(stddev = 0.1),
            bias_initializer = constant(0.25)>
        -> Dense<2, kernel_initializer = random_uniform(-0.5, maxval = 0.5), bias_initializer = ones>
    });
    let model = model(decl.clone());
    let inits: Vec<(Init, Init)> = model
        .layers
        .iter()
        .filter_map(|l| match &l.kind {
            LayerModelKind::Dense {
                kernel_initializer,
                bias_initializer,
                ..
            } => Some((kernel_initializer.clone(), bias_initializer.clone())),
            _ => None,
        })
        .collect();
    let init = |name, args: &[f32]| Init {
        spec: mlp_spec::initializer(name).unwrap(),
        args: args.to_vec(),
    };
    assert_eq!(
        inits,
        [
            // Keras's default mean 0 fills the argument not given.
            (
                init("random_normal", &[0.0, 0.1]),
                init("constant", &[0.25])
            ),
            (init("random_uniform", &[-0.5, 0.5]), init("ones", &[])),
        ]
    );
    let out = expansion(decl);
    let (mean, stddev, value, lo, hi) = (0.0_f32, 0.1_f32, 0.25_f32, -0.5_f32, 0.5_f32);
    let p = quote!(::mlp_core::__private);
    assert_contains(
        &out,
        quote!(kernel_initializer: #p::Initializer::RandomNormal { mean: #mean, stddev: #stddev },),
    );
    assert_contains(
        &out,
        quote!(bias_initializer: #p::Initializer::Constant { value: #value },),
    );
    assert_contains(
        &out,
        quote!(kernel_initializer: #p::Initializer::RandomUniform { minval: #lo, maxval: #hi },),
    );
    assert_contains(&out, quote!(bias_initializer: #p::Initializer::Ones,));
}

#[test]
fn keras_defaults_for_initializers() {
    let out = expansion(
        quote!(struct Net { Input[4] -> Dense<2, kernel_initializer = truncated_normal> }),
    );
    let (mean, stddev) = (0.0_f32, 0.05_f32);
    let p = quote!(::mlp_core::__private);
    assert_contains(
        &out,
        quote!(kernel_initializer: #p::Initializer::TruncatedNormal { mean: #mean, stddev: #stddev },),
    );
    let out = expansion(quote!(struct Net { Input[4] -> Dense<2> }));
    assert_contains(
        &out,
        quote!(kernel_initializer: #p::Initializer::GlorotUniform,),
    );
    assert_contains(&out, quote!(bias_initializer: #p::Initializer::Zeros,));
}

#[test]
fn every_activation_expands_to_its_type() {
    for spec in crate::names::ACTIVATIONS {
        let act: proc_macro2::Ident = syn::parse_str(spec.name).unwrap();
        let ty: proc_macro2::Ident = syn::parse_str(spec.variant).unwrap();
        let out = expansion(quote!(struct Net { Input[3] -> Dense<2, #act> }));
        assert_contains(
            &out,
            quote!(pub dense: ::mlp_core::__private::Dense<3usize, 2usize, ::mlp_core::__private::activation::#ty>,),
        );
    }
}

#[test]
fn errors_from_several_layers_are_collected() {
    let errors = errors(quote!(struct Net {
        Flatten[28, 28] -> Dense<300, rleu> -> Dense<0> -> Dense<10, softmax, bias_initializer = one>
    }));
    assert_eq!(errors.len(), 3, "{errors:#?}");
    assert_eq!(errors[0], "unknown activation `rleu`: did you mean `relu`?");
    assert!(
        errors[1].starts_with("a Dense layer needs at least one unit, found `0`"),
        "{}",
        errors[1]
    );
    assert_eq!(errors[2], "unknown initializer `one`: did you mean `ones`?");
}

#[test]
fn far_off_names_list_the_known_ones() {
    let layer = errors(quote!(struct Net { Input[2] -> Banana<3> -> Dense<1> }));
    assert_eq!(
        layer,
        [
            "unknown layer `Banana`: expected one of `Dense`, `Dropout`, `BatchNormalization`, \
          `ReLU`, `LeakyReLU`, `ELU`, `PReLU` or `Normalization`"
        ]
    );
    let errors = errors(quote!(struct Net { Input[2] -> Dense<3, banana> }));
    assert!(
        errors[0].starts_with("unknown activation `banana`: expected one of `linear`, `relu`"),
        "{errors:?}"
    );
    assert!(errors[0].ends_with("or `gelu`"), "{errors:?}");
}

#[test]
fn duplicate_names_point_at_the_explicit_name() {
    let both = errors(quote!(struct Net { Input[2] -> a: Dense<3> -> a: Dense<1> }));
    assert_eq!(both.len(), 1);
    assert!(both[0].starts_with("two layers are named `a`"), "{both:?}");
    let default_later = errors(quote!(struct Net { Input[2] -> dense: Dense<3> -> Dense<1> }));
    assert!(
        default_later[0].starts_with("`dense` is also the default name of a later unnamed layer"),
        "{default_later:?}"
    );
    let default_earlier = errors(quote!(struct Net { Input[2] -> Dense<3> -> dense: Dense<1> }));
    assert!(
        default_earlier[0].starts_with("`dense` is already the default name of an earlier"),
        "{default_earlier:?}"
    );
}

#[test]
fn syntax_errors_say_what_was_found() {
    let cases = [
        (
            quote!(struct Net { Input[2] -> -> Dense<1> }),
            "expected a layer after `->`, found another `->`",
        ),
        (
            quote!(struct Net { Input[2] -> Dense<1> Dense<1> }),
            "expected `->` between layers, found `Dense`",
        ),
        (
            quote!(struct Net { Input[2] -> Dense<1>; }),
            "unexpected `;`",
        ),
        (
            quote!(struct Net { Input[2] -> Dense<1> -> }),
            "expected a layer after `->`, found the end of the network",
        ),
        (
            quote!(struct Net { Input[2] -> Dense<1 relu> }),
            "expected `,` or `>` in `Dense<...>`, found `relu`",
        ),
        (
            quote!(struct Net { Input[2] -> Dense<1, activation = relu> }),
            "`activation =` is not needed",
        ),
        (
            quote!(struct Net { Input[2] -> Dense<1, kernel_initializer = "zeros"> }),
            "write the initializer without quotes: `zeros`",
        ),
        (
            quote!(struct Net { Input[a] -> Dense<1> }),
            "expected a dimension (a whole number such as `28`), found `a`",
        ),
    ];
    one_error_each(cases);
}

#[test]
fn structural_rules() {
    let cases = [
        (
            quote!(struct Net { Dense<10> -> Dense<1> }),
            "the network declares no input shape",
        ),
        (
            quote!(struct Net { Input[784] -> Dense<3> -> Flatten[28, 28] -> Dense<1> }),
            "`Flatten` can only be the first layer",
        ),
        (
            quote!(struct Net { Flatten[28] -> Dense<1> }),
            "`Flatten` takes two dimensions (rows, columns), found one",
        ),
        (
            quote!(struct Net { Input[2, 3] -> Dense<1> }),
            "`Input` takes one dimension (the number of features), found 2",
        ),
        (
            quote!(struct Net { Input[8] }),
            "a network needs at least one Dense layer: add one after `Input[8]`",
        ),
        (
            quote!(struct Net { Input[8] -> Dense }),
            "`Dense` needs its number of units in angle brackets, found nothing",
        ),
        (
            quote!(struct Net { Input[8] -> Dens<3> }),
            "unknown layer `Dens`: did you mean `Dense`?",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3, kernel_init = zeros> }),
            "unknown option `kernel_init`: did you mean `kernel_initializer`?",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3, relu, softmax> }),
            "unexpected `softmax`: a Dense layer has one activation",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3, he_normal> }),
            "`he_normal` is an initializer, not an activation",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3, kernel_initializer = he_normal(1.0)> }),
            "`he_normal` takes no arguments",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3, kernel_initializer = random_normal(std = 1.0)> }),
            "`random_normal` has no argument `std`: did you mean `stddev`?",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3, kernel_initializer = constant(1.0, 2.0)> }),
            "`constant` takes one argument, `value`, as in `constant(0.0)`; found 2 arguments",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3, kernel_initializer = random_normal(stddev = 0.0)> }),
            "`random_normal` needs a positive `stddev`, found 0.0",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3, kernel_initializer = random_uniform(1, 0)> }),
            "`random_uniform` needs `minval < maxval`, found minval 1.0 and maxval 0.0",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3, kernel_initializer = random_normal(stddev = 0.1, 0.2)> }),
            "`stddev` of `random_normal` is given twice",
        ),
    ];
    one_error_each(cases);
}

/// The kinds of `model`'s layers other than Dense and Flatten, in order.
fn other_kinds(model: &Model) -> Vec<&LayerModelKind> {
    model
        .layers
        .iter()
        .map(|l| &l.kind)
        .filter(|k| {
            !matches!(
                k,
                LayerModelKind::Dense { .. } | LayerModelKind::Flatten { .. }
            )
        })
        .collect()
}

#[test]
fn numbers_and_settings_parse_with_their_sign_and_span() {
    use crate::parse::{Arg, Body, LayerBody};
    let network = network(quote!(struct Net {
        Input[2] -> ReLU<-1.5, 6, negative_slope = 2, threshold = -0.25> -> Dense<1>
    }));
    let Body::Chain(chain) = &network.body else {
        panic!("a chain");
    };
    let LayerBody::Args { args, .. } = &chain[1].body else {
        panic!("ReLU<...> has arguments");
    };
    let parsed: Vec<String> = args
        .iter()
        .map(|arg| match arg {
            Arg::Int(lit) => format!("int {lit}"),
            Arg::Number { value, .. } => format!("number {value:?}"),
            Arg::Setting { key, value, .. } => format!("setting {key} {value:?}"),
            Arg::Ident(ident) => format!("ident {ident}"),
            Arg::Option { key, .. } => format!("option {key}"),
        })
        .collect();
    // A whole number stays an `Int` (Dense's units); a sign makes a `Number`.
    assert_eq!(
        parsed,
        [
            "number -1.5",
            "int 6",
            "setting negative_slope 2.0",
            "setting threshold -0.25"
        ]
    );
}

#[test]
fn new_layer_kinds_take_keras_defaults_and_names() {
    let model = model(quote!(struct Net {
        Flatten[28, 28] -> BatchNormalization -> Dense<300, elu> -> Dropout<0.2> -> ReLU
            -> LeakyReLU -> ELU -> PReLU -> Dense<10, softmax>
    }));
    assert_eq!(
        fields(&model),
        [
            "flatten",
            "batch_normalization",
            "dense",
            "dropout",
            "re_lu",
            "leaky_re_lu",
            "elu",
            "p_re_lu",
            "dense_1"
        ]
    );
    let kinds = other_kinds(&model);
    assert!(
        matches!(kinds[0], LayerModelKind::BatchNormalization { units: 784, momentum, epsilon }
            if *momentum == 0.99 && *epsilon == 1e-3),
        "BatchNormalization defaults"
    );
    assert!(matches!(kinds[1], LayerModelKind::Dropout { units: 300, rate } if *rate == 0.2));
    let settings = |k: &LayerModelKind| match k {
        LayerModelKind::Activation {
            function: (kind, settings),
            ..
        } => (kind.to_string(), settings.clone()),
        _ => panic!("an activation layer"),
    };
    assert_eq!(
        settings(kinds[2]),
        ("ReLU".into(), vec![f32::INFINITY, 0.0, 0.0])
    );
    assert_eq!(settings(kinds[3]), ("LeakyReLU".into(), vec![0.3]));
    assert_eq!(settings(kinds[4]), ("ELU".into(), vec![1.0]));
    let LayerModelKind::PReLU {
        units,
        alpha_initializer: alpha,
    } = kinds[5]
    else {
        panic!("PReLU");
    };
    assert_eq!(
        (*units, alpha.spec.name, alpha.args.len()),
        (300, "zeros", 0)
    );
    // BatchNormalization holds gamma, beta, moving mean and variance; PReLU one slope per unit.
    let params: Vec<usize> = model.layers.iter().map(|l| l.kind.params()).collect();
    assert_eq!(params, [0, 4 * 784, 784 * 300 + 300, 0, 0, 0, 0, 300, 3010]);
}

#[test]
fn numbers_fill_settings_in_order_and_names_anywhere() {
    let model = model(quote!(struct Net {
        Input[4]
            -> Dropout<rate = 0.5> -> Dropout<0> -> Dropout<0.25>
            -> BatchNormalization<0.9, 0.01> -> BatchNormalization<0.9, epsilon = 0.02>
            -> BatchNormalization<epsilon = 0.03, momentum = 0.5> -> BatchNormalization<epsilon = 0.04>
            -> ReLU<6.0> -> ReLU<6, 0.1, 0.5> -> ReLU<threshold = 1.0>
            -> LeakyReLU<0.2> -> LeakyReLU<negative_slope = 0> -> ELU<alpha = -0.5>
            -> PReLU<alpha_initializer = constant(0.25)>
            -> Dense<1>
    }));
    let got: Vec<String> = other_kinds(&model)
        .into_iter()
        .map(|k| match k {
            LayerModelKind::Dropout { rate, .. } => format!("Dropout {rate:?}"),
            LayerModelKind::BatchNormalization {
                momentum, epsilon, ..
            } => format!("BatchNormalization {momentum:?} {epsilon:?}"),
            LayerModelKind::Activation {
                function: (kind, settings),
                ..
            } => format!("{kind} {settings:?}"),
            LayerModelKind::PReLU {
                alpha_initializer: alpha,
                ..
            } => {
                format!("PReLU {} {:?}", alpha.spec.name, alpha.args)
            }
            _ => unreachable!("filtered out"),
        })
        .collect();
    assert_eq!(
        got,
        [
            "Dropout 0.5",
            "Dropout 0.0",
            "Dropout 0.25",
            "BatchNormalization 0.9 0.01",
            "BatchNormalization 0.9 0.02",
            "BatchNormalization 0.5 0.03",
            "BatchNormalization 0.99 0.04",
            "ReLU [6.0, 0.0, 0.0]",
            "ReLU [6.0, 0.1, 0.5]",
            "ReLU [inf, 0.0, 1.0]",
            "LeakyReLU [0.2]",
            "LeakyReLU [0.0]",
            "ELU [-0.5]",
            "PReLU constant [0.25]",
        ]
    );
}

#[test]
fn dense_regularizers_and_constraints_with_keras_defaults() {
    let model = model(quote!(struct Net {
        Input[4]
            -> Dense<3, relu, kernel_regularizer = l2(0.02), bias_regularizer = l1,
                     kernel_constraint = max_norm(3), bias_constraint = non_neg>
            -> Dense<2, kernel_regularizer = l1_l2(l2 = 0.5), bias_regularizer = l2,
                     kernel_constraint = max_norm>
            -> Dense<1, kernel_regularizer = l1_l2(0.1, 0.2)>
    }));
    // Per layer, its four extras as (function, arguments).
    type Extra = Option<(String, Vec<f32>)>;
    let extras: Vec<Vec<Extra>> = model
        .layers
        .iter()
        .map(|l| match &l.kind {
            LayerModelKind::Dense { options, .. } => options
                .iter()
                .map(|e| {
                    e.as_ref()
                        .map(|i| (i.spec.name.to_string(), i.args.clone()))
                })
                .collect(),
            _ => panic!("only Dense layers"),
        })
        .collect();
    let f = |name: &str, args: &[f32]| Some((name.to_string(), args.to_vec()));
    assert_eq!(
        extras,
        [
            vec![
                f("l2", &[0.02]),
                f("l1", &[0.01]),
                f("max_norm", &[3.0]),
                f("non_neg", &[])
            ],
            vec![
                f("l1_l2", &[0.0, 0.5]),
                f("l2", &[0.01]),
                f("max_norm", &[2.0]),
                None
            ],
            vec![f("l1_l2", &[0.1, 0.2]), None, None, None],
        ]
    );
}

#[test]
fn new_layer_rules() {
    let cases = [
        (
            quote!(struct Net { Input[8] -> Dense<3> -> Dropout<1.5> -> Dense<1> }),
            "`rate` of `Dropout` is the fraction of inputs set to zero and must be in [0, 1), found 1.5",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3> -> Dropout<1> -> Dense<1> }),
            "`rate` of `Dropout` is the fraction of inputs set to zero and must be in [0, 1), found 1.0",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3> -> Dropout -> Dense<1> }),
            "`Dropout` needs its `rate`: write `Dropout<0.2>`",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3> -> Dropout<> -> Dense<1> }),
            "`Dropout` needs its `rate`: write `Dropout<0.2>`",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<10> -> Dropout<0.5> }),
            "the last layer must be a Dense layer, found `Dropout<0.5>`",
        ),
        (
            quote!(struct Net { Input[8] -> Dropout<0.5> }),
            "a network needs at least one Dense layer: add one after `Dropout<0.5>`",
        ),
        (
            quote!(struct Net { Input[8] -> BatchNormalization<momentun = 0.9> -> Dense<1> }),
            "`BatchNormalization` has no option `momentun`: did you mean `momentum`?",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3, kernel_regularizer = l3(0.01)> }),
            "unknown regularizer `l3`: did you mean `l1` or `l2`?",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3, kernel_regularizer = l2(-0.1)> }),
            "the factor `l2` of `l2` cannot be negative, found -0.1: write a small positive factor, as in `l2(0.01)`",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3, kernel_regularizer = l1_l2(l1 = 0.1, l2 = -1)> }),
            "the factor `l2` of `l1_l2` cannot be negative, found -1.0: write a small positive factor, as in `l1_l2(l1 = 0.01, l2 = 0.01)`",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3, kernel_constraint = max_norm(0.0)> }),
            "`max_norm` needs a positive `max_value`",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3, kernel_constraint = non_neg(1.0)> }),
            "`non_neg` takes no arguments",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3> -> ReLU<max_value = -1.0> -> Dense<1> }),
            "`max_value` of `ReLU` cannot be negative, found -1.0: leave it out for no limit",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3> -> ReLU<0, 0, -1> -> Dense<1> }),
            "`threshold` of `ReLU` cannot be negative, found -1.0: Keras's default is `threshold = 0.0`",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3> -> LeakyReLU<-0.2> -> Dense<1> }),
            "`negative_slope` of `LeakyReLU` cannot be negative, found -0.2: Keras's default is `negative_slope = 0.3`",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3> -> LeakyReLU<relu> -> Dense<1> }),
            "unexpected `relu`: `LeakyReLU` takes its `negative_slope` as a number (`LeakyReLU` is itself the activation); write `LeakyReLU<0.3>`",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3> -> LeakyReLU<alpha = 0.1> -> Dense<1> }),
            "`alpha` is Keras 2's name for the slope of `LeakyReLU`; Keras 3 calls it `negative_slope`: write `LeakyReLU<negative_slope = 0.1>`",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3> -> PReLU<0.2> -> Dense<1> }),
            "`PReLU` takes no number: its slopes are learned, starting from its `alpha_initializer`; to start them at 0.2, write `PReLU<alpha_initializer = constant(0.2)>`",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3> -> PReLU<alpha_initializer = 0.2> -> Dense<1> }),
            "`alpha_initializer` takes an initializer, not a number: write `alpha_initializer = constant(0.2)`",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3> -> Dropuot<0.2> -> Dense<1> }),
            "unknown layer `Dropuot`: did you mean `Dropout`?",
        ),
        (
            quote!(struct Net { Dropout<0.2> -> Dense<1> }),
            "the network declares no input shape: the first layer must be `Input[features]` for vectors or `Flatten[rows, cols]` for images, as in `Input[8] -> Dropout<0.2>`",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3> -> Dropout<0.2, 0.5> -> Dense<1> }),
            "`Dropout` takes one number, its `rate`: write `Dropout<0.2>`",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3> -> ReLU<1, 2, 3, 4> -> Dense<1> }),
            "`ReLU` takes at most 3 numbers, `max_value`, `negative_slope` then `threshold` in that order",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3> -> Dropout<0.2, rate = 0.3> -> Dense<1> }),
            "`rate` of `Dropout` is given twice: keep one",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3> -> BatchNormalization<momentum = 0.9, 0.01> -> Dense<1> }),
            "a number without a name cannot follow `momentum = ...`: name it too, as in `epsilon = 0.01`",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3> -> Dropout<momentum = 0.9> -> Dense<1> }),
            "`Dropout` has no option `momentum` (it takes its `rate` as a number); `momentum` is an option of `BatchNormalization`",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3> -> ELU<beta = 0.9> -> Dense<1> }),
            "`ELU` has no option `beta`: it takes its `alpha` as a number",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3, kernel_regularizer = 0.01> }),
            "`kernel_regularizer` takes a regularizer, not a number: write `kernel_regularizer = l2(0.01)`",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3, relu, rate = 0.2> }),
            "`Dense` has no option `rate`; `rate` is an option of the `Dropout` layer",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3, kernel_initializer = l2(0.01)> }),
            "`l2` is a regularizer, not an initializer: a Dense layer takes it as `kernel_regularizer = l2`",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3, kernel_constraint = maxnorm(2.0)> }),
            "unknown constraint `maxnorm`: did you mean `max_norm`?",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3, kernel_regularizer = l2, kernel_regularizer = l1> }),
            "`kernel_regularizer` is given twice: keep one",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3> -> Dropout[3] -> Dense<1> }),
            "`Dropout` takes its options in angle brackets",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3> -> Dropout[0.2] -> Dense<1> }),
            "square brackets declare the input shape of `Flatten` or `Input`: `Dropout` takes its arguments in angle brackets",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3> -> Dropout(0.2) -> Dense<1> }),
            "`Dropout(...)` is Keras's call syntax: `network!` takes a layer's arguments in angle brackets: write `Dropout<0.2>`",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3> -> Dropout<rate> -> Dense<1> }),
            "`rate` needs a value: write `Dropout<0.2>`",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3> -> Dropout<rate = constant(0.2)> -> Dense<1> }),
            "`rate` of `Dropout` takes a number, not `constant`",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<0.5> }),
            "`Dense` needs a whole number of units first, found `0.5`",
        ),
        (
            quote!(struct Net { Input[8] -> Dense<3> -> BatchNormalization<epsilon = 0> -> Dense<1> }),
            "`epsilon` of `BatchNormalization` must be positive, found 0.0: Keras's default is `epsilon = 0.001`",
        ),
    ];
    one_error_each(cases);
}

#[test]
fn errors_of_new_layers_are_collected() {
    let errors = errors(quote!(struct Net {
        Flatten[28, 28] -> Dropout<1.5> -> BatchNormalization<momentum = 1.5, epsilon = 0.0>
            -> Dense<100, elu, kernel_regularizer = l3> -> LeakyReLU<relu> -> Dense<10, softmax>
    }));
    assert_eq!(errors.len(), 5, "{errors:#?}");
    assert!(errors[0].starts_with("`rate` of `Dropout`"), "{errors:#?}");
    assert!(
        errors[1].starts_with("`momentum` of `BatchNormalization`"),
        "{errors:#?}"
    );
    assert!(
        errors[2].starts_with("`epsilon` of `BatchNormalization`"),
        "{errors:#?}"
    );
    assert!(
        errors[3].starts_with("unknown regularizer `l3`"),
        "{errors:#?}"
    );
    assert!(errors[4].starts_with("unexpected `relu`"), "{errors:#?}");
}
