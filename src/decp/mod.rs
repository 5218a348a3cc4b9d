//! DECP import (domain.md §7): the official open data of public contracts, XML or JSON,
//! v1 or v2, in any declared encoding, streamed record by record (`arbre`), read
//! tolerantly (`lecture`) and written into a structure: donneurs d'ordre (by SIRET),
//! marchés (by DECP uid: acheteur id + marché id), each with its own opération, titulaires,
//! cotitulaires and sous-traitants (attributions), and each record as notified plus each
//! modification as versions.
//!
//! Records sharing (acheteur, id) in a file are the lots of one marché: one lot per
//! record (its objet, amount and titulaires), an identical record repeated kept once;
//! a record's modifications belong to its lot. A marché keeps the digest of its records
//! and their publication date: importing the same data again writes nothing at all;
//! older data (an earlier publication date, or fewer modifications than those kept)
//! never replaces newer; data published the same day that differs is reported, not
//! written.
//!
//! A file is read to its end before anything is written: one that cannot be (malformed
//! XML or JSON) imports nothing, and the report says where it stopped. It is then
//! written by chunks of 500 marchés per transaction, the chunk's existing marchés read
//! in one query. A record that cannot be kept (no id, no acheteur SIRET, no date, a
//! concession) is left out and reported with where it starts; what is left out of or
//! corrected in a kept marché too.

pub mod arbre;
pub mod lecture;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;

use entities::enums::{RoleAttribution, TypeEntreprise};
use entities::{attributions, donneurs_ordre, entreprises, lots, marche_versions, marches, operations};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseConnection, DatabaseTransaction, QueryFilter, QueryOrder, Set};

use self::arbre::{Illisible, MarcheLu, Position};
use self::lecture::{MarcheDecp, Organisme};
use crate::audit;
use crate::auth::Acteur;
use crate::clock::Clock;

/// What the import of one file did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Rapport {
    pub fichier: String,
    /// Records (marchés or lots) found in the file.
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
    /// Marchés published as several records sharing (acheteur, id): one marché, one lot each.
    pub en_lots: u64,
    /// Records present twice or more, identical: kept once.
    pub repetes: u64,
    /// Marchés whose data here is older than what was imported before: left as they are.
    pub plus_anciens: u64,
    /// Marchés published the same day with other data than what was imported: reported.
    pub conflits: u64,
    /// What was left out or corrected, with where its record starts.
    pub problemes: Vec<(Position, String)>,
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
/// most for one chunk, not for a whole national file; existing marchés are read by chunk.
const PAR_TRANSACTION: usize = 500;

/// Opens a file for reading: UTF-8 (decoded from the encoding its XML prolog declares,
/// its BOM removed), and whether it is XML (else JSON). An unreadable or empty file is
/// said in French.
fn ouvrir(chemin: &Path) -> Result<(Box<dyn BufRead + Send>, bool), Illisible> {
    let refus = |message: String| Illisible { position: Position::default(), message };
    if chemin.is_dir() {
        return Err(refus("c'est un dossier, pas un fichier".into()));
    }
    let fichier = std::fs::File::open(chemin).map_err(|e| refus(arbre::erreur_io(&e)))?;
    let mut source = BufReader::with_capacity(1 << 16, fichier);
    let debut = source.fill_buf().map_err(|e| refus(arbre::erreur_io(&e)))?;
    if debut.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(refus("fichier vide : aucun marché".into()));
    }
    let xml = arbre::est_xml(debut);
    let encodage = if xml { arbre::encodage_declare(debut) } else { None };
    Ok((Box::new(arbre::en_utf8(source, encodage)), xml))
}

/// Starts reading every marché of a file on a blocking thread, handing each to `chaque`.
fn parcourir(source: Box<dyn BufRead + Send>, xml: bool, chaque: impl FnMut(MarcheLu) + Send + 'static) -> tokio::task::JoinHandle<Result<(), Illisible>> {
    tokio::task::spawn_blocking(move || if xml { arbre::lire_xml(source, chaque) } else { arbre::lire_json(source, chaque) })
}

