//! Bad input gets a clear problem+json 4xx (never a 5xx) and changes nothing.

use entities::enums::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn malformed_bodies_are_problem_json_4xx_and_write_nothing() {
    let app = spawn_app().await;
    let login = app.login("PLIE A", Role::Facilitateur).await;
    let cases: &[(&str, &str, StatusCode)] = &[
        ("application/json", "{\"nom", StatusCode::BAD_REQUEST),
        ("application/json", "{\"champ_inconnu\": 1}", StatusCode::UNPROCESSABLE_ENTITY),
        ("application/json", "", StatusCode::BAD_REQUEST),
        ("application/json", "[1, 2, 3]", StatusCode::UNPROCESSABLE_ENTITY),
        ("application/json", "{\"nom\": 12}", StatusCode::UNPROCESSABLE_ENTITY),
        ("application/json", "{}", StatusCode::UNPROCESSABLE_ENTITY),
        ("application/json", "\u{0}\u{1}binaire", StatusCode::BAD_REQUEST),
        ("text/plain", "{}", StatusCode::UNSUPPORTED_MEDIA_TYPE),
    ];
    for path in ["/api/v1/participants", "/api/v1/entreprises", "/api/v1/donneurs-ordre", "/api/v1/auth/token"] {
        for (ct, body, expected) in cases {
            let (status, content_type, problem) = app.post_raw(path, &login.token, ct, body).await;
            assert_eq!(status, *expected, "{path} {ct} {body:?}: {problem}");
            assert_eq!(content_type, "application/problem+json", "{path} {body:?}");
            assert_eq!(problem["status"], status.as_u16());
            assert!(!problem["title"].as_str().unwrap().is_empty());
        }
    }
    for table in ["participants", "entreprises", "donneurs_ordre", "audit_log"] {
        assert_eq!(count(&app.db, table).await, 0, "{table}");
    }
}

