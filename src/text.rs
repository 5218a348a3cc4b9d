//! Small text helpers shared by every module's input parsing.

/// Trims an optional text; blank becomes absent.
pub fn clean(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
}

/// The snake_case code of an enumeration of the data model (`cdi`, `mise_a_disposition`…),
/// as the API writes it.
pub fn code<T: serde::Serialize>(value: T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

const MOIS: [&str; 12] =
    ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre", "novembre", "décembre"];

/// « mars 2025 ».
pub fn mois_fr(date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{} {}", MOIS[date.month0() as usize], date.year())
}

/// « 1er avril 2025 », « 10 avril 2025 ».
pub fn date_fr(date: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    let jour = if date.day() == 1 { "1er".to_string() } else { date.day().to_string() };
    format!("{jour} {}", mois_fr(date))
}

/// « 1 234,5 h »: hours the way French readers write them (thin space between
/// thousands, decimal comma, at most two decimals).
pub fn heures_fr(h: f64) -> String {
    format!("{} h", nombre_fr(h))
}

/// « 1 234,5 ».
pub fn nombre_fr(x: f64) -> String {
    let signe = if x < 0.0 { "-" } else { "" };
    let centiemes = (x.abs() * 100.0).round() as i64;
    let (entier, reste) = (centiemes / 100, centiemes % 100);
    let chiffres = entier.to_string();
    let mut texte = String::new();
    for (i, c) in chiffres.chars().enumerate() {
        if i > 0 && (chiffres.len() - i) % 3 == 0 {
            texte.push('\u{202f}');
        }
        texte.push(c);
    }
    if reste != 0 {
        texte.push_str(format!(",{reste:02}").trim_end_matches('0'));
    }
    format!("{signe}{texte}")
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    #[test]
    fn hours_read_the_french_way() {
        assert_eq!(super::heures_fr(1233.0), "1\u{202f}233 h");
        assert_eq!(super::heures_fr(1_234_567.5), "1\u{202f}234\u{202f}567,5 h");
        assert_eq!(super::heures_fr(42.5), "42,5 h");
        assert_eq!(super::heures_fr(7.25), "7,25 h");
        assert_eq!(super::heures_fr(0.0), "0 h");
        assert_eq!(super::nombre_fr(-3.1), "-3,1");
    }

    #[test]
    fn dates_read_the_french_way() {
        let d = |y, m, j| NaiveDate::from_ymd_opt(y, m, j).unwrap();
        assert_eq!(super::mois_fr(d(2025, 8, 14)), "août 2025");
        assert_eq!(super::date_fr(d(2025, 4, 1)), "1er avril 2025");
        assert_eq!(super::date_fr(d(2025, 12, 20)), "20 décembre 2025");
    }
}
