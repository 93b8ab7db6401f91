//! Numbered pages as Gitea's clients walk them: `page` (from 1) and `limit`
//! in the query, the total in `X-Total-Count`, and `Link` with `first`,
//! `prev`, `next` and `last`. Clients that stop at an empty page or at the
//! last `Link` both end.

use super::issue_common::{first, query_pairs};
use crate::error::ApiError;
use axum::Json;
use axum::http::header::{self, HeaderName, HeaderValue};
use axum::response::{IntoResponse, Response};
use forge_core::Error;
use serde_json::Value;

/// Gitea's default page size and its largest (`MAX_RESPONSE_ITEMS`).
pub const DEFAULT_LIMIT: i64 = 30;
pub const MAX_LIMIT: i64 = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paging {
    /// From 1.
    pub page: i64,
    pub limit: i64,
}

impl Paging {
    /// Reads `page` and `limit` (or `per_page`) as Gitea does: a page below
    /// 1 is the first, a limit of 0 the default, a limit above the largest
    /// the largest; anything that is not a number is refused.
    pub fn from_pairs(pairs: &[(String, String)], max_limit: i64) -> Result<Paging, ApiError> {
        let number = |field: &'static str, key: &'static str, names: &[&str]| {
            first(pairs, names)
                .map(|text| {
                    text.parse::<i64>()
                        .map_err(|_| ApiError::from(Error::invalid(field, key)))
                })
                .transpose()
        };
        let page = number("page", "error-page", &["page"])?.unwrap_or(1).max(1);
        let limit = match number("limit", "error-limit", &["limit", "per_page"])? {
            None | Some(0) => DEFAULT_LIMIT.min(max_limit),
            Some(n) if n < 0 => return Err(Error::invalid("limit", "error-limit").into()),
            Some(n) => n.min(max_limit),
        };
        Ok(Paging { page, limit })
    }

    /// How many items come before this page, saturating rather than
    /// overflowing on absurd page numbers.
    pub fn offset(&self) -> i64 {
        (self.page - 1).saturating_mul(self.limit)
    }

    /// This page of a list held whole.
    pub fn slice<T>(&self, items: Vec<T>) -> Vec<T> {
        let skip = usize::try_from(self.offset()).unwrap_or(usize::MAX);
        let take = usize::try_from(self.limit).unwrap_or(usize::MAX);
        items.into_iter().skip(skip).take(take).collect()
    }

    fn last_page(&self, total: i64) -> i64 {
        ((total + self.limit - 1) / self.limit).max(1)
    }
}

/// The answer with one page of `items` out of `total`: the JSON array, and
/// the headers that tell where the others are. `url` is the absolute address
/// of the list; `pairs` its query, whose other parameters the links keep.
pub fn page_response(
    items: Vec<Value>,
    total: i64,
    paging: Paging,
    url: &str,
    pairs: &[(String, String)],
) -> Result<Response, ApiError> {
    let mut response = Json(Value::Array(items)).into_response();
    set_page_headers(response.headers_mut(), total, paging, url, pairs)?;
    Ok(response)
}

/// Sets `X-Total-Count` and `Link` for one page of `total` items.
pub fn set_page_headers(
    headers: &mut axum::http::HeaderMap,
    total: i64,
    paging: Paging,
    url: &str,
    pairs: &[(String, String)],
) -> Result<(), ApiError> {
    headers.insert(
        HeaderName::from_static("x-total-count"),
        HeaderValue::from(total),
    );
    let last = paging.last_page(total);
    let mut links = Vec::new();
    let link = |page: i64, rel: &str| -> Result<String, ApiError> {
        let mut kept: Vec<(&str, String)> = pairs
            .iter()
            .filter(|(key, _)| !matches!(key.as_str(), "page" | "limit" | "per_page" | "after"))
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect();
        kept.push(("page", page.to_string()));
        kept.push(("limit", paging.limit.to_string()));
        let query = serde_urlencoded::to_string(&kept)
            .map_err(|e| Error::Internal(format!("encoding a query: {e}")))?;
        Ok(format!("<{url}?{query}>; rel=\"{rel}\""))
    };
    if paging.page < last {
        links.push(link(paging.page + 1, "next")?);
        links.push(link(last, "last")?);
    }
    if paging.page > 1 {
        links.push(link(1, "first")?);
        links.push(link((paging.page - 1).min(last), "prev")?);
    }
    if !links.is_empty() {
        let value = HeaderValue::from_str(&links.join(","))
            .map_err(|e| Error::Internal(format!("an unsendable Link header: {e}")))?;
        headers.insert(header::LINK, value);
    }
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("X-Total-Count, Link"),
    );
    Ok(())
}

/// One page of a list the forge holds whole, with Gitea's headers.
pub fn paged(items: Vec<Value>, raw_query: Option<&str>, url: &str) -> Result<Response, ApiError> {
    let pairs = query_pairs(raw_query)?;
    let paging = Paging::from_pairs(&pairs, MAX_LIMIT)?;
    let total = i64::try_from(items.len()).unwrap_or(i64::MAX);
    page_response(paging.slice(items), total, paging, url, &pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(query: &str) -> Vec<(String, String)> {
        serde_urlencoded::from_str(query).expect("a test query")
    }

    #[test]
    fn pages_and_limits_read_as_gitea_reads_them() {
        let read = |q: &str| Paging::from_pairs(&pairs(q), MAX_LIMIT);
        assert_eq!(read("").unwrap(), Paging { page: 1, limit: 30 });
        assert_eq!(
            read("page=3&limit=10").unwrap(),
            Paging { page: 3, limit: 10 }
        );
        assert_eq!(
            read("page=0&limit=0").unwrap(),
            Paging { page: 1, limit: 30 }
        );
        assert_eq!(
            read("page=-4&limit=500").unwrap(),
            Paging { page: 1, limit: 50 }
        );
        assert_eq!(read("per_page=7").unwrap().limit, 7);
        assert!(read("page=two").is_err());
        assert!(read("limit=-1").is_err());
        let far = read("page=9223372036854775807&limit=50").unwrap();
        assert_eq!(far.offset(), i64::MAX);
        assert!(far.slice(vec![1, 2, 3]).is_empty());
    }

    #[test]
    fn slices_and_last_pages() {
        let paging = Paging { page: 2, limit: 2 };
        assert_eq!(paging.slice(vec![1, 2, 3, 4, 5]), vec![3, 4]);
        assert_eq!(paging.last_page(5), 3);
        assert_eq!(paging.last_page(4), 2);
        assert_eq!(paging.last_page(0), 1);
    }
}
