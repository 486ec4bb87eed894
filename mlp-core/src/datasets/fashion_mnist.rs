//! Fashion-MNIST (Zalando Research, MIT licence): 70,000 grayscale 28x28
//! images of clothing in 10 classes, loaded as Keras's
//! `keras.datasets.fashion_mnist.load_data()` loads them.
//!
//! ```
//! use mlp_core::datasets::fashion_mnist::{self, CLASS_NAMES};
//!
//! let ((x_train_full, y_train_full), (x_test, y_test)) = fashion_mnist::load_data()?;
//! assert_eq!((x_train_full.len(), y_train_full.len()), (60_000, 60_000));
//! assert_eq!((x_test.len(), y_test.len()), (10_000, 10_000));
//! assert_eq!(CLASS_NAMES[usize::from(y_train_full[0])], "Ankle boot");
//!
//! // Pixels are bytes; `img[(row, col)]` is the pixel at that row and column.
//! let x_valid = fashion_mnist::scale(&x_train_full[..5000]);
//! assert!(x_valid.iter().all(|img| img.iter().all(|&p| (0.0..=1.0).contains(&p))));
//! # Ok::<(), mlp_core::Error>(())
//! ```
//!
//! # Where the files come from
//!
//! The four original files (`train-images-idx3-ubyte.gz`, ...) are looked for,
//! each in the first of these folders that has it:
//!
//! 1. `$MLP_DATA_DIR`, or its subfolder `fashion-mnist/`;
//! 2. the repository's `data/fashion-mnist/` (this crate's manifest folder `/../data`),
//!    when the crate is built from the repository;
//! 3. the download cache, `<cache>/fashion-mnist/`, where `<cache>` is
//!    `$MLP_CACHE_DIR`, else the platform's cache folder + `mlp`
//!    (`~/.cache/mlp` on Linux).
//!
//! A file found nowhere is downloaded from [`BASE_URL`] into the cache (with
//! the `download` feature). Its
//! SHA-256 is checked against the published value ([`Part::sha256`]) before it
//! is stored; a corrupt download is discarded. Files found on disk are not
//! hashed, but their IDX structure is checked (see [`idx`]).
//! [`FashionMnist`] changes each of these places.

use std::path::{Path, PathBuf};

use nalgebra::SMatrix;

use super::download;
use super::idx;
use super::locate::{self, Place};
use crate::{Error, Result};

/// The class of each label, `CLASS_NAMES[label]`, as in the book.
pub const CLASS_NAMES: [&str; 10] = [
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
];

/// The data set's official address (Zalando's README); a file's URL is this
/// followed by its name.
pub const BASE_URL: &str = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";

/// The subfolder of a data or cache folder that holds the files.
pub const SUBDIR: &str = "fashion-mnist";

/// Side length of an image in pixels.
pub const SIDE: usize = 28;

/// An image: `img[(row, col)]` is the pixel at that row and column, 0 to 255.
pub type Image = SMatrix<u8, SIDE, SIDE>;

/// Images and their labels (0 to 9, see [`CLASS_NAMES`]).
pub type Split = (Vec<Image>, Vec<u8>);

/// One of the four files of the data set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Part {
    /// 60,000 training images.
    TrainImages,
    /// 60,000 training labels.
    TrainLabels,
    /// 10,000 test images.
    TestImages,
    /// 10,000 test labels.
    TestLabels,
}

impl Part {
    /// All four, in this order.
    pub const ALL: [Part; 4] = [
        Part::TrainImages,
        Part::TrainLabels,
        Part::TestImages,
        Part::TestLabels,
    ];

    /// The original file name, such as `train-images-idx3-ubyte.gz`.
    pub const fn file_name(self) -> &'static str {
        match self {
            Part::TrainImages => "train-images-idx3-ubyte.gz",
            Part::TrainLabels => "train-labels-idx1-ubyte.gz",
            Part::TestImages => "t10k-images-idx3-ubyte.gz",
            Part::TestLabels => "t10k-labels-idx1-ubyte.gz",
        }
    }

    /// The SHA-256 of the original file (see `data/fashion-mnist/PROVENANCE.md`).
    pub const fn sha256(self) -> &'static str {
        match self {
            Part::TrainImages => "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
            Part::TrainLabels => "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
            Part::TestImages => "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
            Part::TestLabels => "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        }
    }

    const fn index(self) -> usize {
        self as usize
    }
}

