//! Keras's `optimizer.exclude_from_weight_decay(var_list, var_names)`:
//! weights the decoupled weight decay leaves alone, named by layer or by
//! weight.
//!
//! ```
//! use mlp_core::prelude::*;
//! use mlp_core::optim::{Adam, ExcludeFromWeightDecay, Optimizer};
//!
//! network! { struct Net { Input[2] -> Dense<3, relu> -> Dense<1> } }
//!
//! // Adam(weight_decay=0.1), then opt.exclude_from_weight_decay(var_names=["bias"]).
//! let adam = ExcludeFromWeightDecay::new(Adam::new(0.0).weight_decay(0.1), Net::LAYERS, &["bias"]);
//! let mut w = vec![1.0_f32; Net::PARAMS];
//! let mut state = vec![0.0; adam.slots() * w.len()];
//! # let adam = ExcludeFromWeightDecay::new(Adam::new(0.5).weight_decay(0.1), Net::LAYERS, &["bias"]);
//! adam.step(&mut w, &vec![0.0; Net::PARAMS], &mut state, 0);
//! // The kernels decayed (1 - 0.1 * 0.5), the biases did not.
//! assert_eq!(w[0], 0.95);
//! let bias = Net::LAYERS[0].weights().nth(1).unwrap();
//! assert_eq!(w[bias.offset], 1.0);
//! # Ok::<(), core::convert::Infallible>(())
//! ```

use core::ops::Range;

use super::Optimizer;
use crate::layer::{LayerInfo, WeightInfo};

/// The optimizer `O` with its weight decay skipped for the weights named in
/// `names`: a weight is excluded when a name is its layer's name (Keras's
/// `var_list` of that layer's variables) or appears in its weight name
/// (Keras's `var_names`, searched in `variable.name`: `"bias"` excludes every
/// bias). `layers` is the network's layer table (`Net::LAYERS`).
///
/// Each update runs once over all the parameters (not in chunks over the
/// threads), so that the excluded weights are found by their place. An
/// excluded weight is updated as Keras updates it, bit for bit: it is set
/// to 0 for the inner optimizer's step (whose decay then changes nothing,
/// and whose update does not read the weight), and the update is added to
/// its value after. The last state slot holds those values during the step.
#[derive(Clone, Debug)]
pub struct ExcludeFromWeightDecay<O> {
    /// The optimizer with its weight decay.
    pub inner: O,
    /// The network's layer table.
    pub layers: &'static [LayerInfo],
    /// Layer names and weight names left out of the decay.
    pub names: &'static [&'static str],
}

impl<O: Optimizer> ExcludeFromWeightDecay<O> {
    /// `inner` without weight decay on the weights `names` designates.
    pub fn new(inner: O, layers: &'static [LayerInfo], names: &'static [&'static str]) -> Self {
        Self {
            inner,
            layers,
            names,
        }
    }

    /// The places in the flat parameters of the weights `designated` picks.
    fn weights_where<'a>(
        &'a self,
        designated: impl Fn(&str, &LayerInfo, &WeightInfo) -> bool + Copy + 'a,
        names: &'a [&'a str],
    ) -> impl Iterator<Item = Range<usize>> + 'a {
        self.layers.iter().flat_map(move |layer| {
            layer
                .weights()
                .filter(move |w| names.iter().any(|n| designated(n, layer, w)))
                .map(|w| w.offset..w.offset + w.shape().iter().product::<usize>())
        })
    }

    /// The places of the excluded weights, each once.
    fn excluded(&self) -> impl Iterator<Item = Range<usize>> + '_ {
        self.weights_where(designates, self.names)
    }
}

/// Whether `name` designates weight `w` of `layer`: the layer's name, or a
/// part of the weight's name.
fn designates(name: &str, layer: &LayerInfo, w: &WeightInfo) -> bool {
    layer.name == name || w.name.contains(name)
}

impl<O: Optimizer> Optimizer for ExcludeFromWeightDecay<O> {
    wrapper_methods!();

    fn step(&self, params: &mut [f32], grads: &[f32], state: &mut [f32], iteration: u64) {
        let (inner, kept) = state.split_at_mut(self.inner.slots() * params.len());
        for r in self.excluded() {
            if r.end <= params.len() {
                kept[r.clone()].copy_from_slice(&params[r.clone()]);
                params[r].fill(0.0);
            }
        }
        self.inner.step(params, grads, inner, iteration);
        for r in self.excluded() {
            if r.end <= params.len() {
                for (p, w) in params[r.clone()].iter_mut().zip(&kept[r]) {
                    *p += w;
                }
            }
        }
    }

    /// Never: the excluded weights are found by their place in the whole
    /// parameters.
    fn elementwise(&self) -> bool {
        false
    }

    fn learning_rate(&self, iteration: u64) -> f32 {
        self.inner.learning_rate(iteration)
    }

