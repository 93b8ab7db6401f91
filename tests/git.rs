//! The real `git` command line (and an independent implementation, dulwich)
//! against the forge over HTTP, on every engine under test.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_core::org::{self, NewOrg, OrgKind, Role};
use forge_core::outbox;
use forge_tests::{Scratch, TestForge, http, scratch};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Output;
use std::time::Duration;

/// Runs git in `dir` with a clean, prompt-free environment.
async fn git(dir: &Path, args: &[&str]) -> Output {
    let with_v2 = [&["-c", "protocol.version=2"], args].concat();
    forge_tests::git(dir, &with_v2).await
}

async fn git_ok(dir: &Path, args: &[&str]) -> String {
    let output = git(dir, args).await;
    assert!(
        output.status.success(),
        "git {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

async fn git_fails(dir: &Path, args: &[&str]) -> String {
    let output = git(dir, args).await;
    assert!(!output.status.success(), "git {args:?} should have failed");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A working copy with `commits` commits on `main`.
async fn working_copy(commits: usize) -> Scratch {
    let dir = scratch("git");
    git_ok(&dir, &["init", "-q"]).await;
    for i in 0..commits {
        std::fs::write(dir.join(format!("file{i}.txt")), format!("content {i}\n")).unwrap();
        git_ok(&dir, &["add", "."]).await;
        git_ok(&dir, &["commit", "-q", "-m", &format!("commit {i}")]).await;
    }
    dir
}

fn url(forge: &TestForge, credentials: Option<(&str, &str)>, path: &str) -> String {
    match credentials {
        Some((user, secret)) => format!(
            "{}{path}",
            forge
                .url
                .replace("http://", &format!("http://{user}:{secret}@"))
        ),
        None => forge.at(path),
    }
}

async fn create_repo(forge: &TestForge, token: &str, path: &str, body: Value) -> Value {
    let response = http()
        .post(forge.at(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn repo_json(forge: &TestForge, token: &str, full_name: &str) -> Value {
    http()
        .get(forge.at(&format!("/api/v1/repos/{full_name}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clone_fetch_and_push_with_the_git_command_line() {
    for forge in TestForge::on_each_engine().await {
        let (alice, token) = forge.user_with_token("alice", false).await;
        let created = create_repo(
            &forge,
            &token,
            "/api/v1/user/repos",
            json!({"name": "project", "description": "Ours"}),
        )
        .await;
        assert_eq!(created["empty"], true);
        assert_eq!(created["default_branch"], "main");
        assert_eq!(created["clone_url"], forge.at("/alice/project.git"));
        let mut seen = forge.outbox_end().await;

        // An empty repository clones, with git's usual warning.
        let dir = scratch("git");
        let output = git(&dir, &["clone", &forge.at("/alice/project.git"), "empty"]).await;
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(String::from_utf8_lossy(&output.stderr).contains("empty repository"));

        // Push, then clone anonymously with both protocol versions.
        let work = working_copy(3).await;
        let push_url = url(&forge, Some(("alice", &token)), "/alice/project.git");
        git_ok(&work, &["push", "-q", &push_url, "main"]).await;
        // `git push` returns once the push is recorded, event included.
        let pushes = forge.events_since(&mut seen, outbox::kind::PUSH, 1).await;
        assert_eq!(pushes.len(), 1, "one push event: {pushes:?}");
        let push = &pushes[0];
        assert_eq!(push.repo.map(|r| r.0), created["id"].as_i64());
        assert_eq!(push.actor.map(|a| a.0), Some(alice.id.0));
        assert_eq!(push.payload["pusher"], "alice");
        let refs = push.payload["refs"].as_array().unwrap();
        assert_eq!(refs.len(), 1);
        assert_eq!(refs[0]["name"], "refs/heads/main");
        assert_eq!(refs[0]["old"], serde_json::Value::Null);
        let messages: Vec<&str> = push.payload["commits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["message"].as_str().unwrap().trim())
            .collect();
        assert_eq!(messages, ["commit 2", "commit 1", "commit 0"]);
        assert_eq!(push.payload["commit_count"], 3);
        assert_eq!(
            repo_json(&forge, &token, "alice/project").await["empty"],
            false
        );

        for version in ["0", "2"] {
            let target = format!("clone-v{version}");
            git_ok(
                &dir,
                &[
                    "-c",
                    &format!("protocol.version={version}"),
                    "clone",
                    "-q",
                    &forge.at("/alice/project.git"),
                    &target,
                ],
            )
            .await;
            let log = git_ok(&dir.join(&target), &["log", "--format=%s"]).await;
            assert_eq!(
                log.lines().collect::<Vec<_>>(),
                ["commit 2", "commit 1", "commit 0"]
            );
        }
        // Without the .git suffix too.
        git_ok(
            &dir,
            &["clone", "-q", &forge.at("/alice/project"), "no-suffix"],
        )
        .await;

        git_ok(
            &dir,
            &[
                "clone",
                "-q",
                "--depth",
                "1",
                &forge.at("/alice/project.git"),
                "shallow",
            ],
        )
        .await;
        assert_eq!(
            git_ok(&dir.join("shallow"), &["rev-list", "--count", "HEAD"])
                .await
                .trim(),
            "1"
        );

        git_ok(
            &dir,
            &[
                "clone",
                "-q",
                "--filter=blob:none",
                &forge.at("/alice/project.git"),
                "partial",
            ],
        )
        .await;
        assert_eq!(
            std::fs::read_to_string(dir.join("partial/file1.txt")).unwrap(),
            "content 1\n"
        );

        // A no-op fetch, then a fetch that brings a new commit.
        git_ok(&dir.join("clone-v2"), &["fetch", "-q"]).await;
        std::fs::write(work.join("new.txt"), "new\n").unwrap();
        git_ok(&work, &["add", "."]).await;
        git_ok(&work, &["commit", "-q", "-m", "Add new.txt"]).await;
        git_ok(&work, &["push", "-q", &push_url, "main"]).await;
        let pushes = forge.events_since(&mut seen, outbox::kind::PUSH, 1).await;
        assert_eq!(pushes.len(), 1);
        assert_eq!(
            pushes[0].payload["commit_count"], 1,
            "only the new commit is new"
        );
        for clone in ["clone-v0", "clone-v2"] {
            git_ok(&dir.join(clone), &["pull", "-q"]).await;
            assert!(dir.join(clone).join("new.txt").exists());
        }

        // Tags, a branch, its deletion, and a force push.
        git_ok(&work, &["tag", "-a", "v1.0", "-m", "First release"]).await;
        git_ok(&work, &["push", "-q", &push_url, "v1.0"]).await;
        git_ok(&work, &["push", "-q", &push_url, "main:feature"]).await;
        let remote = git_ok(&work, &["ls-remote", &forge.at("/alice/project.git")]).await;
        assert!(remote.contains("refs/tags/v1.0"));
        assert!(remote.contains("refs/heads/feature"));
        git_ok(&work, &["push", "-q", &push_url, "--delete", "feature"]).await;
        let remote = git_ok(&work, &["ls-remote", &forge.at("/alice/project.git")]).await;
        assert!(!remote.contains("refs/heads/feature"));

        git_ok(&work, &["reset", "-q", "--hard", "HEAD~2"]).await;
        git_ok(&work, &["commit", "-q", "--allow-empty", "-m", "Rewritten"]).await;
        let refused = git_fails(&work, &["push", &push_url, "main"]).await;
        assert!(refused.contains("rejected"), "{refused}");
        git_ok(&work, &["push", "-q", "--force", &push_url, "main"]).await;
        let head = git_ok(&work, &["rev-parse", "HEAD"]).await;
        let remote = git_ok(
            &work,
            &[
                "ls-remote",
                &forge.at("/alice/project.git"),
                "refs/heads/main",
            ],
        )
        .await;
        assert!(remote.starts_with(head.trim()));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_may_clone_and_push() {
    for forge in TestForge::on_each_engine().await {
        let (alice, alice_token) = forge.user_with_token("alice", false).await;
        let (_, bob_token) = forge.user_with_token("bob", false).await;
        let (_, carol_token) = forge.user_with_token("carol", false).await;
        let (_, dave_token) = forge.user_with_token("dave", false).await;
        let coop = org::create(
            &forge.db,
            &alice,
            NewOrg {
                name: "coop".into(),
                full_name: String::new(),
                description: String::new(),
                kind: OrgKind::Cooperative,
                website: String::new(),
            },
        )
        .await
        .unwrap();
        org::set_member(&forge.db, &alice, &coop, "bob", Role::Maintainer)
            .await
            .unwrap();
        org::set_member(&forge.db, &alice, &coop, "carol", Role::Member)
            .await
            .unwrap();

        let created = create_repo(
            &forge,
            &bob_token,
            "/api/v1/orgs/coop/repos",
            json!({"name": "secret", "private": true}),
        )
        .await;
        assert_eq!(created["private"], true);
        assert_eq!(created["permissions"]["push"], true);
        let work = working_copy(1).await;
        git_ok(
            &work,
            &[
                "push",
                "-q",
                &url(&forge, Some(("bob", &bob_token)), "/coop/secret.git"),
                "main",
            ],
        )
        .await;

        let dir = scratch("git");
        // Anonymous: asked for credentials, for an existing private
        // repository and a missing one alike.
        for path in ["/coop/secret.git", "/coop/missing.git"] {
            let response = http()
                .get(forge.at(&format!("{path}/info/refs?service=git-upload-pack")))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{path}");
            assert_eq!(
                response.headers()["www-authenticate"],
                "Basic realm=\"forge\""
            );
        }
        let refused = git_fails(&dir, &["clone", &forge.at("/coop/secret.git"), "anonymous"]).await;
        assert!(
            refused.contains("Authentication failed")
                || refused.contains("could not read Username"),
            "{refused}"
        );

        // An outsider is told it does not exist.
        let refused = git_fails(
            &dir,
            &[
                "clone",
                &url(&forge, Some(("dave", &dave_token)), "/coop/secret.git"),
                "dave",
            ],
        )
        .await;
        assert!(refused.contains("not found"), "{refused}");
        let response = http()
            .get(forge.at("/api/v1/repos/coop/secret"))
            .bearer_auth(&dave_token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);

        // A member reads but may not push, and is told so in plain words.
        let carol_url = url(&forge, Some(("carol", &carol_token)), "/coop/secret.git");
        git_ok(&dir, &["clone", "-q", &carol_url, "carol"]).await;
        std::fs::write(dir.join("carol/x.txt"), "x").unwrap();
        git_ok(&dir.join("carol"), &["add", "."]).await;
        git_ok(&dir.join("carol"), &["commit", "-q", "-m", "x"]).await;
        let refused = git_fails(&dir.join("carol"), &["push", &carol_url, "main"]).await;
        assert!(
            refused.contains("carol may read coop/secret but not push to it"),
            "{refused}"
        );
        // With her password instead of a token, the same.
        let refused = git_fails(
            &dir.join("carol"),
            &[
                "push",
                &url(
                    &forge,
                    Some(("carol", "carol-secret-password")),
                    "/coop/secret.git",
                ),
                "main",
            ],
        )
        .await;
        assert!(refused.contains("not push"), "{refused}");

        // The owner of the organisation pushes; anonymous pushes to a public
        // repository are refused.
        git_ok(
            &dir.join("carol"),
            &[
                "push",
                "-q",
                &url(&forge, Some(("alice", &alice_token)), "/coop/secret.git"),
                "main",
            ],
        )
        .await;
        create_repo(
            &forge,
            &alice_token,
            "/api/v1/user/repos",
            json!({"name": "open"}),
        )
        .await;
        let refused = git_fails(
            &dir.join("carol"),
            &["push", &forge.at("/alice/open.git"), "main"],
        )
        .await;
        assert!(
            refused.contains("Authentication failed")
                || refused.contains("could not read Username"),
            "{refused}"
        );
        let refused = git_fails(
            &dir.join("carol"),
            &[
                "push",
                &url(&forge, Some(("bob", &bob_token)), "/alice/open.git"),
                "main",
            ],
        )
        .await;
        assert!(
            refused.contains("bob may read alice/open but not push to it"),
            "{refused}"
        );
        // Wrong credentials are refused outright (git presents them once the
        // forge asks, which it does for a private repository).
        let refused = git_fails(
            &dir,
            &[
                "clone",
                &url(&forge, Some(("alice", "wrong")), "/coop/secret.git"),
                "wrong",
            ],
        )
        .await;
        assert!(refused.contains("Authentication failed"), "{refused}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_push_chooses_the_default_branch_and_concurrent_pushes_all_land() {
    for forge in TestForge::on_each_engine().await {
        let (_, token) = forge.user_with_token("alice", false).await;
        create_repo(
            &forge,
            &token,
            "/api/v1/user/repos",
            json!({"name": "legacy"}),
        )
        .await;
        let work = working_copy(2).await;
        let legacy = url(&forge, Some(("alice", &token)), "/alice/legacy.git");
        git_ok(&work, &["push", "-q", &legacy, "main:master"]).await;
        let info = repo_json(&forge, &token, "alice/legacy").await;
        assert_eq!(info["default_branch"], "master");
        let dir = scratch("git");
        git_ok(
            &dir,
            &["clone", "-q", &forge.at("/alice/legacy.git"), "legacy"],
        )
        .await;
        assert_eq!(
            git_ok(&dir.join("legacy"), &["branch", "--show-current"])
                .await
                .trim(),
            "master"
        );

        // Default branch changes through the API, and must exist.
        let response = http()
            .patch(forge.at("/api/v1/repos/alice/legacy"))
            .bearer_auth(&token)
            .json(&json!({"default_branch": "nope"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);

        // Eight pushes at once: four branches of one repository, four
        // repositories.
        for i in 0..4 {
            create_repo(
                &forge,
                &token,
                "/api/v1/user/repos",
                json!({"name": format!("r{i}")}),
            )
            .await;
        }
        let mut tasks = Vec::new();
        for i in 0..4 {
            let (here, there) = (work.to_path_buf(), work.to_path_buf());
            let to_branch = legacy.clone();
            let to_repo = url(&forge, Some(("alice", &token)), &format!("/alice/r{i}.git"));
            tasks.push(tokio::spawn(async move {
                git(&here, &["push", "-q", &to_branch, &format!("main:b{i}")]).await
            }));
            tasks.push(tokio::spawn(async move {
                git(&there, &["push", "-q", &to_repo, "main"]).await
            }));
        }
        for task in tasks {
            let output = task.await.unwrap();
            assert!(
                output.status.success(),
                "{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let remote = git_ok(&work, &["ls-remote", &forge.at("/alice/legacy.git")]).await;
        for i in 0..4 {
            assert!(remote.contains(&format!("refs/heads/b{i}")));
            let info = repo_json(&forge, &token, &format!("alice/r{i}")).await;
            assert_eq!(info["empty"], false);
            assert_eq!(info["default_branch"], "main");
        }
    }
}

/// git sends gzip-compressed upload-pack requests when they are large; this
/// sends one by hand, in chunks.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gzip_and_chunked_request_bodies() {
    let forge = TestForge::on_each_engine().await.remove(0);
    let (_, token) = forge.user_with_token("alice", false).await;
    create_repo(
        &forge,
        &token,
        "/api/v1/user/repos",
        json!({"name": "zipped"}),
    )
    .await;
    let work = working_copy(1).await;
    git_ok(
        &work,
        &[
            "push",
            "-q",
            &url(&forge, Some(("alice", &token)), "/alice/zipped.git"),
            "main",
        ],
    )
    .await;
    let head = git_ok(&work, &["rev-parse", "HEAD"]).await;

    let request = format!("0032want {}\n00000009done\n", head.trim());
    let mut gz = tokio::process::Command::new("gzip")
        .arg("-c")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use tokio::io::AsyncWriteExt;
    gz.stdin
        .take()
        .unwrap()
        .write_all(request.as_bytes())
        .await
        .unwrap();
    let compressed = gz.wait_with_output().await.unwrap().stdout;
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        compressed.chunks(5).map(|c| Ok(c.to_vec())).collect();
    let response = http()
        .post(forge.at("/alice/zipped.git/git-upload-pack"))
        .header("content-type", "application/x-git-upload-pack-request")
        .header("content-encoding", "gzip")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.headers()["content-type"],
        "application/x-git-upload-pack-result"
    );
    let body = response.bytes().await.unwrap();
    assert!(body.windows(4).any(|w| w == b"PACK"), "a pack comes back");

    let response = http()
        .post(forge.at("/alice/zipped.git/git-upload-pack"))
        .header("content-encoding", "br")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let response = http()
        .get(forge.at("/alice/zipped.git/info/refs"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        StatusCode::FORBIDDEN,
        "the dumb protocol is not served"
    );
}

fn git_processes_for(path: &Path) -> usize {
    let output = std::process::Command::new("pgrep")
        .args(["-f", &path.display().to_string()])
        .output()
        .unwrap();
    String::from_utf8_lossy(&output.stdout).lines().count()
}

/// A client that goes away in the middle of a clone does not leave a git
/// process behind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_abandoned_clone_kills_its_git_process() {
    let forge = TestForge::on_each_engine().await.remove(0);
    let (_, token) = forge.user_with_token("alice", false).await;
    let created = create_repo(&forge, &token, "/api/v1/user/repos", json!({"name": "big"})).await;
    let work = working_copy(0).await;
    // 24 MB that do not compress: the pack is far larger than any buffer.
    let noise: Vec<u8> = (0..24 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(work.join("noise.bin"), noise).unwrap();
    git_ok(&work, &["add", "."]).await;
    git_ok(&work, &["commit", "-q", "-m", "noise"]).await;
    git_ok(
        &work,
        &[
            "push",
            "-q",
            &url(&forge, Some(("alice", &token)), "/alice/big.git"),
            "main",
        ],
    )
    .await;
    let head = git_ok(&work, &["rev-parse", "HEAD"]).await;
    let path = forge.storage.path_of(created["id"].as_i64().unwrap());

    let request = format!("0032want {}\n00000009done\n", head.trim());
    let mut response = http()
        .post(forge.at("/alice/big.git/git-upload-pack"))
        .body(request)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let first = response.chunk().await.unwrap().unwrap();
    assert!(!first.is_empty());
    assert!(git_processes_for(&path) >= 1, "git is serving the clone");
    drop(response);

    let mut waited = Duration::ZERO;
    while git_processes_for(&path) > 0 {
        assert!(
            waited < Duration::from_secs(10),
            "git was not stopped after the client left"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
        waited += Duration::from_millis(100);
    }
}

/// A push of a few hundred megabytes streams through.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_push_streams_through() {
    let forge = TestForge::on_each_engine().await.remove(0);
    let (_, token) = forge.user_with_token("alice", false).await;
    create_repo(
        &forge,
        &token,
        "/api/v1/user/repos",
        json!({"name": "large"}),
    )
    .await;
    let work = working_copy(0).await;
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let noise: Vec<u8> = (0..256 * 1024 * 1024)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    std::fs::write(work.join("large.bin"), noise).unwrap();
    git_ok(&work, &["add", "."]).await;
    git_ok(
        &work,
        &["-c", "core.compression=0", "commit", "-q", "-m", "large"],
    )
    .await;
    git_ok(
        &work,
        &[
            "-c",
            "pack.compression=0",
            "push",
            "-q",
            &url(&forge, Some(("alice", &token)), "/alice/large.git"),
            "main",
        ],
    )
    .await;
    let dir = scratch("git");
    git_ok(
        &dir,
        &["clone", "-q", &forge.at("/alice/large.git"), "large"],
    )
    .await;
    assert_eq!(
        std::fs::metadata(dir.join("large/large.bin"))
            .unwrap()
            .len(),
        256 * 1024 * 1024
    );
}

/// dulwich, a git implementation in pure Python, clones and pushes too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dulwich_clones_and_pushes() {
    let available = tokio::process::Command::new("python3")
        .args(["-c", "import dulwich"])
        .status()
        .await
        .is_ok_and(|s| s.success());
    if !available {
        assert!(
            std::env::var_os("CI").is_none(),
            "dulwich must be installed on CI (scripts/test-all.sh does it)"
        );
        eprintln!("dulwich is not installed: skipping (pip install dulwich)");
        return;
    }
    let forge = TestForge::on_each_engine().await.remove(0);
    let (_, token) = forge.user_with_token("alice", false).await;
    create_repo(&forge, &token, "/api/v1/user/repos", json!({"name": "py"})).await;
    let work = working_copy(2).await;
    git_ok(
        &work,
        &[
            "push",
            "-q",
            &url(&forge, Some(("alice", &token)), "/alice/py.git"),
            "main",
        ],
    )
    .await;

    let dir = scratch("git");
    let script = r#"
import sys, os
from dulwich import porcelain
source, push_url, target = sys.argv[1], sys.argv[2], sys.argv[3]
repo = porcelain.clone(source, target, errstream=open(os.devnull, "wb"))
assert os.path.exists(os.path.join(target, "file1.txt")), "cloned files are there"
with open(os.path.join(target, "from-dulwich.txt"), "w") as f:
    f.write("hello\n")
porcelain.add(repo, [os.path.join(target, "from-dulwich.txt")])
porcelain.commit(repo, message=b"From dulwich", author=b"Py <py@example.org>", committer=b"Py <py@example.org>")
porcelain.push(repo, push_url, b"refs/heads/main", errstream=open(os.devnull, "wb"))
print("ok")
"#;
    let output = tokio::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(forge.at("/alice/py.git"))
        .arg(url(&forge, Some(("alice", &token)), "/alice/py.git"))
        .arg(dir.join("py"))
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    git_ok(&dir, &["clone", "-q", &forge.at("/alice/py.git"), "check"]).await;
    let log = git_ok(&dir.join("check"), &["log", "--format=%s", "-1"]).await;
    assert_eq!(log.trim(), "From dulwich");
}

/// "Fixes #N" in a commit that reaches the default branch closes issue N,
/// once, however often the commit is seen again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushed_commits_close_and_reference_issues() {
    for forge in TestForge::on_each_engine().await {
        let (alice, token) = forge.user_with_token("alice", false).await;
        create_repo(&forge, &token, "/api/v1/user/repos", json!({"name": "app"})).await;
        let repo = forge_core::repo::find(&forge.db, "alice", "app")
            .await
            .unwrap()
            .unwrap();
        for title in ["Crash on save", "Slow start", "Typo"] {
            forge_core::issue::create(
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
        }
        let push_url = url(&forge, Some(("alice", &token)), "/alice/app.git");
        let work = working_copy(1).await;
        git_ok(&work, &["push", "-q", &push_url, "main"]).await;

        // On a feature branch: only references.
        git_ok(&work, &["checkout", "-q", "-b", "feature"]).await;
        git_ok(
            &work,
            &[
                "commit",
                "-q",
                "--allow-empty",
                "-m",
                "Speed up start-up\n\nFIXES #2, related to #3",
            ],
        )
        .await;
        git_ok(&work, &["push", "-q", &push_url, "feature"]).await;
        let state = |n: i64| {
            let db = forge.db.clone();
            let id = repo.id;
            async move { forge_core::issue::get(&db, id, n).await.unwrap().unwrap() }
        };
        assert!(!state(2).await.closed);

        // On the default branch: closes.
        git_ok(&work, &["checkout", "-q", "main"]).await;
        git_ok(
            &work,
            &[
                "commit",
                "-q",
                "--allow-empty",
                "-m",
                "Save safely (fixes #1)",
            ],
        )
        .await;
        git_ok(&work, &["push", "-q", &push_url, "main"]).await;
        let one = state(1).await;
        assert!(one.closed);
        let events = forge_core::timeline::events(&forge.db, one.id)
            .await
            .unwrap();
        let closing = events.iter().find(|e| e.kind == "closed").unwrap();
        let head = git_ok(&work, &["rev-parse", "HEAD"]).await;
        assert_eq!(closing.commit.as_deref(), Some(head.trim()));
        assert_eq!(closing.actor.as_deref(), Some("alice"));

        // Merging the feature branch later closes #2 then.
        git_ok(&work, &["merge", "-q", "--no-edit", "feature"]).await;
        git_ok(&work, &["push", "-q", &push_url, "main"]).await;
        assert!(state(2).await.closed);
        assert!(!state(3).await.closed, "a mere mention does not close");

        // Force pushes back and forth never duplicate events.
        let before = forge_core::timeline::events(&forge.db, state(2).await.id)
            .await
            .unwrap()
            .len();
        git_ok(&work, &["push", "-q", "--force", &push_url, "HEAD~1:main"]).await;
        git_ok(&work, &["push", "-q", "--force", &push_url, "main"]).await;
        git_ok(&work, &["push", "-q", &push_url, "main:other"]).await;
        let after = forge_core::timeline::events(&forge.db, state(2).await.id)
            .await
            .unwrap();
        assert_eq!(after.len(), before, "{after:?}");
        let three = forge_core::timeline::events(&forge.db, state(3).await.id)
            .await
            .unwrap();
        assert_eq!(three.iter().filter(|e| e.kind == "referenced").count(), 1);
        assert!(
            forge_core::consistency::check(&forge.db)
                .await
                .unwrap()
                .is_empty()
        );
    }
}
