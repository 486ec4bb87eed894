//! `model.summary()` in Keras 3's format.
//!
//! ```
//! use mlp_core::prelude::*;
//!
//! network! { pub struct Net { Flatten[2, 2] -> Dense<3, relu> } }
//!
//! let text = Net::new(0).summary().to_string();
//! assert!(text.contains("│ dense (Dense)                   │ (None, 3)              │            15 │"));
//! assert!(text.contains(" Total params: 15 (60.00 B)"));
//! # Ok::<(), core::convert::Infallible>(())
//! ```

use crate::layer::LayerInfo;
use alloc::format;
use alloc::string::String;
use core::fmt;

pub(crate) mod graph;

/// The summary table of a network; `Display` prints it.
#[derive(Clone, Copy, Debug)]
pub struct Summary {
    name: &'static str,
    layers: &'static [LayerInfo],
    params: usize,
    /// The optimizer's variables and their bytes, once compiled.
    optimizer: Option<(usize, usize)>,
    /// A graph's nodes and outputs: Keras's functional table.
    graph: Option<graph::Table>,
}

impl Summary {
    /// The summary of a network named `name` with layer table `layers` and
    /// `params` parameters (what `Network::summary` passes).
    pub const fn new(name: &'static str, layers: &'static [LayerInfo], params: usize) -> Self {
        Self {
            name,
            layers,
            params,
            optimizer: None,
            graph: None,
        }
    }

    /// With the line Keras adds for a compiled model: its optimizer's
    /// variables (`count`, taking `bytes`), counted in the total.
    pub const fn with_optimizer(mut self, count: usize, bytes: usize) -> Self {
        self.optimizer = Some((count, bytes));
        self
    }

    /// With the line Keras adds for a model compiled with an optimizer of
    /// `slots` values per trainable parameter: its step counter (an int64),
    /// its learning rate (a float32) and the slots (float32), as Keras
    /// counts them.
    pub fn with_optimizer_slots(self, slots: usize) -> Self {
        let values = slots * self.trainable_params();
        self.with_optimizer(2 + values, 8 + 4 + 4 * values)
    }

    /// Parameters the optimizer trains.
    pub fn trainable_params(&self) -> usize {
        self.params - self.non_trainable_params()
    }

    /// Parameters it does not (a BatchNormalization's moving statistics,
    /// a Normalization's weights).
    pub fn non_trainable_params(&self) -> usize {
        self.layers
            .iter()
            .map(LayerInfo::non_trainable_params)
            .sum()
    }

    /// The bytes of those, as Keras counts them: 4 per float32, 8 for a
    /// scalar weight (Normalization's `count`, an int64 in Keras).
    fn non_trainable_bytes(&self) -> usize {
        self.layers
            .iter()
            .flat_map(LayerInfo::weights)
            .filter(|w| !w.trainable)
            .map(|w| if w.rank == 0 { 8 } else { 4 * w.len() })
            .sum()
    }
}

const WIDTHS: [usize; 3] = [33, 24, 15];

fn rule(f: &mut fmt::Formatter<'_>, left: char, fill: char, mid: char, right: char) -> fmt::Result {
    rule_of(f, &WIDTHS, [left, fill, mid, right])
}

/// A horizontal rule of a table whose columns are `widths` wide (padding
/// included): `[left, fill, mid, right]`.
fn rule_of(f: &mut fmt::Formatter<'_>, widths: &[usize], chars: [char; 4]) -> fmt::Result {
    let [left, fill, mid, right] = chars;
    let mut line = String::new();
    line.push(left);
    for (i, w) in widths.iter().enumerate() {
        if i > 0 {
            line.push(mid);
        }
        line.extend(core::iter::repeat_n(fill, *w));
    }
    line.push(right);
    writeln!(f, "{line}")
}

