//! Counting clauses from the database: loads, for a set of clauses, everything the pure
//! engine needs — the clauses of the same marchés (globalisation), their mises en
//! emploi, contrats, participants' criteria (eligibility at the contrat start) and
//! validated current monthly rows up to the date — in a fixed number of queries, then
//! runs `comptage`.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use entities::enums::{RoleAttribution, StatutDeclaration};
use entities::{attributions, clauses, contrats, criteres, entreprises, heures_mensuelles, lots, marches, mises_en_emploi};
use sea_orm::{ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, QuerySelect};

use super::clauses::source_objectif;
use crate::auth::Acteur;
use crate::clauses::views::{est_siae, ClauseComptee};
use crate::comptage::globalisation::Lot;
use crate::comptage::{avancement, compter, globaliser, objectif_minutes, ClauseCompte, ContratCompte, MoisDeclare, ReglesComptage, SousTraitance};
use crate::error::AppResult;
use crate::parcours::eligibilite::{eligibilite, CritereFait};
use crate::parcours::limites::premier_du_mois;
use crate::parcours::service::parametres;

/// Which rows a counting takes: months from `du` (optional) up to `au`, and only the
/// contrats worked for one attributaire when `attributaire` is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Filtre {
    pub du: Option<NaiveDate>,
    pub au: NaiveDate,
    pub attributaire: Option<i64>,
}

impl Filtre {
    pub fn au(date: NaiveDate) -> Filtre {
        Filtre { du: None, au: date, attributaire: None }
    }
}

/// Counts `ids` (clauses the caller was allowed to read) as at `date`, in that order.
pub async fn compter_clauses(db: &impl ConnectionTrait, acteur: &Acteur, ids: &[i64], date: NaiveDate) -> AppResult<Vec<ClauseComptee>> {
    compter_clauses_filtre(db, acteur, ids, Filtre::au(date)).await
}

