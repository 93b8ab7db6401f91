//! A repository's topics, as Gitea has them: lower-case words (letters,
//! digits, `-` and `.`, starting with a letter or digit, at most 35
//! characters), at most 25 per repository, changed by those who administer
//! it. Every change writes `repo.topics` with the whole list.

use crate::db::Db;
use crate::error::{Error, Problem, Result};
use crate::outbox::{self, kind as event};
use crate::repo::{self, Access, Repo};
use crate::user::User;
use serde_json::json;
use sqlx::Row;

pub const MAX_TOPICS: usize = 25;
pub const MAX_LEN: usize = 35;

/// A topic as stored: trimmed and lower-cased, or refused.
pub fn validate(raw: &str) -> Result<String> {
    let topic = raw.trim().to_lowercase();
    let mut chars = topic.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.'))
        && topic.len() <= MAX_LEN;
    if valid {
        Ok(topic)
    } else {
        Err(Error::invalid("topics", "error-topic-name"))
    }
}

/// The topics of a repository, by name.
pub async fn list(db: &Db, repo: &Repo) -> Result<Vec<String>> {
    let rows = sqlx::query("SELECT topic FROM repo_topics WHERE repo_id = $1 ORDER BY topic")
        .bind(repo.id.0)
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|row| Ok(row.try_get::<String, _>("topic")?))
        .collect()
}

async fn check_admin(db: &Db, actor: &User, repo: &Repo) -> Result<()> {
    if repo::access(db, Some(actor), repo).await? < Access::Admin {
        return Err(Error::forbidden("error-repo-admin-only"));
    }
    Ok(())
}

/// Replaces the topics of `repo` by `topics` (duplicates merged).
pub async fn replace(db: &Db, actor: &User, repo: &Repo, topics: &[String]) -> Result<Vec<String>> {
    check_admin(db, actor, repo).await?;
    let mut wanted = topics
        .iter()
        .filter(|t| !t.trim().is_empty())
        .map(|t| validate(t))
        .collect::<Result<Vec<_>>>()?;
    wanted.sort();
    wanted.dedup();
    if wanted.len() > MAX_TOPICS {
        return Err(Error::Invalid {
            field: "topics",
            problem: Problem::new("error-too-many-topics"),
        });
    }
    let mut tx = db.pool().begin().await?;
    sqlx::query("DELETE FROM repo_topics WHERE repo_id = $1")
        .bind(repo.id.0)
        .execute(&mut *tx)
        .await?;
    for topic in &wanted {
        sqlx::query(
            "INSERT INTO repo_topics (repo_id, topic) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(repo.id.0)
        .bind(topic)
        .execute(&mut *tx)
        .await?;
    }
    outbox::record_change(
        &mut tx,
        event::REPO_TOPICS,
        actor.id,
        repo.id,
        None,
        json!({ "topics": wanted }),
    )
    .await?;
    tx.commit().await?;
    Ok(wanted)
}

/// Adds one topic (nothing changes when it is there already).
pub async fn add(db: &Db, actor: &User, repo: &Repo, topic: &str) -> Result<()> {
    check_admin(db, actor, repo).await?;
    let topic = validate(topic)?;
    let mut current = list(db, repo).await?;
    if current.contains(&topic) {
        return Ok(());
    }
    current.push(topic);
    replace(db, actor, repo, &current).await.map(|_| ())
}

/// Removes one topic (nothing changes when it is not there).
pub async fn remove(db: &Db, actor: &User, repo: &Repo, topic: &str) -> Result<()> {
    check_admin(db, actor, repo).await?;
    let topic = topic.trim().to_lowercase();
    let current = list(db, repo).await?;
    if !current.contains(&topic) {
        return Ok(());
    }
    let kept: Vec<String> = current.into_iter().filter(|t| *t != topic).collect();
    replace(db, actor, repo, &kept).await.map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_follow_giteas_rule() {
        assert_eq!(validate(" Rust ").expect("valid"), "rust");
        assert_eq!(validate("web-3.0").expect("valid"), "web-3.0");
        for bad in ["", "-x", ".x", "a b", "é", &"a".repeat(36)] {
            assert!(validate(bad).is_err(), "{bad:?}");
        }
    }
}
