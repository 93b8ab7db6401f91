//! Webhooks end to end, on every engine under test: a real HTTP receiver on
//! 127.0.0.1 gets Gitea-shaped, signed payloads after a real `git push` and
//! after issues and comments made through the API; a receiver that is down
//! or too slow gets the delivery again later; a forge that does not allow
//! private addresses refuses to send there; the hooks API answers only
//! those who may manage hooks.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use forge_core::webhook::delivery::{self, State as DeliveryState};
use forge_core::{WebhookId, testing};
use forge_service::background::Background;
use forge_service::webhooks::Settings;
use forge_tests::{Browser, TestForge, default_config, http};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::{BTreeMap, VecDeque};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request the receiver got.
#[derive(Debug, Clone)]
struct Received {
    headers: BTreeMap<String, String>,
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(String::as_str)
            .unwrap_or_default()
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
}

/// How the receiver answers its next requests (then 200).
enum Reply {
    Status(u16),
    Slow(Duration),
}

#[derive(Clone, Default)]
struct Receiver {
    seen: Arc<Mutex<Vec<Received>>>,
    plan: Arc<Mutex<VecDeque<Reply>>>,
}

async fn receive(State(receiver): State<Receiver>, headers: HeaderMap, body: String) -> AxumStatus {
    let headers = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_string()))
        .collect();
    receiver
        .seen
        .lock()
        .unwrap()
        .push(Received { headers, body });
    let reply = receiver.plan.lock().unwrap().pop_front();
    match reply {
        Some(Reply::Status(status)) => AxumStatus::from_u16(status).unwrap(),
        Some(Reply::Slow(delay)) => {
            tokio::time::sleep(delay).await;
            AxumStatus::OK
        }
        None => AxumStatus::OK,
    }
}

impl Receiver {
    /// Serves on a free port of 127.0.0.1; returns its URL.
    async fn start() -> (Receiver, String) {
        let receiver = Receiver::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(receive))
            .with_state(receiver.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        (receiver, url)
    }

    fn all(&self) -> Vec<Received> {
        self.seen.lock().unwrap().clone()
    }

