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
