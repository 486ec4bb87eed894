//! Reader for gzip-compressed IDX files, the format of MNIST and Fashion-MNIST.
//!
//! An IDX file is a big-endian header followed by the values in row-major
//! order: a magic number `0x0000TTDD` (`TT` the value type, `0x08` for unsigned
//! bytes; `DD` the number of dimensions), one `u32` per dimension, then the
//! payload. Images are `0x00000803` (`count x rows x cols`), labels
//! `0x00000801` (`count`).
//!
//! Every check names the file and says what was expected and what was found:
//! a wrong magic, a shape other than the one asked for, a truncated or corrupt
//! gzip stream, a payload shorter or longer than the header announces.
//!
//! ```
//! use mlp_core::datasets::idx;
//! use std::path::Path;
//!
//! let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/fashion-mnist");
//! let images = idx::read_images::<28, 28>(&dir.join("t10k-images-idx3-ubyte.gz"))?;
//! let labels = idx::read_labels(&dir.join("t10k-labels-idx1-ubyte.gz"))?;
//! assert_eq!((images.len(), labels.len()), (10_000, 10_000));
//!
//! // The same file read as 32x32 images is an error that names both shapes.
//! let err = idx::read_images::<32, 32>(&dir.join("t10k-images-idx3-ubyte.gz")).unwrap_err();
//! assert!(err.to_string().contains("expected items of 32 x 32, found 28 x 28"), "{err}");
//! # Ok::<(), mlp_core::Error>(())
//! ```

use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

use flate2::read::MultiGzDecoder;
use nalgebra::SMatrix;

use crate::{Error, Result};

/// The IDX value type code of unsigned bytes.
pub const UNSIGNED_BYTE: u8 = 0x08;
/// Magic number of an IDX file of images (unsigned bytes, 3 dimensions).
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX file of labels (unsigned bytes, 1 dimension).
pub const LABELS_MAGIC: u32 = 0x0000_0801;

/// The initial allocation for a payload is capped, so that a corrupt header
/// announcing gigabytes fails as "truncated" instead of exhausting memory.
const MAX_INITIAL_CAPACITY: usize = 64 << 20;

/// Deflate's largest expansion: a match of 258 bytes takes at least 2 bits,
/// so a gzip stream of `n` bytes decompresses to at most `1032 * n` bytes.
/// A header announcing more than that is refused before any payload is
/// read, so memory never follows the decompressed bytes of a file that
/// cannot hold what it announces (a "zip bomb" of zeros).
pub const MAX_DEFLATE_RATIO: u64 = 1032;

/// The content of an IDX file of unsigned bytes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Idx {
    /// Every dimension from the header, the item count first.
    pub dims: Vec<usize>,
    /// The values in row-major order (`dims` multiplied together).
    pub data: Vec<u8>,
}

/// Reads a gzip-compressed IDX file of unsigned bytes whose items have the
/// shape `item_dims` (`[28, 28]` for images, `[]` for labels).
///
/// The number of items is whatever the header says. Errors are
/// [`Error::Io`] when the file cannot be opened and [`Error::Data`] (naming
/// the file) for anything wrong inside it.
///
/// Decompression is bounded: it stops at the first byte past the payload the
/// header announces, and a header announcing more than the file's compressed
/// size can hold ([`MAX_DEFLATE_RATIO`]) is refused before the payload is read.
pub fn read(path: &Path, item_dims: &[usize]) -> Result<Idx> {
    let io = |source| Error::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = File::open(path).map_err(io)?;
    let compressed = file.metadata().map_err(io)?.len();
    let mut reader = MultiGzDecoder::new(BufReader::new(file));
    parse(&mut reader, item_dims, compressed).map_err(|message| Error::Data {
        source_name: path.display().to_string(),
        message,
    })
}

