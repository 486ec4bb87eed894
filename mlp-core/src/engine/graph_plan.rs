//! A graph's wiring: which node reads which, and where each node's values
//! live. Every node's values are in a *slot*, columns `col..col + size` of
//! a buffer whose rows are `ld` values wide; a `Concatenate` owns a buffer
//! as wide as its output, and the nodes it joins are placed in their
//! columns of it where they can be (see [`super::graph`] for the passes
//! that run over this plan, and for when a value is copied instead).

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
}

/// A graph's wiring and the buffers of its nodes.
#[derive(Debug)]
pub(crate) struct GraphPlan {
    pub(super) nodes: Vec<Node>,
    /// Values, one buffer per slot owner (`capacity` rows each).
    pub(super) values: Vec<Vec<f32>>,
    /// Gradients, laid out as `values`.
    pub(super) grads: Vec<Vec<f32>>,
    /// Per node: a Dense layer's dL/dz (packed), which the loss writes for
    /// an output; another layer's packed input (when its source is not
    /// packed) and its dL/d(input). Empty where unused.
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

impl GraphPlan {
    /// The wiring of `G` over `stages` (one per layer, in `G::LAYERS`'
    /// order), with buffers for `capacity` rows.
    pub(super) fn new<G: Model>(stages: &[Stage], capacity: usize) -> Self {
        let infos = G::NODES;
        let index = |name: &str| {
            infos
                .iter()
                .position(|n| n.name == name)
                .expect("the macro checks every source")
        };
        let sources: Vec<Vec<usize>> = infos
            .iter()
            .map(|n| n.inputs.iter().map(|s| index(s)).collect())
            .collect();
        let mut readers = vec![0; infos.len()];
        for s in sources.iter().flatten() {
            readers[*s] += 1;
        }
        // The Dense layers' stage numbers: stages are the layers in order.
        let ops: Vec<Op> = infos
            .iter()
            .map(|n| match n.kind {
                NodeKind::Input => Op::Input,
                NodeKind::Layer(l) => match stages[l] {
                    Stage::Dense(layer) => Op::Dense { stage: l, layer },
                    _ => Op::Other { stage: l },
                },
                NodeKind::Concatenate => Op::Concatenate { copies: Vec::new() },
                NodeKind::Add => Op::Sum { mean: false },
                NodeKind::Average => Op::Sum { mean: true },
            })
            .collect();
        // Place the joined nodes in their Concatenate's columns.
        let mut slots: Vec<Option<Slot>> = vec![None; infos.len()];
        let mut widths: Vec<usize> = Vec::new();
        let mut copies: Vec<Vec<(usize, usize)>> = vec![Vec::new(); infos.len()];
        // The Concatenate that owns each of these buffers.
        let mut owner: Vec<usize> = Vec::new();
        for (c, info) in infos.iter().enumerate() {
            if !matches!(ops[c], Op::Concatenate { .. }) {
                continue;
            }
            let buf = widths.len();
            widths.push(info.size);
            owner.push(c);
            slots[c] = Some(Slot {
                buf,
                col: 0,
                ld: info.size,
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
                        ld: info.size,
                    });
                } else {
                    copies[c].push((s, col));
                }
                col += infos[s].size;
            }
        }
        // A Dense layer placed beside its own input (placed later): copy it
        // instead, so that it never writes the buffer it reads.
        for i in 0..infos.len() {
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
            .zip(infos)
            .map(|(slot, info)| {
                slot.unwrap_or_else(|| {
                    widths.push(info.size);
                    Slot {
                        buf: widths.len() - 1,
                        col: 0,
                        ld: info.size,
                    }
                })
            })
            .collect();
        // A layer needs its gradient (for its parameters, or its input's);
        // a merge only where one of its sources does (a merge of inputs
        // does not: nothing reads its gradient).
        let mut needs_grad: Vec<bool> = Vec::with_capacity(ops.len());
        for (op, sources) in ops.iter().zip(&sources) {
            needs_grad.push(match op {
                Op::Input => false,
                Op::Dense { .. } | Op::Other { .. } => true,
                Op::Concatenate { .. } | Op::Sum { .. } => sources.iter().any(|&s| needs_grad[s]),
            });
        }
        let fold_node = fold_node(&ops, &sources, &needs_grad);
        let packed = |i: usize| {
            let s = slots[sources[i][0]];
            s.col == 0 && s.ld == infos[sources[i][0]].size
        };
        let mut dz = Vec::with_capacity(infos.len());
        let mut packed_input = Vec::with_capacity(infos.len());
        let mut dx = Vec::with_capacity(infos.len());
        for (i, op) in ops.iter().enumerate() {
            let (a, b, c) = match op {
                Op::Dense { layer, .. } => (capacity * layer.units, 0, 0),
                Op::Other { .. } => {
                    let width = infos[sources[i][0]].size;
                    let gathered = if packed(i) { 0 } else { capacity * width };
                    (0, gathered, capacity * width)
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
                size: infos[i].size,
                slot: slots[i],
                readers: readers[i],
                needs_grad: needs_grad[i],
            })
            .collect();
        let values: Vec<Vec<f32>> = widths.iter().map(|w| vec![0.0; capacity * w]).collect();
        let node_of = |name: &str| index(name);
        Self {
            nodes,
            grads: values.clone(),
            values,
            dz,
            packed_input,
            dx,
            inputs: G::INPUTS.iter().map(|p| node_of(p.node)).collect(),
            outputs: G::OUTPUTS.iter().map(|p| node_of(p.node)).collect(),
            seeded: vec![false; G::OUTPUTS.len()],
            fold_node,
        }
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

    fn plan<G: Model>() -> GraphPlan {
        let stages: Vec<Stage> = G::LAYERS.iter().filter_map(Stage::of).collect();
        GraphPlan::new::<G>(&stages, 4)
    }

    fn node(plan: &GraphPlan, infos: &[crate::graph::NodeInfo], name: &str) -> Node {
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
