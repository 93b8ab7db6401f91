//! Regression tests of the security findings: each attack that once worked
//! is tried again, through real HTTP, git and databases.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_tests::{Browser, Scratch, TestForge, git_ok, http, scratch};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// The push URL of `owner/name` with a user's token as Basic credentials.
fn push_url(forge: &TestForge, user: &str, token: &str, full_name: &str) -> String {
    format!(
        "{}/{full_name}.git",
        forge
            .url
            .replace("http://", &format!("http://{user}:{token}@"))
    )
}

/// Creates a repository of the token's owner through the API.
async fn create_repo(forge: &TestForge, token: &str, body: Value) {
    let response = http()
        .post(forge.at("/api/v1/user/repos"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
}

/// A working copy with one commit holding `file.txt`, on `main`.
async fn working_copy() -> Scratch {
    let dir = scratch("security");
    git_ok(&dir, &["init", "-q"]).await;
    std::fs::write(dir.join("file.txt"), "content\n").unwrap();
    git_ok(&dir, &["add", "."]).await;
    git_ok(&dir, &["commit", "-q", "-m", "First"]).await;
    dir
}

#[tokio::test]
async fn redirect_targets_stay_on_this_site() {
    for forge in TestForge::on_each_engine().await {
        forge.user("alice", false).await;
        // `%09` is a tab, which browsers drop: `/\t/evil.example/` would be
        // read as `//evil.example/`. CR and LF once made the answer a 500.
        for target in [
            "/%09/evil.example/",
            "/%0d%0aSet-Cookie:%20x=y",
            "/%0a/evil.example",
            "//evil.example/",
            "/%5Cevil.example/",
            "/%E2%80%AEgnp.exe",
        ] {
            let page = http()
                .get(forge.at(&format!("/user/login?redirect_to={target}")))
                .send()
                .await
                .unwrap();
            assert_eq!(page.status(), StatusCode::OK, "{target}");
            let body = page.text().await.unwrap();
            assert!(
                body.contains("name=\"redirect_to\" value=\"/\""),
                "{target}: {body}"
            );

            let mut browser = Browser::new(&forge, "en");
            browser.get("/user/login").await;
            let decoded = percent_decode(target);
            let password = forge_tests::password_of("alice");
            let page = browser
                .post(
                    "/user/login",
                    &[
                        ("login", "alice"),
                        ("password", &password),
                        ("redirect_to", &decoded),
                    ],
                )
                .await;
            assert_eq!(page.status, StatusCode::SEE_OTHER, "{target}");
            assert_eq!(page.location.as_deref(), Some("/"), "{target}");

            let page = browser
                .post("/-/lang", &[("lang", "fr"), ("next", &decoded)])
                .await;
            assert_eq!(page.status, StatusCode::SEE_OTHER, "{target}");
            assert_eq!(page.location.as_deref(), Some("/"), "{target}");
        }

        // A local path is kept.
        let mut browser = Browser::new(&forge, "en");
        browser.get("/user/login").await;
        let password = forge_tests::password_of("alice");
        let page = browser
            .post(
                "/user/login",
                &[
                    ("login", "alice"),
                    ("password", &password),
                    ("redirect_to", "/explore/repos?q=a"),
                ],
            )
            .await;
        assert_eq!(page.location.as_deref(), Some("/explore/repos?q=a"));
    }
}

/// Decodes `%XX` escapes (the test's targets are written as in a URL).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
            out.push(u8::from_str_radix(hex, 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_ref_names_and_paths_are_not_found_rather_than_errors() {
    for forge in TestForge::on_each_engine().await {
        let (_, token) = forge.user_with_token("alice", false).await;
        create_repo(&forge, &token, json!({"name": "app"})).await;
        let work = working_copy().await;
        git_ok(&work, &["tag", "v1"]).await;
        let url = push_url(&forge, "alice", &token, "alice/app");
        git_ok(&work, &["push", "-q", &url, "main", "v1"]).await;

        let long = "a".repeat(1100);
        let deep = vec!["abcdefghij"; 40].join("/");
        for path in [
            format!("/alice/app/src/branch/{long}"),
            format!("/alice/app/src/tag/{long}"),
            format!("/alice/app/src/branch/{deep}"),
            format!("/alice/app/src/branch/main/{long}"),
            format!("/alice/app/src/branch/main/{long}/{long}/{long}/{long}"),
            format!("/alice/app/raw/branch/{long}"),
            format!("/alice/app/raw/tag/{long}/file.txt"),
            format!("/alice/app/raw/branch/main/{long}"),
            format!("/alice/app/commits/branch/{long}"),
            format!("/alice/app/commits/tag/{long}"),
            format!("/alice/app/commits/branch/main/{long}"),
            format!("/alice/app/archive/{long}.tar.gz"),
            format!("/alice/app/archive/{long}.zip"),
            format!("/alice/app/commit/{long}"),
        ] {
            let response = http().get(forge.at(&path)).send().await.unwrap();
            let status = response.status();
            assert!(
                status == StatusCode::NOT_FOUND || status == StatusCode::BAD_REQUEST,
                "{status} for {}",
                &path[..60]
            );
        }
        // The short names still work.
        for path in [
            "/alice/app/src/branch/main/file.txt",
            "/alice/app/src/tag/v1",
            "/alice/app/archive/v1.tar.gz",
        ] {
            let response = http().get(forge.at(path)).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{path}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_commits_neither_close_nor_mention_issues_others_can_read() {
    for forge in TestForge::on_each_engine().await {
        let (alice, token) = forge.user_with_token("alice", false).await;
        create_repo(&forge, &token, json!({"name": "app"})).await;
        create_repo(&forge, &token, json!({"name": "notes", "private": true})).await;
        create_repo(&forge, &token, json!({"name": "secret", "private": true})).await;
        let mut issues = Vec::new();
        for (repo_name, title) in [("app", "Crash on save"), ("app", "Slow"), ("notes", "Todo")] {
            let repo = forge_core::repo::find(&forge.db, "alice", repo_name)
                .await
                .unwrap()
                .unwrap();
            let issue = forge_core::issue::create(
                &forge.db,
                &alice,
                &repo,
                forge_core::issue::NewIssue {
                    title: title.into(),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            issues.push(issue);
        }

        let work = working_copy().await;
        git_ok(
            &work,
            &[
                "commit",
                "-q",
                "--allow-empty",
                "-m",
                "Secret fix\n\nFixes alice/app#1, see alice/app#2, fixes alice/notes#1",
            ],
        )
        .await;
        let head = git_ok(&work, &["rev-parse", "HEAD"]).await;
        let head = head.trim();
        let url = push_url(&forge, "alice", &token, "alice/secret");
        git_ok(&work, &["push", "-q", &url, "main"]).await;

        // The private sibling, which has the same readers, is closed.
        let notes = forge_core::issue::get(&forge.db, issues[2].repo_id, 1)
            .await
            .unwrap()
            .unwrap();
        assert!(notes.closed, "a private repository of the same owner");

        // The public issues neither close nor show the commit.
        for issue in &issues[..2] {
            let now = forge_core::issue::get(&forge.db, issue.repo_id, issue.number)
                .await
                .unwrap()
                .unwrap();
            assert!(!now.closed, "issue {} was closed", issue.number);
            let events = forge_core::timeline::events(&forge.db, issue.id)
                .await
                .unwrap();
            assert!(events.iter().all(|e| e.commit.is_none()), "{events:?}");
            let page = http()
                .get(forge.at(&format!("/alice/app/issues/{}", issue.number)))
                .send()
                .await
                .unwrap();
            assert_eq!(page.status(), StatusCode::OK);
            let body = page.text().await.unwrap();
            assert!(
                !body.contains(head) && !body.contains(&head[..10]),
                "{body}"
            );
        }
    }
}

/// The `Cache-Control` header of an answer, or "".
fn cache_control(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("cache-control")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_answers_are_not_kept_by_caches() {
    for forge in TestForge::on_each_engine().await {
        let (_, token) = forge.user_with_token("alice", false).await;
        create_repo(&forge, &token, json!({"name": "app"})).await;
        create_repo(&forge, &token, json!({"name": "secret", "private": true})).await;
        let work = working_copy().await;
        for repo in ["app", "secret"] {
            let url = push_url(&forge, "alice", &token, &format!("alice/{repo}"));
            git_ok(&work, &["push", "-q", &url, "main"]).await;
        }
        let mut browser = Browser::new(&forge, "en");
        browser.sign_in("alice").await;
        let cookie = browser
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ");
        let get = |path: String| {
            let cookie = cookie.clone();
            let url = forge.at(&path);
            async move {
                http()
                    .get(url)
                    .header("cookie", cookie)
                    .send()
                    .await
                    .unwrap()
            }
        };
        for path in [
            "",
            "/issues",
            "/src/branch/main/file.txt",
            "/raw/branch/main/file.txt",
            "/archive/main.zip",
            "/commits/branch/main",
        ] {
            let private = get(format!("/alice/secret{path}")).await;
            assert_eq!(private.status(), StatusCode::OK, "{path}");
            assert_eq!(cache_control(&private), "private, no-store", "{path}");
            let public = get(format!("/alice/app{path}")).await;
            assert_eq!(public.status(), StatusCode::OK, "{path}");
            assert!(!cache_control(&public).contains("private"), "{path}");
        }

        // The API: answers to a caller with credentials are for them only.
        let with_token = http()
            .get(forge.at("/api/v1/repos/alice/app"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(with_token.status(), StatusCode::OK);
        assert_eq!(cache_control(&with_token), "private, no-store");
        let anonymous = http()
            .get(forge.at("/api/v1/repos/alice/app"))
            .send()
            .await
            .unwrap();
        assert!(!cache_control(&anonymous).contains("private"));

        // A body over the limit is too large (413), not malformed (422).
        let big = format!(
            "{{\"name\": \"x\", \"description\": \"{}\"}}",
            "a".repeat(3 << 20)
        );
        let response = http()
            .post(forge.at("/api/v1/user/repos"))
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(big)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        let body: Value = response.json().await.unwrap();
        assert!(body["message"].as_str().unwrap().contains("too large"));
        assert!(
            response_has_no_hsts(&forge).await,
            "no HSTS over plain http"
        );
    }
}

async fn response_has_no_hsts(forge: &TestForge) -> bool {
    let response = http().get(forge.at("/")).send().await.unwrap();
    !response.headers().contains_key("strict-transport-security")
}

#[tokio::test]
async fn hsts_is_sent_when_the_forge_is_served_over_https() {
    let db = forge_core::testing::engines().await.remove(0);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let config = forge_web::WebConfig {
        base_url: "https://forge.example.org".into(),
        ..forge_tests::default_config()
    };
    let storage = forge_git::Storage::new(std::env::temp_dir().join(format!(
        "forge-security-{}",
        forge_core::secret::random_hex(6)
    )));
    let state = forge_web::AppState::new(db, config, storage);
    let server = tokio::spawn(async move {
        axum::serve(listener, forge_web::app(state)).await.unwrap();
    });
    for path in ["/", "/api/v1/users/nobody", "/-/health"] {
        let response = http()
            .get(format!("http://{address}{path}"))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response
                .headers()
                .get("strict-transport-security")
                .map(|v| v.to_str().unwrap()),
            Some("max-age=31536000"),
            "{path}"
        );
    }
    server.abort();
}

#[tokio::test]
async fn token_names_refuse_control_characters() {
    for forge in TestForge::on_each_engine().await {
        let alice = forge.user("alice", false).await;
        for name in ["nul\0name", "tab\tname", "bell\u{7}", "\u{202e}gnp.exe"] {
            let response = http()
                .post(forge.at("/api/v1/users/alice/tokens"))
                .basic_auth("alice", Some(forge_tests::password_of("alice")))
                .json(&json!({ "name": name }))
                .send()
                .await
                .unwrap();
            assert_eq!(
                response.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{name:?}"
            );
            let body: Value = response.json().await.unwrap();
            assert!(
                body["message"]
                    .as_str()
                    .unwrap()
                    .contains("control characters"),
                "{body}"
            );
        }
        let mut browser = Browser::new(&forge, "en");
        browser.sign_in("alice").await;
        browser.get("/user/settings/tokens").await;
        let page = browser
            .post("/user/settings/tokens", &[("name", "a\0b")])
            .await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            page.body
        );
        assert!(page.contains("control characters"), "{}", page.body);
        assert!(
            forge_core::token::list(&forge.db, alice.id)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn sign_up_does_not_tell_whether_an_address_is_registered() {
    for forge in TestForge::on_each_engine().await {
        forge.user("alice", false).await;
        let attempt = |username: &'static str, email: &'static str| {
            let forge = &forge;
            async move {
                let mut browser = Browser::new(forge, "en");
                browser.get("/user/sign_up").await;
                browser
                    .post(
                        "/user/sign_up",
                        &[
                            ("username", username),
                            ("email", email),
                            ("password", "a long password"),
                            ("password_confirm", "a long password"),
                        ],
                    )
                    .await
            }
        };
        let taken = attempt("mallory", "ALICE@example.org").await;
        let free = attempt("zoe", "zoe@example.org").await;
        assert_eq!(taken.status, StatusCode::SEE_OTHER);
        assert_eq!(taken.status, free.status);
        assert_eq!(taken.location, free.location);
        assert_eq!(taken.body, free.body);
        assert!(
            forge_core::user::by_name(&forge.db, "mallory")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            forge_core::user::by_name(&forge.db, "zoe")
                .await
                .unwrap()
                .is_some()
        );
        // Usernames are public: a taken one is said.
        let page = attempt("alice", "other@example.org").await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            page.body
        );
        assert!(page.contains("id=\"username-error\""), "{}", page.body);
    }
}

#[tokio::test]
async fn only_readers_of_the_repository_may_be_assigned() {
    for forge in TestForge::on_each_engine().await {
        let (_, token) = forge.user_with_token("alice", false).await;
        forge.user("bob", false).await;
        create_repo(&forge, &token, json!({"name": "secret", "private": true})).await;
        let response = http()
            .post(forge.at("/api/v1/repos/alice/secret/issues"))
            .bearer_auth(&token)
            .json(&json!({"title": "Plan", "assignees": ["bob"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: Value = response.json().await.unwrap();
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("can read the repository"),
            "{body}"
        );
        let response = http()
            .post(forge.at("/api/v1/repos/alice/secret/issues"))
            .bearer_auth(&token)
            .json(&json!({"title": "Plan", "assignees": ["alice"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let response = http()
            .patch(forge.at("/api/v1/repos/alice/secret/issues/1"))
            .bearer_auth(&token)
            .json(&json!({"assignees": ["alice", "bob"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);

        let mut browser = Browser::new(&forge, "en");
        browser.sign_in("alice").await;
        browser.get("/alice/secret/issues/1").await;
        let page = browser
            .post("/alice/secret/issues/1/assignees", &[("assignees", "bob")])
            .await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            page.body
        );
        assert!(page.contains("can read the repository"), "{}", page.body);
        let secret = forge_core::repo::find(&forge.db, "alice", "secret")
            .await
            .unwrap()
            .unwrap();
        let issue = forge_core::issue::get(&forge.db, secret.id, 1)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            forge_core::issue::assignees_of(&forge.db, issue.id)
                .await
                .unwrap(),
            vec!["alice".to_string()]
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn characters_that_reorder_text_are_shown_and_isolated() {
    const RLO: char = '\u{202e}';
    for forge in TestForge::on_each_engine().await {
        let (alice, token) = forge.user_with_token("alice", false).await;
        create_repo(
            &forge,
            &token,
            json!({"name": "app", "description": format!("Tools {RLO}txt.exe")}),
        )
        .await;
        let work = working_copy().await;
        let file = format!("photo{RLO}gnp.exe");
        std::fs::write(
            work.join(&file),
            format!("let access = \"user{RLO} \"; // admin\n"),
        )
        .unwrap();
        git_ok(&work, &["add", "."]).await;
        git_ok(&work, &["commit", "-q", "-m", "Add a picture"]).await;
        let branch = format!("fix{RLO}elif");
        git_ok(&work, &["branch", &branch]).await;
        let url = push_url(&forge, "alice", &token, "alice/app");
        git_ok(&work, &["push", "-q", &url, "main", &branch]).await;
        let repo = forge_core::repo::find(&forge.db, "alice", "app")
            .await
            .unwrap()
            .unwrap();
        forge_core::issue::create(
            &forge.db,
            &alice,
            &repo,
            forge_core::issue::NewIssue {
                title: format!("Broken {RLO}gnp.exe"),
                ..Default::default()
            },
        )
        .await
        .unwrap();

        let encoded_file = "photo%E2%80%AEgnp.exe";
        for (path, expected) in [
            ("/alice/app".to_string(), 2),
            ("/alice/app/branches".to_string(), 1),
            ("/alice/app/issues".to_string(), 1),
            ("/alice/app/issues/1".to_string(), 1),
            (format!("/alice/app/src/branch/main/{encoded_file}"), 3),
        ] {
            let response = http().get(forge.at(&path)).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let body = response.text().await.unwrap();
            let marks = body.matches(">[U+202E]</span>").count();
            assert!(marks >= expected, "{path}: {marks} marks\n{body}");
            assert!(body.contains("<bdi>"), "{path}");
            // The character itself appears only where it cannot reorder
            // what is read: in the page's title and in addresses.
            let shown = body
                .split("</title>")
                .nth(1)
                .unwrap()
                .split("href=\"")
                .map(|part| part.split_once('"').map_or(part, |(_, rest)| rest))
                .any(|text| text.contains(RLO));
            assert!(!shown, "{path}: a raw U+202E is shown");
        }
    }
}
