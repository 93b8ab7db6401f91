//! The JSON payloads of webhooks, shaped like Gitea's so that the programs
//! written for Gitea (Woodpecker, Drone, chat bots) read them unchanged:
//! `push` (`ref`, `before`, `after`, `compare_url`, `commits`,
//! `head_commit`, `total_commits`, `repository`, `pusher`, `sender`; for a
//! push made with a deploy key, `pusher` and `sender` are the repository's
//! owner, as on Gitea, and `deploy_key` is `{id, title}`),
//! `create` and `delete` (`ref`, `ref_type`, `sha`), `issues` (`action`,
//! `number`, `issue`, `changes`), `issue_comment` (`action`, `issue`,
//! `comment`, `is_pull`), `pull_request` (`action`: `opened`, `closed` —
//! also when merged, with `pull_request.merged` true —, `reopened`,
//! `synchronized`, `edited`, `label_updated`, `assigned`, …, `number`,
//! `pull_request`). A review is told as `pull_request` with the action
//! `reviewed` and Gitea's `review` object (`type`:
//! `pull_request_review_approved`, `…_rejected` or `…_comment`,
//! `content`), under the one `pull_request` event a hook subscribes to.
//!
//! `funding` is the forge's own event, sent for every change of an
//! issue's funding goal:
//!
//! ```json
//! {"action": "pledged", "issue": {…as in issues…},
//!  "funding": {"state": "open", "budget_minor": 500000, "currency": "EUR",
//!              "deadline": "2027-01-31T00:00:00Z", "review_ends_at": null},
//!  "organization": {…a User object, the pledging organisation, or null…},
//!  "repository": {…}, "sender": {…}}
//! ```
//!
//! `action` is the kind of the issue's timeline event (`funding_opened`,
//! `pledged`, `pledge_withdrawn`, `funded`, `delivered`,
//! `delivery_accepted`, `disputed`, `payment_recorded`, `settled`, …).
//!
//! A payload is built when its delivery is first attempted, from the
//! event and the current state of what it names; retries and
//! redeliveries send the same body again.

use crate::Forge;
use crate::gitea::{UserFields, gitea_user};
use forge_core::clock::rfc3339;
use forge_core::comment;
use forge_core::error::{Error, Result};
use forge_core::ids::{AccountId, CommentId, IssueId, UserId};
use forge_core::issue::{self, Issue};
use forge_core::outbox::{self, Event};
use forge_core::pull::{self, PullRequest};
use forge_core::repo::{self, Repo};
use forge_core::review::{self, Verdict};
use forge_core::webhook::consume::ZERO_ID;
use forge_core::webhook::delivery::Delivery;
use forge_core::{account, funding, user};
use serde_json::{Value, json};

