//! The funding domain's storage contract, on SQLite and PostgreSQL: the
//! append-only ledger, funding exactly once under concurrency, and a long
//! random walk whose every figure must agree with the ledger.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_core::clock::now_ms;
use forge_core::funding::{
    self, GoalInput, GoalState, GoalView, PaymentRequest, PledgeRequest, PledgeState, Resolution,
    Verdict, ledger,
};
use forge_core::ids::{GoalId, PaymentId, PledgeId};
use forge_core::issue::{self, Issue, NewIssue};
use forge_core::org::{self, NewOrg, Org, OrgKind, Role};
use forge_core::repo::{self, NewRepo, Repo};
use forge_core::user::{self, NewUser, User};
use forge_core::{Db, Engine, Error, money, testing, timeline};
use std::collections::BTreeMap;

const DAY: i64 = 24 * 3600 * 1000;

async fn make_user(db: &Db, name: &str) -> User {
    user::create(
        db,
        NewUser {
            name: name.into(),
            email: format!("{name}@example.org"),
            password: "a long password".into(),
            full_name: String::new(),
            is_admin: false,
        },
    )
    .await
    .unwrap()
}

async fn make_org(db: &Db, creator: &User, name: &str) -> Org {
    org::create(
        db,
        creator,
        NewOrg {
            name: name.into(),
            full_name: format!("The {name}"),
            description: String::new(),
            kind: OrgKind::Association,
            website: String::new(),
        },
    )
    .await
    .unwrap()
}

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

async fn make_issue(db: &Db, author: &User, repo: &Repo, title: &str) -> Issue {
    issue::create(
        db,
        author,
        repo,
        NewIssue {
            title: title.into(),
            ..NewIssue::default()
        },
    )
    .await
    .unwrap()
}

fn goal_input(budget: i64, currency: &str, min_funders: i64) -> GoalInput {
    GoalInput {
        budget_minor: budget,
        currency: currency.into(),
        acceptance: "It works, with tests.".into(),
        deadline_at: now_ms() + 30 * DAY,
        review_days: None,
        min_funders: Some(min_funders),
    }
}

fn pledge_of<'a>(org: &'a str, amount: i64, currency: &'a str) -> PledgeRequest<'a> {
    PledgeRequest {
        org,
        amount_minor: amount,
        currency,
        idempotency_key: None,
    }
}

async fn view_of(db: &Db, issue: &Issue) -> GoalView {
    let goal = funding::goal_of_issue(db, issue.id).await.unwrap().unwrap();
    let goal = funding::refresh(db, &goal).await.unwrap();
    funding::view(db, goal).await.unwrap()
}

/// A statement made for one test and kept for the rest of the run: the
/// testing helpers take `&'static str`, as sqlx wants query texts to be.
fn leak(sql: String) -> &'static str {
    Box::leak(sql.into_boxed_str())
}

async fn assert_ledger_clean(db: &Db) {
    let found = ledger::check(db).await.unwrap();
    assert!(found.is_empty(), "{:?}: {found:#?}", db.engine());
}

/// An error the domain may answer to a request; anything else (a database
/// or internal error) is a bug.
fn expected_refusal(error: &Error) -> bool {
    matches!(
        error,
        Error::Invalid { .. } | Error::NotFound(_) | Error::Conflict { .. } | Error::Forbidden(_)
    )
}

