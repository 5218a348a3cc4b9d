//! Digests: the facilitateurs' weekly one, the référents' quarterly one, and the monthly
//! bilan the donneurs d'ordre's contacts asked for.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc};
use entities::enums::Role;
use entities::{structures, clauses, contrats, donneurs_ordre, lots, marches, mises_en_emploi, operations, participants};
use sea_orm::sea_query::{Expr, Query};
use sea_orm::{ColumnTrait, DatabaseTransaction, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

use super::declarations::mois_concerne;
use super::destinataires;
use super::{jour, nom_court, Redacteur, Relance};
use crate::auth::Acteur;
use crate::bilans::service::{bilan, periode, Cible};
use crate::comptage::avancement::StatutAvancement;
use crate::error::AppResult;
use crate::mail::outbox::Message;
use crate::text::{date_fr, heures_fr, mois_fr};

/// Items listed per section; the count says how many there are in all.
const LISTES: usize = 30;

#[derive(Serialize)]
struct Section {
    nombre: usize,
    lignes: Vec<String>,
    /// How many are not listed (to read in Clausier).
    autres: usize,
}

impl Section {
    fn new(lignes: Vec<String>) -> Section {
        let nombre = lignes.len();
        Section::de(nombre, lignes)
    }

    /// A section of `nombre` lines whose first ones are `lignes`.
    fn de(nombre: usize, lignes: Vec<String>) -> Section {
        Section { nombre, lignes: lignes.into_iter().take(LISTES).collect(), autres: nombre.saturating_sub(LISTES) }
    }
}

/// Monday 08:00: what needs the facilitateurs this week.
pub struct DigestFacilitateur;

impl Relance for DigestFacilitateur {
    fn name(&self) -> &'static str {
        "digest_facilitateur"
    }

    async fn preparer(&self, redacteur: &Redacteur, txn: &DatabaseTransaction, structure: &structures::Model, occurrence: DateTime<Utc>) -> AppResult<Vec<Message>> {
        let today = jour(occurrence);
        let semaine = today.iso_week();
        let periode = format!("{}-S{:02}", semaine.year(), semaine.week());
        let mut messages = Vec::new();
        let a = Acteur::systeme(structure.id);

        let t = super::travail::travail(txn, &a, today, LISTES as u64).await?;
        let premiers: Vec<(&entities::heures_mensuelles::Model, &entities::contrats::Model)> = t.a_valider.premiers.iter().filter_map(|(h, c)| c.as_ref().map(|c| (h, c))).collect();
        let personnes: BTreeMap<i64, String> = crate::parcours::service::noms_courts(txn, &a, premiers.iter().map(|(_, c)| c.participant_id).collect()).await?;
        let employeurs: Vec<i64> = premiers.iter().map(|(_, c)| c.employeur_id).chain(t.en_retard.iter().map(|r| r.employeur_id)).collect();
        let noms = crate::clauses::service::noms_entreprises(txn, &a, employeurs).await?;
        let a_valider = Section::de(
            t.a_valider.total,
            premiers
                .iter()
                .map(|(h, c)| {
                    let qui = personnes.get(&c.participant_id).map_or("?", String::as_str);
                    format!("{} — {qui} ({}) : {}", noms.get(&c.employeur_id).map_or("?", String::as_str), c.poste, mois_fr(h.mois))
                })
                .collect(),
        );

        let mut en_retard: BTreeMap<i64, usize> = BTreeMap::new();
        for r in &t.en_retard {
            *en_retard.entry(r.employeur_id).or_default() += r.contrats;
        }
        let en_retard = Section::new(
            en_retard.iter().map(|(id, n)| format!("{} : {n} déclaration(s) mensuelle(s) manquante(s)", noms.get(id).map_or("?", String::as_str))).collect(),
        );

        let ids: Vec<i64> = a.scoped::<clauses::Entity>().select_only().column(clauses::Column::Id).into_tuple().all(txn).await?;
        let comptees = crate::clauses::service::compte::compter_clauses(txn, &a, &ids, today).await?;
        let clauses_alerte = Section::new(
            comptees
                .iter()
                .filter(|c| matches!(c.avancement.statut, StatutAvancement::EnRetard | StatutAvancement::Critique))
                .map(|c| {
                    let statut = if c.avancement.statut == StatutAvancement::Critique { "critique" } else { "en retard" };
                    format!("clause n° {} : {statut}, {:.0} % réalisé", c.clause.id, c.avancement.taux_realisation * 100.0)
                })
                .collect(),
        );
        let fin_proche = Section::de(
            t.fin_proche.total,
            t.fin_proche
                .premiers
                .iter()
                .map(|(c, p)| format!("{} — {} : fin prévue le {}", p.as_ref().map(nom_court).unwrap_or_default(), c.poste, c.date_fin_prevue.map(date_fr).unwrap_or_default()))
                .collect(),
        );
        let criteres = Section::de(
            t.criteres.total,
            t.criteres
                .premiers
                .iter()
                .map(|(c, p)| format!("{} — {} : valable jusqu'au {}", p.as_ref().map(nom_court).unwrap_or_default(), crate::libelles::de("critere", c.code), c.valide_jusqu_au.map(date_fr).unwrap_or_default()))
                .collect(),
        );
        let suivis = Section::de(t.suivis.total, t.suivis.premiers.iter().map(|s| format!("contrat n° {} : suivi dû le {}", s.contrat_id, date_fr(s.date_echeance))).collect());
        let demarrages = Section::de(t.demarrages.total, t.demarrages.premiers.iter().map(|m| format!("marché {} — {} : début le {}", m.numero, m.objet, date_fr(m.date_debut))).collect());

        let sections = [&a_valider, &en_retard, &clauses_alerte, &fin_proche, &criteres, &suivis, &demarrages];
        if sections.iter().all(|s| s.nombre == 0) {
            return Ok(messages);
        }
        for f in destinataires::facilitateurs(txn, &a).await? {
            let mut ctx = tera::Context::new();
            ctx.insert("nom", &f.nom);
            ctx.insert("date", &date_fr(today));
            ctx.insert("a_valider", &a_valider);
            ctx.insert("en_retard", &en_retard);
            ctx.insert("clauses", &clauses_alerte);
            ctx.insert("fin_proche", &fin_proche);
            ctx.insert("criteres", &criteres);
            ctx.insert("suivis", &suivis);
            ctx.insert("demarrages", &demarrages);
            messages.push(redacteur.message(structure.id, "digest_facilitateur", &f.email, periode.clone(), ctx)?);
        }
        Ok(messages)
    }
}

