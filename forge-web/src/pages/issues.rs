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
//! Label colours: the content security policy forbids inline styles, so a
//! page links `/-/assets/labels.css?c=d73a4a.0e8a16`, a stylesheet made from
//! its URL alone (one class per colour, with a text colour chosen for
//! contrast). Label names are always shown as text: colour is never the only
//! way to tell labels apart.

use super::repo_head::{RepoHead, base_of};
use super::{load_repo, see_other};
use crate::AppState;
use crate::context::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::i18n::{self, Lang};
use crate::markdown::{self, RefContext};
use crate::views::{FormErrors, date, render, url_encode};
use askama::Template;
use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use forge_core::comment::{self, Comment};
use forge_core::issue::{self, CloseReason, Issue, IssueChanges, NewIssue, Rights};
use forge_core::issue_query::{self, IssuePage, IssueQuery, MilestoneFilter, Sort, StateFilter};
use forge_core::label::{self, Label, LabelInput};
use forge_core::milestone::{self, Milestone, MilestoneInput};
use forge_core::repo::{self, Access, Repo};
use forge_core::timeline::{self, kind};
use forge_core::{CommentId, Error, LabelId, MilestoneId, user};
use std::collections::HashMap;

/// Issues per page of the list.
const PAGE_SIZE: i64 = 25;
/// Colours one label stylesheet may define.
const MAX_STYLESHEET_COLOURS: usize = 300;
/// Longest free-text search kept from a query string.
const MAX_SEARCH_CHARS: usize = 200;

pub fn router() -> Router<AppState> {
    let issue = "/{owner}/{repo}/issues/{index}";
    Router::new()
        .route("/-/assets/labels.css", get(label_stylesheet))
        .route("/{owner}/{repo}/issues", get(list).post(create))
        .route("/{owner}/{repo}/issues/new", get(new_form))
        .route(issue, get(show))
        .route(&format!("{issue}/edit"), post(edit_issue))
        .route(&format!("{issue}/state"), post(change_state))
        .route(&format!("{issue}/labels"), post(set_labels))
        .route(&format!("{issue}/milestone"), post(set_milestone))
        .route(&format!("{issue}/assignees"), post(set_assignees))
        .route(&format!("{issue}/lock"), post(set_lock))
        .route(&format!("{issue}/comments"), post(add_comment))
        .route(
            &format!("{issue}/comments/{{comment}}/edit"),
            post(edit_comment),
        )
        .route(
            &format!("{issue}/comments/{{comment}}/hide"),
            post(hide_comment),
        )
        .route(
            &format!("{issue}/comments/{{comment}}/delete"),
            get(confirm_delete_comment).post(delete_comment),
        )
        .route(
            "/{owner}/{repo}/labels",
            get(labels_page).post(create_label),
        )
        .route("/{owner}/{repo}/labels/{label}/edit", post(edit_label))
        .route("/{owner}/{repo}/labels/{label}/delete", post(delete_label))
        .route(
            "/{owner}/{repo}/milestones",
            get(milestones_page).post(create_milestone),
        )
        .route(
            "/{owner}/{repo}/milestones/{milestone}/edit",
            post(edit_milestone),
        )
        .route(
            "/{owner}/{repo}/milestones/{milestone}/state",
            post(milestone_state),
        )
        .route(
            "/{owner}/{repo}/milestones/{milestone}/delete",
            post(delete_milestone),
        )
}

// ---------------------------------------------------------------------------
// What every page of the area shares

fn issue_href(repo: &Repo, number: i64) -> String {
    format!("{}/issues/{number}", base_of(repo))
}

