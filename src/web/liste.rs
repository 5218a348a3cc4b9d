//! Lists of the pages: search, sort and pages from the address's query (read as plain
//! text: a bad value falls back to the default, never to an error), and the links of the
//! column headers and of the pages, which keep the other filters.

use std::collections::BTreeMap;

use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, Select};
use serde::Serialize;

use crate::error::AppResult;

pub const PAR_PAGE: u64 = 25;

/// The query of a list page.
#[derive(Debug, Clone)]
pub struct Params {
    /// The page's address (`/operations`).
    pub base: String,
    pub q: String,
    pub tri: String,
    pub desc: bool,
    pub page: u64,
    /// Every other parameter (filters), kept in the links.
    pub filtres: BTreeMap<String, String>,
}

#[derive(Debug, Serialize)]
pub struct Colonne {
    pub libelle: &'static str,
    pub url: String,
    /// `ascending` / `descending` on the column sorted by (`aria-sort`).
    pub sens: Option<&'static str>,
}

#[derive(Debug, Serialize)]
pub struct Pagination {
    pub total: u64,
    pub page: u64,
    pub pages: u64,
    pub precedente: Option<String>,
    pub suivante: Option<String>,
}

impl Params {
    /// `tris`: the sort keys allowed, the first being the default.
    pub fn lire(base: &str, query: &BTreeMap<String, String>, tris: &[&str]) -> Params {
        let texte = |k: &str| query.get(k).map(|v| v.trim().chars().take(100).collect::<String>()).unwrap_or_default();
        let tri = texte("tri");
        let tri = if tris.contains(&tri.as_str()) { tri } else { tris.first().copied().unwrap_or_default().to_string() };
        let page = texte("page").parse::<u64>().ok().filter(|p| (1..=1_000_000).contains(p)).unwrap_or(1);
        let filtres = query
            .iter()
            .filter(|(k, v)| !["q", "tri", "sens", "page"].contains(&k.as_str()) && !v.trim().is_empty())
            .map(|(k, v)| (k.clone(), v.trim().chars().take(100).collect()))
            .collect();
        Params { base: base.to_string(), q: texte("q"), tri, desc: texte("sens") == "desc", page, filtres }
    }

    pub fn filtre(&self, nom: &str) -> Option<&str> {
        self.filtres.get(nom).map(String::as_str)
    }

    /// A filter read as an id (absent when not a number).
    pub fn filtre_id(&self, nom: &str) -> Option<i64> {
        self.filtre(nom).and_then(|v| v.parse().ok())
    }

    /// The address with these parameters changed (`None` removes one).
    pub fn lien(&self, changes: &[(&str, Option<String>)]) -> String {
        let mut p: BTreeMap<String, String> = self.filtres.clone();
        if !self.q.is_empty() {
            p.insert("q".into(), self.q.clone());
        }
        p.insert("tri".into(), self.tri.clone());
        if self.desc {
            p.insert("sens".into(), "desc".into());
        }
        if self.page > 1 {
            p.insert("page".into(), self.page.to_string());
        }
        for (k, v) in changes {
            match v {
                Some(v) => p.insert(k.to_string(), v.clone()),
                None => p.remove(*k),
            };
        }
        let query = serde_urlencoded::to_string(&p).unwrap_or_default();
        if query.is_empty() { self.base.clone() } else { format!("{}?{query}", self.base) }
    }

    /// Column headers: each sorts by its key (ascending, or the other way if already).
    pub fn colonnes(&self, colonnes: &[(&'static str, &'static str)]) -> Vec<Colonne> {
        colonnes
            .iter()
            .map(|(cle, libelle)| {
                let actuelle = self.tri == *cle;
                let sens = (!cle.is_empty() && actuelle).then_some(if self.desc { "descending" } else { "ascending" });
                let url = if cle.is_empty() {
                    String::new()
                } else {
                    self.lien(&[("tri", Some(cle.to_string())), ("sens", (actuelle && !self.desc).then(|| "desc".to_string())), ("page", None)])
                };
                Colonne { libelle, url, sens }
            })
            .collect()
    }

