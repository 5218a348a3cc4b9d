//! XLSX: a "Synthèse" sheet, one sheet per breakdown, "Public", "Situation à 6 mois" and
//! "Par mois"; hours and counts are numbers (a masked count is the text "< 5").

use rust_xlsxwriter::{Format, Workbook, Worksheet};

use super::{cellule_xlsx, libelle, synthese, Valeur, CODE, COLONNES};
use crate::bilans::model::{Bilan, Compte};

fn compte(ws: &mut Worksheet, row: u32, col: u16, c: &Compte) -> Result<(), rust_xlsxwriter::XlsxError> {
    if c.masque {
        ws.write_string(row, col, c.texte())?;
    } else {
        ws.write_number(row, col, c.n as f64)?;
    }
    Ok(())
}

pub fn render(b: &Bilan) -> anyhow::Result<Vec<u8>> {
    let mut wb = Workbook::new();
    let gras = Format::new().set_bold();
    let heures = Format::new().set_num_format("# ##0.00");
    let pourcent = Format::new().set_num_format("0.0 %");
    {
        let ws = wb.add_worksheet().set_name("Synthèse")?;
        ws.write_string_with_format(0, 0, "Bilan", &gras)?;
        ws.write_string_with_format(0, 1, "Valeur", &gras)?;
        for (i, (label, v)) in synthese(b).into_iter().enumerate() {
            let row = i as u32 + 1;
            ws.write_string(row, 0, label)?;
            match v {
                Valeur::Texte(t) => ws.write_string(row, 1, cellule_xlsx(&t))?,
                Valeur::Nombre(x) => ws.write_number_with_format(row, 1, x, &heures)?,
                Valeur::Pourcent(x) => ws.write_number_with_format(row, 1, x, &pourcent)?,
            };
        }
        ws.set_column_width(0, 38)?;
        ws.set_column_width(1, 40)?;
    }
    for (_, titre, genre, table) in b.ventilations() {
        let ws = wb.add_worksheet().set_name(titre)?;
        ws.write_string_with_format(0, 0, titre, &gras)?;
        for (i, c) in COLONNES.iter().chain([&CODE]).enumerate() {
            ws.write_string_with_format(0, i as u16 + 1, *c, &gras)?;
        }
        for (i, (k, v)) in table.iter().enumerate() {
            let row = i as u32 + 1;
            ws.write_string(row, 0, cellule_xlsx(&libelle(genre, k)))?;
            compte(ws, row, 1, &v.contrats)?;
            compte(ws, row, 2, &v.participants)?;
            for (colonne, h) in [(3, v.heures_realisees), (4, v.heures_retenues)] {
                match h {
                    Some(h) => ws.write_number_with_format(row, colonne, h, &heures)?,
                    None => ws.write_string(row, colonne, crate::bilans::model::MASQUE)?,
                };
            }
            ws.write_string(row, 5, cellule_xlsx(k))?;
        }
        ws.set_column_width(0, 30)?;
    }
    for (titre, genre, table) in [("Public", "public", &b.par_public), ("Situation à 6 mois", "situation_suivi", &b.situation_6_mois)] {
        let ws = wb.add_worksheet().set_name(titre)?;
        ws.write_string_with_format(0, 0, titre, &gras)?;
        ws.write_string_with_format(0, 1, "Participants", &gras)?;
        ws.write_string_with_format(0, 2, CODE, &gras)?;
        for (i, (k, c)) in table.iter().enumerate() {
            ws.write_string(i as u32 + 1, 0, cellule_xlsx(&libelle(genre, k)))?;
            compte(ws, i as u32 + 1, 1, c)?;
            ws.write_string(i as u32 + 1, 2, cellule_xlsx(k))?;
        }
        ws.set_column_width(0, 30)?;
    }
    {
        let ws = wb.add_worksheet().set_name("Par mois")?;
        for (i, c) in ["Mois", "Heures réalisées", "Heures retenues"].iter().enumerate() {
            ws.write_string_with_format(0, i as u16, *c, &gras)?;
        }
        for (i, m) in b.par_mois.iter().enumerate() {
            let row = i as u32 + 1;
            ws.write_string(row, 0, super::mois(&m.mois))?;
            ws.write_number_with_format(row, 1, m.heures_realisees, &heures)?;
            ws.write_number_with_format(row, 2, m.heures_retenues, &heures)?;
        }
    }
    Ok(wb.save_to_buffer()?)
}
