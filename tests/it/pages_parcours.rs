//! The parcours pages: the participants' list, a participant's record and the page of
//! everything held on the person (droit d'accès); who may open them; health data (RQTH,
//! AAH, a disability criterion's proofs) for the référent and admins only, on the pages
//! as in the API.

use entities::enums::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

#[tokio::test]
async fn participants_are_listed_searched_and_read_with_their_data_page_by_who_follows_them() {
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let admin = app.login("PLIE A", Role::Admin).await;
    let referent = app.login("PLIE A", Role::Referent).await;
    let inès = new_participant(&app, &f, json!({"nom": "Martin", "prenom": "Inès", "rqth": true, "commune": "Pessac"})).await;
    let _autre = new_participant(&app, &f, json!({"nom": "Bernard", "prenom": "Hugo"})).await;
    verify(&app, &f, inès, "rsa", "2026-01-10").await;
    let e = app.entreprise(&f, "Bâtir", 7).await["id"].as_i64().unwrap();
    let c = new_contrat(&app, &f, inès, e, "cdd", "2026-01-12", Some("2026-06-30"), 35.0).await["id"].as_i64().unwrap();
    assert!(app.declare(&f.token, c, "2026-01", json!({"heures_travail": 120.5, "heures_formation": 0})).await.0.is_success());
    assert_eq!(app.put(&format!("/api/v1/participants/{inès}/referent"), &f.token, &json!({"referent_id": referent.user_id})).await.0, StatusCode::OK);

    // The facilitateur: the menu leads to the list; search by name, then by commune.
    let cookie = se_connecter_a(&app, &f, "/").await;
    let (_, accueil) = page(&app, "/", Some(&cookie)).await;
    assert!(accueil.contains("href=\"/participants\""), "menu");
    let (status, liste) = page(&app, "/participants?q=mart", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(liste.contains(&format!("href=\"/participants/{inès}\"")) && !liste.contains("Bernard"), "{liste}");
    let (_, liste) = page(&app, &format!("/participants?referent={}", referent.user_id), Some(&cookie)).await;
    assert!(liste.contains("Martin") && !liste.contains("Bernard") && liste.contains(&format!("<option value=\"{}\" selected>", referent.user_id)), "by référent: {liste}");
    let (_, liste) = page(&app, "/participants?commune=pessac&tri=naissance&sens=desc", Some(&cookie)).await;
    assert!(liste.contains("Martin") && !liste.contains("Bernard") && liste.contains("12/04/1998"), "{liste}");
    // The record: identity, criterion, contrat and its employer; health data masked.
    let (status, fiche) = page(&app, &format!("/participants/{inès}"), Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(fiche.contains("<h1>Inès Martin</h1>") && fiche.contains("<td>RSA") && fiche.contains("chez Bâtir") && fiche.contains("35 h par semaine"), "{fiche}");
    assert!(fiche.contains("<dt>Santé</dt><dd>Confidentiel (référent et administrateurs)</dd>"), "{fiche}");
    // The data page, readable, and its JSON; both audited.
    let (status, donnees) = page(&app, &format!("/participants/{inès}/donnees"), Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(donnees.contains("Données détenues sur Inès Martin") && donnees.contains("janvier 2026") && donnees.contains("120,5 h") && donnees.contains("Attestation CAF"), "{donnees}");
    let r = navigateur().get(app.url(&format!("/participants/{inès}/donnees?format=json"))).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains(&format!("participant-{inès}.json")));
    let json: serde_json::Value = r.json().await.unwrap();
    assert_eq!((json["parcours"]["participant"]["nom"].as_str(), json["heures"][0]["heures_travail"].as_f64(), json["heures"][0]["mois"].as_str()), (Some("Martin"), Some(120.5), Some("2026-01")), "{json}");
    assert!(json["parcours"]["participant"].get("rqth").is_none(), "{json}");
    let (_, journal) = app.get(&format!("/api/v1/audit?entite=participant&entite_id={inès}"), &admin.token).await;
    assert_eq!(journal["items"].as_array().unwrap().iter().filter(|e| e["action"] == "export_rgpd").count(), 2, "{journal}");

    // Its référent sees the health data; a référent who does not follow gets a 404.
    let cookie_r = se_connecter_a(&app, &referent, "/").await;
    let (_, liste) = page(&app, "/participants", Some(&cookie_r)).await;
    assert!(liste.contains("Martin") && !liste.contains("Bernard"), "only those it follows: {liste}");
    let (_, fiche) = page(&app, &format!("/participants/{inès}"), Some(&cookie_r)).await;
    assert!(fiche.contains("RQTH") && !fiche.contains("Confidentiel (référent"), "{fiche}");
    let autre_referent = app.login("PLIE A", Role::Referent).await;
    let cookie_a = se_connecter_a(&app, &autre_referent, "/").await;
    for chemin in [format!("/participants/{inès}"), format!("/participants/{inès}/donnees")] {
        assert_eq!(page(&app, &chemin, Some(&cookie_a)).await.0, StatusCode::NOT_FOUND, "{chemin}");
    }
    // Companies and buyers never reach the parcours; another structure finds nothing.
    let ent = app.login_bound("PLIE A", Role::Entreprise, Some(e), None).await;
    let d = app.donneur_ordre(&f, "Ville de Pessac", 8).await["id"].as_i64().unwrap();
    let acheteur = app.login_bound("PLIE A", Role::DonneurOrdre, None, Some(d)).await;
    for login in [&ent, &acheteur] {
        let cookie_e = se_connecter_a(&app, login, "/").await;
        let (_, accueil_e) = page(&app, "/", Some(&cookie_e)).await;
        assert!(!accueil_e.contains("href=\"/participants\""));
        for chemin in ["/participants".to_string(), format!("/participants/{inès}"), format!("/participants/{inès}/donnees")] {
            assert_eq!(page(&app, &chemin, Some(&cookie_e)).await.0, StatusCode::FORBIDDEN, "{chemin}");
        }
    }
    let ailleurs = app.login("PLIE B", Role::Facilitateur).await;
    let cookie_b = se_connecter_a(&app, &ailleurs, "/").await;
    assert_eq!(page(&app, &format!("/participants/{inès}/donnees"), Some(&cookie_b)).await.0, StatusCode::NOT_FOUND);
    let (_, liste_b) = page(&app, "/participants", Some(&cookie_b)).await;
    assert!(!liste_b.contains("Martin"));
    assert_eq!(page(&app, "/participants?page=abc", Some(&cookie)).await.0, StatusCode::OK, "a bad page number is page 1");
}

#[tokio::test]
async fn health_data_reaches_the_referent_and_admins_only_through_the_api() {
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let admin = app.login("PLIE A", Role::Admin).await;
    let referent = app.login("PLIE A", Role::Referent).await;
    let p = new_participant(&app, &f, json!({"rqth": true, "beneficiaire_aah": true})).await;
    let (status, c) = app.post(&format!("/api/v1/participants/{p}/criteres"), &f.token, &json!({"code": "th", "date_verification": "2026-01-10", "justificatif": "Notification MDPH", "justification": "Orientation CDAPH"})).await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    app.put(&format!("/api/v1/participants/{p}/referent"), &f.token, &json!({"referent_id": referent.user_id})).await;
    for (qui, token, voit) in [("facilitateur", &f.token, false), ("admin", &admin.token, true), ("référent", &referent.token, true)] {
        let (_, identite) = app.get(&format!("/api/v1/participants/{p}"), token).await;
        assert_eq!((identite["rqth"].as_bool(), identite["beneficiaire_aah"].as_bool()), if voit { (Some(true), Some(true)) } else { (None, None) }, "{qui}: {identite}");
        let (_, criteres) = app.get(&format!("/api/v1/participants/{p}/criteres"), token).await;
        assert_eq!(criteres["items"][0]["justificatif"].as_str() == Some("Notification MDPH"), voit, "{qui}: {criteres}");
        let (_, parcours) = app.get(&format!("/api/v1/participants/{p}/parcours"), token).await;
        assert_eq!(parcours["criteres"][0]["justification"].as_str() == Some("Orientation CDAPH"), voit, "{qui}: {parcours}");
        assert_eq!(parcours["eligibilite"]["eligible"], json!(true), "the criterion still counts: {parcours}");
        let (_, liste) = app.get("/api/v1/participants", token).await;
        assert_eq!(liste["items"][0].get("rqth").is_some(), voit, "{qui}: {liste}");
    }
}

#[tokio::test]
async fn a_referent_home_tells_what_its_own_participants_need() {
    let s = crate::clauses::scenario().await;
    let (app, f) = (&s.app, &s.f);
    let referent = app.login("PLIE A", Role::Referent).await;
    let autre = app.login("PLIE A", Role::Referent).await;
    assert_eq!(app.put(&format!("/api/v1/participants/{}/referent", s.p1), &f.token, &json!({"referent_id": referent.user_id})).await.0, StatusCode::OK);
    // P1 has 650,25 h declared or validated on its clause contrat: past the 600-hour threshold.
    let cookie = se_connecter_a(app, &referent, "/").await;
    let (status, accueil) = page(app, "/", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(accueil.contains(&format!("href=\"/participants/{}\"", s.p1)) && accueil.contains("le seuil de sortie de 600 heures est franchi"), "{accueil}");
    assert!(accueil.contains("Les 1 participant que vous suivez") || accueil.contains("participant que vous suivez"), "{accueil}");
    assert!(accueil.contains("action=\"/participants\""), "search form: {accueil}");
    // Another référent sees none of it.
    let cookie = se_connecter_a(app, &autre, "/").await;
    let (_, accueil) = page(app, "/", Some(&cookie)).await;
    assert!(!accueil.contains(&format!("/participants/{}\"", s.p1)) && accueil.contains("Rien à signaler"), "{accueil}");
}

#[tokio::test]
async fn participants_are_registered_and_edited_in_the_browser_with_a_duplicate_warning() {
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let referent = app.login("PLIE A", Role::Referent).await;
    let cookie = se_connecter_a(&app, &f, "/participants").await;
    let (_, liste) = page(&app, "/participants", Some(&cookie)).await;
    assert!(liste.contains("href=\"/participants/nouveau\""), "{liste}");
    let (_, form) = page(&app, "/participants/nouveau", Some(&cookie)).await;
    assert!(!form.contains("name=\"rqth\""), "a facilitateur is not asked health data: {form}");
    // Missing fields: French errors next to them, typed values kept, nothing written.
    let avant = count(&app.db, "participants").await;
    let (status, html) = poster(&app, &cookie, "/participants/nouveau", "/participants/nouveau", &[("nom", "Martin"), ("prenom", ""), ("commune", "Pessac")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Rien n'a été enregistré") && html.contains("value=\"Martin\"") && html.contains("Ce champ est obligatoire."), "{html}");
    assert_eq!(count(&app.db, "participants").await, avant);
    let champs = [("nom", "Martin"), ("prenom", "Inès"), ("date_naissance", "12/04/1998"), ("sexe", "F"), ("commune", "Pessac"), ("niveau_formation", "3"), ("beneficiaire_rsa", "oui")];
    let (status, lieu) = poster(&app, &cookie, "/participants/nouveau", "/participants/nouveau", &champs).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{lieu}");
    let id: i64 = lieu.trim_start_matches("/participants/").parse().unwrap();
    let (_, p) = app.get(&format!("/api/v1/participants/{id}"), &f.token).await;
    assert_eq!((p["prenom"].as_str(), p["date_naissance"].as_str(), p["beneficiaire_rsa"].as_bool()), (Some("Inès"), Some("1998-04-12"), Some(true)), "{p}");
    // The same name and birth date again: a warning, nothing written until confirmed.
    let (status, html) = poster(&app, &cookie, "/participants/nouveau", "/participants/nouveau", &[("nom", "MARTIN"), ("prenom", "inès"), ("date_naissance", "1998-04-12"), ("sexe", "F"), ("commune", "Talence"), ("niveau_formation", "3")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Un participant semblable existe déjà") && html.contains(&format!("href=\"/participants/{id}\"")) && html.contains("value=\"Talence\""), "{html}");
    assert_eq!(count(&app.db, "participants").await, avant + 1);
    let (status, _) = poster(&app, &cookie, "/participants/nouveau", "/participants/nouveau", &[("nom", "MARTIN"), ("prenom", "inès"), ("date_naissance", "1998-04-12"), ("sexe", "F"), ("commune", "Talence"), ("niveau_formation", "3"), ("doublon_confirme", "oui")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(count(&app.db, "participants").await, avant + 2);

    // Its référent records the RQTH; the facilitateur's later edit keeps it.
    assert_eq!(app.put(&format!("/api/v1/participants/{id}/referent"), &f.token, &json!({"referent_id": referent.user_id})).await.0, StatusCode::OK);
    let cookie_r = se_connecter_a(&app, &referent, "/participants").await;
    let (_, form) = page(&app, &format!("/participants/{id}/modifier"), Some(&cookie_r)).await;
    assert!(form.contains("name=\"rqth\"") && form.contains("value=\"Martin\""), "{form}");
    let mut avec_rqth = champs.to_vec();
    avec_rqth.push(("rqth", "oui"));
    let modifier = format!("/participants/{id}/modifier");
    assert_eq!(poster(&app, &cookie_r, &modifier, &modifier, &avec_rqth).await.0, StatusCode::SEE_OTHER);
    let (_, form) = page(&app, &modifier, Some(&cookie)).await;
    assert!(!form.contains("name=\"rqth\""), "{form}");
    let mut nouvelle_commune = champs.to_vec();
    nouvelle_commune[4] = ("commune", "Mérignac");
    assert_eq!(poster(&app, &cookie, &modifier, &modifier, &nouvelle_commune).await.0, StatusCode::SEE_OTHER);
    let (_, p) = app.get(&format!("/api/v1/participants/{id}"), &referent.token).await;
    assert_eq!((p["commune"].as_str(), p["rqth"].as_bool()), (Some("Mérignac"), Some(true)), "the facilitateur's edit keeps what it cannot see: {p}");

    // A référent who does not follow the person gets a 404; a company a 403.
    let autre = app.login("PLIE A", Role::Referent).await;
    let cookie_a = se_connecter_a(&app, &autre, "/participants").await;
    assert_eq!(page(&app, &modifier, Some(&cookie_a)).await.0, StatusCode::NOT_FOUND);
    assert_eq!(poster(&app, &cookie_a, "/participants/nouveau", &modifier, &champs).await.0, StatusCode::NOT_FOUND);
    let e = app.entreprise(&f, "Bâtir", 5).await["id"].as_i64().unwrap();
    let batir = app.login_bound("PLIE A", Role::Entreprise, Some(e), None).await;
    let cookie_b = se_connecter_a(&app, &batir, "/").await;
    for chemin in ["/participants/nouveau", modifier.as_str()] {
        assert_eq!(page(&app, chemin, Some(&cookie_b)).await.0, StatusCode::FORBIDDEN, "{chemin}");
    }
}

#[tokio::test]
async fn a_record_s_forms_verify_criteria_record_etapes_and_sorties_and_change_the_referent() {
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let referent = app.login("PLIE A", Role::Referent).await;
    let id = new_participant(&app, &f, json!({"nom": "Martin", "prenom": "Inès"})).await;
    let fiche = format!("/participants/{id}");
    let cookie = se_connecter_a(&app, &f, "/participants").await;
    let (_, html) = page(&app, &fiche, Some(&cookie)).await;
    assert!(html.contains("<strong>Non éligible</strong>"), "{html}");
    // The facilitateur verifies a criterion: the eligibility changes; at an earlier date it did not hold.
    let (status, _) = poster(&app, &cookie, &fiche, &format!("{fiche}/criteres"), &[("code", "rsa"), ("date_verification", "2026-01-10"), ("justificatif", "Attestation CAF")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = page(&app, &fiche, Some(&cookie)).await;
    assert!(html.contains("<strong>Éligible</strong> (RSA)") && html.contains("Attestation CAF"), "{html}");
    let (_, html) = page(&app, &format!("{fiche}?date=2025-06-01"), Some(&cookie)).await;
    assert!(html.contains("Le 01/06/2025 : <strong>non éligible</strong>"), "{html}");
    // A criterion without its proof: refused next to the field, nothing written.
    let (status, html) = poster(&app, &cookie, &fiche, &format!("{fiche}/criteres"), &[("code", "deld"), ("date_verification", "2026-01-10"), ("justificatif", "")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Rien n'a été enregistré") && html.contains("<option value=\"deld\" selected>"), "{html}");
    assert_eq!(app.get(&format!("/api/v1/participants/{id}/criteres"), &f.token).await.1["items"].as_array().unwrap().len(), 1);
    // The référent changed from the record, its history shown.
    let (status, _) = poster(&app, &cookie, &fiche, &format!("{fiche}/referent"), &[("referent_id", &referent.user_id.to_string())]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = page(&app, &fiche, Some(&cookie)).await;
    assert!(html.contains(" à aujourd'hui</li>") && html.contains(&format!("<option value=\"{}\" selected>", referent.user_id)), "{html}");

    // Its référent records a levée de freins étape and a sortie, and reads its category with each rule.
    let cookie_r = se_connecter_a(&app, &referent, "/participants").await;
    let (status, html) = poster(&app, &cookie_r, &fiche, &format!("{fiche}/etapes"), &[("type", "levee_freins"), ("sous_type", "mobilite"), ("intitule", ""), ("date_debut", "2026-02-01")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Ce champ est obligatoire."), "{html}");
    let (status, _) = poster(&app, &cookie_r, &fiche, &format!("{fiche}/etapes"), &[("type", "levee_freins"), ("sous_type", "mobilite"), ("intitule", "Permis B financé"), ("date_debut", "2026-02-01")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (status, _) = poster(&app, &cookie_r, &fiche, &format!("{fiche}/sorties"), &[("date_sortie", "2026-03-13"), ("situation", "cdi"), ("commentaire", "Embauche chez Bâtir")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = page(&app, &fiche, Some(&cookie_r)).await;
    assert!(html.contains("Permis B financé") && html.contains("CDI — <strong>Sortie dynamique</strong>") && html.contains("Aucune règle du protocole ne s'applique"), "{html}");
    // The étapes as a timeline, the levée de freins marked confidential, its frein in words.
    let frise = html.split("<ol class=\"frise\"").nth(1).and_then(|s| s.split("</ol>").next()).unwrap_or_default();
    assert!(frise.contains("frise-levee_freins") && frise.contains("Levée de freins — Frein : mobilité <span class=\"marque-confidentiel\">Confidentiel</span>") && frise.contains("Depuis le 01/02/2026"), "{frise}");
    let (_, parcours) = app.get(&format!("/api/v1/participants/{id}/parcours"), &referent.token).await;
    assert_eq!(parcours["sorties"][0]["categorie"], "dynamique", "a CDI without a contrat on record: {parcours}");
    // The facilitateur does not see the levée de freins' content.
    let (_, html) = page(&app, &fiche, Some(&cookie)).await;
    let frise = html.split("<ol class=\"frise\"").nth(1).and_then(|s| s.split("</ol>").next()).unwrap_or_default();
    assert!(!html.contains("Permis B financé") && !frise.contains("mobilité") && frise.contains("Levée de freins <span class=\"marque-confidentiel\">Confidentiel</span>"), "{html}");

    // A référent who does not follow the person: 404 on every form; a company: 403.
    let autre = app.login("PLIE A", Role::Referent).await;
    let cookie_a = se_connecter_a(&app, &autre, "/participants").await;
    assert_eq!(poster(&app, &cookie_a, "/participants", &format!("{fiche}/etapes"), &[("type", "mobilisation"), ("intitule", "x"), ("date_debut", "2026-02-01")]).await.0, StatusCode::NOT_FOUND);
    let e = app.entreprise(&f, "Bâtir", 9).await["id"].as_i64().unwrap();
    let batir = app.login_bound("PLIE A", Role::Entreprise, Some(e), None).await;
    let cookie_b = se_connecter_a(&app, &batir, "/").await;
    assert_eq!(poster(&app, &cookie_b, "/", &format!("{fiche}/sorties"), &[("date_sortie", "2026-03-13"), ("situation", "cdi")]).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.get(&format!("/api/v1/participants/{id}/parcours"), &f.token).await.1["sorties"].as_array().unwrap().len(), 1, "nothing more written");
}

#[tokio::test]
async fn a_record_shows_each_contrat_s_months_and_takes_its_six_month_follow_up() {
    let s = crate::clauses::scenario().await;
    let (app, f) = (&s.app, &s.f);
    let c1 = s.contrats[0];
    assert_eq!(app.post(&format!("/api/v1/contrats/{c1}/fin"), &f.token, &json!({"date_fin_reelle": "2025-06-30", "motif_fin": "Fin du chantier"})).await.0, StatusCode::OK);
    let fiche = format!("/participants/{}", s.p1);
    let cookie = se_connecter_a(app, f, &fiche).await;
    let (_, html) = page(app, &fiche, Some(&cookie)).await;
    assert!(html.contains("<th scope=\"row\">février 2025</th><td class=\"nombre\">140 h</td>") && html.contains("<td>Validée</td>") && html.contains("Suivi à six mois à faire pour le"), "{html}");
    let action = format!("{fiche}/suivis/{c1}");
    let (status, html) = poster(app, &cookie, &fiche, &action, &[("situation", "emploi_durable")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Date obligatoire"), "{html}");
    let (status, _) = poster(app, &cookie, &fiche, &action, &[("situation", "emploi_durable"), ("date_realisation", "2026-01-05")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = page(app, &fiche, Some(&cookie)).await;
    assert!(html.contains("Suivi à six mois fait le 05/01/2026 : Emploi durable"), "{html}");
    // Another participant's contrat through this record: 404, nothing written.
    let autre = format!("{fiche}/suivis/{}", s.contrats[1]);
    assert_eq!(poster(app, &cookie, &fiche, &autre, &[("situation", "formation"), ("date_realisation", "2026-01-05")]).await.0, StatusCode::NOT_FOUND);
}
