//! Bounded answers (issue 19): the lists of one record are pages like every list of the
//! API; a record's page shows its first marchés, clauses or opérations and links to
//! their list; a form's choice among the structure's records lists 200 of them at most,
//! narrowed by a search that keeps what was typed and writes nothing.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;
use crate::toutes_pages::structure;

#[tokio::test]
async fn the_lists_of_one_record_are_pages_with_their_total() {
    let app = spawn_app().await;
    let s = structure(&app).await;
    let f = &s.facilitateur;
    for i in 0..3 {
        let (status, c) = app.post(&format!("/api/v1/entreprises/{}/contacts", s.entreprise_id), &f.token, &json!({"nom": format!("Contact {i}"), "email": format!("c{i}@batir.fr")})).await;
        assert_eq!(status, StatusCode::CREATED, "{c}");
    }
    let contacts = format!("/api/v1/entreprises/{}/contacts", s.entreprise_id);
    let (status, p) = app.get(&format!("{contacts}?par_page=2&page=2"), &f.token).await;
    assert_eq!(status, StatusCode::OK, "{p}");
    assert_eq!((p["total"].as_u64(), p["page"].as_u64(), p["par_page"].as_u64(), p["items"].as_array().map(Vec::len)), (Some(3), Some(2), Some(2), Some(1)), "{p}");
    assert_eq!(p["items"][0]["nom"], "Contact 2", "the same order as the whole list: {p}");
    let (_, loin) = app.get(&format!("{contacts}?page=9"), &f.token).await;
    assert_eq!((loin["total"].as_u64(), loin["items"].as_array().map(Vec::len)), (Some(3), Some(0)), "past the end: an empty page, {loin}");

    let contrat = app.get(&format!("/api/v1/clauses/{}/contrats", s.clause_id), &f.token).await.1["items"][0]["contrat_id"].as_i64().unwrap();
    let listes = [
        (contacts.clone(), 3),
        (format!("/api/v1/donneurs-ordre/{}/contacts", s.donneur_ordre_id), 0),
        (format!("/api/v1/marches/{}/attributions", s.marche_id), 1),
        (format!("/api/v1/clauses/{}/contrats", s.clause_id), 1),
        (format!("/api/v1/contrats/{contrat}/heures"), 2),
        (format!("/api/v1/participants/{}/criteres", s.participant_id), 1),
        (format!("/api/v1/participants/{}/referents", s.participant_id), 0),
        ("/api/v1/moi/jetons".to_string(), 1),
        ("/api/v1/protocoles".to_string(), 0),
    ];
    for (chemin, total) in listes {
        let (status, p) = app.get(&chemin, &f.token).await;
        assert_eq!(status, StatusCode::OK, "{chemin}: {p}");
        assert_eq!((p["total"].as_u64(), p["page"].as_u64(), p["par_page"].as_u64(), p["items"].as_array().map(Vec::len)), (Some(total), Some(1), Some(50), Some(total as usize)), "{chemin}: {p}");
        let (status, refus) = app.get(&format!("{chemin}?par_page=201"), &f.token).await;
        assert_eq!((status, refus["errors"][0]["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some("par_page")), "{chemin}: {refus}");
        assert_eq!(refus["errors"][0]["message"], "Entre 1 et 200 éléments par page.", "{chemin}");
    }
}

/// The options of the `<select>` named `nom` in a page.
fn options(html: &str, nom: &str) -> Vec<String> {
    let debut = html.find(&format!("<select id=\"c-{nom}\"")).unwrap_or_else(|| panic!("no select {nom}: {html}"));
    let select = &html[debut..debut + html[debut..].find("</select>").unwrap()];
    select.split("<option value=\"").skip(1).map(|o| o.split('>').nth(1).unwrap().trim_end_matches("</option").to_string()).filter(|o| !o.is_empty() && o != "Choisir…").collect()
}

#[tokio::test]
async fn past_200_companies_a_forms_choice_is_searched_keeps_what_was_typed_and_writes_nothing() {
    let app = spawn_app().await;
    let s = structure(&app).await;
    let f = &s.facilitateur;
    // Bâtir Sud and Interim Insertion, then 205 more: 207 companies.
    for i in 0..205u64 {
        app.entreprise(f, &format!("Maçonnerie {i:03}"), 1_000 + i).await;
    }
    let cookie = se_connecter_a(&app, f, "/").await;
    let fiche = format!("/marches/{}", s.marche_id);
    let (status, html) = page(&app, &fiche, Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    let premieres = options(&html, "entreprise_id");
    assert_eq!(premieres.len(), 200, "200 companies at most, by name");
    assert_eq!((premieres[0].as_str(), premieres[199].as_str()), ("Bâtir Sud", "Maçonnerie 197"), "{premieres:?}");
    assert!(html.contains("Plus de 200 réponses : seules les 200 premières sont proposées, précisez la recherche.") && html.contains("<label for=\"r-entreprise_id\">Chercher une entreprise par sa raison sociale</label>"), "{html}");

    // « Chercher »: the list narrowed, the other values typed kept, nothing written.
    let attributions = count(&app.db, "attributions").await;
    let lot = s.lot_id.to_string();
    let (status, html) = poster(&app, &cookie, &fiche, &format!("{fiche}/attributions"), &[("chercher_entreprise_id", "onnerie 20"), ("chercher", "entreprise_id"), ("lot_id", &lot), ("role", "cotraitant"), ("montant_ht", "12 500")]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let trouvees = options(&html, "entreprise_id");
    assert_eq!(trouvees, ["Maçonnerie 200", "Maçonnerie 201", "Maçonnerie 202", "Maçonnerie 203", "Maçonnerie 204"]);
    assert!(html.contains("5 réponses pour « onnerie 20 »") && html.contains("value=\"onnerie 20\""), "{html}");
    assert!(html.contains("value=\"12 500\"") && html.contains(&format!("<option value=\"{lot}\" selected>")), "the values typed are kept: {html}");
    assert!(!html.contains("Rien n'a été enregistré"), "a search is not an error: {html}");
    assert_eq!(count(&app.db, "attributions").await, attributions, "nothing written");

    // The company found is chosen and the attribution recorded; a chosen value stays
    // among the options even when the search no longer lists it.
    let choisie = html.split("<option value=\"").find(|o| o.contains(">Maçonnerie 204<")).unwrap().split('"').next().unwrap().to_string();
    let (status, html) = poster(&app, &cookie, &fiche, &format!("{fiche}/attributions"), &[("chercher_entreprise_id", "Bâtir"), ("chercher", "entreprise_id"), ("entreprise_id", &choisie)]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(options(&html, "entreprise_id"), ["Maçonnerie 204", "Bâtir Sud"], "{html}");
    let (status, lieu) = poster(&app, &cookie, &fiche, &format!("{fiche}/attributions"), &[("entreprise_id", &choisie), ("lot_id", &lot), ("role", "cotraitant"), ("montant_ht", "12 500")]).await;
    assert_eq!((status, lieu.as_str()), (StatusCode::SEE_OTHER, fiche.as_str()));
    assert_eq!(count(&app.db, "attributions").await, attributions + 1);

    // The same on the invitation form (companies and buyers).
    let (_, html) = page(&app, "/utilisateurs/inviter", Some(&cookie)).await;
    assert_eq!(options(&html, "entreprise_id").len(), 200 + 1, "« — » and 200 companies: {html}");
    let utilisateurs = count(&app.db, "utilisateurs").await;
    let (status, html) = poster(&app, &cookie, "/utilisateurs/inviter", "/utilisateurs/inviter", &[("chercher_entreprise_id", "204"), ("chercher", "entreprise_id"), ("email", "paie@maconnerie.fr"), ("nom", "Service paie"), ("role", "entreprise")]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(options(&html, "entreprise_id"), ["—", "Maçonnerie 204"]);
    assert!(html.contains("value=\"paie@maconnerie.fr\""), "{html}");
    assert_eq!(count(&app.db, "utilisateurs").await, utilisateurs, "nothing written");
}

#[tokio::test]
async fn a_records_page_shows_its_first_items_and_links_to_their_list() {
    let app = spawn_app().await;
    let s = structure(&app).await;
    let f = &s.facilitateur;
    for i in 0..25 {
        let (status, m) = app
            .post("/api/v1/marches", &f.token, &json!({"operation_id": s.operation_id, "numero": format!("2026-1{i:02}"), "objet": "Entretien", "nature": "services", "montant_ht": 10000, "date_debut": "2026-01-01", "date_fin": "2026-12-31", "lots": []}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{m}");
    }
    let cookie = se_connecter_a(&app, f, "/").await;
    let (_, html) = page(&app, &format!("/operations/{}", s.operation_id), Some(&cookie)).await;
    assert!(html.contains("<h2>Marchés (26)</h2>") && html.contains(&format!("<a href=\"/marches?operation={}\">Les 26 marchés de l'opération</a> (les 25 premiers ci-dessus)", s.operation_id)), "{html}");
    assert_eq!(html.matches("<li><a href=\"/marches/").count(), 25, "{html}");
    assert!(html.contains("<h2>Clauses (1)</h2>") && !html.contains("clauses de l'opération, avec"), "one clause: all shown, {html}");
    let (_, liste) = page(&app, &format!("/marches?operation={}", s.operation_id), Some(&cookie)).await;
    assert!(liste.contains("26 résultats — page 1 sur 2"), "{liste}");

    // A company's marchés: its page links to the marchés list filtered on it.
    let (_, html) = page(&app, &format!("/entreprises/{}", s.entreprise_id), Some(&cookie)).await;
    assert!(html.contains("<h2>Marchés (1)</h2>") && html.contains("Réhabilitation de 420 logements"), "{html}");
    let (status, liste) = page(&app, &format!("/marches?entreprise={}", s.entreprise_id), Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(liste.contains("<h1>Marchés de Bâtir Sud</h1>") && liste.contains("Réhabilitation de 420 logements") && !liste.contains("2026-100"), "{liste}");
    // Another structure's company: 404, like its page.
    let autre = app.login("PLIE B", entities::enums::Role::Facilitateur).await;
    let ailleurs = app.entreprise(&autre, "Ailleurs", 9_999).await["id"].as_i64().unwrap();
    assert_eq!(page(&app, &format!("/marches?entreprise={ailleurs}"), Some(&cookie)).await.0, StatusCode::NOT_FOUND);

    // The search of a list also finds its rows by their parent's name.
    let (_, ops) = page(&app, "/operations?q=Ville+de", Some(&cookie)).await;
    assert!(ops.contains("PRU Grand Parc"), "found by its donneur d'ordre's name: {ops}");
    let (_, ms) = page(&app, "/marches?q=Grand+Parc", Some(&cookie)).await;
    assert!(ms.contains("2026-07") && ms.contains("2026-123") && ms.contains("26 résultats"), "found by their opération's name: {ms}");
}

#[tokio::test]
async fn a_buyers_home_lists_its_operations_a_page_at_a_time_and_finds_them_by_name() {
    let app = spawn_app().await;
    let s = structure(&app).await;
    for i in 0..25 {
        let (status, o) = app
            .post("/api/v1/operations", &s.facilitateur.token, &json!({"donneur_ordre_id": s.donneur_ordre_id, "nom": format!("Voirie tranche {i:02}"), "commune": "Bordeaux", "qpv": false, "secteur": "btp"}))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{o}");
    }
    let cookie = se_connecter_a(&app, &s.donneur, "/").await;
    let (_, html) = page(&app, "/", Some(&cookie)).await;
    assert!(html.contains("26 résultats — page 1 sur 2") && html.contains("Bilan de l'opération « PRU Grand Parc »") && !html.contains("Voirie tranche 24"), "{html}");
    let (_, suite) = page(&app, "/?page=2", Some(&cookie)).await;
    assert!(suite.contains("Voirie tranche 24") && !suite.contains("PRU Grand Parc"), "{suite}");
    let (_, trouve) = page(&app, "/?q=grand+parc", Some(&cookie)).await;
    assert!(trouve.contains("1 résultat") && trouve.contains("PRU Grand Parc") && !trouve.contains("Voirie"), "{trouve}");
    let (_, rien) = page(&app, "/?q=nulle", Some(&cookie)).await;
    assert!(rien.contains("Aucune opération ne correspond à « nulle »."), "{rien}");
}
