//! The IDX reader on arbitrary bytes: gzip-compressed images (28 x 28, and
//! 2 x 2 so small payloads reach the end of the stream) and labels. Any
//! input must give `Ok` or `Err`, never a panic, an abort or a hang, and an
//! `Ok` must hold exactly what its header announces.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlp_core::datasets::idx;

fuzz_target!(|data: &[u8]| {
    for item_dims in [&[28usize, 28][..], &[2, 2], &[]] {
        if let Ok(read) = idx::read_bytes(data, item_dims, "fuzz") {
            assert_eq!(read.dims[1..], *item_dims);
            assert_eq!(read.data.len(), read.dims.iter().product::<usize>());
        }
    }
});
