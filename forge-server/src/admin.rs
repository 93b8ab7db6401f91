//! `forge admin backup`, `restore` and `verify`: the operator's routine.

use crate::config::Config;
use forge_service::Forge;
use forge_service::backup::{self, Target};
use std::path::Path;

fn forge_of(config: &Config, db: forge_core::Db) -> Forge {
    Forge::new(db, forge_git::Storage::new(config.repositories_dir()))
}

pub async fn backup(config: &Config, dest: &Path) -> Result<(), String> {
    let db = crate::open_database(config).await?;
    forge_core::migrations::migrate(&db)
        .await
        .map_err(|e| e.to_string())?;
    let forge = forge_of(config, db.clone());
    let result = backup::backup(
        &forge,
        &config.database_url,
        dest,
        env!("CARGO_PKG_VERSION"),
    )
    .await;
    db.close().await;
    let summary = result?;
    let counts: Vec<String> = summary
        .figures
        .counts
        .iter()
        .map(|(table, n)| format!("{n} {table}"))
        .collect();
    println!(
        "Backed up the database (schema {}; {}) and {} repositories into {} ({} files, \
         each with its checksum in {}).",
        summary.figures.schema_version,
        counts.join(", "),
        summary.repositories,
        dest.display(),
        summary.files,
        backup::MANIFEST,
    );
    Ok(())
}

pub async fn restore(config: &Config, source: &Path) -> Result<(), String> {
    std::fs::create_dir_all(&config.data_dir).map_err(|e| {
        format!(
            "cannot create the data folder {}: {e}",
            config.data_dir.display()
        )
    })?;
    let repositories = config.repositories_dir();
    let figures = backup::restore(
        source,
        Target {
            database_url: &config.database_url,
            repositories: &repositories,
        },
    )
    .await
    .map_err(|e| format!("restore refused: {e}"))?;
    let counts: Vec<String> = figures
        .counts
        .iter()
        .map(|(table, n)| format!("{n} {table}"))
        .collect();
    println!(
        "Restored {} into {}: {}; every figure matches the backup. Run `forge admin verify` \
         before starting the forge.",
        source.display(),
        config.data_dir.display(),
        counts.join(", ")
    );
    Ok(())
}

pub async fn verify(config: &Config) -> Result<(), String> {
    let db = crate::open_database(config).await?;
    let forge = forge_of(config, db.clone());
    let result = backup::verify(&forge).await;
    db.close().await;
    let problems = result?;
    for problem in &problems {
        println!("{problem}");
    }
    if problems.is_empty() {
        println!(
            "The database passes its integrity check, the ledger balances, every counter is \
             right, and git fsck finds every repository whole."
        );
        Ok(())
    } else {
        Err(format!("{} problem(s) found", problems.len()))
    }
}
