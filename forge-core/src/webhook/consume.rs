//! The `webhooks` consumer of the outbox: for each event, the requests it
//! causes (Gitea's event name, action and, for pushes, the ref) and one
//! delivery row per active hook that asked for that event, written in the
//! transaction that moves the consumer's position, so each event is told
//! to each hook once.
//!
//! A hook of an organisation hears every repository the organisation
//! owns, and the funding events of the goals it pledged to.

use super::HookEvent;
use super::branch_filter;
use super::delivery;
use crate::consumer::{self, Start};
use crate::db::Db;
use crate::error::Result;
use crate::outbox::{self, Event, Tx};
use crate::timeline::kind as timeline;
use serde_json::{Value, json};
use sqlx::Row;

/// The consumer's name in `outbox_consumers`.
pub const CONSUMER: &str = "webhooks";

/// Events handled per transaction.
const BATCH: i64 = 100;

/// A zero object id: a ref that did not exist before a push, or no longer
/// exists after it.
pub const ZERO_ID: &str = "0000000000000000000000000000000000000000";

/// One request an event causes, before it is matched with hooks.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub event: HookEvent,
    pub action: String,
    pub detail: Value,
}

fn request(event: HookEvent, action: &str, detail: Value) -> Request {
    Request {
        event,
        action: action.to_string(),
        detail,
    }
}

/// The funding kinds of an issue's timeline (`issue.KIND`).
const FUNDING_KINDS: &[&str] = &[
    crate::funding::kind::OPENED,
    crate::funding::kind::CHANGED,
    crate::funding::kind::PLEDGED,
    crate::funding::kind::PLEDGE_CHANGED,
    crate::funding::kind::WITHDRAWN,
    crate::funding::kind::FUNDED,
    crate::funding::kind::EXPIRED,
    crate::funding::kind::CANCELLED,
    crate::funding::kind::DELIVERED,
    crate::funding::kind::REVIEW_ACCEPTED,
    crate::funding::kind::DISPUTED,
    crate::funding::kind::ACCEPTED,
    crate::funding::kind::REJECTED,
    crate::funding::kind::PAYMENT,
    crate::funding::kind::PAYMENT_REVERSED,
    crate::funding::kind::SETTLED,
    crate::funding::kind::VOTED_ACCEPT,
    crate::funding::kind::VOTED_REJECT,
    crate::funding::kind::VOTE_DECIDED_ACCEPT,
    crate::funding::kind::VOTE_DECIDED_REJECT,
    crate::funding::kind::VOTE_TIED,
    crate::funding::kind::MEDIATED_ACCEPT,
    crate::funding::kind::MEDIATED_REJECT,
];

/// Whether an issue's timeline kind belongs to funding.
pub fn is_funding_kind(kind: &str) -> bool {
    FUNDING_KINDS.contains(&kind)
}

