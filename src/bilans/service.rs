//! `bilans::service`: the bilan of a perimeter (opération, marché, clause, donneur
//! d'ordre, entreprise, structure) over whole months, with every breakdown of
//! domain.md §5. The hours come from the same counting as the clauses
//! (`clauses::service::compte`), so a bilan and a clause never disagree.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use entities::enums::{NiveauFormation, Role, Sexe};
use entities::{clauses, contrats, criteres, entreprises, lots, marches, mises_en_emploi, operations, participants, suivis_six_mois};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::model::*;
use crate::auth::Acteur;
use crate::clauses::service::compte::{self, Filtre};
use crate::clauses::service::{clauses as clause_service, get_donneur_ordre, get_entreprise, marches as marche_service, operations as operation_service};
use crate::clauses::views::{est_siae, HeuresNonRetenues};
use crate::comptage::{mul_div_round, NonRetenues};
use crate::error::{AppError, AppResult, FieldError};
use crate::parcours::forms::age_at;
use crate::parcours::limites::heures;

/// What a bilan is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cible {
    Operation(i64),
    Marche(i64),
    Clause(i64),
    DonneurOrdre(i64),
    Entreprise(i64),
    Structure,
}

/// Whole months: `du` a first day, `au` a last day; both optional (all time).
pub fn periode(du: Option<NaiveDate>, au: Option<NaiveDate>) -> AppResult<Periode> {
    let mut errors = Vec::new();
    if du.is_some_and(|d| d.day() != 1) {
        errors.push(FieldError::new("du", "Un bilan porte sur des mois entiers : « du » doit être un premier du mois."));
    }
    if au.is_some_and(|d| d.checked_add_days(chrono::Days::new(1)).is_some_and(|n| n.day() != 1)) {
        errors.push(FieldError::new("au", "Un bilan porte sur des mois entiers : « au » doit être un dernier jour du mois."));
    }
    if let (Some(a), Some(b)) = (du, au) {
        if b < a {
            errors.push(FieldError::new("au", "La fin de la période précède son début."));
        }
    }
    if errors.is_empty() { Ok(Periode { du, au }) } else { Err(AppError::Invalid(errors)) }
}

/// Who may read which bilan: gestion roles every perimeter of their structure; a
/// donneur d'ordre its own opérations, marchés, clauses and itself (masked); an
/// entreprise its own entreprise bilan.
fn autoriser(acteur: &Acteur, cible: Cible) -> AppResult<()> {
    match (acteur.role, cible) {
        (Role::Admin | Role::Facilitateur, _) => Ok(()),
        (Role::DonneurOrdre, Cible::Operation(_) | Cible::Marche(_) | Cible::Clause(_)) => Ok(()),
        (Role::DonneurOrdre, Cible::DonneurOrdre(id)) if acteur.donneur_ordre_id == Some(id) => Ok(()),
        (Role::Entreprise, Cible::Entreprise(id)) if acteur.entreprise_id == Some(id) => Ok(()),
        (Role::DonneurOrdre, Cible::DonneurOrdre(_)) | (Role::Entreprise, Cible::Entreprise(_)) => Err(AppError::NotFound),
        _ => Err(AppError::Forbidden),
    }
}

/// The perimeter's name, its clauses, and the attributaire filter.
async fn resoudre(db: &impl ConnectionTrait, acteur: &Acteur, cible: Cible) -> AppResult<(Perimetre, Vec<i64>, Option<i64>)> {
    let p = |t: &str, id: Option<i64>, nom: String| Perimetre { type_: t.into(), id, nom };
    Ok(match cible {
        Cible::Operation(id) => {
            let o = operation_service::get_operation(db, acteur, id).await?;
            (p("operation", Some(id), o.nom), compte::clauses_de(db, acteur, Some(id), None).await?, None)
        }
        Cible::Marche(id) => {
            let (m, _) = marche_service::get_marche(db, acteur, id).await?;
            (p("marche", Some(id), format!("{} – {}", m.numero, m.objet)), compte::clauses_de(db, acteur, None, Some(id)).await?, None)
        }
        Cible::Clause(id) => {
            clause_service::get_clause(db, acteur, id).await?;
            (p("clause", Some(id), format!("Clause n° {id}")), vec![id], None)
        }
        Cible::DonneurOrdre(id) => {
            let d = get_donneur_ordre(db, acteur, id).await?;
            let ids = clause_ids(
                db,
                acteur,
                Some(
                    Query::select()
                        .column(marches::Column::Id)
                        .from(marches::Entity)
                        .and_where(Expr::col(marches::Column::OperationId).in_subquery(Query::select().column(operations::Column::Id).from(operations::Entity).and_where(Expr::col(operations::Column::DonneurOrdreId).eq(id)).to_owned()))
                        .to_owned(),
                ),
                None,
            )
            .await?;
            (p("donneur_ordre", Some(id), d.nom), ids, None)
        }
        Cible::Entreprise(id) => {
            let e = get_entreprise(db, acteur, id).await?;
            let ids = clause_ids(db, acteur, None, Some(id)).await?;
            (p("entreprise", Some(id), e.raison_sociale), ids, Some(id))
        }
        Cible::Structure => {
            let s = entities::structures::Entity::find_by_id(acteur.structure_id).one(db).await?.ok_or(AppError::NotFound)?;
            (p("structure", Some(s.id), s.nom), clause_ids(db, acteur, None, None).await?, None)
        }
    })
}