/// The repository if the visitor may read it; whatever is missing, the
/// same "page not found" as for any unknown address.
async fn readable(
    state: &AppState,
    ctx: &PageCtx,
    owner: &str,
    name: &str,
) -> Result<(Repo, Access), PageError> {
    load_repo(state, ctx, owner, name).await.map_err(|e| {
        if e.status == StatusCode::NOT_FOUND {
            PageError::not_found()
        } else {
            e
        }
    })
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
    Ok(issue::issue_counts(&state.db, repo.id).await?.0)
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

// ---------------------------------------------------------------------------
// Label chips and their stylesheet

/// A label as shown: its name as text, on its colour.
#[derive(Debug, Clone)]
pub struct Chip {
    pub name: String,
    /// Six lowercase hexadecimal digits, without `#`.
    pub hex: String,
}

impl Chip {
    fn of(label: &Label) -> Chip {
        Chip::new(&label.name, &label.color)
    }

    fn new(name: &str, color: &str) -> Chip {
        let hex = color.trim_start_matches('#').to_ascii_lowercase();
        Chip {
            name: name.to_string(),
            hex: if valid_hex(&hex) {
                hex
            } else {
                "ededed".into()
            },
        }
    }
}

fn valid_hex(hex: &str) -> bool {
    hex.len() == 6 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The stylesheet URL for the chips of a page, if it shows any.
fn label_css<'a>(chips: impl IntoIterator<Item = &'a Chip>) -> Option<String> {
    let mut colours: Vec<&str> = chips.into_iter().map(|c| c.hex.as_str()).collect();
    colours.sort_unstable();
    colours.dedup();
    colours.truncate(MAX_STYLESHEET_COLOURS);
    (!colours.is_empty()).then(|| format!("/-/assets/labels.css?c={}", colours.join(".")))
}

/// The relative luminance of a colour (WCAG 2.1).
fn luminance(hex: &str) -> f64 {
    let channel = |i: usize| {
        let value = hex
            .get(i..i + 2)
            .and_then(|h| u8::from_str_radix(h, 16).ok())
            .unwrap_or(0);
        let c = f64::from(value) / 255.0;
        if c <= 0.040_45 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
}

/// Black or white, whichever reads better on `hex` (always at least 4.5:1).
fn readable_text_on(hex: &str) -> &'static str {
    let l = luminance(hex);
    if (l + 0.05) / 0.05 >= 1.05 / (l + 0.05) {
        "000000"
    } else {
        "ffffff"
    }
}

/// `/-/assets/labels.css?c=d73a4a.0e8a16`: one class per colour named in
/// the URL. The answer depends on the URL alone, so it may be cached.
async fn label_stylesheet(RawQuery(query): RawQuery) -> Response {
    let mut css = String::from("/* Label colours, with a readable text colour for each. */\n");
    let colours = query
        .as_deref()
        .unwrap_or("")
        .split('&')
        .filter_map(|pair| pair.strip_prefix("c="))
        .flat_map(|list| list.split('.'))
        .filter(|hex| valid_hex(hex))
        .take(MAX_STYLESHEET_COLOURS);
    for hex in colours {
        css.push_str(&format!(
            ".lc-{hex}{{background-color:#{hex};color:#{};}}\n",
            readable_text_on(hex)
        ));
    }
    (
        [
            (CONTENT_TYPE, "text/css; charset=utf-8"),
            (CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        css,
    )
        .into_response()
}

// ---------------------------------------------------------------------------
// Sentences with links (the timeline)

/// A piece of a translated sentence: text, or something the sentence
/// refers to (a person, an issue, a commit, a label).
#[derive(Debug, Clone)]
pub enum Part {
    Text(String),
    /// A link: address, text.
    Link(String, String),
    /// A commit: address, short id.
    Commit(String, String),
    Chip(Chip),
    /// A date: machine-readable form, text.
    Time(String, String),
}

fn time_part(ms: i64) -> Part {
    Part::Time(forge_core::clock::rfc3339(ms), date(ms))
}

/// The message `key` with its placeholders replaced by parts. The message
/// is formatted with markers in place of the arguments, then split around
/// them, so links sit where each language puts them.
fn sentence(ctx: &PageCtx, key: &str, args: &[(&str, Part)]) -> Vec<Part> {
    let markers: Vec<String> = (0..args.len())
        .map(|i| format!("\u{E000}{i}\u{E001}"))
        .collect();
    let fluent_args: Vec<(&str, &str)> = args
        .iter()
        .zip(&markers)
        .map(|((name, _), marker)| (*name, marker.as_str()))
        .collect();
    let text = tn(ctx, key, &fluent_args);
    let mut out = Vec::new();
    let mut rest = text.as_str();
    while let Some(start) = rest.find('\u{E000}') {
        let after = &rest[start + '\u{E000}'.len_utf8()..];
        let Some(end) = after.find('\u{E001}') else {
            break;
        };
        if start > 0 {
            out.push(Part::Text(rest[..start].to_string()));
        }
        if let Some((_, part)) = after[..end].parse::<usize>().ok().and_then(|i| args.get(i)) {
            out.push(part.clone());
        }
        rest = &after[end + '\u{E001}'.len_utf8()..];
    }
    if !rest.is_empty() {
        out.push(Part::Text(rest.to_string()));
    }
    out
}

fn person(name: &str) -> Part {
    Part::Link(format!("/{}", url_encode(name)), name.to_string())
}

fn short_id(id: &str) -> String {
    id.chars().take(10).collect()
}

// ---------------------------------------------------------------------------
// The list

/// The list's filters, as the query string carries them.
#[derive(Debug, Clone, Default)]
struct Filters {
    state: StateFilter,
    labels: Vec<i64>,
    /// `""` any, `"none"`, or a milestone id.
    milestone: String,
    assignee: String,
    author: String,
    mentioned: String,
    q: String,
    sort: Sort,
    after: Option<String>,
}

impl Filters {
    /// Reads the query string; what cannot be read is left out (a list
    /// page never fails on its filters). NUL characters are dropped: no
    /// name holds one, and PostgreSQL cannot compare them.
    fn parse(raw: Option<&str>) -> Filters {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(raw.unwrap_or("")).unwrap_or_default();
        let fields = Fields(
            pairs
                .into_iter()
                .map(|(k, v)| (k, v.replace('\0', "")))
                .collect(),
        );
        let state = match fields.get("state").trim() {
            "closed" => StateFilter::Closed,
            "all" => StateFilter::All,
            _ => StateFilter::Open,
        };
        let sort = Sort::parse(fields.get("sort").trim()).unwrap_or_default();
        let after = Some(fields.get("after").trim().to_string()).filter(|a| !a.is_empty());
        Filters {
            state,
            labels: fields.ids("label"),
            milestone: fields.get("milestone").trim().to_string(),
            assignee: fields.get("assignee").trim().to_string(),
            author: fields.get("author").trim().to_string(),
            mentioned: fields.get("mentioned").trim().to_string(),
            q: fields
                .get("q")
                .trim()
                .chars()
                .take(MAX_SEARCH_CHARS)
                .collect(),
            sort,
            after,
        }
    }

    /// Whether anything narrows the list beyond its state.
    fn any(&self) -> bool {
        !self.labels.is_empty()
            || !self.milestone.is_empty()
            || !self.assignee.is_empty()
            || !self.author.is_empty()
            || !self.mentioned.is_empty()
            || !self.q.is_empty()
    }

    fn state_value(state: StateFilter) -> &'static str {
        match state {
            StateFilter::Open => "open",
            StateFilter::Closed => "closed",
            StateFilter::All => "all",
        }
    }

    /// The query string of this list with another state and start.
    fn query(&self, state: StateFilter, after: Option<&str>) -> String {
        let mut pairs: Vec<(&str, String)> = vec![("state", Self::state_value(state).into())];
        for id in &self.labels {
            pairs.push(("label", id.to_string()));
        }
        for (name, value) in [
            ("milestone", &self.milestone),
            ("assignee", &self.assignee),
            ("author", &self.author),
            ("mentioned", &self.mentioned),
            ("q", &self.q),
        ] {
            if !value.is_empty() {
                pairs.push((name, value.clone()));
            }
        }
        if self.sort != Sort::default() {
            pairs.push(("sort", self.sort.as_str().into()));
        }
        if let Some(after) = after {
            pairs.push(("after", after.into()));
        }
        let joined: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", url_encode(v)))
            .collect();
        format!("?{}", joined.join("&"))
    }
}

/// One issue in the list.
struct IssueRow {
    number: i64,
    title: String,
    href: String,
    closed: bool,
    state_label: String,
    labels: Vec<Chip>,
    opened: String,
    opened_iso: String,
    author: String,
    comments_label: String,
    milestone: Option<(String, String)>,
}

/// A tab of the list: label, address, current.
struct Tab {
    label: String,
    href: String,
    current: bool,
}

/// A choice of a select or a checkbox: value, text, chosen.
struct Choice {
    value: String,
    label: String,
    chosen: bool,
    chip: Option<Chip>,
}

#[derive(Template)]
#[template(path = "issue_list.html")]
struct ListView<'a> {
    ctx: &'a PageCtx,
    head: RepoHead,
    open_issues_count: i64,
    section: &'static str,
    label_css: Option<String>,
    heading: String,
    tabs: Vec<Tab>,
    state_value: &'static str,
    filters: Filters,
    label_choices: Vec<Choice>,
    milestone_choices: Vec<Choice>,
    sort_choices: Vec<Choice>,
    errors: FormErrors,
    bad_cursor: bool,
    rows: Vec<IssueRow>,
    /// Nothing at all in this repository yet.
    no_issues: bool,
    empty_message: String,
    can_open: bool,
    sign_in_href: String,
    clear_href: String,
    next_href: Option<String>,
    first_href: Option<String>,
    showing: String,
}

async fn list(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let (repo, access) = readable(&state, &ctx, &owner, &name).await?;
    let db = &state.db;
    let rights = rights_of(&ctx, access);
    let filters = Filters::parse(raw.as_deref());
    let labels = label::list(db, repo.id).await?;
    let milestones = milestone::list(db, repo.id).await?;
    let (open, closed) = issue::issue_counts(db, repo.id).await?;

    // Anything that names nothing (an unknown label, milestone or person)
    // matches no issue.
    let mut matches_nothing = false;
    let mut errors = FormErrors::default();
    let mut query = IssueQuery {
        state: filters.state,
        sort: filters.sort,
        after: filters.after.clone(),
        limit: PAGE_SIZE,
        text: Some(filters.q.clone()).filter(|q| !q.is_empty()),
        ..IssueQuery::default()
    };
    for id in &filters.labels {
        if labels.iter().any(|l| l.id.0 == *id) {
            query.labels.push(LabelId(*id));
        } else {
            matches_nothing = true;
        }
    }
    match filters.milestone.as_str() {
        "" => {}
        "none" => query.milestone = Some(MilestoneFilter::None),
        other => match other
            .parse::<i64>()
            .ok()
            .filter(|id| milestones.iter().any(|m| m.id.0 == *id))
        {
            Some(id) => query.milestone = Some(MilestoneFilter::Is(MilestoneId(id))),
            None => matches_nothing = true,
        },
    }
    for (field, value) in [
        ("assignee", &filters.assignee),
        ("author", &filters.author),
        ("mentioned", &filters.mentioned),
    ] {
        if value.is_empty() {
            continue;
        }
        let name = value.trim_start_matches('@');
        match user::by_name(db, name).await? {
            Some(found) => match field {
                "assignee" => query.assignee = Some(found.id),
                "author" => query.author = Some(found.id.into()),
                _ => query.mentioned = Some(found.id),
            },
            None => {
                matches_nothing = true;
                errors
                    .fields
                    .push((field, ctx.t1("issues-filter-no-user", "name", name)));
            }
        }
    }

    let mut bad_cursor = false;
    let page = if matches_nothing {
        IssuePage {
            issues: Vec::new(),
            next: None,
        }
    } else {
        match issue_query::list(db, repo.id, &query).await {
            Ok(page) => page,
            Err(Error::Invalid { field: "after", .. }) => {
                // An address from an old page or typed by hand: start over.
                bad_cursor = true;
                query.after = None;
                issue_query::list(db, repo.id, &query).await?
            }
            Err(e) => return Err(e.into()),
        }
    };

    let ids: Vec<_> = page.issues.iter().map(|i| i.id).collect();
    let mut labels_by_issue: HashMap<i64, Vec<Chip>> = HashMap::new();
    for (issue_id, found) in issue::labels_of_issues(db, &ids).await? {
        labels_by_issue
            .entry(issue_id.0)
            .or_default()
            .push(Chip::of(&found));
    }
    let base = base_of(&repo);
    let milestone_title: HashMap<i64, &str> = milestones
        .iter()
        .map(|m| (m.id.0, m.title.as_str()))
        .collect();
    let rows: Vec<IssueRow> = page
        .issues
        .iter()
        .map(|i| IssueRow {
            number: i.number,
            title: i.title.clone(),
            href: issue_href(&repo, i.number),
            closed: i.closed,
            state_label: ctx.t(if i.closed {
                "issue-state-closed"
            } else {
                "issue-state-open"
            }),
            labels: labels_by_issue.remove(&i.id.0).unwrap_or_default(),
            opened: date(i.created_at),
            opened_iso: forge_core::clock::rfc3339(i.created_at),
            author: i.author_name.clone(),
            comments_label: counted(&ctx, "issues-comments", i.comment_count),
            milestone: i.milestone_id.and_then(|m| {
                milestone_title.get(&m.0).map(|title| {
                    (
                        title.to_string(),
                        format!("{base}/issues?state=all&milestone={}", m.0),
                    )
                })
            }),
        })
        .collect();

    let tabs = [
        (StateFilter::Open, "issues-tab-open", open),
        (StateFilter::Closed, "issues-tab-closed", closed),
    ]
    .into_iter()
    .map(|(tab_state, key, count)| Tab {
        label: ctx.t1(key, "count", &count.to_string()),
        href: format!("{base}/issues{}", filters.query(tab_state, None)),
        current: filters.state == tab_state,
    })
    .collect();
    let label_choices: Vec<Choice> = labels
        .iter()
        .map(|l| Choice {
            value: l.id.0.to_string(),
            label: l.name.clone(),
            chosen: filters.labels.contains(&l.id.0),
            chip: Some(Chip::of(l)),
        })
        .collect();
    let mut milestone_choices = vec![
        Choice {
            value: String::new(),
            label: ctx.t("issues-filter-milestone-any"),
            chosen: filters.milestone.is_empty(),
            chip: None,
        },
        Choice {
            value: "none".into(),
            label: ctx.t("issues-filter-milestone-none"),
            chosen: filters.milestone == "none",
            chip: None,
        },
    ];
    milestone_choices.extend(milestones.iter().map(|m| Choice {
        value: m.id.0.to_string(),
        label: if m.closed {
            ctx.t1("issues-milestone-closed-choice", "title", &m.title)
        } else {
            m.title.clone()
        },
        chosen: filters.milestone == m.id.0.to_string(),
        chip: None,
    }));
    let sort_choices = Sort::ALL
        .iter()
        .map(|s| Choice {
            value: s.as_str().into(),
            label: ctx.t(&format!("issues-sort-{}", s.as_str())),
            chosen: *s == filters.sort,
            chip: None,
        })
        .collect();
    let empty_message = if open + closed == 0 {
        ctx.t("issues-empty-repo")
    } else if filters.any() || matches_nothing {
        ctx.t("issues-empty-filtered")
    } else {
        ctx.t(match filters.state {
            StateFilter::Closed => "issues-empty-closed",
            _ => "issues-empty-open",
        })
    };
    let heading = ctx.t(match filters.state {
        StateFilter::Closed => "issues-heading-closed",
        StateFilter::All => "issues-heading-all",
        StateFilter::Open => "issues-heading-open",
    });
    let showing = counted(&ctx, "issues-showing", rows.len() as i64);
    let next_href = page
        .next
        .as_deref()
        .map(|next| format!("{base}/issues{}", filters.query(filters.state, Some(next))));
    let first_href = (filters.after.is_some() && !bad_cursor)
        .then(|| format!("{base}/issues{}", filters.query(filters.state, None)));
    let label_css = label_css(
        label_choices
            .iter()
            .filter_map(|c| c.chip.as_ref())
            .chain(rows.iter().flat_map(|r| r.labels.iter())),
    );
    let view = ListView {
        ctx: &ctx,
        head: RepoHead::new(&state, &repo, access, "issues"),
        open_issues_count: open,
        section: "issues",
        label_css,
        heading,
        tabs,
        state_value: Filters::state_value(filters.state),
        label_choices,
        milestone_choices,
        sort_choices,
        errors,
        bad_cursor,
        rows,
        no_issues: open + closed == 0,
        empty_message,
        can_open: rights.participate(None),
        sign_in_href: sign_in_href(&ctx),
        clear_href: format!(
            "{base}/issues?state={}",
            Filters::state_value(filters.state)
        ),
        next_href,
        first_href,
        showing,
        filters,
    };
    Ok(render(&view))
}

// ---------------------------------------------------------------------------
// Opening an issue

#[derive(Debug, Clone, Default)]
struct NewIssueValues {
    title: String,
    body: String,
    labels: Vec<i64>,
    milestone: String,
    assignees: String,
}

#[derive(Template)]
#[template(path = "issue_new.html")]
struct NewView<'a> {
    ctx: &'a PageCtx,
    head: RepoHead,
    open_issues_count: i64,
    section: &'static str,
    label_css: Option<String>,
    action: String,
    maintain: bool,
    values: NewIssueValues,
    label_choices: Vec<Choice>,
    milestone_choices: Vec<Choice>,
    errors: FormErrors,
}

