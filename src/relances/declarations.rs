//! Declaration reminders (domain.md §6): on the 1st of M+1 each company with clause
//! contrats to declare for M is told which; relance on the 10th (due date); last relance
//! on the 20th, when the facilitateurs are also told which companies are late.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use entities::enums::StatutDeclaration;
use entities::{structures, contrats, entreprises, heures_mensuelles, mises_en_emploi, participants};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, QueryFilter, QueryOrder};
use serde::Serialize;

use super::destinataires::{self, Personne};
use super::{jour, nom_court, Redacteur, Relance};
use crate::auth::Acteur;
use crate::error::AppResult;
use crate::mail::outbox::Message;
use crate::parcours::limites::format_mois;
use crate::text::{code, date_fr, mois_fr};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Etape {
    Rappel,
    Relance,
    DerniereRelance,
}

impl Etape {
    pub const ALL: [Etape; 3] = [Etape::Rappel, Etape::Relance, Etape::DerniereRelance];

    fn job(self) -> &'static str {
        match self {
            Etape::Rappel => "declaration_reminder",
            Etape::Relance => "declaration_relance",
            Etape::DerniereRelance => "declaration_derniere_relance",
        }
    }

    /// The e-mail (template folder and outbox kind).
    fn kind(self) -> &'static str {
        match self {
            Etape::Rappel => "rappel_declaration",
            Etape::Relance => "relance_declaration",
            Etape::DerniereRelance => "derniere_relance_declaration",
        }
    }
}

/// The reminder of one stage, for the month before the occurrence's.
pub struct RappelDeclaration(pub Etape);

/// A clause contrat whose hours of a month are not declared (or sent back to correct).
#[derive(Debug, Clone, Serialize)]
pub struct ContratADeclarer {
    pub contrat_id: i64,
    pub employeur_id: i64,
    pub participant: String,
    pub poste: String,
    /// « à déclarer » or « à corriger ».
    pub etat: &'static str,
    pub date_debut: NaiveDate,
    /// The real end, else the planned one.
    pub date_fin: Option<NaiveDate>,
    /// The revision in force for the month: a draft, or the hours sent back to correct.
    #[serde(skip)]
    pub courante: Option<heures_mensuelles::Model>,
}

/// The day a month's hours are due: the 10th of the next month (the relance's day).
pub fn echeance(mois: NaiveDate) -> NaiveDate {
    mois + Months::new(1) + chrono::Days::new(9)
}

/// A month with clause contrats whose hours still need the company: to declare (nothing
/// or a draft) or to correct (sent back).
#[derive(Debug, Clone, Serialize)]
pub struct MoisATraiter {
    /// First day of the month.
    pub mois: NaiveDate,
    pub a_declarer: usize,
    pub brouillons: usize,
    pub a_corriger: usize,
    pub echeance: NaiveDate,
    /// Days past the due date (0 when not yet due).
    pub jours_retard: i64,
    /// The month is not over: drafts only.
    pub en_cours: bool,
}

