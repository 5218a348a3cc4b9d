//! `clausier demo --scale national`: one year shaped like the 2017 national
//! consolidation (api.md §5) — 180 structures, 2 400 donneurs d'ordre, 8 186 opérations,
//! 34 022 marchés, 17 896 entreprises, 34 274 participants, 48 585 contrats, ≈ 13.3 M
//! validated hours — skewed like real life (a few large structures, a few very large
//! opérations). Deterministic for a seed. The data set of every performance figure.
//!
//! Rows get their ids from the generator and go in with multi-row inserts, one
//! transaction per structure; PostgreSQL's sequences are moved past them at the end.

use chrono::{DateTime, Months, NaiveDate, Utc};
use entities::enums::*;
use entities::*;
use indicatif::{ProgressBar, ProgressStyle};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QuerySelect, Set, TransactionTrait};

pub const STRUCTURES: usize = 180;
pub const DONNEURS_ORDRE: u64 = 2_400;
pub const OPERATIONS: u64 = 8_186;
pub const MARCHES: u64 = 34_022;
pub const ENTREPRISES: u64 = 17_896;
pub const PARTICIPANTS: u64 = 34_274;
pub const CONTRATS: u64 = 48_585;
pub const PREFIXE: &str = "Réseau national";

#[derive(Debug, Default, Clone, Copy)]
pub struct Totaux {
    pub structures: u64,
    pub donneurs_ordre: u64,
    pub operations: u64,
    pub marches: u64,
    pub lots: u64,
    pub entreprises: u64,
    pub participants: u64,
    pub contrats: u64,
    pub lignes_heures: u64,
    pub minutes: i64,
}

/// Splits `total` over `weights` exactly (largest remainder), at least 1 each.
pub fn repartir(total: u64, weights: &[f64]) -> Vec<u64> {
    let n = weights.len() as u64;
    let reste = total.saturating_sub(n);
    let somme: f64 = weights.iter().sum();
    let parts: Vec<f64> = weights.iter().map(|w| reste as f64 * w / somme).collect();
    let mut out: Vec<u64> = parts.iter().map(|p| p.floor() as u64 + 1).collect();
    let mut manque = total.saturating_sub(out.iter().sum());
    let mut ordre: Vec<usize> = (0..parts.len()).collect();
    ordre.sort_by(|a, b| (parts[*b] - parts[*b].floor()).total_cmp(&(parts[*a] - parts[*a].floor())).then(a.cmp(b)));
    for i in ordre {
        if manque == 0 {
            break;
        }
        out[i] += 1;
        manque -= 1;
    }
    out
}

/// Zipf-like weights: a few large structures, many small.
fn poids(n: usize) -> Vec<f64> {
    (0..n).map(|i| 1.0 / ((i + 1) as f64).powf(0.9)).collect()
}

/// Next free id of a table.
async fn prochain_id<E: EntityTrait>(db: &impl ConnectionTrait, id: E::Column) -> anyhow::Result<i64>
where
    E::Column: ColumnTrait,
{
    let max: Option<i64> = E::find().select_only().column_as(id.max(), "m").into_tuple::<Option<i64>>().one(db).await?.flatten();
    Ok(max.unwrap_or(0) + 1)
}

struct Ids {
    donneur: i64,
    operation: i64,
    marche: i64,
    lot: i64,
    clause: i64,
    entreprise: i64,
    attribution: i64,
    participant: i64,
    critere: i64,
    etape: i64,
    contrat: i64,
    mise: i64,
    heure: i64,
}

fn d(y: i32, m: u32, j: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, j).expect("valid date")
}

/// A biased index in `0..n`: low indices far more likely (big opérations, big marchés).
fn biaise(rng: &mut StdRng, n: usize) -> usize {
    let u: f64 = rng.gen();
    ((n as f64) * u.powi(3)) as usize % n.max(1)
}

