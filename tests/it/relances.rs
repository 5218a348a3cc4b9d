//! Jobs and e-mail reminders: who gets what at a fixed `now`, once per occurrence even
//! twice run or on two servers, an outbox that survives crashes and retries failures,
//! and one delivery through a real SMTP server on loopback.

use chrono::{DateTime, TimeZone, Utc};
use clausier::clock::Clock;
use clausier::config::MailTransport;
use clausier::mail::outbox::{self, ReglagesEnvoi};
use clausier::mail::Mailer;
use clausier::relances;
use clausier::state::AppState;
use entities::enums::Role;
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::{json, Value};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::clauses::{scenario, Scenario};
use crate::helpers::*;

/// `at` French time (tests speak as users do).
fn paris(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    chrono_tz::Europe::Paris.with_ymd_and_hms(y, m, d, h, min, 0).unwrap().with_timezone(&Utc)
}

/// The application's state on the same database, as a server whose clock shows `now`
/// and with its own mailer (another process, or the same one after a restart).
fn server(app: &TestApp, now: DateTime<Utc>, mailer: Mailer) -> AppState {
    clausier::startup::state_with((*app.state.settings).clone(), Clock::fixed(now), app.db.clone(), Some(mailer)).unwrap()
}

fn mailer_smtp(app: &TestApp, url: &str) -> Mailer {
    let mut settings = app.state.settings.mail.clone();
    settings.transport = MailTransport::Smtp;
    settings.smtp_url = SecretString::from(url.to_string());
    Mailer::from_settings(&settings).unwrap()
}

