//! `clausier import decp`: DECP files (XML, JSON, v1, v2) into a structure, once, with a
//! report of what was left out and where.

use assert_cmd::Command;
use entities::enums::Role;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::*;

fn clausier(db_url: &str) -> Command {
    let mut cmd = Command::cargo_bin("clausier").unwrap();
    cmd.env("CLAUSIER_ENV", "test").env("CLAUSIER__DATABASE__URL", db_url).env("CLAUSIER__MAIL__TRANSPORT", "stub").env_remove("RUST_LOG");
    cmd
}

/// Runs an import; its exit status and what it printed.
fn importer(db_url: &str, args: &[&str]) -> (bool, String) {
    let out = clausier(db_url).args(["import", "decp"]).args(args).output().unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

const PARIS: &str = "21750001630040";
const RENNES: &str = "21350238800019";

/// A v2 XML file: a works marché with a clause sociale, a cotitulaire, a sous-traitant
/// and a modification (new amount and duration), and a services marché without clause.
pub(crate) fn xml_v2(titulaire: &str, cotitulaire: &str, sous_traitant: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<marches>
  <marche>
    <id>2025-BTP-01</id>
    <acheteur><id>{PARIS}</id></acheteur>
    <considerationsSociales><considerationSociale>Clause sociale</considerationSociale></considerationsSociales>
    <nature>Marché</nature>
    <objet>Réhabilitation du groupe scolaire &amp; gymnase</objet>
    <codeCPV>45214200-2</codeCPV>
    <procedure>Appel d'offres ouvert</procedure>
    <lieuExecution><code>75011</code><typeCode>Code postal</typeCode></lieuExecution>
    <dureeMois>24</dureeMois>
    <dateNotification>2025-02-03+01:00</dateNotification>
    <montant>1 250 000,50</montant>
    <titulaires>
      <titulaire><id>{titulaire}</id><typeIdentifiant>SIRET</typeIdentifiant></titulaire>
      <titulaire><id>{cotitulaire}</id><typeIdentifiant>SIRET</typeIdentifiant></titulaire>
    </titulaires>
    <actesSousTraitance>
      <acteSousTraitance><id>1</id><sousTraitant><id>{sous_traitant}</id><typeIdentifiant>SIRET</typeIdentifiant></sousTraitant><montant>80000</montant></acteSousTraitance>
    </actesSousTraitance>
    <modifications>
      <modification><id>1</id><dureeMois>30</dureeMois><montant>1400000</montant><dateNotificationModification>2025-09-01</dateNotificationModification></modification>
    </modifications>
  </marche>
  <marche>
    <id>2025-NET-02</id>
    <acheteur><id>{PARIS}</id></acheteur>
    <considerationsSociales><considerationSociale>Pas de considération sociale</considerationSociale></considerationsSociales>
    <objet>Nettoyage des locaux</objet>
    <codeCPV>90910000-9</codeCPV>
    <dureeMois>12</dureeMois>
    <dateNotification>2025-01-10</dateNotification>
    <montant>90000</montant>
    <titulaires><titulaire><id>{titulaire}</id><typeIdentifiant>SIRET</typeIdentifiant></titulaire></titulaires>
  </marche>
</marches>
"#
    )
}

/// A v1 JSON file: the buyer and the titulaire are named; booleans as "oui".
fn json_v1(titulaire: &str) -> String {
    json!({"marches": [{
        "id": "2019-77", "uid": "x", "acheteur": {"id": RENNES, "nom": "Ville de Rennes"},
        "nature": "Marché", "objet": "Entretien des espaces verts", "codeCPV": "77313000",
        "procedure": "Procédure adaptée", "lieuExecution": {"code": "35238", "typeCode": "Code commune", "nom": "Rennes"},
        "dureeMois": 36, "dateNotification": "2019-04-01", "montant": 240000, "marcheInnovant": "oui",
        "titulaires": [{"typeIdentifiant": "SIRET", "id": titulaire, "denominationSociale": "Jardins d'insertion du Blosne"}]
    }]})
    .to_string()
}

async fn get(app: &TestApp, token: &str, path: &str) -> Value {
    let (status, v) = app.get(path, token).await;
    assert_eq!(status, StatusCode::OK, "{path}: {v}");
    v
}

