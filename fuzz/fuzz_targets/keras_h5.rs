//! The HDF5 reader under a memory limit: `.weights.h5` files through
//! `load_keras_weights_bytes` into the housing regressor, a network of
//! every layer kind and the Wide & Deep graph. `fuzz/ci.sh` runs it with
//! `-rss_limit_mb=512` (libFuzzer's malloc limit follows it), well below
//! the 3.9-5.8 GB that 17.8-25 MB files of unwritten HDF5 chunks drove one
//! load to when every dataset was read before its shape was compared with
//! the network's; a seed is such a file (`fuzz/seeds/keras_h5/
//! sparse_chunks.weights.h5`, a (4194304, 30) kernel in 21 kB). Never a
//! panic; a refused file changes no weight; an accepted one holds only
//! finite values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlp_core::prelude::*;

// The networks of the seeds (tests/fixtures/keras-files/*/model.weights.h5).
network! { struct Housing { Input[8] -> Dense<30, relu> -> Dense<1> } }

network! {
    struct LayerKinds {
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
}

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

/// `load` on `model`: a refused file changes nothing, an accepted one
/// holds only finite values.
fn check<M: ?Sized>(
    model: &mut M,
    params: fn(&M) -> &[f32],
    load: impl FnOnce(&mut M) -> mlp_core::Result<()>,
) {
    let before = params(model).to_vec();
    match load(model) {
        Ok(()) => assert!(params(model).iter().all(|v| v.is_finite())),
        Err(_) => assert_eq!(params(model), before.as_slice()),
    }
}

fuzz_target!(|data: &[u8]| {
    check(&mut *Housing::new(1), |m| m.params(), |m| {
        m.load_keras_weights_bytes(data)
    });
    check(&mut *LayerKinds::new(1), |m| m.params(), |m| {
        m.load_keras_weights_bytes(data)
    });
    check(&mut *WideDeep::new(1), |m| m.params(), |m| {
        m.load_keras_weights_bytes(data)
    });
});
