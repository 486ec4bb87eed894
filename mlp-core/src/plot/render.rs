//! Drawing a figure on any plotters backend: frame, grid, tick labels, one
//! line per curve, legend. The look follows matplotlib's defaults, as in the
//! book's Figure 10-12: white background, light grey grid, tab10 colours.

use super::curves::{Curve, clip_to_y};
use super::font::{FAMILY, ink_center_offset};
use super::legend::{LegendPosition, best_position, sample_polyline};
use plotters::coord::ranged1d::{BoldPoints, Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::{CoordTranslate, Shift};
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Everything a drawing needs, resolved and checked.
pub(crate) struct Figure<'a> {
    pub curves: &'a [Curve],
    pub x_range: (f64, f64),
    pub y_range: (f64, f64),
    pub title: Option<&'a str>,
    pub x_label: &'a str,
    pub y_label: Option<&'a str>,
    pub legend: LegendPosition,
    pub size: (u32, u32),
    pub text_dy: TextShift,
}

/// Pixels to move text down so it is centred where it is anchored (see
/// [`super::font::ink_center_offset`]); zero for SVG, which a viewer lays out.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct TextShift {
    /// For tick labels (digits).
    pub ticks: i32,
    /// For legend labels (lower case).
    pub legend: i32,
}

impl TextShift {
    /// The shifts the bitmap backend needs at the figure's font sizes.
    pub fn measured(size: (u32, u32)) -> Self {
        let tick = Metrics::new(size).tick;
        Self {
            ticks: ink_center_offset(tick, "0123456789."),
            legend: ink_center_offset(tick, "xaceomnrsuvwz"),
        }
    }
}

/// matplotlib's `tab10` cycle.
const PALETTE: [RGBColor; 10] = [
    RGBColor(0x1f, 0x77, 0xb4),
    RGBColor(0xff, 0x7f, 0x0e),
    RGBColor(0x2c, 0xa0, 0x2c),
    RGBColor(0xd6, 0x27, 0x28),
    RGBColor(0x94, 0x67, 0xbd),
    RGBColor(0x8c, 0x56, 0x4b),
    RGBColor(0xe3, 0x77, 0xc2),
    RGBColor(0x7f, 0x7f, 0x7f),
    RGBColor(0xbc, 0xbd, 0x22),
    RGBColor(0x17, 0xbe, 0xcf),
];
const TEXT: RGBColor = RGBColor(0x26, 0x26, 0x26);
const GRID: RGBColor = RGBColor(0xd9, 0xd9, 0xd9);
const LEGEND_BORDER: RGBColor = RGBColor(0xcc, 0xcc, 0xcc);

/// The colour of each curve: one per metric, so `loss` and `val_loss` match
/// and the line style tells training from validation.
pub(crate) fn colours(curves: &[Curve]) -> Vec<RGBColor> {
    let mut metrics: Vec<&str> = Vec::new();
    curves
        .iter()
        .map(|c| {
            let i = metrics
                .iter()
                .position(|m| *m == c.metric())
                .unwrap_or_else(|| {
                    metrics.push(c.metric());
                    metrics.len() - 1
                });
            PALETTE[i % PALETTE.len()]
        })
        .collect()
}

/// Sizes in pixels at the figure's scale: 1.0 for the default 800 x 500.
struct Metrics {
    tick: f64,
    label: f64,
    title: f64,
    line: u32,
    dash: i32,
    gap: i32,
    swatch: i32,
    pad: i32,
}

impl Metrics {
    fn new(size: (u32, u32)) -> Self {
        let scale = (f64::from(size.0) / 800.0)
            .min(f64::from(size.1) / 500.0)
            .clamp(0.5, 8.0);
        let px = |v: f64| (v * scale).round().max(1.0);
        Self {
            tick: px(20.0),
            label: px(21.0),
            title: px(25.0),
            line: px(2.0) as u32,
            dash: px(9.0) as i32,
            gap: px(5.0) as i32,
            swatch: px(36.0) as i32,
            pad: px(10.0) as i32,
        }
    }
}

