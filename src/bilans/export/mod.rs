//! The bilan in the formats people use: CSV the way French Excel opens it, XLSX (one
//! sheet per breakdown, real numbers), XML (structure documented in `xml`). Every format
//! renders the same `Bilan` value.

pub mod csv;
pub mod xlsx;
pub mod xml;

use super::model::Bilan;

/// The rows every tabular format shares: (label, value) of the summary.
pub enum Valeur {
    Texte(String),
    Nombre(f64),
}

pub fn synthese(b: &Bilan) -> Vec<(&'static str, Valeur)> {
    use Valeur::*;
    let n = |c: &super::model::Compte| if c.masque { Texte(c.texte()) } else { Nombre(c.n as f64) };
    vec![
        ("Périmètre", Texte(format!("{} : {}", b.perimetre.type_, b.perimetre.nom))),
        ("Du", Texte(b.periode.du.map_or("(début)".into(), |d| d.to_string()))),
        ("Au", Texte(b.periode.au.map_or("(aujourd'hui)".into(), |d| d.to_string()))),
        ("Heures objectif", Nombre(b.heures_objectif)),
        ("Heures réalisées", Nombre(b.heures_realisees)),
        ("Heures retenues", Nombre(b.heures_retenues)),
        ("Taux de réalisation", Nombre(b.taux_realisation)),
        ("Écart à l'objectif (h)", Nombre(b.ecart)),
        ("Pénalités théoriques (€)", Nombre(b.penalites_theoriques)),
        ("Heures estimées (sous-traitance)", Nombre(b.heures_estimees)),
        ("Non retenues : non éligibles", Nombre(b.heures_non_retenues.non_eligible)),
        ("Non retenues : hors période", Nombre(b.heures_non_retenues.hors_periode)),
        ("Non retenues : plafond", Nombre(b.heures_non_retenues.plafond)),
        ("Non retenues : formation exclue", Nombre(b.heures_non_retenues.formation_exclue)),
        ("Non retenues : coefficient", Nombre(b.heures_non_retenues.coefficient)),
        ("Clauses", Nombre(b.clauses as f64)),
        ("Participants", n(&b.participants)),
        ("Contrats", n(&b.contrats)),
        ("Entreprises", Nombre(b.entreprises as f64)),
        ("SIAE mobilisées", Nombre(b.siae as f64)),
    ]
}

/// French labels of the breakdown columns.
pub const COLONNES: [&str; 4] = ["Contrats", "Participants", "Heures réalisées", "Heures retenues"];
