//! `/archive/{ref}.tar.gz` and `/archive/{ref}.zip`: a snapshot of a
//! commit, streamed from `git archive`.

use super::download::{command_refused, set_disposition, stream_git};
use super::{components, owner_and_repo, read_repository, readable};
use crate::AppState;
use crate::context::PageCtx;
use crate::error::PageError;
use axum::extract::{OriginalUri, State};
use axum::http::HeaderValue;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use forge_core::repo::Repo;
use forge_git::browse;
use forge_git::process::{ArchiveFormat, GitCommand};

pub(super) async fn archive(
    State(state): State<AppState>,
    ctx: PageCtx,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, PageError> {
    let parts = components(&uri);
    let (owner, name) = owner_and_repo(&parts)?;
    let wanted = parts
        .get(3..)
        .filter(|rest| !rest.is_empty())
        .map(|rest| rest.join(&b'/'))
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(PageError::not_found)?;
    let (reference, format, content_type) = if let Some(r) = wanted.strip_suffix(".tar.gz") {
        (r.to_string(), ArchiveFormat::TarGz, "application/gzip")
    } else if let Some(r) = wanted.strip_suffix(".zip") {
        (r.to_string(), ArchiveFormat::Zip, "application/zip")
    } else {
        return Err(PageError::not_found());
    };
    let (repo, _) = readable(&state, &ctx, &owner, &name).await?;
    archive_of(&state, &repo, &reference, format, content_type).await
}

/// The archive of what `reference` names (a branch, a tag or a commit) in
/// `repo`, whose reader the caller checked: the JSON API's archives are
/// served here too.
pub(crate) async fn archive_of(
    state: &AppState,
    repo: &Repo,
    reference: &str,
    format: ArchiveFormat,
    content_type: &'static str,
) -> Result<Response, PageError> {
    let id = repo.id.0;
    let lookup = reference.to_string();
    let (_, commit) =
        read_repository(state, id, move |git| browse::resolve_name(git, &lookup)).await?;
    let label: String = reference
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '-'
            }
        })
        .collect();
    let folder = format!("{}-{label}", repo.name);
    // Only the resolved commit id reaches git, never the visitor's text.
    let command = GitCommand::archive(&state.storage.path_of(id), format, &folder, commit)
        .map_err(command_refused)?;
    let (_, body) = stream_git(command, 64 * 1024).await?;
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    set_disposition(
        headers,
        "attachment",
        &format!("{folder}.{}", format.extension()),
    );
    Ok(response)
}
