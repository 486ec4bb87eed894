//! The California housing CSV loader on arbitrary bytes: `Ok` or `Err`,
//! never a panic, and an `Ok` holds only finite values, one target per row.
#![no_main]

use libfuzzer_sys::fuzz_target;
use mlp_core::datasets::california_housing;

fuzz_target!(|data: &[u8]| {
    if let Ok(set) = california_housing::load_csv_bytes(data, "fuzz") {
        assert!(!set.is_empty());
        assert_eq!(set.x.len(), set.y.len());
        assert!(set.x.iter().all(|x| x.iter().all(|v| v.is_finite())));
        assert!(set.y.iter().all(|v| v.is_finite()));
    }
});
