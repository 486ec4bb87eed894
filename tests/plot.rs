//! Learning curves as the book's Figure 10-12, rendered for real: PNGs are
//! decoded and their pixels inspected, SVGs are read as text.
//!
//! `MLP_WRITE_DOCS=1 cargo test --test plot` also writes
//! `docs/learning_curves_keras.png` from the real Keras history.
#![cfg(feature = "plot")]

use mlp::history::{History, HistoryParams};
use mlp::plot::{LearningCurves, LegendPosition, plot_history};
use std::collections::HashSet;
use std::path::Path;

/// A history shaped like the book's: 30 epochs, loss 0.7 -> 0.2, accuracy
/// 0.76 -> 0.93, validation curves close by.
fn book_history() -> History {
    let mut h = History::new(HistoryParams {
        epochs: 30,
        steps: 1719,
        samples: 55_000,
        batch_size: 32,
        verbose: 1,
    });
    for epoch in 0..30 {
        let t = epoch as f64 / 29.0;
        let ease = 1.0 - (-4.0 * t).exp();
        h.push_epoch(
            epoch,
            &[
                ("loss", 0.7 - 0.5 * ease),
                ("accuracy", 0.76 + 0.17 * ease),
                ("val_loss", 0.52 - 0.2 * ease),
                ("val_accuracy", 0.82 + 0.07 * ease),
            ],
        );
    }
    h
}

/// The real Keras run of the book's Fashion-MNIST MLP.
fn keras_history() -> History {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/keras-fashion-mlp/history.json");
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut h = History::new(HistoryParams::default());
    for (name, values) in json.as_object().unwrap() {
        let values: Vec<f64> = values
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        h.epoch = (0..values.len()).collect();
        h.history.push((name.clone(), values));
    }
    h
}

struct Image {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
}

impl Image {
    fn decode(bytes: &[u8]) -> Image {
        let mut reader = png::Decoder::new(std::io::Cursor::new(bytes))
            .read_info()
            .unwrap();
        let mut rgb = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut rgb).unwrap();
        assert_eq!(info.color_type, png::ColorType::Rgb);
        rgb.truncate(info.buffer_size());
        Image {
            width: info.width,
            height: info.height,
            rgb,
        }
    }

    fn pixel(&self, x: u32, y: u32) -> [u8; 3] {
        let i = (y * self.width + x) as usize * 3;
        [self.rgb[i], self.rgb[i + 1], self.rgb[i + 2]]
    }

    /// `(y, x)` of the first run of at least `len` pixels of `colour` in
    /// each row that has one.
    fn rows_with_run(&self, colour: [u8; 3], len: u32) -> Vec<(u32, u32)> {
        (0..self.height)
            .filter_map(|y| {
                let mut run = 0;
                (0..self.width).find_map(|x| {
                    run = if self.pixel(x, y) == colour {
                        run + 1
                    } else {
                        0
                    };
                    (run == len).then(|| (y, x + 1 - len))
                })
            })
            .collect()
    }

    fn colours(&self) -> HashSet<[u8; 3]> {
        self.rgb.chunks(3).map(|p| [p[0], p[1], p[2]]).collect()
    }

    /// Pixels of exactly `colour` in the rectangle [x0, x1) x [y0, y1).
    fn count(&self, colour: [u8; 3], (x0, y0): (u32, u32), (x1, y1): (u32, u32)) -> usize {
        (y0..y1)
            .flat_map(|y| (x0..x1).map(move |x| (x, y)))
            .filter(|&(x, y)| self.pixel(x, y) == colour)
            .count()
    }
}

/// matplotlib's tab:blue and tab:orange, the colours of the first two metrics.
const BLUE: [u8; 3] = [0x1f, 0x77, 0xb4];
const ORANGE: [u8; 3] = [0xff, 0x7f, 0x0e];
const LEGEND_BORDER: [u8; 3] = [0xcc, 0xcc, 0xcc];

/// `(stroke, points)` of every 2-pixel-wide polyline: the data lines.
fn data_polylines(svg: &str) -> Vec<(String, Vec<(i32, i32)>)> {
    svg.lines()
        .filter(|l| l.starts_with("<polyline") && l.contains("stroke-width=\"2\""))
        .map(|l| {
            let attr = |name: &str| {
                l.split(&format!("{name}=\""))
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap()
                    .to_string()
            };
            let points = attr("points")
                .split_whitespace()
                .map(|p| {
                    let (x, y) = p.split_once(',').unwrap();
                    (x.parse().unwrap(), y.parse().unwrap())
                })
                .collect();
            (attr("stroke"), points)
        })
        .collect()
}

