//! Non-finite inputs propagate to NaN outputs (never a plausible finite
//! answer), through relu (which once turned NaN into 0) and softmax, in
//! `predict_one` and in the batch `predict`, without touching other samples.

use mlp::loss::SparseCategoricalCrossentropy;
use mlp::optim::Sgd;
use mlp::prelude::*;

network! {
    /// A relu hidden layer and a softmax output, as the book's classifier.
    pub struct Classifier { Input[4] -> Dense<8, relu> -> Dense<3, softmax> }
}

#[test]
fn nan_or_infinite_input_gives_nan_outputs() {
    let mut model = Classifier::new(1);
    let good = SVector::<f32, 4>::new(0.5, -1.0, 2.0, 0.25);
    for bad_value in [f32::NAN, f32::INFINITY, f32::NEG_INFINITY] {
        let mut bad = good;
        bad[2] = bad_value;
        let out = model.predict_one(&bad);
        assert!(out.iter().all(|p| p.is_nan()), "{bad_value}: {out:?}");
    }
    let ok = model.predict_one(&good);
    assert!(ok.iter().all(|p| p.is_finite()));

    let mut bad = good;
    bad[0] = f32::NAN;
    let x = vec![good; 70]
        .into_iter()
        .chain([bad])
        .chain(vec![good; 70])
        .collect::<Vec<_>>();
    let trainer = model.compile(SparseCategoricalCrossentropy, Sgd::new(0.01), []);
    let rows = trainer.predict(&x).unwrap();
    for (i, row) in rows.iter().enumerate() {
        if i == 70 {
            assert!(row.iter().all(|p| p.is_nan()), "{row:?}");
        } else {
            assert_eq!(*row, ok, "sample {i}");
        }
    }
}
