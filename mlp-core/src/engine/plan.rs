//! A model's plan: which node reads which, where each node's values and
//! gradient live, and what the passes may do on it. Every plan is built from
//! the model's nodes (`Plan::of`); a chain's is straight (an input, then
//! each layer reading the one before it; a Flatten is its input's values
//! under another name, not a node of the plan). The one forward and
//! backward pass (`forward.rs`, `backward.rs`) run over any plan; what makes
//! a chain fast is a property of its plan, not a second copy of the passes:
//!
//! - every node's values are in a *slot*, columns `col..col + size` of a
//!   buffer whose rows are `ld` values wide; a `Concatenate` owns a buffer
//!   as wide as its output, and the nodes it joins are placed in their
//!   columns of it where they can be, so nothing is copied (a node joined
//!   by two `Concatenate`s, or twice by one, a `Concatenate` joined by
//!   another, a layer other than Dense joined by one, and a Dense layer
//!   joined beside its own input are copied instead; a layer other than
//!   Dense whose input is not packed reads a packed copy of it). On a
//!   straight plan every slot is a packed buffer of its own;
//! - a node's gradient is summed over every node that reads it ([`Sink::Add`]),
//!   except where one layer alone reads a node with a buffer of its own: it
//!   then writes that gradient whole ([`Sink::Whole`]), or, for a Dense
//!   layer that is not an output, its dL/dz through its activation in the
//!   same pass ([`Sink::Dz`]). On a straight plan every gradient is written
//!   so, and no buffer is cleared;
//! - plain SGD is folded into the phase of [`Plan::fold_node`], the first
//!   declared Dense layer (a chain's first layer), which runs last.
//!
//! ```
//! use mlp_core::prelude::*;
//! use mlp_core::__internal::{Phase, Workspace};
//!
//! network! {
//!     struct Wide {
//!         x = Input[3];
//!         hidden = Dense<4, relu>(x);
//!         joined = Concatenate(x, hidden);
//!         output y = Dense<1>(joined);
//!     }
//! }
//!
//! let model = Wide::new(3);
//! let mut ws = Workspace::with_threads::<Wide>(2, 1);
//! let samples = [[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]];
//! ws.load_graph_input(0, 2, &|r, row| row.copy_from_slice(&samples[r]))?;
//! ws.forward_model(model.params(), 2, Phase::Inference);
//! let y = model.predict_one(&WideInputs { x: SVector::from(samples[1]) });
//! assert!((ws.graph_output(0, 2).nth(1).unwrap()[0] - y.y[0]).abs() < 1e-6);
//! # Ok::<(), mlp_core::Error>(())
//! ```

use super::stage::Stage;
use crate::layer::DenseShape;
use crate::model::{Model, NodeKind};
use std::vec;
use std::vec::Vec;

/// Where a node's values (and their gradient) are: columns
/// `col..col + size` of rows `ld` values wide, in buffer `buf`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Slot {
    pub(super) buf: usize,
    pub(super) col: usize,
    pub(super) ld: usize,
}

impl Slot {
    /// The offset of row `r`'s first value.
    pub(super) fn at(self, r: usize) -> usize {
        r * self.ld + self.col
    }
}

/// What a node runs.
#[derive(Clone, Debug)]
pub(super) enum Op {
    /// A declared input: loaded, never computed.
    Input,
    /// A Dense layer, stage `stage` of the workspace.
    Dense { stage: usize, layer: DenseShape },
    /// Any other layer, stage `stage`: packed rows in and out.
    Other { stage: usize },
    /// `Concatenate`: the sources it copies, each at its column (the others
    /// already write their columns).
    Concatenate { copies: Vec<(usize, usize)> },
    /// `Add` (`mean` false) or `Average` (`mean` true).
    Sum { mean: bool },
}

/// Where a layer (Dense or other) writes the gradient of its source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Sink {
    /// Its source needs no gradient (an input).
    None,
    /// It alone reads a Dense layer that is not an output, with a buffer of
    /// its own: it writes that layer's dL/dz (`Plan::dz`) whole, through
    /// the activation, in its own pass.
    Dz,
    /// It alone reads a node with a buffer of its own: it writes that
    /// node's gradient whole (nothing to clear first).
    Whole,
    /// Added to the source's gradient (cleared before the pass), which
    /// other nodes add to as well.
    Add,
}