/// The DECP key of a record as read (acheteur id + marché id), hashed: records sharing
/// it are the lots of one marché.
fn cle(n: &arbre::Noeud) -> Option<u64> {
    use std::hash::{BuildHasher, Hasher};
    let id = n.texte_de("id")?;
    let acheteur = n.enfant("acheteur").and_then(|a| a.texte_de("id")).unwrap_or("");
    let mut h = foldhash::fast::FixedState::with_seed(0x5eed).build_hasher();
    h.write(acheteur.as_bytes());
    h.write_u8(0);
    h.write(id.as_bytes());
    Some(h.finish())
}

/// The SHA-256 of a value's JSON text, in hex.
fn empreinte(v: &serde_json::Value) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(serde_json::to_vec(v).unwrap_or_default()))
}

/// One record of a marché, with its digests: the whole record, and the record as
/// notified (without its modifications: the key of its lot).
struct Enregistrement {
    position: Position,
    marche: MarcheDecp,
    empreinte: String,
    cle_lot: String,
}

impl Enregistrement {
    fn new(position: Position, marche: MarcheDecp) -> Enregistrement {
        let mut notifie = marche.donnees.clone();
        if let Some(o) = notifie.as_object_mut() {
            o.remove("modifications");
        }
        Enregistrement { cle_lot: empreinte(&notifie), empreinte: empreinte(&marche.donnees), position, marche }
    }
}

/// A marché of the file: its records (one per lot), identical repeats removed.
struct Groupe {
    enregistrements: Vec<Enregistrement>,
}

impl Groupe {
    fn uid(&self) -> String {
        self.enregistrements[0].marche.uid()
    }

    fn premier(&self) -> &MarcheDecp {
        &self.enregistrements[0].marche
    }

    /// What the files say of the marché: the digest of its records' digests.
    fn empreinte(&self) -> String {
        empreinte(&serde_json::Value::Array(self.enregistrements.iter().map(|e| serde_json::Value::String(e.empreinte.clone())).collect()))
    }

    fn publie_le(&self) -> Option<chrono::NaiveDate> {
        self.enregistrements.iter().filter_map(|e| e.marche.publie_le()).max()
    }

    /// The latest modification number of its records.
    fn plus_recente(&self) -> i32 {
        self.enregistrements.iter().enumerate().flat_map(|(i, e)| e.marche.modifications.iter().map(move |m| version(i, m.numero))).max().unwrap_or(0)
    }

    /// The amount in force (the lots' sum), the duration (the longest), the execution
    /// (from the first notification to the last end).
    fn en_vigueur(&self) -> anyhow::Result<(i64, Option<i32>, chrono::NaiveDate, chrono::NaiveDate)> {
        let mut montant = 0i64;
        let mut duree: Option<i32> = None;
        let mut periode: Option<(chrono::NaiveDate, chrono::NaiveDate)> = None;
        for e in &self.enregistrements {
            let (m, d) = e.marche.en_vigueur();
            montant = montant.saturating_add(m);
            duree = duree.max(d);
            let (debut, fin) = e.marche.execution().ok_or_else(|| anyhow::anyhow!("marché {} sans date", e.marche.id))?;
            periode = Some(periode.map_or((debut, fin), |(a, b)| (a.min(debut), b.max(fin))));
        }
        let (debut, fin) = periode.ok_or_else(|| anyhow::anyhow!("marché sans enregistrement"))?;
        Ok((montant, duree, debut, fin))
    }
}

/// The version number of a record's modification: a marché of one record keeps the
/// DECP numbers (0 as notified, then 1, 2…); the record of rank i ≥ 1 (its lot i + 1)
/// counts from i × 1000.
fn version(rang: usize, numero: i32) -> i32 {
    rang as i32 * 1000 + numero
}

