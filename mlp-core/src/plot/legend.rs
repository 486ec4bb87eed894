//! Where the legend goes: a fixed place, or the place that hides the least
//! of the curves (matplotlib's `loc="best"`).

/// Where the legend box sits inside the plotting area.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LegendPosition {
    /// The place, among the nine below, whose box covers the fewest points of
    /// the drawn lines; ties go to the first in matplotlib's order (upper
    /// right, upper left, lower left, lower right, center right, center left,
    /// lower center, upper center, center).
    #[default]
    Best,
    /// Top left corner.
    UpperLeft,
    /// Top, centered.
    UpperCenter,
    /// Top right corner.
    UpperRight,
    /// Left edge, centered.
    CenterLeft,
    /// The middle.
    Center,
    /// Right edge, centered.
    CenterRight,
    /// Bottom left corner (the book's Figure 10-12).
    LowerLeft,
    /// Bottom, centered.
    LowerCenter,
    /// Bottom right corner.
    LowerRight,
}

/// The fixed places [`LegendPosition::Best`] chooses from, in its tie order.
pub const CANDIDATES: [LegendPosition; 9] = [
    LegendPosition::UpperRight,
    LegendPosition::UpperLeft,
    LegendPosition::LowerLeft,
    LegendPosition::LowerRight,
    LegendPosition::CenterRight,
    LegendPosition::CenterLeft,
    LegendPosition::LowerCenter,
    LegendPosition::UpperCenter,
    LegendPosition::Center,
];

/// Gap in pixels between the legend box and the frame (matplotlib's `borderaxespad`).
pub const INSET: f64 = 8.0;

impl LegendPosition {
    /// The legend box `(left, top, right, bottom)` in pixels of an area of
    /// `area` = (width, height), for a box of `size` = (width, height);
    /// `y` grows downwards. [`LegendPosition::Best`] is placed as upper right.
    pub fn box_in(self, size: (f64, f64), area: (f64, f64)) -> (f64, f64, f64, f64) {
        use LegendPosition::*;
        let (w, h) = size;
        let left = match self {
            UpperLeft | CenterLeft | LowerLeft => INSET,
            UpperCenter | Center | LowerCenter => (area.0 - w) / 2.0,
            Best | UpperRight | CenterRight | LowerRight => area.0 - w - INSET,
        };
        let top = match self {
            Best | UpperLeft | UpperCenter | UpperRight => INSET,
            CenterLeft | Center | CenterRight => (area.1 - h) / 2.0,
            LowerLeft | LowerCenter | LowerRight => area.1 - h - INSET,
        };
        (left, top, left + w, top + h)
    }
}

/// The candidate whose box covers the fewest of `points` (pixels of the
/// plotting area, `y` down), for a legend box of `size` in an area of
/// `area`. The caller samples the drawn lines densely enough that a box a
/// line crosses holds some of its points.
pub fn best_position(points: &[(f64, f64)], size: (f64, f64), area: (f64, f64)) -> LegendPosition {
    let covered = |pos: LegendPosition| {
        let (l, t, r, b) = pos.box_in(size, area);
        points
            .iter()
            .filter(|&&(x, y)| x >= l && x <= r && y >= t && y <= b)
            .count()
    };
    // `min_by_key` keeps the first of equal keys: the tie order of CANDIDATES.
    CANDIDATES
        .into_iter()
        .min_by_key(|&p| covered(p))
        .unwrap_or(LegendPosition::UpperRight)
}

/// Points every `step` pixels along a polyline given in pixels, ends included.
pub fn sample_polyline(line: &[(f64, f64)], step: f64, out: &mut Vec<(f64, f64)>) {
    if let Some(&first) = line.first() {
        out.push(first);
    }
    for pair in line.windows(2) {
        let ((x0, y0), (x1, y1)) = (pair[0], pair[1]);
        let len = ((x1 - x0).powi(2) + (y1 - y0).powi(2)).sqrt();
        let n = (len / step.max(0.5)).ceil().clamp(1.0, 100_000.0) as usize;
        for i in 1..=n {
            let t = i as f64 / n as f64;
            out.push((x0 + (x1 - x0) * t, y0 + (y1 - y0) * t));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boxes_sit_in_their_corners() {
        let area = (700.0, 400.0);
        let size = (100.0, 50.0);
        assert_eq!(
            LegendPosition::UpperLeft.box_in(size, area),
            (8.0, 8.0, 108.0, 58.0)
        );
        assert_eq!(
            LegendPosition::LowerRight.box_in(size, area),
            (592.0, 342.0, 692.0, 392.0)
        );
        assert_eq!(
            LegendPosition::Center.box_in(size, area),
            (300.0, 175.0, 400.0, 225.0)
        );
    }

    #[test]
    fn best_avoids_the_lines() {
        let area = (700.0, 400.0);
        let size = (150.0, 80.0);
        // A curve like the book's accuracy along the top and a loss that falls
        // from the upper left to the lower right: the lower left is free.
        let mut pts = Vec::new();
        sample_polyline(&[(0.0, 60.0), (700.0, 20.0)], 4.0, &mut pts);
        sample_polyline(
            &[(0.0, 120.0), (150.0, 260.0), (700.0, 330.0)],
            4.0,
            &mut pts,
        );
        assert_eq!(best_position(&pts, size, area), LegendPosition::LowerLeft);
        // Nothing drawn: the first candidate, as matplotlib.
        assert_eq!(best_position(&[], size, area), LegendPosition::UpperRight);
    }

    #[test]
    fn sampling_covers_the_segment() {
        let mut pts = Vec::new();
        sample_polyline(&[(0.0, 0.0), (10.0, 0.0)], 2.5, &mut pts);
        assert_eq!(
            pts,
            vec![(0.0, 0.0), (2.5, 0.0), (5.0, 0.0), (7.5, 0.0), (10.0, 0.0)]
        );
    }
}
