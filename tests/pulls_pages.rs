//! Pull requests beside issues, on every engine under test, with the real
//! `git` command line: issue lists without pull requests (pages and
//! Gitea's `type`), the `pull_request` field and counters, the merge styles
//! a repository's settings page allows, commit statuses on the pull request
//! and commit pages, a fork's "forked from" line, "declare delivery" from a
//! pull request that fixes a funded issue, and the faults a merge meets (a
//! fork deleted under its pull request, a head force-pushed after the
//! check).

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_core::clock::{now_ms, rfc3339};
use forge_core::org::{self, NewOrg, OrgKind};
use forge_tests::pulls::{api, check, commit_file, get, head_of, post, url};
use forge_tests::{Browser, Scratch, TestForge, git_ok, scratch};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::path::Path;

/// alice/lib with two commits on `main`, and a working copy of it.
async fn seeded(forge: &TestForge, alice: &str) -> Scratch {
    post(forge, alice, "/user/repos", json!({"name": "lib"})).await;
    let dir = scratch("pulls");
    git_ok(&dir, &["init", "-q", "-b", "main"]).await;
    commit_file(&dir, "README", "hello\n", "First").await;
    commit_file(&dir, "shared.txt", "one\ntwo\n", "Shared file").await;
    let remote = url(forge, "alice", alice, "/alice/lib.git");
    git_ok(&dir, &["remote", "add", "origin", &remote]).await;
    git_ok(&dir, &["push", "-q", "origin", "main"]).await;
    dir
}

/// Pushes a new branch `branch` of `work` with one commit saying `message`.
async fn push_branch(work: &Path, branch: &str, message: &str) -> String {
    git_ok(work, &["checkout", "-q", "-b", branch, "main"]).await;
    let file = format!("{}.txt", branch.replace('/', "-"));
    commit_file(work, &file, "work\n", message).await;
    git_ok(work, &["push", "-q", "origin", branch]).await;
    git_ok(work, &["checkout", "-q", "main"]).await;
    head_of(work, branch).await
}

