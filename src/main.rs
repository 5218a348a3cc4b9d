//! `clausier`: the command line (api.md §1).

use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use clausier::auth::service::{self as accounts, NouvelUtilisateur};
use clausier::clock::Clock;
use clausier::config::{LogFormat, Settings};
use clausier::{bilans, clauses, db, demo, relances, startup};
use entities::enums::Role;
use tracing_subscriber::EnvFilter;

// mimalloc: the bilans allocate and free many short-lived buffers and maps; glibc's
// allocator returned the large ones to the system each time (page faults measured in
// the bilan's profile).
#[global_allocator]
static ALLOCATEUR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "clausier", version, about = "Clauses sociales d'insertion et parcours des participants")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Applique les migrations en attente, puis sert l'application web et l'API.
    Serve {
        /// Sans les tâches planifiées (relances) dans ce processus.
        #[arg(long)]
        no_jobs: bool,
    },
    /// Applique les migrations en attente, puis s'arrête.
    Migrate,
    /// Copie la base SQLite dans FICHIER pendant que le serveur tourne (un instantané
    /// cohérent), puis vérifie la copie. PostgreSQL : pg_dump.
    Backup {
        fichier: std::path::PathBuf,
    },
    /// Remet une sauvegarde faite par `backup` à la place de la base SQLite (vérifiée
    /// d'abord ; une base existante seulement avec --force, serveur arrêté). PostgreSQL : pg_restore.
    Restore {
        fichier: std::path::PathBuf,
        #[arg(long)]
        force: bool,
    },
    /// Remplit la base d'un jeu de démonstration cohérent et reproductible.
    Demo {
        #[arg(long, value_enum, default_value = "small")]
        scale: Scale,
        #[arg(long, default_value_t = 42)]
        seed: u64,
    },
    /// Comptes des utilisateurs.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Jetons d'API.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Mesures sur le jeu de données national (`demo --scale national` d'abord).
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
    /// Tâches planifiées (relances, points) : les lister, en lancer une à la main.
    Jobs {
        #[command(subcommand)]
        command: JobsCommand,
    },
    /// Imports de données ouvertes.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
    /// Consolidation annuelle : exporter les agrégats de chaque structure, fusionner ceux d'un réseau.
    Consolidation {
        #[command(subcommand)]
        command: ConsolidationCommand,
    },
}

#[derive(Subcommand)]
enum ImportCommand {
    /// Importe des fichiers DECP (XML ou JSON, v1 ou v2, tout encodage déclaré) : donneurs
    /// d'ordre, marchés et leurs lots, titulaires, sous-traitants, modifications. Affiche un
    /// bilan et ce qui a été écarté ou corrigé, avec sa ligne ; code de sortie 1 si un
    /// fichier est illisible ou si rien n'a pu être lu.
    Decp {
        /// Les fichiers DECP à importer, l'un après l'autre.
        #[arg(required = true)]
        fichiers: Vec<std::path::PathBuf>,
        /// La structure où importer (son nom) ; obligatoire s'il y en a plusieurs.
        #[arg(long)]
        structure: Option<String>,
        /// Seulement les marchés avec une considération sociale (clause sociale, critère
        /// social, marché réservé).
        #[arg(long)]
        clauses_sociales: bool,
    },
}

