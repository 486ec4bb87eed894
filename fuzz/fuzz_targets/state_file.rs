//! Whole training-state files (`Trainer::load_state_from_bytes`, the decoder
//! `load_state` and `BackupAndRestore` run on a file's bytes) on arbitrary
//! bytes, into a trainer with Adam and one with SGD and momentum. A refused
//! file changes nothing (weights, step count); an accepted one holds only
//! finite weights and writes back to bytes that load to the same state.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlp_core::loss::MeanSquaredError;
use mlp_core::optim::{Adam, Optimizer, Sgd};
use mlp_core::prelude::*;

// The network of the seeds (fuzz/seeds/state_file, written by
// `cargo test --test checkpoint_state -- --ignored write_fuzz_seeds`).
network! { struct Tiny { Input[2] -> Dense<3, relu> -> Dense<1> } }

fn check<O: Optimizer + Clone>(data: &[u8], optimizer: O) {
    let mut model = Tiny::new(1);
    let before = model.params().to_vec();
    let mut trainer = model.compile(MeanSquaredError, optimizer.clone(), []);
    match trainer.load_state_from_bytes(data, "fuzz") {
        Ok(state) => {
            assert!(trainer.model().params().iter().all(|v| v.is_finite()));
            let bytes = trainer.state_to_bytes(&state).unwrap();
            let mut copy = Tiny::new_zeroed();
            let mut again = copy.compile(MeanSquaredError, optimizer, []);
            let reloaded = again.load_state_from_bytes(&bytes, "again").unwrap();
            // Debug compares NaN History values too.
            assert_eq!(format!("{reloaded:?}"), format!("{state:?}"));
            assert_eq!(again.model().params(), trainer.model().params());
            assert_eq!(again.iterations(), trainer.iterations());
        }
        Err(_) => {
            assert_eq!(trainer.model().params(), before.as_slice());
            assert_eq!(trainer.iterations(), 0);
        }
    }
}

fuzz_target!(|data: &[u8]| {
    check(data, Adam::new(0.01));
    check(data, Sgd::new(0.05).momentum(0.9));
});
