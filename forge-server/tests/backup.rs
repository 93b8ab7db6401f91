//! `forge admin backup`, `restore` and `verify` on real processes: a backup
//! taken while a writer creates issues and pushes restores into an empty
//! data folder, passes every check, and gives back the figures its manifest
//! recorded; damaged, newer and misplaced backups are refused.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

mod support;

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use support::{Server, forge, temp_dir};

async fn git(dir: &Path, args: &[&str]) -> std::process::Output {
    tokio::process::Command::new("git")
        .args(["-c", "user.name=Root", "-c", "user.email=root@example.org"])
        .args(["-c", "credential.helper=", "-c", "init.defaultBranch=main"])
        .args(args)
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .await
        .unwrap()
}

async fn git_ok(dir: &Path, args: &[&str]) -> String {
    let output = git(dir, args).await;
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Runs `forge ARGS` over `data_dir` and returns (success, stdout, stderr).
fn forge_run(data_dir: &Path, url: Option<&str>, args: &[&str]) -> (bool, String, String) {
    let output = forge(data_dir, url).args(args).output().unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn copy_tree(from: &Path, to: &Path) {
    let status = std::process::Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .unwrap();
    assert!(status.success());
}

async fn story(database_url: Option<String>, restore_url: Option<String>) {
    let scratch = temp_dir();
    let data_dir = scratch.join("data");
    let url = database_url.as_deref();
    let server = Server::start(&data_dir, url);
    let client = reqwest::Client::new();
    let (ok, _, stderr) = forge_run(
        &data_dir,
        url,
        &[
            "admin",
            "create-user",
            "--username",
            "root",
            "--email",
            "root@example.org",
            "--password",
            "root password 123",
            "--admin",
        ],
    );
    assert!(ok, "{stderr}");
    let token = support::token_of(&server.url, "root", "root password 123", "backup test").await;
    let response = client
        .post(format!("{}/api/v1/user/repos", server.url))
        .header("authorization", format!("token {token}"))
        .json(&json!({"name": "app"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let work = scratch.join("work");
    std::fs::create_dir_all(&work).unwrap();
    git_ok(&work, &["init", "-q"]).await;
    git_ok(&work, &["commit", "-q", "--allow-empty", "-m", "Start"]).await;
    let push_url = server
        .url
        .replace("http://", &format!("http://root:{token}@"))
        + "/root/app.git";
    git_ok(&work, &["push", "-q", &push_url, "main"]).await;

    // A writer: issues all the time, a push every third issue.
    let stop = Arc::new(AtomicBool::new(false));
    let issues = Arc::new(AtomicI64::new(0));
    let writer = {
        let (stop, issues) = (stop.clone(), issues.clone());
        let (client, base, token, work, push_url) = (
            client.clone(),
            server.url.clone(),
            token.clone(),
            work.clone(),
            push_url.clone(),
        );
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                let response = client
                    .post(format!("{base}/api/v1/repos/root/app/issues"))
                    .header("authorization", format!("token {token}"))
                    .json(&json!({"title": format!("Issue {n}")}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), 201);
                issues.fetch_add(1, Ordering::SeqCst);
                if n % 3 == 0 {
                    git_ok(
                        &work,
                        &[
                            "commit",
                            "-q",
                            "--allow-empty",
                            "-m",
                            &format!("Change {n}"),
                        ],
                    )
                    .await;
                    git_ok(&work, &["push", "-q", &push_url, "main"]).await;
                }
            }
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let before = issues.load(Ordering::SeqCst);
    let backup_dir = scratch.join("backup");
    let (ok, stdout, stderr) = {
        let (data_dir, backup_dir, url) =
            (data_dir.clone(), backup_dir.clone(), database_url.clone());
        tokio::task::spawn_blocking(move || {
            forge_run(
                &data_dir,
                url.as_deref(),
                &["admin", "backup", backup_dir.to_str().unwrap()],
            )
        })
        .await
        .unwrap()
    };
    assert!(ok, "backup failed: {stdout}{stderr}");
    assert!(stdout.contains("Backed up the database"), "{stdout}");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    stop.store(true, Ordering::SeqCst);
    writer.await.unwrap();
    let after = issues.load(Ordering::SeqCst);
    assert!(after > before, "the writer kept writing during the backup");
    server.stop();

    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(backup_dir.join("manifest.json")).unwrap())
            .unwrap();
    let recorded = manifest["counts"]["issues"].as_i64().unwrap();
    assert!(
        (before..=after).contains(&recorded),
        "the backup holds {recorded} issues; {before} existed when it started, {after} at the end"
    );
    assert_eq!(manifest["repositories"], 1);

    // Restore into an empty data folder (and an empty database).
    let restored = scratch.join("restored");
    let target = restore_url.as_deref();
    let (ok, stdout, stderr) = forge_run(
        &restored,
        target,
        &["admin", "restore", backup_dir.to_str().unwrap()],
    );
    assert!(ok, "restore failed: {stdout}{stderr}");
    assert!(stdout.contains("every figure matches"), "{stdout}");
    let (ok, stdout, stderr) = forge_run(&restored, target, &["admin", "verify"]);
    assert!(ok, "verify failed: {stdout}{stderr}");
    assert!(
        stdout.contains("git fsck finds every repository whole"),
        "{stdout}"
    );

    // The restored forge serves what was backed up.
    let server = Server::start(&restored, target);
    let count: Value = client
        .get(format!(
            "{}/api/v1/repos/root/app/issues?state=all&limit=1",
            server.url
        ))
        .header("authorization", format!("token {token}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(count[0]["number"].as_i64(), Some(recorded), "{count}");
    let clone = scratch.join("clone");
    let clone_url = server
        .url
        .replace("http://", &format!("http://root:{token}@"))
        + "/root/app.git";
    git_ok(
        &scratch,
        &["clone", "-q", &clone_url, clone.to_str().unwrap()],
    )
    .await;
    assert!(!git_ok(&clone, &["log", "--oneline"]).await.is_empty());
    server.stop();

    // Refusals, each with a sentence and a non-zero exit.
    let (ok, _, stderr) = forge_run(
        &restored,
        target,
        &["admin", "restore", backup_dir.to_str().unwrap()],
    );
    assert!(!ok);
    assert!(
        stderr.contains("restore refused") && stderr.contains("empty"),
        "{stderr}"
    );

    let damaged = scratch.join("damaged");
    copy_tree(&backup_dir, &damaged);
    let head = first_file_named(&damaged.join("repositories"), "HEAD");
    std::fs::write(&head, b"ref: refs/heads/evil\n").unwrap();
    let (ok, _, stderr) = forge_run(
        &scratch.join("elsewhere"),
        None,
        &["admin", "restore", damaged.to_str().unwrap()],
    );
    assert!(!ok);
    assert!(
        stderr.contains("damaged") && stderr.contains("checksum"),
        "{stderr}"
    );

    let newer = scratch.join("newer");
    copy_tree(&backup_dir, &newer);
    let mut future = manifest.clone();
    future["schema_version"] = json!(999_999);
    std::fs::write(newer.join("manifest.json"), future.to_string()).unwrap();
    let (ok, _, stderr) = forge_run(
        &scratch.join("elsewhere2"),
        None,
        &["admin", "restore", newer.to_str().unwrap()],
    );
    assert!(!ok);
    assert!(stderr.contains("newer than this forge"), "{stderr}");

    // verify finds a repository that lost its objects.
    let packs = first_file_named(&restored.join("repositories"), "HEAD")
        .parent()
        .unwrap()
        .join("objects");
    std::fs::remove_dir_all(&packs).unwrap();
    std::fs::create_dir_all(packs.join("pack")).unwrap();
    let (ok, stdout, _) = forge_run(&restored, target, &["admin", "verify"]);
    assert!(!ok);
    assert!(stdout.contains("repository "), "{stdout}");

    std::fs::remove_dir_all(&scratch).unwrap();
}

fn first_file_named(root: &Path, name: &str) -> PathBuf {
    let mut folders = vec![root.to_path_buf()];
    while let Some(folder) = folders.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let entry = entry.unwrap();
            if entry.file_type().unwrap().is_dir() {
                folders.push(entry.path());
            } else if entry.file_name() == name {
                return entry.path();
            }
        }
    }
    panic!("no {name} under {}", root.display());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_write_load_restores_and_passes_every_check_on_sqlite() {
    story(None, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_under_write_load_restores_and_passes_every_check_on_postgres() {
    let (Some(url), Some(restore_url)) = (
        forge_core::testing::postgres_url().await,
        forge_core::testing::postgres_url().await,
    ) else {
        eprintln!("FORGE_TEST_DATABASE_URL is not set: PostgreSQL not tested here");
        return;
    };
    story(Some(url), Some(restore_url)).await;
}
