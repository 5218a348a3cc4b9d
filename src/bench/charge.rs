//! `clausier bench charge`: the server under load, as a load generator sees it.
//!
//! On the national data set of the configured database: starts `clausier serve` on a
//! free local port, then runs oha (installed with `cargo install oha --locked` when it is
//! missing) against it — declarations through the API at 1 and 32 clients; the
//! facilitateur's dashboard, validation queue, declaration grid, clause list and the
//! largest opération's bilan (JSON and page) at 1 and 64 clients; a declaration alone and
//! under 16 bilan readers — and prints one table with p50, p99, requests per second, the
//! status counts and the server's peak memory. Any 5xx fails the run. It writes
//! declarations, sessions and tokens: run it on a benchmark database.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use sea_orm::DatabaseConnection;

use super::{facilitateur_de, plus_grand};
use crate::auth::Acteur;
use crate::clock::Clock;

/// One oha run's figures.
#[derive(Debug, Clone)]
pub struct Resultat {
    pub nom: String,
    pub clients: u32,
    pub par_seconde: f64,
    pub p50: Duration,
    pub p99: Duration,
    /// Status → count (`erreur` for a request without any answer).
    pub statuts: BTreeMap<String, u64>,
}

impl Resultat {
    pub fn serveur_en_erreur(&self) -> u64 {
        self.statuts.iter().filter(|(s, _)| s.starts_with('5') || s.as_str() == "erreur").map(|(_, n)| n).sum()
    }
}

/// A request to repeat: method, address (a regular expression when `aleatoire`;
/// `{serveur}` stands for the server's address), headers and body.
#[derive(Clone)]
struct Requete {
    nom: String,
    methode: &'static str,
    url: String,
    aleatoire: bool,
    entetes: Vec<String>,
    corps: Option<String>,
}

/// The server started for the run (stopped when dropped).
struct Serveur {
    processus: Child,
    adresse: String,
}

impl Drop for Serveur {
    fn drop(&mut self) {
        let _ = self.processus.kill();
        let _ = self.processus.wait();
    }
}

