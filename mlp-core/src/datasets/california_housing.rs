//! California housing (1990 US census, one row per block group): 20,640
//! samples of 8 features and the median house value, as scikit-learn's
//! `fetch_california_housing` gives them.
//!
//! ```
//! use mlp_core::datasets::california_housing::{self, FEATURE_NAMES};
//!
//! let housing = california_housing::load()?;
//! assert_eq!((housing.x.len(), housing.y.len()), (20_640, 20_640));
//! assert_eq!(FEATURE_NAMES[0], "MedInc");
//! // The first block group: median income 8.3252 (tens of thousands of dollars),
//! // median house value 4.526 (hundreds of thousands of dollars).
//! assert_eq!((housing.x[0][0], housing.y[0]), (8.3252, 4.526));
//! # Ok::<(), mlp_core::Error>(())
//! ```
//!
//! # Where the data comes from
//!
//! `california_housing.csv` (scikit-learn's form, see [`load_csv`]) is looked
//! for in `$MLP_DATA_DIR` (or its subfolder `california-housing/`), the
//! repository's `data/california-housing/` and the download cache
//! `<cache>/california-housing/` (`<cache>` is `$MLP_CACHE_DIR`, else the
//! platform's cache folder + `mlp`). Failing that, StatLib's archive
//! [`ARCHIVE_NAME`] is looked for in the same places, and downloaded once
//! into the cache from [`ARCHIVE_URL`], scikit-learn's address, if it is
//! nowhere. The archive's SHA-256 must be [`ARCHIVE_SHA256`], scikit-learn's
//! checksum, wherever it comes from; its rows are then converted as
//! `fetch_california_housing` converts them. [`CaliforniaHousing`] changes
//! each of these places.

use std::path::{Path, PathBuf};

use nalgebra::SVector;

use super::locate::{self, Place};
use super::{cal_housing_archive, download};
use crate::{Error, Result};

/// The CSV's file name.
pub const FILE_NAME: &str = "california_housing.csv";

/// The subfolder of a data or cache folder that holds the file.
pub const SUBDIR: &str = "california-housing";

/// StatLib's archive of the data set, as scikit-learn downloads it.
pub const ARCHIVE_NAME: &str = "cal_housing.tgz";

/// Where scikit-learn downloads [`ARCHIVE_NAME`] from (`ARCHIVE.url` in
/// `sklearn/datasets/_california_housing.py`).
pub const ARCHIVE_URL: &str = "https://ndownloader.figshare.com/files/5976036";

/// The SHA-256 of [`ARCHIVE_NAME`], scikit-learn's `ARCHIVE.checksum` (see
/// `data/california-housing/PROVENANCE.md`).
pub const ARCHIVE_SHA256: &str = "aaa5c9a6afe2225cc2aed2723682ae403280c4a3695a2ddda4ffb5d8215ea681";

/// The eight features, in the CSV's (and scikit-learn's) order.
pub const FEATURE_NAMES: [&str; 8] = [
    "MedInc",
    "HouseAge",
    "AveRooms",
    "AveBedrms",
    "Population",
    "AveOccup",
    "Latitude",
    "Longitude",
];

/// The target column: median house value in units of 100,000 dollars.
pub const TARGET_NAME: &str = "MedHouseVal";

/// The samples: `x[i]` holds the features in [`FEATURE_NAMES`] order, `y[i]`
/// the median house value (units of 100,000 dollars).
#[derive(Clone, Debug, PartialEq)]
pub struct Dataset {
    /// Features.
    pub x: Vec<SVector<f32, 8>>,
    /// Targets.
    pub y: Vec<f32>,
}

impl Dataset {
    /// Number of samples.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// Whether there are no samples.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }
}

/// Loads the data set from the default places, downloading the archive once
/// if it is nowhere: `CaliforniaHousing::loader().load()`; see the
/// [module](self) for where it is looked for.
pub fn load() -> Result<Dataset> {
    CaliforniaHousing::loader().load()
}

/// Builder of a California housing load: where to look, where to cache,
/// where to download from.
///
/// ```no_run
/// use mlp_core::datasets::california_housing::CaliforniaHousing;
///
/// let housing = CaliforniaHousing::loader()
///     .data_dir("/srv/datasets")        // instead of $MLP_DATA_DIR and the repository's copy
///     .cache_dir("/tmp/mlp-cache")      // instead of $MLP_CACHE_DIR or ~/.cache/mlp
///     .download(false)                  // an error, rather than a download, if it is missing
///     .load()?;
/// assert_eq!(housing.len(), 20_640);
/// # Ok::<(), mlp_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct CaliforniaHousing {
    data_dir: Option<PathBuf>,
    cache_dir: Option<PathBuf>,
    url: String,
    download: bool,
}

impl Default for CaliforniaHousing {
    fn default() -> Self {
        Self::loader()
    }
}

impl CaliforniaHousing {
    /// The default configuration, the one [`load`] uses.
    pub fn loader() -> Self {
        CaliforniaHousing {
            data_dir: None,
            cache_dir: None,
            url: ARCHIVE_URL.to_string(),
            download: true,
        }
    }

