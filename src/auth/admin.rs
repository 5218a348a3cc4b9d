//! Administration pages, on the account services of the API: the structure's users
//! (list, search, invite, deactivate and reactivate, resend an invitation, revoke tokens,
//! change role) and the audit log (filters by person, object and date; each change as a
//! readable difference). Facilitateurs manage companies', buyers' and référents'
//! accounts; administrators every account, roles and the audit log.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use entities::enums::Role;
use entities::{api_tokens, audit_log, donneurs_ordre, entreprises, utilisateurs};
use sea_orm::{ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect};
use serde::Serialize;

use super::session::Connecte;
use super::{comptes, invitations, GESTION};
use crate::error::AppError;
use crate::state::AppState;
use crate::web::formulaire::Formulaire;
use crate::web::liste::{like, Params};
use crate::web::{choix, fil, flash, render, ApiForm, ApiPath, ApiQuery};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/utilisateurs", get(liste))
        .route("/utilisateurs/inviter", get(inviter_page).post(inviter))
        .route("/utilisateurs/{id}", get(fiche))
        .route("/utilisateurs/{id}/actif", post(actif))
        .route("/utilisateurs/{id}/invitation", post(renvoyer))
        .route("/utilisateurs/{id}/jetons", post(jetons))
        .route("/utilisateurs/{id}/role", post(role))
        .route("/journal", get(journal))
}

const TRIS: &[&str] = &["nom", "email", "role"];

/// An account as the list shows it.
#[derive(Serialize)]
struct Compte {
    id: i64,
    nom: String,
    email: String,
    role: String,
    rattachement: String,
    etat: &'static str,
    derniere_connexion: Option<chrono::DateTime<chrono::Utc>>,
}

/// The account's state in words: invited (no password yet), active, deactivated.
fn etat(u: &utilisateurs::Model) -> &'static str {
    match (u.actif, u.password_hash.is_some()) {
        (false, _) => "Désactivé",
        (true, false) => "Invité (mot de passe à choisir)",
        (true, true) => "Actif",
    }
}

/// The names of the companies and buyers accounts are attached to.
async fn rattachements(state: &AppState, c: &Connecte, comptes: &[utilisateurs::Model]) -> Result<(BTreeMap<i64, String>, BTreeMap<i64, String>), AppError> {
    let a = &c.acteur;
    let e_ids: Vec<i64> = comptes.iter().filter_map(|u| u.entreprise_id).collect();
    let d_ids: Vec<i64> = comptes.iter().filter_map(|u| u.donneur_ordre_id).collect();
    let e = a.scoped::<entreprises::Entity>().filter(entreprises::Column::Id.is_in(e_ids)).select_only().columns([entreprises::Column::Id, entreprises::Column::RaisonSociale]).into_tuple::<(i64, String)>().all(&state.db).await?;
    let d = a.scoped::<donneurs_ordre::Entity>().filter(donneurs_ordre::Column::Id.is_in(d_ids)).select_only().columns([donneurs_ordre::Column::Id, donneurs_ordre::Column::Nom]).into_tuple::<(i64, String)>().all(&state.db).await?;
    Ok((e.into_iter().collect(), d.into_iter().collect()))
}

fn compte(u: utilisateurs::Model, noms: &(BTreeMap<i64, String>, BTreeMap<i64, String>)) -> Compte {
    let rattachement = u.entreprise_id.and_then(|e| noms.0.get(&e).cloned()).or_else(|| u.donneur_ordre_id.and_then(|d| noms.1.get(&d).cloned())).unwrap_or_default();
    Compte { id: u.id, etat: etat(&u), nom: u.nom, email: u.email, role: crate::libelles::de("role", u.role), rattachement, derniere_connexion: u.last_login_at }
}

