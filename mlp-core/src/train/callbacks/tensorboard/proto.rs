//! The few TensorFlow messages an event file holds (`event.proto`,
//! `summary.proto`, `tensor.proto`, `tensor_shape.proto`), declared with
//! prost's derive: the fields TensorBoard reads, with their numbers. The
//! crate already depends on prost for ONNX; generating TensorFlow's whole
//! `.proto` tree for seven small messages would add thousands of lines.
//!
//! A summary is written as TensorFlow 2's `tf.summary` writes it: a tensor
//! with its plugin's metadata (`scalars`: a `DT_FLOAT` scalar;
//! `histograms`: a `DT_DOUBLE` `[buckets, 3]` tensor of left edge, right
//! edge and count), the metadata only on a tag's first value in a file.

/// `tensorflow.Event`: one record of an event file. `file_version` and
/// `summary` are members of the `what` oneof (never both set).
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Event {
    /// Seconds since the Unix epoch.
    #[prost(double, tag = "1")]
    pub wall_time: f64,
    /// The global step (the epoch, or the batch for batch scalars).
    #[prost(int64, tag = "2")]
    pub step: i64,
    /// `brain.Event:2`, in a file's first record.
    #[prost(string, optional, tag = "3")]
    pub file_version: Option<String>,
    /// The values.
    #[prost(message, optional, tag = "5")]
    pub summary: Option<Summary>,
}

/// `tensorflow.Summary`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Summary {
    /// The values.
    #[prost(message, repeated, tag = "1")]
    pub value: Vec<Value>,
}

/// `tensorflow.Summary.Value`, with its `tensor` member of the `value` oneof.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Value {
    /// The series' name (`epoch_loss`).
    #[prost(string, tag = "1")]
    pub tag: String,
    /// The value.
    #[prost(message, optional, tag = "8")]
    pub tensor: Option<TensorProto>,
    /// Which plugin shows it (on a tag's first value).
    #[prost(message, optional, tag = "9")]
    pub metadata: Option<SummaryMetadata>,
}

/// `tensorflow.SummaryMetadata`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct SummaryMetadata {
    /// The plugin.
    #[prost(message, optional, tag = "1")]
    pub plugin_data: Option<PluginData>,
    /// `DataClass`: 1 scalar, 2 tensor, 3 blob sequence.
    #[prost(int32, tag = "4")]
    pub data_class: i32,
}

/// `tensorflow.SummaryMetadata.PluginData`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct PluginData {
    /// `scalars`, `histograms`, `hparams`.
    #[prost(string, tag = "1")]
    pub plugin_name: String,
    /// The plugin's own message, serialised.
    #[prost(bytes = "vec", tag = "2")]
    pub content: Vec<u8>,
}

/// `tensorflow.TensorProto`, its bytes in `tensor_content` (little-endian).
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct TensorProto {
    /// `DataType`: 1 `DT_FLOAT`, 2 `DT_DOUBLE`.
    #[prost(int32, tag = "1")]
    pub dtype: i32,
    /// The shape (no dimension: a scalar).
    #[prost(message, optional, tag = "2")]
    pub tensor_shape: Option<TensorShapeProto>,
    /// The values, row-major, little-endian.
    #[prost(bytes = "vec", tag = "4")]
    pub tensor_content: Vec<u8>,
}

/// `tensorflow.TensorShapeProto`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct TensorShapeProto {
    /// The dimensions.
    #[prost(message, repeated, tag = "2")]
    pub dim: Vec<Dim>,
}

/// `tensorflow.TensorShapeProto.Dim`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct Dim {
    /// Its size.
    #[prost(int64, tag = "1")]
    pub size: i64,
}

const DT_FLOAT: i32 = 1;
const DT_DOUBLE: i32 = 2;
const DATA_CLASS_SCALAR: i32 = 1;
const DATA_CLASS_TENSOR: i32 = 2;

/// TensorBoard's default number of histogram buckets (`tf.summary.histogram`).
pub(crate) const HISTOGRAM_BUCKETS: usize = 30;