async fn contact(app: &TestApp, f: &Login, path: &str, body: Value) {
    let (status, v) = app.post(path, &f.token, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
}

/// The scenario with reminder contacts: two at Bâtir (one twice: contact and account),
/// one at the EI, none at Peinture Pro who only has a contact refusing reminders.
async fn with_contacts() -> Scenario {
    let s = scenario().await;
    let (app, f) = (&s.app, &s.f);
    contact(app, f, &format!("/api/v1/entreprises/{}/contacts", s.batir), json!({"nom": "Paie", "prenom": "Service", "email": "Paie@Batir.fr"})).await;
    contact(app, f, &format!("/api/v1/entreprises/{}/contacts", s.ei), json!({"nom": "Martin", "prenom": "Inès", "email": "ines@ei.fr"})).await;
    contact(app, f, &format!("/api/v1/entreprises/{}/contacts", s.peinture), json!({"nom": "Gérant", "email": "gerant@peinture.fr", "recoit_relances": false})).await;
    s
}

async fn outbox(app: &TestApp) -> Vec<entities::emails::Model> {
    use sea_orm::{EntityTrait, QueryOrder};
    entities::emails::Entity::find().order_by_asc(entities::emails::Column::Id).all(&app.db).await.unwrap()
}

#[tokio::test]
async fn the_declaration_reminder_tells_each_company_what_to_declare_once() {
    let s = with_contacts().await;
    let app = &s.app;
    // June 2025: c1 (Bâtir) and c3 (the EI) run and are not declared; c4 ended in May.
    let state = server(app, paris(2025, 7, 1, 8, 0), app.mailer.clone());
    let engine = relances::engine_for(&state, "serveur-a").unwrap();
    let first = engine.run_now("declaration_reminder", paris(2025, 7, 1, 8, 0), false).await.unwrap();
    assert_eq!(first.issue.as_deref(), Ok("2 e-mail(s) dus, 2 nouveau(x) dans la file d'envoi"));
    let rows = outbox(app).await;
    let to: Vec<&str> = rows.iter().map(|r| r.destinataire.as_str()).collect();
    assert_eq!(to, ["ines@ei.fr", "paie@batir.fr"], "one e-mail per address, in address order");
    assert!(rows.iter().all(|r| r.kind == "rappel_declaration" && r.periode == "2025-06" && r.statut == entities::enums::StatutEnvoi::EnAttente));
    let batir = &rows[1];
    assert_eq!(batir.sujet, "Heures d'insertion de juin 2025 à déclarer");
    assert!(batir.corps_texte.starts_with("Bonjour Service Paie,"), "{}", batir.corps_texte);
    assert!(batir.corps_texte.contains("au plus tard le 10 juillet 2025"), "{}", batir.corps_texte);
    assert!(batir.corps_texte.contains("Pour déclarer : http") && batir.corps_texte.contains("/declarations?mois=2025-06\n"), "the declaration page of the month: {}", batir.corps_texte);
    assert!(batir.corps_texte.contains("Bâtir (SIRET") && batir.corps_texte.contains("Léa U. — Ouvrier : à déclarer"), "{}", batir.corps_texte);
    assert!(!batir.corps_texte.contains("Second Œuvre"), "one company per e-mail here: {}", batir.corps_texte);
    assert!(batir.corps_html.contains("<li>Léa U. — Ouvrier : <strong>à déclarer</strong></li>"), "{}", batir.corps_html);
    assert!(batir.corps_html.contains("Bâtir") && batir.corps_html.contains("<html lang=\"fr\">"));
    assert!(rows[0].corps_texte.contains("Léa T. — Ouvrier : à déclarer"), "{}", rows[0].corps_texte);

    // Twice the same occurrence: the same rows, nothing new; the sender sends each once.
    let second = engine.run_now("declaration_reminder", paris(2025, 7, 1, 8, 0), false).await.unwrap();
    assert_eq!(second.issue.as_deref(), Ok("2 e-mail(s) dus, 0 nouveau(x) dans la file d'envoi"));
    assert_eq!(relances::envoyer(&state).await.unwrap().envoyes, 2);
    assert_eq!(relances::envoyer(&state).await.unwrap().envoyes, 0);
    let sent = app.mailer.sent();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1].to, "paie@batir.fr");
    assert_eq!(count(&app.db, "job_runs").await, 1);

    // Once June is declared, the relance of the 10th only concerns the EI.
    assert_eq!(app.declare(&s.f.token, s.contrats[0], "2025-06", json!({"heures_travail": 140})).await.0, StatusCode::OK);
    let relance = engine.run_now("declaration_relance", paris(2025, 7, 10, 8, 0), false).await.unwrap();
    assert_eq!(relance.issue.as_deref(), Ok("1 e-mail(s) dus, 1 nouveau(x) dans la file d'envoi"));
    let last = outbox(app).await.pop().unwrap();
    assert_eq!((last.kind.as_str(), last.destinataire.as_str()), ("relance_declaration", "ines@ei.fr"));
    assert_eq!(last.sujet, "Rappel : heures de juin 2025 à déclarer avant le 10 juillet 2025");
}

#[tokio::test]
async fn the_last_relance_tells_the_facilitateurs_which_companies_are_late() {
    let s = with_contacts().await;
    let app = &s.app;
    // May 2025: c3 (EI) and c4 (Peinture Pro, no contact to remind) are not declared.
    let state = server(app, paris(2025, 6, 20, 8, 0), app.mailer.clone());
    let engine = relances::engine_for(&state, "serveur-a").unwrap();
    let dry = engine.run_now("declaration_derniere_relance", paris(2025, 6, 20, 8, 0), true).await.unwrap();
    assert!(dry.issue.as_ref().unwrap().starts_with("2 e-mail(s) seraient préparés"), "{dry:?}");
    assert_eq!(count(&app.db, "emails").await, 0, "a dry run writes nothing");
    assert_eq!(count(&app.db, "job_runs").await, 0);

    engine.run_now("declaration_derniere_relance", paris(2025, 6, 20, 8, 0), false).await.unwrap();
    let rows = outbox(app).await;
    let kinds: Vec<(&str, &str)> = rows.iter().map(|r| (r.kind.as_str(), r.destinataire.as_str())).collect();
    let facilitateur = app.email_of(s.f.user_id).await;
    assert_eq!(kinds, [("derniere_relance_declaration", "ines@ei.fr"), ("declarations_en_retard", facilitateur.as_str())]);
    let notice = &rows[1];
    assert_eq!(notice.sujet, "Déclarations de mai 2025 en retard : 2 entreprise(s)");
    assert!(notice.corps_texte.contains("Second Œuvre Insertion (SIRET") && notice.corps_texte.contains("relancé(s) : ines@ei.fr"), "{}", notice.corps_texte);
    assert!(notice.corps_texte.contains("Peinture Pro (SIRET") && notice.corps_texte.contains("AUCUN CONTACT À RELANCER"), "{}", notice.corps_texte);
}