impl Serveur {
    fn demarrer(journal: &Path) -> anyhow::Result<Serveur> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let adresse = format!("127.0.0.1:{port}");
        let sortie = std::fs::File::create(journal)?;
        let processus = Command::new(std::env::current_exe()?)
            .args(["serve", "--no-jobs"])
            .env("CLAUSIER__SERVER__BIND", &adresse)
            .env("CLAUSIER__SERVER__BASE_URL", format!("http://{adresse}"))
            .stdout(sortie.try_clone()?)
            .stderr(sortie)
            .spawn()?;
        let serveur = Serveur { processus, adresse };
        for _ in 0..600 {
            if serveur.repond() {
                return Ok(serveur);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        anyhow::bail!("le serveur n'a pas démarré en 60 s (journal : {})", journal.display())
    }

    /// Whether `/health` answers 200.
    fn repond(&self) -> bool {
        use std::io::{Read, Write};
        let Ok(mut flux) = std::net::TcpStream::connect(&self.adresse) else { return false };
        let _ = flux.set_read_timeout(Some(Duration::from_secs(2)));
        if flux.write_all(format!("GET /health HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", self.adresse).as_bytes()).is_err() {
            return false;
        }
        let mut reponse = String::new();
        let _ = flux.read_to_string(&mut reponse);
        reponse.starts_with("HTTP/1.1 200")
    }

    /// The server's peak resident memory so far (`VmHWM`), in MB.
    fn pic_memoire_mo(&self) -> Option<f64> {
        let statut = std::fs::read_to_string(format!("/proc/{}/status", self.processus.id())).ok()?;
        let ko: f64 = statut.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()?;
        Some(ko / 1024.0)
    }
}

/// oha: on the `PATH`, in cargo's folder, or installed there now.
fn oha() -> anyhow::Result<PathBuf> {
    let cargo_bin = std::env::var_os("CARGO_HOME").map(PathBuf::from).or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo"))).map(|c| c.join("bin").join("oha"));
    let trouve = |p: &Path| Command::new(p).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status().is_ok_and(|s| s.success());
    if trouve(Path::new("oha")) {
        return Ok(PathBuf::from("oha"));
    }
    if let Some(p) = cargo_bin.as_ref().filter(|p| trouve(p)) {
        return Ok(p.clone());
    }
    println!("oha est absent : cargo install oha --locked (quelques minutes)…");
    let statut = Command::new("cargo").args(["install", "oha", "--locked"]).status()?;
    anyhow::ensure!(statut.success(), "l'installation d'oha a échoué");
    cargo_bin.filter(|p| trouve(p)).ok_or_else(|| anyhow::anyhow!("oha installé mais introuvable dans ~/.cargo/bin"))
}

/// Runs `requete` for `duree` with `clients` connections and reads oha's JSON.
fn lancer(oha: &Path, serveur: &str, requete: &Requete, clients: u32, duree: Duration) -> anyhow::Result<Resultat> {
    let mut commande = Command::new(oha);
    // `-w`: the requests under way when the time is up are waited for (not counted as errors).
    commande.args(["--no-tui", "-w", "--output-format", "json", "-c", &clients.to_string(), "-z", &format!("{}s", duree.as_secs().max(1)), "-m", requete.methode]);
    for e in &requete.entetes {
        commande.args(["-H", e]);
    }
    if let Some(corps) = &requete.corps {
        commande.args(["-d", corps]);
    }
    if requete.aleatoire {
        commande.arg("--rand-regex-url");
    }
    commande.arg(requete.url.replace("{serveur}", serveur));
    let sortie = commande.stderr(Stdio::inherit()).output()?;
    anyhow::ensure!(sortie.status.success(), "oha a échoué pour « {} »", requete.nom);
    let json: serde_json::Value = serde_json::from_slice(&sortie.stdout)?;
    let secondes = |v: &serde_json::Value| Duration::from_secs_f64(v.as_f64().unwrap_or(0.0));
    let mut statuts: BTreeMap<String, u64> = json["statusCodeDistribution"].as_object().map(|o| o.iter().map(|(k, v)| (k.clone(), v.as_u64().unwrap_or(0))).collect()).unwrap_or_default();
    let erreurs: u64 = json["errorDistribution"].as_object().map(|o| o.values().filter_map(serde_json::Value::as_u64).sum()).unwrap_or(0);
    if erreurs > 0 {
        statuts.insert("erreur".into(), erreurs);
    }
    Ok(Resultat {
        nom: requete.nom.clone(),
        clients,
        par_seconde: json["summary"]["requestsPerSec"].as_f64().unwrap_or(0.0),
        p50: secondes(&json["latencyPercentiles"]["p50"]),
        p99: secondes(&json["latencyPercentiles"]["p99"]),
        statuts,
    })
}

/// What the run needs from the data set: who, which contrats and month, which opération.
struct Preparation {
    jeton_facilitateur: String,
    cookie_facilitateur: String,
    cookie_operation: String,
    jeton_operation: String,
    operation: i64,
    mois: String,
    contrats: Vec<i64>,
}

async fn preparer(db: &DatabaseConnection, clock: &Clock) -> anyhow::Result<Preparation> {
    use crate::relances::declarations::{contrats_a_declarer, mois_a_traiter};
    let (structure, _, _) = plus_grand(db, "o.structure_id").await?;
    let (operation, structure_op, _) = plus_grand(db, "o.id").await?;
    let facilitateur = facilitateur_de(db, structure).await?;
    let facilitateur_op = facilitateur_de(db, structure_op).await?;
    let jeton = |u: entities::utilisateurs::Model| async move { crate::auth::service::issue_token(db, clock, 1, &u, "banc de charge").await.map_err(anyhow::Error::new) };
    let cookie = |u: entities::utilisateurs::Model| async move { crate::auth::session::ouvrir(db, clock, 1, &u).await.map(|s| format!("{}={s}", crate::auth::session::COOKIE)).map_err(anyhow::Error::new) };
    // The month (finished) with the most clause contrats still to declare, and up to 500
    // of its contrats: the declarations are spread over them.
    let acteur = Acteur::from_user(&facilitateur);
    let mois = mois_a_traiter(db, &acteur, clock.today())
        .await
        .map_err(anyhow::Error::new)?
        .into_iter()
        .filter(|m| !m.en_cours)
        .max_by_key(|m| (m.a_declarer, m.mois))
        .ok_or_else(|| anyhow::anyhow!("aucun mois à déclarer dans la structure n° {structure}"))?
        .mois;
    let contrats: Vec<i64> = contrats_a_declarer(db, &acteur, mois).await.map_err(anyhow::Error::new)?.into_iter().take(500).map(|c| c.contrat_id).collect();
    println!(
        "Plus grande structure : n° {structure} ({}) ; plus grande opération : n° {operation} ; déclarations réparties sur {} contrats de {}.",
        facilitateur.email,
        contrats.len(),
        crate::text::mois_fr(mois)
    );
    Ok(Preparation {
        jeton_facilitateur: jeton(facilitateur.clone()).await?,
        cookie_facilitateur: cookie(facilitateur).await?,
        jeton_operation: jeton(facilitateur_op.clone()).await?,
        cookie_operation: cookie(facilitateur_op).await?,
        operation,
        mois: crate::parcours::limites::format_mois(mois),
        contrats,
    })
}

/// `clausier bench charge`: see the module's documentation. `duree`: of each oha run;
/// `seulement`: only the measures whose name holds this text (all when empty).
pub async fn charge(db: &DatabaseConnection, clock: &Clock, duree: Duration, seulement: &str) -> anyhow::Result<Vec<Resultat>> {
    let p = preparer(db, clock).await?;
    let oha = oha()?;
    let journal = std::env::temp_dir().join(format!("clausier-charge-{}.log", std::process::id()));
    let serveur = Serveur::demarrer(&journal)?;
    println!("Serveur : http://{} (journal : {}) ; chaque mesure dure {} s.", serveur.adresse, journal.display(), duree.as_secs());
    let api = |jeton: &str| vec![format!("Authorization: Bearer {jeton}"), "Content-Type: application/json".to_string()];
    let page = |cookie: &str| vec![format!("Cookie: {cookie}")];
    let contrats = p.contrats.iter().map(i64::to_string).collect::<Vec<_>>().join("|");
    let declaration = Requete {
        nom: "déclaration (PUT /api/v1/contrats/{id}/heures/{mois})".into(),
        methode: "PUT",
        url: format!("http://{{serveur}}/api/v1/contrats/({contrats})/heures/{}", p.mois),
        aleatoire: true,
        entetes: api(&p.jeton_facilitateur),
        corps: Some(r#"{"heures_travail": 70, "heures_formation": 4, "motif": "Banc de charge"}"#.into()),
    };
    let get = |nom: &str, url: String, entetes: Vec<String>| Requete { nom: nom.into(), methode: "GET", url, aleatoire: false, entetes, corps: None };
    let bilan_json = get("bilan de la plus grande opération (JSON)", format!("http://{{serveur}}/api/v1/operations/{}/bilan", p.operation), api(&p.jeton_operation));
    let pages = vec![
        get("tableau de bord du facilitateur", "http://{serveur}/".into(), page(&p.cookie_facilitateur)),
        get("page /validations", "http://{serveur}/validations".into(), page(&p.cookie_facilitateur)),
        get("grille /declarations", format!("http://{{serveur}}/declarations?mois={}", p.mois), page(&p.cookie_facilitateur)),
        get("liste /clauses", "http://{serveur}/clauses".into(), page(&p.cookie_facilitateur)),
        get("API GET /clauses?operation_id=", format!("http://{{serveur}}/api/v1/clauses?operation_id={}", p.operation), api(&p.jeton_operation)),
        get("bilan de la plus grande opération (page)", format!("http://{{serveur}}/operations/{}/bilan", p.operation), page(&p.cookie_operation)),
    ];
    let a = serveur.adresse.as_str();
    let mut resultats = Vec::new();
    let choisie = |nom: &str| nom.contains(seulement);
    for clients in [1, 32].into_iter().filter(|_| choisie(&declaration.nom)) {
        resultats.push(lancer(&oha, a, &declaration, clients, duree)?);
    }
    for requete in pages.iter().chain(std::iter::once(&bilan_json)).filter(|r| choisie(&r.nom)) {
        for clients in [1, 64] {
            resultats.push(lancer(&oha, a, requete, clients, duree)?);
        }
    }
    if choisie("déclaration pendant 16 lecteurs de bilans") {
        mesurer_sous_bilans(&oha, a, &declaration, &bilan_json, duree, &mut resultats)?;
    }
    let pic = serveur.pic_memoire_mo();
    drop(serveur);
    afficher(&resultats, pic);
    let en_erreur: u64 = resultats.iter().map(Resultat::serveur_en_erreur).sum();
    anyhow::ensure!(en_erreur == 0, "{en_erreur} réponse(s) 5xx ou sans réponse : voir le journal {}", journal.display());
    Ok(resultats)
}

/// A declaration alone, then with 16 bilan readers at the same time.
fn mesurer_sous_bilans(oha: &Path, a: &str, declaration: &Requete, bilan_json: &Requete, duree: Duration, resultats: &mut Vec<Resultat>) -> anyhow::Result<()> {
    let oha = oha.to_path_buf();
    let mut seule = lancer(&oha, a, declaration, 1, duree)?;
    let lecteurs = {
        let (oha, bilan, adresse) = (oha.clone(), bilan_json.clone(), a.to_string());
        std::thread::spawn(move || lancer(&oha, &adresse, &bilan, 16, duree + Duration::from_secs(2)))
    };
    std::thread::sleep(Duration::from_secs(1));
    let mut sous_charge = lancer(&oha, a, declaration, 1, duree)?;
    let mut bilans = lecteurs.join().map_err(|_| anyhow::anyhow!("les lecteurs de bilans ont paniqué"))??;
    seule.nom = "déclaration seule (témoin)".into();
    sous_charge.nom = "déclaration pendant 16 lecteurs de bilans".into();
    bilans.nom = "16 lecteurs de bilans (pendant les déclarations)".into();
    resultats.extend([seule, sous_charge, bilans]);
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1000.0).replace('.', ",")
}

/// The table (Markdown), then the ratios the targets are about.
pub fn afficher(resultats: &[Resultat], pic_mo: Option<f64>) {
    println!("\n| mesure | clients | req/s | p50 (ms) | p99 (ms) | statuts |");
    println!("|---|---|---|---|---|---|");
    for r in resultats {
        let statuts = r.statuts.iter().map(|(s, n)| format!("{s} × {n}")).collect::<Vec<_>>().join(", ");
        println!("| {} | {} | {} | {} | {} | {statuts} |", r.nom, r.clients, format!("{:.1}", r.par_seconde).replace('.', ","), ms(r.p50), ms(r.p99));
    }
    for (nom, seul, charge) in resultats.iter().filter(|r| r.clients == 1).filter_map(|seul| resultats.iter().find(|c| c.nom == seul.nom && c.clients > 1).map(|c| (&seul.nom, seul, c))) {
        println!("{nom} : débit à {} clients / 1 client = {}", charge.clients, format!("{:.2}", charge.par_seconde / seul.par_seconde.max(1e-9)).replace('.', ","));
    }
    if let (Some(seule), Some(sous)) = (resultats.iter().find(|r| r.nom.starts_with("déclaration seule")), resultats.iter().find(|r| r.nom.starts_with("déclaration pendant"))) {
        println!("p50 d'une déclaration pendant 16 lecteurs de bilans / seule = {}", format!("{:.2}", sous.p50.as_secs_f64() / seule.p50.as_secs_f64().max(1e-9)).replace('.', ","));
    }
    if let Some(pic) = pic_mo {
        println!("mémoire maximale du serveur (VmHWM) : {} Mo", format!("{pic:.1}").replace('.', ","));
    }
}
