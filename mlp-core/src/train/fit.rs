//! [`Fit`]: the options of `fit`, with Keras's defaults.

use super::callbacks::Callback;
use super::data::{Columns, InputData, TargetData};
use super::losses::Losses;
use crate::model::Model;
use core::fmt;
use core::marker::PhantomData;

/// Where validation data comes from.
pub(crate) enum Validation<'a> {
    /// No validation.
    None,
    /// Separate data (Keras's `validation_data=(x, y[, sample_weight])`).
    Data(Columns<'a>),
    /// The last fraction of the training data (Keras's `validation_split`).
    Split(f64),
}

/// Options of [`Trainer::fit`](super::Trainer::fit), built from Keras's
/// defaults: 1 epoch, batches of 32, shuffled every epoch, no validation, no
/// weights, progress bar on (`verbose` 1).
///
/// `M` is the model (callbacks see it) and `L` its losses (which type the
/// validation targets); both are inferred from the `fit` call. A chain and a
/// graph take the same options.
///
/// Shuffling is seeded: the order of epoch `e` depends only on
/// [`Fit::seed`] (default 0) and `e`, so the same seed gives the same run, and
/// a run resumed with [`Fit::initial_epoch`] visits the samples in the same
/// order as one uninterrupted run.
///
/// ```
/// use mlp_core::prelude::*;
/// use mlp_core::loss::SparseCategoricalCrossentropy;
/// use mlp_core::metrics::Metric;
/// use mlp_core::optim::Sgd;
/// use mlp_core::train::Fit;
///
/// network! { struct Net { Input[2] -> Dense<4, relu> -> Dense<2, softmax> } }
///
/// let x = [SVector::<f32, 2>::new(0.0, 1.0), SVector::<f32, 2>::new(1.0, 0.0)];
/// let y = [1_u8, 0];
/// let mut model = Net::new(0);
/// let mut trainer = model.compile(SparseCategoricalCrossentropy, Sgd::new(0.1), [Metric::Accuracy]);
/// let options = Fit::epochs(3).batch_size(2).seed(7).verbose(0).validation_data(&x, &y);
/// let history = trainer.fit(&x, &y, options)?;
/// assert_eq!(history.get("val_loss").unwrap().len(), 3);
/// # Ok::<(), mlp_core::Error>(())
/// ```
pub struct Fit<'a, M: Model, L> {
    pub(crate) epochs: usize,
    pub(crate) batch_size: usize,
    pub(crate) shuffle: bool,
    pub(crate) seed: u64,
    pub(crate) validation: Validation<'a>,
    pub(crate) class_weight: Option<Vec<(usize, f32)>>,
    pub(crate) sample_weight: Option<&'a [f32]>,
    pub(crate) initial_epoch: usize,
    pub(crate) verbose: u8,
    pub(crate) callbacks: Vec<Box<dyn Callback<M> + 'a>>,
    pub(crate) threads: Option<usize>,
    losses: PhantomData<fn() -> L>,
}

impl<M: Model, L> Default for Fit<'_, M, L> {
    fn default() -> Self {
        Self {
            epochs: 1,
            batch_size: 32,
            shuffle: true,
            seed: 0,
            validation: Validation::None,
            class_weight: None,
            sample_weight: None,
            initial_epoch: 0,
            verbose: 1,
            callbacks: Vec::new(),
            threads: None,
            losses: PhantomData,
        }
    }
}

impl<'a, M: Model, L: Losses> Fit<'a, M, L> {
    /// Keras's defaults (one epoch).
    pub fn new() -> Self {
        Self::default()
    }

    /// Keras's defaults with `epochs` epochs.
    pub fn epochs(epochs: usize) -> Self {
        Self::default().with_epochs(epochs)
    }

    /// Sets the number of epochs. As in Keras, it is the index of the last
    /// epoch, not a count: training runs epochs `initial_epoch..epochs`
    /// (none if `epochs <= initial_epoch`, which is not an error).
    pub fn with_epochs(mut self, epochs: usize) -> Self {
        self.epochs = epochs;
        self
    }

    setters! {
        /// Samples per gradient step (default 32; the last batch of an epoch
        /// may be smaller). Also the batch size of validation.
        batch_size: usize,
        /// Shuffles the training samples before each epoch (default `true`).
        shuffle: bool,
        /// The seed of the shuffling (default 0): epoch `e`'s order is a function
        /// of `(seed, e)` only.
        seed: u64,
    }

    /// Validation data evaluated at the end of each epoch (`val_loss` and
    /// `val_<metric>` in the history; for several outputs
    /// `val_<output>_loss`, ... too): as `fit`'s, one slice per input and
    /// one target slice per output. Takes precedence over
    /// [`Fit::validation_split`], as in Keras.
    pub fn validation_data(
        mut self,
        x: impl InputData<'a, M::InputSamples>,
        y: impl TargetData<'a, L, M::OutputSamples>,
    ) -> Self {
        self.validation = Validation::Data(Columns {
            x: x.columns(),
            y: y.columns(),
            sample_weight: None,
        });
        self
    }

