//! The month's grid as a spreadsheet, for companies with many contrats (ETTI, GEIQ):
//! `GET /declarations/tableur?mois=AAAA-MM&format=xlsx|csv` gives the grid's contrats
//! pre-filled (drafts included), in French Excel's conventions; `POST
//! /declarations/tableur` takes the file back filled in. Every line goes through the
//! grid's service (`declarer_lot`), all or nothing: if one line is refused, nothing is
//! written and each refused line is reported with its row number — the file can then be
//! corrected and sent again whole, without lines half recorded in between.

use std::collections::BTreeMap;

use axum::extract::{Multipart, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use axum::Router;
use calamine::Reader;
use entities::enums::StatutDeclaration;
use serde::Deserialize;

use super::heures::{afficher, apres_envoi, declarations_refusees, formulaire_etranger, liste_de_retour, mois_choisi, Saisies, ROLES};
use crate::auth::session::Connecte;
use crate::error::AppError;
use crate::parcours::forms::HeuresInput;
use crate::parcours::limites::{format_mois, heures, heures_en_saisie, heures_saisies};
use crate::relances::declarations::contrats_a_declarer;
use crate::state::AppState;
use crate::web::{page_erreur, ApiQuery};

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/declarations/tableur", get(telecharger).post(envoyer))
}

/// The columns, in order; the three the upload reads are found by their title.
const COLONNES: [&str; 9] = ["N° contrat", "Salarié", "Poste", "Employeur", "Début", "Fin", "Plafond du mois (h)", "Heures de travail", "Heures de formation"];
const CONTRAT: &str = "N° contrat";
const TRAVAIL: &str = "Heures de travail";
const FORMATION: &str = "Heures de formation";

#[derive(Deserialize)]
struct Choix {
    mois: Option<String>,
    format: Option<String>,
}

async fn telecharger(State(state): State<AppState>, c: Connecte, ApiQuery(choix): ApiQuery<Choix>) -> Result<Response, AppError> {
    if !ROLES.contains(&c.acteur.role) {
        return declarations_refusees(&state, &c);
    }
    let mois = match mois_choisi(&state, choix.mois.as_deref()) {
        Ok(m) => m,
        Err(message) => return page_erreur(&state, Some(&c), StatusCode::BAD_REQUEST, "Mois illisible", &message),
    };
    let contrats = contrats_a_declarer(&state.db, &c.acteur, mois).await?;
    let noms = crate::clauses::service::noms_entreprises(&state.db, &c.acteur, contrats.iter().map(|k| k.employeur_id).collect()).await?;
    let params = crate::parcours::service::parametres(&state.db, c.acteur.structure_id).await?;
    let lignes: Vec<[String; 9]> = contrats
        .iter()
        .map(|k| {
            let brouillon = k.courante.as_ref().filter(|h| h.statut == StatutDeclaration::Brouillon);
            let plafond = crate::parcours::limites::plafond_minutes(mois, k.date_debut, k.date_fin, params.heures_max_semaine, params.heures_max_jour_ouvre);
            [
                k.contrat_id.to_string(),
                k.participant.clone(),
                k.poste.clone(),
                noms.get(&k.employeur_id).cloned().unwrap_or_default(),
                crate::text::date_num(k.date_debut),
                k.date_fin.map(crate::text::date_num).unwrap_or_default(),
                heures_en_saisie(heures(plafond)),
                brouillon.map(|b| heures_en_saisie(heures(b.minutes_travail.into()))).unwrap_or_default(),
                brouillon.map(|b| heures_en_saisie(heures(b.minutes_formation.into()))).unwrap_or_else(|| "0".into()),
            ]
        })
        .collect();
    let nom = format!("heures-{}", format_mois(mois));
    let (type_mime, corps, extension) = match choix.format.as_deref() {
        Some("csv") => ("text/csv; charset=utf-8", csv(&lignes)?, "csv"),
        _ => ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", xlsx(&lignes, &crate::text::mois_fr(mois))?, "xlsx"),
    };
    Ok(([(header::CONTENT_TYPE, type_mime.to_string()), (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{nom}.{extension}\""))], corps).into_response())
}

/// French Excel's CSV: UTF-8 with a BOM, `;`, decimal commas, CRLF; cells neutralised.
fn csv(lignes: &[[String; 9]]) -> Result<Vec<u8>, AppError> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = ::csv::WriterBuilder::new().delimiter(b';').terminator(::csv::Terminator::CRLF).from_writer(&mut out);
        w.write_record(COLONNES).map_err(anyhow::Error::from)?;
        for l in lignes {
            w.write_record(l.iter().map(|c| crate::bilans::export::cellule_csv(c).into_owned())).map_err(anyhow::Error::from)?;
        }
        w.flush().map_err(anyhow::Error::from)?;
    }
    Ok(out)
}

