//! Two `forge serve` processes sharing one PostgreSQL database and one
//! repository storage, as behind a load balancer: issues created through
//! both at once are numbered without gaps or duplicates, pushes through
//! either are seen by the other, and each background job runs in one
//! process only (its lease), as each process's metrics show.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

mod support;

use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use support::{Server, forge, temp_dir};

const METRICS: [(&str, &str); 1] = [("FORGE_METRICS", "true")];

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(["-c", "user.name=Root", "-c", "user.email=root@example.org"])
        .args(["-c", "credential.helper=", "-c", "init.defaultBranch=main"])
        .args(args)
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn job_runs(metrics: &str, job: &str) -> u64 {
    let series = format!("forge_background_job_runs_total{{job=\"{job}\"}} ");
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(&series))
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no {series} in {metrics}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_share_one_postgres_and_one_storage() {
    let Some(url) = forge_core::testing::postgres_url().await else {
        eprintln!("FORGE_TEST_DATABASE_URL is not set: PostgreSQL not tested here");
        return;
    };
    let data_dir = temp_dir();
    let output = forge(&data_dir, Some(&url))
        .args([
            "admin",
            "create-user",
            "--username",
            "root",
            "--email",
            "root@example.org",
            "--password",
            "root password 123",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let a = Server::start_with(&data_dir, Some(&url), &METRICS);
    let b = Server::start_with(&data_dir, Some(&url), &METRICS);
    let client = reqwest::Client::new();
    let token = support::token_of(&a.url, "root", "root password 123", "both").await;
    let response = client
        .post(format!("{}/api/v1/user/repos", b.url))
        .bearer_auth(&token)
        .json(&json!({"name": "app"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);

    // Twenty issues at once, half through each process.
    let mut creations = tokio::task::JoinSet::new();
    for i in 0..20 {
        let base = if i % 2 == 0 {
            a.url.clone()
        } else {
            b.url.clone()
        };
        let request = client
            .post(format!("{base}/api/v1/repos/root/app/issues"))
            .bearer_auth(&token)
            .json(&json!({"title": format!("Issue {i}")}));
        creations.spawn(async move {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 201);
            let issue: Value = response.json().await.unwrap();
            issue["number"].as_i64().unwrap()
        });
    }
    let mut numbers = creations.join_all().await;
    numbers.sort();
    assert_eq!(numbers, (1..=20).collect::<Vec<i64>>());

    // Pushes through one, then the other; each sees the other's.
    let work = data_dir.join("work");
    std::fs::create_dir_all(&work).unwrap();
    git(&work, &["init", "-q"]);
    let remote = |server: &Server| {
        server
            .url
            .replace("http://", &format!("http://root:{token}@"))
            + "/root/app.git"
    };
    git(&work, &["commit", "-q", "--allow-empty", "-m", "Through A"]);
    git(&work, &["push", "-q", &remote(&a), "main"]);
    git(
        &work,
        &["commit", "-q", "--allow-empty", "-m", "Fixes #3, through B"],
    );
    git(&work, &["push", "-q", &remote(&b), "main"]);
    let tip = git(&work, &["rev-parse", "HEAD"]);
    let seen = git(&work, &["ls-remote", &remote(&a), "refs/heads/main"]);
    assert!(seen.starts_with(tip.trim()), "{seen} / {tip}");
    let issue: Value = client
        .get(format!("{}/api/v1/repos/root/app/issues/3", a.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(issue["state"], "closed", "{issue}");

    // Every job ran its first round in exactly one of the two processes.
    let mut figures = Vec::new();
    for server in [&a, &b] {
        figures.push(
            client
                .get(format!("{}/metrics", server.url))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
        );
    }
    for job in [
        "funding-deadlines",
        "expired-sessions",
        "abandoned-uploads",
        "interrupted-pushes",
    ] {
        let runs: Vec<u64> = figures.iter().map(|m| job_runs(m, job)).collect();
        assert!(
            runs.iter().filter(|n| **n > 0).count() == 1,
            "{job} ran in {runs:?} rounds per process"
        );
    }
    a.stop();
    b.stop();
    std::fs::remove_dir_all(&data_dir).unwrap();
}
