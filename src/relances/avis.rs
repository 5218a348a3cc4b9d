//! Notices sent as soon as something happens: to the référent when one of its
//! participants starts or ends a clause contrat or crosses an exit threshold (600 h or
//! 6 months), and when a 6-month follow-up falls due. Each event is its own outbox key
//! (`contrat:12:debut`…), so it is told once however often the job runs. Events older
//! than [`FENETRE`] days are not told (a first run does not flood anyone with history).

use std::collections::BTreeMap;

use chrono::{DateTime, Days, Months, NaiveDate, Utc};
use entities::enums::StatutDeclaration;
use entities::{structures, contrats, heures_mensuelles, mises_en_emploi, participants, suivis_six_mois, utilisateurs};
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, DatabaseTransaction, QueryFilter, QueryOrder};
use serde::Serialize;

use super::destinataires::{self, Personne};
use super::{jour, Redacteur, Relance};
use crate::auth::Acteur;
use crate::error::AppResult;
use crate::mail::outbox::Message;
use crate::text::date_fr;

const FENETRE: u64 = 30;
/// Exit thresholds of domain.md §6.
const SEUIL_MINUTES: i64 = 600 * 60;
const SEUIL_MOIS: u32 = 6;

/// Something that happened to a participant and that its référent must know.
#[derive(Debug, Serialize)]
pub struct Evenement {
    pub participant_id: i64,
    pub participant: String,
    pub texte: String,
}

fn nom_participant(p: &participants::Model) -> String {
    format!("{} {}", p.prenom, p.nom)
}

/// The référent of each participant (active accounts only), by participant id.
async fn referents(db: &impl ConnectionTrait, acteur: &Acteur, participants: &[&participants::Model]) -> AppResult<BTreeMap<i64, Personne>> {
    let ids: Vec<i64> = participants.iter().filter_map(|p| p.referent_id).collect();
    let comptes: BTreeMap<i64, utilisateurs::Model> = acteur
        .scoped::<utilisateurs::Entity>()
        .filter(utilisateurs::Column::Id.is_in(ids))
        .filter(utilisateurs::Column::Actif.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u))
        .collect();
    Ok(participants
        .iter()
        .filter_map(|p| {
            let u = comptes.get(&p.referent_id?)?;
            Some((p.id, Personne::new(u.nom.clone(), &u.email)))
        })
        .collect())
}

pub struct AvisReferents;

impl Relance for AvisReferents {
    fn name(&self) -> &'static str {
        "avis_referents"
    }

    async fn preparer(&self, redacteur: &Redacteur, txn: &DatabaseTransaction, structure: &structures::Model, occurrence: DateTime<Utc>) -> AppResult<Vec<Message>> {
        let a = Acteur::systeme(structure.id);
        let (personnes, avis) = evenements(txn, &a, jour(occurrence), None).await?;
        let referents = referents(txn, &a, &personnes.iter().collect::<Vec<_>>()).await?;
        let mut messages = Vec::new();
        for (cle, evenement) in avis {
            let Some(r) = referents.get(&evenement.participant_id) else { continue };
            let mut ctx = tera::Context::new();
            ctx.insert("nom", &r.nom);
            ctx.insert("evenement", &evenement);
            messages.push(redacteur.message(structure.id, "avis_referent", &r.email, cle, ctx)?);
        }
        Ok(messages)
    }
}

