//! What the tests of the `forge` binary share: a data folder, the command
//! with a clean environment, and a server started on a free port.

#![allow(clippy::unwrap_used, dead_code)] // Each test file uses a part of it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const FORGE: &str = env!("CARGO_BIN_EXE_forge");

pub fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("forge-cli-{}", forge_core::secret::random_hex(6)));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A `forge` command over `data_dir`, with a clean environment of settings.
pub fn forge(data_dir: &Path, database_url: Option<&str>) -> Command {
    let mut command = Command::new(FORGE);
    for var in [
        "FORGE_CONFIG",
        "FORGE_LISTEN",
        "FORGE_DATA_DIR",
        "FORGE_DATABASE_URL",
        "FORGE_BASE_URL",
        "FORGE_SHUTDOWN_TIMEOUT",
        "FORGE_METRICS",
        "FORGE_METRICS_TOKEN",
        "FORGE_LOG_FORMAT",
        "FORGE_SSH_LISTEN",
    ] {
        command.env_remove(var);
    }
    command
        .env("FORGE_DATA_DIR", data_dir)
        .env("FORGE_LOG", "warn");
    if let Some(url) = database_url {
        command.env("FORGE_DATABASE_URL", url);
    }
    command
}

pub struct Server {
    pub child: Child,
    pub url: String,
}

impl Server {
    pub fn start(data_dir: &Path, database_url: Option<&str>) -> Server {
        Server::start_with(data_dir, database_url, &[])
    }

    /// A server with more settings in its environment.
    pub fn start_with(data_dir: &Path, database_url: Option<&str>, env: &[(&str, &str)]) -> Server {
        Server::spawn(data_dir, database_url, env, Stdio::inherit())
    }

    /// A server whose log (standard error) goes to `log`.
    pub fn start_logging_to(
        data_dir: &Path,
        database_url: Option<&str>,
        env: &[(&str, &str)],
        log: &Path,
    ) -> Server {
        let file = std::fs::File::create(log).unwrap();
        Server::spawn(data_dir, database_url, env, Stdio::from(file))
    }

    fn spawn(
        data_dir: &Path,
        database_url: Option<&str>,
        env: &[(&str, &str)],
        stderr: Stdio,
    ) -> Server {
        let mut command = forge(data_dir, database_url);
        for (name, value) in env {
            command.env(name, value);
        }
        let mut child = command
            .args(["serve", "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .expect("starting forge serve");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        let url = line
            .split_whitespace()
            .find(|word| word.starts_with("http://"))
            .unwrap_or_else(|| panic!("forge serve printed no URL: {line:?}"))
            .to_string();
        Server { child, url }
    }

    /// Sends SIGTERM and waits for a clean exit.
    pub fn stop(mut self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "forge exited with {status} after SIGTERM");
                return;
            }
            assert!(
                Instant::now() < deadline,
                "forge did not stop after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn run(command: &mut Command) -> Output {
    command.output().expect("running forge")
}

/// A new personal access token of `user`, asked over the API with the
/// password, as a client would.
pub async fn token_of(url: &str, user: &str, password: &str, name: &str) -> String {
    let made: serde_json::Value = reqwest::Client::new()
        .post(format!("{url}/api/v1/users/{user}/tokens"))
        .basic_auth(user, Some(password))
        .json(&serde_json::json!({ "name": name }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    made["sha1"].as_str().unwrap().to_string()
}

/// A reverse proxy at the TCP level, as a load balancer without affinity:
/// each new connection goes to the next backend in turn, so a client that
/// opens one connection per request sees every process in turn.
pub struct RoundRobinProxy {
    pub url: String,
    accept: tokio::task::JoinHandle<()>,
}

impl RoundRobinProxy {
    pub async fn start(backends: &[&str]) -> RoundRobinProxy {
        let backends: Vec<String> = backends
            .iter()
            .map(|url| url.trim_start_matches("http://").to_string())
            .collect();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let accept = tokio::spawn(async move {
            let mut next = 0usize;
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    return;
                };
                let backend = backends[next % backends.len()].clone();
                next += 1;
                tokio::spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(&backend).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        });
        RoundRobinProxy { url, accept }
    }
}

impl Drop for RoundRobinProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}
