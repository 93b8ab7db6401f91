//! What the tests of pull requests, reviews and branch protection share: a
//! git remote with credentials, a commit of one file, Gitea API calls with
//! a token, and the background mergeability check run on demand.

use crate::{TestForge, git_ok, http};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::path::Path;

/// `path` on the forge, with `user` and `secret` in the address, as a git
/// remote.
pub fn url(forge: &TestForge, user: &str, secret: &str, path: &str) -> String {
    format!(
        "{}{path}",
        forge
            .url
            .replace("http://", &format!("http://{user}:{secret}@"))
    )
}

/// Writes `file` in the working copy `dir` and commits it.
pub async fn commit_file(dir: &Path, file: &str, content: &str, message: &str) {
    std::fs::write(dir.join(file), content).expect("writing a file of the working copy");
    git_ok(dir, &["add", "."]).await;
    git_ok(dir, &["commit", "-q", "-m", message]).await;
}

/// The commit `rev` names in `dir`.
pub async fn head_of(dir: &Path, rev: &str) -> String {
    git_ok(dir, &["rev-parse", rev]).await.trim().to_string()
}

/// Calls `/api/v1{path}` with `token`; the status and the JSON answer
/// (null when the answer is not JSON).
pub async fn api(
    forge: &TestForge,
    method: Method,
    token: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = http()
        .request(method, forge.at(&format!("/api/v1{path}")))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the forge answers");
    let status = response.status();
    let text = response.text().await.expect("the answer reads");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

pub async fn post(forge: &TestForge, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    api(forge, Method::POST, token, path, Some(body)).await
}

pub async fn get(forge: &TestForge, token: &str, path: &str) -> (StatusCode, Value) {
    api(forge, Method::GET, token, path, None).await
}

/// Runs the background mergeability check as the job would.
pub async fn check(forge: &TestForge) {
    let service = forge_service::Forge::new(forge.db.clone(), forge.storage.clone());
    service
        .check_pull_requests()
        .await
        .expect("the mergeability check runs");
}