/// Splits `text` into lines of at most `width` characters, at spaces where
/// it can (as Keras's table wraps `batch_normalization (BatchNormalization)`).
fn wrap(text: &str, width: usize) -> alloc::vec::Vec<String> {
    let mut lines = alloc::vec::Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let needed = if line.is_empty() {
            0
        } else {
            line.chars().count() + 1
        };
        if !line.is_empty() && needed + word.chars().count() > width {
            lines.push(core::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
        while line.chars().count() > width {
            let head: String = line.chars().take(width).collect();
            let tail: String = line.chars().skip(width).collect();
            lines.push(head);
            line = tail;
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

fn row(f: &mut fmt::Formatter<'_>, bar: char, cells: [&str; 3]) -> fmt::Result {
    row_of(f, &WIDTHS, bar, &cells)
}

/// One line of a table whose columns are `widths` wide (padding included):
/// the third column (Keras's "Param #") right-aligned, the others left.
fn row_of(f: &mut fmt::Formatter<'_>, widths: &[usize], bar: char, cells: &[&str]) -> fmt::Result {
    let mut line = String::new();
    line.push(bar);
    for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
        let w = width - 2;
        if i == 2 {
            line.push_str(&format!(" {cell:>w$} "));
        } else {
            line.push_str(&format!(" {cell:<w$} "));
        }
        line.push(bar);
    }
    writeln!(f, "{line}")
}

/// `266610` -> `266,610`.
pub fn thousands(n: usize) -> String {
    let digits = format!("{n}");
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Keras's `readable_memory_size`: `1.02 MB` for 1,066,440 bytes (powers of 1024).
pub fn readable_bytes(bytes: usize) -> String {
    let units = ["B", "KB", "MB", "GB", "TB"];
    let mut size = bytes as f64;
    let mut unit = 0;
    while size >= 1024.0 && unit + 1 < units.len() {
        size /= 1024.0;
        unit += 1;
    }
    format!("{size:.2} {}", units[unit])
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Model: \"{}\"", mlp_spec::to_snake_case(self.name))?;
        if let Some(table) = &self.graph {
            table.fmt_rows(f, self.layers)?;
        } else {
            self.fmt_rows(f)?;
        }
        self.fmt_totals(f)
    }
}

impl Summary {
    /// The table of a chain: one row per layer.
    fn fmt_rows(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        rule(f, '┏', '━', '┳', '┓')?;
        row(f, '┃', ["Layer (type)", "Output Shape", "Param #"])?;
        rule(f, '┡', '━', '╇', '┩')?;
        for (i, layer) in self.layers.iter().enumerate() {
            if i > 0 {
                rule(f, '├', '─', '┼', '┤')?;
            }
            let name = format!("{} ({})", layer.name, layer.type_name());
            let shape = format!("(None, {})", layer.output_size());
            let params = thousands(layer.params());
            for (j, line) in wrap(&name, WIDTHS[0] - 2).iter().enumerate() {
                if j == 0 {
                    row(f, '│', [line, &shape, &params])?;
                } else {
                    row(f, '│', [line, "", ""])?;
                }
            }
        }
        rule(f, '└', '─', '┴', '┘')
    }

    /// The lines under the table: the parameter counts and their bytes.
    fn fmt_totals(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (trainable, frozen) = (self.trainable_params(), self.non_trainable_params());
        let (optimizer, optimizer_bytes) = self.optimizer.unwrap_or((0, 0));
        let total = self.params + optimizer;
        let frozen_bytes = self.non_trainable_bytes();
        let total_bytes = trainable * 4 + frozen_bytes + optimizer_bytes;
        writeln!(
            f,
            " Total params: {} ({})",
            thousands(total),
            readable_bytes(total_bytes)
        )?;
        writeln!(
            f,
            " Trainable params: {} ({})",
            thousands(trainable),
            readable_bytes(trainable * 4)
        )?;
        writeln!(
            f,
            " Non-trainable params: {} ({})",
            thousands(frozen),
            readable_bytes(frozen_bytes)
        )?;
        if self.optimizer.is_some() {
            writeln!(
                f,
                " Optimizer params: {} ({})",
                thousands(optimizer),
                readable_bytes(optimizer_bytes)
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_keras_prints_them() {
        assert_eq!(thousands(266_610), "266,610");
        assert_eq!(thousands(610), "610");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(readable_bytes(266_610 * 4), "1.02 MB");
        assert_eq!(readable_bytes(0), "0.00 B");
    }
}