    /// Validation data with a weight per validation sample.
    pub fn validation_data_weighted(
        mut self,
        x: impl InputData<'a, M::InputSamples>,
        y: impl TargetData<'a, L, M::OutputSamples>,
        sample_weight: &'a [f32],
    ) -> Self {
        self.validation = Validation::Data(Columns {
            x: x.columns(),
            y: y.columns(),
            sample_weight: Some(sample_weight),
        });
        self
    }

    /// Holds out the LAST `fraction` of the data (and of the sample weights),
    /// taken before shuffling, as Keras: the first
    /// `floor(len * (1 - fraction))` samples train. Must lie in `(0, 1)` and
    /// leave at least one sample on each side. Ignored if
    /// [`Fit::validation_data`] is given.
    pub fn validation_split(mut self, fraction: f64) -> Self {
        if !matches!(self.validation, Validation::Data(_)) {
            self.validation = Validation::Split(fraction);
        }
        self
    }

    /// Weights of the training loss per class: `(class index, weight)`.
    /// Classes not listed weigh 1 (Keras 3). A class that does not exist
    /// (at least the output's width) is an error, and so is a model with
    /// several outputs (as in Keras 3: weigh samples instead). Only for class targets (class indices,
    /// or one-hot vectors, whose class is their argmax, as Keras); multiplied
    /// with [`Fit::sample_weight`] when both are given. Not applied to
    /// validation data.
    pub fn class_weight(mut self, weights: impl IntoIterator<Item = (usize, f32)>) -> Self {
        self.class_weight = Some(weights.into_iter().collect());
        self
    }

    setters! {
        /// A weight per training sample (finite, `>= 0`), for every output's
        /// loss and metrics.
        sample_weight: &'a [f32] => Some,
        /// The epoch to start at (default 0), to resume a run: see
        /// [`Fit::with_epochs`].
        initial_epoch: usize,
        /// 0: silent; 1 (default): a progress bar per epoch (one line per epoch
        /// when stdout is not a terminal); 2: one line per epoch.
        verbose: u8,
        /// Threads that share each product of training and validation, the
        /// calling thread included (default: `MLP_NUM_THREADS`, else every core
        /// the process may use). The results are bit for bit the same on any
        /// number of threads. `fit` returns [`Error::InvalidArgument`](crate::Error::InvalidArgument)
        /// for 0 or more than [`MAX_THREADS`](crate::train::MAX_THREADS).
        ///
        /// ```
        /// use mlp_core::prelude::*;
        /// use mlp_core::loss::MeanSquaredError;
        /// use mlp_core::optim::Sgd;
        ///
        /// network! { struct Net { Input[1] -> Dense<1> } }
        ///
        /// let x = [SVector::<f32, 1>::new(1.0)];
        /// let y = [SVector::<f32, 1>::new(2.0)];
        /// let mut model = Net::new(0);
        /// let mut trainer = model.compile(MeanSquaredError, Sgd::new(0.1), []);
        /// trainer.fit(&x, &y, Fit::epochs(2).verbose(0).threads(1))?;
        /// assert!(trainer.fit(&x, &y, Fit::epochs(1).verbose(0).threads(0)).is_err());
        /// # Ok::<(), mlp_core::Error>(())
        /// ```
        threads: usize => Some,
    }

    /// Adds a callback (anything implementing [`Callback`], including a
    /// `Box<dyn Callback<M>>` or a `&mut` to a callback you keep).
    pub fn callback(mut self, callback: impl Callback<M> + 'a) -> Self {
        self.callbacks.push(Box::new(callback));
        self
    }

    /// Adds callbacks, called in order.
    ///
    /// ```
    /// use mlp_core::prelude::*;
    /// use mlp_core::loss::SparseCategoricalCrossentropy;
    /// use mlp_core::train::{EarlyStopping, Fit, TerminateOnNaN};
    ///
    /// network! { struct Net { Input[2] -> Dense<2, softmax> } }
    ///
    /// let options: Fit<'_, Net, SparseCategoricalCrossentropy> = Fit::epochs(5)
    ///     .callbacks(vec![Box::new(EarlyStopping::new()), Box::new(TerminateOnNaN)]);
    /// assert!(format!("{options:?}").contains("callbacks: 2"));
    /// # Ok::<(), mlp_core::Error>(())
    /// ```
    pub fn callbacks(mut self, callbacks: Vec<Box<dyn Callback<M> + 'a>>) -> Self {
        self.callbacks.extend(callbacks);
        self
    }
}

impl<M: Model, L> fmt::Debug for Fit<'_, M, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let validation = match &self.validation {
            Validation::None => "none".to_string(),
            Validation::Data(data) => format!("{} samples", data.len()),
            Validation::Split(s) => format!("split {s}"),
        };
        f.debug_struct("Fit")
            .field("epochs", &self.epochs)
            .field("batch_size", &self.batch_size)
            .field("shuffle", &self.shuffle)
            .field("seed", &self.seed)
            .field("validation", &validation)
            .field("class_weight", &self.class_weight)
            .field("sample_weight", &self.sample_weight.map(<[f32]>::len))
            .field("initial_epoch", &self.initial_epoch)
            .field("verbose", &self.verbose)
            .field("callbacks", &self.callbacks.len())
            .field("threads", &self.threads)
            .finish()
    }
}
