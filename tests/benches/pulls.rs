//! Pull requests on a 2,000-commit repository generated with `git
//! fast-import` and pushed with the real `git`: the background mergeability
//! check of a 50-commit pull request (goal: under 200 ms), the changed
//! files page of a 200-file pull request (goal: p99 under 50 ms), and the
//! time to merge one (a merge commit, the base branch moved by
//! compare-and-swap, the push consequences recorded; no goal). Prints one
//! table; never fails on a figure.

#![allow(clippy::unwrap_used)] // A benchmark that cannot set up has nothing to say.

use forge_core::{Db, testing};
use forge_tests::{TestForge, git_ok, scratch};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

const MAIN_COMMITS: usize = 2_000;
const TOPIC_COMMITS: usize = 50;
const WIDE_FILES: usize = 200;
const MERGES: usize = 10;
const RUNS: usize = 30;

/// A `git fast-import` stream: `main` with 2,000 commits over 400 files,
/// `topic` with 50 commits on top of it, `wide` with one commit changing
/// 200 files, and `m0`… each adding one file.
fn stream() -> String {
    let mut out = String::new();
    let mut mark = 0;
    let mut time = 1_700_000_000_i64;
    let mut commit = |out: &mut String,
                      branch: &str,
                      from: Option<usize>,
                      message: &str,
                      files: &[(String, String)]|
     -> usize {
        mark += 1;
        time += 60;
        let _ = writeln!(out, "commit refs/heads/{branch}\nmark :{mark}");
        let _ = writeln!(out, "committer Bench <bench@example.org> {time} +0000");
        let _ = write!(out, "data {}\n{message}\n", message.len());
        if let Some(from) = from {
            let _ = writeln!(out, "from :{from}");
        }
        for (path, content) in files {
            let _ = write!(
                out,
                "M 100644 inline {path}\ndata {}\n{content}\n",
                content.len()
            );
        }
        mark
    };
    let mut tip = None;
    for i in 0..MAIN_COMMITS {
        let path = format!("src/dir{}/file{}.txt", i % 40, i % 400);
        let content = format!("line {i}\n").repeat(1 + i % 20);
        tip = Some(commit(
            &mut out,
            "main",
            tip,
            &format!("Change {i}"),
            &[(path, content)],
        ));
    }
    let base = tip;
    let mut topic = base;
    for j in 0..TOPIC_COMMITS {
        topic = Some(commit(
            &mut out,
            "topic",
            topic,
            &format!("Topic step {j}"),
            &[(format!("topic/t{j}.txt"), format!("topic {j}\n"))],
        ));
    }
    let wide: Vec<(String, String)> = (0..WIDE_FILES)
        .map(|k| {
            (
                format!("src/dir{}/file{k}.txt", k % 40),
                (0..10).map(|l| format!("wide {k} line {l}\n")).collect(),
            )
        })
        .collect();
    commit(&mut out, "wide", base, "Change 200 files", &wide);
    for m in 0..MERGES {
        commit(
            &mut out,
            &format!("m{m}"),
            base,
            &format!("Merge candidate {m}"),
            &[(format!("merge/m{m}.txt"), format!("m {m}\n"))],
        );
    }
    out
}

/// Generates the repository in `dir` (a working copy, so the push is the
/// ordinary `git push`).
async fn generate(dir: &Path) {
    git_ok(dir, &["init", "-q", "-b", "main"]).await;
    // Setting up, before anything is measured: a blocking write is fine.
    let mut child = std::process::Command::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(dir)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(stream().as_bytes()).unwrap();
    drop(stdin);
    assert!(child.wait().unwrap().success(), "git fast-import");
}

struct Row {
    what: String,
    median: Duration,
    p99: Duration,
    goal: &'static str,
    met: Option<bool>,
}

fn figures(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let p99 = samples[(samples.len() * 99 / 100).min(samples.len() - 1)];
    (samples[samples.len() / 2], p99)
}

async fn api(
    forge: &TestForge,
    token: &str,
    path: &str,
    body: serde_json::Value,
) -> serde_json::Value {
    let response = forge_tests::http()
        .post(forge.at(&format!("/api/v1{path}")))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let value: serde_json::Value = response.json().await.unwrap_or_default();
    assert!(status.is_success(), "{path} answered {status}: {value}");
    value
}

async fn open(forge: &TestForge, token: &str, branch: &str) -> i64 {
    let pr = api(
        forge,
        token,
        "/repos/alice/big/pulls",
        serde_json::json!({"head": branch, "base": "main", "title": branch}),
    )
    .await;
    pr["number"].as_i64().unwrap()
}