async fn new_view<'a>(
    state: &AppState,
    ctx: &'a PageCtx,
    repo: &Repo,
    access: Access,
    values: NewIssueValues,
    errors: FormErrors,
) -> Result<NewView<'a>, PageError> {
    let db = &state.db;
    let maintain = access >= Access::Write;
    let (label_choices, milestone_choices) = if maintain {
        let labels = label::list(db, repo.id).await?;
        let milestones = milestone::list(db, repo.id).await?;
        let label_choices = labels
            .iter()
            .map(|l| Choice {
                value: l.id.0.to_string(),
                label: l.name.clone(),
                chosen: values.labels.contains(&l.id.0),
                chip: Some(Chip::of(l)),
            })
            .collect();
        let mut milestone_choices = vec![Choice {
            value: String::new(),
            label: ctx.t("issue-milestone-none"),
            chosen: values.milestone.is_empty(),
            chip: None,
        }];
        milestone_choices.extend(milestones.iter().filter(|m| !m.closed).map(|m| Choice {
            value: m.id.0.to_string(),
            label: m.title.clone(),
            chosen: values.milestone == m.id.0.to_string(),
            chip: None,
        }));
        (label_choices, milestone_choices)
    } else {
        (Vec::new(), Vec::new())
    };
    let label_css = label_css(
        label_choices
            .iter()
            .filter_map(|c: &Choice| c.chip.as_ref()),
    );
    Ok(NewView {
        ctx,
        head: RepoHead::new(state, repo, access, "issues"),
        open_issues_count: open_count(state, repo).await?,
        section: "issues",
        label_css,
        action: format!("{}/issues", base_of(repo)),
        maintain,
        values,
        label_choices,
        milestone_choices,
        errors,
    })
}

async fn new_form(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name)): Path<(String, String)>,
) -> Result<Response, PageError> {
    if let Err(redirect) = ctx.require_user() {
        return Ok(redirect.into_response());
    }
    let (repo, access) = readable(&state, &ctx, &owner, &name).await?;
    if !rights_of(&ctx, access).participate(None) {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            "error-issue-forbidden",
        ));
    }
    let view = new_view(
        &state,
        &ctx,
        &repo,
        access,
        NewIssueValues::default(),
        FormErrors::default(),
    )
    .await?;
    Ok(render(&view))
}

async fn create(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name)): Path<(String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let user = match user_or_sign_in(&ctx) {
        Ok(user) => user,
        Err(redirect) => return Ok(redirect.into_response()),
    };
    let (repo, access) = readable(&state, &ctx, &owner, &name).await?;
    let fields = Fields(fields);
    let values = NewIssueValues {
        title: fields.get("title"),
        body: fields.get("body"),
        labels: fields.ids("label"),
        milestone: fields.get("milestone").trim().to_string(),
        assignees: fields.get("assignees"),
    };
    let maintain = access >= Access::Write;
    let milestone = match values.milestone.as_str() {
        "" => None,
        id => match id.parse::<i64>() {
            Ok(id) => Some(MilestoneId(id)),
            Err(_) => {
                let mut errors = FormErrors::default();
                errors
                    .fields
                    .push(("milestone", ctx.t("error-milestone-not-found")));
                let view = new_view(&state, &ctx, &repo, access, values, errors).await?;
                return Ok(unprocessable(render(&view)));
            }
        },
    };
    let new = NewIssue {
        title: values.title.clone(),
        body: values.body.clone(),
        labels: if maintain {
            values.labels.iter().map(|id| LabelId(*id)).collect()
        } else {
            Vec::new()
        },
        assignees: if maintain {
            names_of(&values.assignees)
        } else {
            Vec::new()
        },
        milestone: milestone.filter(|_| maintain),
    };
    match issue::create(&state.db, &user, &repo, new).await {
        Ok(created) => Ok(see_other(&issue_href(&repo, created.number))),
        Err(e) if is_form_error(&e) => {
            let errors = FormErrors::from_error(&ctx, e)?;
            let view = new_view(&state, &ctx, &repo, access, values, errors).await?;
            Ok(unprocessable(render(&view)))
        }
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------------------
// One issue

/// A form of the issue page that failed, with what was typed in it.
#[derive(Debug, Default)]
struct Failure {
    /// Which form: `edit`, `state`, `labels`, `milestone`, `assignees`,
    /// `lock`, `comment`, or `comment-{id}`.
    form: String,
    errors: FormErrors,
    title: Option<String>,
    body: Option<String>,
    text: Option<String>,
}

/// A comment in the timeline.
struct CommentView {
    id: i64,
    html: String,
    hidden: bool,
    /// Hidden comments keep their text out of sight, except for maintainers
    /// (folded).
    show_text: bool,
    can_edit: bool,
    can_delete: bool,
    can_hide: bool,
    /// The text in the edit form.
    source: String,
    edited: bool,
    delete_href: String,
}

/// One event of the timeline.
struct EventView {
    anchor: String,
    /// A class for the marker of the event's kind (decoration only: the
    /// sentence says what happened).
    class: &'static str,
    parts: Vec<Part>,
    date: String,
    iso: String,
    comment: Option<CommentView>,
}

#[derive(Template)]
#[template(path = "issue_show.html")]
struct IssueView<'a> {
    ctx: &'a PageCtx,
    head: RepoHead,
    open_issues_count: i64,
    section: &'static str,
    label_css: Option<String>,
    href: String,
    number: i64,
    title: String,
    closed: bool,
    state_label: String,
    state_detail: String,
    opened_line: Vec<Part>,
    body_html: String,
    /// The title and body in the edit form.
    title_source: String,
    body_source: String,
    /// The funding panel of the issue, already rendered HTML (inserted as
    /// is, above the timeline): `pages/funding.rs`'s `panel_html`, whose
    /// template escapes everything people type. Empty when it fails;
    /// nothing else on this page depends on it.
    funding_panel: String,
    events: Vec<EventView>,
    labels: Vec<Chip>,
    milestone: Option<(String, String)>,
    assignees: Vec<String>,
    locked: bool,
    can_edit: bool,
    can_maintain: bool,
    can_comment: bool,
    signed_in: bool,
    sign_in_href: String,
    label_choices: Vec<Choice>,
    milestone_choices: Vec<Choice>,
    reason_choices: Vec<Choice>,
    assignees_text: String,
    labels_href: String,
    failure: Failure,
}

impl IssueView<'_> {
    /// The error of `field` in `form`, if that form just failed.
    fn err(&self, form: &str, field: &str) -> Option<&str> {
        if self.failure.form == form {
            self.failure.errors.of(field)
        } else {
            None
        }
    }

    fn failed(&self, form: &str) -> bool {
        self.failure.form == form
    }

    /// The message at the top of a failed form.
    fn form_error(&self, form: &str) -> Option<String> {
        if self.failure.form != form || !self.failure.errors.any() {
            return None;
        }
        Some(
            self.failure
                .errors
                .general
                .clone()
                .unwrap_or_else(|| self.ctx.t("form-has-errors")),
        )
    }

    fn comment_form_error(&self, id: &i64) -> Option<String> {
        self.form_error(&format!("comment-{id}"))
    }

    fn comment_err(&self, id: &i64) -> Option<&str> {
        self.err(&format!("comment-{id}"), "body")
    }

    fn comment_failed(&self, id: &i64) -> bool {
        self.failed(&format!("comment-{id}"))
    }
}

