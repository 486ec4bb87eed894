//! The points of each learning curve, before any drawing: where every value
//! of a [`History`] lands on the (epoch, value) plane, the half-epoch shift of
//! the training curves, the y range that fits the data, and the clipping of a
//! curve to the visible range.

use crate::history::History;
use crate::{Error, Result};

/// Prefix Keras gives to the metrics computed on the validation set.
pub const VALIDATION_PREFIX: &str = "val_";

/// One series of a [`History`] as points on the (epoch, value) plane.
#[derive(Clone, Debug, PartialEq)]
pub struct Curve {
    /// The series' name in the history (`loss`, `val_accuracy`, ...), also
    /// its legend label.
    pub name: String,
    /// True for a `val_` series (measured at the end of each epoch).
    pub validation: bool,
    /// `(x, y)` per recorded epoch, in order. A non-finite value (a loss that
    /// diverged) is kept as is and leaves a gap in the drawn line.
    pub points: Vec<(f64, f64)>,
}

impl Curve {
    /// The metric this curve measures, without the `val_` prefix: `loss` for
    /// both `loss` and `val_loss`. Curves of one metric share a colour.
    pub fn metric(&self) -> &str {
        self.name
            .strip_prefix(VALIDATION_PREFIX)
            .unwrap_or(&self.name)
    }
}

/// The curves of every series of `history`, in the history's order.
///
/// The x of the `i`-th value is `history.epoch[i]` (0-based, as Keras and
/// the book's figure), or `i` where the epoch list is shorter than the
/// series. With `shift_training`, training curves (those without the `val_`
/// prefix) move half an epoch to the left: Keras reports them as running
/// means over the epoch, so they describe the model half an epoch before the
/// validation values measured at its end.
///
/// Fails with [`Error::InvalidArgument`] if the history has no value at all.
pub fn curves(history: &History, shift_training: bool) -> Result<Vec<Curve>> {
    let curves: Vec<Curve> = history
        .history
        .iter()
        .filter(|(_, values)| !values.is_empty())
        .map(|(name, values)| {
            let validation = name.starts_with(VALIDATION_PREFIX);
            let shift = if shift_training && !validation {
                -0.5
            } else {
                0.0
            };
            let points = values
                .iter()
                .enumerate()
                .map(|(i, &y)| (history.epoch.get(i).copied().unwrap_or(i) as f64 + shift, y))
                .collect();
            Curve {
                name: name.clone(),
                validation,
                points,
            }
        })
        .collect();
    if curves.is_empty() {
        let series = history.history.len();
        return Err(Error::InvalidArgument {
            name: "history",
            message: format!(
                "nothing to plot: the history holds {} epoch(s) and {series} series, none with a value",
                history.epoch.len()
            ),
        });
    }
    Ok(curves)
}

/// The smallest and largest x of all points, or `None` without points.
pub fn x_extent(curves: &[Curve]) -> Option<(f64, f64)> {
    extent(curves.iter().flat_map(|c| c.points.iter().map(|p| p.0)))
}

/// The y range that shows every finite value with a 5 % margin above and
/// below (as matplotlib's autoscale), or `None` if no value is finite.
pub fn fit_y_range(curves: &[Curve]) -> Option<(f64, f64)> {
    let (lo, hi) = extent(curves.iter().flat_map(|c| c.points.iter().map(|p| p.1)))?;
    let span = hi - lo;
    let pad = if span > 0.0 {
        span * 0.05
    } else {
        lo.abs().max(1.0) * 0.05
    };
    Some((lo - pad, hi + pad))
}

fn extent(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values.filter(|v| v.is_finite()).fold(None, |acc, v| {
        Some(acc.map_or((v, v), |(lo, hi): (f64, f64)| (lo.min(v), hi.max(v))))
    })
}

/// The visible pieces of a polyline: non-finite points cut it, and each
/// segment is clipped to `lo <= y <= hi` (the crossing points are
/// interpolated), so a curve that leaves the y range stops at the frame
/// instead of running over the axes. Pieces of a single point are kept (a
/// lone epoch is still data).
pub fn clip_to_y(points: &[(f64, f64)], lo: f64, hi: f64) -> Vec<Vec<(f64, f64)>> {
    let mut pieces: Vec<Vec<(f64, f64)>> = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    let inside = |p: (f64, f64)| p.1 >= lo && p.1 <= hi;
    let mut flush = |current: &mut Vec<(f64, f64)>| {
        if !current.is_empty() {
            pieces.push(core::mem::take(current));
        }
    };
    let mut prev: Option<(f64, f64)> = None;
    for &p in points {
        let finite = p.0.is_finite() && p.1.is_finite();
        match (prev, finite) {
            (_, false) => {
                flush(&mut current);
                prev = None;
                continue;
            }
            (None, true) => {
                if inside(p) {
                    current.push(p);
                }
            }
            (Some(a), true) => match clip_segment(a, p, lo, hi) {
                Some((s, e)) => {
                    if current.last() != Some(&s) {
                        flush(&mut current);
                        current.push(s);
                    }
                    current.push(e);
                    if e != p {
                        flush(&mut current);
                    }
                }
                None => flush(&mut current),
            },
        }
        prev = Some(p);
    }
    flush(&mut current);
    pieces
}

