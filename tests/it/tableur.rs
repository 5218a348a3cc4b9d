//! The month's grid as a spreadsheet: downloaded pre-filled (XLSX and CSV, French Excel),
//! filled in, sent back; every line checked by the grid's service, all or nothing, each
//! refused line reported with its row; other companies' contrats and other roles refused.

use entities::enums::Role;
use reqwest::StatusCode;

use crate::clauses::scenario;
use crate::helpers::*;

async fn envoyer(app: &TestApp, cookie: &str, champs: &[(&str, &str)], nom: &str, contenu: &[u8]) -> (StatusCode, String) {
    let (type_, corps) = multipart_avec_fichier(champs, nom, contenu);
    let r = navigateur().post(app.url("/declarations/tableur")).header("cookie", cookie).header("content-type", type_).body(corps).send().await.unwrap();
    let status = r.status();
    let location = r.headers().get("location").map(|l| l.to_str().unwrap().to_string());
    (status, location.unwrap_or(r.text().await.unwrap().replace("&#x27;", "'").replace("&#x2F;", "/")))
}

#[tokio::test]
async fn a_company_downloads_its_month_fills_it_in_and_sends_it_back() {
    let s = scenario().await;
    let app = &s.app;
    let [c1, _c2, c3, _c4] = s.contrats;
    let batir = app.login_bound("PLIE A", Role::Entreprise, Some(s.batir), None).await;
    let cookie = se_connecter_a(app, &batir, "/").await;
    let (_, grille) = page(app, "/declarations?mois=2025-06", Some(&cookie)).await;
    assert!(grille.replace("&#x2F;", "/").contains("/declarations/tableur?mois=2025-06&amp;format=xlsx"), "{grille}");
    let csrf = grille.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();

    // The CSV: BOM, `;`, the company's contrats only.
    let r = navigateur().get(app.url("/declarations/tableur?mois=2025-06&format=csv")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-disposition"].to_str().unwrap().contains("heures-2025-06.csv"));
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with("\u{feff}N° contrat;Salarié;Poste;Employeur;Début;Fin;Plafond du mois (h);Heures de travail;Heures de formation\r\n"), "{csv}");
    assert!(csv.contains(&format!("\r\n{c1};")) && !csv.contains(&format!("\r\n{c3};")), "{csv}");
    assert!(csv.contains("06/01/2025;30/06/2025"), "French dates: {csv}");
    // The XLSX: the same lines, read back.
    let octets = navigateur().get(app.url("/declarations/tableur?mois=2025-06&format=xlsx")).header("cookie", &cookie).send().await.unwrap().bytes().await.unwrap();
    let mut wb: calamine::Xlsx<_> = calamine::Reader::new(std::io::Cursor::new(octets.to_vec())).unwrap();
    let feuille = calamine::Reader::worksheet_range_at(&mut wb, 0).unwrap().unwrap();
    let lignes: Vec<Vec<String>> = feuille.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(lignes[0][0], "N° contrat");
    assert!(lignes.iter().skip(1).any(|l| l[0] == c1.to_string()), "{lignes:?}");

    let champs = |action: &'static str, atteste: bool| -> Vec<(&'static str, String)> {
        let mut v = vec![("csrf", csrf.clone()), ("mois", "2025-06".to_string()), ("action", action.to_string())];
        if atteste {
            v.push(("attestation", "oui".to_string()));
        }
        v
    };
    let en_tete = "\u{feff}N° contrat;Salarié;Poste;Employeur;Début;Fin;Plafond du mois (h);Heures de travail;Heures de formation\r\n";
    let fichier = |lignes: &[(i64, &str, &str)]| -> Vec<u8> {
        let mut t = en_tete.to_string();
        for (c, travail, formation) in lignes {
            t.push_str(&format!("{c};X;Ouvrier;Bâtir;;;;{travail};{formation}\r\n"));
        }
        t.into_bytes()
    };
    let avant = count(&app.db, "heures_mensuelles").await;
    for (f, atteste, attendu) in [
        (fichier(&[(c1, "cent", "0")]), true, "Ligne 2 (Léa U.) : heures de travail : « cent » n'est pas un nombre d'heures"),
        (fichier(&[(c1, "500", "0")]), true, "Ligne 2 (Léa U.) : 500 h de travail et de formation dépassent le plafond"),
        (fichier(&[(c1, "140,5", "0"), (c3, "10", "0")]), true, "Ligne 3 : Ce contrat n'existe pas ou ne vous concerne pas"),
        (fichier(&[(c1, "140,5", "0"), (c1, "10", "0")]), true, "Ligne 3 : le contrat"),
        (fichier(&[(c1, "140,5", "0")]), false, "certifiez l'exactitude"),
        (b"nom;prenom\r\nx;y\r\n".to_vec(), true, "introuvables : partez du fichier"),
        (b"".to_vec(), true, "Choisissez le fichier"),
    ] {
        let champs = champs("declarer", atteste);
        let refs: Vec<(&str, &str)> = champs.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (status, html) = envoyer(app, &cookie, &refs, "heures.csv", &f).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{attendu}: {html}");
        assert!(html.contains(attendu), "« {attendu} » missing in {html}");
    }
    assert_eq!(count(&app.db, "heures_mensuelles").await, avant, "a refused file writes nothing");

    // A filled XLSX, declared and certified.
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    for (j, t) in ["N° contrat", "Salarié", "Heures de travail", "Heures de formation"].iter().enumerate() {
        ws.write_string(0, j as u16, *t).unwrap();
    }
    ws.write_number(1, 0, c1 as f64).unwrap();
    ws.write_string(1, 1, "Léa U.").unwrap();
    ws.write_number(1, 2, 140.5).unwrap();
    ws.write_number(1, 3, 0.0).unwrap();
    let xlsx = wb.save_to_buffer().unwrap();
    let champs = champs("declarer", true);
    let refs: Vec<(&str, &str)> = champs.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, suite) = envoyer(app, &cookie, &refs, "heures.xlsx", &xlsx).await;
    assert_eq!((status, suite.as_str()), (StatusCode::SEE_OTHER, "/declarations?fait=1&mois=2025-06&tri=salarie"));
    let (_, mois) = app.get(&format!("/api/v1/contrats/{c1}/heures/2025-06"), &s.f.token).await;
    assert_eq!((mois["courante"]["statut"].as_str(), mois["courante"]["heures_travail"].as_f64(), mois["courante"]["atteste_par_id"].as_i64()), (Some("declaree"), Some(140.5), Some(batir.user_id)), "{mois}");

    // Other roles and structures.
    let referent = app.login("PLIE A", Role::Referent).await;
    let c = se_connecter_a(app, &referent, "/").await;
    assert_eq!(page(app, "/declarations/tableur?mois=2025-06&format=csv", Some(&c)).await.0, StatusCode::FORBIDDEN);
    let ailleurs = app.login("PLIE B", Role::Facilitateur).await;
    let c = se_connecter_a(app, &ailleurs, "/").await;
    let (_, accueil) = page(app, "/", Some(&c)).await;
    let jeton = accueil.split("name=\"csrf\" value=\"").nth(1).unwrap().split('"').next().unwrap().to_string();
    let (status, html) = envoyer(app, &c, &[("csrf", &jeton), ("mois", "2025-07"), ("action", "declarer")], "h.csv", &fichier(&[(c3, "10", "0")])).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Ce contrat n'existe pas ou ne vous concerne pas"), "{html}");
    let r = navigateur().get(app.url("/declarations/tableur?mois=2025-06&format=csv")).header("cookie", &c).send().await.unwrap();
    assert!(!r.text().await.unwrap().contains(&format!("\r\n{c1};")), "another structure's contrats never appear");
}