/// What the Markdown of an issue page turns into (rendered on the blocking
/// pool: it is CPU work that grows with the text).
async fn render_texts(repo: &Repo, texts: Vec<String>) -> Result<Vec<String>, PageError> {
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

fn reason_label(ctx: &PageCtx, reason: Option<CloseReason>) -> String {
    match reason {
        Some(reason) => ctx.t(&format!("issue-closed-as-{}", reason.as_str())),
        None => ctx.t("issue-state-closed"),
    }
}

/// Whether the visitor may read `owner/name` (for cross-references).
async fn may_read(
    state: &AppState,
    ctx: &PageCtx,
    cache: &mut HashMap<String, bool>,
    full_name: &str,
) -> Result<bool, PageError> {
    if let Some(known) = cache.get(full_name) {
        return Ok(*known);
    }
    let readable = match full_name.split_once('/') {
        Some((owner, name)) => match repo::find(&state.db, owner, name).await? {
            Some(found) => {
                repo::access(&state.db, ctx.user.as_ref(), &found).await? >= Access::Read
            }
            None => false,
        },
        None => false,
    };
    cache.insert(full_name.to_string(), readable);
    Ok(readable)
}

/// The sentence of an event that is not a comment; `None` for one the
/// visitor may not see (a mention from a repository they cannot read).
///
/// `readable` tells which repositories (`owner/name`) the visitor may read;
/// those missing from it are taken as unreadable.
fn event_sentence(
    ctx: &PageCtx,
    repo: &Repo,
    event: &timeline::Event,
    readable: &HashMap<String, bool>,
) -> Option<(Vec<Part>, &'static str)> {
    let base = base_of(repo);
    let actor = match &event.actor {
        Some(name) => person(name),
        None => Part::Text(ctx.t("issue-event-someone")),
    };
    let commit = event
        .commit
        .as_ref()
        .map(|id| Part::Commit(format!("{base}/commit/{}", url_encode(id)), short_id(id)));
    let label = event
        .label
        .as_ref()
        .map(|(name, color)| Part::Chip(Chip::new(name, color)));
    let milestone = Part::Text(
        event
            .milestone
            .clone()
            .unwrap_or_else(|| ctx.t("issue-event-deleted-milestone")),
    );
    let subject = match &event.subject {
        Some(name) => person(name),
        None => Part::Text(ctx.t("issue-event-someone")),
    };
    let said = |key: &str, args: &[(&str, Part)]| sentence(ctx, key, args);
    let found = match event.kind.as_str() {
        kind::OPENED => (said("issue-event-opened", &[("actor", actor)]), "ev-opened"),
        kind::LABELED | kind::UNLABELED => {
            let label = label?;
            let key = if event.kind == kind::LABELED {
                "issue-event-labeled"
            } else {
                "issue-event-unlabeled"
            };
            (said(key, &[("actor", actor), ("label", label)]), "ev-label")
        }
        kind::ASSIGNED => (
            said(
                "issue-event-assigned",
                &[("actor", actor), ("assignee", subject)],
            ),
            "ev-assign",
        ),
        kind::UNASSIGNED => (
            said(
                "issue-event-unassigned",
                &[("actor", actor), ("assignee", subject)],
            ),
            "ev-assign",
        ),
        kind::MILESTONED => (
            said(
                "issue-event-milestoned",
                &[("actor", actor), ("milestone", milestone)],
            ),
            "ev-milestone",
        ),
        kind::DEMILESTONED => (
            said(
                "issue-event-demilestoned",
                &[("actor", actor), ("milestone", milestone)],
            ),
            "ev-milestone",
        ),
        kind::CLOSED => {
            let parts = match commit {
                Some(commit) => said(
                    "issue-event-closed-commit",
                    &[("actor", actor), ("commit", commit)],
                ),
                None => {
                    let reason = event
                        .new_value
                        .as_deref()
                        .and_then(|r| CloseReason::parse(r).ok());
                    let key = match reason {
                        Some(r) => format!("issue-event-closed-{}", r.as_str()),
                        None => "issue-event-closed".into(),
                    };
                    said(&key, &[("actor", actor)])
                }
            };
            (parts, "ev-closed")
        }
        kind::REOPENED => (
            said("issue-event-reopened", &[("actor", actor)]),
            "ev-reopened",
        ),
        kind::RENAMED => (
            said(
                "issue-event-renamed",
                &[
                    ("actor", actor),
                    (
                        "old",
                        Part::Text(event.old_value.clone().unwrap_or_default()),
                    ),
                    (
                        "new",
                        Part::Text(event.new_value.clone().unwrap_or_default()),
                    ),
                ],
            ),
            "ev-renamed",
        ),
        kind::LOCKED => (said("issue-event-locked", &[("actor", actor)]), "ev-lock"),
        kind::UNLOCKED => (said("issue-event-unlocked", &[("actor", actor)]), "ev-lock"),
        kind::REFERENCED => {
            let commit = commit?;
            (
                said(
                    "issue-event-referenced",
                    &[("actor", actor), ("commit", commit)],
                ),
                "ev-ref",
            )
        }
        kind::CROSS_REFERENCED => {
            let Some((full_name, number)) = &event.ref_issue else {
                return None;
            };
            // A mention from a repository the visitor cannot read is not
            // shown: it would tell them that issue exists.
            if !readable.get(full_name).copied().unwrap_or(false) {
                return None;
            }
            let same = full_name.eq_ignore_ascii_case(&repo.full_name());
            let text = if same {
                format!("#{number}")
            } else {
                format!("{full_name}#{number}")
            };
            let href = match full_name.split_once('/') {
                Some((o, n)) => format!("/{}/{}/issues/{number}", url_encode(o), url_encode(n)),
                None => return None,
            };
            (
                said(
                    "issue-event-cross-referenced",
                    &[("actor", actor), ("issue", Part::Link(href, text))],
                ),
                "ev-ref",
            )
        }
        other => {
            // Kinds this page does not know (funding events, and whatever
            // comes later): the catalogue's `issue-event-{kind}` message if
            // there is one, with `$actor`, `$subject`, `$value` and `$old`;
            // otherwise a neutral line. Never a failure.
            let key = format!("issue-event-{other}");
            let key = if i18n::catalogue().has(&key) {
                key
            } else {
                "issue-event-changed".into()
            };
            let parts = said(
                &key,
                &[
                    ("actor", actor),
                    ("subject", subject),
                    (
                        "value",
                        Part::Text(readable_value(ctx, event.new_value.as_deref())),
                    ),
                    (
                        "old",
                        Part::Text(event.old_value.clone().unwrap_or_default()),
                    ),
                ],
            );
            let class = if other.starts_with("funding")
                || other.starts_with("pledge")
                || other.starts_with("delivered")
                || other.starts_with("delivery")
                || other.starts_with("payment")
                || matches!(other, "settled" | "disputed" | "funded")
            {
                "ev-funding"
            } else {
                "ev-other"
            };
            (parts, class)
        }
    };
    Some(found)
}

/// Builds the issue page for the visitor; `failure` is a form that just
/// failed, shown again with its values and errors.
async fn issue_page(
    state: &AppState,
    ctx: &PageCtx,
    repo: &Repo,
    access: Access,
    found: &Issue,
    failure: Failure,
) -> Result<Response, PageError> {
    let db = &state.db;
    let rights = rights_of(ctx, access);
    let viewer = ctx.user.as_ref();
    let maintain = rights.maintain();
    let href = issue_href(repo, found.number);
    let labels = issue::labels_of(db, found.id).await?;
    let assignees = issue::assignees_of(db, found.id).await?;
    let comments: HashMap<CommentId, Comment> = comment::list(db, found.id)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let events = timeline::events(db, found.id).await?;
    let milestones = if maintain {
        milestone::list(db, repo.id).await?
    } else {
        Vec::new()
    };
    let current_milestone: Option<Milestone> = match found.milestone_id {
        Some(id) => milestone::get(db, repo.id, id).await?,
        None => None,
    };

    // The texts to render: the body, then each comment shown.
    let mut texts = vec![found.body.clone()];
    let mut comment_order = Vec::new();
    for event in &events {
        if event.kind == kind::COMMENTED
            && let Some(c) = event.comment.and_then(|id| comments.get(&id))
            && (!c.hidden || maintain)
        {
            texts.push(c.body.clone());
            comment_order.push(c.id);
        }
    }
    let mut rendered = render_texts(repo, texts).await?.into_iter();
    let body_html = rendered.next().unwrap_or_default();
    let html_of: HashMap<CommentId, String> = comment_order.into_iter().zip(rendered).collect();

    // Which repositories that mention this issue the visitor may read.
    let mut readable = HashMap::new();
    for event in &events {
        if let Some((full_name, _)) = &event.ref_issue {
            may_read(state, ctx, &mut readable, full_name).await?;
        }
    }
    let mut views = Vec::new();
    for event in &events {
        let (date_text, iso) = (
            date(event.created_at),
            forge_core::clock::rfc3339(event.created_at),
        );
        if event.kind == kind::COMMENTED {
            let Some(c) = event.comment.and_then(|id| comments.get(&id)) else {
                continue;
            };
            let own = viewer.is_some_and(|u| u.id.0 == c.author_id.0);
            let source = match (&failure.text, failure.form == format!("comment-{}", c.id.0)) {
                (Some(text), true) => text.clone(),
                _ if c.hidden && !maintain => String::new(),
                _ => c.body.clone(),
            };
            let comment_view = CommentView {
                id: c.id.0,
                html: html_of.get(&c.id).cloned().unwrap_or_default(),
                hidden: c.hidden,
                show_text: !c.hidden || maintain,
                can_edit: own && (!c.hidden || maintain),
                can_delete: own || maintain,
                can_hide: maintain,
                source,
                edited: c.updated_at > c.created_at,
                delete_href: format!("{href}/comments/{}/delete", c.id.0),
            };
            views.push(EventView {
                anchor: format!("comment-{}", c.id.0),
                class: "ev-comment",
                parts: sentence(
                    ctx,
                    "issue-event-commented",
                    &[("actor", person(&c.author_name))],
                ),
                date: date_text,
                iso,
                comment: Some(comment_view),
            });
            continue;
        }
        if let Some((parts, class)) = event_sentence(ctx, repo, event, &readable) {
            views.push(EventView {
                anchor: format!("event-{}", event.id),
                class,
                parts,
                date: date_text,
                iso,
                comment: None,
            });
        }
    }

    let chips: Vec<Chip> = labels.iter().map(Chip::of).collect();
    let all_labels = if maintain {
        label::list(db, repo.id).await?
    } else {
        Vec::new()
    };
    let label_choices: Vec<Choice> = all_labels
        .iter()
        .map(|l| Choice {
            value: l.id.0.to_string(),
            label: l.name.clone(),
            chosen: labels.iter().any(|x| x.id == l.id),
            chip: Some(Chip::of(l)),
        })
        .collect();
    let mut milestone_choices = vec![Choice {
        value: String::new(),
        label: ctx.t("issue-milestone-none"),
        chosen: found.milestone_id.is_none(),
        chip: None,
    }];
    milestone_choices.extend(
        milestones
            .iter()
            .filter(|m| !m.closed || Some(m.id) == found.milestone_id)
            .map(|m| Choice {
                value: m.id.0.to_string(),
                label: m.title.clone(),
                chosen: Some(m.id) == found.milestone_id,
                chip: None,
            }),
    );
    let reason_choices = CloseReason::ALL
        .iter()
        .map(|r| Choice {
            value: r.as_str().into(),
            label: ctx.t(&format!("issue-reason-{}", r.as_str())),
            chosen: *r == CloseReason::Completed,
            chip: None,
        })
        .collect();
    let event_chips = views.iter().flat_map(|v| {
        v.parts.iter().filter_map(|p| match p {
            Part::Chip(chip) => Some(chip),
            _ => None,
        })
    });
    let label_css = label_css(
        chips
            .iter()
            .chain(label_choices.iter().filter_map(|c| c.chip.as_ref()))
            .chain(event_chips),
    );
    let state_detail = if found.closed {
        reason_label(ctx, found.close_reason)
    } else {
        String::new()
    };
    let assignees_text = match (&failure.text, failure.form.as_str()) {
        (Some(text), "assignees") => text.clone(),
        _ => assignees.join(", "),
    };
    // The funding panel is the funding pages' own (`pages/funding.rs`). If
    // it cannot be built, the issue and its discussion still show: the
    // failure is logged, and the panel left out.
    let funding_panel = match super::funding::panel_html(state, ctx, repo, access, found).await {
        Ok(html) => html,
        Err(e) => {
            tracing::error!(status = %e.status, problem = %e.problem, "the funding panel failed");
            String::new()
        }
    };
    let view = IssueView {
        ctx,
        head: RepoHead::new(state, repo, access, "issues"),
        open_issues_count: open_count(state, repo).await?,
        section: "issues",
        label_css,
        number: found.number,
        title: found.title.clone(),
        closed: found.closed,
        state_label: ctx.t(if found.closed {
            "issue-state-closed"
        } else {
            "issue-state-open"
        }),
        state_detail,
        opened_line: sentence(
            ctx,
            "issue-opened-by",
            &[
                ("author", person(&found.author_name)),
                ("date", time_part(found.created_at)),
            ],
        ),
        body_html,
        body_source: failure.body.clone().unwrap_or_else(|| found.body.clone()),
        funding_panel,
        events: views,
        labels: chips,
        milestone: current_milestone.map(|m| {
            (
                m.title.clone(),
                format!("{}/issues?state=all&milestone={}", base_of(repo), m.id.0),
            )
        }),
        assignees,
        locked: found.locked,
        can_edit: rights.edit(viewer, found),
        can_maintain: maintain,
        can_comment: rights.participate(Some(found)),
        signed_in: viewer.is_some(),
        sign_in_href: sign_in_href(ctx),
        label_choices,
        milestone_choices,
        reason_choices,
        assignees_text,
        labels_href: format!("{}/labels", base_of(repo)),
        title_source: failure.title.clone().unwrap_or_else(|| found.title.clone()),
        href,
        failure,
    };
    Ok(render(&view))
}

async fn show(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let (repo, access) = readable(&state, &ctx, &owner, &name).await?;
    let found = load_issue(&state, &repo, &index).await?;
    issue_page(&state, &ctx, &repo, access, &found, Failure::default()).await
}

/// What every change of an issue starts from.
struct Target {
    user: forge_core::user::User,
    repo: Repo,
    access: Access,
    issue: Issue,
}

/// The signed-in visitor (or the sign-in page, as the `Err` answer), the
/// repository if they may read it, and the issue.
async fn target(
    state: &AppState,
    ctx: &PageCtx,
    owner: &str,
    name: &str,
    index: &str,
) -> Result<Result<Target, Response>, PageError> {
    let user = match user_or_sign_in(ctx) {
        Ok(user) => user,
        Err(redirect) => return Ok(Err(redirect.into_response())),
    };
    let (repo, access) = readable(state, ctx, owner, name).await?;
    let issue = load_issue(state, &repo, index).await?;
    Ok(Ok(Target {
        user,
        repo,
        access,
        issue,
    }))
}

/// After a change: back to the issue at `anchor`, or the issue page again
/// (422) with the failed form's values and errors.
async fn after_change(
    state: &AppState,
    ctx: &PageCtx,
    target: &Target,
    result: Result<(), Error>,
    anchor: &str,
    mut failure: Failure,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(see_other(&format!(
            "{}#{anchor}",
            issue_href(&target.repo, target.issue.number)
        ))),
        Err(e) if is_form_error(&e) => {
            failure.errors = FormErrors::from_error(ctx, e)?;
            // The issue as it is now (a failed change changed nothing, but
            // someone else may have).
            let current = issue::get(&state.db, target.repo.id, target.issue.number)
                .await?
                .unwrap_or_else(|| target.issue.clone());
            let page =
                issue_page(state, ctx, &target.repo, target.access, &current, failure).await?;
            Ok(unprocessable(page))
        }
        Err(e) => Err(e.into()),
    }
}

