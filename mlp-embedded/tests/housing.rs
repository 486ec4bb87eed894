//! The housing regressor on the host: the integer-only model against the f32
//! one on the book's test set, its calibration sample, and the rows and
//! outputs that the `housing_int8` firmware compares itself with.
//!
//! `cargo test -p mlp-embedded --test housing` (run by `qemu.sh`) writes
//! `firmware/data/housing-int8.bin`: [`N`] test rows quantised (8 bytes
//! each), then their [`N`] int8 outputs on this host.
//! `MLP_WRITE_CALIBRATION=1` rewrites `weights/housing-calibration.safetensors`
//! (the first 500 standardised training rows) instead of checking it.

use mlp_core::SVector;
use mlp_core::datasets::{StandardScaler, california_housing, train_test_split};
use mlp_core::prelude::*;
use mlp_embedded::{HOUSING_INT8, HousingNet, HousingNetInt8, housing_q};

/// Test rows the firmware checks.
const N: usize = 100;
/// Training rows in the calibration sample.
const CALIBRATION: usize = 500;

type Rows = Vec<SVector<f32, 8>>;

/// The book's split (seed 42, 25% test, then 25% of the rest for
/// validation) and scaler: standardised training and test rows, test targets.
fn data() -> (Rows, Rows, Vec<f32>) {
    let housing = california_housing::load().unwrap();
    let ((x_full, y_full), (x_test, y_test)) =
        train_test_split(&housing.x, &housing.y, 0.25, 42).unwrap();
    let ((x_train, _), _) = train_test_split(&x_full, &y_full, 0.25, 42).unwrap();
    let scaler = StandardScaler::fit(&x_train).unwrap();
    (
        scaler.transform(&x_train),
        scaler.transform(&x_test),
        y_test,
    )
}

#[test]
fn the_calibration_sample_is_the_first_500_standardised_training_rows() {
    let (x_train, _, _) = data();
    let values: Vec<f32> = x_train[..CALIBRATION]
        .iter()
        .flat_map(|r| r.iter().copied())
        .collect();
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/weights/housing-calibration.safetensors"
    );
    if std::env::var_os("MLP_WRITE_CALIBRATION").is_some() {
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        let view = safetensors::tensor::TensorView::new(
            safetensors::Dtype::F32,
            vec![CALIBRATION, 8],
            &bytes,
        )
        .unwrap();
        safetensors::serialize_to_file([("input", view)], None, path.as_ref()).unwrap();
    }
    let bytes = std::fs::read(path).unwrap();
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let t = file.tensor("input").unwrap();
    assert_eq!(t.shape(), [CALIBRATION, 8]);
    let stored: Vec<f32> = t
        .data()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    assert!(
        stored == values,
        "the calibration file is not the first {CALIBRATION} standardised training rows"
    );
}

#[test]
fn integer_model_against_f32_on_the_test_set_and_the_firmware_data() {
    let (_, x_test, y_test) = data();
    let f32_model = HousingNet::WEIGHTS;
    let (mut diffs, mut se, mut se8) = (Vec::new(), 0.0_f64, 0.0_f64);
    for (x, y) in x_test.iter().zip(&y_test) {
        let (a, b) = (f32_model.predict_one(x)[0], HOUSING_INT8.predict_one(x)[0]);
        diffs.push((a - b).abs());
        se += f64::from((a - y) * (a - y));
        se8 += f64::from((b - y) * (b - y));
    }
    let n = x_test.len() as f64;
    let (rmse, rmse8) = ((se / n).sqrt(), (se8 / n).sqrt());
    diffs.sort_by(f32::total_cmp);
    let at = |q: f64| diffs[((diffs.len() - 1) as f64 * q) as usize];
    println!(
        "housing on {} test rows: test RMSE f32 {rmse:.4}, integer-only int8 {rmse8:.4}; \
         |int8 - f32| median {:.4}, 99th percentile {:.4}, max {:.4} (x 100,000 $; the largest \
         on rows with features beyond the calibrated range, saturated); output step {}",
        x_test.len(),
        at(0.5),
        at(0.99),
        at(1.0),
        HousingNetInt8::OUTPUT.scale
    );
    assert!(rmse8 < rmse * 1.02, "int8 RMSE {rmse8} vs f32 {rmse}");
    assert!(
        at(0.99) < 0.1,
        "99th percentile of |int8 - f32| {}",
        at(0.99)
    );

    let mut bytes = Vec::new();
    let rows: Vec<[i8; 8]> = x_test[..N]
        .iter()
        .map(HousingNetInt8::quantize_input)
        .collect();
    bytes.extend(rows.iter().flatten().map(|q| *q as u8));
    bytes.extend(rows.iter().map(|r| housing_q(r) as u8));
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/firmware/data/housing-int8.bin"
    );
    std::fs::write(path, &bytes).unwrap();
}
