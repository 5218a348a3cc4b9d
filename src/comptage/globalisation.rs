//! Globalisation (domain.md §4 rule 7): after per-lot counting, the surplus of a
//! globalisable clause may cover the shortfall of another globalisable clause of the
//! same marché. Hours move, they are never copied: the total of a marché is unchanged.

use std::collections::BTreeMap;

use serde::Serialize;
use utoipa::ToSchema;

/// A clause's retained hours before globalisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lot {
    pub clause_id: i64,
    /// Clauses globalise within one group (the marché).
    pub groupe: i64,
    pub globalisable: bool,
    pub objectif: i64,
    pub retenues: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Globalisation {
    pub clause_id: i64,
    /// Retained on the clause's own lot.
    pub retenues_propres: i64,
    /// Received from other lots' surplus.
    pub recues: i64,
    /// Given to other lots.
    pub cedees: i64,
    /// After globalisation: propres + reçues − cédées.
    pub retenues: i64,
}

/// Moves surplus to shortfalls within each group, lowest clause id first on both sides
/// (deterministic). Returns one entry per input clause, in input order.
pub fn globaliser(lots: &[Lot]) -> Vec<Globalisation> {
    let mut out: BTreeMap<i64, Globalisation> =
        lots.iter().map(|l| (l.clause_id, Globalisation { clause_id: l.clause_id, retenues_propres: l.retenues, recues: 0, cedees: 0, retenues: l.retenues })).collect();
    let mut groupes: BTreeMap<i64, Vec<&Lot>> = BTreeMap::new();
    for l in lots.iter().filter(|l| l.globalisable) {
        groupes.entry(l.groupe).or_default().push(l);
    }
    for (_, mut membres) in groupes {
        membres.sort_by_key(|l| l.clause_id);
        let mut surplus: Vec<(i64, i64)> = membres.iter().filter(|l| l.retenues > l.objectif).map(|l| (l.clause_id, l.retenues - l.objectif)).collect();
        for deficitaire in membres.iter().filter(|l| l.retenues < l.objectif) {
            let mut manque = deficitaire.objectif - deficitaire.retenues;
            for (source, dispo) in surplus.iter_mut() {
                if manque == 0 {
                    break;
                }
                let n = (*dispo).min(manque);
                if n == 0 {
                    continue;
                }
                *dispo -= n;
                manque -= n;
                if let Some(s) = out.get_mut(source) {
                    s.cedees += n;
                    s.retenues -= n;
                }
                if let Some(dst) = out.get_mut(&deficitaire.clause_id) {
                    dst.recues += n;
                    dst.retenues += n;
                }
            }
        }
    }
    lots.iter().map(|l| out[&l.clause_id]).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn surplus_covers_shortfall_in_the_same_marche_only() {
        let lots = [
            Lot { clause_id: 1, groupe: 10, globalisable: true, objectif: 100, retenues: 160 },
            Lot { clause_id: 2, groupe: 10, globalisable: true, objectif: 100, retenues: 70 },
            Lot { clause_id: 3, groupe: 10, globalisable: false, objectif: 100, retenues: 20 },
            Lot { clause_id: 4, groupe: 11, globalisable: true, objectif: 100, retenues: 0 },
        ];
        let g = globaliser(&lots);
        assert_eq!((g[0].cedees, g[0].retenues), (30, 130));
        assert_eq!((g[1].recues, g[1].retenues), (30, 100));
        assert_eq!(g[2].retenues, 20, "not globalisable");
        assert_eq!(g[3].retenues, 0, "another marché");
    }

    proptest! {
        #[test]
        fn hours_move_but_are_never_copied(raw in proptest::collection::vec((0i64..3, any::<bool>(), 0i64..500, 0i64..500), 0..10)) {
            let lots: Vec<Lot> = raw.iter().enumerate().map(|(i, &(g, gl, o, r))| Lot { clause_id: i as i64, groupe: g, globalisable: gl, objectif: o, retenues: r }).collect();
            let out = globaliser(&lots);
            for groupe in 0..3 {
                let avant: i64 = lots.iter().filter(|l| l.groupe == groupe).map(|l| l.retenues).sum();
                let apres: i64 = lots.iter().zip(&out).filter(|(l, _)| l.groupe == groupe).map(|(_, g)| g.retenues).sum();
                prop_assert_eq!(avant, apres);
            }
            for (l, g) in lots.iter().zip(&out) {
                prop_assert!(g.retenues >= 0);
                // A shortfall is never over-filled; a surplus never gives more than it has.
                if g.recues > 0 { prop_assert!(g.retenues <= l.objectif); }
                if g.cedees > 0 { prop_assert!(g.retenues >= l.objectif); }
                if !l.globalisable { prop_assert_eq!(g.retenues, l.retenues); }
            }
        }
    }
}
