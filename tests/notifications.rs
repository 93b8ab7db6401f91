//! Notifications over HTTP, on each engine: the inbox page (tabs, marks,
//! mark all, CSRF, redirects, both languages), the header's unread count,
//! the watch form of repository pages and the subscribe form of issue
//! pages, and Gitea's notification and subscription API (another user's
//! thread is 404).

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_core::issue::{self, Issue, NewIssue};
use forge_core::notification::{self, Status, deliver};
use forge_core::repo::{NewRepo, Repo};
use forge_core::user::User;
use forge_core::{comment, consumer};
use forge_tests::{Browser, TestForge, http};
use reqwest::StatusCode;
use serde_json::Value;
use std::time::{Duration, Instant};

async fn make_repo(forge: &TestForge, owner: &User, name: &str, private: bool) -> Repo {
    let storage = forge.storage.clone();
    forge_core::repo::create(
        &forge.db,
        owner,
        &owner.name,
        NewRepo {
            name: name.into(),
            description: String::new(),
            private,
            default_branch: None,
        },
        async |repo: &Repo| {
            storage
                .create(repo.id.0, &repo.default_branch)
                .map_err(|e| forge_core::Error::Internal(e.to_string()))
        },
    )
    .await
    .expect("creating a repository")
}

async fn make_issue(forge: &TestForge, author: &User, repo: &Repo, title: &str) -> Issue {
    issue::create(
        &forge.db,
        author,
        repo,
        NewIssue {
            title: title.into(),
            ..NewIssue::default()
        },
    )
    .await
    .expect("opening an issue")
}

/// Runs the notifications consumer (as the background job does) until
/// `user` has `expected` threads of `status`.
async fn notified(forge: &TestForge, user: &User, status: Status, expected: i64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        deliver::run(&forge.db)
            .await
            .expect("delivering notifications");
        let count = notification::count(&forge.db, user, status)
            .await
            .expect("counting notifications");
        if count == expected {
            return;
        }
        assert!(Instant::now() < deadline, "{count} threads, not {expected}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn start_consumer(forge: &TestForge) {
    consumer::position(&forge.db, deliver::CONSUMER, consumer::Start::Now)
        .await
        .expect("registering the consumer");
}

#[tokio::test]
async fn the_inbox_watches_and_subscriptions_work_as_forms() {
    for forge in TestForge::on_each_engine().await {
        start_consumer(&forge).await;
        let owner = forge.user("owner", false).await;
        let watcher = forge.user("watcher", false).await;
        forge.user("other", false).await;
        let project = make_repo(&forge, &owner, "project", false).await;

        let mut browser = Browser::new(&forge, "en");
        browser.sign_in("watcher").await;
        let page = browser.get("/owner/project").await;
        assert!(
            page.contains("action=\"/owner/project/watch\""),
            "{}",
            page.body
        );
        assert!(page.contains("<option value=\"none\" selected>"));
        // Without the CSRF token, nothing changes.
        let refused = browser
            .post_raw("/owner/project/watch", &[("mode", "all")])
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let bad = browser
            .post("/owner/project/watch", &[("mode", "loud")])
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        let done = browser
            .post("/owner/project/watch", &[("mode", "all")])
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER);
        assert_eq!(done.location.as_deref(), Some("/owner/project"));
        let page = browser.get("/owner/project/issues").await;
        assert!(page.contains("<option value=\"all\" selected>"));

        let first = make_issue(&forge, &owner, &project, "Export to <ODS>").await;
        let second = make_issue(&forge, &owner, &project, "Import CSV").await;
        notified(&forge, &watcher, Status::Unread, 2).await;
        let inbox = browser.get("/notifications").await;
        assert_eq!(inbox.status, StatusCode::OK);
        assert!(inbox.contains("id=\"unread-count\""));
        assert!(inbox.contains("Export to &lt;ODS&gt;"), "{}", inbox.body);
        assert!(inbox.contains("owner opened the issue"));
        assert!(inbox.contains("you watch the repository"));
        assert!(inbox.contains("<h2 id=\"group-1\"><a href=\"/owner/project\">"));

        // Marking one read moves it to the read tab.
        let threads = notification::list(&forge.db, &watcher, Status::Unread, None, 0, 10)
            .await
            .unwrap();
        let first_thread = threads.iter().find(|n| n.issue_id == first.id).unwrap().id;
        let path = format!("/notifications/{first_thread}");
        let marked = browser
            .post(&path, &[("read", "1"), ("tab", "unread")])
            .await;
        assert_eq!(marked.status, StatusCode::SEE_OTHER);
        assert_eq!(
            marked.location.as_deref(),
            Some("/notifications?tab=unread")
        );
        let unread = browser.get("/notifications").await;
        assert!(!unread.contains("Export to"));
        assert!(unread.contains("Import CSV"));
        let read = browser.get("/notifications?tab=read").await;
        assert!(read.contains("Export to"));
        assert!(read.contains("Mark as unread"));

        // Another user may not touch it: not found.
        let mut other = Browser::new(&forge, "en");
        other.sign_in("other").await;
        let refused = other.post(&path, &[("read", "0")]).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND);
        let refused = other.post("/notifications/abc", &[("read", "0")]).await;
        assert_eq!(refused.status, StatusCode::NOT_FOUND);
        // Anonymous visitors are sent to sign in.
        let anonymous = http().get(forge.at("/notifications")).send().await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);

        // Opening the issue reads its thread.
        browser.get("/owner/project/issues/2").await;
        assert_eq!(
            notification::unread_count(&forge.db, &watcher)
                .await
                .unwrap(),
            0
        );
        let inbox = browser.get("/notifications").await;
        assert!(!inbox.contains("id=\"unread-count\""));
        assert!(inbox.contains("Nothing new."));

        // Muting the issue: the next comment is not told; the other
        // issue's is, and "mark all as read" clears it.
        let page = browser.get("/owner/project/issues/1").await;
        assert!(page.contains("Unsubscribe"));
        let muted = browser
            .post(
                "/owner/project/issues/1/subscription",
                &[("subscribe", "0")],
            )
            .await;
        assert_eq!(muted.status, StatusCode::SEE_OTHER);
        assert_eq!(
            muted.location.as_deref(),
            Some("/owner/project/issues/1#sidebar-notifications")
        );
        let page = browser.get("/owner/project/issues/1").await;
        assert!(page.contains("You are not told of this issue"));
        comment::create(&forge.db, &owner, &project, &first, "Muted news")
            .await
            .unwrap();
        comment::create(&forge.db, &owner, &project, &second, "Loud news")
            .await
            .unwrap();
        notified(&forge, &watcher, Status::Unread, 1).await;
        let inbox = browser.get("/notifications").await;
        assert!(inbox.contains("Import CSV"));
        assert!(inbox.contains("owner commented"));
        let all = browser.post("/notifications/read-all", &[]).await;
        assert_eq!(all.status, StatusCode::SEE_OTHER);
        assert_eq!(
            notification::unread_count(&forge.db, &watcher)
                .await
                .unwrap(),
            0
        );

        // In French.
        let mut french = Browser::new(&forge, "fr");
        french.sign_in("watcher").await;
        let page = french.get("/notifications?tab=read").await;
        assert!(page.contains("Marquer comme non lue"), "{}", page.body);
        assert!(page.contains("vous suivez le dépôt"));
        let page = french.get("/owner/project").await;
        assert!(page.contains("Seulement quand on me mentionne"));
    }
}

