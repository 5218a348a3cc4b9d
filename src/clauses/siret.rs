//! SIRET numbers: 14 digits with a Luhn check digit; La Poste's establishments (SIREN
//! 356 000 000) follow their own rule (sum of digits a multiple of 5).

use std::fmt;

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Siret(String);

const LA_POSTE_SIREN: &str = "356000000";

impl Siret {
    /// Parses a SIRET, tolerating spaces ("123 456 789 00012"); the error is French.
    pub fn parse(input: &str) -> Result<Siret, String> {
        let digits: String = input.chars().filter(|c| !c.is_whitespace()).collect();
        if digits.len() != 14 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err("Le SIRET doit compter exactement 14 chiffres.".into());
        }
        let values: Vec<u32> = digits.bytes().map(|b| u32::from(b - b'0')).collect();
        let valid = if digits.starts_with(LA_POSTE_SIREN) {
            values.iter().sum::<u32>() % 5 == 0
        } else {
            luhn(&values)
        };
        if valid {
            Ok(Siret(digits))
        } else {
            Err("Ce SIRET n'est pas valide (clé de contrôle incorrecte).".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Siret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A company's identifier: a SIRET checked by its key, or for a company without one
/// (foreign titulaires of the DECP) the identifier of its kind, kept as given (trimmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identifiant {
    pub type_: entities::enums::TypeIdentifiant,
    pub valeur: String,
}

impl Identifiant {
    pub fn siret(s: Siret) -> Identifiant {
        Identifiant { type_: entities::enums::TypeIdentifiant::Siret, valeur: s.0 }
    }

    /// Parses an identifier of kind `type_`; the error is French.
    pub fn parse(type_: entities::enums::TypeIdentifiant, valeur: &str) -> Result<Identifiant, String> {
        if type_ == entities::enums::TypeIdentifiant::Siret {
            return Siret::parse(valeur).map(Identifiant::siret);
        }
        let v = valeur.trim();
        if v.is_empty() || v.chars().count() > 40 || v.chars().any(char::is_control) {
            return Err("Identifiant attendu : de 1 à 40 caractères.".into());
        }
        Ok(Identifiant { type_, valeur: v.to_string() })
    }

    /// The DECP's `typeIdentifiant` (« SIRET », « TVA », « HORS-UE », « TAHITI », « RIDET »,
    /// « FRWF », « IREP »), whatever its case or separator.
    pub fn type_decp(texte: &str) -> Option<entities::enums::TypeIdentifiant> {
        use entities::enums::TypeIdentifiant::*;
        Some(match texte.trim().to_uppercase().replace(['_', ' '], "-").as_str() {
            "SIRET" => Siret,
            "TVA" | "TVA-INTRACOMMUNAUTAIRE" | "UE" => Tva,
            "HORS-UE" | "HORSUE" => HorsUe,
            "TAHITI" => Tahiti,
            "RIDET" => Ridet,
            "FRWF" => Frwf,
            "IREP" => Irep,
            _ => return None,
        })
    }
}

impl fmt::Display for Identifiant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.valeur)
    }
}

fn luhn(digits: &[u32]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| if i % 2 == 1 { let x = d * 2; if x > 9 { x - 9 } else { x } } else { d })
        .sum();
    sum % 10 == 0
}

#[cfg(test)]
mod tests {
    use super::Siret;

    #[test]
    fn luhn_and_la_poste() {
        assert!(Siret::parse("73282932000074").is_ok()); // a well-known valid SIRET
        assert_eq!(Siret::parse("732 829 320 00074").unwrap().as_str(), "73282932000074");
        assert!(Siret::parse("73282932000075").is_err());
        assert!(Siret::parse("7328293200007").is_err());
        assert!(Siret::parse("7328293200007A").is_err());
        // La Poste: Luhn fails but the digit sum is a multiple of 5.
        assert!(Siret::parse("35600000000001").is_ok());
        // ... and a La Poste number that passes Luhn but not La Poste's rule is refused.
        assert!(Siret::parse("35600000000014").is_err());
    }
}
