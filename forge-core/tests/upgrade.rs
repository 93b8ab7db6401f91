//! Upgrades: a database at an older schema (the forge before migrations 11
//! and 12), holding users, an organisation, a repository, issues, a comment
//! and a funded goal, is migrated to today's schema; every figure, the
//! ledger and the counters come through unchanged, on both engines.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_core::clock::now_ms;
use forge_core::funding::{self, GoalInput, GoalState, PledgeRequest};
use forge_core::issue::{self, NewIssue};
use forge_core::org::{self, NewOrg, OrgKind};
use forge_core::repo::{self, NewRepo};
use forge_core::{Db, backup, comment, consistency, health, migrations, testing};

/// The last migration of the older forge this test upgrades from.
const OLD_SCHEMA: i64 = 8;

async fn story(url: String) {
    let db = Db::connect(&url).await.unwrap();
    let applied = migrations::migrate_to(&db, OLD_SCHEMA).await.unwrap();
    assert_eq!(applied.last(), Some(&OLD_SCHEMA));
    assert_eq!(migrations::applied_version(&db).await.unwrap(), OLD_SCHEMA);

    let maintainer = testing::user(&db, "maintainer").await;
    let treasurer = testing::user(&db, "treasurer").await;
    let project = repo::create(
        &db,
        &maintainer,
        &maintainer.name,
        NewRepo {
            name: "project".into(),
            ..NewRepo::default()
        },
        async |_| Ok(()),
    )
    .await
    .unwrap();
    let mut issues = Vec::new();
    for title in ["Export to ODS", "Crash on start", "Dark theme"] {
        issues.push(
            issue::create(
                &db,
                &maintainer,
                &project,
                NewIssue {
                    title: title.into(),
                    ..NewIssue::default()
                },
            )
            .await
            .unwrap(),
        );
    }
    comment::create(&db, &treasurer, &project, &issues[1], "Seen here too.")
        .await
        .unwrap();
    for name in ["coop-a", "coop-b"] {
        org::create(
            &db,
            &treasurer,
            NewOrg {
                name: name.into(),
                full_name: format!("The {name}"),
                description: String::new(),
                kind: OrgKind::Association,
                website: String::new(),
            },
        )
        .await
        .unwrap();
    }
    funding::put_goal(
        &db,
        &maintainer,
        &project,
        &issues[0],
        GoalInput {
            budget_minor: 10_001,
            currency: "eur".into(),
            acceptance: "It works, with tests.".into(),
            deadline_at: now_ms() + 30 * 24 * 3600 * 1000,
            review_days: None,
            min_funders: Some(2),
        },
    )
    .await
    .unwrap();
    for name in ["coop-a", "coop-b"] {
        funding::pledge(
            &db,
            &treasurer,
            &project,
            &issues[0],
            PledgeRequest {
                org: name,
                amount_minor: 6_000,
                currency: "EUR",
                idempotency_key: None,
            },
        )
        .await
        .unwrap();
    }
    let goal_before = funding::goal_of_issue(&db, issues[0].id)
        .await
        .unwrap()
        .unwrap();
    let view_before = funding::view(&db, goal_before.clone()).await.unwrap();
    assert_eq!(view_before.goal.state, GoalState::Funded);
    let figures_before = backup::figures(&db).await.unwrap();
    assert_eq!(figures_before.schema_version, OLD_SCHEMA);

    // Today's forge starts on that database.
    let applied = migrations::migrate(&db).await.unwrap();
    let newer: Vec<i64> = migrations::MIGRATIONS
        .iter()
        .map(|m| m.version)
        .filter(|v| *v > OLD_SCHEMA)
        .collect();
    assert_eq!(applied, newer);
    let figures_after = backup::figures(&db).await.unwrap();
    assert_eq!(figures_after.schema_version, migrations::latest_version());
    assert_eq!(figures_after.counts, figures_before.counts);
    let counts: std::collections::BTreeMap<_, _> = figures_after.counts.into_iter().collect();
    assert_eq!(counts["users"], 2);
    assert_eq!(counts["organisations"], 2);
    assert_eq!(counts["issues"], 3);
    assert_eq!(counts["comments"], 1);
    assert_eq!(counts["pledges"], 2);

    let goal_after = funding::goal_of_issue(&db, issues[0].id)
        .await
        .unwrap()
        .unwrap();
    let view_after = funding::view(&db, goal_after).await.unwrap();
    assert_eq!(view_after.goal.state, GoalState::Funded);
    assert_eq!(view_after.goal.budget_minor, 10_001);
    let shares = |v: &funding::GoalView| -> Vec<Option<i64>> {
        v.pledges.iter().map(|p| p.share_minor).collect()
    };
    assert_eq!(shares(&view_after), shares(&view_before));
    assert_eq!(
        shares(&view_after).iter().flatten().sum::<i64>(),
        10_001,
        "the shares add up to the budget"
    );
    assert!(funding::ledger::check(&db).await.unwrap().is_empty());
    assert!(consistency::check(&db).await.unwrap().is_empty());
    assert_eq!(
        issue::get(&db, project.id, 2).await.unwrap().unwrap().title,
        "Crash on start"
    );
    // What the new migrations brought works on the upgraded database.
    health::probe_write(&db).await.unwrap();
    db.close().await;
}

#[tokio::test]
async fn an_older_schema_with_data_upgrades_with_every_figure_intact() {
    story(testing::sqlite_url()).await;
    match testing::postgres_url().await {
        Some(url) => story(url).await,
        None => eprintln!("FORGE_TEST_DATABASE_URL is not set: PostgreSQL not tested here"),
    }
}
