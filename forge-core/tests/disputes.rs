//! Fair disputes on SQLite and PostgreSQL: the pledgers' vote weighted by
//! their shares under each goal's rule, the mediator who decides ties and
//! closed votes, the receiving side without a say, every step in the
//! timeline and the outbox.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_core::clock::now_ms;
use forge_core::funding::dispute::{self, DisputeRule};
use forge_core::funding::{
    self, GoalInput, GoalState, PledgeRequest, PledgeState, Resolution, Verdict, ledger,
};
use forge_core::issue::{self, Issue, NewIssue};
use forge_core::org::{self, NewOrg, OrgKind};
use forge_core::repo::{self, NewRepo, Repo};
use forge_core::user::{self, NewUser, User};
use forge_core::{Db, Error, outbox, testing, timeline};

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

struct World {
    db: Db,
    owner: User,
    repo: Repo,
    /// Treasurer and organisation of each pledger.
    pledgers: Vec<(User, String)>,
    mediator: User,
}

async fn world(db: Db) -> World {
    let owner = make_user(&db, "owner").await;
    let mediator = make_user(&db, "medi").await;
    let repo = repo::create(
        &db,
        &owner,
        "owner",
        NewRepo {
            name: "tool".into(),
            ..NewRepo::default()
        },
        async |_| Ok(()),
    )
    .await
    .unwrap();
    let mut pledgers = Vec::new();
    for name in ["ada", "bea", "cyd"] {
        let treasurer = make_user(&db, name).await;
        let org_name = format!("{name}-org");
        org::create(
            &db,
            &treasurer,
            NewOrg {
                name: org_name.clone(),
                full_name: String::new(),
                description: String::new(),
                kind: OrgKind::Cooperative,
                website: String::new(),
            },
        )
        .await
        .unwrap();
        pledgers.push((treasurer, org_name));
    }
    World {
        db,
        owner,
        repo,
        pledgers,
        mediator,
    }
}

impl World {
    /// A goal of `300 × n` with the rule and mediator given, funded by the
    /// first `n` pledgers (equal shares), delivered, and objected to by
    /// the first.
    async fn disputed(&self, title: &str, rule: DisputeRule, mediator: &str, n: usize) -> Issue {
        let db = &self.db;
        let found = issue::create(
            db,
            &self.owner,
            &self.repo,
            NewIssue {
                title: title.into(),
                ..NewIssue::default()
            },
        )
        .await
        .unwrap();
        let budget = 30_000 * i64::try_from(n).unwrap();
        funding::put_goal(
            db,
            &self.owner,
            &self.repo,
            &found,
            GoalInput {
                budget_minor: budget,
                currency: "EUR".into(),
                acceptance: "Works.".into(),
                deadline_at: now_ms() + 30 * DAY,
                review_days: Some(7),
                min_funders: Some(1),
            },
        )
        .await
        .unwrap();
        dispute::set_terms(db, &self.owner, &self.repo, &found, rule, mediator)
            .await
            .unwrap();
        for (treasurer, org_name) in &self.pledgers[..n] {
            funding::pledge(
                db,
                treasurer,
                &self.repo,
                &found,
                PledgeRequest {
                    org: org_name,
                    amount_minor: 30_000,
                    currency: "EUR",
                    idempotency_key: None,
                },
            )
            .await
            .unwrap();
        }
        funding::deliver(db, &self.owner, &self.repo, &found, "Done.", &[])
            .await
            .unwrap();
        let (treasurer, org_name) = &self.pledgers[0];
        funding::review(
            db,
            treasurer,
            &self.repo,
            &found,
            org_name,
            Verdict::Object,
            "The export loses dates.",
        )
        .await
        .unwrap();
        assert_eq!(self.state(&found).await, GoalState::Disputed);
        found
    }

    async fn state(&self, found: &Issue) -> GoalState {
        let goal = funding::goal_of_issue(&self.db, found.id)
            .await
            .unwrap()
            .unwrap();
        funding::refresh(&self.db, &goal).await.unwrap().state
    }

    async fn vote(&self, who: usize, found: &Issue, choice: Resolution) -> Result<(), Error> {
        let (treasurer, org_name) = &self.pledgers[who];
        funding::vote(&self.db, treasurer, &self.repo, found, org_name, choice).await
    }