/// One node.
#[derive(Clone, Debug)]
pub(super) struct Node {
    pub(super) op: Op,
    pub(super) sources: Vec<usize>,
    pub(super) size: usize,
    pub(super) slot: Slot,
    /// How many nodes read it.
    pub(super) readers: usize,
    /// Whether its gradient is needed (it is not an input, or it is read by
    /// a node whose gradient is; inputs' gradients are never needed).
    pub(super) needs_grad: bool,
    /// A layer's: where it writes its source's gradient.
    pub(super) sink: Sink,
    /// A Dense layer's: its dL/dz is written whole by its one reader
    /// ([`Sink::Dz`]), so its own phase starts from it as it is.
    pub(super) direct: bool,
}

impl Node {
    /// A Dense layer's stage and shape.
    pub(super) fn dense(&self) -> Option<(usize, DenseShape)> {
        match self.op {
            Op::Dense { stage, layer } => Some((stage, layer)),
            _ => None,
        }
    }
}

/// A model's wiring and the buffers of its nodes.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(super) nodes: Vec<Node>,
    /// Values, one buffer per slot owner (`capacity` rows each).
    pub(super) values: Vec<Vec<f32>>,
    /// Each buffer's row width.
    pub(super) widths: Vec<usize>,
    /// Gradients, laid out as `values` (empty where no gradient is kept:
    /// inputs, and Dense layers whose reader writes their dL/dz).
    pub(super) grads: Vec<Vec<f32>>,
    /// Which gradient buffers are added to, so cleared before a pass.
    pub(super) clear: Vec<bool>,
    /// Per node: a Dense layer's dL/dz (packed), which the loss writes for
    /// an output; another layer's packed input (when its source is not
    /// packed) and its dL/d(input) (where it is added to its source's
    /// gradient). Empty where unused.
    pub(super) dz: Vec<Vec<f32>>,
    pub(super) packed_input: Vec<Vec<f32>>,
    pub(super) dx: Vec<Vec<f32>>,
    /// The node of each declared input and output.
    pub(super) inputs: Vec<usize>,
    pub(super) outputs: Vec<usize>,
    /// Whether each output's dz was written by the loss for this batch.
    pub(super) seeded: Vec<bool>,
    /// The node plain SGD may be folded into (see [`fold_node`]).
    pub(super) fold_node: Option<usize>,
}

impl Plan {
    /// The wiring of model `M`, chain or graph, from its nodes, with buffers
    /// for `capacity` rows: `layer_stages` holds each layer's stage, in
    /// `M::LAYERS`' order, and `None` for a layer that only renames its
    /// input's values (a Flatten), whose node is its source's values under
    /// another name. A chain's nodes make a straight plan.
    pub(super) fn of<M: Model>(layer_stages: &[Option<Stage>], capacity: usize) -> Self {
        let infos = M::NODES;
        let index = |name: &str| {
            infos
                .iter()
                .position(|n| n.name == name)
                .expect("the macro checks every source")
        };
        // Each layer's stage index, and each node's index in the plan.
        let stage_index: Vec<Option<usize>> = layer_stages
            .iter()
            .scan(0, |next, s| {
                Some(s.map(|_| {
                    *next += 1;
                    *next - 1
                }))
            })
            .collect();
        let mut plan_node = Vec::with_capacity(infos.len());
        let (mut ops, mut sources, mut sizes) = (Vec::new(), Vec::new(), Vec::new());
        for n in infos {
            let from: Vec<usize> = n.inputs.iter().map(|s| plan_node[index(s)]).collect();
            let op = match n.kind {
                NodeKind::Input => Op::Input,
                NodeKind::Layer(l) => match (layer_stages[l], stage_index[l]) {
                    (Some(Stage::Dense(layer)), Some(stage)) => Op::Dense { stage, layer },
                    (Some(_), Some(stage)) => Op::Other { stage },
                    _ => {
                        plan_node.push(from[0]);
                        continue;
                    }
                },
                NodeKind::Concatenate => Op::Concatenate { copies: Vec::new() },
                NodeKind::Add => Op::Sum { mean: false },
                NodeKind::Average => Op::Sum { mean: true },
            };
            plan_node.push(ops.len());
            ops.push(op);
            sources.push(from);
            sizes.push(n.size);
        }
        let port = |p: &crate::model::PortInfo| plan_node[index(p.node)];
        let inputs = M::INPUTS.iter().map(port).collect();
        let outputs = M::OUTPUTS.iter().map(port).collect();
        Self::build(ops, sources, &sizes, inputs, outputs, capacity)
    }

