//! Where a complaint goes: the route of the first routing dimension whose top label (or that
//! label's nearest ancestor) names one; else the pack's default route. Only a dimension's top
//! label routes.

use crate::compile::CompiledPack;
use crate::pack::RouteDef;

/// The route chosen, by index: the label whose route it is, or the pack default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Routed {
    /// Dimension and label indices of the (top) label that decided; None for the pack default.
    pub by: Option<(usize, usize)>,
    /// Index of the label that carries the route: the deciding label or its nearest ancestor.
    owner: usize,
}

impl Routed {
    /// The department and queue.
    pub fn route<'p>(&self, pack: &'p CompiledPack) -> Option<&'p RouteDef> {
        match self.by {
            Some((di, _)) => pack
                .dimensions
                .get(di)?
                .labels
                .get(self.owner)?
                .route
                .as_ref(),
            None => pack.default_route.as_ref(),
        }
    }
}

pub(super) fn choose(pack: &CompiledPack, assigned: &[Vec<usize>]) -> Option<Routed> {
    for &di in &pack.route_from {
        let Some(dim) = pack.dimensions.get(di) else {
            continue;
        };
        let Some(&top) = assigned.get(di).and_then(|a| a.first()) else {
            continue;
        };
        // The label's own route, else the nearest ancestor's.
        let mut cur = Some(top);
        let mut steps = 0;
        while let Some(l) = cur.and_then(|i| dim.labels.get(i).map(|l| (i, l))) {
            if l.1.route.is_some() {
                return Some(Routed {
                    by: Some((di, top)),
                    owner: l.0,
                });
            }
            steps += 1;
            if steps > dim.labels.len() {
                break;
            }
            cur = l.1.parent;
        }
    }
    pack.default_route
        .as_ref()
        .map(|_| Routed { by: None, owner: 0 })
}
