//! Finds a data file or downloads it (with the `download` feature): the
//! download's SHA-256 is checked, and only then is the file moved into place.

#[cfg(feature = "download")]
use std::fs;
#[cfg(feature = "download")]
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
#[cfg(feature = "download")]
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::locate::{self, Place};
#[cfg(feature = "download")]
use crate::Error;
use crate::Result;

/// The first copy of `file_name` in `searched`, else (when `allowed`) a
/// verified download of `url` into `cache`.
///
/// `Ok(Err(reason))`: the file is nowhere, and `reason` says why it was not
/// downloaded, for the caller's "where to put it" message. `Err`: the
/// download arrived corrupt or could not be stored.
pub(crate) fn find_or_fetch(
    searched: &[Place],
    cache: Option<&Place>,
    allowed: bool,
    url: &str,
    file_name: &str,
    sha256: &[u8; 32],
) -> Result<core::result::Result<PathBuf, String>> {
    if let Some(path) = locate::find(searched, file_name) {
        return Ok(Ok(path));
    }
    match (cache, allowed) {
        (_, false) => Ok(Err("downloading is switched off".into())),
        (None, true) => Ok(Err(format!(
            "there is no cache folder to download into (set ${} or call cache_dir())",
            super::CACHE_DIR_ENV
        ))),
        (Some(cache), true) => fetch(url, &cache.dir, file_name, sha256),
    }
}

#[cfg(feature = "download")]
fn fetch(
    url: &str,
    dir: &Path,
    file_name: &str,
    sha256: &[u8; 32],
) -> Result<core::result::Result<PathBuf, String>> {
    match fetch_verified(url, dir, file_name, sha256) {
        Ok(path) => Ok(Ok(path)),
        Err(FetchError::Fatal(e)) => Err(e),
        Err(FetchError::Network(message)) => Ok(Err(format!("the download failed: {message}"))),
    }
}

#[cfg(not(feature = "download"))]
fn fetch(
    url: &str,
    _dir: &Path,
    _file_name: &str,
    _sha256: &[u8; 32],
) -> Result<core::result::Result<PathBuf, String>> {
    Ok(Err(format!(
        "this build cannot download {url} (mlp-core's feature `download` is off)"
    )))
}

/// The SHA-256 of `bytes`.
pub(crate) fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// Why a download did not produce a file.
#[cfg(feature = "download")]
#[derive(Debug)]
pub(crate) enum FetchError {
    /// The server could not be reached or did not send the file; the caller
    /// falls back to telling the user where to put the files.
    Network(String),
    /// The file arrived but is not the expected one, or cannot be stored.
    Fatal(Error),
}

/// Downloads `url` into `dir/file_name`, verifying the SHA-256 first.
///
/// The bytes are streamed into a temporary file in `dir` while hashed; that
/// file is renamed to `file_name` only if the hash matches, and deleted
/// otherwise, so `dir` never holds a partial or corrupt file.
#[cfg(feature = "download")]
fn fetch_verified(
    url: &str,
    dir: &Path,
    file_name: &str,
    expected: &[u8; 32],
) -> core::result::Result<PathBuf, FetchError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_recv_response(Some(Duration::from_secs(60)))
        .timeout_recv_body(Some(Duration::from_secs(30 * 60)))
        .build()
        .into();
    let response = agent
        .get(url)
        .call()
        .map_err(|e| FetchError::Network(format!("GET {url}: {e}")))?;

    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| FetchError::Fatal(Error::Io { path, source })
    };
    fs::create_dir_all(dir).map_err(io(dir))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{file_name}."))
        .suffix(".part")
        .tempfile_in(dir)
        .map_err(io(dir))?;

    let mut body = response.into_body().into_reader();
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = match body.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                return Err(FetchError::Network(format!(
                    "GET {url}: reading the body: {e}"
                )));
            }
        };
        hasher.update(&buf[..n]);
        tmp.write_all(&buf[..n]).map_err(io(tmp.path()))?;
    }
    let found: [u8; 32] = hasher.finalize().into();
    if &found != expected {
        // Dropping `tmp` deletes it: nothing is cached.
        return Err(FetchError::Fatal(Error::Data {
            source_name: url.to_string(),
            message: format!(
                "SHA-256 of the downloaded {file_name} is {}, expected {}; the download was discarded and not cached",
                to_hex(&found),
                to_hex(expected)
            ),
        }));
    }
    tmp.as_file().sync_all().map_err(io(tmp.path()))?;
    let dest = dir.join(file_name);
    tmp.persist(&dest).map_err(|e| {
        FetchError::Fatal(Error::Io {
            path: dest.clone(),
            source: e.error,
        })
    })?;
    Ok(dest)
}

/// Lower-case hexadecimal.
pub(crate) fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses 64 hexadecimal digits; the error says what was given.
pub(crate) fn parse_sha256(hex: &str) -> core::result::Result<[u8; 32], String> {
    let bad = || format!("`{hex}` is not a SHA-256 (64 hexadecimal digits)");
    if hex.len() != 64 || !hex.is_ascii() {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_round_trip() {
        let h = "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84";
        assert_eq!(to_hex(&parse_sha256(h).unwrap()), h);
        assert_eq!(
            parse_sha256(&h.to_uppercase()).unwrap(),
            parse_sha256(h).unwrap()
        );
        assert!(parse_sha256(&h[1..]).is_err());
        assert!(parse_sha256(&h.replace('a', "g")).is_err());
        assert!(parse_sha256(&"é".repeat(32)).is_err());
    }

    #[test]
    fn sha256_of_abc() {
        // FIPS 180-2 test vector.
        assert_eq!(
            to_hex(&sha256(b"abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[cfg(feature = "download")]
    #[test]
    fn unreachable_server_is_a_network_error_and_writes_nothing() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        drop(listener);
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("cache");
        let r = fetch_verified(
            &format!("http://127.0.0.1:{port}/f.gz"),
            &cache,
            "f.gz",
            &[0; 32],
        );
        assert!(
            matches!(r, Err(FetchError::Network(ref m)) if m.contains("f.gz")),
            "{r:?}"
        );
        assert!(!cache.exists());
    }
}
