//! A training-state file is accepted only if the run it describes is the
//! one resumed, and an accepted file can always be saved again: files
//! rewritten the way an attacker or a stale backup would (a History name
//! listed twice, a tensor named twice in the header, a loss or a layer
//! with other settings) are refused by `load_state` and by
//! `BackupAndRestore`, naming what differs, and change nothing.

use mlp::loss::{Huber, Loss, MeanSquaredError, SparseCategoricalCrossentropy, TargetFor};
use mlp::optim::Adam;
use mlp::prelude::*;

use mlp::train::{BackupAndRestore, Fit, TrainingState};
use safetensors::SafeTensors;
use std::collections::HashMap;

network! {
    struct Net { Input[2] -> Dense<3, relu> -> Dense<1> }
}

fn data() -> (Vec<SVector<f32, 2>>, Vec<SVector<f32, 1>>) {
    let x: Vec<SVector<f32, 2>> = (0..16)
        .map(|i| SVector::<f32, 2>::new(i as f32 / 16.0, 1.0 - i as f32 / 8.0))
        .collect();
    let y = x
        .iter()
        .map(|v| SVector::<f32, 1>::new(v[0] - v[1]))
        .collect();
    (x, y)
}

/// A real training-state file of `Net` after two epochs with `loss`.
fn state_bytes(loss: MeanSquaredError) -> Vec<u8> {
    let (x, y) = data();
    saved::<Net, _, _>(loss, &x, &y)
}

/// A real training-state file of `N` after two epochs on `x`, `y` with `loss`.
fn saved<N: Network, L: Loss, Y: TargetFor<L, N::Output>>(
    loss: L,
    x: &[N::Input],
    y: &[Y],
) -> Vec<u8> {
    let mut model = N::new(1);
    let mut trainer = model.compile(loss, Adam::new(0.01), []);
    let history = trainer
        .fit(x, y, Fit::epochs(2).batch_size(4).seed(3).verbose(0))
        .unwrap();
    trainer
        .state_to_bytes(&TrainingState::new(2, 3, history))
        .unwrap()
}

/// The error of loading `bytes` into a trainer of `N` with `loss`, after
/// checking that nothing changed.
fn load_error<N: Network, L: Loss>(loss: L, bytes: &[u8]) -> String {
    let mut model = N::new(7);
    let before = model.params().to_vec();
    let mut trainer = model.compile(loss, Adam::new(0.01), []);
    let iterations = trainer.iterations();
    let err = trainer
        .load_state_from_bytes(bytes, "run.mlpstate")
        .expect_err("a state of another run was accepted")
        .to_string();
    assert_eq!(trainer.iterations(), iterations);
    drop(trainer);
    assert_eq!(
        model.params(),
        before.as_slice(),
        "a refused file changed weights"
    );
    err
}

/// `bytes` with the metadata entry `key` set to `value`.
fn with_metadata(bytes: &[u8], key: &str, value: &str) -> Vec<u8> {
    let (_, header) = SafeTensors::read_metadata(bytes).unwrap();
    let mut meta: HashMap<String, String> = header.metadata().clone().unwrap();
    meta.insert(key.into(), value.into());
    let file = SafeTensors::deserialize(bytes).unwrap();
    safetensors::serialize(file.tensors(), Some(meta)).unwrap()
}

/// Loads `bytes` into a fresh trainer; on an error, checks that nothing
/// changed. A panic anywhere (loading or saving back) is caught and
/// returned as an error message, so that it fails the test that asked.
fn load_then_save(bytes: &[u8]) -> Result<(), String> {
    std::panic::catch_unwind(|| {
        let mut model = Net::new(7);
        let before = model.params().to_vec();
        let mut trainer = model.compile(MeanSquaredError, Adam::new(0.01), []);
        match trainer.load_state_from_bytes(bytes, "run.mlpstate") {
            Ok(state) => {
                trainer.state_to_bytes(&state).map_err(|e| e.to_string())?;
                Ok(())
            }
            Err(e) => {
                drop(trainer);
                assert_eq!(
                    model.params(),
                    before.as_slice(),
                    "a refused file changed weights"
                );
                Err(e.to_string())
            }
        }
    })
    .unwrap_or_else(|payload| {
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()));
        panic!("panicked: {message:?}")
    })
}

#[test]
fn a_history_name_listed_twice_is_refused() {
    let bytes = with_metadata(
        &state_bytes(MeanSquaredError),
        "history_names",
        r#"["loss","loss"]"#,
    );
    let err = load_then_save(&bytes).unwrap_err();
    assert_eq!(err, "run.mlpstate: `history_names` lists `loss` twice");
}