/// Records waiting for the other lots of their marché, by key: the records still to
/// come, and those read.
#[derive(Default)]
struct Attente {
    attendus: HashMap<u64, u32>,
    lus: HashMap<u64, Vec<Enregistrement>>,
}

impl Attente {
    /// A record of key `k` has been read (kept or not); the marché when it is complete.
    fn recu(&mut self, k: Option<u64>, e: Option<Enregistrement>, repetes: &mut u64) -> Option<Groupe> {
        let reste = k.and_then(|k| self.attendus.get_mut(&k)).map(|n| {
            *n = n.saturating_sub(1);
            *n
        });
        let Some(k) = k.filter(|_| reste.is_some()) else {
            return e.map(|e| Groupe { enregistrements: vec![e] });
        };
        let lus = self.lus.entry(k).or_default();
        if let Some(e) = e {
            if lus.iter().any(|l| l.empreinte == e.empreinte) {
                *repetes += 1;
            } else {
                lus.push(e);
            }
        }
        if reste == Some(0) {
            self.attendus.remove(&k);
            return self.lus.remove(&k).filter(|l| !l.is_empty()).map(|enregistrements| Groupe { enregistrements });
        }
        None
    }
}

/// Imports one file into the caller's structure; only the marchés with a social
/// consideration if `clauses_seulement`; a progress bar on the terminal if `progression`.
///
/// The file is read twice. First to its end, writing nothing: a file malformed in the
/// middle imports nothing, and the records sharing a key (the lots of one marché) are
/// counted. Then record by record through a bounded channel (memory stays that of a
/// few marchés, plus the lots of a marché until its last one is read), written by
/// chunks of [`PAR_TRANSACTION`] marchés; an import interrupted midway can be run
/// again (what was written is found unchanged). A file that cannot be opened is
/// reported (`illisible`) like one that cannot be read.
pub async fn importer(db: &DatabaseConnection, clock: &Clock, acteur: &Acteur, chemin: &Path, clauses_seulement: bool, progression: bool) -> anyhow::Result<Rapport> {
    let mut rapport = Rapport { fichier: chemin.display().to_string(), ..Rapport::default() };
    let (source, xml) = match ouvrir(chemin) {
        Ok(o) => o,
        Err(i) => {
            rapport.illisible = Some(i);
            return Ok(rapport);
        }
    };
    let cles = std::sync::Arc::new(std::sync::Mutex::new((0u64, HashMap::<u64, u32>::new())));
    let compte = cles.clone();
    let lu = parcourir(source, xml, move |m| {
        let mut c = compte.lock().unwrap_or_else(|e| e.into_inner());
        c.0 += 1;
        if let Some(k) = cle(&m.noeud) {
            *c.1.entry(k).or_default() += 1;
        }
    })
    .await?;
    let (total, mut attendus) = std::mem::take(&mut *cles.lock().unwrap_or_else(|e| e.into_inner()));
    if let Err(illisible) = lu {
        rapport.lus = total;
        rapport.illisible = Some(illisible);
        return Ok(rapport);
    }
    attendus.retain(|_, n| *n > 1);
    let mut attente = Attente { attendus, ..Attente::default() };
    let barre = if progression { indicatif::ProgressBar::new(total) } else { indicatif::ProgressBar::hidden() };
    barre.set_style(indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} marchés  {elapsed_precise}").unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()));
    let (source, xml) = ouvrir(chemin).map_err(|i| anyhow::anyhow!("{} : {}", rapport.fichier, i.message))?;
    let (envoi, mut reception) = tokio::sync::mpsc::channel::<MarcheLu>(64);
    let lecteur = parcourir(source, xml, move |m| {
        let _ = envoi.blocking_send(m);
    });
    let mut connus = Connus::default();
    let mut paquet: Vec<Groupe> = Vec::with_capacity(PAR_TRANSACTION);
    while let Some(lu) = reception.recv().await {
        rapport.lus += 1;
        let k = cle(&lu.noeud);
        let mut problemes = Vec::new();
        let qui = lu.noeud.texte_de("id").map_or_else(|| "marché sans identifiant".to_string(), |id| format!("marché {id}"));
        problemes.extend(lu.avertissements.iter().map(|a| format!("{qui} : {a}")));
        let garde = match lecture::lire(&lu.noeud, &mut problemes) {
            Err(e) => {
                rapport.ignores += 1;
                problemes.push(e);
                None
            }
            Ok(m) => {
                let clause = m.a_une_clause_sociale();
                rapport.avec_clause_sociale += u64::from(clause);
                if clauses_seulement && !clause {
                    rapport.hors_clause += 1;
                    None
                } else {
                    Some(Enregistrement::new(lu.position, m))
                }
            }
        };
        rapport.problemes.extend(problemes.into_iter().map(|p| (lu.position, p)));
        if let Some(g) = attente.recu(k, garde, &mut rapport.repetes) {
            paquet.push(g);
        }
        barre.inc(1);
        if paquet.len() >= PAR_TRANSACTION {
            ecrire_paquet(db, clock, acteur, &mut connus, std::mem::take(&mut paquet), &mut rapport).await?;
        }
    }
    barre.finish_and_clear();
    // The file read to its end a moment ago: failing now means it changed meanwhile.
    if let Err(illisible) = lecteur.await? {
        anyhow::bail!("{} a changé pendant l'import (illisible à la ligne {} : {}) ; {} marché(s) déjà importé(s) : relancez l'import", rapport.fichier, illisible.position, illisible.message, rapport.importes());
    }
    // Lots whose count changed meanwhile (a file rewritten between the two readings).
    paquet.extend(attente.lus.into_values().filter(|l| !l.is_empty()).map(|enregistrements| Groupe { enregistrements }));
    ecrire_paquet(db, clock, acteur, &mut connus, paquet, &mut rapport).await?;
    Ok(rapport)
}