async fn liste(State(state): State<AppState>, c: Connecte, ApiQuery(query): ApiQuery<BTreeMap<String, String>>) -> Result<Response, AppError> {
    use utilisateurs::Column as U;
    c.acteur.require(GESTION)?;
    let p = Params::lire("/utilisateurs", &query, TRIS);
    let mut s = c.acteur.scoped::<utilisateurs::Entity>();
    if let Some(m) = p.motif() {
        s = s.filter(Condition::any().add(like(U::Nom, &m)).add(like(U::Email, &m)));
    }
    let role = p.filtre("role").and_then(|r| serde_json::from_value::<Role>(serde_json::Value::String(r.to_string())).ok());
    if let Some(r) = role {
        s = s.filter(U::Role.eq(r));
    }
    match p.filtre("etat") {
        Some("actifs") => s = s.filter(U::Actif.eq(true)).filter(U::PasswordHash.is_not_null()),
        Some("invites") => s = s.filter(U::Actif.eq(true)).filter(U::PasswordHash.is_null()),
        Some("desactives") => s = s.filter(U::Actif.eq(false)),
        _ => {}
    }
    let col = match p.tri.as_str() {
        "email" => U::Email,
        "role" => U::Role,
        _ => U::Nom,
    };
    let (items, pagination): (Vec<utilisateurs::Model>, _) = p.charger(&state.db, p.trier(s, col, U::Id)).await?;
    let noms = rattachements(&state, &c, &items).await?;
    let mut ctx = tera::Context::new();
    ctx.insert("lignes", &items.into_iter().map(|u| compte(u, &noms)).collect::<Vec<_>>());
    ctx.insert("pagination", &pagination);
    ctx.insert("colonnes", &p.colonnes(&[("nom", "Nom"), ("email", "Adresse e-mail"), ("role", "Rôle"), ("", "Rattaché à"), ("", "État")]));
    ctx.insert("q", &p.q);
    ctx.insert("role", &p.filtre("role").unwrap_or_default());
    ctx.insert("etat", &p.filtre("etat").unwrap_or_default());
    ctx.insert("roles", crate::libelles::options("role"));
    ctx.insert("fil", &fil(&[("Utilisateurs", "")]));
    Ok(render(&state, "auth/utilisateurs.html", Some(&c), ctx)?.into_response())
}

/// The roles the caller may give: administrators every role, facilitateurs every role but
/// administrator.
fn roles_possibles(c: &Connecte) -> Vec<(&'static str, &'static str)> {
    crate::libelles::options("role").iter().copied().filter(|(code, _)| c.acteur.role == Role::Admin || *code != "admin").collect()
}

/// The companies and buyers of the structure, for the attachment fields (at most 200
/// each, narrowed by their search).
async fn organisations(state: &AppState, c: &Connecte, f: &Formulaire) -> Result<(choix::Choix, choix::Choix), AppError> {
    let a = &c.acteur;
    let e = choix::du_formulaire(&state.db, f, "entreprise_id", a.scoped::<entreprises::Entity>(), entreprises::Column::RaisonSociale, entreprises::Column::Id, |e| e.raison_sociale.clone()).await?;
    let d = choix::du_formulaire(&state.db, f, "donneur_ordre_id", a.scoped::<donneurs_ordre::Entity>(), donneurs_ordre::Column::Nom, donneurs_ordre::Column::Id, |d| d.nom.clone()).await?;
    Ok((e, d))
}

/// A role and its attachment from a form: only the attachment the role takes is kept (the
/// other list may still hold a choice).
fn lire_role(f: &mut Formulaire) -> (Option<Role>, Option<i64>, Option<i64>) {
    let role: Option<Role> = f.code("role");
    let (entreprise_id, donneur_ordre_id) = (f.id("entreprise_id"), f.id("donneur_ordre_id"));
    match role {
        Some(Role::Entreprise) => (role, entreprise_id, None),
        Some(Role::DonneurOrdre) => (role, None, donneur_ordre_id),
        _ => (role, None, None),
    }
}

async fn page_invitation(state: &AppState, c: &Connecte, f: &Formulaire, status: StatusCode) -> Result<Response, AppError> {
    let (entreprises, donneurs) = organisations(state, c, f).await?;
    let mut ctx = tera::Context::new();
    ctx.insert("f", f);
    ctx.insert("roles", &roles_possibles(c));
    ctx.insert("entreprises", &entreprises);
    ctx.insert("donneurs", &donneurs);
    ctx.insert("fil", &fil(&[("Utilisateurs", "/utilisateurs"), ("Inviter", "")]));
    Ok((status, render(state, "auth/inviter.html", Some(c), ctx)?).into_response())
}

async fn inviter_page(State(state): State<AppState>, c: Connecte) -> Result<Response, AppError> {
    c.acteur.require(GESTION)?;
    page_invitation(&state, &c, &Formulaire::default(), StatusCode::OK).await
}