/// Clause ids of the structure, optionally on the lots of some marchés or of an entreprise.
async fn clause_ids(db: &impl ConnectionTrait, acteur: &Acteur, marches: Option<sea_orm::sea_query::SelectStatement>, entreprise: Option<i64>) -> AppResult<Vec<i64>> {
    let mut select = acteur.scoped::<clauses::Entity>();
    if let Some(m) = marches {
        select = select.filter(clauses::Column::LotId.in_subquery(Query::select().column(lots::Column::Id).from(lots::Entity).and_where(Expr::col(lots::Column::MarcheId).in_subquery(m)).to_owned()));
    }
    if let Some(e) = entreprise {
        select = select.filter(
            clauses::Column::LotId.in_subquery(Query::select().column(entities::attributions::Column::LotId).from(entities::attributions::Entity).and_where(Expr::col(entities::attributions::Column::EntrepriseId).eq(e)).to_owned()),
        );
    }
    Ok(select.select_only().column(clauses::Column::Id).into_tuple().all(db).await?)
}

/// Far enough to mean "all time" for rows and contrats.
fn fin_des_temps() -> NaiveDate {
    NaiveDate::from_ymd_opt(2999, 12, 31).unwrap_or(NaiveDate::MAX)
}

pub async fn bilan(db: &impl ConnectionTrait, acteur: &Acteur, cible: Cible, periode: Periode) -> AppResult<Bilan> {
    autoriser(acteur, cible)?;
    let (perimetre, ids, attributaire) = resoudre(db, acteur, cible).await?;
    let au = periode.au.unwrap_or_else(fin_des_temps);
    let comptees = compte::compter_clauses_filtre(db, acteur, &ids, Filtre { du: periode.du, au, attributaire }).await?;

    // Totals.
    let (mut objectif, mut realisees, mut retenues, mut estimees, mut penalites) = (0i64, 0i64, 0i64, 0i64, 0i64);
    let mut non_retenues = NonRetenues::default();
    let mut par_contrat: HashMap<i64, (i64, i64)> = HashMap::new();
    let mut par_mois: BTreeMap<String, (i64, i64)> = BTreeMap::new();
    for c in &comptees {
        objectif += c.objectif_minutes;
        realisees += c.comptage.realisees;
        retenues += c.globalisation.retenues;
        estimees += c.comptage.estimees;
        non_retenues.add(&c.comptage.non_retenues);
        if let Some(p) = c.clause.penalite_par_heure_cents {
            penalites += mul_div_round((c.objectif_minutes - c.globalisation.retenues).max(0), p, 60);
        }
        for t in &c.comptage.par_contrat {
            let e = par_contrat.entry(t.contrat_id).or_default();
            e.0 += t.realisees;
            e.1 += t.retenues;
        }
        for m in &c.comptage.par_mois {
            let e = par_mois.entry(m.mois.clone()).or_default();
            e.0 += m.realisees;
            e.1 += m.retenues;
        }
    }

    // The perimeter's contrats overlapping the period, and what describes them.
    let mut mises = db_mises(db, acteur, &ids, attributaire).await?;
    let contrat_ids: Vec<i64> = mises.iter().map(|m| m.contrat_id).collect();
    let du = periode.du.unwrap_or(NaiveDate::MIN);
    let contrats: HashMap<i64, contrats::Model> = acteur
        .scoped::<contrats::Entity>()
        .filter(contrats::Column::Id.is_in(contrat_ids))
        .filter(contrats::Column::DateDebut.lte(au))
        .all(db)
        .await?
        .into_iter()
        .filter(|c| c.date_fin_reelle.or(c.date_fin_prevue).is_none_or(|f| f >= du))
        .map(|c| (c.id, c))
        .collect();
    mises.retain(|m| contrats.contains_key(&m.contrat_id));
    let participant_ids: Vec<i64> = contrats.values().map(|c| c.participant_id).collect::<HashSet<_>>().into_iter().collect();
    let personnes: HashMap<i64, participants::Model> = acteur.scoped::<participants::Entity>().filter(participants::Column::Id.is_in(participant_ids.clone())).all(db).await?.into_iter().map(|p| (p.id, p)).collect();
    let employeur_ids: Vec<i64> = contrats.values().map(|c| c.employeur_id).collect::<HashSet<_>>().into_iter().collect();
    let employeurs: HashMap<i64, entreprises::Model> = acteur.scoped::<entreprises::Entity>().filter(entreprises::Column::Id.is_in(employeur_ids)).all(db).await?.into_iter().map(|e| (e.id, e)).collect();
    let mut codes: HashMap<i64, HashSet<String>> = HashMap::new();
    for c in acteur.scoped::<criteres::Entity>().filter(criteres::Column::ParticipantId.is_in(participant_ids)).filter(criteres::Column::RetireAt.is_null()).all(db).await? {
        codes.entry(c.participant_id).or_default().insert(code(c.code));
    }
    let suivis: HashMap<i64, suivis_six_mois::Model> =
        acteur.scoped::<suivis_six_mois::Entity>().filter(suivis_six_mois::Column::ContratId.is_in(contrats.keys().copied().collect::<Vec<_>>())).all(db).await?.into_iter().map(|s| (s.contrat_id, s)).collect();
    let secteurs = secteurs(db, acteur, &ids).await?;

    // Breakdowns: each contrat once per key, each participant once per key.
    let mut b = Breakdowns::default();
    let mut premier_contrat: HashMap<i64, &contrats::Model> = HashMap::new();
    for m in &mises {
        let Some(c) = contrats.get(&m.contrat_id) else { continue };
        let (r, ret) = par_contrat.get(&c.id).copied().unwrap_or((0, 0));
        let employeur = employeurs.get(&c.employeur_id).map(|e| code(e.r#type)).unwrap_or_default();
        let metier = c.code_rome.clone().unwrap_or_else(|| c.poste.clone());
        let secteur = secteurs.get(&m.clause_id).cloned().unwrap_or_default();
        let niveau = personnes.get(&c.participant_id).map(|p| code(p.niveau_formation)).unwrap_or_default();
        for (table, key) in [(0, code(c.type_contrat)), (1, code(m.modalite)), (2, employeur), (3, niveau), (4, metier), (5, secteur)] {
            b.add(table, key, c.id, c.participant_id, r, ret);
        }
        let first = premier_contrat.entry(c.participant_id).or_insert(c);
        if (c.date_debut, c.id) < (first.date_debut, first.id) {
            *first = c;
        }
    }
    let mut public: BTreeMap<String, HashSet<i64>> = BTreeMap::new();
    for key in ["femmes", "hommes", "moins_26", "de_26_a_49", "plus_50", "qpv", "niveau_infra4"] {
        public.insert(key.into(), HashSet::new());
    }
    for (pid, c) in &premier_contrat {
        let Some(p) = personnes.get(pid) else { continue };
        let mut put = |k: &str| {
            public.entry(k.to_string()).or_default().insert(*pid);
        };
        put(if p.sexe == Sexe::F { "femmes" } else { "hommes" });
        let age = age_at(p.date_naissance, c.date_debut);
        put(if age < 26 { "moins_26" } else if age < 50 { "de_26_a_49" } else { "plus_50" });
        if p.qpv {
            put("qpv");
        }
        if matches!(p.niveau_formation, NiveauFormation::Infra3 | NiveauFormation::N3) {
            put("niveau_infra4");
        }
        // Criterion codes; `qpv` the criterion (jobseeker living in a QPV) is not the
        // residence flag above, so it gets its own key.
        for code in codes.get(pid).into_iter().flatten() {
            put(if code == "qpv" { "critere_qpv" } else { code });
        }
    }
    let mut situation: BTreeMap<String, HashSet<i64>> = BTreeMap::new();
    for c in contrats.values().filter(|c| c.date_fin_reelle.is_some()) {
        let s = suivis.get(&c.id).and_then(|s| s.situation).map(code).unwrap_or_else(|| "inconnu".into());
        situation.entry(s).or_default().insert(c.participant_id);
    }

    let entreprises: HashSet<i64> = mises.iter().flat_map(|m| [m.attributaire_id, contrats.get(&m.contrat_id).map_or(m.attributaire_id, |c| c.employeur_id)]).collect();
    let siae = entreprises.iter().filter(|id| employeurs.get(id).is_some_and(|e| est_siae(e.r#type))).count();
    let mut bilan = Bilan {
        perimetre,
        periode,
        heures_objectif: heures(objectif),
        heures_realisees: heures(realisees),
        heures_retenues: heures(retenues),
        taux_realisation: if objectif > 0 { retenues as f64 / objectif as f64 } else { 0.0 },
        ecart: heures((objectif - retenues).max(0)),
        penalites_theoriques: penalites as f64 / 100.0,
        heures_non_retenues: HeuresNonRetenues::from(&non_retenues),
        heures_estimees: heures(estimees),
        clauses: comptees.len() as u64,
        participants: Compte::new(premier_contrat.len() as u64),
        contrats: Compte::new(contrats.len() as u64),
        entreprises: entreprises.len() as u64,
        siae: siae as u64,
        par_type_contrat: b.take(0),
        par_modalite: b.take(1),
        par_type_employeur: b.take(2),
        par_niveau: b.take(3),
        par_metier: b.take(4),
        par_secteur: b.take(5),
        par_public: public.into_iter().map(|(k, v)| (k, Compte::new(v.len() as u64))).collect(),
        situation_6_mois: situation.into_iter().map(|(k, v)| (k, Compte::new(v.len() as u64))).collect(),
        par_mois: par_mois.into_iter().map(|(mois, (r, ret))| MoisBilan { mois, heures_realisees: heures(r), heures_retenues: heures(ret) }).collect(),
    };
    if acteur.role == Role::DonneurOrdre {
        bilan.masquer();
    }
    Ok(bilan)
}

async fn db_mises(db: &impl ConnectionTrait, acteur: &Acteur, clause_ids: &[i64], attributaire: Option<i64>) -> AppResult<Vec<mises_en_emploi::Model>> {
    let mut select = acteur.scoped::<mises_en_emploi::Entity>().filter(mises_en_emploi::Column::ClauseId.is_in(clause_ids.to_vec()));
    if let Some(a) = attributaire {
        select = select.filter(mises_en_emploi::Column::AttributaireId.eq(a));
    }
    Ok(select.all(db).await?)
}

/// The secteur (btp / hors_btp) of each clause, through its lot, marché and opération.
async fn secteurs(db: &impl ConnectionTrait, acteur: &Acteur, clause_ids: &[i64]) -> AppResult<HashMap<i64, String>> {
    let rows: Vec<(i64, i64)> = acteur.scoped::<clauses::Entity>().filter(clauses::Column::Id.is_in(clause_ids.to_vec())).select_only().column(clauses::Column::Id).column(clauses::Column::LotId).into_tuple().all(db).await?;
    let lot_ids: Vec<i64> = rows.iter().map(|r| r.1).collect();
    let lots: HashMap<i64, i64> = acteur.scoped::<lots::Entity>().filter(lots::Column::Id.is_in(lot_ids)).select_only().column(lots::Column::Id).column(lots::Column::MarcheId).into_tuple::<(i64, i64)>().all(db).await?.into_iter().collect();
    let marche_ids: Vec<i64> = lots.values().copied().collect();
    let marches: HashMap<i64, i64> =
        acteur.scoped::<marches::Entity>().filter(marches::Column::Id.is_in(marche_ids)).select_only().column(marches::Column::Id).column(marches::Column::OperationId).into_tuple::<(i64, i64)>().all(db).await?.into_iter().collect();
    let ops: HashMap<i64, String> = acteur
        .scoped::<operations::Entity>()
        .filter(operations::Column::Id.is_in(marches.values().copied().collect::<Vec<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|o| (o.id, code(o.secteur)))
        .collect();
    Ok(rows.into_iter().filter_map(|(c, l)| Some((c, ops.get(marches.get(lots.get(&l)?)?)?.clone()))).collect())
}

fn code<T: serde::Serialize>(v: T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// Six breakdown tables being filled: per key, distinct contrats and participants.
#[derive(Default)]
struct Breakdowns {
    tables: [BTreeMap<String, (HashSet<i64>, HashSet<i64>, i64, i64)>; 6],
}

impl Breakdowns {
    fn add(&mut self, table: usize, key: String, contrat: i64, participant: i64, realisees: i64, retenues: i64) {
        let cell = self.tables[table].entry(key).or_default();
        if cell.0.insert(contrat) {
            cell.2 += realisees;
            cell.3 += retenues;
        }
        cell.1.insert(participant);
    }

    fn take(&mut self, table: usize) -> BTreeMap<String, Ventilation> {
        std::mem::take(&mut self.tables[table])
            .into_iter()
            .map(|(k, (c, p, r, ret))| (k, Ventilation { contrats: Compte::new(c.len() as u64), participants: Compte::new(p.len() as u64), heures_realisees: heures(r), heures_retenues: heures(ret) }))
            .collect()
    }
}