/// Writes a chunk of marchés in one transaction: the structure's marchés with these
/// keys read at once; a marché whose data did not change is not written at all.
async fn ecrire_paquet(db: &DatabaseConnection, clock: &Clock, acteur: &Acteur, connus: &mut Connus, paquet: Vec<Groupe>, rapport: &mut Rapport) -> anyhow::Result<()> {
    if paquet.is_empty() {
        return Ok(());
    }
    let uids: Vec<String> = paquet.iter().map(Groupe::uid).collect();
    let txn = crate::db::ecrire(db).await?;
    let existants: HashMap<String, marches::Model> =
        acteur.scoped::<marches::Entity>().filter(marches::Column::DecpUid.is_in(uids)).all(&txn).await?.into_iter().filter_map(|m| m.decp_uid.clone().map(|u| (u, m))).collect();
    for g in &paquet {
        rapport.en_lots += u64::from(g.enregistrements.len() > 1);
        let issue = match existants.get(&g.uid()) {
            None => {
                creer(&txn, clock, acteur, connus, g, rapport).await?;
                Issue::Cree
            }
            Some(m) if m.decp_empreinte.as_deref() == Some(g.empreinte().as_str()) => Issue::Inchange,
            Some(m) => comparer(&txn, clock, acteur, connus, m, g, rapport).await?,
        };
        match issue {
            Issue::Cree => rapport.crees += 1,
            Issue::MisAJour => rapport.mis_a_jour += 1,
            Issue::Inchange => rapport.inchanges += 1,
        }
    }
    txn.commit().await?;
    Ok(())
}

