//! The authorization matrix of the API, generated from the router's own OpenAPI document:
//! every route × every identity (no token, admin, facilitateur, référent who does not
//! follow the person, company, buyer, facilitateur of another structure), on the rows of
//! one structure. The statuses are compared with `tests/it/matrice.txt`, reviewed by hand:
//! a new route without its lines, or a changed answer, fails the test (run it with
//! `CLAUSIER_MATRICE_ECRIRE=1` to write the file again, then read the diff).
//!
//! Reads (GET) show the rules; writes are sent with an empty body `{}`, which proves that
//! nobody gets past authentication without a token and that no write is a 5xx; the roles
//! of writes are tested with real bodies in their own modules.

use entities::enums::Role;

use crate::helpers::*;
use crate::toutes_pages::structure;

#[tokio::test]
async fn every_api_route_answers_each_identity_as_the_reviewed_matrix_says() {
    let app = spawn_app().await;
    let s = structure(&app).await;
    let contrat = app.get(&format!("/api/v1/clauses/{}/contrats", s.clause_id), &s.facilitateur.token).await.1[0]["contrat_id"].as_i64().unwrap();
    let critere = app.get(&format!("/api/v1/participants/{}/criteres", s.participant_id), &s.facilitateur.token).await.1[0]["id"].as_i64().unwrap_or(0);
    let admin = app.login("PLIE A", Role::Admin).await;
    let batir = app.login_bound("PLIE A", Role::Entreprise, Some(s.entreprise_id), None).await;
    let ailleurs = app.login("PLIE B", Role::Facilitateur).await;
    let identites: [(&str, Option<&str>); 7] = [
        ("anonyme", None),
        ("admin", Some(&admin.token)),
        ("facilitateur", Some(&s.facilitateur.token)),
        ("referent", Some(&s.referent.token)),
        ("entreprise", Some(&batir.token)),
        ("donneur_ordre", Some(&s.donneur.token)),
        ("autre_structure", Some(&ailleurs.token)),
    ];
    let doc: serde_json::Value = app.client.get(app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    let mut routes: Vec<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(p, ops)| ops.as_object().unwrap().keys().filter(|m| ["get", "post", "put", "delete"].contains(&m.as_str())).map(move |m| (m.to_uppercase(), p.clone())))
        .collect();
    routes.sort();
    // The rows of the structure each path parameter names.
    let id_de = |chemin: &str| -> i64 {
        let ressource = chemin.trim_start_matches("/api/v1/").split('/').next().unwrap_or_default();
        match ressource {
            "participants" => s.participant_id,
            "contrats" => contrat,
            "clauses" => s.clause_id,
            "marches" => s.marche_id,
            "operations" => s.operation_id,
            "donneurs-ordre" => s.donneur_ordre_id,
            "entreprises" => s.entreprise_id,
            "utilisateurs" => s.referent.user_id,
            // Never one of the tokens in use.
            "moi" => 999_999,
            _ => 1,
        }
    };
    let mut lignes = Vec::new();
    for (methode, chemin) in &routes {
        let url = chemin.replace("{id}", &id_de(chemin).to_string()).replace("{mois}", "2026-02").replace("{critere_id}", &critere.to_string());
        let mut statuts = Vec::new();
        for (nom, jeton) in &identites {
            let mut r = match methode.as_str() {
                "GET" => app.client.get(app.url(&url)),
                "POST" => app.client.post(app.url(&url)).json(&serde_json::json!({})),
                "PUT" => app.client.put(app.url(&url)).json(&serde_json::json!({})),
                _ => app.client.delete(app.url(&url)),
            };
            if let Some(j) = jeton {
                r = r.bearer_auth(j);
            }
            let status = r.send().await.unwrap().status();
            assert!(!status.is_server_error(), "{methode} {url} as {nom}: {status}");
            statuts.push(format!("{nom}={}", status.as_u16()));
        }
        lignes.push(format!("{methode} {chemin} | {}", statuts.join(" ")));
    }
    let obtenu = lignes.join("\n") + "\n";
    let fichier = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it/matrice.txt");
    if std::env::var_os("CLAUSIER_MATRICE_ECRIRE").is_some() {
        std::fs::write(&fichier, &obtenu).unwrap();
    }
    let attendu = std::fs::read_to_string(&fichier).unwrap_or_default();
    let differences: Vec<String> = obtenu.lines().filter(|l| !attendu.lines().any(|a| a == *l)).map(|l| format!("obtenu  : {l}")).chain(attendu.lines().filter(|a| !obtenu.lines().any(|l| l == *a)).map(|a| format!("attendu : {a}"))).collect();
    assert!(differences.is_empty(), "the API's authorization matrix changed ({} routes × {} identities); review, then CLAUSIER_MATRICE_ECRIRE=1:\n{}", routes.len(), identites.len(), differences.join("\n"));
    // Whatever the file says: without a token, only logging in is open.
    for l in obtenu.lines().filter(|l| !l.contains("/auth/")) {
        assert!(l.contains("anonyme=401"), "{l}");
    }
    // And a company, a buyer or another structure never reads a participant.
    for l in obtenu.lines().filter(|l| l.starts_with("GET /api/v1/participants/{id}")) {
        for qui in ["entreprise=200", "donneur_ordre=200", "autre_structure=200"] {
            assert!(!l.contains(qui), "{l}");
        }
    }
}