/// The requests `event` causes, whoever listens. `is_pull` tells whether
/// the event's issue is a pull request: Gitea tells changes of pull
/// requests as `pull_request` events (opening, closing and reopening only
/// once, from the pull request's own events), and their comments as
/// `issue_comment` with `is_pull`.
pub fn requests_of(event: &Event, is_pull: bool) -> Vec<Request> {
    if event.kind == outbox::kind::PUSH {
        return push_requests(&event.payload);
    }
    let comment = event.payload.get("comment").cloned().unwrap_or(Value::Null);
    let issues = |action: &str| {
        let kind = if is_pull {
            HookEvent::PullRequest
        } else {
            HookEvent::Issues
        };
        vec![request(kind, action, json!({}))]
    };
    let pulls = |action: &str| vec![request(HookEvent::PullRequest, action, json!({}))];
    let comments = |action: &str| {
        vec![request(
            HookEvent::IssueComment,
            action,
            json!({"comment": comment}),
        )]
    };
    match event.kind.as_str() {
        outbox::kind::ISSUE_EDITED => return issues("edited"),
        outbox::kind::COMMENT_EDITED => return comments("edited"),
        outbox::kind::COMMENT_DELETED => return comments("deleted"),
        outbox::kind::PULL_OPENED => return pulls("opened"),
        outbox::kind::PULL_CLOSED => return pulls("closed"),
        outbox::kind::PULL_REOPENED => return pulls("reopened"),
        outbox::kind::PULL_SYNCHRONIZED => return pulls("synchronized"),
        // Gitea tells a merge as the pull request closing, merged.
        outbox::kind::PULL_MERGED => return pulls("closed"),
        outbox::kind::PULL_REVIEWED => {
            let review = json!({
                "review_id": event.payload.get("review_id"),
                "state": event.payload.get("state"),
            });
            return vec![request(
                HookEvent::PullRequest,
                "reviewed",
                json!({"review": review}),
            )];
        }
        _ => {}
    }
    let Some(kind) = event.kind.strip_prefix("issue.") else {
        return Vec::new();
    };
    if FUNDING_KINDS.contains(&kind) {
        return vec![request(HookEvent::Funding, kind, json!({}))];
    }
    match kind {
        timeline::OPENED | timeline::CLOSED | timeline::REOPENED if is_pull => Vec::new(),
        timeline::OPENED => issues("opened"),
        timeline::CLOSED => issues("closed"),
        timeline::REOPENED => issues("reopened"),
        timeline::RENAMED => vec![request(
            if is_pull {
                HookEvent::PullRequest
            } else {
                HookEvent::Issues
            },
            "edited",
            json!({"changes": {"title": {"from": event.payload.get("old_value")}}}),
        )],
        timeline::LABELED | timeline::UNLABELED => issues("label_updated"),
        timeline::ASSIGNED => issues("assigned"),
        timeline::UNASSIGNED => issues("unassigned"),
        timeline::MILESTONED => issues("milestoned"),
        timeline::DEMILESTONED => issues("demilestoned"),
        timeline::COMMENTED => comments("created"),
        _ => Vec::new(),
    }
}

/// A push tells, per ref: `create` for a new ref (and `push` with its
/// commits), `delete` for a removed one, `push` for a moved one.
fn push_requests(payload: &Value) -> Vec<Request> {
    let mut requests = Vec::new();
    let refs = payload
        .get("refs")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for r in refs {
        // A ref that did not exist before, or no longer exists, is null.
        let id = |key: &str| {
            r.get(key)
                .and_then(Value::as_str)
                .filter(|id| !id.is_empty())
                .unwrap_or(ZERO_ID)
                .to_string()
        };
        let name = r.get("name").and_then(Value::as_str).unwrap_or_default();
        let (old, new) = (id("old"), id("new"));
        let detail = json!({"ref": name, "before": old, "after": new});
        if new == ZERO_ID {
            requests.push(request(HookEvent::Delete, "", detail));
            continue;
        }
        if old == ZERO_ID {
            requests.push(request(HookEvent::Create, "", detail.clone()));
        }
        requests.push(request(HookEvent::Push, "", detail));
    }
    requests
}

/// Handles the events after the consumer's position: writes the
/// deliveries they cause. Returns how many events it handled.
pub async fn run(db: &Db) -> Result<usize> {
    consumer::consume(db, CONSUMER, Start::Now, BATCH, async |tx, event| {
        enqueue(tx, event).await
    })
    .await
}

/// Whether a hook's branch filter lets a request through: pushes, creates
/// and deletes of branches are filtered, everything else passes.
fn passes(filter: &str, request: &Request) -> bool {
    match request.event {
        HookEvent::Push | HookEvent::Create | HookEvent::Delete => {
            match request.detail.get("ref").and_then(Value::as_str) {
                Some(refname) => branch_filter::lets_through(filter, refname),
                None => true,
            }
        }
        _ => true,
    }
}