#[tokio::test]
async fn xml_and_json_files_import_buyers_marches_companies_and_modifications_once() {
    let app = spawn_app().await;
    let f = app.login("PLIE Paris", Role::Facilitateur).await;
    let (t, co, st, jardins) = (clausier::demo::siret(11), clausier::demo::siret(12), clausier::demo::siret(13), clausier::demo::siret(14));
    let dir = tempfile::tempdir().unwrap();
    let (xml, json) = (dir.path().join("decp.xml"), dir.path().join("decp-v1.json"));
    std::fs::write(&xml, xml_v2(&t, &co, &st)).unwrap();
    std::fs::write(&json, json_v1(&jardins)).unwrap();
    let (xml, json) = (xml.to_str().unwrap(), json.to_str().unwrap());

    let (ok, out) = importer(&app.db_url, &[xml, json]);
    assert!(ok, "{out}");
    assert!(out.contains("decp.xml : 2 marché(s) lu(s), dont 1 avec clause sociale ; 2 créé(s), 0 mis à jour, 0 inchangé(s)"), "{out}");
    assert!(out.contains("1 donneur(s) d'ordre et 3 entreprise(s) créé(s) ; 1 modification(s) enregistrée(s)"), "{out}");
    assert!(out.contains("decp-v1.json : 1 marché(s) lu(s), dont 0 avec clause sociale ; 1 créé(s)"), "{out}");

    // What the facilitateur sees through the API.
    let marches = get(&app, &f.token, "/api/v1/marches").await;
    assert_eq!(marches["total"], 3);
    let btp = marches["items"].as_array().unwrap().iter().find(|m| m["numero"] == "2025-BTP-01").unwrap().clone();
    assert_eq!(btp["decp_uid"], format!("{PARIS}2025-BTP-01"));
    assert_eq!(btp["objet"], "Réhabilitation du groupe scolaire & gymnase");
    assert_eq!(btp["nature"], "travaux");
    // The modification's amount and duration are in force: 30 months from the notification.
    assert_eq!(btp["montant_ht"], 1_400_000.0);
    assert_eq!((btp["date_debut"].as_str(), btp["date_fin"].as_str()), (Some("2025-02-03"), Some("2027-08-02")));
    let attributions = get(&app, &f.token, &format!("/api/v1/marches/{}/attributions", btp["id"])).await;
    let roles: Vec<(String, Value)> = attributions["items"].as_array().unwrap().iter().map(|a| (a["role"].as_str().unwrap().to_string(), a["montant_ht"].clone())).collect();
    assert_eq!(roles, [("titulaire".to_string(), Value::Null), ("cotraitant".into(), Value::Null), ("soustraitant".into(), json!(80000.0))]);
    let operation = get(&app, &f.token, &format!("/api/v1/operations/{}", btp["operation_id"])).await;
    assert_eq!(operation["secteur"], "btp");
    let donneurs = get(&app, &f.token, "/api/v1/donneurs-ordre").await;
    let noms: Vec<(&str, &str)> = donneurs["items"].as_array().unwrap().iter().map(|d| (d["nom"].as_str().unwrap(), d["type"].as_str().unwrap())).collect();
    assert!(noms.contains(&("Ville de Rennes", "commune")) && noms.contains(&(&format!("Acheteur {PARIS}")[..], "commune")), "{noms:?}");
    let entreprises = get(&app, &f.token, "/api/v1/entreprises").await;
    assert!(entreprises["items"].as_array().unwrap().iter().any(|e| e["raison_sociale"] == "Jardins d'insertion du Blosne" && e["siret"] == jardins.as_str()));

    // The imported marché takes a clause like any other.
    let lot = btp["lots"][0]["id"].as_i64().unwrap();
    let (status, clause) = app.post("/api/v1/clauses", &f.token, &json!({"lot_id": lot, "type": "execution", "date_debut": "2025-03-01", "date_fin": "2027-06-30", "globalisable": false, "objectif": {"mode": "heures", "heures": 2000}})).await;
    assert_eq!(status, StatusCode::CREATED, "{clause}");

    // Again: nothing changes. Rows are counted before and after.
    let tables = ["donneurs_ordre", "operations", "marches", "lots", "entreprises", "attributions", "marche_versions"];
    let mut avant = Vec::new();
    for t in tables {
        avant.push(count(&app.db, t).await);
    }
    let (ok, out) = importer(&app.db_url, &[xml, json]);
    assert!(ok, "{out}");
    assert!(out.contains("0 créé(s), 0 mis à jour, 2 inchangé(s)") && out.contains("0 créé(s), 0 mis à jour, 1 inchangé(s)"), "{out}");
    for (t, n) in tables.iter().zip(avant) {
        assert_eq!(count(&app.db, t).await, n, "{t}");
    }
    // 3 marchés as notified + 1 modification.
    assert_eq!(count(&app.db, "marche_versions").await, 4);

    // An older file (before the modification) does not bring the old amount back.
    let ancien = dir.path().join("ancien.xml");
    let sans_modification = xml_v2(&t, &co, &st);
    let debut = sans_modification.find("<modifications>").unwrap();
    let fin = sans_modification.find("</modifications>").unwrap() + "</modifications>".len();
    std::fs::write(&ancien, format!("{}{}", &sans_modification[..debut], &sans_modification[fin..])).unwrap();
    let (ok, out) = importer(&app.db_url, &[ancien.to_str().unwrap()]);
    assert!(ok && out.contains("0 mis à jour, 2 inchangé(s)"), "{out}");
    let marche = get(&app, &f.token, &format!("/api/v1/marches/{}", btp["id"])).await;
    assert_eq!(marche["montant_ht"], 1_400_000.0, "{marche}");

    // Only the marchés with a social consideration.
    let (ok, out) = importer(&app.db_url, &["--structure", "PLIE Paris", "--clauses-sociales", xml]);
    assert!(ok && out.contains("1 sans clause sociale écarté(s)"), "{out}");
}

