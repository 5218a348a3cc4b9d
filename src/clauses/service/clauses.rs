//! Clauses: creation with their objective and rule set, override of the objective (with
//! its reason), rule set changes, the bases of the % and per-€ objectives.

use entities::enums::ModeObjectif;
use entities::{clauses, lots, marches};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, QueryFilter, Set, TransactionTrait};

use super::super::forms::{cents, ratio, AssietteInput, ClauseInput, ObjectifForceInput, ObjectifInput};
use super::clauses_visibles;
use crate::audit;
use crate::auth::{Acteur, GESTION};
use crate::clock::Clock;
use crate::comptage::{ObjectifSource, ReglesComptage};
use crate::error::{AppError, AppResult, FieldError};
use crate::parcours::limites::minutes_max;
use crate::text::clean;

/// What the engine computes the objective from.
pub fn source_objectif(c: &super::compte::ClauseLue) -> ObjectifSource {
    ObjectifSource {
        mode: Some(c.mode_objectif),
        heures_minutes: c.objectif_minutes.map(i64::from),
        montant_ht_cents: c.calcul_montant_ht_cents,
        part_main_oeuvre_ppm: c.calcul_part_main_oeuvre_ppm.map(i64::from),
        taux_insertion_ppm: c.calcul_taux_insertion_ppm.map(i64::from),
        cout_horaire_cents: c.calcul_cout_horaire_cents,
        pourcentage_heures_ppm: c.pourcentage_heures_ppm.map(i64::from),
        heures_travaillees_marche_minutes: c.heures_travaillees_marche_minutes,
        cents_par_heure: c.cents_par_heure,
        montant_facture_cents: c.montant_facture_cents,
        force_minutes: c.objectif_force_minutes.map(i64::from),
    }
}

/// Objectives and bases can be large (a big structure plans 250 000 h a year).
const MAX_HEURES: i64 = 10_000_000;

fn heures_minutes(field: &str, h: f64, errors: &mut Vec<FieldError>) -> i64 {
    minutes_max(field, h, MAX_HEURES).map_err(|e| errors.push(e)).unwrap_or(0)
}

fn apply_objectif(model: &mut clauses::ActiveModel, o: &ObjectifInput, errors: &mut Vec<FieldError>) {
    model.objectif_minutes = Set(None);
    model.calcul_montant_ht_cents = Set(None);
    model.calcul_part_main_oeuvre_ppm = Set(None);
    model.calcul_taux_insertion_ppm = Set(None);
    model.calcul_cout_horaire_cents = Set(None);
    model.pourcentage_heures_ppm = Set(None);
    model.cents_par_heure = Set(None);
    match o {
        ObjectifInput::Heures { heures } => {
            let m = heures_minutes("objectif.heures", *heures, errors);
            if m == 0 {
                errors.push(FieldError::new("objectif.heures", "Un objectif d'au moins 0,25 h est attendu."));
            }
            model.mode_objectif = Set(ModeObjectif::Heures);
            model.objectif_minutes = Set(Some(m as i32));
        }
        ObjectifInput::Calcul { montant_ht, part_main_oeuvre, taux_insertion, cout_horaire } => {
            model.mode_objectif = Set(ModeObjectif::Calcul);
            model.calcul_montant_ht_cents = Set(Some(cents("objectif.montant_ht", *montant_ht, errors)));
            model.calcul_part_main_oeuvre_ppm = Set(Some(ratio("objectif.part_main_oeuvre", *part_main_oeuvre, errors) as i32));
            model.calcul_taux_insertion_ppm = Set(Some(ratio("objectif.taux_insertion", *taux_insertion, errors) as i32));
            let c = cents("objectif.cout_horaire", *cout_horaire, errors);
            if c == 0 {
                errors.push(FieldError::new("objectif.cout_horaire", "Le coût horaire doit être positif."));
            }
            model.calcul_cout_horaire_cents = Set(Some(c));
        }
        ObjectifInput::PourcentageHeures { pourcentage, heures_travaillees_marche } => {
            model.mode_objectif = Set(ModeObjectif::PourcentageHeures);
            model.pourcentage_heures_ppm = Set(Some(ratio("objectif.pourcentage", *pourcentage, errors) as i32));
            model.heures_travaillees_marche_minutes = Set(heures_travaillees_marche.map(|h| heures_minutes("objectif.heures_travaillees_marche", h, errors)));
        }
        ObjectifInput::HeuresParEuro { euros_par_heure, montant_facture_ht } => {
            model.mode_objectif = Set(ModeObjectif::HeuresParEuro);
            let c = cents("objectif.euros_par_heure", *euros_par_heure, errors);
            if c == 0 {
                errors.push(FieldError::new("objectif.euros_par_heure", "Un montant positif par heure est attendu."));
            }
            model.cents_par_heure = Set(Some(c));
            model.montant_facture_cents = Set(montant_facture_ht.map(|m| cents("objectif.montant_facture_ht", m, errors)));
        }
    }
}

