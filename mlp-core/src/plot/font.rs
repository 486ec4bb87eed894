//! The font the plots are drawn with, embedded in the binary: DejaVu Sans
//! (matplotlib's default face), so a PNG renders the same on a machine
//! without any system font or fontconfig. Licence and provenance:
//! `mlp-core/assets/fonts/LICENSE` and `PROVENANCE.md`.

use crate::{Error, Result};
use plotters::style::{FontStyle, register_font};
use std::sync::OnceLock;

/// DejaVu Sans 2.37 (Debian package `fonts-dejavu-core` 2.37-6), unmodified.
pub static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The family name the plots ask for. The PNG backend finds the embedded
/// font under this key; the SVG backend writes it as the CSS
/// `font-family`, where it reads as "DejaVu Sans, else any sans-serif face".
pub const FAMILY: &str = "DejaVu Sans, sans-serif";

/// Registers [`DEJAVU_SANS`] under [`FAMILY`] with plotters, once per
/// process; later calls only report the first call's outcome.
pub fn register() -> Result<()> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    if *REGISTERED.get_or_init(|| register_font(FAMILY, FontStyle::Normal, DEJAVU_SANS).is_ok()) {
        Ok(())
    } else {
        Err(Error::Data {
            source_name: "embedded font DejaVuSans.ttf".into(),
            message: "not a font that ab_glyph can read".into(),
        })
    }
}

/// How many pixels plotters' bitmap backend draws text, anchored at its
/// vertical centre, above where it should be: the distance from the anchor
/// down to the middle of the ink of `sample` at font `size`. plotters 0.3's
/// ab_glyph renderer places glyphs from a box height that is not the font's,
/// which lifts tick labels off their grid lines; measuring the real ink
/// corrects it whatever the renderer does. 0 if nothing is drawn.
pub fn ink_center_offset(size: f64, sample: &str) -> i32 {
    use plotters::prelude::*;
    use plotters::style::text_anchor::{HPos, Pos, VPos};
    let s = size.max(1.0).ceil() as u32;
    let (w, h) = (s * (sample.chars().count() as u32 + 4), s * 4);
    let mut rgb = vec![255u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        let style = (FAMILY, size)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Left, VPos::Center));
        if root
            .draw_text(sample, &style, (s as i32, (h / 2) as i32))
            .and_then(|()| root.present())
            .is_err()
        {
            return 0;
        }
    }
    let inked = |row: &[u8]| row.iter().any(|&v| v < 128);
    let rows: Vec<usize> = rgb
        .chunks(w as usize * 3)
        .enumerate()
        .filter(|(_, row)| inked(row))
        .map(|(y, _)| y)
        .collect();
    match (rows.first(), rows.last()) {
        (Some(&top), Some(&bottom)) => {
            (f64::from(h / 2) - (top + bottom + 1) as f64 / 2.0).round() as i32
        }
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plotters::style::{FontDesc, FontFamily};

    #[test]
    fn embedded_font_measures_text() {
        register().unwrap();
        register().unwrap();
        let font = FontDesc::new(FontFamily::Name(FAMILY), 20.0, FontStyle::Normal);
        let (w1, h1) = font.box_size("loss").unwrap();
        let (w2, _) = font.box_size("val_accuracy").unwrap();
        assert!(h1 > 5 && w1 > 10, "{w1}x{h1}");
        assert!(w2 > 2 * w1, "{w2} vs {w1}");
        // An unregistered family is unknown to the ab_glyph backend: the
        // embedded font is what makes text work.
        let missing = FontDesc::new(FontFamily::Name("no such family"), 20.0, FontStyle::Normal);
        assert!(missing.box_size("loss").is_err());
    }

    #[test]
    fn ink_offset_scales_with_the_font() {
        register().unwrap();
        let small = ink_center_offset(20.0, "0.123456789");
        let large = ink_center_offset(80.0, "0.123456789");
        // Whatever its sign, the correction grows with the font (within rounding).
        assert!(
            (large - 4 * small).abs() <= 3,
            "{small} at 20 px, {large} at 80 px"
        );
        assert_eq!(ink_center_offset(20.0, " "), 0, "no ink, no correction");
    }
}
