//! One step of the batch path per layer (a Flatten has none): the Dense
//! products, which the engine shares among its threads, and the layers that
//! work value by value or feature by feature, which run on the calling
//! thread (their cost is a small fraction of a Dense product's). Each of
//! those implements [`BatchLayer`] in its own file under `layer/`; the
//! engine reaches them through one dispatch, [`each_stage!`].

use crate::layer::{
    ActivationShape, BatchNormShape, DenseShape, DropoutShape, LayerInfo, NormalizationShape,
    PReluShape,
};

/// What a forward pass hands a layer other than Dense: `input` and `out`
/// hold `n` packed rows, `scratch` is the layer's own
/// ([`BatchLayer::scratch_len`] for `capacity` rows); `rng` draws the
/// dropout masks when the mode drops, and `training` says whether this is
/// a training step's pass (BatchNormalization then uses the batch's
/// statistics).
pub struct ForwardPass<'a> {
    /// The network's flat parameters.
    pub params: &'a [f32],
    /// The layer's input rows.
    pub input: &'a [f32],
    /// Its output rows.
    pub out: &'a mut [f32],
    /// Its scratch values.
    pub scratch: &'a mut [f32],
    /// Rows in the batch.
    pub n: usize,
    /// Rows the scratch is sized for.
    pub capacity: usize,
    /// Whether a training step runs the pass.
    pub training: bool,
    /// The dropout masks' stream, when the mode drops.
    pub rng: Option<&'a mut rand_chacha::ChaCha8Rng>,
}

/// What a backward pass hands a layer other than Dense: its input and
/// scratch of the last forward pass, dL/d(output) in `delta`, where its
/// parameters' gradients go (`grads`, laid out as the parameters) and
/// dL/d(input) unless it is the first stage (`dx`); `dropped` says whether
/// the last forward pass drew dropout masks.
pub struct BackwardPass<'a> {
    /// The network's flat parameters.
    pub params: &'a [f32],
    /// The layer's input rows in the forward pass.
    pub input: &'a [f32],
    /// Its scratch values after the forward pass.
    pub scratch: &'a [f32],
    /// dL/d(output).
    pub delta: &'a [f32],
    /// dL/d(input), unless it is the first stage.
    pub dx: Option<&'a mut [f32]>,
    /// The gradients, laid out as the parameters.
    pub grads: &'a mut [f32],
    /// Rows in the batch.
    pub n: usize,
    /// Whether the forward pass drew dropout masks.
    pub dropped: bool,
}

/// A layer kind on the batch path other than Dense, on the calling thread:
/// what the engine's forward and backward passes and a training step call.
pub trait BatchLayer: Copy {
    /// The stage of layer `info`, if it is of this kind (built in the
    /// kind's own file, from its `LayerKind`).
    fn of(info: &LayerInfo) -> Option<Self>;
    /// Scratch values it keeps for batches of `capacity` rows.
    fn scratch_len(&self, _capacity: usize) -> usize {
        0
    }
    /// The forward pass.
    fn batch_forward(&self, pass: ForwardPass<'_>);
    /// The backward pass; returns whether the gradients it wrote are finite.
    fn batch_backward(&self, pass: BackwardPass<'_>) -> bool;
    /// Before a training step's optimizer update, from the parameters before
    /// it (BatchNormalization's next moving statistics).
    fn before_step(&self, _params: &[f32], _scratch: &mut [f32]) {}
    /// After a training step's optimizer update: the weights the optimizer
    /// must not change (Keras's non-trainable weights) written back.
    fn after_step(&self, _params: &mut [f32], _scratch: &[f32]) {}
}

/// The engine's stage kinds other than Dense, written once:
/// `for_each_stage!(path::to::callback!(args))` calls the callback with the
/// list `[Variant(Shape), ...]` and then `args`. The enum [`Stage`],
/// [`Stage::of`] and [`each_stage!`] are written from it; each shape builds
/// itself from its layer ([`BatchLayer::of`], in the kind's file).
macro_rules! for_each_stage {
    ($($callback:ident)::+ ! ($($args:tt)*)) => {
        $($callback)::+! {
            [
                Dropout(DropoutShape),
                BatchNorm(BatchNormShape),
                Activation(ActivationShape),
                PRelu(PReluShape),
                Normalization(NormalizationShape)
            ]
            $($args)*
        }
    };
}

/// Writes [`Stage`] and [`Stage::of`] from the list of [`for_each_stage!`].
macro_rules! stage_enum {
    ([$($variant:ident($shape:ident)),*]) => {
        /// What the engine runs for one layer.
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub enum Stage {
            /// A Dense layer: its products are shared among the threads.
            Dense(DenseShape),
            $(
                #[doc = concat!("A layer whose batch shape is [`", stringify!($shape), "`].")]
                $variant($shape),
            )*
        }

        impl Stage {
            /// The stage of layer `info`; `None` for a Flatten, which the
            /// engine's input buffer already is.
            pub fn of(info: &LayerInfo) -> Option<Self> {
                if let Some(dense) = DenseShape::of(info) {
                    return Some(Self::Dense(dense));
                }
                $(
                    if let Some(layer) = <$shape as BatchLayer>::of(info) {
                        return Some(Self::$variant(layer));
                    }
                )*
                None
            }
        }
    };
}

for_each_stage!(stage_enum!());

/// `each_stage!(stage, layer => expr, dense => expr)`: `expr` with `layer`
/// bound to the [`BatchLayer`] of a stage other than Dense, or the second
/// with `dense` bound to a Dense stage's shape: the engine's one dispatch,
/// written from the list of [`for_each_stage!`].
macro_rules! each_stage {
    ($stage:expr, $layer:ident => $other:expr, $dense:ident => $on_dense:expr) => {
        $crate::engine::stage::for_each_stage!($crate::engine::stage::each_stage_match!((
            $stage, $layer, $other, $dense, $on_dense
        )))
    };
}

/// The `match` of [`each_stage!`].
macro_rules! each_stage_match {
    (
        [$($variant:ident($shape:ident)),*]
        ($stage:expr, $layer:ident, $other:expr, $dense:ident, $on_dense:expr)
    ) => {
        match $stage {
            Stage::Dense($dense) => $on_dense,
            $(Stage::$variant($layer) => $other,)*
        }
    };
}
pub(crate) use {each_stage, each_stage_match, for_each_stage};

impl Stage {
    /// The Dense layer, if it is one.
    pub fn dense(&self) -> Option<DenseShape> {
        match self {
            Self::Dense(d) => Some(*d),
            _ => None,
        }
    }

    /// Scratch values it keeps per batch of `capacity` rows: a Dense
    /// layer's pre-activations, a Dropout's mask, a BatchNormalization's
    /// normalised inputs and batch statistics, a Normalization's copy of
    /// its weights.
    pub fn scratch_len(&self, capacity: usize) -> usize {
        each_stage!(self, layer => layer.scratch_len(capacity), d => capacity * d.units)
    }
}

/// Which behaviour the layers that differ between training and inference
/// take in a forward pass (Keras's learning phase, its `training=` argument).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
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

impl Phase {
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