/// How much of the national data set to build: the whole (`NATIONALE`), or a share of
/// it over fewer structures (tests).
#[derive(Debug, Clone, Copy)]
pub struct Echelle {
    pub structures: usize,
    pub part: f64,
}

impl Echelle {
    pub const NATIONALE: Echelle = Echelle { structures: STRUCTURES, part: 1.0 };

    fn total(&self, n: u64) -> u64 {
        ((n as f64 * self.part).round() as u64).max(self.structures as u64)
    }
}

pub async fn national(db: &(impl TransactionTrait + ConnectionTrait), now: DateTime<Utc>, seed: u64, echelle: Echelle, progress: bool) -> anyhow::Result<Option<Totaux>> {
    let deja = structures::Entity::find().filter(structures::Column::Nom.starts_with(PREFIXE)).one(db).await?;
    if deja.is_some() {
        return Ok(None);
    }
    let n_structures = echelle.structures;
    let w = poids(n_structures);
    let [n_do, n_op, n_m, n_e, n_p, n_c] = [DONNEURS_ORDRE, OPERATIONS, MARCHES, ENTREPRISES, PARTICIPANTS, CONTRATS].map(|t| repartir(echelle.total(t), &w));
    let mut ids = Ids {
        donneur: prochain_id::<donneurs_ordre::Entity>(db, donneurs_ordre::Column::Id).await?,
        operation: prochain_id::<operations::Entity>(db, operations::Column::Id).await?,
        marche: prochain_id::<marches::Entity>(db, marches::Column::Id).await?,
        lot: prochain_id::<lots::Entity>(db, lots::Column::Id).await?,
        clause: prochain_id::<clauses::Entity>(db, clauses::Column::Id).await?,
        entreprise: prochain_id::<entreprises::Entity>(db, entreprises::Column::Id).await?,
        attribution: prochain_id::<attributions::Entity>(db, attributions::Column::Id).await?,
        participant: prochain_id::<participants::Entity>(db, participants::Column::Id).await?,
        critere: prochain_id::<criteres::Entity>(db, criteres::Column::Id).await?,
        etape: prochain_id::<etapes::Entity>(db, etapes::Column::Id).await?,
        contrat: prochain_id::<contrats::Entity>(db, contrats::Column::Id).await?,
        mise: prochain_id::<mises_en_emploi::Entity>(db, mises_en_emploi::Column::Id).await?,
        heure: prochain_id::<heures_mensuelles::Entity>(db, heures_mensuelles::Column::Id).await?,
    };
    let bar = if progress { ProgressBar::new(n_structures as u64) } else { ProgressBar::hidden() };
    bar.set_style(ProgressStyle::with_template("{bar:40} {pos}/{len} structures  {elapsed_precise}  {msg}").unwrap_or_else(|_| ProgressStyle::default_bar()));
    let mut totaux = Totaux::default();
    let mut siret_seq: u64 = 1_000_000;
    for s in 0..n_structures {
        let mut rng = StdRng::seed_from_u64(seed.wrapping_mul(1_000_003).wrapping_add(s as u64));
        let txn = crate::db::ecrire(db).await?;
        let structure = structures::ActiveModel { nom: Set(format!("{PREFIXE} {:03}", s + 1)), parametres: Set(serde_json::json!({})), created_at: Set(now), ..Default::default() }.insert(&txn).await?;
        let sid = structure.id;
        // The facilitateur who verified the criteria (no password: an account to attribute work to).
        let facilitateur = utilisateurs::ActiveModel {
            structure_id: Set(sid), email: Set(format!("facilitateur{:03}@national.clausier.fr", s + 1)), nom: Set(format!("Facilitateur {:03}", s + 1)), role: Set(Role::Facilitateur),
            password_hash: Set(None), entreprise_id: Set(None), donneur_ordre_id: Set(None), actif: Set(true), created_at: Set(now), last_login_at: Set(None), ..Default::default()
        }
        .insert(&txn)
        .await?
        .id;
        // Donneurs d'ordre, opérations.
        let dos: Vec<i64> = (0..n_do[s]).map(|_| { ids.donneur += 1; ids.donneur - 1 }).collect();
        let do_rows = dos.iter().enumerate().map(|(i, id)| {
            siret_seq += 1;
            donneurs_ordre::ActiveModel { id: Set(*id), structure_id: Set(sid), nom: Set(format!("Acheteur {} / {}", s + 1, i + 1)), siret: Set(super::siret(siret_seq)), r#type: Set([TypeDonneurOrdre::Commune, TypeDonneurOrdre::Epci, TypeDonneurOrdre::BailleurSocial, TypeDonneurOrdre::Departement][i % 4]), adresse: Set(None), code_postal: Set(None), commune: Set(None), created_at: Set(now), updated_at: Set(now) }
        }).collect();
        crate::db::inserer(&txn, do_rows, 400).await?;
        let ops: Vec<i64> = (0..n_op[s]).map(|_| { ids.operation += 1; ids.operation - 1 }).collect();
        let op_rows = ops.iter().enumerate().map(|(i, id)| operations::ActiveModel {
            id: Set(*id), structure_id: Set(sid), donneur_ordre_id: Set(dos[i % dos.len()]), nom: Set(format!("Opération {} / {}", s + 1, i + 1)), commune: Set("Commune".into()),
            qpv: Set(i % 3 == 0), anru: Set(i % 6 == 0), secteur: Set(if i % 4 == 3 { Secteur::HorsBtp } else { Secteur::Btp }), date_debut: Set(Some(d(2024, 7, 1))), date_fin: Set(Some(d(2026, 6, 30))),
            facilitateur_id: Set(None), created_at: Set(now), updated_at: Set(now),
        }).collect();
        crate::db::inserer(&txn, op_rows, 400).await?;
        // Entreprises: mostly classique, some SIAE and ETTI.
        let kinds = [(TypeEntreprise::Etti, 8), (TypeEntreprise::Ei, 7), (TypeEntreprise::Aci, 5), (TypeEntreprise::Geiq, 3), (TypeEntreprise::Ea, 2)];
        let mut ents: Vec<(i64, TypeEntreprise)> = Vec::new();
        let mut ent_rows = Vec::new();
        for i in 0..n_e[s] {
            let r = rng.gen_range(0..100);
            let mut acc = 0;
            let kind = kinds.iter().find(|(_, p)| { acc += p; r < acc }).map_or(TypeEntreprise::Classique, |(k, _)| *k);
            let kind = if i == 0 { TypeEntreprise::Classique } else { kind };
            let id = ids.entreprise;
            ids.entreprise += 1;
            siret_seq += 1;
            ents.push((id, kind));
            ent_rows.push(entreprises::ActiveModel { id: Set(id), structure_id: Set(sid), raison_sociale: Set(format!("Entreprise {} / {}", s + 1, i + 1)), siret: Set(super::siret(siret_seq)), type_identifiant: Set(entities::enums::TypeIdentifiant::Siret), r#type: Set(kind), adresse: Set(None), code_postal: Set(None), commune: Set(None), created_at: Set(now), updated_at: Set(now) });
        }
        crate::db::inserer(&txn, ent_rows, 400).await?;
        let classiques: Vec<i64> = ents.iter().filter(|(_, k)| *k == TypeEntreprise::Classique).map(|(id, _)| *id).collect();
        let ettis: Vec<i64> = ents.iter().filter(|(_, k)| *k == TypeEntreprise::Etti).map(|(id, _)| *id).collect();
        // Marchés (biased towards the first opérations), lots, clauses, titulaires.
        let (mut m_rows, mut l_rows, mut c_rows, mut a_rows) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut clauses_: Vec<(i64, i64, i64, i64)> = Vec::new(); // (clause id, titulaire, marché, opération)
        for i in 0..n_m[s] {
            let mid = ids.marche;
            ids.marche += 1;
            let montant: i64 = rng.gen_range(50_000..3_000_000) * 100;
            let debut = d(2024, 9 + rng.gen_range(0..4), 1);
            let fin = d(2026, rng.gen_range(1..=6), 28);
            let operation = ops[biaise(&mut rng, ops.len())];
            m_rows.push(marches::ActiveModel {
                id: Set(mid), structure_id: Set(sid), operation_id: Set(operation), numero: Set(format!("M{}", i + 1)), decp_uid: Set(None), objet: Set("Travaux".into()),
                nature: Set(NatureMarche::Travaux), code_cpv: Set(None), procedure: Set(None), montant_ht_cents: Set(montant), date_notification: Set(None), date_debut: Set(debut), date_fin: Set(fin),
                duree_mois: Set(None), lieu_execution: Set(None), decp_empreinte: Set(None), decp_publie_le: Set(None), created_at: Set(now), updated_at: Set(now),
            });
            let n_lots = 1 + usize::from(rng.gen_bool(0.25)) + usize::from(rng.gen_bool(0.05));
            for l in 0..n_lots {
                let (lid, cid) = (ids.lot, ids.clause);
                ids.lot += 1;
                ids.clause += 1;
                let part = montant / n_lots as i64;
                l_rows.push(lots::ActiveModel { id: Set(lid), structure_id: Set(sid), marche_id: Set(mid), numero: Set((l + 1).to_string()), intitule: Set(format!("Lot {}", l + 1)), montant_ht_cents: Set(part), decp_cle: Set(None), created_at: Set(now) });
                let calcul = rng.gen_bool(0.6);
                c_rows.push(clauses::ActiveModel {
                    id: Set(cid), structure_id: Set(sid), lot_id: Set(lid), marche_id: Set(mid), operation_id: Set(operation), r#type: Set(TypeClause::Execution),
                    mode_objectif: Set(if calcul { ModeObjectif::Calcul } else { ModeObjectif::Heures }),
                    objectif_minutes: Set((!calcul).then(|| rng.gen_range(100..1500) * 60)),
                    calcul_montant_ht_cents: Set(calcul.then_some(part)), calcul_part_main_oeuvre_ppm: Set(calcul.then_some(400_000)), calcul_taux_insertion_ppm: Set(calcul.then_some(50_000)), calcul_cout_horaire_cents: Set(calcul.then_some(3_000)),
                    pourcentage_heures_ppm: Set(None), cents_par_heure: Set(None), objectif_force_minutes: Set(None), motif_forcage: Set(None), globalisable: Set(n_lots > 1), penalite_par_heure_cents: Set(Some(5_000)),
                    date_debut: Set(debut), date_fin: Set(fin), regles: Set(serde_json::json!({})), heures_travaillees_marche_minutes: Set(None), montant_facture_cents: Set(None), created_at: Set(now), updated_at: Set(now),
                });
                let titulaire = classiques[rng.gen_range(0..classiques.len())];
                a_rows.push(attributions::ActiveModel { id: Set(ids.attribution), structure_id: Set(sid), marche_id: Set(mid), lot_id: Set(lid), entreprise_id: Set(titulaire), role: Set(RoleAttribution::Titulaire), montant_ht_cents: Set(None), created_at: Set(now) });
                ids.attribution += 1;
                clauses_.push((cid, titulaire, mid, operation));
            }
        }
        totaux.lots += l_rows.len() as u64;
        crate::db::inserer(&txn, m_rows, 400).await?;
        crate::db::inserer(&txn, l_rows, 400).await?;
        crate::db::inserer(&txn, c_rows, 400).await?;
        crate::db::inserer(&txn, a_rows, 400).await?;
        // Participants and their criterion.
        let (mut p_rows, mut cr_rows) = (Vec::new(), Vec::new());
        let parts: Vec<i64> = (0..n_p[s]).map(|_| { ids.participant += 1; ids.participant - 1 }).collect();
        for (i, pid) in parts.iter().enumerate() {
            let femme = rng.gen_bool(0.35);
            p_rows.push(participants::ActiveModel {
                id: Set(*pid), structure_id: Set(sid), nom: Set(format!("Nom{}", pid)), prenom: Set(format!("Prénom{}", i)), date_naissance: Set(d(rng.gen_range(1963..2006), rng.gen_range(1..=12), rng.gen_range(1..=28))),
                sexe: Set(if femme { Sexe::F } else { Sexe::M }), adresse: Set(None), code_postal: Set(None), commune: Set("Commune".into()), qpv: Set(rng.gen_bool(0.4)), qpv_code: Set(None),
                niveau_formation: Set([NiveauFormation::Infra3, NiveauFormation::N3, NiveauFormation::N3, NiveauFormation::N4, NiveauFormation::N5][rng.gen_range(0..5)]),
                demandeur_emploi_depuis: Set(None), inscrit_france_travail: Set(true), beneficiaire_rsa: Set(rng.gen_bool(0.3)), beneficiaire_ass: Set(false), beneficiaire_aah: Set(false), rqth: Set(rng.gen_bool(0.08)),
                telephone: Set(None), email: Set(None), referent_id: Set(None), prescripteur_type: Set(Some(TypePrescripteur::FranceTravail)), prescripteur_nom: Set(None), anonymise_at: Set(None), created_at: Set(now), updated_at: Set(now),
            });
            if rng.gen_bool(0.93) {
                cr_rows.push(criteres::ActiveModel {
                    id: Set(ids.critere), structure_id: Set(sid), participant_id: Set(*pid), code: Set([CodeCritere::Rsa, CodeCritere::Deld, CodeCritere::JeunePeuQualifie, CodeCritere::Qpv, CodeCritere::Th, CodeCritere::Senior][i % 6]),
                    libelle: Set(None), justificatif: Set("Attestation".into()), justification: Set(None), date_verification: Set(d(2024, 12, 1)), verifie_par_id: Set(Some(facilitateur)), valide_jusqu_au: Set(None),
                    retire_at: Set(None), retire_par_id: Set(None), motif_retrait: Set(None), created_at: Set(now),
                });
                ids.critere += 1;
            }
        }
        crate::db::inserer(&txn, p_rows, 400).await?;
        crate::db::inserer(&txn, cr_rows, 400).await?;
        // Contrats on clauses, their étape, their mise en emploi and validated months.
        let (mut e_rows, mut k_rows, mut me_rows, mut h_rows) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for i in 0..n_c[s] as usize {
            let pid = parts[i % parts.len()];
            let (clause, titulaire, marche, operation) = clauses_[biaise(&mut rng, clauses_.len())];
            let par_etti = !ettis.is_empty() && rng.gen_bool(0.15);
            let employeur = if par_etti { ettis[rng.gen_range(0..ettis.len())] } else { titulaire };
            let type_contrat = if par_etti { TypeContrat::MissionEtti } else { [TypeContrat::Cdd, TypeContrat::Cdd, TypeContrat::Cdd, TypeContrat::Cdi, TypeContrat::ContratPro, TypeContrat::Interim, TypeContrat::Apprentissage][rng.gen_range(0..7)] };
            let debut = d(2025, rng.gen_range(1..=10), 1);
            let mois = [1, 2, 3, 3, 4, 4, 5, 6][rng.gen_range(0..8)];
            let fin = debut.checked_add_months(Months::new(mois)).and_then(|x| x.pred_opt()).unwrap_or(debut);
            let (eid, kid) = (ids.etape, ids.contrat);
            ids.etape += 1;
            ids.contrat += 1;
            e_rows.push(etapes::ActiveModel { id: Set(eid), structure_id: Set(sid), participant_id: Set(pid), r#type: Set(TypeEtape::Emploi), sous_type: Set(None), intitule: Set("Ouvrier".into()), date_debut: Set(debut), date_fin: Set(Some(fin)), resultat: Set(None), minutes_formation: Set(None), certification: Set(None), sensible: Set(false), created_at: Set(now), updated_at: Set(now) });
            k_rows.push(contrats::ActiveModel {
                id: Set(kid), structure_id: Set(sid), participant_id: Set(pid), etape_id: Set(eid), employeur_id: Set(employeur), type_contrat: Set(type_contrat), date_debut: Set(debut),
                date_fin_prevue: Set((type_contrat != TypeContrat::Cdi).then_some(fin)), date_fin_reelle: Set(None), motif_fin: Set(None), minutes_hebdo: Set(35 * 60), poste: Set(["Maçon", "Manœuvre", "Peintre", "Agent d'entretien"][i % 4].into()), code_rome: Set(None), created_at: Set(now), updated_at: Set(now),
            });
            me_rows.push(mises_en_emploi::ActiveModel { id: Set(ids.mise), structure_id: Set(sid), contrat_id: Set(kid), clause_id: Set(clause), marche_id: Set(marche), operation_id: Set(operation), attributaire_id: Set(titulaire), modalite: Set(if par_etti { Modalite::MiseADisposition } else { Modalite::EmbaucheDirecte }), valide_par_id: Set(None), created_at: Set(now) });
            ids.mise += 1;
            for m in 0..mois {
                let minutes = rng.gen_range(190..=425) * 15; // 47.5 h to 106.25 h, in quarters
                let formation = if type_contrat == TypeContrat::ContratPro { 10 * 60 } else { 0 };
                totaux.minutes += i64::from(minutes + formation);
                h_rows.push(heures_mensuelles::ActiveModel {
                    id: Set(ids.heure), structure_id: Set(sid), contrat_id: Set(kid), mois: Set(debut.checked_add_months(Months::new(m)).unwrap_or(debut)), revision: Set(1), courante: Set(true),
                    minutes_travail: Set(minutes), minutes_formation: Set(formation), statut: Set(StatutDeclaration::Validee), motif: Set(None), declare_par_id: Set(None), declare_at: Set(Some(now)),
                    decide_par_id: Set(None), decide_at: Set(Some(now)), motif_decision: Set(None), created_at: Set(now), atteste_par_id: Set(None), atteste_at: Set(None),
                });
                ids.heure += 1;
            }
        }
        totaux.lignes_heures += h_rows.len() as u64;
        crate::db::inserer(&txn, e_rows, 400).await?;
        crate::db::inserer(&txn, k_rows, 400).await?;
        crate::db::inserer(&txn, me_rows, 400).await?;
        crate::db::inserer(&txn, h_rows, 400).await?;
        txn.commit().await?;
        totaux.structures += 1;
        bar.inc(1);
        bar.set_message(format!("{} h", totaux.minutes / 60));
    }
    bar.finish();
    totaux.donneurs_ordre = n_do.iter().sum();
    totaux.operations = n_op.iter().sum();
    totaux.marches = n_m.iter().sum();
    totaux.entreprises = n_e.iter().sum();
    totaux.participants = n_p.iter().sum();
    totaux.contrats = n_c.iter().sum();
    if db.get_database_backend() == DbBackend::Postgres {
        for t in ["donneurs_ordre", "operations", "marches", "lots", "clauses", "entreprises", "attributions", "participants", "criteres", "etapes", "contrats", "mises_en_emploi", "heures_mensuelles", "structures", "utilisateurs"] {
            db.execute_unprepared(&format!("SELECT setval(pg_get_serial_sequence('{t}', 'id'), COALESCE((SELECT MAX(id) FROM {t}), 1))")).await?;
        }
    }
    Ok(Some(totaux))
}

#[cfg(test)]
mod tests {
    #[test]
    fn split_is_exact_skewed_and_at_least_one() {
        let w = super::poids(180);
        let parts = super::repartir(48_585, &w);
        assert_eq!(parts.iter().sum::<u64>(), 48_585);
        assert!(parts.iter().all(|p| *p >= 1));
        assert!(parts[0] > 20 * parts[179], "{} vs {}", parts[0], parts[179]);
    }
}
