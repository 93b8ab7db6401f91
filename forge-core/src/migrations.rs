//! Schema migrations, embedded in the binary.
//!
//! Each engine has its own folder (`migrations/sqlite`, `migrations/postgres`)
//! because no auto-increment syntax works on both, but the two folders hold
//! the same versions under the same names; a test checks it.

use crate::clock::now_ms;
use crate::db::{Db, Engine};
use crate::error::Result;
use sqlx::{Connection, Executor, Row};

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
    migration!(10, "security", "0010_security.sql"),
    migration!(11, "health", "0011_health.sql"),
    migration!(12, "outbox_consumers", "0012_outbox_consumers.sql"),
    migration!(13, "notifications", "0013_notifications.sql"),
    migration!(14, "webhooks", "0014_webhooks.sql"),
    migration!(15, "closed_accounts", "0015_closed_accounts.sql"),
    migration!(16, "ssh_keys", "0016_ssh_keys.sql"),
    migration!(17, "pull_requests", "0017_pull_requests.sql"),
    migration!(18, "api", "0018_api.sql"),
    migration!(19, "reviews", "0019_reviews.sql"),
    migration!(20, "notifications_more", "0020_notifications_more.sql"),
    migration!(21, "deploy_key_pushes", "0021_deploy_key_pushes.sql"),
    migration!(22, "branch_protection", "0022_branch_protection.sql"),
];

/// The key of the PostgreSQL advisory lock held while migrations run: any
/// fixed number, the same in every process ("forge" in ASCII, then 1).
const MIGRATION_LOCK: i64 = 0x666f_7267_6501;

/// Applies the migrations this database has not seen, each in its own
/// transaction, and returns the versions applied. Safe to run from several
/// processes at once: the whole run, the creation of the bookkeeping table
/// included, holds a lock (an advisory lock on PostgreSQL, the writer lock
/// on SQLite), so a second process waits, then finds nothing left to do.
pub async fn migrate(db: &Db) -> Result<Vec<i64>> {
    migrate_to(db, i64::MAX).await
}

/// Applies the pending migrations up to version `last` included: the
/// schema of an older forge, for upgrade tests.
pub async fn migrate_to(db: &Db, last: i64) -> Result<Vec<i64>> {
    // A connection of its own, outside the pool: the advisory lock belongs
    // to the session, and closing the connection releases it whatever
    // happened, so a failed run never leaves it held in a pooled connection.
    let mut conn = db.pool().acquire().await?.detach();
    let result = match db.engine() {
        Engine::Postgres => {
            sqlx::query("SELECT pg_advisory_lock($1)")
                .bind(MIGRATION_LOCK)
                .execute(&mut conn)
                .await?;
            let result = apply_pending(db.engine(), &mut conn, last).await;
            if result.is_ok() {
                sqlx::query("SELECT pg_advisory_unlock($1)")
                    .bind(MIGRATION_LOCK)
                    .execute(&mut conn)
                    .await?;
            }
            result
        }
        Engine::Sqlite => {
            // BEGIN IMMEDIATE takes SQLite's single writer lock at once; a
            // second process waits for it (busy timeout), then sees the
            // committed bookkeeping. SQLite's DDL is transactional, so the
            // whole run commits or none of it does.
            conn.execute("BEGIN IMMEDIATE").await?;
            match apply_pending(db.engine(), &mut conn, last).await {
                Ok(applied) => {
                    conn.execute("COMMIT").await?;
                    Ok(applied)
                }
                Err(e) => {
                    if let Err(rollback) = conn.execute("ROLLBACK").await {
                        tracing::warn!(error = %rollback, "rolling a failed migration back failed");
                    }
                    Err(e)
                }
            }
        }
    };
    if let Err(e) = conn.close().await {
        tracing::debug!(error = %e, "closing the migration connection failed");
    }
    let applied = result?;
    for version in &applied {
        tracing::info!(version, "applied migration");
    }
    Ok(applied)
}

