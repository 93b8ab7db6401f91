//! The search text of an issue.

use crate::error::Result;
use crate::ids::IssueId;
use crate::timeline::Tx;
use sqlx::Row;

/// Rebuilds the search text from the title, body and comments, but not
/// hidden comments: their text is for maintainers' eyes only.
pub(crate) async fn refresh_search(tx: &mut Tx<'_>, issue: IssueId) -> Result<()> {
    let head = sqlx::query("SELECT title, body FROM issues WHERE id = $1")
        .bind(issue.0)
        .fetch_one(&mut **tx)
        .await?;
    let mut text = format!(
        "{}\n{}",
        head.try_get::<String, _>("title")?,
        head.try_get::<String, _>("body")?
    );
    let comments =
        sqlx::query("SELECT body FROM comments WHERE issue_id = $1 AND is_hidden = 0 ORDER BY id")
            .bind(issue.0)
            .fetch_all(&mut **tx)
            .await?;
    for comment in comments {
        text.push('\n');
        text.push_str(&comment.try_get::<String, _>("body")?);
    }
    sqlx::query("UPDATE issues SET search_text = $1 WHERE id = $2")
        .bind(text.to_lowercase())
        .bind(issue.0)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
