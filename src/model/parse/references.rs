//! References between components, resolved once every name is known: `placement = { with
//! = NAME }` and `session = { store = NAME }`. Cycles of either are refused (a session
//! cycle deadlocks: each side waits for the other to serve again), and a chain of
//! placements (a with b, b with c) is resolved to the nodes it means.

use super::toolkit::{Ctx, Value};
use super::top::name_index;
use crate::model::{Component, Kubernetes, ModelErrorKind, Placement, Session};
use crate::time::Duration;
use std::ops::Range;

/// A component's reference to another by name, resolved once every name is known.
pub(super) struct Reference<'a, 'i> {
    /// The referring component's index.
    pub(super) from: usize,
    /// The name's value in the file.
    pub(super) value: &'a Value<'i>,
    /// Its dotted key.
    pub(super) key: String,
    /// The component it names.
    pub(super) name: String,
    /// What the reference says.
    pub(super) kind: ReferenceKind,
}

/// What a reference says of the component it names.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum ReferenceKind {
    /// `placement = { with = NAME }`: share the named component's nodes.
    PlacedWith,
    /// `session = { store = NAME, ttl }`: keep a session in the named component.
    SessionStore(Duration),
}

/// A resolved reference: `from` refers to `to`.
struct Link {
    from: usize,
    to: usize,
    span: Range<usize>,
    key: String,
}

/// Resolves every reference into `components`, refuses cycles and resolves placement
/// chains; false (with errors) when a reference names nothing usable or closes a cycle.
pub(super) fn resolve_references(
    ctx: &mut Ctx<'_>,
    references: Vec<Reference<'_, '_>>,
    names: &[Option<String>],
    components: &mut [Option<Component>],
    kubernetes: Option<&Kubernetes>,
) -> bool {
    let mut resolved = true;
    let (mut placements, mut sessions) = (Vec::new(), Vec::new());
    let index = name_index(names);
    for reference in references {
        let kind = reference.kind;
        let (span, key, from) = (
            reference.value.span(),
            reference.key.clone(),
            reference.from,
        );
        let target = index.get(reference.name.as_str()).copied();
        match resolve_reference(ctx, reference, target, components) {
            Some(Some(to)) => {
                let link = Link {
                    from,
                    to,
                    span,
                    key,
                };
                match kind {
                    ReferenceKind::PlacedWith => placements.push(link),
                    ReferenceKind::SessionStore(_) => sessions.push(link),
                }
            }
            Some(None) => {}
            None => resolved = false,
        }
    }
    let explain_placement = "each is placed with the next, so none has nodes of its own";
    let explain_session = "after a loss each waits for the next to serve again, forever";
    resolved &= no_cycle(ctx, &placements, names, "placements", explain_placement);
    resolved &= no_cycle(ctx, &sessions, names, "sessions", explain_session);
    if resolved
        && components.iter().all(Option::is_some)
        && let Some(kubernetes) = kubernetes
    {
        resolve_placement_chains(components, kubernetes.nodes);
    }
    resolved
}

/// Resolves one reference, to `target` if a component has its name, into
/// `components[from]`: the target's index (`None` when the
/// referring component is invalid anyway), or `None` (with an error) when it names
/// nothing usable.
fn resolve_reference(
    ctx: &mut Ctx<'_>,
    reference: Reference<'_, '_>,
    target: Option<usize>,
    components: &mut [Option<Component>],
) -> Option<Option<usize>> {
    let problem = match target {
        None => Some(format!("no component is named `{}`", reference.name)),
        Some(target) if target == reference.from => {
            Some("a component cannot refer to itself".to_string())
        }
        Some(target)
            if reference.kind == ReferenceKind::PlacedWith
                && components[target].as_ref().is_some_and(|c| c.pod.is_none()) =>
        {
            Some(format!(
                "`{}` runs on no node (it is not a Kubernetes workload)",
                reference.name
            ))
        }
        Some(_) => None,
    };
    if let Some(problem) = problem {
        ctx.error(
            ModelErrorKind::UnknownName,
            reference.value.span(),
            &reference.key,
            problem,
        );
        return None;
    }
    let (Some(target), Some(Some(component))) = (target, components.get_mut(reference.from)) else {
        return Some(None);
    };
    match reference.kind {
        ReferenceKind::PlacedWith => {
            if let Some(pod) = &mut component.pod {
                pod.placement = Placement::With(target);
            }
        }
        ReferenceKind::SessionStore(ttl) => {
            component.session = Some(Session { store: target, ttl });
        }
    }
    Some(Some(target))
}