/// Every month, oldest first, where the clause contrats in the caller's scope (a
/// company: the ones it employs) need hours declared or corrected, from each contrat's
/// start to the month under way (which can only hold drafts until its last day).
pub async fn mois_a_traiter(db: &impl ConnectionTrait, acteur: &Acteur, aujourdhui: NaiveDate) -> AppResult<Vec<MoisATraiter>> {
    let contrats = contrats_de_clause(acteur).filter(contrats::Column::DateDebut.lte(aujourdhui)).all(db).await?;
    let courantes: BTreeMap<(i64, NaiveDate), StatutDeclaration> = acteur
        .scoped::<heures_mensuelles::Entity>()
        .filter(heures_mensuelles::Column::ContratId.is_in(contrats.iter().map(|c| c.id).collect::<Vec<_>>()))
        .filter(heures_mensuelles::Column::Courante.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|h| ((h.contrat_id, h.mois), h.statut))
        .collect();
    let ce_mois = crate::parcours::limites::premier_du_mois(aujourdhui);
    let mut par_mois: BTreeMap<NaiveDate, MoisATraiter> = BTreeMap::new();
    for c in &contrats {
        let fin = c.date_fin_reelle.or(c.date_fin_prevue).map(crate::parcours::limites::premier_du_mois).unwrap_or(ce_mois).min(ce_mois);
        let mut mois = crate::parcours::limites::premier_du_mois(c.date_debut);
        while mois <= fin {
            let statut = courantes.get(&(c.id, mois)).copied();
            let en_cours = mois == ce_mois;
            if !matches!(statut, Some(StatutDeclaration::Declaree | StatutDeclaration::Validee)) {
                let e = echeance(mois);
                let m = par_mois.entry(mois).or_insert(MoisATraiter { mois, a_declarer: 0, brouillons: 0, a_corriger: 0, echeance: e, jours_retard: (aujourdhui - e).num_days().max(0), en_cours });
                match statut {
                    Some(StatutDeclaration::Brouillon) => m.brouillons += 1,
                    Some(StatutDeclaration::ACorriger) => m.a_corriger += 1,
                    _ => m.a_declarer += 1,
                }
            }
            mois = mois + Months::new(1);
        }
    }
    Ok(par_mois.into_values().collect())
}

/// The month a run is about: the one before the occurrence's (in France).
pub fn mois_concerne(occurrence: DateTime<Utc>) -> NaiveDate {
    let j = jour(occurrence);
    NaiveDate::from_ymd_opt(j.year(), j.month(), 1).expect("first of month") - Months::new(1)
}

/// The clause contrats (linked to a clause) whose hours the caller declares: the
/// structure's, or for a company the ones it employs.
fn contrats_de_clause(acteur: &Acteur) -> sea_orm::Select<contrats::Entity> {
    let en_clause = Query::select()
        .expr(Expr::val(1))
        .from(mises_en_emploi::Entity)
        .and_where(Expr::col((mises_en_emploi::Entity, mises_en_emploi::Column::ContratId)).equals((contrats::Entity, contrats::Column::Id)))
        .to_owned();
    let select = acteur.scoped::<contrats::Entity>().filter(Expr::exists(en_clause));
    match acteur.role {
        entities::enums::Role::Entreprise => select.filter(contrats::Column::EmployeurId.eq(acteur.entreprise_id.unwrap_or(-1))),
        _ => select,
    }
}

/// Clause contrats in the caller's scope (`contrats_de_clause`) running during `mois`
/// (first day) with no current declaration declared or validated for it.
pub async fn contrats_a_declarer(db: &impl ConnectionTrait, acteur: &Acteur, mois: NaiveDate) -> AppResult<Vec<ContratADeclarer>> {
    let lignes = a_declarer(acteur, mois).find_also_related(participants::Entity).order_by_asc(contrats::Column::EmployeurId).order_by_asc(contrats::Column::Id).all(db).await?;
    completer(db, acteur, mois, lignes).await
}

/// The query of the clause contrats (the caller may see) running in `mois` whose hours of
/// that month are neither declared nor validated: to filter, sort and cut further.
pub fn a_declarer(acteur: &Acteur, mois: NaiveDate) -> sea_orm::Select<contrats::Entity> {
    let fin = mois + Months::new(1) - chrono::Days::new(1);
    let declares = Query::select()
        .expr(Expr::val(1))
        .from(heures_mensuelles::Entity)
        .and_where(Expr::col((heures_mensuelles::Entity, heures_mensuelles::Column::ContratId)).equals((contrats::Entity, contrats::Column::Id)))
        .and_where(Expr::col((heures_mensuelles::Entity, heures_mensuelles::Column::Mois)).eq(mois))
        .and_where(Expr::col((heures_mensuelles::Entity, heures_mensuelles::Column::Courante)).eq(true))
        .and_where(
            Expr::col((heures_mensuelles::Entity, heures_mensuelles::Column::Statut))
                .is_in([code(StatutDeclaration::Declaree), code(StatutDeclaration::Validee)]),
        )
        .to_owned();
    let en_cours = Condition::any()
        .add(contrats::Column::DateFinReelle.gte(mois))
        .add(Condition::all().add(contrats::Column::DateFinReelle.is_null()).add(contrats::Column::DateFinPrevue.gte(mois)))
        .add(Condition::all().add(contrats::Column::DateFinReelle.is_null()).add(contrats::Column::DateFinPrevue.is_null()));
    contrats_de_clause(acteur).filter(contrats::Column::DateDebut.lte(fin)).filter(en_cours).filter(Condition::all().add(Expr::exists(declares)).not())
}