/// Creates the bookkeeping table if needed and applies what it does not
/// list, on a connection that already holds the migration lock. On
/// PostgreSQL each migration is a transaction of its own; on SQLite the
/// caller's transaction holds them all.
async fn apply_pending(
    engine: Engine,
    conn: &mut sqlx::AnyConnection,
    last: i64,
) -> Result<Vec<i64>> {
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations (\
           version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .await?;
    let done: Vec<i64> = sqlx::query("SELECT version FROM schema_migrations")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| row.try_get::<i64, _>("version"))
        .collect::<std::result::Result<_, _>>()?;
    let mut applied = Vec::new();
    for migration in MIGRATIONS
        .iter()
        .filter(|m| m.version <= last && !done.contains(&m.version))
    {
        let sql = match engine {
            Engine::Sqlite => migration.sqlite,
            Engine::Postgres => migration.postgres,
        };
        let record = sqlx::query(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)",
        )
        .bind(migration.version)
        .bind(migration.name)
        .bind(now_ms());
        match engine {
            Engine::Postgres => {
                let mut tx = conn.begin().await?;
                sqlx::raw_sql(sql).execute(&mut *tx).await?;
                record.execute(&mut *tx).await?;
                tx.commit().await?;
            }
            Engine::Sqlite => {
                sqlx::raw_sql(sql).execute(&mut *conn).await?;
                record.execute(&mut *conn).await?;
            }
        }
        applied.push(migration.version);
    }
    Ok(applied)
}

/// The newest migration this binary knows: a database whose schema is
/// newer was written by a newer forge.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// The newest migration applied to the database, 0 when none is.
pub async fn applied_version(db: &Db) -> Result<i64> {
    let exists = match db.engine() {
        Engine::Sqlite => {
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
        }
        Engine::Postgres => {
            "SELECT COUNT(*) AS n FROM information_schema.tables \
             WHERE table_schema = current_schema() AND table_name = 'schema_migrations'"
        }
    };
    let n: i64 = sqlx::query(exists)
        .fetch_one(db.pool())
        .await?
        .try_get("n")?;
    if n == 0 {
        return Ok(0);
    }
    Ok(
        sqlx::query("SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) AS v FROM schema_migrations")
            .fetch_one(db.pool())
            .await?
            .try_get("v")?,
    )
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

    /// Several processes starting together on an empty database: every
    /// `migrate` succeeds, and each migration is applied exactly once.
    async fn concurrent_runs_apply_each_migration_once(url: &str) {
        let dbs: Vec<Db> = {
            let mut dbs = Vec::new();
            for _ in 0..6 {
                dbs.push(Db::connect(url).await.expect("connecting"));
            }
            dbs
        };
        let runs = dbs.iter().map(|db| {
            let db = db.clone();
            tokio::spawn(async move { migrate(&db).await })
        });
        let mut applied_total = Vec::new();
        for run in runs.collect::<Vec<_>>() {
            let applied = run
                .await
                .expect("the task ran")
                .unwrap_or_else(|e| panic!("a concurrent migrate failed: {e}"));
            applied_total.extend(applied);
        }
        applied_total.sort();
        let every: Vec<i64> = MIGRATIONS.iter().map(|m| m.version).collect();
        assert_eq!(
            applied_total, every,
            "each migration applied by one run only"
        );
        let recorded = crate::testing::numbers(
            &dbs[0],
            "SELECT version FROM schema_migrations ORDER BY version",
        )
        .await;
        assert_eq!(recorded, every);
        assert_eq!(applied_version(&dbs[0]).await.unwrap(), latest_version());
        // Run again: nothing left to do, and the lock was released.
        assert!(migrate(&dbs[1]).await.unwrap().is_empty());
        for db in dbs {
            db.close().await;
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_migrations_on_sqlite() {
        concurrent_runs_apply_each_migration_once(&crate::testing::sqlite_url()).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_migrations_on_postgres() {
        match crate::testing::postgres_url().await {
            Some(url) => concurrent_runs_apply_each_migration_once(&url).await,
            None => eprintln!("FORGE_TEST_DATABASE_URL is not set: PostgreSQL not tested here"),
        }
    }
}
