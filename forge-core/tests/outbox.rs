//! Every domain change writes its event to the outbox, once, with what a
//! consumer needs to find what it is about; on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_core::clock::now_ms;
use forge_core::issue::{self, CloseReason, IssueChanges, NewIssue};
use forge_core::label::{self, LabelInput};
use forge_core::milestone::{self, MilestoneInput};
use forge_core::org::{self, NewOrg, OrgKind, Role};
use forge_core::outbox::{self, Event, Position};
use forge_core::repo::{self, NewRepo, RepoChanges};
use forge_core::{AccountId, comment, funding, testing};
use serde_json::json;

fn kinds(events: &[Event]) -> Vec<&str> {
    events.iter().map(|e| e.kind.as_str()).collect()
}

#[tokio::test]
async fn every_change_is_told_once_in_the_transaction_of_the_change() {
    for db in testing::engines().await {
        let alice = testing::user(&db, "alice").await;
        let bob = testing::user(&db, "bob").await;
        let mut seen = Position::START;

        // Organisations and their members.
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
        org::set_member(&db, &alice, &coop, "bob", Role::Treasurer)
            .await
            .unwrap();
        org::remove_member(&db, &alice, &coop, "bob").await.unwrap();
        let events = testing::events_since(&db, &mut seen, 3).await;
        assert_eq!(
            kinds(&events),
            ["org.created", "org.member_set", "org.member_removed"]
        );
        assert_eq!(events[0].payload, json!({"org": coop.id.0, "name": "coop"}));
        assert_eq!(
            events[1].payload,
            json!({"org": coop.id.0, "member": bob.id.0, "role": "treasurer"})
        );
        assert!(
            events
                .iter()
                .all(|e| e.actor == Some(AccountId::from(alice.id)))
        );

        // A repository, created and changed.
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
        // A creation whose folder could not be made leaves no event.
        let failed = repo::create(
            &db,
            &alice,
            "alice",
            NewRepo {
                name: "lost".into(),
                ..NewRepo::default()
            },
            async |_| Err(forge_core::Error::Internal("disk full".into())),
        )
        .await;
        assert!(failed.is_err());
        let changes = RepoChanges {
            description: Some("Our app".into()),
            ..RepoChanges::default()
        };
        let app = repo::update(&db, &alice, &app, changes).await.unwrap();
        let events = testing::events_since(&db, &mut seen, 2).await;
        assert_eq!(kinds(&events), ["repo.created", "repo.updated"]);
        assert!(events.iter().all(|e| e.repo == Some(app.id)));
        assert_eq!(events[1].payload["description"], "Our app");

        // Labels and milestones.
        let bug = label::create(
            &db,
            &alice,
            &app,
            LabelInput {
                name: "bug".into(),
                color: "#ff0000".into(),
                description: String::new(),
            },
        )
        .await
        .unwrap();
        let v1 = milestone::create(
            &db,
            &alice,
            &app,
            MilestoneInput {
                title: "1.0".into(),
                description: String::new(),
                due_at: None,
                closed: false,
            },
        )
        .await
        .unwrap();
        let events = testing::events_since(&db, &mut seen, 2).await;
        assert_eq!(kinds(&events), ["label.created", "milestone.created"]);
        assert_eq!(events[0].payload, json!({"label": bug.id.0, "name": "bug"}));

        // An issue's life: every timeline event is told as `issue.KIND`.
        let new = NewIssue {
            title: "It crashes".into(),
            body: "On start".into(),
            ..NewIssue::default()
        };
        let crash = issue::create(&db, &bob, &app, new).await.unwrap();
        let note = comment::create(&db, &bob, &app, &crash, "Still there")
            .await
            .unwrap();
        issue::set_labels(&db, &alice, &app, &crash, &[bug.id])
            .await
            .unwrap();
        let changes = IssueChanges {
            body: Some("On start, every time".into()),
            milestone: Some(Some(v1.id)),
            state: Some(Some(CloseReason::Completed)),
            ..IssueChanges::default()
        };
        issue::update(&db, &alice, &app, &crash, changes)
            .await
            .unwrap();
        comment::edit(&db, &bob, &app, &crash, note.id, "Still there!")
            .await
            .unwrap();
        comment::set_hidden(&db, &alice, &app, &crash, note.id, true)
            .await
            .unwrap();
        comment::delete(&db, &alice, &app, &crash, note.id)
            .await
            .unwrap();
        let events = testing::events_since(&db, &mut seen, 9).await;
        assert_eq!(
            kinds(&events),
            [
                "issue.opened",
                "issue.commented",
                "issue.labeled",
                "issue.edited",
                "issue.closed",
                "issue.milestoned",
                "comment.edited",
                "comment.hidden",
                "comment.deleted",
            ]
        );
        assert!(events.iter().all(|e| e.repo == Some(app.id)));
        assert!(events.iter().all(|e| e.issue == Some(crash.id)));
        assert_eq!(events[0].actor, Some(AccountId::from(bob.id)));
        assert_eq!(events[1].payload["comment"], note.id.0);
        assert_eq!(events[2].payload["label"], bug.id.0);
        assert_eq!(events[4].payload["new_value"], "completed");
        assert_eq!(events[5].payload["milestone"], v1.id.0);
        assert_eq!(
            events[7].payload,
            json!({"comment": note.id.0, "hidden": true})
        );

        // A refused change tells nothing.
        let refused = label::delete(&db, &bob, &app, bug.id).await;
        assert!(refused.is_err());
        assert!(testing::events_since(&db, &mut seen, 0).await.is_empty());

        // Deletions are told with what the deleted thing was called.
        label::delete(&db, &alice, &app, bug.id).await.unwrap();
        milestone::delete(&db, &alice, &app, v1.id).await.unwrap();
        let events = testing::events_since(&db, &mut seen, 2).await;
        assert_eq!(kinds(&events), ["label.deleted", "milestone.deleted"]);
        assert_eq!(events[0].payload["name"], "bug");
        assert_eq!(events[1].payload["title"], "1.0");

        // Deleting the repository (no funding on it) is told after its
        // rows are gone.
        let other = repo::create(
            &db,
            &alice,
            "alice",
            NewRepo {
                name: "other".into(),
                ..NewRepo::default()
            },
            async |_| Ok(()),
        )
        .await
        .unwrap();
        repo::delete(&db, &alice, &other).await.unwrap();
        let events = testing::events_since(&db, &mut seen, 2).await;
        assert_eq!(kinds(&events), ["repo.created", "repo.deleted"]);
        assert_eq!(events[1].repo, Some(other.id));
        assert_eq!(
            events[1].payload,
            json!({"owner": "alice", "name": "other"})
        );
    }
}

