//! Notifications on SQLite and PostgreSQL: who hears of what (participants,
//! watchers, subscriptions and mutes, funding roles, never the actor, never
//! an outsider of a private repository), each event once whatever the
//! number of runs, and the inbox's reads and marks.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_core::clock::now_ms;
use forge_core::funding::{self, GoalInput, PledgeRequest};
use forge_core::issue::{self, Issue, NewIssue};
use forge_core::notification::watch::{self, WatchMode};
use forge_core::notification::{self, Status, deliver};
use forge_core::org::{self, NewOrg, OrgKind, Role};
use forge_core::repo::{self, NewRepo, Repo};
use forge_core::user::User;
use forge_core::{Db, Error, NotificationId, comment, consumer, testing};
use std::time::{Duration, Instant};

const DAY: i64 = 24 * 3600 * 1000;

async fn make_repo(db: &Db, owner: &User, name: &str, private: bool) -> Repo {
    repo::create(
        db,
        owner,
        &owner.name,
        NewRepo {
            name: name.into(),
            private,
            ..NewRepo::default()
        },
        async |_| Ok(()),
    )
    .await
    .unwrap()
}

async fn make_issue(db: &Db, author: &User, repo: &Repo, title: &str, body: &str) -> Issue {
    issue::create(
        db,
        author,
        repo,
        NewIssue {
            title: title.into(),
            body: body.into(),
            ..NewIssue::default()
        },
    )
    .await
    .unwrap()
}

