//! The clause module's working pages through HTTP as a browser speaks it: placing a
//! participant on a clause, the DECP import page and the grouping of marchés, editing
//! opérations and marchés, a clause's objective and counting rules. Each refusal is a
//! French message next to its field and writes nothing; each success is what the API
//! then holds.

use reqwest::StatusCode;
use sea_orm::ConnectionTrait;
use serde_json::Value;

use crate::helpers::*;
use crate::toutes_pages::structure;

fn csrf(html: &str) -> String {
    html.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string()
}

async fn poster(app: &TestApp, cookie: &str, chemin: &str, champs: &[(&str, &str)]) -> (StatusCode, String) {
    let r = navigateur().post(app.url(chemin)).header("cookie", cookie).form(champs).send().await.unwrap();
    let status = r.status();
    let lieu = r.headers().get("location").map(|l| l.to_str().unwrap().to_string());
    let html = r.text().await.unwrap().replace("&#x27;", "'").replace("&#x2F;", "/");
    (status, lieu.unwrap_or(html))
}

async fn api(app: &TestApp, token: &str, chemin: &str) -> Value {
    let (status, v) = app.get(chemin, token).await;
    assert_eq!(status, StatusCode::OK, "{chemin}: {v}");
    v
}

#[tokio::test]
async fn a_participant_is_placed_on_a_clause_from_its_page_with_eligibility_shown_first() {
    let app = spawn_app().await;
    let s = structure(&app).await;
    let cookie = se_connecter_a(&app, &s.facilitateur, "/").await;
    let k = s.clause_id;
    let (_, fiche) = page(&app, &format!("/clauses/{k}"), Some(&cookie)).await;
    assert!(fiche.contains(&format!("href=\"/clauses/{k}/placer\"")), "the clause page links to the placement");
    let (status, recherche) = page(&app, &format!("/clauses/{k}/placer?q=dur"), Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    let lien = format!("/clauses/{k}/placer?participant={}", s.participant_id);
    assert!(recherche.replace("&#x2F;", "/").contains(&lien) && recherche.contains("Durand Léa"), "{recherche}");
    let (_, aucun) = page(&app, &format!("/clauses/{k}/placer?q=zzz"), Some(&cookie)).await;
    assert!(aucun.contains("Aucun participant ne correspond"), "{aucun}");

    let (status, formulaire) = page(&app, &format!("{lien}&date_debut=2026-05-04"), Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(formulaire.contains("Éligibilité au 04/05/2026") && formulaire.contains("Critère vérifié le 15/12/2025"), "{formulaire}");
    assert!(formulaire.contains("Bâtir Sud (Entreprise classique, titulaire du lot)") && formulaire.contains("Interim Insertion (Entreprise de travail temporaire d'insertion (ETTI))"), "{formulaire}");
    // Eligibility before the criterion was verified: not eligible, and why.
    let (_, avant) = page(&app, &format!("{lien}&date_debut=2025-12-01"), Some(&cookie)).await;
    assert!(avant.contains("Non éligible") && avant.contains("Aucun critère vérifié par un facilitateur entre le 01/06/2025 et le 01/12/2025"), "{avant}");

    let jeton = csrf(&formulaire);
    let (p, e) = (s.participant_id.to_string(), s.entreprise_id.to_string());
    let contrats_avant = count(&app.db, "contrats").await;
    let champs = |modalite: &'static str| {
        vec![
            ("csrf", jeton.clone()), ("participant_id", p.clone()), ("employeur_id", e.clone()), ("attributaire_id", e.clone()), ("modalite", modalite.to_string()),
            ("type_contrat", "cdd".into()), ("date_debut", "2026-05-04".into()), ("date_fin_prevue", "2026-10-30".into()), ("heures_hebdo", "35".into()), ("poste", "Coffreur".into()),
        ]
    };
    let refuse: Vec<(&str, String)> = champs("mise_a_disposition");
    let refuse: Vec<(&str, &str)> = refuse.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, html) = poster(&app, &cookie, &format!("/clauses/{k}/placer"), &refuse).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Bâtir Sud ne peut pas mettre de salariés à disposition") && html.contains("value=\"Coffreur\""), "{html}");
    assert_eq!(count(&app.db, "contrats").await, contrats_avant);

    let bon: Vec<(&str, String)> = champs("embauche_directe");
    let bon: Vec<(&str, &str)> = bon.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, lieu) = poster(&app, &cookie, &format!("/clauses/{k}/placer"), &bon).await;
    assert_eq!((status, lieu.as_str()), (StatusCode::SEE_OTHER, format!("/clauses/{k}").as_str()));
    let contrats = api(&app, &s.facilitateur.token, &format!("/api/v1/clauses/{k}/contrats")).await;
    let places: Vec<&Value> = contrats["items"].as_array().unwrap().iter().filter(|c| c["poste"] == "Coffreur").collect();
    assert_eq!(places.len(), 1, "{contrats}");
    assert_eq!((places[0]["modalite"].as_str(), places[0]["attributaire_id"].as_i64()), (Some("embauche_directe"), Some(s.entreprise_id)));
}