/// Funding transitions are timeline events, so they reach the outbox too,
/// with the organisation concerned and the amount.
#[tokio::test]
async fn funding_transitions_are_told_with_the_issue_they_concern() {
    for db in testing::engines().await {
        let maintainer = testing::user(&db, "maintainer").await;
        let treasurer = testing::user(&db, "treasurer").await;
        let coop = org::create(
            &db,
            &treasurer,
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
        let app = repo::create(
            &db,
            &maintainer,
            "maintainer",
            NewRepo {
                name: "app".into(),
                ..NewRepo::default()
            },
            async |_| Ok(()),
        )
        .await
        .unwrap();
        let new = NewIssue {
            title: "Export to ODS".into(),
            ..NewIssue::default()
        };
        let export = issue::create(&db, &maintainer, &app, new).await.unwrap();
        let mut seen = outbox::end(&db).await.unwrap();
        let input = funding::GoalInput {
            budget_minor: 10_000,
            currency: "EUR".into(),
            acceptance: "Opens in LibreOffice.".into(),
            deadline_at: now_ms() + 30 * 24 * 3600 * 1000,
            review_days: None,
            min_funders: None,
        };
        funding::put_goal(&db, &maintainer, &app, &export, input)
            .await
            .unwrap();
        let request = funding::PledgeRequest {
            org: "coop",
            amount_minor: 12_000,
            currency: "EUR",
            idempotency_key: None,
        };
        funding::pledge(&db, &treasurer, &app, &export, request)
            .await
            .unwrap();
        let events = testing::events_since(&db, &mut seen, 3).await;
        assert_eq!(
            kinds(&events),
            ["issue.funding_opened", "issue.pledged", "issue.funded"]
        );
        assert!(events.iter().all(|e| e.issue == Some(export.id)));
        assert!(events.iter().all(|e| e.repo == Some(app.id)));
        assert_eq!(events[1].actor, Some(AccountId::from(treasurer.id)));
        assert_eq!(events[1].payload["subject"], coop.id.0);
        assert_eq!(events[1].payload["new_value"], "12000 EUR");
    }
}
