//! `#[weights("path/to/file.safetensors")]`: weights read from a safetensors
//! file at compile time and written out as a `const` of the struct, so that
//! `static MODEL: Net = Net::WEIGHTS;` sits in read-only memory with no
//! parsing and no heap at run time.
//!
//! The path is relative to the invoking crate's `CARGO_MANIFEST_DIR`. A
//! `.keras` archive, a Keras `.weights.h5` file, an ONNX model or a PyTorch
//! state dict is first turned into safetensors under Keras's names
//! (`bake_keras.rs`, `bake_onnx.rs`).
//! The safetensors must hold exactly the weights of every layer that has
//! some, `<layer>/<weight>` in `F32`: a Dense layer's `kernel` (inputs x
//! units, row-major, as Keras and numpy hold them) and `bias`; a
//! BatchNormalization's `gamma`, `beta`, `moving_mean`, `moving_variance`; a
//! PReLU's `alpha`; a Normalization's `mean`, `variance`, `count`. Anything
//! else is a compile error spanned on the path.
//!
//! A graph bakes the same way (its struct is a chain's: one field per
//! layer), from safetensors, Keras (`.keras`, `.weights.h5`), ONNX or
//! PyTorch, and `quantize = "int8"` bakes its `<Name>Int8` wired as the
//! graph, and with `calibrate` its integer-only network, its merges in
//! integers (`quantize_int.rs`).

use crate::model::{LayerModel, Model};
use mlp_spec::WeightShape;
use mlp_spec::safetensors_check::{Problem, check_weights};
use proc_macro2::{Literal, TokenStream};
use quote::{ToTokens, format_ident, quote};
use safetensors::SafeTensors;
use std::path::PathBuf;
use syn::parse::{ParseStream, Parser};
use syn::{Attribute, Ident, LitStr, Token, Visibility};

/// The `#[weights("...")]` attribute.
pub struct WeightsAttr {
    pub path: LitStr,
    /// `quantize = "int8"`: also bake `<Name>Int8` (see `quantize.rs`).
    pub quantize: Option<LitStr>,
    /// `calibrate = "sample.safetensors"`: `<Name>Int8` integer-only,
    /// calibrated on that sample (see `quantize_int.rs`).
    pub calibrate: Option<LitStr>,
}

/// The options after the path, in any order: `quantize = "int8"` and
/// `calibrate = "file"` (which needs `quantize`).
fn options(input: ParseStream<'_>) -> syn::Result<(Option<LitStr>, Option<LitStr>)> {
    let (mut quantize, mut calibrate) = (None::<LitStr>, None::<LitStr>);
    while !input.is_empty() {
        input.parse::<Token![,]>()?;
        if input.is_empty() {
            break;
        }
        let key: Ident = input.parse()?;
        input.parse::<Token![=]>()?;
        let value: LitStr = input.parse()?;
        let slot = match key.to_string().as_str() {
            "quantize" if value.value() != "int8" => {
                return Err(syn::Error::new_spanned(
                    &value,
                    format!(
                        "`quantize = {:?}` is not supported; the one scheme is `quantize = \"int8\"` (int8 weights, one scale per unit)",
                        value.value()
                    ),
                ));
            }
            "quantize" => &mut quantize,
            "calibrate" => &mut calibrate,
            _ => {
                return Err(syn::Error::new_spanned(
                    &key,
                    format!(
                        "unknown option `{key}` of `#[weights]`: the options are `quantize = \"int8\"` and `calibrate = \"sample.safetensors\"`"
                    ),
                ));
            }
        };
        if slot.is_some() {
            return Err(syn::Error::new_spanned(
                &key,
                format!("`{key}` is given twice"),
            ));
        }
        *slot = Some(value);
    }
    if let (Some(calibrate), None) = (&calibrate, &quantize) {
        return Err(syn::Error::new_spanned(
            calibrate,
            "`calibrate` calibrates the int8 network's activations: it needs `quantize = \"int8\"` too",
        ));
    }
    Ok((quantize, calibrate))
}