#[tokio::test]
async fn two_servers_on_one_database_run_each_occurrence_once() {
    let s = with_contacts().await;
    let app = &s.app;
    // Both servers tick at 08:00:30 on 1 July: the reminder (and the jobs due then) are
    // won by one of them only; both then send, and each e-mail goes out once.
    let now = paris(2025, 7, 1, 8, 0) + chrono::Duration::seconds(30);
    let (mailer_a, mailer_b) = (Mailer::stub(), Mailer::stub());
    let (a, b) = (server(app, now, mailer_a.clone()), server(app, now, mailer_b.clone()));
    let (ea, eb) = (relances::engine_for(&a, "serveur-a").unwrap(), relances::engine_for(&b, "serveur-b").unwrap());
    for _ in 0..3 {
        let (ra, rb) = tokio::join!(ea.tick(), eb.tick());
        let (ra, rb) = (ra.unwrap(), rb.unwrap());
        let runs = |r: &[jobs::Execution]| r.iter().filter(|e| e.job == "declaration_reminder").count();
        assert!(runs(&ra) + runs(&rb) <= 1, "{ra:?} {rb:?}");
        let (la, lb) = tokio::join!(relances::envoyer(&a), relances::envoyer(&b));
        let _ = (la.unwrap(), lb.unwrap());
    }
    let reminders = |m: &Mailer| m.sent().into_iter().filter(|e| e.subject == "Heures d'insertion de juin 2025 à déclarer").count();
    assert_eq!(reminders(&mailer_a) + reminders(&mailer_b), 2);
    let runs = app.db.query_one(sea_orm::Statement::from_string(app.db.get_database_backend(), "SELECT COUNT(*) AS n FROM job_runs WHERE job = 'declaration_reminder'".to_string())).await.unwrap().unwrap();
    assert_eq!(runs.try_get::<i64>("", "n").unwrap(), 1);
    assert_eq!(count(&app.db, "emails").await as usize, mailer_a.sent().len() + mailer_b.sent().len());
}

use sea_orm::ConnectionTrait;

