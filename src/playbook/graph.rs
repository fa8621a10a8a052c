//! Graph algorithms over `requires`: cycles, topological order, reachability.
//!
//! Nodes are step indices; `edges[i]` lists the steps that step `i`
//! requires. Everything is iterative so that a huge generated playbook
//! cannot overflow the stack.

use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, VecDeque};

/// One cycle per strongly connected component that has one, as the path
/// `[a, b, …]` meaning `a -> b -> … -> a`. Each path starts at the
/// component's lowest index (the step written first), and cycles are
/// ordered by that index.
pub(super) fn cycles(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut found: Vec<Vec<usize>> = strongly_connected(edges)
        .into_iter()
        .filter_map(|component| {
            let start = *component.iter().min()?;
            shortest_cycle(edges, start, &component)
        })
        .collect();
    found.sort_by_key(|c| c.first().copied());
    found
}

/// Kahn's algorithm, always taking the lowest ready index; `None` on a cycle.
pub(super) fn topological_order(edges: &[Vec<usize>]) -> Option<Vec<usize>> {
    let n = edges.len();
    let mut waiting_on = vec![0usize; n];
    let mut dependents = vec![Vec::new(); n];
    for (i, reqs) in edges.iter().enumerate() {
        for &r in reqs.iter().collect::<BTreeSet<_>>() {
            if r < n {
                waiting_on[i] += 1;
                dependents[r].push(i);
            }
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> = (0..n)
        .filter(|&i| waiting_on[i] == 0)
        .map(Reverse)
        .collect();
    let mut order = Vec::with_capacity(n);
    while let Some(Reverse(i)) = ready.pop() {
        order.push(i);
        for &d in &dependents[i] {
            waiting_on[d] -= 1;
            if waiting_on[d] == 0 {
                ready.push(Reverse(d));
            }
        }
    }
    (order.len() == n).then_some(order)
}

/// Every node reachable from `start` by following edges, `start` excluded
/// unless it lies on a cycle.
pub(super) fn reachable(edges: &[Vec<usize>], start: usize) -> BTreeSet<usize> {
    let mut seen = BTreeSet::new();
    let mut todo: Vec<usize> = edges.get(start).cloned().unwrap_or_default();
    while let Some(i) = todo.pop() {
        if i < edges.len() && seen.insert(i) {
            todo.extend(&edges[i]);
        }
    }
    seen
}

/// Tarjan's algorithm, iterative. Returns the components that contain a
/// cycle: more than one node, or one node that requires itself.
fn strongly_connected(edges: &[Vec<usize>]) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let n = edges.len();
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0usize; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut next_index = 0;
    let mut components = Vec::new();

    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        // (node, position of the next edge to look at)
        let mut call: Vec<(usize, usize)> = vec![(root, 0)];
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;

        while let Some(&mut (v, ref mut edge)) = call.last_mut() {
            if let Some(&w) = edges[v].get(*edge) {
                *edge += 1;
                if w >= n {
                    continue;
                }
                if index[w] == UNSEEN {
                    index[w] = next_index;
                    low[w] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    call.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            call.pop();
            if let Some(&(parent, _)) = call.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut component = Vec::new();
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    component.push(w);
                    if w == v {
                        break;
                    }
                }
                let cyclic = component.len() > 1 || edges[v].contains(&v);
                if cyclic {
                    components.push(component);
                }
            }
        }
    }
    components
}

/// Breadth-first search from `start` back to itself inside `component`.
fn shortest_cycle(edges: &[Vec<usize>], start: usize, component: &[usize]) -> Option<Vec<usize>> {
    let inside: BTreeSet<usize> = component.iter().copied().collect();
    let mut came_from: Vec<Option<usize>> = vec![None; edges.len()];
    let mut queue = VecDeque::from([start]);
    while let Some(v) = queue.pop_front() {
        for &w in &edges[v] {
            if w == start {
                let mut path = vec![v];
                let mut at = v;
                while at != start {
                    at = came_from[at]?;
                    path.push(at);
                }
                path.reverse();
                return Some(path);
            }
            if inside.contains(&w) && w != start && came_from[w].is_none() {
                came_from[w] = Some(v);
                queue.push_back(w);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_self_loop_and_a_longer_cycle_once_each() {
        // 0 -> 0 ; 1 -> 2 -> 3 -> 1 ; 4 -> 1 (depends on the cycle, not in it)
        let edges = vec![vec![0], vec![2], vec![3], vec![1], vec![1]];
        assert_eq!(cycles(&edges), vec![vec![0], vec![1, 2, 3]]);
    }

    #[test]
    fn an_acyclic_graph_has_no_cycle_and_a_stable_order() {
        // 0 requires 2, 1 requires nothing, 2 requires 1
        let edges = vec![vec![2], vec![], vec![1]];
        assert!(cycles(&edges).is_empty());
        assert_eq!(topological_order(&edges), Some(vec![1, 2, 0]));
    }

    #[test]
    fn a_cycle_has_no_topological_order() {
        assert_eq!(topological_order(&[vec![1], vec![0]]), None);
    }

    #[test]
    fn reachable_follows_requires_transitively() {
        let edges = vec![vec![1], vec![2], vec![], vec![]];
        assert_eq!(reachable(&edges, 0), BTreeSet::from([1, 2]));
        assert!(reachable(&edges, 3).is_empty());
    }

    #[test]
    fn a_long_chain_does_not_overflow_the_stack() {
        let n = 200_000;
        let mut edges: Vec<Vec<usize>> = (0..n).map(|i| vec![i + 1]).collect();
        edges[n - 1] = vec![0];
        let found = cycles(&edges);
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].len(), n);
    }
}
