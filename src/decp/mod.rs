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
//! written by chunks of [`PAR_TRANSACTION`] marchés, the chunk's existing marchés read in
//! one query. A record that cannot be kept (no id, no acheteur SIRET, no date, a
//! concession) is left out and reported with where it starts; what is left out of or
//! corrected in a kept marché too.

pub mod arbre;
mod ecriture;
pub mod generateur;
pub mod lecture;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;

use sea_orm::DatabaseConnection;

use self::arbre::{Illisible, MarcheLu, Position};
use self::lecture::MarcheDecp;
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
    /// Adds what a writer did (its counts and problems) to the file's report.
    fn ajouter(&mut self, r: Rapport) {
        self.crees += r.crees;
        self.mis_a_jour += r.mis_a_jour;
        self.inchanges += r.inchanges;
        self.donneurs_ordre_crees += r.donneurs_ordre_crees;
        self.entreprises_creees += r.entreprises_creees;
        self.modifications += r.modifications;
        self.en_lots += r.en_lots;
        self.plus_anciens += r.plus_anciens;
        self.conflits += r.conflits;
        self.problemes.extend(r.problemes);
    }

    /// Marchés read and kept (created, updated or already up to date).
    pub fn importes(&self) -> u64 {
        self.crees + self.mis_a_jour + self.inchanges
    }

    /// Marchés that could be read (kept, or left out by choice).
    pub fn lisibles(&self) -> u64 {
        self.importes() + self.hors_clause
    }
}

/// Marchés written per transaction: another writer (the server, on SQLite) waits at
/// most for one chunk (under a second), not for a whole national file; existing marchés
/// are read by chunk. Larger chunks write the indexes' pages fewer times (measured: 500
/// → 2 000 marchés per chunk), but a chunk is read while the previous one is written:
/// 2 000 gave 149 MB peak for 100 000 marchés on SQLite, 1 000 gives 121 MB, about
/// 10 % slower (30/11/2026).
const PAR_TRANSACTION: usize = 1000;

/// Writers side by side on PostgreSQL (see `importer`): two imports at once ran 1.7
/// times one on this two-core machine; one import with two writers, 1.3 times; three
/// writers 10.0–10.2 MB/s against 8.8 for two, four 8.6 (07/12/2026); with `COPY`,
/// two 8.0–8.4, three 8.8–9.1, four 8.9–9.0 on a slower hour (08/12/2026); with the
/// composite keys, three 14.5–14.9, four 14.2–14.3, six 14.0–14.8 (the buyers' and
/// companies' resolution, one writer at a time, then waits).
pub const ECRIVAINS_POSTGRES: usize = 3;

/// On PostgreSQL, the statistics of the tables an import reads by keys, renewed after
/// its 1st, 2nd, 4th, 8th… chunk of new marchés: each chunk's reads of its keys
/// (`structure_id = … AND decp_uid IN (…)`) are planned on them. Without them, a table
/// filled by this import looks small, and PostgreSQL read every marché of the structure
/// for each chunk (measured: 315 ms per chunk at 670 000 marchés instead of a few, an
/// unchanged re-import of 1 GB at 10.9 MB/s) until autovacuum came by.
async fn statistiques(db: &DatabaseConnection) -> anyhow::Result<()> {
    if sea_orm::ConnectionTrait::get_database_backend(db) == sea_orm::DbBackend::Postgres {
        sea_orm::ConnectionTrait::execute_unprepared(db, "ANALYZE marches, entreprises, donneurs_ordre").await?;
    }
    Ok(())
}

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
    cle_de(n.enfant("acheteur").and_then(|a| a.texte_de("id")).unwrap_or(""), n.texte_de("id")?)
}

/// The same key from the texts (trimmed) of the acheteur's id and the marché's id.
fn cle_de(acheteur: &str, id: &str) -> Option<u64> {
    use std::hash::{BuildHasher, Hasher};
    if id.is_empty() {
        return None;
    }
    let mut h = foldhash::fast::FixedState::with_seed(0x5eed).build_hasher();
    h.write(acheteur.as_bytes());
    h.write_u8(0);
    h.write(id.as_bytes());
    Some(h.finish())
}

/// The SHA-256 of a value's JSON text, in hex.
fn empreinte(v: &impl serde::Serialize) -> String {
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    let _ = serde_json::to_writer(&mut EcritHachage(&mut h), v);
    hex::encode(h.finalize())
}

/// Feeds what is written to a hasher (no JSON text kept in memory).
struct EcritHachage<'a>(&'a mut sha2::Sha256);

impl std::io::Write for EcritHachage<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        sha2::Digest::update(self.0, buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A record as notified: its JSON object without its modifications (no copy made).
struct SansModifications<'a>(&'a serde_json::Value);

impl serde::Serialize for SansModifications<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self.0.as_object() {
            Some(o) => {
                let mut m = s.serialize_map(None)?;
                for (k, v) in o.iter().filter(|(k, _)| k.as_str() != "modifications") {
                    m.serialize_entry(k, v)?;
                }
                m.end()
            }
            None => self.0.serialize(s),
        }
    }
}

