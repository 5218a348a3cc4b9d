//! Writing a chunk of an import: marchés already up to date are not touched; new ones
//! are written all at once (`COPY` on PostgreSQL, multi-row statements on SQLite:
//! [`crate::db::lignes`]); known ones published anew are
//! compared, and brought up to date one by one, audited.

use std::collections::HashMap;

use entities::enums::{RoleAttribution, TypeEntreprise};
use entities::{attributions, audit_log, donneurs_ordre, entreprises, lots, marche_versions, marches, operations};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, EntityName, QueryFilter, QueryOrder, Set};

use super::lecture::{self, MarcheDecp, Organisme};
use super::{version, Enregistrement, Groupe, Rapport};
use crate::audit;
use crate::auth::Acteur;
use crate::clock::Clock;
use crate::db::lignes::Lignes;

/// What happened to one marché.
pub(super) enum Issue {
    Cree,
    MisAJour,
    Inchange,
}

/// Companies and buyers already found in this file, by SIRET.
#[derive(Default, Clone)]
pub(super) struct Connus {
    donneurs: HashMap<String, i64>,
    entreprises: HashMap<String, i64>,
}

impl Connus {
    /// Only the buyers and companies of these marchés (a chunk's), for its writer: the
    /// whole table grows with the file, and each writer kept a copy of it (measured: 189
    /// MB peak for 1 GB on PostgreSQL with three writers, against 110 MB for 151 MB).
    fn pour(&self, groupes: &[&Groupe]) -> Connus {
        let mut c = Connus::default();
        for g in groupes {
            let a = &g.premier().acheteur.identifiant.valeur;
            if let Some(id) = self.donneurs.get(a.as_str()) {
                c.donneurs.insert(a.clone(), *id);
            }
            for e in &g.enregistrements {
                for (o, _, _) in parties(&e.marche) {
                    if let Some(id) = self.entreprises.get(o.identifiant.valeur.as_str()) {
                        c.entreprises.insert(o.identifiant.valeur.clone(), *id);
                    }
                }
            }
        }
        c
    }
}

