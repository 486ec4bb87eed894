//! The checks of the `#[weights("file.safetensors")]` bake, which the proc
//! macro and the runtime's `load_weights` share
//! (`mlp_spec::safetensors_check::check_weights`), on arbitrary bytes,
//! against two networks: the tiny one of `tiny.safetensors` and the book's
//! Fashion-MNIST classifier of `keras-fashion-mlp/weights.safetensors`.
//! Never a panic; an accepted file gives finite values of the declared
//! sizes; refused, at least one problem; and the runtime's answer is the
//! bake's.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlp_core::prelude::*;
use mlp_spec::safetensors_check::check_weights;

network! { struct Tiny { Input[2] -> Dense<3, relu> -> Dense<1> } }
network! { struct Book { Flatten[28, 28] -> Dense<300, relu> -> Dense<100, relu> -> Dense<10, softmax> } }

const TINY: [(&str, &[usize]); 4] = [
    ("dense/kernel", &[2, 3]),
    ("dense/bias", &[3]),
    ("dense_1/kernel", &[3, 1]),
    ("dense_1/bias", &[1]),
];
const BOOK: [(&str, &[usize]); 6] = [
    ("dense/kernel", &[784, 300]),
    ("dense/bias", &[300]),
    ("dense_1/kernel", &[300, 100]),
    ("dense_1/bias", &[100]),
    ("dense_2/kernel", &[100, 10]),
    ("dense_2/bias", &[10]),
];

fn check<N: Network>(data: &[u8], expected: &[(&str, &[usize])]) {
    let checked = check_weights(data, expected);
    match &checked {
        Ok(values) => {
            assert_eq!(values.len(), expected.len());
            for (v, (_, shape)) in values.iter().zip(expected) {
                assert_eq!(v.len(), shape.iter().product::<usize>());
                assert!(v.iter().all(|x| x.is_finite()));
            }
        }
        Err(problems) => assert!(!problems.is_empty()),
    }
    let mut model = N::new_zeroed();
    assert_eq!(model.load_weights_from_bytes(data).is_ok(), checked.is_ok());
}

fuzz_target!(|data: &[u8]| {
    check::<Tiny>(data, &TINY);
    check::<Book>(data, &BOOK);
});
