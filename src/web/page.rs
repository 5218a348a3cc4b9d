//! Pagination of list endpoints: `?page=1&par_page=50` → `{items, total, page, par_page}`.

use sea_orm::{ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, Select};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{AppError, AppResult};

pub const MAX_PAR_PAGE: u64 = 200;
/// The last page a list serves (past it, the offset would overflow).
pub const MAX_PAGE: u64 = 1_000_000;

#[derive(Debug, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Page number, from 1.
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u64>,
    /// Items per page (1–200, default 50).
    #[param(minimum = 1, maximum = 200)]
    pub par_page: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub par_page: u64,
}

impl PageQuery {
    fn checked(&self) -> AppResult<(u64, u64)> {
        let page = self.page.unwrap_or(1);
        let par_page = self.par_page.unwrap_or(50);
        if page == 0 || page > MAX_PAGE {
            return Err(AppError::field("page", format!("Page entre 1 et {MAX_PAGE}.")));
        }
        if par_page == 0 || par_page > MAX_PAR_PAGE {
            return Err(AppError::field("par_page", format!("Entre 1 et {MAX_PAR_PAGE} éléments par page.")));
        }
        Ok((page, par_page))
    }

    /// Runs an (already ordered) query one page at a time and maps each row.
    pub async fn fetch<E, M, T>(&self, db: &impl ConnectionTrait, select: Select<E>, view: impl Fn(M) -> T) -> AppResult<Page<T>>
    where
        E: EntityTrait<Model = M>,
        M: FromQueryResult + Sized + Send + Sync,
    {
        let (page, par_page) = self.checked()?;
        let paginator = select.paginate(db, par_page);
        let total = paginator.num_items().await?;
        let items = paginator.fetch_page(page - 1).await?.into_iter().map(view).collect();
        Ok(Page { items, total, page, par_page })
    }

    /// Cuts a list already read in full to the page asked for. For the lists of one
    /// record (a marché's attributions, a contrat's months, a clause's contrats…): they
    /// grow with that record, not with the structure, and are read by its key; the
    /// answer stays bounded like every other list.
    pub fn decouper<T>(&self, items: Vec<T>) -> AppResult<Page<T>> {
        let (page, par_page) = self.checked()?;
        let total = items.len() as u64;
        let debut = usize::try_from((page - 1) * par_page).unwrap_or(usize::MAX);
        let items = items.into_iter().skip(debut).take(par_page as usize).collect();
        Ok(Page { items, total, page, par_page })
    }
}
