//! Backups, restores and checks of a whole forge: the database and every
//! repository, taken while the forge runs and writes.
//!
//! A backup is a folder: the database (`forge.db`, SQLite's `VACUUM INTO`;
//! or `database.dump`, `pg_dump` of an exported snapshot), every repository
//! under `repositories/NN/ID.git` (`git clone --mirror`, which copies
//! objects before the refs that name them, so a push landing meanwhile
//! never leaves a ref without its objects), and `manifest.json` with the
//! versions, the figures of the database, and the SHA-256 of every file.
//! The database is copied first: a repository may then hold commits of a
//! push the database has not recorded, never the reverse.

use crate::Forge;
use forge_core::backup::{self, Figures, PgSnapshot};
use forge_core::clock::now_ms;
use forge_core::{Db, Engine, consistency, funding, migrations};
use forge_git::process::GitCommand;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The manifest's format; a restore refuses any other.
pub const FORMAT: i64 = 1;
pub const MANIFEST: &str = "manifest.json";
const SQLITE_FILE: &str = "forge.db";
const PG_FILE: &str = "database.dump";
const REPOSITORIES: &str = "repositories";

/// Why a backup, restore or check could not be done, as a sentence for the
/// operator.
pub type Refusal = String;

/// What a backup wrote.
#[derive(Debug)]
pub struct Summary {
    pub repositories: usize,
    pub files: usize,
    pub figures: Figures,
}

/// Takes a backup of `forge` into `dest`, a folder that must be missing or
/// empty. `forge_version` goes into the manifest.
pub async fn backup(
    forge: &Forge,
    database_url: &str,
    dest: &Path,
    forge_version: &str,
) -> Result<Summary, Refusal> {
    if dest.exists() && !is_empty_dir(dest)? {
        return Err(format!(
            "{} is not empty: give each backup a new folder",
            dest.display()
        ));
    }
    std::fs::create_dir_all(dest).map_err(|e| format!("cannot create {}: {e}", dest.display()))?;

    let figures = match forge.db.engine() {
        Engine::Sqlite => {
            let file = dest.join(SQLITE_FILE);
            backup::sqlite_snapshot(&forge.db, &file)
                .await
                .map_err(|e| format!("copying the database failed: {e}"))?;
            let copy = Db::connect(&format!("sqlite://{}", file.display()))
                .await
                .map_err(|e| format!("cannot open the copy of the database: {e}"))?;
            let figures = backup::figures(&copy).await;
            let problems = backup::integrity_problems(&copy).await;
            copy.close().await;
            let problems = problems.map_err(|e| format!("checking the copy failed: {e}"))?;
            if !problems.is_empty() {
                return Err(format!(
                    "the copy of the database is damaged: {}",
                    problems.join("; ")
                ));
            }
            figures.map_err(|e| format!("counting the copy failed: {e}"))?
        }
        Engine::Postgres => {
            let mut snapshot = PgSnapshot::begin(&forge.db)
                .await
                .map_err(|e| format!("exporting a snapshot of the database failed: {e}"))?;
            let figures = snapshot
                .figures()
                .await
                .map_err(|e| format!("counting the database failed: {e}"))?;
            let dump = dest.join(PG_FILE);
            let id = snapshot.id().to_string();
            let url = database_url.to_string();
            let dumped = tokio::task::spawn_blocking(move || pg_dump(&url, &id, &dump))
                .await
                .map_err(|e| format!("pg_dump did not finish: {e}"))?;
            if let Err(e) = snapshot.finish().await {
                tracing::warn!(error = %e, "ending the snapshot's transaction failed");
            }
            dumped?;
            figures
        }
    };

    let storage = forge.storage.clone();
    let target = dest.join(REPOSITORIES);
    let repositories = tokio::task::spawn_blocking(move || copy_repositories(&storage, &target))
        .await
        .map_err(|e| format!("copying the repositories did not finish: {e}"))??;

    let engine = match forge.db.engine() {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
    };
    let dest_owned = dest.to_path_buf();
    let files = tokio::task::spawn_blocking(move || checksums(&dest_owned))
        .await
        .map_err(|e| format!("computing checksums did not finish: {e}"))??;
    let file_count = files.len();
    let manifest = json!({
        "format": FORMAT,
        "forge_version": forge_version,
        "git_version": git_version(),
        "engine": engine,
        "schema_version": figures.schema_version,
        "created_at_ms": now_ms(),
        "counts": counts_json(&figures),
        "repositories": repositories,
        "files": files,
    });
    write_synced(
        &dest.join(MANIFEST),
        serde_json::to_string_pretty(&manifest)
            .expect("a JSON value serialises")
            .as_bytes(),
    )?;
    Ok(Summary {
        repositories,
        files: file_count,
        figures,
    })
}

