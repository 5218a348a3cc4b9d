//! Donneurs d'ordre and entreprises in the back office: list (search, sort, pages),
//! the record with its contacts and neighbours, create, edit, add a contact. Both kinds
//! share the fields (name, SIRET, kind, address) and so one set of handlers and templates.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use entities::enums::{TypeDonneurOrdre, TypeEntreprise};
use entities::{attributions, donneurs_ordre, entreprises, marches};
use sea_orm::{ColumnTrait, Condition, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

use crate::auth::session::Connecte;
use crate::auth::GESTION;
use crate::clauses::forms::{ContactInput, DonneurOrdreInput, EntrepriseInput};
use crate::clauses::service::{self, Organisation};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::web::formulaire::Formulaire;
use crate::web::liste::{like, Params};
use crate::web::{flash, render, ApiForm, ApiPath, ApiQuery};

pub(super) fn routes() -> Router<AppState> {
    let mut r = Router::new();
    for sorte in [Sorte::DonneurOrdre, Sorte::Entreprise] {
        let base = sorte.base();
        r = r
            .route(base, get(move |s, c, q| liste(s, c, q, sorte)))
            .route(&format!("{base}/nouveau"), get(move |s, c| nouveau(s, c, sorte)).post(move |s, c, f| creer(s, c, f, sorte)))
            .route(&format!("{base}/{{id}}"), get(move |s, c, id| fiche(s, c, id, sorte)))
            .route(&format!("{base}/{{id}}/modifier"), get(move |s, c, id| modifier(s, c, id, sorte)).post(move |s, c, id, f| enregistrer(s, c, id, f, sorte)))
            .route(&format!("{base}/{{id}}/contacts"), post(move |s, c, id, f| ajouter_contact(s, c, id, f, sorte)));
    }
    r
}

#[derive(Clone, Copy, PartialEq)]
enum Sorte {
    DonneurOrdre,
    Entreprise,
}

impl Sorte {
    fn base(self) -> &'static str {
        match self {
            Sorte::DonneurOrdre => "/donneurs-ordre",
            Sorte::Entreprise => "/entreprises",
        }
    }
    fn pluriel(self) -> &'static str {
        match self {
            Sorte::DonneurOrdre => "Donneurs d'ordre",
            Sorte::Entreprise => "Entreprises",
        }
    }
    fn champ_nom(self) -> &'static str {
        match self {
            Sorte::DonneurOrdre => "nom",
            Sorte::Entreprise => "raison_sociale",
        }
    }
    fn enumeration(self) -> &'static str {
        match self {
            Sorte::DonneurOrdre => "type_donneur_ordre",
            Sorte::Entreprise => "type_entreprise",
        }
    }
    fn vue(self, ctx: &mut tera::Context) {
        ctx.insert(
            "sorte",
            &serde_json::json!({
                "base": self.base(),
                "pluriel": self.pluriel(),
                "un": if self == Sorte::DonneurOrdre { "un donneur d'ordre" } else { "une entreprise" },
                "de": if self == Sorte::DonneurOrdre { "du donneur d'ordre" } else { "de l'entreprise" },
                "nouveau": if self == Sorte::DonneurOrdre { "Nouveau donneur d'ordre" } else { "Nouvelle entreprise" },
                "champ_nom": self.champ_nom(),
                "libelle_nom": if self == Sorte::DonneurOrdre { "Nom" } else { "Raison sociale" },
                "enumeration": self.enumeration(),
                "entreprise": self == Sorte::Entreprise,
            }),
        );
        ctx.insert("types", crate::libelles::options(self.enumeration()));
    }
}

/// A donneur d'ordre or an entreprise, as the pages show it.
#[derive(Serialize)]
struct Org {
    id: i64,
    nom: String,
    siret: String,
    /// The identifier's kind (`siret` for every buyer).
    type_identifiant: String,
    type_code: String,
    siae: bool,
    adresse: String,
    code_postal: String,
    commune: String,
}

