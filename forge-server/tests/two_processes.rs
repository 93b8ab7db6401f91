//! Two `forge serve` processes sharing one PostgreSQL database and one
//! repository storage behind a reverse proxy that sends each connection to
//! the next process in turn, as a load balancer without affinity would:
//! issues created through both at once are numbered without gaps or
//! duplicates, git's requests of one clone or push land on both processes,
//! pledges through both fund the goal once with a balanced ledger, and each
//! background job runs in one process only (its lease), as each process's
//! metrics show.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

mod support;

use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use support::{RoundRobinProxy, Server, forge, temp_dir};

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
    let proxy = RoundRobinProxy::start(&[&a.url, &b.url]).await;
    // One connection per request, so that requests alternate between the
    // processes instead of following one kept-alive connection.
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let token = support::token_of(&a.url, "root", "root password 123", "both").await;
    let response = client
        .post(format!("{}/api/v1/user/repos", proxy.url))
        .bearer_auth(&token)
        .json(&json!({"name": "app"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);

    // Twenty issues at once, through the proxy to both processes.
    let mut creations = tokio::task::JoinSet::new();
    for i in 0..20 {
        let request = client
            .post(format!("{}/api/v1/repos/root/app/issues", proxy.url))
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

    // Pushes through one, then the other; each sees the other's. Then
    // pushes and a clone through the proxy, whose requests (references,
    // then the pack) land on different processes.
    let work = data_dir.join("work");
    std::fs::create_dir_all(&work).unwrap();
    git(&work, &["init", "-q"]);
    let remote =
        |url: &str| url.replace("http://", &format!("http://root:{token}@")) + "/root/app.git";
    git(&work, &["commit", "-q", "--allow-empty", "-m", "Through A"]);
    git(&work, &["push", "-q", &remote(&a.url), "main"]);
    git(
        &work,
        &["commit", "-q", "--allow-empty", "-m", "Fixes #3, through B"],
    );
    git(&work, &["push", "-q", &remote(&b.url), "main"]);
    let tip = git(&work, &["rev-parse", "HEAD"]);
    let seen = git(&work, &["ls-remote", &remote(&a.url), "refs/heads/main"]);
    assert!(seen.starts_with(tip.trim()), "{seen} / {tip}");
    for i in 0..4 {
        std::fs::write(work.join(format!("file-{i}.txt")), format!("content {i}\n")).unwrap();
        git(&work, &["add", "."]);
        git(&work, &["commit", "-q", "-m", &format!("File {i}")]);
        git(&work, &["push", "-q", &remote(&proxy.url), "main"]);
    }
    let tip = git(&work, &["rev-parse", "HEAD"]);
    let clone = data_dir.join("clone");
    git(
        &data_dir,
        &["clone", "-q", &remote(&proxy.url), clone.to_str().unwrap()],
    );
    assert_eq!(git(&clone, &["rev-parse", "HEAD"]), tip);
    git(&clone, &["fsck", "--full", "--strict"]);
    let issue: Value = client
        .get(format!("{}/api/v1/repos/root/app/issues/3", proxy.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(issue["state"], "closed", "{issue}");

    // Pledges of ten organisations through both processes at once fund a
    // goal once: the tenth pledge reaches the number of funders.
    let call = |method: reqwest::Method, path: &str, body: Value| {
        client
            .request(method, format!("{}/api/v1{path}", proxy.url))
            .bearer_auth(&token)
            .json(&body)
            .send()
    };
    let response = call(
        reqwest::Method::PUT,
        "/repos/root/app/issues/5/funding",
        json!({
            "budget_minor": 100_000,
            "currency": "EUR",
            "deadline": "2099-01-01T00:00:00Z",
            "acceptance": "It works, with tests.",
            "min_funders": 10,
        }),
    )
    .await
    .unwrap();
    assert!(
        response.status().is_success(),
        "{}",
        response.text().await.unwrap()
    );
    for i in 0..10 {
        let response = call(
            reqwest::Method::POST,
            "/orgs",
            json!({"username": format!("coop-{i}")}),
        )
        .await
        .unwrap();
        assert_eq!(response.status(), 201);
    }
    let mut pledges = tokio::task::JoinSet::new();
    for i in 0..10 {
        let request = call(
            reqwest::Method::POST,
            "/repos/root/app/issues/5/funding/pledges",
            json!({"org": format!("coop-{i}"), "amount_minor": 20_000, "currency": "EUR"}),
        );
        pledges.spawn(async move { request.await.unwrap().status().as_u16() });
    }
    assert_eq!(pledges.join_all().await, vec![201; 10]);
    let goal: Value = call(
        reqwest::Method::GET,
        "/repos/root/app/issues/5/funding",
        Value::Null,
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(goal["state"], "funded", "{goal}");
    let shares: i64 = goal["pledges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["share_minor"].as_i64().unwrap_or_default())
        .sum();
    assert_eq!(shares, 100_000, "{goal}");

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
    drop(proxy);
    a.stop();
    b.stop();

    // The ledger balances and agrees with every figure, the counters are
    // right and the repositories whole.
    let output = forge(&data_dir, Some(&url))
        .args(["admin", "verify"])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    std::fs::remove_dir_all(&data_dir).unwrap();
}