fn pg_dump(url: &str, snapshot: &str, file: &Path) -> Result<(), Refusal> {
    let output = Command::new("pg_dump")
        .arg("--format=custom")
        .arg("--no-owner")
        .arg(format!("--snapshot={snapshot}"))
        .arg("--file")
        .arg(file)
        .arg("--dbname")
        .arg(url)
        .output()
        .map_err(|e| {
            format!(
                "cannot run pg_dump ({e}): install PostgreSQL's client tools \
                 (Debian: postgresql-client) of the server's version, or back \
                 the database up with your own PostgreSQL routine"
            )
        })?;
    if !output.status.success() {
        return Err(format!(
            "pg_dump failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(())
}

/// Mirrors every repository of the storage into `target`, keeping the
/// `NN/ID.git` layout and each repository's own configuration. A
/// repository deleted while the backup runs is skipped.
fn copy_repositories(storage: &forge_git::Storage, target: &Path) -> Result<usize, Refusal> {
    let sources = storage
        .repository_paths()
        .map_err(|e| format!("listing the repositories failed: {e}"))?;
    let mut copied = 0;
    for source in sources {
        let relative = source
            .strip_prefix(storage.root())
            .map_err(|_| format!("{} is outside the storage", source.display()))?;
        let dest = target.join(relative);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        let output = GitCommand::mirror(&source, &dest)
            .output()
            .map_err(|e| format!("cannot run git: {e}"))?;
        if !output.status.success() {
            if !source.exists() {
                // Deleted while we copied: not part of the forge any more.
                let _ = std::fs::remove_dir_all(&dest);
                continue;
            }
            return Err(format!(
                "copying the repository {} failed: {}",
                relative.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            ));
        }
        // The mirror's configuration names its source; the forge's own
        // (durability, partial clones, reflogs) is what a restore needs.
        std::fs::copy(source.join("config"), dest.join("config"))
            .map_err(|e| format!("copying the configuration of {}: {e}", relative.display()))?;
        copied += 1;
    }
    Ok(copied)
}

/// Every file under `root` but the manifest, with its SHA-256 and length,
/// sorted by path.
fn checksums(root: &Path) -> Result<Vec<Value>, Refusal> {
    let mut files = Vec::new();
    for path in files_under(root)? {
        let relative = path
            .strip_prefix(root)
            .expect("walked from the root")
            .to_string_lossy()
            .into_owned();
        if relative == MANIFEST {
            continue;
        }
        let (sha256, bytes) = backup::sha256_file(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        files.push((relative, sha256, bytes));
    }
    files.sort();
    Ok(files
        .into_iter()
        .map(|(path, sha256, bytes)| json!({"path": path, "sha256": sha256, "bytes": bytes}))
        .collect())
}

fn files_under(root: &Path) -> Result<Vec<PathBuf>, Refusal> {
    Ok(walk(root)?.0)
}

/// The files and the folders under `root` (itself included).
fn walk(root: &Path) -> Result<(Vec<PathBuf>, Vec<PathBuf>), Refusal> {
    let mut files = Vec::new();
    let mut seen = Vec::new();
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        seen.push(folder.clone());
        let entries = std::fs::read_dir(&folder)
            .map_err(|e| format!("cannot list {}: {e}", folder.display()))?;
        for entry in entries {
            let entry = entry.map_err(|e| format!("cannot list {}: {e}", folder.display()))?;
            let kind = entry
                .file_type()
                .map_err(|e| format!("cannot read {}: {e}", entry.path().display()))?;
            if kind.is_dir() {
                folders.push(entry.path());
            } else if kind.is_file() {
                files.push(entry.path());
            }
        }
    }
    Ok((files, seen))
}

fn counts_json(figures: &Figures) -> Value {
    Value::Object(
        figures
            .counts
            .iter()
            .map(|(table, n)| ((*table).to_string(), json!(n)))
            .collect(),
    )
}

fn git_version() -> String {
    Command::new("git")
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn is_empty_dir(path: &Path) -> Result<bool, Refusal> {
    Ok(std::fs::read_dir(path)
        .map_err(|e| format!("cannot list {}: {e}", path.display()))?
        .next()
        .is_none())
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), Refusal> {
    use std::io::Write;
    let mut file =
        std::fs::File::create(path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    file.write_all(bytes)
        .and_then(|()| file.sync_all())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Where a restore puts things: the data folder's repositories, and the
/// database the configuration names.
pub struct Target<'a> {
    pub database_url: &'a str,
    pub repositories: &'a Path,
}

/// Restores the backup in `source` into an empty `target`, after checking
/// that the backup is whole (every checksum), that this forge can read it
/// (schema not newer than this binary's), and that it fits the target
/// (same engine, nothing there yet). Returns the figures of the restored
/// database, equal to the manifest's.
pub async fn restore(source: &Path, target: Target<'_>) -> Result<Figures, Refusal> {
    let manifest = read_manifest(source)?;
    let engine = manifest["engine"].as_str().unwrap_or_default().to_string();
    let schema = manifest["schema_version"]
        .as_i64()
        .ok_or("the manifest names no schema version: this is not a forge backup")?;
    if schema > migrations::latest_version() {
        return Err(format!(
            "the backup's database is at schema version {schema}, newer than this forge \
             knows ({}): restore it with the forge version that took it ({})",
            migrations::latest_version(),
            manifest["forge_version"].as_str().unwrap_or("unknown")
        ));
    }
    let source_owned = source.to_path_buf();
    let listed = manifest["files"].clone();
    tokio::task::spawn_blocking(move || check_files(&source_owned, &listed))
        .await
        .map_err(|e| format!("checking the backup did not finish: {e}"))??;
    let target_engine = Engine::of_url(target.database_url)
        .ok_or_else(|| format!("{} is not a database URL", target.database_url))?;
    let expected = match target_engine {
        Engine::Sqlite => "sqlite",
        Engine::Postgres => "postgres",
    };
    if engine != expected {
        return Err(format!(
            "the backup holds a {engine} database, and this forge is configured for \
             {expected}: restore it with a matching database URL"
        ));
    }

    // The target must be empty: a restore never mixes two forges.
    if target.repositories.exists() && !is_empty_dir(target.repositories)? {
        return Err(format!(
            "{} is not empty: restore into an empty data folder",
            target.repositories.display()
        ));
    }
    let db = match target_engine {
        Engine::Sqlite => {
            let path = sqlite_path(target.database_url);
            if path.exists() && std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0) > 0 {
                return Err(format!(
                    "the database {} already exists: restore into an empty data folder",
                    path.display()
                ));
            }
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
            }
            std::fs::copy(source.join(SQLITE_FILE), &path)
                .map_err(|e| format!("cannot copy the database to {}: {e}", path.display()))?;
            std::fs::File::open(&path)
                .and_then(|f| f.sync_all())
                .map_err(|e| format!("cannot sync {}: {e}", path.display()))?;
            Db::connect(target.database_url)
                .await
                .map_err(|e| e.to_string())?
        }
        Engine::Postgres => {
            let db = Db::connect(target.database_url)
                .await
                .map_err(|e| e.to_string())?;
            if migrations::applied_version(&db)
                .await
                .map_err(|e| e.to_string())?
                > 0
            {
                db.close().await;
                return Err(
                    "the target PostgreSQL database already holds a forge: restore into an \
                     empty database"
                        .into(),
                );
            }
            let url = target.database_url.to_string();
            let dump = source.join(PG_FILE);
            tokio::task::spawn_blocking(move || pg_restore(&url, &dump))
                .await
                .map_err(|e| format!("pg_restore did not finish: {e}"))??;
            db
        }
    };
    let from = source.join(REPOSITORIES);
    let to = target.repositories.to_path_buf();
    let copied = tokio::task::spawn_blocking(move || copy_tree(&from, &to))
        .await
        .map_err(|e| format!("copying the repositories did not finish: {e}"));
    let result = async {
        copied??;
        // A backup of an older forge is brought up to this one's schema
        // first: migrations add tables and columns, never rows that count.
        migrations::migrate(&db)
            .await
            .map_err(|e| format!("upgrading the restored database failed: {e}"))?;
        let restored = backup::figures(&db)
            .await
            .map_err(|e| format!("reading the restored database failed: {e}"))?;
        for (table, n) in &restored.counts {
            let recorded = manifest["counts"][*table].as_i64();
            if recorded != Some(*n) {
                return Err(format!(
                    "the restored database has {n} {table}, the backup recorded {}",
                    recorded.map_or("none".to_string(), |r| r.to_string())
                ));
            }
        }
        Ok(restored)
    }
    .await;
    db.close().await;
    result
}

fn read_manifest(source: &Path) -> Result<Value, Refusal> {
    let path = source.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "{} cannot be read ({e}): this is not a forge backup, or it is incomplete",
            path.display()
        )
    })?;
    let manifest: Value =
        serde_json::from_str(&text).map_err(|e| format!("{} is damaged: {e}", path.display()))?;
    if manifest["format"].as_i64() != Some(FORMAT) {
        return Err(format!(
            "{} is of a backup format this forge does not know",
            path.display()
        ));
    }
    Ok(manifest)
}

