//! Schema migrations, embedded in the binary.
//!
//! Each engine has its own folder (`migrations/sqlite`, `migrations/postgres`)
//! because no auto-increment syntax works on both, but the two folders hold
//! the same versions under the same names; a test checks it.

use crate::clock::now_ms;
use crate::db::{Db, Engine};
use crate::error::Result;
use sqlx::{Executor, Row};

pub struct Migration {
    pub version: i64,
    pub name: &'static str,
    pub sqlite: &'static str,
    pub postgres: &'static str,
}

macro_rules! migration {
    ($version:literal, $name:literal, $file:literal) => {
        Migration {
            version: $version,
            name: $name,
            sqlite: include_str!(concat!("../../migrations/sqlite/", $file)),
            postgres: include_str!(concat!("../../migrations/postgres/", $file)),
        }
    };
}

/// Every migration, in order. A new file in the folders must be added here.
pub const MIGRATIONS: &[Migration] = &[
    migration!(1, "accounts", "0001_accounts.sql"),
    migration!(2, "repositories", "0002_repositories.sql"),
    migration!(3, "issues", "0003_issues.sql"),
    migration!(4, "funding", "0004_funding.sql"),
    migration!(5, "identities", "0005_identities.sql"),
    migration!(6, "site_settings", "0006_site_settings.sql"),
    migration!(7, "issue_search", "0007_issue_search.sql"),
    migration!(8, "outbox", "0008_outbox.sql"),
    migration!(9, "payees", "0009_payees.sql"),
    migration!(12, "outbox_consumers", "0012_outbox_consumers.sql"),
    migration!(15, "closed_accounts", "0015_closed_accounts.sql"),
];

/// Applies the migrations this database has not seen, each in its own
/// transaction, and returns the versions applied. Safe to run from several
/// processes at once: the bookkeeping table is locked while one applies.
pub async fn migrate(db: &Db) -> Result<Vec<i64>> {
    db.pool()
        .execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (\
               version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
        )
        .await?;
    let mut applied = Vec::new();
    for migration in MIGRATIONS {
        let mut tx = db.pool().begin().await?;
        match db.engine() {
            Engine::Postgres => {
                tx.execute("LOCK TABLE schema_migrations IN ACCESS EXCLUSIVE MODE")
                    .await?;
            }
            // A write statement takes SQLite's single writer lock for the
            // rest of the transaction, even when it touches no row.
            Engine::Sqlite => {
                tx.execute("UPDATE schema_migrations SET version = version WHERE 0 = 1")
                    .await?;
            }
        }
        let done = sqlx::query("SELECT COUNT(*) AS n FROM schema_migrations WHERE version = $1")
            .bind(migration.version)
            .fetch_one(&mut *tx)
            .await?
            .try_get::<i64, _>("n")?;
        if done > 0 {
            tx.rollback().await?;
            continue;
        }
        let sql = match db.engine() {
            Engine::Sqlite => migration.sqlite,
            Engine::Postgres => migration.postgres,
        };
        sqlx::raw_sql(sql).execute(&mut *tx).await?;
        sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(migration.version)
        .bind(migration.name)
        .bind(now_ms())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::info!(
            version = migration.version,
            name = migration.name,
            "applied migration"
        );
        applied.push(migration.version);
    }
    Ok(applied)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn files_in(engine: &str) -> Vec<String> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../migrations")
            .join(engine);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|name| name.ends_with(".sql"))
            .collect();
        names.sort();
        names
    }

    #[test]
    fn both_engines_have_the_same_migrations_and_all_are_embedded() {
        let sqlite = files_in("sqlite");
        let postgres = files_in("postgres");
        assert_eq!(
            sqlite, postgres,
            "migrations/sqlite and migrations/postgres differ"
        );
        let embedded: Vec<String> = MIGRATIONS
            .iter()
            .map(|m| format!("{:04}_{}.sql", m.version, m.name))
            .collect();
        assert_eq!(
            sqlite, embedded,
            "a migration file is not listed in MIGRATIONS"
        );
        for pair in MIGRATIONS.windows(2) {
            assert!(pair[0].version < pair[1].version, "versions must increase");
        }
    }
}
