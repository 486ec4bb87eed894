//! Learning curves of a training run, as the book's Figure 10-12:
//! every series of a [`History`] against the epoch, in PNG or SVG.
//!
//! The book draws them with
//! `pd.DataFrame(history.history).plot(figsize=(8, 5)); plt.grid(True);
//! plt.gca().set_ylim(0, 1)`. Here [`LearningCurves`] does the same (800 x
//! 500 pixels, y from 0 to 1, a grid, a legend, "Epoch" under the x axis),
//! with training curves solid and `val_` curves dashed in the same colour.
//! Text is drawn with DejaVu Sans embedded in the binary: no system font is
//! needed.
//!
//! ```
//! use mlp_core::history::{History, HistoryParams};
//! use mlp_core::plot::{LearningCurves, LegendPosition, plot_history};
//!
//! let mut history = History::new(HistoryParams::default());
//! for epoch in 0..30 {
//!     let t = epoch as f64 / 29.0;
//!     history.push_epoch(epoch, &[
//!         ("loss", 0.7 - 0.5 * t), ("accuracy", 0.76 + 0.17 * t),
//!         ("val_loss", 0.5 - 0.2 * t), ("val_accuracy", 0.82 + 0.07 * t),
//!     ]);
//! }
//! let dir = tempfile::tempdir().map_err(|e| mlp_core::Error::Io { path: "tempdir".into(), source: e })?;
//!
//! // The book's figure, in one call (the format follows the extension).
//! plot_history(&history, dir.path().join("curves.png"))?;
//!
//! // Or with options: the half-epoch shift of the training curves, a title.
//! let curves = LearningCurves::new(&history)
//!     .shift_training(true)
//!     .title("Fashion MNIST MLP")
//!     .legend(LegendPosition::LowerLeft);
//! curves.save_svg(dir.path().join("curves.svg"))?;
//! assert_eq!(curves.curves()?[0].points[0], (-0.5, 0.7));
//! # Ok::<(), mlp_core::Error>(())
//! ```

mod curves;
mod font;
mod legend;
mod render;

pub use curves::{Curve, VALIDATION_PREFIX, clip_to_y, curves, fit_y_range, x_extent};
pub use font::{DEJAVU_SANS, FAMILY};
pub use legend::LegendPosition;

use crate::history::History;
use crate::{Error, Result};
use plotters::prelude::{BitMapBackend, DrawingBackend, IntoDrawingArea, SVGBackend};
use std::path::Path;

/// Smallest width and height accepted, in pixels: below, the labels no
/// longer fit around the plot.
pub const MIN_SIZE: (u32, u32) = (240, 160);
/// Largest width and height accepted, in pixels.
pub const MAX_SIZE: (u32, u32) = (8192, 8192);

/// The file formats a figure can be saved in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A PNG image (8-bit RGB).
    Png,
    /// An SVG document (text stays text).
    Svg,
}

impl Format {
    /// The format named by `path`'s extension (`png` or `svg`, any case).
    pub fn from_path(path: &Path) -> Result<Self> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("png") => Ok(Format::Png),
            Some("svg") => Ok(Format::Svg),
            other => Err(Error::InvalidArgument {
                name: "path",
                message: format!(
                    "{}: a plot is saved as .png or .svg, found {}",
                    path.display(),
                    other.map_or_else(|| "no extension".to_string(), |e| format!("extension .{e}"))
                ),
            }),
        }
    }
}

/// How the y axis is scaled.
#[derive(Clone, Copy, Debug, PartialEq)]
enum YRange {
    Fixed(f64, f64),
    Fit,
}

/// A learning-curve figure of a [`History`], set up with builder methods and
/// rendered by [`save`](Self::save), [`save_png`](Self::save_png),
/// [`save_svg`](Self::save_svg), [`to_png`](Self::to_png) or
/// [`to_svg`](Self::to_svg). See the [module documentation](self).
#[derive(Clone, Debug)]
pub struct LearningCurves<'a> {
    history: &'a History,
    size: (u32, u32),
    y_range: YRange,
    title: Option<String>,
    y_label: Option<String>,
    shift_training: bool,
    legend: LegendPosition,
}