fn metadata(plugin_name: &str, data_class: i32) -> SummaryMetadata {
    SummaryMetadata {
        plugin_data: Some(PluginData {
            plugin_name: plugin_name.into(),
            // The plugins' data messages at version 0 serialise to nothing.
            content: Vec::new(),
        }),
        data_class,
    }
}

/// A scalar value as `tf.summary.scalar` writes it (cast to `f32`), with the
/// `scalars` metadata if `first`.
pub(crate) fn scalar(tag: &str, value: f64, first: bool) -> Value {
    Value {
        tag: tag.into(),
        tensor: Some(TensorProto {
            dtype: DT_FLOAT,
            tensor_shape: Some(TensorShapeProto { dim: Vec::new() }),
            tensor_content: (value as f32).to_le_bytes().to_vec(),
        }),
        metadata: first.then(|| metadata("scalars", DATA_CLASS_SCALAR)),
    }
}

/// A histogram of `data` as `tf.summary.histogram` writes it, with the
/// `histograms` metadata if `first`.
pub(crate) fn histogram(tag: &str, data: &[f32], first: bool) -> Value {
    let rows = buckets(data, HISTOGRAM_BUCKETS);
    let tensor_content = rows
        .iter()
        .flatten()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    Value {
        tag: tag.into(),
        tensor: Some(TensorProto {
            dtype: DT_DOUBLE,
            tensor_shape: Some(TensorShapeProto {
                dim: vec![
                    Dim {
                        size: rows.len() as i64,
                    },
                    Dim { size: 3 },
                ],
            }),
            tensor_content,
        }),
        metadata: first.then(|| metadata("histograms", DATA_CLASS_TENSOR)),
    }
}

/// TensorBoard's histogram buckets (`histogram/summary_v2.py`, `_buckets`),
/// in `f64`: `count` equal-width buckets from the minimum to the maximum,
/// `[left, right, count]` each, a value at the maximum in the last one. One
/// distinct value: every bucket is `[v, v]`, the last holds every count. No
/// data: zeros.
pub(crate) fn buckets(data: &[f32], count: usize) -> Vec<[f64; 3]> {
    let mut rows = vec![[0.0; 3]; count];
    if data.is_empty() || count == 0 {
        return rows;
    }
    let (min, max) = data
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(f64::from(v)), hi.max(f64::from(v)))
        });
    let range = max - min;
    if range == 0.0 {
        rows.fill([min, min, 0.0]);
        rows[count - 1][2] = data.len() as f64;
        return rows;
    }
    let width = range / count as f64;
    for &v in data {
        let i = ((f64::from(v) - min) / width).floor() as usize;
        rows[i.min(count - 1)][2] += 1.0;
    }
    // `tf.linspace(min, max, count + 1)` with the last edge exactly `max`.
    let edge = |i: usize| {
        if i == count {
            max
        } else {
            min + range * i as f64 / count as f64
        }
    };
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = edge(i);
        row[1] = edge(i + 1);
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_match_tensorboard() {
        // numpy: the edges of np.linspace(0, 3, 4); 3.0 falls in the last.
        let rows = buckets(&[0.0, 1.0, 1.5, 3.0, 2.9], 3);
        assert_eq!(
            rows,
            vec![[0.0, 1.0, 1.0], [1.0, 2.0, 2.0], [2.0, 3.0, 2.0]]
        );
        let rows = buckets(&[2.5; 4], 3);
        assert_eq!(
            rows,
            vec![[2.5, 2.5, 0.0], [2.5, 2.5, 0.0], [2.5, 2.5, 4.0]]
        );
        assert_eq!(buckets(&[], 2), vec![[0.0; 3]; 2]);
    }

    #[test]
    fn scalar_metadata_only_first() {
        let first = scalar("epoch_loss", 0.5, true);
        assert_eq!(
            first.metadata.unwrap().plugin_data.unwrap().plugin_name,
            "scalars"
        );
        assert_eq!(first.tensor.unwrap().tensor_content, 0.5_f32.to_le_bytes());
        assert!(scalar("epoch_loss", 0.5, false).metadata.is_none());
    }
}
