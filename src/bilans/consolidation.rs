//! The yearly consolidation of a structure (aggregates only: hours, contrats,
//! participants, opérations, marchés, donneurs d'ordre, entreprises, breakdowns) as one
//! XML file, and the merge of several structures' files into a network table — how the
//! national results are consolidated each year.
//!
//! ```xml
//! <consolidation xmlns="urn:clausier:consolidation:1" structure="PLIE …" annee="2025">
//!   <activite operations="12" marches="40" donneurs_ordre="5"/>
//!   … the elements of a bilan (see `export::xml`): heures, non-retenues, effectifs,
//!     ventilation*, public, situation-6-mois, mois …
//! </consolidation>
//! ```

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::NaiveDate;
use entities::{marches, operations};
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, Event};
use quick_xml::Writer;
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, QueryFilter, QuerySelect};

use super::export::xml::{corps, vide};
use super::model::Bilan;
use super::service::{bilan, periode, Cible};
use crate::auth::{Acteur, GESTION};
use crate::error::{AppError, AppResult};

pub const NAMESPACE: &str = "urn:clausier:consolidation:1";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Activite {
    pub operations: u64,
    pub marches: u64,
    pub donneurs_ordre: u64,
}

fn annee_bornes(annee: i32) -> AppResult<(NaiveDate, NaiveDate)> {
    match (NaiveDate::from_ymd_opt(annee, 1, 1), NaiveDate::from_ymd_opt(annee, 12, 31)) {
        (Some(a), Some(b)) if (2000..=2100).contains(&annee) => Ok((a, b)),
        _ => Err(AppError::field("annee", "Année entre 2000 et 2100 attendue.")),
    }
}

/// The structure's bilan of the year and its activity (marchés executed in the year,
/// their opérations and donneurs d'ordre).
pub async fn consolider(db: &impl ConnectionTrait, acteur: &Acteur, annee: i32) -> AppResult<(Bilan, Activite)> {
    acteur.require(GESTION)?;
    let (du, au) = annee_bornes(annee)?;
    let b = bilan(db, acteur, Cible::Structure, periode(Some(du), Some(au))?).await?;
    let actifs: Vec<(i64, i64)> = acteur
        .scoped::<marches::Entity>()
        .filter(marches::Column::DateDebut.lte(au))
        .filter(marches::Column::DateFin.gte(du))
        .select_only()
        .column(marches::Column::Id)
        .column(marches::Column::OperationId)
        .into_tuple()
        .all(db)
        .await?;
    let ops: Vec<i64> = actifs.iter().map(|(_, o)| *o).collect::<HashSet<_>>().into_iter().collect();
    let donneurs: HashSet<i64> = acteur
        .scoped::<operations::Entity>()
        .filter(operations::Column::Id.is_in(ops.clone()))
        .select_only()
        .column(operations::Column::DonneurOrdreId)
        .into_tuple::<i64>()
        .all(db)
        .await?
        .into_iter()
        .collect();
    Ok((b, Activite { operations: ops.len() as u64, marches: actifs.len() as u64, donneurs_ordre: donneurs.len() as u64 }))
}

pub fn xml(annee: i32, b: &Bilan, a: &Activite) -> anyhow::Result<Vec<u8>> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let annee = annee.to_string();
    w.write_event(Event::Start(BytesStart::new("consolidation").with_attributes([("xmlns", NAMESPACE), ("structure", b.perimetre.nom.as_str()), ("annee", annee.as_str())])))?;
    w.write_event(vide("activite", vec![("operations", a.operations.to_string()), ("marches", a.marches.to_string()), ("donneurs_ordre", a.donneurs_ordre.to_string())]))?;
    corps(&mut w, b)?;
    w.write_event(Event::End(BytesEnd::new("consolidation")))?;
    Ok(w.into_inner())
}

/// One structure's consolidation, flattened: `heures.retenues`, `effectifs.participants`,
/// `par_type_contrat.cdd.heures_retenues`, `public.femmes`…
#[derive(Debug, Clone, PartialEq)]
pub struct Ligne {
    pub structure: String,
    pub annee: i32,
    pub valeurs: BTreeMap<String, f64>,
}

