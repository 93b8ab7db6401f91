//! What clients are told when the database or the repository storage fails:
//! 503 with a message, never a 401 that would make git's credential helpers
//! forget a good password; `/-/health` reports failing writes, and says ok
//! again once the cause is gone.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_tests::{TestForge, http};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::Path;

/// `git ls-remote` with the credentials in the URL, no helper, no prompt.
async fn ls_remote(url: &str) -> std::process::Output {
    tokio::process::Command::new("git")
        .args(["-c", "credential.helper=", "ls-remote", url])
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_ASKPASS", "/bin/false")
        .env_remove("GIT_DIR")
        .output()
        .await
        .unwrap()
}

async fn health(forge: &TestForge) -> (StatusCode, Value) {
    let response = http().get(forge.at("/-/health")).send().await.unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_outage_is_503_on_git_the_api_and_pages_never_401() {
    for forge in TestForge::on_each_engine().await {
        let (_, token) = forge.user_with_token("alice", false).await;
        let response = http()
            .post(forge.at("/api/v1/user/repos"))
            .bearer_auth(&token)
            .json(&json!({"name": "app", "private": true}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let with_token = forge
            .url
            .replace("http://", &format!("http://alice:{token}@"))
            + "/alice/app.git";
        let output = ls_remote(&with_token).await;
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );

        forge.db.close().await;

        // git with credentials: 503 and a sentence, no authentication
        // challenge.
        let response = http()
            .get(format!(
                "{}/alice/app.git/info/refs?service=git-upload-pack",
                forge.url
            ))
            .basic_auth("alice", Some(&token))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(response.headers().get("www-authenticate").is_none());
        assert!(response.headers().get("retry-after").is_some());
        let text = response.text().await.unwrap();
        assert!(text.contains("cannot reach its database"), "{text}");
        // The real git client sees the 503, not a failed authentication.
        let output = ls_remote(&with_token).await;
        assert!(!output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("503"), "{stderr}");
        assert!(!stderr.contains("Authentication failed"), "{stderr}");
        // Anonymous git on the same path: also 503 (the lookup fails).
        let response = http()
            .get(format!(
                "{}/alice/app.git/info/refs?service=git-upload-pack",
                forge.url
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);

        // The API with a token: 503 with a message.
        let response = http()
            .get(forge.at("/api/v1/user"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert!(response.headers().get("www-authenticate").is_none());
        let body: Value = response.json().await.unwrap();
        assert!(
            body["message"].as_str().unwrap().contains("try again"),
            "{body}"
        );

        // A page with a session cookie: a 503 page, not the sign-in form.
        let response = http()
            .get(forge.at("/"))
            .header(
                "cookie",
                "forge_session=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);

        let (status, body) = health(&forge).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["database"], "failing", "{body}");
        assert_eq!(body["storage"], "ok", "{body}");
        let response = http().get(forge.at("/-/ready")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
}

/// A storage that refuses writes, as root too (where permissions stop
/// nothing): the repositories folder replaced by a file.
#[tokio::test]
async fn a_failing_storage_fails_health_until_it_is_back() {
    for forge in TestForge::on_each_engine().await {
        let (status, body) = health(&forge).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(
            body,
            json!({"status": "ok", "database": "ok", "storage": "ok"})
        );
        let response = http().get(forge.at("/-/ready")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);

        let root: &Path = forge.storage.root();
        std::fs::create_dir_all(root).unwrap();
        let aside = root.with_extension("aside");
        std::fs::rename(root, &aside).unwrap();
        std::fs::write(root, b"not a folder").unwrap();

        let (status, body) = health(&forge).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(body["status"], "failing", "{body}");
        assert_eq!(body["database"], "ok", "{body}");
        assert_eq!(body["storage"], "failing", "{body}");
        let response = http().get(forge.at("/-/ready")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);

        // The cause goes away: the forge is healthy again, without a restart.
        std::fs::remove_file(root).unwrap();
        std::fs::rename(&aside, root).unwrap();
        let (status, body) = health(&forge).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let response = http().get(forge.at("/-/ready")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
}