/// A multipart form as a browser sends it: the CSRF token, a checkbox, a file.
fn multipart(jeton: &str, nom: &str, contenu: &str, clauses_seulement: bool) -> (String, Vec<u8>) {
    let limite = "----clausier-test-limite";
    let mut corps = format!("--{limite}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{jeton}\r\n");
    if clauses_seulement {
        corps.push_str(&format!("--{limite}\r\nContent-Disposition: form-data; name=\"clauses_seulement\"\r\n\r\noui\r\n"));
    }
    corps.push_str(&format!("--{limite}\r\nContent-Disposition: form-data; name=\"fichier\"; filename=\"{nom}\"\r\nContent-Type: application/xml\r\n\r\n{contenu}\r\n--{limite}--\r\n"));
    (format!("multipart/form-data; boundary={limite}"), corps.into_bytes())
}

async fn envoyer(app: &TestApp, cookie: &str, type_: String, corps: Vec<u8>) -> (StatusCode, String) {
    let r = navigateur().post(app.url("/import-decp")).header("cookie", cookie).header("content-type", type_).body(corps).send().await.unwrap();
    (r.status(), r.text().await.unwrap().replace("&#x27;", "'"))
}

#[tokio::test]
async fn a_decp_file_is_imported_from_its_page_and_its_marches_grouped_into_one_operation() {
    let app = spawn_app().await;
    let s = structure(&app).await;
    let cookie = se_connecter_a(&app, &s.facilitateur, "/").await;
    let (_, accueil) = page(&app, "/", Some(&cookie)).await;
    assert!(accueil.contains("href=\"/import-decp\""), "the menu leads to the import");
    let (_, formulaire) = page(&app, "/import-decp", Some(&cookie)).await;
    let jeton = csrf(&formulaire);
    let marches_avant = count(&app.db, "marches").await;

    // No file: a French error next to the field, nothing written.
    let (type_, corps) = multipart(&jeton, "", "", true);
    let (status, html) = envoyer(&app, &cookie, type_, corps).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Choisissez un fichier DECP"), "{html}");
    // A broken file: its line, nothing imported.
    let (type_, corps) = multipart(&jeton, "casse.xml", "<marches>\n<marche><id>A</id>\n</marches>\n", false);
    let (status, html) = envoyer(&app, &cookie, type_, corps).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Fichier illisible à la ligne 3") && html.contains("Rien n'a été importé"), "{html}");
    assert_eq!(count(&app.db, "marches").await, marches_avant);
    // Without the session's token: refused.
    let (type_, corps) = multipart("autre", "decp.xml", &crate::decp::xml_v2(&clausier::demo::siret(41), &clausier::demo::siret(42), &clausier::demo::siret(43)), false);
    assert_eq!(envoyer(&app, &cookie, type_, corps).await.0, StatusCode::FORBIDDEN);

    let (type_, corps) = multipart(&jeton, "decp.xml", &crate::decp::xml_v2(&clausier::demo::siret(41), &clausier::demo::siret(42), &clausier::demo::siret(43)), false);
    let (status, html) = envoyer(&app, &cookie, type_, corps).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("Rapport d'import de « decp.xml »") && html.contains("<dt>Créés</dt><dd>2</dd>") && html.contains("<dt>Modifications enregistrées</dt><dd>1</dd>"), "{html}");
    assert_eq!(count(&app.db, "marches").await, marches_avant + 2);
    let operations_avant = count(&app.db, "operations").await;

    // Group both imported marchés into the structure's opération.
    let o = s.operation_id;
    let (_, choix) = page(&app, &format!("/operations/{o}/regrouper?tous=oui"), Some(&cookie)).await;
    assert!(choix.contains("2025-BTP-01") && choix.contains("2025-NET-02"), "{choix}");
    let ids: Vec<String> = choix.split("name=\"marche\" value=\"").skip(1).map(|s| s.split('"').next().unwrap().to_string()).collect();
    assert_eq!(ids.len(), 2, "{choix}");
    let (status, html) = poster(&app, &cookie, &format!("/operations/{o}/regrouper"), &[("csrf", &jeton)]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Cochez au moins un marché"), "{html}");
    let (status, lieu) = poster(&app, &cookie, &format!("/operations/{o}/regrouper"), &[("csrf", &jeton), ("marche", &ids[0]), ("marche", &ids[1])]).await;
    assert_eq!((status, lieu), (StatusCode::SEE_OTHER, format!("/operations/{o}")));
    for id in &ids {
        let m = api(&app, &s.facilitateur.token, &format!("/api/v1/marches/{id}")).await;
        assert_eq!(m["operation_id"].as_i64(), Some(o), "{m}");
    }
    assert_eq!(count(&app.db, "operations").await, operations_avant - 2, "the import's emptied opérations are deleted");
}

