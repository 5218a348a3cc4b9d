//! Server-side SVG charts (no JavaScript, no style attribute): the hours per month of a
//! clause or a bilan — bars of réalisées and retenues on the left axis, the cumulative
//! retained hours against the expected line and the objective on the right axis — and
//! the horizontal bars of a breakdown. Coordinates are computed here; the drawing is
//! `templates/macros/graphique.html`, with a title, a description and the same figures
//! as a table for screen readers. The viewBox scales to a 390-px phone.

use serde::Serialize;

/// One month of the chart (and of its table): French label, hours of the month, and the
/// cumulative retained and expected hours at its end.
#[derive(Debug, Clone, Serialize)]
pub struct MoisGraphique {
    pub mois: String,
    pub realisees: f64,
    pub retenues: f64,
    pub cumul: f64,
    pub attendu: f64,
}

/// The drawing of the hours per month.
#[derive(Debug, Serialize, Default)]
pub struct Graphique {
    pub largeur: f64,
    pub hauteur: f64,
    /// (x, width, y of réalisées, y of retenues, y of the axis)
    pub barres: Vec<(f64, f64, f64, f64, f64)>,
    pub cumul: String,
    pub attendu: String,
    /// (y, value) of the left axis.
    pub graduations: Vec<(f64, String)>,
    /// (x, month) under the axis.
    pub etiquettes: Vec<(f64, String)>,
    /// (y, value) of the right axis.
    pub echelle_cumul: Vec<(f64, String)>,
    /// y of the objective on the right axis, when there is one.
    pub objectif: Option<f64>,
}

const L: f64 = 640.0;
const H: f64 = 220.0;
const G: f64 = 56.0;
const D: f64 = 64.0;
/// Room above the plot for the axes' titles.
const HAUT: f64 = 20.0;

/// A month's label shortened for the axis: « sept. 2025 ».
fn abrege(mois: &str) -> String {
    const COURTS: [(&str, &str); 8] = [("janvier", "janv."), ("février", "févr."), ("avril", "avr."), ("juillet", "juil."), ("septembre", "sept."), ("octobre", "oct."), ("novembre", "nov."), ("décembre", "déc.")];
    COURTS.iter().find_map(|(long, court)| mois.strip_prefix(long).map(|reste| format!("{court}{reste}"))).unwrap_or_else(|| mois.to_string())
}

fn arrondi(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

pub fn heures_par_mois(mois: &[MoisGraphique], objectif: f64) -> Graphique {
    if mois.is_empty() {
        return Graphique::default();
    }
    let max_mois = mois.iter().map(|m| m.realisees.max(m.retenues)).fold(1.0, f64::max);
    let max_cumul = mois.iter().map(|m| m.cumul.max(m.attendu)).fold(objectif.max(1.0), f64::max);
    let pas = (L - G - D) / mois.len() as f64;
    let y = |v: f64, max: f64| arrondi(H - v / max * H) + HAUT;
    let barres = mois.iter().enumerate().map(|(i, m)| (arrondi(G + i as f64 * pas + pas * 0.15), arrondi(pas * 0.7), y(m.realisees, max_mois), y(m.retenues, max_mois), H + HAUT)).collect();
    let ligne = |f: &dyn Fn(&MoisGraphique) -> f64| mois.iter().enumerate().map(|(i, m)| format!("{},{}", arrondi(G + (i as f64 + 0.5) * pas), y(f(m), max_cumul))).collect::<Vec<_>>().join(" ");
    let echelle = |max: f64| (0..=4).map(|k| (y(max * k as f64 / 4.0, max), crate::text::nombre_fr((max * k as f64 / 4.0).round()))).collect();
    let chaque = mois.len().div_ceil(6).max(1);
    let etiquettes = mois.iter().enumerate().filter(|(i, _)| i % chaque == 0).map(|(i, m)| (arrondi(G + (i as f64 + 0.5) * pas), abrege(&m.mois))).collect();
    Graphique {
        largeur: L,
        hauteur: H + HAUT + 30.0,
        barres,
        cumul: ligne(&|m| m.cumul),
        attendu: ligne(&|m| m.attendu),
        graduations: echelle(max_mois),
        etiquettes,
        echelle_cumul: echelle(max_cumul),
        objectif: (objectif > 0.0).then(|| y(objectif, max_cumul)),
    }
}

/// One bar of a breakdown: its label, its value as text, and its length (none when the
/// row is masked).
#[derive(Debug, Serialize)]
pub struct Barre {
    pub libelle: String,
    pub valeur: String,
    pub y: f64,
    pub longueur: Option<f64>,
}

/// A breakdown as horizontal bars.
#[derive(Debug, Serialize, Default)]
pub struct Barres {
    pub largeur: f64,
    pub hauteur: f64,
    pub barres: Vec<Barre>,
}

/// Rows (label, value or masked, value as text) as horizontal bars: labels on the left,
/// bars from x = 200 to 560, values at the bar's end.
pub fn barres(lignes: Vec<(String, Option<f64>, String)>) -> Barres {
    const DEBUT: f64 = 200.0;
    const LONGUEUR: f64 = 340.0;
    const LIGNE: f64 = 22.0;
    let max = lignes.iter().filter_map(|l| l.1).fold(0.0, f64::max);
    let n = lignes.len();
    let barres = lignes
        .into_iter()
        .enumerate()
        .map(|(i, (libelle, v, valeur))| {
            let libelle = if libelle.chars().count() > 32 { format!("{}…", libelle.chars().take(31).collect::<String>()) } else { libelle };
            Barre { libelle, valeur, y: arrondi(i as f64 * LIGNE + 4.0), longueur: v.map(|v| if max > 0.0 { arrondi(v / max * LONGUEUR).max(1.0) } else { 1.0 }) }
        })
        .collect();
    Barres { largeur: DEBUT + LONGUEUR + 100.0, hauteur: n as f64 * LIGNE + 8.0, barres }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(r: f64, t: f64, c: f64, a: f64) -> MoisGraphique {
        MoisGraphique { mois: "mars 2025".into(), realisees: r, retenues: t, cumul: c, attendu: a }
    }

    #[test]
    fn the_tallest_bar_fills_the_axis_and_the_objective_tops_the_right_one() {
        let g = heures_par_mois(&[m(100.0, 50.0, 50.0, 40.0), m(200.0, 200.0, 250.0, 80.0)], 400.0);
        assert_eq!(g.barres[1].2, 20.0, "200 h is the top of the left axis");
        assert_eq!(g.barres[0].2, 130.0, "100 h is half way");
        assert_eq!(g.objectif, Some(20.0), "the objective is the top of the right axis");
        assert_eq!(g.etiquettes[0].1, "mars 2025");
        assert_eq!(abrege("septembre 2025"), "sept. 2025");
        assert_eq!(g.graduations.last().unwrap().1, "200");
        assert_eq!(g.echelle_cumul.last().unwrap().1, "400");
        assert!(heures_par_mois(&[], 10.0).barres.is_empty());
    }

    #[test]
    fn masked_rows_have_no_bar() {
        let b = barres(vec![("CDD".into(), Some(300.0), "300 h".into()), ("CDI".into(), None, "masqué".into()), ("Intérim".into(), Some(150.0), "150 h".into())]);
        assert_eq!(b.barres[0].longueur, Some(340.0));
        assert_eq!(b.barres[1].longueur, None);
        assert_eq!(b.barres[2].longueur, Some(170.0));
    }
}