    #[cfg(feature = "alloc")]
    fn validate(&self) -> crate::Result<()> {
        self.inner.validate()?;
        for name in self.names {
            if self.weights_where(designates, &[name]).next().is_none() {
                return Err(crate::Error::InvalidArgument {
                    name: "exclude_from_weight_decay",
                    message: alloc::format!(
                        "{}'s exclude_from_weight_decay names `{name}`, which is no layer and in no weight name",
                        self.inner.name()
                    ),
                });
            }
        }
        Ok(())
    }

    fn finalize(&self, params: &mut [f32], state: &[f32]) {
        self.inner
            .finalize(params, &state[..self.inner.slots() * params.len()]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layer::LayerKind;
    use crate::optim::{Adam, Sgd};

    /// A Dense(2 -> 2) named `dense` and a Dense(2 -> 1) named `head`.
    fn layers() -> &'static [LayerInfo] {
        use crate::initializer::Initializer;
        const fn dense(
            name: &'static str,
            inputs: usize,
            units: usize,
            offset: usize,
        ) -> LayerInfo {
            LayerInfo {
                name,
                kind: LayerKind::Dense {
                    inputs,
                    units,
                    activation: crate::activation::ActivationKind::Linear,
                    kernel_initializer: Initializer::Zeros,
                    bias_initializer: Initializer::Zeros,
                    options: crate::layer::DenseOptions::NONE,
                },
                offset,
            }
        }
        const LAYERS: [LayerInfo; 2] = [dense("dense", 2, 2, 0), dense("head", 2, 1, 6)];
        &LAYERS
    }

    #[test]
    fn excluded_weights_update_as_without_decay_bit_for_bit() {
        let grads = [0.3_f32, -0.2, 0.1, 0.7, -0.4, 0.05, 0.2, -0.1, 0.6];
        let w0 = [0.9_f32, -1.3, 0.4, 2.1, 0.33, -0.7, 1.1, -0.2, 0.5];
        for names in [&["bias"][..], &["head"][..]] {
            let decayed = Adam::new(0.01).weight_decay(0.05);
            let opt = ExcludeFromWeightDecay::new(decayed.clone(), layers(), names);
            let plain = Adam::new(0.01);
            let (mut a, mut b, mut c) = (w0, w0, w0);
            let (mut sa, mut sb, mut sc) = (vec![0.0; 9 * 3], vec![0.0; 9 * 2], vec![0.0; 9 * 2]);
            for t in 0..4 {
                opt.step(&mut a, &grads, &mut sa, t);
                plain.step(&mut b, &grads, &mut sb, t);
                decayed.step(&mut c, &grads, &mut sc, t);
            }
            let excluded: Vec<usize> = opt.excluded().flatten().collect();
            for i in 0..9 {
                let want = if excluded.contains(&i) { b[i] } else { c[i] };
                assert_eq!(a[i].to_bits(), want.to_bits(), "{names:?} [{i}]");
            }
        }
        // "bias" names both biases; a layer's name all its weights.
        let opt = ExcludeFromWeightDecay::new(Sgd::new(0.1), layers(), &["bias"]);
        assert_eq!(opt.excluded().collect::<Vec<_>>(), [4..6, 8..9]);
        let opt = ExcludeFromWeightDecay::new(Sgd::new(0.1), layers(), &["head"]);
        assert_eq!(opt.excluded().collect::<Vec<_>>(), [6..8, 8..9]);
    }

    // keras/src/optimizers/adam_test.py, AdamTest.test_weight_decay: with a
    // zero gradient, Adam(learning_rate=1.0, weight_decay=0.004) leaves a
    // variable of 2.0 excluded by name (var_names) or by layer (var_list) at
    // 2.0 and decays the others (2 - 2 * 0.004 = 1.992 after one step; the
    // test's 1.9760959 after three is in `optim::weight_decay`).
    #[test]
    fn keras_adam_test_weight_decay() {
        for names in [&["bias"][..], &["head"][..]] {
            let opt =
                ExcludeFromWeightDecay::new(Adam::new(1.0).weight_decay(0.004), layers(), names);
            let mut w = [2.0_f32; 9];
            let mut state = vec![0.0; opt.slots() * 9];
            opt.step(&mut w, &[0.0; 9], &mut state, 0);
            let excluded: Vec<usize> = opt.excluded().flatten().collect();
            for (i, w) in w.iter().enumerate() {
                let want = if excluded.contains(&i) { 2.0 } else { 1.992 };
                assert!((w - want).abs() < 1e-6, "{names:?} [{i}] = {w}");
            }
        }
    }

    #[test]
    fn unknown_names_are_errors() {
        let opt =
            ExcludeFromWeightDecay::new(Sgd::new(0.1).weight_decay(0.1), layers(), &["gamma"]);
        let e = opt.validate().unwrap_err();
        assert!(e.to_string().contains("`gamma`, which is no layer"), "{e}");
        assert!(!opt.elementwise());
    }
}
