//! Bilans through the API: the clause scenario's figures in JSON, CSV, XLSX and XML,
//! breakdowns, periods, masking for buyers, scope.

use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use entities::enums::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::clauses::scenario;
use crate::helpers::*;

async fn fichier(app: &TestApp, path: &str, token: &str) -> (StatusCode, String, Vec<u8>) {
    let r = app.client.get(app.url(path)).bearer_auth(token).send().await.unwrap();
    let ct = r.headers().get("content-type").map(|v| v.to_str().unwrap().to_string()).unwrap_or_default();
    (r.status(), ct, r.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn the_operation_bilan_has_the_scenario_figures_and_breakdowns() {
    let s = scenario().await;
    let (app, f) = (&s.app, &s.f);
    let (status, b) = app.get(&format!("/api/v1/operations/{}/bilan", s.operation), &f.token).await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!(b["perimetre"], json!({"type": "operation", "id": s.operation, "nom": "Réhabilitation de l'école Jean-Jaurès"}));
    assert_eq!((b["heures_objectif"].as_f64(), b["heures_realisees"].as_f64(), b["heures_retenues"].as_f64()), (Some(1050.0), Some(1230.75), Some(940.75)));
    assert_eq!(b["heures_non_retenues"]["non_eligible"], 190.0);
    assert_eq!(b["heures_non_retenues"]["hors_periode"], 100.0);
    assert_eq!(b["ecart"], 109.25);
    assert_eq!((b["participants"].as_i64(), b["contrats"].as_i64(), b["entreprises"].as_i64(), b["siae"].as_i64()), (Some(4), Some(4), Some(4), Some(2)));
    assert_eq!(b["par_type_contrat"]["cdd"], json!({"contrats": 2, "participants": 2, "heures_realisees": 720.25, "heures_retenues": 430.25}));
    assert_eq!(b["par_type_contrat"]["cddi"]["heures_retenues"], 200.0);
    assert_eq!(b["par_modalite"]["mise_a_disposition"]["heures_retenues"], 310.5);
    assert_eq!(b["par_type_employeur"]["etti"]["contrats"], 1);
    assert_eq!(b["par_secteur"]["btp"]["heures_retenues"], 940.75);
    assert_eq!(b["par_public"]["femmes"], 4);
    assert_eq!(b["par_public"]["de_26_a_49"], 4, "born 12 April 1998, contrats start early 2025: 26");
    assert_eq!(b["par_public"]["rsa"], 1);
    assert_eq!(b["par_public"]["critere_qpv"], 1);
    assert_eq!(b["par_mois"][0], json!({"mois": "2025-01", "heures_realisees": 100.0, "heures_retenues": 0.0}));
    // Breakdowns add up to the totals.
    let somme: f64 = b["par_type_contrat"].as_object().unwrap().values().map(|v| v["heures_retenues"].as_f64().unwrap()).sum();
    assert_eq!(somme, 940.75);
    let mois: f64 = b["par_mois"].as_array().unwrap().iter().map(|m| m["heures_realisees"].as_f64().unwrap()).sum();
    assert_eq!(mois, 1230.75);

    // One month: March 2025.
    let (_, mars) = app.get(&format!("/api/v1/operations/{}/bilan?du=2025-03-01&au=2025-03-31", s.operation), &f.token).await;
    assert_eq!((mars["heures_realisees"].as_f64(), mars["heures_retenues"].as_f64()), (Some(480.0), Some(380.0)));
    assert_eq!(mars["periode"], json!({"du": "2025-03-01", "au": "2025-03-31"}));
    for bad in ["du=2025-03-02", "au=2025-03-30", "du=2025-04-01&au=2025-03-31"] {
        let (status, problem) = app.get(&format!("/api/v1/operations/{}/bilan?{bad}", s.operation), &f.token).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {problem}");
    }
    // Other perimeters agree with the clauses.
    let (_, clause) = app.get(&format!("/api/v1/clauses/{}/bilan", s.clause_a), &f.token).await;
    assert_eq!(clause["heures_retenues"], 630.25);
    let (_, marche) = app.get(&format!("/api/v1/marches/{}/bilan", s.marche), &f.token).await;
    assert_eq!(marche["heures_retenues"], 940.75);
    let (_, ent) = app.get(&format!("/api/v1/entreprises/{}/bilan", s.batir), &f.token).await;
    assert_eq!((ent["heures_realisees"].as_f64(), ent["heures_retenues"].as_f64(), ent["contrats"].as_i64()), (Some(730.25), Some(630.25), Some(2)));
    let (_, structure) = app.get("/api/v1/bilan", &f.token).await;
    assert_eq!(structure["heures_retenues"], 940.75);
    let donneur = structure_donneur(app, f, s.operation).await;
    let (_, d) = app.get(&format!("/api/v1/donneurs-ordre/{donneur}/bilan"), &f.token).await;
    assert_eq!(d["heures_retenues"], 940.75);
}

/// The situation six months after each ended contrat: unknown until the follow-up is
/// recorded, then its situation, for a perimeter and for the whole structure.
#[tokio::test]
async fn the_situation_six_months_after_ended_contrats() {
    let s = scenario().await;
    let (app, f) = (&s.app, &s.f);
    let situation = |path: String| async move { app.get(&path, &f.token).await.1["situation_6_mois"].clone() };
    let operation = format!("/api/v1/operations/{}/bilan", s.operation);
    assert_eq!(situation(operation.clone()).await, json!({}), "no contrat has ended");
    let (status, v) = app.post(&format!("/api/v1/contrats/{}/fin", s.contrats[1]), &f.token, &json!({"date_fin_reelle": "2025-04-30", "motif_fin": "fin de mission"})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(situation(operation.clone()).await, json!({"inconnu": 1}));
    let (status, v) = app.put(&format!("/api/v1/contrats/{}/suivi", s.contrats[1]), &f.token, &json!({"situation": "emploi_durable", "date_realisation": "2025-10-30"})).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(situation(operation).await, json!({"emploi_durable": 1}));
    assert_eq!(situation("/api/v1/bilan".into()).await, json!({"emploi_durable": 1}));
    assert_eq!(situation(format!("/api/v1/clauses/{}/bilan", s.clause_a)).await, json!({}), "c2 is on clause B");
    assert_eq!(situation(format!("/api/v1/clauses/{}/bilan", s.clause_b)).await, json!({"emploi_durable": 1}));
}

async fn structure_donneur(app: &TestApp, f: &Login, operation: i64) -> i64 {
    app.get(&format!("/api/v1/operations/{operation}"), &f.token).await.1["donneur_ordre_id"].as_i64().unwrap()
}

#[tokio::test]
async fn the_same_figures_in_csv_xlsx_and_xml() {
    let s = scenario().await;
    let (app, f) = (&s.app, &s.f);
    let path = format!("/api/v1/operations/{}/bilan", s.operation);

    let (status, ct, csv) = fichier(app, &format!("{path}?format=csv"), &f.token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ct, "text/csv; charset=utf-8");
    assert!(csv.starts_with(&[0xEF, 0xBB, 0xBF]), "UTF-8 BOM for Excel");
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    let ligne = |label: &str| text.lines().find(|l| l.starts_with(label)).unwrap_or_else(|| panic!("{label} in {text}")).to_string();
    assert_eq!(ligne("Heures retenues;"), "Heures retenues;940,75");
    assert_eq!(ligne("Heures réalisées;"), "Heures réalisées;1230,75");
    assert_eq!(ligne("Taux de réalisation;"), "Taux de réalisation;89,6\u{a0}%", "a percentage, as Excel shows it");
    assert_eq!(ligne("CDD;"), "CDD;2;2;720,25;430,25;cdd", "labels first, the code in its own column");
    assert!(text.contains("Par type de contrat;Contrats;Participants;Heures réalisées;Heures retenues;Code"), "{text}");
    assert!(text.contains("\r\n"));

    let (_, ct, xlsx) = fichier(app, &format!("{path}?format=xlsx"), &f.token).await;
    assert_eq!(ct, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(xlsx)).unwrap();
    let names = wb.sheet_names();
    assert!(names.contains(&"Par type de contrat".to_string()) && names.contains(&"Par mois".to_string()), "{names:?}");
    let synthese = wb.worksheet_range("Synthèse").unwrap();
    let valeur = |label: &str| synthese.rows().find(|r| r[0] == Data::String(label.into())).map(|r| r[1].clone()).unwrap();
    assert_eq!(valeur("Heures retenues"), Data::Float(940.75), "a real number, not text");
    assert_eq!(valeur("Participants"), Data::Float(4.0));
    let types = wb.worksheet_range("Par type de contrat").unwrap();
    let cdd = types.rows().find(|r| r[0] == Data::String("CDD".into())).unwrap().to_vec();
    assert_eq!(cdd[4], Data::Float(430.25));
    assert_eq!(cdd[5], Data::String("cdd".into()), "the code in its own column");

    let (_, ct, xml) = fichier(app, &format!("{path}?format=xml"), &f.token).await;
    assert_eq!(ct, "application/xml; charset=utf-8");
    let mut reader = quick_xml::Reader::from_reader(xml.as_slice());
    let mut buf = Vec::new();
    let mut retenues = None;
    let mut cdd_xml = None;
    let mut libelle_xml = None;
    loop {
        match reader.read_event_into(&mut buf).unwrap() {
            quick_xml::events::Event::Empty(e) if e.name().as_ref() == b"heures" => {
                retenues = e.try_get_attribute("retenues").unwrap().map(|a| a.unescape_value().unwrap().to_string());
            }
            quick_xml::events::Event::Start(e) if e.name().as_ref() == b"ligne" && e.try_get_attribute("cle").unwrap().is_some_and(|a| a.value.as_ref() == b"cdd") && cdd_xml.is_none() => {
                cdd_xml = e.try_get_attribute("heures_retenues").unwrap().map(|a| a.unescape_value().unwrap().to_string());
                if let quick_xml::events::Event::Text(t) = reader.read_event_into(&mut Vec::new()).unwrap() {
                    libelle_xml = Some(t.unescape().unwrap().to_string());
                }
            }
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    assert_eq!(retenues.as_deref(), Some("940.75"));
    assert_eq!(cdd_xml.as_deref(), Some("430.25"));
    assert_eq!(libelle_xml.as_deref(), Some("CDD"), "the code an attribute, the label the text");
}

#[tokio::test]
async fn buyers_get_masked_bilans_of_their_own_perimeters_only() {
    let s = scenario().await;
    let (app, f) = (&s.app, &s.f);
    let donneur = structure_donneur(app, f, s.operation).await;
    let d = app.login_bound("PLIE A", Role::DonneurOrdre, None, Some(donneur)).await;
    let (status, b) = app.get(&format!("/api/v1/operations/{}/bilan", s.operation), &d.token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(b["heures_retenues"], 940.75, "hours are not personal data");
    assert_eq!(b["participants"], "< 5");
    assert_eq!(b["contrats"], "< 5");
    assert_eq!(b["par_type_contrat"]["cdd"]["participants"], "< 5");
    assert_eq!(b["par_public"]["femmes"], "< 5");
    // A masked row hides its hours too: they would be a few people's.
    for (nom, table) in b.as_object().unwrap().iter().filter(|(k, _)| k.starts_with("par_") && *k != "par_public" && *k != "par_mois") {
        for (cle, ligne) in table.as_object().unwrap() {
            if ligne["participants"].is_string() {
                assert!(ligne["heures_retenues"].is_null() && ligne["heures_realisees"].is_null(), "{nom}.{cle}: {ligne}");
            }
        }
    }
    assert!(b["par_metier"].as_object().unwrap().values().all(|l| l["heures_retenues"].is_null()), "one or two people per métier: {}", b["par_metier"]);
    let text = b.to_string();
    for personal in ["Un", "Deux", "1998-04-12", "prescripteur"] {
        assert!(!text.contains(&format!("\"{personal}\"")), "{personal} leaked");
    }
    let (_, _, csv) = fichier(app, &format!("/api/v1/operations/{}/bilan?format=csv", s.operation), &d.token).await;
    assert!(String::from_utf8_lossy(&csv).contains("Participants;< 5"));
    assert_eq!(app.get(&format!("/api/v1/donneurs-ordre/{donneur}/bilan"), &d.token).await.0, StatusCode::OK);
    assert_eq!(app.get("/api/v1/bilan", &d.token).await.0, StatusCode::FORBIDDEN);
    assert_eq!(app.get(&format!("/api/v1/entreprises/{}/bilan", s.batir), &d.token).await.0, StatusCode::FORBIDDEN);
    let autre = app.donneur_ordre(f, "Autre acheteur", 77).await["id"].as_i64().unwrap();
    assert_eq!(app.get(&format!("/api/v1/donneurs-ordre/{autre}/bilan"), &d.token).await.0, StatusCode::NOT_FOUND);
    let d2 = app.login_bound("PLIE A", Role::DonneurOrdre, None, Some(autre)).await;
    assert_eq!(app.get(&format!("/api/v1/operations/{}/bilan", s.operation), &d2.token).await.0, StatusCode::NOT_FOUND);
    // Facilitateurs see the counts.
    let (_, b) = app.get(&format!("/api/v1/operations/{}/bilan", s.operation), &f.token).await;
    assert_eq!(b["participants"], 4);
}

#[tokio::test]
async fn companies_read_their_own_bilan_and_nothing_else() {
    let s = scenario().await;
    let app = &s.app;
    let batir = app.login_bound("PLIE A", Role::Entreprise, Some(s.batir), None).await;
    let (status, b) = app.get(&format!("/api/v1/entreprises/{}/bilan", s.batir), &batir.token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(b["heures_retenues"], 630.25);
    assert_eq!(app.get(&format!("/api/v1/entreprises/{}/bilan", s.etti), &batir.token).await.0, StatusCode::NOT_FOUND);
    assert_eq!(app.get(&format!("/api/v1/operations/{}/bilan", s.operation), &batir.token).await.0, StatusCode::FORBIDDEN);
    let r = app.login("PLIE A", Role::Referent).await;
    assert_eq!(app.get("/api/v1/bilan", &r.token).await.0, StatusCode::FORBIDDEN);
    let other = app.login("PLIE B", Role::Facilitateur).await;
    assert_eq!(app.get(&format!("/api/v1/operations/{}/bilan", s.operation), &other.token).await.0, StatusCode::NOT_FOUND);
    let (_, empty) = app.get("/api/v1/bilan", &other.token).await;
    assert_eq!(empty["heures_retenues"], 0.0);
}

#[tokio::test]
async fn yearly_consolidation_and_network_merge() {
    let s = scenario().await;
    let (app, f) = (&s.app, &s.f);
    app.login("PLIE B", Role::Facilitateur).await;
    let (status, ct, xml) = fichier(app, "/api/v1/consolidation?annee=2025", &f.token).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(ct, "application/xml; charset=utf-8");
    let ligne = clausier::bilans::consolidation::lire(&xml).unwrap();
    assert_eq!(ligne.structure, "PLIE A");
    assert_eq!(ligne.valeurs["heures.retenues"], 940.75);
    assert_eq!(ligne.valeurs["activite.marches"], 1.0);
    assert_eq!(ligne.valeurs["par_type_contrat.cdd.heures_retenues"], 430.25);
    assert!(!String::from_utf8_lossy(&xml).contains("Jean-Jaurès"), "aggregates only: no opération names");
    let (status, _) = app.get("/api/v1/consolidation?annee=1900", &f.token).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let d = app.login_bound("PLIE A", Role::DonneurOrdre, None, Some(structure_donneur(app, f, s.operation).await)).await;
    assert_eq!(app.get("/api/v1/consolidation?annee=2025", &d.token).await.0, StatusCode::FORBIDDEN);

    // The command line exports every structure, then merges the files.
    let dir = tempfile::tempdir().unwrap();
    let run = |args: Vec<String>| {
        let mut cmd = assert_cmd::Command::cargo_bin("clausier").unwrap();
        cmd.env("CLAUSIER_ENV", "test").env("CLAUSIER__DATABASE__URL", &app.db_url).args(args);
        cmd.output().unwrap()
    };
    let out = run(vec!["consolidation".into(), "export".into(), "--annee".into(), "2025".into(), "--out".into(), dir.path().display().to_string()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let files: Vec<String> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().path().display().to_string()).collect();
    assert_eq!(files.len(), 2, "PLIE A and PLIE B");
    let table = dir.path().join("reseau.csv");
    let mut args = vec!["consolidation".to_string(), "fusion".into(), "--out".into(), table.display().to_string()];
    args.extend(files.clone());
    let out = run(args);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let csv = std::fs::read_to_string(&table).unwrap();
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert!(lines[0].starts_with("structure;heures.objectif;heures.realisees;heures.retenues;"), "{}", lines[0]);
    assert!(lines[1].starts_with("PLIE A;1050;1230,75;940,75;"), "{}", lines[1]);
    assert!(lines[2].starts_with("PLIE B;0;0;0;"), "{}", lines[2]);
    assert!(lines[3].starts_with("TOTAL;1050;1230,75;940,75;"), "{}", lines[3]);

    // A broken file is reported with its line, and fails the run.
    let broken = dir.path().join("casse.xml");
    std::fs::write(&broken, "<?xml version=\"1.0\"?>\n<consolidation structure=\"X\" annee=\"2025\">\n  <heures retenues=\"beaucoup\"/>\n</consolidation>\n").unwrap();
    let mut args = vec!["consolidation".to_string(), "fusion".into(), "--out".into(), dir.path().join("t.xlsx").display().to_string()];
    args.extend(files);
    args.push(broken.display().to_string());
    let out = run(args);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("ligne 3 : nombre illisible « beaucoup »"), "{err}");
    assert!(dir.path().join("t.xlsx").exists(), "the readable files are still merged");
}

/// The national generator at 1 % over 12 structures: coherent data, exact totals,
/// deterministic, and the bilans, consolidation and benchmark run on it.
#[tokio::test]
async fn the_national_data_set_at_one_percent() {
    let app = spawn_app().await;
    let echelle = clausier::demo::national::Echelle { structures: 12, part: 0.01 };
    let t = clausier::demo::national::national(&app.db, default_now(), 42, echelle, false).await.unwrap().unwrap();
    assert_eq!((t.structures, t.contrats, t.participants, t.marches), (12, 486, 343, 340));
    assert_eq!(count(&app.db, "contrats").await, 486);
    assert_eq!(count(&app.db, "mises_en_emploi").await, 486);
    assert_eq!(count(&app.db, "heures_mensuelles").await as u64, t.lignes_heures);
    assert!(clausier::demo::national::national(&app.db, default_now(), 42, echelle, false).await.unwrap().is_none(), "loaded once");
    // The bench runs, and its hand-written SQL gives the opération bilan's figures by
    // contract type and month (it refuses to time two different things).
    let mesures = clausier::bench::bilans(&app.db, 2, 2025).await.unwrap();
    assert_eq!(mesures.len(), 5);
    // Every structure's 2025 bilan sums to the validated hours loaded (all in 2025).
    let mut total = 0.0;
    for s in 1..=12 {
        let acteur = clausier::auth::Acteur::systeme(s);
        let b = clausier::bilans::service::bilan(&app.db, &acteur, clausier::bilans::service::Cible::Structure, clausier::bilans::service::periode(None, None).unwrap()).await.unwrap();
        total += b.heures_realisees;
    }
    assert_eq!((total * 60.0).round() as i64, t.minutes);
}

#[tokio::test]
async fn the_bilan_page_shows_the_same_figures_with_a_chart_and_the_same_rights() {
    let s = crate::clauses::scenario().await;
    let (app, f) = (&s.app, &s.f);
    let (_, json) = app.get(&format!("/api/v1/operations/{}/bilan", s.operation), &f.token).await;
    let path = format!("/operations/{}/bilan", s.operation);
    assert_eq!(page(app, &path, None).await.0, StatusCode::SEE_OTHER, "login first");
    let cookie = se_connecter_a(app, f, &path).await;
    let (status, html) = page(app, &path, Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let retenues = clausier::text::heures_fr(json["heures_retenues"].as_f64().unwrap());
    let objectif = clausier::text::heures_fr(json["heures_objectif"].as_f64().unwrap());
    assert!(html.contains(&format!("<strong>{retenues}</strong> retenues sur un objectif de <strong>{objectif}</strong>")), "{html}");
    // The period is stated even by default; the chart has its title, axes, legend and table.
    assert!(html.contains("<dt>Période</dt><dd>depuis le début des clauses jusqu'au") && html.contains("<dt>Édité le</dt>"), "{html}");
    assert!(html.contains("<title id=\"mois-titre\">") && html.contains("class=\"objectif\"") && html.contains("Attendu cumulé") && html.contains("<th scope=\"row\">février 2025</th>"), "{html}");
    // Words, not codes, in rows and in the bars.
    assert!(html.contains("Par type de contrat") && html.contains("<th scope=\"row\">Mission d'ETTI</th>") && html.contains(">Embauche directe<"), "{html}");
    for code in [">cdd<", ">embauche_directe<", ">mission_etti<", ">btp<"] {
        assert!(!html.contains(code), "{code} in {html}");
    }
    let xlsx = navigateur().get(app.url(&format!("{path}?format=xlsx"))).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(xlsx.headers()["content-type"], "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    let (status, html) = page(app, &format!("{path}?du=2025-01-15"), Some(&cookie)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("doit être un premier du mois"), "{html}");
    // A period of whole months, chosen in the selector: stated, and the same figures as the API.
    let (_, json_mars) = app.get(&format!("/api/v1/operations/{}/bilan?du=2025-03-01&au=2025-03-31", s.operation), &f.token).await;
    let (status, html) = page(app, &format!("{path}?du=2025-03-01&au=2025-03-31"), Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<dd>mars 2025 (du 01/03/2025 au 31/03/2025)</dd>") && html.contains("<option value=\"2025-03-01\" selected>mars 2025</option>"), "{html}");
    assert!(html.contains(&format!("<strong>{}</strong> retenues", clausier::text::heures_fr(json_mars["heures_retenues"].as_f64().unwrap()))), "{html}");

    // Every perimeter has its page, linked from the pages that name it.
    let donneur = s.ville;
    for (fiche, bilan) in [
        (format!("/operations/{}", s.operation), path.clone()),
        (format!("/marches/{}", s.marche), format!("/marches/{}/bilan", s.marche)),
        (format!("/clauses/{}", s.clause_a), format!("/clauses/{}/bilan", s.clause_a)),
        (format!("/donneurs-ordre/{donneur}"), format!("/donneurs-ordre/{donneur}/bilan")),
        (format!("/entreprises/{}", s.batir), format!("/entreprises/{}/bilan", s.batir)),
        ("/bilans".to_string(), "/bilan".to_string()),
        ("/bilans".to_string(), "/portefeuille/bilan".to_string()),
        ("/".to_string(), "/bilans".to_string()),
    ] {
        let (status, html) = page(app, &fiche, Some(&cookie)).await;
        assert_eq!(status, StatusCode::OK, "{fiche}");
        assert!(html.contains(&format!("href=\"{bilan}\"")), "{fiche} links to {bilan}");
        let (status, html) = page(app, &bilan, Some(&cookie)).await;
        assert_eq!(status, StatusCode::OK, "{bilan}: {html}");
    }
    // The yearly downloads: the structure's bilan and the consolidation.
    let (_, html) = page(app, "/bilans?annee=2025", Some(&cookie)).await;
    assert!(html.contains("href=\"/bilan?du=2025-01-01&amp;au=2025-12-31&amp;format=xlsx\"") && html.contains("href=\"/bilans/consolidation?annee=2025\""), "{html}");
    let r = navigateur().get(app.url("/bilans/consolidation?annee=2025")).header("cookie", &cookie).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("<consolidation xmlns=\"urn:clausier:consolidation:1\""));
    assert_eq!(page(app, "/bilans?annee=1999", Some(&cookie)).await.0, StatusCode::UNPROCESSABLE_ENTITY);

    // The donneur d'ordre: its home lists its opération and marché with progress, each
    // linking to a masked bilan; a company or a référent may not; another buyer, another
    // structure find nothing.
    let ville = app.login_bound("PLIE A", Role::DonneurOrdre, None, Some(s.ville)).await;
    let cookie_v = se_connecter_a(app, &ville, "/").await;
    let (_, accueil) = page(app, "/", Some(&cookie_v)).await;
    assert!(accueil.contains(&format!("href=\"{path}\"")) && accueil.contains(&format!("href=\"/marches/{}/bilan\"", s.marche)) && accueil.contains(&format!("href=\"/donneurs-ordre/{donneur}/bilan\"")), "{accueil}");
    assert!(accueil.contains(&objectif) && accueil.contains(&retenues) && accueil.contains("class=\"statut statut-"), "{accueil}");
    let (status, html) = page(app, &path, Some(&cookie_v)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<th scope=\"row\">Participants</th><td class=\"nombre\">&lt; 5</td>") && html.contains("masqué"), "{html}");
    assert!(html.contains(&format!("href=\"/marches/{}/bilan\"", s.marche)), "neighbours: {html}");
    for chemin in [format!("/marches/{}/bilan", s.marche), format!("/clauses/{}/bilan", s.clause_a), format!("/donneurs-ordre/{donneur}/bilan")] {
        assert_eq!(page(app, &chemin, Some(&cookie_v)).await.0, StatusCode::OK, "{chemin}");
    }
    for chemin in [format!("/entreprises/{}/bilan", s.batir), "/bilan".to_string(), "/bilans".to_string(), "/portefeuille/bilan".to_string()] {
        assert_eq!(page(app, &chemin, Some(&cookie_v)).await.0, StatusCode::FORBIDDEN, "{chemin}");
    }
    let autre = app.donneur_ordre(f, "Département", 2).await["id"].as_i64().unwrap();
    let autre_acheteur = app.login_bound("PLIE A", Role::DonneurOrdre, None, Some(autre)).await;
    let cookie_a = se_connecter_a(app, &autre_acheteur, "/").await;
    let (_, accueil) = page(app, "/", Some(&cookie_a)).await;
    assert!(!accueil.contains(&path) && accueil.contains("Aucune opération"), "{accueil}");
    for chemin in [path.clone(), format!("/marches/{}/bilan", s.marche), format!("/clauses/{}/bilan", s.clause_a), format!("/donneurs-ordre/{donneur}/bilan")] {
        let (status, html) = page(app, &chemin, Some(&cookie_a)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{chemin}");
        assert!(html.contains("Bilan introuvable"), "{html}");
    }
    let batir = app.login_bound("PLIE A", Role::Entreprise, Some(s.batir), None).await;
    let cookie_b = se_connecter_a(app, &batir, "/").await;
    assert_eq!(page(app, &path, Some(&cookie_b)).await.0, StatusCode::FORBIDDEN);
    let (_, accueil) = page(app, "/", Some(&cookie_b)).await;
    assert!(accueil.contains(&format!("href=\"/entreprises/{}/bilan\"", s.batir)), "{accueil}");
    assert_eq!(page(app, &format!("/entreprises/{}/bilan", s.batir), Some(&cookie_b)).await.0, StatusCode::OK);
    assert_eq!(page(app, &format!("/entreprises/{}/bilan", s.peinture), Some(&cookie_b)).await.0, StatusCode::NOT_FOUND);
    let referent = app.login("PLIE A", Role::Referent).await;
    let cookie_r = se_connecter_a(app, &referent, "/").await;
    for chemin in [path.clone(), format!("/marches/{}/bilan", s.marche), "/bilan".to_string(), "/bilans".to_string()] {
        assert_eq!(page(app, &chemin, Some(&cookie_r)).await.0, StatusCode::FORBIDDEN, "{chemin}");
    }
    let ailleurs = app.login("PLIE B", Role::Facilitateur).await;
    assert_eq!(page(app, &path, Some(&se_connecter_a(app, &ailleurs, &path).await)).await.0, StatusCode::NOT_FOUND);
}
