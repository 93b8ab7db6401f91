//! The API's view of repositories' git data, on every engine under test:
//! first files made by `auto_init`, contents read, created, changed and
//! deleted by commits of the forge (with what a push causes), raw files,
//! archives, branches, tags and commits; private repositories are not
//! found by outsiders on any of them.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use base64::Engine as _;
use forge_tests::{TestForge, http};
use reqwest::StatusCode;
use serde_json::{Value, json};

struct Api {
    client: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value, reqwest::header::HeaderMap) {
        let mut request = self
            .client
            .request(method, format!("{}/api/v1{path}", self.base))
            .header("authorization", format!("token {}", self.token));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value, headers)
    }

    async fn get(&self, path: &str) -> (StatusCode, Value) {
        let (status, value, _) = self.send(reqwest::Method::GET, path, None).await;
        (status, value)
    }
}

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

#[tokio::test]
async fn files_change_by_commits_of_the_forge_with_the_consequences_of_a_push() {
    for forge in TestForge::on_each_engine().await {
        let engine = forge.engine();
        let (_, token) = forge.user_with_token("ada", false).await;
        let api = Api {
            client: http(),
            base: forge.url.clone(),
            token,
        };
        // auto_init: README, licence and .gitignore in one first commit.
        let (status, repo, _) = api
            .send(
                reqwest::Method::POST,
                "/user/repos",
                Some(json!({
                    "name": "demo", "description": "A demo", "auto_init": true,
                    "license": "MIT", "gitignores": "Rust,Python",
                })),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{engine:?} {repo}");
        assert_eq!(repo["empty"], false, "{repo}");
        assert_eq!(repo["default_branch"], "main");
        let (status, listing) = api.get("/repos/ada/demo/contents").await;
        assert_eq!(status, StatusCode::OK, "{listing}");
        let names: Vec<&str> = listing
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, [".gitignore", "LICENSE", "README.md"]);
        assert!(listing[0]["content"].is_null());
        let (_, license) = api.get("/repos/ada/demo/contents/LICENSE").await;
        let text = base64::engine::general_purpose::STANDARD
            .decode(license["content"].as_str().unwrap())
            .unwrap();
        assert!(String::from_utf8_lossy(&text).starts_with("MIT License"));
        assert_eq!(license["encoding"], "base64");
        assert_eq!(license["type"], "file");

        // An unknown template is refused before anything is created.
        let (status, _, _) = api
            .send(
                reqwest::Method::POST,
                "/user/repos",
                Some(json!({"name": "other", "auto_init": true, "license": "WTFPL"})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(api.get("/repos/ada/other").await.0, StatusCode::NOT_FOUND);

        // An issue that a commit of the forge will close.
        let (status, issue, _) = api
            .send(
                reqwest::Method::POST,
                "/repos/ada/demo/issues",
                Some(json!({"title": "Typo"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{issue}");
        let mut position = forge.outbox_end().await;

        // Create a file.
        let (status, created, _) = api
            .send(
                reqwest::Method::POST,
                "/repos/ada/demo/contents/docs/guide.md",
                Some(json!({"content": b64("# Guide\n"), "message": "Add a guide"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(created["content"]["path"], "docs/guide.md");
        assert_eq!(created["commit"]["message"], "Add a guide");
        assert_eq!(created["commit"]["author"]["email"], "ada@example.org");
        let sha = created["content"]["sha"].as_str().unwrap().to_string();
        // Creating it again is refused.
        let (status, _, _) = api
            .send(
                reqwest::Method::POST,
                "/repos/ada/demo/contents/docs/guide.md",
                Some(json!({"content": b64("again")})),
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

        // Update it, with a message that fixes the issue.
        let (status, _, _) = api
            .send(
                reqwest::Method::PUT,
                "/repos/ada/demo/contents/docs/guide.md",
                Some(
                    json!({"content": b64("x"), "sha": "0000000000000000000000000000000000000000"}),
                ),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "a stale sha");
        let (status, updated, _) = api
            .send(
                reqwest::Method::PUT,
                "/repos/ada/demo/contents/docs/guide.md",
                Some(json!({
                    "content": b64("# Guide\n\nFixed.\n"), "sha": sha,
                    "message": "Fix the guide\n\nFixes #1",
                    "author": {"name": "Grace", "email": "grace@example.org"},
                })),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{updated}");
        assert_eq!(updated["commit"]["author"]["name"], "Grace");
        let (_, issue) = api.get("/repos/ada/demo/issues/1").await;
        assert_eq!(issue["state"], "closed", "{engine:?} {issue}");
        let pushes = forge.events_since(&mut position, "push", 2).await;
        assert_eq!(pushes.len(), 2, "one push event per commit");

        // Raw, in both of Gitea's forms.
        let raw = api
            .client
            .get(forge.at("/api/v1/repos/ada/demo/raw/docs/guide.md?ref=main"))
            .header("authorization", format!("token {}", api.token))
            .send()
            .await
            .unwrap();
        assert_eq!(raw.status(), StatusCode::OK);
        assert_eq!(raw.text().await.unwrap(), "# Guide\n\nFixed.\n");
        let raw = api
            .client
            .get(forge.at("/api/v1/repos/ada/demo/raw/main/docs/guide.md"))
            .header("authorization", format!("token {}", api.token))
            .send()
            .await
            .unwrap();
        assert_eq!(raw.text().await.unwrap(), "# Guide\n\nFixed.\n");

        // On a new branch; then delete on main.
        let new_sha = updated["content"]["sha"].as_str().unwrap().to_string();
        let (status, on_branch, _) = api
            .send(
                reqwest::Method::POST,
                "/repos/ada/demo/contents/NOTES.txt",
                Some(json!({"content": b64("notes"), "new_branch": "notes"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{on_branch}");
        let (status, deleted, _) = api
            .send(
                reqwest::Method::DELETE,
                "/repos/ada/demo/contents/docs/guide.md",
                Some(json!({"sha": new_sha})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{deleted}");
        assert!(deleted["content"].is_null());
        assert_eq!(
            api.get("/repos/ada/demo/contents/docs/guide.md").await.0,
            StatusCode::NOT_FOUND
        );

        // Branches, one by name, tags, commits and one commit.
        let (status, branches) = api.get("/repos/ada/demo/branches").await;
        assert_eq!(status, StatusCode::OK);
        let names: Vec<&str> = branches
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["main", "notes"]);
        assert_eq!(branches[0]["user_can_push"], true);
        let (status, branch) = api.get("/repos/ada/demo/branches/notes").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(branch["commit"]["message"], "Add NOTES.txt");
        assert_eq!(
            api.get("/repos/ada/demo/branches/nope").await.0,
            StatusCode::NOT_FOUND
        );
        let (_, tags) = api.get("/repos/ada/demo/tags").await;
        assert_eq!(tags, json!([]));
        let (status, commits, headers) = api
            .send(
                reqwest::Method::GET,
                "/repos/ada/demo/commits?limit=2",
                None,
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["x-total-count"], "4");
        assert!(headers["link"].to_str().unwrap().contains("rel=\"next\""));
        assert_eq!(commits.as_array().unwrap().len(), 2);
        assert_eq!(commits[0]["commit"]["message"], "Delete docs/guide.md");
        assert_eq!(commits[0]["author"]["login"], "ada");
        let (_, page2) = api.get("/repos/ada/demo/commits?limit=2&page=2").await;
        assert_eq!(page2[1]["commit"]["message"], "Initial commit");
        assert!(page2[1]["parents"].as_array().unwrap().is_empty());
        let (_, on_path) = api
            .get("/repos/ada/demo/commits?path=docs/guide.md&sha=main")
            .await;
        assert_eq!(on_path.as_array().unwrap().len(), 3);
        let first = commits[0]["sha"].as_str().unwrap();
        let (status, one) = api
            .get(&format!("/repos/ada/demo/git/commits/{first}"))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(one["files"][0]["filename"], "docs/guide.md");
        assert_eq!(one["files"][0]["status"], "removed");
        assert_eq!(one["stats"]["deletions"], 3);

        // Archives, through the code browser's own code.
        let archive = api
            .client
            .get(forge.at("/api/v1/repos/ada/demo/archive/main.zip"))
            .header("authorization", format!("token {}", api.token))
            .send()
            .await
            .unwrap();
        assert_eq!(archive.status(), StatusCode::OK);
        assert_eq!(archive.headers()["content-type"], "application/zip");
        assert!(archive.bytes().await.unwrap().starts_with(b"PK"));
    }
}

#[tokio::test]
async fn private_repositories_are_not_found_by_outsiders_and_read_only_callers_cannot_write() {
    for forge in TestForge::on_each_engine().await {
        let (_, owner) = forge.user_with_token("owner", false).await;
        let (_, outsider) = forge.user_with_token("outsider", false).await;
        let api = Api {
            client: http(),
            base: forge.url.clone(),
            token: owner,
        };
        let (status, _, _) = api
            .send(
                reqwest::Method::POST,
                "/user/repos",
                Some(json!({"name": "secret", "private": true, "auto_init": true})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, public, _) = api
            .send(
                reqwest::Method::POST,
                "/user/repos",
                Some(json!({"name": "open", "auto_init": true})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{public}");
        let stranger = Api {
            client: http(),
            base: forge.url.clone(),
            token: outsider,
        };
        let (_, readme) = api.get("/repos/owner/secret/contents/README.md").await;
        let first = {
            let (_, commits) = api.get("/repos/owner/secret/commits").await;
            commits[0]["sha"].as_str().unwrap().to_string()
        };
        for path in [
            "/repos/owner/secret/contents".to_string(),
            "/repos/owner/secret/contents/README.md".to_string(),
            "/repos/owner/secret/raw/README.md".to_string(),
            "/repos/owner/secret/archive/main.tar.gz".to_string(),
            "/repos/owner/secret/branches".to_string(),
            "/repos/owner/secret/branches/main".to_string(),
            "/repos/owner/secret/tags".to_string(),
            "/repos/owner/secret/commits".to_string(),
            format!("/repos/owner/secret/git/commits/{first}"),
            "/repos/owner/secret/issues/comments".to_string(),
            "/repos/owner/secret/topics".to_string(),
            "/repos/owner/secret/collaborators".to_string(),
            "/repos/owner/secret/collaborators/owner".to_string(),
            "/repos/owner/secret/collaborators/owner/permission".to_string(),
        ] {
            let (status, _) = stranger.get(&path).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            let anonymous = http()
                .get(forge.at(&format!("/api/v1{path}")))
                .send()
                .await
                .unwrap();
            assert_ne!(anonymous.status(), StatusCode::OK, "{path}");
            assert!(anonymous.status().is_client_error(), "{path}");
        }
        let (status, _, _) = stranger
            .send(
                reqwest::Method::PUT,
                "/repos/owner/secret/contents/README.md",
                Some(json!({"content": b64("x"), "sha": readme["sha"]})),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // A public repository is read by all and written only by writers.
        let (_, open_readme) = stranger.get("/repos/owner/open/contents/README.md").await;
        let (status, _, _) = stranger
            .send(
                reqwest::Method::PUT,
                "/repos/owner/open/contents/README.md",
                Some(json!({"content": b64("x"), "sha": open_readme["sha"]})),
            )
            .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (_, search, _) = stranger
            .send(reqwest::Method::GET, "/repos/search?q=e", None)
            .await;
        let found: Vec<&str> = search["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["full_name"].as_str().unwrap())
            .collect();
        assert_eq!(found, ["owner/open"], "private repositories stay hidden");
        let (_, search, headers) = api
            .send(reqwest::Method::GET, "/repos/search?q=e", None)
            .await;
        assert_eq!(search["ok"], true);
        assert_eq!(search["data"].as_array().unwrap().len(), 2);
        assert_eq!(headers["x-total-count"], "2");
    }
}

#[tokio::test]
async fn the_new_repository_page_starts_with_the_first_files_chosen() {
    for forge in TestForge::on_each_engine().await {
        let mut alice = forge_tests::Browser::new(&forge, "fr");
        alice.sign_up("alice").await;
        let page = alice.get("/repo/create").await;
        assert!(page.contains("Commencer avec un README"), "{}", page.body);
        assert!(
            page.contains("<option value=\"EUPL-1.2\">"),
            "{}",
            page.body
        );
        let page = alice
            .post(
                "/repo/create",
                &[
                    ("owner", "alice"),
                    ("name", "started"),
                    ("default_branch", "main"),
                    ("auto_init", "on"),
                    ("license", "EUPL-1.2"),
                    ("gitignore", "Rust"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let listing: Value = http()
            .get(forge.at("/api/v1/repos/alice/started/contents"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let names: Vec<&str> = listing
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, [".gitignore", "LICENSE", "README.md"]);
        // Without the checkbox, the repository stays empty.
        let page = alice
            .post(
                "/repo/create",
                &[
                    ("owner", "alice"),
                    ("name", "bare"),
                    ("default_branch", "main"),
                    ("license", "MIT"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        let repo: Value = http()
            .get(forge.at("/api/v1/repos/alice/bare"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(repo["empty"], true);
    }
}
