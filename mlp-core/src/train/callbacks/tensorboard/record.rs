//! TensorFlow's record framing and one event file (`events.out.tfevents.*`).
//!
//! A record is the data's length as a little-endian `u64`, the masked
//! CRC-32C of those 8 bytes, the data, and the masked CRC-32C of the data;
//! TensorFlow masks a CRC as `((crc >> 15) | (crc << 17)) + 0xa282ead8`.

use super::proto::{Event, Summary, Value};
use crate::{Error, Result};
use prost::Message;
use std::collections::HashSet;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// TensorFlow's masked CRC-32C.
pub(crate) fn masked_crc(bytes: &[u8]) -> u32 {
    let crc = crc32c::crc32c(bytes);
    crc.rotate_right(15).wrapping_add(0xa282_ead8)
}

/// `data` framed as one record, appended to `out`.
pub(crate) fn frame(data: &[u8], out: &mut Vec<u8>) {
    let len = (data.len() as u64).to_le_bytes();
    out.extend_from_slice(&len);
    out.extend_from_slice(&masked_crc(&len).to_le_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(&masked_crc(data).to_le_bytes());
}

/// Seconds since the Unix epoch, as an event's `wall_time`.
pub(crate) fn wall_time() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// One event file in a folder, as `tf.summary.create_file_writer` makes it:
/// named `events.out.tfevents.<seconds>.<host>.<pid>.<n>.v2`, opening with
/// the `brain.Event:2` record. Events are buffered and appended whole at
/// each [`EventWriter::flush`], so the file only ever ends between records.
#[derive(Debug)]
pub(crate) struct EventWriter {
    path: PathBuf,
    file: File,
    pending: Vec<u8>,
    tags: HashSet<String>,
}

impl EventWriter {
    /// Creates `dir` if needed and a new event file in it.
    pub(crate) fn create(dir: &Path) -> Result<Self> {
        static FILES: AtomicU64 = AtomicU64::new(0);
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| Error::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty() && !h.contains(['/', '\\']))
            .unwrap_or_else(|| "localhost".into());
        let name = format!(
            "events.out.tfevents.{:010}.{host}.{}.{}.v2",
            wall_time() as u64,
            std::process::id(),
            FILES.fetch_add(1, Ordering::Relaxed)
        );
        let path = dir.join(name);
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(io(&path))?;
        let mut writer = Self {
            path,
            file,
            pending: Vec::new(),
            tags: HashSet::new(),
        };
        writer.push(Event {
            wall_time: wall_time(),
            step: 0,
            file_version: Some("brain.Event:2".into()),
            summary: None,
        });
        writer.flush()?;
        Ok(writer)
    }

    /// The file's path.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    fn push(&mut self, event: Event) {
        frame(&event.encode_to_vec(), &mut self.pending);
    }

    /// Whether `tag` is new to this file (its value then carries metadata).
    pub(crate) fn first(&mut self, tag: &str) -> bool {
        self.tags.insert(tag.to_owned())
    }

    /// Queues one event holding `value` at `step`.
    pub(crate) fn write(&mut self, step: i64, value: Value) {
        self.push(Event {
            wall_time: wall_time(),
            step,
            file_version: None,
            summary: Some(Summary { value: vec![value] }),
        });
    }

    /// Appends the queued events to the file.
    pub(crate) fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        self.file
            .write_all(&self.pending)
            .and_then(|()| self.file.flush())
            .map_err(|source| Error::Io {
                path: self.path.clone(),
                source,
            })?;
        self.pending.clear();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_crc_of_known_bytes() {
        // CRC-32C("123456789") = 0xE3069283 (RFC 3720's check value),
        // masked by TensorFlow's formula (computed by hand).
        assert_eq!(masked_crc(b"123456789"), 0xC78A_B0E5);
    }

    #[test]
    fn frame_layout() {
        let mut out = Vec::new();
        frame(b"abc", &mut out);
        assert_eq!(out.len(), 8 + 4 + 3 + 4);
        assert_eq!(&out[..8], &3_u64.to_le_bytes());
        assert_eq!(&out[12..15], b"abc");
        assert_eq!(&out[15..], &masked_crc(b"abc").to_le_bytes());
    }
}
