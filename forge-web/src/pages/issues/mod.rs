//! Issue pages: the list with its filters, one issue with its timeline and
//! comment form, the new-issue form, labels and milestones.
//!
//! URLs follow Gitea's: `/{owner}/{repo}/issues` (the list; `POST` opens an
//! issue), `/issues/new`, `/issues/{index}` and the forms under it,
//! `/{owner}/{repo}/labels` and `/{owner}/{repo}/milestones`.
//!
//! Everything works without JavaScript: filters are a `GET` form, every
//! change a `POST` form with the CSRF token that answers with a redirect
//! (303) back to where the change shows, with an anchor; a form that fails
//! validation comes back (422) with its values and the errors next to the
//! fields. `forge-core` decides who may do what; these pages only leave out
//! the forms a visitor may not use.
//!
//! One module per concern: `list` (the list and its filters), `new` (the
//! new-issue form), `show` (one issue) with `timeline` (the sentences of
//! its events), `actions` (the forms that change an issue), `comments`,
//! `labels` and `milestones` (both on the page of `editable_list`), and
//! `chips` (label chips and their stylesheet). This module holds the router and what every page of the
//! area shares.

mod actions;
mod chips;
mod comments;
mod editable_list;
mod labels;
mod list;
mod milestones;
mod new;
mod show;
mod timeline;

use super::readable;
use super::repo_head::base_of;
use crate::AppState;
use crate::context::PageCtx;
use crate::error::PageError;
use crate::i18n::{self, Lang};
use crate::markdown::{self, RefContext};
use crate::views::url_encode;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chips::Chip;
use forge_core::Error;
use forge_core::issue::{self, Issue, Rights};
use forge_core::label::Label;
use forge_core::milestone::Milestone;
use forge_core::repo::{Access, Repo};
use labels::LabelsPage;
use milestones::MilestonesPage;

pub fn router() -> Router<AppState> {
    let issue = "/{owner}/{repo}/issues/{index}";
    Router::new()
        .route("/-/assets/labels.css", get(chips::label_stylesheet))
        .route("/{owner}/{repo}/issues", get(list::list).post(new::create))
        .route("/{owner}/{repo}/issues/new", get(new::new_form))
        .route(issue, get(show::show))
        .route(&format!("{issue}/edit"), post(actions::edit_issue))
        .route(&format!("{issue}/state"), post(actions::change_state))
        .route(&format!("{issue}/labels"), post(actions::set_labels))
        .route(&format!("{issue}/milestone"), post(actions::set_milestone))
        .route(&format!("{issue}/assignees"), post(actions::set_assignees))
        .route(&format!("{issue}/lock"), post(actions::set_lock))
        .route(&format!("{issue}/comments"), post(comments::add_comment))
        .route(
            &format!("{issue}/comments/{{comment}}/edit"),
            post(comments::edit_comment),
        )
        .route(
            &format!("{issue}/comments/{{comment}}/hide"),
            post(comments::hide_comment),
        )
        .route(
            &format!("{issue}/comments/{{comment}}/delete"),
            get(comments::confirm_delete_comment).post(comments::delete_comment),
        )
        .route(
            "/{owner}/{repo}/labels",
            get(editable_list::page::<LabelsPage>).post(editable_list::create::<LabelsPage>),
        )
        .route(
            "/{owner}/{repo}/labels/{label}/edit",
            post(labels::edit_label),
        )
        .route(
            "/{owner}/{repo}/labels/{label}/delete",
            post(editable_list::delete::<LabelsPage>),
        )
        .route(
            "/{owner}/{repo}/milestones",
            get(editable_list::page::<MilestonesPage>)
                .post(editable_list::create::<MilestonesPage>),
        )
        .route(
            "/{owner}/{repo}/milestones/{milestone}/edit",
            post(milestones::edit_milestone),
        )
        .route(
            "/{owner}/{repo}/milestones/{milestone}/state",
            post(milestones::milestone_state),
        )
        .route(
            "/{owner}/{repo}/milestones/{milestone}/delete",
            post(editable_list::delete::<MilestonesPage>),
        )
}

// ---------------------------------------------------------------------------
// What every page of the area shares

fn issue_href(repo: &Repo, number: i64) -> String {
    format!("{}/issues/{number}", base_of(repo))
}

fn rights_of(ctx: &PageCtx, access: Access) -> Rights {
    Rights {
        access,
        signed_in: ctx.user.is_some(),
    }
}

/// A number from the path; anything else is an unknown page.
fn path_number(text: &str) -> Result<i64, PageError> {
    text.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(PageError::not_found)
}

async fn load_issue(state: &AppState, repo: &Repo, index: &str) -> Result<Issue, PageError> {
    let number = path_number(index)?;
    issue::get(&state.db, repo.id, number)
        .await?
        .ok_or_else(|| PageError::new(StatusCode::NOT_FOUND, "error-issue-not-found"))
}

/// A message with several arguments.
fn tn(ctx: &PageCtx, key: &str, args: &[(&str, &str)]) -> String {
    i18n::catalogue().message(ctx.lang, key, args)
}

/// `key-one` or `key-other`, by the language's plural rule (French counts
/// 0 and 1 as singular), with `$count`.
fn counted(ctx: &PageCtx, key: &str, count: i64) -> String {
    let one = match ctx.lang {
        Lang::Fr => count == 0 || count == 1,
        Lang::En => count == 1,
    };
    let key = format!("{key}-{}", if one { "one" } else { "other" });
    tn(ctx, &key, &[("count", &count.to_string())])
}

