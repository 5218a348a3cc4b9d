//! Every page, reached as a person reaches it: from each role's home page by following
//! links only, on a structure with representative data (donneur d'ordre, opération,
//! marché with two lots, attributions, a clause with validated hours, a participant
//! placed). Each page must answer 200 in French: no ISO date and no enumeration code in
//! its text, no inline style or script; together they must render every page template
//! (Tera is strict: an unknown variable fails the page). Plus the pages' own forms sent
//! back with errors, and the error page.

use std::collections::{BTreeSet, VecDeque};

use entities::enums::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;

/// The visible text of a page: tags, scripts and attribute values left out.
fn texte(html: &str) -> String {
    let mut t = String::with_capacity(html.len());
    let mut dans_balise = false;
    for c in html.chars() {
        match c {
            '<' => dans_balise = true,
            '>' => {
                dans_balise = false;
                t.push(' ');
            }
            _ if !dans_balise => t.push(c),
            _ => {}
        }
    }
    t
}

fn liens(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(|l| l.replace("&amp;", "&").replace("&#x2F;", "/"))
        .filter(|l| l.starts_with('/') && !l.starts_with("//") && !l.starts_with("/static/") && !l.starts_with("/api/"))
        .filter(|l| !l.contains("format=") && !l.contains('#'))
        .collect()
}

/// Codes that must never be shown: every enumeration code written like a code (with an
/// underscore; plain words such as `cdi` or `commune` are also French).
fn codes() -> Vec<&'static str> {
    clausier::libelles::kinds().flat_map(|k| clausier::libelles::options(k).iter().map(|(c, _)| *c)).filter(|c| c.contains('_')).collect()
}

fn verifier(chemin: &str, html: &str, problemes: &mut Vec<String>) {
    let t = texte(html);
    let iso = regex_iso(&t);
    if let Some(d) = iso {
        problemes.push(format!("{chemin} : date ISO « {d} »"));
    }
    for code in codes() {
        let mots = t.split(|c: char| !(c.is_alphanumeric() || c == '_'));
        if mots.into_iter().any(|m| m == code) {
            problemes.push(format!("{chemin} : code brut « {code} »"));
        }
    }
    if html.contains("style=") || html.contains("<style") || html.contains("<script>") {
        problemes.push(format!("{chemin} : style ou script en ligne"));
    }
}

fn regex_iso(t: &str) -> Option<String> {
    let b = t.as_bytes();
    (0..b.len().saturating_sub(9)).find_map(|i| {
        let s = &b[i..i + 10];
        let forme = s.iter().enumerate().all(|(j, c)| if j == 4 || j == 7 { *c == b'-' } else { c.is_ascii_digit() });
        let bord = (i == 0 || !b[i - 1].is_ascii_digit()) && b.get(i + 10).is_none_or(|c| !c.is_ascii_digit());
        (forme && bord).then(|| String::from_utf8_lossy(s).to_string())
    })
}

/// The template a page was rendered from (`<body data-page="…">`).
fn modele(html: &str) -> Option<String> {
    Some(html.split("data-page=\"").nth(1)?.split('"').next()?.replace("&#x2F;", "/"))
}

/// Follows every link from `/` (at most `max` pages); returns the templates rendered.
async fn parcourir(app: &TestApp, cookie: &str, max: usize, problemes: &mut Vec<String>) -> BTreeSet<String> {
    let mut vus = BTreeSet::new();
    let mut modeles = BTreeSet::new();
    let mut file = VecDeque::from(["/".to_string()]);
    while let Some(chemin) = file.pop_front() {
        if vus.len() >= max || !vus.insert(chemin.clone()) {
            continue;
        }
        let r = navigateur().get(app.url(&chemin)).header("cookie", cookie).send().await.unwrap();
        let status = r.status();
        let html_page = r.headers().get("content-type").is_some_and(|c| c.to_str().unwrap().starts_with("text/html"));
        let html = r.text().await.unwrap();
        if status != StatusCode::OK {
            problemes.push(format!("{chemin} : {status}"));
            continue;
        }
        if !html_page {
            continue;
        }
        if let Some(m) = modele(&html) {
            modeles.insert(m);
        }
        verifier(&chemin, &html, problemes);
        for l in liens(&html) {
            // One page of each list is enough; sorting links are followed once per list.
            let base = l.split('?').next().unwrap_or_default().to_string();
            let deja = vus.iter().filter(|v| v.split('?').next() == Some(base.as_str())).count();
            if deja < 3 && !vus.contains(&l) {
                file.push_back(l);
            }
        }
    }
    modeles
}