macro_rules! target_or_answer {
    ($state:expr, $ctx:expr, $owner:expr, $name:expr, $index:expr) => {
        match target(&$state, &$ctx, &$owner, &$name, &$index).await? {
            Ok(target) => target,
            Err(answer) => return Ok(answer),
        }
    };
}

async fn edit_issue(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = target_or_answer!(state, ctx, owner, name, index);
    let fields = Fields(fields);
    let (title, body) = (fields.get("title"), fields.get("body"));
    let changes = IssueChanges {
        title: Some(title.clone()),
        body: Some(body.clone()),
        ..IssueChanges::default()
    };
    let result = issue::update(&state.db, &t.user, &t.repo, &t.issue, changes)
        .await
        .map(|_| ());
    let failure = Failure {
        form: "edit".into(),
        title: Some(title),
        body: Some(body),
        ..Failure::default()
    };
    after_change(&state, &ctx, &t, result, "issue-body", failure).await
}

async fn change_state(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = target_or_answer!(state, ctx, owner, name, index);
    let fields = Fields(fields);
    let result = match fields.get("action").as_str() {
        "reopen" => Ok(None),
        _ => CloseReason::parse(&fields.get("reason")).map(Some),
    };
    let result = match result {
        Ok(wanted) => {
            let changes = IssueChanges {
                state: Some(wanted),
                ..IssueChanges::default()
            };
            issue::update(&state.db, &t.user, &t.repo, &t.issue, changes)
                .await
                .map(|_| ())
        }
        Err(e) => Err(e),
    };
    let failure = Failure {
        form: "state".into(),
        ..Failure::default()
    };
    after_change(&state, &ctx, &t, result, "issue-state", failure).await
}

async fn set_labels(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = target_or_answer!(state, ctx, owner, name, index);
    let ids: Vec<LabelId> = Fields(fields)
        .ids("label")
        .into_iter()
        .map(LabelId)
        .collect();
    let result = issue::set_labels(&state.db, &t.user, &t.repo, &t.issue, &ids).await;
    let failure = Failure {
        form: "labels".into(),
        ..Failure::default()
    };
    after_change(&state, &ctx, &t, result, "sidebar-labels", failure).await
}

async fn set_milestone(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = target_or_answer!(state, ctx, owner, name, index);
    let wanted = Fields(fields).get("milestone");
    let result = match wanted.trim() {
        "" => Ok(None),
        id => id
            .parse::<i64>()
            .map(|id| Some(MilestoneId(id)))
            .map_err(|_| Error::invalid("milestone", "error-milestone-not-found")),
    };
    let result = match result {
        Ok(milestone) => {
            let changes = IssueChanges {
                milestone: Some(milestone),
                ..IssueChanges::default()
            };
            issue::update(&state.db, &t.user, &t.repo, &t.issue, changes)
                .await
                .map(|_| ())
        }
        Err(e) => Err(e),
    };
    let failure = Failure {
        form: "milestone".into(),
        ..Failure::default()
    };
    after_change(&state, &ctx, &t, result, "sidebar-milestone", failure).await
}

async fn set_assignees(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = target_or_answer!(state, ctx, owner, name, index);
    let text = Fields(fields).get("assignees");
    let changes = IssueChanges {
        assignees: Some(names_of(&text)),
        ..IssueChanges::default()
    };
    let result = issue::update(&state.db, &t.user, &t.repo, &t.issue, changes)
        .await
        .map(|_| ());
    let failure = Failure {
        form: "assignees".into(),
        text: Some(text),
        ..Failure::default()
    };
    after_change(&state, &ctx, &t, result, "sidebar-assignees", failure).await
}