#[tokio::test]
async fn a_missed_occurrence_is_caught_up_once_and_a_failed_run_is_retried() {
    let s = with_contacts().await;
    let app = &s.app;
    // The server was down on 1 July at 08:00; it starts on 2 July at 10:00 (within the
    // 72 h window): the reminder runs then, once.
    let late = server(app, paris(2025, 7, 2, 10, 0), Mailer::stub());
    let engine = relances::engine_for(&late, "serveur-a").unwrap();
    let done = engine.tick().await.unwrap();
    let reminder: Vec<_> = done.iter().filter(|e| e.job == "declaration_reminder").collect();
    assert_eq!(reminder.len(), 1);
    assert_eq!(reminder[0].occurrence, paris(2025, 7, 1, 8, 0));
    assert!(engine.tick().await.unwrap().iter().all(|e| e.job != "declaration_reminder"));
    // Four days late is beyond the window: the 10 July relance is not run on the 14th.
    let very_late = server(app, paris(2025, 7, 14, 10, 0), Mailer::stub());
    let engine = relances::engine_for(&very_late, "serveur-a").unwrap();
    assert!(engine.tick().await.unwrap().iter().all(|e| e.job != "declaration_relance"));
    let etats = engine.etats().await.unwrap();
    let relance = etats.iter().find(|e| e.job == "declaration_relance").unwrap();
    assert!(relance.derniere.is_none());
    assert_eq!(relance.prochaine, Some(paris(2025, 8, 10, 8, 0)));

    // A run that fails (here: its e-mail template is missing) is kept as failed, then
    // retried after the backoff, not before.
    let mut settings = (*app.state.settings).clone();
    let sans_emails = tempfile::tempdir().unwrap();
    std::fs::write(sans_emails.path().join("accueil.html"), "accueil").unwrap();
    settings.server.templates_dir = sans_emails.path().to_path_buf();
    let at = paris(2025, 8, 1, 8, 0);
    let broken = clausier::startup::state_with(settings, Clock::fixed(at), app.db.clone(), Some(Mailer::stub())).unwrap();
    let engine = relances::engine_for(&broken, "serveur-a").unwrap();
    let failed = engine.run_now("declaration_reminder", at, false).await.unwrap();
    assert!(failed.issue.as_ref().unwrap_err().contains("modèle d'e-mail rappel_declaration"), "{failed:?}");
    let repaired = relances::engine_for(&server(app, at + chrono::Duration::seconds(60), Mailer::stub()), "serveur-a").unwrap();
    assert!(repaired.tick().await.unwrap().iter().all(|e| e.job != "declaration_reminder"), "not before the backoff");
    let repaired = relances::engine_for(&server(app, at + chrono::Duration::seconds(121), Mailer::stub()), "serveur-a").unwrap();
    let retried: Vec<_> = repaired.tick().await.unwrap().into_iter().filter(|e| e.job == "declaration_reminder").collect();
    assert_eq!(retried.len(), 1);
    assert!(retried[0].issue.is_ok(), "{retried:?}");
    let row = repaired.etats().await.unwrap().into_iter().find(|e| e.job == "declaration_reminder").unwrap().derniere.unwrap();
    assert_eq!((row.statut, row.tentatives), (entities::enums::StatutJob::Reussi, 2));
}

#[tokio::test]
async fn a_crash_between_insert_and_send_loses_nothing_and_duplicates_nothing() {
    let s = with_contacts().await;
    let app = &s.app;
    let now = paris(2025, 7, 1, 8, 0);
    // The job commits its rows, then the process dies before sending anything.
    let before = server(app, now, Mailer::stub());
    relances::engine_for(&before, "serveur-a").unwrap().run_now("declaration_reminder", now, false).await.unwrap();
    drop(before);
    // After the restart: the sender finds them, the job run again adds nothing.
    let restarted_mailer = Mailer::stub();
    let after = server(app, now + chrono::Duration::minutes(3), restarted_mailer.clone());
    relances::engine_for(&after, "serveur-b").unwrap().run_now("declaration_reminder", now, false).await.unwrap();
    assert_eq!(relances::envoyer(&after).await.unwrap().envoyes, 2);
    assert_eq!(relances::envoyer(&after).await.unwrap().envoyes, 0);
    assert_eq!(restarted_mailer.sent().len(), 2);
}