fn xlsx(lignes: &[[String; 9]], mois: &str) -> Result<Vec<u8>, AppError> {
    use rust_xlsxwriter::{Format, Workbook};
    let mut wb = Workbook::new();
    let feuille = wb.add_worksheet();
    feuille.set_name(format!("Heures {mois}")).map_err(anyhow::Error::from)?;
    let gras = Format::new().set_bold();
    for (j, titre) in COLONNES.iter().enumerate() {
        feuille.write_string_with_format(0, j as u16, *titre, &gras).map_err(anyhow::Error::from)?;
    }
    for (i, l) in lignes.iter().enumerate() {
        let r = i as u32 + 1;
        for (j, valeur) in l.iter().enumerate() {
            let numerique = matches!(j, 0 | 6 | 7 | 8) && !valeur.is_empty();
            match valeur.replace(',', ".").parse::<f64>() {
                Ok(n) if numerique => feuille.write_number(r, j as u16, n),
                _ => feuille.write_string(r, j as u16, crate::bilans::export::cellule_xlsx(valeur)),
            }
            .map_err(anyhow::Error::from)?;
        }
    }
    feuille.set_column_width(1, 18).and_then(|f| f.set_column_width(2, 24)).and_then(|f| f.set_column_width(3, 24)).map_err(anyhow::Error::from)?;
    feuille.set_column_width(7, 18).and_then(|f| f.set_column_width(8, 18)).map_err(anyhow::Error::from)?;
    Ok(wb.save_to_buffer().map_err(anyhow::Error::from)?)
}

/// One data row of the file sent back: its row number, contrat, and the hours as typed.
struct Rangee {
    numero: usize,
    contrat: String,
    travail: String,
    formation: String,
}

/// The rows of a spreadsheet (XLSX by its signature, else CSV with `;` or `,`), found by
/// the titles of their columns; or why the file cannot be read.
fn rangees(octets: &[u8]) -> Result<Vec<Rangee>, String> {
    let table: Vec<Vec<String>> = if octets.starts_with(b"PK") {
        let mut wb: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(octets.to_vec())).map_err(|_| "Ce classeur Excel est illisible : enregistrez-le au format .xlsx ou .csv.".to_string())?;
        let feuille = wb.worksheet_range_at(0).ok_or("Ce classeur n'a aucune feuille.")?.map_err(|_| "La première feuille du classeur est illisible.".to_string())?;
        feuille
            .rows()
            .map(|r| {
                r.iter()
                    .map(|c| match c {
                        calamine::Data::Float(f) => heures_en_saisie(*f),
                        calamine::Data::Int(i) => i.to_string(),
                        autre => autre.to_string(),
                    })
                    .collect()
            })
            .collect()
    } else {
        let texte = std::str::from_utf8(octets).map_err(|_| "Ce fichier n'est ni un classeur .xlsx ni un CSV en UTF-8.".to_string())?;
        let texte = texte.trim_start_matches('\u{feff}');
        let entete = texte.lines().next().unwrap_or_default();
        let separateur = if entete.matches(';').count() >= entete.matches(',').count() { b';' } else { b',' };
        let mut lecteur = ::csv::ReaderBuilder::new().delimiter(separateur).has_headers(false).flexible(true).from_reader(texte.as_bytes());
        lecteur.records().map(|r| r.map(|r| r.iter().map(str::to_string).collect()).map_err(|_| "Ce CSV est illisible.".to_string())).collect::<Result<_, _>>()?
    };
    let Some(titres) = table.first() else { return Err("Le fichier est vide.".into()) };
    let colonne = |nom: &str| titres.iter().position(|t| t.trim().eq_ignore_ascii_case(nom));
    let (Some(k), Some(t), f) = (colonne(CONTRAT), colonne(TRAVAIL), colonne(FORMATION)) else {
        return Err(format!("Colonnes « {CONTRAT} » et « {TRAVAIL} » introuvables : partez du fichier téléchargé depuis cette page."));
    };
    let cellule = |r: &Vec<String>, i: usize| r.get(i).map(|c| c.trim().to_string()).unwrap_or_default();
    Ok(table
        .iter()
        .enumerate()
        .skip(1)
        .filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty()))
        .map(|(i, r)| Rangee { numero: i + 1, contrat: cellule(r, k), travail: cellule(r, t), formation: f.map(|f| cellule(r, f)).unwrap_or_default() })
        .collect())
}

