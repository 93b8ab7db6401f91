//! Forks and pull requests over the API, with the real `git` command line
//! (and dulwich for a fork's push) pushing to the fork and the base, on
//! every engine under test: mergeability computed by the background job,
//! each merge style, conflicts, "Fixes #N" closing on merge, permissions.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_core::org::{self, NewOrg, OrgKind, Role};
use forge_tests::pulls::{api, check, commit_file, get, head_of, post, url};
use forge_tests::{Browser, Scratch, TestForge, git, git_ok, scratch};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::Path;

/// A working copy of the repository `full` (`owner/name`) with two commits
/// on `main`, pushed by `user`.
async fn seeded(forge: &TestForge, user: &str, token: &str, full: &str) -> Scratch {
    let dir = scratch("pulls");
    git_ok(&dir, &["init", "-q"]).await;
    commit_file(&dir, "README", "hello\n", "First").await;
    commit_file(&dir, "shared.txt", "one\ntwo\nthree\n", "Shared file").await;
    let remote = url(forge, user, token, &format!("/{full}.git"));
    git_ok(&dir, &["remote", "add", "origin", &remote]).await;
    git_ok(&dir, &["push", "-q", "origin", "main"]).await;
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fork_opens_a_pull_request_that_a_maintainer_merges() {
    for forge in TestForge::on_each_engine().await {
        let (_, alice) = forge.user_with_token("alice", false).await;
        let (_, bob) = forge.user_with_token("bob", false).await;
        let (status, _) = post(&forge, &alice, "/user/repos", json!({"name": "lib"})).await;
        assert_eq!(status, StatusCode::CREATED);
        let base = seeded(&forge, "alice", &alice, "alice/lib").await;
        let (_, bug) = post(
            &forge,
            &alice,
            "/repos/alice/lib/issues",
            json!({"title": "Bug"}),
        )
        .await;
        let (_, wish) = post(
            &forge,
            &alice,
            "/repos/alice/lib/issues",
            json!({"title": "Wish"}),
        )
        .await;
        assert_eq!(
            (bug["number"].as_i64(), wish["number"].as_i64()),
            (Some(1), Some(2))
        );

        // A reader forks: the fork knows its parent and holds its branches.
        let (status, fork) = post(&forge, &bob, "/repos/alice/lib/forks", json!({})).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{fork}");
        assert_eq!(fork["full_name"], "bob/lib");
        assert_eq!(fork["fork"], true);
        let (status, forks) = get(&forge, &bob, "/repos/alice/lib/forks").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(forks[0]["full_name"], "bob/lib");
        let (status, again) = post(&forge, &bob, "/repos/alice/lib/forks", json!({})).await;
        assert_eq!(status, StatusCode::CONFLICT, "{again}");

        let work = scratch("pulls");
        git_ok(
            &work,
            &[
                "clone",
                "-q",
                &url(&forge, "bob", &bob, "/bob/lib.git"),
                "w",
            ],
        )
        .await;
        let work = work.join("w");
        assert_eq!(head_of(&work, "HEAD").await, head_of(&base, "main").await);
        git_ok(&work, &["checkout", "-q", "-b", "feature"]).await;
        commit_file(&work, "feature.txt", "new\n", "Add a feature\n\nFixes #1").await;
        git_ok(&work, &["push", "-q", "origin", "feature"]).await;

        // Bob opens the pull request: it takes the next issue number.
        let mut position = forge.outbox_end().await;
        let (status, pr) = post(
            &forge,
            &bob,
            "/repos/alice/lib/pulls",
            json!({"head": "bob:feature", "base": "main", "title": "A feature", "body": "Closes #2"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{pr}");
        assert_eq!(pr["number"], 3);
        assert_eq!(pr["head"]["label"], "bob:feature");
        assert_eq!(pr["base"]["ref"], "main");
        assert_eq!(pr["mergeable_state"], "checking");
        assert_eq!(
            forge
                .events_since(&mut position, "pull_request.opened", 1)
                .await
                .len(),
            1
        );
        // The same head again is refused; so is a head that brings nothing.
        let (status, _) = post(
            &forge,
            &bob,
            "/repos/alice/lib/pulls",
            json!({"head": "bob:feature", "base": "main", "title": "Again"}),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT);
        let (status, _) = post(
            &forge,
            &bob,
            "/repos/alice/lib/pulls",
            json!({"head": "bob:main", "base": "main", "title": "Nothing"}),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        // Its head copy in the base repository is the forge's: no push
        // rewrites it, not even the owner's.
        let output = git(&base, &["push", "-q", "origin", "main:refs/pull/3/head"]).await;
        assert!(
            !output.status.success(),
            "a push to refs/pull/ was accepted"
        );
        // It is an issue too: comments work on it unchanged.
        let (status, _) = post(
            &forge,
            &alice,
            "/repos/alice/lib/issues/3/comments",
            json!({"body": "Thanks"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);

        check(&forge).await;
        let (_, pr) = get(&forge, &bob, "/repos/alice/lib/pulls/3").await;
        assert_eq!(pr["mergeable_state"], "mergeable", "{pr}");
        assert_eq!(pr["mergeable"], true);
        let (_, files) = get(&forge, &bob, "/repos/alice/lib/pulls/3/files").await;
        assert_eq!(files.as_array().unwrap().len(), 1);
        assert_eq!(files[0]["filename"], "feature.txt");
        assert_eq!(files[0]["status"], "added");
        let (_, commits) = get(&forge, &bob, "/repos/alice/lib/pulls/3/commits").await;
        assert_eq!(commits.as_array().unwrap().len(), 1);
        assert!(
            commits[0]["commit"]["message"]
                .as_str()
                .unwrap()
                .starts_with("Add a feature")
        );

        // A second push to the head marks it for checking again, and the
        // check tells the new head.
        commit_file(&work, "feature.txt", "newer\n", "Improve the feature").await;
        git_ok(&work, &["push", "-q", "origin", "feature"]).await;
        let (_, pr) = get(&forge, &bob, "/repos/alice/lib/pulls/3").await;
        assert_eq!(pr["mergeable_state"], "checking");
        check(&forge).await;
        let (_, pr) = get(&forge, &bob, "/repos/alice/lib/pulls/3").await;
        assert_eq!(pr["head"]["sha"], head_of(&work, "HEAD").await);
        assert_eq!(
            forge
                .events_since(&mut position, "pull_request.synchronized", 1)
                .await
                .len(),
            1
        );

        // Bob reads but may not merge; Alice merges.
        let (status, _) = post(
            &forge,
            &bob,
            "/repos/alice/lib/pulls/3/merge",
            json!({"Do": "merge"}),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = get(&forge, &bob, "/repos/alice/lib/pulls/3/merge").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, merged) = post(
            &forge,
            &alice,
            "/repos/alice/lib/pulls/3/merge",
            json!({"Do": "merge"}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{merged}");
        let (status, _) = get(&forge, &bob, "/repos/alice/lib/pulls/3/merge").await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (_, pr) = get(&forge, &bob, "/repos/alice/lib/pulls/3").await;
        assert_eq!(pr["merged"], true);
        assert_eq!(pr["state"], "closed");
        assert_eq!(pr["merged_by"]["login"], "alice");
        assert_eq!(pr["merge_commit_sha"], merged["sha"]);
        let mut pushes = position;
        assert_eq!(
            forge
                .events_since(&mut position, "pull_request.merged", 1)
                .await
                .len(),
            1
        );
        // The merge moved the branch as a push does, and was told as one.
        assert_eq!(forge.events_since(&mut pushes, "push", 1).await.len(), 1);
        // "Fixes #1" in a commit and "Closes #2" in the description closed
        // both issues.
        for number in [1, 2] {
            let (_, issue) =
                get(&forge, &alice, &format!("/repos/alice/lib/issues/{number}")).await;
            assert_eq!(issue["state"], "closed", "issue {number}");
        }
        // The base has a merge commit of the two.
        git_ok(&base, &["pull", "-q", "origin", "main"]).await;
        let parents = git_ok(&base, &["log", "-1", "--format=%P"]).await;
        assert_eq!(parents.split_whitespace().count(), 2);
        assert_eq!(
            head_of(&base, "HEAD").await,
            merged["sha"].as_str().unwrap()
        );
        assert_eq!(
            std::fs::read_to_string(base.join("feature.txt")).unwrap(),
            "newer\n"
        );
        // A merged pull request neither merges again nor reopens.
        let (status, _) = post(
            &forge,
            &alice,
            "/repos/alice/lib/pulls/3/merge",
            json!({"Do": "merge"}),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT);
        let (status, _) = api(
            &forge,
            reqwest::Method::PATCH,
            &alice,
            "/repos/alice/lib/pulls/3",
            Some(json!({"state": "open"})),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT);
        // The list shows it among closed ones.
        let (_, open) = get(&forge, &bob, "/repos/alice/lib/pulls").await;
        assert_eq!(open.as_array().unwrap().len(), 0);
        let (_, closed) = get(&forge, &bob, "/repos/alice/lib/pulls?state=closed").await;
        assert_eq!(closed[0]["number"], 3);
    }
}

/// Opens a pull request from `branch` of alice/lib into main.
async fn open(forge: &TestForge, token: &str, branch: &str) -> i64 {
    let (status, pr) = post(
        forge,
        token,
        "/repos/alice/lib/pulls",
        json!({"head": branch, "base": "main", "title": format!("Merge {branch}")}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{pr}");
    pr["number"].as_i64().unwrap()
}

async fn merge(forge: &TestForge, token: &str, number: i64, style: &str) -> (StatusCode, Value) {
    post(
        forge,
        token,
        &format!("/repos/alice/lib/pulls/{number}/merge"),
        json!({"Do": style}),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_merge_style_and_what_refuses_a_merge() {
    for forge in TestForge::on_each_engine().await {
        let (_, alice) = forge.user_with_token("alice", false).await;
        post(&forge, &alice, "/user/repos", json!({"name": "lib"})).await;
        let work = seeded(&forge, "alice", &alice, "alice/lib").await;
        let main = |w: &Path| {
            let w = w.to_path_buf();
            async move { head_of(&w, "origin/main").await }
        };

        // Four branches from the same start.
        for (branch, file) in [
            ("squashed", "s"),
            ("rebased", "r"),
            ("fast", "f"),
            ("clash", "shared.txt"),
        ] {
            git_ok(&work, &["checkout", "-q", "-b", branch, "main"]).await;
            commit_file(
                &work,
                file,
                &format!("{branch} 1\n"),
                &format!("{branch} one"),
            )
            .await;
            if branch != "fast" {
                commit_file(
                    &work,
                    &format!("{file}2"),
                    &format!("{branch} 2\n"),
                    &format!("{branch} two"),
                )
                .await;
            }
            git_ok(&work, &["push", "-q", "origin", branch]).await;
        }
        let squashed = open(&forge, &alice, "squashed").await;
        let rebased = open(&forge, &alice, "rebased").await;
        let fast = open(&forge, &alice, "fast").await;
        let clash = open(&forge, &alice, "clash").await;

        // Fast-forward only, while main has not moved.
        let (status, body) = merge(&forge, &alice, fast, "fast-forward-only").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        git_ok(&work, &["fetch", "-q", "origin"]).await;
        assert_eq!(main(&work).await, head_of(&work, "fast").await);

        // Main moved: a conflict is reported by the check and refused by the
        // merge, and fast-forward is no longer possible.
        git_ok(&work, &["checkout", "-q", "main"]).await;
        git_ok(&work, &["merge", "-q", "--ff-only", "origin/main"]).await;
        commit_file(
            &work,
            "shared.txt",
            "ONE\ntwo\nthree\n",
            "Change the shared file",
        )
        .await;
        git_ok(&work, &["push", "-q", "origin", "main"]).await;
        check(&forge).await;
        let (_, pr) = get(&forge, &alice, &format!("/repos/alice/lib/pulls/{clash}")).await;
        assert_eq!(pr["mergeable_state"], "conflict", "{pr}");
        assert_eq!(pr["conflicted_files"], json!(["shared.txt"]));
        let before = {
            git_ok(&work, &["fetch", "-q", "origin"]).await;
            main(&work).await
        };
        let (status, body) = merge(&forge, &alice, clash, "merge").await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert!(
            body["message"].as_str().unwrap().contains("shared.txt"),
            "{body}"
        );
        let (status, _) = merge(&forge, &alice, squashed, "fast-forward-only").await;
        assert_eq!(status, StatusCode::CONFLICT);
        git_ok(&work, &["fetch", "-q", "origin"]).await;
        assert_eq!(main(&work).await, before, "a refused merge moves nothing");

        // Squash: one new commit on main, whose message lists the commits.
        let (status, body) = merge(&forge, &alice, squashed, "squash").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        git_ok(&work, &["fetch", "-q", "origin"]).await;
        assert_eq!(
            git_ok(&work, &["rev-parse", "origin/main~1"]).await.trim(),
            before
        );
        let message = git_ok(&work, &["log", "-1", "--format=%B", "origin/main"]).await;
        assert!(message.starts_with("Merge squashed (#"), "{message}");
        assert!(message.contains("* squashed one") && message.contains("* squashed two"));

        // Rebase: both commits copied onto main, authors kept.
        let after_squash = main(&work).await;
        let (status, body) = merge(&forge, &alice, rebased, "rebase").await;
        assert_eq!(status, StatusCode::OK, "{body}");
        git_ok(&work, &["fetch", "-q", "origin"]).await;
        assert_eq!(
            git_ok(&work, &["rev-parse", "origin/main~2"]).await.trim(),
            after_squash
        );
        let subjects = git_ok(&work, &["log", "-2", "--format=%s", "origin/main"]).await;
        assert_eq!(subjects, "rebased two\nrebased one\n");

        // A repository's allowed styles are honoured, and unknown ones refused.
        let (status, _) = merge(&forge, &alice, clash, "octopus").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, repo) = api(
            &forge,
            reqwest::Method::PATCH,
            &alice,
            "/repos/alice/lib",
            Some(json!({"allow_merge_commits": false, "allow_rebase": false})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{repo}");
        assert_eq!(repo["allow_merge_commits"], false);
        assert_eq!(repo["allow_squash_merge"], true);
        let (status, body) = merge(&forge, &alice, clash, "merge").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let (status, _) = api(
            &forge,
            reqwest::Method::PATCH,
            &alice,
            "/repos/alice/lib",
            Some(json!({"allow_merge_commits": true})),
        )
        .await;
        assert_eq!(status, StatusCode::OK);

        // The head moved since the merger looked: nothing merges.
        git_ok(&work, &["checkout", "-q", "clash"]).await;
        commit_file(&work, "shared.txt", "ONE\ntwo\nthree\n", "Resolve").await;
        git_ok(&work, &["push", "-q", "origin", "clash"]).await;
        let (status, body) = post(
            &forge,
            &alice,
            &format!("/repos/alice/lib/pulls/{clash}/merge"),
            json!({"Do": "merge", "head_commit_id": "0123456789012345678901234567890123456789"}),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        // Deleted head branch: a clear refusal, and the check says so.
        git_ok(&work, &["push", "-q", "origin", ":clash"]).await;
        let (status, body) = merge(&forge, &alice, clash, "merge").await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert!(
            body["message"].as_str().unwrap().contains("head branch"),
            "{body}"
        );
        check(&forge).await;
        let (_, pr) = get(&forge, &alice, &format!("/repos/alice/lib/pulls/{clash}")).await;
        assert_eq!(pr["mergeable_state"], "head_missing");

        // Unrelated histories cannot be opened.
        git_ok(&work, &["checkout", "-q", "--orphan", "alone"]).await;
        commit_file(&work, "other", "x\n", "Unrelated").await;
        git_ok(&work, &["push", "-q", "origin", "alone"]).await;
        let (status, body) = post(
            &forge,
            &alice,
            "/repos/alice/lib/pulls",
            json!({"head": "alone", "base": "main", "title": "Unrelated"}),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert!(
            body["message"].as_str().unwrap().contains("no history"),
            "{body}"
        );
    }
}

/// Pushing "by hand" the head of a pull request onto its base records it as
/// merged by the next check, as does a merge the forge noted before a
/// crash.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_head_pushed_onto_the_base_counts_as_merged() {
    let forge = TestForge::on_each_engine().await.remove(0);
    let (alice_user, alice) = forge.user_with_token("alice", false).await;
    post(&forge, &alice, "/user/repos", json!({"name": "lib"})).await;
    let work = seeded(&forge, "alice", &alice, "alice/lib").await;
    git_ok(&work, &["checkout", "-q", "-b", "topic"]).await;
    commit_file(&work, "t", "t\n", "Topic").await;
    git_ok(&work, &["push", "-q", "origin", "topic"]).await;
    let number = open(&forge, &alice, "topic").await;
    git_ok(&work, &["push", "-q", "origin", "topic:main"]).await;
    check(&forge).await;
    let (_, pr) = get(&forge, &alice, &format!("/repos/alice/lib/pulls/{number}")).await;
    assert_eq!(pr["merged"], true, "{pr}");
    assert_eq!(pr["merge_commit_sha"], head_of(&work, "topic").await);

    // A merge the forge noted, whose process died once the branch moved:
    // the next check finds the noted commit on the base and records it.
    git_ok(&work, &["checkout", "-q", "-b", "other", "topic"]).await;
    commit_file(&work, "o", "o\n", "Other").await;
    git_ok(&work, &["push", "-q", "origin", "other"]).await;
    let number = open(&forge, &alice, "other").await;
    git_ok(&work, &["checkout", "-q", "-b", "squashed", "topic"]).await;
    git_ok(&work, &["merge", "-q", "--squash", "other"]).await;
    git_ok(&work, &["commit", "-q", "-m", "Squashed by the forge"]).await;
    let squashed = head_of(&work, "squashed").await;
    let repo = forge_core::repo::find(&forge.db, "alice", "lib")
        .await
        .unwrap()
        .unwrap();
    let noted = forge_core::pull::get(&forge.db, repo.id, number)
        .await
        .unwrap()
        .unwrap();
    forge_core::pull::begin_merge(&forge.db, &noted, &squashed, &alice_user)
        .await
        .unwrap();
    git_ok(&work, &["push", "-q", "origin", "squashed:main"]).await;
    check(&forge).await;
    let (_, pr) = get(&forge, &alice, &format!("/repos/alice/lib/pulls/{number}")).await;
    assert_eq!(pr["merged"], true, "{pr}");
    assert_eq!(pr["merge_commit_sha"], squashed);
    assert_eq!(pr["merged_by"]["login"], "alice");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_repositories_have_private_forks() {
    for forge in TestForge::on_each_engine().await {
        let (alice_user, alice) = forge.user_with_token("alice", false).await;
        let (bob_user, bob) = forge.user_with_token("bob", false).await;
        let (_, carol) = forge.user_with_token("carol", false).await;
        let acme = org::create(
            &forge.db,
            &alice_user,
            NewOrg {
                name: "acme".into(),
                full_name: String::new(),
                description: String::new(),
                kind: OrgKind::Association,
                website: String::new(),
            },
        )
        .await
        .unwrap();
        org::set_member(&forge.db, &alice_user, &acme, &bob_user.name, Role::Member)
            .await
            .unwrap();
        let (status, _) = post(
            &forge,
            &alice,
            "/orgs/acme/repos",
            json!({"name": "secret", "private": true}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        seeded(&forge, "alice", &alice, "acme/secret").await;

        // An outsider cannot even see it to fork it.
        let (status, _) = post(&forge, &carol, "/repos/acme/secret/forks", json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // A member who reads it forks it, privately.
        let (status, fork) = post(&forge, &bob, "/repos/acme/secret/forks", json!({})).await;
        assert_eq!(status, StatusCode::ACCEPTED, "{fork}");
        assert_eq!(fork["private"], true);
        let (status, _) = get(&forge, &carol, "/repos/bob/secret").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = get(&forge, &carol, "/repos/acme/secret/forks").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // A fork into an organisation where the forker may not create
        // repositories is refused.
        let (status, _) = post(
            &forge,
            &bob,
            "/repos/acme/secret/forks",
            json!({"organization": "acme", "name": "copy"}),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);

        // The member pushes to the fork with dulwich, an independent
        // client, then opens a pull request, which they cannot merge.
        let dir = scratch("pulls");
        git_ok(
            &dir,
            &[
                "clone",
                "-q",
                &url(&forge, "bob", &bob, "/bob/secret.git"),
                "w",
            ],
        )
        .await;
        let work = dir.join("w");
        git_ok(&work, &["checkout", "-q", "-b", "fix"]).await;
        commit_file(&work, "fix.txt", "fix\n", "A fix").await;
        push_fix(&forge, &bob, &work).await;
        let (status, pr) = post(
            &forge,
            &bob,
            "/repos/acme/secret/pulls",
            json!({"head": "bob:fix", "base": "main", "title": "A fix"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{pr}");
        let (status, _) = get(&forge, &carol, "/repos/acme/secret/pulls/1").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = post(
            &forge,
            &bob,
            "/repos/acme/secret/pulls/1/merge",
            json!({"Do": "squash"}),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, body) = post(
            &forge,
            &alice,
            "/repos/acme/secret/pulls/1/merge",
            json!({"Do": "squash"}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
    }
}

/// Pushes branch `fix` of `work` to bob's fork with dulwich when it is
/// installed (CI installs it), with git otherwise.
async fn push_fix(forge: &TestForge, bob: &str, work: &Path) {
    let push_url = url(forge, "bob", bob, "/bob/secret.git");
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
        git_ok(work, &["push", "-q", &push_url, "fix"]).await;
        return;
    }
    let script = r#"
import sys, os
from dulwich import porcelain
repo = porcelain.open_repo(sys.argv[1])
porcelain.push(repo, sys.argv[2], b"refs/heads/fix", errstream=open(os.devnull, "wb"))
"#;
    let output = tokio::process::Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(work)
        .arg(&push_url)
        .output()
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The pages, like a browser without JavaScript: the fork button, the
/// compare page that opens a pull request, its page with "checking" then
/// the merge form, its changed files, and the merge through the form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_request_pages() {
    let forge = TestForge::on_each_engine().await.remove(0);
    let (_, alice) = forge.user_with_token("alice", false).await;
    let (_, bob) = forge.user_with_token("bob", false).await;
    post(&forge, &alice, "/user/repos", json!({"name": "lib"})).await;
    seeded(&forge, "alice", &alice, "alice/lib").await;

    let mut browser = Browser::new(&forge, "en");
    browser.sign_in("bob").await;
    let page = browser.get("/alice/lib/pulls").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.contains("No pull requests here."));
    let page = browser.post("/alice/lib/fork", &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some("/bob/lib"));
    // Without the CSRF token, nothing is forked.
    let page = browser.post_raw("/alice/lib/fork", &[]).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);

    let dir = scratch("pulls");
    git_ok(
        &dir,
        &[
            "clone",
            "-q",
            &url(&forge, "bob", &bob, "/bob/lib.git"),
            "w",
        ],
    )
    .await;
    let work = dir.join("w");
    git_ok(&work, &["checkout", "-q", "-b", "docs"]).await;
    commit_file(&work, "DOCS.md", "# Docs\n", "Write the docs").await;
    git_ok(&work, &["push", "-q", "origin", "docs"]).await;

    let page = browser
        .get("/alice/lib/compare?base=main&head=bob:docs")
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    let compare = page.location.unwrap();
    let page = browser.get(&compare).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    assert!(
        page.contains("Write the docs") && page.contains("DOCS.md"),
        "{}",
        page.body
    );
    let page = browser
        .post(&compare, &[("title", "Docs"), ("body", "Some docs")])
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    assert_eq!(page.location.as_deref(), Some("/alice/lib/pulls/1"));
    let page = browser.get("/alice/lib/pulls/1").await;
    assert!(
        page.contains("Checking whether it merges cleanly"),
        "{}",
        page.body
    );
    assert!(
        !page.contains("name=\"style\""),
        "a reader has no merge form"
    );
    let page = browser.get("/alice/lib/pulls/1/files").await;
    assert!(page.contains("DOCS.md"));
    // A branch that does not exist: the compare page says so, in French too.
    let mut visitor = Browser::new(&forge, "fr");
    let page = visitor.get("/alice/lib/compare/main...nowhere").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.contains("La branche source n’existe pas"),
        "{}",
        page.body
    );

    check(&forge).await;
    let head = head_of(&work, "docs").await;
    post(
        &forge,
        &alice,
        &format!("/repos/alice/lib/statuses/{head}"),
        json!({"state": "success", "context": "ci/build"}),
    )
    .await;
    let mut maintainer = Browser::new(&forge, "en");
    maintainer.sign_in("alice").await;
    let page = maintainer.get("/alice/lib/pulls/1").await;
    assert!(page.contains("It merges cleanly."), "{}", page.body);
    assert!(
        page.contains("Checks of the head commit: success"),
        "{}",
        page.body
    );
    let head_commit = forge_tests::hidden_value(&page.body, "head_commit").unwrap();
    let page = maintainer
        .post(
            "/alice/lib/pulls/1/merge",
            &[
                ("style", "rebase"),
                ("head_commit", &head_commit),
                ("message", ""),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
    let page = maintainer.get("/alice/lib/pulls?state=closed").await;
    assert!(
        page.contains("Merged") && page.contains("bob:docs → main"),
        "{}",
        page.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commit_statuses() {
    for forge in TestForge::on_each_engine().await {
        let (_, alice) = forge.user_with_token("alice", false).await;
        let (_, bob) = forge.user_with_token("bob", false).await;
        post(&forge, &alice, "/user/repos", json!({"name": "lib"})).await;
        let work = seeded(&forge, "alice", &alice, "alice/lib").await;
        let sha = head_of(&work, "main").await;
        let path = format!("/repos/alice/lib/statuses/{sha}");
        let (status, _) = post(
            &forge,
            &bob,
            &path,
            json!({"state": "success", "context": "ci"}),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "only writers post statuses");
        let (status, _) = post(&forge, &alice, &path, json!({"state": "green"})).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, _) = post(
            &forge,
            &alice,
            "/repos/alice/lib/statuses/0123456789012345678901234567890123456789",
            json!({"state": "success"}),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let mut position = forge.outbox_end().await;
        for (state, context) in [
            ("pending", "ci/build"),
            ("success", "ci/build"),
            ("failure", "lint"),
        ] {
            let (status, body) = post(
                &forge,
                &alice,
                &path,
                json!({"state": state, "context": context, "target_url": "https://ci.example.org/1", "description": "d"}),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
            assert_eq!(body["status"], state);
            assert_eq!(body["creator"]["login"], "alice");
        }
        assert_eq!(
            forge
                .events_since(&mut position, "commit_status", 3)
                .await
                .len(),
            3
        );
        let (_, all) = get(&forge, &bob, &path).await;
        assert_eq!(all.as_array().unwrap().len(), 3);
        assert_eq!(all[0]["status"], "failure");
        let (status, combined) = get(&forge, &bob, "/repos/alice/lib/commits/main/status").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(combined["state"], "failure");
        assert_eq!(combined["sha"], sha);
        assert_eq!(combined["total_count"], 2);
        post(
            &forge,
            &alice,
            &path,
            json!({"state": "success", "context": "lint"}),
        )
        .await;
        let (_, combined) = get(
            &forge,
            &bob,
            &format!("/repos/alice/lib/commits/{sha}/status"),
        )
        .await;
        assert_eq!(combined["state"], "success");
    }
}