/// Checks that every file the manifest lists is there with its checksum.
fn check_files(source: &Path, listed: &Value) -> Result<(), Refusal> {
    let listed = listed
        .as_array()
        .ok_or("the manifest lists no files: the backup is damaged")?;
    for file in listed {
        let relative = file["path"].as_str().unwrap_or_default();
        let path = source.join(relative);
        if relative.is_empty() || relative.contains("..") {
            return Err("the manifest names a file outside the backup: refused".into());
        }
        let (sha256, bytes) = backup::sha256_file(&path)
            .map_err(|e| format!("the backup is damaged: {relative} cannot be read ({e})"))?;
        if Some(sha256.as_str()) != file["sha256"].as_str() || Some(bytes) != file["bytes"].as_u64()
        {
            return Err(format!(
                "the backup is damaged: {relative} does not match its checksum"
            ));
        }
    }
    Ok(())
}

fn pg_restore(url: &str, dump: &Path) -> Result<(), Refusal> {
    let output = Command::new("pg_restore")
        .arg("--no-owner")
        .arg("--exit-on-error")
        .arg("--single-transaction")
        .arg("--dbname")
        .arg(url)
        .arg(dump)
        .output()
        .map_err(|e| format!("cannot run pg_restore ({e}): install PostgreSQL's client tools"))?;
    if !output.status.success() {
        return Err(format!(
            "pg_restore failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(())
}

/// Copies a folder tree, syncing every file; a missing source is empty.
fn copy_tree(from: &Path, to: &Path) -> Result<(), Refusal> {
    if !from.exists() {
        return Ok(());
    }
    let (files, folders) = walk(from)?;
    // Empty folders matter: git needs `refs/` even when every ref is packed.
    for folder in folders {
        let relative = folder.strip_prefix(from).expect("walked from the root");
        let dest = to.join(relative);
        std::fs::create_dir_all(&dest)
            .map_err(|e| format!("cannot create {}: {e}", dest.display()))?;
    }
    for file in files {
        let relative = file.strip_prefix(from).expect("walked from the root");
        let dest = to.join(relative);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        std::fs::copy(&file, &dest)
            .and_then(|_| std::fs::File::open(&dest))
            .and_then(|f| f.sync_all())
            .map_err(|e| format!("cannot copy to {}: {e}", dest.display()))?;
    }
    Ok(())
}

/// The file of a `sqlite://PATH?options` URL.
fn sqlite_path(url: &str) -> PathBuf {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    PathBuf::from(rest.split('?').next().unwrap_or(rest))
}

/// Checks a forge in place: the database engine's integrity check, the
/// funding ledger, the stored counters, and `git fsck` of every
/// repository. Returns every problem found, as sentences.
pub async fn verify(forge: &Forge) -> Result<Vec<String>, Refusal> {
    let mut problems = Vec::new();
    for line in backup::integrity_problems(&forge.db)
        .await
        .map_err(|e| format!("the database's integrity check failed to run: {e}"))?
    {
        problems.push(format!("database: {line}"));
    }
    for discrepancy in funding::ledger::check(&forge.db)
        .await
        .map_err(|e| format!("the ledger check failed to run: {e}"))?
    {
        problems.push(format!("ledger: {}", discrepancy.what));
    }
    for m in consistency::check(&forge.db)
        .await
        .map_err(|e| format!("the counter check failed to run: {e}"))?
    {
        problems.push(format!(
            "counter: {} of #{}: stored {}, actual {}",
            m.what, m.id, m.stored, m.actual
        ));
    }
    let storage = forge.storage.clone();
    let fsck = tokio::task::spawn_blocking(move || {
        let mut problems = Vec::new();
        let paths = storage
            .repository_paths()
            .map_err(|e| format!("listing the repositories failed: {e}"))?;
        for path in paths {
            let relative = path
                .strip_prefix(storage.root())
                .unwrap_or(&path)
                .display()
                .to_string();
            match GitCommand::fsck(&path).output() {
                Ok(output) if output.status.success() => {}
                Ok(output) => {
                    let said = String::from_utf8_lossy(&output.stderr);
                    let said = if said.trim().is_empty() {
                        String::from_utf8_lossy(&output.stdout).into_owned()
                    } else {
                        said.into_owned()
                    };
                    let first: Vec<&str> = said.lines().take(5).collect();
                    problems.push(format!("repository {relative}: {}", first.join("; ")));
                }
                Err(e) => return Err(format!("cannot run git fsck: {e}")),
            }
        }
        Ok(problems)
    })
    .await
    .map_err(|e| format!("git fsck did not finish: {e}"))??;
    problems.extend(fsck);
    Ok(problems)
}