async fn set_lock(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = target_or_answer!(state, ctx, owner, name, index);
    let changes = IssueChanges {
        locked: Some(Fields(fields).get("locked") == "1"),
        ..IssueChanges::default()
    };
    let result = issue::update(&state.db, &t.user, &t.repo, &t.issue, changes)
        .await
        .map(|_| ());
    let failure = Failure {
        form: "lock".into(),
        ..Failure::default()
    };
    after_change(&state, &ctx, &t, result, "sidebar-lock", failure).await
}

async fn add_comment(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index)): Path<(String, String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = target_or_answer!(state, ctx, owner, name, index);
    let body = Fields(fields).get("body");
    match comment::create(&state.db, &t.user, &t.repo, &t.issue, &body).await {
        Ok(created) => Ok(see_other(&format!(
            "{}#comment-{}",
            issue_href(&t.repo, t.issue.number),
            created.id.0
        ))),
        Err(e) => {
            let failure = Failure {
                form: "comment".into(),
                text: Some(body),
                ..Failure::default()
            };
            after_change(&state, &ctx, &t, Err(e), "new-comment", failure).await
        }
    }
}

async fn edit_comment(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index, comment_id)): Path<(String, String, String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = target_or_answer!(state, ctx, owner, name, index);
    let id = CommentId(path_number(&comment_id)?);
    let body = Fields(fields).get("body");
    let result = comment::edit(&state.db, &t.user, &t.repo, &t.issue, id, &body)
        .await
        .map(|_| ());
    let failure = Failure {
        form: format!("comment-{}", id.0),
        text: Some(body),
        ..Failure::default()
    };
    after_change(
        &state,
        &ctx,
        &t,
        result,
        &format!("comment-{}", id.0),
        failure,
    )
    .await
}

async fn hide_comment(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index, comment_id)): Path<(String, String, String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = target_or_answer!(state, ctx, owner, name, index);
    let id = CommentId(path_number(&comment_id)?);
    let hidden = Fields(fields).get("hidden") == "1";
    let result = comment::set_hidden(&state.db, &t.user, &t.repo, &t.issue, id, hidden).await;
    let failure = Failure {
        form: format!("comment-{}", id.0),
        ..Failure::default()
    };
    after_change(
        &state,
        &ctx,
        &t,
        result,
        &format!("comment-{}", id.0),
        failure,
    )
    .await
}

#[derive(Template)]
#[template(path = "issue_comment_delete.html")]
struct DeleteCommentView<'a> {
    ctx: &'a PageCtx,
    head: RepoHead,
    open_issues_count: i64,
    section: &'static str,
    issue_title: String,
    issue_href: String,
    number: i64,
    author: String,
    html: String,
    show_text: bool,
    action: String,
    cancel_href: String,
}

async fn confirm_delete_comment(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index, comment_id)): Path<(String, String, String, String)>,
) -> Result<Response, PageError> {
    let t = target_or_answer!(state, ctx, owner, name, index);
    let id = CommentId(path_number(&comment_id)?);
    let found = comment::get(&state.db, t.issue.id, id)
        .await?
        .ok_or_else(|| PageError::new(StatusCode::NOT_FOUND, "error-comment-not-found"))?;
    let maintain = t.access >= Access::Write;
    if found.author_id.0 != t.user.id.0 && !maintain {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            "error-comment-own-only",
        ));
    }
    let show_text = !found.hidden || maintain;
    let html = if show_text {
        render_texts(&t.repo, vec![found.body.clone()])
            .await?
            .pop()
            .unwrap_or_default()
    } else {
        String::new()
    };
    let href = issue_href(&t.repo, t.issue.number);
    let view = DeleteCommentView {
        ctx: &ctx,
        head: RepoHead::new(&state, &t.repo, t.access, "issues"),
        open_issues_count: open_count(&state, &t.repo).await?,
        section: "issues",
        issue_title: t.issue.title.clone(),
        number: t.issue.number,
        author: found.author_name.clone(),
        html,
        show_text,
        action: format!("{href}/comments/{}/delete", id.0),
        cancel_href: format!("{href}#comment-{}", id.0),
        issue_href: href,
    };
    Ok(render(&view))
}

async fn delete_comment(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, index, comment_id)): Path<(String, String, String, String)>,
    CsrfForm(_fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let t = target_or_answer!(state, ctx, owner, name, index);
    let id = CommentId(path_number(&comment_id)?);
    comment::delete(&state.db, &t.user, &t.repo, &t.issue, id).await?;
    Ok(see_other(&format!(
        "{}#timeline",
        issue_href(&t.repo, t.issue.number)
    )))
}

// ---------------------------------------------------------------------------
// Labels

/// The colour new labels start with.
const DEFAULT_LABEL_COLOUR: &str = "#1d76db";

#[derive(Debug, Clone, Default)]
struct LabelValues {
    name: String,
    /// As typed (`#rrggbb` when it comes from the stored label).
    color: String,
    /// A valid `#rrggbb` for the colour picker.
    picker: String,
    description: String,
}

impl LabelValues {
    fn of(label: &Label) -> LabelValues {
        LabelValues {
            name: label.name.clone(),
            color: label.color.clone(),
            picker: label.color.clone(),
            description: label.description.clone(),
        }
    }

    fn new_label() -> LabelValues {
        LabelValues {
            color: DEFAULT_LABEL_COLOUR.into(),
            picker: DEFAULT_LABEL_COLOUR.into(),
            ..LabelValues::default()
        }
    }

    /// The form's values. The colour has two inputs, a text field and a
    /// colour picker, which cannot follow each other without JavaScript:
    /// the one the person changed wins (the form also sends the colour it
    /// showed, as `color_was`).
    fn from_fields(fields: &Fields) -> LabelValues {
        let text = fields.get("color");
        let picker = fields.get("color_picker");
        let was = fields.get("color_was");
        let valid = |s: &str| label::validate_color(s).ok();
        let picker_changed = valid(&picker).is_some() && valid(&picker) != valid(&was);
        let text_unchanged_or_bad = valid(&text).is_none() || valid(&text) == valid(&was);
        let color = if text.trim().is_empty() || (picker_changed && text_unchanged_or_bad) {
            picker.clone()
        } else {
            text
        };
        LabelValues {
            name: fields.get("name"),
            picker: valid(&color)
                .or_else(|| valid(&picker))
                .unwrap_or_else(|| DEFAULT_LABEL_COLOUR.into()),
            color,
            description: fields.get("description"),
        }
    }

    fn input(&self) -> LabelInput {
        LabelInput {
            name: self.name.clone(),
            color: self.color.clone(),
            description: self.description.clone(),
        }
    }
}

struct LabelRow {
    id: i64,
    chip: Chip,
    description: String,
    issues_href: String,
    values: LabelValues,
    errors: FormErrors,
    failed: bool,
}

#[derive(Template)]
#[template(path = "issue_labels.html")]
struct LabelsView<'a> {
    ctx: &'a PageCtx,
    head: RepoHead,
    open_issues_count: i64,
    section: &'static str,
    label_css: Option<String>,
    base: String,
    rows: Vec<LabelRow>,
    maintain: bool,
    new_values: LabelValues,
    new_errors: FormErrors,
}

/// A label form that failed: which label (`None`: the new one), with what.
struct LabelFailure {
    label: Option<i64>,
    values: LabelValues,
    errors: FormErrors,
}

async fn labels_view<'a>(
    state: &AppState,
    ctx: &'a PageCtx,
    repo: &Repo,
    access: Access,
    failure: Option<LabelFailure>,
) -> Result<LabelsView<'a>, PageError> {
    let base = base_of(repo);
    let mut rows: Vec<LabelRow> = label::list(&state.db, repo.id)
        .await?
        .iter()
        .map(|l| LabelRow {
            id: l.id.0,
            chip: Chip::of(l),
            description: l.description.clone(),
            issues_href: format!("{base}/issues?state=all&label={}", l.id.0),
            values: LabelValues::of(l),
            errors: FormErrors::default(),
            failed: false,
        })
        .collect();
    let mut new_values = LabelValues::new_label();
    let mut new_errors = FormErrors::default();
    if let Some(failure) = failure {
        match failure.label {
            None => {
                new_values = failure.values;
                new_errors = failure.errors;
            }
            Some(id) => {
                if let Some(row) = rows.iter_mut().find(|r| r.id == id) {
                    row.values = failure.values;
                    row.errors = failure.errors;
                    row.failed = true;
                }
            }
        }
    }
    Ok(LabelsView {
        ctx,
        head: RepoHead::new(state, repo, access, "issues"),
        open_issues_count: open_count(state, repo).await?,
        section: "labels",
        label_css: label_css(rows.iter().map(|r| &r.chip)),
        base,
        rows,
        maintain: access >= Access::Write,
        new_values,
        new_errors,
    })
}

async fn labels_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (repo, access) = readable(&state, &ctx, &owner, &name).await?;
    Ok(render(
        &labels_view(&state, &ctx, &repo, access, None).await?,
    ))
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

macro_rules! repo_target_or_answer {
    ($state:expr, $ctx:expr, $owner:expr, $name:expr) => {
        match repo_target(&$state, &$ctx, &$owner, &$name).await? {
            Ok(found) => found,
            Err(answer) => return Ok(answer),
        }
    };
}

/// The answer to a form that saves a label or a milestone: on to `saved`'s
/// place, or the page again with the form's errors (422), or the error.
async fn saved_or_form_again<T>(
    ctx: &PageCtx,
    result: Result<T, Error>,
    saved_href: impl FnOnce(&T) -> String,
    form_again: impl AsyncFnOnce(FormErrors) -> Result<Response, PageError>,
) -> Result<Response, PageError> {
    match result {
        Ok(saved) => Ok(see_other(&saved_href(&saved))),
        Err(e) if is_form_error(&e) => form_again(FormErrors::from_error(ctx, e)?).await,
        Err(e) => Err(e.into()),
    }
}

