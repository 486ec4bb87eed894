//! Sample and class weights: checked once, then combined per sample.

use crate::loss::{TargetKind, TargetRef};
use crate::metrics::argmax;
use crate::{Error, Result};

/// The class of a target, for `class_weight` (Keras's rule: the index, the
/// argmax of a one-hot vector, or the rounded value of a single binary
/// output). `None` for targets that have no class.
pub(crate) fn class_of(kind: TargetKind, target: TargetRef<'_>) -> Option<usize> {
    match (kind, target) {
        (_, TargetRef::Class(c)) => Some(c),
        (TargetKind::Categorical, TargetRef::Values(v)) => Some(argmax(v)),
        (TargetKind::Binary, TargetRef::Values([v])) => Some(usize::from(*v > 0.5)),
        _ => None,
    }
}

/// Number of classes `class_weight` may name: the outputs, or 2 for a
/// single binary output.
pub(crate) fn class_count(kind: TargetKind, outputs: usize) -> usize {
    if kind == TargetKind::Binary && outputs == 1 {
        2
    } else {
        outputs
    }
}

/// Turns `(class, weight)` pairs into a table indexed by class (missing
/// classes weigh 1, as Keras 3).
pub(crate) fn class_weight_table(
    pairs: &[(usize, f32)],
    kind: TargetKind,
    outputs: usize,
    loss_name: &str,
) -> Result<Vec<f32>> {
    let usable = match kind {
        TargetKind::Sparse | TargetKind::Categorical => true,
        TargetKind::Binary => outputs == 1,
        TargetKind::Regression => false,
    };
    if !usable {
        return Err(Error::InvalidArgument {
            name: "class_weight",
            message: format!(
                "class weights need class targets, but the loss `{loss_name}` takes {} targets \
                 with {outputs} outputs; use sample_weight instead",
                match kind {
                    TargetKind::Binary => "binary (multi-label)",
                    _ => "regression",
                }
            ),
        });
    }
    let classes = class_count(kind, outputs);
    let mut table = vec![1.0; classes];
    for &(class, weight) in pairs {
        if class >= classes {
            return Err(Error::InvalidArgument {
                name: "class_weight",
                message: format!(
                    "class {class} does not exist: the network has {classes} classes (0..={})",
                    classes - 1
                ),
            });
        }
        check_weight("class_weight", &format!("class {class}"), weight)?;
        table[class] = weight;
    }
    Ok(table)
}

/// Checks a sample-weight slice against the number of samples it weighs.
pub(crate) fn check_sample_weight(
    name: &'static str,
    weights: &[f32],
    samples: usize,
    of: &str,
) -> Result<()> {
    if weights.len() != samples {
        return Err(Error::Length {
            what: format!("{name} (one weight per sample of {of}, which has {samples} samples)"),
            expected: samples,
            found: weights.len(),
        });
    }
    for (i, &w) in weights.iter().enumerate() {
        check_weight(name, &format!("sample {i}"), w)?;
    }
    Ok(())
}

fn check_weight(name: &'static str, position: &str, w: f32) -> Result<()> {
    if !w.is_finite() {
        return Err(Error::NonFinite {
            what: name.into(),
            position: position.into(),
            value: w,
        });
    }
    if w < 0.0 {
        return Err(Error::InvalidArgument {
            name,
            message: format!("the weight of {position} is {w}; weights must be >= 0"),
        });
    }
    Ok(())
}

/// The weight of one training sample: its sample weight times its class's
/// weight.
#[inline]
pub(crate) fn sample_weight_of(
    i: usize,
    sample_weight: Option<&[f32]>,
    class_table: Option<&[f32]>,
    kind: TargetKind,
    target: TargetRef<'_>,
) -> f32 {
    let mut w = sample_weight.map_or(1.0, |s| s[i]);
    if let Some(table) = class_table
        && let Some(c) = class_of(kind, target)
    {
        // Labels were range-checked before training.
        w *= table.get(c).copied().unwrap_or(1.0);
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_defaults_to_one_and_rejects_unknown_classes() {
        let t = class_weight_table(&[(2, 3.0)], TargetKind::Sparse, 3, "x").unwrap();
        assert_eq!(t, [1.0, 1.0, 3.0]);
        let e = class_weight_table(&[(3, 3.0)], TargetKind::Sparse, 3, "x").unwrap_err();
        assert!(e.to_string().contains("class 3 does not exist"), "{e}");
        assert!(e.to_string().contains("3 classes"), "{e}");
        let e = class_weight_table(&[(0, -1.0)], TargetKind::Sparse, 3, "x").unwrap_err();
        assert!(e.to_string().contains(">= 0"), "{e}");
        let e = class_weight_table(&[(0, 1.0)], TargetKind::Regression, 1, "mse").unwrap_err();
        assert!(e.to_string().contains("`mse`"), "{e}");
        let t = class_weight_table(&[(1, 5.0)], TargetKind::Binary, 1, "bce").unwrap();
        assert_eq!(t, [1.0, 5.0]);
    }

    #[test]
    fn classes_of_targets() {
        assert_eq!(class_of(TargetKind::Sparse, TargetRef::Class(4)), Some(4));
        assert_eq!(
            class_of(TargetKind::Categorical, TargetRef::Values(&[0.0, 1.0, 0.0])),
            Some(1)
        );
        assert_eq!(
            class_of(TargetKind::Binary, TargetRef::Values(&[0.9])),
            Some(1)
        );
        assert_eq!(
            class_of(TargetKind::Regression, TargetRef::Values(&[0.9])),
            None
        );
        let w = sample_weight_of(
            1,
            Some(&[1.0, 2.0]),
            Some(&[1.0, 3.0]),
            TargetKind::Sparse,
            TargetRef::Class(1),
        );
        assert_eq!(w, 6.0);
    }
}
