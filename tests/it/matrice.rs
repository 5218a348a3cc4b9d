//! The authorization matrix of the API, generated from the router's own OpenAPI document:
//! every route (83) × nine identities (no token, admin, facilitateur, référent who does not
//! follow the person, the employing company, another company, the opération's buyer,
//! another buyer, a facilitateur of another structure), 747 cases, on the rows of
//! one structure. The statuses are compared with `tests/it/matrice.txt`, reviewed by hand:
//! a new route without its lines, or a changed answer, fails the test (run it with
//! `CLAUSIER_MATRICE_ECRIRE=1` to write the file again, then read the diff).
//!
//! Identities cover own and other: the company that employs the contrat (`employeur`) and
//! the titulaire that does not (`entreprise`), the buyer of the opération and another
//! buyer, a référent who does not follow the person, another structure. Writes are sent
//! with a valid body (`corps`), so that a status says what the role may do, not that the
//! body was malformed; each identity's body differs where a value must be unique.

use entities::enums::Role;

use crate::helpers::*;
use crate::toutes_pages::{structure, Structure};

#[tokio::test]
async fn every_api_route_answers_each_identity_as_the_reviewed_matrix_says() {
    let app = spawn_app().await;
    let s = structure(&app).await;
    let contrat = app.get(&format!("/api/v1/clauses/{}/contrats", s.clause_id), &s.facilitateur.token).await.1["items"][0]["contrat_id"].as_i64().unwrap();
    let critere = app.get(&format!("/api/v1/participants/{}/criteres", s.participant_id), &s.facilitateur.token).await.1["items"][0]["id"].as_i64().unwrap_or(0);
    let admin = app.login("PLIE A", Role::Admin).await;
    let batir = app.login_bound("PLIE A", Role::Entreprise, Some(s.entreprise_id), None).await;
    let ailleurs = app.login("PLIE B", Role::Facilitateur).await;
    let autre_do = app.donneur_ordre(&s.facilitateur, "Département", 77).await["id"].as_i64().unwrap();
    let autre_acheteur = app.login_bound("PLIE A", Role::DonneurOrdre, None, Some(autre_do)).await;
    // The account the /utilisateurs/{id} routes act on: none of the identities (revoking
    // its tokens must not log one of them out).
    let compte = app.login("PLIE A", Role::Referent).await;
    let identites: [(&str, Option<&str>); 9] = [
        ("anonyme", None),
        ("admin", Some(&admin.token)),
        ("facilitateur", Some(&s.facilitateur.token)),
        ("referent", Some(&s.referent.token)),
        ("employeur", Some(&s.entreprise.token)),
        ("entreprise", Some(&batir.token)),
        ("donneur_ordre", Some(&s.donneur.token)),
        ("autre_acheteur", Some(&autre_acheteur.token)),
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
            "utilisateurs" => compte.user_id,
            // Never one of the tokens in use.
            "moi" => 999_999,
            _ => 1,
        }
    };
    let mut lignes = Vec::new();
    for (methode, chemin) in &routes {
        // A declared month to validate; a validated month to correct.
        let mois = if chemin.ends_with("/validation") { "2026-02" } else { "2026-01" };
        let url = chemin.replace("{id}", &id_de(chemin).to_string()).replace("{mois}", mois).replace("{critere_id}", &critere.to_string());
        let mut statuts = Vec::new();
        for (i, (nom, jeton)) in identites.iter().enumerate() {
            let mut r = match methode.as_str() {
                "GET" => app.client.get(app.url(&url)),
                "POST" => app.client.post(app.url(&url)).json(&corps(methode, chemin, i, &s)),
                "PUT" => app.client.put(app.url(&url)).json(&corps(methode, chemin, i, &s)),
                _ => app.client.delete(app.url(&url)),
            };
            if let Some(j) = jeton {
                r = r.bearer_auth(j);
            }
            let reponse = r.send().await.unwrap();
            let status = reponse.status();
            // CLAUSIER_MATRICE_DETAIL=1: what an administrator's refused write was told.
            if std::env::var_os("CLAUSIER_MATRICE_DETAIL").is_some() && status.is_client_error() && *nom == "admin" {
                eprintln!("{methode} {url}: {}", reponse.text().await.unwrap_or_default());
            }
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
    // A buyer never writes; a company writes only the hours of the contrats it employs;
    // another structure never writes a row of this one.
    let deux_cents = |l: &str, qui: &str| l.split(' ').any(|x| x.starts_with(&format!("{qui}=2")));
    for l in obtenu.lines().filter(|l| !l.starts_with("GET ") && !l.contains("/auth/") && !l.contains("/moi/")) {
        for qui in ["donneur_ordre", "autre_acheteur", "entreprise", "referent"] {
            let permis = qui == "referent" && (l.starts_with("POST /api/v1/participants |"));
            assert!(permis || !deux_cents(l, qui), "{qui}: {l}");
        }
        assert!(!deux_cents(l, "employeur") || l.starts_with("PUT /api/v1/contrats/{id}/heures/{mois} |"), "{l}");
        assert!(!deux_cents(l, "autre_structure") || !l.contains("{id}"), "{l}");
    }
    // And a company, a buyer or another structure never reads a participant.
    for l in obtenu.lines().filter(|l| l.starts_with("GET /api/v1/participants/{id}")) {
        for qui in ["entreprise=200", "donneur_ordre=200", "autre_structure=200"] {
            assert!(!l.contains(qui), "{l}");
        }
    }
}

/// A valid body for a write, on the rows of `s`; `i`, the identity's rank, makes unique
/// values (SIRET, numbers, addresses) differ from one identity to the next.
fn corps(methode: &str, chemin: &str, i: usize, s: &Structure) -> serde_json::Value {
    use serde_json::json;
    // A PUT must not take the value a POST of the same identity just created.
    let rang = if methode == "PUT" { 850 + i } else { 800 + i };
    let siret = clausier::demo::siret(rang as u64);
    let participant = json!({"nom": "Matrice", "prenom": "Léa", "date_naissance": "1990-01-01", "sexe": "F", "commune": "Bordeaux", "qpv": false, "niveau_formation": "3"});
    let clause = json!({"lot_id": s.lot_id, "type": "execution", "date_debut": "2026-01-01", "date_fin": "2027-06-30", "globalisable": false, "objectif": {"mode": "heures", "heures": 500}});
    let marche = json!({"operation_id": s.operation_id, "numero": format!("M-{rang}"), "objet": "Voirie", "nature": "travaux", "montant_ht": 100000, "date_debut": "2026-01-01", "date_fin": "2026-12-31"});
    let operation = json!({"donneur_ordre_id": s.donneur_ordre_id, "nom": "PRU Grand Parc", "commune": "Bordeaux", "qpv": true, "secteur": "btp"});
    match (methode, chemin.trim_start_matches("/api/v1")) {
        ("POST", "/auth/mot-de-passe-oublie") => json!({"email": format!("personne{i}@nulle-part.fr")}),
        ("POST", "/auth/token") => json!({"email": format!("personne{i}@nulle-part.fr"), "password": "mauvais-mot-de-passe"}),
        ("POST", "/clauses") | ("PUT", "/clauses/{id}") => clause,
        ("PUT", "/clauses/{id}/assiette") => json!({"heures_travaillees_marche": 10000}),
        ("PUT", "/clauses/{id}/objectif") => json!({"heures": 600, "motif": "Avenant n° 2"}),
        ("PUT", "/clauses/{id}/regles") => json!({"regles": {}}),
        ("POST", "/contrats") => json!({"participant_id": s.participant_id, "employeur_id": s.entreprise_id, "clause_id": s.clause_id, "attributaire_id": s.entreprise_id, "modalite": "embauche_directe", "type_contrat": "cdd", "date_debut": format!("2027-0{}-01", 1 + i % 5), "date_fin_prevue": format!("2027-0{}-20", 1 + i % 5), "heures_hebdo": 20, "poste": "Peintre"}),
        ("POST", "/contrats/{id}/fin") => json!({"date_fin_reelle": "2026-03-13", "motif_fin": "Fin de mission"}),
        ("PUT", "/contrats/{id}/heures/{mois}") => json!({"heures_travail": 120, "heures_formation": 0, "motif": "Correction des heures", "attestation": true}),
        ("POST", "/contrats/{id}/heures/{mois}/validation") => json!({"decision": "validee"}),
        ("PUT", "/contrats/{id}/suivi") => json!({"situation": "emploi_durable", "date_realisation": "2026-03-16"}),
        ("POST", "/donneurs-ordre") | ("PUT", "/donneurs-ordre/{id}") => json!({"nom": "Ville de Bordeaux", "siret": siret, "type": "commune"}),
        ("POST", "/entreprises") | ("PUT", "/entreprises/{id}") => json!({"raison_sociale": "Bâtir Sud", "siret": siret, "type": "classique"}),
        ("POST", "/donneurs-ordre/{id}/contacts") | ("POST", "/entreprises/{id}/contacts") => json!({"nom": "Contact", "email": "contact@test.fr", "recoit_relances": true, "recoit_bilans": false}),
        ("POST", "/marches") | ("PUT", "/marches/{id}") => marche,
        ("POST", "/marches/{id}/attributions") => json!({"entreprise_id": s.etti_id, "lot_id": s.lot_id, "role": "soustraitant"}),
        ("POST", "/marches/{id}/lots") => json!({"numero": format!("{}", 10 + i), "intitule": "Plomberie", "montant_ht": 1000}),
        ("PUT", "/moi/mot-de-passe") => json!({"actuel": "pas-le-bon-mot-de-passe", "nouveau": "un-nouveau-mot-de-passe"}),
        ("POST", "/operations") | ("PUT", "/operations/{id}") => operation,
        ("POST", "/operations/{id}/marches") => json!({"marche_ids": [s.marche_id]}),
        ("PUT", "/parametres/suivi") => json!({"relances": {"digest_referent": false}}),
        ("PUT", "/parametres/parcours") => json!({"eligibilite_mois": 6, "heures_max_semaine": 48, "heures_max_jour_ouvre": 10, "suivi_mois_apres_fin": 6, "anonymisation_annees": 5}),
        ("POST", "/participants") | ("PUT", "/participants/{id}") => participant,
        ("POST", "/participants/{id}/contrats") => json!({"employeur_id": s.entreprise_id, "type_contrat": "cdd", "date_debut": format!("2028-0{}-01", 1 + i % 5), "date_fin_prevue": format!("2028-0{}-20", 1 + i % 5), "heures_hebdo": 20, "poste": "Peintre"}),
        ("POST", "/participants/{id}/criteres") => json!({"code": "deld", "date_verification": "2026-02-01", "justificatif": "Attestation France Travail"}),
        ("POST", "/participants/{id}/criteres/{critere_id}/retrait") => json!({"motif": "Pièce périmée"}),
        ("POST", "/participants/{id}/etapes") => json!({"type": "formation", "sous_type": "qualifiante", "intitule": "CACES R482", "date_debut": "2026-03-02"}),
        ("PUT", "/participants/{id}/referent") => json!({"referent_id": s.referent.user_id}),
        ("POST", "/participants/{id}/sorties") => json!({"date_sortie": "2026-03-13", "situation": "cdi"}),
        ("POST", "/protocoles") => json!({"nom": format!("Protocole {i}")}),
        ("POST", "/utilisateurs") => json!({"email": format!("invite{i}@test.fr"), "nom": "Invité", "role": "referent"}),
        ("PUT", "/utilisateurs/{id}/actif") => json!({"actif": true}),
        ("PUT", "/utilisateurs/{id}/role") => json!({"role": "referent"}),
        _ => json!({}),
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