async fn envoyer(State(state): State<AppState>, c: Connecte, multipart: Multipart) -> Result<Response, AppError> {
    let mut temporaire = tempfile::NamedTempFile::new().map_err(anyhow::Error::from)?;
    let (valeurs, envoye) = super::import::lire(multipart, &mut temporaire).await?;
    let champ = |nom: &str| valeurs.get(nom).map(String::as_str).unwrap_or_default();
    if champ("csrf") != c.csrf {
        return formulaire_etranger(&state, &c);
    }
    if !ROLES.contains(&c.acteur.role) {
        return declarations_refusees(&state, &c);
    }
    let mois = match mois_choisi(&state, Some(champ("mois")).filter(|m| !m.is_empty()).or(Some("?"))) {
        Ok(m) => m,
        Err(message) => return page_erreur(&state, Some(&c), StatusCode::BAD_REQUEST, "Mois illisible", &message),
    };
    let brouillon = champ("action") == "brouillon";
    let p = liste_de_retour(champ("retour"));
    let mut saisies = Saisies { attestation: champ("attestation") == "oui", ..Default::default() };
    let octets = std::fs::read(temporaire.path()).map_err(anyhow::Error::from)?;
    if envoye.is_none_or(|(_, taille)| taille == 0) {
        saisies.generales.push("Choisissez le fichier à envoyer (.xlsx ou .csv).".into());
        return afficher(&state, &c, mois, None, &saisies, &p).await;
    }
    let rangees = match rangees(&octets) {
        Ok(r) => r,
        Err(message) => {
            saisies.generales.push(message);
            return afficher(&state, &c, mois, None, &saisies, &p).await;
        }
    };
    let noms: BTreeMap<i64, String> = contrats_a_declarer(&state.db, &c.acteur, mois).await?.into_iter().map(|k| (k.contrat_id, k.participant)).collect();
    let mut lignes = Vec::new();
    let mut par_contrat: BTreeMap<i64, usize> = BTreeMap::new();
    for r in &rangees {
        let qui = |id: Option<i64>| id.and_then(|i| noms.get(&i).cloned()).map(|n| format!(" ({n})")).unwrap_or_default();
        let Ok(id) = r.contrat.parse::<i64>() else {
            saisies.generales.push(format!("Ligne {} : « {} » n'est pas un numéro de contrat.", r.numero, r.contrat.chars().take(20).collect::<String>()));
            continue;
        };
        if r.travail.is_empty() && matches!(r.formation.as_str(), "" | "0") {
            continue;
        }
        if let Some(avant) = par_contrat.insert(id, r.numero) {
            saisies.generales.push(format!("Ligne {} : le contrat {id} est déjà à la ligne {avant}.", r.numero));
            continue;
        }
        let formation = if r.formation.is_empty() { "0".to_string() } else { r.formation.clone() };
        match (heures_saisies(&r.travail), heures_saisies(&formation)) {
            (Ok(t), Ok(f)) => lignes.push((id, HeuresInput { heures_travail: t, heures_formation: f, motif: None, revision: None, brouillon, attestation: saisies.attestation })),
            (t, f) => {
                for (quoi, e) in [("travail", t.err()), ("formation", f.err())] {
                    if let Some(e) = e {
                        saisies.generales.push(format!("Ligne {}{} : heures de {quoi} : {e}", r.numero, qui(Some(id))));
                    }
                }
            }
        }
    }
    if lignes.is_empty() && saisies.generales.is_empty() {
        saisies.generales.push("Le fichier n'a aucune ligne d'heures remplie.".into());
    }
    if !saisies.generales.is_empty() {
        saisies.generales.insert(0, "Rien n'a été enregistré : corrigez le fichier puis envoyez-le de nouveau.".into());
        return afficher(&state, &c, mois, None, &saisies, &p).await;
    }
    match crate::parcours::service::heures::declarer_lot(&state.db, &state.clock, &c.acteur, &format_mois(mois), lignes).await? {
        Ok(n) => Ok(Redirect::to(&apres_envoi(&p, mois, n, brouillon)).into_response()),
        Err(refus) => {
            saisies.generales.push("Rien n'a été enregistré : corrigez le fichier puis envoyez-le de nouveau.".into());
            for (id, messages) in refus {
                let numero = par_contrat.get(&id).copied().unwrap_or_default();
                let qui = noms.get(&id).map(|n| format!(" ({n})")).unwrap_or_default();
                for m in messages {
                    saisies.generales.push(format!("Ligne {numero}{qui} : {m}"));
                }
            }
            afficher(&state, &c, mois, None, &saisies, &p).await
        }
    }
}
