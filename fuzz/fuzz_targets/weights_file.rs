//! Weights files on arbitrary bytes, through `load_weights_from_bytes` (the
//! decoder `load_weights` runs on a file's bytes) and once in a while through
//! `load_weights` itself on a temporary file. A refused file changes no
//! weight; an accepted one round-trips exactly and holds only finite values.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlp_core::prelude::*;

// The network of the seed `tiny.safetensors` (tests/fixtures/weights).
network! { struct Tiny { Input[2] -> Dense<3, relu> -> Dense<1> } }

fuzz_target!(|data: &[u8]| {
    let mut model = Tiny::new(1);
    let before = model.params().to_vec();
    match model.load_weights_from_bytes(data) {
        Ok(()) => {
            assert!(model.params().iter().all(|v| v.is_finite()));
            let bytes = model.weights_to_bytes().unwrap();
            let mut copy = Tiny::new_zeroed();
            copy.load_weights_from_bytes(&bytes).unwrap();
            assert_eq!(copy.params(), model.params());
        }
        Err(_) => assert_eq!(model.params(), before.as_slice()),
    }
    // The file path: same answer as from bytes.
    if data.first() == Some(&b'\x01') || data.len() % 61 == 0 {
        let dir = std::env::temp_dir().join(format!("mlp-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("w.safetensors");
        std::fs::write(&path, data).unwrap();
        let mut from_file = Tiny::new(1);
        let mut from_bytes = Tiny::new(1);
        assert_eq!(
            from_file.load_weights(&path).is_ok(),
            from_bytes.load_weights_from_bytes(data).is_ok()
        );
        assert_eq!(from_file.params(), from_bytes.params());
    }
});
