//! Branch protection on every engine under test, with the real `git`
//! command line over HTTP: force pushes, deletions and pushes by people not
//! listed are refused before any ref moves (with a message naming the
//! rule), the contents API obeys the same rules, merges wait for approvals
//! and statuses, new commits dismiss stale approvals, and the API's
//! shapes; one refused push over SSH, which runs the same hook; the
//! settings page.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_core::branch_protection;
use forge_core::org::{self, NewOrg, OrgKind, Role};
use forge_core::review::{self, Verdict};
use forge_tests::pulls::{api, check, commit_file, head_of, url};
use forge_tests::{Browser, Scratch, TestForge, git, git_ok, http, scratch};
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::path::Path;

/// The commit `branch` of `full` points at on the server, if it exists.
async fn server_branch(forge: &TestForge, token: &str, full: &str, branch: &str) -> Option<String> {
    let (status, found) = api(
        forge,
        Method::GET,
        token,
        &format!("/repos/{full}/branches/{branch}"),
        None,
    )
    .await;
    (status == StatusCode::OK).then(|| found["commit"]["id"].as_str().unwrap().to_string())
}

/// The organisation `acme` (alice owns it, bob and carol maintain it) and
/// its repository `acme/lib` with two commits on `main` and a branch
/// `old`, as pushed by alice; returns alice's working copy.
async fn setup(forge: &TestForge, alice: &str) -> Scratch {
    let alice_user = forge_core::user::by_name(&forge.db, "alice")
        .await
        .unwrap()
        .unwrap();
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
    for member in ["bob", "carol"] {
        org::set_member(&forge.db, &alice_user, &acme, member, Role::Maintainer)
            .await
            .unwrap();
    }
    let (status, made) = api(
        forge,
        Method::POST,
        alice,
        "/orgs/acme/repos",
        Some(json!({"name": "lib"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{made}");
    let dir = scratch("protect");
    git_ok(&dir, &["init", "-q"]).await;
    commit_file(&dir, "README", "hello\n", "First").await;
    commit_file(&dir, "more.txt", "more\n", "Second").await;
    git_ok(&dir, &["branch", "old"]).await;
    let remote = url(forge, "alice", alice, "/acme/lib.git");
    git_ok(&dir, &["remote", "add", "origin", &remote]).await;
    git_ok(&dir, &["push", "-q", "origin", "main", "old"]).await;
    dir
}

/// A clone of `acme/lib` as `user`.
async fn clone_as(forge: &TestForge, user: &str, token: &str) -> Scratch {
    let dir = scratch("protect");
    let remote = url(forge, user, token, "/acme/lib.git");
    git_ok(&dir, &["clone", "-q", &remote, "w"]).await;
    dir
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_to_protected_branches_obey_the_rule() {
    for forge in TestForge::on_each_engine().await {
        let (_, alice) = forge.user_with_token("alice", false).await;
        let (_, bob) = forge.user_with_token("bob", false).await;
        let (_, carol) = forge.user_with_token("carol", false).await;
        let dir = setup(&forge, &alice).await;
        let (status, rule) = api(
            &forge,
            Method::POST,
            &alice,
            "/repos/acme/lib/branch_protections",
            Some(json!({
                "rule_name": "main",
                "enable_push": true,
                "enable_push_whitelist": true,
                "push_whitelist_usernames": ["bob"],
            })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{rule}");
        // A glob protects `old` too (from deletion), pushes open to writers.
        let (status, _) = api(
            &forge,
            Method::POST,
            &alice,
            "/repos/acme/lib/branch_protections",
            Some(json!({"rule_name": "ol?", "enable_push": true})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let main_before = server_branch(&forge, &alice, "acme/lib", "main").await;
        let mut position = forge.outbox_end().await;

        // Carol has write access but is not listed: refused, main unmoved.
        let carol_dir = clone_as(&forge, "carol", &carol).await;
        let work = carol_dir.join("w");
        commit_file(&work, "carol.txt", "c\n", "Carol's change").await;
        let refused = git(&work, &["push", "origin", "main"]).await;
        assert!(!refused.status.success());
        let message = stderr(&refused);
        assert!(
            message.contains("protected (rule \"main\"): you may not push to it"),
            "{message}"
        );
        assert_eq!(
            server_branch(&forge, &alice, "acme/lib", "main").await,
            main_before
        );
        // Nothing was recorded for the refused push.
        let events = forge.events_since(&mut position, "push", 0).await;
        assert!(events.is_empty(), "{events:?}");

        // Alice administers the repository but is not listed either.
        commit_file(&dir, "alice.txt", "a\n", "Alice's change").await;
        let refused = git(&dir, &["push", "origin", "main"]).await;
        assert!(!refused.status.success(), "{}", stderr(&refused));

        // Bob is listed: his push lands and is recorded.
        let bob_dir = clone_as(&forge, "bob", &bob).await;
        let work = bob_dir.join("w");
        commit_file(&work, "bob.txt", "b\n", "Bob's change").await;
        git_ok(&work, &["push", "-q", "origin", "main"]).await;
        let bob_head = head_of(&work, "HEAD").await;
        assert_eq!(
            server_branch(&forge, &alice, "acme/lib", "main").await,
            Some(bob_head.clone())
        );
        let events = forge.events_since(&mut position, "push", 1).await;
        assert_eq!(events.len(), 1, "{events:?}");

        // Even Bob may not rewrite history nor delete the branch.
        git_ok(&work, &["reset", "-q", "--hard", "HEAD~2"]).await;
        commit_file(&work, "other.txt", "o\n", "Another story").await;
        let forced = git(&work, &["push", "--force", "origin", "main"]).await;
        assert!(!forced.status.success());
        let message = stderr(&forced);
        assert!(
            message.contains("force pushes are not allowed"),
            "{message}"
        );
        let deleted = git(&work, &["push", "origin", ":main"]).await;
        assert!(!deleted.status.success());
        assert!(
            stderr(&deleted).contains("it may not be deleted"),
            "{}",
            stderr(&deleted)
        );
        assert_eq!(
            server_branch(&forge, &alice, "acme/lib", "main").await,
            Some(bob_head)
        );

        // The glob rule: pushes by writers land, deletion is refused.
        let deleted = git(&dir, &["push", "origin", ":old"]).await;
        assert!(!deleted.status.success());
        assert!(
            stderr(&deleted).contains("(rule \"ol?\"): it may not be deleted"),
            "{}",
            stderr(&deleted)
        );
        assert!(
            server_branch(&forge, &alice, "acme/lib", "old")
                .await
                .is_some()
        );
        // An unprotected branch is still free.
        git_ok(&dir, &["push", "-q", "origin", "HEAD:refs/heads/free"]).await;
        git_ok(&dir, &["push", "-q", "origin", ":free"]).await;

        // With force pushes allowed, Bob may rewrite main.
        let (status, changed) = api(
            &forge,
            Method::PATCH,
            &alice,
            "/repos/acme/lib/branch_protections/main",
            Some(json!({"enable_force_push": true})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{changed}");
        assert_eq!(changed["enable_force_push"], true);
        git_ok(&work, &["push", "-q", "--force", "origin", "main"]).await;

        // The contents API moves branches by the same rules.
        let (status, answer) = api(
            &forge,
            Method::POST,
            &carol,
            "/repos/acme/lib/contents/notes.txt",
            Some(json!({"content": "aGVsbG8K", "message": "Notes", "branch": "main"})),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{answer}");
        let (status, answer) = api(
            &forge,
            Method::POST,
            &bob,
            "/repos/acme/lib/contents/notes.txt",
            Some(json!({"content": "aGVsbG8K", "message": "Notes", "branch": "main"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{answer}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merges_wait_for_approvals_and_statuses() {
    for forge in TestForge::on_each_engine().await {
        let (alice_user, alice) = forge.user_with_token("alice", false).await;
        let (bob_user, bob) = forge.user_with_token("bob", false).await;
        forge.user_with_token("carol", false).await;
        setup(&forge, &alice).await;
        let (status, rule) = api(
            &forge,
            Method::POST,
            &alice,
            "/repos/acme/lib/branch_protections",
            Some(json!({
                "rule_name": "main",
                "enable_push": false,
                "required_approvals": 1,
                "dismiss_stale_approvals": true,
                "block_on_rejected_reviews": true,
                "enable_status_check": true,
                "status_check_contexts": ["ci/*"],
            })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{rule}");

        // Bob proposes a change on a branch of the same repository.
        let bob_dir = clone_as(&forge, "bob", &bob).await;
        let work = bob_dir.join("w");
        git_ok(&work, &["checkout", "-q", "-b", "feature"]).await;
        commit_file(&work, "feature.txt", "f\n", "A feature").await;
        git_ok(&work, &["push", "-q", "origin", "feature"]).await;
        let (status, pr) = api(
            &forge,
            Method::POST,
            &bob,
            "/repos/acme/lib/pulls",
            Some(json!({"head": "feature", "base": "main", "title": "Feature"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{pr}");
        let number = pr["number"].as_i64().unwrap();
        check(&forge).await;
        let merge_path = format!("/repos/acme/lib/pulls/{number}/merge");
        let merge = async |token: &str| {
            api(
                &forge,
                Method::POST,
                token,
                &merge_path,
                Some(json!({"Do": "merge"})),
            )
            .await
        };

        // The pull request's page says what the merge waits for.
        let page = http()
            .get(forge.at(&format!("/acme/lib/pulls/{number}")))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(page.contains("protected by the rule “main”"), "{page}");
        assert!(page.contains("needs 1 approving reviews"), "{page}");

        // No approval yet.
        let (status, answer) = merge(&alice).await;
        assert_eq!(status, StatusCode::CONFLICT, "{answer}");
        assert!(
            answer["message"].as_str().unwrap().contains("approving"),
            "{answer}"
        );

        // Carol approves the first commit; then Bob pushes another, which
        // dismisses her stale approval.
        let repo = forge_core::repo::find(&forge.db, "acme", "lib")
            .await
            .unwrap()
            .unwrap();
        let pull = forge_core::pull::get(&forge.db, repo.id, number)
            .await
            .unwrap()
            .unwrap();
        let carol_user = forge_core::user::by_name(&forge.db, "carol")
            .await
            .unwrap()
            .unwrap();
        review::submit(&forge.db, &carol_user, &repo, &pull, Verdict::Approved, "")
            .await
            .unwrap();
        commit_file(&work, "feature.txt", "f2\n", "More feature").await;
        git_ok(&work, &["push", "-q", "origin", "feature"]).await;
        check(&forge).await;
        let approvers = review::approvers(&forge.db, &repo, pull.issue.id, None)
            .await
            .unwrap();
        assert!(approvers.is_empty(), "{approvers:?}");
        let (status, answer) = merge(&alice).await;
        assert_eq!(status, StatusCode::CONFLICT, "{answer}");

        // Alice requests changes: blocked for that too; then she approves
        // the new head.
        let pull = forge_core::pull::get(&forge.db, repo.id, number)
            .await
            .unwrap()
            .unwrap();
        review::submit(
            &forge.db,
            &alice_user,
            &repo,
            &pull,
            Verdict::ChangesRequested,
            "Not yet",
        )
        .await
        .unwrap();
        review::submit(&forge.db, &carol_user, &repo, &pull, Verdict::Approved, "")
            .await
            .unwrap();
        let (status, answer) = merge(&alice).await;
        assert_eq!(status, StatusCode::CONFLICT, "{answer}");
        assert!(
            answer["message"]
                .as_str()
                .unwrap()
                .contains("requested changes"),
            "{answer}"
        );
        review::submit(&forge.db, &alice_user, &repo, &pull, Verdict::Approved, "")
            .await
            .unwrap();

        // Now the statuses: none, then a failure, a warning, a success.
        let head = head_of(&work, "HEAD").await;
        let (status, answer) = merge(&alice).await;
        assert_eq!(status, StatusCode::CONFLICT, "{answer}");
        assert!(
            answer["message"].as_str().unwrap().contains("ci/*"),
            "{answer}"
        );
        for state in ["failure", "warning"] {
            let (status, _) = api(
                &forge,
                Method::POST,
                &bob,
                &format!("/repos/acme/lib/statuses/{head}"),
                Some(json!({"state": state, "context": "ci/build"})),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED);
            let (status, answer) = merge(&alice).await;
            assert_eq!(status, StatusCode::CONFLICT, "{state}: {answer}");
        }
        let (status, _) = api(
            &forge,
            Method::POST,
            &bob,
            &format!("/repos/acme/lib/statuses/{head}"),
            Some(json!({"state": "success", "context": "ci/build"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        check(&forge).await;
        let (status, answer) = merge(&alice).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let _ = bob_user;
        assert!(
            server_branch(&forge, &alice, "acme/lib", "main")
                .await
                .is_some()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_manages_rules_for_administrators_only() {
    for forge in TestForge::on_each_engine().await {
        let (_, alice) = forge.user_with_token("alice", false).await;
        let (_, bob) = forge.user_with_token("bob", false).await;
        forge.user_with_token("carol", false).await;
        setup(&forge, &alice).await;
        let base = "/repos/acme/lib/branch_protections";
        let body = json!({"rule_name": "release/*", "enable_push": true,
            "enable_push_whitelist": true, "push_whitelist_teams": ["maintainer"],
            "required_approvals": 2, "status_check_contexts": ["lint"]});
        let (status, _) = api(&forge, Method::POST, &bob, base, Some(body.clone())).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, made) = api(&forge, Method::POST, &alice, base, Some(body.clone())).await;
        assert_eq!(status, StatusCode::CREATED, "{made}");
        for (field, kind) in [
            ("rule_name", "string"),
            ("branch_name", "string"),
            ("enable_push", "bool"),
            ("enable_push_whitelist", "bool"),
            ("push_whitelist_usernames", "array"),
            ("push_whitelist_teams", "array"),
            ("enable_merge_whitelist", "bool"),
            ("enable_status_check", "bool"),
            ("status_check_contexts", "array"),
            ("required_approvals", "number"),
            ("block_on_rejected_reviews", "bool"),
            ("dismiss_stale_approvals", "bool"),
            ("created_at", "string"),
            ("updated_at", "string"),
        ] {
            let value = &made[field];
            let ok = match kind {
                "string" => value.is_string(),
                "bool" => value.is_boolean(),
                "array" => value.is_array(),
                _ => value.is_number(),
            };
            assert!(ok, "{field} of {made}");
        }
        assert_eq!(made["push_whitelist_teams"], json!(["maintainer"]));
        assert_eq!(made["required_approvals"], 2);
        let (status, again) = api(&forge, Method::POST, &alice, base, Some(body)).await;
        assert_eq!(status, StatusCode::CONFLICT, "{again}");
        let (status, bad) = api(
            &forge,
            Method::POST,
            &alice,
            base,
            Some(json!({"rule_name": "dev", "push_whitelist_teams": ["member"]})),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");

        let one = format!("{base}/release%2F*");
        let (status, found) = api(&forge, Method::GET, &alice, &one, None).await;
        assert_eq!(status, StatusCode::OK, "{found}");
        assert_eq!(found["rule_name"], "release/*");
        let (status, _) = api(&forge, Method::GET, &bob, &one, None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, listed) = api(&forge, Method::GET, &alice, base, None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(listed.as_array().unwrap().len(), 1);
        let (status, changed) = api(
            &forge,
            Method::PATCH,
            &alice,
            &one,
            Some(json!({"required_approvals": 1})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{changed}");
        assert_eq!(changed["required_approvals"], 1);
        assert_eq!(changed["push_whitelist_teams"], json!(["maintainer"]));
        let (status, _) = api(&forge, Method::DELETE, &alice, &one, None).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _) = api(&forge, Method::GET, &alice, &one, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

fn keygen(path: &Path) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let status = std::process::Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "test", "-f"])
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_over_ssh_obey_the_same_rules() {
    for forge in TestForge::on_each_engine().await {
        let (_, alice) = forge.user_with_token("alice", false).await;
        let (_, carol) = forge.user_with_token("carol", false).await;
        forge.user("bob", false).await;
        setup(&forge, &alice).await;
        let (status, _) = api(
            &forge,
            Method::POST,
            &alice,
            "/repos/acme/lib/branch_protections",
            Some(json!({"rule_name": "main", "enable_push": true,
                "enable_push_whitelist": true, "push_whitelist_usernames": ["bob"]})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);

        // The SSH server beside the HTTP one, and Carol's key.
        let keys = scratch("ssh");
        keygen(&keys.join("host").join("ssh_host_ed25519_key"));
        let host_keys = forge_ssh::HostKeys::load_or_create(&keys.join("host")).unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let service = forge_service::Forge::new(forge.db.clone(), forge.storage.clone());
        let server = tokio::spawn(async move {
            forge_ssh::serve(service, &host_keys, listener, std::future::pending())
                .await
                .unwrap();
        });
        let key = keys.join("carol");
        keygen(&key);
        let carol_user = forge_core::user::by_name(&forge.db, "carol")
            .await
            .unwrap()
            .unwrap();
        let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
        forge_core::ssh_key::add_user_key(&forge.db, &carol_user, carol_user.id, "laptop", &public)
            .await
            .unwrap();

        let dir = clone_as(&forge, "carol", &carol).await;
        let work = dir.join("w");
        commit_file(&work, "carol.txt", "c\n", "Carol's change").await;
        let before = server_branch(&forge, &alice, "acme/lib", "main").await;
        let ssh = format!(
            "ssh -i {} -o IdentitiesOnly=yes -o StrictHostKeyChecking=no \
             -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o BatchMode=yes -p {port}",
            key.display()
        );
        let remote = format!("ssh://git@127.0.0.1:{port}/acme/lib.git");
        let output = tokio::process::Command::new("git")
            .args(["push", &remote, "main", "HEAD:refs/heads/carol"])
            .current_dir(&work)
            .env("GIT_SSH_COMMAND", ssh)
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env_remove("GIT_DIR")
            .env_remove("SSH_AUTH_SOCK")
            .output()
            .await
            .unwrap();
        server.abort();
        assert!(!output.status.success());
        let message = stderr(&output);
        assert!(
            message.contains("protected (rule \"main\"): you may not push to it"),
            "{message}"
        );
        assert_eq!(
            server_branch(&forge, &alice, "acme/lib", "main").await,
            before
        );
        // git refuses the whole push when its hook does: nothing moved.
        assert_eq!(
            server_branch(&forge, &alice, "acme/lib", "carol").await,
            None
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn administrators_manage_rules_on_the_settings_page() {
    for forge in TestForge::on_each_engine().await {
        let (_, alice) = forge.user_with_token("alice", false).await;
        forge.user_with_token("bob", false).await;
        forge.user_with_token("carol", false).await;
        setup(&forge, &alice).await;
        let repo = forge_core::repo::find(&forge.db, "acme", "lib")
            .await
            .unwrap()
            .unwrap();

        let mut browser = Browser::new(&forge, "fr");
        browser.sign_in("alice").await;
        let page = browser.get("/acme/lib/settings/branches").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.contains("Aucune branche n’est protégée."),
            "{}",
            page.body
        );
        let added = browser
            .post(
                "/acme/lib/settings/branches",
                &[
                    ("rule_name", "release/*"),
                    ("enable_push", "on"),
                    ("enable_push_whitelist", "on"),
                    ("users", "bob, carol"),
                    ("teams", "owner"),
                    ("required_approvals", "2"),
                    ("contexts", "ci/build\nlint"),
                ],
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.body);
        let rule = branch_protection::get(&forge.db, repo.id, "release/*")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(rule.settings.push_whitelist_usernames, vec!["bob", "carol"]);
        assert_eq!(rule.settings.push_whitelist_teams, vec!["owner"]);
        assert_eq!(
            rule.settings.status_check_contexts,
            vec!["ci/build", "lint"]
        );
        assert_eq!(rule.settings.required_approvals, 2);
        assert!(!rule.settings.enable_force_push);

        // A bad team is refused in the reader's language.
        let refused = browser
            .post(
                "/acme/lib/settings/branches",
                &[("rule_name", "dev"), ("teams", "member")],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.contains("n’est pas une équipe"), "{}", refused.body);

        // Saving a rule's form changes it; its delete button removes it.
        let saved = browser
            .post(
                "/acme/lib/settings/branches/save",
                &[("rule_name", "release/*"), ("enable_force_push", "on")],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let rule = branch_protection::get(&forge.db, repo.id, "release/*")
            .await
            .unwrap()
            .unwrap();
        assert!(rule.settings.enable_force_push);
        assert!(!rule.settings.enable_push);
        let page = browser.get("/acme/lib/settings/branches").await;
        assert!(page.contains("release/*"), "{}", page.body);
        let deleted = browser
            .post(
                "/acme/lib/settings/branches/save",
                &[("rule_name", "release/*"), ("delete", "1")],
            )
            .await;
        assert_eq!(deleted.status, StatusCode::SEE_OTHER);
        assert!(
            branch_protection::list(&forge.db, repo.id)
                .await
                .unwrap()
                .is_empty()
        );

        // A maintainer who does not administer the repository may not.
        let mut bob = Browser::new(&forge, "en");
        bob.sign_in("bob").await;
        let page = bob.get("/acme/lib/settings/branches").await;
        assert!(page.status.is_client_error(), "{}", page.status);
        let csrf_less = bob
            .post_raw("/acme/lib/settings/branches", &[("rule_name", "x")])
            .await;
        assert!(csrf_less.status.is_client_error());
    }
}
