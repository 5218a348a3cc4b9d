//! DECP import (domain.md §7): the official open data of public contracts, XML or JSON,
//! v1 or v2, streamed marché by marché (`arbre`), read tolerantly (`lecture`) and written
//! into a structure: donneurs d'ordre (by SIRET), marchés (by DECP uid: acheteur id +
//! marché id), each with its own opération and a single lot, titulaires, cotitulaires
//! and sous-traitants (attributions), and the marché as notified plus each modification
//! as versions. Importing a file again changes nothing; a newer file updates the marchés
//! it carries.
//!
//! A file is read to its end before anything is written: one that cannot be (malformed
//! XML or JSON) imports nothing, and the report says where it stopped. It is then
//! written by chunks of 500 marchés per transaction. A marché that cannot be
//! kept (no id, no acheteur SIRET, no date) is left out and reported with its line; what
//! is left out of a kept marché (a titulaire without SIRET, an unreadable amount) too.

pub mod arbre;
pub mod lecture;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;

use entities::enums::{RoleAttribution, TypeEntreprise};
use entities::{attributions, donneurs_ordre, entreprises, lots, marche_versions, marches, operations};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, QueryFilter, QueryOrder, Set};

use self::arbre::{Illisible, MarcheLu};
use self::lecture::{MarcheDecp, Organisme};
use crate::audit;
use crate::auth::Acteur;
use crate::clock::Clock;

/// What the import of one file did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Rapport {
    pub fichier: String,
    /// Marchés found in the file.
    pub lus: u64,
    /// Among them, with a social consideration.
    pub avec_clause_sociale: u64,
    pub crees: u64,
    pub mis_a_jour: u64,
    pub inchanges: u64,
    /// Left out because they could not be read.
    pub ignores: u64,
    /// Left out because they have no social consideration (when only those are asked).
    pub hors_clause: u64,
    pub donneurs_ordre_crees: u64,
    pub entreprises_creees: u64,
    pub modifications: u64,
    /// What was left out, with the line of its marché.
    pub problemes: Vec<(u64, String)>,
    /// The file stopped being readable there: nothing of it was imported.
    pub illisible: Option<Illisible>,
}

impl Rapport {
    /// Marchés read and kept (created, updated or already up to date).
    pub fn importes(&self) -> u64 {
        self.crees + self.mis_a_jour + self.inchanges
    }

    /// Marchés that could be read (kept, or left out by choice).
    pub fn lisibles(&self) -> u64 {
        self.importes() + self.hors_clause
    }
}

/// What happened to one marché.
enum Issue {
    Cree,
    MisAJour,
    Inchange,
}

/// Companies and buyers already found in this file, by SIRET.
#[derive(Default)]
struct Connus {
    donneurs: HashMap<String, i64>,
    entreprises: HashMap<String, i64>,
}

/// Marchés written per transaction: another writer (the server, on SQLite) waits at
/// most for one chunk, not for a whole national file.
const PAR_TRANSACTION: u64 = 500;

/// Opens a file for reading, and says whether it is XML (else JSON).
fn ouvrir(chemin: &Path) -> anyhow::Result<(BufReader<std::fs::File>, bool)> {
    let fichier = std::fs::File::open(chemin).map_err(|e| anyhow::anyhow!("{} : fichier illisible ({e})", chemin.display()))?;
    let mut source = BufReader::with_capacity(1 << 16, fichier);
    let xml = arbre::est_xml(source.fill_buf()?);
    Ok((source, xml))
}

/// Starts reading every marché of a file on a blocking thread, handing each to `chaque`.
fn parcourir(chemin: &Path, chaque: impl FnMut(MarcheLu) + Send + 'static) -> anyhow::Result<tokio::task::JoinHandle<Result<(), Illisible>>> {
    let (source, xml) = ouvrir(chemin)?;
    Ok(tokio::task::spawn_blocking(move || if xml { arbre::lire_xml(source, chaque) } else { arbre::lire_json(source, chaque) }))
}

