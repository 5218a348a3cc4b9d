//! Static files (`templates/static/`: our stylesheet, vendored scripts), read once at
//! start-up and served under fingerprinted names (`clausier.3f2a9c1b0d.css`) with a
//! year-long immutable cache: a new version of a file gets a new name.

use std::collections::HashMap;
use std::path::Path;

use axum::extract::{Path as UrlPath, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

use crate::state::AppState;

pub struct Fichier {
    pub url: String,
    contenu: Vec<u8>,
    type_mime: &'static str,
}

#[derive(Default)]
pub struct Statiques {
    /// Logical name (`clausier.css`) → the file.
    par_nom: HashMap<String, Fichier>,
    /// Fingerprinted name → logical name.
    par_empreinte: HashMap<String, String>,
}

impl Statiques {
    pub fn charger(dir: &Path) -> anyhow::Result<Statiques> {
        let mut s = Statiques::default();
        let Ok(entrees) = std::fs::read_dir(dir) else { return Ok(s) };
        for entree in entrees {
            let chemin = entree?.path();
            if !chemin.is_file() {
                continue;
            }
            let nom = chemin.file_name().and_then(|n| n.to_str()).unwrap_or_default().to_string();
            let (base, ext) = nom.rsplit_once('.').unwrap_or((&nom, ""));
            let type_mime = match ext {
                "css" => "text/css; charset=utf-8",
                "js" => "text/javascript; charset=utf-8",
                "svg" => "image/svg+xml",
                "png" => "image/png",
                "woff2" => "font/woff2",
                _ => "application/octet-stream",
            };
            let contenu = std::fs::read(&chemin)?;
            let empreinte = hex::encode(&Sha256::digest(&contenu)[..5]);
            let servi = format!("{base}.{empreinte}.{ext}");
            s.par_empreinte.insert(servi.clone(), nom.clone());
            s.par_nom.insert(nom, Fichier { url: format!("/static/{servi}"), contenu, type_mime });
        }
        Ok(s)
    }

    /// The address of a static file (its fingerprinted name).
    pub fn url(&self, nom: &str) -> String {
        self.par_nom.get(nom).map(|f| f.url.clone()).unwrap_or_else(|| format!("/static/{nom}"))
    }
}

pub async fn servir(State(state): State<AppState>, UrlPath(nom): UrlPath<String>) -> Response {
    match state.statiques.par_empreinte.get(&nom).and_then(|n| state.statiques.par_nom.get(n)) {
        Some(f) => (
            [(header::CONTENT_TYPE, f.type_mime), (header::CACHE_CONTROL, "public, max-age=31536000, immutable")],
            f.contenu.clone(),
        )
            .into_response(),
        None => crate::error::AppError::NotFound.into_response(),
    }
}
