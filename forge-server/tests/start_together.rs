//! Several `forge` processes started together on one empty database, as a
//! service manager starting every replica at once would: all of them
//! migrate successfully, and each migration is applied once.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

mod support;

use support::{forge, temp_dir};

async fn story(database_url: String) {
    let data_dir = temp_dir();
    let children: Vec<_> = (0..4)
        .map(|_| {
            forge(&data_dir, Some(&database_url))
                .arg("migrate")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let mut applying = 0;
    for child in children {
        let output = child.wait_with_output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "a forge migrate failed: {}{}",
            stdout,
            String::from_utf8_lossy(&output.stderr)
        );
        if stdout.contains("Applied") {
            applying += 1;
        } else {
            assert!(stdout.contains("up to date"), "{stdout}");
        }
    }
    assert_eq!(applying, 1, "exactly one process applied the migrations");
    let db = forge_core::Db::connect(&database_url).await.unwrap();
    let versions = forge_core::testing::numbers(
        &db,
        "SELECT version FROM schema_migrations ORDER BY version",
    )
    .await;
    let every: Vec<i64> = forge_core::migrations::MIGRATIONS
        .iter()
        .map(|m| m.version)
        .collect();
    assert_eq!(versions, every);
    db.close().await;
    std::fs::remove_dir_all(&data_dir).unwrap();
}

#[tokio::test]
async fn processes_started_together_migrate_once_on_sqlite() {
    let dir = temp_dir();
    story(format!("sqlite://{}", dir.join("forge.db").display())).await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn processes_started_together_migrate_once_on_postgres() {
    match forge_core::testing::postgres_url().await {
        Some(url) => story(url).await,
        None => eprintln!("FORGE_TEST_DATABASE_URL is not set: PostgreSQL not tested here"),
    }
}