/// Every `$ref` of a JSON value.
fn references(v: &serde_json::Value, out: &mut Vec<String>) {
    match v {
        serde_json::Value::Object(o) => {
            if let Some(serde_json::Value::String(r)) = o.get("$ref") {
                out.push(r.clone());
            }
            o.values().for_each(|x| references(x, out));
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| references(x, out)),
        _ => {}
    }
}

#[tokio::test]
async fn the_openapi_document_is_consistent() {
    let app = spawn_app().await;
    let doc: serde_json::Value = app.client.get(app.url("/api/openapi.json")).send().await.unwrap().json().await.unwrap();
    let mut problemes = Vec::new();
    // Every reference names a schema that exists.
    let mut refs = Vec::new();
    references(&doc, &mut refs);
    for r in refs {
        let nom = r.trim_start_matches("#/components/schemas/");
        if doc["components"]["schemas"].get(nom).is_none() {
            problemes.push(format!("référence inconnue {r}"));
        }
    }
    for (chemin, ops) in doc["paths"].as_object().unwrap() {
        let dans_le_chemin: Vec<&str> = chemin.split('{').skip(1).filter_map(|s| s.split('}').next()).collect();
        for (methode, op) in ops.as_object().unwrap() {
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let de_chemin: Vec<&str> = params.iter().filter(|p| p["in"] == "path").filter_map(|p| p["name"].as_str()).collect();
            for p in &de_chemin {
                if !dans_le_chemin.contains(p) {
                    problemes.push(format!("{methode} {chemin} : « {p} » déclaré dans le chemin sans y être"));
                }
            }
            for p in &dans_le_chemin {
                if !de_chemin.contains(p) {
                    problemes.push(format!("{methode} {chemin} : « {p} » du chemin non déclaré"));
                }
            }
            let reponses = op["responses"].as_object().unwrap();
            let public = chemin.ends_with("/auth/token") || chemin.ends_with("/auth/mot-de-passe-oublie");
            let attendus: Vec<&str> = [if public { "429" } else { "401" }, "400", "503"]
                .into_iter()
                .chain(op.get("requestBody").map(|_| ["413", "415", "422"]).into_iter().flatten())
                .chain((!dans_le_chemin.is_empty()).then_some("404"))
                .collect();
            for code in attendus {
                if !reponses.contains_key(code) {
                    problemes.push(format!("{methode} {chemin} : {code} non documenté"));
                }
            }
            for (code, r) in reponses {
                if code.starts_with('4') || code.starts_with('5') {
                    if r["content"].get("application/problem+json").is_none() {
                        problemes.push(format!("{methode} {chemin} : {code} n'est pas en application/problem+json"));
                    }
                }
            }
        }
    }
    assert!(problemes.is_empty(), "{} problème(s) :\n{}", problemes.len(), problemes.join("\n"));
}
