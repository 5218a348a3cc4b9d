//! Administration pages: the structure's users (list, search, invite, deactivate with the
//! person's open session refused at once, reactivate, resend an invitation, revoke API
//! tokens, change role) and the audit log as readable differences; who may do what
//! (wrong role 403, another structure 404, a facilitateur never manages an administrator);
//! a refused form writes nothing and says why next to the field.

use entities::enums::Role;
use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::*;


#[tokio::test]
async fn an_admin_invites_deactivates_and_reads_the_audit_log_by_clicks() {
    let app = spawn_app().await;
    let admin = app.login("PLIE A", Role::Admin).await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let referent = app.login("PLIE A", Role::Referent).await;
    let cookie = se_connecter_a(&app, &admin, "/").await;
    let (_, accueil) = page(&app, "/", Some(&cookie)).await;
    assert!(accueil.contains("href=\"/utilisateurs\"") && accueil.contains("href=\"/journal\""), "menu");

    // Invite: a bad address is refused next to its field, nothing is written.
    let avant = count(&app.db, "utilisateurs").await;
    let (status, html) = poster(&app, &cookie, "/utilisateurs/inviter", "/utilisateurs/inviter", &[("nom", "Léa Dubois"), ("email", "pas-une-adresse"), ("role", "entreprise")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Rien n'a été enregistré") && html.contains("value=\"Léa Dubois\"") && html.contains("rattaché à une entreprise"), "{html}");
    assert_eq!(count(&app.db, "utilisateurs").await, avant);
    let (status, lieu) = poster(&app, &cookie, "/utilisateurs/inviter", "/utilisateurs/inviter", &[("nom", "Léa Dubois"), ("email", "lea.dubois@plie.fr"), ("role", "referent")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{lieu}");
    let (_, fiche) = page(&app, &lieu, Some(&cookie)).await;
    assert!(fiche.contains("<h1>Léa Dubois</h1>") && fiche.contains("Invité (mot de passe à choisir)") && fiche.contains("Renvoyer l'invitation"), "{fiche}");
    let invitations = courriels_tels(&app, 1, |m| m.to == "lea.dubois@plie.fr").await;
    assert_eq!(invitations.len(), 1);
    // Resent: a new e-mail, the first link no longer works.
    let premier = invitations[0].text.split("/invitation/").nth(1).unwrap().split_whitespace().next().unwrap().to_string();
    let (status, _) = poster(&app, &cookie, &lieu, &format!("{lieu}/invitation"), &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(courriels_tels(&app, 2, |m| m.to == "lea.dubois@plie.fr").await.len(), 2);
    assert_eq!(page(&app, &format!("/invitation/{premier}"), None).await.0, StatusCode::GONE, "the earlier link stops");

    // The list: searched, filtered by role and state, linking to each account.
    let (_, liste) = page(&app, "/utilisateurs?q=dubois", Some(&cookie)).await;
    assert!(liste.contains(&format!("href=\"{lieu}\"")) && liste.contains("Référent·e de parcours") && !liste.contains(&format!("href=\"/utilisateurs/{}\"", f.user_id)), "{liste}");
    let (_, liste) = page(&app, "/utilisateurs?etat=invites", Some(&cookie)).await;
    assert!(liste.contains("Léa Dubois") && liste.contains("1 résultat"), "{liste}");

    // Deactivating the référent: its open session and its token stop at once; reactivated,
    // they work again.
    let cookie_r = se_connecter_a(&app, &referent, "/participants").await;
    assert_eq!(page(&app, "/participants", Some(&cookie_r)).await.0, StatusCode::OK);
    let fiche_r = format!("/utilisateurs/{}", referent.user_id);
    let (status, _) = poster(&app, &cookie, &fiche_r, &format!("{fiche_r}/actif"), &[("actif", "non")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(page(&app, "/participants", Some(&cookie_r)).await.0, StatusCode::SEE_OTHER, "back to the login page");
    assert_eq!(app.get("/api/v1/moi", &referent.token).await.0, StatusCode::UNAUTHORIZED);
    let (_, fiche) = page(&app, &fiche_r, Some(&cookie)).await;
    assert!(fiche.contains("Désactivé") && fiche.contains("Réactiver le compte"), "{fiche}");
    poster(&app, &cookie, &fiche_r, &format!("{fiche_r}/actif"), &[("actif", "oui")]).await;
    assert_eq!(app.get("/api/v1/moi", &referent.token).await.0, StatusCode::OK);
    // Its tokens revoked; then its role changed (its sessions end).
    let (status, _) = poster(&app, &cookie, &fiche_r, &format!("{fiche_r}/jetons"), &[]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(app.get("/api/v1/moi", &referent.token).await.0, StatusCode::UNAUTHORIZED);
    let (status, html) = poster(&app, &cookie, &fiche_r, &format!("{fiche_r}/role"), &[("role", "entreprise")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a company account needs its company");
    assert!(html.contains("rattaché à une entreprise"), "{html}");
    let (status, _) = poster(&app, &cookie, &fiche_r, &format!("{fiche_r}/role"), &[("role", "facilitateur")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, moi) = app.get("/api/v1/utilisateurs", &admin.token).await;
    assert!(moi["items"].as_array().unwrap().iter().any(|u| u["id"] == referent.user_id && u["role"] == "facilitateur"), "{moi}");

    // The audit log: who, what, on which object, before → after, filtered by object.
    let (_, journal) = page(&app, &format!("/journal?entite=utilisateur&entite_id={}", referent.user_id), Some(&cookie)).await;
    for attendu in ["Désactivation du compte", "Réactivation du compte", "Révocation des jetons d'API", "Changement de rôle", "<del>Référent·e de parcours</del> → <ins>Facilitateur·rice</ins>", "<del>oui</del> → <ins>non</ins>"] {
        assert!(journal.contains(attendu), "{attendu}: {journal}");
    }
    assert!(!journal.contains("Invitation renvoyée"), "filtered by object: {journal}");
    let (_, journal) = page(&app, "/journal?entite=utilisateur&du=2000-01-01&au=2000-12-31", Some(&cookie)).await;
    assert!(journal.contains("Aucune modification"), "{journal}");
}

#[tokio::test]
async fn accounts_pages_answer_each_role_as_it_may() {
    let app = spawn_app().await;
    let admin = app.login("PLIE A", Role::Admin).await;
    let autre_admin = app.login("PLIE A", Role::Admin).await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let referent = app.login("PLIE A", Role::Referent).await;
    let ailleurs = app.login("PLIE B", Role::Admin).await;
    let e = app.entreprise(&f, "Bâtir", 3).await["id"].as_i64().unwrap();
    let batir = app.login_bound("PLIE A", Role::Entreprise, Some(e), None).await;
    let cookie_f = se_connecter_a(&app, &f, "/").await;
    // A facilitateur lists and manages a référent, never an administrator, never the
    // journal, never a role.
    assert_eq!(page(&app, "/utilisateurs", Some(&cookie_f)).await.0, StatusCode::OK);
    let (_, fiche) = page(&app, &format!("/utilisateurs/{}", autre_admin.user_id), Some(&cookie_f)).await;
    assert!(!fiche.contains("Désactiver le compte") && fiche.contains("gérés par un administrateur"), "{fiche}");
    let (status, _) = poster(&app, &cookie_f, "/utilisateurs", &format!("/utilisateurs/{}/actif", autre_admin.user_id), &[("actif", "non")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/v1/moi", &autre_admin.token).await.0, StatusCode::OK, "nothing changed");
    assert_eq!(page(&app, "/journal", Some(&cookie_f)).await.0, StatusCode::FORBIDDEN);
    let (status, _) = poster(&app, &cookie_f, "/utilisateurs", &format!("/utilisateurs/{}/role", referent.user_id), &[("role", "admin")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, options) = page(&app, "/utilisateurs/inviter", Some(&cookie_f)).await;
    assert!(!options.contains("<option value=\"admin\""), "a facilitateur invites no administrator: {options}");
    let (status, _) = poster(&app, &cookie_f, "/utilisateurs", &format!("/utilisateurs/{}/actif", referent.user_id), &[("actif", "non")]).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(app.get("/api/v1/moi", &referent.token).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(app.put(&format!("/api/v1/utilisateurs/{}/actif", referent.user_id), &admin.token, &json!({"actif": true})).await.0, StatusCode::OK);
    // Nobody deactivates itself.
    let cookie_a = se_connecter_a(&app, &admin, "/").await;
    let (status, html) = poster(&app, &cookie_a, "/utilisateurs", &format!("/utilisateurs/{}/actif", admin.user_id), &[("actif", "non")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("votre propre compte"), "{html}");
    // Other roles: 403 pages; another structure: 404 pages.
    for (login, suite) in [(&referent, "/participants"), (&batir, "/")] {
        let cookie = se_connecter_a(&app, login, suite).await;
        for chemin in ["/utilisateurs", "/utilisateurs/inviter", &format!("/utilisateurs/{}", f.user_id), "/journal"] {
            assert_eq!(page(&app, chemin, Some(&cookie)).await.0, StatusCode::FORBIDDEN, "{chemin}");
        }
    }
    let cookie_b = se_connecter_a(&app, &ailleurs, "/").await;
    let (status, html) = page(&app, &format!("/utilisateurs/{}", f.user_id), Some(&cookie_b)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(html.contains("introuvable") || html.contains("n'existe pas"), "{html}");
    let (status, _) = poster(&app, &cookie_b, "/utilisateurs", &format!("/utilisateurs/{}/actif", f.user_id), &[("actif", "non")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(app.get("/api/v1/moi", &f.token).await.0, StatusCode::OK);
    let (_, liste) = page(&app, "/utilisateurs", Some(&cookie_b)).await;
    assert!(!liste.contains(&format!("href=\"/utilisateurs/{}\"", f.user_id)), "{liste}");
}

#[tokio::test]
async fn the_structure_settings_are_read_by_facilitateurs_and_changed_by_admins() {
    let app = spawn_app().await;
    let admin = app.login("PLIE A", Role::Admin).await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let referent = app.login("PLIE A", Role::Referent).await;
    let cookie = se_connecter_a(&app, &admin, "/").await;
    let (_, accueil) = page(&app, "/", Some(&cookie)).await;
    assert!(accueil.contains("href=\"/reglages\""), "menu");
    let (_, html) = page(&app, "/reglages", Some(&cookie)).await;
    assert!(html.contains("value=\"6\"") && html.contains("value=\"48\"") && html.contains("Enregistrer les réglages"), "{html}");
    let champs = [("eligibilite_mois", "40"), ("heures_max_semaine", "45"), ("heures_max_jour_ouvre", "10"), ("suivi_mois_apres_fin", "6"), ("anonymisation_annees", "5")];
    let (status, html) = poster(&app, &cookie, "/reglages", "/reglages", &champs).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Entre 1 et 36 mois.") && html.contains("value=\"45\""), "{html}");
    assert_eq!(app.get("/api/v1/parametres/parcours", &admin.token).await.1["heures_max_semaine"], 48, "nothing written");
    let champs = [("eligibilite_mois", "9"), ("heures_max_semaine", "45"), ("heures_max_jour_ouvre", "10"), ("suivi_mois_apres_fin", "6"), ("anonymisation_annees", "5")];
    let (status, lieu) = poster(&app, &cookie, "/reglages", "/reglages", &champs).await;
    assert_eq!((status, lieu.as_str()), (StatusCode::SEE_OTHER, "/reglages"));
    let (_, p) = app.get("/api/v1/parametres/parcours", &admin.token).await;
    assert_eq!((p["eligibilite_mois"].as_i64(), p["heures_max_semaine"].as_i64()), (Some(9), Some(45)), "{p}");
    // A facilitateur reads them and may not change them; a référent does not open them.
    let cookie_f = se_connecter_a(&app, &f, "/").await;
    let (status, html) = page(&app, "/reglages", Some(&cookie_f)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("value=\"9\"") && !html.contains("Enregistrer les réglages"), "{html}");
    assert_eq!(poster(&app, &cookie_f, "/reglages", "/reglages", &champs).await.0, StatusCode::FORBIDDEN);
    let cookie_r = se_connecter_a(&app, &referent, "/participants").await;
    assert_eq!(page(&app, "/reglages", Some(&cookie_r)).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_sortie_protocole_is_read_and_its_next_version_created_from_the_current_one() {
    let app = spawn_app().await;
    let admin = app.login("PLIE A", Role::Admin).await;
    let f = app.login("PLIE A", Role::Facilitateur).await;
    let cookie = se_connecter_a(&app, &admin, "/").await;
    let (_, reglages) = page(&app, "/reglages", Some(&cookie)).await;
    assert!(reglages.contains("href=\"/protocoles\""), "{reglages}");
    let (status, html) = page(&app, "/protocoles", Some(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("CDI : heures par semaine</th><td>au moins 17,5") && html.contains("Contrat aidé : mois</th><td>plus de 12"), "{html}");
    // The form holds the current rules: a bad threshold is refused next to its field.
    let (_, formulaire) = page(&app, "/protocoles", Some(&cookie)).await;
    let valeur = |nom: &str| formulaire.split(&format!("name=\"{nom}\" type=\"text\" value=\"")).nth(1).map(|s| s.split('"').next().unwrap().to_string()).unwrap_or_default();
    assert_eq!(valeur("cdi_heures_hebdo.valeur"), "17,5");
    let mut champs: Vec<(String, String)> = Vec::new();
    for cle in ["cdi_heures_hebdo", "cdd_mois", "interim_continu_mois", "interim_heures", "successifs_semaines", "successifs_heures", "alternance_mois", "creation_entreprise_mois", "contrat_aide_mois", "cddi_mois", "formation_qualifiante_heures"] {
        champs.push((format!("{cle}.actif"), "oui".into()));
        champs.push((format!("{cle}.valeur"), valeur(&format!("{cle}.valeur"))));
    }
    for cle in ["interim_fenetre_mois", "successifs_fenetre_mois"] {
        champs.push((cle.into(), valeur(cle)));
    }
    champs.push(("nom".into(), "Protocole PLIE".into()));
    let mut mauvais = champs.clone();
    mauvais.iter_mut().find(|(k, _)| k == "cdi_heures_hebdo.valeur").unwrap().1 = "99".into();
    let refs = |v: &Vec<(String, String)>| v.iter().map(|(k, x)| (k.clone(), x.clone())).collect::<Vec<_>>();
    let en_paires = refs(&mauvais);
    let paires: Vec<(&str, &str)> = en_paires.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, html) = poster(&app, &cookie, "/protocoles", "/protocoles", &paires).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Entre 0 et 48") && html.contains("value=\"99\""), "{html}");
    assert_eq!(app.get("/api/v1/protocoles", &admin.token).await.1["items"].as_array().unwrap().len(), 0, "nothing written");
    champs.iter_mut().find(|(k, _)| k == "cdi_heures_hebdo.valeur").unwrap().1 = "24".into();
    let en_paires = refs(&champs);
    let paires: Vec<(&str, &str)> = en_paires.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, lieu) = poster(&app, &cookie, "/protocoles", "/protocoles", &paires).await;
    assert_eq!((status, lieu.as_str()), (StatusCode::SEE_OTHER, "/protocoles"));
    let (_, actif) = app.get("/api/v1/protocoles/actif", &admin.token).await;
    assert_eq!((actif["version"].as_i64(), actif["regles"]["cdi_heures_hebdo"]["valeur"].as_f64(), actif["regles"]["contrat_aide_mois"]["strict"].as_bool()), (Some(1), Some(24.0), Some(false)), "{actif}");
    // A facilitateur reads, never creates; a company never opens it.
    let cookie_f = se_connecter_a(&app, &f, "/").await;
    let (status, html) = page(&app, "/protocoles", Some(&cookie_f)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("version 1") && !html.contains("Créer la version suivante"), "{html}");
    assert_eq!(poster(&app, &cookie_f, "/protocoles", "/protocoles", &paires).await.0, StatusCode::FORBIDDEN);
    let e = app.entreprise(&f, "Bâtir", 4).await["id"].as_i64().unwrap();
    let batir = app.login_bound("PLIE A", Role::Entreprise, Some(e), None).await;
    assert_eq!(page(&app, "/protocoles", Some(&se_connecter_a(&app, &batir, "/").await)).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_clause_follow_up_settings_give_thresholds_to_clauses_and_switch_reminders() {
    let s = crate::clauses::scenario().await;
    let (app, f) = (&s.app, &s.f);
    let admin = app.login("PLIE A", Role::Admin).await;
    let cookie = se_connecter_a(app, &admin, "/").await;
    let (_, html) = page(app, "/reglages", Some(&cookie)).await;
    assert!(html.contains("Suivi des clauses et relances") && html.contains("name=\"avancement.retard\" type=\"text\" value=\"80\""), "{html}");
    assert!(html.contains("Rappel de déclaration aux entreprises") && html.contains("Prochain passage : 01/04/2026 à 08:00."), "{html}");
    assert!(html.contains("name=\"relances.digest_referent\" type=\"checkbox\" value=\"oui\" checked"), "all on by default: {html}");
    // Refused: nothing written, the values typed kept, the error in French.
    let mut champs = vec![("avancement.retard", "120"), ("avancement.critique", "50"), ("avancement.critique_periode_ecoulee", "25"), ("avancement.avance", "110"), ("avancement.non_demarree_mois", "1"), ("appliquer_aux_clauses", "oui")];
    let (status, html) = poster(app, &cookie, "/reglages", "/reglages/suivi", &champs).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("Seuils attendus : 0 &lt; critique ≤ retard ≤ 100 %") && html.contains("value=\"120\""), "{html}");
    assert_eq!(app.get("/api/v1/parametres/suivi", &admin.token).await.1["avancement"]["retard"], 0.8, "nothing written");
    assert_eq!(app.get(&format!("/api/v1/clauses/{}", s.clause_a), &f.token).await.1["regles"]["avancement"]["retard"], 0.8);
    // Accepted: the thresholds go to every clause (audited), the reminders unticked stop.
    champs[0] = ("avancement.retard", "70");
    let cochees: Vec<String> = ["declaration_reminder", "declaration_relance", "declaration_derniere_relance", "renvoi_declaration", "digest_facilitateur", "avis_referents", "suivi_six_mois", "bilan_donneur_ordre"].iter().map(|t| format!("relances.{t}")).collect();
    champs.extend(cochees.iter().map(|n| (n.as_str(), "oui")));
    let audits = count(&app.db, "audit_log").await;
    let (status, lieu) = poster(app, &cookie, "/reglages", "/reglages/suivi", &champs).await;
    assert_eq!((status, lieu.as_str()), (StatusCode::SEE_OTHER, "/reglages"));
    let (_, p) = app.get("/api/v1/parametres/suivi", &admin.token).await;
    assert_eq!((p["avancement"]["retard"].as_f64(), p["relances"]["digest_referent"].as_bool(), p["relances"]["digest_facilitateur"].as_bool()), (Some(0.7), Some(false), Some(true)), "{p}");
    for k in [s.clause_a, s.clause_b] {
        assert_eq!(app.get(&format!("/api/v1/clauses/{k}"), &f.token).await.1["regles"]["avancement"]["retard"], 0.7, "clause {k}");
    }
    assert_eq!(count(&app.db, "audit_log").await, audits + 3, "the settings and each clause");
    let (_, journal) = page(app, "/journal", Some(&cookie)).await;
    assert!(journal.contains("Réglages modifiés"), "{journal}");
    // A clause created afterwards starts with them; its settings page offers them as defaults.
    let (_, html) = page(app, &format!("/clauses/{}/reglages", s.clause_a), Some(&cookie)).await;
    assert!(html.contains("Par défaut : 70 %."), "{html}");
    let (_, m) = app.get(&format!("/api/v1/marches/{}", s.marche), &f.token).await;
    let lot = m["lots"][1]["id"].as_i64().unwrap();
    let (status, k) = app.post("/api/v1/clauses", &f.token, &json!({"lot_id": lot, "type": "execution", "date_debut": "2025-03-01", "date_fin": "2025-10-31", "globalisable": false, "objectif": {"mode": "heures", "heures": 100}})).await;
    assert_eq!(status, StatusCode::CREATED, "{k}");
    assert_eq!((k["regles"]["avancement"]["retard"].as_f64(), k["regles"]["avancement"]["critique"].as_f64()), (Some(0.7), Some(0.5)), "{k}");
    // The API: a facilitateur reads and may not write; a bad body is 422 in French.
    let (status, _) = app.put("/api/v1/parametres/suivi", &f.token, &json!({"avancement": {"retard": 0.6}})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(app.get("/api/v1/parametres/suivi", &f.token).await.0, StatusCode::OK);
    let (status, v) = app.put("/api/v1/parametres/suivi", &admin.token, &json!({"avancement": {"retard": 0.4, "critique": 0.5}})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v.to_string().contains("Seuils attendus"), "{v}");
    let cookie_f = se_connecter_a(app, f, "/").await;
    assert_eq!(poster(app, &cookie_f, "/reglages", "/reglages/suivi", &champs).await.0, StatusCode::FORBIDDEN);
}