async fn bench(label: &str, db: Db, work: &Path) -> Vec<Row> {
    let forge = TestForge::start_with(db, forge_tests::default_config()).await;
    let (_, token) = forge.user_with_token("alice", false).await;
    api(
        &forge,
        &token,
        "/user/repos",
        serde_json::json!({"name": "big"}),
    )
    .await;
    let remote = forge
        .url
        .replace("http://", &format!("http://alice:{token}@"))
        + "/alice/big.git";
    let started = Instant::now();
    git_ok(work, &["push", "-q", &remote, "refs/heads/*:refs/heads/*"]).await;
    eprintln!(
        "{label}: pushed {MAIN_COMMITS} commits and {} branches in {:.1?}",
        2 + MERGES,
        started.elapsed()
    );
    let service = forge_service::Forge::new(forge.db.clone(), forge.storage.clone());
    let repo = forge_core::repo::find(&forge.db, "alice", "big")
        .await
        .unwrap()
        .unwrap();
    let topic = open(&forge, &token, "topic").await;
    let wide = open(&forge, &token, "wide").await;
    let mut candidates = Vec::new();
    for m in 0..MERGES {
        candidates.push(open(&forge, &token, &format!("m{m}")).await);
    }
    service.check_pull_requests().await.unwrap();

    // Mergeability: the background check of the 50-commit pull request
    // alone, after a push marked it.
    let mut samples = Vec::with_capacity(RUNS);
    for _ in 0..RUNS {
        forge_core::pull::mark_checking(&forge.db, repo.id, "topic")
            .await
            .unwrap();
        let started = Instant::now();
        let checked = service.check_pull_requests().await.unwrap();
        samples.push(started.elapsed());
        assert_eq!(checked, 1);
    }
    let pr = forge_core::pull::get(&forge.db, repo.id, topic)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(pr.status, forge_core::pull::Status::Mergeable);
    let (median, p99) = figures(samples);
    let mut rows = vec![Row {
        what: format!("{label}: mergeability check, {TOPIC_COMMITS} commits on {MAIN_COMMITS}"),
        median,
        p99,
        goal: "< 200 ms",
        met: Some(median < Duration::from_millis(200)),
    }];

    // The changed files page of the 200-file pull request.
    let client = forge_tests::http();
    let url = forge.at(&format!("/alice/big/pulls/{wide}/files"));
    let mut samples = Vec::with_capacity(RUNS);
    for run in 0..RUNS + 3 {
        let started = Instant::now();
        let response = client.get(&url).send().await.unwrap();
        let status = response.status();
        let body = response.text().await.unwrap();
        assert!(status.is_success(), "{url} answered {status}");
        if run == 0 {
            assert!(body.contains("file199.txt"), "the page shows every file");
        }
        if run >= 3 {
            samples.push(started.elapsed());
        }
    }
    let (median, p99) = figures(samples);
    rows.push(Row {
        what: format!("{label}: files page, {WIDE_FILES} files"),
        median,
        p99,
        goal: "p99 < 50 ms",
        met: Some(p99 < Duration::from_millis(50)),
    });

    // Time to merge: each candidate merged with a merge commit, through the
    // API, as a merger's click does.
    let mut samples = Vec::with_capacity(MERGES);
    for number in candidates {
        let started = Instant::now();
        api(
            &forge,
            &token,
            &format!("/repos/alice/big/pulls/{number}/merge"),
            serde_json::json!({"Do": "merge"}),
        )
        .await;
        samples.push(started.elapsed());
    }
    let (median, p99) = figures(samples);
    rows.push(Row {
        what: format!("{label}: merge (merge commit, API request)"),
        median,
        p99,
        goal: "—",
        met: None,
    });
    rows
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let work = scratch("bench-pulls");
    let started = Instant::now();
    generate(&work).await;
    eprintln!("generated the repository in {:.1?}", started.elapsed());
    let mut rows = Vec::new();
    let sqlite = Db::connect(&testing::sqlite_url()).await.unwrap();
    forge_core::migrations::migrate(&sqlite).await.unwrap();
    rows.extend(bench("SQLite", sqlite, &work).await);
    if let Some(url) = testing::postgres_url().await {
        let pg = Db::connect(&url).await.unwrap();
        forge_core::migrations::migrate(&pg).await.unwrap();
        rows.extend(bench("PostgreSQL", pg, &work).await);
    } else {
        eprintln!("FORGE_TEST_DATABASE_URL is not set: PostgreSQL not measured");
    }
    println!("| measure | median | p99 | goal | met? |");
    println!("| --- | --- | --- | --- | --- |");
    for row in rows {
        let met = match row.met {
            Some(true) => "yes",
            Some(false) => "no",
            None => "—",
        };
        println!(
            "| {} | {:.1} ms | {:.1} ms | {} | {met} |",
            row.what,
            row.median.as_secs_f64() * 1000.0,
            row.p99.as_secs_f64() * 1000.0,
            row.goal,
        );
    }
}
