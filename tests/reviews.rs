//! Reviews of pull requests with the real `git` command line on every
//! engine under test: verdicts through the API and the pages, a comment on
//! a line that stays on its line after force-pushes (moved when lines
//! shift) and becomes outdated when the line is gone, who may resolve a
//! conversation, and private repositories staying 404 to outsiders.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_core::org::{self, NewOrg, OrgKind, Role};
use forge_core::user::User;
use forge_tests::pulls::{check, commit_file, get, post, url};
use forge_tests::{Browser, Scratch, TestForge, git_ok, scratch};
use reqwest::StatusCode;
use serde_json::json;
use std::path::Path;

/// The organisation `acme` of `owner`, with `member` in it (who reads its
/// private repositories but does not push to them).
async fn acme(forge: &TestForge, owner: &User, member: &User) {
    let acme = org::create(
        &forge.db,
        owner,
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
    org::set_member(&forge.db, owner, &acme, &member.name, Role::Member)
        .await
        .unwrap();
}

/// `acme/NAME` with `main` holding one file pushed by its owner, and
/// `user`'s fork of it with branch `feature` changing `code.txt`, and pull
/// request 1 opened by `user` from it.
async fn repo_with_pull(
    forge: &TestForge,
    owner_token: &str,
    user: &str,
    token: &str,
    name: &str,
    private: bool,
) -> Scratch {
    let (status, _) = post(
        forge,
        owner_token,
        "/orgs/acme/repos",
        json!({"name": name, "private": private}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let dir = scratch("reviews");
    git_ok(&dir, &["init", "-q", "-b", "main"]).await;
    commit_file(&dir, "code.txt", "a\nb\nc\n", "First").await;
    let base = url(forge, "alice", owner_token, &format!("/acme/{name}.git"));
    git_ok(&dir, &["push", "-q", &base, "main"]).await;
    let (status, fork) = post(
        forge,
        token,
        &format!("/repos/acme/{name}/forks"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{fork}");
    let remote = url(forge, user, token, &format!("/{user}/{name}.git"));
    git_ok(&dir, &["remote", "add", "origin", &remote]).await;
    git_ok(&dir, &["checkout", "-q", "-b", "feature"]).await;
    commit_file(&dir, "code.txt", "a\nb\ntarget\nc\n", "Add the target").await;
    git_ok(&dir, &["push", "-q", "origin", "feature"]).await;
    let (status, pr) = post(
        forge,
        token,
        &format!("/repos/acme/{name}/pulls"),
        json!({"head": format!("{user}:feature"), "base": "main", "title": "Target"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{pr}");
    assert_eq!(pr["number"], 1);
    check(forge).await;
    dir
}

/// Rewrites the feature branch as one commit with `content` and
/// force-pushes it.
async fn force_push(forge: &TestForge, dir: &Path, content: &str) {
    std::fs::write(dir.join("code.txt"), content).unwrap();
    git_ok(dir, &["commit", "-q", "-a", "--amend", "-m", "Rewritten"]).await;
    git_ok(dir, &["push", "-q", "-f", "origin", "feature"]).await;
    check(forge).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn line_comments_follow_their_line_across_force_pushes() {
    for forge in TestForge::on_each_engine().await {
        let (alice_user, alice) = forge.user_with_token("alice", false).await;
        let (bob_user, bob) = forge.user_with_token("bob", false).await;
        let (_, carol) = forge.user_with_token("carol", false).await;
        acme(&forge, &alice_user, &bob_user).await;
        let work = repo_with_pull(&forge, &alice, "bob", &bob, "lib", false).await;
        let reviews = "/repos/acme/lib/pulls/1/reviews";

        // The author may not approve their own pull request.
        let (status, _) = post(&forge, &bob, reviews, json!({"event": "APPROVED"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // A line that the head does not have is refused.
        let (status, _) = post(
            &forge,
            &carol,
            reviews,
            json!({"event": "COMMENT", "comments": [{"path": "code.txt", "body": "?", "new_position": 40}]}),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

        // Carol comments on line 3 ("target") in a review.
        let (status, review) = post(
            &forge,
            &carol,
            reviews,
            json!({
                "event": "REQUEST_CHANGES",
                "body": "Not like this",
                "comments": [{"path": "code.txt", "body": "Why **target**?", "new_position": 3}],
            }),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{review}");
        assert_eq!(review["state"], "REQUEST_CHANGES");
        assert_eq!(review["user"]["login"], "carol");
        assert_eq!(review["comments_count"], 1);
        assert_eq!(review["stale"], false);
        let id = review["id"].as_i64().unwrap();
        let comments_path = format!("{reviews}/{id}/comments");
        let (status, comments) = get(&forge, &carol, &comments_path).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(comments[0]["path"], "code.txt");
        assert_eq!(comments[0]["position"], 3);
        assert_eq!(comments[0]["original_position"], 3);
        assert_eq!(comments[0]["pull_request_review_id"], id);
        let first_commit = comments[0]["original_commit_id"]
            .as_str()
            .unwrap()
            .to_string();

        // Alice, a maintainer, approves; both verdicts are listed.
        let (status, approval) = post(
            &forge,
            &alice,
            reviews,
            json!({"event": "APPROVED", "body": ""}),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{approval}");
        let (status, all) = get(&forge, &bob, reviews).await;
        assert_eq!(status, StatusCode::OK);
        let states: Vec<&str> = all
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["state"].as_str().unwrap())
            .collect();
        assert_eq!(states, ["REQUEST_CHANGES", "APPROVED"]);
        let (status, one) = get(&forge, &bob, &format!("{reviews}/{id}")).await;
        assert_eq!(
            (status, one["body"].as_str()),
            (StatusCode::OK, Some("Not like this"))
        );

        // A force-push that keeps the line but shifts it down by two.
        force_push(&forge, &work, "x\ny\na\nb\ntarget\nc\n").await;
        let (_, comments) = get(&forge, &carol, &comments_path).await;
        assert_eq!(comments[0]["position"], 5, "{comments}");
        assert_eq!(comments[0]["original_position"], 3);
        assert_eq!(comments[0]["original_commit_id"], first_commit.as_str());
        let (_, again) = get(&forge, &carol, &format!("{reviews}/{id}")).await;
        assert_eq!(again["stale"], true);
        let mut browser = Browser::new(&forge, "en");
        browser.sign_in("carol").await;
        let page = browser.get("/acme/lib/pulls/1/files").await;
        assert_eq!(page.status, StatusCode::OK);
        // The conversation sits right under line 5 of the diff.
        let line = page.body.find("Comment on line 5 of code.txt").unwrap();
        let thread = page.body.find("Why <strong>target</strong>?").unwrap();
        let next = page.body.find("Comment on line 6 of code.txt").unwrap();
        assert!(line < thread && thread < next, "{}", page.body);
        assert!(!page.contains("Outdated"), "{}", page.body);

        // A force-push that removes the line: the conversation is outdated.
        force_push(&forge, &work, "a\nb\nc\nd\n").await;
        let (_, comments) = get(&forge, &carol, &comments_path).await;
        assert_eq!(comments[0]["position"], 0, "{comments}");
        let page = browser.get("/acme/lib/pulls/1/files").await;
        assert!(page.contains("Other conversations"), "{}", page.body);
        assert!(page.contains("Outdated"), "{}", page.body);
        let page = browser.get("/acme/lib/pulls/1/reviews").await;
        assert_eq!(page.status, StatusCode::OK);
        let outdated = page.body.find("Outdated conversations").unwrap();
        let thread = page.body.find("Why <strong>target</strong>?").unwrap();
        assert!(outdated < thread, "{}", page.body);
        assert!(
            page.contains("Approved by alice") && page.contains("Changes requested by carol"),
            "{}",
            page.body
        );

        // A maintainer dismisses carol's verdict; a reader may not.
        let dismissals = format!("{reviews}/{id}/dismissals");
        let (status, _) = post(&forge, &carol, &dismissals, json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, dismissed) = post(&forge, &alice, &dismissals, json!({"message": "ok"})).await;
        assert_eq!(
            (status, dismissed["dismissed"].as_bool()),
            (StatusCode::OK, Some(true))
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn review_pages_conversations_and_who_may_resolve() {
    for forge in TestForge::on_each_engine().await {
        let (alice_user, alice) = forge.user_with_token("alice", false).await;
        let (bob_user, bob) = forge.user_with_token("bob", false).await;
        let (_, carol_token) = forge.user_with_token("carol", false).await;
        acme(&forge, &alice_user, &bob_user).await;
        let _work = repo_with_pull(&forge, &alice, "bob", &bob, "lib", false).await;
        let _secret = repo_with_pull(&forge, &alice, "bob", &bob, "secret", true).await;

        let mut carol = Browser::new(&forge, "en");
        carol.sign_in("carol").await;
        // The line link leads to a form under that line.
        let page = carol.get("/acme/lib/pulls/1/files").await;
        assert!(
            page.contains(
                "/acme/lib/pulls/1/files?path=code.txt&#38;side=new&#38;line=3#new-comment"
            ),
            "{}",
            page.body
        );
        let page = carol
            .get("/acme/lib/pulls/1/files?path=code.txt&side=new&line=3")
            .await;
        assert!(page.contains("id=\"new-comment\""), "{}", page.body);
        let fields = [
            ("path", "code.txt"),
            ("side", "new"),
            ("line", "3"),
            ("body", "Rename *this*"),
        ];
        // Without the CSRF token nothing is written.
        let page = carol.post_raw("/acme/lib/pulls/1/comments", &fields).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        let page = carol.post("/acme/lib/pulls/1/comments", &fields).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let target = page.location.unwrap();
        assert!(
            target.starts_with("/acme/lib/pulls/1/files#conversation-"),
            "{target}"
        );
        let thread: i64 = target.rsplit('-').next().unwrap().parse().unwrap();

        // Bob, the author, answers.
        let mut bob_page = Browser::new(&forge, "en");
        bob_page.sign_in("bob").await;
        let reply = format!("/acme/lib/pulls/1/comments/{thread}/reply");
        let page = bob_page
            .post(&reply, &[("body", "Done soon"), ("back", "files")])
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let page = carol.get("/acme/lib/pulls/1/files").await;
        assert!(
            page.contains("Rename <em>this</em>") && page.contains("Done soon"),
            "{}",
            page.body
        );

        // A reader may not resolve; the author may; a maintainer unresolves.
        let resolve = format!("/acme/lib/pulls/1/comments/{thread}/resolve");
        let page = carol
            .post(&resolve, &[("resolved", "true"), ("back", "files")])
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        let page = bob_page
            .post(&resolve, &[("resolved", "true"), ("back", "reviews")])
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert_eq!(
            page.location.as_deref(),
            Some(format!("/acme/lib/pulls/1/reviews#conversation-{thread}").as_str())
        );
        let page = carol.get("/acme/lib/pulls/1/reviews").await;
        assert!(page.contains("Resolved by bob"), "{}", page.body);
        let mut alice_page = Browser::new(&forge, "fr");
        alice_page.sign_in("alice").await;
        let page = alice_page
            .post(&resolve, &[("resolved", "false"), ("back", "files")])
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        let page = alice_page.get("/acme/lib/pulls/1/reviews").await;
        assert!(!page.contains("Résolue par"), "{}", page.body);
        assert!(page.contains("Résoudre la conversation"), "{}", page.body);

        // Carol edits her comment; bob may not.
        let edit = format!("/acme/lib/pulls/1/comments/{thread}/edit");
        let page = bob_page.get(&edit).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        let page = bob_page
            .post(&edit, &[("body", "Hijacked"), ("back", "files")])
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        let page = carol.get(&edit).await;
        assert!(page.contains("Rename *this*"), "{}", page.body);
        let page = carol
            .post(&edit, &[("body", "Rename that"), ("back", "files")])
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);

        // Verdicts through the review form.
        let page = carol.get("/acme/lib/pulls/1/reviews").await;
        assert!(
            page.contains("name=\"event\" value=\"approved\""),
            "{}",
            page.body
        );
        let page = carol
            .post(
                "/acme/lib/pulls/1/reviews",
                &[("event", "changes_requested"), ("body", "Please rename")],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let page = alice_page
            .post(
                "/acme/lib/pulls/1/reviews",
                &[("event", "approved"), ("body", "")],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let page = bob_page.get("/acme/lib/pulls/1/reviews").await;
        assert!(
            page.contains("Approved by alice")
                && page.contains("Changes requested by carol")
                && page.contains("Please rename"),
            "{}",
            page.body
        );
        // The author is offered only a comment.
        assert!(!page.contains("value=\"approved\""), "{}", page.body);
        let (_, listed) = get(&forge, &bob, "/repos/acme/lib/pulls/1/reviews").await;
        assert_eq!(listed.as_array().unwrap().len(), 2);

        // Deleting the first comment removes the conversation.
        let page = carol
            .post(
                &format!("/acme/lib/pulls/1/comments/{thread}/delete"),
                &[("back", "files")],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        let page = carol.get("/acme/lib/pulls/1/files").await;
        assert!(!page.contains("Rename that"), "{}", page.body);

        // A private repository's reviews are 404 to outsiders, pages and API.
        for path in ["/acme/secret/pulls/1/files", "/acme/secret/pulls/1/reviews"] {
            assert_eq!(
                carol.get(path).await.status,
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
        let page = carol
            .post(
                "/acme/secret/pulls/1/reviews",
                &[("event", "commented"), ("body", "Peek")],
            )
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        let (status, _) = get(&forge, &carol_token, "/repos/acme/secret/pulls/1/reviews").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = post(
            &forge,
            &carol_token,
            "/repos/acme/secret/pulls/1/reviews",
            json!({"event": "COMMENT", "body": "Peek"}),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let page = alice_page.get("/acme/secret/pulls/1/reviews").await;
        assert_eq!(page.status, StatusCode::OK);
    }
}
