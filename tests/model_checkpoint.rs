//! `ModelCheckpoint` in `fit`: the files it writes, the weights they hold
//! (those of the best epoch with `save_best_only`), errors, and whole writes.

use mlp::Network;
use mlp::io::decode_weights;
use mlp::loss::SparseCategoricalCrossentropy;
use mlp::metrics::Metric;
use mlp::optim::Sgd;
use mlp::prelude::*;
use mlp::train::{Callback, CallbackContext, Logs, ModelCheckpoint, SaveFreq};
use std::path::Path;

network! {
    /// A small classifier.
    struct Net { Input[2] -> Dense<8, tanh> -> Dense<2, softmax> }
}

network! {
    /// Wider, so that a file takes a while to write.
    struct Wide { Input[2] -> Dense<128, tanh> -> Dense<128, tanh> -> Dense<2, softmax> }
}

/// Points on both sides of the line x0 + x1 = 0, labelled by side.
fn data(n: usize) -> (Vec<SVector<f32, 2>>, Vec<u8>) {
    let x: Vec<SVector<f32, 2>> = (0..n)
        .map(|i| {
            let a = i as f32 * 0.37;
            SVector::<f32, 2>::new(a.sin() * 2.0, (a * 1.7).cos() * 2.0)
        })
        .collect();
    let y = x.iter().map(|p| u8::from(p[0] + p[1] > 0.0)).collect();
    (x, y)
}

/// Records the parameters and logs at every epoch end.
#[derive(Default)]
struct Capture {
    params: Vec<Vec<f32>>,
    logs: Vec<Logs>,
}

impl<N: Network> Callback<N> for Capture {
    fn on_epoch_end(
        &mut self,
        ctx: &mut CallbackContext<'_, N>,
        _epoch: usize,
        logs: &Logs,
    ) -> mlp::Result<()> {
        self.params.push(ctx.model().params().to_vec());
        self.logs.push(logs.clone());
        Ok(())
    }
}

fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn loaded<N: Network>(path: &Path) -> Vec<f32> {
    let mut model = N::new_zeroed();
    model.load_weights(path).unwrap();
    model.params().to_vec()
}

#[test]
fn saves_every_epoch_with_the_placeholders_filled() {
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = data(40);
    let (vx, vy) = data(13);
    let mut model = Net::new(1);
    let mut trainer = model.compile(
        SparseCategoricalCrossentropy,
        Sgd::new(0.1),
        [Metric::Accuracy],
    );
    let template = dir.path().join("ck/w-{epoch:02}-{val_loss:.4}.safetensors");
    let mut capture = Capture::default();
    let history = trainer
        .fit(
            &x,
            &y,
            Fit::epochs(3)
                .batch_size(8)
                .verbose(0)
                .validation_data(&vx, &vy)
                .callback(&mut capture)
                .callback(ModelCheckpoint::new(&template)),
        )
        .unwrap();
    let val_loss = history.get("val_loss").unwrap();
    let expected: Vec<String> = (0..3)
        .map(|e| format!("w-{:02}-{:.4}.safetensors", e + 1, val_loss[e]))
        .collect();
    // The missing folder `ck` was created; no temporary file is left.
    assert_eq!(files(&dir.path().join("ck")), expected);
    for (name, params) in expected.iter().zip(&capture.params) {
        assert_eq!(&loaded::<Net>(&dir.path().join("ck").join(name)), params);
    }
}