/// Writes a chunk of marchés: the structure's marchés with these keys read at once (a
/// marché whose data did not change is not written at all); the buyers and companies of
/// the others found or created in a short transaction of their own, one writer at a
/// time (`partages`: writers run side by side on PostgreSQL); the new marchés written
/// at once ([`creer_tous`]); then the known ones compared and brought up to date, in one
/// transaction.
pub(super) async fn ecrire_paquet(db: &DatabaseConnection, clock: &Clock, acteur: &Acteur, partages: &tokio::sync::Mutex<Connus>, paquet: Vec<Groupe>, rapport: &mut Rapport) -> anyhow::Result<()> {
    if paquet.is_empty() {
        return Ok(());
    }
    let uids: Vec<String> = paquet.iter().map(Groupe::uid).collect();
    // The chunk's known marchés: their key and digest (three columns).
    let connus_ici: Vec<(i64, Option<String>, Option<String>)> = {
        use sea_orm::QuerySelect;
        let lecture = lecture_sur_mesure(db).await?;
        let lignes = acteur.scoped::<marches::Entity>().filter(marches::Column::DecpUid.is_in(uids)).select_only().columns([marches::Column::Id, marches::Column::DecpUid, marches::Column::DecpEmpreinte]).into_tuple().all(&lecture).await?;
        lecture.commit().await?;
        lignes
    };
    let par_uid: HashMap<String, (i64, Option<String>)> = connus_ici.into_iter().filter_map(|(id, u, e)| u.map(|u| (u, (id, e)))).collect();
    let inchange = |g: &Groupe| par_uid.get(&g.uid()).is_some_and(|(_, e)| e.as_deref() == Some(g.empreinte().as_str()));
    let mut connus = {
        let a_ecrire: Vec<&Groupe> = paquet.iter().filter(|g| !inchange(g)).collect();
        if a_ecrire.is_empty() {
            Connus::default()
        } else {
            let mut c = partages.lock().await;
            // Buyers for the new marchés only (a known marché keeps its opération).
            let nouveaux: Vec<&Groupe> = a_ecrire.iter().copied().filter(|g| !par_uid.contains_key(&g.uid())).collect();
            resoudre(db, clock, acteur, &mut c, &nouveaux, &a_ecrire, rapport).await?;
            c.pour(&a_ecrire)
        }
    };
    // What becomes of each marché: nothing (unchanged), written at once (new), after
    // them (a second new one with the same key: keys hashed apart in the file), or
    // compared with what is kept (known, whose digest differs).
    let mut vus = std::collections::HashSet::new();
    let (mut nouveaux, mut ensuite, mut a_comparer) = (Vec::new(), Vec::new(), Vec::new());
    for g in paquet {
        rapport.en_lots += u64::from(g.enregistrements.len() > 1);
        if inchange(&g) {
            compter(Issue::Inchange, rapport);
            continue;
        }
        match par_uid.get(&g.uid()) {
            Some((id, _)) => a_comparer.push((*id, g)),
            None if vus.insert(g.uid()) => {
                compter(Issue::Cree, rapport);
                nouveaux.push(g);
            }
            None => ensuite.push(g),
        }
    }
    creer_tous(db, clock, acteur, &connus, nouveaux, rapport).await?;
    if a_comparer.is_empty() && ensuite.is_empty() {
        return Ok(());
    }
    let txn = crate::db::ecrire(db).await?;
    // Whole rows only for the known marchés whose digest differs.
    let existants: HashMap<i64, marches::Model> = if a_comparer.is_empty() {
        HashMap::new()
    } else {
        plans_sur_mesure(&txn, true).await?;
        let m = acteur.scoped::<marches::Entity>().filter(marches::Column::Id.is_in(a_comparer.iter().map(|(id, _)| *id))).all(&txn).await?.into_iter().map(|m| (m.id, m)).collect();
        plans_sur_mesure(&txn, false).await?;
        m
    };
    for (id, g) in &a_comparer {
        let avant = existants.get(id).ok_or_else(|| anyhow::anyhow!("marché {} introuvable", g.uid()))?;
        let issue = comparer(&txn, clock, acteur, &mut connus, avant, g, rapport).await?;
        compter(issue, rapport);
    }
    for g in &ensuite {
        let avant = acteur.scoped::<marches::Entity>().filter(marches::Column::DecpUid.eq(g.uid())).one(&txn).await?.ok_or_else(|| anyhow::anyhow!("marché {} introuvable", g.uid()))?;
        let issue = comparer(&txn, clock, acteur, &mut connus, &avant, g, rapport).await?;
        compter(issue, rapport);
    }
    txn.commit().await?;
    Ok(())
}

/// A transaction for reads by lists of keys, planned for their values
/// ([`plans_sur_mesure`]).
async fn lecture_sur_mesure(db: &DatabaseConnection) -> Result<DatabaseTransaction, sea_orm::DbErr> {
    use sea_orm::TransactionTrait;
    let lecture = db.begin().await?;
    plans_sur_mesure(&lecture, true).await?;
    Ok(lecture)
}

/// On PostgreSQL, plans made for each statement's values (`true`) or PostgreSQL's own
/// choice (`false`), until the end of the transaction. Every chunk runs the same reads
/// by lists of a chunk's keys: after five, PostgreSQL may switch to a generic plan, which
/// scans the structure's whole index (measured: 325 s for an unchanged re-import of
/// 100 000 marchés). But not while writing: each inserted row's foreign keys are checked
/// by a query of PostgreSQL's own, planned again for every row under
/// `force_custom_plan` (perf: 59 % of the server's time in the first import, 2.4 MB/s).
async fn plans_sur_mesure(txn: &DatabaseTransaction, oui: bool) -> Result<(), sea_orm::DbErr> {
    if txn.get_database_backend() == sea_orm::DbBackend::Postgres {
        txn.execute_unprepared(if oui { "SET LOCAL plan_cache_mode = force_custom_plan" } else { "SET LOCAL plan_cache_mode = auto" }).await?;
    }
    Ok(())
}