#[tokio::test]
async fn a_goal_goes_from_pledges_to_payment_with_exact_figures() {
    for db in testing::engines().await {
        let maintainer = make_user(&db, "maintainer").await;
        let treasurer = make_user(&db, "treasurer").await;
        let project = make_repo(&db, &maintainer, "project", false).await;
        let issue = make_issue(&db, &maintainer, &project, "Export to ODS").await;
        for name in ["coop-a", "coop-b", "coop-c"] {
            make_org(&db, &treasurer, name).await;
        }
        funding::put_goal(
            &db,
            &maintainer,
            &project,
            &issue,
            goal_input(100, "eur", 3),
        )
        .await
        .unwrap();
        // Three pledges of 50 for a budget of 100: 34, 33, 33, the extra
        // cent to the earliest.
        for name in ["coop-a", "coop-b", "coop-c"] {
            let outcome = funding::pledge(
                &db,
                &treasurer,
                &project,
                &issue,
                pledge_of(name, 50, "EUR"),
            )
            .await
            .unwrap();
            assert!(outcome.created && !outcome.replayed);
        }
        let view = view_of(&db, &issue).await;
        assert_eq!(view.goal.state, GoalState::Funded);
        assert_eq!(view.goal.currency, "EUR");
        let shares: Vec<_> = view.pledges.iter().map(|p| p.share_minor).collect();
        assert_eq!(shares, [Some(34), Some(33), Some(33)]);
        assert_ledger_clean(&db).await;

        funding::deliver(
            &db,
            &maintainer,
            &project,
            &issue,
            "Released in 1.2",
            &["abcdef1".to_string()],
        )
        .await
        .unwrap();
        for name in ["coop-a", "coop-b", "coop-c"] {
            funding::review(&db, &treasurer, &project, &issue, name, Verdict::Accept, "")
                .await
                .unwrap();
        }
        let view = view_of(&db, &issue).await;
        assert_eq!(view.goal.state, GoalState::Accepted);
        assert!(view.pledges.iter().all(|p| p.state == PledgeState::Due));

        let mut last_payment = PaymentId(0);
        for pledge in &view.pledges {
            let share = pledge.share_minor.unwrap();
            // Too much is refused; a partial payment then the rest.
            assert!(matches!(
                funding::record_payment(
                    &db,
                    &maintainer,
                    &project,
                    &issue,
                    PaymentRequest {
                        pledge: pledge.id,
                        amount_minor: share + 1,
                        reference: "VIR 1",
                        idempotency_key: None,
                    },
                )
                .await,
                Err(Error::Invalid {
                    field: "amount_minor",
                    ..
                })
            ));
            for amount in [10, share - 10] {
                last_payment = funding::record_payment(
                    &db,
                    &maintainer,
                    &project,
                    &issue,
                    PaymentRequest {
                        pledge: pledge.id,
                        amount_minor: amount,
                        reference: "VIR 2026-118",
                        idempotency_key: None,
                    },
                )
                .await
                .unwrap();
            }
        }
        let view = view_of(&db, &issue).await;
        assert_eq!(view.goal.state, GoalState::Settled);
        assert_eq!(view.paid_minor, 100);
        assert_ledger_clean(&db).await;

        // A payment recorded by mistake is reversed, never edited: the goal
        // is owed money again.
        funding::reverse_payment(&db, &maintainer, &project, &issue, last_payment)
            .await
            .unwrap();
        let view = view_of(&db, &issue).await;
        assert_eq!(view.goal.state, GoalState::Accepted);
        assert_eq!(view.paid_minor, 100 - 23);
        assert!(matches!(
            funding::reverse_payment(&db, &maintainer, &project, &issue, last_payment).await,
            Err(Error::Conflict { .. })
        ));
        assert_ledger_clean(&db).await;
    }
}