/// Quarterly: the clause marchés under way and starting in the quarter, and the
/// référent's participants now in a clause contrat.
pub struct DigestReferent;

impl Relance for DigestReferent {
    fn name(&self) -> &'static str {
        "digest_referent"
    }

    async fn preparer(&self, redacteur: &Redacteur, txn: &DatabaseTransaction, structure: &structures::Model, occurrence: DateTime<Utc>) -> AppResult<Vec<Message>> {
        let today = jour(occurrence);
        let horizon = today + Months::new(3);
        let periode = format!("{}-T{}", today.year(), today.month0() / 3 + 1);
        let mut messages = Vec::new();
        let a = Acteur::systeme(structure.id);
        let referents = destinataires::utilisateurs(txn, &a, Role::Referent).await?;
        if referents.is_empty() {
            return Ok(messages);
        }
        let avec_clause = Query::select()
            .column(lots::Column::MarcheId)
            .from(lots::Entity)
            .and_where(Expr::col(lots::Column::Id).in_subquery(Query::select().column(clauses::Column::LotId).from(clauses::Entity).to_owned()))
            .to_owned();
        let marches = a
            .scoped::<marches::Entity>()
            .filter(marches::Column::DateFin.gte(today))
            .filter(marches::Column::DateDebut.lte(horizon))
            .filter(marches::Column::Id.in_subquery(avec_clause))
            .find_also_related(operations::Entity)
            .order_by_asc(marches::Column::DateDebut)
            .order_by_asc(marches::Column::Id)
            .all(txn)
            .await?;
        let marches = Section::new(
            marches
                .iter()
                .map(|(m, o)| {
                    let quand = if m.date_debut > today { format!("démarre le {}", date_fr(m.date_debut)) } else { format!("en cours jusqu'au {}", date_fr(m.date_fin)) };
                    format!("{} — {} ({}) : {quand}", o.as_ref().map_or("", |o| o.nom.as_str()), m.objet, o.as_ref().map_or("", |o| o.commune.as_str()))
                })
                .collect(),
        );
        // The clause contrats under way of every followed participant, in one query.
        let mut par_referent: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for (c, p) in a
            .scoped::<contrats::Entity>()
            .filter(contrats::Column::DateDebut.lte(today))
            .filter(contrats::Column::DateFinReelle.is_null())
            .filter(contrats::Column::Id.in_subquery(Query::select().column(mises_en_emploi::Column::ContratId).from(mises_en_emploi::Entity).to_owned()))
            .filter(participants::Column::ReferentId.is_in(referents.iter().map(|r| r.id).collect::<Vec<_>>()))
            .find_also_related(participants::Entity)
            .order_by_asc(contrats::Column::DateDebut)
            .order_by_asc(contrats::Column::Id)
            .all(txn)
            .await?
        {
            if let Some(p) = p {
                par_referent.entry(p.referent_id.unwrap_or_default()).or_default().push(format!("{} — {} depuis le {}", nom_court(&p), c.poste, date_fr(c.date_debut)));
            }
        }
        for r in referents {
            let en_contrat = Section::new(par_referent.remove(&r.id).unwrap_or_default());
            if marches.nombre == 0 && en_contrat.nombre == 0 {
                continue;
            }
            let mut ctx = tera::Context::new();
            ctx.insert("nom", &r.nom);
            ctx.insert("trimestre", &periode);
            ctx.insert("marches", &marches);
            ctx.insert("en_contrat", &en_contrat);
            messages.push(redacteur.message(structure.id, "digest_referent", &destinataires::Personne::new(r.nom.clone(), &r.email).email, periode.clone(), ctx)?);
        }
        Ok(messages)
    }
}

