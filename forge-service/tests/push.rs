//! Finishing pushes whose process died, on SQLite and PostgreSQL, against
//! real repositories moved by the real `git` command.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_core::clock::now_ms;
use forge_core::issue::{self, NewIssue};
use forge_core::outbox;
use forge_core::push_journal::{self, Command};
use forge_core::repo::{NewRepo, Repo};
use forge_core::user::User;
use forge_core::{Db, testing};
use forge_git::push::{Evidence, RefCommand};
use forge_service::Forge;
use std::path::{Path, PathBuf};

const ZERO: &str = "0000000000000000000000000000000000000000";

fn scratch(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "forge-service-{what}-{}",
        forge_core::secret::random_hex(6)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn git(dir: &Path, args: &[&str]) -> String {
    let output = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "Alice")
        .env("GIT_AUTHOR_EMAIL", "alice@example.org")
        .env("GIT_COMMITTER_NAME", "Alice")
        .env("GIT_COMMITTER_EMAIL", "alice@example.org")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_string()
}

async fn setup(db: Db) -> (Forge, User, Repo, PathBuf) {
    let forge = Forge::new(db, forge_git::Storage::new(scratch("repos")));
    let alice = testing::user(&forge.db, "alice").await;
    let repo = forge
        .create_repo(
            &alice,
            "alice",
            NewRepo {
                name: "app".into(),
                ..NewRepo::default()
            },
        )
        .await
        .unwrap();
    for title in ["First", "Second", "Third"] {
        let new = NewIssue {
            title: title.into(),
            ..NewIssue::default()
        };
        issue::create(&forge.db, &alice, &repo, new).await.unwrap();
    }
    let work = scratch("work");
    git(&work, &["init", "-q", "-b", "main"]);
    (forge, alice, repo, work)
}

/// Commits in the working copy and pushes straight into the bare
/// repository, as git would before the forge records anything; returns
/// the new commit.
fn commit_and_push(forge: &Forge, repo: &Repo, work: &Path, message: &str) -> String {
    git(work, &["commit", "-q", "--allow-empty", "-m", message]);
    let bare = forge.storage.path_of(repo.id.0);
    git(work, &["push", "-q", bare.to_str().unwrap(), "main"]);
    git(work, &["rev-parse", "HEAD"])
}

/// A journal row for `old → new` on main whose process is gone.
async fn journal_lapsed(forge: &Forge, repo: &Repo, alice: &User, old: &str, new: &str) {
    let command = Command {
        old: old.into(),
        new: new.into(),
        name: "refs/heads/main".into(),
    };
    push_journal::open(
        &forge.db,
        repo.id,
        Some(alice.id),
        None,
        &[command],
        now_ms() - 1,
    )
    .await
    .unwrap();
}

async fn state_of(forge: &Forge, repo: &Repo, number: i64) -> bool {
    issue::get(&forge.db, repo.id, number)
        .await
        .unwrap()
        .unwrap()
        .closed
}