/// The part of the segment `a`-`b` with `lo <= y <= hi`, if any. Where the
/// segment crosses a bound, the new end lies exactly on it.
fn clip_segment(
    a: (f64, f64),
    b: (f64, f64),
    lo: f64,
    hi: f64,
) -> Option<((f64, f64), (f64, f64))> {
    let dy = b.1 - a.1;
    if dy == 0.0 {
        return (a.1 >= lo && a.1 <= hi).then_some((a, b));
    }
    // Parameters where the segment meets each bound, in the order it meets them.
    let (first, second) = {
        let (t_lo, t_hi) = ((lo - a.1) / dy, (hi - a.1) / dy);
        if t_lo < t_hi {
            ((t_lo, lo), (t_hi, hi))
        } else {
            ((t_hi, hi), (t_lo, lo))
        }
    };
    let x_at = |t: f64| a.0 + (b.0 - a.0) * t;
    let start = if first.0 > 0.0 {
        (x_at(first.0), first.1)
    } else {
        a
    };
    let end = if second.0 < 1.0 {
        (x_at(second.0), second.1)
    } else {
        b
    };
    (first.0.max(0.0) <= second.0.min(1.0)).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::HistoryParams;

    fn history(epochs: usize) -> History {
        let mut h = History::new(HistoryParams::default());
        for e in 0..epochs {
            let f = e as f64;
            h.push_epoch(
                e,
                &[
                    ("loss", 0.7 - 0.01 * f),
                    ("accuracy", 0.8 + 0.001 * f),
                    ("val_loss", 0.6 - 0.01 * f),
                ],
            );
        }
        h
    }

    #[test]
    fn half_epoch_shift_moves_training_curves_only() {
        let h = history(3);
        let plain = curves(&h, false).unwrap();
        let shifted = curves(&h, true).unwrap();
        assert_eq!(plain.len(), 3);
        assert_eq!(plain[0].points[0], (0.0, 0.7));
        assert_eq!(shifted[0].points[0], (-0.5, 0.7));
        assert_eq!(shifted[0].points[2].0, 1.5);
        assert_eq!(shifted[1].points[0].0, -0.5);
        // val_loss is measured at the end of the epoch: not shifted.
        assert!(shifted[2].validation && !shifted[0].validation);
        assert_eq!(shifted[2].points, plain[2].points);
        assert_eq!(shifted[2].metric(), "loss");
        assert_eq!(x_extent(&shifted), Some((-0.5, 2.0)));
    }

    #[test]
    fn x_follows_recorded_epochs() {
        let mut h = History::new(HistoryParams::default());
        h.push_epoch(5, &[("loss", 1.0)]);
        h.push_epoch(6, &[("loss", 0.5)]);
        let c = curves(&h, false).unwrap();
        assert_eq!(c[0].points, vec![(5.0, 1.0), (6.0, 0.5)]);
    }

    #[test]
    fn empty_history_is_an_error() {
        let err = curves(&History::default(), false).unwrap_err();
        assert!(err.to_string().contains("nothing to plot"), "{err}");
        let mut h = History::default();
        h.history.push(("loss".into(), vec![]));
        assert!(curves(&h, false).is_err());
    }

    #[test]
    fn fitted_range_pads_the_data() {
        let c = curves(&history(11), false).unwrap();
        let (lo, hi) = fit_y_range(&c).unwrap();
        // values span 0.5 (val_loss at epoch 10) .. 0.81 (accuracy at epoch 10)
        let span = 0.81 - 0.5;
        assert!((lo - (0.5 - 0.05 * span)).abs() < 1e-12, "{lo}");
        assert!((hi - (0.81 + 0.05 * span)).abs() < 1e-12, "{hi}");
        let nan = vec![Curve {
            name: "loss".into(),
            validation: false,
            points: vec![(0.0, f64::NAN)],
        }];
        assert_eq!(fit_y_range(&nan), None);
    }

    #[test]
    fn clipping_cuts_at_the_frame() {
        // 2.0 -> 0.5 crosses y = 1 at x = 2/3; then stays inside; then a NaN gap.
        let pts = [
            (0.0, 2.0),
            (1.0, 0.5),
            (2.0, 0.25),
            (3.0, f64::NAN),
            (4.0, 0.5),
            (5.0, 0.75),
        ];
        let pieces = clip_to_y(&pts, 0.0, 1.0);
        assert_eq!(pieces.len(), 2, "{pieces:?}");
        assert!((pieces[0][0].0 - 2.0 / 3.0).abs() < 1e-12 && pieces[0][0].1 == 1.0);
        assert_eq!(&pieces[0][1..], &[(1.0, 0.5), (2.0, 0.25)]);
        assert_eq!(pieces[1], vec![(4.0, 0.5), (5.0, 0.75)]);
        // Leaving and coming back makes two pieces; a segment fully outside none.
        let pieces = clip_to_y(&[(0.0, 0.5), (1.0, 1.5), (2.0, 3.0), (3.0, 0.5)], 0.0, 1.0);
        assert_eq!(pieces.len(), 2, "{pieces:?}");
        assert_eq!(pieces[0], vec![(0.0, 0.5), (0.5, 1.0)]);
        assert_eq!(pieces[1][0].1, 1.0);
        assert_eq!(pieces[1][1], (3.0, 0.5));
        assert!(clip_to_y(&[(0.0, 5.0), (1.0, 6.0)], 0.0, 1.0).is_empty());
        assert_eq!(clip_to_y(&[(0.0, 0.5)], 0.0, 1.0), vec![vec![(0.0, 0.5)]]);
    }
}