#[derive(Serialize)]
struct LigneBilan {
    operation: String,
    /// The opération's bilan page.
    lien: String,
    heures_objectif: String,
    heures_retenues: String,
    taux: String,
}

/// Monthly (opt-in through the contact's `recoit_bilans`): each opération of the
/// donneur d'ordre with its objective, retained hours and rate at the end of last month.
pub struct BilanDonneurOrdre;

impl Relance for BilanDonneurOrdre {
    fn name(&self) -> &'static str {
        "bilan_donneur_ordre"
    }

    async fn preparer(&self, redacteur: &Redacteur, txn: &DatabaseTransaction, structure: &structures::Model, occurrence: DateTime<Utc>) -> AppResult<Vec<Message>> {
        let mois = mois_concerne(occurrence);
        let fin: NaiveDate = mois + Months::new(1) - Days::new(1);
        let periode_cle = mois.format("%Y-%m").to_string();
        let mut messages = Vec::new();
        let a = Acteur::systeme(structure.id);
        let contacts = destinataires::contacts_donneurs_ordre(txn, &a).await?;
        let mut par_donneur: BTreeMap<i64, Vec<LigneBilan>> = BTreeMap::new();
        for donneur_id in contacts.iter().map(|(id, _)| *id) {
            if par_donneur.contains_key(&donneur_id) {
                continue;
            }
            let ops = a
                .scoped::<operations::Entity>()
                .filter(operations::Column::DonneurOrdreId.eq(donneur_id))
                .order_by_asc(operations::Column::Nom)
                .order_by_asc(operations::Column::Id)
                .all(txn)
                .await?;
            let mut lignes = Vec::new();
            for op in ops {
                let b = bilan(txn, &a, Cible::Operation(op.id), periode(None, Some(fin))?).await?;
                lignes.push(LigneBilan {
                    // The page with the e-mail's figures: up to the same month's end.
                    lien: redacteur.url(&format!("/operations/{}/bilan?au={fin}", op.id)),
                    operation: op.nom,
                    heures_objectif: heures_fr(b.heures_objectif),
                    heures_retenues: heures_fr(b.heures_retenues),
                    taux: crate::text::pourcent_fr(b.taux_realisation),
                });
            }
            par_donneur.insert(donneur_id, lignes);
        }
        let noms: BTreeMap<i64, String> = a.scoped::<donneurs_ordre::Entity>().all(txn).await?.into_iter().map(|d| (d.id, d.nom)).collect();
        for (donneur_id, personne) in contacts {
            let lignes = &par_donneur[&donneur_id];
            if lignes.is_empty() {
                continue;
            }
            let mut ctx = tera::Context::new();
            ctx.insert("nom", &personne.nom);
            ctx.insert("donneur_ordre", noms.get(&donneur_id).map_or("", String::as_str));
            ctx.insert("mois", &mois_fr(mois));
            ctx.insert("date", &date_fr(fin));
            ctx.insert("operations", lignes);
            ctx.insert("lien_tous", &redacteur.url(&format!("/donneurs-ordre/{donneur_id}/bilan?au={fin}")));
            ctx.insert("lien_accueil", &redacteur.url("/"));
            messages.push(redacteur.message(structure.id, "bilan_donneur_ordre", &personne.email, periode_cle.clone(), ctx)?);
        }
        Ok(messages)
    }
}

#[cfg(test)]
mod tests {
    use super::Section;

    #[test]
    fn a_long_section_lists_thirty_and_counts_the_rest() {
        let tera = crate::web::templates(std::path::Path::new("templates")).unwrap();
        let mut ctx = tera::Context::new();
        let longue = Section::new((1..=42).map(|i| format!("ligne {i}")).collect());
        let vide = Section::new(Vec::new());
        ctx.insert("nom", "Flo");
        ctx.insert("date", "1er décembre 2025");
        ctx.insert("lien", "http://x");
        ctx.insert("a_valider", &longue);
        for k in ["en_retard", "clauses", "fin_proche", "criteres", "suivis", "demarrages"] {
            ctx.insert(k, &vide);
        }
        let email = crate::mail::compose(&tera, "digest_facilitateur", "f@x.fr", &ctx).unwrap();
        assert!(email.text.contains("Déclarations d'heures à valider (42)"), "{}", email.text);
        assert!(email.text.contains("  - ligne 30\n  … et 12 autre(s) dans Clausier"), "{}", email.text);
        assert!(!email.text.contains("ligne 31"));
        assert!(email.html.contains("<li>… et 12 autre(s) dans Clausier</li>"), "{}", email.html);
    }
}
