//! Checks of the data given to `fit` and `evaluate`, before any work: every
//! problem is an `Err` naming the thing, the sample and both sizes.

use super::data::{Columns, Rows};
use super::losses::Losses;
use crate::loss::TargetRef;
use crate::model::{Form, Model, PortInfo};
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

/// One slice per input and one per output of `M`, all of one length
/// (returned), each of the declared width, finite, with targets that fit
/// their losses. A chain's errors name `x` and `y`; a graph's name the
/// input or output too.
pub(crate) fn check_columns<M: Model, L: Losses>(
    x_name: &str,
    y_name: &str,
    data: &Columns<'_>,
    losses: &L,
) -> Result<usize> {
    let n = check_input_columns::<M>(x_name, &data.x)?;
    if data.y.len() != M::OUTPUTS.len() {
        return Err(Error::Length {
            what: format!(
                "{y_name}: target slices (one per output of {}: {})",
                M::NAME,
                names(M::OUTPUTS)
            ),
            expected: M::OUTPUTS.len(),
            found: data.y.len(),
        });
    }
    let sequential = M::FORM == Form::Sequential;
    for (k, (port, targets)) in M::OUTPUTS.iter().zip(&data.y).enumerate() {
        let name = if sequential {
            check_lengths(x_name, n, y_name, targets.len())?;
            y_name.to_string()
        } else {
            if targets.len() != n {
                return Err(Error::Length {
                    what: format!(
                        "{y_name} for output `{}` (one target per sample of {x_name}, which has \
                         {n} samples)",
                        port.name
                    ),
                    expected: n,
                    found: targets.len(),
                });
            }
            format!("{y_name} for output `{}`", port.name)
        };
        for i in 0..n {
            check_target(
                &name,
                i,
                targets.target(i),
                port.size,
                (losses, k),
                targets.signed,
            )?;
        }
    }
    Ok(n)
}

/// One slice per input of `M`, of one length (returned, at least 1), each
/// of the declared width and finite.
pub(crate) fn check_input_columns<M: Model>(x_name: &str, x: &[Rows<'_>]) -> Result<usize> {
    if x.len() != M::INPUTS.len() {
        return Err(Error::Length {
            what: format!(
                "{x_name}: input slices (one per input of {}: {})",
                M::NAME,
                names(M::INPUTS)
            ),
            expected: M::INPUTS.len(),
            found: x.len(),
        });
    }
    let n = samples_per_input::<M>(x_name, x)?;
    if n == 0 {
        return Err(Error::InvalidArgument {
            name: "x",
            message: format!("{x_name} is empty: at least one sample is needed"),
        });
    }
    let sequential = M::FORM == Form::Sequential;
    for (port, rows) in M::INPUTS.iter().zip(x) {
        if rows.width() != port.size {
            return Err(Error::Length {
                what: format!("{x_name}: values per sample of input `{}`", port.name),
                expected: port.size,
                found: rows.width(),
            });
        }
        let mut row = vec![0.0; port.size];
        for i in (0..n).filter(|&i| !rows.is_finite(i)) {
            rows.write_row(i, &mut row);
            if let Some((j, &v)) = row.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                let (what, position) = if sequential {
                    let position =
                        format!("sample {i} (value {j} of {} in row-major order)", port.size);
                    (x_name.to_string(), position)
                } else {
                    let what = format!("{x_name}: input `{}`", port.name);
                    (what, format!("sample {i}, value {j}"))
                };
                return Err(Error::NonFinite {
                    what,
                    position,
                    value: v,
                });
            }
        }
    }
    Ok(n)
}

/// The number of samples of `x` (one [`Rows`] per input of `M`): an error
/// naming both inputs if one holds more or fewer than the first.
pub(crate) fn samples_per_input<M: Model>(x_name: &str, x: &[Rows<'_>]) -> Result<usize> {
    let n = x.first().map_or(0, Rows::len);
    for (port, rows) in M::INPUTS.iter().zip(x) {
        if rows.len() != n {
            return Err(Error::Length {
                what: format!(
                    "{x_name}: samples of input `{}` (as many as input `{}`)",
                    port.name,
                    M::INPUTS[0].name
                ),
                expected: n,
                found: rows.len(),
            });
        }
    }
    Ok(n)
}

/// `a, b, c`.
fn names(ports: &[PortInfo]) -> String {
    ports.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
}

/// Target `i` (named `name[i]`) fits an output of `outputs` values and the
/// loss `k` of `losses`: a class below `outputs` (unless ignored), or
/// `outputs` finite values.
pub(crate) fn check_target<L: Losses>(
    name: &str,
    i: usize,
    t: TargetRef<'_>,
    outputs: usize,
    (losses, k): (&L, usize),
    signed: bool,
) -> Result<()> {
    match t {
        TargetRef::Class(c) if c >= outputs && !losses.ignored(k, TargetRef::Class(c)) => {
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
pub(crate) fn check_hyperparameters<L: Losses>(
    losses: &L,
    k: usize,
    optimizer: Option<&dyn crate::optim::Optimizer>,
    metrics: &[crate::metrics::Metric],
) -> Result<()> {
    losses.validate(k)?;
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
