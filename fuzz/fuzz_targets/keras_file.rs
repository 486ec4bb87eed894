//! Keras's files on arbitrary bytes: `.keras` archives (zip, `config.json`,
//! HDF5 weights) through `load_keras_bytes`, and `.weights.h5` files through
//! `load_keras_weights_bytes`. Never a panic; a refused file changes no
//! weight; an accepted one holds only finite values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlp_core::prelude::*;

// The network of the seeds (tests/fixtures/keras-files/housing_sequential).
network! { struct Housing { Input[8] -> Dense<30, relu> -> Dense<1> } }

fuzz_target!(|data: &[u8]| {
    for as_archive in [true, false] {
        let mut model = Housing::new(1);
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
});