fn sign_in_href(ctx: &PageCtx) -> String {
    format!("/user/login?redirect_to={}", url_encode(&ctx.here))
}

/// The open-issue count shown in the repository's "Issues" tab.
async fn open_count(state: &AppState, repo: &Repo) -> Result<i64, PageError> {
    Ok(plain_counts(state, repo).await?.0)
}

/// The open and closed issues of a repository that are not pull requests
/// (the stored counters count both; pull requests have their own list).
async fn plain_counts(state: &AppState, repo: &Repo) -> Result<(i64, i64), PageError> {
    let (open, closed) = issue::issue_counts(&state.db, repo.id).await?;
    let (open_pulls, closed_pulls) = forge_core::pull::counts(&state.db, repo.id).await?;
    Ok((open - open_pulls, closed - closed_pulls))
}

/// A form's fields in order (repeated names allowed, as checkboxes send).
struct Fields(Vec<(String, String)>);

impl Fields {
    fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// Ids sent under `name`; ones that are not numbers are left out (they
    /// cannot name anything).
    fn ids(&self, name: &str) -> Vec<i64> {
        let mut ids: Vec<i64> = self
            .all(name)
            .iter()
            .filter_map(|v| v.trim().parse().ok())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

/// Names typed in one field, separated by commas or spaces, `@` allowed.
fn names_of(text: &str) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for name in text.split(|c: char| c == ',' || c.is_whitespace()) {
        let name = name.trim().trim_start_matches('@').to_lowercase();
        if !name.is_empty() && !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// Whether an error belongs next to a form's fields (and the form comes
/// back with a 422) rather than on an error page of its own.
fn is_form_error(error: &Error) -> bool {
    matches!(error, Error::Invalid { .. } | Error::Conflict { .. })
}

fn unprocessable(page: Response) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, page).into_response()
}

/// The signed-in user, or the sign-in page that comes back here.
fn user_or_sign_in(ctx: &PageCtx) -> Result<forge_core::user::User, axum::response::Redirect> {
    ctx.require_user().cloned()
}

/// A choice of a select or a checkbox: value, text, chosen.
struct Choice {
    value: String,
    label: String,
    chosen: bool,
    chip: Option<Chip>,
}

impl Choice {
    /// A choice shown as its text.
    fn plain(value: impl Into<String>, label: String, chosen: bool) -> Choice {
        Choice {
            value: value.into(),
            label,
            chosen,
            chip: None,
        }
    }

    /// A label to tick, shown as its chip.
    fn of_label(label: &Label, chosen: bool) -> Choice {
        Choice {
            value: label.id.0.to_string(),
            label: label.name.clone(),
            chosen,
            chip: Some(Chip::of(label)),
        }
    }
}

/// The choices of an issue's milestone: none, then each milestone
/// `offered`; `chosen` is the value that is selected (`""` for none).
fn milestone_choices<'a>(
    ctx: &PageCtx,
    offered: impl IntoIterator<Item = &'a Milestone>,
    chosen: &str,
) -> Vec<Choice> {
    let none = Choice::plain("", ctx.t("issue-milestone-none"), chosen.is_empty());
    let milestones = offered.into_iter().map(|m| {
        let value = m.id.0.to_string();
        let selected = value == chosen;
        Choice::plain(value, m.title.clone(), selected)
    });
    std::iter::once(none).chain(milestones).collect()
}

/// What the Markdown of an issue page turns into (rendered on the blocking
/// pool: it is CPU work that grows with the text).
pub(super) async fn render_texts(
    repo: &Repo,
    texts: Vec<String>,
) -> Result<Vec<String>, PageError> {
    let context = RefContext {
        owner: repo.owner_name.clone(),
        repo: repo.name.clone(),
    };
    let options = markdown::Options {
        // The issue's title is an h2, its sections h3: a text's own `#`
        // headings start at h4.
        heading_offset: 3,
        ..markdown::Options::default()
    };
    tokio::task::spawn_blocking(move || {
        texts
            .iter()
            .map(|t| markdown::render_in(t, &options, &context))
            .collect()
    })
    .await
    .map_err(|e| {
        tracing::error!(error = %e, "rendering Markdown failed");
        PageError::new(StatusCode::INTERNAL_SERVER_ERROR, "error-internal")
    })
}

/// The signed-in visitor (or the sign-in page) and the repository.
async fn repo_target(
    state: &AppState,
    ctx: &PageCtx,
    owner: &str,
    name: &str,
) -> Result<Result<(forge_core::user::User, Repo, Access), Response>, PageError> {
    let user = match user_or_sign_in(ctx) {
        Ok(user) => user,
        Err(redirect) => return Ok(Err(redirect.into_response())),
    };
    let (repo, access) = readable(state, ctx, owner, name).await?;
    Ok(Ok((user, repo, access)))
}

/// `repo_target` in a handler: the user and repository, or the sign-in
/// page as the handler's answer.
macro_rules! repo_target_or_answer {
    ($state:expr, $ctx:expr, $owner:expr, $name:expr) => {
        match $crate::pages::issues::repo_target(&$state, &$ctx, &$owner, &$name).await? {
            Ok(found) => found,
            Err(answer) => return Ok(answer),
        }
    };
}
// Imported by path (`super::repo_target_or_answer`) in the modules that use it.
use repo_target_or_answer;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_split_on_commas_and_spaces() {
        assert_eq!(
            names_of("@Alice, bob  carol,,alice"),
            vec!["alice", "bob", "carol"]
        );
        assert!(names_of(" , ").is_empty());
    }
}