#[tokio::test]
async fn the_ledger_refuses_updates_and_deletes_on_every_engine() {
    for db in testing::engines().await {
        let engine = db.engine();
        let maintainer = make_user(&db, "maintainer").await;
        let treasurer = make_user(&db, "treasurer").await;
        let project = make_repo(&db, &maintainer, "project", false).await;
        let issue = make_issue(&db, &maintainer, &project, "Accessible forms").await;
        make_org(&db, &treasurer, "mutuelle").await;
        funding::put_goal(
            &db,
            &maintainer,
            &project,
            &issue,
            goal_input(500, "EUR", 1),
        )
        .await
        .unwrap();
        funding::pledge(
            &db,
            &treasurer,
            &project,
            &issue,
            pledge_of("mutuelle", 500, "EUR"),
        )
        .await
        .unwrap();
        funding::deliver(&db, &maintainer, &project, &issue, "Done", &[])
            .await
            .unwrap();
        funding::review(
            &db,
            &treasurer,
            &project,
            &issue,
            "mutuelle",
            Verdict::Accept,
            "",
        )
        .await
        .unwrap();
        let pledge = view_of(&db, &issue).await.pledges[0].id;
        funding::record_payment(
            &db,
            &maintainer,
            &project,
            &issue,
            PaymentRequest {
                pledge,
                amount_minor: 200,
                reference: "VIR 77",
                idempotency_key: None,
            },
        )
        .await
        .unwrap();
        let goal = view_of(&db, &issue).await.goal.id;
        let before = ledger::entries(&db, goal).await.unwrap();
        let payments_before = funding::payments(&db, goal).await.unwrap();
        assert!(before.len() >= 6, "{engine:?}: {before:?}");

        for statement in [
            "UPDATE ledger_entries SET debit_minor = debit_minor + 1",
            "UPDATE ledger_entries SET account = 'goal:0:paid' WHERE id = 1",
            "DELETE FROM ledger_entries",
            "DELETE FROM ledger_entries WHERE id = 1",
            "UPDATE payments SET amount_minor = 1",
            "DELETE FROM payments",
        ] {
            let refused = testing::try_execute(&db, statement).await;
            assert!(refused.is_err(), "{engine:?} accepted {statement}");
            assert!(
                refused.as_ref().unwrap_err().contains("append-only"),
                "{engine:?}: {refused:?}"
            );
        }
        if engine == Engine::Postgres {
            for statement in ["TRUNCATE ledger_entries", "TRUNCATE payments CASCADE"] {
                assert!(
                    testing::try_execute(&db, statement).await.is_err(),
                    "{engine:?} accepted {statement}"
                );
            }
        }
        assert_eq!(ledger::entries(&db, goal).await.unwrap(), before);
        assert_eq!(funding::payments(&db, goal).await.unwrap(), payments_before);
        // Inserting is how corrections are made: still allowed.
        assert!(
            testing::try_execute(&db, "SELECT COUNT(*) FROM ledger_entries")
                .await
                .is_ok()
        );
        assert_ledger_clean(&db).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn fifty_organisations_pledging_at_once_fund_the_goal_exactly_once() {
    for db in testing::engines().await {
        let engine = db.engine();
        let maintainer = make_user(&db, "maintainer").await;
        let treasurer = make_user(&db, "treasurer").await;
        let project = make_repo(&db, &maintainer, "project", false).await;
        let issue = make_issue(&db, &maintainer, &project, "Shared accounting").await;
        let mut names = Vec::new();
        for i in 0..50 {
            let name = format!("org-{i:02}");
            make_org(&db, &treasurer, &name).await;
            names.push(name);
        }
        // Budget 9999 with pledges from 300 to 545: funded somewhere past
        // the 20th pledge, whichever order the 50 requests are served in.
        let budget = 9_999;
        funding::put_goal(
            &db,
            &maintainer,
            &project,
            &issue,
            goal_input(budget, "EUR", 5),
        )
        .await
        .unwrap();
        let mut tasks = Vec::new();
        for (i, name) in names.iter().enumerate() {
            let (db, treasurer, project, issue, name) = (
                db.clone(),
                treasurer.clone(),
                project.clone(),
                issue.clone(),
                name.clone(),
            );
            let amount = 300 + 5 * i64::try_from(i).unwrap();
            tasks.push(tokio::spawn(async move {
                funding::pledge(
                    &db,
                    &treasurer,
                    &project,
                    &issue,
                    PledgeRequest {
                        org: &name,
                        amount_minor: amount,
                        currency: "EUR",
                        idempotency_key: None,
                    },
                )
                .await
            }));
        }
        let mut accepted = 0;
        let mut too_late = 0;
        for task in tasks {
            match task.await.unwrap() {
                Ok(_) => accepted += 1,
                Err(Error::Conflict { problem, .. }) if problem.key == "error-goal-not-open" => {
                    too_late += 1
                }
                Err(other) => panic!("{engine:?}: unexpected {other:?}"),
            }
        }
        assert_eq!(accepted + too_late, 50, "{engine:?}");
        assert!(accepted >= 20, "{engine:?}: {accepted}");

        let funded_events = timeline::events(&db, issue.id)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.kind == funding::kind::FUNDED)
            .count();
        assert_eq!(funded_events, 1, "{engine:?}");
        let view = view_of(&db, &issue).await;
        assert_eq!(view.goal.state, GoalState::Funded, "{engine:?}");
        assert_eq!(view.pledges.len(), accepted, "{engine:?}");
        let mut total_shares = 0;
        for pledge in &view.pledges {
            assert_eq!(pledge.state, PledgeState::Committed, "{engine:?}");
            let share = pledge.share_minor.unwrap();
            assert!(share >= 0 && share <= pledge.amount_minor, "{engine:?}");
            total_shares += share;
        }
        assert_eq!(total_shares, budget, "{engine:?}");
        // The last pledge accepted (ids follow the order in which requests
        // took the goal) is the one that covered the budget.
        let pledged: i64 = view.pledges.iter().map(|p| p.amount_minor).sum();
        let last = view
            .pledges
            .iter()
            .max_by_key(|p| p.id)
            .unwrap()
            .amount_minor;
        assert!(pledged >= budget && pledged - last < budget, "{engine:?}");
        assert_ledger_clean(&db).await;
    }
}

#[tokio::test]
async fn refused_requests_are_refused_before_they_reach_the_database() {
    for db in testing::engines().await {
        let engine = db.engine();
        let maintainer = make_user(&db, "maintainer").await;
        let treasurer = make_user(&db, "treasurer").await;
        let project = make_repo(&db, &maintainer, "project", false).await;
        let first = make_issue(&db, &maintainer, &project, "First").await;
        let second = make_issue(&db, &maintainer, &project, "Second").await;
        for name in ["big-a", "big-b"] {
            make_org(&db, &treasurer, name).await;
        }

        // Amounts near i64::MAX would overflow sums of pledges.
        let huge = funding::put_goal(
            &db,
            &maintainer,
            &project,
            &first,
            goal_input(i64::MAX, "EUR", 1),
        )
        .await;
        assert!(
            matches!(
                huge,
                Err(Error::Invalid {
                    field: "budget_minor",
                    ..
                })
            ),
            "{engine:?}: {huge:?}"
        );
        funding::put_goal(
            &db,
            &maintainer,
            &project,
            &first,
            goal_input(money::MAX_MINOR, "EUR", 2),
        )
        .await
        .unwrap();
        for name in ["big-a", "big-b"] {
            let refused = funding::pledge(
                &db,
                &treasurer,
                &project,
                &first,
                pledge_of(name, i64::MAX / 2 + 1, "EUR"),
            )
            .await;
            assert!(
                matches!(
                    refused,
                    Err(Error::Invalid {
                        field: "amount_minor",
                        ..
                    })
                ),
                "{engine:?}: {refused:?}"
            );
            funding::pledge(
                &db,
                &treasurer,
                &project,
                &first,
                pledge_of(name, money::MAX_MINOR, "EUR"),
            )
            .await
            .unwrap();
        }
        let view = view_of(&db, &first).await;
        assert_eq!(view.goal.state, GoalState::Funded);
        assert_eq!(view.pledged_minor, 2 * money::MAX_MINOR);

        // NUL characters cannot be stored in PostgreSQL text: refused as
        // invalid input on both engines, not failed as a database error.
        let mut input = goal_input(100, "EUR", 1);
        input.acceptance = "nul \0 inside".into();
        let refused = funding::put_goal(&db, &maintainer, &project, &second, input).await;
        assert!(
            matches!(
                refused,
                Err(Error::Invalid {
                    field: "acceptance",
                    ..
                })
            ),
            "{engine:?}: {refused:?}"
        );
        funding::put_goal(
            &db,
            &maintainer,
            &project,
            &second,
            goal_input(100, "EUR", 1),
        )
        .await
        .unwrap();
        let refused = funding::pledge(
            &db,
            &treasurer,
            &project,
            &second,
            pledge_of("big\0a", 10, "EUR"),
        )
        .await;
        assert!(
            refused.as_ref().is_err_and(expected_refusal),
            "{engine:?}: {refused:?}"
        );
        assert_ledger_clean(&db).await;
    }
}

#[tokio::test]
async fn an_idempotency_key_replays_only_on_the_goal_it_was_used_on() {
    for db in testing::engines().await {
        let engine = db.engine();
        let maintainer = make_user(&db, "maintainer").await;
        let treasurer = make_user(&db, "treasurer").await;
        let project = make_repo(&db, &maintainer, "project", false).await;
        let first = make_issue(&db, &maintainer, &project, "First").await;
        let second = make_issue(&db, &maintainer, &project, "Second").await;
        make_org(&db, &treasurer, "coop").await;
        for issue in [&first, &second] {
            funding::put_goal(
                &db,
                &maintainer,
                &project,
                issue,
                goal_input(1000, "EUR", 1),
            )
            .await
            .unwrap();
        }
        let with_key = |amount| PledgeRequest {
            org: "coop",
            amount_minor: amount,
            currency: "EUR",
            idempotency_key: Some("pledge-2026-03-coop"),
        };
        let once = funding::pledge(&db, &treasurer, &project, &first, with_key(300))
            .await
            .unwrap();
        assert!(once.created && !once.replayed);
        let entries = ledger::entries(&db, view_of(&db, &first).await.goal.id)
            .await
            .unwrap();
        let again = funding::pledge(&db, &treasurer, &project, &first, with_key(300))
            .await
            .unwrap();
        assert_eq!(again.pledge_id, once.pledge_id);
        assert!(again.replayed && !again.created);
        let first_goal = view_of(&db, &first).await;
        assert_eq!(
            ledger::entries(&db, first_goal.goal.id).await.unwrap(),
            entries
        );
        assert_eq!(first_goal.pledged_minor, 300);

        // The same key on another goal is a mistake, not a replay: it must
        // not answer with the first goal's pledge.
        let elsewhere = funding::pledge(&db, &treasurer, &project, &second, with_key(300)).await;
        assert!(
            matches!(&elsewhere, Err(Error::Conflict { problem, .. }) if problem.key == "error-idempotency-reused"),
            "{engine:?}: {elsewhere:?}"
        );
        assert_eq!(view_of(&db, &second).await.pledges.len(), 0);
        assert_ledger_clean(&db).await;
    }
}

#[tokio::test]
async fn reviews_by_pledgers_outside_the_review_window_are_conflicts() {
    for db in testing::engines().await {
        let engine = db.engine();
        let maintainer = make_user(&db, "maintainer").await;
        let treasurer = make_user(&db, "treasurer").await;
        let project = make_repo(&db, &maintainer, "project", false).await;
        let issue = make_issue(&db, &maintainer, &project, "Review").await;
        make_org(&db, &treasurer, "pledger").await;
        make_org(&db, &treasurer, "bystander").await;
        funding::put_goal(
            &db,
            &maintainer,
            &project,
            &issue,
            goal_input(1000, "EUR", 1),
        )
        .await
        .unwrap();
        funding::pledge(
            &db,
            &treasurer,
            &project,
            &issue,
            pledge_of("pledger", 400, "EUR"),
        )
        .await
        .unwrap();
        // A pledger reviewing too early hears that the review is not open,
        // not that it is no pledger.
        let early = funding::review(
            &db,
            &treasurer,
            &project,
            &issue,
            "pledger",
            Verdict::Accept,
            "",
        )
        .await;
        assert!(
            matches!(&early, Err(Error::Conflict { problem, .. }) if problem.key == "error-review-closed"),
            "{engine:?}: {early:?}"
        );
        let stranger = funding::review(
            &db,
            &treasurer,
            &project,
            &issue,
            "bystander",
            Verdict::Object,
            "no",
        )
        .await;
        assert!(
            matches!(&stranger, Err(Error::Forbidden(p)) if p.key == "error-review-not-pledger"),
            "{engine:?}: {stranger:?}"
        );
    }
}

#[tokio::test]
async fn the_review_window_closing_accepts_and_the_deadline_expires() {
    for db in testing::engines().await {
        let maintainer = make_user(&db, "maintainer").await;
        let treasurer = make_user(&db, "treasurer").await;
        let project = make_repo(&db, &maintainer, "project", false).await;
        let late = make_issue(&db, &maintainer, &project, "Late").await;
        let quiet = make_issue(&db, &maintainer, &project, "Quiet").await;
        make_org(&db, &treasurer, "coop").await;
        for issue in [&late, &quiet] {
            funding::put_goal(
                &db,
                &maintainer,
                &project,
                issue,
                goal_input(1000, "EUR", 1),
            )
            .await
            .unwrap();
        }
        funding::pledge(
            &db,
            &treasurer,
            &project,
            &late,
            pledge_of("coop", 400, "EUR"),
        )
        .await
        .unwrap();
        funding::pledge(
            &db,
            &treasurer,
            &project,
            &quiet,
            pledge_of("coop", 1000, "EUR"),
        )
        .await
        .unwrap();
        funding::deliver(&db, &maintainer, &project, &quiet, "Done", &[])
            .await
            .unwrap();
        let late_goal = view_of(&db, &late).await.goal.id;
        let quiet_goal = view_of(&db, &quiet).await.goal.id;
        let past = now_ms() - 1;
        testing::execute(
            &db,
            leak(format!(
                "UPDATE funding_goals SET deadline_at = {past} WHERE id = {late_goal}"
            )),
        )
        .await;
        testing::execute(
            &db,
            leak(format!(
                "UPDATE funding_goals SET review_ends_at = {past} WHERE id = {quiet_goal}"
            )),
        )
        .await;
        assert_eq!(funding::sweep(&db).await.unwrap(), 2);
        assert_eq!(funding::sweep(&db).await.unwrap(), 0);
        let late_view = view_of(&db, &late).await;
        assert_eq!(late_view.goal.state, GoalState::Expired);
        assert_eq!(late_view.pledges[0].state, PledgeState::Released);
        assert_eq!(late_view.pledged_minor, 0);
        let quiet_view = view_of(&db, &quiet).await;
        assert_eq!(quiet_view.goal.state, GoalState::Accepted);
        assert_eq!(quiet_view.pledges[0].state, PledgeState::Due);
        assert_ledger_clean(&db).await;
    }
}

// ---------------------------------------------------------------------------
// A thousand random operations.

/// xorshift64*: small, deterministic, and good enough to pick operations.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n).unwrap()).unwrap()
    }

    fn range(&mut self, low: i64, high: i64) -> i64 {
        low + i64::try_from(self.next() % u64::try_from(high - low + 1).unwrap()).unwrap()
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        if items.is_empty() {
            None
        } else {
            Some(&items[self.below(items.len())])
        }
    }
}