/// A structure with a bit of everything: the logins of its roles and the ids of its rows.
pub struct Structure {
    pub facilitateur: Login,
    pub entreprise: Login,
    pub donneur: Login,
    pub referent: Login,
    pub donneur_ordre_id: i64,
    pub operation_id: i64,
    pub marche_id: i64,
    pub lot_id: i64,
    pub clause_id: i64,
    pub entreprise_id: i64,
    /// The ETTI that employs the contrat (the `entreprise` login's company).
    pub etti_id: i64,
    pub participant_id: i64,
}

pub async fn structure(app: &TestApp) -> Structure {
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let d = app.donneur_ordre(&f, "Ville de Bordeaux", 11).await["id"].as_i64().unwrap();
    let op = app.post("/api/v1/operations", &f.token, &json!({"donneur_ordre_id": d, "nom": "PRU Grand Parc", "commune": "Bordeaux", "qpv": true, "secteur": "btp", "date_debut": "2026-01-01", "date_fin": "2027-12-31"})).await.1["id"].as_i64().unwrap();
    let (s, m) = app
        .post(
            "/api/v1/marches",
            &f.token,
            &json!({"operation_id": op, "numero": "2026-07", "objet": "Réhabilitation de 420 logements", "nature": "travaux", "montant_ht": 1200000, "date_debut": "2026-01-01", "date_fin": "2027-06-30",
                    "lots": [{"numero": "1", "intitule": "Gros œuvre", "montant_ht": 800000}, {"numero": "2", "intitule": "Peinture", "montant_ht": 400000}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{m}");
    let (marche, lot) = (m["id"].as_i64().unwrap(), m["lots"][0]["id"].as_i64().unwrap());
    let e = app.entreprise(&f, "Bâtir Sud", 12).await["id"].as_i64().unwrap();
    let (s, etti) = app.post("/api/v1/entreprises", &f.token, &json!({"raison_sociale": "Interim Insertion", "siret": clausier::demo::siret(13), "type": "etti"})).await;
    assert_eq!(s, StatusCode::CREATED, "{etti}");
    for (ent, role) in [(e, "titulaire")] {
        let (s, a) = app.post(&format!("/api/v1/marches/{marche}/attributions"), &f.token, &json!({"entreprise_id": ent, "lot_id": lot, "role": role})).await;
        assert_eq!(s, StatusCode::CREATED, "{a}");
    }
    let (s, k) = app
        .post("/api/v1/clauses", &f.token, &json!({"lot_id": lot, "type": "execution", "date_debut": "2026-01-01", "date_fin": "2027-06-30", "globalisable": false, "penalite_par_heure": 30, "objectif": {"mode": "calcul", "montant_ht": 800000, "part_main_oeuvre": 0.4, "taux_insertion": 0.05, "cout_horaire": 32}}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{k}");
    let clause = k["id"].as_i64().unwrap();
    let p = new_participant(app, &f, json!({})).await;
    verify(app, &f, p, "rsa", "2025-12-15").await;
    let (s, c) = app
        .post(
            "/api/v1/contrats",
            &f.token,
            &json!({"participant_id": p, "employeur_id": etti["id"], "clause_id": clause, "attributaire_id": e, "modalite": "mise_a_disposition", "type_contrat": "mission_etti", "date_debut": "2026-01-05", "date_fin_prevue": "2026-12-31", "heures_hebdo": 35, "poste": "Maçon"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{c}");
    let contrat = c["id"].as_i64().unwrap();
    for mois in ["2026-01", "2026-02"] {
        let (s, b) = app.declare(&f.token, contrat, mois, json!({"heures_travail": 140, "heures_formation": 7})).await;
        assert!(s.is_success(), "{b}");
    }
    let (s, b) = app.decide(&f.token, contrat, "2026-01", json!({"decision": "validee", "motif": null})).await;
    assert!(s.is_success(), "{b}");
    let entreprise = app.login_bound("PLIE A", Role::Entreprise, Some(etti["id"].as_i64().unwrap()), None).await;
    let donneur = app.login_bound("PLIE A", Role::DonneurOrdre, None, Some(d)).await;
    let referent = app.login("PLIE A", Role::Referent).await;
    Structure { facilitateur: f, entreprise, donneur, referent, donneur_ordre_id: d, operation_id: op, marche_id: marche, lot_id: lot, clause_id: clause, entreprise_id: e, etti_id: etti["id"].as_i64().unwrap(), participant_id: p }
}

#[tokio::test]
async fn every_page_reached_by_links_from_each_home_speaks_french_and_every_template_renders() {
    let app = spawn_app().await;
    let Structure { facilitateur: f, entreprise, donneur, referent, .. } = structure(&app).await;
    let mut problemes = Vec::new();
    let mut modeles = BTreeSet::new();
    let admin = app.login("PLIE A", Role::Admin).await;
    for (login, max) in [(&f, 400), (&entreprise, 60), (&donneur, 60), (&referent, 60), (&admin, 60)] {
        let cookie = se_connecter_a(&app, login, "/").await;
        modeles.extend(parcourir(&app, &cookie, max, &mut problemes).await);
    }
    // Pages only reached by sending a form or a bad address: their error states.
    let cookie = se_connecter_a(&app, &f, "/").await;
    for chemin in ["/nulle-part", "/clauses/abc"] {
        let (status, html) = page(&app, chemin, Some(&cookie)).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        verifier(chemin, &html, &mut problemes);
        modeles.extend(modele(&html));
    }
    // The public pages, from the login form's links.
    let (_, html) = page(&app, "/connexion", None).await;
    modeles.extend(modele(&html));
    for l in liens(&html).into_iter().filter(|l| l != "/") {
        let (status, publique) = page(&app, &l, None).await;
        assert_eq!(status, StatusCode::OK, "{l}");
        verifier(&l, &publique, &mut problemes);
        modeles.extend(modele(&publique));
    }
    assert!(problemes.is_empty(), "{} problème(s) :\n{}", problemes.len(), problemes.join("\n"));

    // Every page template was rendered (the invitation page needs an e-mailed link: its
    // own test covers it).
    let racine = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut attendus = BTreeSet::new();
    for dossier in ["", "auth", "bilans", "clauses", "parcours", "relances"] {
        for e in std::fs::read_dir(racine.join(dossier)).unwrap() {
            let nom = e.unwrap().file_name().to_string_lossy().to_string();
            if nom.ends_with(".html") && !nom.starts_with('_') && nom != "layout.html" {
                attendus.insert(if dossier.is_empty() { nom } else { format!("{dossier}/{nom}") });
            }
        }
    }
    attendus.remove("auth/invitation.html");
    // Reached from a reminder e-mail's sign-in link (tested in liens.rs).
    attendus.remove("auth/lien.html");
    // Reached through a form sent back with errors (tested in pages.rs).
    let manquants: Vec<_> = attendus.difference(&modeles).collect();
    assert!(manquants.is_empty(), "modèles jamais rendus en suivant les liens : {manquants:?} (rendus : {modeles:?})");
}