    /// The plan of nodes `ops` reading `sources`, of `sizes` values each.
    fn build(
        ops: Vec<Op>,
        sources: Vec<Vec<usize>>,
        sizes: &[usize],
        inputs: Vec<usize>,
        outputs: Vec<usize>,
        capacity: usize,
    ) -> Self {
        let count = ops.len();
        let mut readers = vec![0; count];
        for s in sources.iter().flatten() {
            readers[*s] += 1;
        }
        // Place the joined nodes in their Concatenate's columns.
        let mut slots: Vec<Option<Slot>> = vec![None; count];
        let mut widths: Vec<usize> = Vec::new();
        let mut copies: Vec<Vec<(usize, usize)>> = vec![Vec::new(); count];
        // The Concatenate that owns each of these buffers.
        let mut owner: Vec<usize> = Vec::new();
        for c in 0..count {
            if !matches!(ops[c], Op::Concatenate { .. }) {
                continue;
            }
            let buf = widths.len();
            widths.push(sizes[c]);
            owner.push(c);
            slots[c] = Some(Slot {
                buf,
                col: 0,
                ld: sizes[c],
            });
            let mut col = 0;
            for &s in &sources[c] {
                let placeable = matches!(ops[s], Op::Input | Op::Dense { .. } | Op::Sum { .. });
                // A Dense layer must not write the buffer it reads.
                let reads_here = |s: usize| {
                    matches!(ops[s], Op::Dense { .. })
                        && slots[sources[s][0]].is_some_and(|x| x.buf == buf)
                };
                if placeable && slots[s].is_none() && !reads_here(s) {
                    slots[s] = Some(Slot {
                        buf,
                        col,
                        ld: sizes[c],
                    });
                } else {
                    copies[c].push((s, col));
                }
                col += sizes[s];
            }
        }
        // A Dense layer placed beside its own input (placed later): copy it
        // instead, so that it never writes the buffer it reads.
        for i in 0..count {
            if let (Op::Dense { .. }, Some(slot)) = (&ops[i], slots[i])
                && slots[sources[i][0]].is_some_and(|x| x.buf == slot.buf)
            {
                slots[i] = None;
                copies[owner[slot.buf]].push((i, slot.col));
            }
        }
        // Every other node has a buffer of its own.
        let slots: Vec<Slot> = slots
            .into_iter()
            .zip(sizes)
            .map(|(slot, &size)| {
                slot.unwrap_or_else(|| {
                    widths.push(size);
                    Slot {
                        buf: widths.len() - 1,
                        col: 0,
                        ld: size,
                    }
                })
            })
            .collect();
        // A layer needs its gradient (for its parameters, or its input's);
        // a merge only where one of its sources does (a merge of inputs
        // does not: nothing reads its gradient).
        let mut needs_grad: Vec<bool> = Vec::with_capacity(count);
        for (op, sources) in ops.iter().zip(&sources) {
            needs_grad.push(match op {
                Op::Input => false,
                Op::Dense { .. } | Op::Other { .. } => true,
                Op::Concatenate { .. } | Op::Sum { .. } => sources.iter().any(|&s| needs_grad[s]),
            });
        }
        // Where each layer writes its source's gradient.
        let alone = |s: usize| slots.iter().filter(|x| x.buf == slots[s].buf).count() == 1;
        let sinks: Vec<Sink> = (0..count)
            .map(|i| {
                if !matches!(ops[i], Op::Dense { .. } | Op::Other { .. }) {
                    return Sink::None;
                }
                let s = sources[i][0];
                if !needs_grad[s] {
                    Sink::None
                } else if readers[s] > 1 || !alone(s) {
                    Sink::Add
                } else if matches!(ops[s], Op::Dense { .. }) && !outputs.contains(&s) {
                    Sink::Dz
                } else {
                    Sink::Whole
                }
            })
            .collect();
        let mut direct = vec![false; count];
        let mut added = vec![false; count];
        for i in 0..count {
            let layer = matches!(ops[i], Op::Dense { .. } | Op::Other { .. });
            for &s in &sources[i] {
                if sinks[i] == Sink::Dz {
                    direct[s] = true;
                } else if needs_grad[s] && (!layer || sinks[i] == Sink::Add) {
                    // A merge adds to each of its sources' gradients.
                    added[s] = true;
                }
            }
        }
        // A gradient buffer is kept where a node reads its own gradient
        // there (a layer other than Dense, a Dense layer whose reader does
        // not write its dL/dz, a merge), and cleared where it is added to.
        let mut kept = vec![false; widths.len()];
        let mut clear = vec![false; widths.len()];
        for i in 0..count {
            let b = slots[i].buf;
            if needs_grad[i] && !direct[i] && (readers[i] > 0 || matches!(ops[i], Op::Other { .. }))
            {
                kept[b] = true;
            }
            clear[b] |= added[i];
        }
        let fold_node = fold_node(&ops, &sources, &needs_grad);
        let packed = |i: usize| {
            let s = slots[sources[i][0]];
            s.col == 0 && s.ld == sizes[sources[i][0]]
        };
        let mut dz = Vec::with_capacity(count);
        let mut packed_input = Vec::with_capacity(count);
        let mut dx = Vec::with_capacity(count);
        for (i, op) in ops.iter().enumerate() {
            let (a, b, c) = match op {
                Op::Dense { layer, .. } => (capacity * layer.units, 0, 0),
                Op::Other { .. } => {
                    let width = sizes[sources[i][0]];
                    let gathered = if packed(i) { 0 } else { capacity * width };
                    let added = if sinks[i] == Sink::Add {
                        capacity * width
                    } else {
                        0
                    };
                    (0, gathered, added)
                }
                _ => (0, 0, 0),
            };
            dz.push(vec![0.0; a]);
            packed_input.push(vec![0.0; b]);
            dx.push(vec![0.0; c]);
        }
        let nodes: Vec<Node> = ops
            .into_iter()
            .enumerate()
            .map(|(i, op)| Node {
                op: match op {
                    Op::Concatenate { .. } => Op::Concatenate {
                        copies: core::mem::take(&mut copies[i]),
                    },
                    op => op,
                },
                sources: sources[i].clone(),
                size: sizes[i],
                slot: slots[i],
                readers: readers[i],
                needs_grad: needs_grad[i],
                sink: sinks[i],
                direct: direct[i],
            })
            .collect();
        let buffer = |w: &usize| vec![0.0; capacity * w];
        Self {
            nodes,
            values: widths.iter().map(buffer).collect(),
            grads: widths
                .iter()
                .zip(&kept)
                .map(|(w, &k)| if k { buffer(w) } else { Vec::new() })
                .collect(),
            widths,
            clear,
            dz,
            packed_input,
            dx,
            seeded: vec![false; outputs.len()],
            inputs,
            outputs,
            fold_node,
        }
    }