async fn api(
    forge: &TestForge,
    method: reqwest::Method,
    path: &str,
    token: &str,
) -> (StatusCode, reqwest::header::HeaderMap, Value) {
    let response = http()
        .request(method, forge.at(path))
        .header("authorization", format!("token {token}"))
        .send()
        .await
        .expect("the forge answers");
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.expect("the answer's body");
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, headers, body)
}

#[tokio::test]
async fn the_api_speaks_gitea_and_hides_other_users_threads() {
    use reqwest::Method;
    for forge in TestForge::on_each_engine().await {
        start_consumer(&forge).await;
        let (owner, owner_token) = forge.user_with_token("owner", false).await;
        let (watcher, token) = forge.user_with_token("watcher", false).await;
        let project = make_repo(&forge, &owner, "project", false).await;
        make_repo(&forge, &owner, "secret", true).await;

        let path = "/api/v1/repos/owner/project/subscription";
        let (status, _, _) = api(&forge, Method::GET, path, &token).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _, body) = api(&forge, Method::PUT, path, &token).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["subscribed"], true);
        assert_eq!(body["ignored"], false);
        assert!(
            body["repository_url"]
                .as_str()
                .unwrap()
                .ends_with("/api/v1/repos/owner/project")
        );
        let (status, _, body) = api(&forge, Method::GET, path, &token).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["mode"], "all");
        // A private repository of someone else does not exist.
        let (status, _, _) = api(
            &forge,
            Method::PUT,
            "/api/v1/repos/owner/secret/subscription",
            &token,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        for n in 0..3 {
            make_issue(&forge, &owner, &project, &format!("Issue {n}")).await;
        }
        notified(&forge, &watcher, Status::Unread, 3).await;
        let (status, headers, body) =
            api(&forge, Method::GET, "/api/v1/notifications?limit=2", &token).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["x-total-count"], "3");
        assert!(headers["link"].to_str().unwrap().contains("rel=\"next\""));
        let threads = body.as_array().unwrap();
        assert_eq!(threads.len(), 2);
        // Gitea's pages still count.
        let (status, _, second) = api(
            &forge,
            Method::GET,
            "/api/v1/notifications?limit=2&page=2",
            &token,
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let second = second.as_array().unwrap();
        assert_eq!(second.len(), 1);
        assert_eq!(second[0]["subject"]["title"], "Issue 0");
        let thread = &threads[0];
        assert_eq!(thread["subject"]["title"], "Issue 2");
        assert_eq!(thread["subject"]["type"], "Issue");
        assert_eq!(thread["subject"]["state"], "open");
        assert_eq!(thread["repository"]["full_name"], "owner/project");
        assert_eq!(thread["unread"], true);
        let id = thread["id"].as_i64().unwrap();
        assert!(
            thread["url"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/api/v1/notifications/threads/{id}"))
        );

        // Another user's thread is not found, read or written.
        let thread_path = format!("/api/v1/notifications/threads/{id}");
        let (status, _, _) = api(&forge, Method::GET, &thread_path, &owner_token).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _, _) = api(&forge, Method::PATCH, &thread_path, &owner_token).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _, _) = api(
            &forge,
            Method::GET,
            "/api/v1/notifications/threads/x",
            &token,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        let (status, _, body) = api(&forge, Method::PATCH, &thread_path, &token).await;
        assert_eq!(status, StatusCode::RESET_CONTENT);
        let _ = body;
        let (_, _, body) = api(&forge, Method::GET, &thread_path, &token).await;
        assert_eq!(body["unread"], false);
        let (status, _, _) = api(
            &forge,
            Method::PATCH,
            &format!("{thread_path}?to-status=sideways"),
            &token,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (_, headers, body) = api(
            &forge,
            Method::GET,
            "/api/v1/notifications?status-types=read",
            &token,
        )
        .await;
        assert_eq!(headers["x-total-count"], "1");
        assert_eq!(body[0]["id"], id);
        let (_, headers, _) = api(
            &forge,
            Method::GET,
            "/api/v1/notifications?all=true",
            &token,
        )
        .await;
        assert_eq!(headers["x-total-count"], "3");

        let (status, _, _) = api(&forge, Method::PUT, "/api/v1/notifications", &token).await;
        assert_eq!(status, StatusCode::RESET_CONTENT);
        let (_, headers, body) = api(&forge, Method::GET, "/api/v1/notifications", &token).await;
        assert_eq!(headers["x-total-count"], "0");
        assert_eq!(body, Value::Array(Vec::new()));
        let (status, _, _) = api(&forge, Method::GET, "/api/v1/notifications", "wrong").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);

        let (status, _, _) = api(&forge, Method::DELETE, path, &token).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (status, _, _) = api(&forge, Method::GET, path, &token).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn the_home_page_says_what_needs_my_action() {
    use forge_core::clock::now_ms;
    use forge_core::funding::{self, GoalInput, PledgeRequest, Verdict};
    use forge_core::notification::watch::{self, WatchMode};
    use forge_core::org::{self, NewOrg, OrgKind};
    for forge in TestForge::on_each_engine().await {
        let owner = forge.user("owner", false).await;
        let treasurer = forge.user("treasurer", false).await;
        let payer = org::create(
            &forge.db,
            &treasurer,
            NewOrg {
                name: "payer".into(),
                full_name: String::new(),
                description: String::new(),
                kind: OrgKind::Association,
                website: String::new(),
            },
        )
        .await
        .unwrap();
        let _ = payer;
        let project = make_repo(&forge, &owner, "project", false).await;
        watch::watch(&forge.db, &treasurer, &project, WatchMode::All)
            .await
            .unwrap();
        let goal = |budget| GoalInput {
            budget_minor: budget,
            currency: "EUR".into(),
            acceptance: "It works.".into(),
            deadline_at: now_ms() + 10 * 24 * 3600 * 1000,
            review_days: None,
            min_funders: Some(1),
        };
        let open = make_issue(&forge, &owner, &project, "Still collecting").await;
        funding::put_goal(&forge.db, &owner, &project, &open, goal(50_000))
            .await
            .unwrap();
        let paid = make_issue(&forge, &owner, &project, "Delivered work").await;
        funding::put_goal(&forge.db, &owner, &project, &paid, goal(12_000))
            .await
            .unwrap();
        let pledge = PledgeRequest {
            org: "payer",
            amount_minor: 12_000,
            currency: "EUR",
            idempotency_key: None,
        };
        funding::pledge(&forge.db, &treasurer, &project, &paid, pledge)
            .await
            .unwrap();
        funding::deliver(&forge.db, &owner, &project, &paid, "Done", &[])
            .await
            .unwrap();
        funding::review(
            &forge.db,
            &treasurer,
            &project,
            &paid,
            "payer",
            Verdict::Accept,
            "",
        )
        .await
        .unwrap();

        let mut browser = Browser::new(&forge, "en");
        browser.sign_in("treasurer").await;
        let home = browser.get("/").await;
        assert!(
            home.contains("Open for pledges in repositories you watch"),
            "{}",
            home.body
        );
        assert!(home.contains("Still collecting"));
        assert!(home.contains("Payments due"));
        assert!(home.contains("payer must pay it: €120.00"), "{}", home.body);
        let mut browser = Browser::new(&forge, "fr");
        browser.sign_in("owner").await;
        let home = browser.get("/").await;
        assert!(home.contains("payer vous le doit"), "{}", home.body);
        assert!(!home.contains("Ouverts aux promesses"));
    }
}

#[tokio::test]
async fn e_mail_settings_and_the_admins_list_of_messages() {
    for forge in TestForge::on_each_engine().await {
        forge.user("boss", true).await;
        forge.user("someone", false).await;
        let mut browser = Browser::new(&forge, "en");
        browser.sign_in("someone").await;
        let page = browser.get("/user/settings/notifications").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.contains("This address is not verified yet"));
        assert!(page.contains("id=\"mail-every\" name=\"mode\" value=\"every\" checked"));
        let refused = browser
            .post_raw("/user/settings/notifications", &[("mode", "none")])
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        let bad = browser
            .post("/user/settings/notifications", &[("mode", "hourly")])
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let saved = browser
            .post("/user/settings/notifications", &[("mode", "action")])
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER);
        let page = browser.get("/user/settings/notifications?done=1").await;
        assert!(page.contains("id=\"mail-action\" name=\"mode\" value=\"action\" checked"));
        // The list of messages is the site admin's alone.
        let hidden = browser.get("/-/admin/mail").await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND);
        let mut admin = Browser::new(&forge, "fr");
        admin.sign_in("boss").await;
        let list = admin.get("/-/admin/mail").await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(
            list.contains("Aucun message pour l’instant."),
            "{}",
            list.body
        );
    }
}

