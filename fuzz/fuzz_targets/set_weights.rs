//! `set_weights` on arrays decoded from arbitrary bytes: any count, names,
//! shapes (including products that overflow `usize`), lengths and values.
//! `Ok` or `Err`, never a panic; a refused call changes no weight; an
//! accepted one gives back the arrays through `get_weights`.
//!
//! Encoding: one byte for the count of arrays (mod 8); per array, one byte
//! for the number of dimensions (mod 4); per dimension one byte, or, when its
//! high bit is set, the next 8 bytes as a little-endian `u64`; two bytes for
//! the number of values (mod 4096); then that many little-endian `f32`s (as
//! far as the input goes).
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlp_core::prelude::*;
use mlp_core::weights::NamedArray;

network! { struct Tiny { Input[2] -> Dense<3, relu> -> Dense<1> } }

struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0; N];
        let n = N.min(self.0.len());
        out[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        out
    }
}

fuzz_target!(|data: &[u8]| {
    let mut input = Bytes(data);
    let names = [
        "dense/kernel",
        "dense/bias",
        "dense_1/kernel",
        "dense_1/bias",
    ];
    let count = input.take::<1>()[0] % 8;
    let mut arrays = Vec::new();
    for i in 0..count as usize {
        let ndims = input.take::<1>()[0] % 4;
        let mut shape = Vec::new();
        for _ in 0..ndims {
            let tag = input.take::<1>()[0];
            shape.push(if tag & 0x80 != 0 {
                u64::from_le_bytes(input.take::<8>()) as usize
            } else {
                tag as usize
            });
        }
        let len = u16::from_le_bytes(input.take::<2>()) as usize % 4096;
        let mut values = Vec::new();
        while values.len() < len && input.0.len() >= 4 {
            values.push(f32::from_le_bytes(input.take::<4>()));
        }
        arrays.push(NamedArray {
            name: names.get(i).unwrap_or(&"extra").to_string(),
            shape,
            data: values,
        });
    }
    let mut model = Tiny::new(1);
    let before = model.params().to_vec();
    match model.set_weights(&arrays) {
        Ok(()) => assert_eq!(model.get_weights(), arrays),
        Err(e) => {
            assert!(!e.to_string().is_empty());
            assert_eq!(model.params(), before.as_slice());
        }
    }
});
