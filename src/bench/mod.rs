//! `clausier bench bilans`: latency of the bilans on the national data set (median and
//! p99 over repeated calls), against the same opération aggregate written as one
//! hand-made SQL query, and the time of the national consolidation.

pub mod charge;

use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use crate::auth::Acteur;
use crate::bilans::consolidation;
use crate::bilans::model::Bilan;
use crate::bilans::service::{bilan, periode, Cible};
use crate::parcours::service::parametres;

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
    let mut appel = || -> BoxFuture<'_, anyhow::Result<()>> { Box::pin(f()) };
    Ok(mesurer_ensemble(n, vec![(nom, &mut appel)]).await?.remove(0))
}

/// A measured call's future.
type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + 'a>>;

/// A call being measured.
type Appel<'a> = &'a mut (dyn FnMut() -> BoxFuture<'a, anyhow::Result<()>> + 'a);

/// Measures calls in turn (one sample of each per round), so that what the machine is
/// doing at a moment weighs on every series alike and their ratio stays meaningful on a
/// noisy machine.
async fn mesurer_ensemble(n: usize, mut appels: Vec<(&str, Appel<'_>)>) -> anyhow::Result<Vec<Mesure>> {
    for (_, appel) in appels.iter_mut() {
        appel().await?; // warm-up
    }
    let mut mesures: Vec<Mesure> = appels.iter().map(|(nom, _)| Mesure { nom: nom.to_string(), echantillons: Vec::with_capacity(n) }).collect();
    for _ in 0..n {
        for ((_, appel), mesure) in appels.iter_mut().zip(mesures.iter_mut()) {
            let t = Instant::now();
            appel().await?;
            mesure.echantillons.push(t.elapsed());
        }
    }
    Ok(mesures)
}

pub(crate) async fn plus_grand(db: &DatabaseConnection, par: &str) -> anyhow::Result<(i64, i64, i64)> {
    let sql = format!(
        "SELECT {par} AS id, o.structure_id AS s, SUM(h.minutes_travail + h.minutes_formation) AS m \
         FROM heures_mensuelles h JOIN mises_en_emploi me ON me.contrat_id = h.contrat_id JOIN operations o ON o.id = me.operation_id \
         WHERE h.courante = TRUE AND h.statut = 'validee' GROUP BY {par}, o.structure_id ORDER BY m DESC LIMIT 1"
    );
    let row = db.query_one(Statement::from_string(db.get_database_backend(), sql)).await?.ok_or_else(|| anyhow::anyhow!("aucune heure validée : chargez d'abord `clausier demo --scale national`"))?;
    Ok((row.try_get("", "id")?, row.try_get("", "s")?, row.try_get("", "m")?))
}

/// The opération's réalisées, contrats and participants per contract type, as one SQL
/// query without any rule: the floor of what reading those rows costs.
fn sql_operation_brut(operation: i64) -> String {
    format!(
        "SELECT k.type_contrat AS t, COUNT(DISTINCT k.id) AS c, COUNT(DISTINCT k.participant_id) AS p, SUM(h.minutes_travail + h.minutes_formation) AS m \
         FROM heures_mensuelles h JOIN contrats k ON k.id = h.contrat_id JOIN mises_en_emploi me ON me.contrat_id = k.id \
         WHERE me.operation_id = {operation} AND h.courante = TRUE AND h.statut = 'validee' GROUP BY k.type_contrat"
    )
}

/// The same figures as the bilan's breakdown by contract type and its monthly series —
/// contrats, participants, réalisées and retenues under the default rule set (rule 1:
/// months inside the clause's period; rule 2: participant eligible at the contrat start,
/// `fenetre` months) — as one hand-written SQL query. `bilans` checks that both agree
/// before timing them.
fn sql_operation(backend: DbBackend, operation: i64, structure: i64, fenetre: u32) -> String {
    let (debut_mois_clause, debut_fenetre) = match backend {
        DbBackend::Postgres => ("date_trunc('month', c.date_debut)::date".to_string(), format!("(k.date_debut - make_interval(months => {fenetre}))::date")),
        // The window starts N months earlier, clamped to the end of a shorter month.
        _ => ("date(c.date_debut, 'start of month')".to_string(), format!("MIN(date(k.date_debut, '-{fenetre} months'), date(k.date_debut, 'start of month', '-{fenetre} months', '+1 month', '-1 day'))")),
    };
    // Each contrat once (its clause's period, its eligibility), then its months, both
    // materialized: the two groupings read the rows once.
    format!(
        "WITH contrats_op AS MATERIALIZED ( \
           SELECT k.id, k.participant_id, k.type_contrat, {debut_mois_clause} AS debut_clause, c.date_fin AS fin_clause, \
             CASE WHEN EXISTS ( \
               SELECT 1 FROM criteres cr WHERE cr.participant_id = k.participant_id AND cr.structure_id = {structure} \
                 AND cr.verifie_par_id IS NOT NULL AND cr.retire_at IS NULL AND cr.date_verification <= k.date_debut \
                 AND cr.date_verification >= {debut_fenetre} AND (cr.valide_jusqu_au IS NULL OR cr.valide_jusqu_au >= k.date_debut)) \
             THEN 1 ELSE 0 END AS eligible \
           FROM mises_en_emploi me JOIN contrats k ON k.id = me.contrat_id JOIN clauses c ON c.id = me.clause_id \
           WHERE me.operation_id = {operation} AND me.structure_id = {structure}), \
         lignes AS MATERIALIZED ( \
           SELECT co.id AS contrat, co.participant_id AS participant, co.type_contrat, CAST(h.mois AS TEXT) AS mois, \
             COALESCE(h.minutes_travail + h.minutes_formation, 0) AS realisees, \
             CASE WHEN co.eligible = 1 AND h.mois >= co.debut_clause AND h.mois <= co.fin_clause \
               THEN h.minutes_travail + h.minutes_formation ELSE 0 END AS retenues \
           FROM contrats_op co LEFT JOIN heures_mensuelles h ON h.contrat_id = co.id AND h.courante = TRUE AND h.statut = 'validee') \
         SELECT 'type_contrat' AS axe, type_contrat AS cle, COUNT(DISTINCT contrat) AS contrats, COUNT(DISTINCT participant) AS participants, \
           CAST(SUM(realisees) AS BIGINT) AS realisees, CAST(SUM(retenues) AS BIGINT) AS retenues FROM lignes GROUP BY type_contrat \
         UNION ALL \
         SELECT 'mois', mois, COUNT(DISTINCT contrat), COUNT(DISTINCT participant), CAST(SUM(realisees) AS BIGINT), CAST(SUM(retenues) AS BIGINT) \
           FROM lignes WHERE mois IS NOT NULL GROUP BY mois"
    )
}

/// Checks that the hand-written query gives the bilan's figures (else the comparison
/// would time two different things).
async fn verifier(db: &DatabaseConnection, sql: &str, bilan: &Bilan) -> anyhow::Result<()> {
    let minutes = |h: f64| (h * 60.0).round() as i64;
    let mut attendu: Vec<(String, String, i64, i64, i64, i64)> = bilan
        .par_type_contrat
        .iter()
        .map(|(k, v)| ("type_contrat".into(), k.clone(), v.contrats.n as i64, v.participants.n as i64, minutes(v.heures_realisees.unwrap_or_default()), minutes(v.heures_retenues.unwrap_or_default())))
        .collect();
    attendu.extend(bilan.par_mois.iter().map(|m| ("mois".into(), m.mois.clone(), 0, 0, minutes(m.heures_realisees), minutes(m.heures_retenues))));
    let mut obtenu = Vec::new();
    for r in db.query_all(Statement::from_string(db.get_database_backend(), sql)).await? {
        let (axe, cle): (String, String) = (r.try_get("", "axe")?, r.try_get("", "cle")?);
        let n = |c: &str| -> anyhow::Result<i64> { Ok(r.try_get::<Option<i64>>("", c)?.unwrap_or(0)) };
        let (contrats, participants) = if axe == "mois" { (0, 0) } else { (n("contrats")?, n("participants")?) };
        // Months come back as a date (`2025-03-01`); the bilan names them `2025-03`.
        let cle = if axe == "mois" { cle.get(..7).unwrap_or(&cle).to_string() } else { cle };
        obtenu.push((axe, cle, contrats, participants, n("realisees")?, n("retenues")?));
    }
    attendu.sort();
    obtenu.sort();
    anyhow::ensure!(attendu == obtenu, "la requête écrite à la main ne donne pas les chiffres du bilan :\nbilan   {attendu:?}\nrequête {obtenu:?}");
    Ok(())
}

pub async fn bilans(db: &DatabaseConnection, iterations: usize, annee: i32) -> anyhow::Result<Vec<Mesure>> {
    let (operation, s_op, m_op) = plus_grand(db, "o.id").await?;
    let (structure, _, m_s) = plus_grand(db, "o.structure_id").await?;
    println!("Plus grande opération : n° {operation} ({} h validées) ; plus grande structure : n° {structure} ({} h validées).", m_op / 60, m_s / 60);
    let backend = db.get_database_backend();
    let mut out = Vec::new();
    let acteur_op = Acteur::systeme(s_op);
    let bilan_op = || bilan(db, &acteur_op, Cible::Operation(operation), periode(None, None).expect("période entière"));
    let fenetre = parametres(db, s_op).await.map_err(anyhow::Error::new)?.eligibilite_mois;
    let sql = sql_operation(backend, operation, s_op, fenetre);
    verifier(db, &sql, &bilan_op().await.map_err(anyhow::Error::new)?).await?;
    let brut = sql_operation_brut(operation);
    let requete = |sql: &str| Statement::from_string(backend, sql.to_string());
    let mut appel_bilan = || -> BoxFuture<'_, anyhow::Result<()>> { Box::pin(async { bilan_op().await.map(|_| ()).map_err(anyhow::Error::new) }) };
    let mut appel_sql = || -> BoxFuture<'_, anyhow::Result<()>> { Box::pin(async { db.query_all(requete(&sql)).await.map(|_| ()).map_err(Into::into) }) };
    let mut appel_brut = || -> BoxFuture<'_, anyhow::Result<()>> { Box::pin(async { db.query_all(requete(&brut)).await.map(|_| ()).map_err(Into::into) }) };
    out.extend(
        mesurer_ensemble(
            iterations,
            vec![
                ("bilan de la plus grande opération", &mut appel_bilan),
                ("mêmes chiffres en une requête SQL écrite à la main", &mut appel_sql),
                ("réalisées par type en SQL, sans règle (plancher)", &mut appel_brut),
            ],
        )
        .await?,
    );
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
}

/// The ratios of `bench bilans`: the bilan against the same figures in one SQL query, and
/// against the floor without rules.
pub fn afficher_rapports(mesures: &[Mesure]) {
    let rapport = |i: usize| mesures.first().zip(mesures.get(i)).map(|(b, s)| b.mediane().as_secs_f64() / s.mediane().as_secs_f64().max(1e-9));
    if let (Some(meme), Some(plancher)) = (rapport(1), rapport(2)) {
        println!("rapport bilan / mêmes chiffres en SQL (médianes) : {meme:.1} ; bilan / plancher sans règle : {plancher:.1}");
    }
}

/// `clausier bench pages`: the facilitateur pages of the largest structure (by validated
/// hours), served by the whole router in process (session cookie, middleware, templates):
/// the dashboard and every list page, median and p99 over `iterations` calls each.
/// The first facilitateur of a structure (the benches' user).
pub(crate) async fn facilitateur_de(db: &DatabaseConnection, structure: i64) -> anyhow::Result<entities::utilisateurs::Model> {
    use entities::enums::Role;
    use entities::utilisateurs;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    utilisateurs::Entity::find()
        .filter(utilisateurs::Column::StructureId.eq(structure))
        .filter(utilisateurs::Column::Role.eq(Role::Facilitateur))
        .order_by_asc(utilisateurs::Column::Id)
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("aucun facilitateur dans la structure n° {structure}"))
}