/// A known marché published with other data: older data leaves it as it is; data of
/// the same publication day that differs is reported (two feeds disagree); newer data
/// brings it up to date.
async fn comparer(txn: &DatabaseTransaction, clock: &Clock, acteur: &Acteur, connus: &mut Connus, avant: &marches::Model, g: &Groupe, rapport: &mut Rapport) -> anyhow::Result<Issue> {
    let m = g.premier();
    let position = g.enregistrements[0].position;
    let versions = versions_connues(txn, acteur, avant.id).await?;
    let (plus_ancien, meme_jour) = match (g.publie_le(), avant.decp_publie_le) {
        (Some(ici), Some(deja)) => (ici < deja, ici == deja),
        _ => (versions.iter().any(|v| *v > g.plus_recente()), false),
    };
    if plus_ancien {
        rapport.plus_anciens += 1;
        if let (Some(ici), Some(deja)) = (g.publie_le(), avant.decp_publie_le) {
            rapport.problemes.push((position, format!("marché {} : données publiées le {}, plus anciennes que celles déjà importées (publiées le {}) : rien n'est remplacé", m.id, crate::text::date_num(ici), crate::text::date_num(deja))));
        }
        return Ok(Issue::Inchange);
    }
    if meme_jour && avant.decp_empreinte.is_some() {
        rapport.conflits += 1;
        rapport.problemes.push((position, format!("marché {} : publié le même jour ({}) avec d'autres données que celles déjà importées (deux sources ?) : rien n'est remplacé, à vérifier", m.id, crate::text::date_num(avant.decp_publie_le.unwrap_or_default()))));
        return Ok(Issue::Inchange);
    }
    let lots = acteur.scoped::<lots::Entity>().filter(lots::Column::MarcheId.eq(avant.id)).order_by_asc(lots::Column::Id).all(txn).await?;
    let mut change = mettre_a_jour(txn, clock, acteur, avant, g).await?;
    change |= parties_et_versions(txn, clock, acteur, connus, avant, lots, Some(versions), g, rapport).await?;
    Ok(if change { Issue::MisAJour } else { Issue::Inchange })
}