/// Runs the consumer until every event recorded so far is handled (on
/// PostgreSQL an event may take a moment to become readable).
async fn deliver_all(db: &Db) {
    let end = forge_core::outbox::end(db).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        deliver::run(db).await.unwrap();
        let at = consumer::position(db, deliver::CONSUMER, consumer::Start::Now)
            .await
            .unwrap();
        if at >= end || Instant::now() > deadline {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// `(user, reason, unread)` of every thread of an issue, by user name.
async fn threads_of(db: &Db, users: &[&User], issue: &Issue) -> Vec<(String, String, bool)> {
    let mut found = Vec::new();
    for user in users {
        for n in notification::list(db, user, Status::All, None, 0, 100)
            .await
            .unwrap()
        {
            if n.issue_id == issue.id {
                found.push((user.name.clone(), n.reason, n.unread));
            }
        }
    }
    found.sort();
    found
}

fn row(name: &str, reason: &str, unread: bool) -> (String, String, bool) {
    (name.to_string(), reason.to_string(), unread)
}

#[tokio::test]
async fn participants_watchers_and_subscribers_hear_and_the_actor_does_not() {
    for db in testing::engines().await {
        consumer::position(&db, deliver::CONSUMER, consumer::Start::Now)
            .await
            .unwrap();
        let owner = testing::user(&db, "owner").await;
        let alice = testing::user(&db, "alice").await;
        let bob = testing::user(&db, "bob").await;
        let all = testing::user(&db, "all").await;
        let mentions = testing::user(&db, "mentions").await;
        let muted = testing::user(&db, "muted").await;
        let stranger = testing::user(&db, "stranger").await;
        let everyone = [&owner, &alice, &bob, &all, &mentions, &muted, &stranger];
        let project = make_repo(&db, &owner, "project", false).await;
        watch::watch(&db, &all, &project, WatchMode::All)
            .await
            .unwrap();
        watch::watch(&db, &muted, &project, WatchMode::All)
            .await
            .unwrap();
        watch::watch(&db, &mentions, &project, WatchMode::Mentions)
            .await
            .unwrap();
        let quiet = make_issue(&db, &alice, &project, "Quiet", "No mention here.").await;
        let loud = make_issue(&db, &alice, &project, "Loud", "Ping @mentions please.").await;
        watch::subscribe(&db, &muted, loud.id, false).await.unwrap();
        watch::subscribe(&db, &stranger, loud.id, true)
            .await
            .unwrap();
        deliver_all(&db).await;
        // Opening: the watcher of everything, the mentioned watcher on the
        // issue that mentions them; not the author who acted, not the
        // owner who does not watch, not the muted watcher.
        assert_eq!(
            threads_of(&db, &everyone, &quiet).await,
            [row("all", "watching", true), row("muted", "watching", true)]
        );
        assert_eq!(
            threads_of(&db, &everyone, &loud).await,
            [
                row("all", "watching", true),
                row("mentions", "mention", true),
                row("stranger", "subscribed", true)
            ]
        );

        // A comment reaches the author; the commenter hears of later news.
        let read = notification::list(&db, &all, Status::Unread, None, 0, 10)
            .await
            .unwrap();
        for n in &read {
            notification::mark(&db, &all, n.id, true).await.unwrap();
        }
        assert_eq!(notification::unread_count(&db, &all).await.unwrap(), 0);
        comment::create(&db, &bob, &project, &loud, "I can reproduce it.")
            .await
            .unwrap();
        deliver_all(&db).await;
        assert_eq!(
            threads_of(&db, &everyone, &loud).await,
            [
                row("alice", "author", true),
                row("all", "watching", true),
                row("mentions", "mention", true),
                row("stranger", "subscribed", true)
            ]
        );
        assert_eq!(notification::unread_count(&db, &all).await.unwrap(), 1);
        let thread = &notification::list(&db, &alice, Status::Unread, None, 0, 10)
            .await
            .unwrap()[0];
        assert_eq!(thread.last_kind, "commented");
        assert_eq!(thread.last_actor.as_deref(), Some("bob"));
        assert_eq!(thread.issue_title, "Loud");
        comment::create(&db, &alice, &project, &loud, "Thanks.")
            .await
            .unwrap();
        deliver_all(&db).await;
        assert!(
            threads_of(&db, &[&bob], &loud)
                .await
                .contains(&row("bob", "commenter", true))
        );

        // Unsubscribing mutes a participant; the watcher who unwatches
        // hears nothing more either.
        watch::subscribe(&db, &alice, loud.id, false).await.unwrap();
        watch::unwatch(&db, &all, &project).await.unwrap();
        assert!(!watch::hears_of(&db, &alice, loud.id).await.unwrap());
        assert!(watch::hears_of(&db, &bob, loud.id).await.unwrap());
        for user in [&alice, &all] {
            notification::mark_all_read(&db, user, now_ms())
                .await
                .unwrap();
        }
        comment::create(&db, &bob, &project, &loud, "Still there.")
            .await
            .unwrap();
        deliver_all(&db).await;
        assert_eq!(notification::unread_count(&db, &alice).await.unwrap(), 0);
        assert_eq!(notification::unread_count(&db, &all).await.unwrap(), 0);
    }
}

#[tokio::test]
async fn another_users_thread_is_not_found_and_private_repositories_stay_private() {
    for db in testing::engines().await {
        consumer::position(&db, deliver::CONSUMER, consumer::Start::Now)
            .await
            .unwrap();
        let owner = testing::user(&db, "owner").await;
        let outsider = testing::user(&db, "outsider").await;
        let watcher = testing::user(&db, "watcher").await;
        let secret = make_repo(&db, &owner, "secret", true).await;
        // An outsider may not watch a private repository.
        assert!(matches!(
            watch::watch(&db, &outsider, &secret, WatchMode::All).await,
            Err(Error::NotFound(_))
        ));
        let open = make_repo(&db, &owner, "open", false).await;
        watch::watch(&db, &watcher, &open, WatchMode::All)
            .await
            .unwrap();
        // A mention of an outsider in a private repository tells them
        // nothing.
        make_issue(&db, &owner, &secret, "Hidden", "cc @outsider").await;
        make_issue(&db, &owner, &open, "Shown", "Hello").await;
        deliver_all(&db).await;
        assert_eq!(
            notification::count(&db, &outsider, Status::All)
                .await
                .unwrap(),
            0
        );
        let mine = notification::list(&db, &watcher, Status::All, None, 0, 10)
            .await
            .unwrap();
        assert_eq!(mine.len(), 1);
        let id = mine[0].id;
        assert!(matches!(
            notification::get(&db, &outsider, id).await,
            Err(Error::NotFound(_))
        ));
        assert!(matches!(
            notification::mark(&db, &outsider, id, true).await,
            Err(Error::NotFound(_))
        ));
        assert!(matches!(
            notification::get(&db, &watcher, NotificationId(id.0 + 1000)).await,
            Err(Error::NotFound(_))
        ));
        assert!(notification::get(&db, &watcher, id).await.unwrap().unread);
        let marked = notification::mark(&db, &watcher, id, true).await.unwrap();
        assert!(!marked.unread);
        assert_eq!(
            notification::count(&db, &watcher, Status::Read)
                .await
                .unwrap(),
            1
        );
    }
}

#[tokio::test]
async fn the_inbox_pages_by_keyset_through_ties_and_new_threads() {
    for db in testing::engines().await {
        consumer::position(&db, deliver::CONSUMER, consumer::Start::Now)
            .await
            .unwrap();
        let owner = testing::user(&db, "owner").await;
        let watcher = testing::user(&db, "watcher").await;
        let project = make_repo(&db, &owner, "project", false).await;
        watch::watch(&db, &watcher, &project, WatchMode::All)
            .await
            .unwrap();
        for n in 0..7 {
            make_issue(&db, &owner, &project, &format!("Issue {n}"), "").await;
        }
        deliver_all(&db).await;
        // Three threads share one time: the id orders them.
        testing::execute(
            &db,
            "UPDATE notifications SET updated_at = 1000 WHERE id IN \
             (SELECT id FROM notifications ORDER BY id LIMIT 3)",
        )
        .await;
        let everything: Vec<_> = notification::list(&db, &watcher, Status::All, None, 0, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|n| n.id)
            .collect();
        assert_eq!(everything.len(), 7);
        let mut paged = Vec::new();
        let mut after = None;
        loop {
            let page = notification::list(&db, &watcher, Status::All, after, 0, 2)
                .await
                .unwrap();
            let Some(last) = page.last() else { break };
            after = Some(notification::Cursor::after(last));
            paged.extend(page.iter().map(|n| n.id));
        }
        assert_eq!(paged, everything);
        // A cursor survives the trip through a link.
        let cursor = notification::Cursor::after(
            &notification::get(&db, &watcher, everything[2])
                .await
                .unwrap(),
        );
        assert_eq!(
            notification::Cursor::parse(&cursor.to_param()),
            Some(cursor)
        );
        assert_eq!(notification::Cursor::parse("12"), None);
        // A thread that moves to the top while someone pages is not seen
        // twice on the later pages.
        let second: Vec<_> = notification::list(&db, &watcher, Status::All, Some(cursor), 0, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|n| n.id)
            .collect();
        assert_eq!(second, everything[3..]);
        // The API's pages (an offset after no cursor) still count.
        let third = notification::list(&db, &watcher, Status::All, None, 4, 2)
            .await
            .unwrap();
        assert_eq!(
            third.iter().map(|n| n.id).collect::<Vec<_>>(),
            everything[4..6]
        );
    }
}

#[tokio::test]
async fn funding_events_reach_the_pledgers_money_people_and_the_maintainers() {
    for db in testing::engines().await {
        consumer::position(&db, deliver::CONSUMER, consumer::Start::Now)
            .await
            .unwrap();
        let creator = testing::user(&db, "creator").await;
        let maintainer = testing::user(&db, "maintainer").await;
        let treasurer = testing::user(&db, "treasurer").await;
        let member = testing::user(&db, "member").await;
        let dev = testing::user(&db, "dev").await;
        let everyone = [&creator, &maintainer, &treasurer, &member, &dev];
        let new_org = |name: &str| NewOrg {
            name: name.into(),
            full_name: String::new(),
            description: String::new(),
            kind: OrgKind::Cooperative,
            website: String::new(),
        };
        let project_org = org::create(&db, &creator, new_org("makers")).await.unwrap();
        org::set_member(&db, &creator, &project_org, "maintainer", Role::Maintainer)
            .await
            .unwrap();
        let payer = org::create(&db, &creator, new_org("payer")).await.unwrap();
        org::set_member(&db, &creator, &payer, "treasurer", Role::Treasurer)
            .await
            .unwrap();
        org::set_member(&db, &creator, &payer, "member", Role::Member)
            .await
            .unwrap();
        let project = repo::create(
            &db,
            &creator,
            "makers",
            NewRepo {
                name: "tool".into(),
                ..NewRepo::default()
            },
            async |_| Ok(()),
        )
        .await
        .unwrap();
        let issue = make_issue(&db, &dev, &project, "Export", "").await;
        funding::put_goal(
            &db,
            &maintainer,
            &project,
            &issue,
            GoalInput {
                budget_minor: 1000,
                currency: "EUR".into(),
                acceptance: "It exports.".into(),
                deadline_at: now_ms() + 30 * DAY,
                review_days: None,
                min_funders: Some(1),
            },
        )
        .await
        .unwrap();
        deliver_all(&db).await;
        // The goal's news: the issue's author, the repository's owners
        // and maintainers but not the one who acted.
        assert_eq!(
            threads_of(&db, &everyone, &issue).await,
            [row("creator", "funding", true), row("dev", "author", true)]
        );
        funding::pledge(
            &db,
            &creator,
            &project,
            &issue,
            PledgeRequest {
                org: "payer",
                amount_minor: 1000,
                currency: "EUR",
                idempotency_key: None,
            },
        )
        .await
        .unwrap();
        deliver_all(&db).await;
        // Pledged and funded: the payer's treasurer hears (the creator
        // acted), a plain member does not.
        assert_eq!(
            threads_of(&db, &everyone, &issue).await,
            [
                row("creator", "funding", true),
                row("dev", "author", true),
                row("maintainer", "funding", true),
                row("treasurer", "funding", true)
            ]
        );
        let thread = &notification::list(&db, &treasurer, Status::Unread, None, 0, 10)
            .await
            .unwrap()[0];
        assert_eq!(thread.last_kind, "funded");
    }
}

/// Two runs of the consumer at once write each event's threads once; a
/// thousand watchers take one statement.
#[tokio::test]
async fn each_event_notifies_once_and_a_thousand_watchers_are_one_statement() {
    for db in testing::engines().await {
        consumer::position(&db, deliver::CONSUMER, consumer::Start::Now)
            .await
            .unwrap();
        let owner = testing::user(&db, "owner").await;
        let project = make_repo(&db, &owner, "busy", false).await;
        let now = now_ms();
        testing::execute_built(
            &db,
            format!(
                "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) \
                 INSERT INTO accounts (name, kind, created_at) \
                 SELECT 'watcher' || CAST(i AS TEXT), 'user', {now} FROM n"
            ),
        )
        .await;
        testing::execute_built(
            &db,
            "INSERT INTO users (id, email) SELECT id, name || '@example.org' FROM accounts \
             WHERE name LIKE 'watcher%'"
                .to_string(),
        )
        .await;
        testing::execute_built(
            &db,
            format!(
                "INSERT INTO repo_watches (user_id, repo_id, mode, created_at) \
                 SELECT id, {}, 'all', {now} FROM users WHERE email LIKE 'watcher%'",
                project.id.0
            ),
        )
        .await;
        let issue = make_issue(&db, &owner, &project, "Crowded", "").await;
        for n in 0..5 {
            comment::create(&db, &owner, &project, &issue, &format!("Note {n}"))
                .await
                .unwrap();
        }
        let end = forge_core::outbox::end(&db).await.unwrap();
        let started = Instant::now();
        let (a, b) = tokio::join!(deliver::run(&db), deliver::run(&db));
        let (a, b) = (a.unwrap(), b.unwrap());
        let mut handled = a + b;
        while consumer::position(&db, deliver::CONSUMER, consumer::Start::Now)
            .await
            .unwrap()
            < end
        {
            handled += deliver::run(&db).await.unwrap();
        }
        let took = started.elapsed();
        // The repository's creation, the opening and five comments.
        assert_eq!(handled, 7, "{a} + {b}");
        assert_eq!(deliver::run(&db).await.unwrap(), 0);
        assert_eq!(
            testing::numbers(
                &db,
                "SELECT CAST(COUNT(*) AS BIGINT) FROM notifications WHERE is_read = 0"
            )
            .await,
            [1000]
        );
        eprintln!(
            "{:?}: seven events to 1,000 watchers in {took:?}",
            db.engine()
        );
        assert!(took < Duration::from_secs(10), "{took:?}");
    }
}

/// `(user, kind)` of every reminder written, sorted.
async fn reminders(db: &Db) -> Vec<(i64, String)> {
    let kinds = [
        "reminder_deadline_7",
        "reminder_review_3",
        "reminder_review_1",
        "reminder_payment_14",
    ];
    let coded = testing::numbers(
        db,
        "SELECT CAST(user_id * 10 + CASE kind WHEN 'reminder_deadline_7' THEN 0 \
         WHEN 'reminder_review_3' THEN 1 WHEN 'reminder_review_1' THEN 2 ELSE 3 END AS BIGINT) \
         FROM mail_messages WHERE reminder_key IS NOT NULL ORDER BY 1",
    )
    .await;
    coded
        .into_iter()
        .map(|n| (n / 10, kinds[usize::try_from(n % 10).unwrap()].to_string()))
        .collect()
}

#[tokio::test]
async fn each_reminder_is_written_once_to_whom_it_concerns() {
    use forge_core::funding::Verdict;
    use forge_core::notification::{mail, reminder};
    for db in testing::engines().await {
        let maint = testing::user(&db, "maint").await;
        let treasurer = testing::user(&db, "treasurer").await;
        let unverified = testing::user(&db, "unverified").await;
        for user in [&maint, &treasurer] {
            mail::verify_email(&db, user.id).await.unwrap();
        }
        let payer = org::create(
            &db,
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
        org::set_member(&db, &treasurer, &payer, "unverified", Role::Treasurer)
            .await
            .unwrap();
        let project = make_repo(&db, &maint, "project", false).await;
        let goal = |budget, days| GoalInput {
            budget_minor: budget,
            currency: "EUR".into(),
            acceptance: "It works.".into(),
            deadline_at: now_ms() + days * DAY,
            review_days: None,
            min_funders: Some(1),
        };
        let pledge = |amount| PledgeRequest {
            org: "payer",
            amount_minor: amount,
            currency: "EUR",
            idempotency_key: None,
        };
        // A goal still short five days before its deadline: the maintainer.
        let short = make_issue(&db, &maint, &project, "Short", "").await;
        funding::put_goal(&db, &maint, &project, &short, goal(1000, 5))
            .await
            .unwrap();
        funding::pledge(&db, &treasurer, &project, &short, pledge(400))
            .await
            .unwrap();
        // A delivery whose review window closes in two days: the payer's
        // verified treasurer.
        let delivered = make_issue(&db, &maint, &project, "Delivered", "").await;
        funding::put_goal(&db, &maint, &project, &delivered, goal(500, 30))
            .await
            .unwrap();
        funding::pledge(&db, &treasurer, &project, &delivered, pledge(500))
            .await
            .unwrap();
        funding::deliver(&db, &maint, &project, &delivered, "Done", &[])
            .await
            .unwrap();
        testing::execute_built(
            &db,
            format!(
                "UPDATE funding_goals SET review_ends_at = {} WHERE issue_id = {}",
                now_ms() + 2 * DAY,
                delivered.id.0
            ),
        )
        .await;
        let now = now_ms();
        let (a, b) = tokio::join!(reminder::queue(&db, now), reminder::queue(&db, now));
        // Three reminders: two by e-mail, and the unverified treasurer's in
        // the inbox only.
        assert_eq!(a.unwrap() + b.unwrap(), 3);
        assert_eq!(reminder::queue(&db, now).await.unwrap(), 0);
        let inbox = |user: &User| {
            let db = db.clone();
            let user = user.clone();
            async move {
                notification::list(&db, &user, Status::Unread, None, 0, 10)
                    .await
                    .unwrap()
                    .into_iter()
                    .map(|n| (n.issue_title, n.last_kind))
                    .collect::<Vec<_>>()
            }
        };
        for user in [&treasurer, &unverified] {
            assert!(
                inbox(user)
                    .await
                    .contains(&("Delivered".to_string(), "reminder_review_3".to_string())),
                "{:?}",
                inbox(user).await
            );
        }
        assert!(
            inbox(&maint)
                .await
                .contains(&("Short".to_string(), "reminder_deadline_7".to_string()))
        );
        // Read, it stays read: the reminder is told once.
        notification::mark_all_read(&db, &unverified, i64::MAX)
            .await
            .unwrap();
        assert_eq!(reminder::queue(&db, now).await.unwrap(), 0);
        assert!(inbox(&unverified).await.is_empty());
        assert_eq!(
            reminders(&db).await,
            [
                (maint.id.0, "reminder_deadline_7".to_string()),
                (treasurer.id.0, "reminder_review_3".to_string())
            ]
        );
        // A day before the end, the second reminder; then acceptance, and
        // a share unpaid for fifteen days.
        assert_eq!(
            reminder::queue(&db, now + 36 * 3600 * 1000).await.unwrap(),
            2
        );
        funding::review(
            &db,
            &treasurer,
            &project,
            &delivered,
            "payer",
            Verdict::Accept,
            "",
        )
        .await
        .unwrap();
        assert_eq!(reminder::queue(&db, now + 15 * DAY).await.unwrap(), 2);
        assert_eq!(reminder::queue(&db, now + 16 * DAY).await.unwrap(), 0);
        let kinds: Vec<String> = reminders(&db).await.into_iter().map(|(_, k)| k).collect();
        assert!(
            kinds.contains(&"reminder_review_1".to_string()),
            "{kinds:?}"
        );
        assert!(
            kinds.contains(&"reminder_payment_14".to_string()),
            "{kinds:?}"
        );
        assert!(
            !reminders(&db)
                .await
                .iter()
                .any(|(u, _)| *u == unverified.id.0)
        );
    }
}

#[tokio::test]
async fn a_review_reaches_the_pull_requests_author_and_watchers() {
    for db in testing::engines().await {
        consumer::position(&db, deliver::CONSUMER, consumer::Start::Now)
            .await
            .unwrap();
        let owner = testing::user(&db, "owner").await;
        let author = testing::user(&db, "author").await;
        let watcher = testing::user(&db, "watcher").await;
        let project = make_repo(&db, &owner, "project", false).await;
        watch::watch(&db, &watcher, &project, WatchMode::All)
            .await
            .unwrap();
        let pull = forge_core::pull::open(
            &db,
            &author,
            &project,
            forge_core::pull::NewPull {
                title: "Faster start".into(),
                body: String::new(),
                head_repo: project.clone(),
                head_branch: "fast".into(),
                base_branch: "main".into(),
                head_commit: "c".repeat(40),
            },
        )
        .await
        .unwrap();
        deliver_all(&db).await;
        forge_core::review::submit(
            &db,
            &owner,
            &project,
            &pull,
            forge_core::review::Verdict::ChangesRequested,
            "Please measure it first.",
        )
        .await
        .unwrap();
        deliver_all(&db).await;
        for user in [&author, &watcher] {
            let threads = notification::list(&db, user, Status::All, None, 0, 100)
                .await
                .unwrap();
            let thread = threads
                .iter()
                .find(|n| n.issue_id == pull.issue.id)
                .unwrap_or_else(|| panic!("{} was not told: {threads:?}", user.name));
            assert_eq!(thread.last_kind, "reviewed", "{}", user.name);
            assert!(thread.unread);
        }
        // The reviewer, who acted, is not told of their own review.
        let own = notification::list(&db, &owner, Status::All, None, 0, 100)
            .await
            .unwrap();
        assert!(own.iter().all(|n| n.issue_id != pull.issue.id), "{own:?}");
    }
}