/// Loads the data set from the default places, as Keras does:
/// `((x_train_full, y_train_full), (x_test, y_test))`.
///
/// Same as `FashionMnist::loader().load()`; see the [module](self) for where
/// the files are looked for.
pub fn load_data() -> Result<(Split, Split)> {
    FashionMnist::loader().load()
}

/// Scales pixels to `f32` in `[0, 1]` (`pixel / 255`), the book's
/// `X_train_full / 255.0`.
pub fn scale<const R: usize, const C: usize>(
    images: &[SMatrix<u8, R, C>],
) -> Vec<SMatrix<f32, R, C>> {
    images
        .iter()
        .map(|img| img.map(|p| f32::from(p) / 255.0))
        .collect()
}

/// Builder of a Fashion-MNIST load: where to look, where to cache, where to
/// download from.
///
/// ```no_run
/// use mlp_core::datasets::fashion_mnist::FashionMnist;
///
/// let ((x_train, y_train), (x_test, y_test)) = FashionMnist::loader()
///     .data_dir("/srv/datasets")        // instead of $MLP_DATA_DIR and the repository's copy
///     .cache_dir("/tmp/mlp-cache")      // instead of $MLP_CACHE_DIR or ~/.cache/mlp
///     .base_url("http://mirror.example/fashion-mnist/")
///     .load()?;
/// # Ok::<(), mlp_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct FashionMnist {
    data_dir: Option<PathBuf>,
    cache_dir: Option<PathBuf>,
    base_url: String,
    download: bool,
    sha256: [String; 4],
}

impl Default for FashionMnist {
    fn default() -> Self {
        Self::loader()
    }
}

impl FashionMnist {
    /// The default configuration, the one [`load_data`] uses.
    pub fn loader() -> Self {
        FashionMnist {
            data_dir: None,
            cache_dir: None,
            base_url: BASE_URL.to_string(),
            download: true,
            sha256: Part::ALL.map(|p| p.sha256().to_string()),
        }
    }

    /// Looks in `dir` (or `dir/fashion-mnist/`) instead of `$MLP_DATA_DIR`
    /// and the repository's `data/fashion-mnist/`.
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }

    /// Caches downloads in `dir/fashion-mnist/` instead of the default
    /// (`$MLP_CACHE_DIR`, else the platform cache folder + `mlp`).
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    /// Downloads from `url` + file name instead of [`BASE_URL`] (a `/` is
    /// added if `url` lacks one); `http://` and `https://` (with the `download` feature).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        if !self.base_url.ends_with('/') {
            self.base_url.push('/');
        }
        self
    }

    setters! {
        /// Whether a missing file may be downloaded (default `true`).
        download: bool,
    }

    /// Expects this SHA-256 (64 hexadecimal digits) for a downloaded `part`
    /// instead of the official one: for mirrors of other data and for tests.
    /// A malformed value is reported by [`load`](Self::load).
    pub fn expected_sha256(mut self, part: Part, sha256_hex: impl Into<String>) -> Self {
        self.sha256[part.index()] = sha256_hex.into();
        self
    }

    /// Finds each file, downloading the missing ones into the cache, and
    /// returns their paths in [`Part::ALL`] order.
    pub fn locate(&self) -> Result<[PathBuf; 4]> {
        let expected = self.expected_hashes()?;
        let places = locate::data_places(self.data_dir.as_deref(), SUBDIR);
        let cache = locate::cache_place(self.cache_dir.as_deref(), SUBDIR);
        let searched: Vec<Place> = places.iter().chain(cache.as_ref()).cloned().collect();
        let one =
            |part: Part| self.locate_part(part, &searched, cache.as_ref(), &expected[part.index()]);
        let [a, b, c, d] = Part::ALL;
        Ok([one(a)?, one(b)?, one(c)?, one(d)?])
    }

    /// The first copy of `part` in `searched`, else a verified download into `cache`.
    fn locate_part(
        &self,
        part: Part,
        searched: &[Place],
        cache: Option<&Place>,
        sha256: &[u8; 32],
    ) -> Result<PathBuf> {
        let url = format!("{}{}", self.base_url, part.file_name());
        let found = download::find_or_fetch(
            searched,
            cache,
            self.download,
            &url,
            part.file_name(),
            sha256,
        )?;
        found.map_err(|failure| self.not_found(part, searched, &failure))
    }

    /// Loads `((x_train_full, y_train_full), (x_test, y_test))`.
    pub fn load(&self) -> Result<(Split, Split)> {
        let [train_images, train_labels, test_images, test_labels] = self.locate()?;
        let train = read_split(&train_images, &train_labels)?;
        let test = read_split(&test_images, &test_labels)?;
        Ok((train, test))
    }

    fn expected_hashes(&self) -> Result<[[u8; 32]; 4]> {
        let mut out = [[0u8; 32]; 4];
        for part in Part::ALL {
            out[part.index()] =
                download::parse_sha256(&self.sha256[part.index()]).map_err(|message| {
                    Error::InvalidArgument {
                        name: "expected_sha256",
                        message: format!("{}: {message}", part.file_name()),
                    }
                })?;
        }
        Ok(out)
    }

    /// The "where to put the files" error.
    fn not_found(&self, part: Part, searched: &[Place], failure: &str) -> Error {
        let names: Vec<&str> = Part::ALL.iter().map(|p| p.file_name()).collect();
        let message = locate::not_found_message(
            &format!("{} was not found and {failure}", part.file_name()),
            searched,
            self.data_dir.as_deref(),
            &format!(
                "Download the four files {} from {} and put them into one of these folders, \
                 or into a folder named by ${}.",
                names.join(", "),
                self.base_url,
                super::DATA_DIR_ENV
            ),
        );
        Error::Data {
            source_name: "Fashion-MNIST".into(),
            message,
        }
    }
}