/// The payload of `delivery`, or why it cannot be built (its repository
/// or issue is gone).
pub async fn build(forge: &Forge, delivery: &Delivery, hook_repo: Option<&Repo>) -> Result<Value> {
    let base = forge.webhooks.settings.base_url.as_str();
    if delivery.detail.get("test").is_some() {
        return test_push(forge, base, hook_repo).await;
    }
    let event_id = delivery
        .event_id
        .ok_or_else(|| Error::Internal("a delivery names no event".into()))?;
    let event = outbox::get(&forge.db, event_id)
        .await?
        .ok_or_else(|| Error::Internal(format!("event {event_id} is missing")))?;
    let repo_id = event
        .repo
        .ok_or_else(|| Error::Internal("the event names no repository".into()))?;
    let repo = repo::find_by_id(&forge.db, repo_id)
        .await?
        .ok_or_else(|| Error::not_found("error-repo-not-found"))?;
    // A push made with a deploy key has no user: as Gitea does, the
    // repository's owner stands for it in `pusher` and `sender`, and the
    // key itself is named in `deploy_key`.
    let deploy_key = (event.kind == outbox::kind::PUSH)
        .then(|| event.payload.get("deploy_key").filter(|k| k.is_object()))
        .flatten();
    let sender = match (event.actor, deploy_key) {
        (None, Some(_)) => account_json(forge, base, Some(repo.owner_id)).await?,
        (actor, _) => account_json(forge, base, actor).await?,
    };
    let repository = repo_json(base, &repo);
    let mut payload = match delivery.event.as_str() {
        "push" => push(base, &repo, &event, &delivery.detail),
        "create" | "delete" => create_or_delete(&delivery.event, &delivery.detail),
        "issues" => {
            let issue = issue_of(forge, &event).await?;
            let mut payload = json!({
                "action": delivery.action,
                "number": issue.number,
                "issue": issue_json(forge, base, &repo, &issue).await?,
            });
            if let Some(changes) = delivery.detail.get("changes") {
                payload["changes"] = changes.clone();
            }
            payload
        }
        "issue_comment" => {
            let issue = issue_of(forge, &event).await?;
            let id = delivery
                .detail
                .get("comment")
                .and_then(Value::as_i64)
                .ok_or_else(|| Error::Internal("a comment event names no comment".into()))?;
            let found = comment::get(&forge.db, issue.id, CommentId(id)).await?;
            let comment = match found {
                Some(c) => {
                    let author = account_json(forge, base, Some(c.author_id)).await?;
                    comment_json(
                        base,
                        &repo,
                        &issue,
                        c.id,
                        author,
                        &c.body,
                        c.created_at,
                        c.updated_at,
                    )
                }
                // Deleted: only its id remains.
                None => json!({"id": id, "body": ""}),
            };
            let is_pull = pull::get(&forge.db, repo.id, issue.number).await?.is_some();
            json!({
                "action": delivery.action,
                "issue": issue_json(forge, base, &repo, &issue).await?,
                "comment": comment,
                "is_pull": is_pull,
            })
        }
        "pull_request" => {
            let issue = issue_of(forge, &event).await?;
            let pr = pull::get(&forge.db, repo.id, issue.number)
                .await?
                .ok_or_else(|| Error::not_found("error-pull-not-found"))?;
            let mut payload = json!({
                "action": delivery.action,
                "number": issue.number,
                "pull_request": pull_json(forge, base, &repo, &pr).await?,
            });
            if let Some(changes) = delivery.detail.get("changes") {
                payload["changes"] = changes.clone();
            }
            if let Some(review) = delivery.detail.get("review") {
                payload["review"] = review_json(forge, &pr, review).await?;
            }
            payload
        }
        "funding" => {
            let issue = issue_of(forge, &event).await?;
            let goal = funding::goal_of_issue(&forge.db, issue.id).await?;
            let organization = match event.payload.get("subject").and_then(Value::as_i64) {
                Some(id) => account_json(forge, base, Some(AccountId(id))).await?,
                None => Value::Null,
            };
            json!({
                "action": delivery.action,
                "issue": issue_json(forge, base, &repo, &issue).await?,
                "funding": goal.map(|g| json!({
                    "state": g.state.as_str(),
                    "budget_minor": g.budget_minor,
                    "currency": g.currency,
                    "deadline": rfc3339(g.deadline_at),
                    "review_ends_at": g.review_ends_at.map(rfc3339),
                })),
                "organization": organization,
            })
        }
        other => return Err(Error::Internal(format!("no payload for {other} events"))),
    };
    payload["repository"] = repository;
    if delivery.event == "push" {
        payload["pusher"] = sender.clone();
        if let Some(key) = deploy_key {
            payload["deploy_key"] = key.clone();
        }
    }
    payload["sender"] = sender;
    Ok(payload)
}

async fn issue_of(forge: &Forge, event: &Event) -> Result<Issue> {
    let id: IssueId = event
        .issue
        .ok_or_else(|| Error::Internal("the event names no issue".into()))?;
    issue::by_id(&forge.db, id)
        .await?
        .ok_or_else(|| Error::not_found("error-issue-not-found"))
}

