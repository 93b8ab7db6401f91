//! The funding API over real sockets, on every engine under test: the whole
//! matrix of goal states × actions × actors, idempotent replays, exports,
//! and privacy.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_core::clock::{now_ms, rfc3339};
use forge_core::funding::{GoalState, ledger};
use forge_core::issue::{self, NewIssue};
use forge_core::org::{self, NewOrg, OrgKind, Role};
use forge_core::repo::{self, Repo};
use forge_core::testing;
use forge_core::user::User;
use forge_tests::{TestForge, http};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::HashMap;

const DAY: i64 = 24 * 3600 * 1000;
const ANONYMOUS: &str = "anonymous";
/// The people of the matrix: the repository belongs to the organisation
/// `proj` (owner `owner`, maintainer `maint`, member `reader`); `payer`
/// pledges (treasurer `alice`, owner `pat`); `other` does not (treasurer
/// `bob`); `outsider` belongs to nothing; `med` is every goal's mediator.
/// `carol` owns `third`, the second pledger the recipes need.
const ACTORS: [&str; 9] = [
    ANONYMOUS, "outsider", "reader", "alice", "pat", "bob", "maint", "owner", "med",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    PutGoal,
    Pledge,
    Withdraw,
    Cancel,
    Deliver,
    ReviewAccept,
    ReviewObject,
    ResolveAccept,
    ResolveReject,
    VoteAccept,
    VoteReject,
    Payment,
    Reverse,
}

const ACTIONS: [Action; 13] = [
    Action::PutGoal,
    Action::Pledge,
    Action::Withdraw,
    Action::Cancel,
    Action::Deliver,
    Action::ReviewAccept,
    Action::ReviewObject,
    Action::ResolveAccept,
    Action::ResolveReject,
    Action::VoteAccept,
    Action::VoteReject,
    Action::Payment,
    Action::Reverse,
];

struct Ctx {
    forge: TestForge,
    client: reqwest::Client,
    tokens: HashMap<&'static str, String>,
    users: HashMap<&'static str, User>,
    repo: Repo,
}

/// A goal built for a test, and what the requests about it need.
#[derive(Debug, Clone)]
struct Built {
    index: i64,
    deadline: String,
    payer_pledge: i64,
    payment: Option<i64>,
}