    /// Whether the plan has one input with a packed buffer of its own, which
    /// [`super::Workspace::load_rows`] fills.
    pub(super) fn one_packed_input(&self) -> bool {
        let [input] = self.inputs[..] else {
            return false;
        };
        let node = &self.nodes[input];
        node.slot.col == 0
            && node.slot.ld == node.size
            && self
                .nodes
                .iter()
                .filter(|n| n.slot.buf == node.slot.buf)
                .count()
                == 1
    }
}

/// The node whose backward phase runs last, if plain SGD may be folded into
/// it: the first declared node with a gradient to compute, a Dense layer
/// whose input needs no gradient. When its phase runs every other gradient
/// is complete and no other phase reads a parameter again (a Dense layer
/// reads its kernel only for its input's gradient, and this one has none to
/// compute), so the step of every parameter can be taken in that phase.
fn fold_node(ops: &[Op], sources: &[Vec<usize>], needs_grad: &[bool]) -> Option<usize> {
    let first = ops
        .iter()
        .zip(needs_grad)
        .position(|(op, &grad)| grad || matches!(op, Op::Dense { .. } | Op::Other { .. }))?;
    (matches!(ops[first], Op::Dense { .. }) && !needs_grad[sources[first][0]]).then_some(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelude::*;

    network! {
        struct WideDeep {
            wide = Input[5];
            deep = Input[6];
            hidden1 = Dense<30, relu>(deep);
            hidden2 = Dense<30, relu>(hidden1);
            concat = Concatenate(wide, hidden2);
            output main_output = Dense<1>(concat);
            output aux_output = Dense<1>(hidden2);
        }
    }

    network! {
        struct Copies {
            x = Input[3];
            h = Dense<4>(x);
            twice = Concatenate(x, h, h);
            inner = Dense<2>(x);
            beside = Concatenate(inner, x);
            output y = Dense<1>(twice);
            output z = Dense<1>(beside);
        }
    }

    network! {
        struct Book {
            Flatten[2, 3] -> Dense<4, relu> -> Dropout<0.5> -> Dense<2, softmax>
        }
    }

    fn plan<M: Model>() -> Plan {
        let stages: Vec<Option<Stage>> = M::LAYERS.iter().map(Stage::of).collect();
        Plan::of::<M>(&stages, 4)
    }

    #[test]
    fn a_chains_nodes_make_a_straight_plan() {
        let plan = plan::<Book>();
        // The Flatten is the input's values: an input, then one node per
        // stage, each reading the one before in a packed buffer of its own.
        let ops: Vec<_> = plan.nodes.iter().map(|n| n.op.clone()).collect();
        assert!(matches!(
            ops[..],
            [
                Op::Input,
                Op::Dense { stage: 0, .. },
                Op::Other { stage: 1 },
                Op::Dense { stage: 2, .. }
            ]
        ));
        let sizes: Vec<usize> = plan.nodes.iter().map(|n| n.size).collect();
        assert_eq!(sizes, [6, 4, 4, 2]);
        for (i, node) in plan.nodes.iter().enumerate() {
            assert_eq!(
                node.slot,
                Slot {
                    buf: i,
                    col: 0,
                    ld: node.size
                }
            );
            assert_eq!(
                node.sources,
                (i > 0).then(|| i - 1).into_iter().collect::<Vec<_>>()
            );
        }
        // Every gradient is written whole: nothing is cleared.
        let sinks: Vec<Sink> = plan.nodes.iter().map(|n| n.sink).collect();
        assert_eq!(sinks, [Sink::None, Sink::None, Sink::Dz, Sink::Whole]);
        assert!(plan.clear.iter().all(|c| !c));
        assert_eq!(
            (plan.inputs.clone(), plan.outputs.clone()),
            (vec![0], vec![3])
        );
        assert_eq!(plan.fold_node, Some(1));
        assert!(plan.one_packed_input());
    }

    fn node(plan: &Plan, infos: &[crate::graph::NodeInfo], name: &str) -> Node {
        plan.nodes[infos.iter().position(|n| n.name == name).unwrap()].clone()
    }

    #[test]
    fn a_concatenates_sources_write_into_its_columns() {
        let plan = plan::<WideDeep>();
        let at = |name| node(&plan, WideDeep::NODES, name);
        let concat = at("concatenate");
        assert!(matches!(&concat.op, Op::Concatenate { copies } if copies.is_empty()));
        let buf = concat.slot.buf;
        assert_eq!(
            at("wide").slot,
            Slot {
                buf,
                col: 0,
                ld: 35
            }
        );
        assert_eq!(
            at("dense_1").slot,
            Slot {
                buf,
                col: 5,
                ld: 35
            }
        );
        // Buffers: the concatenation, the deep input, the first hidden
        // layer, the two outputs.
        assert_eq!(plan.values.len(), 5);
    }

    #[test]
    fn a_node_joined_twice_or_beside_its_input_is_copied() {
        let plan = plan::<Copies>();
        let at = |name| node(&plan, Copies::NODES, name);
        // `twice`: x placed; h reads x, so it keeps a buffer of its own and
        // is copied into columns 3 and 7 (it would otherwise write the
        // buffer it reads).
        let twice = at("concatenate");
        let h = Copies::NODES
            .iter()
            .position(|n| n.name == "dense")
            .unwrap();
        let Op::Concatenate { copies } = &twice.op else {
            panic!()
        };
        assert_eq!(copies, &[(h, 3), (h, 7)]);
        assert_eq!(
            at("x").slot,
            Slot {
                buf: twice.slot.buf,
                col: 0,
                ld: 11
            }
        );
        assert_ne!(at("dense").slot.buf, twice.slot.buf);
        // `beside`: x is taken by `twice`, so it is copied; `inner` reads x
        // from `twice`'s buffer and writes its own columns of `beside`'s.
        let beside = at("concatenate_1");
        let x = Copies::NODES.iter().position(|n| n.name == "x").unwrap();
        assert!(matches!(&beside.op, Op::Concatenate { copies } if copies == &[(x, 2)]));
        assert_eq!(
            at("dense_1").slot,
            Slot {
                buf: beside.slot.buf,
                col: 0,
                ld: 5
            }
        );
    }
}
