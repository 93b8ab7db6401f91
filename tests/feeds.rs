//! Atom feeds, read by a real feed parser (Python's feedparser), on every
//! engine under test: a repository's activity, its issues, one issue, an
//! organisation's funding and a user's activity; private content only with
//! the reader's feed token, made in the settings; the pages announce their
//! feeds.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_core::clock::{now_ms, rfc3339};
use forge_tests::{Browser, TestForge, http};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn api(forge: &TestForge, token: &str, method: Method, path: &str, body: Value) -> Value {
    let response = http()
        .request(method, forge.at(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    assert!(status.is_success(), "{path}: {status} {text}");
    serde_json::from_str(&text).unwrap_or(Value::Null)
}

/// What feedparser makes of a document: `bozo`, the feed's title and the
/// entries' titles, links, authors and ids.
async fn parse(xml: &str) -> Value {
    use tokio::io::AsyncWriteExt;
    let script = "import feedparser, json, sys\n\
        d = feedparser.parse(sys.stdin.buffer.read())\n\
        print(json.dumps({'bozo': int(d.bozo), 'error': str(d.get('bozo_exception', '')), \
        'version': d.version, 'title': d.feed.get('title'), \
        'entries': [{'title': e.get('title'), 'link': e.get('link'), 'author': e.get('author'), \
        'id': e.get('id'), 'updated': e.get('updated')} for e in d.entries]}))";
    let mut child = tokio::process::Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(xml.as_bytes()).await.unwrap();
    drop(stdin);
    let output = child.wait_with_output().await.unwrap();
    assert!(
        output.status.success(),
        "feedparser failed (is it installed?): {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Fetches a feed, checks it is valid Atom 1.0, returns the parse.
async fn feed(forge: &TestForge, path: &str) -> Value {
    let response = http().get(forge.at(path)).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    assert_eq!(
        response.headers()["content-type"],
        "application/atom+xml; charset=utf-8"
    );
    let xml = response.text().await.unwrap();
    let parsed = parse(&xml).await;
    assert_eq!(parsed["bozo"], 0, "{path}: {parsed}\n{xml}");
    assert_eq!(parsed["version"], "atom10", "{path}");
    parsed
}

fn titles(parsed: &Value) -> Vec<String> {
    parsed["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["title"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn status_of(forge: &TestForge, path: &str) -> StatusCode {
    http().get(forge.at(path)).send().await.unwrap().status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn feeds_are_valid_atom_and_private_content_needs_a_token() {
    for forge in TestForge::on_each_engine().await {
        let (_, alice) = forge.user_with_token("alice", false).await;
        forge.user("bob", false).await;
        api(
            &forge,
            &alice,
            Method::POST,
            "/api/v1/orgs",
            json!({"username": "coop", "kind": "cooperative"}),
        )
        .await;
        api(
            &forge,
            &alice,
            Method::POST,
            "/api/v1/orgs/coop/repos",
            json!({"name": "app"}),
        )
        .await;
        api(
            &forge,
            &alice,
            Method::POST,
            "/api/v1/user/repos",
            json!({"name": "secret", "private": true}),
        )
        .await;
        let title = "Crash <b> & \"quoted\" 'text'";
        api(
            &forge,
            &alice,
            Method::POST,
            "/api/v1/repos/coop/app/issues",
            json!({"title": title, "body": "x"}),
        )
        .await;
        api(
            &forge,
            &alice,
            Method::POST,
            "/api/v1/repos/coop/app/issues/1/comments",
            json!({"body": "Seen"}),
        )
        .await;
        api(
            &forge,
            &alice,
            Method::PUT,
            "/api/v1/repos/coop/app/issues/1/funding",
            json!({
                "budget_minor": 100_000,
                "currency": "EUR",
                "deadline": rfc3339(now_ms() + 30 * 86_400_000),
                "acceptance": "It no longer crashes.",
            }),
        )
        .await;
        api(
            &forge,
            &alice,
            Method::POST,
            "/api/v1/repos/alice/secret/issues",
            json!({"title": "Hidden plans"}),
        )
        .await;

        // A repository's activity, its issues, one issue.
        let repo = feed(&forge, "/coop/app.atom").await;
        assert_eq!(repo["title"], "Activity of coop/app");
        let all = titles(&repo);
        assert!(
            all.iter()
                .any(|t| t == &format!("alice opened coop/app#1: {title}")),
            "{all:?}"
        );
        assert!(
            all.iter()
                .any(|t| t.starts_with("alice commented on coop/app#1"))
        );
        assert!(all.iter().any(|t| t == "alice created coop/app"), "{all:?}");
        let first = &repo["entries"][0];
        assert_eq!(first["author"], "alice");
        assert!(first["link"].as_str().unwrap().starts_with(&forge.url));
        let issues = titles(&feed(&forge, "/coop/app/issues.atom").await);
        assert!(!issues.iter().any(|t| t == "alice created coop/app"));
        assert!(issues.len() >= 3, "{issues:?}");
        let one = feed(&forge, "/coop/app/issues/1/feed.atom").await;
        assert_eq!(
            one["title"].as_str().unwrap(),
            format!("coop/app#1: {title}")
        );
        assert!(titles(&one).len() >= 3);

        // The organisation's funding activity.
        let funding = titles(&feed(&forge, "/org/coop/funding.atom").await);
        assert_eq!(funding.len(), 1, "{funding:?}");
        assert!(funding[0].contains("funding"), "{funding:?}");

        // A user's public activity: the private repository's issue is left
        // out for readers without a token.
        let public = titles(&feed(&forge, "/alice.atom").await);
        assert!(public.iter().any(|t| t.contains("coop/app#1")));
        assert!(
            !public.iter().any(|t| t.contains("Hidden plans")),
            "{public:?}"
        );
        assert_eq!(
            status_of(&forge, "/alice/secret.atom").await,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            status_of(&forge, "/alice/secret/issues.atom").await,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            status_of(&forge, "/alice/secret/issues/1/feed.atom").await,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            status_of(&forge, "/nobody.atom").await,
            StatusCode::NOT_FOUND
        );

        // Feed tokens, made in the settings and shown once.
        let mut browser = Browser::new(&forge, "en");
        browser.sign_in("alice").await;
        let page = browser.get("/user/settings/feeds").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.contains("Make a feed token"));
        let made = browser.post("/user/settings/feeds", &[]).await;
        assert_eq!(made.status, StatusCode::OK);
        let token = made
            .body
            .split("<code>")
            .nth(1)
            .unwrap()
            .split("</code>")
            .next()
            .unwrap()
            .to_string();
        assert_eq!(token.len(), 40, "{token}");
        let private = feed(&forge, &format!("/alice/secret.atom?token={token}")).await;
        assert!(titles(&private).iter().any(|t| t.contains("Hidden plans")));
        let mine = titles(&feed(&forge, &format!("/alice.atom?token={token}")).await);
        assert!(mine.iter().any(|t| t.contains("Hidden plans")));
        // Someone else's token opens only what they may read.
        let mut bob = Browser::new(&forge, "en");
        bob.sign_in("bob").await;
        let bobs = bob.post("/user/settings/feeds", &[]).await;
        let bob_token = bobs
            .body
            .split("<code>")
            .nth(1)
            .unwrap()
            .split("</code>")
            .next()
            .unwrap()
            .to_string();
        assert_eq!(
            status_of(&forge, &format!("/alice/secret.atom?token={bob_token}")).await,
            StatusCode::NOT_FOUND
        );
        // A token that is not valid is refused, with a message.
        let refused = http()
            .get(forge.at("/alice/secret.atom?token=nope"))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        assert!(
            refused
                .text()
                .await
                .unwrap()
                .contains("feed token is not valid")
        );
        // A new token replaces the old one.
        let again = browser.post("/user/settings/feeds", &[]).await;
        assert!(again.contains("Make a new feed token"));
        assert_eq!(
            status_of(&forge, &format!("/alice/secret.atom?token={token}")).await,
            StatusCode::UNAUTHORIZED
        );

        // Pages announce their feeds.
        let home = browser.get("/coop/app").await;
        assert!(home.contains(r#"<link rel="alternate" type="application/atom+xml""#));
        assert!(home.contains(r#"href="/coop/app.atom""#));
        assert!(
            browser
                .get("/coop/app/issues")
                .await
                .contains(r#"href="/coop/app/issues.atom""#)
        );
        assert!(
            browser
                .get("/coop/app/issues/1")
                .await
                .contains(r#"href="/coop/app/issues/1/feed.atom""#)
        );
        assert!(
            browser
                .get("/coop")
                .await
                .contains(r#"href="/org/coop/funding.atom""#)
        );
        assert!(
            browser
                .get("/alice")
                .await
                .contains(r#"href="/alice.atom""#)
        );
    }
}
