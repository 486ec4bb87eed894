//! A `#![no_std]`, allocation-free crate that declares a network with
//! `network!` and runs a forward pass: proof that the typed core needs neither
//! `std` nor `alloc`.
#![no_std]

use mlp_core::prelude::*;

network! {
    /// The sine regressor that MicroFlow and TFLite Micro benchmark.
    pub struct SineNet {
        Input[1] -> Dense<16, relu> -> Dense<16, relu> -> Dense<1>
    }
}

/// Builds a seeded network by value and evaluates it at `x`.
pub fn demo(x: f32) -> f32 {
    let mut model = SineNet::zeroed();
    model.initialize(42);
    model.predict_one(&SVector::<f32, 1>::new(x))[0]
}
