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

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    #[test]
    fn dates_read_the_french_way() {
        let d = |y, m, j| NaiveDate::from_ymd_opt(y, m, j).unwrap();
        assert_eq!(super::mois_fr(d(2025, 8, 14)), "août 2025");
        assert_eq!(super::date_fr(d(2025, 4, 1)), "1er avril 2025");
        assert_eq!(super::date_fr(d(2025, 12, 20)), "20 décembre 2025");
    }
}
