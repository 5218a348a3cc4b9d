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
    let roles: Vec<(String, Value)> = attributions.as_array().unwrap().iter().map(|a| (a["role"].as_str().unwrap().to_string(), a["montant_ht"].clone())).collect();
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
        "desordre.xml:2 : marché A : titulaire ignoré — DE814864138 identifié par TVA, pas par un SIRET",
        "desordre.xml:8 : marché B ignoré : pas d'acheteur",
        "desordre.xml:11 : marché sans identifiant (id) : ignoré",
    ] {
        assert!(out.contains(attendu), "missing « {attendu} » in:\n{out}");
    }
    assert_eq!(count(&app.db, "attributions").await, 1, "the SIRET titulaire without wrapper is kept");

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

/// A file larger than one transaction's chunk (500 marchés) is written whole, and once.
#[tokio::test]
async fn a_file_of_several_chunks_is_written_whole_and_once() {
    let app = spawn_app().await;
    app.login("PLIE Nantes", Role::Facilitateur).await;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("gros.xml");
    let titulaire = clausier::demo::siret(31);
    let mut xml = String::from("<marches>\n");
    for i in 0..1201 {
        xml.push_str(&format!("<marche><id>M{i}</id><acheteur><id>{PARIS}</id></acheteur><objet>Lot {i}</objet><dureeMois>12</dureeMois><dateNotification>2025-03-01</dateNotification><montant>{}</montant><titulaires><titulaire><id>{titulaire}</id></titulaire></titulaires></marche>\n", 1000 + i));
    }
    xml.push_str("</marches>\n");
    std::fs::write(&p, xml).unwrap();
    let p = p.to_str().unwrap();
    let (ok, out) = importer(&app.db_url, &[p]);
    assert!(ok && out.contains("1201 marché(s) lu(s), dont 0 avec clause sociale ; 1201 créé(s)"), "{out}");
    assert_eq!((count(&app.db, "marches").await, count(&app.db, "attributions").await, count(&app.db, "entreprises").await), (1201, 1201, 1));
    let (ok, out) = importer(&app.db_url, &[p]);
    assert!(ok && out.contains("0 créé(s), 0 mis à jour, 1201 inchangé(s)"), "{out}");
    assert_eq!(count(&app.db, "marches").await, 1201);
}