#[tokio::test]
async fn a_failing_smtp_server_is_retried_with_backoff_then_given_up_and_shown() {
    let s = with_contacts().await;
    let app = &s.app;
    let now = paris(2025, 7, 1, 8, 0);
    let state = server(app, now, Mailer::stub());
    relances::engine_for(&state, "serveur-a").unwrap().run_now("declaration_reminder", now, false).await.unwrap();
    let dead = mailer_smtp(app, "smtp://127.0.0.1:9");
    let reglages = ReglagesEnvoi { max_tentatives: 3, ..ReglagesEnvoi::from_settings(&app.state.settings.mail) };
    // Attempts at +0, +1 min, +2 min more (backoff 1, 2, 4 min…): the third gives up.
    let mut t = now;
    for (delay, echecs, abandonnes) in [(0, 2, 0), (60, 2, 0), (180, 0, 2)] {
        t += chrono::Duration::seconds(delay);
        let l = outbox::deliver_due(&app.db, &dead, t, reglages).await.unwrap();
        assert_eq!((l.echecs, l.abandonnes), (echecs, abandonnes), "at +{delay}s");
    }
    assert_eq!(outbox::deliver_due(&app.db, &dead, t + chrono::Duration::days(1), reglages).await.unwrap(), Default::default());

    // The facilitateur sees what failed, and why; may send it again.
    let (status, page) = app.get("/api/v1/envois?statut=abandonne", &s.f.token).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["total"], 2);
    let item = &page["items"][0];
    assert_eq!(item["tentatives"], 3);
    assert!(item["derniere_erreur"].as_str().unwrap().len() > 5, "{item}");
    let id = item["id"].as_i64().unwrap();
    let (status, again) = app.post(&format!("/api/v1/envois/{id}/renvoi"), &s.f.token, &json!({})).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!((again["statut"].as_str(), again["tentatives"].as_i64()), (Some("en_attente"), Some(0)));
    let (status, _) = app.post(&format!("/api/v1/envois/{id}/renvoi"), &s.f.token, &json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "only a failed e-mail is sent again");
}