struct World {
    maintainer: User,
    treasurer: User,
    member: User,
    repos: Vec<Repo>,
    orgs: Vec<String>,
    goals: Vec<(Repo, Issue)>,
}

/// The moves a goal's state may make in one operation.
fn legal_move(from: GoalState, to: GoalState) -> bool {
    use GoalState::*;
    from == to
        || matches!(
            (from, to),
            (Open, Funded | Expired | Cancelled)
                | (Funded, Delivered | Cancelled)
                | (Delivered, Accepted | Disputed | Settled)
                | (Disputed, Accepted | Rejected)
                | (Accepted, Settled)
                | (Settled, Accepted)
        )
}

/// What the ledger says of one pledge.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Figures {
    /// The balance of the goal's `pledged` account: an active pledge.
    pledged: i64,
    /// What funding took out of `pledged`: a committed pledge's amount.
    committed_amount: i64,
    /// The share: `committed` + `due` + `paid`.
    share: i64,
    paid: i64,
    /// What the organisation still promises or owes on it.
    org_owes: i64,
}

fn ledger_figures(entries: &[ledger::Entry], goal: GoalId) -> BTreeMap<PledgeId, Figures> {
    let mut figures: BTreeMap<PledgeId, Figures> = BTreeMap::new();
    for entry in entries {
        let Some(pledge) = entry.pledge_id else {
            continue;
        };
        let slot = figures.entry(pledge).or_default();
        let net = entry.credit_minor - entry.debit_minor;
        match entry.account.strip_prefix(&format!("goal:{goal}:")) {
            Some("pledged") => {
                slot.pledged += net;
                if entry.event == "commitment" {
                    slot.committed_amount = entry.debit_minor;
                }
            }
            Some("committed" | "due") => slot.share += net,
            Some("paid") => {
                slot.share += net;
                slot.paid += net;
            }
            Some(other) => panic!("unknown account goal:{goal}:{other}"),
            None => {
                assert!(entry.account.starts_with("org:"), "{entry:?}");
                slot.org_owes -= net;
            }
        }
    }
    figures
}

