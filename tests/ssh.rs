//! Git over SSH with OpenSSH's client and the real `git`, on every engine
//! under test: clone, fetch, push, protocol v2, shallow clones, archives,
//! deploy keys, and every refusal.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_core::repo::{self, NewRepo};
use forge_core::ssh_key;
use forge_core::user::User;
use forge_tests::{Scratch, TestForge, scratch};
use std::path::{Path, PathBuf};
use std::process::Output;

/// A forge over HTTP with its SSH server beside it.
struct SshForge {
    forge: TestForge,
    port: u16,
    keys: Scratch,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for SshForge {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl SshForge {
    async fn on_each_engine() -> Vec<SshForge> {
        let mut forges = Vec::new();
        for forge in TestForge::on_each_engine().await {
            let keys = scratch("ssh");
            // Host keys made by ssh-keygen, as an operator may bring them
            // (making an RSA key in a debug build would be slow).
            for (kind, file) in [
                ("ed25519", "ssh_host_ed25519_key"),
                ("rsa", "ssh_host_rsa_key"),
            ] {
                keygen(&keys.join("host").join(file), kind);
            }
            let host_keys = forge_ssh::HostKeys::load_or_create(&keys.join("host")).unwrap();
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            let port = listener.local_addr().unwrap().port();
            let service = forge_service::Forge::new(forge.db.clone(), forge.storage.clone());
            let server = tokio::spawn(async move {
                forge_ssh::serve(service, &host_keys, listener, std::future::pending())
                    .await
                    .unwrap();
            });
            forges.push(SshForge {
                forge,
                port,
                keys,
                server,
            });
        }
        forges
    }

    /// A new key pair; returns the private key's path.
    fn new_key(&self, name: &str) -> PathBuf {
        let path = self.keys.join(name);
        keygen(&path, "ed25519");
        path
    }

    /// A user with a key of theirs registered.
    async fn user_with_key(&self, name: &str) -> (User, PathBuf) {
        let user = self.forge.user(name, false).await;
        let key = self.new_key(name);
        ssh_key::add_user_key(&self.forge.db, &user, user.id, "laptop", &public(&key))
            .await
            .unwrap();
        (user, key)
    }

    fn url(&self, path: &str) -> String {
        format!("ssh://git@127.0.0.1:{}/{path}", self.port)
    }

    fn ssh_command(&self, key: &Path) -> String {
        format!(
            "ssh -i {} -o IdentitiesOnly=yes -o StrictHostKeyChecking=no \
             -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes -p {}",
            key.display(),
            self.port
        )
    }

    /// Runs git in `dir` over SSH with `key`.
    async fn git(&self, key: &Path, dir: &Path, args: &[&str]) -> Output {
        tokio::process::Command::new("git")
            .args(["-c", "user.name=Test", "-c", "user.email=test@example.org"])
            .args(["-c", "init.defaultBranch=main"])
            .args(args)
            .current_dir(dir)
            .env("GIT_SSH_COMMAND", self.ssh_command(key))
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env_remove("GIT_DIR")
            .env_remove("SSH_AUTH_SOCK")
            .output()
            .await
            .unwrap()
    }

    async fn git_ok(&self, key: &Path, dir: &Path, args: &[&str]) -> String {
        let output = self.git(key, dir, args).await;
        assert!(
            output.status.success(),
            "git {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    async fn git_fails(&self, key: &Path, dir: &Path, args: &[&str]) -> String {
        let output = self.git(key, dir, args).await;
        assert!(!output.status.success(), "git {args:?} should have failed");
        String::from_utf8_lossy(&output.stderr).into_owned()
    }

    /// Runs `ssh` itself with `key` and a remote command (or none: a shell).
    async fn ssh(&self, key: &Path, command: Option<&str>) -> Output {
        let mut ssh = tokio::process::Command::new("ssh");
        ssh.args(["-i", &key.display().to_string()])
            .args(["-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no"])
            .args(["-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"])
            .args(["-o", "BatchMode=yes", "-T", "-p", &self.port.to_string()])
            .arg("git@127.0.0.1")
            .env_remove("SSH_AUTH_SOCK")
            .stdin(std::process::Stdio::null());
        if let Some(command) = command {
            ssh.arg(command);
        }
        ssh.output().await.unwrap()
    }
}

fn keygen(path: &Path, kind: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let status = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", kind, "-N", "", "-C", "test", "-f"])
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

fn public(key: &Path) -> String {
    std::fs::read_to_string(key.with_extension("pub")).unwrap()
}

/// A repository with its folder, as the web pages and the API make them.
async fn create_repo_on_disk(forge: &TestForge, owner: &User, name: &str, private: bool) {
    let service = forge_service::Forge::new(forge.db.clone(), forge.storage.clone());
    service
        .create_repo(
            owner,
            &owner.name,
            NewRepo {
                name: name.into(),
                description: String::new(),
                private,
                default_branch: None,
            },
        )
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clone_fetch_and_push_over_ssh() {
    for ssh in SshForge::on_each_engine().await {
        let forge = &ssh.forge;
        let (alice, key) = ssh.user_with_key("alice").await;
        create_repo_on_disk(forge, &alice, "tools", true).await;
        let repo = repo::find(&forge.db, "alice", "tools")
            .await
            .unwrap()
            .unwrap();
        forge_core::issue::create(
            &forge.db,
            &alice,
            &repo,
            forge_core::issue::NewIssue {
                title: "Crash on save".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let mut position = forge.outbox_end().await;

        // Push a first commit that fixes issue #1, as over HTTP.
        let work = scratch("ssh");
        ssh.git_ok(&key, &work, &["init", "-q"]).await;
        std::fs::write(work.join("README"), "tools\n").unwrap();
        ssh.git_ok(&key, &work, &["add", "."]).await;
        ssh.git_ok(&key, &work, &["commit", "-q", "-m", "Start\n\nFixes #1"])
            .await;
        let url = ssh.url("alice/tools.git");
        ssh.git_ok(&key, &work, &["push", "-q", &url, "main"]).await;
        let pushes = forge.events_since(&mut position, "push", 1).await;
        assert_eq!(pushes.len(), 1);
        assert_eq!(pushes[0].payload["pusher"], "alice");
        let issue = forge_core::issue::get(&forge.db, repo.id, 1)
            .await
            .unwrap()
            .unwrap();
        assert!(issue.closed, "Fixes #1 closes the issue over SSH too");

        // Clone with protocol v2 and with v0, in every spelling of the path.
        for (protocol, path) in [
            ("2", "alice/tools.git".to_string()),
            ("0", "alice/tools".to_string()),
        ] {
            let into = scratch("ssh");
            let url = ssh.url(&path);
            ssh.git_ok(
                &key,
                &into,
                &[
                    "-c",
                    &format!("protocol.version={protocol}"),
                    "clone",
                    "-q",
                    &url,
                    "copy",
                ],
            )
            .await;
            let readme = std::fs::read_to_string(into.join("copy/README")).unwrap();
            assert_eq!(readme, "tools\n");
        }
        let scp_like = scratch("ssh");
        // git's short form, `git@host:path`, needs port 22; the path form
        // with a leading slash is the same command.
        let url = format!("ssh://git@127.0.0.1:{}/alice/tools.git", ssh.port);
        ssh.git_ok(&key, &scp_like, &["clone", "-q", &url, "copy"])
            .await;

        // Fetch a second commit, then a shallow clone.
        std::fs::write(work.join("README"), "tools, again\n").unwrap();
        ssh.git_ok(&key, &work, &["commit", "-q", "-am", "Second"])
            .await;
        ssh.git_ok(
            &key,
            &work,
            &["push", "-q", &ssh.url("alice/tools.git"), "main"],
        )
        .await;
        let copy = scp_like.join("copy");
        ssh.git_ok(
            &key,
            &copy,
            &["-c", "protocol.version=2", "pull", "-q", "--ff-only"],
        )
        .await;
        assert_eq!(
            std::fs::read_to_string(copy.join("README")).unwrap(),
            "tools, again\n"
        );
        let shallow = scratch("ssh");
        ssh.git_ok(
            &key,
            &shallow,
            &[
                "-c",
                "protocol.version=2",
                "clone",
                "-q",
                "--depth",
                "1",
                &ssh.url("alice/tools.git"),
                "copy",
            ],
        )
        .await;
        let count = ssh
            .git_ok(
                &key,
                &shallow.join("copy"),
                &["rev-list", "--count", "HEAD"],
            )
            .await;
        assert_eq!(count.trim(), "1");

        // git archive --remote runs git-upload-archive.
        let archive = ssh
            .git(
                &key,
                &shallow,
                &[
                    "archive",
                    "--format=tar",
                    &format!("--remote={}", ssh.url("alice/tools.git")),
                    "main",
                ],
            )
            .await;
        assert!(
            archive.status.success(),
            "{}",
            String::from_utf8_lossy(&archive.stderr)
        );
        assert!(archive.stdout.windows(6).any(|w| w == b"README"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everything_else_is_refused() {
    for ssh in SshForge::on_each_engine().await {
        let forge = &ssh.forge;
        let (alice, alice_key) = ssh.user_with_key("alice").await;
        let (_bob, bob_key) = ssh.user_with_key("bob").await;
        create_repo_on_disk(forge, &alice, "secret", true).await;
        create_repo_on_disk(forge, &alice, "open", false).await;
        let work = scratch("ssh");

        // A key nobody registered gets no further than authentication.
        let stranger = ssh.new_key("stranger");
        let refused = ssh
            .git_fails(
                &stranger,
                &work,
                &["clone", "-q", &ssh.url("alice/open.git"), "x"],
            )
            .await;
        assert!(refused.contains("Permission denied"), "{refused}");

        // Someone else's private repository does not exist, as over HTTP;
        // neither does a missing one.
        for path in ["alice/secret.git", "alice/missing.git"] {
            let refused = ssh
                .git_fails(&bob_key, &work, &["clone", "-q", &ssh.url(path), "x"])
                .await;
            assert!(refused.contains("Repository not found"), "{refused}");
        }
        // A reader may not push.
        ssh.git_ok(
            &bob_key,
            &work,
            &["clone", "-q", &ssh.url("alice/open.git"), "open"],
        )
        .await;
        let open = work.join("open");
        ssh.git_ok(
            &bob_key,
            &open,
            &["commit", "-q", "--allow-empty", "-m", "Mine"],
        )
        .await;
        let refused = ssh
            .git_fails(
                &bob_key,
                &open,
                &["push", "-q", &ssh.url("alice/open.git"), "HEAD:main"],
            )
            .await;
        assert!(
            refused.contains("bob may read alice/open but not push"),
            "{refused}"
        );

        // No shell, no other command, no paths out of the forge's names.
        let shell = ssh.ssh(&alice_key, None).await;
        assert!(!shell.status.success());
        let said = String::from_utf8_lossy(&shell.stderr);
        assert!(said.contains("no shell"), "{said}");
        for command in [
            "ls -la",
            "git-upload-pack '../../etc/passwd'",
            "git-upload-pack 'alice/..'",
            "git-upload-pack '--help'",
            "git-upload-pack '-alice/open.git'",
            "git-upload-pack 'alice/open.git' --upload-pack=touch",
        ] {
            let output = ssh.ssh(&alice_key, Some(command)).await;
            assert!(!output.status.success(), "{command}");
            assert!(!String::from_utf8_lossy(&output.stderr).trim().is_empty());
        }
        let output = ssh.ssh(&alice_key, Some("ls -la")).await;
        assert!(String::from_utf8_lossy(&output.stderr).contains("only git"));

        // A key of a closed account lets nobody in.
        let (carol, carol_key) = ssh.user_with_key("carol").await;
        forge_core::account_settings::close(&forge.db, &carol, &forge_tests::password_of("carol"))
            .await
            .unwrap();
        let refused = ssh
            .git_fails(
                &carol_key,
                &work,
                &["clone", "-q", &ssh.url("alice/open.git"), "y"],
            )
            .await;
        assert!(refused.contains("Permission denied"), "{refused}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_keys_reach_their_repository_only() {
    for ssh in SshForge::on_each_engine().await {
        let forge = &ssh.forge;
        let (alice, alice_key) = ssh.user_with_key("alice").await;
        create_repo_on_disk(forge, &alice, "site", true).await;
        create_repo_on_disk(forge, &alice, "other", true).await;
        let site = repo::find(&forge.db, "alice", "site")
            .await
            .unwrap()
            .unwrap();
        let work = scratch("ssh");
        ssh.git_ok(&alice_key, &work, &["init", "-q"]).await;
        ssh.git_ok(
            &alice_key,
            &work,
            &["commit", "-q", "--allow-empty", "-m", "One"],
        )
        .await;
        ssh.git_ok(
            &alice_key,
            &work,
            &["push", "-q", &ssh.url("alice/site.git"), "main"],
        )
        .await;

        let reader = ssh.new_key("reader");
        ssh_key::add_deploy_key(&forge.db, &alice, &site, "ci", &public(&reader), false)
            .await
            .unwrap();
        let writer = ssh.new_key("writer");
        ssh_key::add_deploy_key(&forge.db, &alice, &site, "release", &public(&writer), true)
            .await
            .unwrap();

        // A read-only deploy key clones its private repository, pushes nothing.
        ssh.git_ok(
            &reader,
            &work,
            &["clone", "-q", &ssh.url("alice/site.git"), "copy"],
        )
        .await;
        let copy = work.join("copy");
        ssh.git_ok(
            &reader,
            &copy,
            &["commit", "-q", "--allow-empty", "-m", "Two"],
        )
        .await;
        let refused = ssh
            .git_fails(
                &reader,
                &copy,
                &["push", "-q", &ssh.url("alice/site.git"), "main"],
            )
            .await;
        assert!(
            refused.contains("deploy key may read alice/site but not push"),
            "{refused}"
        );
        // Another repository of the same owner is "not found" to it.
        let refused = ssh
            .git_fails(
                &reader,
                &work,
                &["clone", "-q", &ssh.url("alice/other.git"), "o"],
            )
            .await;
        assert!(refused.contains("Repository not found"), "{refused}");

        // A read-write deploy key pushes; the push has no user.
        let mut position = forge.outbox_end().await;
        ssh.git_ok(
            &writer,
            &copy,
            &["push", "-q", &ssh.url("alice/site.git"), "main"],
        )
        .await;
        let pushes = forge.events_since(&mut position, "push", 1).await;
        assert_eq!(pushes.len(), 1);
        assert!(pushes[0].payload["pusher"].is_null());
        assert_eq!(pushes[0].payload["deploy_key"]["title"], "release");
        assert!(pushes[0].actor.is_none());
    }
}

/// A push made with a deploy key has no user: the journal, the push event,
/// the feeds and the webhooks name the key (webhooks' `pusher` is the
/// repository's owner, as on Gitea).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deploy_key_pushes_name_their_key() {
    use forge_service::webhooks::Settings;
    for ssh in SshForge::on_each_engine().await {
        let forge = &ssh.forge;
        let (alice, alice_key) = ssh.user_with_key("alice").await;
        create_repo_on_disk(forge, &alice, "pages", false).await;
        let pages = repo::find(&forge.db, "alice", "pages")
            .await
            .unwrap()
            .unwrap();
        let (hook_url, received) = one_request_receiver().await;
        forge_core::webhook::create(
            &forge.db,
            forge_core::webhook::Scope::Repo(pages.id),
            forge_core::webhook::HookSettings {
                url: hook_url,
                secret: None,
                content_type: "json".into(),
                events: vec!["push".into()],
                active: true,
                branch_filter: None,
                authorization_header: None,
            },
        )
        .await
        .unwrap();
        let mut settings = Settings {
            base_url: forge.url.clone(),
            ..Settings::default()
        };
        settings.addresses.allow_private = true;
        let jobs = forge_service::background::Background::start(
            forge_service::Forge::with_webhooks(forge.db.clone(), forge.storage.clone(), settings),
        );

        let writer = ssh.new_key("writer");
        let key = ssh_key::add_deploy_key(
            &forge.db,
            &alice,
            &pages,
            "publisher",
            &public(&writer),
            true,
        )
        .await
        .unwrap();
        let work = scratch("ssh");
        ssh.git_ok(&alice_key, &work, &["init", "-q"]).await;
        ssh.git_ok(
            &alice_key,
            &work,
            &["commit", "-q", "--allow-empty", "-m", "Build"],
        )
        .await;
        let mut position = forge.outbox_end().await;
        ssh.git_ok(
            &writer,
            &work,
            &["push", "-q", &ssh.url("alice/pages.git"), "main"],
        )
        .await;

        let pushes = forge.events_since(&mut position, "push", 1).await;
        assert!(pushes[0].actor.is_none());
        assert!(pushes[0].payload["pusher"].is_null());
        assert_eq!(pushes[0].payload["deploy_key"]["id"], key.id.0);
        assert_eq!(pushes[0].payload["deploy_key"]["title"], "publisher");

        // The repository's feed says who pushed, in English and in French.
        for (language, expected) in [
            ("en", "Deploy key “publisher” pushed to alice/pages"),
            (
                "fr",
                "La clé de déploiement « publisher » a envoyé des commits dans alice/pages",
            ),
        ] {
            let feed = forge_tests::http()
                .get(forge.at("/alice/pages.atom"))
                .header("accept-language", language)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            assert!(feed.contains(expected), "{language}: {feed}");
        }

        // The webhook: the owner stands for the key, which is named.
        let body = tokio::time::timeout(std::time::Duration::from_secs(20), received)
            .await
            .expect("the push webhook arrives")
            .unwrap();
        let payload: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(payload["pusher"]["login"], "alice");
        assert_eq!(payload["sender"]["login"], "alice");
        assert_eq!(payload["deploy_key"]["title"], "publisher");
        jobs.stop().await;
    }
}

/// An HTTP server on 127.0.0.1 that answers 200 and hands over the body
/// of the first request it gets.
async fn one_request_receiver() -> (String, tokio::sync::oneshot::Receiver<String>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let (sender, receiver) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        let mut buffer = [0u8; 8192];
        loop {
            let n = socket.read(&mut buffer).await.unwrap();
            assert!(n > 0, "the request ended early");
            request.extend_from_slice(&buffer[..n]);
            let text = String::from_utf8_lossy(&request).into_owned();
            let Some((head, body)) = text.split_once("\r\n\r\n") else {
                continue;
            };
            let length: usize = head
                .lines()
                .find_map(|l| {
                    let (name, value) = l.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse().ok())?
                })
                .unwrap_or(0);
            if body.len() >= length {
                socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await
                    .unwrap();
                let _ = sender.send(body.to_string());
                return;
            }
        }
    });
    (url, receiver)
}

/// `env` requests are ignored, but for a well-formed `GIT_PROTOCOL`: a
/// variable that would change what git does (`GIT_DIR`, `LD_PRELOAD`) has
/// no effect, and a malformed protocol request falls back to protocol v0.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn env_requests_are_ignored_but_a_valid_protocol() {
    use tokio::io::AsyncWriteExt;
    for ssh in SshForge::on_each_engine().await {
        let forge = &ssh.forge;
        let (alice, key) = ssh.user_with_key("alice").await;
        create_repo_on_disk(forge, &alice, "tools", false).await;
        let work = scratch("ssh");
        ssh.git_ok(&key, &work, &["init", "-q"]).await;
        ssh.git_ok(&key, &work, &["commit", "-q", "--allow-empty", "-m", "One"])
            .await;
        ssh.git_ok(
            &key,
            &work,
            &["push", "-q", &ssh.url("alice/tools.git"), "main"],
        )
        .await;

        // What upload-pack says first, with these variables sent.
        let first_line = |env: Vec<&'static str>| {
            let key = key.clone();
            let port = ssh.port;
            async move {
                let mut command = tokio::process::Command::new("ssh");
                command
                    .args(["-i", &key.display().to_string()])
                    .args(["-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no"])
                    .args(["-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"])
                    .args(["-o", "BatchMode=yes", "-T", "-p", &port.to_string()]);
                for variable in env {
                    command.args(["-o", &format!("SetEnv={variable}")]);
                }
                let mut child = command
                    .arg("git@127.0.0.1")
                    .arg("git-upload-pack 'alice/tools.git'")
                    .env_remove("SSH_AUTH_SOCK")
                    .stdin(std::process::Stdio::piped())
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap();
                let mut stdin = child.stdin.take().unwrap();
                // A flush: the client wants nothing.
                stdin.write_all(b"0000").await.unwrap();
                drop(stdin);
                let output = child.wait_with_output().await.unwrap();
                let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
                stdout
                    .get(4..)
                    .unwrap_or_default()
                    .lines()
                    .next()
                    .unwrap_or_default()
                    .to_string()
            }
        };
        assert_eq!(
            first_line(vec!["GIT_PROTOCOL=version=2"]).await,
            "version 2"
        );
        for ignored in [
            vec!["GIT_PROTOCOL=version=2;id"],
            vec!["GIT_DIR=/etc", "LD_PRELOAD=/nonexistent.so", "GIT_TRACE=1"],
        ] {
            let line = first_line(ignored.clone()).await;
            assert!(line.contains("HEAD\0"), "{ignored:?}: {line:?}");
        }
        // A real clone with the same variables set.
        let into = scratch("ssh");
        let output = tokio::process::Command::new("git")
            .args(["clone", "-q", &ssh.url("alice/tools.git"), "copy"])
            .current_dir(&*into)
            .env(
                "GIT_SSH_COMMAND",
                format!(
                    "{} -o SetEnv=GIT_DIR=/etc -o SetEnv=LD_PRELOAD=/nonexistent.so",
                    ssh.ssh_command(&key)
                ),
            )
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env_remove("SSH_AUTH_SOCK")
            .output()
            .await
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(into.join("copy/.git").exists());
    }
}

/// A client that leaves in the middle of a push: git is stopped, no ref
/// moves, the journalled push is closed, and no push event is recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_leaving_mid_push_changes_nothing() {
    use tokio::io::AsyncWriteExt;
    for ssh in SshForge::on_each_engine().await {
        let forge = &ssh.forge;
        let (alice, key) = ssh.user_with_key("alice").await;
        create_repo_on_disk(forge, &alice, "tools", false).await;
        let repo = repo::find(&forge.db, "alice", "tools")
            .await
            .unwrap()
            .unwrap();
        let position = forge.outbox_end().await;

        // One ref update, its flush, then the start of a pack that never ends.
        let line = format!(
            "{} {} refs/heads/main\0report-status\n",
            "0".repeat(40),
            "a".repeat(40)
        );
        let mut input = format!("{:04x}{line}0000", line.len() + 4).into_bytes();
        input.extend_from_slice(b"PACK\0\0\0\x02\0\0\0\x05");
        input.extend_from_slice(&[0x95; 4096]);
        let mut client = tokio::process::Command::new("ssh")
            .args(["-i", &key.display().to_string()])
            .args(["-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=no"])
            .args(["-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"])
            .args(["-o", "BatchMode=yes", "-T", "-p", &ssh.port.to_string()])
            .arg("git@127.0.0.1")
            .arg("git-receive-pack 'alice/tools.git'")
            .env_remove("SSH_AUTH_SOCK")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut stdin = client.stdin.take().unwrap();
        stdin.write_all(&input).await.unwrap();
        stdin.flush().await.unwrap();
        // Wait until the push is journalled, then leave without a word.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while forge_core::testing::numbers(&forge.db, "SELECT COUNT(*) FROM push_journal").await
            != [1]
        {
            assert!(
                std::time::Instant::now() < deadline,
                "the push was never journalled"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        client.kill().await.unwrap();
        drop(stdin);

        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while forge_core::testing::numbers(&forge.db, "SELECT COUNT(*) FROM push_journal").await
            != [0]
        {
            assert!(
                std::time::Instant::now() < deadline,
                "the journalled push was not closed"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let refs = std::process::Command::new("git")
            .arg("--git-dir")
            .arg(forge.storage.path_of(repo.id.0))
            .arg("for-each-ref")
            .output()
            .unwrap();
        assert!(refs.status.success());
        assert!(
            refs.stdout.is_empty(),
            "{}",
            String::from_utf8_lossy(&refs.stdout)
        );
        let mut position = position;
        assert!(
            forge
                .events_since(&mut position, "push", 0)
                .await
                .is_empty()
        );
    }
}

/// What a client could do a moment ago stops at once: a deleted key no
/// longer lets its holder in, a deleted repository is not found (its
/// deploy keys went with it).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_keys_and_repositories_stop_at_once() {
    for ssh in SshForge::on_each_engine().await {
        let forge = &ssh.forge;
        let (alice, alice_key) = ssh.user_with_key("alice").await;
        create_repo_on_disk(forge, &alice, "old", false).await;
        let old = repo::find(&forge.db, "alice", "old")
            .await
            .unwrap()
            .unwrap();
        let deployer = ssh.new_key("deployer");
        ssh_key::add_deploy_key(&forge.db, &alice, &old, "ci", &public(&deployer), false)
            .await
            .unwrap();
        let work = scratch("ssh");
        for key in [&alice_key, &deployer] {
            ssh.git_ok(key, &work, &["ls-remote", &ssh.url("alice/old.git")])
                .await;
        }

        let service = forge_service::Forge::new(forge.db.clone(), forge.storage.clone());
        service.delete_repo(&alice, &old).await.unwrap();
        let refused = ssh
            .git_fails(
                &alice_key,
                &work,
                &["clone", "-q", &ssh.url("alice/old.git"), "x"],
            )
            .await;
        assert!(refused.contains("Repository not found"), "{refused}");
        let refused = ssh
            .git_fails(
                &deployer,
                &work,
                &["clone", "-q", &ssh.url("alice/old.git"), "y"],
            )
            .await;
        assert!(refused.contains("Permission denied"), "{refused}");

        let keys = ssh_key::list_user_keys(&forge.db, alice.id).await.unwrap();
        ssh_key::delete_user_key(&forge.db, &alice, alice.id, keys[0].id)
            .await
            .unwrap();
        create_repo_on_disk(forge, &alice, "new", false).await;
        let refused = ssh
            .git_fails(
                &alice_key,
                &work,
                &["clone", "-q", &ssh.url("alice/new.git"), "z"],
            )
            .await;
        assert!(refused.contains("Permission denied"), "{refused}");
    }
}