fn compter(issue: Issue, rapport: &mut Rapport) {
    match issue {
        Issue::Cree => rapport.crees += 1,
        Issue::MisAJour => rapport.mis_a_jour += 1,
        Issue::Inchange => rapport.inchanges += 1,
    }
}

/// The parties of a record: its titulaires as notified (with their role), those its
/// modifications add (titulaires), then its sous-traitants with their amount.
fn parties(m: &MarcheDecp) -> Vec<(&Organisme, RoleAttribution, Option<i64>)> {
    let mut parties: Vec<(&Organisme, RoleAttribution, Option<i64>)> = m.titulaires.iter().enumerate().map(|(i, t)| (t, m.role_titulaire(i), None)).collect();
    parties.extend(m.modifications.iter().flat_map(|md| md.titulaires.iter().map(|t| (t, RoleAttribution::Titulaire, None))));
    parties.extend(m.sous_traitants.iter().map(|(o, montant)| (o, RoleAttribution::Soustraitant, *montant)));
    parties
}

/// The versions of the record of rank `rang`: as notified, then each modification,
/// with their JSON text.
fn versions_de(rang: usize, e: &Enregistrement) -> impl Iterator<Item = (i32, &str)> {
    std::iter::once(0).chain(e.marche.modifications.iter().map(|md| md.numero)).zip(e.versions.iter()).map(move |(n, t)| (version(rang, n), &**t))
}

/// A version's JSON value from its text (written by the import itself: `Null` cannot
/// happen but is not a reason to lose the marché).
fn json(texte: &str) -> serde_json::Value {
    serde_json::from_str(texte).unwrap_or(serde_json::Value::Null)
}

/// The number and title of a new lot: « Lot unique » for a marché of one record, else
/// the next number and the record's objet.
fn nouveau_lot(seul: bool, deja: usize, m: &MarcheDecp) -> (String, String) {
    if seul { ("unique".to_string(), "Lot unique".to_string()) } else { ((deja + 1).to_string(), m.objet.chars().take(200).collect()) }
}