    /// Waits until `count` requests of `event` arrived; returns them.
    async fn wait_for(&self, event: &str, count: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let found: Vec<Received> = self
                .all()
                .into_iter()
                .filter(|r| r.header("x-gitea-event") == event)
                .collect();
            if found.len() >= count {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {count} {event} deliveries, got {found:?}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

/// Webhook settings of the tests: loopback allowed, short timeout and
/// retries.
fn settings(allow_private: bool) -> Settings {
    let mut settings = Settings {
        timeout: Duration::from_millis(1500),
        retry_base: Duration::from_millis(300),
        ..Settings::default()
    };
    settings.addresses.allow_private = allow_private;
    settings
}

/// A forge whose background jobs (the webhooks among them) run.
async fn forge_with_jobs(db: forge_core::Db, allow_private: bool) -> (TestForge, Background) {
    let forge = TestForge::start_with(
        db,
        forge_web::WebConfig {
            webhooks: settings(allow_private),
            ..default_config()
        },
    )
    .await;
    let service = forge_service::Forge::with_webhooks(
        forge.db.clone(),
        forge.storage.clone(),
        Settings {
            base_url: forge.url.clone(),
            ..settings(allow_private)
        },
    );
    // The consumer starts at the end of the outbox when it first runs: fix
    // that point now, so that a busy machine running the job late does not
    // make it skip what the test does next.
    forge_core::consumer::position(
        &forge.db,
        forge_core::webhook::consume::CONSUMER,
        forge_core::consumer::Start::Now,
    )
    .await
    .unwrap();
    let jobs = Background::start(service);
    (forge, jobs)
}

/// The hex HMAC-SHA256 of `body` keyed by `secret`, by Python's hmac
/// module: an implementation independent of the forge's.
async fn python_hmac(secret: &str, body: &str) -> String {
    use tokio::io::AsyncWriteExt;
    let mut child = tokio::process::Command::new("python3")
        .args([
            "-c",
            "import hmac, hashlib, sys; \
             print(hmac.new(sys.argv[1].encode(), sys.stdin.buffer.read(), hashlib.sha256).hexdigest())",
            secret,
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(body.as_bytes()).await.unwrap();
    drop(stdin);
    let output = child.wait_with_output().await.unwrap();
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

async fn api(
    forge: &TestForge,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = http().request(method, forge.at(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn git_ok(dir: &Path, args: &[&str]) -> String {
    let output = tokio::process::Command::new("git")
        .args([
            "-c",
            "user.name=Alice",
            "-c",
            "user.email=alice@example.org",
        ])
        .args(["-c", "init.defaultBranch=main", "-c", "credential.helper="])
        .args(args)
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env_remove("GIT_DIR")
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_issues_and_comments_reach_a_receiver_signed_and_shaped_like_gitea() {
    for db in testing::engines().await {
        let (receiver, hook_url) = Receiver::start().await;
        let (forge, jobs) = forge_with_jobs(db, true).await;
        let (_, token) = forge.user_with_token("alice", false).await;
        let (status, _) = api(
            &forge,
            &token,
            reqwest::Method::POST,
            "/api/v1/user/repos",
            Some(json!({"name": "app"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, hook) = api(
            &forge,
            &token,
            reqwest::Method::POST,
            "/api/v1/repos/alice/app/hooks",
            Some(json!({
                "type": "gitea",
                "config": {"url": hook_url, "content_type": "json", "secret": "topsecret"},
                "events": ["push", "create", "issues", "issue_comment"],
                "active": true,
            })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{hook}");
        assert_eq!(hook["config"]["url"], hook_url.as_str());
        assert!(!hook.to_string().contains("topsecret"), "{hook}");

        // A real push of two commits on a new branch: `create`, then `push`.
        let dir = forge_tests::scratch("hooks");
        git_ok(&dir, &["init", "-q"]).await;
        for i in 0..2 {
            std::fs::write(dir.join(format!("f{i}")), format!("{i}\n")).unwrap();
            git_ok(&dir, &["add", "."]).await;
            git_ok(&dir, &["commit", "-q", "-m", &format!("Change number {i}")]).await;
        }
        let head = git_ok(&dir, &["rev-parse", "HEAD"]).await;
        let remote = forge
            .at("/alice/app.git")
            .replace("http://", &format!("http://alice:{token}@"));
        git_ok(&dir, &["push", "-q", &remote, "main"]).await;

        let created = receiver.wait_for("create", 1).await;
        let create = created[0].json();
        assert_eq!(create["ref"], "main");
        assert_eq!(create["ref_type"], "branch");
        assert_eq!(create["sha"], head.as_str());
        let pushes = receiver.wait_for("push", 1).await;
        let push = &pushes[0];
        assert_eq!(push.header("content-type"), "application/json");
        assert_eq!(push.header("x-github-event"), "push");
        let guid = push.header("x-gitea-delivery");
        assert_eq!(guid.len(), 36, "{guid}");
        let signature = python_hmac("topsecret", &push.body).await;
        assert_eq!(push.header("x-gitea-signature"), signature);
        assert_eq!(
            push.header("x-hub-signature-256"),
            format!("sha256={signature}")
        );
        let payload = push.json();
        assert_eq!(payload["ref"], "refs/heads/main");
        assert_eq!(payload["after"], head.as_str());
        assert_eq!(
            payload["before"],
            "0000000000000000000000000000000000000000"
        );
        assert_eq!(payload["total_commits"], 2);
        assert_eq!(payload["commits"].as_array().unwrap().len(), 2);
        assert_eq!(payload["head_commit"]["id"], head.as_str());
        assert!(
            payload["commits"][0]["message"]
                .as_str()
                .unwrap()
                .starts_with("Change number 1")
        );
        assert_eq!(
            payload["commits"][0]["author"]["email"],
            "alice@example.org"
        );
        assert_eq!(payload["repository"]["full_name"], "alice/app");
        assert_eq!(
            payload["repository"]["html_url"],
            forge.at("/alice/app").as_str()
        );
        assert_eq!(payload["pusher"]["login"], "alice");
        assert_eq!(payload["sender"]["login"], "alice");

        // An issue and a comment.
        let (status, _) = api(
            &forge,
            &token,
            reqwest::Method::POST,
            "/api/v1/repos/alice/app/issues",
            Some(json!({"title": "It <crashes>", "body": "On start"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let opened = receiver.wait_for("issues", 1).await[0].json();
        assert_eq!(opened["action"], "opened");
        assert_eq!(opened["number"], 1);
        assert_eq!(opened["issue"]["title"], "It <crashes>");
        assert_eq!(opened["issue"]["state"], "open");
        assert_eq!(opened["issue"]["user"]["login"], "alice");
        let (status, _) = api(
            &forge,
            &token,
            reqwest::Method::POST,
            "/api/v1/repos/alice/app/issues/1/comments",
            Some(json!({"body": "Same here"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let commented = receiver.wait_for("issue_comment", 1).await;
        let comment = commented[0].json();
        assert_eq!(comment["action"], "created");
        assert_eq!(comment["comment"]["body"], "Same here");
        assert_eq!(comment["issue"]["number"], 1);
        assert_eq!(comment["is_pull"], false);

        // The receiver is down for one request: the delivery comes again.
        receiver.plan.lock().unwrap().push_back(Reply::Status(503));
        api(
            &forge,
            &token,
            reqwest::Method::POST,
            "/api/v1/repos/alice/app/issues/1/comments",
            Some(json!({"body": "Retried"})),
        )
        .await;
        let commented = receiver.wait_for("issue_comment", 3).await;
        assert_eq!(commented[1].json()["comment"]["body"], "Retried");
        assert_eq!(commented[2].json()["comment"]["body"], "Retried");
        // The same delivery, the same body, signed the same.
        assert_eq!(commented[1].body, commented[2].body);
        assert_eq!(
            commented[1].header("x-gitea-delivery"),
            commented[2].header("x-gitea-delivery")
        );

        // Too slow for the timeout: the attempt fails, the next one lands.
        receiver
            .plan
            .lock()
            .unwrap()
            .push_back(Reply::Slow(Duration::from_secs(4)));
        api(
            &forge,
            &token,
            reqwest::Method::POST,
            "/api/v1/repos/alice/app/issues/1/comments",
            Some(json!({"body": "Slow"})),
        )
        .await;
        let commented = receiver.wait_for("issue_comment", 5).await;
        assert_eq!(commented[4].json()["comment"]["body"], "Slow");

        // The history keeps each attempt's request and answer.
        let hook_id = WebhookId(hook["id"].as_i64().unwrap());
        // (The receiver counts a request before its answer is recorded.)
        let deadline = Instant::now() + Duration::from_secs(10);
        let history = loop {
            let history = delivery::history(&forge.db, hook_id, 50).await.unwrap();
            if history.iter().all(|d| d.state != DeliveryState::Pending) {
                break history;
            }
            assert!(Instant::now() < deadline, "{history:?}");
            tokio::time::sleep(Duration::from_millis(25)).await;
        };
        let slow = &history[0];
        assert_eq!(slow.event, "issue_comment");
        assert_eq!((slow.state, slow.attempts), (DeliveryState::Delivered, 2));
        assert_eq!(slow.response_status, Some(200));
        let retried = &history[1];
        assert_eq!(
            (retried.state, retried.attempts),
            (DeliveryState::Delivered, 2)
        );
        assert!(
            retried
                .request_headers
                .as_ref()
                .unwrap()
                .iter()
                .any(|(name, _)| name == "X-Gitea-Signature")
        );

        // "Test delivery" through the API: a push of the default branch.
        let (status, _) = api(
            &forge,
            &token,
            reqwest::Method::POST,
            &format!("/api/v1/repos/alice/app/hooks/{}/tests", hook_id.0),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let pushes = receiver.wait_for("push", 2).await;
        let test = pushes[1].json();
        assert_eq!(test["ref"], "refs/heads/main");
        assert_eq!(test["after"], head.as_str());
        jobs.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_requests_are_told_as_giteas_pull_request_event() {
    for db in testing::engines().await {
        let (receiver, hook_url) = Receiver::start().await;
        let (forge, jobs) = forge_with_jobs(db, true).await;
        let (_, token) = forge.user_with_token("alice", false).await;
        let (status, _) = api(
            &forge,
            &token,
            reqwest::Method::POST,
            "/api/v1/user/repos",
            Some(json!({"name": "app"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, hook) = api(
            &forge,
            &token,
            reqwest::Method::POST,
            "/api/v1/repos/alice/app/hooks",
            Some(json!({
                "type": "gitea",
                "config": {"url": hook_url, "content_type": "json"},
                "events": ["issues", "issue_comment", "pull_request"],
                "active": true,
            })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{hook}");

        let dir = forge_tests::scratch("pull-hooks");
        git_ok(&dir, &["init", "-q"]).await;
        std::fs::write(dir.join("README"), "app\n").unwrap();
        git_ok(&dir, &["add", "."]).await;
        git_ok(&dir, &["commit", "-q", "-m", "Start"]).await;
        let remote = forge
            .at("/alice/app.git")
            .replace("http://", &format!("http://alice:{token}@"));
        git_ok(&dir, &["push", "-q", &remote, "main"]).await;
        git_ok(&dir, &["checkout", "-q", "-b", "fix"]).await;
        std::fs::write(dir.join("fix.txt"), "fixed\n").unwrap();
        git_ok(&dir, &["add", "."]).await;
        git_ok(&dir, &["commit", "-q", "-m", "Fix the start"]).await;
        let head = git_ok(&dir, &["rev-parse", "HEAD"]).await;
        git_ok(&dir, &["push", "-q", &remote, "fix"]).await;

        let (status, pull) = api(
            &forge,
            &token,
            reqwest::Method::POST,
            "/api/v1/repos/alice/app/pulls",
            Some(json!({"head": "fix", "base": "main", "title": "Fix the start"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{pull}");
        let number = pull["number"].as_i64().unwrap();
        let opened = receiver.wait_for("pull_request", 1).await[0].json();
        assert_eq!(opened["action"], "opened");
        assert_eq!(opened["number"], number);
        assert_eq!(opened["pull_request"]["title"], "Fix the start");
        assert_eq!(opened["pull_request"]["head"]["ref"], "fix");
        assert_eq!(opened["pull_request"]["head"]["sha"], head.as_str());
        assert_eq!(opened["pull_request"]["base"]["ref"], "main");
        assert_eq!(
            opened["pull_request"]["head"]["repo"]["full_name"],
            "alice/app"
        );
        assert_eq!(
            opened["pull_request"]["html_url"],
            forge.at(&format!("/alice/app/pulls/{number}")).as_str()
        );
        assert_eq!(opened["pull_request"]["merged"], false);
        assert_eq!(opened["repository"]["full_name"], "alice/app");

        let (status, _) = api(
            &forge,
            &token,
            reqwest::Method::POST,
            &format!("/api/v1/repos/alice/app/issues/{number}/comments"),
            Some(json!({"body": "Looks right"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let comment = receiver.wait_for("issue_comment", 1).await[0].json();
        assert_eq!(comment["is_pull"], true);
        assert_eq!(comment["issue"]["pull_request"]["merged"], false);

        // Merged once the background check has found it mergeable.
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let (status, answer) = api(
                &forge,
                &token,
                reqwest::Method::POST,
                &format!("/api/v1/repos/alice/app/pulls/{number}/merge"),
                Some(json!({"Do": "merge"})),
            )
            .await;
            if status == StatusCode::OK {
                break;
            }
            assert!(Instant::now() < deadline, "{status} {answer}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let told = receiver.wait_for("pull_request", 2).await;
        let merged = told[1].json();
        assert_eq!(merged["action"], "closed");
        assert_eq!(merged["pull_request"]["merged"], true);
        assert_eq!(merged["pull_request"]["state"], "closed");
        assert_eq!(merged["pull_request"]["merged_by"]["login"], "alice");
        assert_eq!(
            merged["pull_request"]["merge_commit_sha"]
                .as_str()
                .unwrap()
                .len(),
            40
        );

        // Opening and merging a pull request is never told as an issue.
        let hook_id = WebhookId(hook["id"].as_i64().unwrap());
        let history = delivery::history(&forge.db, hook_id, 50).await.unwrap();
        assert!(history.iter().all(|d| d.event != "issues"), "{history:?}");
        jobs.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_targets_are_refused_unless_allowed() {
    for db in testing::engines().await {
        let (receiver, hook_url) = Receiver::start().await;
        let (forge, jobs) = forge_with_jobs(db, false).await;
        let (_, token) = forge.user_with_token("alice", false).await;
        api(
            &forge,
            &token,
            reqwest::Method::POST,
            "/api/v1/user/repos",
            Some(json!({"name": "app"})),
        )
        .await;
        let (_, hook) = api(
            &forge,
            &token,
            reqwest::Method::POST,
            "/api/v1/repos/alice/app/hooks",
            Some(json!({
                "type": "gitea",
                "config": {"url": hook_url.replace("127.0.0.1", "localhost"), "content_type": "form"},
                "events": ["issues"],
                "active": true,
            })),
        )
        .await;
        let hook_id = WebhookId(hook["id"].as_i64().unwrap());
        api(
            &forge,
            &token,
            reqwest::Method::POST,
            "/api/v1/repos/alice/app/issues",
            Some(json!({"title": "Anyone there?"})),
        )
        .await;
        let deadline = Instant::now() + Duration::from_secs(20);
        let refused = loop {
            let history = delivery::history(&forge.db, hook_id, 50).await.unwrap();
            if let Some(d) = history.first()
                && d.attempts > 0
            {
                break d.clone();
            }
            assert!(Instant::now() < deadline, "no attempt was made");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        let error = refused.error.unwrap_or_default();
        assert!(error.contains("private"), "{error}");
        assert_eq!(refused.response_status, None);
        assert!(receiver.all().is_empty(), "the receiver got a request");
        jobs.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_repository_administrators_and_organisation_owners_manage_hooks() {
    for forge in TestForge::on_each_engine().await {
        let (_, alice) = forge.user_with_token("alice", false).await;
        let (_, bob) = forge.user_with_token("bob", false).await;
        use reqwest::Method;
        api(
            &forge,
            &alice,
            Method::POST,
            "/api/v1/user/repos",
            Some(json!({"name": "open"})),
        )
        .await;
        api(
            &forge,
            &alice,
            Method::POST,
            "/api/v1/user/repos",
            Some(json!({"name": "secret", "private": true})),
        )
        .await;
        let body = json!({
            "type": "gitea",
            "config": {"url": "https://ci.example.org/hook", "content_type": "json", "secret": "x"},
            "events": ["push", "funding"],
        });
        // Readable but not administered: forbidden; private: not found.
        let (status, _) = api(
            &forge,
            &bob,
            Method::GET,
            "/api/v1/repos/alice/open/hooks",
            None,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = api(
            &forge,
            &bob,
            Method::POST,
            "/api/v1/repos/alice/open/hooks",
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = api(
            &forge,
            &bob,
            Method::GET,
            "/api/v1/repos/alice/secret/hooks",
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        let (status, created) = api(
            &forge,
            &alice,
            Method::POST,
            "/api/v1/repos/alice/open/hooks",
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        // Gitea's default: not active unless asked.
        assert_eq!(created["active"], false);
        assert_eq!(created["events"], json!(["push", "funding"]));
        let id = created["id"].as_i64().unwrap();
        let path = format!("/api/v1/repos/alice/open/hooks/{id}");
        let (status, edited) = api(
            &forge,
            &alice,
            Method::PATCH,
            &path,
            Some(json!({"active": true, "events": ["issues"], "config": {"content_type": "form"}})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{edited}");
        assert_eq!(edited["active"], true);
        assert_eq!(edited["config"]["content_type"], "form");
        assert_eq!(edited["config"]["url"], "https://ci.example.org/hook");
        let (_, listed) = api(
            &forge,
            &alice,
            Method::GET,
            "/api/v1/repos/alice/open/hooks",
            None,
        )
        .await;
        assert_eq!(listed.as_array().unwrap().len(), 1);
        // Bad input: a message, no hook.
        let (status, error) = api(
            &forge,
            &alice,
            Method::POST,
            "/api/v1/repos/alice/open/hooks",
            Some(json!({"type": "gitea", "config": {"url": "file:///etc/passwd"}})),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(error["message"].as_str().unwrap().contains("http"));
        let (status, _) = api(
            &forge,
            &alice,
            Method::POST,
            "/api/v1/repos/alice/open/hooks",
            Some(json!({"type": "gitea", "config": {"url": "https://x.org"}, "events": ["merge"]})),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        // Another repository's hook id is not found here.
        let (status, _) = api(
            &forge,
            &alice,
            Method::GET,
            "/api/v1/repos/alice/secret/hooks/999",
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = api(&forge, &alice, Method::DELETE, &path, None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = api(&forge, &alice, Method::GET, &path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // Organisations: owners only.
        let (status, _) = api(
            &forge,
            &alice,
            Method::POST,
            "/api/v1/orgs",
            Some(json!({"username": "coop", "kind": "cooperative"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        api(
            &forge,
            &alice,
            Method::PUT,
            "/api/v1/orgs/coop/members/bob",
            Some(json!({"role": "treasurer"})),
        )
        .await;
        let (status, _) = api(
            &forge,
            &bob,
            Method::POST,
            "/api/v1/orgs/coop/hooks",
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, created) = api(
            &forge,
            &alice,
            Method::POST,
            "/api/v1/orgs/coop/hooks",
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let id = created["id"].as_i64().unwrap();
        let (status, got) = api(
            &forge,
            &alice,
            Method::GET,
            &format!("/api/v1/orgs/coop/hooks/{id}"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(got["config"]["url"], "https://ci.example.org/hook");
        let (status, _) = api(
            &forge,
            &alice,
            Method::POST,
            &format!("/api/v1/orgs/coop/hooks/{id}/tests"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = api(
            &forge,
            &alice,
            Method::DELETE,
            &format!("/api/v1/orgs/coop/hooks/{id}"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_pages_manage_hooks_without_javascript() {
    use forge_tests::Browser;
    for forge in TestForge::on_each_engine().await {
        let (_, token) = forge.user_with_token("alice", false).await;
        forge.user("bob", false).await;
        api(
            &forge,
            &token,
            reqwest::Method::POST,
            "/api/v1/user/repos",
            Some(json!({"name": "app"})),
        )
        .await;
        let mut alice = Browser::new(&forge, "en");
        alice.sign_in("alice").await;
        let list = alice.get("/alice/app/settings/hooks").await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(list.contains("No webhook yet."));
        assert!(
            alice
                .get("/alice/app/settings")
                .await
                .contains("/alice/app/settings/hooks")
        );

        // Without the CSRF token: refused, nothing created.
        let refused = alice
            .post_raw(
                "/alice/app/settings/hooks",
                &[("url", "https://ci.example.org/hook"), ("events", "push")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        // Bad input: the form again, with the message.
        let bad = alice
            .post(
                "/alice/app/settings/hooks",
                &[("url", "ci.example.org"), ("events", "push")],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.contains("starting with http://"));
        let created = alice
            .post(
                "/alice/app/settings/hooks",
                &[
                    ("url", "https://ci.example.org/hook"),
                    ("secret", "page-secret"),
                    ("content_type", "json"),
                    ("events", "push"),
                    ("events", "issues"),
                    ("active", "on"),
                ],
            )
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        let location = created.location.unwrap();
        assert!(
            location.starts_with("/alice/app/settings/hooks/"),
            "{location}"
        );
        let page = alice.get(&location).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.contains("The webhook is saved."));
        assert!(page.contains("https://ci.example.org/hook"));
        assert!(!page.contains("page-secret"));
        assert!(page.contains("A secret is set"));
        let hook_path = location.split('?').next().unwrap().to_string();

        // Edited: the secret is kept when left empty.
        let saved = alice
            .post(
                &hook_path,
                &[
                    ("url", "https://ci.example.org/other"),
                    ("content_type", "form"),
                    ("events", "issue_comment"),
                ],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        let hook_id = WebhookId(hook_path.rsplit('/').next().unwrap().parse().unwrap());
        let hook = forge_core::webhook::by_id(&forge.db, hook_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(hook.url, "https://ci.example.org/other");
        assert!(hook.has_secret);
        assert!(!hook.active);
        assert_eq!(
            forge_core::webhook::secret_of(&forge.db, hook_id)
                .await
                .unwrap(),
            "page-secret"
        );

        // Test delivery and redelivery queue deliveries, shown in the history.
        let queued = alice.post(&format!("{hook_path}/test"), &[]).await;
        assert_eq!(queued.status, StatusCode::SEE_OTHER);
        let page = alice.get(queued.location.as_deref().unwrap()).await;
        assert!(page.contains("The delivery is queued"));
        assert!(page.contains("waiting to be sent"));
        let first = delivery::history(&forge.db, hook_id, 1).await.unwrap()[0].id;
        let again = alice
            .post(
                &format!("{hook_path}/deliveries/{}/redeliver", first.0),
                &[],
            )
            .await;
        assert_eq!(again.status, StatusCode::SEE_OTHER);
        assert_eq!(
            delivery::history(&forge.db, hook_id, 50)
                .await
                .unwrap()
                .len(),
            2
        );

        // Others: a reader is refused, a stranger to a private page is
        // sent to sign in.
        let mut bob = Browser::new(&forge, "fr");
        bob.sign_in("bob").await;
        assert_eq!(
            bob.get("/alice/app/settings/hooks").await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(bob.get(&hook_path).await.status, StatusCode::FORBIDDEN);
        let mut anonymous = Browser::new(&forge, "en");
        assert_eq!(
            anonymous.get("/alice/app/settings/hooks").await.status,
            StatusCode::SEE_OTHER
        );

        // In French.
        let mut alice_fr = Browser::new(&forge, "fr");
        alice_fr.sign_in("alice").await;
        assert!(
            alice_fr
                .get("/alice/app/settings/hooks")
                .await
                .contains("Ajouter un webhook")
        );

        // Deleted.
        let deleted = alice.post(&format!("{hook_path}/delete"), &[]).await;
        assert_eq!(deleted.status, StatusCode::SEE_OTHER);
        assert_eq!(
            deleted.location.as_deref(),
            Some("/alice/app/settings/hooks")
        );
        assert_eq!(alice.get(&hook_path).await.status, StatusCode::NOT_FOUND);

        // An organisation's hooks: its owners only.
        api(
            &forge,
            &token,
            reqwest::Method::POST,
            "/api/v1/orgs",
            Some(json!({"username": "coop", "kind": "cooperative"})),
        )
        .await;
        api(
            &forge,
            &token,
            reqwest::Method::PUT,
            "/api/v1/orgs/coop/members/bob",
            Some(json!({"role": "treasurer"})),
        )
        .await;
        assert!(
            alice
                .get("/coop")
                .await
                .contains("/org/coop/settings/hooks")
        );
        assert_eq!(
            bob.get("/org/coop/settings/hooks").await.status,
            StatusCode::FORBIDDEN
        );
        let created = alice
            .post(
                "/org/coop/settings/hooks",
                &[
                    ("url", "https://chat.example.org/in"),
                    ("events", "funding"),
                    ("active", "on"),
                ],
            )
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        assert!(
            created
                .location
                .unwrap()
                .starts_with("/org/coop/settings/hooks/")
        );
        assert!(
            alice
                .get("/org/coop/settings/hooks")
                .await
                .contains("https://chat.example.org/in")
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_branch_filter_chooses_the_branches_and_an_authorization_header_goes_along_unshown() {
    for db in testing::engines().await {
        let (receiver, hook_url) = Receiver::start().await;
        let (forge, jobs) = forge_with_jobs(db, true).await;
        let (_, token) = forge.user_with_token("alice", false).await;
        let (status, _) = api(
            &forge,
            &token,
            reqwest::Method::POST,
            "/api/v1/user/repos",
            Some(json!({"name": "app"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let create = |filter: &str| {
            json!({
                "type": "gitea",
                "config": {"url": hook_url, "content_type": "json"},
                "events": ["push", "create", "delete"],
                "branch_filter": filter,
                "authorization_header": "Bearer s3cr3t-token",
                "active": true,
            })
        };
        let (status, refused) = api(
            &forge,
            &token,
            reqwest::Method::POST,
            "/api/v1/repos/alice/app/hooks",
            Some(create("[main")),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        let (status, hook) = api(
            &forge,
            &token,
            reqwest::Method::POST,
            "/api/v1/repos/alice/app/hooks",
            Some(create("{main,release/*}")),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{hook}");
        assert_eq!(hook["branch_filter"], "{main,release/*}");
        assert_eq!(hook["authorization_header"], "Bearer ********");
        assert!(!hook.to_string().contains("s3cr3t"), "{hook}");
        let id = hook["id"].as_i64().unwrap();

        // Three branches and a tag pushed; the filter lets main, release/1
        // and the tag through, not feature/x.
        let dir = forge_tests::scratch("hooks-filter");
        git_ok(&dir, &["init", "-q"]).await;
        std::fs::write(dir.join("f"), "1\n").unwrap();
        git_ok(&dir, &["add", "."]).await;
        git_ok(&dir, &["commit", "-q", "-m", "First"]).await;
        for branch in ["feature/x", "release/1"] {
            git_ok(&dir, &["branch", branch]).await;
        }
        git_ok(&dir, &["tag", "v1"]).await;
        let remote = forge
            .at("/alice/app.git")
            .replace("http://", &format!("http://alice:{token}@"));
        git_ok(&dir, &["push", "-q", &remote, "main"]).await;
        git_ok(&dir, &["push", "-q", &remote, "feature/x"]).await;
        git_ok(&dir, &["push", "-q", &remote, "release/1"]).await;
        git_ok(&dir, &["push", "-q", &remote, "v1"]).await;
        git_ok(&dir, &["push", "-q", &remote, ":feature/x"]).await;
        git_ok(&dir, &["push", "-q", &remote, ":release/1"]).await;
        let deleted = receiver.wait_for("delete", 1).await;
        assert_eq!(deleted[0].json()["ref"], "release/1");
        let pushes = receiver.wait_for("push", 3).await;
        let mut refs: Vec<String> = pushes
            .iter()
            .map(|p| p.json()["ref"].as_str().unwrap().to_string())
            .collect();
        refs.sort();
        assert_eq!(
            refs,
            ["refs/heads/main", "refs/heads/release/1", "refs/tags/v1"]
        );
        let created = receiver.wait_for("create", 3).await;
        let mut created: Vec<String> = created
            .iter()
            .map(|c| c.json()["ref"].as_str().unwrap().to_string())
            .collect();
        created.sort();
        assert_eq!(created, ["main", "release/1", "v1"]);
        assert!(!receiver.all().iter().any(|r| r.body.contains("feature/x")));
        for request in receiver.all() {
            assert_eq!(request.header("authorization"), "Bearer s3cr3t-token");
        }
        // The history keeps it masked, and the page never shows it.
        let leaked = testing::numbers(
            &forge.db,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_deliveries \
             WHERE request_headers LIKE '%s3cr3t%'",
        )
        .await[0];
        assert_eq!(leaked, 0);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let masked = testing::numbers(
                &forge.db,
                "SELECT CAST(COUNT(*) AS BIGINT) FROM webhook_deliveries \
                 WHERE request_headers LIKE '%Bearer ********%'",
            )
            .await[0];
            if masked == 7 {
                break;
            }
            assert!(Instant::now() < deadline, "{masked} deliveries recorded");
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let mut browser = Browser::new(&forge, "en");
        browser.sign_in("alice").await;
        let page = browser
            .get(&format!("/alice/app/settings/hooks/{id}"))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.contains("Bearer ********"));
        assert!(page.contains("value=\"{main,release/*}\""));
        assert!(!page.contains("s3cr3t"));

        // Edited: a new filter, the header kept when not given, removed
        // when empty.
        let path = format!("/api/v1/repos/alice/app/hooks/{id}");
        let (status, edited) = api(
            &forge,
            &token,
            reqwest::Method::PATCH,
            &path,
            Some(json!({"branch_filter": "feature/*"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{edited}");
        assert_eq!(edited["branch_filter"], "feature/*");
        assert_eq!(edited["authorization_header"], "Bearer ********");
        let (_, edited) = api(
            &forge,
            &token,
            reqwest::Method::PATCH,
            &path,
            Some(json!({"authorization_header": ""})),
        )
        .await;
        assert_eq!(edited["authorization_header"], "");
        assert_eq!(edited["branch_filter"], "feature/*");
        jobs.stop().await;
    }
}