#[test]
fn save_best_only_keeps_the_weights_of_the_best_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = data(64);
    // Validation labels are the opposite of the training ones: as the model
    // learns, `val_loss` rises, so the best epoch is not the last one.
    let (vx, vy) = data(20);
    let vy: Vec<u8> = vy.iter().map(|c| 1 - c).collect();
    let path = dir.path().join("best.safetensors");
    let mut model = Net::new(7);
    let mut trainer = model.compile(SparseCategoricalCrossentropy, Sgd::new(0.05), []);
    let mut capture = Capture::default();
    let mut checkpoint = ModelCheckpoint::new(&path).save_best_only(true);
    let history = trainer
        .fit(
            &x,
            &y,
            Fit::epochs(6)
                .batch_size(8)
                .verbose(0)
                .validation_data(&vx, &vy)
                .callback(&mut capture)
                .callback(&mut checkpoint),
        )
        .unwrap();
    let val_loss = history.get("val_loss").unwrap();
    let best = (0..val_loss.len())
        .min_by(|a, b| val_loss[*a].total_cmp(&val_loss[*b]))
        .unwrap();
    assert_ne!(best, val_loss.len() - 1, "val_loss {val_loss:?}");
    assert_eq!(checkpoint.best(), Some((best, val_loss[best])));
    assert_eq!(checkpoint.last_saved(), Some(path.as_path()));
    let saved = loaded::<Net>(&path);
    assert_eq!(saved, capture.params[best]);
    assert_ne!(saved, trainer.model().params());
    assert_eq!(files(dir.path()), ["best.safetensors"]);

    // Monitoring accuracy maximises it: the file holds an epoch of maximal
    // val_accuracy (the first one reaching it).
    let path = dir.path().join("acc.safetensors");
    let mut capture = Capture::default();
    let mut checkpoint = ModelCheckpoint::new(&path)
        .monitor("accuracy")
        .save_best_only(true);
    let mut model = Net::new(3);
    let mut trainer = model.compile(
        SparseCategoricalCrossentropy,
        Sgd::new(0.05),
        [Metric::Accuracy],
    );
    let history = trainer
        .fit(
            &x,
            &y,
            Fit::epochs(5)
                .batch_size(8)
                .verbose(0)
                .callback(&mut capture)
                .callback(&mut checkpoint),
        )
        .unwrap();
    let acc = history.get("accuracy").unwrap();
    let top = acc.iter().copied().fold(f64::MIN, f64::max);
    let first_top = acc.iter().position(|a| *a == top).unwrap();
    assert_eq!(checkpoint.best(), Some((first_top, top)));
    assert_eq!(loaded::<Net>(&path), capture.params[first_top]);
}

#[test]
fn a_missing_monitor_is_an_error_listing_the_logs() {
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = data(16);
    let mut model = Net::new(1);
    let mut trainer = model.compile(
        SparseCategoricalCrossentropy,
        Sgd::default(),
        [Metric::Accuracy],
    );
    let path = dir.path().join("w.safetensors");
    // `val_loss` (the default) without validation data.
    let err = trainer
        .fit(
            &x,
            &y,
            Fit::epochs(2)
                .verbose(0)
                .callback(ModelCheckpoint::new(&path).save_best_only(true)),
        )
        .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("`val_loss`"), "{message}");
    assert!(message.contains("loss, accuracy"), "{message}");
    assert!(!path.exists());

    // Without save_best_only the monitor is not read.
    trainer
        .fit(
            &x,
            &y,
            Fit::epochs(1)
                .verbose(0)
                .callback(ModelCheckpoint::new(&path)),
        )
        .unwrap();
    assert!(path.exists());

    // A placeholder naming a value that is not in the logs.
    let err = trainer
        .fit(
            &x,
            &y,
            Fit::epochs(1)
                .verbose(0)
                .callback(ModelCheckpoint::new(dir.path().join("{val_accuracy:.2}"))),
        )
        .unwrap_err();
    assert!(err.to_string().contains("`{val_accuracy}`"), "{err}");
    assert!(err.to_string().contains("loss, accuracy"), "{err}");

    // A malformed one fails before training.
    let before = trainer.iterations();
    let err = trainer
        .fit(
            &x,
            &y,
            Fit::epochs(1)
                .verbose(0)
                .callback(ModelCheckpoint::new(dir.path().join("w-{epoch"))),
        )
        .unwrap_err();
    assert!(err.to_string().contains("unclosed placeholder"), "{err}");
    assert_eq!(trainer.iterations(), before);
}

