//! The authorization matrix of the back-office pages: every page and every form of the
//! clause module refuses the roles that do not run clauses (403 page in French, nothing
//! written), and another structure's facilitateur gets a 404 page for every row of this
//! one (nothing written either).

use entities::enums::Role;
use reqwest::StatusCode;

use crate::helpers::*;
use crate::toutes_pages::{structure, Structure};

/// Every page of the back office (GET) and every form (POST with its fields), for the
/// rows of `s`.
fn routes(s: &Structure) -> (Vec<String>, Vec<(String, Vec<(&'static str, String)>)>) {
    let (d, o, m, k, e, p, l) = (s.donneur_ordre_id, s.operation_id, s.marche_id, s.clause_id, s.entreprise_id, s.participant_id, s.lot_id);
    let pages = vec![
        "/clauses".to_string(),
        "/donneurs-ordre".into(),
        "/donneurs-ordre/nouveau".into(),
        format!("/donneurs-ordre/{d}"),
        format!("/donneurs-ordre/{d}/modifier"),
        "/entreprises".into(),
        "/entreprises/nouveau".into(),
        format!("/entreprises/{e}"),
        format!("/entreprises/{e}/modifier"),
        "/operations".into(),
        "/operations/nouvelle".into(),
        format!("/operations/{o}"),
        format!("/operations/{o}/modifier"),
        format!("/operations/{o}/regrouper"),
        "/marches".into(),
        "/marches/nouveau".into(),
        format!("/marches/{m}"),
        format!("/marches/{m}/modifier"),
        format!("/clauses/nouvelle?lot={l}"),
        format!("/clauses/{k}"),
        format!("/clauses/{k}/reglages"),
        format!("/clauses/{k}/modifier"),
        format!("/clauses/{k}/placer"),
        format!("/clauses/{k}/placer?participant={p}"),
        "/import-decp".into(),
        "/validations".into(),
        "/envois".into(),
    ];
    let formulaires = vec![
        (format!("/donneurs-ordre/{d}/modifier"), vec![("nom", "Pirate".to_string()), ("siret", clausier::demo::siret(901)), ("type", "commune".into())]),
        (format!("/entreprises/{e}/modifier"), vec![("raison_sociale", "Pirate".to_string()), ("siret", clausier::demo::siret(902)), ("type", "classique".into())]),
        (format!("/operations/{o}/modifier"), vec![("donneur_ordre_id", d.to_string()), ("nom", "Pirate".into()), ("commune", "X".into()), ("secteur", "btp".into())]),
        (format!("/operations/{o}/regrouper"), vec![("marche", m.to_string())]),
        (format!("/marches/{m}/modifier"), vec![("numero", "Pirate".into()), ("objet", "X".into()), ("nature", "travaux".into()), ("montant_ht", "1".into()), ("date_debut", "2026-01-01".into()), ("date_fin", "2026-12-31".into())]),
        (format!("/marches/{m}/attributions"), vec![("entreprise_id", e.to_string()), ("lot_id", l.to_string()), ("role", "cotraitant".into())]),
        (format!("/marches/{m}/lots"), vec![("numero", "9".into()), ("intitule", "Pirate".into()), ("lot_montant_ht", "1".into())]),
        (
            format!("/clauses/{k}/modifier"),
            vec![("type", "execution".into()), ("date_debut", "2026-01-01".into()), ("date_fin", "2026-12-31".into()), ("mode", "heures".into()), ("heures", "1".into())],
        ),
        (format!("/clauses/{k}/objectif"), vec![("heures", "1".into()), ("motif", "Pirate".into())]),
        (format!("/clauses/{k}/regles"), vec![("regles.formation_comptee", "oui".into())]),
        (format!("/clauses/{k}/assiette"), vec![("heures_travaillees_marche", "1".into())]),
        (
            format!("/clauses/{k}/placer"),
            vec![("participant_id", p.to_string()), ("employeur_id", e.to_string()), ("attributaire_id", e.to_string()), ("modalite", "embauche_directe".into()), ("type_contrat", "cdi".into()), ("date_debut", "2026-05-04".into()), ("heures_hebdo", "35".into()), ("poste", "Pirate".into())],
        ),
    ];
    (pages, formulaires)
}

fn csrf(html: &str) -> String {
    html.split("name=\"csrf\" value=\"").nth(1).map(|s| s.split('"').next().unwrap().to_string()).unwrap_or_default()
}

/// The rows a refused form could have touched.
async fn empreinte(app: &TestApp) -> Vec<i64> {
    let mut v = Vec::new();
    for t in ["donneurs_ordre", "entreprises", "operations", "marches", "lots", "attributions", "clauses", "contrats", "mises_en_emploi", "audit_log"] {
        v.push(count(&app.db, t).await);
    }
    v
}

async fn poster(app: &TestApp, cookie: &str, chemin: &str, champs: &[(&str, String)]) -> (StatusCode, String) {
    let r = navigateur().post(app.url(chemin)).header("cookie", cookie).form(champs).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

#[tokio::test]
async fn back_office_pages_and_forms_refuse_other_roles_and_other_structures() {
    let app = spawn_app().await;
    let s = structure(&app).await;
    let (pages, formulaires) = routes(&s);
    let avant = empreinte(&app).await;

    // Wrong role: 403 pages, forms refused even with the session's own CSRF token.
    for login in [&s.entreprise, &s.donneur, &s.referent] {
        let cookie = se_connecter_a(&app, login, "/").await;
        let (_, accueil) = page(&app, "/", Some(&cookie)).await;
        let jeton = csrf(&accueil);
        for p in &pages {
            let (status, html) = page(&app, p, Some(&cookie)).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{:?} GET {p}", login.user_id);
            assert!(html.contains("<h1>Accès refusé</h1>"), "{p}: {html}");
        }
        for (chemin, champs) in &formulaires {
            let champs: Vec<(&str, String)> = [("csrf", jeton.clone())].into_iter().chain(champs.iter().cloned()).collect();
            let (status, html) = poster(&app, &cookie, chemin, &champs).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "POST {chemin}: {html}");
        }
    }
    assert_eq!(empreinte(&app).await, avant, "a refused form wrote something");

    // Another structure's facilitateur: 404 for every row of this one.
    let ailleurs = app.login("PLIE B", Role::Facilitateur).await;
    let cookie = se_connecter_a(&app, &ailleurs, "/").await;
    let (_, accueil) = page(&app, "/", Some(&cookie)).await;
    let jeton = csrf(&accueil);
    for p in pages.iter().filter(|p| p.chars().any(|c| c.is_ascii_digit())) {
        let (status, html) = page(&app, p, Some(&cookie)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "GET {p}");
        assert!(html.contains("<h1>Page introuvable</h1>"), "{p}: {html}");
    }
    for (chemin, champs) in &formulaires {
        let champs: Vec<(&str, String)> = [("csrf", jeton.clone())].into_iter().chain(champs.iter().cloned()).collect();
        let (status, html) = poster(&app, &cookie, chemin, &champs).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "POST {chemin}: {html}");
    }
    // Its own lists do not show this structure's rows.
    for p in ["/clauses", "/donneurs-ordre", "/entreprises", "/operations", "/marches"] {
        let (status, html) = page(&app, p, Some(&cookie)).await;
        assert_eq!(status, StatusCode::OK, "{p}");
        assert!(!html.contains("Ville de Bordeaux") && !html.contains("PRU Grand Parc") && !html.contains("Bâtir Sud") && !html.contains("2026-07"), "{p}: {html}");
    }
    assert_eq!(empreinte(&app).await, avant, "another structure's form wrote something");
}

async fn role_de(app: &TestApp, compte: i64) -> Role {
    use sea_orm::EntityTrait;
    entities::utilisateurs::Entity::find_by_id(compte).one(&app.db).await.unwrap().unwrap().role
}

/// The parcours, administration and bilan pages by audience: who gets 403, and another
/// structure 404 on this one's rows.
#[tokio::test]
async fn parcours_administration_and_bilan_pages_refuse_the_roles_they_are_not_for() {
    let app = spawn_app().await;
    let s = structure(&app).await;
    let admin = app.login("PLIE A", Role::Admin).await;
    let p = s.participant_id;
    let compte = s.referent.user_id;
    // Pages for admins and facilitateurs.
    let gestion: Vec<String> = vec!["/utilisateurs".into(), "/utilisateurs/inviter".into(), format!("/utilisateurs/{compte}"), "/reglages".into(), "/bilans".into(), "/bilan".into(), "/portefeuille/bilan".into(), "/bilans/consolidation?annee=2026".into()];
    // Pages of the parcours (référents too).
    let parcours: Vec<String> = vec!["/participants".into(), "/participants/nouveau".into(), format!("/participants/{p}"), format!("/participants/{p}/modifier"), format!("/participants/{p}/donnees"), "/protocoles".into()];
    // Forms for administrators only.
    let admin_seul: Vec<(String, Vec<(&str, String)>)> = vec![
        ("/reglages".into(), vec![("eligibilite_mois", "9".into()), ("heures_max_semaine", "45".into()), ("heures_max_jour_ouvre", "10".into()), ("suivi_mois_apres_fin", "6".into()), ("anonymisation_annees", "5".into())]),
        ("/reglages/suivi".into(), vec![("avancement.retard", "70".into())]),
        ("/protocoles".into(), vec![("nom", "Pirate".into())]),
        (format!("/utilisateurs/{compte}/role"), vec![("role", "admin".into())]),
    ];
    // (Reading /participants/{id}/donnees is audited: the log is not a measure here.)
    let empreinte = || async { (count(&app.db, "protocoles").await, count(&app.db, "utilisateurs").await, count(&app.db, "participants").await, app.get("/api/v1/parametres/parcours", &admin.token).await.1, role_de(&app, compte).await) };
    let avant = empreinte().await;
    let essais = [(&s.entreprise, true, true), (&s.donneur, true, true), (&s.referent, true, false), (&s.facilitateur, false, false)];
    for (login, refuse_gestion, refuse_parcours) in essais {
        let cookie = se_connecter_a(&app, login, "/").await;
        let (_, accueil) = page(&app, "/", Some(&cookie)).await;
        let jeton = csrf(&accueil);
        let attendu = |refus: bool| if refus { StatusCode::FORBIDDEN } else { StatusCode::OK };
        for chemin in &gestion {
            let (status, html) = page(&app, chemin, Some(&cookie)).await;
            assert_eq!(status, attendu(refuse_gestion), "{:?} GET {chemin}", login.user_id);
            if refuse_gestion {
                assert!(html.contains("<h1>Accès refusé</h1>"), "{chemin}: {html}");
            }
        }
        for chemin in &parcours {
            // The référent does not follow this participant: 404 on its pages, its list and forms open.
            let status = page(&app, chemin, Some(&cookie)).await.0;
            let voulu = if !refuse_parcours && login.user_id == s.referent.user_id && chemin.contains(&p.to_string()) { StatusCode::NOT_FOUND } else { attendu(refuse_parcours) };
            assert_eq!(status, voulu, "{:?} GET {chemin}", login.user_id);
        }
        for (chemin, champs) in &admin_seul {
            let champs: Vec<(&str, String)> = [("csrf", jeton.clone())].into_iter().chain(champs.iter().cloned()).collect();
            let (status, html) = poster(&app, &cookie, chemin, &champs).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{:?} POST {chemin}: {html}", login.user_id);
        }
    }
    assert_eq!(empreinte().await, avant, "a refused form wrote something");

    // Another structure's administrator: 404 on this one's rows, its own settings untouched here.
    let ailleurs = app.login("PLIE B", Role::Admin).await;
    let cookie = se_connecter_a(&app, &ailleurs, "/").await;
    for chemin in [format!("/utilisateurs/{compte}"), format!("/participants/{p}"), format!("/participants/{p}/modifier"), format!("/participants/{p}/donnees")] {
        let (status, html) = page(&app, &chemin, Some(&cookie)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "GET {chemin}");
        assert!(html.contains("<h1>Page introuvable</h1>"), "{chemin}: {html}");
    }
    let (_, accueil) = page(&app, "/", Some(&cookie)).await;
    let champs = vec![("csrf", csrf(&accueil)), ("role", "facilitateur".to_string())];
    assert_eq!(poster(&app, &cookie, &format!("/utilisateurs/{compte}/role"), &champs).await.0, StatusCode::NOT_FOUND);
    let (_, v) = app.get("/api/v1/parametres/suivi", &admin.token).await;
    assert_eq!(v["avancement"]["retard"], 0.8, "{v}");
}