#[tokio::test]
async fn the_sends_page_refuses_other_roles_and_other_structures() {
    let s = with_contacts().await;
    let app = &s.app;
    let now = paris(2025, 7, 1, 8, 0);
    let state = server(app, now, Mailer::stub());
    relances::engine_for(&state, "serveur-a").unwrap().run_now("declaration_reminder", now, false).await.unwrap();
    let (_, page) = app.get("/api/v1/envois?destinataire=Ines@EI.fr", &s.f.token).await;
    assert_eq!(page["total"], 1);
    let id = page["items"][0]["id"].as_i64().unwrap();
    for role in [Role::Referent, Role::Entreprise, Role::DonneurOrdre] {
        let other = app.login_bound("PLIE A", role, (role == Role::Entreprise).then_some(s.batir), (role == Role::DonneurOrdre).then_some(s.ville)).await;
        assert_eq!(app.get("/api/v1/envois", &other.token).await.0, StatusCode::FORBIDDEN, "{role:?}");
        assert_eq!(app.post(&format!("/api/v1/envois/{id}/renvoi"), &other.token, &json!({})).await.0, StatusCode::FORBIDDEN);
    }
    let elsewhere = app.login("PLIE B", Role::Facilitateur).await;
    let (status, page) = app.get("/api/v1/envois", &elsewhere.token).await;
    assert_eq!((status, page["total"].as_i64()), (StatusCode::OK, Some(0)));
    assert_eq!(app.post(&format!("/api/v1/envois/{id}/renvoi"), &elsewhere.token, &json!({})).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/api/v1/envois?statut=perdu", &s.f.token).await.0, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_other_reminders_reach_their_recipients_with_their_content() {
    let s = with_contacts().await;
    let (app, f) = (&s.app, &s.f);
    let referent = app.login("PLIE A", Role::Referent).await;
    let (status, v) = app.put(&format!("/api/v1/participants/{}/referent", s.p1), &f.token, &json!({"referent_id": referent.user_id})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let referent_email = app.email_of(referent.user_id).await;
    let facilitateur = app.email_of(f.user_id).await;
    let run = |name: &'static str, at: DateTime<Utc>| {
        let state = server(app, at, Mailer::stub());
        async move {
            let engine = relances::engine_for(&state, "serveur-a").unwrap();
            engine.run_now(name, at, false).await.unwrap().issue.unwrap();
            let rows = outbox(app).await;
            rows.into_iter().filter(|r| r.created_at == at).collect::<Vec<_>>()
        }
    };

    // Référent notices: P1 started on 6 January and has 650.25 h declared (≥ 600 h).
    let avis = run("avis_referents", paris(2025, 1, 20, 10, 0)).await;
    let keys: Vec<(&str, &str)> = avis.iter().map(|r| (r.destinataire.as_str(), r.periode.as_str())).collect();
    let (debut, seuil) = (format!("contrat:{}:debut", s.contrats[0]), format!("participant:{}:600h", s.p1));
    assert_eq!(keys, [(referent_email.as_str(), debut.as_str()), (referent_email.as_str(), seuil.as_str())]);
    assert!(avis[0].corps_texte.contains("Léa Un, que vous accompagnez, a commencé le 6 janvier 2025 un contrat de clause : Ouvrier."), "{}", avis[0].corps_texte);
    assert!(avis[1].corps_texte.contains("a atteint 650 heures en clause"), "{}", avis[1].corps_texte);
    assert!(run("avis_referents", paris(2025, 1, 20, 10, 15)).await.is_empty(), "each event is told once");

    // Facilitateur digest, Monday 16 June: May's declaration of P1 to validate; the EI
    // and Peinture Pro late for May.
    let digest = run("digest_facilitateur", paris(2025, 6, 16, 8, 0)).await;
    assert_eq!(digest.len(), 1);
    let d = &digest[0];
    assert_eq!((d.destinataire.as_str(), d.periode.as_str(), d.sujet.as_str()), (facilitateur.as_str(), "2025-S25", "Votre semaine dans Clausier (16 juin 2025)"));
    assert!(d.corps_texte.contains("Déclarations d'heures à valider (1)\n  - Bâtir — Léa U. (Ouvrier) : mai 2025"), "{}", d.corps_texte);
    assert!(d.corps_texte.contains("Entreprises en retard de déclaration (2)"), "{}", d.corps_texte);
    assert!(d.corps_texte.contains("Second Œuvre Insertion : 1 déclaration(s) mensuelle(s) manquante(s)"), "{}", d.corps_texte);
    assert!(d.corps_html.contains("<h3 style=\"font-size: 16px; margin-bottom: 4px;\">Entreprises en retard de déclaration (2)</h3>"), "{}", d.corps_html);

    // The 6-month follow-up of c2 (ended 30 April) falls due on 30 October: P2 has no
    // référent, so the facilitateurs are told.
    let (status, v) = app.post(&format!("/api/v1/contrats/{}/fin", s.contrats[1]), &f.token, &json!({"date_fin_reelle": "2025-04-30", "motif_fin": "fin de mission"})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert!(run("suivi_six_mois", paris(2025, 10, 29, 7, 0)).await.is_empty(), "not due yet");
    let suivi = run("suivi_six_mois", paris(2025, 10, 30, 7, 0)).await;
    assert_eq!(suivi.len(), 1);
    assert_eq!((suivi[0].destinataire.as_str(), suivi[0].sujet.as_str()), (facilitateur.as_str(), "Suivi à 6 mois à faire : Léa Deux"));
    assert!(suivi[0].corps_texte.contains("s'est terminé le 30 avril 2025") && suivi[0].corps_texte.contains("à faire depuis le 30 octobre 2025"), "{}", suivi[0].corps_texte);

    // The donneur d'ordre's monthly bilan goes only to contacts who asked for it.
    contact(app, f, &format!("/api/v1/donneurs-ordre/{}/contacts", s.ville), json!({"nom": "Achats", "email": "achats@bordeaux.fr", "recoit_bilans": true})).await;
    contact(app, f, &format!("/api/v1/donneurs-ordre/{}/contacts", s.ville), json!({"nom": "Élu", "email": "elu@bordeaux.fr"})).await;
    let bilan = run("bilan_donneur_ordre", paris(2025, 7, 2, 9, 0)).await;
    assert_eq!(bilan.len(), 1);
    let b = &bilan[0];
    assert_eq!((b.destinataire.as_str(), b.periode.as_str()), ("achats@bordeaux.fr", "2025-06"));
    assert_eq!(b.sujet, "Clauses sociales de Ville de Bordeaux : bilan à fin juin 2025");
    // 450 h + 600 h objective; 630.25 h + 310.5 h retained (the clause tests' figures).
    assert!(b.corps_texte.contains("Réhabilitation de l'école Jean-Jaurès : 940,75 h retenues sur 1\u{202f}050 h d'objectif (89,6\u{a0}%)"), "{}", b.corps_texte);
    assert!(b.corps_texte.contains(&format!("le bilan détaillé : http://127.0.0.1:8080/operations/{}/bilan?au=2025-06-30", s.operation)), "{}", b.corps_texte);

    // The référents' quarterly digest (1 July): the marché under way, and P1 in contrat.
    let trimestre = run("digest_referent", paris(2025, 7, 1, 8, 0)).await;
    assert_eq!(trimestre.len(), 1);
    assert_eq!((trimestre[0].destinataire.as_str(), trimestre[0].periode.as_str()), (referent_email.as_str(), "2025-T3"));
    assert!(trimestre[0].corps_texte.contains("Réhabilitation de l'école Jean-Jaurès — Réhabilitation (Bordeaux) : en cours jusqu'au 31 décembre 2025"), "{}", trimestre[0].corps_texte);
}

/// A small SMTP server on loopback: it accepts every message and hands over
/// (envelope recipients, raw data).
async fn smtp_server() -> (u16, tokio::sync::mpsc::UnboundedReceiver<(Vec<String>, String)>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 localhost ESMTP test\r\n").await.unwrap();
                let mut rcpt = Vec::new();
                while let Ok(Some(line)) = lines.next_line().await {
                    let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 localhost\r\n",
                        "RCPT" => {
                            rcpt.push(line[8..].trim().trim_matches(['<', '>']).to_string());
                            b"250 OK\r\n"
                        }
                        "DATA" => {
                            write.write_all(b"354 go ahead\r\n").await.unwrap();
                            let mut data = String::new();
                            while let Ok(Some(l)) = lines.next_line().await {
                                if l == "." {
                                    break;
                                }
                                data.push_str(&l);
                                data.push('\n');
                            }
                            tx.send((std::mem::take(&mut rcpt), data)).unwrap();
                            b"250 queued\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.unwrap();
                            break;
                        }
                        _ => b"250 OK\r\n",
                    };
                    write.write_all(reply).await.unwrap();
                }
            });
        }
    });
    (port, rx)
}