/// Imports one file into the caller's structure; only the marchés with a social
/// consideration if `clauses_seulement`; a progress bar on the terminal if `progression`.
///
/// The file is read twice. First to its end, writing nothing: a file malformed in the
/// middle imports nothing. Then marché by marché through a bounded channel (memory stays
/// that of a few marchés, whatever the file's size), written by chunks of
/// [`PAR_TRANSACTION`] marchés; an import interrupted midway can be run again (what was
/// written is found unchanged).
pub async fn importer(db: &DatabaseConnection, clock: &Clock, acteur: &Acteur, chemin: &Path, clauses_seulement: bool, progression: bool) -> anyhow::Result<Rapport> {
    let mut rapport = Rapport { fichier: chemin.display().to_string(), ..Rapport::default() };
    let total = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let compte = total.clone();
    let lu = parcourir(chemin, move |_| {
        compte.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    })?
    .await?;
    let total = total.load(std::sync::atomic::Ordering::Relaxed);
    if let Err(illisible) = lu {
        rapport.lus = total;
        rapport.illisible = Some(illisible);
        return Ok(rapport);
    }
    let barre = if progression { indicatif::ProgressBar::new(total) } else { indicatif::ProgressBar::hidden() };
    barre.set_style(indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} marchés  {elapsed_precise}").unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()));
    let (envoi, mut reception) = tokio::sync::mpsc::channel::<MarcheLu>(64);
    let lecteur = parcourir(chemin, move |m| {
        let _ = envoi.blocking_send(m);
    })?;
    let mut txn = crate::db::ecrire(db).await?;
    let mut connus = Connus::default();
    while let Some(lu) = reception.recv().await {
        rapport.lus += 1;
        let mut problemes = Vec::new();
        match lecture::lire(&lu.noeud, &mut problemes) {
            Err(e) => {
                rapport.ignores += 1;
                problemes.push(e);
            }
            Ok(m) => {
                let clause = m.a_une_clause_sociale();
                rapport.avec_clause_sociale += u64::from(clause);
                if clauses_seulement && !clause {
                    rapport.hors_clause += 1;
                } else {
                    match enregistrer(&txn, clock, acteur, &mut connus, &m, &mut rapport).await? {
                        Issue::Cree => rapport.crees += 1,
                        Issue::MisAJour => rapport.mis_a_jour += 1,
                        Issue::Inchange => rapport.inchanges += 1,
                    }
                }
            }
        }
        rapport.problemes.extend(problemes.into_iter().map(|p| (lu.ligne, p)));
        barre.inc(1);
        if rapport.lus % PAR_TRANSACTION == 0 {
            txn.commit().await?;
            txn = crate::db::ecrire(db).await?;
        }
    }
    barre.finish_and_clear();
    // The file read to its end a moment ago: failing now means it changed meanwhile.
    if let Err(illisible) = lecteur.await? {
        txn.rollback().await?;
        anyhow::bail!("{} a changé pendant l'import (illisible à la ligne {} : {}) ; {} marché(s) déjà importé(s) : relancez l'import", rapport.fichier, illisible.ligne, illisible.message, rapport.importes());
    }
    txn.commit().await?;
    Ok(rapport)
}