/// What happened in the last [`FENETRE`] days to the participants followed (by one
/// référent, or by any): clause contrats started or ended, the 600-hour and 6-month exit
/// thresholds crossed; each with its outbox key. The e-mails and the référent's home
/// page both tell these. Returns the participants concerned too.
pub async fn evenements(txn: &impl ConnectionTrait, a: &Acteur, today: NaiveDate, referent: Option<i64>) -> AppResult<(Vec<participants::Model>, Vec<(String, Evenement)>)> {
    let depuis = today - Days::new(FENETRE);
    // Clause contrats that started or ended in the window, or still run.
    let en_clause = Query::select().column(mises_en_emploi::Column::ContratId).from(mises_en_emploi::Entity).to_owned();
    let mut requete = a
        .scoped::<contrats::Entity>()
        .filter(contrats::Column::Id.in_subquery(en_clause))
        .filter(contrats::Column::DateDebut.lte(today))
        .filter(Condition::any().add(contrats::Column::DateFinReelle.is_null()).add(contrats::Column::DateFinReelle.gte(depuis)))
        .filter(participants::Column::ReferentId.is_not_null());
    if let Some(r) = referent {
        requete = requete.filter(participants::Column::ReferentId.eq(r));
    }
    let lignes = requete.find_also_related(participants::Entity).order_by_asc(contrats::Column::Id).all(txn).await?;
    let mut personnes: Vec<participants::Model> = Vec::new();
    for p in lignes.iter().filter_map(|(_, p)| p.clone()) {
        if !personnes.iter().any(|x| x.id == p.id) {
            personnes.push(p);
        }
    }
    // Declared or validated minutes per participant, over its clause contrats.
    let ids: Vec<i64> = lignes.iter().map(|(c, _)| c.id).collect();
    let mut minutes: BTreeMap<i64, i64> = BTreeMap::new();
    let participant_de: BTreeMap<i64, i64> = lignes.iter().map(|(c, _)| (c.id, c.participant_id)).collect();
    for h in a
        .scoped::<heures_mensuelles::Entity>()
        .filter(heures_mensuelles::Column::ContratId.is_in(ids))
        .filter(heures_mensuelles::Column::Courante.eq(true))
        .filter(heures_mensuelles::Column::Statut.is_in([StatutDeclaration::Declaree, StatutDeclaration::Validee]))
        .all(txn)
        .await?
    {
        *minutes.entry(participant_de[&h.contrat_id]).or_default() += i64::from(h.minutes_travail) + i64::from(h.minutes_formation);
    }
    let mut premier_debut: BTreeMap<i64, NaiveDate> = BTreeMap::new();
    let mut en_cours: BTreeMap<i64, bool> = BTreeMap::new();
    for (c, _) in &lignes {
        let d = premier_debut.entry(c.participant_id).or_insert(c.date_debut);
        *d = (*d).min(c.date_debut);
        *en_cours.entry(c.participant_id).or_default() |= c.date_fin_reelle.is_none();
    }

    let mut avis: Vec<(String, Evenement)> = Vec::new();
    for (c, p) in &lignes {
        let Some(p) = p else { continue };
        if c.date_debut >= depuis {
            avis.push((format!("contrat:{}:debut", c.id), Evenement {
                participant_id: p.id,
                participant: nom_participant(p),
                texte: format!("a commencé le {} un contrat de clause : {}.", date_fr(c.date_debut), c.poste),
            }));
        }
        if let Some(fin) = c.date_fin_reelle.filter(|f| *f >= depuis && *f <= today) {
            avis.push((format!("contrat:{}:fin", c.id), Evenement {
                participant_id: p.id,
                participant: nom_participant(p),
                texte: format!("a terminé le {} son contrat de clause : {}{}.", date_fr(fin), c.poste, c.motif_fin.as_deref().map(|m| format!(" ({m})")).unwrap_or_default()),
            }));
        }
    }
    let mut vus = std::collections::BTreeSet::new();
    for (_, p) in &lignes {
        let Some(p) = p else { continue };
        if !vus.insert(p.id) {
            continue;
        }
        let total = minutes.get(&p.id).copied().unwrap_or(0);
        if total >= SEUIL_MINUTES {
            avis.push((format!("participant:{}:600h", p.id), Evenement {
                participant_id: p.id,
                participant: nom_participant(p),
                texte: format!("a atteint {} heures en clause : le seuil de sortie de 600 heures est franchi.", total / 60),
            }));
        }
        let six_mois = premier_debut[&p.id] + Months::new(SEUIL_MOIS);
        if en_cours[&p.id] && six_mois <= today && six_mois >= depuis {
            avis.push((format!("participant:{}:6mois", p.id), Evenement {
                participant_id: p.id,
                participant: nom_participant(p),
                texte: format!("est en contrat de clause depuis 6 mois (le {}) : le seuil de sortie de 6 mois est franchi.", date_fr(six_mois)),
            }));
        }
    }
    Ok((personnes, avis))
}

/// Daily: each follow-up 6 months after a contrat that falls due, to the participant's
/// référent, or to the facilitateurs when it has none.
pub struct SuiviSixMois;

impl Relance for SuiviSixMois {
    fn name(&self) -> &'static str {
        "suivi_six_mois"
    }

    async fn preparer(&self, redacteur: &Redacteur, txn: &DatabaseTransaction, structure: &structures::Model, occurrence: DateTime<Utc>) -> AppResult<Vec<Message>> {
        let today = jour(occurrence);
        let mut messages = Vec::new();
        let a = Acteur::systeme(structure.id);
        let dus = a
            .scoped::<suivis_six_mois::Entity>()
            .filter(suivis_six_mois::Column::DateRealisation.is_null())
            .filter(suivis_six_mois::Column::DateEcheance.between(today - Days::new(FENETRE), today))
            .find_also_related(contrats::Entity)
            .order_by_asc(suivis_six_mois::Column::Id)
            .all(txn)
            .await?;
        if dus.is_empty() {
            return Ok(messages);
        }
        let ids: Vec<i64> = dus.iter().filter_map(|(_, c)| c.as_ref().map(|c| c.participant_id)).collect();
        let personnes = a.scoped::<participants::Entity>().filter(participants::Column::Id.is_in(ids)).all(txn).await?;
        let refs: Vec<&participants::Model> = personnes.iter().collect();
        let referents = referents(txn, &a, &refs).await?;
        let personnes: BTreeMap<i64, &participants::Model> = personnes.iter().map(|p| (p.id, p)).collect();
        let facilitateurs = destinataires::facilitateurs(txn, &a).await?;
        for (suivi, contrat) in &dus {
            let Some(contrat) = contrat else { continue };
            let Some(p) = personnes.get(&contrat.participant_id) else { continue };
            let pour: Vec<&Personne> = match referents.get(&p.id) {
                Some(r) => vec![r],
                None => facilitateurs.iter().collect(),
            };
            for r in pour {
                let mut ctx = tera::Context::new();
                ctx.insert("nom", &r.nom);
                ctx.insert("participant", &nom_participant(p));
                ctx.insert("poste", &contrat.poste);
                ctx.insert("fin", &contrat.date_fin_reelle.or(contrat.date_fin_prevue).map(date_fr).unwrap_or_default());
                ctx.insert("echeance", &date_fr(suivi.date_echeance));
                messages.push(redacteur.message(structure.id, "suivi_six_mois", &r.email, format!("suivi:{}", suivi.id), ctx)?);
            }
        }
        Ok(messages)
    }
}