impl<'a> LearningCurves<'a> {
    /// The book's figure of `history`: 800 x 500 pixels, y from 0 to 1, no
    /// title, no shift, the legend where it hides the least.
    pub fn new(history: &'a History) -> Self {
        Self {
            history,
            size: (800, 500),
            y_range: YRange::Fixed(0.0, 1.0),
            title: None,
            y_label: None,
            shift_training: false,
            legend: LegendPosition::Best,
        }
    }

    /// Width and height in pixels (the SVG's too); each between
    /// [`MIN_SIZE`] and [`MAX_SIZE`], checked when rendering.
    pub fn size(mut self, width: u32, height: u32) -> Self {
        self.size = (width, height);
        self
    }

    /// Shows `lo <= y <= hi` (the default is 0 to 1, as the book's
    /// `set_ylim(0, 1)`); lines leaving that range stop at the frame.
    pub fn y_range(mut self, lo: f64, hi: f64) -> Self {
        self.y_range = YRange::Fixed(lo, hi);
        self
    }

    /// Fits the y axis to the data, with a 5 % margin (for losses above 1,
    /// such as a regression's mean squared error).
    pub fn fit_y_range(mut self) -> Self {
        self.y_range = YRange::Fit;
        self
    }

    /// A title above the plot.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// A label for the y axis (none by default, as in the book).
    pub fn y_label(mut self, label: impl Into<String>) -> Self {
        self.y_label = Some(label.into());
        self
    }

    setters! {
        /// Moves the training curves half an epoch to the left (the book's tip:
        /// Keras's training metrics are running means over each epoch, while
        /// validation metrics are measured at its end).
        shift_training: bool,
        /// Where the legend goes ([`LegendPosition::Best`] by default).
        legend: LegendPosition,
    }

    /// The points that are drawn, one [`Curve`] per series, in the history's
    /// order, with the half-epoch shift applied if asked for.
    pub fn curves(&self) -> Result<Vec<Curve>> {
        curves(self.history, self.shift_training)
    }

    /// The figure as the bytes of a PNG file.
    pub fn to_png(&self) -> Result<Vec<u8>> {
        let curves = self.curves()?;
        let fig = self.figure(&curves)?;
        let (w, h) = self.size;
        let mut rgb = vec![0u8; w as usize * h as usize * 3];
        {
            let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
            let fig = render::Figure {
                text_dy: render::TextShift::measured(self.size),
                ..fig
            };
            render::draw(&root, &fig).map_err(render_error::<BitMapBackend<'_>>)?;
        }
        encode_png(&rgb, w, h)
    }

    /// The figure as an SVG document.
    pub fn to_svg(&self) -> Result<String> {
        let curves = self.curves()?;
        let fig = self.figure(&curves)?;
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, self.size).into_drawing_area();
            render::draw(&root, &fig).map_err(render_error::<SVGBackend<'_>>)?;
        }
        Ok(svg)
    }

    /// Writes a PNG to `path` (extension `.png`), whole or not at all.
    pub fn save_png(&self, path: impl AsRef<Path>) -> Result<()> {
        self.save_as(path.as_ref(), Format::Png)
    }

    /// Writes an SVG to `path` (extension `.svg`), whole or not at all.
    pub fn save_svg(&self, path: impl AsRef<Path>) -> Result<()> {
        self.save_as(path.as_ref(), Format::Svg)
    }

