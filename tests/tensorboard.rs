//! The `TensorBoard` callback's files, read back by a reader written here
//! from TensorFlow's formats alone (record framing with a bitwise CRC-32C,
//! a protobuf wire decoder), not by the writer's code: every scalar is
//! checked against the run's History, the batch scalars' steps against
//! `update_freq`, each histogram against its weight array.

use mlp::loss::SparseCategoricalCrossentropy;
use mlp::metrics::Metric;
use mlp::optim::Sgd;
use mlp::prelude::*;
use mlp::train::{Fit, TensorBoard, UpdateFreq};
use std::collections::BTreeMap;
use std::path::Path;

network! {
    /// A small classifier.
    struct Tiny { Input[2] -> Dense<4, relu> -> Dense<2, softmax> }
}

/// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), bit by bit.
fn crc32c(bytes: &[u8]) -> u32 {
    let mut crc = !0_u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0x82F6_3B78
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn masked(crc: u32) -> u32 {
    crc.rotate_right(15).wrapping_add(0xa282_ead8)
}

/// The records of a file, each CRC checked.
fn records(bytes: &[u8]) -> Vec<&[u8]> {
    let mut out = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        assert!(rest.len() >= 12, "a truncated record header");
        let len = u64::from_le_bytes(rest[..8].try_into().unwrap()) as usize;
        let len_crc = u32::from_le_bytes(rest[8..12].try_into().unwrap());
        assert_eq!(len_crc, masked(crc32c(&rest[..8])), "length CRC");
        let data = &rest[12..12 + len];
        let data_crc = u32::from_le_bytes(rest[12 + len..16 + len].try_into().unwrap());
        assert_eq!(data_crc, masked(crc32c(data)), "data CRC");
        out.push(data);
        rest = &rest[16 + len..];
    }
    out
}

#[derive(Clone, Copy, Debug)]
enum Wire<'a> {
    Varint(u64),
    Fixed64(u64),
    Bytes(&'a [u8]),
}

fn varint(buf: &mut &[u8]) -> u64 {
    let mut value = 0_u64;
    for shift in (0..64).step_by(7) {
        let b = buf[0];
        *buf = &buf[1..];
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return value;
        }
    }
    panic!("varint longer than 10 bytes")
}

/// A message's fields, in order.
fn fields(mut buf: &[u8]) -> Vec<(u64, Wire<'_>)> {
    let mut out = Vec::new();
    while !buf.is_empty() {
        let key = varint(&mut buf);
        let wire = match key & 7 {
            0 => Wire::Varint(varint(&mut buf)),
            1 => {
                let v = u64::from_le_bytes(buf[..8].try_into().unwrap());
                buf = &buf[8..];
                Wire::Fixed64(v)
            }
            2 => {
                let len = varint(&mut buf) as usize;
                let (data, rest) = buf.split_at(len);
                buf = rest;
                Wire::Bytes(data)
            }
            t => panic!("wire type {t} is not written by the callback"),
        };
        out.push((key >> 3, wire));
    }
    out
}

fn bytes<'a>(fields: &[(u64, Wire<'a>)], number: u64) -> Vec<&'a [u8]> {
    fields
        .iter()
        .filter_map(|(n, w)| match (n, w) {
            (n, Wire::Bytes(b)) if *n == number => Some(*b),
            _ => None,
        })
        .collect()
}