pub async fn pages(state: crate::state::AppState, iterations: usize) -> anyhow::Result<Vec<Mesure>> {
    use tower::ServiceExt;

    let db = state.db.clone();
    let (structure, _, minutes) = plus_grand(&db, "o.structure_id").await?;
    let facilitateur = facilitateur_de(&db, structure).await?;
    let clauses: i64 = db
        .query_one(Statement::from_string(db.get_database_backend(), format!("SELECT COUNT(*) AS n FROM clauses WHERE structure_id = {structure}")))
        .await?
        .map(|r| r.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0);
    println!("Plus grande structure : n° {structure} ({} h validées, {clauses} clauses) ; facilitateur : {}.", minutes / 60, facilitateur.email);
    let secret = crate::auth::session::ouvrir(&db, &state.clock, 1, &facilitateur).await.map_err(anyhow::Error::new)?;
    let cookie = format!("{}={secret}", crate::auth::session::COOKIE);
    let antememoire = state.antememoire.clone();
    let clock = state.clock.clone();
    let app = crate::startup::router(state);
    let mut out = Vec::new();
    // The dashboard right after a write: every clause counted again.
    {
        let (app, cookie) = (app.clone(), cookie.clone());
        out.push(
            mesurer("page / juste après une écriture (tout est recompté)", iterations, move || {
                antememoire.vider();
                let (app, cookie) = (app.clone(), cookie.clone());
                async move {
                    let reponse = app.oneshot(axum::http::Request::get("/").header("cookie", cookie).body(axum::body::Body::empty())?).await?;
                    anyhow::ensure!(reponse.status() == axum::http::StatusCode::OK, "/ : {}", reponse.status());
                    axum::body::to_bytes(reponse.into_body(), usize::MAX).await?;
                    Ok(())
                }
            })
            .await?,
        );
    }
    // The largest opération's bilan as a page (HTML, charts) and as JSON, by a facilitateur
    // of its structure, measured in turn.
    {
        let (operation, s_op, _) = plus_grand(&db, "o.id").await?;
        let fac_op = facilitateur_de(&db, s_op).await?;
        let secret = crate::auth::session::ouvrir(&db, &clock, 1, &fac_op).await.map_err(anyhow::Error::new)?;
        let cookie_op = format!("{}={secret}", crate::auth::session::COOKIE);
        let (html_url, json_url) = (format!("/operations/{operation}/bilan"), format!("/operations/{operation}/bilan?format=json"));
        let mut html = || -> BoxFuture<'_, anyhow::Result<()>> { Box::pin(obtenir(app.clone(), cookie_op.clone(), html_url.clone())) };
        let mut json = || -> BoxFuture<'_, anyhow::Result<()>> { Box::pin(obtenir(app.clone(), cookie_op.clone(), json_url.clone())) };
        let mesures = mesurer_ensemble(iterations, vec![(&format!("page du bilan de l'opération n° {operation} (HTML, graphiques)"), &mut html), ("le même bilan en JSON", &mut json)]).await?;
        let rapport = mesures[0].mediane().as_secs_f64() / mesures[1].mediane().as_secs_f64().max(1e-9);
        println!("rapport page HTML / JSON du bilan de la plus grande opération (médianes) : {rapport:.2}");
        out.extend(mesures);
    }
    for chemin in ["/", "/clauses", "/donneurs-ordre", "/operations", "/marches", "/entreprises", "/validations", "/declarations", "/envois", "/marches?q=a&tri=montant&sens=desc&page=3", "/bilans"] {
        let app = app.clone();
        let cookie = cookie.clone();
        out.push(
            mesurer(&format!("page {chemin}"), iterations, move || obtenir(app.clone(), cookie.clone(), chemin.to_string()))
            .await?,
        );
    }
    Ok(out)
}