    /// Writes a PNG or an SVG to `path`, as its extension says.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<()> {
        let path = path.as_ref();
        self.save_as(path, Format::from_path(path)?)
    }

    fn save_as(&self, path: &Path, format: Format) -> Result<()> {
        let named = Format::from_path(path)?;
        if named != format {
            return Err(Error::InvalidArgument {
                name: "path",
                message: format!(
                    "{}: the extension says {named:?}, but {format:?} was asked for",
                    path.display()
                ),
            });
        }
        // Check the folder before rendering, so the error names it plainly.
        if let Some(dir) = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty() && !d.is_dir())
        {
            return Err(Error::Io {
                path: path.to_path_buf(),
                source: std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("folder {} does not exist", dir.display()),
                ),
            });
        }
        let bytes = match format {
            Format::Png => self.to_png()?,
            Format::Svg => self.to_svg()?.into_bytes(),
        };
        crate::fs::write_atomic(path, &bytes)
    }

    /// Checks the options and resolves the axes.
    fn figure<'c>(&'c self, curves: &'c [Curve]) -> Result<render::Figure<'c>> {
        font::register()?;
        let (w, h) = self.size;
        if !(MIN_SIZE.0..=MAX_SIZE.0).contains(&w) || !(MIN_SIZE.1..=MAX_SIZE.1).contains(&h) {
            return Err(Error::InvalidArgument {
                name: "size",
                message: format!(
                    "{w} x {h} pixels; width and height must lie within {} x {} and {} x {}",
                    MIN_SIZE.0, MIN_SIZE.1, MAX_SIZE.0, MAX_SIZE.1
                ),
            });
        }
        let y_range = match self.y_range {
            YRange::Fixed(lo, hi) if lo.is_finite() && hi.is_finite() && lo < hi => (lo, hi),
            YRange::Fixed(lo, hi) => {
                return Err(Error::InvalidArgument {
                    name: "y_range",
                    message: format!("({lo}, {hi}); need finite bounds with lo < hi"),
                });
            }
            YRange::Fit => fit_y_range(curves).ok_or_else(|| Error::NonFinite {
                what: "history".into(),
                position: "every epoch of every series".into(),
                value: f32::NAN,
            })?,
        };
        let x_range = match x_extent(curves) {
            Some((lo, hi)) if lo < hi => (lo, hi),
            Some((lo, _)) => (lo - 0.5, lo + 0.5),
            None => (0.0, 1.0),
        };
        Ok(render::Figure {
            curves,
            x_range,
            y_range,
            title: self.title.as_deref(),
            x_label: "Epoch",
            y_label: self.y_label.as_deref(),
            legend: self.legend,
            size: self.size,
            text_dy: render::TextShift::default(),
        })
    }
}

/// The book's learning-curve figure of `history` (the defaults of
/// [`LearningCurves`]) saved to `path` as PNG or SVG, by its extension.
pub fn plot_history(history: &History, path: impl AsRef<Path>) -> Result<()> {
    LearningCurves::new(history).save(path)
}

fn render_error<DB: DrawingBackend>(
    e: plotters::drawing::DrawingAreaErrorKind<DB::ErrorType>,
) -> Error {
    Error::Data {
        source_name: "learning curves".into(),
        message: format!("drawing failed: {e}"),
    }
}

fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>> {
    let to_err = |e: png::EncodingError| Error::Data {
        source_name: "learning curves".into(),
        message: format!("PNG encoding: {e}"),
    };
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::High);
    let mut writer = encoder.write_header().map_err(to_err)?;
    writer.write_image_data(rgb).map_err(to_err)?;
    writer.finish().map_err(to_err)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::HistoryParams;

    fn book_history() -> History {
        let mut h = History::new(HistoryParams::default());
        for e in 0..30 {
            let t = e as f64 / 29.0;
            h.push_epoch(
                e,
                &[
                    ("loss", 0.7 - 0.5 * t),
                    ("accuracy", 0.76 + 0.17 * t),
                    ("val_loss", 0.5 - 0.18 * t),
                    ("val_accuracy", 0.82 + 0.07 * t),
                ],
            );
        }
        h
    }

    /// The contents of the SVG's `<text>` elements, trimmed.
    fn svg_texts(svg: &str) -> Vec<String> {
        svg.split("<text")
            .skip(1)
            .filter_map(|t| {
                Some(
                    t.split_once('>')?
                        .1
                        .split_once("</text>")?
                        .0
                        .trim()
                        .to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn format_follows_extension() {
        assert_eq!(
            Format::from_path(Path::new("a/b.PNG")).unwrap(),
            Format::Png
        );
        assert_eq!(Format::from_path(Path::new("b.svg")).unwrap(), Format::Svg);
        let err = Format::from_path(Path::new("curves.jpg")).unwrap_err();
        assert!(
            err.to_string().contains("curves.jpg") && err.to_string().contains(".jpg"),
            "{err}"
        );
        assert!(
            Format::from_path(Path::new("curves"))
                .unwrap_err()
                .to_string()
                .contains("no extension")
        );
    }

    #[test]
    fn options_are_checked() {
        let h = book_history();
        let err = LearningCurves::new(&h).size(10, 10).to_png().unwrap_err();
        assert!(err.to_string().contains("10 x 10"), "{err}");
        let err = LearningCurves::new(&h)
            .y_range(1.0, 0.0)
            .to_svg()
            .unwrap_err();
        assert!(err.to_string().contains("y_range"), "{err}");
        assert!(
            LearningCurves::new(&h)
                .y_range(0.0, f64::NAN)
                .to_svg()
                .is_err()
        );
        let err = LearningCurves::new(&h).save_png("curves.svg").unwrap_err();
        assert!(err.to_string().contains("curves.svg"), "{err}");
    }

    #[test]
    fn smallest_and_odd_sizes_render() {
        let h = book_history();
        for (w, h_px) in [MIN_SIZE, (MIN_SIZE.0, 2000), (1601, MIN_SIZE.1)] {
            let png = LearningCurves::new(&h)
                .size(w, h_px)
                .title("t")
                .y_label("y")
                .to_png()
                .unwrap();
            assert!(png.starts_with(b"\x89PNG"), "{w}x{h_px}");
        }
    }

    #[test]
    fn fitted_range_and_out_of_range_values_render() {
        let mut h = History::new(HistoryParams::default());
        for (e, loss) in [3.0, 1.5, f64::NAN, 0.8, 0.5].into_iter().enumerate() {
            h.push_epoch(e, &[("loss", loss), ("val_loss", loss * 1.1)]);
        }
        // Default 0..1: the first points are clipped, the NaN leaves a gap.
        let texts = svg_texts(&LearningCurves::new(&h).to_svg().unwrap());
        assert!(
            texts.contains(&"loss".to_string()) && texts.contains(&"val_loss".to_string()),
            "{texts:?}"
        );
        assert!(
            texts.contains(&"1.0".to_string()) && !texts.contains(&"3.0".to_string()),
            "{texts:?}"
        );
        let texts = svg_texts(&LearningCurves::new(&h).fit_y_range().to_svg().unwrap());
        assert!(
            texts.contains(&"3.0".to_string()),
            "the fitted axis reaches 3: {texts:?}"
        );
        let one = {
            let mut h = History::new(HistoryParams::default());
            h.push_epoch(0, &[("loss", 0.5)]);
            h
        };
        let svg = LearningCurves::new(&one).to_svg().unwrap();
        assert!(svg.contains("<circle"), "a single epoch is drawn as a dot");
    }

    #[test]
    fn best_legend_of_the_book_figure_is_lower_left() {
        // Through the SVG: the legend box's border colour sits in the lower left.
        let h = book_history();
        let a = LearningCurves::new(&h)
            .legend(LegendPosition::LowerLeft)
            .to_svg()
            .unwrap();
        let b = LearningCurves::new(&h).to_svg().unwrap();
        let c = LearningCurves::new(&h)
            .legend(LegendPosition::UpperRight)
            .to_svg()
            .unwrap();
        assert_eq!(a, b);
        assert_ne!(b, c);
    }
}
