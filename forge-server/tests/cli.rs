//! The `forge` binary itself: what an admin does on a fresh machine.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

mod support;

use serde_json::{Value, json};
use support::{Server, forge, run, temp_dir};

async fn story(database_url: Option<String>) {
    let data_dir = temp_dir();
    let url = database_url.as_deref();
    let server = Server::start(&data_dir, url);
    let client = reqwest::Client::new();

    let home = client.get(&server.url).send().await.unwrap();
    assert_eq!(home.status(), 200);
    assert!(home.text().await.unwrap().contains("<!doctype html>"));
    assert_eq!(
        client
            .get(format!("{}/-/health", server.url))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    if url.is_none() {
        assert!(data_dir.join("forge.db").exists());
        assert!(data_dir.join("repositories").is_dir());
    }

    // The admin is created with the CLI while the server runs.
    let output = run(forge(&data_dir, url).args([
        "admin",
        "create-user",
        "--username",
        "root",
        "--email",
        "root@example.org",
        "--password",
        "root password 123",
        "--admin",
    ]));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("site administrator root"));

    let output = run(forge(&data_dir, url).args([
        "admin",
        "create-user",
        "--username",
        "root",
        "--email",
        "other@example.org",
        "--password",
        "root password 123",
    ]));
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("username: This name is already taken"),
        "{stderr}"
    );

    let token = support::token_of(&server.url, "root", "root password 123", "admin").await;
    let auth = format!("token {token}");

    let response = client
        .post(format!("{}/api/v1/admin/users", server.url))
        .header("authorization", &auth)
        .json(&json!({"username": "tresorier", "email": "t@example.org", "password": "a long password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let response = client
        .post(format!("{}/api/v1/orgs", server.url))
        .header("authorization", &auth)
        .json(&json!({"username": "mutuelle", "full_name": "Mutuelle des Libres", "description": "", "kind": "mutual"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let response = client
        .put(format!(
            "{}/api/v1/orgs/mutuelle/members/tresorier",
            server.url
        ))
        .header("authorization", &auth)
        .json(&json!({"role": "treasurer"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    let members: Value = client
        .get(format!("{}/api/v1/orgs/mutuelle/members", server.url))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let roles: Vec<(&str, &str)> = members
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["login"].as_str().unwrap(), m["role"].as_str().unwrap()))
        .collect();
    assert_eq!(roles, [("root", "owner"), ("tresorier", "treasurer")]);

    // Guessing a password: after the free failures the address must wait,
    // even with the right password, until the admin lifts the limit.
    let whoami = |password: &'static str| {
        client
            .get(format!("{}/api/v1/user", server.url))
            .basic_auth("tresorier", Some(password))
            .send()
    };
    for _ in 0..forge_core::auth_limit::PAIR_FREE_FAILURES + 1 {
        assert_eq!(whoami("a wrong guess").await.unwrap().status(), 401);
    }
    let refused = whoami("a long password").await.unwrap();
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    let output = run(forge(&data_dir, url).args([
        "admin",
        "lift-limit",
        "--address",
        "127.0.0.1",
        "--account",
        "tresorier",
    ]));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("Lifted 1 limit(s)."));
    assert_eq!(whoami("a long password").await.unwrap().status(), 200);

    server.stop();

    let output = run(forge(&data_dir, url).arg("migrate"));
    assert!(output.status.success());
    assert!(String::from_utf8_lossy(&output.stdout).contains("up to date"));

    let output = run(forge(&data_dir, url).args(["admin", "check-counters"]));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("Every counter is right."));

    let output = run(forge(&data_dir, url).args(["admin", "check-ledger"]));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(String::from_utf8_lossy(&output.stdout).contains("The ledger balances"));
}

#[tokio::test]
async fn fresh_install_on_sqlite() {
    story(None).await;
}

#[tokio::test]
async fn fresh_install_on_postgres() {
    match forge_core::testing::postgres_url().await {
        Some(url) => story(Some(url)).await,
        None => eprintln!("FORGE_TEST_DATABASE_URL is not set: PostgreSQL not tested here"),
    }
}

#[test]
fn bad_settings_give_a_sentence_and_a_failure() {
    let data_dir = temp_dir();
    let output = run(forge(&data_dir, None).args(["serve", "--listen", "nowhere"]));
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("HOST:PORT"));

    let output = run(forge(&data_dir, Some("mysql://localhost/x")).arg("migrate"));
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("sqlite:// or postgres://"));

    let config = data_dir.join("forge.toml");
    std::fs::write(&config, "listen = 3000\n").unwrap();
    let output = run(forge(&data_dir, None)
        .args(["migrate", "--config"])
        .arg(&config));
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("is not valid"));

    let output = run(forge(&data_dir, None).args([
        "admin",
        "create-user",
        "--username",
        "Not Valid",
        "--email",
        "x@example.org",
        "--password",
        "a long password",
    ]));
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("username:"));
}

#[test]
fn the_configuration_file_is_read() {
    let data_dir = temp_dir();
    let config = data_dir.join("forge.toml");
    let db = data_dir.join("from-file.db");
    std::fs::write(
        &config,
        format!("database_url = \"sqlite://{}\"\n", db.display()),
    )
    .unwrap();
    let output = run(forge(&data_dir, None)
        .args(["migrate", "--config"])
        .arg(&config));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(db.exists(), "the database named in the file was created");
}

/// `--ssh-listen` starts git over SSH: host keys are made in the data
/// folder on the first start, their fingerprints printed, and the same keys
/// are read again on the next start.
#[test]
fn ssh_host_keys_are_made_once_and_printed() {
    use std::io::{BufRead, BufReader};
    let data_dir = temp_dir();
    let start = || {
        let mut child = forge(&data_dir, None)
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(["--ssh-listen", "127.0.0.1:0"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut printed = Vec::new();
        while printed.len() < 4 {
            printed.push(lines.next().unwrap().unwrap());
        }
        let _ = child.kill();
        let _ = child.wait();
        printed
    };
    let first = start();
    assert!(
        first[0].starts_with("Forge is listening on http://"),
        "{first:?}"
    );
    assert!(
        first[1].starts_with("Git over SSH is listening on 127.0.0.1:"),
        "{first:?}"
    );
    assert!(
        first[2].starts_with("SSH host key ssh-ed25519 SHA256:"),
        "{first:?}"
    );
    assert!(
        first[3].starts_with("SSH host key ssh-rsa SHA256:"),
        "{first:?}"
    );
    assert!(data_dir.join("ssh/ssh_host_ed25519_key").exists());
    assert!(data_dir.join("ssh/ssh_host_rsa_key.pub").exists());
    let second = start();
    assert_eq!(first[2..], second[2..]);
}
