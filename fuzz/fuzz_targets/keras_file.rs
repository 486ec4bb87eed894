//! Keras's files on arbitrary bytes: `.keras` archives (zip, `config.json`,
//! HDF5 weights) through `load_keras_bytes`, and `.weights.h5` files through
//! `load_keras_weights_bytes`, into the models of the seeds (chains with and
//! without a Normalization layer, whose `count` is an int64; the two-input,
//! two-output Wide & Deep graph, a Functional model). Never a
//! panic; a refused file changes no weight; an accepted one holds only
//! finite values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlp_core::prelude::*;

// The models of the seeds (tests/fixtures/keras-files/housing_sequential,
// housing_normalization and wide_deep_two_outputs).
network! { struct Housing { Input[8] -> Dense<30, relu> -> Dense<1> } }
network! { struct NormHousing { Input[8] -> Normalization -> Dense<30, relu> -> Dense<1> } }
network! {
    struct WideDeep {
        wide_input = Input[5];
        deep_input = Input[6];
        hidden1 = Dense<30, relu>(deep_input);
        hidden2 = Dense<30, relu>(hidden1);
        concat = Concatenate(wide_input, hidden2);
        output main_output = Dense<1>(concat);
        output aux_output = Dense<1>(hidden2);
    }
}

/// Loads `data` both ways into a new `N`.
fn load<N: KerasFile>(data: &[u8]) {
    for as_archive in [true, false] {
        let mut model = N::new(1);
        let before = model.params().to_vec();
        let result = if as_archive {
            model.load_keras_bytes(data)
        } else {
            model.load_keras_weights_bytes(data)
        };
        match result {
            Ok(()) => assert!(model.params().iter().all(|v| v.is_finite())),
            Err(_) => assert_eq!(model.params(), before.as_slice()),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    load::<Housing>(data);
    load::<NormHousing>(data);
    load::<WideDeep>(data);
});
