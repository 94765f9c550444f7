//! The chance that an attempt succeeds at an expression, kept through the year as the few
//! components below certainty, so that a change costs those, not every component named.
//!
//! [`expression_success`] multiplies in order, starting from 1: `a & b` as 1·P(a)·P(b), and
//! `a | b` as 1 − 1·(1 − P(a))·(1 − P(b)). A part of the expression whose components all
//! succeed with certainty comes to exactly 1 (a product of ones; or one minus a product with
//! a factor of exactly 0), and a factor of exactly 1 leaves an IEEE product as it was. So a
//! conjunction's product taken over only its parts that hold some component below
//! certainty, in the same order and grouping, is the same number to the last bit. With many
//! components (the copies of a large cluster) nearly all of them serve with certainty at any
//! instant; evaluating the whole expression at every change of the year made the count of
//! requests grow with the square of the cluster's size.
//!
//! [`expression_success`]: crate::mechanics::routing::expression_success

use crate::expr::Expr;

/// One node of the expression, its leaves numbered in order.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Node {
    /// A component, by index.
    Leaf(usize),
    /// `&` of the nodes listed.
    All(Vec<usize>),
    /// `|` of the nodes listed.
    Any(Vec<usize>),
}

/// An expression's nodes, and which of its leaves are below certainty.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuccessTree {
    /// The nodes, the root first, each node's children after it.
    nodes: Vec<Node>,
    /// For each node, the leaves under it: `first..end` in leaf order.
    leaves: Vec<(u32, u32)>,
    /// For each component, the leaves naming it.
    positions: Vec<Vec<u32>>,
    /// The leaves whose component's chance is below 1, in increasing order.
    uncertain: Vec<u32>,
}

impl SuccessTree {
    /// The tree of `expr`, over `components` components.
    pub fn of(expr: &Expr, components: usize) -> SuccessTree {
        let mut tree = SuccessTree {
            nodes: Vec::new(),
            leaves: Vec::new(),
            positions: vec![Vec::new(); components],
            uncertain: Vec::new(),
        };
        tree.add(expr, &mut 0);
        tree
    }

    /// Adds `expr`'s nodes, its leaves numbered from `next`; returns its node's index.
    fn add(&mut self, expr: &Expr, next: &mut u32) -> usize {
        let index = self.nodes.len();
        let first = *next;
        self.nodes.push(Node::Leaf(0));
        self.leaves.push((first, first));
        let node = match expr {
            Expr::Component(component) => {
                self.positions[*component].push(first);
                *next += 1;
                Node::Leaf(*component)
            }
            Expr::All(operands) => Node::All(operands.iter().map(|o| self.add(o, next)).collect()),
            Expr::Any(operands) => Node::Any(operands.iter().map(|o| self.add(o, next)).collect()),
        };
        self.nodes[index] = node;
        self.leaves[index] = (first, *next);
        index
    }

    /// Starts over with every component's chance in `success`.
    pub fn reset(&mut self, success: &[f64]) {
        self.uncertain.clear();
        for (component, positions) in self.positions.iter().enumerate() {
            if success[component] != 1.0 {
                self.uncertain.extend(positions);
            }
        }
        self.uncertain.sort_unstable();
    }

    /// Records that `component`'s chance is now `certain` (exactly 1) or not.
    pub fn set_certain(&mut self, component: usize, certain: bool) {
        for &position in &self.positions[component] {
            match (self.uncertain.binary_search(&position), certain) {
                (Ok(at), true) => {
                    self.uncertain.remove(at);
                }
                (Err(at), false) => self.uncertain.insert(at, position),
                _ => {}
            }
        }
    }

    /// The chance of success, given each component's chance in `success`: the bits of
    /// [`expression_success`](crate::mechanics::routing::expression_success).
    pub fn success(&self, success: &[f64]) -> f64 {
        self.node_success(0, &self.uncertain, success)
    }

    /// Node `node`'s chance, `uncertain` being the leaves below certainty under it.
    fn node_success(&self, node: usize, uncertain: &[u32], success: &[f64]) -> f64 {
        if uncertain.is_empty() {
            return 1.0;
        }
        match &self.nodes[node] {
            Node::Leaf(component) => success[*component],
            // Only the operands holding an uncertain leaf: the others are exactly 1.
            Node::All(operands) => {
                let mut product = 1.0;
                let mut rest = uncertain;
                while let Some(&leaf) = rest.first() {
                    let at = operands.partition_point(|&o| self.leaves[o].1 <= leaf);
                    let operand = operands[at];
                    let end = self.leaves[operand].1;
                    let (under, after) = rest.split_at(rest.partition_point(|&l| l < end));
                    product *= self.node_success(operand, under, success);
                    rest = after;
                }
                product
            }
            // Every operand, in order, as `expression_success` takes them.
            Node::Any(operands) => {
                let mut product = 1.0;
                for &operand in operands {
                    let (first, end) = self.leaves[operand];
                    let from = uncertain.partition_point(|&l| l < first);
                    let to = uncertain.partition_point(|&l| l < end);
                    product *= 1.0 - self.node_success(operand, &uncertain[from..to], success);
                }
                1.0 - product
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mechanics::routing::expression_success;
    use rand::rngs::ChaCha8Rng;
    use rand::{RngExt, SeedableRng};

    /// Random walks of the components' chances give the bits of the whole evaluation, for
    /// conjunctions flat and nested, disjunctions, and components named twice.
    #[test]
    fn the_parts_below_certainty_give_the_whole_evaluations_bits() {
        let names = ["a", "b", "c", "d", "e"];
        let resolve = |name: &str| names.iter().position(|n| *n == name);
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let texts = [
            "a",
            "a & b & c & d & e",
            "(a & b) & (c & (d & e))",
            "c & a & e & a",
            "a & (b | c) & d",
            "(a & b) | (a & c) | (b & c)",
            "e | (d & (c | (b & a)))",
        ];
        for text in texts {
            let expr = Expr::parse(text, &resolve).unwrap();
            let mut tree = SuccessTree::of(&expr, names.len());
            let mut success = [1.0; 5];
            tree.reset(&success);
            for step in 0..3000 {
                let component = rng.random_range(0..names.len());
                // Chances as routing gives them: 0, 1, or a share of routed replicas.
                success[component] = match rng.random_range(0..3) {
                    0 => 0.0,
                    1 => 1.0,
                    _ => f64::from(rng.random_range(1..7u32)) / 7.0,
                };
                if step % 500 == 0 {
                    tree.reset(&success);
                } else {
                    tree.set_certain(component, success[component] == 1.0);
                }
                let whole = expression_success(&expr, &success);
                assert_eq!(tree.success(&success).to_bits(), whole.to_bits(), "{text}");
            }
        }
    }
}
