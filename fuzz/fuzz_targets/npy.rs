//! The `.npy` reader on arbitrary bytes: any input must give `Ok` or `Err`,
//! never a panic, an abort or a hang, and an `Ok` must hold exactly the
//! values its shape announces.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlp_core::datasets::npy;

fuzz_target!(|data: &[u8]| {
    if let Ok(array) = npy::read_bytes(data, "fuzz") {
        assert_eq!(array.data.len(), array.shape.iter().product::<usize>());
    }
});