/// Reads images and labels and checks that they agree.
fn read_split(images: &Path, labels: &Path) -> Result<Split> {
    let x = idx::read_images::<SIDE, SIDE>(images)?;
    let y = idx::read_labels(labels)?;
    if x.len() != y.len() {
        return Err(Error::Length {
            what: format!(
                "labels in {} for the images in {}",
                labels.display(),
                images.display()
            ),
            expected: x.len(),
            found: y.len(),
        });
    }
    if let Some((i, &label)) = y
        .iter()
        .enumerate()
        .find(|&(_, &l)| usize::from(l) >= CLASS_NAMES.len())
    {
        return Err(Error::Data {
            source_name: labels.display().to_string(),
            message: format!(
                "label {i} is {label}, expected a class from 0 to {}",
                CLASS_NAMES.len() - 1
            ),
        });
    }
    Ok((x, y))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_and_hashes_match_provenance() {
        let provenance = std::fs::read_to_string(
            locate::repository_data_dir()
                .join(SUBDIR)
                .join("PROVENANCE.md"),
        )
        .unwrap();
        for part in Part::ALL {
            let row = provenance
                .lines()
                .find(|l| l.starts_with(&format!("| {} |", part.file_name())));
            let row =
                row.unwrap_or_else(|| panic!("{} has no row in PROVENANCE.md", part.file_name()));
            assert!(row.contains(part.sha256()), "{row}");
        }
    }

    #[test]
    fn scale_divides_by_255() {
        let img = SMatrix::<u8, 2, 3>::from_row_slice(&[0, 51, 255, 1, 2, 3]);
        let s = scale(&[img]);
        assert_eq!(s[0][(0, 1)], 0.2);
        assert_eq!(s[0][(0, 2)], 1.0);
        assert_eq!(s[0][(1, 0)], 1.0 / 255.0);
    }

    #[test]
    fn malformed_sha256_is_an_invalid_argument() {
        let dir = tempfile::tempdir().unwrap();
        let err = FashionMnist::loader()
            .data_dir(dir.path())
            .expected_sha256(Part::TestLabels, "abc")
            .load();
        match err {
            Err(Error::InvalidArgument {
                name: "expected_sha256",
                message,
            }) => {
                assert!(
                    message.contains("t10k-labels-idx1-ubyte.gz") && message.contains("`abc`"),
                    "{message}"
                )
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn base_url_gets_a_slash() {
        assert_eq!(
            FashionMnist::loader().base_url("http://h/x").base_url,
            "http://h/x/"
        );
        assert_eq!(
            FashionMnist::loader().base_url("http://h/x/").base_url,
            "http://h/x/"
        );
        assert!(BASE_URL.ends_with('/'));
    }
}