#[tokio::test]
async fn interrupted_pushes_are_finished_once_even_after_the_branch_moved_on() {
    for db in testing::engines().await {
        let (forge, alice, repo, work) = setup(db).await;
        let start = outbox::end(&forge.db).await.unwrap();

        // A push died after git moved main to "Fixes #1"; a later push
        // (recorded elsewhere) moved main further before anyone noticed.
        let fixing = commit_and_push(&forge, &repo, &work, "Fixes #1");
        journal_lapsed(&forge, &repo, &alice, ZERO, &fixing).await;
        commit_and_push(&forge, &repo, &work, "Unrelated work");
        // A push git refused: its commit never reached the repository.
        journal_lapsed(&forge, &repo, &alice, &fixing, &"e".repeat(40)).await;
        // A push still running in a live process is not touched.
        let live = RefCommand {
            old: fixing.clone(),
            new: "f".repeat(40),
            name: "refs/heads/main".into(),
        };
        forge
            .journal_push(repo.id, Some(alice.id), &[live])
            .await
            .unwrap();

        assert!(!state_of(&forge, &repo, 1).await);
        assert_eq!(forge.finish_interrupted_pushes().await.unwrap(), 2);
        assert!(state_of(&forge, &repo, 1).await, "Fixes #1 applied");
        assert!(!state_of(&forge, &repo, 2).await);

        let mut seen = start;
        let events = testing::events_since(&forge.db, &mut seen, 2).await;
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["issue.closed", "push"], "{events:?}");
        assert_eq!(events[1].payload["refs"][0]["new"], fixing.as_str());
        assert_eq!(events[1].payload["pusher"], "alice");
        assert_eq!(
            events[0].issue,
            issue::get(&forge.db, repo.id, 1)
                .await
                .unwrap()
                .map(|i| i.id)
        );

        // Only the live push remains journalled; a second round does
        // nothing and tells no one twice.
        let pending = push_journal::pending(&forge.db, repo.id).await.unwrap();
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].commands[0].new, "f".repeat(40));
        assert_eq!(forge.finish_interrupted_pushes().await.unwrap(), 0);
        assert!(
            testing::events_since(&forge.db, &mut seen, 0)
                .await
                .is_empty()
        );
    }
}

#[tokio::test]
async fn a_push_finished_twice_is_recorded_once() {
    for db in testing::engines().await {
        let (forge, alice, repo, work) = setup(db).await;
        let fixing = commit_and_push(&forge, &repo, &work, "Fixes #2, see #3");
        let command = RefCommand {
            old: ZERO.into(),
            new: fixing.clone(),
            name: "refs/heads/main".into(),
        };
        let journal = forge
            .journal_push(repo.id, Some(alice.id), std::slice::from_ref(&command))
            .await
            .unwrap();
        let start = outbox::end(&forge.db).await.unwrap();
        // The process that received the push and another one that thought
        // it dead both finish it.
        for _ in 0..2 {
            forge
                .process_push(
                    &repo,
                    Some(&alice),
                    Some(journal),
                    vec![command.clone()],
                    Evidence::JustFinished,
                )
                .await
                .unwrap();
        }
        assert!(state_of(&forge, &repo, 2).await);
        assert!(!state_of(&forge, &repo, 3).await);
        let events = testing::events_since(&forge.db, &mut start.clone(), 3).await;
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(
            kinds,
            ["issue.closed", "issue.referenced", "push"],
            "{events:?}"
        );
        assert!(
            push_journal::pending(&forge.db, repo.id)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

/// A push made with a deploy key and finished by another process still
/// names the key: the journal row keeps it, so the push event does.
#[tokio::test]
async fn an_interrupted_deploy_key_push_still_names_its_key() {
    for db in testing::engines().await {
        let (forge, _alice, repo, work) = setup(db).await;
        let mut seen = outbox::end(&forge.db).await.unwrap();
        let pushed = commit_and_push(&forge, &repo, &work, "Deploy");
        let key = push_journal::DeployKeyPusher {
            id: forge_core::SshKeyId(7),
            title: "ci".into(),
        };
        let command = Command {
            old: ZERO.into(),
            new: pushed.clone(),
            name: "refs/heads/main".into(),
        };
        push_journal::open(
            &forge.db,
            repo.id,
            None,
            Some(&key),
            &[command],
            now_ms() - 1,
        )
        .await
        .unwrap();
        let pending = push_journal::pending(&forge.db, repo.id).await.unwrap();
        assert_eq!(pending[0].deploy_key, Some(key));
        assert_eq!(pending[0].pusher, None);

        assert_eq!(forge.finish_interrupted_pushes().await.unwrap(), 1);
        let events = testing::events_since(&forge.db, &mut seen, 1).await;
        let push = events.iter().find(|e| e.kind == "push").unwrap();
        assert!(push.actor.is_none());
        assert!(push.payload["pusher"].is_null());
        assert_eq!(push.payload["deploy_key"]["id"], 7);
        assert_eq!(push.payload["deploy_key"]["title"], "ci");
        assert_eq!(push.payload["refs"][0]["new"], pushed.as_str());
    }
}