#[tokio::test]
async fn messy_files_are_read_as_far_as_possible_and_reported_with_their_lines() {
    let app = spawn_app().await;
    app.login("PLIE Lyon", Role::Facilitateur).await;
    let dir = tempfile::tempdir().unwrap();
    let ecrire = |nom: &str, texte: &str| {
        let p = dir.path().join(nom);
        std::fs::write(&p, texte).unwrap();
        p.to_str().unwrap().to_string()
    };
    let t = clausier::demo::siret(21);
    // dureeMois NC, an unreadable amount, a foreign titulaire, a list without its wrapper,
    // a marché without acheteur (line 8) and one without id (line 11).
    let desordre = ecrire(
        "desordre.xml",
        &format!(
            "<marches>\n<marche>\n<id>A</id><acheteur><id>{PARIS}</id></acheteur><objet>Voirie</objet><codeCPV>45233140</codeCPV>\n<dureeMois>NC</dureeMois><dateNotification>2025-06-01</dateNotification><montant>NC</montant>\n<titulaires><id>{t}</id></titulaires>\n<titulaires><titulaire><id>DE814864138</id><typeIdentifiant>TVA</typeIdentifiant></titulaire></titulaires>\n</marche>\n<marche>\n<id>B</id><objet>Sans acheteur</objet>\n</marche>\n<marche><objet>Sans id</objet></marche>\n</marches>\n"
        ),
    );
    let (ok, out) = importer(&app.db_url, &[&desordre]);
    assert!(ok, "{out}");
    assert!(out.contains("3 marché(s) lu(s), dont 0 avec clause sociale ; 1 créé(s), 0 mis à jour, 0 inchangé(s), 2 illisible(s)"), "{out}");
    for attendu in [
        "desordre.xml:2 : marché A : montant illisible « NC », compté 0 €",
        "desordre.xml:2 : marché A : durée « NC » illisible, fin d'exécution à renseigner",
        "desordre.xml:8 : marché B ignoré : pas d'acheteur",
        "desordre.xml:11 : marché sans identifiant (id) : ignoré",
    ] {
        assert!(out.contains(attendu), "missing « {attendu} » in:\n{out}");
    }
    assert!(!out.contains("DE814864138"), "a foreign titulaire is kept, not reported: {out}");
    assert_eq!(count(&app.db, "attributions").await, 2, "the SIRET titulaire without wrapper and the foreign one are kept");
    let lyon = app.login("PLIE Lyon", Role::Facilitateur).await;
    let entreprises = get(&app, &lyon.token, "/api/v1/entreprises").await;
    let tva = entreprises["items"].as_array().unwrap().iter().find(|e| e["siret"] == "DE814864138").cloned().unwrap_or_default();
    assert_eq!((tva["type_identifiant"].as_str(), tva["raison_sociale"].as_str()), (Some("tva"), Some("Entreprise DE814864138")), "{entreprises}");

    // A file broken in the middle imports nothing of it and says where it broke.
    let marches = count(&app.db, "marches").await;
    let casse = ecrire("casse.xml", &format!("<marches>\n<marche><id>C</id><acheteur><id>{PARIS}</id></acheteur><dateNotification>2025-01-01</dateNotification><montant>10</montant></marche>\n<marche><id>D</id>\n</marches>\n"));
    let json_casse = ecrire("casse.json", "{\"marches\": {\"marche\": [\n{\"id\": \"E\"},\n{\"id\": \"F\",\n]}}");
    let (ok, out) = importer(&app.db_url, &[&casse, &json_casse]);
    assert!(!ok, "nothing could be read: exit 1\n{out}");
    assert!(out.contains("casse.xml : illisible à la ligne 4") && out.contains("rien n'a été importé de ce fichier"), "{out}");
    assert!(out.contains("casse.json : illisible à la ligne 4"), "{out}");
    assert_eq!(count(&app.db, "marches").await, marches);

    // Not a DECP file at all.
    let autre = ecrire("autre.json", "{\"bonjour\": 1}");
    let (ok, out) = importer(&app.db_url, &[&autre]);
    assert!(!ok && out.contains("aucun marché trouvé"), "{out}");
}

#[tokio::test]
async fn the_structure_must_be_named_when_there_are_several() {
    let app = spawn_app().await;
    app.login("PLIE A", Role::Facilitateur).await;
    app.login("PLIE B", Role::Facilitateur).await;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("m.xml");
    std::fs::write(&p, format!("<marche><id>X</id><acheteur><id>{PARIS}</id></acheteur><dateNotification>2025-01-01</dateNotification><montant>10</montant></marche>")).unwrap();
    let p = p.to_str().unwrap();
    let (ok, out) = importer(&app.db_url, &[p]);
    assert!(!ok && out.contains("précisez laquelle avec --structure NOM"), "{out}");
    let (ok, out) = importer(&app.db_url, &["--structure", "PLIE Z", p]);
    assert!(!ok && out.contains("aucune structure nommée « PLIE Z »"), "{out}");
    assert_eq!(count(&app.db, "marches").await, 0);
    let (ok, out) = importer(&app.db_url, &["--structure", "PLIE B", p]);
    assert!(ok && out.contains("1 créé(s)"), "{out}");
}