async fn inviter(State(state): State<AppState>, c: Connecte, ApiForm(valeurs): ApiForm<BTreeMap<String, String>>) -> Result<Response, AppError> {
    let mut f = Formulaire::recu(&c, GESTION, valeurs)?;
    if choix::cherche(&f) {
        return page_invitation(&state, &c, &f, StatusCode::OK).await;
    }
    let (email, nom) = (f.obligatoire("email"), f.obligatoire("nom"));
    let (role, entreprise_id, donneur_ordre_id) = lire_role(&mut f);
    if let (true, Some(role)) = (f.valide(), role) {
        match invitations::inviter(&state, &c.acteur, invitations::InvitationInput { email, nom, role, entreprise_id, donneur_ordre_id }).await {
            Ok(u) => {
                super::routes::envoyer_bientot(&state);
                return Ok(flash::rediriger(&format!("/utilisateurs/{}", u.id), &format!("Invitation envoyée à {} ({}).", u.nom, u.email)));
            }
            Err(e) => f.refus(e, "email")?,
        }
    }
    page_invitation(&state, &c, &f, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// An account's page: who, role, attachment, state, last login, API tokens, and the
/// actions the caller may take on it.
async fn page_fiche(state: &AppState, c: &Connecte, id: i64, f: &Formulaire, status: StatusCode) -> Result<Response, AppError> {
    c.acteur.require(GESTION)?;
    let u = c.acteur.scoped::<utilisateurs::Entity>().filter(utilisateurs::Column::Id.eq(id)).one(&state.db).await?.ok_or(AppError::NotFound)?;
    let gerable = u.id != c.acteur.utilisateur_id && comptes::role_gere(&c.acteur, &u);
    let jetons = api_tokens::Entity::find().filter(api_tokens::Column::UtilisateurId.eq(id)).filter(api_tokens::Column::RevokedAt.is_null()).count(&state.db).await?;
    let noms = rattachements(state, c, std::slice::from_ref(&u)).await?;
    let mut f_role = Formulaire::de(BTreeMap::from([
        ("role".to_string(), crate::text::code(u.role)),
        ("entreprise_id".to_string(), u.entreprise_id.map(|e| e.to_string()).unwrap_or_default()),
        ("donneur_ordre_id".to_string(), u.donneur_ordre_id.map(|d| d.to_string()).unwrap_or_default()),
    ]));
    if !f.valeurs.is_empty() {
        f_role.valeurs.extend(f.valeurs.clone());
    }
    f_role.erreurs = f.erreurs.clone();
    let (entreprises, donneurs) = organisations(state, c, &f_role).await?;
    let mut ctx = tera::Context::new();
    ctx.insert("invite", &u.password_hash.is_none());
    ctx.insert("actif", &u.actif);
    ctx.insert("u", &compte(u.clone(), &noms));
    ctx.insert("gerable", &gerable);
    ctx.insert("admin", &(c.acteur.role == Role::Admin));
    ctx.insert("jetons", &jetons);
    ctx.insert("f", &f_role);
    ctx.insert("roles", &roles_possibles(c));
    ctx.insert("entreprises", &entreprises);
    ctx.insert("donneurs", &donneurs);
    ctx.insert("fil", &fil(&[("Utilisateurs", "/utilisateurs"), (&u.nom, "")]));
    Ok((status, render(state, "auth/utilisateur.html", Some(c), ctx)?).into_response())
}

async fn fiche(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>) -> Result<Response, AppError> {
    page_fiche(&state, &c, id, &Formulaire::default(), StatusCode::OK).await
}

/// The end of an action on an account: back to its page with what was done, or the page
/// again with the refusal next to its field.
async fn apres_action(state: &AppState, c: &Connecte, id: i64, mut f: Formulaire, resultat: Result<String, AppError>, champ: &str) -> Result<Response, AppError> {
    match resultat {
        Ok(message) => Ok(flash::rediriger(&format!("/utilisateurs/{id}"), &message)),
        Err(e) => {
            f.refus(e, champ)?;
            page_fiche(state, c, id, &f, StatusCode::UNPROCESSABLE_ENTITY).await
        }
    }
}

async fn actif(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, ApiForm(valeurs): ApiForm<BTreeMap<String, String>>) -> Result<Response, AppError> {
    let f = Formulaire::recu(&c, GESTION, valeurs)?;
    let actif = f.valeurs.get("actif").is_some_and(|v| v == "oui");
    let r = comptes::changer_actif(&state, &c.acteur, id, actif).await.map(|u| if actif { format!("Le compte de {} est réactivé.", u.nom) } else { format!("Le compte de {} est désactivé : ses sessions et ses jetons ne fonctionnent plus.", u.nom) });
    apres_action(&state, &c, id, Formulaire::default(), r, "compte").await
}

async fn renvoyer(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, ApiForm(valeurs): ApiForm<BTreeMap<String, String>>) -> Result<Response, AppError> {
    Formulaire::recu(&c, GESTION, valeurs)?;
    let r = invitations::renvoyer(&state, &c.acteur, id).await.map(|u| format!("Invitation renvoyée à {} : le lien précédent ne fonctionne plus.", u.email));
    if r.is_ok() {
        super::routes::envoyer_bientot(&state);
    }
    apres_action(&state, &c, id, Formulaire::default(), r, "invitation").await
}

async fn jetons(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, ApiForm(valeurs): ApiForm<BTreeMap<String, String>>) -> Result<Response, AppError> {
    Formulaire::recu(&c, GESTION, valeurs)?;
    let r = comptes::revoquer_tous(&state, &c.acteur, id).await.map(|n| format!("{n} jeton(s) d'API révoqué(s)."));
    apres_action(&state, &c, id, Formulaire::default(), r, "jetons").await
}

async fn role(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, ApiForm(valeurs): ApiForm<BTreeMap<String, String>>) -> Result<Response, AppError> {
    let mut f = Formulaire::recu(&c, &[Role::Admin], valeurs)?;
    if choix::cherche(&f) {
        return page_fiche(&state, &c, id, &f, StatusCode::OK).await;
    }
    let (role, entreprise_id, donneur_ordre_id) = lire_role(&mut f);
    let Some(role) = role.filter(|_| f.valide()) else {
        return page_fiche(&state, &c, id, &f, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let r = comptes::changer_role(&state, &c.acteur, id, comptes::RoleInput { role, entreprise_id, donneur_ordre_id }).await.map(|u| format!("{} est maintenant {} ; ses sessions sont fermées.", u.nom, crate::libelles::de("role", u.role).to_lowercase()));
    apres_action(&state, &c, id, f, r, "role").await
}

/// One change of the audit log as people read it.
#[derive(Serialize)]
struct Entree {
    quand: chrono::DateTime<chrono::Utc>,
    qui: String,
    action: String,
    objet: String,
    lien: Option<String>,
    /// (field, before, after) of each value that changed.
    changements: Vec<(String, String, String)>,
}

/// A JSON value as a cell of the difference.
fn valeur(v: Option<&serde_json::Value>) -> String {
    match v {
        None | Some(serde_json::Value::Null) => "—".into(),
        // Dates and instants as people write them.
        Some(serde_json::Value::String(s)) => match (chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d"), chrono::DateTime::parse_from_rfc3339(s)) {
            (Ok(d), _) => crate::text::date_num(d),
            (_, Ok(t)) => crate::text::horodatage_fr(t.with_timezone(&chrono::Utc)),
            _ => s.clone(),
        },
        Some(serde_json::Value::Bool(b)) => (if *b { "oui" } else { "non" }).into(),
        Some(autre) => autre.to_string(),
    }
}

/// An object's values by dotted path (`regles.plafond_mensuel`), nested objects flattened.
fn aplatir(prefixe: &str, v: &serde_json::Value, out: &mut serde_json::Map<String, serde_json::Value>) {
    match v {
        serde_json::Value::Object(o) => {
            for (k, x) in o {
                aplatir(&if prefixe.is_empty() { k.clone() } else { format!("{prefixe}.{k}") }, x, out);
            }
        }
        autre => {
            out.insert(prefixe.to_string(), autre.clone());
        }
    }
}

/// Before and after as the list of what changed (every value of a creation or a deletion).
fn difference(avant: Option<&serde_json::Value>, apres: Option<&serde_json::Value>) -> Vec<(String, String, String)> {
    let objet = |v: Option<&serde_json::Value>| {
        let mut out = serde_json::Map::new();
        if let Some(v) = v.filter(|v| v.is_object()) {
            aplatir("", v, &mut out);
        }
        out
    };
    let (a, b) = (objet(avant), objet(apres));
    let mut cles: Vec<&String> = a.keys().chain(b.keys()).filter(|k| !matches!(k.as_str(), "id" | "structure_id" | "created_at" | "updated_at" | "password_hash")).collect();
    cles.sort();
    cles.dedup();
    // A value of an enumeration in words: the one named like its field (`role`), else any
    // enumeration's code written like a code (`non_demarree`).
    let mot = |k: &str, v: Option<&serde_json::Value>| {
        let champ = k.rsplit('.').next().unwrap_or(k);
        let code = v.and_then(|v| v.as_str());
        let libelle = code.and_then(|s| crate::libelles::libelle(champ, s).or_else(|| s.contains('_').then(|| crate::libelles::kinds().find_map(|g| crate::libelles::libelle(g, s))).flatten()));
        libelle.map(str::to_string).unwrap_or_else(|| valeur(v))
    };
    cles.into_iter().filter(|k| a.get(*k) != b.get(*k)).map(|k| (k.replace('_', " "), mot(k, a.get(k)), mot(k, b.get(k)))).collect()
}

/// The page of an audited object, when there is one.
fn lien(entite: &str, id: i64) -> Option<String> {
    let base = match entite {
        "utilisateur" => "/utilisateurs",
        "participant" => "/participants",
        "operation" => "/operations",
        "marche" => "/marches",
        "clause" => "/clauses",
        "donneur_ordre" => "/donneurs-ordre",
        "entreprise" => "/entreprises",
        _ => return None,
    };
    Some(format!("{base}/{id}"))
}

/// `/journal`: the audit log, newest first (administrators), filtered by person, kind of
/// object, object and dates, paginated, each entry's changes as a difference.
async fn journal(State(state): State<AppState>, c: Connecte, ApiQuery(query): ApiQuery<BTreeMap<String, String>>) -> Result<Response, AppError> {
    c.acteur.require(&[Role::Admin])?;
    let p = Params::lire("/journal", &query, &[]);
    let date = |nom: &str| p.filtre(nom).and_then(|d| chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let filtre = crate::audit::FiltreAudit {
        utilisateur_id: p.filtre_id("utilisateur"),
        entite: p.filtre("entite").map(str::to_string),
        entite_id: p.filtre_id("entite_id"),
        du: date("du"),
        au: date("au"),
        page: None,
        par_page: None,
    };
    let (items, pagination): (Vec<audit_log::Model>, _) = p.charger(&state.db, crate::audit::requete(&c.acteur, &filtre)).await?;
    let personnes = choix::filtre(&state.db, c.acteur.scoped::<utilisateurs::Entity>(), utilisateurs::Column::Nom, utilisateurs::Column::Id, p.filtre_id("utilisateur"), |u| u.nom.clone()).await?;
    let noms = crate::auth::service::noms_utilisateurs(&state.db, &c.acteur, items.iter().filter_map(|e| e.utilisateur_id).collect()).await?;
    let entrees: Vec<Entree> = items
        .into_iter()
        .map(|e| Entree {
            quand: e.created_at,
            qui: e.utilisateur_id.and_then(|u| noms.get(&u).cloned()).unwrap_or_else(|| "Clausier (tâche automatique)".into()),
            action: crate::libelles::libelle("action_audit", &e.action).map(str::to_string).unwrap_or_else(|| e.action.replace('_', " ")),
            objet: format!("{} n° {}", crate::libelles::libelle("entite_audit", &e.entite).map(str::to_string).unwrap_or_else(|| e.entite.replace('_', " ")), e.entite_id),
            lien: lien(&e.entite, e.entite_id),
            changements: difference(e.avant.as_ref(), e.apres.as_ref()),
        })
        .collect();
    let mut ctx = tera::Context::new();
    ctx.insert("entrees", &entrees);
    ctx.insert("pagination", &pagination);
    ctx.insert("personnes", &personnes);
    ctx.insert("entites", crate::libelles::options("entite_audit"));
    ctx.insert("f", &Formulaire::de(p.filtres.clone()));
    ctx.insert("fil", &fil(&[("Journal des modifications", "")]));
    Ok(render(&state, "auth/journal.html", Some(&c), ctx)?.into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_change_reads_as_its_fields_before_and_after() {
        let avant = serde_json::json!({"id": 3, "role": "referent", "actif": true, "nom": "Inès"});
        let apres = serde_json::json!({"id": 3, "role": "facilitateur", "actif": false, "nom": "Inès"});
        assert_eq!(super::difference(Some(&avant), Some(&apres)), vec![("actif".into(), "oui".into(), "non".into()), ("role".into(), "Référent·e de parcours".into(), "Facilitateur·rice".into())]);
        assert_eq!(super::difference(None, Some(&serde_json::json!({"nom": "Ada", "date_debut": "2026-03-16"}))), vec![("date debut".into(), "—".into(), "16/03/2026".into()), ("nom".into(), "—".into(), "Ada".into())]);
        let avant = serde_json::json!({"avancement": {"statut": "non_demarree", "taux": 0.1}});
        let apres = serde_json::json!({"avancement": {"statut": "en_retard", "taux": 0.1}});
        assert_eq!(super::difference(Some(&avant), Some(&apres)), vec![("avancement.statut".into(), "Non démarrée".into(), "En retard".into())]);
    }
}