fn int(fields: &[(u64, Wire<'_>)], number: u64) -> u64 {
    fields
        .iter()
        .find_map(|(n, w)| match w {
            Wire::Varint(v) if *n == number => Some(*v),
            _ => None,
        })
        .unwrap_or(0)
}

/// One decoded summary value.
#[derive(Debug)]
struct Point {
    step: i64,
    dtype: u64,
    shape: Vec<i64>,
    content: Vec<u8>,
    plugin: Option<String>,
}

impl Point {
    fn scalar(&self) -> f32 {
        assert_eq!(
            (self.dtype, self.shape.as_slice()),
            (1, &[][..]),
            "a DT_FLOAT scalar"
        );
        f32::from_le_bytes(self.content[..].try_into().unwrap())
    }

    fn histogram(&self) -> Vec<[f64; 3]> {
        assert_eq!(
            (self.dtype, self.shape.as_slice()),
            (2, &[30, 3][..]),
            "DT_DOUBLE [30, 3]"
        );
        self.content
            .chunks(24)
            .map(|row| {
                std::array::from_fn(|i| {
                    f64::from_le_bytes(row[i * 8..i * 8 + 8].try_into().unwrap())
                })
            })
            .collect()
    }
}

/// The one event file in `dir`: its values by tag, in order.
fn read_dir(dir: &Path) -> BTreeMap<String, Vec<Point>> {
    let files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "one event file in {}", dir.display());
    let name = files[0].file_name().unwrap().to_str().unwrap().to_owned();
    assert!(
        name.starts_with("events.out.tfevents.") && name.ends_with(".v2"),
        "{name}"
    );
    let file = std::fs::read(&files[0]).unwrap();
    let records = records(&file);
    let first = fields(records[0]);
    assert_eq!(
        bytes(&first, 3),
        [b"brain.Event:2"],
        "the file_version record"
    );
    let mut out: BTreeMap<String, Vec<Point>> = BTreeMap::new();
    for record in &records[1..] {
        let event = fields(record);
        let step = int(&event, 2) as i64;
        let wall_time = event.iter().find_map(|(n, w)| match w {
            Wire::Fixed64(bits) if *n == 1 => Some(f64::from_bits(*bits)),
            _ => None,
        });
        assert!(
            wall_time.is_some_and(|t| t > 1.6e9),
            "a wall time in seconds since 1970"
        );
        for summary in bytes(&event, 5) {
            for value in bytes(&fields(summary), 1) {
                let value = fields(value);
                let tag = String::from_utf8(bytes(&value, 1)[0].to_vec()).unwrap();
                let tensor = fields(bytes(&value, 8)[0]);
                let shape = bytes(&tensor, 2)
                    .first()
                    .map(|s| {
                        bytes(&fields(s), 2)
                            .iter()
                            .map(|d| int(&fields(d), 1) as i64)
                            .collect()
                    })
                    .unwrap_or_default();
                let plugin = bytes(&value, 9).first().map(|m| {
                    let plugin_data = fields(bytes(&fields(m), 1)[0]);
                    String::from_utf8(bytes(&plugin_data, 1)[0].to_vec()).unwrap()
                });
                out.entry(tag).or_default().push(Point {
                    step,
                    dtype: int(&tensor, 1),
                    shape,
                    content: bytes(&tensor, 4)
                        .first()
                        .map(|c| c.to_vec())
                        .unwrap_or_default(),
                    plugin,
                });
            }
        }
    }
    // Metadata on a tag's first value only, as TensorFlow writes it.
    for (tag, points) in &out {
        assert!(
            points[0].plugin.is_some(),
            "{tag}: metadata on the first value"
        );
        assert!(
            points[1..].iter().all(|p| p.plugin.is_none()),
            "{tag}: metadata once"
        );
    }
    out
}

fn steps(points: &[Point]) -> Vec<i64> {
    points.iter().map(|p| p.step).collect()
}

fn data(n: usize) -> (Vec<SVector<f32, 2>>, Vec<u8>) {
    let x: Vec<_> = (0..n)
        .map(|i| {
            let t = i as f32 * 0.37;
            SVector::<f32, 2>::new(t.sin(), (t * 1.7).cos())
        })
        .collect();
    let y = x.iter().map(|v| u8::from(v[0] * v[1] > 0.0)).collect();
    (x, y)
}

#[test]
fn event_files_hold_every_scalar_and_histogram() -> mlp::Result<()> {
    let logs = tempfile::tempdir().unwrap();
    let (x, y) = data(40);
    let (x_val, y_val) = data(13);
    let mut model = Tiny::new(3);
    let mut trainer = model.compile(
        SparseCategoricalCrossentropy,
        Sgd::new(0.05),
        [Metric::Accuracy],
    );
    let mut tensorboard = TensorBoard::new(logs.path())
        .histogram_freq(2)
        .update_freq(UpdateFreq::Batches(2));
    // 40 samples in batches of 8: 5 batches an epoch, 15 in all.
    let history = trainer.fit(
        &x,
        &y,
        Fit::epochs(3)
            .batch_size(8)
            .verbose(0)
            .validation_data(&x_val, &y_val)
            .callback(&mut tensorboard),
    )?;
    let train = read_dir(&logs.path().join("train"));
    let validation = read_dir(&logs.path().join("validation"));

    for (name, points) in [
        ("loss", &train["epoch_loss"]),
        ("accuracy", &train["epoch_accuracy"]),
    ] {
        assert_eq!(steps(points), [0, 1, 2]);
        let expected: Vec<f32> = history
            .get(name)
            .unwrap()
            .iter()
            .map(|&v| v as f32)
            .collect();
        assert_eq!(
            points.iter().map(Point::scalar).collect::<Vec<_>>(),
            expected,
            "epoch_{name}"
        );
        assert_eq!(points[0].plugin.as_deref(), Some("scalars"));
    }
    for (name, tag) in [
        ("val_loss", "epoch_loss"),
        ("val_accuracy", "epoch_accuracy"),
    ] {
        let expected: Vec<f32> = history
            .get(name)
            .unwrap()
            .iter()
            .map(|&v| v as f32)
            .collect();
        let points = &validation[tag];
        assert_eq!(steps(points), [0, 1, 2]);
        assert_eq!(
            points.iter().map(Point::scalar).collect::<Vec<_>>(),
            expected,
            "{tag}"
        );
        let per_step = &validation[&format!("evaluation_{}_vs_iterations", &name[4..])];
        assert_eq!(
            steps(per_step),
            [5, 10, 15],
            "at the optimizer's step count"
        );
        assert_eq!(
            per_step.iter().map(Point::scalar).collect::<Vec<_>>(),
            expected
        );
    }
    let rates: Vec<f32> = train["epoch_learning_rate"]
        .iter()
        .map(Point::scalar)
        .collect();
    assert_eq!(rates, [0.05; 3]);

    // Every second batch of the run, counted from 1.
    let batch_loss = &train["batch_loss"];
    assert_eq!(steps(batch_loss), [2, 4, 6, 8, 10, 12, 14]);
    assert_eq!(steps(&train["batch_accuracy"]), steps(batch_loss));
    // Batch 10 ends epoch 1: its running mean is the epoch's loss.
    let epoch_1 = history.get("loss").unwrap()[1];
    assert!((f64::from(batch_loss[4].scalar()) - epoch_1).abs() <= 1e-6 * epoch_1.abs());

    // Histograms at epochs 0 and 2, one per weight array, counting its values.
    let weights = model.get_weights();
    assert_eq!(
        train.keys().filter(|t| t.ends_with("/histogram")).count(),
        weights.len()
    );
    for array in &weights {
        let points = &train[&format!("{}/histogram", array.name)];
        assert_eq!(steps(points), [0, 2]);
        assert_eq!(points[0].plugin.as_deref(), Some("histograms"));
        let last = points[1].histogram();
        let total: f64 = last.iter().map(|b| b[2]).sum();
        assert_eq!(total, array.data.len() as f64, "{}", array.name);
        // The final weights: the edges span their minimum and maximum.
        let min = array.data.iter().copied().fold(f32::INFINITY, f32::min);
        let max = array.data.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        assert_eq!((last[0][0], last[29][1]), (f64::from(min), f64::from(max)));
        let in_first = array
            .data
            .iter()
            .filter(|&&v| f64::from(v) < last[0][1])
            .count();
        assert_eq!(last[0][2], in_first as f64);
    }
    assert_eq!(tensorboard.event_files().len(), 2);
    Ok(())
}

#[test]
fn epoch_only_by_default_and_a_new_file_per_fit() -> mlp::Result<()> {
    let logs = tempfile::tempdir().unwrap();
    let (x, y) = data(16);
    let mut model = Tiny::new(5);
    let mut trainer = model.compile(SparseCategoricalCrossentropy, Sgd::default(), []);
    let mut tensorboard = TensorBoard::new(logs.path());
    trainer.fit(&x, &y, Fit::epochs(2).verbose(0).callback(&mut tensorboard))?;
    let train = read_dir(&logs.path().join("train"));
    assert_eq!(
        train.keys().collect::<Vec<_>>(),
        ["epoch_learning_rate", "epoch_loss"]
    );
    assert!(!logs.path().join("validation").exists());
    trainer.fit(&x, &y, Fit::epochs(1).verbose(0).callback(&mut tensorboard))?;
    assert_eq!(tensorboard.event_files().len(), 2);
    assert_eq!(
        std::fs::read_dir(logs.path().join("train"))
            .unwrap()
            .count(),
        2
    );
    Ok(())
}

#[test]
fn bad_settings_and_folders_are_errors() {
    let logs = tempfile::tempdir().unwrap();
    let (x, y) = data(8);
    let mut model = Tiny::new(5);
    let mut trainer = model.compile(SparseCategoricalCrossentropy, Sgd::default(), []);
    let options = Fit::epochs(1).verbose(0);
    let zero = TensorBoard::new(logs.path()).update_freq(UpdateFreq::Batches(0));
    let message = trainer
        .fit(&x, &y, options.callback(zero))
        .unwrap_err()
        .to_string();
    assert!(
        message.contains("update_freq") && message.contains("found 0"),
        "{message}"
    );

    // A file where the folder should be: the error names the path.
    let file = logs.path().join("taken");
    std::fs::write(&file, b"x").unwrap();
    let options = Fit::epochs(1).verbose(0).callback(TensorBoard::new(&file));
    let message = trainer.fit(&x, &y, options).unwrap_err().to_string();
    assert!(message.contains("taken"), "{message}");
}