/// The texts of the SVG's `<text>` elements.
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
fn png_of_the_book_history_has_the_size_and_the_curves() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("curves.png");
    plot_history(&book_history(), &path).unwrap();
    let img = Image::decode(&std::fs::read(&path).unwrap());
    assert_eq!((img.width, img.height), (800, 500));
    // Text is anti-aliased, the lines are in matplotlib's colours: many
    // distinct colours, and plenty of pixels of each metric's colour.
    let colours = img.colours();
    assert!(
        colours.len() > 20,
        "only {} colours: blank image?",
        colours.len()
    );
    let whole = ((0, 0), (img.width, img.height));
    // Colours go to metrics in the history's order: loss blue, accuracy orange.
    assert!(
        img.count(BLUE, whole.0, whole.1) > 1000,
        "loss lines missing"
    );
    assert!(
        img.count(ORANGE, whole.0, whole.1) > 1000,
        "accuracy lines missing"
    );
    // Mostly white background.
    assert!(img.count([255, 255, 255], whole.0, whole.1) > 800 * 500 / 2);
    // The accuracy (0.76 .. 0.93) lies wholly in the top half, the loss
    // (0.7 .. 0.2) mostly in the bottom half.
    let (top, bottom) = (((0, 0), (800, 250)), ((0, 250), (800, 500)));
    let orange = (
        img.count(ORANGE, top.0, top.1),
        img.count(ORANGE, bottom.0, bottom.1),
    );
    let blue = (
        img.count(BLUE, top.0, top.1),
        img.count(BLUE, bottom.0, bottom.1),
    );
    assert!(
        orange.0 > 5 * orange.1,
        "accuracy pixels top/bottom: {orange:?}"
    );
    assert!(blue.1 > 2 * blue.0, "loss pixels top/bottom: {blue:?}");
}

#[test]
fn size_option_sets_the_png_size() {
    let bytes = LearningCurves::new(&book_history())
        .size(640, 360)
        .title("Fashion MNIST")
        .to_png()
        .unwrap();
    let img = Image::decode(&bytes);
    assert_eq!((img.width, img.height), (640, 360));
    assert!(img.colours().len() > 20);
}

#[test]
fn svg_names_every_series_and_draws_a_line_for_each() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("curves.svg");
    LearningCurves::new(&book_history())
        .title("Learning curves")
        .save_svg(&path)
        .unwrap();
    let svg = std::fs::read_to_string(&path).unwrap();
    assert!(
        svg.starts_with("<svg width=\"800\" height=\"500\""),
        "{}",
        &svg[..80]
    );
    let texts = svg_texts(&svg);
    for name in [
        "loss",
        "accuracy",
        "val_loss",
        "val_accuracy",
        "Epoch",
        "Learning curves",
        "0.0",
        "1.0",
    ] {
        assert!(
            texts.iter().any(|t| t == name),
            "no text `{name}` in {texts:?}"
        );
    }
    assert!(svg.contains("font-family=\"DejaVu Sans, sans-serif\""));
    let lines = data_polylines(&svg);
    // Training curves are solid: one polyline through all 30 epochs each.
    let solid: Vec<_> = lines.iter().filter(|(_, p)| p.len() == 30).collect();
    assert_eq!(solid.len(), 2, "one solid line per training series");
    assert_ne!(solid[0].0, solid[1].0, "accuracy and loss differ in colour");
    // Validation curves are dashed in their training curve's colour: many
    // short pieces (plus the legend swatches, which are lines too).
    for (colour, _) in &solid {
        let dashes = lines
            .iter()
            .filter(|(c, p)| c == colour && p.len() == 2)
            .count();
        assert!(dashes >= 20, "{colour}: {dashes} dashes");
    }
}

