//! The French presentation as Tera filters, registered once on the templates of pages
//! and e-mails: `date` (29/11/2026), `date_heure`, `mois` (mars 2025), `nombre`
//! (1 234,5), `heures` (1 234,5 h), `pourcent` (81,3 % from 0.813), `euros`
//! (1 200 000 €) and `libelle(de="modalite")` (a code's French label, `crate::libelles`).
//! The Rust side of each is in `crate::text`, which exports use directly.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use tera::{Result, Tera, Value};

use crate::text;

pub fn register(tera: &mut Tera) {
    tera.register_filter("date", Sur(date));
    tera.register_filter("date_heure", Sur(date_heure));
    tera.register_filter("mois", Sur(mois));
    tera.register_filter("nombre", Sur(|v: &Value, _: &HashMap<String, Value>| Ok(Value::String(text::nombre_fr(nombre_de(v, "nombre")?)))));
    tera.register_filter("heures", Sur(|v: &Value, _: &HashMap<String, Value>| Ok(Value::String(text::heures_fr(nombre_de(v, "heures")?)))));
    tera.register_filter("pourcent", Sur(|v: &Value, _: &HashMap<String, Value>| Ok(Value::String(text::pourcent_fr(nombre_de(v, "pourcent")?)))));
    tera.register_filter("euros", Sur(|v: &Value, _: &HashMap<String, Value>| Ok(Value::String(text::euros_fr(nombre_de(v, "euros")?)))));
    tera.register_filter("libelle", Sur(libelle));
    tera.register_filter("ident", Sur(ident));
}

/// A field name as an HTML id (`lots[0].numero` → `lots-0--numero`).
fn ident(v: &Value, _: &HashMap<String, Value>) -> Result<Value> {
    let s = v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
    Ok(Value::String(s.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c.to_ascii_lowercase() } else { '-' }).collect()))
}

/// A filter whose output needs no HTML escaping: digits, separators and the labels of
/// our own table (no `<`, `&` or `"`), so that `29/11/2026` is not written `29&#x2F;11…`.
struct Sur<F>(F);

impl<F: Fn(&Value, &HashMap<String, Value>) -> Result<Value> + Sync + Send> tera::Filter for Sur<F> {
    fn filter(&self, value: &Value, args: &HashMap<String, Value>) -> Result<Value> {
        (self.0)(value, args)
    }

    fn is_safe(&self) -> bool {
        true
    }
}

fn nombre_de(v: &Value, filtre: &str) -> Result<f64> {
    match v {
        Value::Number(n) => n.as_f64().ok_or_else(|| tera::Error::msg(format!("{filtre} : nombre illisible {n}"))),
        Value::Null => Ok(0.0),
        autre => Err(tera::Error::msg(format!("{filtre} : un nombre est attendu, pas {autre}"))),
    }
}

fn texte_de<'a>(v: &'a Value, filtre: &str) -> Result<Option<&'a str>> {
    match v {
        Value::String(s) if s.is_empty() => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Null => Ok(None),
        autre => Err(tera::Error::msg(format!("{filtre} : un texte est attendu, pas {autre}"))),
    }
}

fn date(v: &Value, _: &HashMap<String, Value>) -> Result<Value> {
    let Some(s) = texte_de(v, "date")? else { return Ok(Value::String(String::new())) };
    let d = NaiveDate::parse_from_str(s.get(..10).unwrap_or(s), "%Y-%m-%d").map_err(|_| tera::Error::msg(format!("date : « {s} » n'est pas une date AAAA-MM-JJ")))?;
    Ok(Value::String(text::date_num(d)))
}

fn date_heure(v: &Value, _: &HashMap<String, Value>) -> Result<Value> {
    let Some(s) = texte_de(v, "date_heure")? else { return Ok(Value::String(String::new())) };
    let t = s.parse::<DateTime<Utc>>().map_err(|_| tera::Error::msg(format!("date_heure : « {s} » illisible")))?;
    Ok(Value::String(text::horodatage_fr(t)))
}

fn mois(v: &Value, _: &HashMap<String, Value>) -> Result<Value> {
    let Some(s) = texte_de(v, "mois")? else { return Ok(Value::String(String::new())) };
    let d = NaiveDate::parse_from_str(&format!("{}-01", s.get(..7).unwrap_or(s)), "%Y-%m-%d").map_err(|_| tera::Error::msg(format!("mois : « {s} » n'est pas un mois AAAA-MM")))?;
    Ok(Value::String(text::mois_fr(d)))
}

fn libelle(v: &Value, args: &HashMap<String, Value>) -> Result<Value> {
    let kind = args.get("de").and_then(Value::as_str).ok_or_else(|| tera::Error::msg("libelle : argument de=\"…\" manquant"))?;
    let code = match v {
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Null => return Ok(Value::String(String::new())),
        autre => autre.to_string(),
    };
    crate::libelles::libelle(kind, &code).map(|l| Value::String(l.to_string())).ok_or_else(|| tera::Error::msg(format!("libelle : code « {code} » inconnu pour {kind}")))
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_filters_write_french() {
        let mut tera = tera::Tera::default();
        super::register(&mut tera);
        tera.add_raw_template("t", "{{ d | date }}|{{ m | mois }}|{{ h | heures }}|{{ r | pourcent }}|{{ e | euros }}|{{ c | libelle(de=\"modalite\") }}|{{ t | date_heure }}").unwrap();
        let ctx = tera::Context::from_serialize(serde_json::json!({"d": "2026-11-29", "m": "2025-03", "h": 1234.5, "r": 0.813, "e": 1200000, "c": "embauche_directe", "t": "2026-11-29T09:30:00Z"})).unwrap();
        assert_eq!(tera.render("t", &ctx).unwrap(), "29/11/2026|mars 2025|1\u{202f}234,5 h|81,3\u{a0}%|1\u{202f}200\u{202f}000\u{a0}€|Embauche directe|29/11/2026 à 10:30");
        tera.add_raw_template("u", "{{ c | libelle(de=\"modalite\") }}").unwrap();
        assert!(tera.render("u", &tera::Context::from_serialize(serde_json::json!({"c": "inconnue"})).unwrap()).is_err());
    }
}