/// A file larger than two transactions' chunks (2 000 marchés) is written whole, and once.
#[tokio::test]
async fn a_file_of_several_chunks_is_written_whole_and_once() {
    let app = spawn_app().await;
    app.login("PLIE Nantes", Role::Facilitateur).await;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("gros.xml");
    // Seven companies, each in every chunk: on PostgreSQL two writers side by side find
    // or create them, each once.
    let mut xml = String::from("<marches>\n");
    for i in 0..4401 {
        let titulaire = clausier::demo::siret(31 + i % 7);
        xml.push_str(&format!("<marche><id>M{i}</id><acheteur><id>{PARIS}</id></acheteur><objet>Lot {i}</objet><dureeMois>12</dureeMois><dateNotification>2025-03-01</dateNotification><montant>{}</montant><titulaires><titulaire><id>{titulaire}</id></titulaire></titulaires></marche>\n", 1000 + i));
    }
    xml.push_str("</marches>\n");
    std::fs::write(&p, xml).unwrap();
    let p = p.to_str().unwrap();
    let (ok, out) = importer(&app.db_url, &[p]);
    assert!(ok && out.contains("4401 marché(s) lu(s), dont 0 avec clause sociale ; 4401 créé(s)"), "{out}");
    assert_eq!((count(&app.db, "marches").await, count(&app.db, "attributions").await, count(&app.db, "entreprises").await, count(&app.db, "donneurs_ordre").await), (4401, 4401, 7, 1));
    assert!(out.contains("1 donneur(s) d'ordre et 7 entreprise(s) créé(s)"), "counted once each: {out}");
    let (ok, out) = importer(&app.db_url, &[p]);
    assert!(ok && out.contains("0 créé(s), 0 mis à jour, 4401 inchangé(s)"), "{out}");
    assert_eq!(count(&app.db, "marches").await, 4401);
}

/// The tables an import writes, counted, with the newest `updated_at` of the marchés.
async fn empreinte_base(app: &TestApp) -> Vec<String> {
    use sea_orm::{EntityTrait, QueryOrder};
    let mut v = Vec::new();
    for t in ["donneurs_ordre", "operations", "marches", "lots", "entreprises", "attributions", "marche_versions", "audit_log"] {
        v.push(format!("{t}={}", count(&app.db, t).await));
    }
    let dernier = entities::marches::Entity::find().order_by_desc(entities::marches::Column::UpdatedAt).one(&app.db).await.unwrap();
    v.push(format!("updated_at={:?}", dernier.map(|m| m.updated_at)));
    v
}

/// Noisy-le-Roi's `201801100` as published: lot 01 (CONVIVIO) and lot 2 (SOREST) as two
/// records sharing (acheteur, id), lot 2 with a modification, lot 01 twice identical.
fn lots_v1(convivio: &str, sorest: &str, publication: &str, montant_modifie: &str) -> String {
    let lot01 = json!({"id": "201801100", "acheteur": {"id": RENNES, "nom": "Commune de Noisy-le-Roi"}, "nature": "Marché", "objet": "Lot 01 restauration scolaire",
        "codeCPV": "55523100", "dureeMois": 48, "dateNotification": "2018-07-01", "datePublicationDonnees": publication, "montant": 1935141,
        "titulaires": [{"typeIdentifiant": "SIRET", "id": convivio, "denominationSociale": "CONVIVIO"}]});
    let lot2 = json!({"id": "201801100", "acheteur": {"id": RENNES, "nom": "Commune de Noisy-le-Roi"}, "nature": "Marché", "objet": "Lot 2 portage de repas",
        "codeCPV": "55521200", "dureeMois": 48, "dateNotification": "2018-07-01", "datePublicationDonnees": publication, "montant": 206184,
        "titulaires": [{"typeIdentifiant": "SIRET", "id": sorest, "denominationSociale": "SOREST"}],
        "modifications": [{"id": 1, "montant": montant_modifie, "datePublicationDonneesModification": publication}]});
    format!("{{\"marches\": [\n{lot01},\n{lot2},\n{lot01}\n]}}\n")
}