#[tokio::test]
async fn a_reminder_goes_through_a_real_smtp_server_on_loopback() {
    let s = with_contacts().await;
    let app = &s.app;
    let (port, mut received) = smtp_server().await;
    let now = paris(2025, 7, 1, 8, 0);
    let state = server(app, now, mailer_smtp(app, &format!("smtp://127.0.0.1:{port}")));
    relances::engine_for(&state, "serveur-a").unwrap().run_now("declaration_reminder", now, false).await.unwrap();
    let l = relances::envoyer(&state).await.unwrap();
    assert_eq!((l.envoyes, l.echecs), (2, 0));
    let (rcpt, _) = received.recv().await.unwrap();
    assert_eq!(rcpt, ["ines@ei.fr"]);
    let (rcpt, data) = received.recv().await.unwrap();
    assert_eq!(rcpt, ["paie@batir.fr"]);
    assert!(data.contains("To: paie@batir.fr"), "{data}");
    assert!(data.contains("From: Clausier <ne-pas-repondre@clausier.local>"), "{data}");
    assert!(data.contains("multipart/alternative") && data.contains("text/plain") && data.contains("text/html"), "{data}");
    let (_, page) = app.get("/api/v1/envois?statut=envoye", &s.f.token).await;
    assert_eq!(page["total"], 2);
}