/// How many contrats each employer still has to declare for `mois` (counted by the
/// database).
pub async fn a_declarer_par_employeur(db: &impl ConnectionTrait, acteur: &Acteur, mois: NaiveDate) -> AppResult<Vec<(i64, i64)>> {
    use sea_orm::QuerySelect;
    Ok(a_declarer(acteur, mois)
        .select_only()
        .column(contrats::Column::EmployeurId)
        .column_as(contrats::Column::Id.count(), "n")
        .group_by(contrats::Column::EmployeurId)
        .order_by_asc(contrats::Column::EmployeurId)
        .into_tuple()
        .all(db)
        .await?)
}

/// These contrats (with their participant) of `a_declarer` as lines to declare: the
/// revision in force for the month (a draft, or hours sent back), the state.
pub async fn completer(db: &impl ConnectionTrait, acteur: &Acteur, mois: NaiveDate, lignes: Vec<(contrats::Model, Option<participants::Model>)>) -> AppResult<Vec<ContratADeclarer>> {
    let ids: Vec<i64> = lignes.iter().map(|(c, _)| c.id).collect();
    let mut courantes: BTreeMap<i64, heures_mensuelles::Model> = acteur
        .scoped::<heures_mensuelles::Entity>()
        .filter(heures_mensuelles::Column::ContratId.is_in(ids))
        .filter(heures_mensuelles::Column::Mois.eq(mois))
        .filter(heures_mensuelles::Column::Courante.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|h| (h.contrat_id, h))
        .collect();
    Ok(lignes
        .into_iter()
        .map(|(c, p)| {
            let courante = courantes.remove(&c.id);
            ContratADeclarer {
                contrat_id: c.id,
                employeur_id: c.employeur_id,
                participant: p.as_ref().map(nom_court).unwrap_or_default(),
                poste: c.poste,
                etat: if courante.as_ref().is_some_and(|h| h.statut == StatutDeclaration::ACorriger) { "à corriger" } else { "à déclarer" },
                date_debut: c.date_debut,
                date_fin: c.date_fin_reelle.or(c.date_fin_prevue),
                courante,
            }
        })
        .collect())
}

/// The structure's months declared and waiting for a facilitateur's decision (current
/// revisions), with their contrats, oldest month first.
pub fn declarations_a_valider(acteur: &Acteur) -> sea_orm::SelectTwo<heures_mensuelles::Entity, contrats::Entity> {
    acteur
        .scoped::<heures_mensuelles::Entity>()
        .filter(heures_mensuelles::Column::Courante.eq(true))
        .filter(heures_mensuelles::Column::Statut.eq(StatutDeclaration::Declaree))
        .find_also_related(contrats::Entity)
        .order_by_asc(heures_mensuelles::Column::Mois)
        .order_by_asc(heures_mensuelles::Column::Id)
}

#[derive(Serialize)]
struct EntrepriseEnRetard {
    raison_sociale: String,
    siret: String,
    contrats: Vec<ContratADeclarer>,
    /// Who was reminded; empty when the company has no contact to remind.
    contacts: Vec<String>,
}

