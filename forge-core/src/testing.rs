//! Fresh, empty, migrated databases for tests of this and other crates.
//!
//! SQLite databases are files in the system's temporary folder. PostgreSQL
//! databases are created on the server named by `FORGE_TEST_DATABASE_URL`
//! (for example `postgres://postgres@127.0.0.1:5432/test`), one per call,
//! named `forge_t_<random>`, so tests never see each other's rows.

use crate::db::Db;
use crate::{migrations, secret};
use sqlx::Executor;

/// The environment variable naming the PostgreSQL server for tests.
pub const POSTGRES_URL_VAR: &str = "FORGE_TEST_DATABASE_URL";

/// The database URL of a fresh SQLite file.
pub fn sqlite_url() -> String {
    let path = std::env::temp_dir().join(format!("forge-test-{}.db", secret::random_hex(8)));
    format!("sqlite://{}", path.display())
}

/// The URL of a fresh, empty PostgreSQL database, when a server is configured.
pub async fn postgres_url() -> Option<String> {
    let admin_url = std::env::var(POSTGRES_URL_VAR)
        .ok()
        .filter(|u| !u.is_empty())?;
    let name = format!("forge_t_{}", secret::random_hex(8));
    let admin = Db::connect(&admin_url)
        .await
        .unwrap_or_else(|e| panic!("{POSTGRES_URL_VAR} is set but unusable: {e}"));
    admin
        .pool()
        .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .expect("creating a test database");
    admin.close().await;
    let (base, query) = match admin_url.split_once('?') {
        Some((base, query)) => (base, format!("?{query}")),
        None => (admin_url.as_str(), String::new()),
    };
    let server = base
        .rsplit_once('/')
        .map(|(server, _db)| server)
        .filter(|server| !server.ends_with('/'))
        .unwrap_or(base);
    Some(format!("{server}/{name}{query}"))
}

/// Migrated databases to run one test story against: SQLite always, and
/// PostgreSQL when [`POSTGRES_URL_VAR`] is set.
pub async fn engines() -> Vec<Db> {
    let mut urls = vec![sqlite_url()];
    urls.extend(postgres_url().await);
    let mut dbs = Vec::new();
    for url in urls {
        let db = Db::connect(&url)
            .await
            .expect("connecting to a test database");
        migrations::migrate(&db)
            .await
            .expect("migrating a test database");
        dbs.push(db);
    }
    dbs
}

/// Runs a statement directly, for tests that must put the database in a
/// state the domain never would (a wrong counter, say).
pub async fn execute(db: &Db, sql: &'static str) {
    db.pool().execute(sql).await.expect("a test statement runs");
}

/// Runs a statement built at run time (naming a test database, say), for
/// tests that play the operator: never with a visitor's text.
pub async fn execute_built(db: &Db, sql: String) {
    db.pool()
        .execute(sqlx::AssertSqlSafe(sql))
        .await
        .expect("a test statement runs");
}

/// Runs a statement directly and reports the database's refusal instead of
/// panicking, for tests that check what the database itself forbids.
pub async fn try_execute(db: &Db, sql: &'static str) -> Result<(), String> {
    db.pool()
        .execute(sql)
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// A user named `name` (e-mail `NAME@example.org`, a long password), as the
/// storage stories of several crates make them.
pub async fn user(db: &Db, name: &str) -> crate::user::User {
    crate::user::create(
        db,
        crate::user::NewUser {
            name: name.into(),
            email: format!("{name}@example.org"),
            password: "a long password".into(),
            full_name: String::new(),
            is_admin: false,
        },
    )
    .await
    .expect("creating a test user")
}

/// The numbers a query's first column holds, for tests that check what
/// was written.
pub async fn numbers(db: &Db, sql: &'static str) -> Vec<i64> {
    use sqlx::Row;
    sqlx::query(sql)
        .fetch_all(db.pool())
        .await
        .expect("a test query runs")
        .iter()
        .map(|row| row.try_get::<i64, _>(0).expect("a number"))
        .collect()
}

/// The outbox events after `position` once at least `expected` of them are
/// readable (or ten seconds have passed), moving `position` past them.
/// Readers of the outbox may wait a moment before they see an event: on
/// PostgreSQL, until every older transaction has ended.
pub async fn events_since(
    db: &Db,
    position: &mut crate::outbox::Position,
    expected: usize,
) -> Vec<crate::outbox::Event> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let events = crate::outbox::read_after(db, *position, 1000)
            .await
            .expect("reading the outbox");
        if events.len() >= expected || std::time::Instant::now() > deadline {
            if let Some(last) = events.last() {
                *position = last.position;
            }
            return events;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