async fn check_figures(db: &Db, world: &World, step: usize) {
    let engine = db.engine();
    assert_ledger_clean(db).await;
    for (_, issue) in &world.goals {
        let view = view_of(db, issue).await;
        let goal = &view.goal;
        let entries = ledger::entries(db, goal.id).await.unwrap();
        assert!(entries.iter().all(|e| e.currency == goal.currency));
        let figures = ledger_figures(&entries, goal.id);
        let mut pledged = 0;
        let mut paid = 0;
        let mut shares = 0;
        let mut funders = 0;
        for pledge in &view.pledges {
            let f = figures.get(&pledge.id).copied().unwrap_or_default();
            let what = format!(
                "{engine:?} step {step}: pledge {} {:?} {f:?}",
                pledge.id, pledge.state
            );
            match pledge.state {
                PledgeState::Active => {
                    assert_eq!(f.pledged, pledge.amount_minor, "{what}");
                    assert_eq!(f.org_owes, pledge.amount_minor, "{what}");
                    assert_eq!((f.committed_amount, f.share, f.paid), (0, 0, 0), "{what}");
                }
                PledgeState::Committed | PledgeState::Due | PledgeState::Paid => {
                    assert_eq!(f.pledged, 0, "{what}");
                    assert_eq!(f.committed_amount, pledge.amount_minor, "{what}");
                    assert_eq!(Some(f.share), pledge.share_minor, "{what}");
                    assert_eq!(f.org_owes, f.share, "{what}");
                    assert!(f.share <= pledge.amount_minor, "{what}");
                    assert_eq!(f.paid, pledge.paid_minor, "{what}");
                    assert_eq!(
                        pledge.state == PledgeState::Paid,
                        f.paid == f.share,
                        "{what}"
                    );
                    shares += f.share;
                }
                PledgeState::Withdrawn | PledgeState::Released => {
                    assert_eq!(
                        (f.pledged, f.share, f.paid, f.org_owes),
                        (0, 0, 0, 0),
                        "{what}"
                    );
                }
            }
            paid += f.paid;
            if pledge.state != PledgeState::Withdrawn && pledge.state != PledgeState::Released {
                pledged += pledge.amount_minor;
                funders += 1;
            }
        }
        let what = format!("{engine:?} step {step}: goal {} {:?}", goal.id, goal.state);
        assert_eq!(view.pledged_minor, pledged, "{what}");
        assert_eq!(view.paid_minor, paid, "{what}");
        assert_eq!(view.funders, funders, "{what}");
        if matches!(
            goal.state,
            GoalState::Funded
                | GoalState::Delivered
                | GoalState::Disputed
                | GoalState::Accepted
                | GoalState::Settled
        ) {
            assert_eq!(shares, goal.budget_minor, "{what}");
        }
        let funded = timeline::events(db, issue.id)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.kind == funding::kind::FUNDED)
            .count();
        assert!(funded <= 1, "{what}: funded {funded} times");
    }
}