#[test]
fn a_history_with_a_series_twice_is_an_error_when_saved_not_a_panic() {
    let (x, y) = data();
    let mut model = Net::new(1);
    let mut trainer = model.compile(MeanSquaredError, Adam::new(0.01), []);
    let mut history = trainer.fit(&x, &y, Fit::epochs(1).verbose(0)).unwrap();
    let series = history.history[0].clone();
    history.history.push(series);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("run.mlpstate");
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        trainer.save_state(&path, &TrainingState::new(1, 0, history.clone()))
    }));
    let err = result.expect("save_state panicked").unwrap_err();
    assert_eq!(
        err.to_string(),
        "training state of `Net`: the History holds the series `loss` twice"
    );
    assert!(!path.exists(), "nothing written");
}

/// The header of `bytes` with the entry of tensor `name` written twice.
fn with_tensor_twice(bytes: &[u8], name: &str) -> Vec<u8> {
    let len = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
    let header = std::str::from_utf8(&bytes[8..8 + len]).unwrap().trim_end();
    // An entry is `"name":{"dtype":..,"shape":[..],"data_offsets":[..]}`.
    let start = header.find(&format!("\"{name}\":{{")).unwrap();
    let end = start + header[start..].find('}').unwrap() + 1;
    let entry = &header[start..end];
    let doubled = header.replacen(entry, &format!("{entry},{entry}"), 1);
    let mut out = (doubled.len() as u64).to_le_bytes().to_vec();
    out.extend_from_slice(doubled.as_bytes());
    out.extend_from_slice(&bytes[8 + len..]);
    out
}

#[test]
fn a_tensor_named_twice_in_the_header_is_refused() {
    let good = state_bytes(MeanSquaredError);
    assert!(load_then_save(&good).is_ok());
    for name in ["history/loss", "model/dense/kernel"] {
        let err = load_then_save(&with_tensor_twice(&good, name)).unwrap_err();
        assert_eq!(
            err,
            format!(
                "run.mlpstate: not a training-state file: its header names tensor `{name}` twice"
            )
        );
    }
}

#[test]
fn backup_and_restore_refuses_a_backup_with_a_history_name_twice() {
    let (x, y) = data();
    let dir = tempfile::tempdir().unwrap();
    let backup = BackupAndRestore::new(dir.path());
    let bytes = with_metadata(
        &state_bytes(MeanSquaredError),
        "history_names",
        r#"["loss","loss"]"#,
    );
    std::fs::write(backup.path(), bytes).unwrap();
    let mut model = Net::new(7);
    let before = model.params().to_vec();
    let mut trainer = model.compile(MeanSquaredError, Adam::new(0.01), []);
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        trainer.fit(&x, &y, Fit::epochs(4).verbose(0).callback(backup))
    }));
    let err = result.expect("fit panicked").unwrap_err().to_string();
    assert!(err.ends_with("`history_names` lists `loss` twice"), "{err}");
    drop(trainer);
    assert_eq!(model.params(), before.as_slice());
}

network! { struct Rate3 { Input[4] -> Dense<6, relu> -> Dropout<0.3> -> Dense<3, softmax> } }
network! { struct Rate5 { Input[4] -> Dense<6, relu> -> Dropout<0.5> -> Dense<3, softmax> } }
network! { struct Slope2 { Input[4] -> Dense<6> -> LeakyReLU<0.2> -> Dense<3, softmax> } }
network! { struct Slope3 { Input[4] -> Dense<6> -> LeakyReLU<0.3> -> Dense<3, softmax> } }
network! { struct Bn9 { Input[4] -> BatchNormalization<momentum = 0.9> -> Dense<3, softmax> } }
network! { struct Bn99 { Input[4] -> BatchNormalization -> Dense<3, softmax> } }
network! { struct Eps { Input[4] -> BatchNormalization<epsilon = 0.00001> -> Dense<3, softmax> } }
network! { struct L2a { Input[4] -> Dense<6, relu, kernel_regularizer = l2(0.01)> -> Dense<3, softmax> } }
network! { struct L2b { Input[4] -> Dense<6, relu, kernel_regularizer = l2(0.1)> -> Dense<3, softmax> } }
network! { struct NoReg { Input[4] -> Dense<6, relu> -> Dense<3, softmax> } }
network! { struct MaxNorm { Input[4] -> Dense<6, relu, kernel_constraint = max_norm(3.0)> -> Dense<3, softmax> } }
network! { struct Tanh { Input[4] -> Dense<6, tanh> -> Dense<3, softmax> } }
network! { struct OtherInit { Input[4] -> Dense<6, relu, kernel_initializer = he_normal> -> Dense<3, softmax> } }

fn classes() -> (Vec<SVector<f32, 4>>, Vec<u8>) {
    let x = (0..24)
        .map(|i| SVector::from_fn(|j, _| ((i * 7 + j * 5) % 13) as f32 / 4.0 - 1.0))
        .collect();
    let y = (0..24).map(|i| (i % 3) as u8).collect();
    (x, y)
}

