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
//! # Where the file comes from
//!
//! `california_housing.csv` is looked for in `$MLP_DATA_DIR` (or its
//! subfolder `california-housing/`), then in the repository's
//! `data/california-housing/`. It is not downloaded; [`load_csv`] reads a
//! copy anywhere else.

use std::path::{Path, PathBuf};

use nalgebra::SVector;

use super::locate;
use crate::{Error, Result};

/// The CSV's file name.
pub const FILE_NAME: &str = "california_housing.csv";

/// The subfolder of a data folder that holds the file.
pub const SUBDIR: &str = "california-housing";

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

/// Loads the data set from `$MLP_DATA_DIR` or the repository's `data/`.
pub fn load() -> Result<Dataset> {
    load_csv(&find()?)
}

/// Where [`load`] finds the CSV, or an error listing the places looked in
/// and where to put the file.
pub fn find() -> Result<PathBuf> {
    let places = locate::data_places(None, SUBDIR);
    if let Some(path) = locate::find(&places, FILE_NAME) {
        return Ok(path);
    }
    let mut message = format!("{FILE_NAME} was not found.\nLooked in:\n");
    for place in &places {
        message.push_str(&format!("  - {place}\n"));
    }
    if let Some(note) = locate::data_env_note(None) {
        message.push_str(&format!("  ({note})\n"));
    }
    message.push_str(&format!(
        "Put {FILE_NAME} (scikit-learn's fetch_california_housing as CSV, header `{}`) into one of these \
         folders, or into a folder named by ${}.",
        expected_header().join(","),
        super::DATA_DIR_ENV
    ));
    Err(Error::Data {
        source_name: "California housing".into(),
        message,
    })
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
