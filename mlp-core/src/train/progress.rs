//! Keras's progress output, drawn with `indicatif`.
//!
//! `verbose` 1 on a terminal: `Epoch 1/30`, then a live bar redrawn at most
//! every 100 ms, ending as
//! `1719/1719 [==============================] - 3s 2ms/step - loss: 0.7218 - accuracy: 0.7660 - val_loss: 0.4973 - val_accuracy: 0.8366`
//! (counted in steps, as Keras 2.4+ and the book's second edition).
//! `verbose` 2, or 1 when stdout is not a terminal: one line per epoch,
//! `1719/1719 - 3s - loss: 0.7218 - accuracy: 0.7660 - 3s/epoch - 2ms/step`.
//! `verbose` 0: nothing. As Keras, `Epoch e/E` headers are printed only when
//! `E > 1`. Without the `progress` feature there is no bar: `verbose` 1
//! prints lines, as 2 does.

use super::Logs;
#[cfg(feature = "progress")]
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// Time between two redraws of the bar: progress never slows training.
const REDRAW_EVERY: Duration = Duration::from_millis(100);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Silent,
    Bar,
    Lines,
}

/// The progress display of one `fit` or `evaluate` call.
#[derive(Debug)]
pub(crate) struct Progress {
    mode: Mode,
    epochs: usize,
    steps: usize,
    bar: Option<ProgressBar>,
    start: Instant,
    last_draw: Instant,
}

impl Progress {
    /// A display for `epochs` epochs (the `E` of `Epoch e/E`) of `steps`
    /// batches each.
    pub(crate) fn new(verbose: u8, steps: usize, epochs: usize) -> Self {
        let mode = match verbose {
            0 => Mode::Silent,
            1 if cfg!(feature = "progress") && std::io::stdout().is_terminal() => Mode::Bar,
            _ => Mode::Lines,
        };
        let now = Instant::now();
        Self {
            mode,
            epochs,
            steps,
            bar: None,
            start: now,
            last_draw: now,
        }
    }

    /// Starts an epoch (0-based `epoch`).
    pub(crate) fn epoch_begin(&mut self, epoch: usize) {
        self.start = Instant::now();
        self.last_draw = self.start;
        if self.mode == Mode::Silent {
            return;
        }
        if self.epochs > 1 {
            println!("Epoch {}/{}", epoch + 1, self.epochs);
        }
        #[cfg(feature = "progress")]
        if self.mode == Mode::Bar {
            let digits = self.steps.max(1).to_string().len();
            let template = format!("{{pos:>{digits}}}/{{len}} [{{bar:30}}] - {{msg}}");
            let style = ProgressStyle::with_template(&template)
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=>.");
            let bar = ProgressBar::with_draw_target(
                Some(self.steps as u64),
                ProgressDrawTarget::stdout(),
            )
            .with_style(style);
            bar.set_message("ETA: ?");
            self.bar = Some(bar);
        }
    }

    /// `done` batches of the epoch are done; `logs` are the running means.
    /// Cheap when nothing is drawn: one clock read.
    #[inline]
    pub(crate) fn update(&mut self, done: usize, logs: &Logs) {
        let Some(bar) = &self.bar else {
            return;
        };
        let now = Instant::now();
        if now.duration_since(self.last_draw) < REDRAW_EVERY {
            return;
        }
        self.last_draw = now;
        let per_step = now.duration_since(self.start).as_secs_f64() / done.max(1) as f64;
        let eta = per_step * self.steps.saturating_sub(done) as f64;
        bar.set_position(done as u64);
        bar.set_message(format!("ETA: {} - {logs}", format_eta(eta)));
    }

    /// Ends the epoch after `done` batches with its final logs.
    pub(crate) fn finish(&mut self, done: usize, logs: &Logs) {
        let elapsed = self.start.elapsed().as_secs_f64();
        let per_step = elapsed / done.max(1) as f64;
        match self.mode {
            Mode::Silent => {}
            Mode::Bar => {
                if let Some(bar) = self.bar.take() {
                    bar.set_position(done as u64);
                    bar.finish_with_message(format!(
                        "{elapsed:.0}s {} - {logs}",
                        format_time(per_step, "step")
                    ));
                }
            }
            Mode::Lines => {
                let digits = self.steps.max(1).to_string().len();
                println!(
                    "{done:>digits$}/{} - {elapsed:.0}s - {logs} - {} - {}",
                    self.steps,
                    format_time(elapsed, "epoch"),
                    format_time(per_step, "step"),
                );
            }
        }
    }

    /// Leaves the bar as it is (training failed).
    pub(crate) fn abandon(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.abandon();
        }
    }
}

/// What stands for indicatif's bar without the `progress` feature: there
/// is never one.
#[cfg(not(feature = "progress"))]
#[derive(Debug)]
struct ProgressBar;

#[cfg(not(feature = "progress"))]
impl ProgressBar {
    fn set_position(&self, _: u64) {}
    fn set_message(&self, _: String) {}
    fn finish_with_message(&self, _: String) {}
    fn abandon(&self) {}
}

/// Keras's `_format_time`: `3s/epoch`, `2ms/step`, `850us/step`.
fn format_time(seconds: f64, unit: &str) -> String {
    if seconds >= 1.0 || seconds == 0.0 {
        format!("{seconds:.0}s/{unit}")
    } else if seconds >= 1e-3 {
        format!("{:.0}ms/{unit}", seconds * 1e3)
    } else {
        format!("{:.0}us/{unit}", seconds * 1e6)
    }
}

/// Keras's ETA: `1:02:03`, `2:03`, `45s`.
fn format_eta(seconds: f64) -> String {
    let s = seconds.max(0.0) as u64;
    if s > 3600 {
        format!("{}:{:02}:{:02}", s / 3600, (s % 3600) / 60, s % 60)
    } else if s > 60 {
        format!("{}:{:02}", s / 60, s % 60)
    } else {
        format!("{s}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_print_as_keras() {
        assert_eq!(format_time(3.2, "epoch"), "3s/epoch");
        assert_eq!(format_time(0.0018, "step"), "2ms/step");
        assert_eq!(format_time(0.00085, "step"), "850us/step");
        assert_eq!(format_eta(3725.0), "1:02:05");
        assert_eq!(format_eta(125.0), "2:05");
        assert_eq!(format_eta(45.4), "45s");
    }
}