/// Writes one marché (creates it, or brings it up to date), with its buyer, companies,
/// lot, attributions and versions.
async fn enregistrer(txn: &DatabaseTransaction, clock: &Clock, acteur: &Acteur, connus: &mut Connus, m: &MarcheDecp, rapport: &mut Rapport) -> anyhow::Result<Issue> {
    let sid = acteur.structure_id;
    let now = clock.now();
    let uid = m.uid();
    let existant = acteur.scoped::<marches::Entity>().filter(marches::Column::DecpUid.eq(&uid)).one(txn).await?;
    // A new marché has its lot at hand and no attribution or version yet: nothing to
    // look up (a third of the statements of an import of new marchés).
    let (marche, lot, versions) = match existant {
        None => {
            let donneur = donneur_ordre(txn, clock, acteur, connus, &m.acheteur, rapport).await?;
            let (marche, lot) = creer(txn, clock, acteur, donneur, m).await?;
            (marche, lot, None)
        }
        Some(avant) => {
            let lot = acteur.scoped::<lots::Entity>().filter(lots::Column::MarcheId.eq(avant.id)).order_by_asc(lots::Column::Id).one(txn).await?.ok_or_else(|| anyhow::anyhow!("marché {} sans lot", avant.id))?;
            let versions = versions_connues(txn, acteur, avant.id).await?;
            (avant, lot, Some(versions))
        }
    };
    let cree = versions.is_none();
    let mut change = match &versions {
        Some(connues) => mettre_a_jour(txn, clock, acteur, &marche, m, connues).await?,
        None => false,
    };
    let mut attribuees: Vec<i64> = Vec::new();
    // Titulaires (the first of the marché as notified is the titulaire, the others
    // cotraitants; a modification's are titulaires), then sous-traitants.
    let mut parties: Vec<(&Organisme, RoleAttribution, Option<i64>)> = m.titulaires.iter().enumerate().map(|(i, t)| (t, if i == 0 { RoleAttribution::Titulaire } else { RoleAttribution::Cotraitant }, None)).collect();
    parties.extend(m.modifications.iter().flat_map(|md| md.titulaires.iter().map(|t| (t, RoleAttribution::Titulaire, None))));
    parties.extend(m.sous_traitants.iter().map(|(o, montant)| (o, RoleAttribution::Soustraitant, *montant)));
    for (organisme, role, montant) in parties {
        let entreprise = entreprise(txn, clock, acteur, connus, organisme, rapport).await?;
        let deja = attribuees.contains(&entreprise) || (!cree && acteur.scoped::<attributions::Entity>().filter(attributions::Column::LotId.eq(lot.id)).filter(attributions::Column::EntrepriseId.eq(entreprise)).one(txn).await?.is_some());
        attribuees.push(entreprise);
        if !deja {
            attributions::ActiveModel { structure_id: Set(sid), marche_id: Set(marche.id), lot_id: Set(lot.id), entreprise_id: Set(entreprise), role: Set(role), montant_ht_cents: Set(montant), created_at: Set(now), ..Default::default() }.insert(txn).await?;
            change = true;
        }
    }
    // The marché as notified (version 0) and each modification, once.
    let mut connues = versions.unwrap_or_default();
    let nouvelles: Vec<(i32, &serde_json::Value)> = std::iter::once((0, &m.donnees)).chain(m.modifications.iter().map(|md| (md.numero, &md.donnees))).collect();
    for (version, donnees) in nouvelles {
        if !connues.contains(&version) {
            connues.push(version);
            marche_versions::ActiveModel { structure_id: Set(sid), marche_id: Set(marche.id), version: Set(version), source: Set("decp".into()), donnees: Set(donnees.clone()), created_at: Set(now), ..Default::default() }.insert(txn).await?;
            if version > 0 {
                rapport.modifications += 1;
                change = true;
            }
        }
    }
    Ok(if cree {
        Issue::Cree
    } else if change {
        Issue::MisAJour
    } else {
        Issue::Inchange
    })
}