/// One page through the whole router, read to its end; an error unless 200.
async fn obtenir(app: axum::Router, cookie: String, chemin: String) -> anyhow::Result<()> {
    use tower::ServiceExt;
    let reponse = app.oneshot(axum::http::Request::get(&chemin).header("cookie", cookie).body(axum::body::Body::empty())?).await?;
    anyhow::ensure!(reponse.status() == axum::http::StatusCode::OK, "{chemin} : {}", reponse.status());
    axum::body::to_bytes(reponse.into_body(), usize::MAX).await?;
    Ok(())
}

/// How many months `bench heures` declares and validates in one action.
const LOT: usize = 200;

/// `clausier bench heures`: the monthly hours at volume in the largest structure — the
/// grid of the company with the most clause contrats there, the facilitateur's validation
/// queue holding [`LOT`] months, and declaring then validating [`LOT`] months in one
/// action each (the services of the grid and of the queue). It writes declarations,
/// validations and sessions: run it on a benchmark database.
pub async fn heures(state: crate::state::AppState, iterations: usize) -> anyhow::Result<Vec<Mesure>> {
    use std::collections::BTreeMap;

    use entities::enums::Role;
    use entities::utilisateurs;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    use tower::ServiceExt;

    use crate::auth::Acteur;
    use crate::parcours::forms::{Decision, HeuresInput, ValidationInput};
    use crate::parcours::limites::format_mois;
    use crate::parcours::service::heures::{decider_lot, declarer_lot};
    use crate::relances::declarations::{contrats_a_declarer, mois_a_traiter};

    let db = state.db.clone();
    let (structure, _, _) = plus_grand(&db, "o.structure_id").await?;
    let compte = |role: Role, entreprise: Option<i64>| {
        let mut q = utilisateurs::Entity::find().filter(utilisateurs::Column::StructureId.eq(structure)).filter(utilisateurs::Column::Role.eq(role)).filter(utilisateurs::Column::Actif.eq(true));
        if let Some(e) = entreprise {
            q = q.filter(utilisateurs::Column::EntrepriseId.eq(e));
        }
        q.order_by_asc(utilisateurs::Column::Id)
    };
    let facilitateur = compte(Role::Facilitateur, None).one(&db).await?.ok_or_else(|| anyhow::anyhow!("aucun facilitateur dans la structure n° {structure}"))?;
    let sql = format!(
        "SELECT k.employeur_id AS e, COUNT(*) AS n FROM contrats k WHERE k.structure_id = {structure} \
         AND EXISTS (SELECT 1 FROM mises_en_emploi me WHERE me.contrat_id = k.id) GROUP BY k.employeur_id ORDER BY n DESC, k.employeur_id LIMIT 1"
    );
    let row = db.query_one(Statement::from_string(db.get_database_backend(), sql)).await?.ok_or_else(|| anyhow::anyhow!("aucun contrat de clause dans la structure n° {structure}"))?;
    let (entreprise, n_contrats): (i64, i64) = (row.try_get("", "e")?, row.try_get("", "n")?);
    let utilisateur_entreprise = match compte(Role::Entreprise, Some(entreprise)).one(&db).await? {
        Some(u) => u,
        None => crate::auth::service::create_user(
            &db,
            &state.clock,
            crate::auth::service::NouvelUtilisateur { structure_id: structure, email: format!("banc-{entreprise}@clausier.local"), nom: "Banc d'essai".into(), role: Role::Entreprise, password: None, entreprise_id: Some(entreprise), donneur_ordre_id: None },
        )
        .await
        .map_err(anyhow::Error::new)?,
    };
    let today = state.clock.today();
    let (acteur_e, acteur_f) = (Acteur::from_user(&utilisateur_entreprise), Acteur::from_user(&facilitateur));
    let mois_e = mois_a_traiter(&db, &acteur_e, today).await.map_err(anyhow::Error::new)?;
    let grille = mois_e.iter().max_by_key(|m| (m.a_declarer + m.brouillons + m.a_corriger, m.mois)).map(|m| (m.mois, m.a_declarer + m.brouillons + m.a_corriger));
    // The months to declare then validate: the structure's oldest waiting, up to LOT.
    let mut lignes: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    let mut n = 0;
    for m in mois_a_traiter(&db, &acteur_f, today).await.map_err(anyhow::Error::new)?.into_iter().filter(|m| !m.en_cours) {
        for c in contrats_a_declarer(&db, &acteur_f, m.mois).await.map_err(anyhow::Error::new)? {
            if n < LOT {
                lignes.entry(format_mois(m.mois)).or_default().push(c.contrat_id);
                n += 1;
            }
        }
        if n >= LOT {
            break;
        }
    }
    println!(
        "Plus grande structure : n° {structure} ; entreprise aux {n_contrats} contrats de clause : n° {entreprise} ({}) ; {n} mois à déclarer puis valider par action.",
        grille.map(|(m, l)| format!("grille de {} : {l} ligne(s)", crate::text::mois_fr(m))).unwrap_or_else(|| "aucun mois à déclarer".into())
    );
    let session = |u: utilisateurs::Model| {
        let (db, clock) = (db.clone(), state.clock.clone());
        async move { crate::auth::session::ouvrir(&db, &clock, 1, &u).await.map(|s| format!("{}={s}", crate::auth::session::COOKIE)).map_err(anyhow::Error::new) }
    };
    let (cookie_e, cookie_f) = (session(utilisateur_entreprise.clone()).await?, session(facilitateur.clone()).await?);
    let app = crate::startup::router(state.clone());
    let get = |chemin: String, cookie: String| {
        let app = app.clone();
        async move {
            let reponse = app.oneshot(axum::http::Request::get(&chemin).header("cookie", cookie).body(axum::body::Body::empty())?).await?;
            anyhow::ensure!(reponse.status() == axum::http::StatusCode::OK, "{chemin} : {}", reponse.status());
            axum::body::to_bytes(reponse.into_body(), usize::MAX).await?;
            Ok(())
        }
    };
    let mut out = Vec::new();
    if let Some((mois, l)) = grille {
        let chemin = format!("/declarations?mois={}", format_mois(mois));
        out.push(mesurer(&format!("page {chemin} (entreprise n° {entreprise}, {l} lignes)"), iterations, || get(chemin.clone(), cookie_e.clone())).await?);
    }
    // Each round: declare the LOT months (one action per month, as the grid does), read
    // the queue holding them, validate them in one action.
    let mut declarer = Mesure { nom: format!("déclarer {n} mois ({} action(s), une par mois)", lignes.len()), echantillons: Vec::new() };
    let mut file = Mesure { nom: format!("page /validations ({n} mois en attente)"), echantillons: Vec::new() };
    let mut valider = Mesure { nom: format!("valider {n} mois en une action"), echantillons: Vec::new() };
    for tour in 0..=iterations {
        let debut = std::time::Instant::now();
        for (mois, contrats) in &lignes {
            let saisies = contrats.iter().map(|c| (*c, HeuresInput { heures_travail: 100.0 + tour as f64, heures_formation: 0.0, motif: Some("Banc d'essai".into()), revision: None, brouillon: false, attestation: false })).collect();
            declarer_lot(&db, &state.clock, &acteur_f, mois, saisies).await.map_err(anyhow::Error::new)?.map_err(|refus| anyhow::anyhow!("déclaration refusée : {refus:?}"))?;
        }
        let t_declarer = debut.elapsed();
        let debut = std::time::Instant::now();
        get("/validations".into(), cookie_f.clone()).await?;
        let t_file = debut.elapsed();
        let decisions = lignes.iter().flat_map(|(mois, contrats)| contrats.iter().map(|c| (*c, mois.clone(), ValidationInput { decision: Decision::Validee, motif: None, revision: None }))).collect();
        let debut = std::time::Instant::now();
        decider_lot(&db, &state.clock, &acteur_f, decisions).await.map_err(anyhow::Error::new)?.map_err(|refus| anyhow::anyhow!("validation refusée : {refus:?}"))?;
        let t_valider = debut.elapsed();
        if tour > 0 {
            declarer.echantillons.push(t_declarer);
            file.echantillons.push(t_file);
            valider.echantillons.push(t_valider);
        }
    }
    out.extend([declarer, file, valider]);
    Ok(out)
}

