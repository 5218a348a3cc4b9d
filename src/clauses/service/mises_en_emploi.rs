//! Mises en emploi sur clause: `POST /contrats` creates the core contrat (through the
//! parcours service, in the same transaction) and links it to a clause, the attributaire
//! on whose marché the hours are worked, and the modalité.

use entities::enums::{Modalite, Role, RoleAttribution, TypeEntreprise};
use entities::{attributions, contrats, entreprises, mises_en_emploi, participants};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, QueryFilter, QueryOrder, Set, TransactionTrait};

use super::super::forms::MiseEnEmploiInput;
use super::super::views::{est_siae, ContratSurClause};
use super::clauses::get_clause;
use crate::auth::{Acteur, GESTION};
use crate::clock::Clock;
use crate::comptage::ComptageClause;
use crate::error::{AppError, AppResult, FieldError};
use crate::parcours::eligibilite::Eligibilite;
use crate::parcours::forms::ContratInput;
use crate::parcours::limites::heures;
use crate::parcours::service::create_contrat;
use crate::{audit, clauses::views::ClauseComptee};

/// Employers that may lend a person to an attributaire.
fn met_a_disposition(t: TypeEntreprise) -> bool {
    matches!(t, TypeEntreprise::Etti | TypeEntreprise::Ai | TypeEntreprise::Geiq | TypeEntreprise::Ett)
}

/// Employers that may carry a share of a marché as sous-traitant or cotraitant for the
/// clause: SIAE, entreprises adaptées, ESAT, GEIQ.
fn porte_une_part(t: TypeEntreprise) -> bool {
    est_siae(t) || matches!(t, TypeEntreprise::Ea | TypeEntreprise::Esat | TypeEntreprise::Geiq)
}

/// The modalités an employer of this kind, with this role on the lot (none: not an
/// attributaire), may work under on a clause: what the placement form offers, and what
/// `mettre_en_emploi` accepts (training hours: any attributaire or training body).
pub fn modalites_possibles(t: TypeEntreprise, role: Option<RoleAttribution>) -> Vec<Modalite> {
    let mut m = Vec::new();
    if role.is_some() {
        m.push(Modalite::EmbaucheDirecte);
    }
    if met_a_disposition(t) {
        m.push(Modalite::MiseADisposition);
    }
    if porte_une_part(t) && role == Some(RoleAttribution::Soustraitant) {
        m.push(Modalite::SousTraitance);
    }
    if porte_une_part(t) && role == Some(RoleAttribution::Cotraitant) {
        m.push(Modalite::Cotraitance);
    }
    if role.is_some() || t == TypeEntreprise::OrganismeFormation {
        m.push(Modalite::Formation);
    }
    m
}

