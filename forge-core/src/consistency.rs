//! Consistency checks of stored counters: each is recomputed from the rows
//! it counts and compared. A mismatch is a bug; `repair` sets the counters
//! to the recomputed values.

use crate::db::Db;
use crate::error::Result;
use sqlx::Row;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    pub what: &'static str,
    pub id: i64,
    pub stored: i64,
    pub actual: i64,
}

/// Each check: a description, and a query giving `id`, `stored`, `actual`
/// for the rows whose counter is wrong.
const CHECKS: &[(&str, &str, &str)] = &[
    (
        "repository open issues",
        "SELECT r.id, r.open_issues AS stored, CAST((SELECT COUNT(*) FROM issues i WHERE i.repo_id = r.id AND i.is_closed = 0) AS BIGINT) AS actual FROM repositories r",
        "UPDATE repositories SET open_issues = (SELECT COUNT(*) FROM issues i WHERE i.repo_id = repositories.id AND i.is_closed = 0)",
    ),
    (
        "repository closed issues",
        "SELECT r.id, r.closed_issues AS stored, CAST((SELECT COUNT(*) FROM issues i WHERE i.repo_id = r.id AND i.is_closed = 1) AS BIGINT) AS actual FROM repositories r",
        "UPDATE repositories SET closed_issues = (SELECT COUNT(*) FROM issues i WHERE i.repo_id = repositories.id AND i.is_closed = 1)",
    ),
    (
        "repository issue numbers",
        "SELECT r.id, r.issue_seq AS stored, CAST((SELECT COALESCE(MAX(i.number), 0) FROM issues i WHERE i.repo_id = r.id) AS BIGINT) AS actual FROM repositories r",
        "UPDATE repositories SET issue_seq = (SELECT COALESCE(MAX(i.number), 0) FROM issues i WHERE i.repo_id = repositories.id)",
    ),
    (
        "milestone open issues",
        "SELECT m.id, m.open_issues AS stored, CAST((SELECT COUNT(*) FROM issues i WHERE i.milestone_id = m.id AND i.is_closed = 0) AS BIGINT) AS actual FROM milestones m",
        "UPDATE milestones SET open_issues = (SELECT COUNT(*) FROM issues i WHERE i.milestone_id = milestones.id AND i.is_closed = 0)",
    ),
    (
        "milestone closed issues",
        "SELECT m.id, m.closed_issues AS stored, CAST((SELECT COUNT(*) FROM issues i WHERE i.milestone_id = m.id AND i.is_closed = 1) AS BIGINT) AS actual FROM milestones m",
        "UPDATE milestones SET closed_issues = (SELECT COUNT(*) FROM issues i WHERE i.milestone_id = milestones.id AND i.is_closed = 1)",
    ),
    (
        "issue comments",
        "SELECT i.id, i.comment_count AS stored, CAST((SELECT COUNT(*) FROM comments c WHERE c.issue_id = i.id) AS BIGINT) AS actual FROM issues i",
        "UPDATE issues SET comment_count = (SELECT COUNT(*) FROM comments c WHERE c.issue_id = issues.id)",
    ),
];

/// Every stored counter that disagrees with the rows it counts.
pub async fn check(db: &Db) -> Result<Vec<Mismatch>> {
    let mut mismatches = Vec::new();
    for (what, query, _) in CHECKS {
        for row in sqlx::query(*query).fetch_all(db.pool()).await? {
            let stored: i64 = row.try_get("stored")?;
            let actual: i64 = row.try_get("actual")?;
            if stored != actual {
                mismatches.push(Mismatch {
                    what,
                    id: row.try_get("id")?,
                    stored,
                    actual,
                });
            }
        }
    }
    Ok(mismatches)
}

/// Sets every counter to its recomputed value.
pub async fn repair(db: &Db) -> Result<()> {
    let mut tx = db.pool().begin().await?;
    for (_, _, fix) in CHECKS {
        sqlx::query(*fix).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(())
}