/// The process's peak resident memory so far (`VmHWM`), in MB.
pub fn pic_memoire_mo() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let ligne = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let ko: f64 = ligne.split_whitespace().nth(1)?.parse().ok()?;
    Some(ko / 1024.0)
}

/// The DECP import at volume: a generated file of `marches` marchés (or `fichier` as
/// it is), imported into a new structure, then again unchanged; MB/s of each, and the
/// process's peak memory.
pub async fn decp(db: &DatabaseConnection, clock: &crate::clock::Clock, marches: u64, fichier: Option<std::path::PathBuf>) -> anyhow::Result<()> {
    let (chemin, _garde) = match fichier {
        Some(f) if f.exists() => (f, None),
        Some(f) => {
            let debut = std::time::Instant::now();
            let n = crate::decp::generateur::generer(std::fs::File::create(&f)?, marches, 42)?;
            println!("Fichier généré : {} ({n} enregistrements) en {:.1} s", f.display(), debut.elapsed().as_secs_f64());
            (f, None)
        }
        None => {
            let dossier = tempdir()?;
            let f = dossier.join("decp-mesure.xml");
            let n = crate::decp::generateur::generer(std::fs::File::create(&f)?, marches, 42)?;
            println!("Fichier généré : {} ({n} enregistrements)", f.display());
            (f, Some(dossier))
        }
    };
    let mo = std::fs::metadata(&chemin)?.len() as f64 / 1e6;
    let nom = format!("Mesure DECP {}", clock.now().format("%Y%m%d%H%M%S%3f"));
    let structure = crate::auth::service::ensure_structure(db, clock, &nom).await?;
    let acteur = crate::auth::Acteur::systeme(structure.id);
    for passe in ["premier import", "réimport inchangé"] {
        let debut = std::time::Instant::now();
        let r = crate::decp::importer(db, clock, &acteur, &chemin, false, false).await?;
        let s = debut.elapsed().as_secs_f64();
        println!(
            "{passe:<20} {mo:>8.1} Mo en {s:>7.1} s : {:>6.1} Mo/s — {} lus, {} créés, {} mis à jour, {} inchangés ; mémoire max du processus {:.0} Mo",
            mo / s,
            r.lus,
            r.crees,
            r.mis_a_jour,
            r.inchanges,
            pic_memoire_mo().unwrap_or(0.0)
        );
    }
    if let Some(d) = _garde {
        std::fs::remove_dir_all(d).ok();
    }
    Ok(())
}