/// One record of a marché, with its digests: the whole record, and the record as
/// notified (without its modifications: the key of its lot).
pub(super) struct Enregistrement {
    pub(super) position: Position,
    /// The marché read; its JSON (`donnees`, and each modification's) taken out into
    /// `versions`.
    pub(super) marche: MarcheDecp,
    pub(super) empreinte: String,
    pub(super) cle_lot: String,
    /// The JSON text of the record as notified, then of each of its modifications (in
    /// the order of `marche.modifications`): what its versions keep. As text, a chunk's
    /// records weigh four to five times less than as JSON values until they are written.
    pub(super) versions: Vec<Box<str>>,
}

impl Enregistrement {
    fn new(position: Position, mut marche: MarcheDecp) -> Enregistrement {
        let (cle_lot, empreinte) = (empreinte(&SansModifications(&marche.donnees)), empreinte(&marche.donnees));
        let texte = |v: serde_json::Value| serde_json::to_string(&v).unwrap_or_default().into_boxed_str();
        let mut versions = vec![texte(marche.donnees.take())];
        versions.extend(marche.modifications.iter_mut().map(|md| texte(md.donnees.take())));
        Enregistrement { cle_lot, empreinte, position, marche, versions }
    }
}

/// A marché of the file: its records (one per lot), identical repeats removed.
pub(super) struct Groupe {
    pub(super) enregistrements: Vec<Enregistrement>,
}

impl Groupe {
    pub(super) fn uid(&self) -> String {
        self.enregistrements[0].marche.uid()
    }

    pub(super) fn premier(&self) -> &MarcheDecp {
        &self.enregistrements[0].marche
    }

    /// What the files say of the marché: the digest of its records' digests.
    pub(super) fn empreinte(&self) -> String {
        empreinte(&self.enregistrements.iter().map(|e| e.empreinte.as_str()).collect::<Vec<_>>())
    }

    pub(super) fn publie_le(&self) -> Option<chrono::NaiveDate> {
        self.enregistrements.iter().filter_map(|e| e.marche.publie_le()).max()
    }

    /// The latest modification number of its records.
    pub(super) fn plus_recente(&self) -> i32 {
        self.enregistrements.iter().enumerate().flat_map(|(i, e)| e.marche.modifications.iter().map(move |m| version(i, m.numero))).max().unwrap_or(0)
    }