#[tokio::test]
async fn invalid_fields_are_listed_in_french_with_422() {
    let app = spawn_app().await;
    let login = app.login("PLIE A", Role::Facilitateur).await;
    let mut p = participant_json();
    p["nom"] = json!("  ");
    p["date_naissance"] = json!("2020-01-01");
    let (status, problem) = app.post("/api/v1/participants", &login.token, &p).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<&str> = problem["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap()).collect();
    assert_eq!(fields, ["nom", "date_naissance"]);
    assert_eq!(problem["errors"][0]["message"], "Ce champ est obligatoire.");

    let mut p = participant_json();
    p["niveau_formation"] = json!("bac+12");
    let (status, problem) = app.post("/api/v1/participants", &login.token, &p).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "niveau_formation");
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("infra3, 3, 4, 5, 6+"), "{problem}");

    let (status, problem) = app.post("/api/v1/entreprises", &login.token, &json!({"raison_sociale": "X", "siret": "12345678901234", "type": "classique"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "siret");
    assert_eq!(problem["errors"][0]["message"], "Ce SIRET n'est pas valide (clé de contrôle incorrecte).");
    assert_eq!(count(&app.db, "participants").await, 0);
    assert_eq!(count(&app.db, "entreprises").await, 0);
}

#[tokio::test]
async fn duplicate_siret_is_a_409_in_the_same_structure_only() {
    let app = spawn_app().await;
    let a = app.login("PLIE A", Role::Facilitateur).await;
    let b = app.login("PLIE B", Role::Facilitateur).await;
    app.entreprise(&a, "Bâtir", 1).await;
    let (status, problem) = app.post("/api/v1/entreprises", &a.token, &json!({"raison_sociale": "Autre nom", "siret": clausier::demo::siret(1), "type": "etti"})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(problem["detail"].as_str().unwrap().contains("déjà enregistré"));
    // Another structure may follow the same company.
    app.entreprise(&b, "Bâtir", 1).await;
    assert_eq!(count(&app.db, "entreprises").await, 2);
}

#[tokio::test]
async fn unknown_routes_and_methods_are_problem_json() {
    let app = spawn_app().await;
    let login = app.login("PLIE A", Role::Facilitateur).await;
    let (status, problem) = app.get("/api/v1/nulle-part", &login.token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(problem["status"], 404);
    let (status, _) = app.get("/api/v1/participants/pas-un-nombre", &login.token).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let r = app.client.delete(app.url("/api/v1/entreprises")).bearer_auth(&login.token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
}

#[tokio::test]
async fn health_home_and_openapi_answer() {
    let app = spawn_app().await;
    let r = app.client.get(app.url("/health")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let home = app.client.get(app.url("/")).send().await.unwrap().text().await.unwrap();
    assert!(home.contains("clauses sociales d'insertion"));
    assert!(home.contains("/api/openapi.json"));
    let doc: serde_json::Value = app.client.get(app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    let paths = doc["paths"].as_object().unwrap();
    for p in ["/api/v1/auth/token", "/api/v1/moi", "/api/v1/participants", "/api/v1/participants/{id}", "/api/v1/entreprises", "/api/v1/entreprises/{id}", "/api/v1/donneurs-ordre", "/api/v1/donneurs-ordre/{id}"] {
        assert!(paths.contains_key(p), "OpenAPI lacks {p}");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
}

#[tokio::test]
async fn very_long_texts_never_give_a_server_error() {
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let long = "é".repeat(3000);
    let p = {
        let (status, p) = app.post("/api/v1/participants", &f.token, &participant_json()).await;
        assert_eq!(status, StatusCode::CREATED);
        p["id"].as_i64().unwrap()
    };
    let e = app.entreprise(&f, "Bâtir", 1).await["id"].as_i64().unwrap();
    let attempts = [
        ("/api/v1/entreprises".to_string(), json!({"raison_sociale": long, "siret": clausier::demo::siret(2), "type": "classique", "commune": long})),
        (format!("/api/v1/participants/{p}/etapes"), json!({"type": "mobilisation", "intitule": long, "sous_type": long, "date_debut": "2025-01-01", "resultat": long})),
        (format!("/api/v1/participants/{p}/contrats"), json!({"employeur_id": e, "type_contrat": "cdi", "date_debut": "2025-01-01", "heures_hebdo": 35, "poste": long, "code_rome": long})),
        (format!("/api/v1/participants/{p}/criteres"), json!({"code": "autre", "date_verification": "2025-01-01", "justificatif": long, "libelle": long, "justification": long})),
        (format!("/api/v1/participants/{p}/sorties"), json!({"date_sortie": "2025-01-01", "situation": long, "commentaire": long})),
    ];
    for (path, body) in attempts {
        let (status, problem) = app.post(&path, &f.token, &body).await;
        assert!(status.is_success() || status.is_client_error(), "{path}: {status} {problem}");
    }
}

#[tokio::test]
async fn nul_characters_huge_pages_and_bodies_are_refused_in_french_never_a_5xx() {
    let app = spawn_app().await;
    let login = app.login("PLIE A", Role::Facilitateur).await;
    // A NUL in JSON text, even before authentication: a 422, not PostgreSQL's 500.
    for path in ["/api/v1/auth/token", "/api/v1/donneurs-ordre"] {
        let (status, ct, problem) = app.post_raw(path, &login.token, "application/json", r#"{"email": "a\u0000@b.fr", "password": "x", "nom": "A\u0000", "siret": "1", "type": "commune"}"#).await;
        assert_eq!((status, ct.as_str()), (StatusCode::UNPROCESSABLE_ENTITY, "application/problem+json"), "{path}: {problem}");
        assert!(problem["errors"][0]["message"].as_str().unwrap().contains("caractère nul"), "{problem}");
    }
    // In a form and in an address.
    let r = navigateur().post(app.url("/connexion")).header("content-type", "application/x-www-form-urlencoded").body("email=a%00%40b.fr&password=x&suite=%2F").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("caractère nul"));
    let (status, _) = app.get("/api/v1/donneurs-ordre?q=%00", &login.token).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // One rule for typed texts: one line and 200 characters for a name, in French.
    for (nom, attendu) in [("Ville\nde Test".to_string(), "Une seule ligne"), ("x".repeat(201), "200 caractères au plus.")] {
        let (status, problem) = app.post("/api/v1/donneurs-ordre", &login.token, &json!({"nom": nom, "siret": clausier::demo::siret(3), "type": "commune"})).await;
        assert_eq!((status, problem["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("nom")), "{problem}");
        assert!(problem["errors"][0]["message"].as_str().unwrap().starts_with(attendu), "{problem}");
    }
    // Dates in a plausible window; `%` in a search is a character, not « anything ».
    let mut p = participant_json();
    p["date_naissance"] = json!("0000-01-01");
    let (status, problem) = app.post("/api/v1/participants", &login.token, &p).await;
    assert_eq!((status, problem["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("date_naissance")), "{problem}");
    assert!(problem["errors"][0]["message"].as_str().unwrap().contains("Date entre 1900 et 2100"), "{problem}");
    new_participant(&app, &login, json!({})).await;
    let (_, tous) = app.get("/api/v1/participants?q=%25", &login.token).await;
    assert_eq!(tous["total"], 0, "{tous}");
    let (_, durand) = app.get("/api/v1/participants?q=dur", &login.token).await;
    assert_eq!(durand["total"], 1, "{durand}");
    // Lots per marché are bounded.
    let d = app.donneur_ordre(&login, "Ville", 4).await["id"].as_i64().unwrap();
    let op = app.post("/api/v1/operations", &login.token, &json!({"donneur_ordre_id": d, "nom": "Op", "commune": "X", "qpv": false, "secteur": "btp"})).await.1["id"].as_i64().unwrap();
    let lots: Vec<serde_json::Value> = (0..201).map(|i| json!({"numero": i.to_string(), "intitule": "Lot", "montant_ht": 1})).collect();
    let (status, problem) = app.post("/api/v1/marches", &login.token, &json!({"operation_id": op, "numero": "M", "objet": "X", "nature": "travaux", "montant_ht": 1000, "date_debut": "2026-01-01", "date_fin": "2026-12-31", "lots": lots})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
    assert!(problem.to_string().contains("200 lots au plus par marché"), "{problem}");
    // A page past any list's end: a 422, not an overflow.
    for path in ["/api/v1/donneurs-ordre", "/api/v1/entreprises", "/api/v1/participants", "/api/v1/operations", "/api/v1/marches"] {
        let (status, problem) = app.get(&format!("{path}?page=9223372036854775808"), &login.token).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {problem}");
    }
    // A 3 MB body: 413 with a French problem.
    let gros = format!("{{\"nom\": \"{}\"}}", "a".repeat(3 * 1024 * 1024));
    let (status, _, problem) = app.post_raw("/api/v1/donneurs-ordre", &login.token, "application/json", &gros).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{problem}");
    assert_eq!(problem["title"], "Requête trop volumineuse");
    assert_eq!(count(&app.db, "donneurs_ordre").await, 1, "only the valid one of this test");
}

#[tokio::test]
async fn the_login_never_sends_a_browser_off_site() {
    let app = spawn_app().await;
    let login = app.login("PLIE A", Role::Facilitateur).await;
    let email = app.email_of(login.user_id).await;
    // A login form posted from elsewhere (no token, or not the cookie's): refused.
    for jeton in [None, Some("forge")] {
        let mut form = vec![("email", email.as_str()), ("password", "mot-de-passe-test"), ("suite", "/")];
        if let Some(j) = jeton {
            form.push(("csrf", j));
        }
        let r = navigateur().post(app.url("/connexion")).header("cookie", "clausier_connexion=autre").form(&form).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{jeton:?}");
        assert!(r.text().await.unwrap().contains("Formulaire expiré"));
    }
    for suite in ["/\t/evil.example", "/\n/evil.example", "/\\evil.example", "//evil.example", "https://evil.example", "/%09/evil.example"] {
        let r = poster_connexion(&app, &[("email", email.as_str()), ("password", "mot-de-passe-test"), ("suite", suite)]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{suite:?}");
        let lieu = r.headers()["location"].to_str().unwrap().to_string();
        assert!(lieu == "/" || (lieu.starts_with('/') && !lieu.starts_with("//") && !lieu.chars().any(|c| c.is_control() || c == '\\')), "{suite:?} → {lieu:?}");
    }
}

#[tokio::test]
async fn security_headers_on_every_answer_and_hsts_over_tls() {
    use tower::ServiceExt;
    let app = spawn_app().await;
    for path in ["/connexion", "/api/v1/moi", "/nulle-part"] {
        let r = navigateur().get(app.url(path)).send().await.unwrap();
        for h in ["content-security-policy", "x-content-type-options", "referrer-policy", "x-frame-options"] {
            assert!(r.headers().contains_key(h), "{path}: {h}");
        }
        assert!(!r.headers().contains_key("strict-transport-security"), "plain http: no HSTS");
    }
    // The same application behind its public https address.
    let mut settings = clausier::config::Settings::load_from(std::path::Path::new("config"), "test", config::Environment::default().source(Some(Default::default()))).unwrap();
    settings.server.base_url = "https://clausier.example".into();
    let state = clausier::startup::state_with(settings, app.clock.clone(), app.db.clone(), Some(app.mailer.clone())).unwrap();
    let r = clausier::startup::router(state).oneshot(axum::http::Request::get("/connexion").body(axum::body::Body::empty()).unwrap()).await.unwrap();
    assert_eq!(r.headers()["strict-transport-security"], "max-age=31536000; includeSubDomains");
}

#[tokio::test]
async fn slow_half_sent_and_idle_connections_are_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = spawn_app().await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let adresse = listener.local_addr().unwrap();
    let router = clausier::startup::router(app.state.clone());
    tokio::spawn(clausier::startup::serve_avec(listener, router, std::time::Duration::from_millis(500), std::future::pending()));
    // Half-sent headers, then nothing: the server closes the connection.
    let mut lent = tokio::net::TcpStream::connect(adresse).await.unwrap();
    lent.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let mut tampon = Vec::new();
    let lu = tokio::time::timeout(std::time::Duration::from_secs(5), lent.read_to_end(&mut tampon)).await;
    assert!(lu.is_ok(), "the half-sent request's connection must be closed by the server");
    // A whole request is answered as usual.
    let mut bon = tokio::net::TcpStream::connect(adresse).await.unwrap();
    bon.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").await.unwrap();
    let mut reponse = String::new();
    tokio::time::timeout(std::time::Duration::from_secs(5), bon.read_to_string(&mut reponse)).await.unwrap().unwrap();
    assert!(reponse.starts_with("HTTP/1.1 200"), "{reponse}");
    // An idle keep-alive connection is closed too.
    let mut oisif = tokio::net::TcpStream::connect(adresse).await.unwrap();
    oisif.write_all(b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n").await.unwrap();
    let mut tampon = Vec::new();
    let lu = tokio::time::timeout(std::time::Duration::from_secs(5), oisif.read_to_end(&mut tampon)).await;
    assert!(lu.is_ok() && String::from_utf8_lossy(&tampon).starts_with("HTTP/1.1 200"), "idle keep-alive connection closed after its answer");
}

#[tokio::test]
async fn heavy_reads_wait_their_turn_then_get_a_french_503_with_retry_after() {
    use tower::ServiceExt;
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let cookie = se_connecter_a(&app, &f, "/bilan").await;
    // One heavy read at a time, no wait: while one runs, the next is told to come back.
    let mut settings = (*app.state.settings).clone();
    settings.server.travaux_lourds = 1;
    settings.server.attente_travail_lourd_secondes = 0;
    let state = clausier::startup::state_with(settings, app.clock.clone(), app.db.clone(), Some(app.mailer.clone())).unwrap();
    let router = clausier::startup::router(state.clone());
    let demander = |chemin: &str, entete: (&str, String)| {
        let router = router.clone();
        let requete = axum::http::Request::get(chemin).header(entete.0, entete.1).header("accept", "text/html").body(axum::body::Body::empty()).unwrap();
        async move {
            let r = router.oneshot(requete).await.unwrap();
            let (status, apres) = (r.status(), r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string()));
            let corps = String::from_utf8(axum::body::to_bytes(r.into_body(), usize::MAX).await.unwrap().to_vec()).unwrap();
            (status, apres, corps)
        }
    };
    let api = ("authorization", format!("Bearer {}", f.token));
    let page = ("cookie", cookie.clone());
    assert_eq!(demander("/api/v1/bilan?du=2025-01-01", api.clone()).await.0, StatusCode::OK, "a free turn: served");
    {
        let _en_cours = state.lourds.occuper().await;
        let (status, apres, corps) = demander("/api/v1/bilan", api.clone()).await;
        assert_eq!((status, apres.as_deref()), (StatusCode::SERVICE_UNAVAILABLE, Some("5")), "{corps}");
        let probleme: serde_json::Value = serde_json::from_str(&corps).unwrap();
        assert_eq!(probleme["title"], "Service indisponible");
        assert!(probleme["detail"].as_str().unwrap().contains("très sollicité"), "{probleme}");
        for chemin in ["/bilan", "/api/v1/consolidation?annee=2025", "/bilans/consolidation?annee=2025"] {
            let entete = if chemin.starts_with("/api") { api.clone() } else { page.clone() };
            let (status, apres, corps) = demander(chemin, entete).await;
            assert_eq!((status, apres.as_deref()), (StatusCode::SERVICE_UNAVAILABLE, Some("5")), "{chemin}: {corps}");
            assert!(corps.contains("très sollicité"), "{chemin}: {corps}");
        }
        // Everything else is served meanwhile: pages, declarations' lists, and a bilan
        // already computed since the last write (kept: no turn needed).
        assert_eq!(demander("/api/v1/bilan?du=2025-01-01", api.clone()).await.0, StatusCode::OK);
        assert_eq!(demander("/api/v1/clauses", api.clone()).await.0, StatusCode::OK);
        assert_eq!(demander("/", page.clone()).await.0, StatusCode::OK);
    }
    assert_eq!(demander("/bilan", page).await.0, StatusCode::OK, "the turn is given back");
}