#[tokio::test]
async fn operations_marches_and_a_clause_s_settings_are_edited_in_the_browser() {
    let app = spawn_app().await;
    let s = structure(&app).await;
    let token = &s.facilitateur.token;
    let cookie = se_connecter_a(&app, &s.facilitateur, "/").await;
    let (o, m, k) = (s.operation_id, s.marche_id, s.clause_id);
    let (status, form) = page(&app, &format!("/operations/{o}/modifier"), Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("value=\"PRU Grand Parc\"") && form.contains("value=\"2026-01-01\""), "{form}");
    let jeton = csrf(&form);
    let d = s.donneur_ordre_id.to_string();
    let (status, html) = poster(&app, &cookie, &format!("/operations/{o}/modifier"), &[("csrf", &jeton), ("donneur_ordre_id", &d), ("nom", "PRU Grand Parc II"), ("commune", "Bordeaux"), ("secteur", "btp"), ("date_debut", "2026-06-01"), ("date_fin", "2026-01-01")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("La date de fin précède la date de début.") && html.contains("value=\"PRU Grand Parc II\""), "{html}");
    assert_eq!(api(&app, token, &format!("/api/v1/operations/{o}")).await["nom"], "PRU Grand Parc");
    let (status, _) = poster(&app, &cookie, &format!("/operations/{o}/modifier"), &[("csrf", &jeton), ("donneur_ordre_id", &d), ("nom", "PRU Grand Parc II"), ("commune", "Bordeaux"), ("secteur", "btp"), ("anru", "oui")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let op = api(&app, token, &format!("/api/v1/operations/{o}")).await;
    assert_eq!((op["nom"].as_str(), op["anru"].as_bool()), (Some("PRU Grand Parc II"), Some(true)), "{op}");

    let (_, form) = page(&app, &format!("/marches/{m}/modifier"), Some(&cookie)).await;
    assert!(form.contains("value=\"2026-07\"") && form.contains("value=\"1\u{202f}200\u{202f}000\""), "{form}");
    let champs = |montant: &'static str| [("csrf", jeton.as_str()), ("numero", "2026-07"), ("objet", "Réhabilitation et extension"), ("nature", "travaux"), ("montant_ht", montant), ("date_debut", "2026-01-01"), ("date_fin", "2027-06-30")];
    let (status, html) = poster(&app, &cookie, &format!("/marches/{m}/modifier"), &champs("beaucoup")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Nombre attendu") && html.contains("value=\"Réhabilitation et extension\""), "{html}");
    let (status, _) = poster(&app, &cookie, &format!("/marches/{m}/modifier"), &champs("1 300 000")).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let marche = api(&app, token, &format!("/api/v1/marches/{m}")).await;
    assert_eq!((marche["objet"].as_str(), marche["montant_ht"].as_f64()), (Some("Réhabilitation et extension"), Some(1_300_000.0)), "{marche}");

    // The objective forced with its reason, then back to the computed one.
    let (_, reglages) = page(&app, &format!("/clauses/{k}/reglages"), Some(&cookie)).await;
    assert!(reglages.contains("Objectif en vigueur : <strong>500 h</strong>") && reglages.contains("Par défaut : 80 %."), "{reglages}");
    let (status, html) = poster(&app, &cookie, &format!("/clauses/{k}/objectif"), &[("csrf", &jeton), ("heures", "650"), ("motif", "")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Le motif du forçage est obligatoire.") && html.contains("value=\"650\""), "{html}");
    assert_eq!(api(&app, token, &format!("/api/v1/clauses/{k}")).await["heures_objectif"].as_f64(), Some(500.0));
    let (status, _) = poster(&app, &cookie, &format!("/clauses/{k}/objectif"), &[("csrf", &jeton), ("heures", "650"), ("motif", "Avenant n° 2")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let clause = api(&app, token, &format!("/api/v1/clauses/{k}")).await;
    assert_eq!((clause["heures_objectif"].as_f64(), clause["objectif_force"]["motif"].as_str()), (Some(650.0), Some("Avenant n° 2")), "{clause}");
    let (status, _) = poster(&app, &cookie, &format!("/clauses/{k}/objectif"), &[("csrf", &jeton), ("action", "retirer")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(api(&app, token, &format!("/api/v1/clauses/{k}")).await["heures_objectif"].as_f64(), Some(500.0));

    // The counting rules: a refused value stays next to its field; valid ones are saved.
    let (status, html) = poster(&app, &cookie, &format!("/clauses/{k}/regles"), &[("csrf", &jeton), ("regles.eligibilite_requise", "oui"), ("regles.plafond_formation", "150")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("id=\"e-regles-plafond_formation\"") && html.contains("value=\"150\""), "{html}");
    let (status, _) = poster(
        &app,
        &cookie,
        &format!("/clauses/{k}/regles"),
        &[("csrf", &jeton), ("regles.eligibilite_requise", "oui"), ("regles.formation_comptee", "oui"), ("regles.plafond_formation", "20"), ("regles.coefficients_type_contrat.cdi", "1,5"), ("globalisable", "oui")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let clause = api(&app, token, &format!("/api/v1/clauses/{k}")).await;
    assert_eq!(clause["regles"]["plafond_formation"].as_f64(), Some(0.2), "{clause}");
    assert_eq!(clause["regles"]["coefficients_type_contrat"]["cdi"].as_f64(), Some(1.5), "{clause}");
    assert_eq!((clause["globalisable"].as_bool(), clause["regles"]["avancement"]["retard"].as_f64()), (Some(true), Some(0.8)), "{clause}");
}

#[tokio::test]
async fn the_api_edits_operations_and_marches_and_groups_marches_with_the_same_services() {
    let app = spawn_app().await;
    let s = structure(&app).await;
    let token = &s.facilitateur.token;
    let (o, m, d) = (s.operation_id, s.marche_id, s.donneur_ordre_id);
    let (status, op) = app.put(&format!("/api/v1/operations/{o}"), token, &serde_json::json!({"donneur_ordre_id": d, "nom": "PRU renommé", "commune": "Bordeaux", "qpv": true, "secteur": "btp"})).await;
    assert_eq!((status, op["nom"].as_str()), (StatusCode::OK, Some("PRU renommé")), "{op}");
    let (status, err) = app.put(&format!("/api/v1/operations/{o}"), token, &serde_json::json!({"donneur_ordre_id": d, "nom": " ", "commune": "Bordeaux", "qpv": true, "secteur": "btp"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let corps = |operation: i64| serde_json::json!({"operation_id": operation, "numero": "2026-07B", "objet": "Réhabilitation", "nature": "travaux", "montant_ht": 1000, "date_debut": "2026-01-01", "date_fin": "2026-12-31"});
    let autre = app.post("/api/v1/operations", token, &serde_json::json!({"donneur_ordre_id": d, "nom": "Autre", "commune": "X", "qpv": false, "secteur": "btp"})).await.1["id"].as_i64().unwrap();
    let (status, err) = app.put(&format!("/api/v1/marches/{m}"), token, &corps(autre)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["errors"][0]["field"], "operation_id", "{err}");
    let (status, marche) = app.put(&format!("/api/v1/marches/{m}"), token, &corps(o)).await;
    assert_eq!((status, marche["numero"].as_str(), marche["lots"].as_array().map(Vec::len)), (StatusCode::OK, Some("2026-07B"), Some(2)), "{marche}");

    // Wrong role 403, other structure 404, nothing changed.
    let (status, _) = app.put(&format!("/api/v1/operations/{o}"), &s.referent.token, &serde_json::json!({"donneur_ordre_id": d, "nom": "X", "commune": "X", "qpv": false, "secteur": "btp"})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let ailleurs = app.login("PLIE B", entities::enums::Role::Facilitateur).await;
    let (status, _) = app.put(&format!("/api/v1/marches/{m}"), &ailleurs.token, &corps(o)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = app.post(&format!("/api/v1/operations/{autre}/marches"), &ailleurs.token, &serde_json::json!({"marche_ids": [m]})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, r) = app.post(&format!("/api/v1/operations/{autre}/marches"), token, &serde_json::json!({"marche_ids": [m]})).await;
    assert_eq!((status, r["deplaces"].as_u64(), r["operations_supprimees"].as_u64()), (StatusCode::OK, Some(1), Some(1)), "{r}");
    let (status, _) = app.get(&format!("/api/v1/operations/{o}"), token).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the emptied opération is gone");
    let clause = api(&app, token, &format!("/api/v1/clauses/{}", s.clause_id)).await;
    assert_eq!(clause["marche_id"].as_i64(), Some(m));
    let (status, bilan) = app.get(&format!("/api/v1/operations/{autre}/bilan"), token).await;
    assert_eq!(status, StatusCode::OK);
    assert!(bilan["heures_objectif"].as_f64().unwrap_or(0.0) > 0.0, "the clause counts in its new opération's bilan: {bilan}");
}

/// The first worklist's count on the dashboard (declarations to validate) and the
/// retained hours of the portfolio's first clause.
fn a_valider(html: &str) -> String {
    html.split("<p class=\"compteur\">").nth(1).unwrap().split('<').next().unwrap().to_string()
}

#[tokio::test]
async fn the_dashboard_kept_in_memory_follows_every_write() {
    let app = spawn_app().await;
    let s = structure(&app).await;
    let cookie = se_connecter_a(&app, &s.facilitateur, "/").await;
    let (_, avant) = page(&app, "/", Some(&cookie)).await;
    assert_eq!(a_valider(&avant), "1", "February is declared, not validated");
    assert!(avant.contains("140 h") || avant.contains("147 h"), "January's hours are retained: {avant}");
    // The same page again is served from memory: same figures.
    assert_eq!(page(&app, "/", Some(&cookie)).await.1.matches("compteur").count(), avant.matches("compteur").count());
    // The validation queue is searchable.
    let (_, trouve) = page(&app, "/validations?q=interim&tri=employeur", Some(&cookie)).await;
    assert!(trouve.contains("février 2026") && trouve.contains("1 résultat"), "{trouve}");
    let (_, rien) = page(&app, "/validations?q=personne", Some(&cookie)).await;
    assert!(rien.contains("Aucune déclaration en attente ne correspond"), "{rien}");
    let contrats = api(&app, &s.facilitateur.token, &format!("/api/v1/clauses/{}/contrats", s.clause_id)).await;
    let contrat = contrats["items"][0]["contrat_id"].as_i64().unwrap();
    let (status, b) = app.decide(&s.facilitateur.token, contrat, "2026-02", serde_json::json!({"decision": "validee", "motif": null})).await;
    assert!(status.is_success(), "{b}");
    let (_, apres) = page(&app, "/", Some(&cookie)).await;
    assert_eq!(a_valider(&apres), "0", "the validation shows at once");
    assert!(apres.contains("294 h"), "February's hours are retained too: {apres}");
    let (_, liste) = page(&app, "/clauses", Some(&cookie)).await;
    assert!(liste.contains("294 h"), "{liste}");
}

#[tokio::test]
async fn a_clause_is_edited_and_a_lot_added_in_the_browser_and_through_the_api() {
    let app = spawn_app().await;
    let s = structure(&app).await;
    let token = &s.facilitateur.token;
    let cookie = se_connecter_a(&app, &s.facilitateur, "/").await;
    let (k, m) = (s.clause_id, s.marche_id);
    let (status, form) = page(&app, &format!("/clauses/{k}/modifier"), Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("value=\"800\u{202f}000\"") && form.contains("value=\"40\"") && form.contains("value=\"32\""), "the stored objective is shown: {form}");
    let jeton = csrf(&form);
    let champs = |fin: &'static str, heures: &'static str| {
        [("csrf", jeton.as_str()), ("lot_id", "999999"), ("type", "attribution"), ("date_debut", "2026-01-01"), ("date_fin", fin), ("mode", "heures"), ("heures", heures), ("penalite_par_heure", "45")]
    };
    // Preview, then a period outside the marché: refused next to the field, nothing written.
    let (status, html) = poster(&app, &cookie, &format!("/clauses/{k}/modifier"), &[&champs("2027-06-30", "720")[..], &[("action", "apercu")]].concat()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Objectif : 720 h"), "{html}");
    let (status, html) = poster(&app, &cookie, &format!("/clauses/{k}/modifier"), &champs("2029-12-31", "720")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("La période de la clause doit tenir dans l'exécution du marché (du 01/01/2026 au 30/06/2027)."), "{html}");
    assert_eq!(api(&app, token, &format!("/api/v1/clauses/{k}")).await["heures_objectif"].as_f64(), Some(500.0));
    let (status, lieu) = poster(&app, &cookie, &format!("/clauses/{k}/modifier"), &champs("2027-06-30", "720")).await;
    assert_eq!((status, lieu), (StatusCode::SEE_OTHER, format!("/clauses/{k}")));
    let clause = api(&app, token, &format!("/api/v1/clauses/{k}")).await;
    assert_eq!((clause["type"].as_str(), clause["heures_objectif"].as_f64(), clause["penalite_par_heure"].as_f64(), clause["lot_id"].as_i64()), (Some("attribution"), Some(720.0), Some(45.0), Some(s.lot_id)), "{clause}");

    // Through the API: the lot cannot change.
    let corps = serde_json::json!({"lot_id": s.lot_id + 1, "type": "execution", "date_debut": "2026-01-01", "date_fin": "2027-06-30", "globalisable": false, "objectif": {"mode": "heures", "heures": 600}});
    let (status, err) = app.put(&format!("/api/v1/clauses/{k}"), token, &corps).await;
    assert_eq!((status, err["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("lot_id")), "{err}");
    let mut corps = corps;
    corps["lot_id"] = s.lot_id.into();
    let (status, c) = app.put(&format!("/api/v1/clauses/{k}"), token, &corps).await;
    assert_eq!((status, c["heures_objectif"].as_f64()), (StatusCode::OK, Some(600.0)), "{c}");

    // A third lot on the marché page; a taken numéro is refused.
    let (_, fiche) = page(&app, &format!("/marches/{m}"), Some(&cookie)).await;
    let jeton = csrf(&fiche);
    let (status, html) = poster(&app, &cookie, &format!("/marches/{m}/lots"), &[("csrf", &jeton), ("numero", "2"), ("intitule", "Électricité"), ("lot_montant_ht", "150 000")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Le lot n° 2 existe déjà dans ce marché.") && html.contains("value=\"Électricité\""), "{html}");
    let (status, _) = poster(&app, &cookie, &format!("/marches/{m}/lots"), &[("csrf", &jeton), ("numero", "3"), ("intitule", "Électricité"), ("lot_montant_ht", "150 000")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, marche) = app.post(&format!("/api/v1/marches/{m}/lots"), token, &serde_json::json!({"numero": "4", "intitule": "Plomberie", "montant_ht": 90000})).await;
    assert_eq!(status, StatusCode::CREATED, "{marche}");
    let numeros: Vec<&str> = marche["lots"].as_array().unwrap().iter().filter_map(|l| l["numero"].as_str()).collect();
    assert_eq!(numeros, ["1", "2", "3", "4"], "{marche}");
}

#[tokio::test]
async fn exports_never_carry_a_formula_nor_overflow_an_excel_cell() {
    let app = spawn_app().await;
    let s = structure(&app).await;
    let token = &s.facilitateur.token;
    let etti = api(&app, token, &format!("/api/v1/clauses/{}/contrats", s.clause_id)).await["items"][0]["employeur_id"].as_i64().unwrap();
    // A poste is 200 characters at most: a longer one is refused in French…
    let corps = |p: i64, poste: &str| serde_json::json!({"participant_id": p, "employeur_id": etti, "clause_id": s.clause_id, "attributaire_id": s.entreprise_id, "modalite": "mise_a_disposition", "type_contrat": "mission_etti", "date_debut": "2026-02-02", "date_fin_prevue": "2026-12-31", "heures_hebdo": 35, "poste": poste});
    let (status, refus) = app.post("/api/v1/contrats", token, &corps(s.participant_id, &"Coffreur ".repeat(4_500))).await;
    assert_eq!((status, refus["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("poste")), "{refus}");
    assert!(refus["errors"][0]["message"].as_str().unwrap().contains("200 caractères au plus"), "{refus}");
    // …but rows written before the limit (or imported) can be long: the export cuts them.
    for (i, poste) in ["=HYPERLINK(\"http://evil.example\";\"Cliquez\")".to_string(), "Coffreur".to_string()].into_iter().enumerate() {
        let p = new_participant(&app, &s.facilitateur, serde_json::json!({"nom": format!("Test{i}")})).await;
        verify(&app, &s.facilitateur, p, "rsa", "2026-01-15").await;
        let (status, c) = app
            .post(
                "/api/v1/contrats",
                token,
                &serde_json::json!({"participant_id": p, "employeur_id": etti, "clause_id": s.clause_id, "attributaire_id": s.entreprise_id, "modalite": "mise_a_disposition", "type_contrat": "mission_etti", "date_debut": "2026-02-02", "date_fin_prevue": "2026-12-31", "heures_hebdo": 35, "poste": poste}),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{c}");
        let contrat = c["id"].as_i64().unwrap();
        if i == 1 {
            let long = "Coffreur ".repeat(4_500);
            app.db.execute(sea_orm::Statement::from_sql_and_values(app.db.get_database_backend(), if app.db.get_database_backend() == sea_orm::DbBackend::Postgres { "UPDATE contrats SET poste = $1 WHERE id = $2" } else { "UPDATE contrats SET poste = ? WHERE id = ?" }, [long.into(), contrat.into()])).await.unwrap();
        }
        assert!(app.declare(token, contrat, "2026-02", serde_json::json!({"heures_travail": 100, "heures_formation": 0})).await.0.is_success());
        assert!(app.decide(token, contrat, "2026-02", serde_json::json!({"decision": "validee", "motif": null})).await.0.is_success());
    }
    let chemin = format!("/api/v1/operations/{}/bilan", s.operation_id);
    let r = app.client.get(app.url(&format!("{chemin}?format=csv"))).bearer_auth(token).send().await.unwrap();
    let csv = r.text().await.unwrap();
    assert!(csv.contains("'=HYPERLINK") && !csv.lines().any(|l| l.starts_with("=HYPERLINK") || l.starts_with("\"=HYPERLINK")), "{csv}");
    let r = app.client.get(app.url(&format!("{chemin}?format=xlsx"))).bearer_auth(token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "a 40 000-character poste is cut, not a 500");
    let octets = r.bytes().await.unwrap();
    let mut wb: calamine::Xlsx<_> = calamine::Reader::new(std::io::Cursor::new(octets.to_vec())).unwrap();
    let metiers = calamine::Reader::worksheet_range(&mut wb, "Par métier").unwrap();
    let long = metiers.rows().filter_map(|r| calamine::DataType::get_string(&r[0])).find(|t| t.starts_with("Coffreur")).unwrap().to_string();
    assert!(long.chars().count() <= 32_767 && long.ends_with("(texte tronqué)"), "{}", long.len());
}

#[tokio::test]
async fn participants_past_their_retention_are_anonymised_and_bilans_keep_their_figures() {
    let app = spawn_app().await;
    let s = structure(&app).await;
    let token = &s.facilitateur.token;
    let bilan = format!("/api/v1/operations/{}/bilan", s.operation_id);
    let (_, avant) = app.get(&bilan, token).await;
    let engine = clausier::relances::engine(&app.state).unwrap();
    // Before the end of the retention (5 years after the contrat's end, 31/12/2026): nothing.
    let tot = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2031, 6, 1, 1, 0, 0).unwrap();
    let r = engine.run_now("anonymisation", tot, false).await.unwrap();
    assert_eq!(r.issue.unwrap(), "0 participant(s) anonymisé(s)");
    let tard = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2032, 6, 1, 1, 0, 0).unwrap();
    let essai = engine.run_now("anonymisation", tard, true).await.unwrap();
    assert_eq!(essai.issue.unwrap(), "1 participant(s) à anonymiser (essai : rien d'écrit)");
    assert_eq!(api(&app, token, &format!("/api/v1/participants/{}", s.participant_id)).await["nom"], "Durand", "a dry run writes nothing");
    let r = engine.run_now("anonymisation", tard, false).await.unwrap();
    assert_eq!(r.issue.unwrap(), "1 participant(s) anonymisé(s)");
    let p = api(&app, token, &format!("/api/v1/participants/{}", s.participant_id)).await;
    assert_eq!((p["nom"].as_str(), p["email"].as_str()), (Some("Anonyme"), None), "{p}");
    let (_, apres) = app.get(&bilan, token).await;
    assert_eq!(avant, apres, "the bilan keeps its figures");
    // Run again: nothing more (idempotent).
    let r = engine.run_now("anonymisation", tard + chrono::Duration::days(1), false).await.unwrap();
    assert_eq!(r.issue.unwrap(), "0 participant(s) anonymisé(s)");
}
