//! scikit-learn's `fetch_california_housing` on StatLib's archive
//! `cal_housing.tgz`: the member `cal_housing.data` (nine raw columns per
//! block group) turned into the eight features and the target.
//!
//! Only an archive whose SHA-256 is the published one reaches this reader
//! (the caller checks it), so its input is one known file.

use std::io::Read;

use nalgebra::SVector;

use super::california_housing::Dataset;
use crate::{Error, Result};

/// The member of the archive holding the rows.
const MEMBER: &str = "cal_housing.data";

/// Reads the rows of `cal_housing.data` from the gzip-compressed tar
/// `archive`; `source_name` names it in errors.
pub(crate) fn read(archive: &[u8], source_name: &str) -> Result<Dataset> {
    let error = |message: String| Error::Data {
        source_name: source_name.to_string(),
        message,
    };
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(archive));
    let entries = tar
        .entries()
        .map_err(|e| error(format!("not a .tgz archive: {e}")))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| error(format!("reading the archive: {e}")))?;
        let is_member = entry
            .path()
            .is_ok_and(|p| p.file_name().is_some_and(|n| n == MEMBER));
        if is_member {
            let mut text = String::new();
            entry
                .read_to_string(&mut text)
                .map_err(|e| error(format!("reading {MEMBER}: {e}")))?;
            return parse(&text).map_err(|m| error(format!("{MEMBER}: {m}")));
        }
    }
    Err(error(format!("the archive has no member {MEMBER}")))
}

/// scikit-learn's conversion of the raw rows (longitude, latitude,
/// housingMedianAge, totalRooms, totalBedrooms, population, households,
/// medianIncome, medianHouseValue), in `f64` as NumPy does, then rounded to
/// `f32`: rooms, bedrooms and occupants per household, and the value in
/// units of 100,000 dollars.
fn parse(text: &str) -> core::result::Result<Dataset, String> {
    let mut data = Dataset {
        x: Vec::new(),
        y: Vec::new(),
    };
    for (i, line) in text.lines().enumerate() {
        let mut raw = [0f64; 9];
        let mut fields = line.split(',');
        for (k, value) in raw.iter_mut().enumerate() {
            let field = fields.next().map(str::trim).unwrap_or_default();
            *value = field
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| {
                    format!(
                        "line {}, field {}: expected a finite number, found `{field}`",
                        i + 1,
                        k + 1
                    )
                })?;
        }
        if fields.next().is_some() {
            return Err(format!("line {}: expected 9 fields, found more", i + 1));
        }
        let [
            lon,
            lat,
            age,
            rooms,
            bedrooms,
            population,
            households,
            income,
            value,
        ] = raw;
        let features = [
            income,
            age,
            rooms / households,
            bedrooms / households,
            population,
            population / households,
            lat,
            lon,
        ];
        data.x
            .push(SVector::from_iterator(features.iter().map(|&v| v as f32)));
        data.y.push((value / 100_000.0) as f32);
    }
    if data.is_empty() {
        return Err("expected rows, found none".into());
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `.tgz` holding `CaliforniaHousing/<name>` with `body`.
    fn tgz(name: &str, body: &str) -> Vec<u8> {
        let mut builder = tar::Builder::new(Vec::new());
        let mut header = tar::Header::new_gnu();
        header.set_size(body.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        builder
            .append_data(
                &mut header,
                format!("CaliforniaHousing/{name}"),
                body.as_bytes(),
            )
            .unwrap();
        let tar = builder.into_inner().unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut gz, &tar).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn converts_as_scikit_learn() {
        // The first row of cal_housing.data.
        let row = "-122.230000,37.880000,41.000000,880.000000,129.000000,322.000000,126.000000,8.325200,452600.000000\n";
        let d = read(&tgz(MEMBER, row), "t.tgz").unwrap();
        let want = [
            8.3252,
            41.0,
            (880.0f64 / 126.0) as f32,
            (129.0f64 / 126.0) as f32,
            322.0,
            (322.0f64 / 126.0) as f32,
            37.88,
            -122.23,
        ];
        assert_eq!(d.x[0].as_slice(), want);
        assert_eq!(d.y, [4.526]);
    }

    #[test]
    fn bad_archives_are_named() {
        let message = |r: Result<Dataset>| match r {
            Err(Error::Data {
                source_name,
                message,
            }) => {
                assert_eq!(source_name, "t.tgz");
                message
            }
            other => panic!("{other:?}"),
        };
        assert_eq!(
            message(read(&tgz("other.data", "1"), "t.tgz")),
            "the archive has no member cal_housing.data"
        );
        assert_eq!(
            message(read(&tgz(MEMBER, "1,2,3,4,5,6,7,8\n"), "t.tgz")),
            "cal_housing.data: line 1, field 9: expected a finite number, found ``"
        );
        assert_eq!(
            message(read(&tgz(MEMBER, "1,2,3,4,5,6,7,8,9,10\n"), "t.tgz")),
            "cal_housing.data: line 1: expected 9 fields, found more"
        );
        assert_eq!(
            message(read(&tgz(MEMBER, ""), "t.tgz")),
            "cal_housing.data: expected rows, found none"
        );
        assert!(message(read(b"not gzip", "t.tgz")).starts_with("reading the archive"));
    }
}