/// A clause's period lies within its marché's execution.
fn periode_dans_le_marche(input: &ClauseInput, marche: &marches::Model, errors: &mut Vec<FieldError>) {
    if input.date_fin < input.date_debut {
        errors.push(FieldError::new("date_fin", "La fin précède le début."));
    }
    if input.date_debut < marche.date_debut || input.date_fin > marche.date_fin {
        errors.push(FieldError::new("date_debut", format!("La période de la clause doit tenir dans l'exécution du marché (du {} au {}).", crate::text::date_num(marche.date_debut), crate::text::date_num(marche.date_fin))));
    }
}

pub async fn create_clause(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, input: ClauseInput) -> AppResult<clauses::Model> {
    acteur.require(GESTION)?;
    let mut errors = Vec::new();
    let now = clock.now();
    let txn = crate::db::ecrire(db).await?;
    // Without a rule set of its own, a clause starts with its structure's thresholds.
    let regles = match input.regles.clone() {
        Some(r) => r,
        None => super::parametres_suivi(&txn, acteur.structure_id).await?.regles_par_defaut(),
    };
    if let Err(e) = regles.validate() {
        errors.extend(e);
    }
    let mut model = clauses::ActiveModel {
        structure_id: Set(acteur.structure_id),
        lot_id: Set(input.lot_id),
        r#type: Set(input.type_),
        objectif_force_minutes: Set(None),
        motif_forcage: Set(None),
        globalisable: Set(input.globalisable),
        penalite_par_heure_cents: Set(input.penalite_par_heure.map(|p| cents("penalite_par_heure", p, &mut errors))),
        date_debut: Set(input.date_debut),
        date_fin: Set(input.date_fin),
        regles: Set(serde_json::to_value(&regles).map_err(anyhow::Error::new)?),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    apply_objectif(&mut model, &input.objectif, &mut errors);
    let lot = acteur.scoped::<lots::Entity>().filter(lots::Column::Id.eq(input.lot_id)).find_also_related(marches::Entity).one(&txn).await?;
    match lot {
        Some((_, Some(marche))) => {
            model.marche_id = Set(marche.id);
            model.operation_id = Set(marche.operation_id);
            periode_dans_le_marche(&input, &marche, &mut errors);
        }
        _ => errors.push(FieldError::new("lot_id", "Ce lot n'existe pas dans votre structure.")),
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let created = model.insert(&txn).await?;
    audit::record(&txn, clock, acteur, "creation", "clause", created.id, None, Some(&created)).await?;
    txn.commit().await?;
    Ok(created)
}

/// Changes a clause's type, period, objective, globalisation, penalty and (when given)
/// rule set; its lot stays. A forced objective stays forced. The previous version stays
/// in the audit log.
pub async fn modifier_clause(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, id: i64, input: ClauseInput) -> AppResult<clauses::Model> {
    acteur.require(GESTION)?;
    let txn = crate::db::ecrire(db).await?;
    let avant = get_clause(&txn, acteur, id).await?;
    let mut errors = Vec::new();
    if input.lot_id != avant.lot_id {
        errors.push(FieldError::new("lot_id", "Une clause ne change pas de lot : créez-en une sur l'autre lot."));
    }
    let marche = acteur.scoped::<marches::Entity>().filter(marches::Column::Id.eq(avant.marche_id)).one(&txn).await?.ok_or(AppError::NotFound)?;
    periode_dans_le_marche(&input, &marche, &mut errors);
    let mut model: clauses::ActiveModel = avant.clone().into();
    model.r#type = Set(input.type_);
    model.date_debut = Set(input.date_debut);
    model.date_fin = Set(input.date_fin);
    model.globalisable = Set(input.globalisable);
    model.penalite_par_heure_cents = Set(input.penalite_par_heure.map(|p| cents("penalite_par_heure", p, &mut errors)));
    apply_objectif(&mut model, &input.objectif, &mut errors);
    if let Some(regles) = &input.regles {
        match regles.validate() {
            Ok(()) => model.regles = Set(serde_json::to_value(regles).map_err(anyhow::Error::new)?),
            Err(e) => errors.extend(e),
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    model.updated_at = Set(clock.now());
    let apres = model.update(&txn).await?;
    audit::record(&txn, clock, acteur, "modification", "clause", id, Some(&avant), Some(&apres)).await?;
    txn.commit().await?;
    Ok(apres)
}

pub async fn get_clause(db: &impl ConnectionTrait, acteur: &Acteur, id: i64) -> AppResult<clauses::Model> {
    clauses_visibles(acteur)?.filter(clauses::Column::Id.eq(id)).one(db).await?.ok_or(AppError::NotFound)
}

async fn update_clause(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, id: i64, action: &str, change: impl FnOnce(&mut clauses::ActiveModel) -> Result<(), Vec<FieldError>>) -> AppResult<clauses::Model> {
    acteur.require(GESTION)?;
    let txn = crate::db::ecrire(db).await?;
    let before = get_clause(&txn, acteur, id).await?;
    let mut model: clauses::ActiveModel = before.clone().into();
    change(&mut model).map_err(AppError::Invalid)?;
    model.updated_at = Set(clock.now());
    let after = model.update(&txn).await?;
    audit::record(&txn, clock, acteur, action, "clause", id, Some(&before), Some(&after)).await?;
    txn.commit().await?;
    Ok(after)
}

/// Forces the objective (the reason is kept), or removes the override (`heures: null`).
pub async fn forcer_objectif(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, id: i64, input: ObjectifForceInput) -> AppResult<clauses::Model> {
    update_clause(db, clock, acteur, id, "forcage_objectif", |m| {
        let mut errors = Vec::new();
        let motif = clean(&input.motif);
        let force = input.heures.map(|h| heures_minutes("heures", h, &mut errors) as i32);
        if force.is_some() && motif.is_none() {
            errors.push(FieldError::new("motif", "Le motif du forçage est obligatoire."));
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        m.objectif_force_minutes = Set(force);
        m.motif_forcage = Set(force.and(motif));
        Ok(())
    })
    .await
}

pub async fn changer_regles(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, id: i64, regles: ReglesComptage, globalisable: Option<bool>) -> AppResult<clauses::Model> {
    regles.validate().map_err(AppError::Invalid)?;
    let json = serde_json::to_value(&regles).map_err(anyhow::Error::new)?;
    update_clause(db, clock, acteur, id, "regles", |m| {
        m.regles = Set(json);
        if let Some(g) = globalisable {
            m.globalisable = Set(g);
        }
        Ok(())
    })
    .await
}

/// Reports the hours worked on the marché or the amount invoiced (bases of the % and
/// per-€ objectives).
pub async fn changer_assiette(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, id: i64, input: AssietteInput) -> AppResult<clauses::Model> {
    update_clause(db, clock, acteur, id, "assiette", |m| {
        let mut errors = Vec::new();
        if let Some(h) = input.heures_travaillees_marche {
            m.heures_travaillees_marche_minutes = Set(Some(heures_minutes("heures_travaillees_marche", h, &mut errors)));
        }
        if let Some(e) = input.montant_facture_ht {
            m.montant_facture_cents = Set(Some(cents("montant_facture_ht", e, &mut errors)));
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    })
    .await
}
