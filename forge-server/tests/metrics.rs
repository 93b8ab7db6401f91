//! Prometheus metrics and structured logs on a real process: `/metrics` is
//! off unless configured, asks for its token, and counts requests by route
//! and status with latencies, git transfers and their bytes, the database
//! pool and background jobs; `FORGE_LOG_FORMAT=json` writes one JSON object
//! per line, with an access-log line per request and no secret.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

mod support;

use serde_json::{Value, json};
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};
use support::{Server, forge, temp_dir};

const METRICS_TOKEN: &str = "a-scraper-token-0123456789";

fn git(dir: &Path, args: &[&str]) {
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
}

/// The value of the first sample line that starts with `series`.
fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics
        .lines()
        .find(|line| line.starts_with(series) && line[series.len()..].starts_with(' '))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
}

#[tokio::test]
async fn metrics_count_in_memory_and_logs_are_json_lines() {
    let data_dir = temp_dir();
    let output = forge(&data_dir, None)
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
    let log = data_dir.join("forge.log");
    let server = Server::start_logging_to(
        &data_dir,
        None,
        &[
            ("FORGE_METRICS", "true"),
            ("FORGE_METRICS_TOKEN", METRICS_TOKEN),
            ("FORGE_LOG_FORMAT", "json"),
            ("FORGE_LOG", "info"),
        ],
        &log,
    );
    let client = reqwest::Client::new();
    let token = support::token_of(&server.url, "root", "root password 123", "metrics").await;
    let response = client
        .post(format!("{}/api/v1/user/repos", server.url))
        .bearer_auth(&token)
        .json(&json!({"name": "app"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    for _ in 0..2 {
        let response = client
            .get(format!("{}/api/v1/repos/nobody/nothing", server.url))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404);
    }
    let work = data_dir.join("work");
    std::fs::create_dir_all(&work).unwrap();
    git(&work, &["init", "-q"]);
    std::fs::write(work.join("README"), "hello\n".repeat(1000)).unwrap();
    git(&work, &["add", "."]);
    git(&work, &["commit", "-q", "-m", "Start"]);
    let push_url = server
        .url
        .replace("http://", &format!("http://root:{token}@"))
        + "/root/app.git";
    git(&work, &["push", "-q", &push_url, "main"]);

    // The token is required, and compared exactly.
    let metrics_url = format!("{}/metrics", server.url);
    assert_eq!(client.get(&metrics_url).send().await.unwrap().status(), 401);
    let wrong = client
        .get(&metrics_url)
        .bearer_auth("a-scraper-token-0123456788")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    // Background jobs run their first round at start.
    let deadline = Instant::now() + Duration::from_secs(20);
    let metrics = loop {
        let response = client
            .get(&metrics_url)
            .bearer_auth(METRICS_TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let text = response.text().await.unwrap();
        if sample(
            &text,
            r#"forge_background_job_runs_total{job="interrupted-pushes"}"#,
        )
        .is_some_and(|n| n >= 1.0)
            || Instant::now() > deadline
        {
            break text;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(
        sample(
            &metrics,
            r#"forge_http_requests_total{method="GET",route="/api/v1/repos/{owner}/{repo}",status="404"}"#
        ),
        Some(2.0),
        "{metrics}"
    );
    assert_eq!(
        sample(
            &metrics,
            r#"forge_http_requests_total{method="POST",route="/api/v1/user/repos",status="201"}"#
        ),
        Some(1.0),
        "{metrics}"
    );
    assert_eq!(
        sample(
            &metrics,
            r#"forge_http_request_duration_seconds_count{route="/api/v1/repos/{owner}/{repo}"}"#
        ),
        Some(2.0),
        "{metrics}"
    );
    assert_eq!(
        sample(
            &metrics,
            r#"forge_http_request_duration_seconds_bucket{route="/api/v1/repos/{owner}/{repo}",le="+Inf"}"#
        ),
        Some(2.0),
        "{metrics}"
    );
    assert_eq!(
        sample(
            &metrics,
            r#"forge_git_transfers_total{service="git-receive-pack"}"#
        ),
        Some(1.0),
        "{metrics}"
    );
    let received = sample(
        &metrics,
        r#"forge_git_transfer_bytes_total{service="git-receive-pack",direction="received"}"#,
    )
    .unwrap();
    assert!(received > 100.0, "{metrics}");
    assert!(
        sample(
            &metrics,
            r#"forge_git_transfer_bytes_total{service="git-receive-pack",direction="sent"}"#
        )
        .unwrap()
            > 0.0
    );
    assert_eq!(sample(&metrics, "forge_db_pool_max_connections"), Some(8.0));
    assert!(sample(&metrics, r#"forge_db_pool_connections{state="idle"}"#).is_some());
    assert!(
        sample(
            &metrics,
            r#"forge_background_job_runs_total{job="interrupted-pushes"}"#
        )
        .unwrap()
            >= 1.0,
        "{metrics}"
    );
    assert_eq!(
        sample(
            &metrics,
            r#"forge_background_job_failures_total{job="interrupted-pushes"}"#
        ),
        Some(0.0)
    );
    // Every push was recorded: the push journal's queue is empty.
    assert_eq!(
        sample(
            &metrics,
            r#"forge_background_backlog{job="interrupted-pushes"}"#
        ),
        Some(0.0),
        "{metrics}"
    );
    assert_eq!(
        sample(
            &metrics,
            r#"forge_background_oldest_item_age_seconds{job="interrupted-pushes"}"#
        ),
        Some(0.0),
        "{metrics}"
    );
    // Delivery outcomes are counted from zero, for each channel.
    for channel in ["webhook", "email"] {
        assert_eq!(
            sample(
                &metrics,
                &format!(r#"forge_deliveries_total{{channel="{channel}",outcome="gave_up"}}"#)
            ),
            Some(0.0),
            "{metrics}"
        );
    }
    // The raw path of a request never becomes a label.
    assert!(!metrics.contains("nobody"), "{metrics}");
    server.stop();

    // JSON lines, an access line per request, no secret anywhere.
    let text = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let access: Vec<&Value> = lines
        .iter()
        .filter(|l| l["target"] == "forge::access")
        .collect();
    assert!(
        access
            .iter()
            .any(|l| l["route"] == "/api/v1/repos/{owner}/{repo}"
                && l["status"] == 404
                && l["path"] == "/api/v1/repos/nobody/nothing"),
        "{text}"
    );
    assert!(
        access
            .iter()
            .any(|l| l["route"] == "/{owner}/{repo}/git-receive-pack" && l["status"] == 200),
        "{text}"
    );
    assert!(!text.contains(&token), "a token reached the log");
    assert!(
        !text.contains(METRICS_TOKEN),
        "the metrics token reached the log"
    );
    assert!(!text.contains("root password 123"));

    // Off unless configured.
    let server = Server::start(&data_dir, None);
    let response = client
        .get(format!("{}/metrics", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    server.stop();
    std::fs::remove_dir_all(&data_dir).unwrap();
}