async fn label_result(
    state: &AppState,
    ctx: &PageCtx,
    repo: &Repo,
    access: Access,
    result: Result<Label, Error>,
    (label, values): (Option<i64>, LabelValues),
) -> Result<Response, PageError> {
    let href = |saved: &Label| format!("{}/labels#label-{}", base_of(repo), saved.id.0);
    saved_or_form_again(ctx, result, href, async |errors| {
        let failure = LabelFailure {
            label,
            values,
            errors,
        };
        let view = labels_view(state, ctx, repo, access, Some(failure)).await?;
        Ok(unprocessable(render(&view)))
    })
    .await
}

async fn create_label(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name)): Path<(String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (user, repo, access) = repo_target_or_answer!(state, ctx, owner, name);
    let values = LabelValues::from_fields(&Fields(fields));
    let result = label::create(&state.db, &user, &repo, values.input()).await;
    label_result(&state, &ctx, &repo, access, result, (None, values)).await
}

async fn edit_label(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, label_id)): Path<(String, String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (user, repo, access) = repo_target_or_answer!(state, ctx, owner, name);
    let id = path_number(&label_id)?;
    let values = LabelValues::from_fields(&Fields(fields));
    let result = label::update(&state.db, &user, &repo, LabelId(id), values.input()).await;
    label_result(&state, &ctx, &repo, access, result, (Some(id), values)).await
}

async fn delete_label(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, label_id)): Path<(String, String, String)>,
    CsrfForm(_fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (user, repo, _) = repo_target_or_answer!(state, ctx, owner, name);
    let id = path_number(&label_id)?;
    label::delete(&state.db, &user, &repo, LabelId(id)).await?;
    Ok(see_other(&format!("{}/labels", base_of(&repo))))
}

// ---------------------------------------------------------------------------
// Milestones

#[derive(Debug, Clone, Default)]
struct MilestoneValues {
    title: String,
    description: String,
    /// `YYYY-MM-DD`, or empty.
    due: String,
}

impl MilestoneValues {
    fn of(m: &Milestone) -> MilestoneValues {
        MilestoneValues {
            title: m.title.clone(),
            description: m.description.clone(),
            due: m.due_at.map(date).unwrap_or_default(),
        }
    }

    fn from_fields(fields: &Fields) -> MilestoneValues {
        MilestoneValues {
            title: fields.get("title"),
            description: fields.get("description"),
            due: fields.get("due").trim().to_string(),
        }
    }

    /// The input for `forge-core`, closed or not.
    fn input(&self, closed: bool) -> Result<MilestoneInput, Error> {
        Ok(MilestoneInput {
            title: self.title.clone(),
            description: self.description.clone(),
            due_at: parse_due(&self.due)?,
            closed,
        })
    }
}

/// A `YYYY-MM-DD` due date as the last millisecond of that day (UTC): work
/// due "on the 30th" may be done during the 30th.
fn parse_due(text: &str) -> Result<Option<i64>, Error> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let bad = || Error::invalid("due", "error-milestone-due");
    let mut parts = text.splitn(3, '-');
    let mut next = || parts.next().ok_or_else(bad);
    let year: i64 = next()?.parse().map_err(|_| bad())?;
    let month: u32 = next()?.parse().map_err(|_| bad())?;
    let day: u32 = next()?.parse().map_err(|_| bad())?;
    if !(1970..=9999).contains(&year) || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return Err(bad());
    }
    let days = forge_core::clock::days_from_civil(year, month, day);
    // 31 February rolls over into March: refused.
    if forge_core::clock::civil_from_days(days) != (year, month, day) {
        return Err(bad());
    }
    Ok(Some((days + 1) * 86_400_000 - 1))
}

struct MilestoneRow {
    id: i64,
    title: String,
    description_html: String,
    closed: bool,
    state_label: String,
    due: Option<String>,
    due_iso: String,
    overdue: bool,
    closed_issues: i64,
    /// At least 1: a `<progress>` needs a positive maximum.
    progress_max: i64,
    progress_text: String,
    issues_href: String,
    values: MilestoneValues,
    errors: FormErrors,
    failed: bool,
}

#[derive(Template)]
#[template(path = "issue_milestones.html")]
struct MilestonesView<'a> {
    ctx: &'a PageCtx,
    head: RepoHead,
    open_issues_count: i64,
    section: &'static str,
    base: String,
    rows: Vec<MilestoneRow>,
    maintain: bool,
    new_values: MilestoneValues,
    new_errors: FormErrors,
}

/// A milestone form that failed: which milestone (`None`: the new one).
struct MilestoneFailure {
    milestone: Option<i64>,
    values: MilestoneValues,
    errors: FormErrors,
}

async fn milestones_view<'a>(
    state: &AppState,
    ctx: &'a PageCtx,
    repo: &Repo,
    access: Access,
    failure: Option<MilestoneFailure>,
) -> Result<MilestonesView<'a>, PageError> {
    let base = base_of(repo);
    let milestones = milestone::list(&state.db, repo.id).await?;
    let descriptions = render_texts(
        repo,
        milestones.iter().map(|m| m.description.clone()).collect(),
    )
    .await?;
    let now = forge_core::clock::now_ms();
    let mut rows: Vec<MilestoneRow> = milestones
        .iter()
        .zip(descriptions)
        .map(|(m, description_html)| {
            let total = m.open_issues + m.closed_issues;
            let progress_text = if total == 0 {
                ctx.t("milestones-no-issues")
            } else {
                tn(
                    ctx,
                    "milestones-progress",
                    &[
                        ("closed", &m.closed_issues.to_string()),
                        ("total", &total.to_string()),
                        ("percent", &m.progress_percent().to_string()),
                    ],
                )
            };
            MilestoneRow {
                id: m.id.0,
                title: m.title.clone(),
                description_html,
                closed: m.closed,
                state_label: ctx.t(if m.closed {
                    "milestones-state-closed"
                } else {
                    "milestones-state-open"
                }),
                due: m.due_at.map(date),
                due_iso: m.due_at.map(forge_core::clock::rfc3339).unwrap_or_default(),
                overdue: !m.closed && m.due_at.is_some_and(|due| due < now),
                closed_issues: m.closed_issues,
                progress_max: total.max(1),
                progress_text,
                issues_href: format!("{base}/issues?state=all&milestone={}", m.id.0),
                values: MilestoneValues::of(m),
                errors: FormErrors::default(),
                failed: false,
            }
        })
        .collect();
    let mut new_values = MilestoneValues::default();
    let mut new_errors = FormErrors::default();
    if let Some(failure) = failure {
        match failure.milestone {
            None => {
                new_values = failure.values;
                new_errors = failure.errors;
            }
            Some(id) => {
                if let Some(row) = rows.iter_mut().find(|r| r.id == id) {
                    row.values = failure.values;
                    row.errors = failure.errors;
                    row.failed = true;
                }
            }
        }
    }
    Ok(MilestonesView {
        ctx,
        head: RepoHead::new(state, repo, access, "issues"),
        open_issues_count: open_count(state, repo).await?,
        section: "milestones",
        base,
        rows,
        maintain: access >= Access::Write,
        new_values,
        new_errors,
    })
}

async fn milestones_page(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let (repo, access) = readable(&state, &ctx, &owner, &name).await?;
    Ok(render(
        &milestones_view(&state, &ctx, &repo, access, None).await?,
    ))
}

async fn milestone_result(
    state: &AppState,
    ctx: &PageCtx,
    repo: &Repo,
    access: Access,
    result: Result<Milestone, Error>,
    (milestone, values): (Option<i64>, MilestoneValues),
) -> Result<Response, PageError> {
    let href = |saved: &Milestone| format!("{}/milestones#milestone-{}", base_of(repo), saved.id.0);
    saved_or_form_again(ctx, result, href, async |errors| {
        let failure = MilestoneFailure {
            milestone,
            values,
            errors,
        };
        let view = milestones_view(state, ctx, repo, access, Some(failure)).await?;
        Ok(unprocessable(render(&view)))
    })
    .await
}

async fn create_milestone(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name)): Path<(String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (user, repo, access) = repo_target_or_answer!(state, ctx, owner, name);
    let values = MilestoneValues::from_fields(&Fields(fields));
    let result = match values.input(false) {
        Ok(input) => milestone::create(&state.db, &user, &repo, input).await,
        Err(e) => Err(e),
    };
    milestone_result(&state, &ctx, &repo, access, result, (None, values)).await
}

/// The milestone named in the path, for a change.
async fn existing_milestone(
    state: &AppState,
    repo: &Repo,
    id: &str,
) -> Result<Milestone, PageError> {
    let id = path_number(id)?;
    milestone::get(&state.db, repo.id, MilestoneId(id))
        .await?
        .ok_or_else(|| PageError::new(StatusCode::NOT_FOUND, "error-milestone-not-found"))
}

async fn edit_milestone(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, milestone_id)): Path<(String, String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (user, repo, access) = repo_target_or_answer!(state, ctx, owner, name);
    let current = existing_milestone(&state, &repo, &milestone_id).await?;
    let values = MilestoneValues::from_fields(&Fields(fields));
    let result = match values.input(current.closed) {
        Ok(input) => milestone::update(&state.db, &user, &repo, current.id, input).await,
        Err(e) => Err(e),
    };
    milestone_result(
        &state,
        &ctx,
        &repo,
        access,
        result,
        (Some(current.id.0), values),
    )
    .await
}

