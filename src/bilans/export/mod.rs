//! The bilan in the formats people use: CSV the way French Excel opens it, XLSX (one
//! sheet per breakdown, real numbers), XML (structure documented in `xml`). Every format
//! renders the same `Bilan` value.

pub mod csv;
pub mod xlsx;
pub mod xml;

use super::model::Bilan;

/// A breakdown's line as people read it: the French label of its code (free text as is).
pub fn libelle(genre: &str, cle: &str) -> String {
    match genre {
        "" => cle.to_string(),
        "public" => crate::libelles::public(cle),
        _ => crate::libelles::ou_texte(genre, cle),
    }
}

/// A text cell that a spreadsheet cannot take for a formula (CSV): one starting with
/// `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading apostrophe.
pub fn cellule_csv(t: &str) -> std::borrow::Cow<'_, str> {
    if t.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{t}").into() } else { t.into() }
}

/// A month of the bilan (`2025-03`) as people read it (« mars 2025 »).
pub fn mois(m: &str) -> String {
    crate::parcours::limites::parse_mois(m).map(crate::text::mois_fr).unwrap_or_else(|| m.to_string())
}

/// Excel's limit on a cell's text.
pub const CELLULE_MAX: usize = 32_767;

/// A text cell within Excel's limit: a longer one is cut, with a marker saying so.
pub fn cellule_xlsx(t: &str) -> std::borrow::Cow<'_, str> {
    const MARQUE: &str = " […] (texte tronqué)";
    if t.chars().count() <= CELLULE_MAX {
        return t.into();
    }
    let garde: String = t.chars().take(CELLULE_MAX - MARQUE.chars().count()).collect();
    format!("{garde}{MARQUE}").into()
}

/// The rows every tabular format shares: (label, value) of the summary.
pub enum Valeur {
    Texte(String),
    Nombre(f64),
    /// A ratio shown as a percentage: « 81,3 % » in CSV, a number formatted % in XLSX.
    Pourcent(f64),
}

pub fn synthese(b: &Bilan) -> Vec<(&'static str, Valeur)> {
    use Valeur::*;
    let n = |c: &super::model::Compte| if c.masque { Texte(c.texte()) } else { Nombre(c.n as f64) };
    vec![
        ("Périmètre", Texte(format!("{} : {}", crate::libelles::ou_texte("perimetre", &b.perimetre.type_), b.perimetre.nom))),
        ("Du", Texte(b.periode.du.map_or("(début)".into(), crate::text::date_num))),
        ("Au", Texte(b.periode.au.map_or("(aujourd'hui)".into(), crate::text::date_num))),
        ("Heures objectif", Nombre(b.heures_objectif)),
        ("Heures réalisées", Nombre(b.heures_realisees)),
        ("Heures retenues", Nombre(b.heures_retenues)),
        ("Taux de réalisation", Pourcent(b.taux_realisation)),
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

/// The last column of a breakdown: the row's code, for programs (the label comes first).
pub const CODE: &str = "Code";

/// French labels of the breakdown columns.
pub const COLONNES: [&str; 4] = ["Contrats", "Participants", "Heures réalisées", "Heures retenues"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_never_formulas_and_fit_excel() {
        assert_eq!(cellule_csv("=HYPERLINK(\"http://x\")"), "'=HYPERLINK(\"http://x\")");
        for t in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(cellule_csv(t).starts_with('\''), "{t:?}");
        }
        assert_eq!(cellule_csv("Maçon"), "Maçon");
        let long = "é".repeat(40_000);
        let coupe = cellule_xlsx(&long);
        assert_eq!(coupe.chars().count(), CELLULE_MAX);
        assert!(coupe.ends_with("(texte tronqué)"));
        assert_eq!(cellule_xlsx("court"), "court");
    }
}
