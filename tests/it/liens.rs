//! The sign-in link of a declaration reminder: bound to the recipient's account, used
//! once, expiring, giving that user's rights only; an invited company user who never
//! chose a password declares from the e-mail. Expired, reused and forged links refused.

use chrono::{DateTime, TimeZone, Utc};
use clausier::clock::Clock;
use clausier::relances;
use entities::enums::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::clauses::scenario;
use crate::helpers::*;

fn paris(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    chrono_tz::Europe::Paris.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap().with_timezone(&Utc)
}

/// The path of the sign-in link in the last e-mail queued for `to`.
async fn lien_pour(app: &TestApp, to: &str) -> String {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let row = entities::emails::Entity::find().filter(entities::emails::Column::Destinataire.eq(to)).order_by_desc(entities::emails::Column::Id).one(&app.db).await.unwrap().unwrap();
    let debut = row.corps_texte.find("/connexion/lien/").unwrap_or_else(|| panic!("no sign-in link: {}", row.corps_texte));
    row.corps_texte[debut..].split_whitespace().next().unwrap().to_string()
}

#[tokio::test]
async fn a_reminder_signs_its_company_user_in_once_to_declare_its_month() {
    let s = scenario().await;
    let app = &s.app;
    // An invited accountant who never chose a password; a contact without an account.
    let (status, u) = app.post("/api/v1/utilisateurs", &s.f.token, &json!({"email": "compta@batir.fr", "nom": "Compta Bâtir", "role": "entreprise", "entreprise_id": s.batir})).await;
    assert_eq!(status, StatusCode::CREATED, "{u}");
    let (status, _) = app.post(&format!("/api/v1/entreprises/{}/contacts", s.batir), &s.f.token, &json!({"nom": "Paie", "email": "paie@batir.fr"})).await;
    assert_eq!(status, StatusCode::CREATED);
    // The reminder of June 2025, sent by a server whose clock is the day before the app's.
    let serveur = clausier::startup::state_with((*app.state.settings).clone(), Clock::fixed(app.clock.now() - chrono::Duration::days(1)), app.db.clone(), Some(app.mailer.clone())).unwrap();
    relances::engine_for(&serveur, "serveur-a").unwrap().run_now("declaration_reminder", paris(2025, 7, 1, 8), false).await.unwrap();
    let lien = lien_pour(app, "compta@batir.fr").await;
    // The relance of the 10th, sent 20 days before the app's clock: expired (14 days).
    let ancien = clausier::startup::state_with((*app.state.settings).clone(), Clock::fixed(app.clock.now() - chrono::Duration::days(20)), app.db.clone(), Some(app.mailer.clone())).unwrap();
    relances::engine_for(&ancien, "serveur-b").unwrap().run_now("declaration_relance", paris(2025, 7, 10, 8), false).await.unwrap();
    let perime = lien_pour(app, "compta@batir.fr").await;
    assert_ne!(perime, lien);
    // The last relance, fresh: for the deactivation below.
    relances::engine_for(&serveur, "serveur-c").unwrap().run_now("declaration_derniere_relance", paris(2025, 7, 20, 8), false).await.unwrap();
    let frais = lien_pour(app, "compta@batir.fr").await;
    assert!(frais != lien && frais != perime);
    {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        let paie = entities::emails::Entity::find().filter(entities::emails::Column::Destinataire.eq("paie@batir.fr")).one(&app.db).await.unwrap().unwrap();
        assert!(!paie.corps_texte.contains("/connexion/lien/") && paie.corps_texte.contains("/declarations?mois=2025-06"), "a contact without an account gets the plain page: {}", paie.corps_texte);
        let compta = entities::emails::Entity::find().filter(entities::emails::Column::Destinataire.eq("compta@batir.fr")).filter(entities::emails::Column::Kind.eq("rappel_declaration")).one(&app.db).await.unwrap().unwrap();
        assert!(compta.corps_texte.contains("ne sert qu'une fois et expire dans 14 jours"), "{}", compta.corps_texte);
    }

    // Opening the link shows a page (a mail filter following it spends nothing).
    for _ in 0..2 {
        let (status, html) = page(app, &lien, None).await;
        assert_eq!(status, StatusCode::OK);
        assert!(html.contains("Bonjour Compta Bâtir"), "{html}");
    }
    // Its button signs in and leads to the month's grid.
    let r = navigateur().post(app.url(&lien)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/declarations?mois=2025-06");
    let cookie = r.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_string();
    let (status, grille) = page(app, "/declarations?mois=2025-06", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    let c1 = s.contrats[0];
    assert!(grille.contains(&format!("id=\"contrat-{c1}\"")) && grille.contains("Compta Bâtir"), "{grille}");
    // It declares and certifies, as that user.
    let jeton = grille.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let r = navigateur()
        .post(app.url("/declarations"))
        .header("cookie", &cookie)
        .form(&[("csrf", jeton.as_str()), ("mois", "2025-06"), ("action", "declarer"), (&format!("travail_{c1}"), "140,5"), (&format!("formation_{c1}"), "0"), ("attestation", "oui")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, mois) = app.get(&format!("/api/v1/contrats/{c1}/heures/2025-06"), &s.f.token).await;
    assert_eq!((mois["courante"]["statut"].as_str(), mois["courante"]["atteste_par_id"].as_i64()), (Some("declaree"), u["id"].as_i64()), "{mois}");
    // That user's rights and nothing more.
    assert_eq!(page(app, "/validations", Some(&cookie)).await.0, StatusCode::FORBIDDEN);
    assert_eq!(page(app, "/participants", Some(&cookie)).await.0, StatusCode::FORBIDDEN);

    // Used once: the second time, and a forged link, are refused without signing in.
    for chemin in [lien.clone(), "/connexion/lien/clsr_0000000000000000000000000000000000000000000000000000000000000000".to_string()] {
        let r = navigateur().post(app.url(&chemin)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::GONE, "{chemin}");
        assert!(r.headers().get("set-cookie").is_none_or(|c| !c.to_str().unwrap().starts_with("clausier_session=")), "{chemin}");
        assert!(r.text().await.unwrap().contains("Lien expiré ou déjà utilisé"));
        assert_eq!(page(app, &chemin, None).await.0, StatusCode::GONE);
    }
    assert_eq!(navigateur().post(app.url(&perime)).send().await.unwrap().status(), StatusCode::GONE, "expired");
    // A deactivated account's link is refused too.
    let admin = app.login("PLIE A", Role::Admin).await;
    assert_eq!(app.put(&format!("/api/v1/utilisateurs/{}/actif", u["id"]), &admin.token, &json!({"actif": false})).await.0, StatusCode::OK);
    assert_eq!(navigateur().post(app.url(&frais)).send().await.unwrap().status(), StatusCode::GONE, "deactivated");
}