impl From<donneurs_ordre::Model> for Org {
    fn from(d: donneurs_ordre::Model) -> Org {
        Org { id: d.id, nom: d.nom, siret: d.siret, type_identifiant: "siret".into(), type_code: crate::text::code(d.r#type), siae: false, adresse: d.adresse.unwrap_or_default(), code_postal: d.code_postal.unwrap_or_default(), commune: d.commune.unwrap_or_default() }
    }
}

impl From<entreprises::Model> for Org {
    fn from(e: entreprises::Model) -> Org {
        Org {
            id: e.id,
            siae: crate::clauses::views::est_siae(e.r#type),
            nom: e.raison_sociale,
            siret: e.siret,
            type_identifiant: crate::text::code(e.type_identifiant),
            type_code: crate::text::code(e.r#type),
            adresse: e.adresse.unwrap_or_default(),
            code_postal: e.code_postal.unwrap_or_default(),
            commune: e.commune.unwrap_or_default(),
        }
    }
}

const TRIS: &[&str] = &["nom", "siret", "type", "commune"];

async fn liste(State(state): State<AppState>, c: Connecte, ApiQuery(query): ApiQuery<BTreeMap<String, String>>, sorte: Sorte) -> Result<Response, AppError> {
    c.acteur.require(GESTION)?;
    let p = Params::lire(sorte.base(), &query, TRIS);
    let type_choisi = p.filtre("type").map(str::to_string);
    let (lignes, pagination): (Vec<Org>, _) = match sorte {
        Sorte::DonneurOrdre => {
            use donneurs_ordre::Column as C;
            let mut s = service::donneurs_ordre_visibles(&c.acteur)?;
            if let Some(m) = p.motif() {
                s = s.filter(Condition::any().add(like(C::Nom, &m)).add(like(C::Siret, &m)).add(like(C::Commune, &m)));
            }
            if let Some(t) = &type_choisi {
                s = s.filter(C::Type.eq(t.as_str()));
            }
            let col = match p.tri.as_str() { "siret" => C::Siret, "type" => C::Type, "commune" => C::Commune, _ => C::Nom };
            let s = p.trier(s, col, C::Id);
            let (items, pg) = p.charger(&state.db, s).await?;
            (items.into_iter().map(Org::from).collect(), pg)
        }
        Sorte::Entreprise => {
            use entreprises::Column as C;
            let mut s = service::entreprises_visibles(&c.acteur)?;
            if let Some(m) = p.motif() {
                s = s.filter(Condition::any().add(like(C::RaisonSociale, &m)).add(like(C::Siret, &m)).add(like(C::Commune, &m)));
            }
            if let Some(t) = &type_choisi {
                s = s.filter(C::Type.eq(t.as_str()));
            }
            let col = match p.tri.as_str() { "siret" => C::Siret, "type" => C::Type, "commune" => C::Commune, _ => C::RaisonSociale };
            let s = p.trier(s, col, C::Id);
            let (items, pg) = p.charger(&state.db, s).await?;
            (items.into_iter().map(Org::from).collect(), pg)
        }
    };
    let mut ctx = tera::Context::new();
    sorte.vue(&mut ctx);
    ctx.insert("lignes", &lignes);
    ctx.insert("pagination", &pagination);
    ctx.insert("colonnes", &p.colonnes(&[("nom", if sorte == Sorte::DonneurOrdre { "Nom" } else { "Raison sociale" }), ("siret", "SIRET"), ("type", "Type"), ("commune", "Commune")]));
    ctx.insert("q", &p.q);
    ctx.insert("type_choisi", &type_choisi.unwrap_or_default());
    ctx.insert("fil", &super::fil(&[(sorte.pluriel(), "")]));
    Ok(render(&state, "clauses/organisations.html", Some(&c), ctx)?.into_response())
}

async fn lire(state: &AppState, c: &Connecte, id: i64, sorte: Sorte) -> AppResult<Org> {
    Ok(match sorte {
        Sorte::DonneurOrdre => service::get_donneur_ordre(&state.db, &c.acteur, id).await?.into(),
        Sorte::Entreprise => service::get_entreprise(&state.db, &c.acteur, id).await?.into(),
    })
}

fn cle(sorte: Sorte, id: i64) -> Organisation {
    match sorte {
        Sorte::DonneurOrdre => Organisation::DonneurOrdre(id),
        Sorte::Entreprise => Organisation::Entreprise(id),
    }
}

/// A record's page lists this many of its opérations or marchés, then links to the list.
const APERCU: u64 = 25;

#[derive(Serialize)]
struct Voisin {
    url: String,
    libelle: String,
    detail: String,
}

async fn fiche(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, sorte: Sorte) -> Result<Response, AppError> {
    c.acteur.require(GESTION)?;
    let org = lire(&state, &c, id, sorte).await?;
    afficher_fiche(&state, &c, org, sorte, Formulaire::default(), StatusCode::OK).await
}

async fn afficher_fiche(state: &AppState, c: &Connecte, org: Org, sorte: Sorte, contact: Formulaire, status: StatusCode) -> Result<Response, AppError> {
    let contacts = service::contacts(&state.db, &c.acteur, cle(sorte, org.id)).await?;
    // The first opérations or marchés; past APERCU, a link to their list filtered on it.
    let (voisins, nb_voisins): (Vec<Voisin>, u64) = match sorte {
        Sorte::DonneurOrdre => {
            let s = crate::clauses::service::operations::list_operations(&c.acteur, Some(org.id))?;
            let n = s.clone().count(&state.db).await?;
            let v = s.limit(APERCU).all(&state.db).await?.into_iter().map(|o| Voisin { url: format!("/operations/{}", o.id), libelle: o.nom, detail: o.commune }).collect();
            (v, n)
        }
        Sorte::Entreprise => {
            let s = c.acteur.scoped::<attributions::Entity>().filter(attributions::Column::EntrepriseId.eq(org.id));
            let n = s.clone().count(&state.db).await?;
            let attributions = s.order_by_asc(attributions::Column::Id).limit(APERCU).all(&state.db).await?;
            let marches: BTreeMap<i64, marches::Model> = c
                .acteur
                .scoped::<marches::Entity>()
                .filter(marches::Column::Id.is_in(attributions.iter().map(|a| a.marche_id).collect::<Vec<_>>()))
                .all(&state.db)
                .await?
                .into_iter()
                .map(|m| (m.id, m))
                .collect();
            let v = attributions
                .iter()
                .filter_map(|a| {
                    let m = marches.get(&a.marche_id)?;
                    Some(Voisin { url: format!("/marches/{}", m.id), libelle: format!("{} — {}", m.numero, m.objet), detail: crate::libelles::de("role_attribution", a.role) })
                })
                .collect();
            (v, n)
        }
    };
    let mut ctx = tera::Context::new();
    sorte.vue(&mut ctx);
    ctx.insert("org", &org);
    ctx.insert("contacts", &contacts);
    ctx.insert("voisins", &voisins);
    ctx.insert("nb_voisins", &nb_voisins);
    let mut contact = contact;
    if contact.valeurs.is_empty() {
        contact.valeurs.insert("recoit_relances".into(), "oui".into());
    }
    ctx.insert("f", &contact);
    ctx.insert("fil", &vec![(sorte.pluriel().to_string(), sorte.base().to_string()), (org.nom.clone(), String::new())]);
    Ok((status, render(state, "clauses/organisation.html", Some(c), ctx)?).into_response())
}

fn formulaire_page(state: &AppState, c: &Connecte, sorte: Sorte, f: &Formulaire, id: Option<i64>, nom: &str, status: StatusCode) -> Result<Response, AppError> {
    let mut ctx = tera::Context::new();
    sorte.vue(&mut ctx);
    ctx.insert("f", f);
    ctx.insert("id", &id);
    ctx.insert("types_identifiant", crate::libelles::options("type_identifiant"));
    let mut fil = vec![(sorte.pluriel().to_string(), sorte.base().to_string())];
    match id {
        Some(id) => {
            fil.push((nom.to_string(), format!("{}/{id}", sorte.base())));
            fil.push(("Modifier".to_string(), String::new()));
        }
        None => fil.push(("Nouveau".to_string(), String::new())),
    }
    ctx.insert("fil", &fil);
    Ok((status, render(state, "clauses/organisation_form.html", Some(c), ctx)?).into_response())
}

async fn nouveau(State(state): State<AppState>, c: Connecte, sorte: Sorte) -> Result<Response, AppError> {
    c.acteur.require(GESTION)?;
    formulaire_page(&state, &c, sorte, &Formulaire::default(), None, "", StatusCode::OK)
}

async fn modifier(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, sorte: Sorte) -> Result<Response, AppError> {
    c.acteur.require(GESTION)?;
    let org = lire(&state, &c, id, sorte).await?;
    let valeurs = [
        (sorte.champ_nom(), org.nom.clone()),
        ("siret", org.siret.clone()),
        ("type_identifiant", org.type_identifiant.clone()),
        ("type", org.type_code.clone()),
        ("adresse", org.adresse.clone()),
        ("code_postal", org.code_postal.clone()),
        ("commune", org.commune.clone()),
    ];
    let f = Formulaire::de(valeurs.into_iter().map(|(k, v)| (k.to_string(), v)).collect());
    formulaire_page(&state, &c, sorte, &f, Some(id), &org.nom, StatusCode::OK)
}

/// The form read into the API's input (the same checks follow in the service).
enum Saisie {
    DonneurOrdre(DonneurOrdreInput),
    Entreprise(EntrepriseInput),
}

fn lire_saisie(f: &mut Formulaire, sorte: Sorte) -> Option<Saisie> {
    let nom = f.texte(sorte.champ_nom());
    let siret = f.texte("siret");
    let (adresse, code_postal, commune) = (f.option("adresse"), f.option("code_postal"), f.option("commune"));
    // Without a type, the other fields are checked all the same (with a stand-in type),
    // so that every error shows at once.
    let (saisie, type_choisi) = match sorte {
        Sorte::DonneurOrdre => {
            let t = f.code("type");
            (Saisie::DonneurOrdre(DonneurOrdreInput { nom, siret, type_: t.unwrap_or(TypeDonneurOrdre::Commune), adresse, code_postal, commune }), t.is_some())
        }
        Sorte::Entreprise => {
            let t = f.code("type");
            let type_identifiant = f.code("type_identifiant").unwrap_or_default();
            (Saisie::Entreprise(EntrepriseInput { raison_sociale: nom, siret, type_identifiant, type_: t.unwrap_or(TypeEntreprise::Classique), adresse, code_postal, commune }), t.is_some())
        }
    };
    // The service's checks of the other fields are shown together with this one.
    let verif = match &saisie {
        Saisie::DonneurOrdre(i) => i.parse().err(),
        Saisie::Entreprise(i) => i.parse().err(),
    };
    if let Some(e) = verif {
        let _ = f.refus(e, "siret");
    }
    let saisie = Some(saisie).filter(|_| type_choisi);
    saisie.filter(|_| f.valide())
}

async fn creer(State(state): State<AppState>, c: Connecte, ApiForm(valeurs): ApiForm<BTreeMap<String, String>>, sorte: Sorte) -> Result<Response, AppError> {
    let mut f = Formulaire::recu(&c, GESTION, valeurs)?;
    if let Some(saisie) = lire_saisie(&mut f, sorte) {
        let resultat = match &saisie {
            Saisie::DonneurOrdre(i) => service::create_donneur_ordre(&state.db, &state.clock, &c.acteur, i).await.map(|m| (m.id, m.nom)),
            Saisie::Entreprise(i) => service::create_entreprise(&state.db, &state.clock, &c.acteur, i).await.map(|m| (m.id, m.raison_sociale)),
        };
        match resultat {
            Ok((id, nom)) => return Ok(flash::rediriger(&format!("{}/{id}", sorte.base()), &format!("« {nom} » est enregistré."))),
            Err(e) => f.refus(e, "siret")?,
        }
    }
    formulaire_page(&state, &c, sorte, &f, None, "", StatusCode::UNPROCESSABLE_ENTITY)
}

async fn enregistrer(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, ApiForm(valeurs): ApiForm<BTreeMap<String, String>>, sorte: Sorte) -> Result<Response, AppError> {
    c.acteur.require(GESTION)?;
    let org = lire(&state, &c, id, sorte).await?;
    let mut f = Formulaire::recu(&c, GESTION, valeurs)?;
    if let Some(saisie) = lire_saisie(&mut f, sorte) {
        let resultat = match &saisie {
            Saisie::DonneurOrdre(i) => service::update_donneur_ordre(&state.db, &state.clock, &c.acteur, id, i).await.map(|_| ()),
            Saisie::Entreprise(i) => service::update_entreprise(&state.db, &state.clock, &c.acteur, id, i).await.map(|_| ()),
        };
        match resultat {
            Ok(()) => return Ok(flash::rediriger(&format!("{}/{id}", sorte.base()), "Modifications enregistrées.")),
            Err(e) => f.refus(e, "siret")?,
        }
    }
    formulaire_page(&state, &c, sorte, &f, Some(id), &org.nom, StatusCode::UNPROCESSABLE_ENTITY)
}

async fn ajouter_contact(State(state): State<AppState>, c: Connecte, ApiPath(id): ApiPath<i64>, ApiForm(valeurs): ApiForm<BTreeMap<String, String>>, sorte: Sorte) -> Result<Response, AppError> {
    c.acteur.require(GESTION)?;
    let org = lire(&state, &c, id, sorte).await?;
    let mut f = Formulaire::recu(&c, GESTION, valeurs)?;
    let input = ContactInput {
        nom: f.obligatoire("nom"),
        prenom: f.option("prenom"),
        fonction: f.option("fonction"),
        email: f.option("email"),
        telephone: f.option("telephone"),
        recoit_relances: f.case("recoit_relances"),
        recoit_bilans: f.case("recoit_bilans"),
    };
    if f.valide() {
        match service::add_contact(&state.db, &state.clock, &c.acteur, cle(sorte, id), input).await {
            Ok(contact) => return Ok(flash::rediriger(&format!("{}/{id}", sorte.base()), &format!("Contact « {} » ajouté.", contact.nom))),
            Err(e) => f.refus(e, "email")?,
        }
    }
    afficher_fiche(&state, &c, org, sorte, f, StatusCode::UNPROCESSABLE_ENTITY).await
}