/// A user or organisation as Gitea's `User` object (no address); Gitea's
/// "Ghost" for the forge's own actions.
async fn account_json(forge: &Forge, base: &str, id: Option<AccountId>) -> Result<Value> {
    let Some(id) = id else {
        return Ok(ghost(base));
    };
    if let Some(u) = user::by_id(&forge.db, UserId(id.0)).await? {
        return Ok(gitea_user(
            base,
            UserFields {
                id: u.id.0,
                login: &u.name,
                full_name: &u.full_name,
                created: Some(u.created_at),
                ..UserFields::default()
            },
        ));
    }
    match account::by_id(&forge.db, id).await? {
        Some(a) => Ok(gitea_user(
            base,
            UserFields {
                id: a.id.0,
                login: &a.name,
                is_org: a.kind == account::AccountKind::Org,
                ..UserFields::default()
            },
        )),
        None => Ok(ghost(base)),
    }
}

fn ghost(base: &str) -> Value {
    gitea_user(
        base,
        UserFields {
            id: -1,
            login: "Ghost",
            ..UserFields::default()
        },
    )
}

/// A repository as Gitea's `Repository` object.
pub fn repo_json(base: &str, repo: &Repo) -> Value {
    json!({
        "id": repo.id,
        "owner": gitea_user(base, UserFields {
            id: repo.owner_id.0,
            login: &repo.owner_name,
            is_org: repo.owner_is_org,
            ..UserFields::default()
        }),
        "name": repo.name,
        "full_name": repo.full_name(),
        "description": repo.description,
        "private": repo.private,
        "fork": false,
        "mirror": false,
        "html_url": format!("{base}/{}", repo.full_name()),
        "clone_url": format!("{base}/{}.git", repo.full_name()),
        "ssh_url": "",
        "default_branch": repo.default_branch,
        "created_at": rfc3339(repo.created_at),
        "updated_at": rfc3339(repo.updated_at),
    })
}

async fn issue_json(forge: &Forge, base: &str, repo: &Repo, issue: &Issue) -> Result<Value> {
    let full = repo.full_name();
    let labels: Vec<Value> = issue::labels_of(&forge.db, issue.id)
        .await?
        .into_iter()
        .map(|l| {
            json!({
                "id": l.id,
                "name": l.name,
                "color": l.color.trim_start_matches('#'),
                "description": l.description,
                "url": format!("{base}/api/v1/repos/{full}/labels/{}", l.id),
            })
        })
        .collect();
    let mut assignees = Vec::new();
    for name in issue::assignees_of(&forge.db, issue.id).await? {
        assignees.push(gitea_user(
            base,
            UserFields {
                login: &name,
                ..UserFields::default()
            },
        ));
    }
    let author = account_json(forge, base, Some(issue.author_id)).await?;
    // Gitea's `PullRequestMeta`, set on the issues that are pull requests.
    let pull_request = pull::get(&forge.db, repo.id, issue.number)
        .await?
        .map(|pr| {
            json!({
                "merged": pr.merged.is_some(),
                "merged_at": pr.merged.as_ref().map(|m| rfc3339(m.at)),
                "html_url": format!("{base}/{full}/pulls/{}", issue.number),
            })
        });
    Ok(json!({
        "id": issue.id,
        "url": format!("{base}/api/v1/repos/{full}/issues/{}", issue.number),
        "html_url": format!("{base}/{full}/issues/{}", issue.number),
        "number": issue.number,
        "user": author,
        "original_author": "",
        "original_author_id": 0,
        "title": issue.title,
        "body": issue.body,
        "ref": "",
        "labels": labels,
        "milestone": issue.milestone_id.map(|m| json!({"id": m})),
        "assignee": assignees.first().cloned(),
        "assignees": assignees,
        "state": if issue.closed { "closed" } else { "open" },
        "is_locked": issue.locked,
        "comments": issue.comment_count,
        "created_at": rfc3339(issue.created_at),
        "updated_at": rfc3339(issue.updated_at),
        "closed_at": issue.closed_at.map(rfc3339),
        "due_date": null,
        "pull_request": pull_request,
        "repository": {
            "id": repo.id,
            "name": repo.name,
            "owner": repo.owner_name,
            "full_name": full,
        },
    }))
}