/// Removes `#[weights("...")]` from a network's attributes (it is the
/// macro's, not the struct's).
pub fn take_attr(attrs: &mut Vec<Attribute>) -> syn::Result<Option<WeightsAttr>> {
    let mut found: Option<WeightsAttr> = None;
    let mut error: Option<syn::Error> = None;
    let mut push = |e: syn::Error| match &mut error {
        Some(all) => all.combine(e),
        None => error = Some(e),
    };
    attrs.retain(|attr| {
        if !attr.path().is_ident("weights") {
            return true;
        }
        let parsed = attr.parse_args_with(|input: ParseStream<'_>| {
            Ok((input.parse::<LitStr>()?, input.parse::<TokenStream>()?))
        });
        match parsed {
            Ok(_) if found.is_some() => push(syn::Error::new_spanned(
                attr,
                "`#[weights(...)]` is given twice",
            )),
            Ok((path, rest)) => match options.parse2(rest) {
                Ok((quantize, calibrate)) => {
                    found = Some(WeightsAttr {
                        path,
                        quantize,
                        calibrate,
                    });
                }
                Err(e) => push(e),
            },
            Err(_) => push(syn::Error::new_spanned(
                attr,
                "expected the path of a safetensors file, relative to the crate's folder: \
                 `#[weights(\"weights/model.safetensors\")]`",
            )),
        }
        false
    });
    match error {
        Some(e) => Err(e),
        None => Ok(found),
    }
}

/// `impl Name { pub const WEIGHTS: Name = Name { ... }; }`, and an
/// `include_bytes!` of the file so that the crate is rebuilt when it changes.
/// On error: the errors, and a `WEIGHTS` of zeros so that code using it
/// reports nothing more.
pub fn bake(krate: &TokenStream, model: &Model, attr: &WeightsAttr) -> TokenStream {
    bake_file(krate, model, attr)
        .unwrap_or_else(|errors| placeholder(krate, &model.ident, &model.vis, errors))
}

/// The errors, and a `WEIGHTS` of zeros.
fn placeholder(
    krate: &TokenStream,
    ident: &Ident,
    vis: &Visibility,
    errors: syn::Error,
) -> TokenStream {
    let p = quote!(#krate::__private);
    let errors = errors.into_compile_error();
    quote! {
        #errors
        impl #ident {
            #[doc(hidden)]
            // SAFETY: all-zero bytes are a valid network or graph (the
            // `Network` and `Graph` contracts).
            #vis const WEIGHTS: #ident = unsafe { #p::core::mem::zeroed() };
        }
    }
}

/// The file named by `lit` (`what` it is, for the error): its full path,
/// the path as written, its bytes.
fn read_file(lit: &LitStr, what: &str) -> syn::Result<(PathBuf, String, Vec<u8>)> {
    let rel = lit.value();
    let base =
        std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from("."), PathBuf::from);
    let full = base.join(&rel);
    let bytes = std::fs::read(&full).map_err(|e| {
        syn::Error::new(lit.span(), format!("cannot read the {what} `{rel}`: {e} (the path is relative to the crate's folder, CARGO_MANIFEST_DIR)"))
    })?;
    Ok((full, rel, bytes))
}

