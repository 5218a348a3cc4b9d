//! `clausier bench bilans`: latency of the bilans on the national data set (median and
//! p99 over repeated calls), against the same opération aggregate written as one
//! hand-made SQL query, and the time of the national consolidation.

use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};

use crate::auth::Acteur;
use crate::bilans::consolidation;
use crate::bilans::service::{bilan, periode, Cible};

pub struct Mesure {
    pub nom: String,
    pub echantillons: Vec<Duration>,
}

impl Mesure {
    fn quantile(&self, q: f64) -> Duration {
        let mut v = self.echantillons.clone();
        v.sort();
        let i = ((v.len() as f64 - 1.0) * q).ceil() as usize;
        v.get(i.min(v.len().saturating_sub(1))).copied().unwrap_or_default()
    }
    pub fn mediane(&self) -> Duration {
        self.quantile(0.5)
    }
    pub fn p99(&self) -> Duration {
        self.quantile(0.99)
    }
}

async fn mesurer<F, Fut>(nom: &str, n: usize, mut f: F) -> anyhow::Result<Mesure>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<()>>,
{
    f().await?; // warm-up
    let mut echantillons = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f().await?;
        echantillons.push(t.elapsed());
    }
    Ok(Mesure { nom: nom.into(), echantillons })
}

async fn plus_grand(db: &DatabaseConnection, par: &str) -> anyhow::Result<(i64, i64, i64)> {
    let sql = format!(
        "SELECT {par} AS id, o.structure_id AS s, SUM(h.minutes_travail + h.minutes_formation) AS m \
         FROM heures_mensuelles h JOIN mises_en_emploi me ON me.contrat_id = h.contrat_id JOIN clauses c ON c.id = me.clause_id \
         JOIN lots l ON l.id = c.lot_id JOIN marches ma ON ma.id = l.marche_id JOIN operations o ON o.id = ma.operation_id \
         WHERE h.courante = TRUE AND h.statut = 'validee' GROUP BY {par}, o.structure_id ORDER BY m DESC LIMIT 1"
    );
    let row = db.query_one(Statement::from_string(db.get_database_backend(), sql)).await?.ok_or_else(|| anyhow::anyhow!("aucune heure validée : chargez d'abord `clausier demo --scale national`"))?;
    Ok((row.try_get("", "id")?, row.try_get("", "s")?, row.try_get("", "m")?))
}

/// The opération's headline aggregate as one SQL query: réalisées, contrats and
/// participants per contract type (what a bilan does without its rules).
fn sql_operation(operation: i64) -> String {
    format!(
        "SELECT k.type_contrat AS t, COUNT(DISTINCT k.id) AS c, COUNT(DISTINCT k.participant_id) AS p, SUM(h.minutes_travail + h.minutes_formation) AS m \
         FROM heures_mensuelles h JOIN contrats k ON k.id = h.contrat_id JOIN mises_en_emploi me ON me.contrat_id = k.id JOIN clauses c ON c.id = me.clause_id \
         JOIN lots l ON l.id = c.lot_id JOIN marches ma ON ma.id = l.marche_id \
         WHERE ma.operation_id = {operation} AND h.courante = TRUE AND h.statut = 'validee' GROUP BY k.type_contrat"
    )
}

pub async fn bilans(db: &DatabaseConnection, iterations: usize, annee: i32) -> anyhow::Result<Vec<Mesure>> {
    let (operation, s_op, m_op) = plus_grand(db, "o.id").await?;
    let (structure, _, m_s) = plus_grand(db, "o.structure_id").await?;
    println!("Plus grande opération : n° {operation} ({} h validées) ; plus grande structure : n° {structure} ({} h validées).", m_op / 60, m_s / 60);
    let backend = db.get_database_backend();
    let mut out = Vec::new();
    let acteur_op = Acteur::systeme(s_op);
    out.push(mesurer("bilan de la plus grande opération", iterations, || async { bilan(db, &acteur_op, Cible::Operation(operation), periode(None, None)?).await.map(|_| ()).map_err(anyhow::Error::new) }).await?);
    out.push(mesurer("même agrégat en une requête SQL écrite à la main", iterations, || async { db.query_all(Statement::from_string(backend, sql_operation(operation))).await.map(|_| ()).map_err(Into::into) }).await?);
    let acteur_s = Acteur::systeme(structure);
    let du = chrono::NaiveDate::from_ymd_opt(annee, 1, 1);
    let au = chrono::NaiveDate::from_ymd_opt(annee, 12, 31);
    out.push(mesurer(&format!("bilan {annee} de la plus grande structure"), iterations, || async { bilan(db, &acteur_s, Cible::Structure, periode(du, au)?).await.map(|_| ()).map_err(anyhow::Error::new) }).await?);
    let dossier = tempdir()?;
    let national = mesurer("consolidation nationale (export de chaque structure + fusion)", iterations.clamp(1, 3), || async {
        let fichiers = consolidation::exporter(db, annee, None, &dossier).await?;
        let chemins: Vec<_> = std::fs::read_dir(&dossier)?.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|e| e == "xml")).collect();
        anyhow::ensure!(chemins.len() == fichiers, "fichiers manquants");
        consolidation::fusionner(&chemins, &dossier.join("reseau.csv"))?;
        Ok(())
    })
    .await?;
    out.push(national);
    let _ = std::fs::remove_dir_all(&dossier);
    Ok(out)
}

fn tempdir() -> anyhow::Result<std::path::PathBuf> {
    let d = std::env::temp_dir().join(format!("clausier-bench-{}", std::process::id()));
    std::fs::create_dir_all(&d)?;
    Ok(d)
}

pub fn afficher(mesures: &[Mesure]) {
    println!("{:<66} {:>10} {:>10} {:>6}", "mesure", "médiane", "p99", "n");
    for m in mesures {
        println!("{:<66} {:>8.1}ms {:>8.1}ms {:>6}", m.nom, m.mediane().as_secs_f64() * 1e3, m.p99().as_secs_f64() * 1e3, m.echantillons.len());
    }
    if let (Some(b), Some(s)) = (mesures.first(), mesures.get(1)) {
        println!("rapport bilan / requête SQL (médianes) : {:.1}", b.mediane().as_secs_f64() / s.mediane().as_secs_f64().max(1e-9));
    }
}
