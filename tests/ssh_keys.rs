//! SSH keys and deploy keys through the settings pages and Gitea's API, and
//! the SSH clone URL and host keys shown when the forge serves SSH, on
//! every engine under test.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_tests::{Browser, TestForge, default_config, http};
use forge_web::{SshInfo, WebConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

const KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO/b3qfXCgTwX36QMjjWDp8H0suzqmZVyT3dCSOxxIB4 me@laptop";
const FINGERPRINT: &str = "SHA256:mOVyvpZu5qL3IXSsiI6ndjorWO4mPIoth6GlbUIh7ak";
const OTHER_KEY: &str = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBDbg9aVK4Cn2PKLKQV2QEAGibdxJlra/Sgpa3UBHr+TI+UdgpUBRzuif1/uVLTJMN4QfDYtjb8DE8wgNuF1JRmo= ci";
const RSA_1024: &str = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC5aUM9+ACFj1SYt3BuX6lT7VgEgYSUtOEIwKusu1IGpe88rmAGWo8gsSuJbNnsxwQCnHk6xwuLx+UOxIWLcFNhysOn0zF25oZbnuTty54GDMLm3CZmMYULNk9Yg8tbC5joXDK5Gyybp8Qc72Ei9J2EQtUWS8cZdDYUka3IhH5aLw== short";

fn with_ssh() -> WebConfig {
    WebConfig {
        ssh: Some(SshInfo {
            host: "git.example.org".into(),
            port: 2222,
            fingerprints: vec![("ssh-ed25519".into(), "SHA256:hostkeyprint".into())],
        }),
        ..default_config()
    }
}

async fn send(
    request: reqwest::RequestBuilder,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let request = request.bearer_auth(token);
    let request = match body {
        Some(body) => request.json(&body),
        None => request,
    };
    let response = request.send().await.unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_through_the_api() {
    for forge in TestForge::on_each_engine().await {
        let (_alice, alice) = forge.user_with_token("alice", false).await;
        let (_bob, bob) = forge.user_with_token("bob", false).await;
        let (_root, root) = forge.user_with_token("root", true).await;
        let client = http();

        let (status, created) = send(
            client.post(forge.at("/api/v1/user/keys")),
            &alice,
            Some(json!({"title": "laptop", "key": KEY})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(created["fingerprint"], FINGERPRINT);
        assert_eq!(created["title"], "laptop");
        assert_eq!(created["key_type"], "user");
        let id = created["id"].as_i64().unwrap();

        // One account per key; weak keys refused with a message.
        let (status, body) = send(
            client.post(forge.at("/api/v1/user/keys")),
            &bob,
            Some(json!({"title": "mine", "key": KEY})),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        let (status, body) = send(
            client.post(forge.at("/api/v1/user/keys")),
            &bob,
            Some(json!({"title": "old", "key": RSA_1024})),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(body["message"].as_str().unwrap().contains("2048"), "{body}");

        let (status, list) = send(client.get(forge.at("/api/v1/user/keys")), &alice, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(list.as_array().unwrap().len(), 1);
        let (status, public) =
            send(client.get(forge.at("/api/v1/users/alice/keys")), &bob, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(public[0]["fingerprint"], FINGERPRINT);
        let path = format!("/api/v1/user/keys/{id}");
        let (status, _) = send(client.get(forge.at(&path)), &bob, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = send(client.delete(forge.at(&path)), &bob, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = send(client.delete(forge.at(&path)), &alice, None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);

        // The admin adds a key to someone's account; others may not.
        let (status, _) = send(
            client.post(forge.at("/api/v1/admin/users/bob/keys")),
            &alice,
            Some(json!({"title": "x", "key": KEY})),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, body) = send(
            client.post(forge.at("/api/v1/admin/users/bob/keys")),
            &root,
            Some(json!({"title": "given", "key": KEY})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["user"]["login"], "bob");

        // Deploy keys: the repository's administrators only; read-only
        // unless asked; private repositories are not found by others.
        let (status, _) = send(
            client.post(forge.at("/api/v1/user/repos")),
            &alice,
            Some(json!({"name": "site", "private": true})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, deploy) = send(
            client.post(forge.at("/api/v1/repos/alice/site/keys")),
            &alice,
            Some(json!({"title": "ci", "key": OTHER_KEY})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{deploy}");
        assert_eq!(deploy["read_only"], true);
        let deploy_path = format!("/api/v1/repos/alice/site/keys/{}", deploy["id"]);
        let (status, _) = send(
            client.get(forge.at("/api/v1/repos/alice/site/keys")),
            &bob,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = send(client.delete(forge.at(&deploy_path)), &bob, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, listed) = send(
            client.get(forge.at("/api/v1/repos/alice/site/keys")),
            &alice,
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(listed[0]["fingerprint"], deploy["fingerprint"]);
        let (status, _) = send(client.delete(forge.at(&deploy_path)), &alice, None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = send(client.get(forge.at(&deploy_path)), &alice, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_through_the_settings_pages() {
    for forge in TestForge::on_each_engine_with(with_ssh).await {
        let mut browser = Browser::new(&forge, "en");
        browser.sign_up("alice").await;
        let page = browser.get("/user/settings/keys").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.contains("You have no SSH key yet."));

        let added = browser
            .post("/user/settings/keys", &[("title", ""), ("key", KEY)])
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        let page = browser.get("/user/settings/keys").await;
        assert!(page.contains(FINGERPRINT), "{}", page.body);
        assert!(page.contains("me@laptop"));

        let refused = browser
            .post(
                "/user/settings/keys",
                &[("title", "old"), ("key", RSA_1024)],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.contains("at least 2048"), "{}", refused.body);
        let without_csrf = browser
            .post_raw("/user/settings/keys", &[("title", "x"), ("key", OTHER_KEY)])
            .await;
        assert!(without_csrf.status.is_client_error());

        let keys = forge_core::ssh_key::list_user_keys(
            &forge.db,
            forge_core::user::by_name(&forge.db, "alice")
                .await
                .unwrap()
                .unwrap()
                .id,
        )
        .await
        .unwrap();
        let deleted = browser
            .post(&format!("/user/settings/keys/{}/delete", keys[0].id), &[])
            .await;
        assert_eq!(deleted.status, StatusCode::SEE_OTHER);
        assert!(
            !browser
                .get("/user/settings/keys")
                .await
                .contains(FINGERPRINT)
        );

        // A repository: the clone box offers HTTPS and SSH; deploy keys.
        let created = browser
            .post(
                "/repo/create",
                &[
                    ("owner", "alice"),
                    ("name", "site"),
                    ("default_branch", "main"),
                ],
            )
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.body);
        let home = browser.get("/alice/site").await;
        assert!(
            home.contains("ssh://git@git.example.org:2222/alice/site.git"),
            "{}",
            home.body
        );
        assert!(home.contains(&format!("{}/alice/site.git", forge.url)));
        let added = browser
            .post(
                "/alice/site/settings/keys",
                &[("title", "ci"), ("key", OTHER_KEY), ("writable", "on")],
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        let page = browser.get("/alice/site/settings/keys").await;
        assert!(page.contains("Read and write"), "{}", page.body);

        let mut french = Browser::new(&forge, "fr");
        let info = french.get("/-/ssh").await;
        assert_eq!(info.status, StatusCode::OK);
        assert!(info.contains("SHA256:hostkeyprint"));
        assert!(info.contains("Clés d’hôte"), "{}", info.body);

        // Someone else sees no deploy keys page.
        let mut bob = Browser::new(&forge, "en");
        bob.sign_up("bob").await;
        let page = bob.get("/alice/site/settings/keys").await;
        assert!(page.status.is_client_error());
    }
}