fn bake_file(krate: &TokenStream, model: &Model, attr: &WeightsAttr) -> syn::Result<TokenStream> {
    let lit = &attr.path;
    let error = |message: String| syn::Error::new(lit.span(), message);
    let (ident, vis, layers) = (&model.ident, &model.vis, &model.layers);
    let (full, rel, bytes) = read_file(&attr.path, "weights file")?;
    // A Keras archive: its architecture checked, its weights as safetensors;
    // a Keras weights file: its weights.
    let bytes = if rel.ends_with(".keras") {
        crate::bake_keras::archive_to_safetensors(model, &rel, &bytes).map_err(error)?
    } else if rel.ends_with(".h5") {
        crate::bake_keras::weights_to_safetensors(model, &format!("`{rel}`"), bytes)
            .map_err(error)?
    } else {
        foreign(&crate::bake_onnx::arch(model), &rel, bytes, &error)?
    };
    let (fields, file) = layer_fields(krate, ident, layers, &bytes, &rel, &error)?;
    let int8 = match (&attr.quantize, &attr.calibrate) {
        (None, _) => None,
        (Some(_), None) => Some(crate::quantize::int8(krate, model, &file, &rel)),
        (Some(_), Some(sample)) => {
            let (sample_path, _, sample_bytes) = read_file(sample, "calibration sample")?;
            let int8 = crate::quantize_int::int8(krate, model, &file, &rel, sample, &sample_bytes)?;
            let sample_path = sample_path
                .to_str()
                .ok_or_else(|| {
                    error(format!(
                        "the path of `{}` is not valid UTF-8",
                        sample.value()
                    ))
                })?
                .to_string();
            // Rebuild when the sample changes.
            Some(quote! {
                #int8
                const _: &[u8] = ::core::include_bytes!(#sample_path);
            })
        }
    };
    weights_const(ident, vis, &fields, &full, &rel, &error, int8)
}

/// An ONNX model or a PyTorch state dict as a safetensors file with
/// Keras's names (see `bake_onnx.rs`), its problems as compile errors.
fn foreign(
    arch: &mlp_spec::arch::Arch,
    rel: &str,
    bytes: Vec<u8>,
    error: &impl Fn(String) -> syn::Error,
) -> syn::Result<Vec<u8>> {
    crate::bake_onnx::to_keras_names(arch, rel, bytes).map_err(|problems| {
        let mut all = problems.into_iter().map(error);
        let first = all.next().unwrap_or_else(|| error(String::new()));
        all.fold(first, |mut e, next| {
            e.combine(next);
            e
        })
    })
}

/// One field initialiser per layer of `layers` with its weights from the
/// safetensors `bytes` (every tensor checked first), and the parsed file.
fn layer_fields<'a>(
    krate: &TokenStream,
    ident: &Ident,
    layers: &[LayerModel],
    bytes: &'a [u8],
    rel: &str,
    error: &impl Fn(String) -> syn::Error,
) -> syn::Result<(Vec<TokenStream>, SafeTensors<'a>)> {
    let p = quote!(#krate::__private);
    // The names and shapes the network needs, in order.
    let mut expected: Vec<(String, Vec<usize>)> = Vec::new();
    for layer in layers {
        let name = layer.field.to_string();
        let shapes = layer.kind.weights();
        for (w, shape) in shapes {
            expected.push((format!("{name}/{w}"), shape));
        }
    }
    let wanted: Vec<(&str, &[usize])> = expected
        .iter()
        .map(|(n, s)| (n.as_str(), s.as_slice()))
        .collect();
    // The same checks as the runtime's `load_weights`, in one function.
    let mut values = check_weights(bytes, &wanted)
        .map_err(|problems| report(&problems, rel, ident, &expected, error))?
        .into_iter();
    let file = SafeTensors::deserialize(bytes)
        .map_err(|e| error(format!("`{rel}` is not a valid safetensors file: {e}")))?;

    let mut fields = Vec::new();
    for layer in layers {
        let (field, kind) = (&layer.field, &layer.kind);
        let ty = format_ident!("{}", kind.type_name());
        let (inputs, units) = (kind.inputs(), kind.units());
        let shapes = kind.row().map_or(&[][..], |row| row.shapes);
        // `check_weights` gave one array of the right size per weight, in order.
        let mut args = Vec::new();
        for (shape, weight) in shapes.iter().zip(values.by_ref()) {
            let v = |i: usize| Literal::f32_suffixed(weight[i]);
            args.push(match shape {
                // The file is row-major (inputs, units); `from_arrays` takes
                // one array of `inputs` weights per unit.
                WeightShape::Kernel => {
                    let columns = (0..units).map(|u| {
                        let column = (0..inputs).map(|i| v(i * units + u));
                        quote!([#(#column),*])
                    });
                    quote!([#(#columns),*])
                }
                WeightShape::Units => {
                    let values = weight.iter().map(|v| Literal::f32_suffixed(*v));
                    quote!([#(#values),*])
                }
                WeightShape::Scalar => v(0).into_token_stream(),
            });
        }
        fields.push(quote!(#field: #p::#ty::from_arrays(#(#args),*),));
    }
    Ok((fields, file))
}

/// `impl Name { pub const WEIGHTS: Name = Name { fields }; }`, the
/// int8 type if asked for, and an `include_bytes!` of the file.
fn weights_const(
    ident: &Ident,
    vis: &Visibility,
    fields: &[TokenStream],
    full: &std::path::Path,
    rel: &str,
    error: &impl Fn(String) -> syn::Error,
    int8: Option<TokenStream>,
) -> syn::Result<TokenStream> {
    let path = full
        .to_str()
        .ok_or_else(|| error(format!("the path of `{rel}` is not valid UTF-8")))?;
    let doc = format!(
        "The weights of `{rel}`, read at compile time. `static MODEL: {ident} = {ident}::WEIGHTS;` \
         keeps them in read-only memory, with no parsing and no heap at run time."
    );
    Ok(quote! {
        impl #ident {
            #[doc = #doc]
            #vis const WEIGHTS: #ident = #ident { #(#fields)* };
        }
        #int8
        // Rebuild when the file changes.
        const _: &[u8] = ::core::include_bytes!(#path);
    })
}

/// The compile errors of the problems [`check_weights`] found, spanned by
/// `error` on the path.
fn report(
    problems: &[Problem],
    rel: &str,
    ident: &Ident,
    expected: &[(String, Vec<usize>)],
    error: &impl Fn(String) -> syn::Error,
) -> syn::Error {
    let message = |p: &Problem| match p {
        Problem::NotSafetensors(e) => format!("`{rel}` is not a valid safetensors file: {e}"),
        Problem::DuplicateName(name) => format!(
            "`{rel}` is not a valid safetensors file: its header names tensor `{name}` twice"
        ),
        Problem::Missing { name, shape: want } => format!(
            "`{rel}` has no tensor `{name}`: the network needs one of shape {}",
            shape(want)
        ),
        Problem::Dtype { name, dtype } => {
            format!("tensor `{name}` in `{rel}` has dtype {dtype}, expected F32")
        }
        Problem::Shape {
            name,
            expected,
            found,
        } => format!(
            "tensor `{name}` in `{rel}` has shape {}, but the network declares {}",
            shape(found),
            shape(expected)
        ),
        Problem::NonFinite { name, index, value } => format!(
            "tensor `{name}` in `{rel}` holds {value} at index {index}: weights must be finite"
        ),
        Problem::Unexpected { name, shape: dims } => format!(
            "`{rel}` holds tensor `{name}` {} that `{}` does not have; its tensors are {}",
            shape(dims),
            ident,
            expected
                .iter()
                .map(|(e, _)| format!("`{e}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut all = error(problems.first().map_or_else(String::new, message));
    for p in problems.iter().skip(1) {
        all.combine(error(message(p)));
    }
    all
}

/// Keras's tuple notation: `(784, 300)`, `(10,)`.
fn shape(dims: &[usize]) -> String {
    let inner = dims
        .iter()
        .map(usize::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    if dims.len() == 1 {
        format!("({inner},)")
    } else {
        format!("({inner})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::MacroInput;

    fn model(tokens: TokenStream) -> (Model, Option<WeightsAttr>) {
        let mut input: MacroInput = syn::parse2(quote!((::mlp_core) #tokens)).unwrap();
        let attr = take_attr(&mut input.network.attrs).unwrap();
        (crate::validate::validate(&input.network).unwrap(), attr)
    }

    #[test]
    fn the_attribute_is_taken_and_the_others_kept() {
        let (model, attr) = model(quote! {
            /// Docs.
            #[weights("../tests/fixtures/weights/tiny.safetensors")]
            #[derive(Clone)]
            struct Tiny { Input[2] -> Dense<3, relu> -> Dense<1> }
        });
        assert_eq!(
            attr.unwrap().path.value(),
            "../tests/fixtures/weights/tiny.safetensors"
        );
        assert_eq!(model.attrs.len(), 2);
        assert!(model.attrs.iter().all(|a| !a.path().is_ident("weights")));
    }

    #[test]
    fn kernels_are_transposed_into_one_array_per_unit() {
        let (model, attr) = model(quote! {
            #[weights("../tests/fixtures/weights/tiny.safetensors")]
            pub struct Tiny { Input[2] -> Dense<3, relu> -> Dense<1> }
        });
        let out = bake(&quote!(::mlp_core), &model, &attr.unwrap()).to_string();
        // The file's dense/kernel is [[1, 2, 3], [4, 5, 6]] (inputs x units).
        let dense = "dense : :: mlp_core :: __private :: Dense :: from_arrays \
                     ([[1f32 , 4f32] , [2f32 , 5f32] , [3f32 , 6f32]] , [0.5f32 , - 0.5f32 , 0.25f32]) ,";
        assert!(out.contains(dense), "{out}");
        assert!(out.contains("dense_1 : :: mlp_core :: __private :: Dense :: from_arrays ([[1f32 , - 1f32 , 2f32]] , [0.1f32]) ,"), "{out}");
        assert!(out.contains("pub const WEIGHTS : Tiny = Tiny {"), "{out}");
        assert!(out.contains("include_bytes !"), "{out}");
    }

    #[test]
    fn errors_come_with_a_placeholder() {
        let (model, attr) = model(quote! {
            #[weights("../tests/fixtures/weights/tiny.safetensors")]
            struct Wide { Input[2] -> Dense<4, relu> -> Dense<1> }
        });
        let out = bake(&quote!(::mlp_core), &model, &attr.unwrap()).to_string();
        assert!(
            out.contains("has shape (2, 3), but the network declares (2, 4)"),
            "{out}"
        );
        assert!(out.contains("const WEIGHTS : Wide = unsafe"), "{out}");
        assert!(!out.contains("from_arrays"), "{out}");
    }

    #[test]
    fn a_header_naming_a_tensor_twice_is_an_error() {
        // The shared check (`mlp_spec::safetensors_check`), as the runtime's.
        let header = br#"{"dense/bias":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"dense/bias":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#;
        let mut bytes = (header.len() as u64).to_le_bytes().to_vec();
        bytes.extend_from_slice(header);
        bytes.extend_from_slice(&1.0_f32.to_le_bytes());
        let dir = std::env::temp_dir().join(format!("mlp-bake-dup-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("dup.safetensors");
        std::fs::write(&path, &bytes).unwrap();
        let lit = path.to_str().unwrap();
        let (model, _) = model(quote! {
            struct One { Input[1] -> Dense<1> }
        });
        let attr = WeightsAttr {
            path: LitStr::new(lit, proc_macro2::Span::call_site()),
            quantize: None,
            calibrate: None,
        };
        let out = bake(&quote!(::mlp_core), &model, &attr).to_string();
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(
            out.contains("its header names tensor `dense/bias` twice"),
            "{out}"
        );
        assert!(out.contains("const WEIGHTS : One = unsafe"), "{out}");
    }

    /// The bake of `tokens` as a string (errors included).
    fn baked(tokens: TokenStream) -> String {
        let (model, attr) = model(tokens);
        bake(&quote!(::mlp_core), &model, &attr.unwrap()).to_string()
    }

    #[test]
    fn a_weights_file_with_more_layers_than_declared_is_refused() {
        let h5 = "../tests/fixtures/keras-files/housing_sequential/model.weights.h5";
        let out = baked(
            syn::parse_str(&format!(
                "#[weights(\"{h5}\")] struct Short {{ Input[8] -> Dense<30, relu> }}"
            ))
            .unwrap(),
        );
        assert!(
            out.contains("holds layers that `Short` does not declare: `layers/dense_1`"),
            "{out}"
        );
        let out = baked(
            syn::parse_str(&format!(
                "#[weights(\"{h5}\")] struct Housing {{ Input[8] -> Dense<30, relu> -> Dense<1> }}"
            ))
            .unwrap(),
        );
        assert!(out.contains("const WEIGHTS : Housing = Housing {"), "{out}");
    }

    #[test]
    fn calibrate_bakes_the_integer_network() {
        let out = baked(quote! {
            #[weights(
                "../tests/fixtures/weights/tiny.safetensors",
                quantize = "int8",
                calibrate = "../tests/fixtures/weights/tiny-calibration.safetensors"
            )]
            pub struct Tiny { Input[2] -> Dense<3, relu> -> Dense<1> }
        });
        assert!(out.contains("pub struct TinyInt8"), "{out}");
        assert!(out.contains("DenseQ :: from_parts"), "{out}");
        assert!(out.contains("pub fn predict_q"), "{out}");
        assert!(out.contains("Requant :: from_real"), "{out}");
        assert!(!out.contains("DenseI8"), "{out}");
        // The sample is tracked for rebuilds.
        assert!(out.contains("tiny-calibration.safetensors"), "{out}");
    }

    #[test]
    fn calibrate_errors_name_the_problem() {
        let parse_error = |tokens: TokenStream| {
            let mut input: MacroInput = syn::parse2(quote!((::mlp_core) #tokens)).unwrap();
            take_attr(&mut input.network.attrs)
                .err()
                .unwrap()
                .to_string()
        };
        let e = parse_error(quote! {
            #[weights("../tests/fixtures/weights/tiny.safetensors", calibrate = "x.safetensors")]
            struct T { Input[2] -> Dense<3, relu> -> Dense<1> }
        });
        assert!(e.contains("it needs `quantize = \"int8\"` too"), "{e}");
        let e = parse_error(quote! {
            #[weights("w.safetensors", quantize = "int8", calibrate = "a", calibrate = "b")]
            struct T { Input[2] -> Dense<3, relu> -> Dense<1> }
        });
        assert!(e.contains("`calibrate` is given twice"), "{e}");

        let sample = |file: &str| {
            baked(syn::parse_str(&format!(
                "#[weights(\"../tests/fixtures/weights/tiny.safetensors\", quantize = \"int8\", \
                 calibrate = \"../tests/fixtures/weights/{file}\")] \
                 struct T {{ Input[2] -> Dense<3, relu> -> Dense<1> }}"
            ))
            .unwrap())
        };
        let out = sample("tiny.safetensors");
        assert!(out.contains("must hold one tensor"), "{out}");
        let out = sample("tiny-calibration-wrong.safetensors");
        assert!(out.contains("shape [9, 1]"), "{out}");
        assert!(out.contains("(samples, 2)"), "{out}");
        let out = sample("missing.safetensors");
        assert!(out.contains("cannot read the calibration sample"), "{out}");
    }

    #[test]
    fn layers_without_an_integer_form_are_all_reported() {
        let out = baked(quote! {
            #[weights(
                "../tests/fixtures/keras-files/layer_kinds/model.keras",
                quantize = "int8",
                calibrate = "../tests/fixtures/weights/tiny-calibration.safetensors"
            )]
            pub struct LayerKinds {
                Input[12]
                    -> Dense<16, relu, kernel_regularizer = l2(0.01)>
                    -> BatchNormalization<momentum = 0.9, epsilon = 0.01>
                    -> LeakyReLU<0.2>
                    -> Dropout<0.3>
                    -> Dense<10, kernel_initializer = he_normal>
                    -> PReLU
                    -> ELU<0.7>
                    -> Dense<8>
                    -> ReLU<max_value = 1.5, negative_slope = 0.1, threshold = 0.2>
                    -> BatchNormalization
                    -> Dense<3, softmax>
            }
        });
        assert!(
            out.contains(
                "the BatchNormalization before `leaky_re_lu` (LeakyReLU) has no integer form"
            ),
            "{out}"
        );
        // The PReLU has an integer form: the BatchNormalization is the only error.
        assert_eq!(out.matches("no integer form").count(), 1, "{out}");
    }

    #[test]
    fn quantize_int8_adds_the_int8_type() {
        let (model, attr) = model(quote! {
            #[weights("../tests/fixtures/weights/tiny.safetensors", quantize = "int8")]
            pub struct Tiny { Input[2] -> Dense<3, relu> -> Dense<1> }
        });
        let attr = attr.unwrap();
        assert_eq!(attr.quantize.as_ref().unwrap().value(), "int8");
        let out = bake(&quote!(::mlp_core), &model, &attr).to_string();
        assert!(out.contains("pub const WEIGHTS : Tiny = Tiny {"), "{out}");
        assert!(out.contains("pub struct TinyInt8"), "{out}");
        assert!(
            out.contains("pub const WEIGHTS : TinyInt8 = TinyInt8 {"),
            "{out}"
        );
        // Units [1, 4], [2, 5], [3, 6]: scales 4/127, 5/127, 6/127, and
        // q = [32, 127], [51, 127], [64, 127] (31.75, 50.8 and 63.5 rounded).
        assert!(
            out.contains(r#"transmute :: < [u8 ; 6usize] , [[i8 ; 2usize] ; 3usize] > (* b" \x7F3\x7F@\x7F")"#),
            "{out}"
        );
        let scales = [4.0_f32 / 127.0, 5.0 / 127.0, 6.0 / 127.0]
            .map(|s| proc_macro2::Literal::f32_suffixed(s).to_string())
            .join(" , ");
        assert!(out.contains(&format!("[{scales}]")), "{out}");
        assert!(out.contains("pub fn predict_one"), "{out}");
    }
}