    pub fn pagination(&self, total: u64) -> Pagination {
        let pages = total.div_ceil(PAR_PAGE).max(1);
        let page = self.page.min(pages);
        Pagination {
            total,
            page,
            pages,
            precedente: (page > 1).then(|| self.lien(&[("page", Some((page - 1).to_string()))])),
            suivante: (page < pages).then(|| self.lien(&[("page", Some((page + 1).to_string()))])),
        }
    }

    /// The search as a SQL `LIKE` pattern (`%` and `_` typed by the user match themselves).
    pub fn motif(&self) -> Option<String> {
        motif(&self.q)
    }

    /// Orders a query by the column chosen, in the direction chosen, then by `id` (so that
    /// pages never overlap); any order the query had is replaced.
    pub fn trier<E: EntityTrait>(&self, mut s: Select<E>, colonne: E::Column, id: E::Column) -> Select<E> {
        use sea_orm::{QueryOrder, QueryTrait};
        QueryTrait::query(&mut s).clear_order_by();
        let s = if self.desc { s.order_by_desc(colonne) } else { s.order_by_asc(colonne) };
        s.order_by_asc(id)
    }

    /// One page of an (ordered) query, with the total.
    pub async fn charger<E, M>(&self, db: &impl ConnectionTrait, select: Select<E>) -> AppResult<(Vec<M>, Pagination)>
    where
        E: EntityTrait<Model = M>,
        M: FromQueryResult + Sized + Send + Sync,
    {
        let paginator = select.paginate(db, PAR_PAGE);
        let total = paginator.num_items().await?;
        let pagination = self.pagination(total);
        let items = paginator.fetch_page(pagination.page - 1).await?;
        Ok((items, pagination))
    }

    /// One page of rows already in memory (sorted by the caller).
    pub fn tranche<T>(&self, items: Vec<T>) -> (Vec<T>, Pagination) {
        let pagination = self.pagination(items.len() as u64);
        let debut = ((pagination.page - 1) * PAR_PAGE) as usize;
        (items.into_iter().skip(debut).take(PAR_PAGE as usize).collect(), pagination)
    }
}

/// A search typed by someone as a SQL `LIKE` pattern for `like` (`%` and `_` match
/// themselves); none when it is blank.
pub fn motif(q: &str) -> Option<String> {
    let q = q.trim();
    if q.is_empty() {
        return None;
    }
    let echappe: String = q.chars().flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] }).collect();
    Some(format!("%{echappe}%"))
}

/// A case- and accent-sensitive-free containment test for in-memory searches.
pub fn contient(texte: &str, q: &str) -> bool {
    q.is_empty() || texte.to_lowercase().contains(&q.to_lowercase())
}

/// A `LIKE … ESCAPE '\'` condition on a column (the pattern from `Params::motif`),
/// named with its table (a query may join tables with columns of the same name).
pub fn like<C: sea_orm::ColumnTrait>(colonne: C, motif: &str) -> sea_orm::sea_query::SimpleExpr {
    use sea_orm::sea_query::{Expr, Func, LikeExpr};
    Expr::expr(Func::lower(Expr::col((colonne.entity_name(), colonne)))).like(LikeExpr::new(motif.to_lowercase()).escape('\\'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_filters_and_bad_values_fall_back() {
        let q: BTreeMap<String, String> = [("q", "Gr_and%"), ("tri", "inconnu"), ("page", "9223372036854775808"), ("statut", "critique")].into_iter().map(|(a, b)| (a.into(), b.into())).collect();
        let p = Params::lire("/clauses", &q, &["nom", "date"]);
        assert_eq!((p.tri.as_str(), p.page, p.desc), ("nom", 1, false));
        assert_eq!(p.motif().unwrap(), "%Gr\\_and\\%%");
        assert_eq!(p.lien(&[("page", Some("2".into()))]), "/clauses?page=2&q=Gr_and%25&statut=critique&tri=nom");
        let c = p.colonnes(&[("nom", "Nom"), ("date", "Date")]);
        assert_eq!(c[0].sens, Some("ascending"));
        assert!(c[0].url.contains("sens=desc"));
        let pg = p.pagination(60);
        assert_eq!((pg.pages, pg.precedente.is_none(), pg.suivante.is_some()), (3, true, true));
    }
}