    async fn kinds(&self, found: &Issue) -> Vec<String> {
        timeline::events(&self.db, found.id)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .filter(|k| k.starts_with("delivery") || k.starts_with("funding_dispute"))
            .collect()
    }
}

fn key_of(error: &Error) -> &'static str {
    match error {
        Error::Invalid { problem, .. }
        | Error::Conflict { problem, .. }
        | Error::Forbidden(problem)
        | Error::NotFound(problem) => problem.key,
        other => panic!("not a refusal: {other:?}"),
    }
}

#[tokio::test]
async fn the_terms_are_chosen_before_anyone_pledges_and_never_name_the_payee() {
    for db in testing::engines().await {
        let w = world(db).await;
        let found = w
            .disputed("Locked", DisputeRule::TwoThirds, "medi", 1)
            .await;
        let db = &w.db;
        let terms = dispute::terms_of(
            db,
            funding::goal_of_issue(db, found.id)
                .await
                .unwrap()
                .unwrap()
                .id,
        )
        .await
        .unwrap();
        assert_eq!(terms.rule, DisputeRule::TwoThirds);
        assert_eq!(terms.mediator.unwrap().1, "medi");
        assert!(terms.vote_ends_at.unwrap() > now_ms() + 6 * DAY);
        // Once pledged, the terms cannot change.
        let error = dispute::set_terms(db, &w.owner, &w.repo, &found, DisputeRule::Unanimity, "")
            .await
            .unwrap_err();
        assert_eq!(key_of(&error), "error-dispute-terms-locked");
        let fresh = issue::create(
            db,
            &w.owner,
            &w.repo,
            NewIssue {
                title: "Fresh".into(),
                ..NewIssue::default()
            },
        )
        .await
        .unwrap();
        funding::put_goal(
            db,
            &w.owner,
            &w.repo,
            &fresh,
            GoalInput {
                budget_minor: 100,
                currency: "EUR".into(),
                acceptance: "Works.".into(),
                deadline_at: now_ms() + DAY,
                review_days: None,
                min_funders: None,
            },
        )
        .await
        .unwrap();
        for (mediator, key) in [
            ("owner", "error-mediator-payee"),
            ("nobody", "error-mediator-not-found"),
        ] {
            let error = dispute::set_terms(
                db,
                &w.owner,
                &w.repo,
                &fresh,
                DisputeRule::Majority,
                mediator,
            )
            .await
            .unwrap_err();
            assert_eq!(key_of(&error), key, "{:?}", db.engine());
        }
        // Only maintainers set them.
        let (ada, _) = &w.pledgers[0];
        let error = dispute::set_terms(db, ada, &w.repo, &fresh, DisputeRule::Majority, "")
            .await
            .unwrap_err();
        assert!(matches!(error, Error::Forbidden(_)), "{error:?}");
    }
}