/// Draws `fig` on `root` (already sized) and presents it.
pub(crate) fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    fig: &Figure<'_>,
) -> Result<(), DrawingAreaErrorKind<DB::ErrorType>> {
    let m = Metrics::new(fig.size);
    let tick_font = (FAMILY, m.tick).into_font().color(&TEXT);
    let label_font = (FAMILY, m.label).into_font().color(&TEXT);
    root.fill(&WHITE)?;

    let mut builder = ChartBuilder::on(root);
    builder
        .margin_top(m.pad * 2)
        .margin_right(m.pad * 3)
        .margin_left(m.pad)
        .margin_bottom(m.pad)
        .x_label_area_size(m.tick as i32 + m.label as i32 + m.pad + m.pad / 2)
        .y_label_area_size(
            y_tick_width(root, fig.y_range, &tick_font)
                + m.pad * 2
                + if fig.y_label.is_some() {
                    m.label as i32 + m.pad
                } else {
                    0
                },
        );
    if let Some(title) = fig.title {
        builder.caption(title, (FAMILY, m.title).into_font().color(&TEXT));
    }
    let (x0, x1) = fig.x_range;
    let (y0, y1) = fig.y_range;
    let mut chart = builder.build_cartesian_2d(x0..x1, y0..y1)?;

    let x_format = |x: &f64| format_tick(*x);
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(fig.x_label)
        .x_labels(8)
        .y_labels(Y_TICKS)
        .x_label_formatter(&x_format)
        .label_style(tick_font.clone())
        .axis_desc_style(label_font)
        .bold_line_style(GRID.stroke_width(1))
        .light_line_style(TRANSPARENT)
        .axis_style(TEXT.stroke_width(1))
        .y_label_offset(fig.text_dy.ticks)
        .set_all_tick_mark_size(m.pad / 2);
    if let Some(y_label) = fig.y_label {
        mesh.y_desc(y_label);
    }
    mesh.draw()?;

    let colours = colours(fig.curves);
    let coord = chart.as_coord_spec().clone();
    let base = chart.plotting_area().get_base_pixel();
    let to_px = |p: &(f64, f64)| {
        let (x, y) = coord.translate(p);
        (f64::from(x - base.0), f64::from(y - base.1))
    };
    let mut drawn_px = Vec::new();
    for (curve, colour) in fig.curves.iter().zip(&colours) {
        let style = colour.stroke_width(m.line);
        for piece in clip_to_y(&curve.points, y0, y1) {
            let px: Vec<(f64, f64)> = piece.iter().map(&to_px).collect();
            sample_polyline(&px, 2.0, &mut drawn_px);
            if piece.len() == 1 {
                chart.draw_series(std::iter::once(Circle::new(
                    piece[0],
                    m.line as i32 * 2,
                    colour.filled(),
                )))?;
            } else if curve.validation {
                chart.draw_series(DashedLineSeries::new(piece, m.dash, m.gap, style))?;
            } else {
                chart.draw_series(LineSeries::new(piece, style))?;
            }
        }
    }

    // The frame on all four sides, as matplotlib's spines.
    let area = chart.plotting_area().strip_coord_spec();
    let (w, h) = area.dim_in_pixel();
    area.draw(&Rectangle::new(
        [(0, 0), (w as i32 - 1, h as i32 - 1)],
        TEXT.stroke_width(1),
    ))?;

    draw_legend(&area, fig, &m, &colours, &drawn_px)
        .map_err(|e| e.unwrap_or(DrawingAreaErrorKind::LayoutError))?;
    root.present()
}