#[test]
fn half_epoch_shift_moves_training_points_left() {
    let h = book_history();
    let plain = LearningCurves::new(&h);
    let shifted = LearningCurves::new(&h).shift_training(true);
    let (p, s) = (plain.curves().unwrap(), shifted.curves().unwrap());
    let loss = |c: &[mlp::plot::Curve]| c.iter().find(|c| c.name == "loss").unwrap().points.clone();
    let val_loss = |c: &[mlp::plot::Curve]| {
        c.iter()
            .find(|c| c.name == "val_loss")
            .unwrap()
            .points
            .clone()
    };
    assert_eq!(loss(&p)[0].0, 0.0);
    assert_eq!(loss(&s)[0].0, -0.5);
    assert_eq!(loss(&s)[29].0, 28.5);
    assert_eq!(loss(&s)[0].1, loss(&p)[0].1);
    assert_eq!(
        val_loss(&s),
        val_loss(&p),
        "validation is measured at the end of the epoch"
    );

    // Drawn: the shifted training line starts half an epoch left of where
    // validation starts; unshifted, both start at the same x.
    let first_x = |svg: &str, solid: bool| {
        let lines = data_polylines(svg);
        lines
            .iter()
            .filter(|(_, pts)| (pts.len() == 30) == solid)
            .map(|(_, pts)| pts[0].0)
            .min()
            .unwrap()
    };
    let svg = plain.to_svg().unwrap();
    assert_eq!(first_x(&svg, true), first_x(&svg, false));
    let svg = shifted.to_svg().unwrap();
    let (train_x, val_x) = (first_x(&svg, true), first_x(&svg, false));
    let last_train_x = data_polylines(&svg)
        .iter()
        .find(|(_, p)| p.len() == 30)
        .unwrap()
        .1[29]
        .0;
    let epoch_px = (last_train_x - train_x) as f64 / 29.0;
    assert!(
        ((val_x - train_x) as f64 - epoch_px / 2.0).abs() <= 1.5,
        "{train_x} {val_x} {epoch_px}"
    );
}

#[test]
fn errors_name_the_problem_and_leave_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let h = book_history();

    let empty = History::new(HistoryParams::default());
    let err = plot_history(&empty, dir.path().join("empty.png")).unwrap_err();
    assert!(err.to_string().contains("nothing to plot"), "{err}");

    let err = plot_history(&h, dir.path().join("curves.jpg")).unwrap_err();
    assert!(
        err.to_string().contains("curves.jpg") && err.to_string().contains(".png or .svg"),
        "{err}"
    );
    assert!(plot_history(&h, dir.path().join("curves")).is_err());
    assert!(
        LearningCurves::new(&h)
            .save_svg(dir.path().join("curves.png"))
            .is_err()
    );

    let missing = dir.path().join("no-such-folder").join("curves.png");
    let err = plot_history(&h, &missing).unwrap_err();
    assert!(matches!(err, mlp::Error::Io { .. }), "{err:?}");
    assert!(err.to_string().contains("no-such-folder"), "{err}");

    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "nothing written, no temp file left"
    );
}

#[test]
fn saving_replaces_a_file_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("curves.png");
    std::fs::write(&path, b"old").unwrap();
    plot_history(&book_history(), &path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(
        bytes,
        LearningCurves::new(&book_history()).to_png().unwrap(),
        "rendering is deterministic"
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn keras_history_renders_with_legend_lower_left() {
    let h = keras_history();
    assert_eq!(
        h.names().collect::<Vec<_>>(),
        ["accuracy", "loss", "val_accuracy", "val_loss"]
    );
    let bytes = LearningCurves::new(&h).to_png().unwrap();
    let img = Image::decode(&bytes);
    assert_eq!((img.width, img.height), (800, 500));
    // On the real curves the best place for the legend is the lower left
    // (the book's choice too): its grey border is there and nowhere else.
    let (w, h_px) = (img.width, img.height);
    let rows = img.rows_with_run(LEGEND_BORDER, 100);
    assert_eq!(
        rows.len(),
        2,
        "the legend box's top and bottom edges: {rows:?}"
    );
    for &(y, x) in &rows {
        assert!(
            y > h_px / 2 && x < w / 4,
            "legend edge at x = {x}, y = {y}: not lower left"
        );
    }
    // Same as asking for it.
    assert_eq!(
        bytes,
        LearningCurves::new(&h)
            .legend(LegendPosition::LowerLeft)
            .to_png()
            .unwrap()
    );

    if std::env::var_os("MLP_WRITE_DOCS").is_some() {
        let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/learning_curves_keras.png");
        plot_history(&h, out).unwrap();
    }
}
