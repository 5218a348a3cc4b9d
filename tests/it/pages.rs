//! The back office in the browser, through HTTP as a browser speaks it: the layout by
//! role, forms with French errors next to the field that write nothing, the same
//! services as the API, and error pages in French for every bad input.

use entities::enums::Role;
use reqwest::StatusCode;

use crate::helpers::*;

fn csrf(page: &str) -> String {
    page.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string()
}

async fn poster(app: &TestApp, path: &str, cookie: &str, form: &[(&str, &str)]) -> (StatusCode, String, Option<String>) {
    let r = navigateur().post(app.url(path)).header("cookie", cookie).form(form).send().await.unwrap();
    let status = r.status();
    let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_string());
    let flash = r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).find(|c| c.starts_with("clausier_flash="));
    let text = r.text().await.unwrap().replace("&#x2F;", "/").replace("&#x27;", "'");
    (status, location.unwrap_or(text), flash)
}

#[tokio::test]
async fn a_facilitateur_creates_a_donneur_ordre_an_operation_and_a_marche_with_lots_in_the_browser() {
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let cookie = se_connecter_a(&app, &f, "/").await;
    let (status, accueil) = page(&app, "/", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    for lien in ["/donneurs-ordre", "/operations", "/marches", "/clauses", "/entreprises", "/validations"] {
        assert!(accueil.contains(&format!("href=\"{lien}\"")), "menu: {lien}");
    }
    assert!(accueil.contains("Facilitateur·rice") && !accueil.contains("(facilitateur)"), "role in words");
    assert!(accueil.contains("Tableau de bord") && accueil.contains("Déclarations à valider"));
    let jeton = csrf(&accueil);
    let siret = clausier::demo::siret(5);

    // A bad SIRET: a French error next to the field, the typed name kept, nothing written.
    let (status, html, _) = poster(&app, "/donneurs-ordre/nouveau", &cookie, &[("csrf", &jeton), ("nom", "Ville de Test"), ("siret", "123"), ("type", "commune")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("value=\"Ville de Test\"") && html.contains("aria-invalid=\"true\""), "{html}");
    assert!(html.contains("Rien n'a été enregistré"), "{html}");
    assert_eq!(count(&app.db, "donneurs_ordre").await, 0);

    // Without the session's CSRF token: refused.
    let (status, _, _) = poster(&app, "/donneurs-ordre/nouveau", &cookie, &[("csrf", "autre"), ("nom", "Ville"), ("siret", &siret), ("type", "commune")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, lieu, flash) = poster(&app, "/donneurs-ordre/nouveau", &cookie, &[("csrf", &jeton), ("nom", "Ville de Bordeaux"), ("siret", &siret), ("type", "commune")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{lieu}");
    assert!(flash.is_some());
    let (_, json) = app.get("/api/v1/donneurs-ordre", &f.token).await;
    let donneur = json["items"][0]["id"].as_i64().unwrap();
    assert_eq!(lieu, format!("/donneurs-ordre/{donneur}"));
    let (_, fiche) = page(&app, &lieu, Some(&cookie)).await;
    assert!(fiche.contains("Ville de Bordeaux") && fiche.contains("Commune"), "{fiche}");

    let d = donneur.to_string();
    let (status, lieu, _) = poster(&app, "/operations/nouvelle", &cookie, &[("csrf", &jeton), ("donneur_ordre_id", &d), ("nom", "PRU Grand Parc"), ("commune", "Bordeaux"), ("secteur", "btp"), ("qpv", "oui")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{lieu}");
    let operation = lieu.rsplit('/').next().unwrap().to_string();
    let (_, op) = app.get(&format!("/api/v1/operations/{operation}"), &f.token).await;
    assert_eq!((op["nom"].as_str(), op["qpv"].as_bool()), (Some("PRU Grand Parc"), Some(true)));

    let (status, html, _) = poster(
        &app,
        "/marches/nouveau",
        &cookie,
        &[("csrf", &jeton), ("operation_id", &operation), ("numero", "2026-01"), ("objet", "Réhabilitation"), ("nature", "travaux"), ("montant_ht", "1 200 000"), ("date_debut", "2026-01-01"), ("date_fin", "28/02/2025")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("La fin d'exécution précède le début."), "{html}");
    assert_eq!(count(&app.db, "marches").await, 0);
    let (status, lieu, _) = poster(
        &app,
        "/marches/nouveau",
        &cookie,
        &[
            ("csrf", &jeton), ("operation_id", &operation), ("numero", "2026-01"), ("objet", "Réhabilitation"), ("nature", "travaux"), ("montant_ht", "1 200 000"),
            ("date_debut", "2026-01-01"), ("date_fin", "2027-12-31"),
            ("lots.0.numero", "1"), ("lots.0.intitule", "Gros œuvre"), ("lots.0.montant_ht", "800 000"),
            ("lots.1.numero", "2"), ("lots.1.intitule", "Peinture"), ("lots.1.montant_ht", "400 000,50"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{lieu}");
    let (_, m) = app.get(&format!("/api/v1{lieu}"), &f.token).await;
    assert_eq!(m["lots"].as_array().unwrap().len(), 2);
    assert_eq!(m["lots"][1]["montant_ht"].as_f64(), Some(400000.5));
    let (status, fiche) = page(&app, &lieu, Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(fiche.contains("1\u{202f}200\u{202f}000\u{a0}€") && fiche.contains("Lot 2 — Peinture"), "{fiche}");

    // A clause on lot 1, with the objective computed before saving.
    let lot = m["lots"][0]["id"].as_i64().unwrap().to_string();
    let (status, nouvelle) = page(&app, &format!("/clauses/nouvelle?lot={lot}"), Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK, "{nouvelle}");
    let champs = [("csrf", jeton.as_str()), ("lot_id", &lot), ("type", "execution"), ("date_debut", "2026-01-01"), ("date_fin", "2027-12-31"), ("mode", "calcul"), ("montant_ht", "1 000 000"), ("part_main_oeuvre", "50"), ("taux_insertion", "5"), ("cout_horaire", "30")];
    let (status, apercu, _) = poster(&app, "/clauses/nouvelle", &cookie, &[&champs[..], &[("action", "apercu")]].concat()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(apercu.contains("Objectif : 833 h"), "{apercu}");
    assert_eq!(count(&app.db, "clauses").await, 0);
    let (status, lieu, _) = poster(&app, "/clauses/nouvelle", &cookie, &[&champs[..], &[("action", "creer")]].concat()).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{lieu}");
    let (_, clause) = app.get(&format!("/api/v1{lieu}"), &f.token).await;
    assert_eq!(clause["heures_objectif"].as_f64(), Some(833.0));
    let (status, fiche) = page(&app, &lieu, Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK, "{fiche}");
    assert!(fiche.contains("Heures par mois") && fiche.contains("<caption>Heures par mois de la clause</caption>") && fiche.contains("janvier 2026"), "{fiche}");
    let (_, liste) = page(&app, "/clauses?q=R%C3%A9habilitation", Some(&cookie)).await;
    assert!(liste.contains(&format!("href=\"{lieu}\"")), "{liste}");
    for path in ["/donneurs-ordre?q=bordeaux", "/operations?tri=commune&sens=desc", "/marches?page=9223372036854775808", "/entreprises?type=etti"] {
        assert_eq!(page(&app, path, Some(&cookie)).await.0, StatusCode::OK, "{path}");
    }
}

#[tokio::test]
async fn back_office_pages_refuse_other_roles_and_other_structures_with_french_pages() {
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let d = app.donneur_ordre(&f, "Ville", 1).await["id"].as_i64().unwrap();
    let e = app.entreprise(&f, "Bâtir", 2).await["id"].as_i64().unwrap();
    let pages = [
        "/donneurs-ordre".to_string(), format!("/donneurs-ordre/{d}"), format!("/donneurs-ordre/{d}/modifier"), "/donneurs-ordre/nouveau".into(),
        "/entreprises".into(), format!("/entreprises/{e}"), "/operations".into(), "/operations/nouvelle".into(), "/marches".into(), "/marches/nouveau".into(), "/clauses".into(),
    ];
    for role in [Role::Referent, Role::Entreprise, Role::DonneurOrdre] {
        let l = match role {
            Role::Entreprise => app.login_bound("PLIE A", role, Some(e), None).await,
            Role::DonneurOrdre => app.login_bound("PLIE A", role, None, Some(d)).await,
            _ => app.login("PLIE A", role).await,
        };
        let c = se_connecter_a(&app, &l, "/").await;
        for p in &pages {
            let (status, html) = page(&app, p, Some(&c)).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{role:?} {p}");
            assert!(html.contains("<h1>Accès refusé</h1>") && html.contains("lang=\"fr\""), "{html}");
        }
    }
    let ailleurs = app.login("PLIE B", Role::Facilitateur).await;
    let c = se_connecter_a(&app, &ailleurs, "/").await;
    for p in [format!("/donneurs-ordre/{d}"), format!("/entreprises/{e}"), format!("/entreprises/{e}/modifier"), "/donneurs-ordre/abc".into(), "/clauses/999999".into()] {
        let (status, html) = page(&app, &p, Some(&c)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{p}");
        assert!(html.contains("<h1>Page introuvable</h1>") && !html.contains("\"status\""), "{html}");
    }
    // Malformed input on a page: a French page, never JSON or serde's English.
    let own = se_connecter_a(&app, &f, "/").await;
    let op = app.post("/api/v1/operations", &f.token, &serde_json::json!({"donneur_ordre_id": d, "nom": "Op", "commune": "X", "qpv": false, "secteur": "btp"})).await.1["id"].as_i64().unwrap();
    for p in [format!("/operations/{op}/bilan?du=abc"), format!("/operations/{op}/bilan?format=pdf")] {
        let r = navigateur().get(app.url(&p)).header("cookie", &own).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{p}");
        assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
        assert!(r.headers()["content-security-policy"].to_str().unwrap().contains("script-src 'self'"));
        let html = r.text().await.unwrap();
        assert!(!html.contains("Failed to deserialize") && !html.contains("unknown variant") && html.contains("Requête invalide"), "{html}");
    }
    let (status, html) = page(&app, "/nulle-part", Some(&own)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("Tableau de bord") || html.contains("Accueil"), "layout with menu: {html}");
}

#[tokio::test]
async fn the_stylesheet_is_served_fingerprinted_with_a_long_cache_and_pages_have_no_inline_style_or_script() {
    let app = spawn_app().await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let c = se_connecter_a(&app, &f, "/").await;
    let (_, html) = page(&app, "/", Some(&c)).await;
    let css = html.split("rel=\"stylesheet\" href=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    assert!(css.starts_with("/static/clausier.") && css.ends_with(".css") && css.len() > "/static/clausier..css".len() + 8, "{css}");
    let r = navigateur().get(app.url(&css)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["cache-control"].to_str().unwrap().contains("immutable"));
    assert_eq!(navigateur().get(app.url("/static/clausier.css")).send().await.unwrap().status(), StatusCode::NOT_FOUND);
    for p in ["/", "/donneurs-ordre", "/operations", "/marches", "/entreprises", "/clauses", "/donneurs-ordre/nouveau", "/operations/nouvelle", "/marches/nouveau", "/validations", "/declarations"] {
        let (status, html) = page(&app, p, Some(&c)).await;
        assert_eq!(status, StatusCode::OK, "{p}");
        assert!(!html.contains("style=") && !html.contains("<style") && !html.contains("<script>"), "{p}");
        assert!(!html.contains("{{") && !html.contains("{%"), "{p}");
    }
}
