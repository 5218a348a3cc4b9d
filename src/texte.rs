//! One rule for the texts people type, in the API's inputs and the pages' forms: no NUL
//! or control character (tabs and line breaks only in a multi-line text), and a stated
//! maximum length — 200 characters for a name, a number, a title or a poste, 5 000 for a
//! reason, a justification or a comment. The refusal is a French message on the field.

use serde::{Deserialize, Deserializer};

/// Names, numbers, titles, postes: one line.
pub const COURT: usize = 200;
/// Reasons, justifications, comments: several lines.
pub const LONG: usize = 5_000;

/// Marks our own messages inside serde's errors, so that the French message reaches the
/// client as it is (`error::serde_en_francais`).
pub const MARQUE: &str = "clausier-texte ";

/// Why a text is refused, if it is.
pub fn verifier(v: &str, max: usize, multiligne: bool) -> Result<(), String> {
    if v.chars().count() > max {
        return Err(format!("{} caractères au plus.", crate::text::nombre_fr(max as f64)));
    }
    let permis = |c: char| multiligne && matches!(c, '\n' | '\r' | '\t');
    if v.chars().any(|c| c.is_control() && !permis(c)) {
        return Err(if multiligne { "Caractères de contrôle non autorisés.".into() } else { "Une seule ligne, sans caractère de contrôle.".into() });
    }
    Ok(())
}

fn lire<'de, D: Deserializer<'de>>(d: D, max: usize, multiligne: bool) -> Result<String, D::Error> {
    let v = String::deserialize(d)?;
    verifier(&v, max, multiligne).map_err(|m| serde::de::Error::custom(format!("{MARQUE}{m}")))?;
    Ok(v)
}

fn lire_opt<'de, D: Deserializer<'de>>(d: D, max: usize, multiligne: bool) -> Result<Option<String>, D::Error> {
    let v = Option::<String>::deserialize(d)?;
    if let Some(v) = &v {
        verifier(v, max, multiligne).map_err(|m| serde::de::Error::custom(format!("{MARQUE}{m}")))?;
    }
    Ok(v)
}

pub fn court<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    lire(d, COURT, false)
}

pub fn court_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    lire_opt(d, COURT, false)
}

pub fn long<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    lire(d, LONG, true)
}

pub fn long_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    lire_opt(d, LONG, true)
}

/// Dates typed are between these years (a date of birth, a contrat, a marché).
pub const ANNEES: std::ops::RangeInclusive<i32> = 1900..=2100;

fn date_plausible<E: serde::de::Error>(d: chrono::NaiveDate) -> Result<chrono::NaiveDate, E> {
    if ANNEES.contains(&chrono::Datelike::year(&d)) {
        Ok(d)
    } else {
        Err(E::custom(format!("{MARQUE}Date entre {} et {} attendue.", ANNEES.start(), ANNEES.end())))
    }
}

pub fn date<'de, D: Deserializer<'de>>(d: D) -> Result<chrono::NaiveDate, D::Error> {
    date_plausible(chrono::NaiveDate::deserialize(d)?)
}

pub fn date_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<chrono::NaiveDate>, D::Error> {
    Option::<chrono::NaiveDate>::deserialize(d)?.map(date_plausible).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_control_characters() {
        assert!(verifier("Maçon coffreur", COURT, false).is_ok());
        assert_eq!(verifier(&"a".repeat(201), COURT, false).unwrap_err(), "200 caractères au plus.");
        assert!(verifier("deux\nlignes", COURT, false).is_err());
        assert!(verifier("deux\nlignes\tet tab", LONG, true).is_ok());
        assert!(verifier("bip\u{7}", LONG, true).is_err());
    }
}