#[derive(Subcommand)]
enum JobsCommand {
    /// Liste les tâches avec leur horaire, leur dernier passage et le prochain.
    List,
    /// Lance une tâche maintenant pour l'occurrence --at (heure de Paris sauf décalage
    /// donné), puis envoie les e-mails qu'elle a préparés. La relancer n'envoie rien de plus.
    Run {
        /// Le nom de la tâche (voir `jobs list`).
        name: String,
        /// Montre ce qui serait envoyé ; n'écrit rien.
        #[arg(long)]
        dry_run: bool,
        /// L'occurrence, par exemple 2025-04-01T08:00:00 (par défaut : maintenant).
        #[arg(long)]
        at: Option<String>,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Durée des bilans (médiane, p99) et de la consolidation nationale.
    Bilans {
        #[arg(long, default_value_t = 30)]
        iterations: usize,
        #[arg(long, default_value_t = 2025)]
        annee: i32,
    },
    /// Durée des pages du facilitateur (tableau de bord, listes) de la plus grande structure.
    Pages {
        #[arg(long, default_value_t = 20)]
        iterations: usize,
    },
    /// Les heures mensuelles en volume : la grille d'une entreprise, la file de validation,
    /// déclarer et valider 200 mois d'un coup. Écrit des déclarations : base de mesure seulement.
    Heures {
        #[arg(long, default_value_t = 5)]
        iterations: usize,
    },
    /// Le serveur sous charge (oha, installé s'il manque) : déclarations à 1 et 32 clients,
    /// pages et bilans à 1 et 64 clients, une déclaration sous 16 lecteurs de bilans ;
    /// p50, p99, req/s, statuts, mémoire du serveur. Écrit des déclarations : base de mesure.
    Charge {
        /// Durée de chaque mesure, en secondes.
        #[arg(long, default_value_t = 10)]
        duree: u64,
        /// Seulement les mesures dont le nom contient ce texte.
        #[arg(long, default_value = "")]
        seulement: String,
    },
    /// L'import DECP en volume : un fichier généré de N marchés (ou --fichier existant)
    /// importé dans une nouvelle structure, puis réimporté inchangé ; Mo/s et mémoire max.
    Decp {
        /// Nombre de marchés du fichier généré (~1,1 Ko par marché).
        #[arg(long, default_value_t = 100_000)]
        marches: u64,
        /// Le fichier : importé tel quel s'il existe, sinon généré là (et gardé).
        #[arg(long)]
        fichier: Option<std::path::PathBuf>,
    },
}

#[derive(Subcommand)]
enum ConsolidationCommand {
    /// Écrit le XML de consolidation annuelle d'une structure (ou de chacune, un fichier
    /// par structure) dans un dossier.
    Export {
        #[arg(long)]
        annee: i32,
        /// Seulement cette structure (son nom) ; toutes sinon.
        #[arg(long)]
        structure: Option<String>,
        /// Dossier des fichiers (créé s'il manque).
        #[arg(long, default_value = ".")]
        out: std::path::PathBuf,
    },
    /// Fusionne des fichiers de consolidation en un tableau de réseau (une ligne par structure + total).
    Fusion {
        #[arg(required = true)]
        fichiers: Vec<std::path::PathBuf>,
        /// Le tableau à écrire ; son extension (.csv ou .xlsx) donne le format.
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Scale {
    Small,
    National,
}

#[derive(Clone, Copy, ValueEnum)]
enum RoleArg {
    Admin,
    Facilitateur,
    Referent,
    Entreprise,
    #[value(name = "donneur_ordre")]
    DonneurOrdre,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Role {
        match r {
            RoleArg::Admin => Role::Admin,
            RoleArg::Facilitateur => Role::Facilitateur,
            RoleArg::Referent => Role::Referent,
            RoleArg::Entreprise => Role::Entreprise,
            RoleArg::DonneurOrdre => Role::DonneurOrdre,
        }
    }
}

#[derive(Subcommand)]
enum UserCommand {
    /// Crée la structure si elle manque, puis l'utilisateur.
    Create {
        #[arg(long)]
        structure: String,
        #[arg(long)]
        email: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Sans mot de passe, l'utilisateur n'a que des jetons d'API jusqu'à ce qu'il en choisisse un.
        #[arg(long)]
        password: Option<String>,
        #[arg(long)]
        nom: Option<String>,
        #[arg(long)]
        entreprise_siret: Option<String>,
        #[arg(long)]
        donneur_ordre_siret: Option<String>,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Affiche une ligne : un jeton d'API (bearer) pour cet utilisateur.
    Create {
        #[arg(long)]
        email: String,
    },
}

/// The command line's help in French: headings, the help and version flags, on every
/// subcommand (clap writes them in English).
fn en_francais(c: clap::Command) -> clap::Command {
    let mut modele = String::from("{about-with-newline}\nUtilisation : {usage}\n");
    if c.get_positionals().next().is_some() {
        modele.push_str("\nArguments :\n{positionals}\n");
    }
    modele.push_str("\nOptions :\n{options}\n");
    let sous_commandes = c.has_subcommands();
    if sous_commandes {
        modele.push_str("\nCommandes :\n{subcommands}\n");
    }
    let racine = c.get_name() == "clausier";
    let mut c = c
        .help_template(modele)
        .disable_help_flag(true)
        .disable_help_subcommand(true)
        .arg(clap::Arg::new("aide").short('h').long("help").action(clap::ArgAction::Help).help("Affiche cette aide"));
    if sous_commandes {
        c = c.subcommand_value_name("COMMANDE");
    }
    if racine {
        c = c.disable_version_flag(true).arg(clap::Arg::new("version").short('V').long("version").action(clap::ArgAction::Version).help("Affiche la version"));
    }
    c.mut_subcommands(en_francais)
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = match <Cli as clap::FromArgMatches>::from_arg_matches(&en_francais(<Cli as clap::CommandFactory>::command()).get_matches()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    let settings = match Settings::load() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("Configuration invalide : {e:#}");
            return ExitCode::from(2);
        }
    };
    init_tracing(&settings);
    match run(cli.command, settings).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("Erreur : {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn init_tracing(settings: &Settings) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&settings.log.filter));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match settings.log.format {
        LogFormat::Json => builder.json().init(),
        LogFormat::Text => builder.init(),
    }
}

async fn run(command: Command, settings: Settings) -> anyhow::Result<ExitCode> {
    let clock = Clock::system();
    match command {
        Command::Serve { no_jobs } => {
            let bind = settings.server.bind.clone();
            let base_url = settings.base_url();
            let state = startup::state(settings, clock).await?;
            let listener = tokio::net::TcpListener::bind(&bind).await.map_err(|e| anyhow::anyhow!("écoute sur {bind} impossible : {e}"))?;
            let (stop, stopped) = tokio::sync::watch::channel(false);
            let scheduler = if no_jobs {
                None
            } else {
                let engine = relances::engine(&state)?;
                Some(tokio::spawn(relances::scheduler(state.clone(), engine, stopped)))
            };
            println!("Clausier est prêt : {base_url}  (API : {base_url}/api/openapi.json)");
            let delai = std::time::Duration::from_secs(state.settings.server.delai_entetes_secondes.max(1));
            startup::serve_avec(listener, startup::router(state), delai, startup::shutdown_signal()).await?;
            // Let a round under way finish (an e-mail being sent stays consistent).
            let _ = stop.send(true);
            if let Some(scheduler) = scheduler {
                let _ = scheduler.await;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { fichier } => {
            let conn = db::connect(settings.database_url(), 1).await?;
            db::sauvegarde::sauvegarder(&conn, &fichier).await?;
            println!("Sauvegarde écrite et vérifiée : {}", fichier.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { fichier, force } => {
            db::sauvegarde::restaurer(settings.database_url(), &fichier, force).await?;
            println!("Base restaurée depuis {}.", fichier.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let conn = db::connect(settings.database_url(), 1).await?;
            db::migrate(&conn).await?;
            println!("Base de données à jour.");
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { scale, seed } => {
            let conn = db::connect(settings.database_url(), 2).await?;
            db::migrate(&conn).await?;
            if let Scale::National = scale {
                let debut = std::time::Instant::now();
                let progress = std::io::IsTerminal::is_terminal(&std::io::stderr());
                let charge = demo::national::national(&conn, clock.now(), seed, demo::national::Echelle::NATIONALE, progress).await?;
                db::analyze(&conn).await?;
                match charge {
                    None => println!("Le jeu de données national est déjà présent."),
                    Some(t) => println!(
                        "Jeu de données national chargé en {:.1} s : {} structures, {} donneurs d'ordre, {} opérations, {} marchés ({} lots), {} entreprises, {} participants, {} contrats, {} lignes d'heures, {} h validées.",
                        debut.elapsed().as_secs_f64(), t.structures, t.donneurs_ordre, t.operations, t.marches, t.lots, t.entreprises, t.participants, t.contrats, t.lignes_heures, t.minutes / 60
                    ),
                }
                return Ok(ExitCode::SUCCESS);
            }
            let summary = demo::small(&conn, &clock, settings.auth.token_ttl_days, seed).await?;
            db::analyze(&conn).await?;
            print_demo(&settings, &summary);
            Ok(ExitCode::SUCCESS)
        }
        Command::User { command: UserCommand::Create { structure, email, role, password, nom, entreprise_siret, donneur_ordre_siret } } => {
            let conn = db::connect(settings.database_url(), 2).await?;
            db::migrate(&conn).await?;
            let structure = accounts::ensure_structure(&conn, &clock, &structure).await.map_err(user_error)?;
            let entreprise_id = match entreprise_siret {
                Some(siret) => Some(
                    clauses::service::find_entreprise_by_siret(&conn, structure.id, &siret)
                        .await
                        .map_err(user_error)?
                        .ok_or_else(|| anyhow::anyhow!("aucune entreprise de SIRET {siret} dans la structure « {} » (créez-la d'abord par l'API)", structure.nom))?
                        .id,
                ),
                None => None,
            };
            let donneur_ordre_id = match donneur_ordre_siret {
                Some(siret) => Some(
                    clauses::service::find_donneur_ordre_by_siret(&conn, structure.id, &siret)
                        .await
                        .map_err(user_error)?
                        .ok_or_else(|| anyhow::anyhow!("aucun donneur d'ordre de SIRET {siret} dans la structure « {} » (créez-le d'abord par l'API)", structure.nom))?
                        .id,
                ),
                None => None,
            };
            let nom = nom.unwrap_or_else(|| email.split('@').next().unwrap_or(&email).to_string());
            let user = accounts::create_user(&conn, &clock, NouvelUtilisateur { structure_id: structure.id, email, nom, role: role.into(), password, entreprise_id, donneur_ordre_id })
                .await
                .map_err(user_error)?;
            println!("Utilisateur créé : {} ({:?}) dans « {} » (id {}).", user.email, user.role, structure.nom, user.id);
            Ok(ExitCode::SUCCESS)
        }
        Command::Consolidation { command: ConsolidationCommand::Export { annee, structure, out } } => {
            let conn = db::connect(settings.database_url(), 4).await?;
            db::migrate(&conn).await?;
            let n = bilans::consolidation::exporter(&conn, annee, structure.as_deref(), &out).await?;
            println!("{n} fichier(s) de consolidation {annee} écrit(s) dans {}.", out.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { command: ImportCommand::Decp { fichiers, structure, clauses_sociales } } => {
            // The import's own connections (see `connexion_import`).
            let conn = db::connexion_import(settings.database_url()).await?;
            db::migrate(&conn).await?;
            let structure = structure_cible(&conn, structure.as_deref()).await?;
            let acteur = clausier::auth::Acteur::systeme(structure.id);
            let (mut lisibles, mut illisibles) = (0, 0);
            for f in &fichiers {
                let progression = std::io::IsTerminal::is_terminal(&std::io::stderr());
                let rapport = clausier::decp::importer(&conn, &clock, &acteur, f, clauses_sociales, progression).await?;
                print!("{}", clausier::decp::afficher(&rapport));
                lisibles += rapport.lisibles();
                illisibles += u32::from(rapport.illisible.is_some());
            }
            Ok(if lisibles == 0 || illisibles > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        Command::Consolidation { command: ConsolidationCommand::Fusion { fichiers, out } } => {
            let (lignes, erreurs) = bilans::consolidation::fusionner(&fichiers, &out)?;
            for e in &erreurs {
                eprintln!("{e}");
            }
            println!("{lignes} structure(s) consolidée(s) dans {}.", out.display());
            Ok(if erreurs.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Bench { command: BenchCommand::Bilans { iterations, annee } } => {
            // The server's pool, as configured: a bilan's reads run side by side on it.
            let conn = db::connect_avec(settings.database_url(), settings.database.pool()).await?;
            db::migrate(&conn).await?;
            let mesures = clausier::bench::bilans(&conn, iterations.max(1), annee).await?;
            clausier::bench::afficher(&mesures);
            clausier::bench::afficher_rapports(&mesures);
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench { command: BenchCommand::Pages { iterations } } => {
            let state = startup::state(settings, clock).await?;
            let mesures = clausier::bench::pages(state, iterations.max(1)).await?;
            clausier::bench::afficher(&mesures);
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench { command: BenchCommand::Decp { marches, fichier } } => {
            let conn = db::connexion_import(settings.database_url()).await?;
            db::migrate(&conn).await?;
            clausier::bench::decp(&conn, &clock, marches, fichier).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench { command: BenchCommand::Charge { duree, seulement } } => {
            let conn = db::connect(settings.database_url(), 2).await?;
            clausier::bench::charge::charge(&conn, &clock, std::time::Duration::from_secs(duree.max(1)), &seulement).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Bench { command: BenchCommand::Heures { iterations } } => {
            let state = startup::state(settings, clock).await?;
            let mesures = clausier::bench::heures(state, iterations.max(1)).await?;
            clausier::bench::afficher(&mesures);
            Ok(ExitCode::SUCCESS)
        }
        Command::Jobs { command } => {
            let state = startup::state(settings, clock).await?;
            let engine = relances::engine(&state)?;
            match command {
                JobsCommand::List => {
                    let paris = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(&chrono_tz::Europe::Paris).format("%Y-%m-%d %H:%M").to_string();
                    println!("{:<30} {:<20} {:<36} prochaine (heure de Paris)", "tâche", "horaire", "dernière occurrence");
                    for e in engine.etats().await? {
                        let derniere = e.derniere.map_or("jamais".to_string(), |r| {
                            let mut t = format!("{} {} ({} essai(s))", paris(r.occurrence_at), clausier::text::code(r.statut), r.tentatives);
                            if let Some(erreur) = r.erreur {
                                t.push_str(&format!(" : {erreur}"));
                            }
                            t
                        });
                        println!("{:<30} {:<20} {:<36} {}", e.job, e.expression, derniere, e.prochaine.map_or("—".to_string(), paris));
                    }
                    Ok(ExitCode::SUCCESS)
                }
                JobsCommand::Run { name, dry_run, at } => {
                    let at = match at {
                        Some(at) => relances::parse_at(&at).map_err(anyhow::Error::msg)?,
                        None => state.clock.now(),
                    };
                    let execution = engine.run_now(&name, at, dry_run).await.map_err(anyhow::Error::msg)?;
                    match execution.issue {
                        Ok(rapport) => println!("{name} ({}) : {rapport}", at.with_timezone(&chrono_tz::Europe::Paris).format("%Y-%m-%d %H:%M")),
                        Err(erreur) => anyhow::bail!("{name} a échoué : {erreur}"),
                    }
                    if !dry_run {
                        let l = relances::envoyer(&state).await?;
                        println!("Envoi : {} envoyé(s), {} en échec (nouvel essai plus tard), {} abandonné(s).", l.envoyes, l.echecs, l.abandonnes);
                    }
                    Ok(ExitCode::SUCCESS)
                }
            }
        }
        Command::Token { command: TokenCommand::Create { email } } => {
            let conn = db::connect(settings.database_url(), 1).await?;
            db::migrate(&conn).await?;
            let user = accounts::find_user_by_email(&conn, &email, None).await.map_err(user_error)?.ok_or_else(|| anyhow::anyhow!("aucun utilisateur avec l'adresse {email}"))?;
            let token = accounts::issue_token(&conn, &clock, settings.auth.token_ttl_days, &user, "cli").await.map_err(user_error)?;
            println!("{token}");
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The structure an import goes into: the one named, else the only one.
async fn structure_cible(db: &sea_orm::DatabaseConnection, nom: Option<&str>) -> anyhow::Result<entities::structures::Model> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    use entities::structures;
    if let Some(nom) = nom {
        return structures::Entity::find().filter(structures::Column::Nom.eq(nom)).one(db).await?.ok_or_else(|| anyhow::anyhow!("aucune structure nommée « {nom} »"));
    }
    let toutes = structures::Entity::find().order_by_asc(structures::Column::Nom).all(db).await?;
    match toutes.len() {
        0 => anyhow::bail!("aucune structure : créez-en une d'abord (clausier user create --structure NOM …)"),
        1 => toutes.into_iter().next().ok_or_else(|| anyhow::anyhow!("structure introuvable")),
        n => anyhow::bail!("{n} structures dans la base : précisez laquelle avec --structure NOM ({})", toutes.iter().map(|s| s.nom.as_str()).collect::<Vec<_>>().join(", ")),
    }
}

/// A service error as a French command-line message (field errors listed).
fn user_error(e: clausier::error::AppError) -> anyhow::Error {
    let p = e.problem();
    let mut text = format!("{} — {}", p.title, p.detail);
    for f in p.errors {
        text.push_str(&format!("\n  {} : {}", f.field, f.message));
    }
    if let clausier::error::AppError::Internal(cause) = e {
        text.push_str(&format!("\n  cause : {cause:#}"));
    }
    anyhow::anyhow!(text)
}

fn print_demo(settings: &Settings, s: &demo::Summary) {
    let base = settings.base_url();
    if s.created {
        println!("Données de démonstration chargées : « {} », {} participants, {} contrats, {} h validées.", demo::STRUCTURE, s.participants, s.contrats, s.heures_validees_minutes / 60);
    } else {
        println!("Données de démonstration déjà présentes (« {} ») : nouveaux jetons ci-dessous.", demo::STRUCTURE);
    }
    println!("\nAdresse : {base}   (API : {base}/api/openapi.json)");
    println!("Mot de passe de tous les comptes : {}\n", demo::PASSWORD);
    println!("{:<14} {:<34} jeton d'API", "rôle", "identifiant");
    for l in &s.logins {
        let role = clausier::text::code(l.role);
        println!("{role:<14} {:<34} {}", l.email, l.token);
    }
    println!("\nExemple : curl -H 'Authorization: Bearer {}' {base}/api/v1/moi", s.logins.get(1).map(|l| l.token.as_str()).unwrap_or(""));
}
