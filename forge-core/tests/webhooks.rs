//! Webhooks in storage: who may manage them, the `webhooks` consumer turning
//! events into deliveries once, claims that give each attempt to one
//! process, retries, redeliveries and the kept history; on SQLite and
//! PostgreSQL.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_core::clock::now_ms;
use forge_core::issue::{self, NewIssue};
use forge_core::org::{self, NewOrg, OrgKind, Role};
use forge_core::repo::{self, NewRepo};
use forge_core::webhook::delivery::{self, Attempt, State};
use forge_core::webhook::{self, HookSettings, Scope, consume};
use forge_core::{Error, comment, testing};

fn settings(url: &str, events: &[&str]) -> HookSettings {
    HookSettings {
        url: url.into(),
        secret: Some("s3cret".into()),
        content_type: "json".into(),
        events: events.iter().map(|e| e.to_string()).collect(),
        active: true,
        branch_filter: None,
        authorization_header: None,
    }
}

#[tokio::test]
async fn events_become_deliveries_once_and_each_attempt_is_claimed_once() {
    for db in testing::engines().await {
        let alice = testing::user(&db, "alice").await;
        let bob = testing::user(&db, "bob").await;
        let coop = org::create(
            &db,
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
        org::set_member(&db, &alice, &coop, "bob", Role::Maintainer)
            .await
            .unwrap();
        let app = repo::create(
            &db,
            &alice,
            "coop",
            NewRepo {
                name: "app".into(),
                ..NewRepo::default()
            },
            async |_| Ok(()),
        )
        .await
        .unwrap();

        // Only administrators of the repository, owners of the organisation.
        assert!(matches!(
            webhook::repo_scope(&db, &bob, &app).await,
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            webhook::org_scope(&db, &bob, &coop).await,
            Err(Error::Forbidden(_))
        ));
        let repo_scope = webhook::repo_scope(&db, &alice, &app).await.unwrap();
        let org_scope = webhook::org_scope(&db, &alice, &coop).await.unwrap();
        assert!(
            webhook::create(&db, repo_scope, settings("ftp://x", &["push"]))
                .await
                .is_err()
        );
        let hook = webhook::create(
            &db,
            repo_scope,
            settings("http://127.0.0.1:9/hook", &["issues", "issue_comment"]),
        )
        .await
        .unwrap();
        assert!(hook.has_secret);
        let org_hook = webhook::create(
            &db,
            org_scope,
            settings("http://127.0.0.1:9/org", &["issues"]),
        )
        .await
        .unwrap();
        assert_eq!(
            webhook::list(&db, repo_scope).await.unwrap(),
            std::slice::from_ref(&hook)
        );
        // A hook of another scope is not found through this one.
        assert!(matches!(
            webhook::get(&db, repo_scope, org_hook.id).await,
            Err(Error::NotFound(_))
        ));
        assert_eq!(webhook::secret_of(&db, hook.id).await.unwrap(), "s3cret");

        // The consumer starts at the end of the log: history is not sent.
        assert_eq!(consume::run(&db).await.unwrap(), 0);
        let crash = issue::create(
            &db,
            &bob,
            &app,
            NewIssue {
                title: "It crashes".into(),
                body: String::new(),
                labels: Vec::new(),
                assignees: Vec::new(),
                milestone: None,
            },
        )
        .await
        .unwrap();
        comment::create(&db, &bob, &app, &crash, "Same here")
            .await
            .unwrap();
        assert!(consume::run(&db).await.unwrap() >= 2);
        // Handled once: a second run finds nothing new.
        assert_eq!(consume::run(&db).await.unwrap(), 0);
        let repo_deliveries = delivery::history(&db, hook.id, 50).await.unwrap();
        let events: Vec<(&str, &str)> = repo_deliveries
            .iter()
            .rev()
            .map(|d| (d.event.as_str(), d.action.as_str()))
            .collect();
        assert_eq!(events, [("issues", "opened"), ("issue_comment", "created")]);
        let org_deliveries = delivery::history(&db, org_hook.id, 50).await.unwrap();
        assert_eq!(
            org_deliveries.len(),
            1,
            "the organisation hears its repositories"
        );

        // Two processes claim at once: each delivery goes to one of them.
        let now = now_ms();
        let first = delivery::claim_due(&db, "one", now, now + 60_000, 2)
            .await
            .unwrap();
        let second = delivery::claim_due(&db, "two", now, now + 60_000, 10)
            .await
            .unwrap();
        assert_eq!(first.len(), 2);
        assert_eq!(second.len(), 1);
        assert!(second.iter().all(|d| first.iter().all(|f| f.id != d.id)));
        // Only the holder records an outcome.
        let failed = Attempt {
            request_body: "{}".into(),
            status: Some(500),
            response_body: "down".into(),
            duration_ms: 3,
            ..Attempt::default()
        };
        let retry_at = now + 10;
        assert!(
            !delivery::finish_attempt(&db, &first[0], "two", &failed, Some(retry_at))
                .await
                .unwrap()
        );
        assert!(
            delivery::finish_attempt(&db, &first[0], "one", &failed, Some(retry_at))
                .await
                .unwrap()
        );
        let again = delivery::get(&db, first[0].hook, first[0].id)
            .await
            .unwrap();
        assert_eq!((again.state, again.attempts), (State::Pending, 1));
        assert_eq!(again.response_status, Some(500));
        // Not due before its time; due after it, and claimable again.
        assert!(
            delivery::claim_due(&db, "two", now, now + 60_000, 10)
                .await
                .unwrap()
                .is_empty()
        );
        let retried = delivery::claim_due(&db, "two", retry_at, retry_at + 60_000, 10)
            .await
            .unwrap();
        assert_eq!(retried.len(), 1);
        let ok = Attempt {
            status: Some(200),
            ..failed.clone()
        };
        delivery::finish_attempt(&db, &retried[0], "two", &ok, None)
            .await
            .unwrap();
        let done = delivery::get(&db, retried[0].hook, retried[0].id)
            .await
            .unwrap();
        assert_eq!((done.state, done.attempts), (State::Delivered, 2));

        // A redelivery is a new delivery with the same body; a test
        // delivery is a push.
        let copy = delivery::redeliver(&db, done.hook, done.id).await.unwrap();
        let copy = delivery::get(&db, done.hook, copy).await.unwrap();
        assert_eq!(copy.request_body.as_deref(), Some("{}"));
        assert_ne!(copy.guid, done.guid);
        delivery::queue_test(&db, hook.id).await.unwrap();
        assert_eq!(
            delivery::history(&db, hook.id, 1).await.unwrap()[0].event,
            "push"
        );

        // Deleting a hook deletes its history.
        webhook::delete(&db, repo_scope, hook.id).await.unwrap();
        assert!(
            delivery::history(&db, hook.id, 50)
                .await
                .unwrap()
                .is_empty()
        );
    }
}

#[tokio::test]
async fn a_hook_keeps_its_last_deliveries_only() {
    for db in testing::engines().await {
        let alice = testing::user(&db, "alice").await;
        let app = repo::create(
            &db,
            &alice,
            "alice",
            NewRepo {
                name: "app".into(),
                ..NewRepo::default()
            },
            async |_| Ok(()),
        )
        .await
        .unwrap();
        let scope = Scope::Repo(app.id);
        let hook = webhook::create(&db, scope, settings("http://127.0.0.1:9/", &["push"]))
            .await
            .unwrap();
        let total = delivery::KEEP + 5;
        for _ in 0..total {
            delivery::queue_test(&db, hook.id).await.unwrap();
        }
        let now = now_ms();
        let ok = Attempt {
            status: Some(204),
            ..Attempt::default()
        };
        loop {
            let claimed = delivery::claim_due(&db, "me", now, now + 1000, 100)
                .await
                .unwrap();
            if claimed.is_empty() {
                break;
            }
            for d in &claimed {
                delivery::finish_attempt(&db, d, "me", &ok, None)
                    .await
                    .unwrap();
            }
        }
        let kept = testing::numbers(&db, "SELECT COUNT(*) FROM webhook_deliveries").await;
        assert_eq!(kept, [delivery::KEEP]);
    }
}
