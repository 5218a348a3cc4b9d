//! The navigation menu by role: only what the role may open, so that every page is
//! reached by links from the home page.

use entities::enums::Role;
use serde::Serialize;

#[derive(Debug, Serialize)]
pub struct Lien {
    pub libelle: &'static str,
    pub url: &'static str,
    /// The page shown is this entry or below it (`aria-current`).
    pub actif: bool,
}

const G: &[Role] = crate::auth::GESTION;
const TOUS: &[Role] = &[Role::Admin, Role::Facilitateur, Role::Referent, Role::Entreprise, Role::DonneurOrdre];
const SUIVI: &[Role] = &[Role::Admin, Role::Facilitateur, Role::Referent];
const DECLARANTS: &[Role] = &[Role::Entreprise, Role::Facilitateur, Role::Admin];

/// `(url, label, roles)`, in the menu's order.
const ENTREES: &[(&str, &str, &[Role])] = &[
    ("/", "Accueil", TOUS),
    ("/participants", "Participants", SUIVI),
    ("/donneurs-ordre", "Donneurs d'ordre", G),
    ("/operations", "Opérations", G),
    ("/marches", "Marchés", G),
    ("/clauses", "Clauses", G),
    ("/entreprises", "Entreprises", G),
    ("/import-decp", "Import DECP", G),
    ("/declarations", "Déclarations", DECLARANTS),
    ("/validations", "Validations", G),
    ("/bilans", "Bilans", G),
    ("/utilisateurs", "Utilisateurs", G),
    ("/journal", "Journal", &[Role::Admin]),
    ("/reglages", "Réglages", G),
    ("/envois", "E-mails", G),
];

pub fn menu(role: Role, chemin: &str) -> Vec<Lien> {
    ENTREES
        .iter()
        .filter(|(_, _, roles)| roles.contains(&role))
        .map(|(url, libelle, _)| Lien { libelle, url, actif: if *url == "/" { chemin == "/" } else { chemin == *url || chemin.starts_with(&format!("{url}/")) } })
        .collect()
}

/// The menu entries a role may open (tests check each answers it).
pub fn urls(role: Role) -> Vec<&'static str> {
    menu(role, "").into_iter().map(|l| l.url).collect()
}
