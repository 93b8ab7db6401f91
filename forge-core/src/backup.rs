//! What backups, restores and checks need from the database: a consistent
//! snapshot (SQLite's `VACUUM INTO`, or a PostgreSQL snapshot exported for
//! `pg_dump`), the engine's own integrity check, and the figures a restore
//! is compared with.

use crate::db::{Db, Engine};
use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use sqlx::{Executor, Row};
use std::io::Read;
use std::path::Path;

/// The tables whose row counts a backup records and a restore must give
/// back, in this order.
pub const COUNTED: [&str; 8] = [
    "users",
    "organisations",
    "repositories",
    "issues",
    "comments",
    "pledges",
    "ledger_entries",
    "events",
];

/// Row counts of [`COUNTED`], and the schema version, as seen at one
/// moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Figures {
    pub schema_version: i64,
    pub counts: Vec<(&'static str, i64)>,
}

fn count_query(table: &str) -> &'static str {
    match table {
        "users" => "SELECT CAST(COUNT(*) AS BIGINT) FROM users",
        "organisations" => "SELECT CAST(COUNT(*) AS BIGINT) FROM organisations",
        "repositories" => "SELECT CAST(COUNT(*) AS BIGINT) FROM repositories",
        "issues" => "SELECT CAST(COUNT(*) AS BIGINT) FROM issues",
        "comments" => "SELECT CAST(COUNT(*) AS BIGINT) FROM comments",
        "pledges" => "SELECT CAST(COUNT(*) AS BIGINT) FROM pledges",
        "ledger_entries" => "SELECT CAST(COUNT(*) AS BIGINT) FROM ledger_entries",
        _ => "SELECT CAST(COUNT(*) AS BIGINT) FROM events",
    }
}

async fn figures_on<'c, E>(executor: E, schema_version: i64) -> Result<Figures>
where
    E: Executor<'c, Database = sqlx::Any> + Copy,
{
    let mut counts = Vec::new();
    for table in COUNTED {
        let n: i64 = sqlx::query(count_query(table))
            .fetch_one(executor)
            .await?
            .try_get(0)?;
        counts.push((table, n));
    }
    Ok(Figures {
        schema_version,
        counts,
    })
}

/// The figures of the database as it is now.
pub async fn figures(db: &Db) -> Result<Figures> {
    let version = crate::migrations::applied_version(db).await?;
    figures_on(db.pool(), version).await
}

/// Writes a consistent copy of a SQLite database to `dest` (a file that
/// must not exist) while other connections keep writing.
pub async fn sqlite_snapshot(db: &Db, dest: &Path) -> Result<()> {
    if db.engine() != Engine::Sqlite {
        return Err(Error::Internal("VACUUM INTO is SQLite's".into()));
    }
    let dest = dest
        .to_str()
        .ok_or_else(|| Error::Internal(format!("{} is not UTF-8", dest.display())))?;
    sqlx::query("VACUUM INTO $1")
        .bind(dest)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// A PostgreSQL transaction whose snapshot is exported, so that `pg_dump
/// --snapshot=ID` dumps exactly what [`PgSnapshot::figures`] counted.
pub struct PgSnapshot {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    id: String,
}

impl PgSnapshot {
    pub async fn begin(db: &Db) -> Result<PgSnapshot> {
        let mut tx = db.pool().begin().await?;
        tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            .await?;
        let id: String = sqlx::query("SELECT pg_export_snapshot()")
            .fetch_one(&mut *tx)
            .await?
            .try_get(0)?;
        Ok(PgSnapshot { tx, id })
    }

    /// The snapshot's name, for `pg_dump --snapshot`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The figures as the snapshot sees them.
    pub async fn figures(&mut self) -> Result<Figures> {
        let version: i64 =
            sqlx::query("SELECT CAST(COALESCE(MAX(version), 0) AS BIGINT) FROM schema_migrations")
                .fetch_one(&mut *self.tx)
                .await?
                .try_get(0)?;
        let mut counts = Vec::new();
        for table in COUNTED {
            let n: i64 = sqlx::query(count_query(table))
                .fetch_one(&mut *self.tx)
                .await?
                .try_get(0)?;
            counts.push((table, n));
        }
        Ok(Figures {
            schema_version: version,
            counts,
        })
    }

    /// Ends the transaction (the snapshot stops being importable).
    pub async fn finish(self) -> Result<()> {
        self.tx.rollback().await?;
        Ok(())
    }
}

/// The problems the engine's own check finds: SQLite's `PRAGMA
/// integrity_check` (every page, index and constraint); none on PostgreSQL,
/// which checks its pages as it reads them.
pub async fn integrity_problems(db: &Db) -> Result<Vec<String>> {
    match db.engine() {
        Engine::Sqlite => {
            let rows = sqlx::query("PRAGMA integrity_check")
                .fetch_all(db.pool())
                .await?;
            let mut problems = Vec::new();
            for row in rows {
                let line: String = row.try_get(0)?;
                if line != "ok" {
                    problems.push(line);
                }
            }
            Ok(problems)
        }
        Engine::Postgres => Ok(Vec::new()),
    }
}

/// The SHA-256 of a file's bytes, in lowercase hex, and its length.
pub fn sha256_file(path: &Path) -> std::io::Result<(String, u64)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut length = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        length += n as u64;
    }
    let digest = hasher.finalize();
    let mut hex = String::with_capacity(64);
    for b in digest {
        hex.push_str(&format!("{b:02x}"));
    }
    Ok((hex, length))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_sqlite_snapshot_holds_what_was_committed_and_checks_clean() {
        let db = Db::connect(&crate::testing::sqlite_url()).await.unwrap();
        crate::migrations::migrate(&db).await.unwrap();
        crate::testing::user(&db, "alice").await;
        let dir = std::env::temp_dir().join(format!("forge-snap-{}", crate::secret::random_hex(6)));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("copy.db");
        sqlite_snapshot(&db, &file).await.unwrap();
        let copy = Db::connect(&format!("sqlite://{}", file.display()))
            .await
            .unwrap();
        let original = figures(&db).await.unwrap();
        assert_eq!(figures(&copy).await.unwrap(), original);
        assert_eq!(original.counts[0], ("users", 1));
        assert!(integrity_problems(&copy).await.unwrap().is_empty());
        copy.close().await;
        db.close().await;
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
