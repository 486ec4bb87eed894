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
    assert_eq!(model.input_shape, [28, 28]);
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
    let params: usize = model.layers.iter().map(|l| l.params()).sum();
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
        // The row `LayerInfo { name: "dense_1", kind: ..., offset: 235500usize }`.
        let row = &out[out
            .find(&quote!(name: #name, kind:).to_string())
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
    // The struct, the layout check, the Network impl and the Debug impl.
    assert_eq!(file.items.len(), 4);
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
            LayerModelKind::Dense { kernel, bias, .. } => Some((kernel.clone(), bias.clone())),
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
            "unknown layer `Dens`: expected `Dense<units, activation>`; did you mean `Dense`?",
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
