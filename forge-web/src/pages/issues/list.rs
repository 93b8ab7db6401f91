//! The issue list with its filters (state, labels, milestone, people, text,
//! sort), paged by keyset.

use super::chips::{Chip, label_css};
use super::{Choice, Fields, counted, issue_href, readable, rights_of, sign_in_href};
use crate::AppState;
use crate::context::PageCtx;
use crate::error::PageError;
use crate::pages::repo_head::{RepoHead, base_of};
use crate::views::{FormErrors, render, url_encode};
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::response::Response;
use forge_core::issue;
use forge_core::issue_query::{
    self, IssuePage, IssueQuery, KindFilter, MilestoneFilter, Sort, StateFilter,
};
use forge_core::label;
use forge_core::milestone;
use forge_core::{Error, LabelId, MilestoneId, user};
use std::collections::HashMap;

/// Issues per page of the list.
const PAGE_SIZE: i64 = 25;
/// Longest free-text search kept from a query string.
const MAX_SEARCH_CHARS: usize = 200;

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
    /// The badge of the issue's funding goal, while it is live.
    funding: Option<String>,
}

/// A tab of the list: label, address, current.
struct Tab {
    label: String,
    href: String,
    current: bool,
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

pub(super) async fn list(
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
    let (open, closed) = super::plain_counts(&state, &repo).await?;

    // Anything that names nothing (an unknown label, milestone or person)
    // matches no issue.
    let mut matches_nothing = false;
    let mut errors = FormErrors::default();
    let mut query = IssueQuery {
        state: filters.state,
        kind: KindFilter::Issues,
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
    // Goals that ended without money (expired, cancelled) get no badge.
    let page_ids = (
        page.issues.iter().map(|i| i.id).min(),
        page.issues.iter().map(|i| i.id).max(),
    );
    let goal_states = match page_ids {
        (Some(first), Some(last)) => {
            forge_core::funding::goal_states(&state.db, repo.id, (first, last)).await?
        }
        _ => HashMap::new(),
    };
    let funding_badges: HashMap<i64, String> = goal_states
        .into_iter()
        .filter(|(_, s)| {
            !matches!(
                s,
                forge_core::funding::GoalState::Expired | forge_core::funding::GoalState::Cancelled
            )
        })
        .map(|(issue, s)| {
            let label = match s {
                forge_core::funding::GoalState::Open => ctx.t("issue-funding-badge-open"),
                other => ctx.t(&format!("funding-state-{}", other.as_str())),
            };
            (issue.0, label)
        })
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
            opened: crate::format::long_date(ctx.lang, i.created_at),
            opened_iso: forge_core::clock::rfc3339(i.created_at),
            author: i.author_name.clone(),
            comments_label: counted(&ctx, "issues-comments", i.comment_count),
            funding: funding_badges.get(&i.id.0).cloned(),
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
        .map(|l| Choice::of_label(l, filters.labels.contains(&l.id.0)))
        .collect();
    let mut milestone_choices = vec![
        Choice::plain(
            "",
            ctx.t("issues-filter-milestone-any"),
            filters.milestone.is_empty(),
        ),
        Choice::plain(
            "none",
            ctx.t("issues-filter-milestone-none"),
            filters.milestone == "none",
        ),
    ];
    milestone_choices.extend(milestones.iter().map(|m| {
        let label = if m.closed {
            ctx.t1("issues-milestone-closed-choice", "title", &m.title)
        } else {
            m.title.clone()
        };
        let value = m.id.0.to_string();
        let chosen = filters.milestone == value;
        Choice::plain(value, label, chosen)
    }));
    let sort_choices = Sort::ALL
        .iter()
        .map(|s| {
            let label = ctx.t(&format!("issues-sort-{}", s.as_str()));
            Choice::plain(s.as_str(), label, *s == filters.sort)
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
        head: RepoHead::new(&state, &repo, access, "issues")
            .with_watch(&state, &ctx, &repo)
            .await?,
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