impl Ctx {
    async fn send(
        &self,
        actor: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
        key: Option<&str>,
    ) -> (StatusCode, Value) {
        let mut request = self.client.request(method, self.forge.at(path));
        if actor != ANONYMOUS {
            request = request.bearer_auth(&self.tokens[actor]);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        if let Some(key) = key {
            request = request.header("idempotency-key", key);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        let value = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{status} {path}: not JSON ({e}): {text}"))
        };
        (status, value)
    }

    async fn ok(&self, actor: &str, method: Method, path: &str, body: Option<Value>) -> Value {
        let (status, value) = self.send(actor, method.clone(), path, body, None).await;
        assert!(
            status.is_success(),
            "{:?} {actor} {method} {path}: {status} {value}",
            self.forge.engine()
        );
        value
    }

    fn goal_path(&self, index: i64) -> String {
        format!("/api/v1/repos/proj/tool/issues/{index}/funding")
    }

    /// Everything a request could change: the goal and its ledger.
    async fn snapshot(&self, index: i64) -> (Value, Value) {
        let path = self.goal_path(index);
        let goal = self.ok("owner", Method::GET, &path, None).await;
        let ledger = self
            .ok("owner", Method::GET, &format!("{path}/ledger"), None)
            .await;
        (goal, ledger)
    }

    async fn state_of(&self, index: i64) -> String {
        let goal = self
            .ok("owner", Method::GET, &self.goal_path(index), None)
            .await;
        goal["state"].as_str().unwrap().to_string()
    }

    async fn new_issue(&self, title: &str) -> i64 {
        issue::create(
            &self.forge.db,
            &self.users["owner"],
            &self.repo,
            NewIssue {
                title: title.into(),
                ..NewIssue::default()
            },
        )
        .await
        .unwrap()
        .number
    }

    async fn pledge(&self, actor: &str, index: i64, org: &str, amount: i64) -> i64 {
        let value = self
            .ok(
                actor,
                Method::POST,
                &format!("{}/pledges", self.goal_path(index)),
                Some(json!({"org": org, "amount_minor": amount, "currency": "EUR"})),
            )
            .await;
        value["id"].as_i64().unwrap()
    }

    async fn pay(&self, index: i64, pledge: i64, amount: i64) -> i64 {
        let value = self
            .ok(
                "owner",
                Method::POST,
                &format!("{}/pledges/{pledge}/payments", self.goal_path(index)),
                Some(
                    json!({"amount_minor": amount, "reference": format!("VIR-{pledge}-{amount}")}),
                ),
            )
            .await;
        value["id"].as_i64().unwrap()
    }

    /// A goal of 1000.00 EUR brought to `state` by the people allowed to.
    async fn build(&self, state: GoalState) -> Built {
        let index = self
            .new_issue(&format!("Goal to be {}", state.as_str()))
            .await;
        let path = self.goal_path(index);
        // Whole seconds, as the API shows deadlines.
        let deadline = rfc3339(now_ms() + 30 * DAY);
        let goal = self
            .ok(
                "maint",
                Method::PUT,
                &path,
                Some(json!({
                    "budget_minor": 100_000,
                    "currency": "EUR",
                    "deadline": deadline,
                    "acceptance": "Exports to ODS, with tests.",
                    "dispute_rule": "majority",
                    "mediator": "med",
                })),
            )
            .await;
        let goal_id = goal["id"].as_i64().unwrap();
        let mut built = Built {
            index,
            deadline,
            payer_pledge: 0,
            payment: None,
        };
        use GoalState::*;
        if matches!(state, Open | Expired | Cancelled) {
            built.payer_pledge = self.pledge("alice", index, "payer", 30_000).await;
        } else {
            built.payer_pledge = self.pledge("alice", index, "payer", 60_000).await;
            self.pledge("carol", index, "third", 60_000).await;
        }
        match state {
            Expired => {
                let sql = format!(
                    "UPDATE funding_goals SET deadline_at = {} WHERE id = {goal_id}",
                    now_ms() - 1
                );
                testing::execute(&self.forge.db, Box::leak(sql.into_boxed_str())).await;
            }
            Cancelled => {
                self.ok("maint", Method::POST, &format!("{path}/cancel"), None)
                    .await;
            }
            Delivered | Disputed | Accepted | Rejected | Settled => {
                self.ok(
                    "maint",
                    Method::POST,
                    &format!("{path}/deliver"),
                    Some(json!({"note": "Released in 2.0", "commits": ["abcdef1"]})),
                )
                .await;
            }
            Open | Funded => {}
        }
        if matches!(state, Disputed | Rejected) {
            self.ok(
                "carol",
                Method::POST,
                &format!("{path}/review"),
                Some(json!({"org": "third", "verdict": "object", "reason": "No tests"})),
            )
            .await;
            // Third (half of the shares) votes to reject: no majority yet.
            self.ok(
                "carol",
                Method::POST,
                &format!("{path}/vote"),
                Some(json!({"org": "third", "vote": "reject"})),
            )
            .await;
        }
        if state == Rejected {
            self.ok(
                "alice",
                Method::POST,
                &format!("{path}/vote"),
                Some(json!({"org": "payer", "vote": "reject"})),
            )
            .await;
        }
        if matches!(state, Accepted | Settled) {
            for (actor, org) in [("alice", "payer"), ("carol", "third")] {
                self.ok(
                    actor,
                    Method::POST,
                    &format!("{path}/review"),
                    Some(json!({"org": org, "verdict": "accept"})),
                )
                .await;
            }
            built.payment = Some(self.pay(index, built.payer_pledge, 10_000).await);
        }
        if state == Settled {
            self.pay(index, built.payer_pledge, 40_000).await;
            let goal = self.ok("owner", Method::GET, &path, None).await;
            let third = goal["pledges"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["org"] == "third")
                .unwrap()["id"]
                .as_i64()
                .unwrap();
            self.pay(index, third, 50_000).await;
        }
        assert_eq!(
            self.state_of(index).await,
            state.as_str(),
            "{:?}",
            self.forge.engine()
        );
        built
    }

    /// The request `actor` makes for `action` on `built`.
    async fn act(&self, actor: &str, action: Action, built: &Built) -> (StatusCode, Value) {
        let path = self.goal_path(built.index);
        let org = match actor {
            "bob" => "other",
            _ => "payer",
        };
        let (method, path, body) = match action {
            Action::PutGoal => (
                Method::PUT,
                path,
                Some(json!({
                    "budget_minor": 100_000,
                    "currency": "EUR",
                    "deadline": built.deadline,
                    "acceptance": "Exports to ODS, with tests, and documented.",
                })),
            ),
            Action::Pledge => (
                Method::POST,
                format!("{path}/pledges"),
                Some(json!({"org": org, "amount_minor": 40_000, "currency": "EUR"})),
            ),
            Action::Withdraw => (
                Method::DELETE,
                format!("{path}/pledges/{}", built.payer_pledge),
                None,
            ),
            Action::Cancel => (Method::POST, format!("{path}/cancel"), None),
            Action::Deliver => (
                Method::POST,
                format!("{path}/deliver"),
                Some(json!({"note": "Shipped", "commits": ["0123456789abcdef"]})),
            ),
            Action::ReviewAccept => (
                Method::POST,
                format!("{path}/review"),
                Some(json!({"org": org, "verdict": "accept"})),
            ),
            Action::ReviewObject => (
                Method::POST,
                format!("{path}/review"),
                Some(json!({"org": org, "verdict": "object", "reason": "The export loses dates."})),
            ),
            Action::ResolveAccept => (
                Method::POST,
                format!("{path}/resolve"),
                Some(json!({"verdict": "accept"})),
            ),
            Action::ResolveReject => (
                Method::POST,
                format!("{path}/resolve"),
                Some(json!({"verdict": "reject"})),
            ),
            Action::VoteAccept => (
                Method::POST,
                format!("{path}/vote"),
                Some(json!({"org": org, "vote": "accept"})),
            ),
            Action::VoteReject => (
                Method::POST,
                format!("{path}/vote"),
                Some(json!({"org": org, "vote": "reject"})),
            ),
            Action::Payment => (
                Method::POST,
                format!("{path}/pledges/{}/payments", built.payer_pledge),
                Some(json!({"amount_minor": 5_000, "reference": "VIR SEPA 2026-0042"})),
            ),
            Action::Reverse => (
                Method::POST,
                format!(
                    "{path}/payments/{}/reverse",
                    built.payment.unwrap_or(999_999)
                ),
                None,
            ),
        };
        self.send(actor, method, &path, body, None).await
    }
}

/// What the rules say: the status `actor` gets for `action` on a goal in
/// `state`, and the goal's state afterwards.
fn expected(state: GoalState, action: Action, actor: &str) -> (StatusCode, GoalState) {
    use GoalState::*;
    let refused = |status| (status, state);
    if actor == ANONYMOUS {
        return refused(StatusCode::UNAUTHORIZED);
    }
    let maintains = matches!(actor, "maint" | "owner");
    let pays_for_payer = matches!(actor, "alice" | "pat");
    let conflict = refused(StatusCode::CONFLICT);
    let forbidden = refused(StatusCode::FORBIDDEN);
    match action {
        Action::PutGoal if !maintains => forbidden,
        Action::PutGoal if state == Open => (StatusCode::OK, Open),
        Action::Pledge if !pays_for_payer && actor != "bob" => forbidden,
        Action::Pledge if state != Open => conflict,
        // Alice and Pat change Payer's pledge; Bob pledges for Other.
        Action::Pledge if actor == "bob" => (StatusCode::CREATED, Open),
        Action::Pledge => (StatusCode::OK, Open),
        Action::Withdraw if !pays_for_payer => forbidden,
        Action::Withdraw if state == Open => (StatusCode::NO_CONTENT, Open),
        Action::Cancel | Action::Deliver if !maintains => forbidden,
        Action::Cancel if matches!(state, Open | Funded) => (StatusCode::OK, Cancelled),
        Action::Deliver if state == Funded => (StatusCode::OK, Delivered),
        Action::ReviewAccept | Action::ReviewObject if !pays_for_payer => forbidden,
        // Third has not accepted yet: still delivered.
        Action::ReviewAccept if state == Delivered => (StatusCode::OK, Delivered),
        Action::ReviewObject if state == Delivered => (StatusCode::OK, Disputed),
        // Only the mediator decides, and not while the vote is open and
        // undecided (the mediator's decisions are tested on their own).
        Action::ResolveAccept | Action::ResolveReject if actor != "med" => forbidden,
        // Payer votes; Bob's Other did not pledge.
        Action::VoteAccept | Action::VoteReject if !pays_for_payer => forbidden,
        // Payer accepts against Third's rejection: a tie, still disputed.
        Action::VoteAccept if state == Disputed => (StatusCode::OK, Disputed),
        // Payer rejects too: every share rejects.
        Action::VoteReject if state == Disputed => (StatusCode::OK, Rejected),
        Action::Payment | Action::Reverse if actor != "owner" => forbidden,
        Action::Payment if state == Accepted => (StatusCode::CREATED, Accepted),
        Action::Reverse if matches!(state, Accepted | Settled) => (StatusCode::CREATED, Accepted),
        // No payment to reverse in the other states.
        Action::Reverse => refused(StatusCode::NOT_FOUND),
        _ => conflict,
    }
}

async fn setup(forge: TestForge) -> Ctx {
    let mut tokens = HashMap::new();
    let mut users = HashMap::new();
    for name in [
        "outsider", "reader", "alice", "pat", "bob", "maint", "owner", "carol", "med",
    ] {
        let (user, token) = forge.user_with_token(name, false).await;
        tokens.insert(name, token);
        users.insert(name, user);
    }
    let db = &forge.db;
    let new_org = |name: &str| NewOrg {
        name: name.into(),
        full_name: format!("The {name}"),
        description: String::new(),
        kind: OrgKind::Cooperative,
        website: String::new(),
    };
    let proj = org::create(db, &users["owner"], new_org("proj"))
        .await
        .unwrap();
    org::set_member(db, &users["owner"], &proj, "maint", Role::Maintainer)
        .await
        .unwrap();
    org::set_member(db, &users["owner"], &proj, "reader", Role::Member)
        .await
        .unwrap();
    let payer = org::create(db, &users["pat"], new_org("payer"))
        .await
        .unwrap();
    org::set_member(db, &users["pat"], &payer, "alice", Role::Treasurer)
        .await
        .unwrap();
    org::create(db, &users["carol"], new_org("third"))
        .await
        .unwrap();
    let other = org::create(db, &users["carol"], new_org("other"))
        .await
        .unwrap();
    org::set_member(db, &users["carol"], &other, "bob", Role::Treasurer)
        .await
        .unwrap();
    let client = http();
    for (name, private) in [("tool", false), ("secret", true)] {
        let response = client
            .post(forge.at("/api/v1/orgs/proj/repos"))
            .bearer_auth(&tokens["owner"])
            .json(&json!({"name": name, "private": private}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    let repo = repo::find(db, "proj", "tool").await.unwrap().unwrap();
    Ctx {
        forge,
        client,
        tokens,
        users,
        repo,
    }
}

async fn assert_ledger_clean(ctx: &Ctx) {
    let found = ledger::check(&ctx.forge.db).await.unwrap();
    assert!(found.is_empty(), "{:?}: {found:#?}", ctx.forge.engine());
}

#[tokio::test]
async fn every_actor_in_every_state_gets_what_the_rules_say() {
    for forge in TestForge::on_each_engine().await {
        let ctx = setup(forge).await;
        let engine = ctx.forge.engine();
        let mut allowed = 0;
        let mut refused = 0;
        for state in GoalState::ALL {
            let built = ctx.build(state).await;
            let baseline = ctx.snapshot(built.index).await;
            for action in ACTIONS {
                for actor in ACTORS {
                    let (want_status, want_state) = expected(state, action, actor);
                    let what = format!("{engine:?}: {actor} {action:?} on {state:?}");
                    if want_status.is_success() {
                        // Allowed: on a fresh goal in the same state.
                        let fresh = ctx.build(state).await;
                        let before = ctx.snapshot(fresh.index).await;
                        let (status, body) = ctx.act(actor, action, &fresh).await;
                        assert_eq!(status, want_status, "{what}: {body}");
                        let after = ctx.snapshot(fresh.index).await;
                        assert_eq!(after.0["state"], want_state.as_str(), "{what}");
                        assert_ne!(before, after, "{what} changed nothing");
                        allowed += 1;
                    } else {
                        let (status, body) = ctx.act(actor, action, &built).await;
                        assert_eq!(status, want_status, "{what}: {body}");
                        let message = body["message"].as_str().unwrap_or("");
                        assert!(!message.is_empty(), "{what}: {body}");
                        assert!(
                            !message.starts_with("error-"),
                            "{what}: untranslated {message}"
                        );
                        assert_eq!(ctx.snapshot(built.index).await, baseline, "{what}");
                        refused += 1;
                    }
                }
            }
        }
        assert_eq!(allowed + refused, 9 * ACTIONS.len() * ACTORS.len());
        assert_eq!(allowed, 24, "{engine:?}");
        assert_ledger_clean(&ctx).await;
    }
}

#[tokio::test]
async fn the_goal_shows_every_figure_and_a_replayed_key_changes_nothing() {
    for forge in TestForge::on_each_engine().await {
        let ctx = setup(forge).await;
        let engine = ctx.forge.engine();
        let index = ctx.new_issue("Shared calendar").await;
        let path = ctx.goal_path(index);
        let (status, body) = ctx.send("owner", Method::GET, &path, None, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{engine:?}: {body}");
        assert!(
            body["message"]
                .as_str()
                .unwrap()
                .contains("no funding goal")
        );

        let put = json!({
            "budget_minor": 100,
            "currency": "eur",
            "deadline": "2100-01-01T00:00:00.500+01:00",
            "acceptance": "  A calendar shared by all members.  ",
            "min_funders": 2,
        });
        let (status, goal) = ctx
            .send("maint", Method::PUT, &path, Some(put.clone()), None)
            .await;
        assert_eq!(status, StatusCode::CREATED, "{engine:?}: {goal}");
        assert_eq!(goal["state"], "open");
        assert_eq!(goal["currency"], "EUR");
        assert_eq!(goal["deadline"], "2099-12-31T23:00:00Z");
        assert_eq!(goal["acceptance"], "A calendar shared by all members.");
        assert_eq!(goal["review_days"], 14);
        assert_eq!(goal["min_funders"], 2);
        assert_eq!(goal["pledges"], json!([]));
        // Sent back as read, it is an edit that changes nothing.
        let again = json!({
            "budget_minor": goal["budget_minor"],
            "currency": goal["currency"],
            "deadline": goal["deadline"],
            "acceptance": goal["acceptance"],
            "min_funders": goal["min_funders"],
        });
        let (status, _) = ctx
            .send("maint", Method::PUT, &path, Some(again), None)
            .await;
        assert_eq!(status, StatusCode::OK);

        // A pledge with a key; its replay answers the same pledge, 200.
        let pledges = format!("{path}/pledges");
        let body = json!({"org": "payer", "amount_minor": 50, "currency": "EUR"});
        let (status, first) = ctx
            .send(
                "alice",
                Method::POST,
                &pledges,
                Some(body.clone()),
                Some("k-1"),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{first}");
        assert_eq!(first["org"], "payer");
        assert_eq!(first["state"], "active");
        assert_eq!(first["goal"]["pledged_minor"], 50);
        let before = ctx.snapshot(index).await;
        // The same request, written differently (key order, spacing, the
        // currency's case), is the same request: replayed.
        let response = ctx
            .client
            .post(ctx.forge.at(&pledges))
            .bearer_auth(&ctx.tokens["alice"])
            .header("idempotency-key", "k-1")
            .header("content-type", "application/json")
            .body(r#"{ "currency": "eur",  "amount_minor": 50, "org": "payer" }"#)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["idempotent-replayed"], "true");
        let replay: Value = response.json().await.unwrap();
        assert_eq!(replay["id"], first["id"]);
        assert_eq!(replay["amount_minor"], 50);
        assert_eq!(ctx.snapshot(index).await, before, "{engine:?}");
        // The same key with another amount is refused, and changes nothing.
        let response = ctx
            .client
            .post(ctx.forge.at(&pledges))
            .bearer_auth(&ctx.tokens["alice"])
            .header("idempotency-key", "k-1")
            .json(&json!({"org": "payer", "amount_minor": 70, "currency": "EUR"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(!response.headers().contains_key("idempotent-replayed"));
        let refused: Value = response.json().await.unwrap();
        assert!(
            refused["message"]
                .as_str()
                .unwrap()
                .contains("different request"),
            "{refused}"
        );
        assert_eq!(ctx.snapshot(index).await, before, "{engine:?}");
        // The same key on another goal is refused.
        let elsewhere = ctx.new_issue("Elsewhere").await;
        ctx.send(
            "maint",
            Method::PUT,
            &ctx.goal_path(elsewhere),
            Some(put.clone()),
            None,
        )
        .await;
        let (status, refused) = ctx
            .send(
                "alice",
                Method::POST,
                &format!("{}/pledges", ctx.goal_path(elsewhere)),
                Some(body.clone()),
                Some("k-1"),
            )
            .await;
        assert_eq!(status, StatusCode::CONFLICT, "{refused}");

        // Two funders of 50 and 150 for 100: 25 and 75.
        let (status, second) = ctx
            .send(
                "carol",
                Method::POST,
                &pledges,
                Some(json!({"org": "third", "amount_minor": 150, "currency": "EUR"})),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{second}");
        assert_eq!(second["state"], "committed");
        assert_eq!(second["share_minor"], 75);
        assert_eq!(second["goal"]["state"], "funded");
        let goal = ctx.ok("reader", Method::GET, &path, None).await;
        assert_eq!(goal["pledged_minor"], 200);
        assert_eq!(goal["funders"], 2);
        assert_eq!(goal["progress_percent"], 100);
        let shares: Vec<_> = goal["pledges"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                (
                    p["org"].as_str().unwrap(),
                    p["share_minor"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(shares, [("payer", 25), ("third", 75)]);

        ctx.ok(
            "maint",
            Method::POST,
            &format!("{path}/deliver"),
            Some(json!({"note": "Done", "commits": ["abcdef0"]})),
        )
        .await;
        for (actor, org) in [("alice", "payer"), ("carol", "third")] {
            ctx.ok(
                actor,
                Method::POST,
                &format!("{path}/review"),
                Some(json!({"org": org, "verdict": "accept"})),
            )
            .await;
        }
        let goal = ctx.ok(ANONYMOUS, Method::GET, &path, None).await;
        assert_eq!(goal["state"], "accepted");
        assert_eq!(goal["delivery"]["note"], "Done");
        assert_eq!(goal["delivery"]["commits"], json!(["abcdef0"]));
        assert_eq!(goal["reviews"].as_array().unwrap().len(), 2);
        let payer_pledge = first["id"].as_i64().unwrap();

        // A payment with a key, replayed: one payment.
        let payments = format!("{path}/pledges/{payer_pledge}/payments");
        let pay = json!({"amount_minor": 20, "reference": "VIR 2026-001"});
        let (status, paid) = ctx
            .send(
                "owner",
                Method::POST,
                &payments,
                Some(pay.clone()),
                Some("p-1"),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{paid}");
        assert_eq!(paid["pledge"]["paid_minor"], 20);
        let (status, replay) = ctx
            .send(
                "owner",
                Method::POST,
                &payments,
                Some(pay.clone()),
                Some("p-1"),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{replay}");
        assert_eq!(replay["id"], paid["id"]);
        // The same key for another payment: refused, nothing recorded.
        for other in [
            json!({"amount_minor": 21, "reference": "VIR 2026-001"}),
            json!({"amount_minor": 20, "reference": "VIR 2026-002"}),
        ] {
            let (status, refused) = ctx
                .send("owner", Method::POST, &payments, Some(other), Some("p-1"))
                .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
            assert!(
                refused["message"]
                    .as_str()
                    .unwrap()
                    .contains("Idempotency-Key"),
                "{refused}"
            );
        }
        let goal = ctx.ok(ANONYMOUS, Method::GET, &path, None).await;
        assert_eq!(goal["paid_minor"], 20);
        assert_eq!(goal["payments"].as_array().unwrap().len(), 1);
        // Too much: says what is left, in words.
        let (status, refused) = ctx
            .send(
                "owner",
                Method::POST,
                &payments,
                Some(json!({"amount_minor": 6, "reference": "VIR"})),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused["message"].as_str().unwrap().contains("0.05 EUR"),
            "{refused}"
        );
        // A reversal, then the right amount: settled once everything is paid.
        let (status, reversal) = ctx
            .send(
                "owner",
                Method::POST,
                &format!("{path}/payments/{}/reverse", paid["id"]),
                None,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{reversal}");
        assert_eq!(reversal["amount_minor"], -20);
        assert_eq!(reversal["reverses"], paid["id"]);
        ctx.pay(index, payer_pledge, 25).await;
        ctx.pay(index, second["id"].as_i64().unwrap(), 75).await;
        let goal = ctx.ok(ANONYMOUS, Method::GET, &path, None).await;
        assert_eq!(goal["state"], "settled");
        assert_eq!(goal["paid_minor"], 100);

        // The repository's goals.
        let goals = ctx
            .ok(
                ANONYMOUS,
                Method::GET,
                "/api/v1/repos/proj/tool/funding",
                None,
            )
            .await;
        let listed: Vec<_> = goals
            .as_array()
            .unwrap()
            .iter()
            .map(|g| (g["issue"].as_i64().unwrap(), g["state"].as_str().unwrap()))
            .collect();
        assert_eq!(listed, [(elsewhere, "open"), (index, "settled")]);
        assert_ledger_clean(&ctx).await;
    }
}

/// A CSV document parsed by RFC 4180's rules.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => assert_eq!(chars.next(), Some('\n'), "CR without LF"),
            (false, '\n') => panic!("a line ends without CR"),
            (false, c) => field.push(c),
        }
        if !quoted && c == '\r' {
            row.push(std::mem::take(&mut field));
            rows.push(std::mem::take(&mut row));
        }
    }
    assert!(
        field.is_empty() && row.is_empty(),
        "the last line has no CRLF"
    );
    rows
}

#[tokio::test]
async fn ledgers_and_pledge_lists_export_as_csv_and_keep_private_things_private() {
    for forge in TestForge::on_each_engine().await {
        let ctx = setup(forge).await;
        let engine = ctx.forge.engine();
        let built = ctx.build(GoalState::Settled).await;
        let path = ctx.goal_path(built.index);

        // The ledger, in JSON and CSV, to anyone: the repository is public.
        let entries = ctx
            .ok(ANONYMOUS, Method::GET, &format!("{path}/ledger"), None)
            .await;
        let entries = entries.as_array().unwrap();
        assert!(entries.len() >= 10, "{engine:?}");
        let debits: i64 = entries
            .iter()
            .map(|e| e["debit_minor"].as_i64().unwrap())
            .sum();
        let credits: i64 = entries
            .iter()
            .map(|e| e["credit_minor"].as_i64().unwrap())
            .sum();
        assert_eq!(debits, credits);
        assert!(entries.iter().any(|e| e["org"] == "payer"));
        for request in [
            ctx.client
                .get(ctx.forge.at(&format!("{path}/ledger?format=csv"))),
            ctx.client
                .get(ctx.forge.at(&format!("{path}/ledger")))
                .header("accept", "text/csv"),
        ] {
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK);
            assert_eq!(
                response.headers()["content-type"],
                "text/csv; charset=utf-8"
            );
            assert!(
                response.headers()["content-disposition"]
                    .to_str()
                    .unwrap()
                    .contains(".csv")
            );
            let rows = parse_csv(&response.text().await.unwrap());
            assert_eq!(rows[0][..4], ["id", "txn", "created_at", "event"]);
            assert_eq!(rows.len(), entries.len() + 1, "{engine:?}");
            assert!(rows.iter().all(|r| r.len() == rows[0].len()));
            let debit = rows[0].iter().position(|h| h == "debit_minor").unwrap();
            let total: i64 = rows[1..]
                .iter()
                .map(|r| r[debit].parse::<i64>().unwrap())
                .sum();
            assert_eq!(total, debits);
        }
        let (status, body) = ctx
            .send(
                ANONYMOUS,
                Method::GET,
                &format!("{path}/ledger?format=xlsx"),
                None,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

        // A goal on the private repository, with a title a spreadsheet
        // would run as a formula.
        let secret = repo::find(&ctx.forge.db, "proj", "secret")
            .await
            .unwrap()
            .unwrap();
        let hidden = issue::create(
            &ctx.forge.db,
            &ctx.users["owner"],
            &secret,
            NewIssue {
                title: "=HYPERLINK(\"http://x\", \"a, b\")".into(),
                ..NewIssue::default()
            },
        )
        .await
        .unwrap()
        .number;
        let secret_path = format!("/api/v1/repos/proj/secret/issues/{hidden}/funding");
        ctx.ok(
            "maint",
            Method::PUT,
            &secret_path,
            Some(json!({
                "budget_minor": 5_000,
                "currency": "EUR",
                "deadline": rfc3339(now_ms() + DAY),
                "acceptance": "Private work",
            })),
        )
        .await;
        // Alice may not read the private repository: not found for her.
        let (status, _) = ctx
            .send(
                "alice",
                Method::POST,
                &format!("{secret_path}/pledges"),
                Some(json!({"org": "payer", "amount_minor": 100, "currency": "EUR"})),
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        // Pat becomes a member of proj: Payer can pledge there.
        org::set_member(
            &ctx.forge.db,
            &ctx.users["owner"],
            &org::by_name(&ctx.forge.db, "proj").await.unwrap().unwrap(),
            "pat",
            Role::Member,
        )
        .await
        .unwrap();
        ctx.ok(
            "pat",
            Method::POST,
            &format!("{secret_path}/pledges"),
            Some(json!({"org": "payer", "amount_minor": 1_000, "currency": "EUR"})),
        )
        .await;
        for actor in [ANONYMOUS, "outsider", "alice"] {
            for suffix in ["", "/ledger"] {
                let (status, body) = ctx
                    .send(
                        actor,
                        Method::GET,
                        &format!("{secret_path}{suffix}"),
                        None,
                        None,
                    )
                    .await;
                assert_eq!(status, StatusCode::NOT_FOUND, "{engine:?} {actor}: {body}");
            }
        }
        let list = "/api/v1/orgs/payer/pledges";
        let public = ctx.ok("outsider", Method::GET, list, None).await;
        assert_eq!(public["pledges"].as_array().unwrap().len(), 1, "{public}");
        let seen = ctx.ok("pat", Method::GET, list, None).await;
        let seen_pledges = seen["pledges"].as_array().unwrap();
        assert_eq!(seen_pledges.len(), 2, "{seen}");
        assert_eq!(seen_pledges[0]["repository"], "proj/secret");
        assert_eq!(seen_pledges[1]["state"], "paid");
        assert_eq!(seen_pledges[1]["share_minor"], 50_000);
        let totals: Vec<_> = seen["totals"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["state"].as_str().unwrap(),
                    t["currency"].as_str().unwrap(),
                    t["count"].as_i64().unwrap(),
                    t["amount_minor"].as_i64().unwrap(),
                    t["paid_minor"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            totals,
            [
                ("active", "EUR", 1, 1_000, 0),
                ("paid", "EUR", 1, 60_000, 50_000)
            ]
        );
        let response = ctx
            .client
            .get(ctx.forge.at(&format!("{list}?format=csv")))
            .bearer_auth(&ctx.tokens["pat"])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let rows = parse_csv(&response.text().await.unwrap());
        assert_eq!(rows.len(), 3, "{rows:?}");
        let title = rows[0].iter().position(|h| h == "issue_title").unwrap();
        assert_eq!(rows[1][title], "'=HYPERLINK(\"http://x\", \"a, b\")");
        let outsider_rows = parse_csv(
            &ctx.client
                .get(ctx.forge.at(&format!("{list}?format=csv")))
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
        );
        assert_eq!(outsider_rows.len(), 2);
        let (status, _) = ctx
            .send(
                ANONYMOUS,
                Method::GET,
                "/api/v1/orgs/nobody/pledges",
                None,
                None,
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_ledger_clean(&ctx).await;
    }
}

#[tokio::test]
async fn bad_requests_get_a_message_and_never_a_server_error() {
    for forge in TestForge::on_each_engine().await {
        let ctx = setup(forge).await;
        let engine = ctx.forge.engine();
        let built = ctx.build(GoalState::Open).await;
        let path = ctx.goal_path(built.index);
        let before = ctx.snapshot(built.index).await;
        let cases: Vec<(&str, Method, String, Option<Value>, StatusCode)> = vec![
            (
                "owner",
                Method::GET,
                "/api/v1/repos/proj/tool/issues/abc/funding".into(),
                None,
                StatusCode::NOT_FOUND,
            ),
            (
                "owner",
                Method::GET,
                "/api/v1/repos/proj/tool/issues/999/funding".into(),
                None,
                StatusCode::NOT_FOUND,
            ),
            (
                "owner",
                Method::GET,
                "/api/v1/repos/proj/to%00ol/issues/1/funding".into(),
                None,
                StatusCode::NOT_FOUND,
            ),
            (
                "alice",
                Method::DELETE,
                format!("{path}/pledges/xyz"),
                None,
                StatusCode::NOT_FOUND,
            ),
            (
                "alice",
                Method::DELETE,
                format!("{path}/pledges/999999"),
                None,
                StatusCode::NOT_FOUND,
            ),
            (
                "maint",
                Method::PUT,
                path.clone(),
                Some(json!({"budget_minor": 1})),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "maint",
                Method::PUT,
                path.clone(),
                Some(
                    json!({"budget_minor": 100_000, "currency": "EUR", "deadline": "tomorrow", "acceptance": "x"}),
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "maint",
                Method::PUT,
                path.clone(),
                Some(
                    json!({"budget_minor": 100_000, "currency": "EUR", "deadline": built.deadline, "acceptance": "nul\u{0}"}),
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "alice",
                Method::POST,
                format!("{path}/pledges"),
                Some(
                    json!({"org": "payer", "amount_minor": 9_223_372_036_854_775_807_i64, "currency": "EUR"}),
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "alice",
                Method::POST,
                format!("{path}/pledges"),
                Some(
                    json!({"org": "payer", "amount_minor": 99_999_999_999_999_999_999.0, "currency": "EUR"}),
                ),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "alice",
                Method::POST,
                format!("{path}/pledges"),
                Some(json!({"org": "payer", "amount_minor": -5, "currency": "EUR"})),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "alice",
                Method::POST,
                format!("{path}/pledges"),
                Some(json!({"org": "payer", "amount_minor": 10, "currency": "JPY"})),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "alice",
                Method::POST,
                format!("{path}/pledges"),
                Some(json!({"org": "payer", "amount_minor": 10, "currency": "XXX"})),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "alice",
                Method::POST,
                format!("{path}/pledges"),
                Some(json!({"org": "pay\u{0}er", "amount_minor": 10, "currency": "EUR"})),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "alice",
                Method::POST,
                format!("{path}/pledges"),
                Some(json!({"org": "nobody", "amount_minor": 10, "currency": "EUR"})),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "alice",
                Method::POST,
                format!("{path}/review"),
                Some(json!({"org": "payer", "verdict": "maybe"})),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "owner",
                Method::POST,
                format!("{path}/resolve"),
                Some(json!({"verdict": "later"})),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "maint",
                Method::POST,
                format!("{path}/deliver"),
                Some(json!({"note": "x", "commits": ["not-hex!"]})),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "owner",
                Method::POST,
                format!("{path}/pledges/{}/payments", built.payer_pledge),
                Some(json!({"amount_minor": 1, "reference": "ref\u{0}"})),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "owner",
                Method::POST,
                format!("{path}/pledges/{}/payments", built.payer_pledge),
                Some(json!({"amount_minor": 1, "reference": " "})),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
        ];
        for (actor, method, url, body, want) in cases {
            let (status, answer) = ctx.send(actor, method.clone(), &url, body, None).await;
            assert_eq!(status, want, "{engine:?} {actor} {method} {url}: {answer}");
            assert!(
                !answer["message"].as_str().unwrap_or("").is_empty(),
                "{engine:?} {url}: {answer}"
            );
        }
        // A key that is not visible ASCII.
        let response = ctx
            .client
            .post(ctx.forge.at(&format!("{path}/pledges")))
            .bearer_auth(&ctx.tokens["alice"])
            .header(
                "idempotency-key",
                reqwest::header::HeaderValue::from_bytes("clé é".as_bytes()).unwrap(),
            )
            .json(&json!({"org": "payer", "amount_minor": 10, "currency": "EUR"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(ctx.snapshot(built.index).await, before, "{engine:?}");
        assert_ledger_clean(&ctx).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_same_key_sent_ten_times_at_once_pledges_once() {
    for forge in TestForge::on_each_engine().await {
        let ctx = setup(forge).await;
        let engine = ctx.forge.engine();
        let built = ctx.build(GoalState::Open).await;
        let url = ctx
            .forge
            .at(&format!("{}/pledges", ctx.goal_path(built.index)));
        let mut tasks = Vec::new();
        for _ in 0..10 {
            let request = ctx
                .client
                .post(&url)
                .bearer_auth(&ctx.tokens["pat"])
                .header("idempotency-key", "transfer-2026-05")
                .json(&json!({"org": "payer", "amount_minor": 45_000, "currency": "EUR"}));
            tasks.push(tokio::spawn(async move {
                let response = request.send().await.unwrap();
                let status = response.status();
                let replayed = response.headers().contains_key("idempotent-replayed");
                let body: Value = response.json().await.unwrap();
                (status, replayed, body["id"].as_i64().unwrap())
            }));
        }
        let mut statuses = Vec::new();
        let mut replays = 0;
        for task in tasks {
            let (status, replayed, id) = task.await.unwrap();
            replays += usize::from(replayed);
            // Payer already had a pledge: the key changes it, once.
            assert_eq!(id, built.payer_pledge, "{engine:?}");
            statuses.push(status);
        }
        statuses.sort();
        assert_eq!(statuses, vec![StatusCode::OK; 10], "{engine:?}");
        assert_eq!(replays, 9, "{engine:?}");
        let entries = ctx
            .ok(
                ANONYMOUS,
                Method::GET,
                &format!("{}/ledger", ctx.goal_path(built.index)),
                None,
            )
            .await;
        let changes = entries
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["event"] == "pledge_change")
            .count();
        assert_eq!(changes, 2, "{engine:?}: one change, two lines");
        let goal = ctx
            .ok(ANONYMOUS, Method::GET, &ctx.goal_path(built.index), None)
            .await;
        assert_eq!(goal["pledged_minor"], 45_000);
        assert_ledger_clean(&ctx).await;
    }
}