/// Every goal's state, as stored, by the id of its issue.
async fn states_of(db: &Db, world: &World) -> BTreeMap<i64, GoalState> {
    let mut states = BTreeMap::new();
    for repo in &world.repos {
        for (goal, ..) in funding::goals_of_repo(db, repo.id).await.unwrap() {
            states.insert(goal.issue_id.0, goal.state);
        }
    }
    states
}

async fn new_goal(db: &Db, world: &mut World, rng: &mut Rng) {
    let repo = rng.pick(&world.repos).unwrap().clone();
    let n = world.goals.len();
    let issue = make_issue(db, &world.maintainer, &repo, &format!("Goal {n}")).await;
    let (currency, budget) = *rng
        .pick(&[
            ("EUR", 10_000),
            ("JPY", 5_000),
            ("TND", 123_457),
            ("EUR", 99),
            ("USD", 2_500),
        ])
        .unwrap();
    let min_funders = rng.range(1, 3);
    funding::put_goal(
        db,
        &world.maintainer,
        &repo,
        &issue,
        goal_input(budget, currency, min_funders),
    )
    .await
    .unwrap();
    world.goals.push((repo, issue));
}

const OPERATIONS: [&str; 16] = [
    "pledge", "pledge", "pledge", "pledge", "withdraw", "deliver", "review", "review", "vote",
    "cancel", "payment", "payment", "reversal", "time", "edit", "new goal",
];