/// Whether `links` (at most one from each component) close no cycle; reports each cycle
/// once, at the link from its first component in file order.
fn no_cycle(
    ctx: &mut Ctx<'_>,
    links: &[Link],
    names: &[Option<String>],
    what: &str,
    why: &str,
) -> bool {
    let mut next: Vec<Option<&Link>> = vec![None; names.len()];
    for link in links {
        next[link.from] = Some(link);
    }
    let mut ok = true;
    for cycle in cycles(names.len(), |i| next[i].map(|link| link.to)) {
        let first = cycle.iter().copied().min().unwrap_or(0);
        let at = cycle.iter().position(|&i| i == first).unwrap_or(0);
        let path: Vec<String> = cycle[at..]
            .iter()
            .chain(&cycle[..=at])
            .map(|&i| format!("`{}`", names[i].as_deref().unwrap_or("?")))
            .collect();
        let Some(link) = next[first] else { continue };
        let message = format!("{what} form a cycle ({}): {why}", path.join(" → "));
        ctx.error(
            ModelErrorKind::Conflict,
            link.span.clone(),
            &link.key,
            message,
        );
        ok = false;
    }
    ok
}

/// The cycles of the graph on `0..count` where each node has at most one successor,
/// each in the order the edges run, found in one pass (no recursion).
fn cycles(count: usize, next: impl Fn(usize) -> Option<usize>) -> Vec<Vec<usize>> {
    const NEW: u8 = 0;
    const ON_PATH: u8 = 1;
    const DONE: u8 = 2;
    let mut state = vec![NEW; count];
    let mut found = Vec::new();
    for start in 0..count {
        let mut path = Vec::new();
        let mut at = Some(start);
        while let Some(node) = at {
            match state[node] {
                NEW => {
                    state[node] = ON_PATH;
                    path.push(node);
                    at = next(node);
                }
                ON_PATH => {
                    let from = path.iter().position(|&n| n == node).unwrap_or(0);
                    found.push(path[from..].to_vec());
                    break;
                }
                _ => break,
            }
        }
        for node in path {
            state[node] = DONE;
        }
    }
    found
}

/// Replaces each placement `with` a component that is itself placed `with` another by
/// the nodes that chain means: replica i beside replica i (cycling) of the named
/// component, wherever that one is. The plan follows one `with` step only.
fn resolve_placement_chains(components: &mut [Option<Component>], nodes: u32) {
    let target = |c: &Option<Component>| match placement(c) {
        Some(Placement::With(to)) => Some(*to),
        _ => None,
    };
    let chained: Vec<usize> = (0..components.len())
        .filter(|&i| target(&components[i]).is_some_and(|to| target(&components[to]).is_some()))
        .collect();
    if chained.is_empty() {
        return;
    }
    // Each component's nodes, replica by replica, computed once from the end of its chain.
    let mut memo: Vec<Option<Vec<u32>>> = vec![None; components.len()];
    for &start in &chained {
        let mut stack = vec![start];
        while let Some(&index) = stack.last() {
            if memo[index].is_some() {
                stack.pop();
                continue;
            }
            let component = components[index].as_ref();
            let replicas = component.map_or(0, |c| c.replicas) as usize;
            let list = match placement(&components[index]) {
                Some(Placement::With(to)) => match &memo[*to] {
                    Some(shared) => (0..replicas).map(|i| shared[i % shared.len()]).collect(),
                    None => {
                        stack.push(*to);
                        continue;
                    }
                },
                Some(Placement::Nodes(list)) => {
                    (0..replicas).map(|i| list[i % list.len()]).collect()
                }
                _ => (0..replicas as u32).map(|i| i % nodes).collect(),
            };
            memo[index] = Some(list);
            stack.pop();
        }
    }
    for index in chained {
        if let (Some(Some(component)), Some(list)) = (components.get_mut(index), memo[index].take())
            && let Some(pod) = &mut component.pod
        {
            pod.placement = Placement::Nodes(list);
        }
    }
}

/// The placement of a component run by Kubernetes.
fn placement(component: &Option<Component>) -> Option<&Placement> {
    component.as_ref()?.pod.as_ref().map(|pod| &pod.placement)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_are_found_once_each_in_edge_order() {
        let next = [Some(1), Some(0), Some(3), Some(4), Some(2), None, Some(5)];
        assert_eq!(cycles(7, |i| next[i]), vec![vec![0, 1], vec![2, 3, 4]]);
        assert!(cycles(3, |i| (i < 2).then_some(i + 1)).is_empty());
    }
}