/// The structure's buyers of the `nouveaux` marchés and companies of the `groupes`, found
/// by SIRET in one query each; those not found are created at once (with their audit
/// rows, in one transaction) and counted.
async fn resoudre(db: &DatabaseConnection, clock: &Clock, acteur: &Acteur, connus: &mut Connus, nouveaux: &[&Groupe], groupes: &[&Groupe], rapport: &mut Rapport) -> anyhow::Result<()> {
    use sea_orm::QuerySelect;
    let mut acheteurs: Vec<&Organisme> = Vec::new();
    for g in nouveaux {
        let a = &g.premier().acheteur;
        if !connus.donneurs.contains_key(a.identifiant.valeur.as_str()) && !acheteurs.iter().any(|x| x.identifiant.valeur == a.identifiant.valeur) {
            acheteurs.push(a);
        }
    }
    let mut organismes: Vec<&Organisme> = Vec::new();
    for g in groupes {
        for e in &g.enregistrements {
            for (o, _, _) in parties(&e.marche) {
                if !connus.entreprises.contains_key(o.identifiant.valeur.as_str()) && !organismes.iter().any(|x| x.identifiant.valeur == o.identifiant.valeur) {
                    organismes.push(o);
                }
            }
        }
    }
    if acheteurs.is_empty() && organismes.is_empty() {
        return Ok(());
    }
    let sirets = |os: &[&Organisme]| os.iter().map(|o| o.identifiant.valeur.clone()).collect::<Vec<String>>();
    let lecture = lecture_sur_mesure(db).await?;
    if !acheteurs.is_empty() {
        let trouves: Vec<(i64, String)> = acteur.scoped::<donneurs_ordre::Entity>().filter(donneurs_ordre::Column::Siret.is_in(sirets(&acheteurs))).select_only().columns([donneurs_ordre::Column::Id, donneurs_ordre::Column::Siret]).into_tuple().all(&lecture).await?;
        connus.donneurs.extend(trouves.into_iter().map(|(id, s)| (s, id)));
    }
    if !organismes.is_empty() {
        let trouves: Vec<(i64, String)> = acteur.scoped::<entreprises::Entity>().filter(entreprises::Column::Siret.is_in(sirets(&organismes))).select_only().columns([entreprises::Column::Id, entreprises::Column::Siret]).into_tuple().all(&lecture).await?;
        connus.entreprises.extend(trouves.into_iter().map(|(id, s)| (s, id)));
    }
    lecture.commit().await?;
    acheteurs.retain(|a| !connus.donneurs.contains_key(a.identifiant.valeur.as_str()));
    organismes.retain(|o| !connus.entreprises.contains_key(o.identifiant.valeur.as_str()));
    if acheteurs.is_empty() && organismes.is_empty() {
        return Ok(());
    }
    let (sid, now) = (acteur.structure_id, clock.now());
    crate::db::lignes::ecrire(db, &[(donneurs_ordre::Entity.table_name(), acheteurs.len()), (entreprises::Entity.table_name(), organismes.len())], |ids| {
        let mut ids = ids.into_iter();
        let (ids_donneurs, ids_entreprises) = (ids.next().unwrap_or_default(), ids.next().unwrap_or_default());
        let (mut donneurs, mut entreprises, mut journal) = (Lignes::de::<donneurs_ordre::Entity>(), Lignes::de::<entreprises::Entity>(), Lignes::colonnes::<audit_log::Entity>(&audit::COLONNES));
        for (a, id) in acheteurs.into_iter().zip(ids_donneurs) {
            let siret = a.identifiant.valeur.clone();
            let m = donneurs_ordre::Model { id, structure_id: sid, nom: a.nom.clone().unwrap_or_else(|| format!("Acheteur {siret}")), siret: siret.clone(), r#type: lecture::type_acheteur(&siret), adresse: None, code_postal: None, commune: None, created_at: now, updated_at: now };
            journal.valeurs(audit::valeurs(clock, acteur, "import_decp", "donneur_ordre", id, &m)?)?;
            donneurs.modele(donneurs_ordre::ActiveModel::from(m))?;
            connus.donneurs.insert(siret, id);
            rapport.donneurs_ordre_crees += 1;
        }
        for (o, id) in organismes.into_iter().zip(ids_entreprises) {
            let m = entreprise_modele(id, sid, now, o);
            journal.valeurs(audit::valeurs(clock, acteur, "import_decp", "entreprise", id, &m)?)?;
            entreprises.modele(entreprises::ActiveModel::from(m))?;
            connus.entreprises.insert(o.identifiant.valeur.clone(), id);
            rapport.entreprises_creees += 1;
        }
        Ok(vec![donneurs, entreprises, journal])
    })
    .await
}

/// New marchés, all at once (their buyers and companies already resolved): their
/// opérations, marchés, lots, attributions, versions and audit rows, in one
/// transaction ([`crate::db::lignes`]: ids drawn first, so that rows can refer to each
/// other).
async fn creer_tous(db: &DatabaseConnection, clock: &Clock, acteur: &Acteur, connus: &Connus, groupes: Vec<Groupe>, rapport: &mut Rapport) -> anyhow::Result<()> {
    if groupes.is_empty() {
        return Ok(());
    }
    let (sid, now) = (acteur.structure_id, clock.now());
    let n_lots: usize = groupes.iter().map(|g| g.enregistrements.len()).sum();
    crate::db::lignes::ecrire(db, &[(operations::Entity.table_name(), groupes.len()), (marches::Entity.table_name(), groupes.len()), (lots::Entity.table_name(), n_lots)], |ids| {
        let mut ids = ids.into_iter();
        let (ids_operations, ids_marches, ids_lots) = (ids.next().unwrap_or_default(), ids.next().unwrap_or_default(), ids.next().unwrap_or_default());
        let mut ids_lots = ids_lots.into_iter();
        let (mut ops, mut ms, mut ls, mut ats) = (Lignes::de::<operations::Entity>(), Lignes::de::<marches::Entity>(), Lignes::de::<lots::Entity>(), Lignes::de::<attributions::Entity>());
        use marche_versions::Column as V;
        let mut vs = Lignes::colonnes::<marche_versions::Entity>(&[V::StructureId, V::MarcheId, V::Version, V::Source, V::Donnees, V::CreatedAt]);
        let mut journal = Lignes::colonnes::<audit_log::Entity>(&audit::COLONNES);
        for ((g, id_op), id_m) in groupes.into_iter().zip(ids_operations).zip(ids_marches) {
            let donneur = *connus.donneurs.get(g.premier().acheteur.identifiant.valeur.as_str()).ok_or_else(|| anyhow::anyhow!("acheteur non résolu"))?;
            let (operation, marche) = modeles(&g, id_op, id_m, sid, donneur, now)?;
            ops.modele(operation)?;
            journal.valeurs(audit::valeurs(clock, acteur, "import_decp", "marche", id_m, &marche)?)?;
            ms.modele(marches::ActiveModel::from(marche))?;
            let seul = g.enregistrements.len() == 1;
            for (rang, e) in g.enregistrements.iter().enumerate() {
                let m = &e.marche;
                let id_l = ids_lots.next().ok_or_else(|| anyhow::anyhow!("ids de lots épuisés"))?;
                let (numero, intitule) = nouveau_lot(seul, rang, m);
                ls.modele(lots::ActiveModel { id: Set(id_l), structure_id: Set(sid), marche_id: Set(id_m), numero: Set(numero), intitule: Set(intitule), montant_ht_cents: Set(m.en_vigueur().0), decp_cle: Set(Some(e.cle_lot.clone())), created_at: Set(now) })?;
                let mut attribuees: Vec<i64> = Vec::new();
                for (o, role, montant) in parties(m) {
                    let entreprise = *connus.entreprises.get(o.identifiant.valeur.as_str()).ok_or_else(|| anyhow::anyhow!("entreprise non résolue"))?;
                    if !attribuees.contains(&entreprise) {
                        attribuees.push(entreprise);
                        ats.modele(attributions::ActiveModel { structure_id: Set(sid), marche_id: Set(id_m), lot_id: Set(id_l), entreprise_id: Set(entreprise), role: Set(role), montant_ht_cents: Set(montant), created_at: Set(now), ..Default::default() })?;
                    }
                }
                // A modification number given twice in a record: its first one.
                let mut numeros = std::collections::HashSet::new();
                for (n, (v, texte)) in versions_de(rang, e).enumerate() {
                    if numeros.insert(v) {
                        rapport.modifications += u64::from(n > 0);
                        vs.valeurs(vec![sid.into(), id_m.into(), v.into(), "decp".into(), texte.into(), now.into()])?;
                    }
                }
            }
        }
        Ok(vec![ops, ms, ls, ats, vs, journal])
    })
    .await
}

/// A new marché's opération and the marché itself, as rows.
fn modeles(g: &Groupe, id_op: i64, id_m: i64, sid: i64, donneur: i64, now: chrono::DateTime<chrono::Utc>) -> anyhow::Result<(operations::ActiveModel, marches::Model)> {
    let m = g.premier();
    let (montant, duree, debut, fin) = g.en_vigueur()?;
    let operation = operations::ActiveModel {
        id: Set(id_op),
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
    };
    let marche = marches::Model {
        id: id_m,
        structure_id: sid,
        operation_id: id_op,
        numero: m.id.clone(),
        decp_uid: Some(m.uid()),
        objet: m.objet.clone(),
        nature: m.nature(),
        code_cpv: m.code_cpv.clone(),
        procedure: m.procedure.clone(),
        montant_ht_cents: montant,
        date_notification: g.enregistrements.iter().filter_map(|e| e.marche.date_notification).min(),
        date_debut: debut,
        date_fin: fin,
        duree_mois: duree,
        lieu_execution: m.lieu.clone(),
        decp_empreinte: Some(g.empreinte()),
        decp_publie_le: g.publie_le(),
        created_at: now,
        updated_at: now,
    };
    Ok((operation, marche))
}

/// A company as an import creates it: the kind (SIAE, GEIQ…) is not in the DECP, so
/// classique until the facilitateur says.
fn entreprise_modele(id: i64, sid: i64, now: chrono::DateTime<chrono::Utc>, o: &Organisme) -> entreprises::Model {
    let siret = o.identifiant.valeur.clone();
    entreprises::Model { id, structure_id: sid, raison_sociale: o.nom.clone().unwrap_or_else(|| format!("Entreprise {siret}")), siret, type_identifiant: o.identifiant.type_, r#type: TypeEntreprise::Classique, adresse: None, code_postal: None, commune: None, created_at: now, updated_at: now }
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
                let (numero, intitule) = nouveau_lot(seul, lots.len(), m);
                let l = lots::ActiveModel { structure_id: Set(sid), marche_id: Set(marche.id), numero: Set(numero), intitule: Set(intitule), montant_ht_cents: Set(montant), decp_cle: Set(Some(e.cle_lot.clone())), created_at: Set(now), ..Default::default() }.insert(txn).await?;
                lots.push(l.clone());
                change |= !cree;
                (l, true)
            }
        };
        let deja: Vec<i64> = if nouveau {
            Vec::new()
        } else {
            use sea_orm::QuerySelect;
            acteur.scoped::<attributions::Entity>().filter(attributions::Column::LotId.eq(lot.id)).select_only().column(attributions::Column::EntrepriseId).into_tuple().all(txn).await?
        };
        let mut attribuees = deja;
        for (organisme, role, montant) in parties(m) {
            let entreprise = entreprise(txn, clock, acteur, connus, organisme, rapport).await?;
            if !attribuees.contains(&entreprise) {
                attribuees.push(entreprise);
                attributions::ActiveModel { structure_id: Set(sid), marche_id: Set(marche.id), lot_id: Set(lot.id), entreprise_id: Set(entreprise), role: Set(role), montant_ht_cents: Set(montant), created_at: Set(now), ..Default::default() }.insert(txn).await?;
                change = true;
            }
        }
        for (v, texte) in versions_de(rang, e) {
            if !connues.contains(&v) {
                connues.push(v);
                marche_versions::ActiveModel { structure_id: Set(sid), marche_id: Set(marche.id), version: Set(v), source: Set("decp".into()), donnees: Set(json(texte)), created_at: Set(now), ..Default::default() }.insert(txn).await?;
                if v % 1000 > 0 {
                    rapport.modifications += 1;
                    change = true;
                }
            }
        }
    }
    Ok(change)
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

/// A company, found or created (see [`entreprise_modele`]).
async fn entreprise(txn: &DatabaseTransaction, clock: &Clock, acteur: &Acteur, connus: &mut Connus, organisme: &Organisme, rapport: &mut Rapport) -> anyhow::Result<i64> {
    let siret = organisme.identifiant.valeur.clone();
    let nouveau = || {
        let mut m = entreprises::ActiveModel::from(entreprise_modele(0, acteur.structure_id, clock.now(), organisme)).reset_all();
        m.id = sea_orm::ActiveValue::NotSet;
        m
    };
    let cle: (&str, fn(&entreprises::Model) -> i64, _) = ("entreprise", |m| m.id, entreprises::Column::Siret);
    par_siret(txn, clock, acteur, &mut connus.entreprises, cle, &siret, nouveau, &mut rapport.entreprises_creees).await
}