async fn random_operation(
    db: &Db,
    world: &mut World,
    rng: &mut Rng,
    done: &mut &'static str,
) -> Result<(), Error> {
    // Mostly goals still moving; sometimes any goal.
    let states = states_of(db, world).await;
    let moving: Vec<(Repo, Issue)> = world
        .goals
        .iter()
        .filter(|(_, issue)| {
            !matches!(
                states.get(&issue.id.0),
                Some(GoalState::Expired | GoalState::Cancelled | GoalState::Rejected)
            )
        })
        .cloned()
        .collect();
    let (repo, issue) = if !moving.is_empty() && rng.chance(85) {
        rng.pick(&moving).unwrap().clone()
    } else {
        rng.pick(&world.goals).unwrap().clone()
    };
    let view = view_of(db, &issue).await;
    let goal = &view.goal;
    // Mostly an operation that fits the goal's state; sometimes any.
    let fitting: &[usize] = match goal.state {
        GoalState::Open => &[0, 0, 0, 0, 0, 0, 4, 9, 13, 14],
        GoalState::Funded => &[5, 5, 5, 9],
        GoalState::Delivered => &[6, 6, 6, 7, 13],
        GoalState::Disputed => &[8],
        GoalState::Accepted => &[10, 10, 11, 11, 12],
        GoalState::Settled => &[12, 15],
        _ => &[15],
    };
    let operation = if rng.chance(70) {
        *rng.pick(fitting).unwrap()
    } else {
        rng.below(16)
    };
    let maintainer = world.maintainer.clone();
    let treasurer = if rng.chance(8) {
        world.member.clone()
    } else {
        world.treasurer.clone()
    };
    let org = rng.pick(&world.orgs).unwrap().clone();
    let pledge = rng.pick(&view.pledges).map(|p| p.id).unwrap_or(PledgeId(0));
    *done = OPERATIONS[operation];
    match operation {
        0..=3 => {
            let currency = if rng.chance(5) { "CHF" } else { &goal.currency };
            let amount = rng.range(1, goal.budget_minor * 2 / 3 + 1);
            let key = if rng.chance(20) {
                Some(format!("key-{}", rng.below(8)))
            } else {
                None
            };
            funding::pledge(
                db,
                &treasurer,
                &repo,
                &issue,
                PledgeRequest {
                    org: &org,
                    amount_minor: amount,
                    currency,
                    idempotency_key: key.as_deref(),
                },
            )
            .await
            .map(|_| ())
        }
        4 => funding::withdraw(db, &treasurer, &repo, &issue, pledge).await,
        5 => {
            let commits = ["0123abc".to_string()];
            funding::deliver(db, &maintainer, &repo, &issue, "Delivered", &commits).await
        }
        6 | 7 => {
            let verdict = if rng.chance(25) {
                Verdict::Object
            } else {
                Verdict::Accept
            };
            let pledger = view
                .pledges
                .iter()
                .find(|p| p.id == pledge)
                .map_or(org.clone(), |p| p.org_name.clone());
            funding::review(db, &treasurer, &repo, &issue, &pledger, verdict, "Not yet").await
        }
        8 => {
            // A pledger's vote in a dispute, weighted by its share: the
            // receiving side no longer decides.
            let resolution = if rng.chance(50) {
                Resolution::Accept
            } else {
                Resolution::Reject
            };
            let voter = view
                .pledges
                .iter()
                .find(|p| p.id == pledge)
                .map_or(org.clone(), |p| p.org_name.clone());
            funding::vote(db, &treasurer, &repo, &issue, &voter, resolution).await
        }
        9 => funding::cancel(db, &maintainer, &repo, &issue).await,
        10 | 11 => {
            let due: Vec<_> = view
                .pledges
                .iter()
                .filter(|p| p.state == PledgeState::Due)
                .collect();
            let Some(target) = rng.pick(&due) else {
                return Ok(());
            };
            let left = target.share_minor.unwrap_or(0) - target.paid_minor;
            let amount = match rng.below(3) {
                0 => left,
                1 => rng.range(1, left.max(1)),
                _ => left + 1,
            };
            let key = if rng.chance(20) {
                Some(format!("pay-{}", rng.below(4)))
            } else {
                None
            };
            funding::record_payment(
                db,
                &maintainer,
                &repo,
                &issue,
                PaymentRequest {
                    pledge: target.id,
                    amount_minor: amount,
                    reference: "VIR SEPA",
                    idempotency_key: key.as_deref(),
                },
            )
            .await
            .map(|_| ())
        }
        12 => {
            let payments = funding::payments(db, goal.id).await.unwrap();
            let Some(payment) = rng.pick(&payments) else {
                return Ok(());
            };
            funding::reverse_payment(db, &maintainer, &repo, &issue, payment.id)
                .await
                .map(|_| ())
        }
        13 => {
            // Time passes for this goal: its deadline or review window ends.
            if goal.state == GoalState::Open && rng.chance(50) {
                return Ok(());
            }
            let past = now_ms() - 1;
            let sql = match goal.state {
                GoalState::Open => format!(
                    "UPDATE funding_goals SET deadline_at = {past} WHERE id = {}",
                    goal.id
                ),
                GoalState::Delivered => format!(
                    "UPDATE funding_goals SET review_ends_at = {past} WHERE id = {}",
                    goal.id
                ),
                _ => return Ok(()),
            };
            testing::execute(db, leak(sql)).await;
            funding::sweep(db).await.map(|_| ())
        }
        14 => {
            let mut input = GoalInput {
                budget_minor: goal.budget_minor,
                currency: goal.currency.clone(),
                acceptance: format!("Criteria v{}", rng.below(100)),
                deadline_at: goal.deadline_at + rng.range(-DAY, DAY),
                review_days: Some(goal.review_days),
                min_funders: Some(goal.min_funders),
            };
            if rng.chance(30) {
                input.budget_minor = rng.range(50, 20_000);
            }
            funding::put_goal(db, &maintainer, &repo, &issue, input)
                .await
                .map(|_| ())
        }
        _ => {
            new_goal(db, world, rng).await;
            Ok(())
        }
    }
}