async fn enqueue(tx: &mut Tx<'_>, event: &Event) -> Result<()> {
    let Some(repo) = event.repo else {
        return Ok(());
    };
    let is_pull = match event.issue {
        Some(issue) => sqlx::query("SELECT issue_id FROM pull_requests WHERE issue_id = $1")
            .bind(issue.0)
            .fetch_optional(&mut **tx)
            .await?
            .is_some(),
        None => false,
    };
    let requests = requests_of(event, is_pull);
    if requests.is_empty() {
        return Ok(());
    }
    let subject = event.payload.get("subject").and_then(Value::as_i64);
    let funding = requests.iter().any(|r| r.event == HookEvent::Funding);
    let hooks = sqlx::query(
        "SELECT id, events, branch_filter FROM webhooks WHERE is_active = 1 AND (repo_id = $1 \
         OR org_id = (SELECT owner_id FROM repositories WHERE id = $1) \
         OR ($2 = 1 AND org_id = $3)) ORDER BY id",
    )
    .bind(repo.0)
    .bind(i64::from(funding))
    .bind(subject.unwrap_or(0))
    .fetch_all(&mut **tx)
    .await?;
    for hook in hooks {
        let id: i64 = hook.try_get("id")?;
        let events: String = hook.try_get("events")?;
        let filter: String = hook.try_get("branch_filter")?;
        let wanted: Vec<HookEvent> = events.split(',').filter_map(HookEvent::parse).collect();
        for request in requests
            .iter()
            .filter(|r| wanted.contains(&r.event) && passes(&filter, r))
        {
            delivery::insert(
                tx,
                crate::ids::WebhookId(id),
                Some(event.id),
                request,
                event.created_at,
            )
            .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::EventId;

    fn event(kind: &str, payload: Value) -> Event {
        Event {
            id: EventId(1),
            position: outbox::Position::START,
            kind: kind.into(),
            actor: None,
            repo: None,
            issue: None,
            payload,
            created_at: 0,
        }
    }

    #[test]
    fn a_push_tells_create_push_and_delete_per_ref() {
        let payload = json!({"refs": [
            {"name": "refs/heads/new", "old": null, "new": "a"},
            {"name": "refs/heads/main", "old": "b", "new": "c"},
            {"name": "refs/tags/gone", "old": "d", "new": null},
        ]});
        let kinds: Vec<HookEvent> = requests_of(&event("push", payload), false)
            .iter()
            .map(|r| r.event)
            .collect();
        assert_eq!(
            kinds,
            [
                HookEvent::Create,
                HookEvent::Push,
                HookEvent::Push,
                HookEvent::Delete
            ]
        );
    }

    #[test]
    fn issue_events_map_to_gitea_actions() {
        let cases = [
            ("issue.opened", HookEvent::Issues, "opened"),
            ("issue.closed", HookEvent::Issues, "closed"),
            ("issue.labeled", HookEvent::Issues, "label_updated"),
            ("issue.edited", HookEvent::Issues, "edited"),
            ("issue.renamed", HookEvent::Issues, "edited"),
            ("issue.commented", HookEvent::IssueComment, "created"),
            ("comment.deleted", HookEvent::IssueComment, "deleted"),
            ("issue.pledged", HookEvent::Funding, "pledged"),
        ];
        for (kind, hook_event, action) in cases {
            let requests = requests_of(&event(kind, json!({"comment": 3})), false);
            assert_eq!(requests.len(), 1, "{kind}");
            assert_eq!(requests[0].event, hook_event, "{kind}");
            assert_eq!(requests[0].action, action, "{kind}");
        }
        assert!(requests_of(&event("label.created", json!({})), false).is_empty());
    }

    #[test]
    fn pull_request_events_map_to_giteas_pull_request_event() {
        let cases = [
            ("pull_request.opened", HookEvent::PullRequest, "opened"),
            (
                "pull_request.synchronized",
                HookEvent::PullRequest,
                "synchronized",
            ),
            ("pull_request.merged", HookEvent::PullRequest, "closed"),
            ("pull_request.reviewed", HookEvent::PullRequest, "reviewed"),
            ("issue.labeled", HookEvent::PullRequest, "label_updated"),
            ("issue.edited", HookEvent::PullRequest, "edited"),
            ("issue.commented", HookEvent::IssueComment, "created"),
        ];
        for (kind, hook_event, action) in cases {
            let requests = requests_of(&event(kind, json!({"comment": 3})), true);
            assert_eq!(requests.len(), 1, "{kind}");
            assert_eq!(requests[0].event, hook_event, "{kind}");
            assert_eq!(requests[0].action, action, "{kind}");
        }
        // Opening, closing and reopening are told once, by the pull
        // request's own events.
        for kind in ["issue.opened", "issue.closed", "issue.reopened"] {
            assert!(
                requests_of(&event(kind, json!({})), true).is_empty(),
                "{kind}"
            );
        }
    }
}
