//! One step of the batch path per layer (a Flatten has none): the Dense
//! products, which the engine shares among its threads, and the layers that
//! work value by value or feature by feature, which run on the calling
//! thread (their cost is a small fraction of a Dense product's).

use crate::layer::{
    BatchNormShape, DenseShape, DropoutShape, Elementwise, LayerInfo, LayerKind, PReluShape,
};

/// What the engine runs for one layer.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Stage {
    /// A Dense layer: its products are shared among the threads.
    Dense(DenseShape),
    /// Dropout: a mask in training, the identity otherwise.
    Dropout(DropoutShape),
    /// BatchNormalization.
    BatchNorm(BatchNormShape),
    /// ReLU, LeakyReLU or ELU as a layer.
    Activation {
        /// Values per sample.
        units: usize,
        /// The function.
        function: Elementwise,
    },
    /// PReLU.
    PRelu(PReluShape),
}

impl Stage {
    /// The stage of layer `info`; `None` for a Flatten, which the engine's
    /// input buffer already is.
    pub fn of(info: &LayerInfo) -> Option<Self> {
        Some(match info.kind {
            LayerKind::Flatten { .. } => return None,
            LayerKind::Dense { .. } => Self::Dense(DenseShape::of(info)?),
            LayerKind::Dropout { units, rate } => Self::Dropout(DropoutShape { units, rate }),
            LayerKind::BatchNormalization {
                units,
                momentum,
                epsilon,
            } => Self::BatchNorm(BatchNormShape {
                offset: info.offset,
                units,
                momentum,
                epsilon,
            }),
            LayerKind::Activation { units, function } => Self::Activation { units, function },
            LayerKind::PReLU { units, .. } => Self::PRelu(PReluShape {
                offset: info.offset,
                units,
            }),
        })
    }

    /// Values per sample after it.
    pub fn units(&self) -> usize {
        match self {
            Self::Dense(d) => d.units,
            Self::Dropout(d) => d.units,
            Self::BatchNorm(b) => b.units,
            Self::Activation { units, .. } => *units,
            Self::PRelu(p) => p.units,
        }
    }

    /// Values per sample before it.
    pub fn inputs(&self) -> usize {
        match self {
            Self::Dense(d) => d.inputs,
            _ => self.units(),
        }
    }

    /// The Dense layer, if it is one.
    pub fn dense(&self) -> Option<DenseShape> {
        match self {
            Self::Dense(d) => Some(*d),
            _ => None,
        }
    }

    /// Scratch values it keeps per batch of `capacity` rows: a Dense
    /// layer's pre-activations, a Dropout's mask, a BatchNormalization's
    /// normalised inputs and batch statistics.
    pub fn scratch_len(&self, capacity: usize) -> usize {
        match self {
            Self::Dense(d) => capacity * d.units,
            Self::Dropout(d) => capacity * d.units,
            Self::BatchNorm(b) => capacity * b.units + b.stats_len(),
            Self::Activation { .. } | Self::PRelu(_) => 0,
        }
    }
}

/// Which behaviour the layers that differ between training and inference
/// take in a forward pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `predict` and `evaluate`: Dropout is the identity, BatchNormalization
    /// uses its moving statistics.
    Inference,
    /// A training step: Dropout drops from the stream of `(seed, step)`,
    /// BatchNormalization uses (and records) the batch's statistics.
    Training {
        /// The run's seed.
        seed: u64,
        /// The optimizer's step number.
        step: u64,
    },
    /// MC Dropout's sampling passes: Dropout drops from the stream of
    /// `(seed, pass)`, BatchNormalization uses its moving statistics.
    Sampling {
        /// The seed.
        seed: u64,
        /// The pass number.
        pass: u64,
    },
}

impl Mode {
    /// The random stream of the dropout masks, if this mode drops.
    pub fn dropout_rng(self) -> Option<rand_chacha::ChaCha8Rng> {
        use rand::SeedableRng;
        let (seed, stream) = match self {
            Self::Inference => return None,
            Self::Training { seed, step } => (seed, step),
            // A stream apart from the training steps'.
            Self::Sampling { seed, pass } => (seed ^ 0x6d63_5f64_726f_706f, pass),
        };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(stream);
        Some(rng)
    }
}