#[tokio::test]
async fn a_thousand_random_operations_keep_every_figure_equal_to_the_ledger() {
    for db in testing::engines().await {
        let engine = db.engine();
        let maintainer = make_user(&db, "maintainer").await;
        let treasurer = make_user(&db, "treasurer").await;
        let member = make_user(&db, "member").await;
        let mut repos = Vec::new();
        repos.push(make_repo(&db, &maintainer, "public-tool", false).await);
        // A private repository of an organisation the treasurer belongs to:
        // readable by the treasurer, not by the plain member.
        let publisher = make_org(&db, &maintainer, "publisher").await;
        org::set_member(&db, &maintainer, &publisher, "treasurer", Role::Member)
            .await
            .unwrap();
        repos.push(
            repo::create(
                &db,
                &maintainer,
                "publisher",
                NewRepo {
                    name: "private-tool".into(),
                    private: true,
                    ..NewRepo::default()
                },
                async |_| Ok(()),
            )
            .await
            .unwrap(),
        );
        let mut orgs = Vec::new();
        for i in 0..6 {
            let created = make_org(&db, &treasurer, &format!("org-{i}")).await;
            // A plain member may not pledge or review for the organisation.
            org::set_member(&db, &treasurer, &created, "member", Role::Member)
                .await
                .unwrap();
            orgs.push(created.name);
        }
        let mut world = World {
            maintainer,
            treasurer,
            member,
            repos,
            orgs,
            goals: Vec::new(),
        };
        let mut rng = Rng(0x5EED_F00D_2026_0001);
        for _ in 0..6 {
            new_goal(&db, &mut world, &mut rng).await;
        }
        let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
        for step in 0..1000 {
            let before = states_of(&db, &world).await;
            let mut operation = "";
            let result = random_operation(&db, &mut world, &mut rng, &mut operation).await;
            let label = match &result {
                Ok(()) => format!("{operation}: ok"),
                Err(e) if expected_refusal(e) => match e {
                    Error::Invalid { problem, .. }
                    | Error::Conflict { problem, .. }
                    | Error::Forbidden(problem)
                    | Error::NotFound(problem) => format!("{operation}: {}", problem.key),
                    _ => unreachable!(),
                },
                Err(e) => panic!("{engine:?} step {step}: {e:?}"),
            };
            *outcomes.entry(label).or_default() += 1;
            let after = states_of(&db, &world).await;
            for (goal, from) in &before {
                let to = after[goal];
                assert!(
                    legal_move(*from, to),
                    "{engine:?} step {step}: the goal of issue {goal} went from {from:?} to {to:?}"
                );
            }
            if step % 100 == 99 {
                check_figures(&db, &world, step).await;
            }
        }
        check_figures(&db, &world, 1000).await;
        let mut states: BTreeMap<&str, usize> = BTreeMap::new();
        for (_, issue) in &world.goals {
            *states
                .entry(view_of(&db, issue).await.goal.state.as_str())
                .or_default() += 1;
        }
        eprintln!("{engine:?}: outcomes {outcomes:#?}; goal states {states:?}");
        // The walk reached the interesting places.
        for wanted in [
            "pledge: ok",
            "withdraw: ok",
            "deliver: ok",
            "review: ok",
            "vote: ok",
            "cancel: ok",
            "payment: ok",
            "reversal: ok",
            "time: ok",
            "edit: ok",
            "pledge: error-goal-not-open",
            "pledge: error-pledge-role",
            "payment: error-payment-too-much",
        ] {
            assert!(
                outcomes.contains_key(wanted),
                "{engine:?}: {wanted} never happened"
            );
        }
        assert!(states.len() >= 4, "{engine:?}: {states:?}");
    }
}