#[test]
fn a_loss_with_other_settings_is_refused_naming_the_setting_and_both_values() {
    let (x, y) = data();
    let bytes = saved::<Net, _, _>(Huber::new(1.0), &x, &y);
    assert_eq!(
        load_error::<Net, _>(Huber::new(5.0), &bytes),
        "run.mlpstate: the loss: `delta` is 1.0 in the saved run, 5.0 in this trainer"
    );
    assert_eq!(
        load_error::<Net, _>(MeanSquaredError, &bytes),
        "run.mlpstate: the loss is `Huber { delta: 1.0, reduction: SumOverBatchSize }` in the saved \
         run, `MeanSquaredError { reduction: SumOverBatchSize }` in this trainer"
    );
    let (x, y) = classes();
    let sparse = SparseCategoricalCrossentropy;
    let bytes = saved::<NoReg, _, _>(sparse, &x, &y);
    assert_eq!(
        load_error::<NoReg, _>(sparse.from_logits(true), &bytes),
        "run.mlpstate: the loss: `from_logits` is false in the saved run, true in this trainer"
    );
    assert_eq!(
        load_error::<NoReg, _>(sparse.ignore_class(-1), &bytes),
        "run.mlpstate: the loss: `ignore_class` is None in the saved run, \
         Some(18446744073709551615) in this trainer"
    );
}

/// Saves a state of `A`, loads it into `B`: the error.
fn across<A: Network<Input = SVector<f32, 4>>, B: Network>() -> String
where
    u8: TargetFor<SparseCategoricalCrossentropy, A::Output>,
{
    let (x, y) = classes();
    let bytes = saved::<A, _, _>(SparseCategoricalCrossentropy, &x, &y);
    load_error::<B, _>(SparseCategoricalCrossentropy, &bytes)
}

#[test]
fn a_layer_with_other_settings_is_refused_naming_the_layer_setting_and_both_values() {
    let cases = [
        (
            across::<Rate3, Rate5>(),
            "layer 1 (`dropout`): `rate` is 0.3 in the saved run, 0.5 in `Rate5`",
        ),
        (
            across::<Slope2, Slope3>(),
            "layer 1 (`leaky_re_lu`): `function.negative_slope` is 0.2 in the saved run, 0.3 in \
             `Slope3`",
        ),
        (
            across::<Bn9, Bn99>(),
            "layer 0 (`batch_normalization`): `momentum` is 0.9 in the saved run, 0.99 in `Bn99`",
        ),
        (
            across::<Bn99, Eps>(),
            "layer 0 (`batch_normalization`): `epsilon` is 0.001 in the saved run, 1e-5 in `Eps`",
        ),
        (
            across::<L2a, L2b>(),
            "layer 0 (`dense`): `options.kernel_regularizer.l2` is 0.01 in the saved run, 0.1 in \
             `L2b`",
        ),
        (
            across::<L2a, NoReg>(),
            "layer 0 (`dense`): `options.kernel_regularizer` is Some(L2 { l2: 0.01 }) in the saved \
             run, None in `NoReg`",
        ),
        (
            across::<NoReg, MaxNorm>(),
            "layer 0 (`dense`): `options.kernel_constraint` is None in the saved run, \
             Some(MaxNorm { max_value: 3.0 }) in `MaxNorm`",
        ),
        (
            across::<NoReg, Tanh>(),
            "layer 0 (`dense`): `activation` is Relu in the saved run, Tanh in `Tanh`",
        ),
    ];
    for (err, expected) in cases {
        assert_eq!(err, format!("run.mlpstate: {expected}"));
    }
}

#[test]
fn initializers_are_not_compared_they_only_decide_the_first_weights() {
    let (x, y) = classes();
    let bytes = saved::<NoReg, _, _>(SparseCategoricalCrossentropy, &x, &y);
    let mut model = OtherInit::new(7);
    let mut trainer = model.compile(SparseCategoricalCrossentropy, Adam::new(0.01), []);
    let state = trainer
        .load_state_from_bytes(&bytes, "run.mlpstate")
        .unwrap();
    assert_eq!(state.epoch, 2);
}

#[test]
fn backup_and_restore_refuses_a_backup_of_another_dropout_rate() {
    let (x, y) = classes();
    let dir = tempfile::tempdir().unwrap();
    let backup = BackupAndRestore::new(dir.path());
    std::fs::write(
        backup.path(),
        saved::<Rate3, _, _>(SparseCategoricalCrossentropy, &x, &y),
    )
    .unwrap();
    let mut model = Rate5::new(7);
    let before = model.params().to_vec();
    let mut trainer = model.compile(SparseCategoricalCrossentropy, Adam::new(0.01), []);
    let err = trainer
        .fit(&x, &y, Fit::epochs(4).verbose(0).callback(backup))
        .unwrap_err()
        .to_string();
    assert!(
        err.ends_with("layer 1 (`dropout`): `rate` is 0.3 in the saved run, 0.5 in `Rate5`"),
        "{err}"
    );
    drop(trainer);
    assert_eq!(model.params(), before.as_slice());
}
