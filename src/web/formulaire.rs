//! A page's form as the browser posted it: every value kept as typed (to show it again
//! on error), read field by field into typed values with a French error next to the
//! field, and the service's own refusals (422 per field, 409) put next to theirs.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde::Serialize;

use crate::auth::session::Connecte;
use crate::error::AppError;

#[derive(Debug, Default, Serialize)]
pub struct Formulaire {
    pub valeurs: BTreeMap<String, String>,
    pub erreurs: BTreeMap<String, String>,
}

/// The longest text a form field takes.
const LONGUEUR_MAX: usize = 2000;

impl Formulaire {
    pub fn de(valeurs: BTreeMap<String, String>) -> Formulaire {
        Formulaire { valeurs, erreurs: BTreeMap::new() }
    }

    /// A posted form, once the role is allowed and the CSRF token is the session's
    /// (else 403).
    pub fn recu(connecte: &Connecte, roles: &[entities::enums::Role], valeurs: BTreeMap<String, String>) -> Result<Formulaire, AppError> {
        connecte.acteur.require(roles)?;
        let f = Formulaire::de(valeurs);
        if !f.csrf_valide(connecte) {
            return Err(AppError::Forbidden);
        }
        Ok(f)
    }

    /// The form's CSRF token is the session's.
    pub fn csrf_valide(&self, connecte: &Connecte) -> bool {
        self.valeurs.get("csrf").is_some_and(|c| *c == connecte.csrf)
    }

    pub fn erreur(&mut self, champ: &str, message: impl Into<String>) {
        self.erreurs.entry(champ.to_string()).or_insert_with(|| message.into());
    }

    pub fn valide(&self) -> bool {
        self.erreurs.is_empty()
    }

    /// The trimmed text of a field ("" when absent), refused when too long or holding
    /// control characters.
    pub fn texte(&mut self, champ: &str) -> String {
        let v = self.valeurs.get(champ).map(|v| v.trim().to_string()).unwrap_or_default();
        if let Err(message) = crate::texte::verifier(&v, LONGUEUR_MAX, true) {
            self.erreur(champ, message);
        }
        v
    }

    pub fn option(&mut self, champ: &str) -> Option<String> {
        Some(self.texte(champ)).filter(|v| !v.is_empty())
    }

    pub fn obligatoire(&mut self, champ: &str) -> String {
        let v = self.texte(champ);
        if v.is_empty() {
            self.erreur(champ, "Ce champ est obligatoire.");
        }
        v
    }

    /// A number typed the French way (`1 234,5`) or with a point; absent when empty.
    pub fn nombre(&mut self, champ: &str) -> Option<f64> {
        let brut = self.texte(champ);
        if brut.is_empty() {
            return None;
        }
        let t: String = brut.chars().filter(|c| !c.is_whitespace() && *c != '\u{202f}' && *c != '\u{a0}').collect::<String>().replace(',', ".");
        let ok = !t.is_empty() && t.chars().all(|c| c.is_ascii_digit() || c == '.' || c == '-') && t.matches('.').count() <= 1;
        match t.parse::<f64>() {
            Ok(x) if ok && x.is_finite() => Some(x),
            _ => {
                self.erreur(champ, "Nombre attendu, par exemple 1 234,5.");
                None
            }
        }
    }

    pub fn nombre_obligatoire(&mut self, champ: &str) -> f64 {
        let v = self.nombre(champ);
        if v.is_none() && self.texte(champ).is_empty() {
            self.erreur(champ, "Ce champ est obligatoire.");
        }
        v.unwrap_or(0.0)
    }

    /// A percentage typed as `5` or `5,5` (%) → a ratio (0.05).
    pub fn pourcentage(&mut self, champ: &str) -> Option<f64> {
        self.nombre(champ).map(|p| p / 100.0)
    }

    /// An id chosen in a list.
    pub fn id(&mut self, champ: &str) -> Option<i64> {
        let v = self.texte(champ);
        if v.is_empty() {
            return None;
        }
        v.parse().ok().or_else(|| {
            self.erreur(champ, "Choisissez dans la liste.");
            None
        })
    }

    pub fn id_obligatoire(&mut self, champ: &str) -> i64 {
        let v = self.id(champ);
        if v.is_none() {
            self.erreur(champ, "Choisissez dans la liste.");
        }
        v.unwrap_or(0)
    }

    /// A date from a date field (`2026-11-29`) or typed `29/11/2026`.
    pub fn date(&mut self, champ: &str) -> Option<NaiveDate> {
        let v = self.texte(champ);
        if v.is_empty() {
            return None;
        }
        NaiveDate::parse_from_str(&v, "%Y-%m-%d").or_else(|_| NaiveDate::parse_from_str(&v, "%d/%m/%Y")).ok().filter(|d| (1900..=2200).contains(&chrono::Datelike::year(d))).or_else(|| {
            self.erreur(champ, "Date attendue, par exemple 29/11/2026.");
            None
        })
    }

    pub fn date_obligatoire(&mut self, champ: &str) -> NaiveDate {
        let v = self.date(champ);
        if v.is_none() {
            self.erreur(champ, "Date obligatoire, par exemple 29/11/2026.");
        }
        v.unwrap_or_default()
    }

    /// An enumeration value chosen in a list (its code).
    pub fn code<T: serde::de::DeserializeOwned>(&mut self, champ: &str) -> Option<T> {
        let v = self.texte(champ);
        match serde_json::from_value(serde_json::Value::String(v)) {
            Ok(t) => Some(t),
            Err(_) => {
                self.erreur(champ, "Choisissez une valeur de la liste.");
                None
            }
        }
    }

    /// A checkbox.
    pub fn case(&self, champ: &str) -> bool {
        self.valeurs.get(champ).is_some_and(|v| !v.is_empty())
    }

    /// Takes in a service's refusal: 422 fields next to theirs, a 409 next to `conflit`.
    /// Any other error is given back.
    pub fn refus(&mut self, err: AppError, conflit: &str) -> Result<(), AppError> {
        match err {
            AppError::Invalid(champs) => {
                for c in champs {
                    // `lots[0].numero` (the API's name) is `lots.0.numero` in a form.
                    let nom = if c.field.is_empty() { "formulaire".to_string() } else { c.field.replace('[', ".").replace(']', "") };
                    self.erreur(&nom, c.message);
                }
                Ok(())
            }
            AppError::Conflict(message) => {
                self.erreur(conflit, message);
                Ok(())
            }
            autre => Err(autre),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_read_the_french_way_with_errors_by_field() {
        let mut f = Formulaire::de([("a", "1 234,5"), ("b", "1e2"), ("c", "29/11/2026"), ("d", "x"), ("e", "heures")].into_iter().map(|(k, v)| (k.into(), v.into())).collect());
        assert_eq!(f.nombre("a"), Some(1234.5));
        assert_eq!(f.nombre("b"), None);
        assert_eq!(f.date("c"), NaiveDate::from_ymd_opt(2026, 11, 29));
        assert_eq!(f.id("d"), None);
        assert_eq!(f.code::<entities::enums::ModeObjectif>("e"), Some(entities::enums::ModeObjectif::Heures));
        assert_eq!(f.obligatoire("absent"), "");
        assert_eq!(f.erreurs.keys().cloned().collect::<Vec<_>>(), vec!["absent", "b", "d"]);
    }
}
