//! Small text helpers shared by every module's input parsing.

/// Trims an optional text; blank becomes absent.
pub fn clean(value: &Option<String>) -> Option<String> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_string)
}