#[tokio::test]
async fn records_sharing_acheteur_and_id_are_the_lots_of_one_marche_and_a_reimport_writes_nothing() {
    let app = spawn_app().await;
    let f = app.login("PLIE Yvelines", Role::Facilitateur).await;
    let (convivio, sorest) = (clausier::demo::siret(41), clausier::demo::siret(42));
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("noisy.json");
    std::fs::write(&p, lots_v1(&convivio, &sorest, "2019-01-15", "210000")).unwrap();
    let p = p.to_str().unwrap();
    let (ok, out) = importer(&app.db_url, &[p]);
    assert!(ok, "{out}");
    assert!(out.contains("3 marché(s) lu(s), dont 0 avec clause sociale ; 1 créé(s)") && out.contains("dont 1 marché(s) publié(s) en plusieurs lots, 1 enregistrement(s) répété(s) à l'identique gardé(s) une fois"), "{out}");
    let marches = get(&app, &f.token, "/api/v1/marches").await;
    assert_eq!(marches["total"], 1, "{marches}");
    let m = &marches["items"][0];
    assert_eq!(m["montant_ht"], 1_935_141.0 + 210_000.0, "the lots' amounts in force: {m}");
    let lots: Vec<(String, String, f64)> = m["lots"].as_array().unwrap().iter().map(|l| (l["numero"].as_str().unwrap().into(), l["intitule"].as_str().unwrap().into(), l["montant_ht"].as_f64().unwrap())).collect();
    assert_eq!(lots, [("1".to_string(), "Lot 01 restauration scolaire".to_string(), 1_935_141.0), ("2".into(), "Lot 2 portage de repas".into(), 210_000.0)]);
    // Each lot its own titulaire, nobody a cotraitant of the other.
    let attributions = get(&app, &f.token, &format!("/api/v1/marches/{}/attributions", m["id"])).await;
    let entreprises = get(&app, &f.token, "/api/v1/entreprises").await;
    let nom = |id: &Value| entreprises["items"].as_array().unwrap().iter().find(|e| e["id"] == *id).unwrap()["raison_sociale"].as_str().unwrap().to_string();
    let mut vu: Vec<(String, i64, String)> = attributions["items"].as_array().unwrap().iter().map(|a| (nom(&a["entreprise_id"]), a["lot_id"].as_i64().unwrap(), a["role"].as_str().unwrap().to_string())).collect();
    vu.sort();
    let (lot1, lot2) = (m["lots"][0]["id"].as_i64().unwrap(), m["lots"][1]["id"].as_i64().unwrap());
    assert_eq!(vu, [("CONVIVIO".to_string(), lot1, "titulaire".to_string()), ("SOREST".into(), lot2, "titulaire".into())]);
    // Versions: lot 1 as notified (0), lot 2 as notified (1000) and its modification (1001).
    assert_eq!(count(&app.db, "marche_versions").await, 3);

    // The same file again, and again: not one row, timestamp or audit entry more.
    let avant = empreinte_base(&app).await;
    for _ in 0..2 {
        let (ok, out) = importer(&app.db_url, &[p]);
        assert!(ok && out.contains("0 créé(s), 0 mis à jour, 1 inchangé(s)"), "{out}");
        assert_eq!(empreinte_base(&app).await, avant);
    }

    // An older publication does not bring older values back, and says so.
    let ancien = dir.path().join("ancien.json");
    std::fs::write(&ancien, lots_v1(&convivio, &sorest, "2018-12-01", "206184")).unwrap();
    let (ok, out) = importer(&app.db_url, &[ancien.to_str().unwrap()]);
    assert!(ok && out.contains("marché 201801100 : données publiées le 01/12/2018, plus anciennes que celles déjà importées (publiées le 15/01/2019) : rien n'est remplacé"), "{out}");
    assert_eq!(empreinte_base(&app).await, avant);
    // Another feed, the same day, other figures: reported, nothing replaced.
    let autre = dir.path().join("autre-source.json");
    std::fs::write(&autre, lots_v1(&convivio, &sorest, "2019-01-15", "999999")).unwrap();
    let (ok, out) = importer(&app.db_url, &[autre.to_str().unwrap()]);
    assert!(ok && out.contains("marché 201801100 : publié le même jour (15/01/2019) avec d'autres données que celles déjà importées (deux sources ?)"), "{out}");
    assert_eq!(empreinte_base(&app).await, avant);
    // A newer publication updates the lot's modification and the marché's amount.
    let nouveau = dir.path().join("nouveau.json");
    std::fs::write(&nouveau, lots_v1(&convivio, &sorest, "2019-06-01", "220000")).unwrap();
    let (ok, out) = importer(&app.db_url, &[nouveau.to_str().unwrap()]);
    assert!(ok && out.contains("0 créé(s), 1 mis à jour"), "{out}");
    let m = get(&app, &f.token, &format!("/api/v1/marches/{}", m["id"])).await;
    assert_eq!(m["montant_ht"], 1_935_141.0 + 220_000.0, "{m}");
}

#[tokio::test]
async fn every_encoding_and_shape_of_real_files_is_read() {
    let app = spawn_app().await;
    let f = app.login("PLIE Sud", Role::Facilitateur).await;
    let dir = tempfile::tempdir().unwrap();
    let t = clausier::demo::siret(51);
    let marche = |id: &str, objet: &str| format!("<marche><id>{id}</id><acheteur><id>{PARIS}</id></acheteur><objet>{objet}</objet><dateNotification>2025-01-01</dateNotification><montant>1000</montant><titulaires><titulaire><id>{t}</id></titulaire></titulaires></marche>");
    let mut fichiers = Vec::new();
    for (nom, encodage, octets_objet) in [
        ("latin1.xml", "ISO-8859-1", b"R\xe9fection de la chauss\xe9e".to_vec()),
        ("latin9.xml", "ISO-8859-15", b"Entretien \xe0 50 \xa4".to_vec()),
        ("cp1252.xml", "windows-1252", b"Travaux \x96 \x8cuvre".to_vec()),
    ] {
        let mut octets = format!("<?xml version=\"1.0\" encoding=\"{encodage}\"?>\n<marches>").into_bytes();
        let gabarit = marche(nom, "@");
        let (avant, apres) = gabarit.split_once('@').unwrap();
        octets.extend(avant.as_bytes());
        octets.extend(&octets_objet);
        octets.extend(apres.as_bytes());
        octets.extend(b"</marches>\n");
        let p = dir.path().join(nom);
        std::fs::write(&p, octets).unwrap();
        fichiers.push(p);
    }
    let bom_xml = dir.path().join("bom.xml");
    std::fs::write(&bom_xml, format!("\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?><marches>{}</marches>", marche("bom.xml", "Élagage"))).unwrap();
    let bom_json = dir.path().join("bom.json");
    std::fs::write(&bom_json, format!("\u{feff}{{\"marches\": {{\"marche\": {{\"id\": \"objet-seul\", \"acheteur\": {{\"id\": \"{PARIS}\"}}, \"objet\": \"Un seul marché\", \"dateNotification\": \"2025-01-01\", \"montant\": NaN, \"titulaires\": [{{\"titulaire\": {{\"id\": \"{t}\"}}}}]}}}}}}")).unwrap();
    fichiers.extend([bom_xml, bom_json.clone()]);
    let chemins: Vec<&str> = fichiers.iter().map(|p| p.to_str().unwrap()).collect();
    let (ok, out) = importer(&app.db_url, &chemins);
    assert!(ok, "{out}");
    assert_eq!(out.matches(" : 1 marché(s) lu(s), dont 0 avec clause sociale ; 1 créé(s)").count(), 5, "{out}");
    assert!(out.contains("bom.json:1 (octet 23) : marché objet-seul : valeur « NaN » lue comme inconnue") && out.contains("marché objet-seul : pas de montant, compté 0 €"), "{out}");
    let marches = get(&app, &f.token, "/api/v1/marches?par_page=50").await;
    let mut objets: Vec<String> = marches["items"].as_array().unwrap().iter().map(|m| m["objet"].as_str().unwrap().to_string()).collect();
    objets.sort();
    assert_eq!(objets, ["Entretien à 50 €", "Réfection de la chaussée", "Travaux – Œuvre", "Un seul marché", "Élagage"]);
}