    /// Looks in `dir` (or `dir/california-housing/`) instead of
    /// `$MLP_DATA_DIR` and the repository's `data/california-housing/`.
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.data_dir = Some(dir.into());
        self
    }

    /// Caches the download in `dir/california-housing/` instead of the
    /// default (`$MLP_CACHE_DIR`, else the platform cache folder + `mlp`).
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = Some(dir.into());
        self
    }

    setters! {
        /// Downloads [`ARCHIVE_NAME`] from `url` instead of [`ARCHIVE_URL`] (a
        /// mirror); its SHA-256 must still be [`ARCHIVE_SHA256`].
        url: impl Into<String> => Into::into,
        /// Whether a missing archive may be downloaded (default `true`).
        download: bool,
    }

    /// Loads the CSV if one is found, else the archive (found or downloaded).
    pub fn load(&self) -> Result<Dataset> {
        let places = locate::data_places(self.data_dir.as_deref(), SUBDIR);
        let cache = locate::cache_place(self.cache_dir.as_deref(), SUBDIR);
        let searched: Vec<Place> = places.iter().chain(cache.as_ref()).cloned().collect();
        if let Some(csv) = locate::find(&searched, FILE_NAME) {
            return load_csv(&csv);
        }
        let expected = download::parse_sha256(ARCHIVE_SHA256).map_err(|message| Error::Data {
            source_name: ARCHIVE_NAME.into(),
            message,
        })?;
        let archive = download::find_or_fetch(
            &searched,
            cache.as_ref(),
            self.download,
            &self.url,
            ARCHIVE_NAME,
            &expected,
        )?
        .map_err(|failure| self.not_found(&searched, cache.as_ref(), &failure))?;
        let bytes = std::fs::read(&archive).map_err(|source| Error::Io {
            path: archive.clone(),
            source,
        })?;
        let found = download::sha256(&bytes);
        if found != expected {
            return Err(Error::Data {
                source_name: archive.display().to_string(),
                message: format!(
                    "SHA-256 is {}, expected {ARCHIVE_SHA256} (scikit-learn's); delete the file \
                     or replace it with StatLib's archive from {ARCHIVE_URL}",
                    download::to_hex(&found)
                ),
            });
        }
        cal_housing_archive::read(&bytes, &archive.display().to_string())
    }

    /// The "where to put the file" error.
    fn not_found(&self, searched: &[Place], cache: Option<&Place>, failure: &str) -> Error {
        let archive_home = cache.map_or_else(
            || "one of these folders".to_string(),
            |c| c.dir.display().to_string(),
        );
        let message = locate::not_found_message(
            &format!("neither {FILE_NAME} nor {ARCHIVE_NAME} was found, and {failure}"),
            searched,
            self.data_dir.as_deref(),
            &format!(
                "Download {ARCHIVE_NAME} from {} (SHA-256 {ARCHIVE_SHA256}) and put it into \
                 {archive_home}; or put {FILE_NAME} (scikit-learn's fetch_california_housing as \
                 CSV, header `{}`) into one of these folders, or into a folder named by ${}.",
                self.url,
                expected_header().join(","),
                super::DATA_DIR_ENV
            ),
        );
        Error::Data {
            source_name: "California housing".into(),
            message,
        }
    }
}

/// Reads a CSV with the header `MedInc,...,Longitude,MedHouseVal` and one
/// sample per row. A wrong header, a row with another number of fields, a
/// value that is not a finite number, or no rows at all is an
/// [`Error::Data`] naming the file and the line.
pub fn load_csv(path: &Path) -> Result<Dataset> {
    let reader = builder().from_path(path).map_err(|e| csv_error(path, e))?;
    parse(reader, path)
}

/// [`load_csv`] from the bytes of a CSV already in memory; `source_name`
/// names them in error messages.
///
/// ```
/// use mlp_core::datasets::california_housing;
///
/// let csv = "MedInc,HouseAge,AveRooms,AveBedrms,Population,AveOccup,Latitude,Longitude,MedHouseVal\n\
///            8.3252,41,6.98,1.02,322,2.55,37.88,-122.23,4.526\n";
/// let housing = california_housing::load_csv_bytes(csv.as_bytes(), "inline")?;
/// assert_eq!(housing.y, [4.526]);
/// # Ok::<(), mlp_core::Error>(())
/// ```
pub fn load_csv_bytes(bytes: &[u8], source_name: &str) -> Result<Dataset> {
    parse(builder().from_reader(bytes), Path::new(source_name))
}

fn builder() -> csv::ReaderBuilder {
    let mut builder = csv::ReaderBuilder::new();
    builder.has_headers(true).trim(csv::Trim::All);
    builder
}

