//! CSV for French Excel: UTF-8 with BOM, `;` separators, decimal commas, CRLF. Sections
//! (summary, each breakdown, public, situation at 6 months, months) are separated by an
//! empty line and start with their title.

use super::{cellule_csv, libelle, synthese, Valeur, CODE, COLONNES};
use crate::bilans::model::{heures_ou_masque, Bilan, Compte};

/// A number with a decimal comma, at most 6 decimals, no trailing zeros.
pub fn nombre(x: f64) -> String {
    let s = format!("{x:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.replace('.', ",")
}

pub fn render(b: &Bilan) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = ::csv::WriterBuilder::new().delimiter(b';').terminator(::csv::Terminator::CRLF).flexible(true).from_writer(&mut out);
        w.write_record(["Bilan", "Valeur"])?;
        for (label, v) in synthese(b) {
            let v = match v {
                Valeur::Texte(t) => cellule_csv(&t).into_owned(),
                Valeur::Nombre(x) => nombre(x),
                Valeur::Pourcent(x) => crate::text::pourcent_fr(x),
            };
            w.write_record([label, v.as_str()])?;
        }
        for (_, titre, genre, table) in b.ventilations() {
            w.write_record([""])?;
            let mut header = vec![titre];
            header.extend(COLONNES);
            header.push(CODE);
            w.write_record(header)?;
            for (k, v) in table {
                let l = cellule_csv(&libelle(genre, k)).into_owned();
                w.write_record([l, v.contrats.texte(), v.participants.texte(), heures_ou_masque(v.heures_realisees, nombre), heures_ou_masque(v.heures_retenues, nombre), cellule_csv(k).into_owned()])?;
            }
        }
        for (titre, genre, table) in [("Public (participants)", "public", &b.par_public), ("Situation à 6 mois (participants)", "situation_suivi", &b.situation_6_mois)] {
            w.write_record([""])?;
            w.write_record([titre, "Participants", CODE])?;
            for (k, c) in table {
                w.write_record([cellule_csv(&libelle(genre, k)).as_ref(), Compte::texte(c).as_str(), k.as_str()])?;
            }
        }
        w.write_record([""])?;
        w.write_record(["Mois", "Heures réalisées", "Heures retenues"])?;
        for m in &b.par_mois {
            w.write_record([super::mois(&m.mois), nombre(m.heures_realisees), nombre(m.heures_retenues)])?;
        }
        w.flush()?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn french_numbers() {
        assert_eq!(super::nombre(630.25), "630,25");
        assert_eq!(super::nombre(450.0), "450");
        assert_eq!(super::nombre(0.5175), "0,5175");
        assert_eq!(super::nombre(1.4005555555), "1,400556");
    }
}