pub async fn mettre_en_emploi(db: &impl TransactionTrait, clock: &Clock, acteur: &Acteur, input: MiseEnEmploiInput) -> AppResult<(contrats::Model, mises_en_emploi::Model, Eligibilite)> {
    acteur.require(GESTION)?;
    let txn = crate::db::ecrire(db).await?;
    let mut errors = Vec::new();
    let clause = get_clause(&txn, acteur, input.clause_id).await.ok();
    if clause.is_none() {
        errors.push(FieldError::new("clause_id", "Cette clause n'existe pas dans votre structure."));
    }
    let entreprise = |id: i64| acteur.scoped::<entreprises::Entity>().filter(entreprises::Column::Id.eq(id)).one(&txn);
    let employeur = entreprise(input.employeur_id).await?;
    let attributaire = entreprise(input.attributaire_id).await?;
    if attributaire.is_none() {
        errors.push(FieldError::new("attributaire_id", "Cette entreprise n'existe pas dans votre structure."));
    }
    if let (Some(clause), Some(attributaire)) = (&clause, &attributaire) {
        let sur_le_lot: Vec<attributions::Model> = acteur.scoped::<attributions::Entity>().filter(attributions::Column::LotId.eq(clause.lot_id)).all(&txn).await?;
        let role_de = |id: i64| sur_le_lot.iter().find(|a| a.entreprise_id == id).map(|a| a.role);
        if role_de(attributaire.id).is_none() {
            errors.push(FieldError::new("attributaire_id", format!("{} n'est pas attributaire du lot de cette clause.", attributaire.raison_sociale)));
        }
        if let Some(employeur) = &employeur {
            let nom = &employeur.raison_sociale;
            match input.modalite {
                Modalite::EmbaucheDirecte if employeur.id != attributaire.id => {
                    errors.push(FieldError::new("modalite", "En embauche directe, l'employeur est l'attributaire."));
                }
                Modalite::MiseADisposition if !met_a_disposition(employeur.r#type) => {
                    errors.push(FieldError::new("modalite", format!("{nom} ne peut pas mettre de salariés à disposition : ETTI, AI, GEIQ ou ETT attendu.")));
                }
                Modalite::SousTraitance | Modalite::Cotraitance if !porte_une_part(employeur.r#type) => {
                    errors.push(FieldError::new("modalite", format!("{nom} n'est ni une SIAE ni une EA/ESAT/GEIQ : la sous-traitance ou cotraitance d'insertion ne s'applique pas.")));
                }
                Modalite::SousTraitance if role_de(employeur.id) != Some(RoleAttribution::Soustraitant) => {
                    errors.push(FieldError::new("modalite", format!("{nom} n'est pas déclarée sous-traitante de ce lot.")));
                }
                Modalite::Cotraitance if role_de(employeur.id) != Some(RoleAttribution::Cotraitant) => {
                    errors.push(FieldError::new("modalite", format!("{nom} n'est pas cotraitante de ce lot.")));
                }
                Modalite::Formation if !modalites_possibles(employeur.r#type, role_de(employeur.id)).contains(&Modalite::Formation) => {
                    errors.push(FieldError::new("modalite", format!("{nom} n'est ni sur ce lot ni un organisme de formation : ses heures de formation ne se rattachent pas à cette clause.")));
                }
                _ => {}
            }
        }
    }
    // The core checks the contrat itself (participant in scope, employer, dates, hours).
    let contrat_input = ContratInput {
        employeur_id: input.employeur_id,
        type_contrat: input.type_contrat,
        date_debut: input.date_debut,
        date_fin_prevue: input.date_fin_prevue,
        heures_hebdo: input.heures_hebdo,
        poste: input.poste.clone(),
        code_rome: input.code_rome.clone(),
    };
    let participant_visible = acteur.scoped::<participants::Entity>().filter(participants::Column::Id.eq(input.participant_id)).one(&txn).await?.is_some();
    if !participant_visible {
        errors.push(FieldError::new("participant_id", "Ce participant n'existe pas dans votre structure."));
    }
    let Some(clause) = clause.filter(|_| errors.is_empty()) else {
        return Err(AppError::Invalid(errors));
    };
    let (contrat, eligibilite) = create_contrat(&txn, clock, acteur, input.participant_id, &contrat_input).await?;
    let mise = mises_en_emploi::ActiveModel {
        structure_id: Set(acteur.structure_id),
        contrat_id: Set(contrat.id),
        clause_id: Set(clause.id),
        marche_id: Set(clause.marche_id),
        operation_id: Set(clause.operation_id),
        attributaire_id: Set(input.attributaire_id),
        modalite: Set(input.modalite),
        valide_par_id: Set(Some(acteur.utilisateur_id)),
        created_at: Set(clock.now()),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit::record(&txn, clock, acteur, "mise_en_emploi", "contrat", contrat.id, None, Some(&mise)).await?;
    txn.commit().await?;
    Ok((contrat, mise, eligibilite))
}

/// The contrats working on a clause, as its readers may see them: facilitateurs all; a
/// référent those of the participants it follows; an entreprise those it employs and
/// those worked on its marché — the people employed by another employer (an ETTI, a
/// sous-traitant) without their name; never donneurs d'ordre (personal data).
pub async fn contrats_de_la_clause(db: &impl ConnectionTrait, acteur: &Acteur, clause: &ClauseComptee) -> AppResult<Vec<ContratSurClause>> {
    if acteur.role == Role::DonneurOrdre {
        return Err(AppError::Forbidden);
    }
    let mut select = acteur.scoped::<mises_en_emploi::Entity>().filter(mises_en_emploi::Column::ClauseId.eq(clause.clause.id));
    if acteur.role == Role::Entreprise {
        let moi = acteur.entreprise_id.unwrap_or(-1);
        select = select.filter(
            sea_orm::Condition::any().add(mises_en_emploi::Column::AttributaireId.eq(moi)).add(
                mises_en_emploi::Column::ContratId.in_subquery(
                    sea_orm::sea_query::Query::select().column(contrats::Column::Id).from(contrats::Entity).and_where(sea_orm::sea_query::Expr::col(contrats::Column::EmployeurId).eq(moi)).to_owned(),
                ),
            ),
        );
    }
    let mises = select.order_by_asc(mises_en_emploi::Column::ContratId).all(db).await?;
    let ids: Vec<i64> = mises.iter().map(|m| m.contrat_id).collect();
    let contrats: Vec<(contrats::Model, Option<participants::Model>)> = acteur.scoped::<contrats::Entity>().filter(contrats::Column::Id.is_in(ids)).find_also_related(participants::Entity).all(db).await?;
    let totaux = |id: i64, c: &ComptageClause| c.par_contrat.iter().find(|t| t.contrat_id == id).map_or((0, 0), |t| (t.realisees, t.retenues));
    Ok(mises
        .iter()
        .filter_map(|m| {
            let (c, p) = contrats.iter().find(|(c, _)| c.id == m.contrat_id)?;
            let p = p.as_ref()?;
            if acteur.role == Role::Referent && p.referent_id != Some(acteur.utilisateur_id) {
                return None;
            }
            let (nom, prenom) = if acteur.role == Role::Entreprise && acteur.entreprise_id != Some(c.employeur_id) {
                ("Salarié·e d'un autre employeur".to_string(), String::new())
            } else {
                (p.nom.clone(), p.prenom.clone())
            };
            let (r, ret) = totaux(c.id, &clause.comptage);
            Some(ContratSurClause {
                contrat_id: c.id,
                participant_nom: nom,
                participant_prenom: prenom,
                employeur_id: c.employeur_id,
                attributaire_id: m.attributaire_id,
                modalite: m.modalite,
                type_contrat: c.type_contrat,
                date_debut: c.date_debut,
                date_fin: c.date_fin_reelle.or(c.date_fin_prevue),
                poste: c.poste.clone(),
                heures_realisees: heures(r),
                heures_retenues: heures(ret),
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_offered_modalites_follow_kind_and_role() {
        use Modalite::*;
        assert_eq!(modalites_possibles(TypeEntreprise::Classique, Some(RoleAttribution::Titulaire)), vec![EmbaucheDirecte, Formation]);
        assert_eq!(modalites_possibles(TypeEntreprise::Etti, None), vec![MiseADisposition]);
        assert_eq!(modalites_possibles(TypeEntreprise::Ei, Some(RoleAttribution::Soustraitant)), vec![EmbaucheDirecte, SousTraitance, Formation]);
        assert!(modalites_possibles(TypeEntreprise::Classique, None).is_empty());
    }
}