/// [`read`] from the gzip-compressed bytes of an IDX file already in memory;
/// `source_name` names them in error messages.
///
/// ```
/// use mlp_core::datasets::idx;
///
/// let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../data/fashion-mnist/t10k-labels-idx1-ubyte.gz");
/// let labels = idx::read_bytes(&std::fs::read(path)?, &[], "t10k labels")?;
/// assert_eq!(labels.dims, [10_000]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_bytes(bytes: &[u8], item_dims: &[usize], source_name: &str) -> Result<Idx> {
    let mut reader = MultiGzDecoder::new(bytes);
    parse(&mut reader, item_dims, bytes.len() as u64).map_err(|message| Error::Data {
        source_name: source_name.to_string(),
        message,
    })
}

/// Reads a gzip-compressed IDX file of `R x C` images (magic `0x00000803`).
///
/// `images[i][(row, col)]` is the pixel at that row and column: IDX stores
/// rows one after the other, and each image is converted from that order.
pub fn read_images<const R: usize, const C: usize>(path: &Path) -> Result<Vec<SMatrix<u8, R, C>>> {
    if R == 0 || C == 0 {
        return Err(Error::InvalidArgument {
            name: "R, C",
            message: format!("images of {R} x {C} have no pixels"),
        });
    }
    let idx = read(path, &[R, C])?;
    Ok(idx
        .data
        .chunks_exact(R * C)
        .map(SMatrix::from_row_slice)
        .collect())
}

/// Reads a gzip-compressed IDX file of labels (magic `0x00000801`).
pub fn read_labels(path: &Path) -> Result<Vec<u8>> {
    Ok(read(path, &[])?.data)
}

/// Parses the decompressed stream of a gzip file of `compressed` bytes; the
/// error is the message for [`Error::Data`].
fn parse(
    reader: &mut impl Read,
    item_dims: &[usize],
    compressed: u64,
) -> core::result::Result<Idx, String> {
    let ndims = item_dims.len() + 1;
    let expected_magic = (u32::from(UNSIGNED_BYTE) << 8) | ndims as u32;
    let mut magic = [0u8; 4];
    read_header(reader, &mut magic, "the magic number")?;
    let found_magic = u32::from_be_bytes(magic);
    if found_magic != expected_magic {
        return Err(format!(
            "expected IDX magic 0x{expected_magic:08x} ({}), found 0x{found_magic:08x} ({})",
            describe_magic(expected_magic),
            describe_magic(found_magic)
        ));
    }

    let mut dims = Vec::with_capacity(ndims);
    for i in 0..ndims {
        let mut word = [0u8; 4];
        read_header(
            reader,
            &mut word,
            &format!("dimension {} of {ndims}", i + 1),
        )?;
        dims.push(u32::from_be_bytes(word) as usize);
    }
    if dims[1..] != *item_dims {
        return Err(format!(
            "expected items of {}, found {} (the header says {})",
            join_dims(item_dims),
            join_dims(&dims[1..]),
            join_dims(&dims)
        ));
    }

    let len = dims
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| {
            format!(
                "the header's dimensions {} overflow a byte count",
                join_dims(&dims)
            )
        })?;
    let most = compressed.saturating_mul(MAX_DEFLATE_RATIO);
    if len as u64 > most {
        return Err(format!(
            "the header announces {} = {len} payload bytes, more than a gzip file of {compressed} \
             bytes can hold (at most {most} bytes decompressed)",
            join_dims(&dims)
        ));
    }
    let mut data = Vec::with_capacity(len.min(MAX_INITIAL_CAPACITY));
    let read = reader.take(len as u64).read_to_end(&mut data);
    let truncated = |why: &str| {
        format!(
            "truncated: the header announces {} = {len} payload bytes, found {} ({why})",
            join_dims(&dims),
            data.len()
        )
    };
    match read {
        Ok(_) if data.len() < len => return Err(truncated("the data ends there")),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
            return Err(truncated(&format!("gzip: {e}")));
        }
        Err(e) => {
            return Err(format!(
                "corrupt gzip stream after {} of {len} payload bytes: {e}",
                data.len()
            ));
        }
    }

    // Reaching the end of the stream also checks the gzip CRC and length.
    let mut extra = [0u8; 1];
    match reader.read(&mut extra) {
        Ok(0) => Ok(Idx { dims, data }),
        Ok(_) => Err(format!(
            "expected {} bytes (header and payload of {}), found more after the payload",
            4 * (ndims + 1) + len,
            join_dims(&dims)
        )),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Err(format!(
            "truncated gzip stream: it ends after the payload, before its trailer ({e})"
        )),
        Err(e) => Err(format!("corrupt gzip stream at its end: {e}")),
    }
}