impl Relance for RappelDeclaration {
    fn name(&self) -> &'static str {
        self.0.job()
    }

    async fn preparer(&self, redacteur: &Redacteur, txn: &DatabaseTransaction, structure: &structures::Model, occurrence: DateTime<Utc>) -> AppResult<Vec<Message>> {
        let etape = self.0;
        let mois = mois_concerne(occurrence);
        let echeance = echeance(mois);
        let periode = mois.format("%Y-%m").to_string();
        let mut messages = Vec::new();
        let acteur = Acteur::systeme(structure.id);
        let contrats = contrats_a_declarer(txn, &acteur, mois).await?;
        if contrats.is_empty() {
            return Ok(messages);
        }
        let mut par_employeur: BTreeMap<i64, Vec<ContratADeclarer>> = BTreeMap::new();
        for c in contrats {
            par_employeur.entry(c.employeur_id).or_default().push(c);
        }
        let ids: Vec<i64> = par_employeur.keys().copied().collect();
        let entreprises: BTreeMap<i64, entreprises::Model> = acteur
            .scoped::<entreprises::Entity>()
            .filter(entreprises::Column::Id.is_in(ids.clone()))
            .all(txn)
            .await?
            .into_iter()
            .map(|e| (e.id, e))
            .collect();
        let contacts = destinataires::contacts_entreprises(txn, &acteur, &ids).await?;
        // The company accounts among the recipients: their e-mail carries a sign-in link.
        let comptes: BTreeMap<String, entities::utilisateurs::Model> = acteur
            .scoped::<entities::utilisateurs::Entity>()
            .filter(entities::utilisateurs::Column::EntrepriseId.is_in(ids.clone()))
            .filter(entities::utilisateurs::Column::Role.eq(entities::enums::Role::Entreprise))
            .filter(entities::utilisateurs::Column::Actif.eq(true))
            .all(txn)
            .await?
            .into_iter()
            .map(|u| (u.email.clone(), u))
            .collect();
        // One e-mail per address, listing every company it declares for.
        let mut par_adresse: BTreeMap<String, (Personne, Vec<i64>)> = BTreeMap::new();
        for (entreprise_id, personne) in &contacts {
            par_adresse.entry(personne.email.clone()).or_insert_with(|| (personne.clone(), Vec::new())).1.push(*entreprise_id);
        }
        for (email, (personne, ids)) in &par_adresse {
            let liste: Vec<EntrepriseEnRetard> = ids
                .iter()
                .filter_map(|id| entreprises.get(id).map(|e| (e, &par_employeur[id])))
                .map(|(e, contrats)| EntrepriseEnRetard { raison_sociale: e.raison_sociale.clone(), siret: e.siret.clone(), contrats: contrats.clone(), contacts: Vec::new() })
                .collect();
            let mut ctx = tera::Context::new();
            ctx.insert("nom", &personne.nom);
            ctx.insert("mois", &mois_fr(mois));
            ctx.insert("echeance", &date_fr(echeance));
            ctx.insert("entreprises", &liste);
            ctx.insert("nombre", &liste.iter().map(|e| e.contrats.len()).sum::<usize>());
            let grille = format!("/declarations?mois={}", format_mois(mois));
            let jours = redacteur.state.settings.auth.lien_connexion_jours;
            match comptes.get(email) {
                Some(compte) => {
                    let secret = crate::auth::liens::creer(txn, &redacteur.state.clock, jours, compte, &grille).await?;
                    ctx.insert("lien", &redacteur.url(&format!("/connexion/lien/{secret}")));
                    ctx.insert("connexion_directe", &true);
                }
                None => {
                    ctx.insert("lien", &redacteur.url(&grille));
                    ctx.insert("connexion_directe", &false);
                }
            }
            ctx.insert("jours", &jours);
            messages.push(redacteur.message(structure.id, etape.kind(), email, periode.clone(), ctx)?);
        }
        if etape == Etape::DerniereRelance {
            let retard: Vec<EntrepriseEnRetard> = par_employeur
                .iter()
                .filter_map(|(id, contrats)| entreprises.get(id).map(|e| (e, contrats)))
                .map(|(e, contrats)| EntrepriseEnRetard {
                    raison_sociale: e.raison_sociale.clone(),
                    siret: e.siret.clone(),
                    contrats: contrats.clone(),
                    contacts: contacts.iter().filter(|(id, _)| *id == e.id).map(|(_, p)| p.email.clone()).collect(),
                })
                .collect();
            for f in destinataires::facilitateurs(txn, &acteur).await? {
                let mut ctx = tera::Context::new();
                ctx.insert("nom", &f.nom);
                ctx.insert("mois", &mois_fr(mois));
                ctx.insert("echeance", &date_fr(echeance));
                ctx.insert("entreprises", &retard);
                ctx.insert("lien", &redacteur.url(&format!("/declarations?mois={}", format_mois(mois))));
                messages.push(redacteur.message(structure.id, "declarations_en_retard", &f.email, periode.clone(), ctx)?);
            }
        }
        Ok(messages)
    }
}

