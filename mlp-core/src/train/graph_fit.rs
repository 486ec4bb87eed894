//! [`GraphFit`]: the options of a graph's `fit`, with Keras's defaults.

use super::callbacks::Callback;
use super::graph_data::{GraphData, Rows, Targets};
use std::boxed::Box;
use std::vec::Vec;

/// Options of [`GraphTrainer::fit`](super::GraphTrainer::fit), built from
/// Keras's defaults: 1 epoch, batches of 32, shuffled every epoch (seeded,
/// as a chain's [`Fit`](super::Fit)), no validation, progress bar on, no
/// callbacks. `G` is the graph (callbacks see it) and `L` the loss (the
/// validation targets are its); both are inferred from the `fit` call.
///
/// ```
/// use mlp_core::loss::MeanSquaredError;
/// use mlp_core::prelude::*;
/// use mlp_core::train::GraphFit;
///
/// let x = vec![SVector::<f32, 2>::zeros(); 3];
/// let y = vec![1.0_f32; 3];
/// network! {
///     struct Net {
///         x = Input[2];
///         output y = Dense<1>(x);
///     }
/// }
///
/// let options: GraphFit<'_, Net, MeanSquaredError> = GraphFit::epochs(20)
///     .batch_size(16)
///     .seed(1)
///     .validation_data(&x, &y)
///     .callback(mlp_core::train::EarlyStopping::new().patience(3));
/// assert_eq!(options.epochs, 20);
/// # Ok::<(), mlp_core::Error>(())
/// ```
pub struct GraphFit<'a, G, L> {
    /// Epochs to run (the index of the last, as Keras).
    pub epochs: usize,
    /// Samples per gradient step (the last batch of an epoch may be smaller).
    pub batch_size: usize,
    /// Whether to shuffle the samples before each epoch.
    pub shuffle: bool,
    /// The seed of the shuffling and of the dropout masks.
    pub seed: u64,
    /// 0: silent; 1: a progress bar; 2: one line per epoch.
    pub verbose: u8,
    /// Threads sharing each product (`None`: `MLP_NUM_THREADS`, else every
    /// core).
    pub threads: Option<usize>,
    pub(crate) validation: Option<(Vec<Rows<'a>>, Vec<Targets<'a, L>>)>,
    pub(crate) validation_split: Option<f64>,
    pub(crate) callbacks: Vec<Box<dyn Callback<G> + 'a>>,
}

impl<G, L> Default for GraphFit<'_, G, L> {
    fn default() -> Self {
        Self {
            epochs: 1,
            batch_size: 32,
            shuffle: true,
            seed: 0,
            verbose: 1,
            threads: None,
            validation: None,
            validation_split: None,
            callbacks: Vec::new(),
        }
    }
}

impl<'a, G, L> GraphFit<'a, G, L> {
    /// Keras's defaults with `epochs` epochs.
    pub fn epochs(epochs: usize) -> Self {
        Self {
            epochs,
            ..Self::default()
        }
    }

    /// Samples per gradient step (default 32).
    pub fn batch_size(mut self, batch_size: usize) -> Self {
        self.batch_size = batch_size;
        self
    }

    /// Shuffles before each epoch (default `true`).
    pub fn shuffle(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }

    /// The seed (default 0): epoch `e`'s order depends on `(seed, e)` only.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// 0, 1 (default) or 2.
    pub fn verbose(mut self, verbose: u8) -> Self {
        self.verbose = verbose;
        self
    }

    /// Threads sharing each product, the calling one included.
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads);
        self
    }

    /// Validation data evaluated after each epoch: one slice per input and
    /// one target slice per output (`val_loss`, `val_<output>_loss`, ... in
    /// the history).
    pub fn validation_data(
        mut self,
        x: impl GraphData<'a, Rows<'a>>,
        y: impl GraphData<'a, Targets<'a, L>>,
    ) -> Self {
        self.validation = Some((x.columns(), y.columns()));
        self
    }

    /// Holds out the LAST `fraction` of every input and target slice, taken
    /// before shuffling, as Keras: the first `floor(len * (1 - fraction))`
    /// samples train. Must lie in `(0, 1)` and leave at least one sample on
    /// each side. Ignored if [`GraphFit::validation_data`] is given.
    pub fn validation_split(mut self, fraction: f64) -> Self {
        self.validation_split = Some(fraction);
        self
    }

    /// Adds a callback (Keras's `callbacks=[...]`): [`EarlyStopping`](super::EarlyStopping),
    /// [`TerminateOnNaN`](super::TerminateOnNaN), [`CsvLogger`](super::CsvLogger),
    /// [`LearningRateScheduler`](super::LearningRateScheduler),
    /// [`ReduceLrOnPlateau`](super::ReduceLrOnPlateau) or your own.
    pub fn callback(mut self, callback: impl Callback<G> + 'a) -> Self {
        self.callbacks.push(Box::new(callback));
        self
    }
}
