//! A kill -9 of the server during a merge leaves the base branch at its old
//! commit or at the merge, never elsewhere.
//!
//! Merges of pull requests are started through the API and the server is
//! killed with SIGKILL after a different delay each time (somewhere between
//! the request and its answer: a deterministic point inside the merge is
//! not reachable from outside). After each death the bare repository is
//! read directly: `main` is the old commit, or a merge commit whose parents
//! are the old commit and the pull request's head; `git fsck` finds the
//! repository whole; and a new server starts on the same data.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

mod support;

use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use support::{Server, forge, temp_dir};

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
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

async fn api(request: reqwest::RequestBuilder, token: &str) -> Value {
    request
        .header("authorization", format!("token {token}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap_or(Value::Null)
}

async fn story(database_url: Option<String>) {
    let data_dir = temp_dir();
    let url = database_url.as_deref();
    let mut server = Server::start(&data_dir, url);
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
    let bare = data_dir
        .join("repositories")
        .join(format!("{:02}", repo_id % 100))
        .join(format!("{repo_id}.git"));
    let work = temp_dir();
    git_ok(&work, &["init", "-q", "-b", "main"]);
    git_ok(&work, &["commit", "-q", "--allow-empty", "-m", "Start"]);

    for (round, delay) in [0u64, 5, 15, 40, 80, 150].into_iter().enumerate() {
        let push_url = server
            .url
            .replace("http://", &format!("http://root:{token}@"))
            + "/root/app.git";
        // Main moves by a commit of its own, so each merge is a real one.
        git_ok(&work, &["checkout", "-q", "main"]);
        if round > 0 {
            git_ok(&work, &["pull", "-q", "--ff-only", &push_url, "main"]);
        }
        git_ok(
            &work,
            &[
                "commit",
                "-q",
                "--allow-empty",
                "-m",
                &format!("Main {round}"),
            ],
        );
        git_ok(&work, &["push", "-q", &push_url, "main"]);
        let branch = format!("feature-{round}");
        git_ok(&work, &["checkout", "-q", "-b", &branch, "HEAD~1"]);
        std::fs::write(work.join(format!("f{round}.txt")), "x\n").unwrap();
        git_ok(&work, &["add", "."]);
        git_ok(&work, &["commit", "-q", "-m", &format!("Feature {round}")]);
        git_ok(&work, &["push", "-q", &push_url, &branch]);
        let head = git_ok(&work, &["rev-parse", "HEAD"]);
        let old = git_ok(&bare, &["rev-parse", "refs/heads/main"]);
        let pr = api(
            client
                .post(format!("{}/api/v1/repos/root/app/pulls", server.url))
                .json(&json!({"head": branch, "base": "main", "title": "Feature"})),
            &token,
        )
        .await;
        let number = pr["number"].as_i64().unwrap();
        // Wait until the background check knows it merges.
        for _ in 0..200 {
            let pr = api(
                client.get(format!(
                    "{}/api/v1/repos/root/app/pulls/{number}",
                    server.url
                )),
                &token,
            )
            .await;
            if pr["mergeable"] == true {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let merge = client
            .post(format!(
                "{}/api/v1/repos/root/app/pulls/{number}/merge",
                server.url
            ))
            .header("authorization", format!("token {token}"))
            .json(&json!({"Do": "merge"}))
            .send();
        let merging = tokio::spawn(merge);
        tokio::time::sleep(Duration::from_millis(delay)).await;
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        let _ = merging.await;

        let now = git_ok(&bare, &["rev-parse", "refs/heads/main"]);
        if now != old {
            let parents = git_ok(&bare, &["rev-list", "--parents", "-n", "1", &now]);
            assert_eq!(
                parents,
                format!("{now} {old} {head}"),
                "round {round}: main is neither its old commit nor the merge"
            );
        }
        git_ok(&bare, &["fsck", "--full", "--strict", "--no-dangling"]);
        server = Server::start(&data_dir, url);
    }
    drop(server);
}

#[tokio::test]
async fn a_merge_killed_midway_leaves_the_base_old_or_merged_on_sqlite() {
    story(None).await;
}

#[tokio::test]
async fn a_merge_killed_midway_leaves_the_base_old_or_merged_on_postgres() {
    match forge_core::testing::postgres_url().await {
        Some(url) => story(Some(url)).await,
        None => eprintln!("FORGE_TEST_DATABASE_URL is not set: PostgreSQL not tested here"),
    }
}