/// How far back a month sent back is still told (a first run does not flood anyone).
const FENETRE_RENVOIS: i64 = 30;

/// A month sent back for correction is told to the company (its contacts who receive
/// reminders and its accounts), once per revision sent back: the outbox key is the
/// revision (`heures:<id>`), so neither a second run nor a second server repeats it. Run
/// every few minutes, and at once after a decision taken on the validation page.
pub struct RenvoisDeclaration;

impl Relance for RenvoisDeclaration {
    fn name(&self) -> &'static str {
        "renvoi_declaration"
    }

    async fn preparer(&self, redacteur: &Redacteur, txn: &DatabaseTransaction, structure: &structures::Model, occurrence: DateTime<Utc>) -> AppResult<Vec<Message>> {
        let acteur = Acteur::systeme(structure.id);
        let renvois = acteur
            .scoped::<heures_mensuelles::Entity>()
            .filter(heures_mensuelles::Column::Courante.eq(true))
            .filter(heures_mensuelles::Column::Statut.eq(StatutDeclaration::ACorriger))
            .filter(heures_mensuelles::Column::DecideAt.gte(occurrence - chrono::Duration::days(FENETRE_RENVOIS)))
            .find_also_related(contrats::Entity)
            .order_by_asc(heures_mensuelles::Column::Id)
            .all(txn)
            .await?;
        if renvois.is_empty() {
            return Ok(Vec::new());
        }
        let employeurs: Vec<i64> = renvois.iter().filter_map(|(_, c)| c.as_ref().map(|c| c.employeur_id)).collect();
        let entreprises = crate::clauses::service::noms_entreprises(txn, &acteur, employeurs.clone()).await?;
        let contacts = destinataires::contacts_entreprises(txn, &acteur, &employeurs).await?;
        let personnes = crate::parcours::service::noms_courts(txn, &acteur, renvois.iter().filter_map(|(_, c)| c.as_ref().map(|c| c.participant_id)).collect()).await?;
        let decideurs = crate::auth::service::noms_utilisateurs(txn, &acteur, renvois.iter().filter_map(|(h, _)| h.decide_par_id).collect()).await?;
        let mut messages = Vec::new();
        for (h, c) in &renvois {
            let Some(c) = c else { continue };
            for (_, personne) in contacts.iter().filter(|(e, _)| *e == c.employeur_id) {
                let mut ctx = tera::Context::new();
                ctx.insert("nom", &personne.nom);
                ctx.insert("mois", &mois_fr(h.mois));
                ctx.insert("participant", &personnes.get(&c.participant_id).cloned().unwrap_or_default());
                ctx.insert("poste", &c.poste);
                ctx.insert("entreprise", &entreprises.get(&c.employeur_id).cloned().unwrap_or_default());
                ctx.insert("facilitateur", &h.decide_par_id.and_then(|d| decideurs.get(&d).cloned()).unwrap_or_else(|| "votre facilitateur".into()));
                ctx.insert("motif", &h.motif_decision.clone().unwrap_or_default());
                ctx.insert("travail", &crate::parcours::limites::heures_fr(h.minutes_travail.into()));
                ctx.insert("formation", &crate::parcours::limites::heures_fr(h.minutes_formation.into()));
                ctx.insert("lien", &redacteur.url(&format!("/declarations?mois={}", format_mois(h.mois))));
                messages.push(redacteur.message(structure.id, "renvoi_declaration", &personne.email, format!("heures:{}", h.id), ctx)?);
            }
        }
        Ok(messages)
    }
}
