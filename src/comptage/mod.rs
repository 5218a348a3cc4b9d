//! The counting engine (domain.md §4): rule sets → heures retenues, with an explanation of
//! every contrat-month, globalisation across lots, and the progress of a clause. Pure:
//! no database, no clock, no I/O — plain data in, figures out. All figures are integer
//! minutes.

pub mod avancement;
pub mod globalisation;
pub mod moteur;
pub mod objectif;
pub mod regles;

pub use avancement::{avancement, Avancement, StatutAvancement};
pub use globalisation::{globaliser, Globalisation};
pub use moteur::{compter, ClauseCompte, ComptageClause, ContratCompte, Estimation, LigneComptee, MoisDeclare, NonRetenues, SousTraitance};
pub use objectif::{objectif, objectif_minutes, ObjectifSource};
pub use regles::ReglesComptage;

/// `a × b / c` rounded half up, in exact integer arithmetic (i128 inside).
pub fn mul_div_round(a: i64, b: i64, c: i64) -> i64 {
    debug_assert!(c > 0);
    let n = i128::from(a) * i128::from(b);
    let c = i128::from(c);
    let q = if n >= 0 { (2 * n + c) / (2 * c) } else { -((-2 * n + c) / (2 * c)) };
    q as i64
}

/// A ratio given as a JSON number, in parts per million.
pub fn ppm(x: f64) -> i64 {
    (x * 1_000_000.0).round() as i64
}

#[cfg(test)]
mod tests {
    #[test]
    fn rounding_half_up() {
        assert_eq!(super::mul_div_round(5, 1, 2), 3);
        assert_eq!(super::mul_div_round(4, 1, 3), 1);
        assert_eq!(super::mul_div_round(5, 1, 3), 2);
        assert_eq!(super::mul_div_round(i64::MAX / 2, 2, 2), i64::MAX / 2);
    }
}
