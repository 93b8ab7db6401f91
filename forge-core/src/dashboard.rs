//! What a person's home page and the explore pages list: their assigned
//! issues, the deliveries awaiting their organisation's review, the goals
//! open for pledges in repositories they watch, and the public
//! repositories and organisations of the forge.

use crate::db::Db;
use crate::error::Result;
use crate::repo::{self, Access};
use crate::user::User;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueLink {
    pub repo: String,
    pub number: i64,
    pub title: String,
    pub updated_at: i64,
}

/// Open issues assigned to `user` in repositories they can still read,
/// most recently updated first.
pub async fn assigned_issues(db: &Db, user: &User, limit: i64) -> Result<Vec<IssueLink>> {
    let rows = sqlx::query(
        "SELECT o.name AS owner, r.name AS repo, i.number, i.title, i.updated_at \
         FROM issue_assignees ia JOIN issues i ON i.id = ia.issue_id JOIN repositories r ON r.id = i.repo_id \
         JOIN accounts o ON o.id = r.owner_id WHERE ia.user_id = $1 AND i.is_closed = 0 \
         ORDER BY i.updated_at DESC, i.id DESC LIMIT $2",
    )
    .bind(user.id.0)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    let mut links = Vec::new();
    for row in rows {
        let owner: String = row.try_get("owner")?;
        let name: String = row.try_get("repo")?;
        if let Some(found) = repo::find(db, &owner, &name).await?
            && repo::access(db, Some(user), &found).await? >= Access::Read
        {
            links.push(IssueLink {
                repo: found.full_name(),
                number: row.try_get("number")?,
                title: row.try_get("title")?,
                updated_at: row.try_get("updated_at")?,
            });
        }
    }
    Ok(links)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwaitingReview {
    pub repo: String,
    pub number: i64,
    pub title: String,
    pub org: String,
    pub review_ends_at: i64,
}

/// Delivered goals where one of `user`'s organisations (where they are
/// owner or treasurer) has a committed pledge and has not reviewed yet.
pub async fn reviews_awaiting(db: &Db, user: &User) -> Result<Vec<AwaitingReview>> {
    let rows = sqlx::query(
        "SELECT o.name AS owner, r.name AS repo, i.number, i.title, org.name AS org, g.review_ends_at \
         FROM pledges p JOIN funding_goals g ON g.id = p.goal_id JOIN issues i ON i.id = g.issue_id \
         JOIN repositories r ON r.id = g.repo_id JOIN accounts o ON o.id = r.owner_id \
         JOIN accounts org ON org.id = p.org_id \
         JOIN org_members m ON m.org_id = p.org_id AND m.user_id = $1 AND m.role IN ('owner', 'treasurer') \
         WHERE g.state = 'delivered' AND p.state = 'committed' \
         AND NOT EXISTS (SELECT 1 FROM funding_reviews fr WHERE fr.goal_id = g.id AND fr.org_id = p.org_id) \
         ORDER BY g.review_ends_at, g.id",
    )
    .bind(user.id.0)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(AwaitingReview {
                repo: format!(
                    "{}/{}",
                    row.try_get::<String, _>("owner")?,
                    row.try_get::<String, _>("repo")?
                ),
                number: row.try_get("number")?,
                title: row.try_get("title")?,
                org: row.try_get("org")?,
                review_ends_at: row
                    .try_get::<Option<i64>, _>("review_ends_at")?
                    .unwrap_or(0),
            })
        })
        .collect()
}

/// A goal still collecting pledges in a repository the user watches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WatchedGoal {
    pub repo: String,
    pub number: i64,
    pub title: String,
    pub budget_minor: i64,
    pub currency: String,
    pub pledged_minor: i64,
    pub deadline_at: i64,
}

/// Goals open for pledges (deadline not passed) in repositories `user`
/// watches and may still read, soonest deadline first.
pub async fn open_goals_watched(
    db: &Db,
    user: &User,
    now: i64,
    limit: i64,
) -> Result<Vec<WatchedGoal>> {
    let rows = sqlx::query(
        "SELECT o.name AS owner, r.name AS repo, i.number, i.title, g.budget_minor, g.currency,          g.deadline_at, CAST((SELECT COALESCE(SUM(p.amount_minor), 0) FROM pledges p              WHERE p.goal_id = g.id AND p.state = 'active') AS BIGINT) AS pledged          FROM repo_watches w JOIN funding_goals g ON g.repo_id = w.repo_id          JOIN issues i ON i.id = g.issue_id JOIN repositories r ON r.id = g.repo_id          JOIN accounts o ON o.id = r.owner_id          WHERE w.user_id = $1 AND g.state = 'open' AND g.deadline_at > $2          AND (r.is_private = 0 OR $3 = 1 OR r.owner_id = $1 OR EXISTS (SELECT 1 FROM org_members om              WHERE om.org_id = r.owner_id AND om.user_id = $1))          ORDER BY g.deadline_at, g.id LIMIT $4",
    )
    .bind(user.id.0)
    .bind(now)
    .bind(i64::from(user.is_admin))
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(WatchedGoal {
                repo: format!(
                    "{}/{}",
                    row.try_get::<String, _>("owner")?,
                    row.try_get::<String, _>("repo")?
                ),
                number: row.try_get("number")?,
                title: row.try_get("title")?,
                budget_minor: row.try_get("budget_minor")?,
                currency: row.try_get("currency")?,
                pledged_minor: row.try_get("pledged")?,
                deadline_at: row.try_get("deadline_at")?,
            })
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    pub id: i64,
    pub name: String,
    pub description: String,
}

pub(crate) fn like_pattern(q: &str) -> String {
    let mut out = String::from("%");
    for c in q.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// Public repositories whose name or description contains `q`, by id
/// descending, starting after `after` (keyset).
pub async fn public_repos(db: &Db, q: &str, after: Option<i64>, limit: i64) -> Result<Vec<Listed>> {
    let rows = sqlx::query(
        "SELECT r.id, o.name AS owner, r.name, r.description FROM repositories r JOIN accounts o ON o.id = r.owner_id \
         WHERE r.is_private = 0 AND r.id < $1 \
         AND (lower(o.name || '/' || r.name) LIKE $2 ESCAPE '\\' OR lower(r.description) LIKE $2 ESCAPE '\\') \
         ORDER BY r.id DESC LIMIT $3",
    )
    .bind(after.unwrap_or(i64::MAX))
    .bind(like_pattern(q))
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            Ok(Listed {
                id: row.try_get("id")?,
                name: format!(
                    "{}/{}",
                    row.try_get::<String, _>("owner")?,
                    row.try_get::<String, _>("name")?
                ),
                description: row.try_get("description")?,
            })
        })
        .collect()
}

/// Organisations whose name, full name or description contains `q`.
pub async fn organisations(
    db: &Db,
    q: &str,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<Listed>> {
    let rows = sqlx::query(
        "SELECT a.id, a.name, a.full_name, a.description FROM accounts a WHERE a.kind = 'org' AND a.id < $1 \
         AND (a.name LIKE $2 ESCAPE '\\' OR lower(a.full_name) LIKE $2 ESCAPE '\\' OR lower(a.description) LIKE $2 ESCAPE '\\') \
         ORDER BY a.id DESC LIMIT $3",
    )
    .bind(after.unwrap_or(i64::MAX))
    .bind(like_pattern(q))
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let full: String = row.try_get("full_name")?;
            let name: String = row.try_get("name")?;
            Ok(Listed {
                id: row.try_get("id")?,
                description: if full.is_empty() {
                    row.try_get("description")?
                } else {
                    full
                },
                name,
            })
        })
        .collect()
}
