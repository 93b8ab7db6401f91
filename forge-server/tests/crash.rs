//! What a push causes survives the death of the server that received it.
//!
//! A `post-receive` hook kills the server with SIGKILL just after git moved
//! `refs/heads/main` to a commit that says "Fixes #1", before the forge
//! could record anything. A new server on the same data finishes the push:
//! issue 1 is closed by that commit, the push is in the outbox, nothing is
//! left in the push journal, and `git fsck` finds the repository whole.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

mod support;

use serde_json::{Value, json};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use support::{Server, forge, temp_dir};

/// An authenticated API call's JSON answer.
async fn api(request: reqwest::RequestBuilder, token: &str) -> Value {
    request
        .header("authorization", format!("token {token}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn git(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_AUTHOR_NAME", "Root")
        .env("GIT_AUTHOR_EMAIL", "root@example.org")
        .env("GIT_COMMITTER_NAME", "Root")
        .env("GIT_COMMITTER_EMAIL", "root@example.org")
        .output()
        .expect("running git")
}

fn git_ok(dir: &Path, args: &[&str]) -> String {
    let output = git(dir, args);
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

async fn story(database_url: Option<String>) {
    let data_dir = temp_dir();
    let url = database_url.as_deref();
    let server = Server::start(&data_dir, url);
    let client = reqwest::Client::new();

    let output = forge(&data_dir, url)
        .args([
            "admin",
            "create-user",
            "--username",
            "root",
            "--email",
            "root@example.org",
            "--password",
            "root password 123",
            "--admin",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let token = support::token_of(&server.url, "root", "root password 123", "git").await;
    let repo = api(
        client
            .post(format!("{}/api/v1/user/repos", server.url))
            .json(&json!({"name": "app"})),
        &token,
    )
    .await;
    let repo_id = repo["id"].as_i64().unwrap();
    let issue = api(
        client
            .post(format!("{}/api/v1/repos/root/app/issues", server.url))
            .json(&json!({"title": "It crashes"})),
        &token,
    )
    .await;
    assert_eq!(issue["number"], 1);

    // A first push, recorded as usual.
    let work = temp_dir();
    git_ok(&work, &["init", "-q", "-b", "main"]);
    git_ok(&work, &["commit", "-q", "--allow-empty", "-m", "Start"]);
    let push_url = server
        .url
        .replace("http://", &format!("http://root:{token}@"))
        + "/root/app.git";
    git_ok(&work, &["push", "-q", &push_url, "main"]);

    // The next push kills the server once git has moved the branch.
    let hooks = data_dir
        .join("repositories")
        .join(format!("{:02}", repo_id % 100))
        .join(format!("{repo_id}.git"))
        .join("hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    let hook = hooks.join("post-receive");
    std::fs::write(&hook, format!("#!/bin/sh\nkill -9 {}\n", server.child.id())).unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    git_ok(&work, &["commit", "-q", "--allow-empty", "-m", "Fixes #1"]);
    let fixing = git_ok(&work, &["rev-parse", "HEAD"]).trim().to_string();
    // Whatever git says (the server died mid-answer), the branch moved.
    let _ = git(&work, &["push", "-q", &push_url, "main"]);
    let mut server = server;
    let status = server.child.wait().unwrap();
    assert!(!status.success(), "the hook killed the server");
    std::fs::remove_file(&hook).unwrap();
    let remote = data_dir
        .join("repositories")
        .join(format!("{:02}", repo_id % 100))
        .join(format!("{repo_id}.git"));
    assert_eq!(
        git_ok(&remote, &["rev-parse", "refs/heads/main"]).trim(),
        fixing,
        "git moved the branch before the server died"
    );

    // A new server finishes the push once the dead one's lease lapses.
    let server = Server::start(&data_dir, url);
    let deadline = Instant::now() + Duration::from_secs(120);
    let issue = loop {
        let issue = api(
            client.get(format!("{}/api/v1/repos/root/app/issues/1", server.url)),
            &token,
        )
        .await;
        if issue["state"] == "closed" || Instant::now() > deadline {
            break issue;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    assert_eq!(issue["state"], "closed", "{issue}");

    let timeline = api(
        client.get(format!(
            "{}/api/v1/repos/root/app/issues/1/timeline",
            server.url
        )),
        &token,
    )
    .await;
    let closed: Vec<&Value> = timeline
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "closed")
        .collect();
    assert_eq!(closed.len(), 1, "{timeline}");
    assert_eq!(closed[0]["commit_id"], fixing.as_str(), "{timeline}");

    // The push is in the outbox once, and the journal is empty.
    let db = forge_core::Db::connect(
        &database_url
            .clone()
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("forge.db").display())),
    )
    .await
    .unwrap();
    // Repository, issue, first push, closing, second push.
    let mut start = forge_core::outbox::Position::START;
    let events = forge_core::testing::events_since(&db, &mut start, 5).await;
    let pushes: Vec<_> = events
        .iter()
        .filter(|e| e.kind == forge_core::outbox::kind::PUSH)
        .collect();
    assert_eq!(pushes.len(), 2, "{pushes:?}");
    assert_eq!(pushes[1].payload["refs"][0]["new"], fixing.as_str());
    let pending = forge_core::push_journal::pending(&db, forge_core::RepoId(repo_id))
        .await
        .unwrap();
    assert!(pending.is_empty(), "{pending:?}");
    db.close().await;
    git_ok(&remote, &["fsck", "--full", "--strict", "--no-dangling"]);
    drop(server);
}

#[tokio::test]
async fn a_push_survives_the_death_of_its_server_on_sqlite() {
    story(None).await;
}

#[tokio::test]
async fn a_push_survives_the_death_of_its_server_on_postgres() {
    match forge_core::testing::postgres_url().await {
        Some(url) => story(Some(url)).await,
        None => eprintln!("FORGE_TEST_DATABASE_URL is not set: PostgreSQL not tested here"),
    }
}