/// Reads a consolidation file; errors name the line.
pub fn lire(bytes: &[u8]) -> Result<Ligne, String> {
    let mut reader = quick_xml::Reader::from_reader(bytes);
    let mut buf = Vec::new();
    let mut ligne = Ligne { structure: String::new(), annee: 0, valeurs: BTreeMap::new() };
    let mut section: Option<String> = None;
    let mut racine = false;
    let line_of = |pos: u64| bytes[..(pos as usize).min(bytes.len())].iter().filter(|b| **b == b'\n').count() + 1;
    loop {
        let pos = reader.buffer_position();
        let event = reader.read_event_into(&mut buf).map_err(|e| format!("ligne {} : XML illisible ({e})", line_of(pos)))?;
        let attrs = |e: &BytesStart| -> Result<Vec<(String, String)>, String> {
            e.attributes()
                .map(|a| {
                    let a = a.map_err(|e| format!("ligne {} : attribut illisible ({e})", line_of(pos)))?;
                    let v = a.unescape_value().map_err(|e| format!("ligne {} : valeur illisible ({e})", line_of(pos)))?;
                    Ok((String::from_utf8_lossy(a.key.as_ref()).to_string(), v.to_string()))
                })
                .collect()
        };
        match event {
            Event::Start(e) if e.name().as_ref() == b"consolidation" => {
                racine = true;
                for (k, v) in attrs(&e)? {
                    match k.as_str() {
                        "structure" => ligne.structure = v,
                        "annee" => ligne.annee = v.parse().map_err(|_| format!("ligne {} : année illisible « {v} »", line_of(pos)))?,
                        _ => {}
                    }
                }
            }
            Event::Start(e) if e.name().as_ref() == b"ventilation" => {
                section = attrs(&e)?.into_iter().find(|(k, _)| k == "nom").map(|(_, v)| v);
            }
            Event::Start(e) if matches!(e.name().as_ref(), b"public" | b"situation-6-mois") => {
                section = Some(if e.name().as_ref() == b"public" { "public".into() } else { "situation".into() });
            }
            Event::Start(e) if e.name().as_ref() == b"mois" => section = Some("mois".into()),
            Event::End(e) if matches!(e.name().as_ref(), b"ventilation" | b"public" | b"situation-6-mois" | b"mois") => section = None,
            // A breakdown line carries its label as text (`<ligne cle="cdd" …>CDD</ligne>`).
            Event::Empty(e) | Event::Start(e) => {
                let name = String::from_utf8_lossy(e.name().as_ref()).to_string();
                let attrs = attrs(&e)?;
                match (name.as_str(), section.as_deref()) {
                    ("ligne", Some("mois")) => {}
                    ("ligne", Some(s)) => {
                        let cle = attrs.iter().find(|(k, _)| k == "cle").map(|(_, v)| v.clone()).ok_or_else(|| format!("ligne {} : « cle » manquante", line_of(pos)))?;
                        for (k, v) in attrs.iter().filter(|(k, _)| k != "cle") {
                            ligne.valeurs.insert(format!("{s}.{cle}.{k}"), nombre(&v, line_of(pos))?);
                        }
                    }
                    (element, None) => {
                        for (k, v) in &attrs {
                            ligne.valeurs.insert(format!("{element}.{k}"), nombre(v, line_of(pos))?);
                        }
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !racine || ligne.structure.is_empty() {
        return Err("ce fichier n'est pas une consolidation Clausier (élément <consolidation structure=…> absent)".into());
    }
    Ok(ligne)
}

fn nombre(v: &str, line: usize) -> Result<f64, String> {
    if v == "< 5" {
        return Err(format!("ligne {line} : effectif masqué « < 5 » : une consolidation ne contient que des agrégats non masqués"));
    }
    v.parse().map_err(|_| format!("ligne {line} : nombre illisible « {v} »"))
}

/// The network table: one row per structure (by name), then the total. Columns are the
/// union of every file's keys; ratios are recomputed on the total, not summed.
pub fn table(lignes: &[Ligne]) -> (Vec<String>, Vec<(String, Vec<f64>)>) {
    let cles: BTreeSet<&String> = lignes.iter().flat_map(|l| l.valeurs.keys()).filter(|k| *k != "heures.taux").collect();
    let mut cles: Vec<String> = cles.into_iter().cloned().collect();
    // The headline figures first.
    let tete = ["heures.objectif", "heures.realisees", "heures.retenues", "effectifs.participants", "effectifs.contrats", "effectifs.entreprises", "effectifs.siae", "activite.operations", "activite.marches", "activite.donneurs_ordre"];
    cles.sort_by_key(|k| (tete.iter().position(|t| t == k).unwrap_or(tete.len()), k.clone()));
    let mut lignes: Vec<&Ligne> = lignes.iter().collect();
    lignes.sort_by(|a, b| a.structure.cmp(&b.structure));
    let mut rows: Vec<(String, Vec<f64>)> = lignes.iter().map(|l| (l.structure.clone(), cles.iter().map(|k| l.valeurs.get(k).copied().unwrap_or(0.0)).collect())).collect();
    let total: Vec<f64> = (0..cles.len()).map(|i| rows.iter().map(|r| r.1[i]).sum()).collect();
    rows.push(("TOTAL".into(), total));
    let mut headers = vec!["structure".to_string()];
    headers.extend(cles);
    headers.push("heures.taux".into());
    let (io, ir) = (headers.iter().position(|h| h == "heures.objectif"), headers.iter().position(|h| h == "heures.retenues"));
    for r in &mut rows {
        let taux = match (io, ir) {
            (Some(o), Some(t)) if r.1[o - 1] > 0.0 => r.1[t - 1] / r.1[o - 1],
            _ => 0.0,
        };
        r.1.push(taux);
    }
    (headers, rows)
}

pub fn table_csv(headers: &[String], rows: &[(String, Vec<f64>)]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::from("\u{feff}".as_bytes());
    {
        let mut w = ::csv::WriterBuilder::new().delimiter(b';').terminator(::csv::Terminator::CRLF).from_writer(&mut out);
        w.write_record(headers)?;
        for (s, v) in rows {
            let mut rec = vec![s.clone()];
            rec.extend(v.iter().map(|x| super::export::csv::nombre(*x)));
            w.write_record(rec)?;
        }
        w.flush()?;
    }
    Ok(out)
}

pub fn table_xlsx(headers: &[String], rows: &[(String, Vec<f64>)]) -> anyhow::Result<Vec<u8>> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let gras = rust_xlsxwriter::Format::new().set_bold();
    let ws = wb.add_worksheet().set_name("Consolidation")?;
    for (i, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, i as u16, h, &gras)?;
    }
    for (r, (s, v)) in rows.iter().enumerate() {
        let row = r as u32 + 1;
        ws.write_string(row, 0, s)?;
        for (c, x) in v.iter().enumerate() {
            ws.write_number(row, c as u16 + 1, *x)?;
        }
    }
    Ok(wb.save_to_buffer()?)
}

/// Writes `consolidation-<annee>-<structure id>.xml` for one structure (by name) or for
/// every structure; returns how many files were written.
pub async fn exporter(db: &DatabaseConnection, annee: i32, structure: Option<&str>, dossier: &std::path::Path) -> anyhow::Result<usize> {
    use sea_orm::EntityTrait;
    let mut select = entities::structures::Entity::find();
    if let Some(nom) = structure {
        select = select.filter(entities::structures::Column::Nom.eq(nom));
    }
    let structures = select.all(db).await?;
    anyhow::ensure!(!structures.is_empty(), "aucune structure{}", structure.map(|s| format!(" nommée « {s} »")).unwrap_or_default());
    std::fs::create_dir_all(dossier)?;
    // Structures are independent: a few at a time, one per core (each reads on its own
    // connection and counts on its own thread).
    let paralleles = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8);
    let mut restantes = structures.iter().cloned();
    let mut en_cours = tokio::task::JoinSet::new();
    loop {
        while en_cours.len() < paralleles {
            let Some(s) = restantes.next() else { break };
            let (db, dossier) = (db.clone(), dossier.to_path_buf());
            en_cours.spawn(async move {
                let acteur = Acteur::systeme(s.id);
                let (b, activite) = consolider(&db, &acteur, annee).await.map_err(|e| anyhow::anyhow!("{} : {}", s.nom, e.problem().detail))?;
                std::fs::write(dossier.join(format!("consolidation-{annee}-{}.xml", s.id)), xml(annee, &b, &activite)?)?;
                anyhow::Ok(())
            });
        }
        match en_cours.join_next().await {
            Some(fini) => fini??,
            None => break,
        }
    }
    Ok(structures.len())
}

/// Reads every file (errors are reported per file, never silently skipped) and writes
/// the network table. Returns the number of structures merged and the errors.
pub fn fusionner(fichiers: &[std::path::PathBuf], sortie: &std::path::Path) -> anyhow::Result<(usize, Vec<String>)> {
    let mut lignes = Vec::new();
    let mut erreurs = Vec::new();
    for f in fichiers {
        match std::fs::read(f).map_err(|e| e.to_string()).and_then(|b| lire(&b)) {
            Ok(l) => lignes.push(l),
            Err(e) => erreurs.push(format!("{} : {e}", f.display())),
        }
    }
    anyhow::ensure!(!lignes.is_empty(), "aucun fichier lisible :\n{}", erreurs.join("\n"));
    let (headers, rows) = table(&lignes);
    let bytes = match sortie.extension().and_then(|e| e.to_str()) {
        Some("xlsx") => table_xlsx(&headers, &rows)?,
        Some("csv") | None => table_csv(&headers, &rows)?,
        Some(other) => anyhow::bail!("format de sortie « {other} » inconnu : .csv ou .xlsx"),
    };
    std::fs::write(sortie, bytes)?;
    Ok((lignes.len(), erreurs))
}
