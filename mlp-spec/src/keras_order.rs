//! Keras's order of a functional model's layers, which the runtime's
//! `model.summary()` rows, its `.keras` reader and writer and the
//! `#[weights("model.keras")]` bake all follow: the order of
//! `keras.src.ops.function.map_graph`, by depth (the longest path to an
//! output) from the deepest, and within one depth by the order in which a
//! depth-first walk from the outputs, in order, first reaches them. It
//! numbers the groups of a Keras weights file (`dense`, `dense_1`, ...) and
//! orders a Functional `config.json`'s layers.
//!
//! ```
//! use mlp_spec::keras_order;
//!
//! // Wide & Deep: 0 wide, 1 deep, 2 hidden1(1), 3 hidden2(2),
//! // 4 concat(0, 3), 5 main(4), 6 aux(3); outputs main, aux.
//! let inputs = [vec![], vec![], vec![1], vec![2], vec![0, 3], vec![4], vec![3]];
//! let (order, depth) = keras_order(&inputs, &[5, 6]);
//! assert_eq!(order, [1, 2, 0, 3, 4, 5, 6]);
//! assert_eq!(depth[1], 4);
//! # Ok::<(), core::convert::Infallible>(())
//! ```

use alloc::vec;
use alloc::vec::Vec;

/// The indices of the nodes in Keras's order, and each node's depth.
/// `inputs[n]` lists the nodes node `n` reads, in order; `outputs` the
/// output nodes, in order. Nodes that reach no output are left out, as
/// Keras leaves them; an index out of range is ignored.
pub fn keras_order(inputs: &[Vec<usize>], outputs: &[usize]) -> (Vec<usize>, Vec<usize>) {
    let count = inputs.len();
    // `_build_map`: first-visit (pre-order) indices and the post-order.
    let mut visited: Vec<Option<usize>> = vec![None; count];
    let mut finished = vec![false; count];
    let mut post = Vec::with_capacity(count);
    let mut seen = 0;
    for &start in outputs.iter().filter(|&&o| o < count) {
        // An explicit stack: (node, next input to walk).
        let mut stack = vec![(start, 0)];
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if *next == 0 {
                if finished[node] {
                    stack.pop();
                    continue;
                }
                visited[node] = Some(seen);
                seen += 1;
            }
            if let Some(&parent) = inputs[node].get(*next) {
                *next += 1;
                // A node seen before is finished, or on the stack (a cycle,
                // which `network!` rejects): not walked again.
                if parent < count && visited[parent].is_none() {
                    stack.push((parent, 0));
                }
            } else {
                finished[node] = true;
                post.push(node);
                stack.pop();
            }
        }
    }
    // `map_graph`: a node's depth is one more than its deepest reader's.
    let mut depth = vec![0usize; count];
    for &node in post.iter().rev() {
        for &parent in inputs[node].iter().filter(|&&p| p < count) {
            depth[parent] = depth[parent].max(depth[node] + 1);
        }
    }
    let mut order: Vec<usize> = (0..count).filter(|&n| finished[n]).collect();
    order.sort_by_key(|&n| (core::cmp::Reverse(depth[n]), visited[n]));
    (order, depth)
}