/// The samples of `reader`; `path` names the source in errors.
fn parse<R: std::io::Read>(mut reader: csv::Reader<R>, path: &Path) -> Result<Dataset> {
    let data_error = |message: String| Error::Data {
        source_name: path.display().to_string(),
        message,
    };
    let header = reader.headers().map_err(|e| csv_error(path, e))?;
    let expected = expected_header();
    if header.iter().ne(expected.iter().copied()) {
        let found: Vec<&str> = header.iter().collect();
        return Err(data_error(format!(
            "line 1: expected the header `{}`, found `{}`",
            expected.join(","),
            found.join(",")
        )));
    }

    let mut data = Dataset {
        x: Vec::new(),
        y: Vec::new(),
    };
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => return Err(csv_error(path, e)),
        }
        let line = record.position().map_or(0, |p| p.line());
        let mut values = [0f32; 9];
        for (value, (field, name)) in values.iter_mut().zip(record.iter().zip(expected)) {
            *value = field
                .parse::<f32>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    data_error(format!(
                        "line {line}, column {name}: expected a finite number, found `{field}`"
                    ))
                })?;
        }
        data.x.push(SVector::from_column_slice(&values[..8]));
        data.y.push(values[8]);
    }
    if data.is_empty() {
        return Err(data_error(
            "expected samples after the header, found none".into(),
        ));
    }
    Ok(data)
}

/// The 9 column names: the features, then the target.
fn expected_header() -> [&'static str; 9] {
    let mut h = [TARGET_NAME; 9];
    h[..8].copy_from_slice(&FEATURE_NAMES);
    h
}

/// A csv error as [`Error::Io`] or as [`Error::Data`] naming the line.
fn csv_error(path: &Path, e: csv::Error) -> Error {
    let line = e.position().map(|p| p.line());
    let message = match (e.kind(), line) {
        (
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            },
            Some(line),
        ) => {
            format!("line {line}: expected {expected_len} fields, found {len}")
        }
        (_, Some(line)) => format!("line {line}: {e}"),
        (_, None) => e.to_string(),
    };
    match e.into_kind() {
        csv::ErrorKind::Io(source) => Error::Io {
            path: path.to_path_buf(),
            source,
        },
        _ => Error::Data {
            source_name: path.display().to_string(),
            message,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv_file(dir: &Path, body: &str) -> PathBuf {
        let p = dir.join(FILE_NAME);
        std::fs::write(&p, format!("{}\n{body}", expected_header().join(","))).unwrap();
        p
    }

    fn message(r: Result<Dataset>) -> String {
        match r {
            Err(Error::Data { message, .. }) => message,
            other => panic!("expected Error::Data, got {other:?}"),
        }
    }

    #[test]
    fn reads_rows_in_column_order() {
        let dir = tempfile::tempdir().unwrap();
        let p = csv_file(
            dir.path(),
            "1,2,3,4,5,6,7,8,9\n-1.5,0,0,0,0,0,37.88,-122.23,0.14999\n",
        );
        let d = load_csv(&p).unwrap();
        assert_eq!(d.len(), 2);
        assert_eq!(
            d.x[0],
            SVector::<f32, 8>::from([1., 2., 3., 4., 5., 6., 7., 8.])
        );
        assert_eq!(d.y, vec![9.0, 0.14999]);
        assert_eq!((d.x[1][0], d.x[1][7]), (-1.5, -122.23));
    }

    #[test]
    fn bad_rows_name_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let good = "1,2,3,4,5,6,7,8,9\n";
        let p = csv_file(dir.path(), &format!("{good}{good}1,2,x,4,5,6,7,8,9\n"));
        assert_eq!(
            message(load_csv(&p)),
            "line 4, column AveRooms: expected a finite number, found `x`"
        );
        let p = csv_file(dir.path(), &format!("{good}1,2,3,4,5,6,7,8,nan\n"));
        assert_eq!(
            message(load_csv(&p)),
            "line 3, column MedHouseVal: expected a finite number, found `nan`"
        );
        let p = csv_file(dir.path(), &format!("{good}1,2,3,4,5,6,7,8\n"));
        assert_eq!(message(load_csv(&p)), "line 3: expected 9 fields, found 8");
        let p = csv_file(dir.path(), "1,2,3,4,5,6,7,8,1e39\n");
        assert!(message(load_csv(&p)).starts_with("line 2, column MedHouseVal"));
        let p = csv_file(dir.path(), "");
        assert_eq!(
            message(load_csv(&p)),
            "expected samples after the header, found none"
        );
    }

    #[test]
    fn wrong_header_is_shown() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("h.csv");
        std::fs::write(&p, "a,b\n1,2\n").unwrap();
        let m = message(load_csv(&p));
        assert!(
            m.starts_with("line 1: expected the header `MedInc,HouseAge,"),
            "{m}"
        );
        assert!(m.ends_with("found `a,b`"), "{m}");
    }

    #[test]
    fn missing_file_is_io() {
        let p = Path::new("/nonexistent/mlp/housing.csv");
        assert!(matches!(load_csv(p), Err(Error::Io { path, .. }) if path == p));
    }

    #[test]
    fn header_matches_the_shipped_csv() {
        let p = locate::repository_data_dir().join(SUBDIR).join(FILE_NAME);
        let first = std::fs::read_to_string(p).unwrap();
        assert_eq!(first.lines().next().unwrap(), expected_header().join(","));
    }
}
