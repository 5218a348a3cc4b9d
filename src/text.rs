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