#[tokio::test]
async fn two_thirds_of_the_shares_decide_and_the_payee_has_no_say() {
    for db in testing::engines().await {
        let w = world(db).await;
        let mut position = outbox::Position::START;
        testing::events_since(&w.db, &mut position, 0).await;
        let found = w
            .disputed("Two thirds", DisputeRule::TwoThirds, "medi", 3)
            .await;
        // The receiving side, and the mediator while the vote is open and
        // undecided, cannot decide.
        let error = funding::resolve(&w.db, &w.owner, &w.repo, &found, Resolution::Accept)
            .await
            .unwrap_err();
        assert_eq!(key_of(&error), "error-resolve-mediator-only");
        let error = funding::resolve(&w.db, &w.mediator, &w.repo, &found, Resolution::Accept)
            .await
            .unwrap_err();
        assert_eq!(key_of(&error), "error-mediation-early");
        // Someone who did not pledge does not vote.
        let error = funding::vote(
            &w.db,
            &w.owner,
            &w.repo,
            &found,
            "ada-org",
            Resolution::Accept,
        )
        .await
        .unwrap_err();
        assert!(matches!(error, Error::Forbidden(_)), "{error:?}");
        w.vote(0, &found, Resolution::Reject).await.unwrap();
        w.vote(1, &found, Resolution::Accept).await.unwrap();
        // One third each way: undecided.
        assert_eq!(w.state(&found).await, GoalState::Disputed);
        // Ada changes her mind: two thirds accept.
        w.vote(0, &found, Resolution::Accept).await.unwrap();
        assert_eq!(w.state(&found).await, GoalState::Accepted);
        let goal = funding::goal_of_issue(&w.db, found.id)
            .await
            .unwrap()
            .unwrap();
        let pledges = funding::pledges_of(&w.db, goal.id).await.unwrap();
        assert!(pledges.iter().all(|p| p.state == PledgeState::Due));
        // Cyd comes too late: decided.
        let error = w.vote(2, &found, Resolution::Reject).await.unwrap_err();
        assert_eq!(key_of(&error), "error-not-disputed");
        assert_eq!(
            w.kinds(&found).await,
            [
                "funding_dispute_two_thirds",
                "delivery_vote_reject",
                "delivery_vote_accept",
                "delivery_vote_accept",
                "delivery_vote_decided_accept",
                "delivery_accepted",
            ]
            .map(String::from),
            "{:?}",
            w.db.engine()
        );
        // Each step is in the outbox too, once.
        let events = testing::events_since(&w.db, &mut position, 1).await;
        let votes = events
            .iter()
            .filter(|e| e.kind.starts_with("issue.delivery_vote_") && !e.kind.contains("decided"))
            .count();
        assert_eq!(votes, 3, "{:?}", w.db.engine());
        assert!(
            events
                .iter()
                .any(|e| e.kind == "issue.delivery_vote_decided_accept")
        );
        assert!(ledger::check(&w.db).await.unwrap().is_empty());
    }
}

#[tokio::test]
async fn the_mediator_decides_a_tie_and_a_vote_that_closed() {
    for db in testing::engines().await {
        let w = world(db).await;
        // A tie under simple majority: the mediator (an organisation,
        // through its owner) rejects.
        let found = w.disputed("Tie", DisputeRule::Majority, "cyd-org", 2).await;
        w.vote(0, &found, Resolution::Reject).await.unwrap();
        w.vote(1, &found, Resolution::Accept).await.unwrap();
        assert_eq!(w.state(&found).await, GoalState::Disputed);
        assert!(w.kinds(&found).await.contains(&"delivery_vote_tied".into()));
        let error = funding::resolve(&w.db, &w.mediator, &w.repo, &found, Resolution::Reject)
            .await
            .unwrap_err();
        assert_eq!(key_of(&error), "error-resolve-mediator-only");
        let (cyd, _) = &w.pledgers[2];
        funding::resolve(&w.db, cyd, &w.repo, &found, Resolution::Reject)
            .await
            .unwrap();
        assert_eq!(w.state(&found).await, GoalState::Rejected);
        let goal = funding::goal_of_issue(&w.db, found.id)
            .await
            .unwrap()
            .unwrap();
        assert!(
            funding::pledges_of(&w.db, goal.id)
                .await
                .unwrap()
                .iter()
                .all(|p| p.state == PledgeState::Released)
        );
        let kinds = w.kinds(&found).await;
        assert!(
            kinds.ends_with(&[
                "delivery_vote_tied".into(),
                "delivery_mediated_reject".into(),
                "delivery_rejected".into()
            ]),
            "{kinds:?}"
        );

        // Unanimity, one vote, and the window closes: votes are refused
        // and the mediator (a user) accepts.
        let found = w
            .disputed("Closed", DisputeRule::Unanimity, "medi", 2)
            .await;
        w.vote(1, &found, Resolution::Accept).await.unwrap();
        let goal = funding::goal_of_issue(&w.db, found.id)
            .await
            .unwrap()
            .unwrap();
        let sql = format!(
            "UPDATE funding_goals SET vote_ends_at = {} WHERE id = {}",
            now_ms() - 1,
            goal.id.0
        );
        testing::execute(&w.db, Box::leak(sql.into_boxed_str())).await;
        let error = w.vote(0, &found, Resolution::Reject).await.unwrap_err();
        assert_eq!(key_of(&error), "error-vote-closed");
        funding::resolve(&w.db, &w.mediator, &w.repo, &found, Resolution::Accept)
            .await
            .unwrap();
        assert_eq!(w.state(&found).await, GoalState::Accepted);
        assert!(ledger::check(&w.db).await.unwrap().is_empty());
    }
}
