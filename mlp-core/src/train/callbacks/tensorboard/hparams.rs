//! The `hparams` plugin's session summaries (`plugin_data.proto`), which
//! TensorBoard's HParams dashboard reads to compare a search's trials: a
//! `session_start_info` with the trial's values when its training begins,
//! a `session_end_info` when it ends, written as Keras Tuner's
//! `hparams_api.KerasCallback` writes them.

use super::proto::{PluginData, SummaryMetadata, TensorProto, TensorShapeProto, Value};
use crate::tune;
use prost::Message;
use std::collections::BTreeMap;

/// `google.protobuf.Value`, its `kind` oneof as optional members.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct ProtoValue {
    #[prost(double, optional, tag = "2")]
    pub number_value: Option<f64>,
    #[prost(string, optional, tag = "3")]
    pub string_value: Option<String>,
    #[prost(bool, optional, tag = "4")]
    pub bool_value: Option<bool>,
}

/// `tensorboard.hparams.SessionStartInfo`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct SessionStartInfo {
    #[prost(btree_map = "string, message", tag = "1")]
    pub hparams: BTreeMap<String, ProtoValue>,
    #[prost(string, tag = "4")]
    pub group_name: String,
    #[prost(double, tag = "5")]
    pub start_time_secs: f64,
}

/// `tensorboard.hparams.SessionEndInfo`.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct SessionEndInfo {
    /// `Status`: 1 success, 2 failure.
    #[prost(int32, tag = "1")]
    pub status: i32,
    #[prost(double, tag = "2")]
    pub end_time_secs: f64,
}

/// `tensorboard.hparams.HParamsPluginData`, its `data` oneof as optional
/// members.
#[derive(Clone, PartialEq, prost::Message)]
pub(crate) struct HParamsPluginData {
    #[prost(int32, tag = "1")]
    pub version: i32,
    #[prost(message, optional, tag = "3")]
    pub session_start_info: Option<SessionStartInfo>,
    #[prost(message, optional, tag = "4")]
    pub session_end_info: Option<SessionEndInfo>,
}

fn proto_value(v: &tune::Value) -> ProtoValue {
    let mut out = ProtoValue::default();
    match v {
        tune::Value::Bool(b) => out.bool_value = Some(*b),
        tune::Value::Int(i) => out.number_value = Some(*i as f64),
        tune::Value::Float(x) => out.number_value = Some(*x),
        tune::Value::Str(s) => out.string_value = Some(s.clone()),
    }
    out
}

/// A summary value of the `hparams` plugin: the data in the metadata, a
/// `DT_FLOAT` 0 as the tensor (the plugin's `NULL_TENSOR`).
fn value(tag: &str, data: HParamsPluginData) -> Value {
    Value {
        tag: tag.into(),
        tensor: Some(TensorProto {
            dtype: 1,
            tensor_shape: Some(TensorShapeProto { dim: Vec::new() }),
            tensor_content: 0.0_f32.to_le_bytes().to_vec(),
        }),
        metadata: Some(SummaryMetadata {
            plugin_data: Some(PluginData {
                plugin_name: "hparams".into(),
                content: data.encode_to_vec(),
            }),
            data_class: 0,
        }),
    }
}

/// `_hparams_/session_start_info` for a trial's values.
pub(crate) fn session_start(
    values: &BTreeMap<String, tune::Value>,
    group_name: &str,
    start_time_secs: f64,
) -> Value {
    let info = SessionStartInfo {
        hparams: values
            .iter()
            .map(|(k, v)| (k.clone(), proto_value(v)))
            .collect(),
        group_name: group_name.into(),
        start_time_secs,
    };
    value(
        "_hparams_/session_start_info",
        HParamsPluginData {
            version: 0,
            session_start_info: Some(info),
            session_end_info: None,
        },
    )
}

/// `_hparams_/session_end_info`: the training succeeded.
pub(crate) fn session_end(end_time_secs: f64) -> Value {
    value(
        "_hparams_/session_end_info",
        HParamsPluginData {
            version: 0,
            session_start_info: None,
            session_end_info: Some(SessionEndInfo {
                status: 1,
                end_time_secs,
            }),
        },
    )
}