/// Same, for the rows `filtre` selects (bilans over a period, per attributaire).
pub async fn compter_clauses_filtre(db: &impl ConnectionTrait, acteur: &Acteur, ids: &[i64], filtre: Filtre) -> AppResult<Vec<ClauseComptee>> {
    let date = filtre.au;
    if ids.is_empty() {
        return Ok(vec![]);
    }
    // 1. The marchés of the requested clauses, then every clause of those marchés.
    let marche_ids: Vec<i64> = acteur
        .scoped::<clauses::Entity>()
        .filter(clauses::Column::Id.is_in(ids.to_vec()))
        .find_also_related(lots::Entity)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(_, l)| l.map(|l| l.marche_id))
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    let toutes: Vec<(clauses::Model, lots::Model)> = acteur
        .scoped::<clauses::Entity>()
        .find_also_related(lots::Entity)
        .filter(lots::Column::MarcheId.is_in(marche_ids))
        .order_by_asc(clauses::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|(c, l)| l.map(|l| (c, l)))
        .collect();
    let clause_ids: Vec<i64> = toutes.iter().map(|(c, _)| c.id).collect();
    // 2. Mises en emploi and their contrats.
    let mut mises = acteur.scoped::<mises_en_emploi::Entity>().filter(mises_en_emploi::Column::ClauseId.is_in(clause_ids.clone()));
    if let Some(a) = filtre.attributaire {
        mises = mises.filter(mises_en_emploi::Column::AttributaireId.eq(a));
    }
    let mises = mises.all(db).await?;
    let contrat_ids: Vec<i64> = mises.iter().map(|m| m.contrat_id).collect();
    let contrats: HashMap<i64, contrats::Model> = acteur.scoped::<contrats::Entity>().filter(contrats::Column::Id.is_in(contrat_ids.clone())).all(db).await?.into_iter().map(|c| (c.id, c)).collect();
    // 3. Eligibility at each contrat's start, from the participants' criteria.
    let participant_ids: Vec<i64> = contrats.values().map(|c| c.participant_id).collect::<HashSet<_>>().into_iter().collect();
    let mut criteres_par_participant: HashMap<i64, Vec<CritereFait>> = HashMap::new();
    for c in acteur.scoped::<criteres::Entity>().filter(criteres::Column::ParticipantId.is_in(participant_ids)).all(db).await? {
        criteres_par_participant.entry(c.participant_id).or_default().push(CritereFait::from(&c));
    }
    let fenetre = parametres(db, acteur.structure_id).await?.eligibilite_mois;
    // 4. Validated current months up to the date.
    let mut mois_par_contrat: HashMap<i64, Vec<MoisDeclare>> = HashMap::new();
    let mut rows = acteur
        .scoped::<heures_mensuelles::Entity>()
        .filter(heures_mensuelles::Column::ContratId.is_in(contrat_ids))
        .filter(heures_mensuelles::Column::Courante.eq(true))
        .filter(heures_mensuelles::Column::Statut.eq(StatutDeclaration::Validee))
        .filter(heures_mensuelles::Column::Mois.lte(premier_du_mois(date)));
    if let Some(du) = filtre.du {
        rows = rows.filter(heures_mensuelles::Column::Mois.gte(premier_du_mois(du)));
    }
    let rows = rows.all(db).await?;
    for h in rows {
        mois_par_contrat.entry(h.contrat_id).or_default().push(MoisDeclare { mois: h.mois, travail: h.minutes_travail.into(), formation: h.minutes_formation.into() });
    }
    // 5. SIAE sous-traitants of the lots (rule 6, used only where a rule set asks).
    let lot_ids: Vec<i64> = toutes.iter().map(|(_, l)| l.id).collect();
    let sous_traitants: Vec<(attributions::Model, Option<entreprises::Model>)> = acteur
        .scoped::<attributions::Entity>()
        .filter(attributions::Column::LotId.is_in(lot_ids))
        .filter(attributions::Column::Role.eq(RoleAttribution::Soustraitant))
        .find_also_related(entreprises::Entity)
        .all(db)
        .await?;

    let mut comptages = Vec::new();
    for (clause, lot) in &toutes {
        let objectif = objectif_minutes(&source_objectif(clause));
        let regles = ReglesComptage::from_json(&clause.regles);
        let lies: Vec<ContratCompte> = mises
            .iter()
            .filter(|m| m.clause_id == clause.id)
            .filter_map(|m| {
                let c = contrats.get(&m.contrat_id)?;
                let faits = criteres_par_participant.get(&c.participant_id).map(Vec::as_slice).unwrap_or(&[]);
                Some(ContratCompte {
                    contrat_id: c.id,
                    participant_id: c.participant_id,
                    type_contrat: c.type_contrat,
                    modalite: m.modalite,
                    date_debut: c.date_debut,
                    eligible: eligibilite(faits, c.date_debut, fenetre).eligible,
                    mois: mois_par_contrat.get(&c.id).cloned().unwrap_or_default(),
                })
            })
            .collect();
        let employeurs: HashSet<i64> = lies.iter().filter_map(|l| contrats.get(&l.contrat_id).map(|c| c.employeur_id)).collect();
        let st: Vec<SousTraitance> = sous_traitants
            .iter()
            .filter(|(a, e)| a.lot_id == lot.id && e.as_ref().is_some_and(|e| est_siae(e.r#type)))
            .map(|(a, _)| SousTraitance { entreprise_id: a.entreprise_id, montant_ht_cents: a.montant_ht_cents.unwrap_or(0), heures_nommees: employeurs.contains(&a.entreprise_id) })
            .collect();
        let compte = compter(&ClauseCompte { id: clause.id, objectif_minutes: objectif.minutes, date_debut: clause.date_debut, date_fin: clause.date_fin, regles: regles.clone() }, &lies, &st);
        comptages.push((clause, lot, objectif, regles, compte));
    }
    let globalisations = globaliser(
        &comptages.iter().map(|(c, l, o, _, compte)| Lot { clause_id: c.id, groupe: l.marche_id, globalisable: c.globalisable, objectif: o.minutes, retenues: compte.retenues }).collect::<Vec<_>>(),
    );
    let mut par_id: HashMap<i64, ClauseComptee> = HashMap::new();
    for ((clause, lot, objectif, regles, comptage), globalisation) in comptages.into_iter().zip(globalisations) {
        let av = avancement(objectif.minutes, globalisation.retenues, clause.date_debut, clause.date_fin, date, &regles.avancement);
        par_id.insert(
            clause.id,
            ClauseComptee { clause: clause.clone(), marche_id: lot.marche_id, objectif_minutes: objectif.minutes, objectif_explication: objectif.explication, comptage, globalisation, avancement: av },
        );
    }
    Ok(ids.iter().filter_map(|id| par_id.remove(id)).collect())
}

/// The clauses of an opération (or of a marché), by id.
pub async fn clauses_de(db: &impl ConnectionTrait, acteur: &Acteur, operation_id: Option<i64>, marche_id: Option<i64>) -> AppResult<Vec<i64>> {
    let mut select = acteur.scoped::<clauses::Entity>().find_also_related(lots::Entity);
    if let Some(m) = marche_id {
        select = select.filter(lots::Column::MarcheId.eq(m));
    }
    if let Some(o) = operation_id {
        let marches: Vec<i64> = acteur.scoped::<marches::Entity>().filter(marches::Column::OperationId.eq(o)).select_only().column(marches::Column::Id).into_tuple().all(db).await?;
        select = select.filter(lots::Column::MarcheId.is_in(marches));
    }
    Ok(select.order_by_asc(clauses::Column::Id).all(db).await?.into_iter().map(|(c, _)| c.id).collect())
}