/// Fills `buf` from the header; `what` names the field for the message.
fn read_header(
    reader: &mut impl Read,
    buf: &mut [u8],
    what: &str,
) -> core::result::Result<(), String> {
    reader.read_exact(buf).map_err(|e| match e.kind() {
        io::ErrorKind::UnexpectedEof => {
            format!("truncated: the file ends inside the IDX header, at {what}")
        }
        _ => format!("not a readable gzip file (reading {what} of the IDX header): {e}"),
    })
}

/// `unsigned bytes, 3 dimensions`, or why the number is not an IDX magic.
fn describe_magic(magic: u32) -> String {
    let [zero0, zero1, kind, ndims] = magic.to_be_bytes();
    if zero0 != 0 || zero1 != 0 {
        return "not an IDX file: the first two bytes must be zero".into();
    }
    let kind = match kind {
        0x08 => "unsigned bytes",
        0x09 => "signed bytes",
        0x0B => "16-bit integers",
        0x0C => "32-bit integers",
        0x0D => "32-bit floats",
        0x0E => "64-bit floats",
        _ => "an unknown value type",
    };
    let plural = if ndims == 1 { "" } else { "s" };
    format!("{kind}, {ndims} dimension{plural}")
}

/// `28 x 28`; `scalars` for no dimension.
fn join_dims(dims: &[usize]) -> String {
    if dims.is_empty() {
        return "scalars".into();
    }
    dims.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" x ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::Compression;
    use flate2::write::GzEncoder;
    use std::io::Write;

    fn header(magic: u32, dims: &[u32]) -> Vec<u8> {
        let mut v = magic.to_be_bytes().to_vec();
        for d in dims {
            v.extend(d.to_be_bytes());
        }
        v
    }

    fn gzip(raw: &[u8]) -> Vec<u8> {
        let mut gz = GzEncoder::new(Vec::new(), Compression::default());
        gz.write_all(raw).unwrap();
        gz.finish().unwrap()
    }

    /// Three 28x28 images whose pixel at (r, c) is `(i + r * 3 + c * 7) % 256`.
    fn images_raw() -> Vec<u8> {
        let mut raw = header(IMAGES_MAGIC, &[3, 28, 28]);
        for i in 0..3usize {
            for r in 0..28usize {
                for c in 0..28usize {
                    raw.push(((i + r * 3 + c * 7) % 256) as u8);
                }
            }
        }
        raw
    }

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    fn data_message(r: Result<impl core::fmt::Debug>, path: &Path) -> String {
        match r {
            Err(Error::Data {
                source_name,
                message,
            }) => {
                assert_eq!(source_name, path.display().to_string());
                message
            }
            other => panic!("expected Error::Data, got {other:?}"),
        }
    }

    /// The message of reading `bytes`, written as `name` in `dir`, as 28 x 28 images.
    fn images_message(dir: &Path, name: &str, bytes: &[u8]) -> String {
        let p = write(dir, name, bytes);
        data_message(read_images::<28, 28>(&p), &p)
    }

    #[test]
    fn images_are_row_major_and_oriented() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "img.gz", &gzip(&images_raw()));
        let images = read_images::<28, 28>(&p).unwrap();
        assert_eq!(images.len(), 3);
        for (i, img) in images.iter().enumerate() {
            for r in 0..28 {
                for c in 0..28 {
                    assert_eq!(
                        img[(r, c)],
                        ((i + r * 3 + c * 7) % 256) as u8,
                        "image {i} at ({r}, {c})"
                    );
                }
            }
        }
    }

    #[test]
    fn labels_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let mut raw = header(LABELS_MAGIC, &[5]);
        raw.extend([9, 0, 0, 3, 0]);
        let p = write(dir.path(), "lab.gz", &gzip(&raw));
        assert_eq!(read_labels(&p).unwrap(), vec![9, 0, 0, 3, 0]);
    }

    #[test]
    fn wrong_magic_names_both() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "img.gz", &gzip(&images_raw()));
        let msg = data_message(read_labels(&p), &p);
        assert!(
            msg.contains("expected IDX magic 0x00000801 (unsigned bytes, 1 dimension)"),
            "{msg}"
        );
        assert!(
            msg.contains("found 0x00000803 (unsigned bytes, 3 dimensions)"),
            "{msg}"
        );

        let mut raw = images_raw();
        raw[0] = 0x1f;
        let msg = images_message(dir.path(), "bad.gz", &gzip(&raw));
        assert!(msg.contains("found 0x1f000803 (not an IDX file"), "{msg}");

        let mut raw = images_raw();
        raw[2] = 0x0D;
        let msg = images_message(dir.path(), "float.gz", &gzip(&raw));
        assert!(
            msg.contains("found 0x00000d03 (32-bit floats, 3 dimensions)"),
            "{msg}"
        );
    }

    #[test]
    fn other_shape_names_both() {
        let dir = tempfile::tempdir().unwrap();
        let p = write(dir.path(), "img.gz", &gzip(&images_raw()));
        let msg = data_message(read_images::<32, 32>(&p), &p);
        assert_eq!(
            msg,
            "expected items of 32 x 32, found 28 x 28 (the header says 3 x 28 x 28)"
        );
        let msg = data_message(read_images::<28, 14>(&p), &p);
        assert!(
            msg.contains("expected items of 28 x 14, found 28 x 28"),
            "{msg}"
        );
        let msg = data_message(read(&p, &[784]), &p);
        assert!(msg.contains("expected IDX magic 0x00000802"), "{msg}");
    }

    #[test]
    fn truncated_payload() {
        let dir = tempfile::tempdir().unwrap();
        let mut raw = images_raw();
        raw.truncate(raw.len() - 100);
        let msg = images_message(dir.path(), "short.gz", &gzip(&raw));
        assert!(
            msg.starts_with(
                "truncated: the header announces 3 x 28 x 28 = 2352 payload bytes, found 2252"
            ),
            "{msg}"
        );

        let msg = images_message(dir.path(), "header.gz", &gzip(&images_raw()[..10]));
        assert!(
            msg.contains("ends inside the IDX header, at dimension 2 of 3"),
            "{msg}"
        );
    }

    #[test]
    fn truncated_gzip() {
        let dir = tempfile::tempdir().unwrap();
        let gz = gzip(&images_raw());
        for cut in [gz.len() / 2, gz.len() - 4] {
            let msg = images_message(dir.path(), "cut.gz", &gz[..cut]);
            assert!(
                msg.contains("truncated"),
                "cut at {cut} of {}: {msg}",
                gz.len()
            );
        }
    }

    #[test]
    fn corrupt_and_not_gzip() {
        let dir = tempfile::tempdir().unwrap();
        let msg = images_message(dir.path(), "plain.gz", &images_raw());
        assert!(msg.contains("not a readable gzip file"), "{msg}");

        // A flipped byte in the CRC trailer.
        let mut gz = gzip(&images_raw());
        let n = gz.len();
        gz[n - 6] ^= 0xff;
        let msg = images_message(dir.path(), "crc.gz", &gz);
        assert!(msg.contains("corrupt gzip stream"), "{msg}");
    }

    #[test]
    fn extra_bytes_after_payload() {
        let dir = tempfile::tempdir().unwrap();
        let mut raw = images_raw();
        raw.push(0);
        let msg = images_message(dir.path(), "long.gz", &gzip(&raw));
        assert!(msg.contains("expected 2368 bytes"), "{msg}");
    }

    #[test]
    fn huge_header_does_not_allocate_it() {
        let dir = tempfile::tempdir().unwrap();
        let gz = gzip(&header(IMAGES_MAGIC, &[u32::MAX, 28, 28]));
        let msg = images_message(dir.path(), "huge.gz", &gz);
        assert_eq!(
            msg,
            format!(
                "the header announces 4294967295 x 28 x 28 = 3367254359280 payload bytes, more than \
                 a gzip file of {} bytes can hold (at most {} bytes decompressed)",
                gz.len(),
                gz.len() * 1032
            )
        );
    }

    /// Counts the decompressed bytes the parser pulls.
    struct Counting<R> {
        inner: R,
        pulled: u64,
    }

    impl<R: Read> Read for Counting<R> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.inner.read(buf)?;
            self.pulled += n as u64;
            Ok(n)
        }
    }

    /// A gzip bomb: a header announcing 4 billion 28x28 images, then 256 MiB
    /// of zeros (about 250 KiB compressed), generated in chunks.
    fn bomb() -> Vec<u8> {
        let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
        gz.write_all(&header(IMAGES_MAGIC, &[4_000_000_000, 28, 28]))
            .unwrap();
        let zeros = vec![0u8; 1 << 20];
        for _ in 0..256 {
            gz.write_all(&zeros).unwrap();
        }
        gz.finish().unwrap()
    }

    #[test]
    fn gzip_bomb_is_refused_before_its_payload_is_decompressed() {
        let gz = bomb();
        assert!(gz.len() < 2 << 20, "{}", gz.len());
        // Before the bound, the parser pulled (and kept) all 256 MiB of zeros
        // before it reported the truncation.
        let mut reader = Counting {
            inner: MultiGzDecoder::new(gz.as_slice()),
            pulled: 0,
        };
        let msg = parse(&mut reader, &[28, 28], gz.len() as u64).unwrap_err();
        assert!(
            msg.starts_with(
                "the header announces 4000000000 x 28 x 28 = 3136000000000 payload bytes, more than a gzip file of"
            ),
            "{msg}"
        );
        assert_eq!(reader.pulled, 16, "only the header is decompressed");
        let err = read_bytes(&gz, &[28, 28], "bomb.gz").unwrap_err();
        assert!(
            err.to_string().starts_with("bomb.gz: the header announces"),
            "{err}"
        );
    }

    #[test]
    fn payload_within_the_bound_is_read_and_stops_after_it() {
        // 4000 zero images compress about 1000:1; the bound still admits them.
        let mut raw = header(IMAGES_MAGIC, &[4000, 28, 28]);
        raw.resize(16 + 4000 * 784, 0);
        let gz = gzip(&raw);
        let idx = read_bytes(&gz, &[28, 28], "zeros").unwrap();
        assert_eq!(idx.data.len(), 4000 * 784);
        // One image more than announced: reading stops at the first extra byte.
        raw.extend([0u8; 784]);
        let gz = gzip(&raw);
        let mut reader = Counting {
            inner: MultiGzDecoder::new(gz.as_slice()),
            pulled: 0,
        };
        let msg = parse(&mut reader, &[28, 28], gz.len() as u64).unwrap_err();
        assert!(msg.contains("found more after the payload"), "{msg}");
        assert_eq!(reader.pulled, 16 + 4000 * 784 + 1);
    }

    #[test]
    fn missing_file_is_io() {
        let p = Path::new("/nonexistent/mlp/file.gz");
        assert!(matches!(read_labels(p), Err(Error::Io { path, .. }) if path == p));
    }
}
