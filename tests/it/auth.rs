//! Authentication: passwords, tokens, 401s.

use entities::enums::Role;
use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn password_gives_a_token_that_opens_the_api() {
    let app = spawn_app().await;
    let login = app.login("PLIE A", Role::Facilitateur).await;
    let (_, moi) = app.get("/api/v1/moi", &login.token).await;
    let email = moi["email"].as_str().unwrap().to_string();

    let (status, body) = app.post("/api/v1/auth/token", "", &json!({"email": email.to_uppercase(), "password": "mot-de-passe-test"})).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let token = body["token"].as_str().unwrap();
    assert!(token.starts_with("clsr_"));

    let (status, moi) = app.get("/api/v1/moi", token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(moi["role"], "facilitateur");
    assert_eq!(moi["structure"]["nom"], "PLIE A");
    assert_eq!(moi["structure"]["id"], login.structure_id);
}

#[tokio::test]
async fn wrong_password_and_unknown_email_get_the_same_401() {
    let app = spawn_app().await;
    let login = app.login("PLIE A", Role::Admin).await;
    let (_, moi) = app.get("/api/v1/moi", &login.token).await;
    let (s1, b1) = app.post("/api/v1/auth/token", "", &json!({"email": moi["email"], "password": "pas le bon mot"})).await;
    let (s2, b2) = app.post("/api/v1/auth/token", "", &json!({"email": "personne@nulle.part", "password": "mot-de-passe-test"})).await;
    assert_eq!(s1, StatusCode::UNAUTHORIZED);
    assert_eq!(s2, StatusCode::UNAUTHORIZED);
    assert_eq!(b1, b2);
    assert_eq!(b1["detail"], "Adresse e-mail ou mot de passe incorrect.");
}

#[tokio::test]
async fn no_bad_or_revoked_token_gets_401_problem_json() {
    let app = spawn_app().await;
    let login = app.login("PLIE A", Role::Facilitateur).await;
    for path in ["/api/v1/moi", "/api/v1/participants/1", "/api/v1/entreprises"] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(r.headers()["content-type"], "application/problem+json");
        let body: serde_json::Value = r.json().await.unwrap();
        assert_eq!(body["status"], 401);
        assert_eq!(app.get(path, "clsr_inconnu").await.0, StatusCode::UNAUTHORIZED, "{path}");
        let r = app.client.get(app.url(path)).header("authorization", format!("Basic {}", login.token)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    // A revoked token no longer opens anything.
    app.db
        .execute_unprepared(&format!("UPDATE api_tokens SET revoked_at = created_at WHERE utilisateur_id = {}", login.user_id))
        .await
        .unwrap();
    assert_eq!(app.get("/api/v1/moi", &login.token).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn tokens_are_stored_hashed_and_expire() {
    let app = spawn_app().await;
    let login = app.login("PLIE A", Role::Facilitateur).await;
    let stored = count_where(&app, &format!("token_hash = '{}'", login.token)).await;
    assert_eq!(stored, 0, "the token itself must never be stored");
    app.db.execute_unprepared("UPDATE api_tokens SET expires_at = '2020-01-01T00:00:00+00:00'").await.unwrap();
    assert_eq!(app.get("/api/v1/moi", &login.token).await.0, StatusCode::UNAUTHORIZED);
}

async fn count_where(app: &TestApp, condition: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) AS n FROM api_tokens WHERE {condition}");
    let row = app.db.query_one(sea_orm::Statement::from_string(app.db.get_database_backend(), sql)).await.unwrap().unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

#[tokio::test]
async fn an_invited_user_chooses_its_password_through_the_e_mailed_link_once() {
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let batir = app.entreprise(&f, "Bâtir", 3).await["id"].as_i64().unwrap();
    let body = json!({"email": "Compta@Batir.fr", "nom": "Service comptable", "role": "entreprise", "entreprise_id": batir});
    let (status, u) = app.post("/api/v1/utilisateurs", &f.token, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{u}");
    assert_eq!((u["email"].as_str(), u["role"].as_str(), u["mot_de_passe_defini"].as_bool()), (Some("compta@batir.fr"), Some("entreprise"), Some(false)));
    assert_eq!(app.post("/api/v1/utilisateurs", &f.token, &body).await.0, StatusCode::CONFLICT);

    // The e-mail goes out at once, with the link.
    let sent = courriels(&app).await;
    assert_eq!(sent.len(), 1);
    assert_eq!((sent[0].to.as_str(), sent[0].subject.as_str()), ("compta@batir.fr", "Votre accès à Clausier"));
    let lien = sent[0].text.lines().find(|l| l.starts_with("http")).unwrap().to_string();
    let path = lien.trim_start_matches("http://127.0.0.1:8080").to_string();
    assert!(path.starts_with("/invitation/clsr_"), "{lien}");

    let (status, html) = page(&app, &path, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Bienvenue Service comptable"), "{html}");
    let court = navigateur().post(app.url(&path)).form(&[("password", "court"), ("confirmation", "court")]).send().await.unwrap();
    assert_eq!(court.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let ok = navigateur().post(app.url(&path)).form(&[("password", "un-mot-de-passe-solide"), ("confirmation", "un-mot-de-passe-solide")]).send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert!(ok.headers()["set-cookie"].to_str().unwrap().starts_with("clausier_session="));
    let (status, token) = app.post("/api/v1/auth/token", "", &json!({"email": "compta@batir.fr", "password": "un-mot-de-passe-solide"})).await;
    assert_eq!(status, StatusCode::OK, "{token}");
    // The link is used up.
    assert_eq!(page(&app, &path, None).await.0, StatusCode::GONE);
    let again = navigateur().post(app.url(&path)).form(&[("password", "un-autre-mot-de-passe"), ("confirmation", "un-autre-mot-de-passe")]).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::GONE);
}

#[tokio::test]
async fn inviting_is_for_gestion_roles_within_their_structure() {
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let ailleurs = app.login("PLIE B", Role::Facilitateur).await;
    let batir_b = app.entreprise(&ailleurs, "Bâtir B", 4).await["id"].as_i64().unwrap();
    let referent = app.login("PLIE A", Role::Referent).await;
    let invite = |role: &str| json!({"email": format!("x-{role}@test.fr"), "nom": "X", "role": role});
    assert_eq!(app.post("/api/v1/utilisateurs", &referent.token, &invite("referent")).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.post("/api/v1/utilisateurs", &f.token, &invite("admin")).await.0, StatusCode::FORBIDDEN, "only an admin invites an admin");
    let admin = app.login("PLIE A", Role::Admin).await;
    assert_eq!(app.post("/api/v1/utilisateurs", &admin.token, &invite("admin")).await.0, StatusCode::CREATED);
    // Another structure's company is not found; a company user needs a company.
    let (status, p) = app.post("/api/v1/utilisateurs", &f.token, &json!({"email": "c@b.fr", "nom": "C", "role": "entreprise", "entreprise_id": batir_b})).await;
    assert_eq!((status, p["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("entreprise_id")), "{p}");
    let (status, p) = app.post("/api/v1/utilisateurs", &f.token, &json!({"email": "c@b.fr", "nom": "C", "role": "entreprise"})).await;
    assert_eq!((status, p["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("entreprise_id")), "{p}");
    let (status, p) = app.post("/api/v1/utilisateurs", &f.token, &json!({"email": "pas-une-adresse", "nom": "C", "role": "referent"})).await;
    assert_eq!((status, p["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("email")), "{p}");
    assert_eq!(count(&app.db, "invitations").await, 1, "refused invitations wrote nothing");
    assert_eq!(count(&app.db, "emails").await, 1);
}

#[tokio::test]
async fn an_address_is_unique_within_a_structure_and_inviting_reveals_nothing_of_the_others() {
    let app = spawn_app().await;
    let a = app.login("PLIE A", Role::Facilitateur).await;
    let b = app.login("PLIE B", Role::Facilitateur).await;
    let email_a = app.email_of(a.user_id).await;
    // B invites the address A's facilitateur uses: the same answer as for a new address,
    // a second account, in B; A's account is untouched.
    let (status, u) = app.post("/api/v1/utilisateurs", &b.token, &json!({"email": email_a.to_uppercase(), "nom": "Même personne", "role": "referent"})).await;
    assert_eq!(status, StatusCode::CREATED, "{u}");
    assert_eq!(u["mot_de_passe_defini"], json!(false));
    let (status, _) = app.post("/api/v1/utilisateurs", &b.token, &json!({"email": email_a, "nom": "Encore", "role": "referent"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "twice in one structure");
    let sent = courriels(&app).await;
    let lien = sent.last().unwrap().text.lines().find(|l| l.starts_with("http")).unwrap().to_string();
    let chemin = lien.trim_start_matches("http://127.0.0.1:8080").to_string();
    let ok = navigateur().post(app.url(&chemin)).form(&[("password", "le-mot-de-passe-de-b"), ("confirmation", "le-mot-de-passe-de-b")]).send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    // Each password opens its own account.
    let moi = |mdp: &'static str| {
        let app = &app;
        let email = email_a.clone();
        async move {
            let (status, t) = app.post("/api/v1/auth/token", "", &json!({"email": email, "password": mdp})).await;
            assert_eq!(status, StatusCode::OK, "{t}");
            app.get("/api/v1/moi", t["token"].as_str().unwrap()).await.1
        }
    };
    let dans_a = moi("mot-de-passe-test").await;
    let dans_b = moi("le-mot-de-passe-de-b").await;
    assert_eq!((dans_a["structure"]["id"].as_i64(), dans_a["role"].as_str()), (Some(a.structure_id), Some("facilitateur")), "{dans_a}");
    assert_eq!((dans_b["structure"]["id"].as_i64(), dans_b["role"].as_str()), (Some(b.structure_id), Some("referent")), "{dans_b}");
    // A forgotten password: one link per account, each naming its structure.
    app.post("/api/v1/auth/mot-de-passe-oublie", "", &json!({"email": email_a})).await;
    let liens = courriels_tels(&app, 2, |m| m.subject == "Votre nouveau mot de passe Clausier").await;
    assert_eq!(liens.len(), 2);
    assert!(liens.iter().any(|m| m.text.contains("de PLIE A")) && liens.iter().any(|m| m.text.contains("de PLIE B")));
}

#[tokio::test]
async fn password_guessing_is_slowed_per_account_with_a_french_429() {
    let app = spawn_app().await;
    let login = app.login("PLIE A", Role::Facilitateur).await;
    let email = app.email_of(login.user_id).await;
    for _ in 0..10 {
        let (status, _) = app.post("/api/v1/auth/token", "", &serde_json::json!({"email": email, "password": "mauvais-mot-de-passe"})).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // Past the limit, even the right password waits: 429, Retry-After, in French.
    let r = app.client.post(app.url("/api/v1/auth/token")).json(&serde_json::json!({"email": email, "password": "mot-de-passe-test"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let attente: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=15 * 60).contains(&attente), "{attente}");
    let problem: serde_json::Value = r.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("réessayez dans"), "{problem}");
    // The login page says the same, in the page.
    let r = poster_connexion(&app, &[("email", email.as_str()), ("password", "mot-de-passe-test"), ("suite", "/")]).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    assert!(r.text().await.unwrap().contains("Trop de tentatives de connexion échouées"));
    // Another account is not affected.
    let autre = app.login("PLIE A", Role::Referent).await;
    let autre_email = app.email_of(autre.user_id).await;
    let (status, _) = app.post("/api/v1/auth/token", "", &serde_json::json!({"email": autre_email, "password": "mot-de-passe-test"})).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn admins_read_the_audit_log_with_confidential_values_masked() {
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let admin = app.login("PLIE A", Role::Admin).await;
    let p = new_participant(&app, &f, json!({"rqth": true})).await;
    let (status, e) = app
        .post(&format!("/api/v1/participants/{p}/etapes"), &f.token, &json!({"type": "levee_freins", "sous_type": "sante", "intitule": "Suivi addictologie au CSAPA", "date_debut": "2026-02-01"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
    let (status, page) = app.get("/api/v1/audit?entite=etape", &admin.token).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let entree = &page["items"][0];
    assert_eq!((entree["action"].as_str(), entree["entite_id"].as_i64()), (Some("creation"), e["id"].as_i64()), "{page}");
    assert_eq!(entree["apres"]["intitule"], "(confidentiel : modifié)", "{entree}");
    assert_eq!(entree["utilisateur_id"].as_i64(), Some(f.user_id));
    let texte = page.to_string();
    assert!(!texte.contains("CSAPA") && !texte.contains("addictologie"), "{texte}");
    let (_, participants) = app.get(&format!("/api/v1/audit?entite=participant&entite_id={p}"), &admin.token).await;
    assert_eq!(participants["items"][0]["apres"]["rqth"], "(confidentiel : modifié)", "{participants}");
    assert!(participants["items"][0]["apres"]["nom"].is_string());
    // Filters by who and when; other roles and other structures see nothing.
    let (_, de_f) = app.get(&format!("/api/v1/audit?utilisateur_id={}&du=2020-01-01&au=2100-12-31", f.user_id), &admin.token).await;
    assert!(de_f["total"].as_u64().unwrap() >= 2, "{de_f}");
    let (_, personne) = app.get("/api/v1/audit?du=2100-01-01", &admin.token).await;
    assert_eq!(personne["total"], 0);
    assert_eq!(app.get("/api/v1/audit", &f.token).await.0, StatusCode::FORBIDDEN);
    let autre = app.login("PLIE B", Role::Admin).await;
    let (_, rien) = app.get("/api/v1/audit", &autre.token).await;
    assert!(rien["items"].as_array().unwrap().iter().all(|e| e["entite_id"].as_i64() != Some(p)), "{rien}");
    let (status, _) = app.get("/api/v1/audit?du=hier", &admin.token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn accounts_are_deactivated_at_once_tokens_revoked_and_passwords_changed() {
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let admin = app.login("PLIE A", Role::Admin).await;
    let referent = app.login("PLIE A", Role::Referent).await;
    let autre_f = app.login("PLIE A", Role::Facilitateur).await;
    let (status, liste) = app.get("/api/v1/utilisateurs", &f.token).await;
    assert_eq!(status, StatusCode::OK);
    let items = liste["items"].as_array().unwrap();
    assert!(items.len() >= 4 && liste["total"].as_u64() == Some(items.len() as u64) && items.iter().all(|u| u.get("password_hash").is_none()), "{liste}");
    let (_, une) = app.get("/api/v1/utilisateurs?par_page=1&page=2", &f.token).await;
    assert_eq!((une["items"].as_array().unwrap().len(), une["total"].clone(), une["items"][0]["id"].clone()), (1, liste["total"].clone(), items[1]["id"].clone()), "{une}");
    let (status, trop) = app.get("/api/v1/utilisateurs?par_page=201", &f.token).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{trop}");
    assert_eq!(app.get("/api/v1/utilisateurs", &referent.token).await.0, StatusCode::FORBIDDEN);

    // A facilitateur deactivates a référent: its token stops at once; back on, it works.
    let cookie = se_connecter_a(&app, &referent, "/").await;
    let (status, u) = app.put(&format!("/api/v1/utilisateurs/{}/actif", referent.user_id), &f.token, &json!({"actif": false})).await;
    assert_eq!((status, u["actif"].as_bool()), (StatusCode::OK, Some(false)), "{u}");
    assert_eq!(app.get("/api/v1/moi", &referent.token).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(page(&app, "/", Some(&cookie)).await.0, StatusCode::OK, "the session is gone: the public home");
    assert!(!page(&app, "/", Some(&cookie)).await.1.contains("Se déconnecter"));
    app.put(&format!("/api/v1/utilisateurs/{}/actif", referent.user_id), &f.token, &json!({"actif": true})).await;
    assert_eq!(app.get("/api/v1/moi", &referent.token).await.0, StatusCode::OK);
    // Only admins touch gestion accounts; nobody deactivates itself; other structures: 404.
    assert_eq!(app.put(&format!("/api/v1/utilisateurs/{}/actif", autre_f.user_id), &f.token, &json!({"actif": false})).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.put(&format!("/api/v1/utilisateurs/{}/actif", autre_f.user_id), &admin.token, &json!({"actif": false})).await.0, StatusCode::OK);
    assert_eq!(app.put(&format!("/api/v1/utilisateurs/{}/actif", admin.user_id), &admin.token, &json!({"actif": false})).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    let ailleurs = app.login("PLIE B", Role::Admin).await;
    assert_eq!(app.put(&format!("/api/v1/utilisateurs/{}/actif", f.user_id), &ailleurs.token, &json!({"actif": false})).await.0, StatusCode::NOT_FOUND);

    // Its own tokens: listed with their last use, revoked at once, never another's.
    let (status, jetons) = app.get("/api/v1/moi/jetons", &f.token).await;
    assert_eq!(status, StatusCode::OK);
    let jeton = &jetons["items"][0];
    assert!(jeton["last_used_at"].is_string() && jeton.get("token_hash").is_none(), "{jetons}");
    let id = jeton["id"].as_i64().unwrap();
    let r = app.client.delete(app.url(&format!("/api/v1/moi/jetons/{id}"))).bearer_auth(&admin.token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND, "not its token");
    let r = app.client.delete(app.url(&format!("/api/v1/moi/jetons/{id}"))).bearer_auth(&f.token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(app.get("/api/v1/moi", &f.token).await.0, StatusCode::UNAUTHORIZED);

    // Changing one's password: the current one is asked.
    let email = app.email_of(admin.user_id).await;
    let (status, err) = app.put("/api/v1/moi/mot-de-passe", &admin.token, &json!({"actuel": "faux", "nouveau": "court"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["errors"].as_array().unwrap().len(), 2, "{err}");
    let (status, _) = app.put("/api/v1/moi/mot-de-passe", &admin.token, &json!({"actuel": "mot-de-passe-test", "nouveau": "un-nouveau-mot-de-passe"})).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(app.post("/api/v1/auth/token", "", &json!({"email": email, "password": "mot-de-passe-test"})).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(app.post("/api/v1/auth/token", "", &json!({"email": email, "password": "un-nouveau-mot-de-passe"})).await.0, StatusCode::OK);
}

#[tokio::test]
async fn a_forgotten_password_is_replaced_through_a_one_time_link_without_revealing_addresses() {
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let email = app.email_of(f.user_id).await;
    let reponse = |v: &serde_json::Value| v["message"].as_str().unwrap_or_default().to_string();
    let (status, inconnu) = app.post("/api/v1/auth/mot-de-passe-oublie", "", &json!({"email": "personne@nulle-part.fr"})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, connu) = app.post("/api/v1/auth/mot-de-passe-oublie", "", &json!({"email": email.to_uppercase()})).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(reponse(&inconnu), reponse(&connu), "the same answer whether the address exists or not");
    let sent = courriels(&app).await;
    assert_eq!(sent.len(), 1, "only the existing account gets an e-mail");
    assert_eq!((sent[0].to.as_str(), sent[0].subject.as_str()), (email.as_str(), "Votre nouveau mot de passe Clausier"));
    let lien = sent[0].text.lines().find(|l| l.starts_with("http")).unwrap().to_string();
    let chemin = lien.trim_start_matches("http://127.0.0.1:8080").to_string();
    let ok = navigateur().post(app.url(&chemin)).form(&[("password", "un-tout-nouveau-mot"), ("confirmation", "un-tout-nouveau-mot")]).send().await.unwrap();
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.post("/api/v1/auth/token", "", &json!({"email": email, "password": "un-tout-nouveau-mot"})).await.0, StatusCode::OK);
    assert_eq!(app.post("/api/v1/auth/token", "", &json!({"email": email, "password": "mot-de-passe-test"})).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(page(&app, &chemin, None).await.0, StatusCode::GONE, "used once");
    // The page: linked from the login form, same answer either way; then the limit.
    let (_, connexion) = page(&app, "/connexion", None).await;
    assert!(connexion.contains("href=\"/mot-de-passe-oublie\""));
    let r = navigateur().post(app.url("/mot-de-passe-oublie")).form(&[("email", "personne@nulle-part.fr")]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("Si un compte existe pour cette adresse"));
    for _ in 0..4 {
        app.post("/api/v1/auth/mot-de-passe-oublie", "", &json!({"email": email})).await;
    }
    assert_eq!(app.post("/api/v1/auth/mot-de-passe-oublie", "", &json!({"email": email})).await.0, StatusCode::TOO_MANY_REQUESTS);
}