#[test]
fn write_errors_end_fit_and_leave_earlier_files_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = data(16);
    // Epoch 2's file cannot be written: a non-empty folder holds its name.
    let taken = dir.path().join("w-2.safetensors");
    std::fs::create_dir(&taken).unwrap();
    std::fs::write(taken.join("keep"), b"x").unwrap();
    let mut model = Net::new(2);
    let mut trainer = model.compile(SparseCategoricalCrossentropy, Sgd::default(), []);
    let mut capture = Capture::default();
    let err = trainer
        .fit(
            &x,
            &y,
            Fit::epochs(3)
                .verbose(0)
                .callback(&mut capture)
                .callback(ModelCheckpoint::new(
                    dir.path().join("w-{epoch}.safetensors"),
                )),
        )
        .unwrap_err();
    assert!(matches!(err, mlp::Error::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("w-2.safetensors"), "{err}");
    // fit stopped at epoch 2; epoch 1's file is complete; nothing else is left.
    assert_eq!(capture.params.len(), 2);
    assert_eq!(files(dir.path()), ["w-1.safetensors", "w-2.safetensors"]);
    assert!(taken.is_dir());
    assert_eq!(
        loaded::<Net>(&dir.path().join("w-1.safetensors")),
        capture.params[0]
    );
}

#[test]
fn a_reader_never_sees_a_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.safetensors");
    let (x, y) = data(8);
    let expected_len = Wide::new(0).weights_to_bytes().unwrap().len();
    let done = std::sync::atomic::AtomicBool::new(false);
    let (reads, epochs) = std::thread::scope(|s| {
        let reader = s.spawn(|| {
            let mut reads = 0;
            while !done.load(std::sync::atomic::Ordering::Acquire) {
                if let Ok(bytes) = std::fs::read(&path) {
                    assert_eq!(bytes.len(), expected_len, "a partial file was visible");
                    decode_weights::<Wide>(&bytes, "checkpoint").unwrap();
                    reads += 1;
                }
            }
            reads
        });
        let mut model = Wide::new(1);
        let mut trainer = model.compile(SparseCategoricalCrossentropy, Sgd::new(0.01), []);
        let history = trainer.fit(
            &x,
            &y,
            Fit::epochs(150)
                .batch_size(8)
                .verbose(0)
                .callback(ModelCheckpoint::new(&path)),
        );
        done.store(true, std::sync::atomic::Ordering::Release);
        (reader.join().unwrap(), history.unwrap().len())
    });
    assert_eq!(epochs, 150);
    assert!(reads > 0, "the reader never saw the file");
    assert_eq!(files(dir.path()), ["wide.safetensors"]);
}

#[test]
fn batch_frequency_saves_mid_epoch() {
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = data(8);
    let mut model = Net::new(4);
    let mut trainer = model.compile(SparseCategoricalCrossentropy, Sgd::default(), []);
    // Four batches per epoch, a save every three batches.
    trainer
        .fit(
            &x,
            &y,
            Fit::epochs(2).batch_size(2).verbose(0).callback(
                ModelCheckpoint::new(dir.path().join("e{epoch}-b{batch}.safetensors"))
                    .save_freq(SaveFreq::Batches(3)),
            ),
        )
        .unwrap();
    assert_eq!(
        files(dir.path()),
        ["e1-b3.safetensors", "e2-b2.safetensors"]
    );
    let err = trainer
        .fit(
            &x,
            &y,
            Fit::epochs(1).verbose(0).callback(
                ModelCheckpoint::new(dir.path().join("w")).save_freq(SaveFreq::Batches(0)),
            ),
        )
        .unwrap_err();
    assert!(err.to_string().contains("save_freq"), "{err}");
}
