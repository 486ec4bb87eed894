//! Checks of the data given to `fit` and `evaluate`, before any work: every
//! problem is an `Err` naming the thing, the sample and both sizes.

use crate::loss::{Loss, TargetFor, TargetRef};
use crate::network::Network;
use crate::sample::Sample;
use crate::{Error, Result};

/// `x` and `y` are non-empty and of the same length.
pub(crate) fn check_lengths(x_name: &str, x: usize, y_name: &str, y: usize) -> Result<()> {
    if x == 0 {
        return Err(Error::InvalidArgument {
            name: "x",
            message: format!("{x_name} is empty: at least one sample is needed"),
        });
    }
    if x != y {
        return Err(Error::Length {
            what: format!("{y_name} (one target per sample of {x_name}, which has {x} samples)"),
            expected: x,
            found: y,
        });
    }
    Ok(())
}

/// Every value of every sample of `x` is finite.
pub(crate) fn check_inputs<N: Network>(name: &str, x: &[N::Input]) -> Result<()> {
    for (i, sample) in x.iter().enumerate() {
        if sample.is_finite() {
            continue;
        }
        let mut row = vec![0.0; N::INPUT_SIZE];
        sample.write_row_major(&mut row);
        if let Some((j, &v)) = row.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            return Err(Error::NonFinite {
                what: name.into(),
                position: format!(
                    "sample {i} (value {j} of {} in row-major order)",
                    N::INPUT_SIZE
                ),
                value: v,
            });
        }
    }
    Ok(())
}

/// Every class label is below the number of outputs (or is the loss's
/// `ignore_class`); every target value is finite and there are as many as
/// outputs.
pub(crate) fn check_targets<N: Network, L: Loss, Y: TargetFor<L, N::Output>>(
    name: &str,
    y: &[Y],
    loss: &L,
) -> Result<()> {
    // Negative labels (`i32`, `i64`) arrive wrapped: show them signed.
    let signed = matches!(core::any::type_name::<Y>(), "i32" | "i64" | "isize");
    for (i, t) in y.iter().enumerate() {
        check_target(name, i, t.target(), N::OUTPUT_SIZE, loss, signed)?;
    }
    Ok(())
}

/// [`check_targets`] of sample `i`'s target `t` for `outputs` outputs;
/// `signed` shows a wrapped class label as negative.
pub(crate) fn check_target<L: Loss>(
    name: &str,
    i: usize,
    t: TargetRef<'_>,
    outputs: usize,
    loss: &L,
    signed: bool,
) -> Result<()> {
    match t {
        TargetRef::Class(c) if c >= outputs && !loss.ignored(TargetRef::Class(c)) => {
            // An unsigned label (`u64::MAX`) shows as it is.
            let label = if signed && c > isize::MAX as usize {
                (c as isize).to_string()
            } else {
                c.to_string()
            };
            Err(Error::InvalidArgument {
                name: "y",
                message: format!(
                    "{name}[{i}] is class {label}, but the network has {outputs} classes \
                     (outputs), so labels must lie in 0..={}",
                    outputs - 1
                ),
            })
        }
        TargetRef::Class(_) => Ok(()),
        TargetRef::Values(v) => {
            if v.len() != outputs {
                return Err(Error::Length {
                    what: format!("{name}[{i}] (target values, one per network output)"),
                    expected: outputs,
                    found: v.len(),
                });
            }
            if let Some((j, &value)) = v.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                return Err(Error::NonFinite {
                    what: name.into(),
                    position: format!("sample {i}, output {j}"),
                    value,
                });
            }
            Ok(())
        }
    }
}

/// The loss's, the optimizer's (if any) and every metric's hyperparameters
/// (Keras raises `ValueError` for these in their constructors).
pub(crate) fn check_hyperparameters<L: Loss>(
    loss: &L,
    optimizer: Option<&dyn crate::optim::Optimizer>,
    metrics: &[crate::metrics::Metric],
) -> Result<()> {
    loss.validate()?;
    if let Some(optimizer) = optimizer {
        optimizer.validate()?;
    }
    metrics.iter().try_for_each(|m| m.validate())
}

/// A batch size of at least 1.
pub(crate) fn check_batch_size(batch_size: usize) -> Result<()> {
    if batch_size == 0 {
        return Err(Error::InvalidArgument {
            name: "batch_size",
            message: "is 0; it must be at least 1".into(),
        });
    }
    Ok(())
}

/// Verbosity 0, 1 or 2.
pub(crate) fn check_verbose(verbose: u8) -> Result<()> {
    if verbose > 2 {
        return Err(Error::InvalidArgument {
            name: "verbose",
            message: format!(
                "is {verbose}; it must be 0 (silent), 1 (progress bar) or 2 (one line per epoch)"
            ),
        });
    }
    Ok(())
}

/// Where Keras's `validation_split` cuts `len` samples: the first
/// `floor(len * (1 - fraction))` train. An error unless `fraction` lies
/// strictly between 0 and 1 and leaves a sample on each side.
pub(crate) fn split_point(fraction: f64, len: usize) -> Result<usize> {
    if !(fraction > 0.0 && fraction < 1.0) {
        return Err(Error::InvalidArgument {
            name: "validation_split",
            message: format!("is {fraction}; it must lie strictly between 0 and 1"),
        });
    }
    let at = (len as f64 * (1.0 - fraction)).floor() as usize;
    if at == 0 || at == len {
        return Err(Error::InvalidArgument {
            name: "validation_split",
            message: format!(
                "{fraction} of {len} samples leaves {at} for training and {} for \
                 validation; each needs at least one sample",
                len - at
            ),
        });
    }
    Ok(at)
}