/// Gitea's `PullRequest` object: the issue's fields and where the commits
/// come from and go.
async fn pull_json(forge: &Forge, base: &str, repo: &Repo, pr: &PullRequest) -> Result<Value> {
    let full = repo.full_name();
    let mut value = issue_json(forge, base, repo, &pr.issue).await?;
    let head_repo = match pr.head_repo_id {
        Some(id) => repo::find_by_id(&forge.db, id).await?,
        None => None,
    };
    let merged_by = match pr.merged.as_ref().and_then(|m| m.by) {
        Some(id) => account_json(forge, base, Some(id)).await?,
        None => Value::Null,
    };
    let number = pr.number();
    let extra = json!({
        "url": format!("{base}/api/v1/repos/{full}/pulls/{number}"),
        "html_url": format!("{base}/{full}/pulls/{number}"),
        "diff_url": format!("{base}/{full}/pulls/{number}.diff"),
        "patch_url": format!("{base}/{full}/pulls/{number}.patch"),
        "mergeable": pr.status == pull::Status::Mergeable,
        "merged": pr.merged.is_some(),
        "merged_at": pr.merged.as_ref().map(|m| rfc3339(m.at)),
        "merge_commit_sha": pr.merged.as_ref().map(|m| m.commit.clone()),
        "merged_by": merged_by,
        "merge_base": pr.merge_base,
        "base": branch_json(base, Some(repo), &pr.base_branch, &pr.base_commit),
        "head": branch_json(base, head_repo.as_ref(), &pr.head_branch, &pr.head_commit),
    });
    if let (Value::Object(map), Value::Object(extra)) = (&mut value, extra) {
        map.remove("pull_request");
        map.remove("repository");
        map.extend(extra);
    }
    Ok(value)
}

/// Gitea's `PRBranchInfo`: a branch of the base repository or of a fork
/// (gone when the fork was deleted).
fn branch_json(base: &str, repo: Option<&Repo>, branch: &str, sha: &str) -> Value {
    match repo {
        Some(repo) => json!({
            "label": format!("{}:{branch}", repo.owner_name),
            "ref": branch,
            "sha": sha,
            "repo_id": repo.id,
            "repo": repo_json(base, repo),
        }),
        None => json!({"label": branch, "ref": branch, "sha": sha, "repo_id": 0, "repo": null}),
    }
}

/// Gitea's `ReviewPayload` for the review `detail` names.
async fn review_json(forge: &Forge, pr: &PullRequest, detail: &Value) -> Result<Value> {
    let found = match detail.get("review_id").and_then(Value::as_i64) {
        Some(id) => review::get(&forge.db, pr.issue.id, id).await?,
        None => None,
    };
    let kind = match found.as_ref().map(|r| r.verdict) {
        Some(Verdict::Approved) => "pull_request_review_approved",
        Some(Verdict::ChangesRequested) => "pull_request_review_rejected",
        _ => "pull_request_review_comment",
    };
    Ok(json!({
        "type": kind,
        "content": found.map(|r| r.body).unwrap_or_default(),
    }))
}

#[allow(clippy::too_many_arguments)]
fn comment_json(
    base: &str,
    repo: &Repo,
    issue: &Issue,
    id: CommentId,
    author: Value,
    body: &str,
    created_at: i64,
    updated_at: i64,
) -> Value {
    let full = repo.full_name();
    json!({
        "id": id,
        "html_url": format!("{base}/{full}/issues/{}#issuecomment-{id}", issue.number),
        "pull_request_url": "",
        "issue_url": format!("{base}/{full}/issues/{}", issue.number),
        "user": author,
        "original_author": "",
        "original_author_id": 0,
        "body": body,
        "assets": [],
        "created_at": rfc3339(created_at),
        "updated_at": rfc3339(updated_at),
    })
}

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value.get(key).and_then(Value::as_str).unwrap_or_default()
}