#[tokio::test]
async fn the_sends_page_shows_the_facilitateur_what_went_to_whom_and_what_failed() {
    let s = with_contacts().await;
    let app = &s.app;
    let now = paris(2025, 7, 1, 8, 0);
    let state = server(app, now, Mailer::stub());
    relances::engine_for(&state, "serveur-a").unwrap().run_now("declaration_reminder", now, false).await.unwrap();
    outbox::deliver_due(&app.db, &mailer_smtp(app, "smtp://127.0.0.1:9"), now, ReglagesEnvoi::from_settings(&app.state.settings.mail)).await.unwrap();

    // Not logged in: to the login form, which brings back here.
    assert_eq!(page(app, "/envois?statut=echec", None).await, (StatusCode::SEE_OTHER, "/connexion?suite=/envois%3Fstatut%3Dechec".to_string()));
    let (status, form) = page(app, "/connexion?suite=/envois", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("<input type=\"hidden\" name=\"suite\" value=\"/envois\">"), "{form}");
    let email = app.email_of(s.f.user_id).await;
    let wrong = poster_connexion(app, &[("email", email.as_str()), ("password", "mauvais")]).await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.text().await.unwrap().contains("Adresse e-mail ou mot de passe incorrect."));

    let cookie = se_connecter(app, &s.f).await;
    let (status, html) = page(app, "/envois", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("2 e-mail(s).") && html.contains("ines@ei.fr") && html.contains("paie@batir.fr"), "{html}");
    assert!(html.contains("Rappel de déclaration") && html.contains("en échec, nouvel essai prévu") && html.contains("prochain essai : 01/07/2025 08:01"), "{html}");
    let (_, envoyes) = page(app, "/envois?statut=envoye", Some(&cookie)).await;
    assert!(envoyes.contains("0 e-mail(s).") && envoyes.contains("<option value=\"envoye\" selected>"), "{envoyes}");

    // A référent is refused; a facilitateur of another structure sees none of these.
    let referent = app.login("PLIE A", Role::Referent).await;
    let (status, html) = page(app, "/envois", Some(&se_connecter(app, &referent).await)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(html.contains("réservée aux facilitateurs"), "{html}");
    let ailleurs = app.login("PLIE B", Role::Facilitateur).await;
    let (status, html) = page(app, "/envois", Some(&se_connecter(app, &ailleurs).await)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("0 e-mail(s).") && !html.contains("ines@ei.fr"), "{html}");

    // Logging out needs the session's CSRF token; afterwards the cookie opens nothing.
    let bad = navigateur().post(app.url("/deconnexion")).header("cookie", &cookie).form(&[("csrf", "faux")]).send().await.unwrap();
    assert_eq!(bad.status(), StatusCode::FORBIDDEN);
    let (_, accueil) = page(app, "/", Some(&cookie)).await;
    let csrf = accueil.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let out = navigateur().post(app.url("/deconnexion")).header("cookie", &cookie).form(&[("csrf", csrf.as_str())]).send().await.unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert!(out.headers()["set-cookie"].to_str().unwrap().contains("Max-Age=0"));
    assert_eq!(page(app, "/envois", Some(&cookie)).await.0, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_reminder_switched_off_in_the_structure_settings_is_not_sent_there() {
    let s = with_contacts().await;
    let app = &s.app;
    let admin = app.login("PLIE A", Role::Admin).await;
    let (status, v) = app.put("/api/v1/parametres/suivi", &admin.token, &json!({"relances": {"declaration_reminder": false}})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!((v["relances"]["declaration_reminder"].as_bool(), v["relances"]["declaration_relance"].as_bool()), (Some(false), Some(true)), "{v}");
    let state = server(app, paris(2025, 7, 1, 8, 0), app.mailer.clone());
    let engine = relances::engine_for(&state, "serveur-a").unwrap();
    let run = engine.run_now("declaration_reminder", paris(2025, 7, 1, 8, 0), false).await.unwrap();
    assert_eq!(run.issue.as_deref(), Ok("0 e-mail(s) dus, 0 nouveau(x) dans la file d'envoi ; désactivé dans les réglages de : PLIE A"));
    assert!(outbox(app).await.is_empty());
    // The relance of the 10th is still on: the same companies hear from it.
    let relance = engine.run_now("declaration_relance", paris(2025, 7, 10, 8, 0), false).await.unwrap();
    assert_eq!(relance.issue.as_deref(), Ok("2 e-mail(s) dus, 2 nouveau(x) dans la file d'envoi"));
}