/// The legend box: a swatch of each curve's line and its name, placed as
/// `fig.legend` says (for `Best`, where it covers the fewest `drawn_px`).
/// Drawn by hand rather than by plotters' series labels, whose text sits
/// above the swatches with the embedded font.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    fig: &Figure<'_>,
    m: &Metrics,
    colours: &[RGBColor],
    drawn_px: &[(f64, f64)],
) -> Result<(), Option<DrawingAreaErrorKind<DB::ErrorType>>> {
    let font = (FAMILY, m.tick)
        .into_font()
        .color(&TEXT)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let em = m.tick * 0.86;
    let (pad, handle, handle_gap) = (
        (0.5 * em).round() as i32,
        m.swatch,
        (0.6 * em).round() as i32,
    );
    let pitch = (m.tick * 1.3).round() as i32;
    let mut text_w = 0;
    for curve in fig.curves {
        text_w = text_w.max(area.estimate_text_size(&curve.name, &font).map_err(Some)?.0 as i32);
    }
    let size = (
        pad * 2 + handle + handle_gap + text_w,
        pad * 2 + pitch * fig.curves.len() as i32,
    );
    let (w, h) = area.dim_in_pixel();
    let (size_f, area_f) = (
        (f64::from(size.0), f64::from(size.1)),
        (f64::from(w), f64::from(h)),
    );
    let position = match fig.legend {
        LegendPosition::Best => best_position(drawn_px, size_f, area_f),
        fixed => fixed,
    };
    let (left, top, _, _) = position.box_in(size_f, area_f);
    let (left, top) = (left.round() as i32, top.round() as i32);
    let corners = [(left, top), (left + size.0, top + size.1)];
    area.draw(&Rectangle::new(corners, WHITE.mix(0.85).filled()))
        .map_err(Some)?;
    area.draw(&Rectangle::new(corners, LEGEND_BORDER.stroke_width(1)))
        .map_err(Some)?;
    for (i, (curve, colour)) in fig.curves.iter().zip(colours).enumerate() {
        let y = top + pad + pitch * i as i32 + pitch / 2;
        let x = left + pad;
        let swatch = vec![(x, y), (x + handle, y)];
        let style = colour.stroke_width(m.line);
        if curve.validation {
            area.draw(&DashedPathElement::new(swatch, m.dash, m.gap, style))
                .map_err(Some)?;
        } else {
            area.draw(&PathElement::new(swatch, style)).map_err(Some)?;
        }
        let at = (x + handle + handle_gap, y + fig.text_dy.legend);
        area.draw(&Text::new(curve.name.as_str(), at, font.clone()))
            .map_err(Some)?;
    }
    Ok(())
}

/// The number of y tick labels asked of plotters.
const Y_TICKS: usize = 6;

/// The width in pixels of the widest y tick label plotters will write.
fn y_tick_width<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    range: (f64, f64),
    font: &TextStyle<'_>,
) -> i32 {
    let axis: RangedCoordf64 = (range.0..range.1).into();
    axis.key_points(BoldPoints(Y_TICKS))
        .iter()
        .map(|v| {
            root.estimate_text_size(&RangedCoordf64::format(v), font)
                .map_or(0, |(w, _)| w as i32)
        })
        .max()
        .unwrap_or(0)
}

/// A tick label: whole numbers without decimals, others as short as exact.
pub(crate) fn format_tick(x: f64) -> String {
    if x == 0.0 {
        "0".to_string()
    } else if x == x.round() && x.abs() < 1e15 {
        format!("{x:.0}")
    } else {
        let s = format!("{x:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(name: &str) -> Curve {
        Curve {
            name: name.into(),
            validation: name.starts_with("val_"),
            points: vec![],
        }
    }

    #[test]
    fn one_colour_per_metric() {
        let c = colours(&[
            curve("loss"),
            curve("accuracy"),
            curve("val_loss"),
            curve("val_accuracy"),
            curve("mae"),
        ]);
        assert_eq!(c[0], c[2]);
        assert_eq!(c[1], c[3]);
        assert_ne!(c[0], c[1]);
        assert_ne!(c[4], c[0]);
        assert_ne!(c[4], c[1]);
    }

    #[test]
    fn ticks_read_like_matplotlib() {
        assert_eq!(format_tick(5.0), "5");
        assert_eq!(format_tick(-0.0), "0");
        assert_eq!(format_tick(-0.5), "-0.5");
        assert_eq!(format_tick(0.2), "0.2");
        assert_eq!(format_tick(2.5), "2.5");
    }
}