/// A new marché with its own opération and its single lot.
async fn creer(txn: &DatabaseTransaction, clock: &Clock, acteur: &Acteur, donneur: i64, m: &MarcheDecp) -> anyhow::Result<(marches::Model, lots::Model)> {
    let (sid, now) = (acteur.structure_id, clock.now());
    let (montant, duree) = m.en_vigueur();
    let (debut, fin) = m.execution().ok_or_else(|| anyhow::anyhow!("marché {} sans date", m.id))?;
    let operation = operations::ActiveModel {
        structure_id: Set(sid),
        donneur_ordre_id: Set(donneur),
        nom: Set(m.objet.chars().take(200).collect()),
        commune: Set(m.lieu.clone().unwrap_or_default()),
        qpv: Set(false),
        anru: Set(false),
        secteur: Set(m.secteur()),
        date_debut: Set(Some(debut)),
        date_fin: Set(Some(fin)),
        facilitateur_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let marche = marches::ActiveModel {
        structure_id: Set(sid),
        operation_id: Set(operation.id),
        numero: Set(m.id.clone()),
        decp_uid: Set(Some(m.uid())),
        objet: Set(m.objet.clone()),
        nature: Set(m.nature()),
        code_cpv: Set(m.code_cpv.clone()),
        procedure: Set(m.procedure.clone()),
        montant_ht_cents: Set(montant),
        date_notification: Set(m.date_notification),
        date_debut: Set(debut),
        date_fin: Set(fin),
        duree_mois: Set(duree),
        lieu_execution: Set(m.lieu.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    let lot = lots::ActiveModel { structure_id: Set(sid), marche_id: Set(marche.id), numero: Set("unique".into()), intitule: Set("Lot unique".into()), montant_ht_cents: Set(montant), created_at: Set(now), ..Default::default() }.insert(txn).await?;
    audit::record(txn, clock, acteur, "import_decp", "marche", marche.id, None, Some(&marche)).await?;
    Ok((marche, lot))
}

/// Brings a known marché up to date (audited); whether it changed. A file older than
/// the modifications already kept (`versions`: a later one was imported before) does not
/// bring the amount and duration back.
async fn mettre_a_jour(txn: &DatabaseTransaction, clock: &Clock, acteur: &Acteur, avant: &marches::Model, m: &MarcheDecp, versions: &[i32]) -> anyhow::Result<bool> {
    let mut apres = avant.clone();
    apres.objet = m.objet.clone();
    apres.nature = m.nature();
    apres.code_cpv = m.code_cpv.clone();
    apres.procedure = m.procedure.clone();
    apres.lieu_execution = m.lieu.clone();
    let plus_recente = m.modifications.iter().map(|md| md.numero).max().unwrap_or(0);
    if versions.iter().all(|v| *v <= plus_recente) {
        let (montant, duree) = m.en_vigueur();
        let (debut, fin) = m.execution().ok_or_else(|| anyhow::anyhow!("marché {} sans date", m.id))?;
        apres.montant_ht_cents = montant;
        apres.date_notification = m.date_notification;
        apres.date_debut = debut;
        apres.date_fin = fin;
        apres.duree_mois = duree;
    }
    if apres == *avant {
        return Ok(false);
    }
    apres.updated_at = clock.now();
    let mut actif: marches::ActiveModel = apres.into();
    for c in [marches::Column::Objet, marches::Column::Nature, marches::Column::CodeCpv, marches::Column::Procedure, marches::Column::MontantHtCents, marches::Column::DateNotification, marches::Column::DateDebut, marches::Column::DateFin, marches::Column::DureeMois, marches::Column::LieuExecution, marches::Column::UpdatedAt] {
        actif.reset(c);
    }
    let apres = actif.update(txn).await?;
    audit::record(txn, clock, acteur, "import_decp", "marche", apres.id, Some(avant), Some(&apres)).await?;
    Ok(true)
}

/// The versions of a marché already kept.
async fn versions_connues(txn: &DatabaseTransaction, acteur: &Acteur, marche_id: i64) -> anyhow::Result<Vec<i32>> {
    use sea_orm::QuerySelect;
    Ok(acteur.scoped::<marche_versions::Entity>().filter(marche_versions::Column::MarcheId.eq(marche_id)).select_only().column(marche_versions::Column::Version).into_tuple().all(txn).await?)
}

/// The id of the structure's row of `E` with this SIRET; created from `nouveau` if there
/// is none (audited, counted in `creees`), and remembered for the rest of the file.
#[allow(clippy::too_many_arguments)]
async fn par_siret<E, A>(
    txn: &DatabaseTransaction,
    clock: &Clock,
    acteur: &Acteur,
    connus: &mut HashMap<String, i64>,
    (entite, id, colonne): (&str, fn(&E::Model) -> i64, E::Column),
    siret: &str,
    nouveau: impl FnOnce() -> A,
    creees: &mut u64,
) -> anyhow::Result<i64>
where
    E: crate::auth::Tenant,
    E::Model: sea_orm::IntoActiveModel<A> + serde::Serialize,
    A: ActiveModelTrait<Entity = E> + sea_orm::ActiveModelBehavior + Send,
{
    if let Some(id) = connus.get(siret) {
        return Ok(*id);
    }
    let trouve = match acteur.scoped::<E>().filter(colonne.eq(siret)).one(txn).await? {
        Some(m) => id(&m),
        None => {
            let m = nouveau().insert(txn).await?;
            audit::record(txn, clock, acteur, "import_decp", entite, id(&m), None, Some(&m)).await?;
            *creees += 1;
            id(&m)
        }
    };
    connus.insert(siret.to_string(), trouve);
    Ok(trouve)
}

/// The buyer, created if new: named by the file (v1) or after its SIRET (v2), its kind
/// guessed from its SIREN.
async fn donneur_ordre(txn: &DatabaseTransaction, clock: &Clock, acteur: &Acteur, connus: &mut Connus, acheteur: &Organisme, rapport: &mut Rapport) -> anyhow::Result<i64> {
    let siret = acheteur.siret.to_string();
    let now = clock.now();
    let nouveau = || donneurs_ordre::ActiveModel {
        structure_id: Set(acteur.structure_id),
        nom: Set(acheteur.nom.clone().unwrap_or_else(|| format!("Acheteur {siret}"))),
        siret: Set(siret.clone()),
        r#type: Set(lecture::type_acheteur(&acheteur.siret)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let cle: (&str, fn(&donneurs_ordre::Model) -> i64, _) = ("donneur_ordre", |m| m.id, donneurs_ordre::Column::Siret);
    par_siret(txn, clock, acteur, &mut connus.donneurs, cle, &siret, nouveau, &mut rapport.donneurs_ordre_crees).await
}

/// A company, created if new: the kind (SIAE, GEIQ…) is not in the DECP, so classique
/// until the facilitateur says.
async fn entreprise(txn: &DatabaseTransaction, clock: &Clock, acteur: &Acteur, connus: &mut Connus, organisme: &Organisme, rapport: &mut Rapport) -> anyhow::Result<i64> {
    let siret = organisme.siret.to_string();
    let now = clock.now();
    let nouveau = || entreprises::ActiveModel {
        structure_id: Set(acteur.structure_id),
        raison_sociale: Set(organisme.nom.clone().unwrap_or_else(|| format!("Entreprise {siret}"))),
        siret: Set(siret.clone()),
        r#type: Set(TypeEntreprise::Classique),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    };
    let cle: (&str, fn(&entreprises::Model) -> i64, _) = ("entreprise", |m| m.id, entreprises::Column::Siret);
    par_siret(txn, clock, acteur, &mut connus.entreprises, cle, &siret, nouveau, &mut rapport.entreprises_creees).await
}

/// The report as the command prints it.
pub fn afficher(r: &Rapport) -> String {
    let mut t = String::new();
    match &r.illisible {
        Some(i) => t.push_str(&format!("{} : illisible à la ligne {} ({}) ; rien n'a été importé de ce fichier ({} marché(s) lu(s) avant).\n", r.fichier, i.ligne, i.message, r.lus)),
        None if r.lus == 0 => t.push_str(&format!("{} : aucun marché trouvé (fichier DECP XML ou JSON attendu).\n", r.fichier)),
        None => t.push_str(&format!(
            "{} : {} marché(s) lu(s), dont {} avec clause sociale ; {} créé(s), {} mis à jour, {} inchangé(s), {} illisible(s), {} sans clause sociale écarté(s) ; {} donneur(s) d'ordre et {} entreprise(s) créé(s) ; {} modification(s) enregistrée(s).\n",
            r.fichier, r.lus, r.avec_clause_sociale, r.crees, r.mis_a_jour, r.inchanges, r.ignores, r.hors_clause, r.donneurs_ordre_crees, r.entreprises_creees, r.modifications
        )),
    }
    for (ligne, p) in &r.problemes {
        t.push_str(&format!("  {}:{ligne} : {p}\n", r.fichier));
    }
    t
}