#[tokio::test]
async fn corrections_and_refusals_are_each_said_with_their_line_and_a_missing_file_stops_nothing() {
    let app = spawn_app().await;
    let f = app.login("PLIE Est", Role::Facilitateur).await;
    let dir = tempfile::tempdir().unwrap();
    let (t, co, st) = (clausier::demo::siret(61), clausier::demo::siret(62), clausier::demo::siret(63));
    // Line 2: v2 without group (two titulaires, both titulaires), a 7-digit CPV, an amount
    // of a tenth of a cent, a 4.0-month duration, the titulaire as sous-traitant, an
    // unreadable amount in a modification. Line 16: a concession. Line 19: an accord-cadre (v1).
    let texte = format!(
        "{{\"marches\": [\n  {{\"id\": \"G1\", \"acheteur\": {{\"id\": \"{PARIS}\"}}, \"objet\": \"Fournitures\", \"codeCPV\": \"3192000\", \"montant\": \"16000.999\", \"dureeMois\": 4.0,\n   \"dateNotification\": \"2025-01-01\", \"typeGroupementOperateurs\": \"Pas de groupement\",\n   \"titulaires\": [{{\"titulaire\": {{\"id\": \"{t}\", \"typeIdentifiant\": \"SIRET\"}}}}, {{\"titulaire\": {{\"id\": \"{co}\", \"typeIdentifiant\": \"SIRET\"}}}}],\n   \"actesSousTraitance\": [{{\"acteSousTraitance\": {{\"id\": 1, \"sousTraitant\": {{\"id\": \"{t}\", \"typeIdentifiant\": \"SIRET\"}}, \"montant\": 5000}}}}],\n   \"modifications\": [{{\"modification\": {{\"id\": 1, \"montant\": \"beaucoup\"}}}}, {{\"modification\": {{\"id\": 1, \"dureeMois\": 5}}}}]\n  }},\n  {{\"id\": \"G2\", \"acheteur\": {{\"id\": \"{PARIS}\"}}, \"objet\": \"Groupement\", \"montant\": 500, \"dateNotification\": \"2025-01-01\", \"typeGroupementOperateurs\": \"Conjoint\",\n   \"titulaires\": [{{\"titulaire\": {{\"id\": \"{t}\"}}}}, {{\"titulaire\": {{\"id\": \"{st}\"}}}}]\n  }},\n\n\n\n\n\n  {{\"id\": \"C1\", \"_type\": \"Contrat de concession\", \"autoriteConcedante\": {{\"id\": \"{PARIS}\"}}, \"valeurGlobale\": 100}},\n\n\n  {{\"id\": \"AC\", \"nature\": \"Accord-cadre\", \"acheteur\": {{\"id\": \"{RENNES}\"}}, \"objet\": \"Accord-cadre multi-attributaire\", \"montant\": 900, \"dateNotification\": \"2019-01-01\",\n   \"titulaires\": [{{\"id\": \"{t}\", \"typeIdentifiant\": \"SIRET\"}}, {{\"id\": \"{co}\", \"typeIdentifiant\": \"SIRET\"}}]}}\n]}}\n"
    );
    let bon = dir.path().join("corrections.json");
    std::fs::write(&bon, texte).unwrap();
    let vide = dir.path().join("vide.xml");
    std::fs::write(&vide, "").unwrap();
    let absent = dir.path().join("absent.xml");
    let (ok, out) = importer(&app.db_url, &[absent.to_str().unwrap(), dir.path().to_str().unwrap(), vide.to_str().unwrap(), bon.to_str().unwrap()]);
    assert!(!ok, "a file could not be read: exit 1\n{out}");
    for attendu in [
        "absent.xml : fichier introuvable ; rien n'a été importé de ce fichier.",
        " : c'est un dossier, pas un fichier ; rien n'a été importé de ce fichier.",
        "vide.xml : fichier vide : aucun marché ; rien n'a été importé de ce fichier.",
        "corrections.json : 4 marché(s) lu(s), dont 0 avec clause sociale ; 3 créé(s), 0 mis à jour, 0 inchangé(s), 1 illisible(s)",
        "corrections.json:2 : marché G1 : code CPV « 3192000 » complété en « 03192000 » (zéro initial perdu)",
        "corrections.json:2 : marché G1 : montant « 16000.999 » arrondi au centime : 16\u{202f}001\u{a0}€",
        "corrections.json:2 : marché G1 : sous-traitant ",
        " déjà titulaire du marché, gardé comme titulaire",
        "corrections.json:2 : marché G1, modification 1 : montant illisible « beaucoup », ignoré",
        "corrections.json:2 : marché G1, modification 1 publiée deux fois : la première est gardée",
        "corrections.json:16 : contrat de concession C1 : ce n'est pas un marché, non importé",
    ] {
        assert!(out.contains(attendu), "missing « {attendu} » in:\n{out}");
    }
    assert!(!out.contains("os error") && !out.contains("No such file") && !out.contains("durée"), "{out}");
    let marches = get(&app, &f.token, "/api/v1/marches?par_page=50").await;
    let roles = |numero: &str| {
        let m = marches["items"].as_array().unwrap().iter().find(|m| m["numero"] == numero).unwrap().clone();
        let app = &app;
        let token = f.token.clone();
        async move {
            let a = get(app, &token, &format!("/api/v1/marches/{}/attributions", m["id"])).await;
            (m, a["items"].as_array().unwrap().iter().map(|a| a["role"].as_str().unwrap().to_string()).collect::<Vec<_>>())
        }
    };
    let (g1, r) = roles("G1").await;
    assert_eq!(r, ["titulaire", "titulaire"], "no group: both titulaires, the sous-traitant who is titulaire not twice");
    assert_eq!((g1["code_cpv"].as_str(), g1["montant_ht"].as_f64(), g1["date_fin"].as_str()), (Some("03192000"), Some(16001.0), Some("2025-04-30")), "{g1}");
    assert_eq!(roles("G2").await.1, ["titulaire", "cotraitant"], "a group conjoint: its mandataire, then cotraitants");
    assert_eq!(roles("AC").await.1, ["titulaire", "titulaire"], "a v1 accord-cadre: each attributaire is a titulaire");
}

