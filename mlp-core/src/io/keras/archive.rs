//! The `.keras` archive: a zip of `config.json`, `model.weights.h5` and
//! `metadata.json` (Keras 3's `model.save("model.keras")`), read with the
//! `zip` crate from bytes in memory.

use crate::Result;
use std::io::{Cursor, Read};

/// The three members of a `.keras` archive.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct KerasArchive {
    /// `config.json`: the architecture, as text.
    pub config: String,
    /// `model.weights.h5`: the weights, an HDF5 file.
    pub weights_h5: Vec<u8>,
}

/// Members larger than this are refused before any is decompressed (a
/// corrupt or hostile size field must not allocate without bound).
const MAX_MEMBER_BYTES: u64 = 4 << 30;

impl KerasArchive {
    /// Reads the archive in `bytes` (`source_name` names it in errors).
    /// A missing member, a corrupt or truncated zip, or a member whose
    /// checksum fails is an error naming the archive and the member.
    pub fn from_bytes(bytes: &[u8], source_name: &str) -> Result<Self> {
        let err = |message: String| crate::error::data(source_name, message);
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes))
            .map_err(|e| err(format!("not a valid .keras (zip) archive: {e}")))?;
        let mut member = |name: &str| -> Result<Vec<u8>> {
            let mut file = zip.by_name(name).map_err(|e| {
                err(format!(
                    "the archive has no readable `{name}` ({e}); a .keras file holds config.json, \
                     model.weights.h5 and metadata.json"
                ))
            })?;
            let size = file.size();
            if size > MAX_MEMBER_BYTES || size > 64 * bytes.len() as u64 + 4096 {
                return Err(err(format!(
                    "`{name}` claims {size} bytes, more than an archive of {} bytes can hold",
                    bytes.len()
                )));
            }
            let mut out = Vec::with_capacity(size as usize);
            file.read_to_end(&mut out)
                .map_err(|e| err(format!("cannot read `{name}`: {e}")))?;
            Ok(out)
        };
        let text = |name: &str, data: Vec<u8>| {
            String::from_utf8(data).map_err(|e| err(format!("`{name}` is not UTF-8: {e}")))
        };
        let config = text("config.json", member("config.json")?)?;
        // `metadata.json` (`{"keras_version": ..., "date_saved": ...}`) must
        // be there, as Keras requires, though nothing in it is read.
        text("metadata.json", member("metadata.json")?)?;
        let weights_h5 = member("model.weights.h5")?;
        Ok(Self { config, weights_h5 })
    }
}