    /// The amount in force (the lots' sum), the duration (the longest), the execution
    /// (from the first notification to the last end).
    pub(super) fn en_vigueur(&self) -> anyhow::Result<(i64, Option<i32>, chrono::NaiveDate, chrono::NaiveDate)> {
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
pub(super) fn version(rang: usize, numero: i32) -> i32 {
    rang as i32 * 1000 + numero
}

/// A record as the reading thread hands it over: its key, the marché it reads into
/// (or why not), and what was said of it.
struct Lu {
    position: Position,
    cle: Option<u64>,
    lu: Result<Enregistrement, String>,
    problemes: Vec<String>,
}

impl Lu {
    fn de(m: MarcheLu) -> Lu {
        let mut problemes = Vec::new();
        let qui = m.noeud.texte_de("id").map_or_else(|| "marché sans identifiant".to_string(), |id| format!("marché {id}"));
        problemes.extend(m.avertissements.iter().map(|a| format!("{qui} : {a}")));
        let lu = lecture::lire(&m.noeud, &mut problemes).map(|marche| Enregistrement::new(m.position, marche));
        Lu { position: m.position, cle: cle(&m.noeud), lu, problemes }
    }
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
    // First reading: every record's key counted (XML without building trees).
    let lu = tokio::task::spawn_blocking(move || {
        let (mut total, mut attendus) = (0u64, HashMap::<u64, u32>::new());
        let mut compter = |k: Option<u64>| {
            total += 1;
            if let Some(k) = k {
                *attendus.entry(k).or_default() += 1;
            }
        };
        let lu = if xml { arbre::cles_xml(source, |a, i| compter(cle_de(a, i))) } else { arbre::lire_json(source, |m| compter(cle(&m.noeud))) };
        (lu, total, attendus)
    });
    let (lu, total, mut attendus) = lu.await?;
    if let Err(illisible) = lu {
        rapport.lus = total;
        rapport.illisible = Some(illisible);
        return Ok(rapport);
    }
    attendus.retain(|_, n| *n > 1);
    // Only the lots' keys stay: the table of every key is given back (a 1 GB file has
    // 700 000 of them).
    attendus.shrink_to_fit();
    let mut attente = Attente { attendus, ..Attente::default() };
    let barre = if progression { indicatif::ProgressBar::new(total) } else { indicatif::ProgressBar::hidden() };
    barre.set_style(indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} marchés  {elapsed_precise}").unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()));
    let (source, xml) = ouvrir(chemin).map_err(|i| anyhow::anyhow!("{} : {}", rapport.fichier, i.message))?;
    // The reading thread also reads each record into a marché and its digests: the
    // writing task only groups and writes (two cores at work).
    // Three stages on their own threads: the file's trees, each tree read into a marché
    // with its digests, then grouping and writing here.
    let (envoi_arbre, reception_arbre) = std::sync::mpsc::sync_channel::<MarcheLu>(64);
    let lecteur = parcourir(source, xml, move |m| {
        let _ = envoi_arbre.send(m);
    });
    let (envoi, mut reception) = tokio::sync::mpsc::channel::<Lu>(64);
    tokio::task::spawn_blocking(move || {
        for m in reception_arbre {
            if envoi.blocking_send(Lu::de(m)).is_err() {
                break;
            }
        }
    });
    // Chunks are written while the next ones are read, by one writer on SQLite (one
    // write lock) and ECRIVAINS_POSTGRES side by side on PostgreSQL, whose server does
    // most of the work (each row's foreign keys checked) on one core per connection.
    let ecrivains = if sea_orm::ConnectionTrait::get_database_backend(db) == sea_orm::DbBackend::Postgres { ECRIVAINS_POSTGRES } else { 1 };
    let partages = tokio::sync::Mutex::new(ecriture::Connus::default());
    // At most one chunk per writer handed over and not yet written (`places`), and the
    // one being read: a chunk's marchés weigh some 30 MB.
    let places = tokio::sync::Semaphore::new(ecrivains);
    let (envoi_paquets, reception_paquets) = tokio::sync::mpsc::channel::<Vec<Groupe>>(ecrivains);
    let reception_paquets = tokio::sync::Mutex::new(reception_paquets);
    let ecrits = std::sync::atomic::AtomicUsize::new(0);
    let ecrire = futures::future::join_all((0..ecrivains).map(|_| async {
        let mut r = Rapport::default();
        loop {
            let paquet = reception_paquets.lock().await.recv().await;
            let Some(paquet) = paquet else { break };
            let cree = r.crees;
            let ecrit = async {
                ecriture::ecrire_paquet(db, clock, acteur, &partages, paquet, &mut r).await?;
                if r.crees > cree && (ecrits.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1).is_power_of_two() {
                    statistiques(db).await?;
                }
                anyhow::Ok(())
            };
            if let Err(e) = ecrit.await {
                // The reading stops at its next chunk.
                places.close();
                reception_paquets.lock().await.close();
                return Err(e);
            }
            places.add_permits(1);
        }
        Ok(r)
    }));
    // Hands a chunk over once a writer has room (false when the writers stopped).
    let envoyer = |envoi: &tokio::sync::mpsc::Sender<Vec<Groupe>>, paquet: Vec<Groupe>| {
        let (envoi, places) = (envoi.clone(), &places);
        async move {
            match places.acquire().await {
                Ok(permis) => {
                    permis.forget();
                    envoi.send(paquet).await.is_ok()
                }
                Err(_) => false,
            }
        }
    };
    let lire = async {
        let envoi = envoi_paquets;
        let mut paquet: Vec<Groupe> = Vec::with_capacity(PAR_TRANSACTION);
        while let Some(lu) = reception.recv().await {
            rapport.lus += 1;
            let (k, mut problemes) = (lu.cle, lu.problemes);
            let garde = match lu.lu {
                Err(e) => {
                    rapport.ignores += 1;
                    problemes.push(e);
                    None
                }
                Ok(e) => {
                    let clause = e.marche.a_une_clause_sociale();
                    rapport.avec_clause_sociale += u64::from(clause);
                    if clauses_seulement && !clause {
                        rapport.hors_clause += 1;
                        None
                    } else {
                        Some(e)
                    }
                }
            };
            rapport.problemes.extend(problemes.into_iter().map(|p| (lu.position, p)));
            if let Some(g) = attente.recu(k, garde, &mut rapport.repetes) {
                paquet.push(g);
            }
            barre.inc(1);
            if paquet.len() >= PAR_TRANSACTION && !envoyer(&envoi, std::mem::take(&mut paquet)).await {
                break;
            }
        }
        drop(reception);
        barre.finish_and_clear();
        let fin = lecteur.await;
        if matches!(fin, Ok(Ok(()))) {
            // Lots whose count changed meanwhile (a file rewritten between the two readings).
            paquet.extend(attente.lus.into_values().filter(|l| !l.is_empty()).map(|enregistrements| Groupe { enregistrements }));
            envoyer(&envoi, paquet).await;
        }
        drop(envoi);
        fin
    };
    let (fin, ecrits) = tokio::join!(lire, ecrire);
    for r in ecrits {
        rapport.ajouter(r?);
    }
    rapport.problemes.sort_by_key(|(p, _)| (p.ligne, p.octet));
    // The file read to its end a moment ago: failing now means it changed meanwhile.
    if let Err(illisible) = fin? {
        anyhow::bail!("{} a changé pendant l'import (illisible à la ligne {} : {}) ; {} marché(s) déjà importé(s) : relancez l'import", rapport.fichier, illisible.position, illisible.message, rapport.importes());
    }
    Ok(rapport)
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