#[test]
fn the_command_line_helps_in_french() {
    let out = Command::cargo_bin("clausier").unwrap().args(["import", "decp", "--help"]).output().unwrap();
    let aide = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{aide}");
    assert!(aide.contains("Utilisation : clausier import decp") && aide.contains("Options :") && aide.contains("Affiche cette aide") && aide.contains("La structure où importer"), "{aide}");
    for anglais in ["Usage:", "Print help", "Options:\n", "Arguments:\n"] {
        assert!(!aide.contains(anglais), "« {anglais} » in:\n{aide}");
    }
}

#[tokio::test]
async fn companies_without_a_siret_are_imported_created_and_shown_with_their_kind_of_identifier() {
    let app = spawn_app().await;
    let f = app.login("PLIE Outre-mer", Role::Facilitateur).await;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("etrangers.xml");
    let titulaire = |id: &str, t: &str| format!("<titulaire><id>{id}</id><typeIdentifiant>{t}</typeIdentifiant></titulaire>");
    std::fs::write(
        &p,
        format!(
            "<marches>\n<marche><id>E1</id><acheteur><id>{PARIS}</id></acheteur><objet>Étrangers</objet><dateNotification>2025-01-01</dateNotification><montant>10</montant><typeGroupementOperateurs>Pas de groupement</typeGroupementOperateurs>\n<titulaires>{}{}{}{}{}</titulaires></marche>\n</marches>\n",
            titulaire("DE814864138", "TVA"),
            titulaire("CHE-123.456.789", "HORS-UE"),
            titulaire("B12345", "TAHITI"),
            titulaire("1234567.001", "RIDET"),
            titulaire("X9", "PAYS-IMAGINAIRE")
        ),
    )
    .unwrap();
    let (ok, out) = importer(&app.db_url, &[p.to_str().unwrap()]);
    assert!(ok && out.contains("1 créé(s)") && out.contains("etrangers.xml:2 : marché E1 : titulaire ignoré — X9 : type d'identifiant « PAYS-IMAGINAIRE » inconnu"), "{out}");
    let entreprises = get(&app, &f.token, "/api/v1/entreprises").await;
    let mut vus: Vec<(String, String)> = entreprises["items"].as_array().unwrap().iter().map(|e| (e["type_identifiant"].as_str().unwrap().to_string(), e["siret"].as_str().unwrap().to_string())).collect();
    vus.sort();
    assert_eq!(vus, [("hors_ue".to_string(), "CHE-123.456.789".to_string()), ("ridet".into(), "1234567.001".into()), ("tahiti".into(), "B12345".into()), ("tva".into(), "DE814864138".into())]);
    assert_eq!(count(&app.db, "attributions").await, 4);

    // Through the API: a TVA number is kept as given; a SIRET is still checked by its key.
    let (status, e) = app.post("/api/v1/entreprises", &f.token, &json!({"raison_sociale": "Bau GmbH", "siret": "DE 999 999 999", "type_identifiant": "tva", "type": "classique"})).await;
    assert_eq!((status, e["type_identifiant"].as_str(), e["siret"].as_str()), (StatusCode::CREATED, Some("tva"), Some("DE 999 999 999")), "{e}");
    let (status, e) = app.post("/api/v1/entreprises", &f.token, &json!({"raison_sociale": "Faux", "siret": "12345678901234", "type": "classique"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (status, e) = app.post("/api/v1/entreprises", &f.token, &json!({"raison_sociale": "Doublon", "siret": "DE814864138", "type_identifiant": "tva", "type": "classique"})).await;
    assert_eq!(status, StatusCode::CONFLICT, "{e}");
    assert!(e.to_string().contains("L'identifiant DE814864138 est déjà enregistré"), "{e}");

    // In the pages: the kind next to the value, and the form that takes it.
    let cookie = se_connecter_a(&app, &f, "/").await;
    let id = e_id(&entreprises, "DE814864138");
    let (_, html) = page(&app, &format!("/entreprises/{id}"), Some(&cookie)).await;
    assert!(html.contains("<dt>TVA intracommunautaire</dt><dd>DE814864138</dd>"), "{html}");
    let (_, liste) = page(&app, "/entreprises", Some(&cookie)).await;
    assert!(liste.contains("TVA intracommunautaire DE814864138") && liste.contains("N° RIDET 1234567.001"), "{liste}");
    let (status, _) = poster(&app, &cookie, "/entreprises/nouveau", "/entreprises/nouveau", &[("raison_sociale", "Nouméa BTP"), ("type_identifiant", "ridet"), ("siret", "7654321.002"), ("type", "classique")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, html) = page(&app, "/entreprises/nouveau", Some(&cookie)).await;
    assert!(html.contains("<label for=\"c-type_identifiant\">Identifiée par</label>") && html.contains("<option value=\"tahiti\">N° TAHITI</option>"), "{html}");
}

fn e_id(entreprises: &Value, identifiant: &str) -> i64 {
    entreprises["items"].as_array().unwrap().iter().find(|e| e["siret"] == identifiant).unwrap()["id"].as_i64().unwrap()
}

#[tokio::test]
async fn texts_with_tabs_line_breaks_backslashes_and_quotes_are_kept_exactly() {
    use sea_orm::EntityTrait;
    // PostgreSQL receives an import's rows by COPY, whose text format gives these
    // characters (and `\N`, its null) a meaning of their own.
    let app = spawn_app().await;
    let f = app.login("PLIE Paris", Role::Facilitateur).await;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("caracteres.json");
    let (objet, acheteur, titulaire) = ("Lot 1\tvoirie\nsur deux lignes\r\n« rue \"des Écoles\" » \\N C:\\chemin\\ fin", "Ville\tde \\ Rennes", "A\\B \"C\"");
    let siret = clausier::demo::siret(21);
    let marche = json!({"id": "2025-T\\1", "acheteur": {"id": RENNES, "nom": acheteur}, "nature": "Marché", "objet": objet, "codeCPV": "45233140", "dureeMois": 12, "dateNotification": "2025-06-01", "datePublicationDonnees": "2025-06-02", "montant": 1000, "titulaires": [{"typeIdentifiant": "SIRET", "id": siret, "denominationSociale": titulaire}]});
    std::fs::write(&p, json!({"marches": [marche]}).to_string()).unwrap();
    let (ok, out) = importer(&app.db_url, &[p.to_str().unwrap()]);
    assert!(ok && out.contains("1 créé(s)"), "{out}");

    let marches = get(&app, &f.token, "/api/v1/marches").await;
    let m = &marches["items"][0];
    assert_eq!((m["numero"].as_str(), m["objet"].as_str()), (Some("2025-T\\1"), Some(objet)), "{m}");
    let donneurs = get(&app, &f.token, "/api/v1/donneurs-ordre").await;
    assert!(donneurs["items"].as_array().unwrap().iter().any(|d| d["nom"] == acheteur), "{donneurs}");
    let entreprises = get(&app, &f.token, "/api/v1/entreprises").await;
    assert!(entreprises["items"].as_array().unwrap().iter().any(|e| e["raison_sociale"] == titulaire && e["siret"] == siret.as_str()), "{entreprises}");
    // The record as published, kept as its version: the same text.
    let versions = entities::marche_versions::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(versions.len(), 1);
    assert_eq!((versions[0].donnees["objet"].as_str(), versions[0].donnees["acheteur"]["nom"].as_str()), (Some(objet), Some(acheteur)), "{}", versions[0].donnees);
    // And the audit row of the marché's creation.
    let journal = entities::audit_log::Entity::find().all(&app.db).await.unwrap();
    let creation = journal.iter().find(|a| a.entite == "marche").expect("audit du marché");
    assert_eq!(creation.apres.as_ref().and_then(|v| v["objet"].as_str()), Some(objet));

    // Read again: nothing differs.
    let (ok, out) = importer(&app.db_url, &[p.to_str().unwrap()]);
    assert!(ok && out.contains("0 créé(s), 0 mis à jour, 1 inchangé(s)"), "{out}");
}