async fn milestone_state(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, milestone_id)): Path<(String, String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (user, repo, access) = repo_target_or_answer!(state, ctx, owner, name);
    let current = existing_milestone(&state, &repo, &milestone_id).await?;
    let values = MilestoneValues::of(&current);
    let input = MilestoneInput {
        title: current.title.clone(),
        description: current.description.clone(),
        due_at: current.due_at,
        closed: Fields(fields).get("closed") == "1",
    };
    let result = milestone::update(&state.db, &user, &repo, current.id, input).await;
    milestone_result(
        &state,
        &ctx,
        &repo,
        access,
        result,
        (Some(current.id.0), values),
    )
    .await
}

async fn delete_milestone(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path((owner, name, milestone_id)): Path<(String, String, String)>,
    CsrfForm(_fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (user, repo, _) = repo_target_or_answer!(state, ctx, owner, name);
    let id = path_number(&milestone_id)?;
    milestone::delete(&state.db, &user, &repo, MilestoneId(id)).await?;
    Ok(see_other(&format!("{}/milestones", base_of(&repo))))
}

/// An event's value for people: amounts recorded as "minor-units CURRENCY"
/// (funding events) in the visitor's notation, anything else as it is.
fn readable_value(ctx: &PageCtx, value: Option<&str>) -> String {
    let value = value.unwrap_or_default();
    match value.split_once(' ') {
        Some((amount, currency))
            if currency.len() == 3
                && currency.bytes().all(|b| b.is_ascii_uppercase())
                && amount.parse::<i64>().is_ok() =>
        {
            let minor = amount.parse::<i64>().unwrap_or_default();
            crate::format::money(ctx.lang, minor, currency)
        }
        _ => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The contrast ratio of two colours (WCAG 2.1).
    fn contrast(a: &str, b: &str) -> f64 {
        let (la, lb) = (luminance(a), luminance(b));
        let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
        (hi + 0.05) / (lo + 0.05)
    }

    #[test]
    fn label_text_is_readable_on_every_colour() {
        let mut worst = f64::MAX;
        for r in (0..=255).step_by(15) {
            for g in (0..=255).step_by(15) {
                for b in (0..=255).step_by(15) {
                    let hex = format!("{r:02x}{g:02x}{b:02x}");
                    worst = worst.min(contrast(&hex, readable_text_on(&hex)));
                }
            }
        }
        assert!(worst >= 4.5, "worst contrast {worst}");
        assert_eq!(readable_text_on("ffffff"), "000000");
        assert_eq!(readable_text_on("000000"), "ffffff");
        assert_eq!(readable_text_on("d73a4a"), "000000");
        assert_eq!(readable_text_on("0b5cad"), "ffffff");
    }

    #[test]
    fn stylesheet_urls_list_each_colour_once() {
        let chips = [
            Chip::new("b", "#0E8A16"),
            Chip::new("a", "#d73a4a"),
            Chip::new("c", "#0e8a16"),
            Chip::new("bad", "javascript:x"),
        ];
        assert_eq!(
            label_css(chips.iter()).as_deref(),
            Some("/-/assets/labels.css?c=0e8a16.d73a4a.ededed")
        );
        assert_eq!(label_css(std::iter::empty()), None);
    }

    #[test]
    fn due_dates_are_whole_days() {
        let due = parse_due("2026-11-30").unwrap().unwrap();
        assert_eq!(date(due), "2026-11-30");
        assert_eq!(date(due + 1), "2026-12-01");
        assert_eq!(parse_due(" ").unwrap(), None);
        for bad in [
            "2026-02-30",
            "2026-13-01",
            "tomorrow",
            "2026-1",
            "1969-12-31",
        ] {
            assert!(parse_due(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn filters_round_trip_through_their_query() {
        let filters = Filters::parse(Some(
            "state=closed&label=3&label=1&label=x&milestone=none&assignee=al%00ice&q=two+words&sort=oldest&after=12",
        ));
        assert_eq!(filters.state, StateFilter::Closed);
        assert_eq!(filters.labels, vec![1, 3]);
        assert_eq!(filters.milestone, "none");
        assert_eq!(filters.assignee, "alice");
        assert_eq!(filters.q, "two words");
        assert_eq!(filters.sort, Sort::Oldest);
        assert_eq!(filters.after.as_deref(), Some("12"));
        let query = filters.query(StateFilter::Open, Some("9"));
        assert_eq!(
            query,
            "?state=open&label=1&label=3&milestone=none&assignee=alice&q=two%20words&sort=oldest&after=9"
        );
        let again = Filters::parse(query.strip_prefix('?'));
        assert_eq!(again.labels, filters.labels);
        assert_eq!(again.q, filters.q);
        // Nonsense is ignored rather than refused.
        let filters = Filters::parse(Some("state=bogus&sort=bogus&%%%"));
        assert_eq!(filters.state, StateFilter::Open);
        assert_eq!(filters.sort, Sort::Newest);
    }

    fn page_ctx(lang: Lang) -> PageCtx {
        PageCtx {
            lang,
            user: None,
            csrf: String::new(),
            site_name: "Forge".into(),
            signup_open: true,
            here: "/".into(),
        }
    }

    fn test_repo() -> Repo {
        Repo {
            id: forge_core::RepoId(1),
            owner_id: forge_core::AccountId(1),
            owner_name: "coop".into(),
            owner_is_org: true,
            name: "tools".into(),
            description: String::new(),
            private: false,
            default_branch: "main".into(),
            created_at: 0,
            updated_at: 0,
        }
    }

    fn event(kind: &str) -> timeline::Event {
        timeline::Event {
            id: 1,
            kind: kind.into(),
            actor: Some("alice".into()),
            comment: None,
            label: None,
            milestone: None,
            subject: None,
            ref_issue: None,
            commit: None,
            old_value: None,
            new_value: None,
            created_at: 0,
        }
    }

    fn text_of(parts: &[Part]) -> String {
        parts
            .iter()
            .map(|p| match p {
                Part::Text(t) | Part::Link(_, t) | Part::Commit(_, t) | Part::Time(_, t) => {
                    t.clone()
                }
                Part::Chip(c) => c.name.clone(),
            })
            .collect()
    }

    #[test]
    fn sentences_put_links_where_each_language_says() {
        let ctx = page_ctx(Lang::En);
        let repo = test_repo();
        let mut closed = event(kind::CLOSED);
        closed.commit = Some("0123456789abcdef0123456789abcdef01234567".into());
        let (parts, class) = event_sentence(&ctx, &repo, &closed, &HashMap::new()).unwrap();
        assert_eq!(class, "ev-closed");
        assert!(matches!(&parts[0], Part::Link(href, name) if href == "/alice" && name == "alice"));
        assert!(parts.iter().any(|p| matches!(p,
            Part::Commit(href, id) if href == "/coop/tools/commit/0123456789abcdef0123456789abcdef01234567" && id == "0123456789")));
        let mut renamed = event(kind::RENAMED);
        renamed.old_value = Some("\u{E000}1\u{E001} <b>old</b>".into());
        renamed.new_value = Some("new".into());
        for lang in Lang::ALL {
            let (parts, _) =
                event_sentence(&page_ctx(lang), &repo, &renamed, &HashMap::new()).unwrap();
            let text = text_of(&parts);
            assert!(text.contains("\u{E000}1\u{E001} <b>old</b>"), "{text}");
            assert!(text.contains("new"), "{text}");
        }
    }

    #[test]
    fn unknown_events_are_told_plainly() {
        let ctx = page_ctx(Lang::Fr);
        let repo = test_repo();
        for kind in [
            "funding_opened",
            "pledged",
            "payment_recorded",
            "settled",
            "something_new",
        ] {
            let mut e = event(kind);
            e.subject = Some("coop".into());
            e.new_value = Some("100".into());
            let (parts, class) = event_sentence(&ctx, &repo, &e, &HashMap::new()).unwrap();
            assert!(!text_of(&parts).is_empty());
            assert!(!text_of(&parts).contains("issue-event"), "{parts:?}");
            let expected = if kind == "something_new" {
                "ev-other"
            } else {
                "ev-funding"
            };
            assert_eq!(class, expected, "{kind}");
        }
        let mut e = event("mystery");
        e.actor = None;
        let (parts, _) = event_sentence(&ctx, &repo, &e, &HashMap::new()).unwrap();
        assert!(text_of(&parts).starts_with("Quelqu’un"), "{parts:?}");
    }

    #[test]
    fn mentions_from_unreadable_repositories_are_left_out() {
        let ctx = page_ctx(Lang::En);
        let repo = test_repo();
        let mut e = event(kind::CROSS_REFERENCED);
        e.ref_issue = Some(("coop/secret".into(), 4));
        assert!(event_sentence(&ctx, &repo, &e, &HashMap::new()).is_none());
        let readable = HashMap::from([("coop/secret".to_string(), true)]);
        let (parts, _) = event_sentence(&ctx, &repo, &e, &readable).unwrap();
        assert!(parts.iter().any(|p| matches!(p,
            Part::Link(href, text) if href == "/coop/secret/issues/4" && text == "coop/secret#4")));
        e.ref_issue = Some(("coop/tools".into(), 2));
        let readable = HashMap::from([("coop/tools".to_string(), true)]);
        let (parts, _) = event_sentence(&ctx, &repo, &e, &readable).unwrap();
        assert!(
            parts
                .iter()
                .any(|p| matches!(p, Part::Link(_, text) if text == "#2"))
        );
    }

    #[test]
    fn names_are_split_on_commas_and_spaces() {
        assert_eq!(
            names_of("@Alice, bob  carol,,alice"),
            vec!["alice", "bob", "carol"]
        );
        assert!(names_of(" , ").is_empty());
    }
}