/// A push of one ref. The event lists the push's new commits, newest
/// first; a ref gets those from its new head on (all of them when one
/// ref moved, the usual case).
fn push(base: &str, repo: &Repo, event: &Event, detail: &Value) -> Value {
    let full = repo.full_name();
    let (reference, before, after) = (
        text(detail, "ref"),
        text(detail, "before"),
        text(detail, "after"),
    );
    let all = event
        .payload
        .get("commits")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let from = all.iter().position(|c| text(c, "id") == after);
    let commits: Vec<Value> = from
        .map(|start| {
            all[start..]
                .iter()
                .map(|c| commit_json(base, &full, c))
                .collect()
        })
        .unwrap_or_default();
    let total = if all.len() == commits.len() {
        event
            .payload
            .get("commit_count")
            .and_then(Value::as_i64)
            .unwrap_or(commits.len() as i64)
    } else {
        commits.len() as i64
    };
    let compare_url = if before == ZERO_ID {
        String::new()
    } else {
        format!("{base}/{full}/compare/{before}...{after}")
    };
    json!({
        "ref": reference,
        "before": before,
        "after": after,
        "compare_url": compare_url,
        "head_commit": commits.first().cloned(),
        "commits": commits,
        "total_commits": total,
    })
}

fn commit_json(base: &str, full: &str, commit: &Value) -> Value {
    let id = text(commit, "id");
    let person = json!({
        "name": text(commit, "author_name"),
        "email": text(commit, "author_email"),
        "username": "",
    });
    let time = commit.get("time").and_then(Value::as_i64).unwrap_or(0);
    json!({
        "id": id,
        "message": text(commit, "message"),
        "url": format!("{base}/{full}/commit/{id}"),
        "author": person,
        "committer": person,
        "verification": null,
        "timestamp": rfc3339(time.saturating_mul(1000)),
        "added": [],
        "removed": [],
        "modified": [],
    })
}

fn create_or_delete(event: &str, detail: &Value) -> Value {
    let reference = text(detail, "ref");
    let (ref_type, short) = match reference.strip_prefix("refs/tags/") {
        Some(tag) => ("tag", tag),
        None => (
            "branch",
            reference.strip_prefix("refs/heads/").unwrap_or(reference),
        ),
    };
    let sha = if event == "create" {
        text(detail, "after")
    } else {
        text(detail, "before")
    };
    json!({
        "sha": sha,
        "ref": short,
        "ref_type": ref_type,
        "pusher_type": "user",
    })
}

/// What "Test delivery" sends: a push of the default branch at its
/// current head, without commits (an organisation's hook gets it without
/// a repository).
async fn test_push(forge: &Forge, base: &str, repo: Option<&Repo>) -> Result<Value> {
    let head = match repo {
        Some(repo) => head_of_default_branch(forge, repo).await?,
        None => None,
    };
    let head = head.as_deref().unwrap_or(ZERO_ID);
    Ok(json!({
        "ref": repo.map(|r| format!("refs/heads/{}", r.default_branch)),
        "before": head,
        "after": head,
        "compare_url": "",
        "commits": [],
        "head_commit": null,
        "total_commits": 0,
        "repository": repo.map(|r| repo_json(base, r)),
        "pusher": ghost(base),
        "sender": ghost(base),
    }))
}

/// The commit the default branch points to, if the repository has one.
async fn head_of_default_branch(forge: &Forge, repo: &Repo) -> Result<Option<String>> {
    let storage = forge.storage.clone();
    let (id, preferred) = (repo.id.0, repo.default_branch.clone());
    let found = tokio::task::spawn_blocking(move || {
        let repository = storage.open(id).ok()?;
        forge_git::browse::home_branch(&repository, &preferred)
            .ok()
            .flatten()
    })
    .await
    .map_err(|e| Error::Internal(format!("reading the default branch: {e}")))?;
    Ok(found.map(|(_, oid)| oid.to_string()))
}