/// Each record's lot (found by its key, else the marché's single lot from before lots
/// were kept apart, else created), its titulaires, cotraitants and sous-traitants, and
/// its versions (as notified, then each modification), each once; whether anything was
/// written.
#[allow(clippy::too_many_arguments)]
async fn parties_et_versions(
    txn: &DatabaseTransaction,
    clock: &Clock,
    acteur: &Acteur,
    connus: &mut Connus,
    marche: &marches::Model,
    mut lots: Vec<lots::Model>,
    versions: Option<Vec<i32>>,
    g: &Groupe,
    rapport: &mut Rapport,
) -> anyhow::Result<bool> {
    let (sid, now) = (acteur.structure_id, clock.now());
    let cree = versions.is_none();
    let mut connues = versions.unwrap_or_default();
    let mut change = false;
    let seul = g.enregistrements.len() == 1;
    for (rang, e) in g.enregistrements.iter().enumerate() {
        let m = &e.marche;
        let (montant, _) = m.en_vigueur();
        let trouve = lots.iter().position(|l| l.decp_cle.as_deref() == Some(e.cle_lot.as_str())).or_else(|| (seul && lots.len() == 1 && lots[0].decp_cle.is_none()).then_some(0));
        let (lot, nouveau) = match trouve {
            Some(i) if lots[i].decp_cle.is_none() => {
                let mut l: lots::ActiveModel = lots[i].clone().into();
                l.decp_cle = Set(Some(e.cle_lot.clone()));
                lots[i] = l.update(txn).await?;
                (lots[i].clone(), false)
            }
            Some(i) => (lots[i].clone(), false),
            None => {
                let (numero, intitule) = if seul { ("unique".to_string(), "Lot unique".to_string()) } else { ((lots.len() + 1).to_string(), m.objet.chars().take(200).collect()) };
                let l = lots::ActiveModel { structure_id: Set(sid), marche_id: Set(marche.id), numero: Set(numero), intitule: Set(intitule), montant_ht_cents: Set(montant), decp_cle: Set(Some(e.cle_lot.clone())), created_at: Set(now), ..Default::default() }.insert(txn).await?;
                lots.push(l.clone());
                change |= !cree;
                (l, true)
            }
        };
        // Titulaires of the marché as notified, those a modification adds, then sous-traitants.
        let mut parties: Vec<(&Organisme, RoleAttribution, Option<i64>)> = m.titulaires.iter().enumerate().map(|(i, t)| (t, m.role_titulaire(i), None)).collect();
        parties.extend(m.modifications.iter().flat_map(|md| md.titulaires.iter().map(|t| (t, RoleAttribution::Titulaire, None))));
        parties.extend(m.sous_traitants.iter().map(|(o, montant)| (o, RoleAttribution::Soustraitant, *montant)));
        let deja: Vec<i64> = if nouveau {
            Vec::new()
        } else {
            use sea_orm::QuerySelect;
            acteur.scoped::<attributions::Entity>().filter(attributions::Column::LotId.eq(lot.id)).select_only().column(attributions::Column::EntrepriseId).into_tuple().all(txn).await?
        };
        let mut attribuees = deja;
        for (organisme, role, montant) in parties {
            let entreprise = entreprise(txn, clock, acteur, connus, organisme, rapport).await?;
            if !attribuees.contains(&entreprise) {
                attribuees.push(entreprise);
                attributions::ActiveModel { structure_id: Set(sid), marche_id: Set(marche.id), lot_id: Set(lot.id), entreprise_id: Set(entreprise), role: Set(role), montant_ht_cents: Set(montant), created_at: Set(now), ..Default::default() }.insert(txn).await?;
                change = true;
            }
        }
        let nouvelles = std::iter::once((version(rang, 0), &m.donnees)).chain(m.modifications.iter().map(|md| (version(rang, md.numero), &md.donnees)));
        for (v, donnees) in nouvelles {
            if !connues.contains(&v) {
                connues.push(v);
                marche_versions::ActiveModel { structure_id: Set(sid), marche_id: Set(marche.id), version: Set(v), source: Set("decp".into()), donnees: Set(donnees.clone()), created_at: Set(now), ..Default::default() }.insert(txn).await?;
                if v % 1000 > 0 {
                    rapport.modifications += 1;
                    change = true;
                }
            }
        }
    }
    Ok(change)
}

/// A new marché with its own opération, one lot per record, their attributions and
/// versions.
async fn creer(txn: &DatabaseTransaction, clock: &Clock, acteur: &Acteur, connus: &mut Connus, g: &Groupe, rapport: &mut Rapport) -> anyhow::Result<()> {
    let donneur = donneur_ordre(txn, clock, acteur, connus, &g.premier().acheteur, rapport).await?;
    let marche = creer_marche(txn, clock, acteur, donneur, g).await?;
    parties_et_versions(txn, clock, acteur, connus, &marche, Vec::new(), None, g, rapport).await?;
    Ok(())
}

