//! The milestones of a repository: the list with each one's progress, each
//! milestone editable in place, and the form for a new one (maintainers
//! only), on the page of `editable_list`.

use super::editable_list::{EditableList, EditablePage, FailedForm, saved_or_form_again};
use super::{Fields, open_count, path_number, render_texts, repo_target_or_answer, tn};
use crate::AppState;
use crate::context::{CsrfForm, PageCtx};
use crate::error::PageError;
use crate::pages::repo_head::{RepoHead, base_of};
use crate::views::{date, render};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use forge_core::milestone::{self, Milestone, MilestoneInput};
use forge_core::repo::{Access, Repo};
use forge_core::user::User;
use forge_core::{Db, Error, MilestoneId};

#[derive(Debug, Clone, Default)]
pub(super) struct MilestoneValues {
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

/// What a milestone's row shows.
struct MilestoneItem {
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
}

#[derive(Template)]
#[template(path = "issue_milestones.html")]
struct MilestonesView<'a> {
    ctx: &'a PageCtx,
    head: RepoHead,
    open_issues_count: i64,
    section: &'static str,
    base: String,
    list: EditableList<MilestoneItem, MilestoneValues>,
    maintain: bool,
}

/// The milestones page (`/{owner}/{repo}/milestones`).
pub(super) struct MilestonesPage;

impl EditablePage for MilestonesPage {
    type Thing = Milestone;
    type Values = MilestoneValues;
    const PATH: &'static str = "milestones";
    const ROW: &'static str = "milestone";

    fn id_of(milestone: &Milestone) -> i64 {
        milestone.id.0
    }

    fn values_from(fields: &Fields) -> MilestoneValues {
        MilestoneValues::from_fields(fields)
    }

    /// A new milestone is open.
    async fn create(
        db: &Db,
        actor: &User,
        repo: &Repo,
        values: &MilestoneValues,
    ) -> Result<Milestone, Error> {
        milestone::create(db, actor, repo, values.input(false)?).await
    }

    async fn delete(db: &Db, actor: &User, repo: &Repo, id: i64) -> Result<(), Error> {
        milestone::delete(db, actor, repo, MilestoneId(id)).await
    }

    async fn render(
        state: &AppState,
        ctx: &PageCtx,
        repo: &Repo,
        access: Access,
        failure: Option<FailedForm<MilestoneValues>>,
    ) -> Result<Response, PageError> {
        let base = base_of(repo);
        let milestones = milestone::list(&state.db, repo.id).await?;
        let descriptions = render_texts(
            repo,
            milestones.iter().map(|m| m.description.clone()).collect(),
        )
        .await?;
        let now = forge_core::clock::now_ms();
        let rows = milestones
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
                let item = MilestoneItem {
                    title: m.title.clone(),
                    description_html,
                    closed: m.closed,
                    state_label: ctx.t(if m.closed {
                        "milestones-state-closed"
                    } else {
                        "milestones-state-open"
                    }),
                    due: m.due_at.map(|ms| crate::format::long_date(ctx.lang, ms)),
                    due_iso: m.due_at.map(forge_core::clock::rfc3339).unwrap_or_default(),
                    overdue: !m.closed && m.due_at.is_some_and(|due| due < now),
                    closed_issues: m.closed_issues,
                    progress_max: total.max(1),
                    progress_text,
                    issues_href: format!("{base}/issues?state=all&milestone={}", m.id.0),
                };
                (m.id.0, item, MilestoneValues::of(m))
            });
        let list = EditableList::new(rows, MilestoneValues::default(), failure);
        Ok(render(&MilestonesView {
            ctx,
            head: RepoHead::new(state, repo, access, "issues"),
            open_issues_count: open_count(state, repo).await?,
            section: "milestones",
            base,
            list,
            maintain: access >= Access::Write,
        }))
    }
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

/// Saves a change of the milestone named in the path. `change` reads the
/// form against the milestone as it is now, into the values its edit form
/// shows should the change fail, and the input to save (or why the form
/// could not be read).
async fn change_milestone(
    state: AppState,
    ctx: PageCtx,
    (owner, name, milestone_id): (String, String, String),
    change: impl FnOnce(&Milestone) -> (MilestoneValues, Result<MilestoneInput, Error>),
) -> Result<Response, PageError> {
    let (user, repo, access) = repo_target_or_answer!(state, ctx, owner, name);
    let current = existing_milestone(&state, &repo, &milestone_id).await?;
    let (values, input) = change(&current);
    let result = match input {
        Ok(input) => milestone::update(&state.db, &user, &repo, current.id, input).await,
        Err(e) => Err(e),
    };
    let row = Some(current.id.0);
    saved_or_form_again::<MilestonesPage>(&state, &ctx, &repo, access, result, row, values).await
}

/// A milestone's edit form; its state stays as it is.
pub(super) async fn edit_milestone(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(path): Path<(String, String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    change_milestone(state, ctx, path, |current| {
        let values = MilestoneValues::from_fields(&Fields(fields));
        let input = values.input(current.closed);
        (values, input)
    })
    .await
}

/// A milestone's close or reopen button; nothing else changes.
pub(super) async fn milestone_state(
    State(state): State<AppState>,
    ctx: PageCtx,
    Path(path): Path<(String, String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let closed = Fields(fields).get("closed") == "1";
    change_milestone(state, ctx, path, |current| {
        let input = MilestoneInput {
            title: current.title.clone(),
            description: current.description.clone(),
            due_at: current.due_at,
            closed,
        };
        (MilestoneValues::of(current), Ok(input))
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
