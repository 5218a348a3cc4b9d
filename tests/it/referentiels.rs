//! Donneurs d'ordre and entreprises: creation, reading, pagination, audit.

use entities::enums::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn created_entreprise_reads_back_with_siae_derived_from_its_kind() {
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let siret = clausier::demo::siret(5);
    let spaced = format!("{} {} {} {}", &siret[0..3], &siret[3..6], &siret[6..9], &siret[9..]);
    let (status, e) = app.post("/api/v1/entreprises", &f.token, &json!({"raison_sociale": " Intérim Solidaire ", "siret": spaced, "type": "etti", "commune": "Bordeaux"})).await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
    assert_eq!(e["raison_sociale"], "Intérim Solidaire");
    assert_eq!(e["siret"], siret);
    assert_eq!(e["siae"], true);
    let (_, geiq) = app.post("/api/v1/entreprises", &f.token, &json!({"raison_sociale": "GEIQ", "siret": clausier::demo::siret(6), "type": "geiq"})).await;
    assert_eq!(geiq["siae"], false, "a GEIQ is not an SIAE");
    let (status, read) = app.get(&format!("/api/v1/entreprises/{}", e["id"]), &f.token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(read, e);
    assert_eq!(count(&app.db, "audit_log").await, 2);
}

#[tokio::test]
async fn lists_are_paginated_in_name_order() {
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    for (i, nom) in ["Commune C", "Commune A", "Commune B"].iter().enumerate() {
        app.donneur_ordre(&f, nom, 20 + i as u64).await;
    }
    let (_, page) = app.get("/api/v1/donneurs-ordre?page=1&par_page=2", &f.token).await;
    assert_eq!(page["total"], 3);
    let noms: Vec<&str> = page["items"].as_array().unwrap().iter().map(|d| d["nom"].as_str().unwrap()).collect();
    assert_eq!(noms, ["Commune A", "Commune B"]);
    let (_, page) = app.get("/api/v1/donneurs-ordre?page=2&par_page=2", &f.token).await;
    assert_eq!(page["items"][0]["nom"], "Commune C");
    let (status, problem) = app.get("/api/v1/donneurs-ordre?par_page=5000", &f.token).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(problem["errors"][0]["field"], "par_page");
    let (status, _) = app.get("/api/v1/donneurs-ordre?page=abc", &f.token).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn participant_creation_is_audited() {
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let (status, p) = app.post("/api/v1/participants", &f.token, &participant_json()).await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    assert_eq!(p["prenom"], "Léa");
    assert_eq!(p["niveau_formation"], "3");
    assert_eq!(count(&app.db, "audit_log").await, 1);
    let (_, read) = app.get(&format!("/api/v1/participants/{}", p["id"]), &f.token).await;
    assert_eq!(read, p);
}

/// Donneurs d'ordre and entreprises are corrected in place (an imported company found to
/// be an ETTI, a buyer's real name), audited, by gestion roles of their structure only.
#[tokio::test]
async fn organisations_are_corrected_by_their_structure_only() {
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let e = app.entreprise(&f, "Entreprise 40", 40).await;
    let autre = app.entreprise(&f, "Autre", 41).await;
    let d = app.donneur_ordre(&f, "Acheteur 21", 42).await;
    let chemin_e = format!("/api/v1/entreprises/{}", e["id"]);
    let chemin_d = format!("/api/v1/donneurs-ordre/{}", d["id"]);
    let inconnue = "/api/v1/entreprises/999999".to_string();
    let corps_e = json!({"raison_sociale": "Intérim Solidaire", "siret": e["siret"], "type": "etti", "commune": "Lyon"});
    let corps_d = json!({"nom": "Ville de Lyon", "siret": d["siret"], "type": "commune"});
    let audits = count(&app.db, "audit_log").await;

    // Refused, and nothing changes: wrong roles, another structure, bad input, a SIRET
    // that is another company's.
    let r = app.login("PLIE A", Role::Referent).await;
    let entreprise_user = app.login_bound("PLIE A", Role::Entreprise, Some(e["id"].as_i64().unwrap()), None).await;
    let etranger = app.login("PLIE B", Role::Facilitateur).await;
    for (token, chemin, corps, attendu) in [
        (&r.token, &chemin_e, &corps_e, StatusCode::FORBIDDEN),
        (&entreprise_user.token, &chemin_e, &corps_e, StatusCode::FORBIDDEN),
        (&r.token, &chemin_d, &corps_d, StatusCode::FORBIDDEN),
        (&etranger.token, &chemin_e, &corps_e, StatusCode::NOT_FOUND),
        (&etranger.token, &chemin_d, &corps_d, StatusCode::NOT_FOUND),
        (&f.token, &chemin_e, &json!({"raison_sociale": "", "siret": "123", "type": "etti"}), StatusCode::UNPROCESSABLE_ENTITY),
        (&f.token, &chemin_e, &json!({"raison_sociale": "X", "siret": autre["siret"], "type": "etti"}), StatusCode::CONFLICT),
        (&f.token, &inconnue, &corps_e, StatusCode::NOT_FOUND),
    ] {
        let (status, body) = app.put(chemin, token, corps).await;
        assert_eq!(status, attendu, "{chemin} {body}");
    }
    assert_eq!(count(&app.db, "audit_log").await, audits);
    assert_eq!(app.get(&chemin_e, &f.token).await.1, e);

    let (status, corrige) = app.put(&chemin_e, &f.token, &corps_e).await;
    assert_eq!(status, StatusCode::OK, "{corrige}");
    assert_eq!((corrige["raison_sociale"].as_str(), corrige["type"].as_str(), corrige["siae"].as_bool(), corrige["commune"].as_str()), (Some("Intérim Solidaire"), Some("etti"), Some(true), Some("Lyon")));
    assert_eq!(app.get(&chemin_e, &f.token).await.1, corrige);
    let (status, corrige) = app.put(&chemin_d, &f.token, &corps_d).await;
    assert_eq!((status, corrige["nom"].as_str()), (StatusCode::OK, Some("Ville de Lyon")));
    assert_eq!(count(&app.db, "audit_log").await, audits + 2, "one audit row (before/after) per correction");
}