async fn open_pull(forge: &TestForge, token: &str, head: &str, body: &str) -> i64 {
    let (status, pr) = post(
        forge,
        token,
        "/repos/alice/lib/pulls",
        json!({"head": head, "base": "main", "title": format!("Merge {head}"), "body": body}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{pr}");
    pr["number"].as_i64().unwrap()
}

async fn origin_main(work: &Path) -> String {
    git_ok(work, &["fetch", "-q", "origin"]).await;
    head_of(work, "origin/main").await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue_lists_and_counters_keep_pull_requests_apart() {
    for forge in TestForge::on_each_engine().await {
        let (_, alice) = forge.user_with_token("alice", false).await;
        let work = seeded(&forge, &alice).await;
        let (status, _) = post(
            &forge,
            &alice,
            "/repos/alice/lib/issues",
            json!({"title": "A plain bug"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        push_branch(&work, "topic", "Topic work").await;
        let number = open_pull(&forge, &alice, "topic", "").await;
        assert_eq!(number, 2);

        // Gitea's API: both without `type`, each with it.
        let (_, both) = get(&forge, &alice, "/repos/alice/lib/issues").await;
        let numbers = |list: &Value| -> Vec<i64> {
            list.as_array()
                .unwrap()
                .iter()
                .map(|i| i["number"].as_i64().unwrap())
                .collect()
        };
        assert_eq!(numbers(&both), [2, 1]);
        assert_eq!(both[1]["pull_request"], Value::Null);
        assert_eq!(both[0]["pull_request"]["merged"], false, "{both}");
        assert_eq!(both[0]["pull_request"]["merged_at"], Value::Null);
        assert!(
            both[0]["html_url"]
                .as_str()
                .unwrap()
                .ends_with("/alice/lib/pulls/2")
        );
        let (_, issues) = get(&forge, &alice, "/repos/alice/lib/issues?type=issues").await;
        assert_eq!(numbers(&issues), [1]);
        let (_, pulls) = get(&forge, &alice, "/repos/alice/lib/issues?type=pulls").await;
        assert_eq!(numbers(&pulls), [2]);
        let (status, _) = get(&forge, &alice, "/repos/alice/lib/issues?type=octopus").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (_, repo) = get(&forge, &alice, "/repos/alice/lib").await;
        assert_eq!(repo["open_issues_count"], 1, "{repo}");
        assert_eq!(repo["open_pr_counter"], 1);

        // The issue list page lists the issue only, and counts it alone.
        let mut browser = Browser::new(&forge, "en");
        let page = browser.get("/alice/lib/issues").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.contains("A plain bug"), "{}", page.body);
        assert!(!page.contains("Merge topic"), "{}", page.body);
        // A pull request page of an issue's number leads to the issue.
        let page = browser.get("/alice/lib/pulls/1").await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert_eq!(page.location.as_deref(), Some("/alice/lib/issues/1"));
        let page = browser.get("/alice/lib/pulls/9").await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);

        // Merged: the issue's `pull_request` says so.
        check(&forge).await;
        let (status, body) = post(
            &forge,
            &alice,
            "/repos/alice/lib/pulls/2/merge",
            json!({"Do": "merge"}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let (_, merged) = get(&forge, &alice, "/repos/alice/lib/issues/2").await;
        assert_eq!(merged["pull_request"]["merged"], true, "{merged}");
        assert!(merged["pull_request"]["merged_at"].is_string());
        let (_, repo) = get(&forge, &alice, "/repos/alice/lib").await;
        assert_eq!(
            (&repo["open_issues_count"], &repo["open_pr_counter"]),
            (&json!(1), &json!(0))
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_settings_page_chooses_the_merge_styles_the_merge_form_offers() {
    for forge in TestForge::on_each_engine().await {
        let (_, alice) = forge.user_with_token("alice", false).await;
        forge.user_with_token("bob", false).await;
        let work = seeded(&forge, &alice).await;
        push_branch(&work, "topic", "Topic work").await;
        let number = open_pull(&forge, &alice, "topic", "").await;
        check(&forge).await;

        let mut browser = Browser::new(&forge, "en");
        browser.sign_in("alice").await;
        let page = browser.get("/alice/lib/settings").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.contains("Merge styles offered on pull requests")
                && page
                    .contains(r#"id="style_squash" name="style_squash" type="checkbox" checked"#),
            "{}",
            page.body
        );
        // Nothing chosen: refused, said next to the choices.
        let page = browser.post("/alice/lib/settings/merge-styles", &[]).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("Allow at least one merge style."));
        // Without the CSRF token, nothing changes.
        let page = browser
            .post_raw("/alice/lib/settings/merge-styles", &[("style_merge", "on")])
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        let page = browser
            .post(
                "/alice/lib/settings/merge-styles",
                &[("style_squash", "on"), ("style_rebase", "on")],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let (_, repo) = get(&forge, &alice, "/repos/alice/lib").await;
        assert_eq!(repo["allow_merge_commits"], false);
        assert_eq!(repo["allow_squash_merge"], true);
        assert_eq!(repo["allow_rebase"], true);
        assert_eq!(repo["allow_fast_forward_only_merge"], false);
        // Only the repository's admins choose.
        let mut bob = Browser::new(&forge, "en");
        bob.sign_in("bob").await;
        let page = bob
            .post("/alice/lib/settings/merge-styles", &[("style_merge", "on")])
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);

        // The merge form offers the allowed styles only; in French too.
        let mut french = Browser::new(&forge, "fr");
        french.sign_in("alice").await;
        let page = french.get(&format!("/alice/lib/pulls/{number}")).await;
        assert!(
            page.contains(r#"<option value="squash">Fusionner en un seul commit"#)
                || page.contains(r#"<option value="squash">"#),
            "{}",
            page.body
        );
        assert!(!page.contains(r#"<option value="merge">"#), "{}", page.body);
        assert!(page.contains(r#"<label for="merge-message">"#));
        let settings = french.get("/alice/lib/settings").await;
        assert!(
            settings.contains("Méthodes de fusion proposées"),
            "{}",
            settings.body
        );

        // A squash with the message the merger wrote.
        let head_commit = forge_tests::hidden_value(&page.body, "head_commit").unwrap();
        let page = browser
            .post(
                &format!("/alice/lib/pulls/{number}/merge"),
                &[
                    ("style", "squash"),
                    ("head_commit", &head_commit),
                    ("message", "Topic, squashed by hand"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        origin_main(&work).await;
        let message = git_ok(&work, &["log", "-1", "--format=%B", "origin/main"]).await;
        assert_eq!(message.trim(), "Topic, squashed by hand");
        assert_eq!(
            git_ok(&work, &["rev-list", "--count", "origin/main"])
                .await
                .trim(),
            "3"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statuses_show_on_pull_requests_and_commits_and_forks_name_their_parent() {
    for forge in TestForge::on_each_engine().await {
        let (_, alice) = forge.user_with_token("alice", false).await;
        let (_, bob) = forge.user_with_token("bob", false).await;
        let work = seeded(&forge, &alice).await;
        let head = push_branch(&work, "feature/x", "Feature work").await;
        let number = open_pull(&forge, &alice, "feature/x", "").await;
        for (state, context, target) in [
            ("success", "ci/build", "https://ci.example.org/build/7"),
            ("failure", "lint", ""),
        ] {
            let (status, body) = post(
                &forge,
                &alice,
                &format!("/repos/alice/lib/statuses/{head}"),
                json!({"state": state, "context": context, "target_url": target, "description": "Run 7"}),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED, "{body}");
        }
        // A ref with a slash, percent-encoded as Gitea's clients send it.
        let (status, combined) =
            get(&forge, &bob, "/repos/alice/lib/commits/feature%2Fx/status").await;
        assert_eq!(status, StatusCode::OK, "{combined}");
        assert_eq!(combined["sha"], head);
        assert_eq!(combined["state"], "failure");

        let mut browser = Browser::new(&forge, "en");
        let page = browser.get(&format!("/alice/lib/pulls/{number}")).await;
        assert!(
            page.contains("Checks of the head commit: failure")
                && page.contains(r#"href="https://ci.example.org/build/7""#)
                && page.contains("ci/build")
                && page.contains("lint"),
            "{}",
            page.body
        );
        let page = browser.get(&format!("/alice/lib/commit/{head}")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.contains("Checks of this commit: failure")
                && page.contains(r#"href="https://ci.example.org/build/7""#),
            "{}",
            page.body
        );
        let mut french = Browser::new(&forge, "fr");
        let page = french.get(&format!("/alice/lib/commit/{head}")).await;
        assert!(
            page.contains("Vérifications de ce commit : échec"),
            "{}",
            page.body
        );
        // A commit without statuses shows none.
        let first = head_of(&work, "main~1").await;
        let page = browser.get(&format!("/alice/lib/commit/{first}")).await;
        assert!(!page.contains("Checks of this commit"));
        // The history marks the commits that have checks.
        let tip = head_of(&work, "main").await;
        post(
            &forge,
            &alice,
            &format!("/repos/alice/lib/statuses/{tip}"),
            json!({"state": "pending", "context": "ci/build"}),
        )
        .await;
        let page = browser.get("/alice/lib/commits/branch/main").await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(
            page.body.matches("Checks: pending").count(),
            1,
            "{}",
            page.body
        );

        // The fork's page names its parent.
        let (status, _) = post(&forge, &bob, "/repos/alice/lib/forks", json!({})).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        let page = browser.get("/bob/lib").await;
        assert!(
            page.contains("Forked from")
                && page.contains(r#"<a href="/alice/lib"><bdi>alice/lib</bdi></a>"#),
            "{}",
            page.body
        );
        let page = browser.get("/alice/lib").await;
        assert!(!page.contains("Forked from"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pull_request_that_fixes_a_funded_issue_offers_its_delivery() {
    for forge in TestForge::on_each_engine().await {
        let (_, alice) = forge.user_with_token("alice", false).await;
        let (carol_user, carol) = forge.user_with_token("carol", false).await;
        let (_, bob) = forge.user_with_token("bob", false).await;
        org::create(
            &forge.db,
            &carol_user,
            NewOrg {
                name: "payer".into(),
                full_name: "The payer".into(),
                description: String::new(),
                kind: OrgKind::Cooperative,
                website: String::new(),
            },
        )
        .await
        .unwrap();
        let work = seeded(&forge, &alice).await;
        post(
            &forge,
            &alice,
            "/repos/alice/lib/issues",
            json!({"title": "Export to ODS"}),
        )
        .await;
        post(
            &forge,
            &alice,
            "/repos/alice/lib/issues",
            json!({"title": "Not funded"}),
        )
        .await;
        let (status, goal) = api(
            &forge,
            Method::PUT,
            &alice,
            "/repos/alice/lib/issues/1/funding",
            Some(json!({
                "budget_minor": 50_000,
                "currency": "EUR",
                "deadline": rfc3339(now_ms() + 30 * 86_400_000),
                "acceptance": "Exports to ODS.",
            })),
        )
        .await;
        assert!(status.is_success(), "{goal}");
        let (status, pledge) = post(
            &forge,
            &carol,
            "/repos/alice/lib/issues/1/funding/pledges",
            json!({"org": "payer", "amount_minor": 50_000, "currency": "EUR"}),
        )
        .await;
        assert!(status.is_success(), "{pledge}");

        git_ok(&work, &["checkout", "-q", "-b", "ods", "main"]).await;
        commit_file(&work, "ods.rs", "ods\n", "Write ODS files\n\nFixes #1").await;
        commit_file(&work, "ods2.rs", "ods\n", "Test ODS files").await;
        git_ok(&work, &["push", "-q", "origin", "ods"]).await;
        let commits = git_ok(&work, &["rev-list", "--reverse", "main..ods"]).await;
        let commits: Vec<&str> = commits.lines().collect();
        let number = open_pull(&forge, &alice, "ods", "Fixes #2 as well").await;

        let mut maintainer = Browser::new(&forge, "en");
        maintainer.sign_in("alice").await;
        let page = maintainer.get(&format!("/alice/lib/pulls/{number}")).await;
        let href = format!("/alice/lib/issues/1/funding?pull={number}#deliver-form");
        assert!(
            page.contains("Declare the delivery of issue #1") && page.contains(&href),
            "{}",
            page.body
        );
        assert!(!page.contains("delivery of issue #2"), "not funded");
        // Readers are offered nothing.
        let mut reader = Browser::new(&forge, "en");
        reader.sign_in("bob").await;
        let page = reader.get(&format!("/alice/lib/pulls/{number}")).await;
        assert!(!page.contains("Declare the delivery"));
        let page = reader
            .get(&format!("/alice/lib/issues/1/funding?pull={number}"))
            .await;
        assert!(!page.contains(commits[0]));

        // The funding page's form starts with the commits and a link.
        let page = maintainer
            .get(&format!("/alice/lib/issues/1/funding?pull={number}"))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let prefilled = commits.join(" ");
        assert!(
            page.contains(&format!(r#"value="{prefilled}""#)),
            "{}",
            page.body
        );
        let link = forge.at(&format!("/alice/lib/pulls/{number}"));
        assert!(
            page.contains(&format!("Delivered by pull request #{number}: {link}")),
            "{}",
            page.body
        );
        // Declared through the existing form: the goal is delivered with
        // the pull request's commits.
        let note = format!("Delivered by pull request #{number}: {link}");
        let page = maintainer
            .post(
                "/alice/lib/issues/1/funding/deliver",
                &[("note", &note), ("commits", &prefilled)],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let (_, goal) = get(&forge, &bob, "/repos/alice/lib/issues/1/funding").await;
        assert_eq!(goal["state"], "delivered", "{goal}");
        let page = maintainer.get(&format!("/alice/lib/pulls/{number}")).await;
        assert!(!page.contains("Declare the delivery"), "delivered already");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_fork_or_a_force_pushed_head_merges_nothing() {
    for forge in TestForge::on_each_engine().await {
        let (_, alice) = forge.user_with_token("alice", false).await;
        let (_, bob) = forge.user_with_token("bob", false).await;
        let work = seeded(&forge, &alice).await;

        // A fork deleted under its open pull request.
        let (status, _) = post(&forge, &bob, "/repos/alice/lib/forks", json!({})).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        let fork_url = url(&forge, "bob", &bob, "/bob/lib.git");
        git_ok(&work, &["checkout", "-q", "-b", "fix", "main"]).await;
        commit_file(&work, "fix.txt", "fix\n", "A fix").await;
        git_ok(&work, &["push", "-q", &fork_url, "fix"]).await;
        git_ok(&work, &["checkout", "-q", "main"]).await;
        let from_fork = open_pull(&forge, &bob, "bob:fix", "").await;
        check(&forge).await;
        let before = origin_main(&work).await;
        let (status, body) = api(&forge, Method::DELETE, &bob, "/repos/bob/lib", None).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        let (status, body) = post(
            &forge,
            &alice,
            &format!("/repos/alice/lib/pulls/{from_fork}/merge"),
            json!({"Do": "merge"}),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT, "{body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("its repository was deleted"),
            "{body}"
        );
        assert_eq!(origin_main(&work).await, before, "nothing merged");
        let (_, pr) = get(
            &forge,
            &alice,
            &format!("/repos/alice/lib/pulls/{from_fork}"),
        )
        .await;
        assert_eq!(pr["state"], "open", "{pr}");
        assert_eq!(pr["head"]["repo"], Value::Null);
        check(&forge).await;
        let mut browser = Browser::new(&forge, "en");
        let page = browser.get(&format!("/alice/lib/pulls/{from_fork}")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.contains("The head branch is gone."), "{}", page.body);

        // A head force-pushed after the maintainer looked: the form's head
        // no longer matches, nothing merges.
        push_branch(&work, "topic", "Topic work").await;
        let number = open_pull(&forge, &alice, "topic", "").await;
        check(&forge).await;
        let mut maintainer = Browser::new(&forge, "en");
        maintainer.sign_in("alice").await;
        let page = maintainer.get(&format!("/alice/lib/pulls/{number}")).await;
        let seen = forge_tests::hidden_value(&page.body, "head_commit").unwrap();
        git_ok(&work, &["checkout", "-q", "topic"]).await;
        git_ok(
            &work,
            &["commit", "-q", "--amend", "-m", "Topic work, rewritten"],
        )
        .await;
        git_ok(&work, &["push", "-q", "--force", "origin", "topic"]).await;
        git_ok(&work, &["checkout", "-q", "main"]).await;
        let page = maintainer
            .post(
                &format!("/alice/lib/pulls/{number}/merge"),
                &[("style", "merge"), ("head_commit", &seen), ("message", "")],
            )
            .await;
        assert_eq!(page.status, StatusCode::CONFLICT, "{}", page.body);
        assert!(
            page.contains("The head branch moved since you looked at it"),
            "{}",
            page.body
        );
        assert_eq!(origin_main(&work).await, before, "nothing merged");
        // Looked at again, it merges the commits now shown.
        check(&forge).await;
        let page = maintainer.get(&format!("/alice/lib/pulls/{number}")).await;
        let seen = forge_tests::hidden_value(&page.body, "head_commit").unwrap();
        assert_eq!(seen, head_of(&work, "topic").await);
        let page = maintainer
            .post(
                &format!("/alice/lib/pulls/{number}/merge"),
                &[("style", "merge"), ("head_commit", &seen), ("message", "")],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        git_ok(&work, &["fetch", "-q", "origin"]).await;
        git_ok(
            &work,
            &["merge-base", "--is-ancestor", &seen, "origin/main"],
        )
        .await;
    }
}
