//! Sorties and the protocole rule sets that categorise them. A structure's rule set is
//! versioned: a new version replaces the active one, older versions stay (and the
//! sorties they categorised keep pointing to them).

use entities::enums::{Role, StatutDeclaration};
use entities::{contrats, etapes, heures_mensuelles, protocoles, sorties};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set, TransactionTrait};

use super::super::forms::{ProtocoleInput, SortieInput, SITUATIONS_SORTIE};
use super::super::protocole::{categoriser, ContratFait, EtapeFait};
use super::super::views::Protocole;
use super::contrats::fin_effective;
use super::participants::{get_participant, peut_modifier_parcours};
use crate::audit;
use crate::auth::Acteur;
use crate::clock::Clock;
use crate::error::{AppError, AppResult, FieldError};
use crate::text::clean;

/// The rule set in force in the caller's structure (the built-in default if none).
pub async fn protocole_actif(db: &impl ConnectionTrait, acteur: &Acteur) -> AppResult<Protocole> {
    let actif = acteur
        .scoped::<protocoles::Entity>()
        .filter(protocoles::Column::Actif.eq(true))
        .order_by_desc(protocoles::Column::CreatedAt)
        .order_by_desc(protocoles::Column::Id)
        .one(db)
        .await?;
    Ok(actif.map_or_else(Protocole::defaut, Protocole::from_model))
}

pub async fn protocoles(db: &impl ConnectionTrait, acteur: &Acteur) -> AppResult<Vec<Protocole>> {
    acteur.require(&[Role::Admin, Role::Facilitateur, Role::Referent])?;
    let all = acteur.scoped::<protocoles::Entity>().order_by_asc(protocoles::Column::Nom).order_by_desc(protocoles::Column::Version).all(db).await?;
    Ok(all.into_iter().map(Protocole::from_model).collect())
}

/// Records a new version of a rule set (admin only); it becomes the one in force.
pub async fn creer_protocole(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, input: ProtocoleInput) -> AppResult<protocoles::Model> {
    acteur.require(&[Role::Admin])?;
    let nom = input.nom.trim().to_string();
    let mut errors = input.regles.validate().err().unwrap_or_default();
    if nom.is_empty() {
        errors.push(FieldError::new("nom", "Ce champ est obligatoire."));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let txn = crate::db::ecrire(db).await?;
    let last: Option<i32> = acteur
        .scoped::<protocoles::Entity>()
        .filter(protocoles::Column::Nom.eq(&nom))
        .select_only()
        .column_as(protocoles::Column::Version.max(), "v")
        .into_tuple::<Option<i32>>()
        .one(&txn)
        .await?
        .flatten();
    protocoles::Entity::update_many()
        .col_expr(protocoles::Column::Actif, Expr::value(false))
        .filter(protocoles::Column::StructureId.eq(acteur.structure_id))
        .exec(&txn)
        .await?;
    let created = protocoles::ActiveModel {
        structure_id: Set(acteur.structure_id),
        nom: Set(nom),
        version: Set(last.unwrap_or(0) + 1),
        regles: Set(serde_json::to_value(&input.regles).map_err(anyhow::Error::new)?),
        actif: Set(true),
        cree_par_id: Set(Some(acteur.utilisateur_id)),
        created_at: Set(clock.now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(&txn, clock, acteur, "creation", "protocole", created.id, None, Some(&created)).await?;
    txn.commit().await?;
    Ok(created)
}

/// What the rules read of a participant: contrats with their validated monthly hours
/// (two queries), and étapes.
async fn faits(db: &impl ConnectionTrait, acteur: &Acteur, participant_id: i64) -> AppResult<(Vec<ContratFait>, Vec<EtapeFait>)> {
    let contrats = acteur.scoped::<contrats::Entity>().filter(contrats::Column::ParticipantId.eq(participant_id)).order_by_asc(contrats::Column::Id).all(db).await?;
    let ids: Vec<i64> = contrats.iter().map(|c| c.id).collect();
    let heures = acteur
        .scoped::<heures_mensuelles::Entity>()
        .filter(heures_mensuelles::Column::ContratId.is_in(ids))
        .filter(heures_mensuelles::Column::Courante.eq(true))
        .filter(heures_mensuelles::Column::Statut.eq(StatutDeclaration::Validee))
        .order_by_asc(heures_mensuelles::Column::Mois)
        .all(db)
        .await?;
    let contrats = contrats
        .iter()
        .map(|c| ContratFait {
            id: c.id,
            type_contrat: c.type_contrat,
            date_debut: c.date_debut,
            date_fin: fin_effective(c),
            minutes_hebdo: c.minutes_hebdo,
            heures: heures.iter().filter(|h| h.contrat_id == c.id).map(|h| (h.mois, i64::from(h.minutes_travail) + i64::from(h.minutes_formation))).collect(),
        })
        .collect();
    let etapes = acteur
        .scoped::<etapes::Entity>()
        .filter(etapes::Column::ParticipantId.eq(participant_id))
        .all(db)
        .await?
        .into_iter()
        .map(|e| EtapeFait { type_etape: e.r#type, sous_type: e.sous_type, date_debut: e.date_debut, date_fin: e.date_fin, minutes_formation: e.minutes_formation })
        .collect();
    Ok((contrats, etapes))
}

/// Records an exit; its category comes from the rule set in force.
pub async fn enregistrer_sortie(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, participant_id: i64, input: SortieInput) -> AppResult<sorties::Model> {
    peut_modifier_parcours(acteur)?;
    let situation = input.situation.trim().to_string();
    let mut errors = Vec::new();
    if !SITUATIONS_SORTIE.contains(&situation.as_str()) {
        errors.push(FieldError::new("situation", format!("Situation inconnue ; valeurs possibles : {}.", SITUATIONS_SORTIE.join(", "))));
    }
    if input.date_sortie > clock.today() {
        errors.push(FieldError::new("date_sortie", "Une sortie ne peut pas être dans le futur."));
    }
    let txn = crate::db::ecrire(db).await?;
    let p = get_participant(&txn, acteur, participant_id).await?;
    if input.date_sortie < p.date_naissance {
        errors.push(FieldError::new("date_sortie", "Date antérieure à la naissance."));
    }
    let same_day = acteur.scoped::<sorties::Entity>().filter(sorties::Column::ParticipantId.eq(participant_id)).filter(sorties::Column::DateSortie.eq(input.date_sortie)).one(&txn).await?;
    if same_day.is_some() {
        errors.push(FieldError::new("date_sortie", "Une sortie est déjà enregistrée à cette date."));
    }
    if !errors.is_empty() {
        return Err(AppError::Invalid(errors));
    }
    let protocole = protocole_actif(&txn, acteur).await?;
    let (contrats, etapes) = faits(&txn, acteur, participant_id).await?;
    let resultat = categoriser(&protocole.regles, &situation, input.date_sortie, &contrats, &etapes);
    let created = sorties::ActiveModel {
        structure_id: Set(acteur.structure_id),
        participant_id: Set(participant_id),
        date_sortie: Set(input.date_sortie),
        situation: Set(situation),
        categorie: Set(resultat.categorie),
        protocole_id: Set(protocole.id),
        explication: Set(serde_json::to_value(&resultat.regles).map_err(anyhow::Error::new)?),
        commentaire: Set(clean(&input.commentaire)),
        enregistre_par_id: Set(Some(acteur.utilisateur_id)),
        created_at: Set(clock.now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(&txn, clock, acteur, "creation", "sortie", created.id, None, Some(&created)).await?;
    txn.commit().await?;
    Ok(created)
}