#[tokio::test]
async fn the_inbox_pages_by_cursor() {
    for forge in TestForge::on_each_engine().await {
        start_consumer(&forge).await;
        let owner = forge.user("owner", false).await;
        let watcher = forge.user("watcher", false).await;
        let project = make_repo(&forge, &owner, "project", false).await;
        forge_core::notification::watch::watch(
            &forge.db,
            &watcher,
            &project,
            forge_core::notification::watch::WatchMode::All,
        )
        .await
        .unwrap();
        for n in 1..=55 {
            make_issue(&forge, &owner, &project, &format!("Item {n:02}")).await;
        }
        notified(&forge, &watcher, Status::Unread, 55).await;
        let mut browser = Browser::new(&forge, "en");
        browser.sign_in("watcher").await;
        let first = browser.get("/notifications").await;
        assert!(first.contains("Item 55"));
        assert!(first.contains("Item 06"));
        assert!(!first.contains("Item 05"));
        let marker = "href=\"/notifications?tab=unread&#38;after=";
        let start = first
            .body
            .find(marker)
            .unwrap_or_else(|| panic!("no link to older threads in {}", first.body))
            + 6;
        let end = first.body[start..].find('"').unwrap() + start;
        let next = first.body[start..end].replace("&#38;", "&");
        assert!(!first.contains("rel=\"first\""));
        let older = browser.get(&next).await;
        assert_eq!(older.status, StatusCode::OK);
        for n in 1..=5 {
            assert!(older.contains(&format!("Item {n:02}")), "{}", older.body);
        }
        assert!(!older.contains("Item 06"));
        assert!(!older.contains("rel=\"next\""));
        assert!(older.contains("rel=\"first\""));
        // A cursor that is not one shows the first page.
        let odd = browser.get("/notifications?after=x").await;
        assert_eq!(odd.status, StatusCode::OK);
        assert!(odd.contains("Item 55"));
    }
}