/// A new marché with its own opération (its lots are written by the caller).
async fn creer_marche(txn: &DatabaseTransaction, clock: &Clock, acteur: &Acteur, donneur: i64, g: &Groupe) -> anyhow::Result<marches::Model> {
    let (sid, now) = (acteur.structure_id, clock.now());
    let m = g.premier();
    let (montant, duree, debut, fin) = g.en_vigueur()?;
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
        date_notification: Set(g.enregistrements.iter().filter_map(|e| e.marche.date_notification).min()),
        date_debut: Set(debut),
        date_fin: Set(fin),
        duree_mois: Set(duree),
        lieu_execution: Set(m.lieu.clone()),
        decp_empreinte: Set(Some(g.empreinte())),
        decp_publie_le: Set(g.publie_le()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    audit::record(txn, clock, acteur, "import_decp", "marche", marche.id, None, Some(&marche)).await?;
    Ok(marche)
}

/// Brings a known marché up to date with newer data (audited); whether its values
/// changed. The digest and publication date are kept with it.
async fn mettre_a_jour(txn: &DatabaseTransaction, clock: &Clock, acteur: &Acteur, avant: &marches::Model, g: &Groupe) -> anyhow::Result<bool> {
    let m = g.premier();
    let (montant, duree, debut, fin) = g.en_vigueur()?;
    let mut apres = avant.clone();
    apres.objet = m.objet.clone();
    apres.nature = m.nature();
    apres.code_cpv = m.code_cpv.clone();
    apres.procedure = m.procedure.clone();
    apres.lieu_execution = m.lieu.clone();
    apres.montant_ht_cents = montant;
    apres.date_notification = g.enregistrements.iter().filter_map(|e| e.marche.date_notification).min();
    apres.date_debut = debut;
    apres.date_fin = fin;
    apres.duree_mois = duree;
    let valeurs_changees = apres != *avant;
    apres.decp_empreinte = Some(g.empreinte());
    apres.decp_publie_le = g.publie_le().or(avant.decp_publie_le);
    if apres == *avant {
        return Ok(false);
    }
    if valeurs_changees {
        apres.updated_at = clock.now();
    }
    let mut actif: marches::ActiveModel = apres.into();
    for c in [
        marches::Column::Objet,
        marches::Column::Nature,
        marches::Column::CodeCpv,
        marches::Column::Procedure,
        marches::Column::MontantHtCents,
        marches::Column::DateNotification,
        marches::Column::DateDebut,
        marches::Column::DateFin,
        marches::Column::DureeMois,
        marches::Column::LieuExecution,
        marches::Column::DecpEmpreinte,
        marches::Column::DecpPublieLe,
        marches::Column::UpdatedAt,
    ] {
        actif.reset(c);
    }
    let apres = actif.update(txn).await?;
    if valeurs_changees {
        audit::record(txn, clock, acteur, "import_decp", "marche", apres.id, Some(avant), Some(&apres)).await?;
    }
    Ok(valeurs_changees)
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
        Some(i) if r.lus == 0 && i.position == Position::default() => t.push_str(&format!("{} : {} ; rien n'a été importé de ce fichier.\n", r.fichier, i.message)),
        Some(i) => t.push_str(&format!("{} : illisible à la ligne {} ({}) ; rien n'a été importé de ce fichier ({} marché(s) lu(s) avant).\n", r.fichier, i.position, i.message, r.lus)),
        None if r.lus == 0 => t.push_str(&format!("{} : aucun marché trouvé (fichier DECP XML ou JSON attendu).\n", r.fichier)),
        None => {
            t.push_str(&format!(
                "{} : {} marché(s) lu(s), dont {} avec clause sociale ; {} créé(s), {} mis à jour, {} inchangé(s), {} illisible(s), {} sans clause sociale écarté(s) ; {} donneur(s) d'ordre et {} entreprise(s) créé(s) ; {} modification(s) enregistrée(s).\n",
                r.fichier, r.lus, r.avec_clause_sociale, r.crees, r.mis_a_jour, r.inchanges, r.ignores, r.hors_clause, r.donneurs_ordre_crees, r.entreprises_creees, r.modifications
            ));
            if r.en_lots + r.repetes + r.plus_anciens + r.conflits > 0 {
                t.push_str(&format!(
                    "  dont {} marché(s) publié(s) en plusieurs lots, {} enregistrement(s) répété(s) à l'identique gardé(s) une fois, {} marché(s) aux données plus anciennes que les importées, {} en désaccord avec une autre source.\n",
                    r.en_lots, r.repetes, r.plus_anciens, r.conflits
                ));
            }
        }
    }
    for (position, p) in &r.problemes {
        t.push_str(&format!("  {}:{position} : {p}\n", r.fichier));
    }
    t
}
