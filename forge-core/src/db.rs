//! The connection pool, on SQLite or PostgreSQL through sqlx's `Any` driver.
//!
//! One query text serves both engines wherever the two agree (`$N`
//! placeholders, `RETURNING`, `ON CONFLICT DO NOTHING`); the few places where
//! they differ ask [`Db::engine`].

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("the database URL must start with sqlite:// or postgres://, not {0:?}")]
    UnsupportedUrl(String),
    #[error("could not connect to the {engine:?} database: {source}")]
    Connect {
        engine: Engine,
        #[source]
        source: sqlx::Error,
    },
}

/// Connections of the pool: open, idle among them, and the limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    pub size: u32,
    pub idle: u32,
    pub max: u32,
}

#[derive(Clone, Debug)]
pub struct Db {
    pool: AnyPool,
    engine: Engine,
}

impl Engine {
    pub fn of_url(url: &str) -> Option<Engine> {
        if url.starts_with("sqlite:") {
            Some(Engine::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Engine::Postgres)
        } else {
            None
        }
    }
}

impl Db {
    /// Connects to `url`. SQLite databases are created when missing and run
    /// in WAL mode with foreign keys on and a busy timeout, so that the CLI
    /// can write while a server runs on the same file, and with
    /// `synchronous = FULL`: every commit is synced to the disk before it is
    /// acknowledged, so an acknowledged pledge or issue survives a power
    /// loss (in WAL mode, `NORMAL` may lose the last commits).
    pub async fn connect(url: &str) -> Result<Db, ConnectError> {
        install_default_drivers();
        let engine =
            Engine::of_url(url).ok_or_else(|| ConnectError::UnsupportedUrl(url.to_string()))?;
        let options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(10));
        let options = match engine {
            Engine::Sqlite => options.max_connections(8).after_connect(|conn, _meta| {
                Box::pin(async move {
                    conn.execute(
                        "PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; \
                             PRAGMA busy_timeout = 10000; PRAGMA synchronous = FULL;",
                    )
                    .await?;
                    Ok(())
                })
            }),
            Engine::Postgres => options.max_connections(16),
        };
        let url = match engine {
            Engine::Sqlite if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rwc")
            }
            _ => url.to_string(),
        };
        let pool = options
            .connect(&url)
            .await
            .map_err(|source| ConnectError::Connect { engine, source })?;
        Ok(Db { pool, engine })
    }

    pub fn engine(&self) -> Engine {
        self.engine
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The pool's connections now, read from memory (for metrics).
    pub fn pool_stats(&self) -> PoolStats {
        PoolStats {
            size: self.pool.size(),
            idle: u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX),
            max: self.pool.options().get_max_connections(),
        }
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// Waits for connections in use to be returned, then closes them all.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Row;

    #[tokio::test]
    async fn sqlite_syncs_every_commit() {
        let db = Db::connect(&crate::testing::sqlite_url()).await.unwrap();
        // Every connection of the pool, not only the first one.
        let mut conns = Vec::new();
        for _ in 0..3 {
            conns.push(db.pool().acquire().await.unwrap());
        }
        for conn in &mut conns {
            let row = sqlx::query("PRAGMA synchronous")
                .fetch_one(&mut **conn)
                .await
                .unwrap();
            // 2 is FULL (1 would be NORMAL).
            assert_eq!(row.try_get::<i64, _>(0).unwrap(), 2);
            let row = sqlx::query("PRAGMA journal_mode")
                .fetch_one(&mut **conn)
                .await
                .unwrap();
            assert_eq!(row.try_get::<String, _>(0).unwrap(), "wal");
        }
        drop(conns);
        db.close().await;
    }
}
