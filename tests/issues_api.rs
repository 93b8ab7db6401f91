//! The issues JSON API (Gitea's v1 shapes) over real sockets, on every
//! engine under test: who may do what, numbering under concurrency, filters
//! and keyset pages, counters, untouched markup, and timelines.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_core::{RepoId, consistency, testing};
use forge_tests::{TestForge, http, password_of};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// An answer of the API.
struct Reply {
    status: StatusCode,
    body: Value,
    headers: HeaderMap,
}

impl Reply {
    fn message(&self) -> &str {
        self.body["message"].as_str().unwrap_or("")
    }
}

/// A small API client over one forge.
#[derive(Clone)]
struct Api {
    client: reqwest::Client,
    base: String,
}

impl Api {
    fn new(forge: &TestForge) -> Api {
        Api {
            client: http(),
            base: forge.at("/api/v1"),
        }
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Reply {
        let url = if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        };
        let mut request = self.client.request(method, url);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: not JSON ({e}): {text}"))
        };
        Reply {
            status,
            body,
            headers,
        }
    }

    async fn get(&self, path: &str, token: Option<&str>) -> Reply {
        self.call(Method::GET, path, token, None).await
    }

    async fn post(&self, path: &str, token: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(token), Some(&body))
            .await
    }

    async fn patch(&self, path: &str, token: &str, body: Value) -> Reply {
        self.call(Method::PATCH, path, Some(token), Some(&body))
            .await
    }

    async fn put(&self, path: &str, token: &str, body: Value) -> Reply {
        self.call(Method::PUT, path, Some(token), Some(&body)).await
    }

    async fn delete(&self, path: &str, token: &str) -> Reply {
        self.call(Method::DELETE, path, Some(token), None).await
    }

    /// Creates something that must be created; answers its JSON.
    async fn create(&self, path: &str, token: &str, body: Value) -> Value {
        let reply = self.post(path, token, body).await;
        assert_eq!(reply.status, StatusCode::CREATED, "{path}: {}", reply.body);
        reply.body
    }

    /// Changes something that must change (200 or, for issues, 201).
    async fn change(&self, path: &str, token: &str, body: Value) -> Value {
        let reply = self.patch(path, token, body).await;
        assert!(reply.status.is_success(), "{path}: {}", reply.body);
        reply.body
    }

    async fn ok(&self, path: &str, token: Option<&str>) -> Value {
        let reply = self.get(path, token).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
        reply.body
    }

    async fn issue(&self, repo: &str, token: &str, title: &str, body: &str) -> i64 {
        self.create(
            &format!("/repos/{repo}/issues"),
            token,
            json!({"title": title, "body": body}),
        )
        .await["number"]
            .as_i64()
            .unwrap()
    }
}

fn numbers(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|i| i["number"].as_i64().unwrap())
        .collect()
}

async fn repo_id(api: &Api, repo: &str, token: &str) -> RepoId {
    RepoId(
        api.ok(&format!("/repos/{repo}"), Some(token)).await["id"]
            .as_i64()
            .unwrap(),
    )
}

// ---------------------------------------------------------------------------
// 1. Who may do what.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    ListIssues,
    GetIssue,
    ListComments,
    Timeline,
    ListLabels,
    GetLabel,
    ListMilestones,
    GetMilestone,
    IssueLabels,
    CreateIssue,
    Comment,
    EditTitle,
    EditBody,
    /// An edit that changes nothing still touches the issue.
    EmptyEdit,
    Close,
    Reopen,
    AddLabel,
    ReplaceLabels,
    RemoveLabel,
    SetMilestone,
    Assign,
    Lock,
    CommentOnLocked,
    EditComment,
    DeleteComment,
    HideComment,
    CreateLabel,
    EditLabel,
    DeleteLabel,
    CreateMilestone,
    EditMilestone,
    DeleteMilestone,
}

const ACTIONS: [Action; 32] = [
    Action::ListIssues,
    Action::GetIssue,
    Action::ListComments,
    Action::Timeline,
    Action::ListLabels,
    Action::GetLabel,
    Action::ListMilestones,
    Action::GetMilestone,
    Action::IssueLabels,
    Action::CreateIssue,
    Action::Comment,
    Action::EditTitle,
    Action::EditBody,
    Action::EmptyEdit,
    Action::Close,
    Action::Reopen,
    Action::AddLabel,
    Action::ReplaceLabels,
    Action::RemoveLabel,
    Action::SetMilestone,
    Action::Assign,
    Action::Lock,
    Action::CommentOnLocked,
    Action::EditComment,
    Action::DeleteComment,
    Action::HideComment,
    Action::CreateLabel,
    Action::EditLabel,
    Action::DeleteLabel,
    Action::CreateMilestone,
    Action::EditMilestone,
    Action::DeleteMilestone,
];

/// What an action needs.
#[derive(Debug, Clone, Copy)]
enum Need {
    Read,
    /// Signed in and able to read.
    Participate,
    /// The author of the issue, or a maintainer.
    Own,
    Maintain,
    /// The author of the comment only.
    CommentAuthor,
    CommentAuthorOrMaintain,
}

impl Action {
    /// What it needs, and the status it gets when allowed.
    fn rule(self) -> (Need, u16) {
        use Action::*;
        match self {
            ListIssues | GetIssue | ListComments | Timeline | ListLabels | GetLabel
            | ListMilestones | GetMilestone | IssueLabels => (Need::Read, 200),
            CreateIssue | Comment => (Need::Participate, 201),
            // Gitea answers an edited issue with 201.
            EditTitle | EditBody | EmptyEdit | Close | Reopen => (Need::Own, 201),
            SetMilestone | Assign | Lock => (Need::Maintain, 201),
            AddLabel | ReplaceLabels => (Need::Maintain, 200),
            RemoveLabel => (Need::Maintain, 204),
            CommentOnLocked => (Need::Maintain, 201),
            EditComment => (Need::CommentAuthor, 200),
            DeleteComment => (Need::CommentAuthorOrMaintain, 204),
            HideComment => (Need::Maintain, 200),
            CreateLabel | CreateMilestone => (Need::Maintain, 201),
            EditLabel | EditMilestone => (Need::Maintain, 200),
            DeleteLabel | DeleteMilestone => (Need::Maintain, 204),
        }
    }
}

/// Someone calling the API in the matrix.
struct Actor<'a> {
    name: &'static str,
    token: Option<&'a str>,
    /// Reads the repository even when it is private.
    member: bool,
    maintains: bool,
    /// Wrote the issues and comments the actions target.
    authored: bool,
}

/// A repository the matrix runs on.
struct Scenario<'a> {
    repo: String,
    private: bool,
    maintainer: &'a str,
    /// Token of whoever writes the issues and comments acted upon.
    author: &'a str,
    /// A user who may be assigned.
    assignee: &'a str,
}

fn expected(actor: &Actor, scenario: &Scenario, action: Action) -> StatusCode {
    let (need, ok) = action.rule();
    let reads = !scenario.private || actor.member;
    let status = match need {
        Need::Read if reads => ok,
        Need::Read => 404,
        _ if actor.token.is_none() => 401,
        _ if !reads => 404,
        Need::Participate => ok,
        Need::Own if actor.authored || actor.maintains => ok,
        Need::Maintain if actor.maintains => ok,
        Need::CommentAuthor if actor.authored => ok,
        Need::CommentAuthorOrMaintain if actor.authored || actor.maintains => ok,
        _ => 403,
    };
    StatusCode::from_u16(status).unwrap()
}

struct Prepared {
    method: Method,
    path: String,
    body: Option<Value>,
    issue: Option<i64>,
}

/// Sets up what `action` acts on, as the scenario's author and maintainer.
async fn prepare(api: &Api, s: &Scenario<'_>, action: Action, seq: u32) -> Prepared {
    let repo = &s.repo;
    let base = format!("/repos/{repo}");
    let issue = api
        .issue(repo, s.author, &format!("fixture {seq}"), "a body")
        .await;
    let on_issue = format!("{base}/issues/{issue}");
    use Action::*;
    let mut label = 0;
    if matches!(
        action,
        GetLabel | AddLabel | ReplaceLabels | RemoveLabel | EditLabel | DeleteLabel
    ) {
        label = api
            .create(
                &format!("{base}/labels"),
                s.maintainer,
                json!({"name": format!("label-{seq}"), "color": "#00aabb"}),
            )
            .await["id"]
            .as_i64()
            .unwrap();
    }
    let mut milestone = 0;
    if matches!(
        action,
        GetMilestone | SetMilestone | EditMilestone | DeleteMilestone
    ) {
        milestone = api
            .create(
                &format!("{base}/milestones"),
                s.maintainer,
                json!({"title": format!("milestone {seq}")}),
            )
            .await["id"]
            .as_i64()
            .unwrap();
    }
    let mut comment = 0;
    if matches!(action, EditComment | DeleteComment | HideComment) {
        comment = api
            .create(
                &format!("{on_issue}/comments"),
                s.author,
                json!({"body": "a comment"}),
            )
            .await["id"]
            .as_i64()
            .unwrap();
    }
    let on_comment = format!("{base}/issues/comments/{comment}");
    let (method, path, body) = match action {
        Action::ListIssues => (Method::GET, format!("{base}/issues?state=all"), None),
        Action::GetIssue => (Method::GET, on_issue, None),
        Action::ListComments => (Method::GET, format!("{on_issue}/comments"), None),
        Action::Timeline => (Method::GET, format!("{on_issue}/timeline"), None),
        Action::ListLabels => (Method::GET, format!("{base}/labels"), None),
        Action::GetLabel => (Method::GET, format!("{base}/labels/{label}"), None),
        Action::ListMilestones => (Method::GET, format!("{base}/milestones"), None),
        Action::GetMilestone => (Method::GET, format!("{base}/milestones/{milestone}"), None),
        Action::IssueLabels => (Method::GET, format!("{on_issue}/labels"), None),
        Action::CreateIssue => (
            Method::POST,
            format!("{base}/issues"),
            Some(json!({"title": "new"})),
        ),
        Action::Comment => (
            Method::POST,
            format!("{on_issue}/comments"),
            Some(json!({"body": "me too"})),
        ),
        Action::EditTitle => (Method::PATCH, on_issue, Some(json!({"title": "renamed"}))),
        Action::EditBody => (Method::PATCH, on_issue, Some(json!({"body": "new body"}))),
        Action::EmptyEdit => (Method::PATCH, on_issue, Some(json!({}))),
        Action::Close => (Method::PATCH, on_issue, Some(json!({"state": "closed"}))),
        Action::Reopen => {
            api.change(&on_issue, s.author, json!({"state": "closed"}))
                .await;
            (Method::PATCH, on_issue, Some(json!({"state": "open"})))
        }
        Action::AddLabel => (
            Method::POST,
            format!("{on_issue}/labels"),
            Some(json!({"labels": [label]})),
        ),
        Action::ReplaceLabels => (
            Method::PUT,
            format!("{on_issue}/labels"),
            Some(json!({"labels": [label]})),
        ),
        Action::RemoveLabel => {
            let reply = api
                .post(
                    &format!("{on_issue}/labels"),
                    s.maintainer,
                    json!({"labels": [label]}),
                )
                .await;
            assert_eq!(reply.status, StatusCode::OK);
            (Method::DELETE, format!("{on_issue}/labels/{label}"), None)
        }
        Action::SetMilestone => (
            Method::PATCH,
            on_issue,
            Some(json!({"milestone": milestone})),
        ),
        Action::Assign => (
            Method::PATCH,
            on_issue,
            Some(json!({"assignees": [s.assignee]})),
        ),
        Action::Lock => (Method::PATCH, on_issue, Some(json!({"locked": true}))),
        Action::CommentOnLocked => {
            api.change(&on_issue, s.maintainer, json!({"locked": true}))
                .await;
            (
                Method::POST,
                format!("{on_issue}/comments"),
                Some(json!({"body": "still talking"})),
            )
        }
        Action::EditComment => (Method::PATCH, on_comment, Some(json!({"body": "edited"}))),
        Action::DeleteComment => (Method::DELETE, on_comment, None),
        Action::HideComment => (Method::PATCH, on_comment, Some(json!({"hidden": true}))),
        Action::CreateLabel => (
            Method::POST,
            format!("{base}/labels"),
            Some(json!({"name": format!("new-{seq}"), "color": "#ff0000"})),
        ),
        Action::EditLabel => (
            Method::PATCH,
            format!("{base}/labels/{label}"),
            Some(json!({"description": "changed"})),
        ),
        Action::DeleteLabel => (Method::DELETE, format!("{base}/labels/{label}"), None),
        Action::CreateMilestone => (
            Method::POST,
            format!("{base}/milestones"),
            Some(json!({"title": format!("new {seq}")})),
        ),
        Action::EditMilestone => (
            Method::PATCH,
            format!("{base}/milestones/{milestone}"),
            Some(json!({"description": "changed"})),
        ),
        Action::DeleteMilestone => (
            Method::DELETE,
            format!("{base}/milestones/{milestone}"),
            None,
        ),
    };
    Prepared {
        method,
        path,
        body,
        issue: Some(issue),
    }
}

/// Everything a refused request could have changed, as the maintainer
/// sees it.
async fn fingerprint(api: &Api, s: &Scenario<'_>, issue: Option<i64>) -> Value {
    let base = format!("/repos/{}", s.repo);
    let mut parts = vec![
        api.ok(
            &format!("{base}/issues?state=all&limit=1"),
            Some(s.maintainer),
        )
        .await,
        api.ok(&format!("{base}/labels"), Some(s.maintainer)).await,
        api.ok(&format!("{base}/milestones?state=all"), Some(s.maintainer))
            .await,
    ];
    if let Some(n) = issue {
        for path in [
            format!("{base}/issues/{n}"),
            format!("{base}/issues/{n}/comments"),
            format!("{base}/issues/{n}/timeline"),
        ] {
            parts.push(api.ok(&path, Some(s.maintainer)).await);
        }
    }
    Value::Array(parts)
}

async fn run_matrix(api: &Api, scenario: &Scenario<'_>, actors: &[Actor<'_>], seq: &mut u32) {
    for action in ACTIONS {
        for actor in actors {
            *seq += 1;
            let prepared = prepare(api, scenario, action, *seq).await;
            let want = expected(actor, scenario, action);
            let before = if want.is_success() {
                Value::Null
            } else {
                fingerprint(api, scenario, prepared.issue).await
            };
            let reply = api
                .call(
                    prepared.method.clone(),
                    &prepared.path,
                    actor.token,
                    prepared.body.as_ref(),
                )
                .await;
            assert_eq!(
                reply.status, want,
                "{} {action:?} by {} on {}: {}",
                prepared.method, actor.name, scenario.repo, reply.body
            );
            if !reply.status.is_success() {
                assert!(reply.body["message"].is_string(), "{}", reply.body);
                let after = fingerprint(api, scenario, prepared.issue).await;
                assert_eq!(
                    before, after,
                    "{action:?} refused to {} on {} changed something",
                    actor.name, scenario.repo
                );
            }
        }
    }
}

#[tokio::test]
async fn the_permission_matrix() {
    for forge in TestForge::on_each_engine().await {
        let api = Api::new(&forge);
        let (_, boss) = forge.user_with_token("boss", false).await;
        let (_, maint) = forge.user_with_token("maint", false).await;
        let (_, member) = forge.user_with_token("member", false).await;
        let (_, author) = forge.user_with_token("author", false).await;
        let (_, outsider) = forge.user_with_token("outsider", false).await;
        let (_, olga) = forge.user_with_token("olga", false).await;

        api.create(
            "/orgs",
            &boss,
            json!({"username": "coop", "kind": "cooperative"}),
        )
        .await;
        for (name, role) in [
            ("maint", "maintainer"),
            ("member", "member"),
            ("author", "member"),
        ] {
            let reply = api
                .put(
                    &format!("/orgs/coop/members/{name}"),
                    &boss,
                    json!({ "role": role }),
                )
                .await;
            assert_eq!(reply.status, StatusCode::CREATED);
        }
        for (owner_path, token, name, private) in [
            ("/orgs/coop/repos", &boss, "open", false),
            ("/orgs/coop/repos", &boss, "secret", true),
            ("/user/repos", &olga, "open", false),
            ("/user/repos", &olga, "secret", true),
        ] {
            api.create(owner_path, token, json!({"name": name, "private": private}))
                .await;
        }

        let mut seq = 0;
        // An organisation's repositories: its members read, its
        // maintainers and owners maintain.
        for private in [false, true] {
            let scenario = Scenario {
                repo: format!("coop/{}", if private { "secret" } else { "open" }),
                private,
                maintainer: &maint,
                author: &author,
                assignee: "member",
            };
            let actors = [
                Actor {
                    name: "anonymous",
                    token: None,
                    member: false,
                    maintains: false,
                    authored: false,
                },
                Actor {
                    name: "outsider",
                    token: Some(&outsider),
                    member: false,
                    maintains: false,
                    authored: false,
                },
                Actor {
                    name: "reader",
                    token: Some(&member),
                    member: true,
                    maintains: false,
                    authored: false,
                },
                Actor {
                    name: "author",
                    token: Some(&author),
                    member: true,
                    maintains: false,
                    authored: true,
                },
                Actor {
                    name: "maintainer",
                    token: Some(&maint),
                    member: true,
                    maintains: true,
                    authored: false,
                },
                Actor {
                    name: "org owner",
                    token: Some(&boss),
                    member: true,
                    maintains: true,
                    authored: false,
                },
            ];
            run_matrix(&api, &scenario, &actors, &mut seq).await;
        }

        // A user's repositories: the owning user maintains; on the public
        // one an outsider writes the issues acted upon.
        let scenario = Scenario {
            repo: "olga/open".into(),
            private: false,
            maintainer: &olga,
            author: &author,
            assignee: "outsider",
        };
        let actors = [
            Actor {
                name: "anonymous",
                token: None,
                member: false,
                maintains: false,
                authored: false,
            },
            Actor {
                name: "outsider",
                token: Some(&outsider),
                member: false,
                maintains: false,
                authored: false,
            },
            Actor {
                name: "author",
                token: Some(&author),
                member: false,
                maintains: false,
                authored: true,
            },
            Actor {
                name: "owning user",
                token: Some(&olga),
                member: true,
                maintains: true,
                authored: false,
            },
        ];
        run_matrix(&api, &scenario, &actors, &mut seq).await;
        let scenario = Scenario {
            repo: "olga/secret".into(),
            private: true,
            maintainer: &olga,
            author: &olga,
            assignee: "olga",
        };
        let actors = [
            Actor {
                name: "anonymous",
                token: None,
                member: false,
                maintains: false,
                authored: false,
            },
            Actor {
                name: "outsider",
                token: Some(&outsider),
                member: false,
                maintains: false,
                authored: false,
            },
            Actor {
                name: "author (of a public issue)",
                token: Some(&author),
                member: false,
                maintains: false,
                authored: false,
            },
            Actor {
                name: "owning user",
                token: Some(&olga),
                member: true,
                maintains: true,
                authored: true,
            },
        ];
        run_matrix(&api, &scenario, &actors, &mut seq).await;

        // Private repositories' issues are invisible, even by number, and a
        // private repository and a missing one answer alike.
        for path in [
            "/repos/coop/secret/issues/1",
            "/repos/coop/nothing/issues/1",
            "/repos/coop/secret/issues/comments/1",
            "/repos/coop/secret/milestones/1",
        ] {
            let reply = api.get(path, Some(&outsider)).await;
            assert_eq!(reply.status, StatusCode::NOT_FOUND, "{path}");
            assert!(reply.message().contains("does not exist"), "{}", reply.body);
        }
        // Comments are found through their own repository only.
        let foreign = api
            .create(
                "/repos/olga/open/issues/1/comments",
                &olga,
                json!({"body": "elsewhere"}),
            )
            .await["id"]
            .clone();
        let reply = api
            .get(
                &format!("/repos/coop/open/issues/comments/{foreign}"),
                Some(&boss),
            )
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        let reply = api
            .call(
                Method::DELETE,
                &format!("/repos/coop/open/issues/comments/{foreign}"),
                Some(&boss),
                None,
            )
            .await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        // Non-numeric and unknown numbers.
        for path in [
            "/repos/coop/open/issues/abc",
            "/repos/coop/open/issues/99999",
            "/repos/coop/open/labels/99999",
            "/repos/coop/open/issues/1/labels/x",
        ] {
            let reply = api.get(path, Some(&boss)).await;
            assert!(
                reply.status == StatusCode::NOT_FOUND
                    || reply.status == StatusCode::METHOD_NOT_ALLOWED,
                "{path}: {}",
                reply.status
            );
        }
        // Anonymous writes are asked for credentials.
        let reply = api
            .call(
                Method::POST,
                "/repos/coop/open/issues",
                None,
                Some(&json!({"title": "x"})),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert_eq!(reply.headers["www-authenticate"], "Basic realm=\"forge\"");
        // Basic authentication with a password works too.
        let reply = http()
            .post(forge.at("/api/v1/repos/coop/open/issues"))
            .basic_auth("member", Some(password_of("member")))
            .json(&json!({"title": "through Basic"}))
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), StatusCode::CREATED);

        // Hidden comments keep their text from all but maintainers.
        let n = api.issue("coop/open", &author, "noisy", "").await;
        let spam = api
            .create(
                &format!("/repos/coop/open/issues/{n}/comments"),
                &member,
                json!({"body": "buy cheap watches"}),
            )
            .await["id"]
            .clone();
        let hidden = api
            .change(
                &format!("/repos/coop/open/issues/comments/{spam}"),
                &maint,
                json!({"hidden": true}),
            )
            .await;
        assert_eq!(hidden["hidden"], true);
        assert_eq!(hidden["body"], "buy cheap watches");
        for (token, body) in [
            (None, ""),
            (Some(member.as_str()), ""),
            (Some(outsider.as_str()), ""),
            (Some(maint.as_str()), "buy cheap watches"),
        ] {
            let list = api
                .ok(&format!("/repos/coop/open/issues/{n}/comments"), token)
                .await;
            assert_eq!(list[0]["hidden"], true);
            assert_eq!(list[0]["body"], body, "{token:?}");
            let one = api
                .ok(&format!("/repos/coop/open/issues/comments/{spam}"), token)
                .await;
            assert_eq!(one["body"], body);
        }
        // Nor does searching find it (for anyone).
        let found = api.ok("/repos/coop/open/issues?q=watches", None).await;
        assert_eq!(numbers(&found), Vec::<i64>::new());
        let shown = api
            .change(
                &format!("/repos/coop/open/issues/comments/{spam}"),
                &maint,
                json!({"hidden": false}),
            )
            .await;
        assert_eq!(shown["hidden"], false);
        let found = api.ok("/repos/coop/open/issues?q=watches", None).await;
        assert_eq!(numbers(&found), vec![n]);
        // An author asking to edit and hide at once changes nothing.
        let reply = api
            .patch(
                &format!("/repos/coop/open/issues/comments/{spam}"),
                &member,
                json!({"body": "changed", "hidden": true}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        let one = api
            .ok(&format!("/repos/coop/open/issues/comments/{spam}"), None)
            .await;
        assert_eq!(
            (one["body"].as_str(), one["hidden"].as_bool()),
            (Some("buy cheap watches"), Some(false))
        );

        // Locked issues: the message says so.
        api.change(
            &format!("/repos/coop/open/issues/{n}"),
            &maint,
            json!({"locked": true}),
        )
        .await;
        let reply = api
            .post(
                &format!("/repos/coop/open/issues/{n}/comments"),
                &author,
                json!({"body": "but"}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
        assert!(reply.message().contains("locked"), "{}", reply.body);
        let issue = api.ok(&format!("/repos/coop/open/issues/{n}"), None).await;
        assert_eq!(issue["is_locked"], true);
        // The author still closes it.
        let closed = api
            .change(
                &format!("/repos/coop/open/issues/{n}"),
                &author,
                json!({"state": "closed", "state_reason": "not_planned"}),
            )
            .await;
        assert_eq!(closed["state"], "closed");
        assert_eq!(closed["state_reason"], "not_planned");

        assert_eq!(consistency::check(&forge.db).await.unwrap(), vec![]);
    }
}

// ---------------------------------------------------------------------------
// 2. Numbering.

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_issues_get_every_number_once() {
    for forge in TestForge::on_each_engine().await {
        let engine = forge.engine();
        let api = Api::new(&forge);
        let (_, alice) = forge.user_with_token("alice", false).await;
        forge.user("bob", false).await;
        api.create("/user/repos", &alice, json!({"name": "busy"}))
            .await;
        let mut tasks = Vec::new();
        for i in 0..20 {
            let (api, token) = (api.clone(), alice.clone());
            tasks.push(tokio::spawn(async move {
                // Mentions and references make each creation do more work
                // inside its transaction.
                let reply = api
                    .post(
                        "/repos/alice/busy/issues",
                        &token,
                        json!({"title": format!("issue {i}"), "body": "cc @bob, see #1"}),
                    )
                    .await;
                assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
                reply.body["number"].as_i64().unwrap()
            }));
        }
        let mut got = Vec::new();
        for task in tasks {
            got.push(task.await.unwrap());
        }
        got.sort_unstable();
        assert_eq!(got, (1..=20).collect::<Vec<i64>>(), "{engine:?}");
        let all = api
            .ok("/repos/alice/busy/issues?limit=100&sort=oldest", None)
            .await;
        assert_eq!(numbers(&all), (1..=20).collect::<Vec<i64>>());
        let mentioned = api
            .ok("/repos/alice/busy/issues?limit=100&mentioned_by=bob", None)
            .await;
        assert_eq!(mentioned.as_array().unwrap().len(), 20);
        assert_eq!(consistency::check(&forge.db).await.unwrap(), vec![]);
        // The next one follows.
        assert_eq!(api.issue("alice/busy", &alice, "one more", "").await, 21);
    }
}

// ---------------------------------------------------------------------------
// 3. Filters, search, sort orders and pages.

/// Every page of `query` with `limit`, following `X-Next-Cursor`.
async fn all_pages(api: &Api, repo: &str, query: &str, limit: i64) -> Vec<i64> {
    let mut out = Vec::new();
    let mut path = format!("/repos/{repo}/issues?{query}&limit={limit}");
    for _ in 0..100 {
        let reply = api.get(&path, None).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}: {}", reply.body);
        let page = numbers(&reply.body);
        assert!(page.len() as i64 <= limit);
        out.extend(page);
        match reply.headers.get("x-next-cursor") {
            Some(cursor) => {
                let cursor = cursor.to_str().unwrap();
                let link = reply.headers["link"].to_str().unwrap();
                if path.contains("after=") {
                    assert!(link.ends_with("; rel=\"next\""), "{link}");
                    assert!(link.contains(&format!("after={cursor}")), "{link}");
                } else {
                    // The first page was asked without a cursor: its links
                    // are numbered, and its cursor leads on the fast way.
                    assert!(link.contains("page=2&"), "{link}");
                }
                path = format!("/repos/{repo}/issues?{query}&limit={limit}&after={cursor}");
            }
            None => {
                assert!(reply.headers.get("link").is_none());
                return out;
            }
        }
    }
    panic!("pages never ended: {out:?}");
}

async fn list(api: &Api, repo: &str, query: &str) -> Vec<i64> {
    let reply = api
        .get(&format!("/repos/{repo}/issues?{query}"), None)
        .await;
    assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.body);
    numbers(&reply.body)
}

#[tokio::test]
async fn filters_search_sorts_and_keyset_pages() {
    for forge in TestForge::on_each_engine().await {
        let api = Api::new(&forge);
        let (_, alice) = forge.user_with_token("alice", false).await;
        let (_, bob) = forge.user_with_token("bob", false).await;
        let (_, carol) = forge.user_with_token("carol", false).await;
        let repo = "alice/tracker";
        api.create("/user/repos", &alice, json!({"name": "tracker"}))
            .await;
        let mut labels = std::collections::HashMap::new();
        for name in ["bug", "ui", "docs"] {
            let label = api
                .create(
                    &format!("/repos/{repo}/labels"),
                    &alice,
                    json!({"name": name, "color": "#123456"}),
                )
                .await;
            labels.insert(name, label["id"].as_i64().unwrap());
        }
        let v1 = api
            .create(
                &format!("/repos/{repo}/milestones"),
                &alice,
                json!({"title": "v1", "due_on": "2030-01-31T12:00:00+01:00"}),
            )
            .await;
        assert_eq!(v1["due_on"], "2030-01-31T11:00:00Z");
        let v1 = v1["id"].as_i64().unwrap();
        let v2 = api
            .create(
                &format!("/repos/{repo}/milestones"),
                &alice,
                json!({"title": "v2"}),
            )
            .await["id"]
            .as_i64()
            .unwrap();

        // 1: bug+ui, v1, assigned to bob, by alice.
        let one = api
            .create(
                &format!("/repos/{repo}/issues"),
                &alice,
                json!({"title": "Crash on start", "body": "The window closes",
                       "labels": [labels["bug"], "ui"], "milestone": v1, "assignees": ["bob"]}),
            )
            .await;
        assert_eq!(one["number"], 1);
        assert_eq!(one["milestone"]["title"], "v1");
        assert_eq!(one["assignees"][0]["login"], "bob");
        assert_eq!(one["assignee"]["login"], "bob");
        let names: Vec<&str> = one["labels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["bug", "ui"]);
        assert_eq!(one["labels"][0]["color"], "123456");
        // 2: bug only, v2, by bob (labels and milestones from non-maintainers
        // are ignored, like Gitea, so alice sets them).
        let two = api
            .create(
                &format!("/repos/{repo}/issues"),
                &bob,
                json!({"title": "Typo in the manual", "body": "Paging @carol",
                       "labels": [labels["bug"]], "milestone": v2}),
            )
            .await;
        assert_eq!(two["labels"], json!([]));
        assert_eq!(two["milestone"], Value::Null);
        api.change(
            &format!("/repos/{repo}/issues/2"),
            &alice,
            json!({"milestone": v2}),
        )
        .await;
        let labelled = api
            .post(
                &format!("/repos/{repo}/issues/2/labels"),
                &alice,
                json!({"labels": ["bug", "docs"]}),
            )
            .await;
        assert_eq!(labelled.status, StatusCode::OK);
        assert_eq!(labelled.body.as_array().unwrap().len(), 2);
        // 3: ui, no milestone, by carol, assigned to alice and bob.
        api.create(
            &format!("/repos/{repo}/issues"),
            &carol,
            json!({"title": "Button colours", "body": "Too pale"}),
        )
        .await;
        api.put(
            &format!("/repos/{repo}/issues/3/labels"),
            &alice,
            json!({"labels": [labels["ui"]]}),
        )
        .await;
        api.change(
            &format!("/repos/{repo}/issues/3"),
            &alice,
            json!({"assignees": ["alice", "bob"]}),
        )
        .await;
        // 4: closed, by bob, mentioned carol in a comment.
        api.issue(repo, &bob, "Old request", "Nothing to see").await;
        api.create(
            &format!("/repos/{repo}/issues/4/comments"),
            &alice,
            json!({"body": "What does @carol think? Mentions a zebra."}),
        )
        .await;
        api.change(
            &format!("/repos/{repo}/issues/4"),
            &bob,
            json!({"state": "closed"}),
        )
        .await;
        // 5..=12: plain ones, with comments to sort by.
        for i in 5..=12 {
            api.issue(repo, &carol, &format!("Plain issue {i}"), "filler")
                .await;
        }
        for (n, count) in [(7, 3), (9, 1), (11, 3), (5, 2)] {
            for _ in 0..count {
                api.create(
                    &format!("/repos/{repo}/issues/{n}/comments"),
                    &bob,
                    json!({"body": "bump"}),
                )
                .await;
                tokio::time::sleep(std::time::Duration::from_millis(3)).await;
            }
        }

        // State.
        assert_eq!(
            list(&api, repo, "").await,
            [12, 11, 10, 9, 8, 7, 6, 5, 3, 2, 1]
        );
        assert_eq!(list(&api, repo, "state=closed").await, [4]);
        assert_eq!(
            list(&api, repo, "state=all&sort=oldest").await,
            (1..=12).collect::<Vec<_>>()
        );
        // Labels: all of several; an unknown one matches nothing.
        assert_eq!(list(&api, repo, "labels=bug").await, [2, 1]);
        assert_eq!(list(&api, repo, "labels=bug,ui").await, [1]);
        assert_eq!(list(&api, repo, "labels=BUG,%20docs").await, [2]);
        assert_eq!(
            list(&api, repo, "labels=bug,nothing").await,
            Vec::<i64>::new()
        );
        // Milestones by title, by id, and none.
        assert_eq!(list(&api, repo, "milestone=v1").await, [1]);
        assert_eq!(list(&api, repo, &format!("milestone={v2}")).await, [2]);
        assert_eq!(
            list(&api, repo, "milestone=none").await,
            [12, 11, 10, 9, 8, 7, 6, 5, 3]
        );
        assert_eq!(list(&api, repo, "milestone=v9").await, Vec::<i64>::new());
        // People.
        assert_eq!(list(&api, repo, "assignee=bob").await, [3, 1]);
        assert_eq!(list(&api, repo, "assigned_by=alice").await, [3]);
        assert_eq!(list(&api, repo, "created_by=bob&state=all").await, [4, 2]);
        assert_eq!(
            list(&api, repo, "created_by=nobody").await,
            Vec::<i64>::new()
        );
        assert_eq!(
            list(&api, repo, "mentioned_by=carol&state=all").await,
            [4, 2]
        );
        // Combined.
        assert_eq!(
            list(&api, repo, "labels=ui&assignee=bob&milestone=none").await,
            [3]
        );
        // Free text over titles, bodies and comments; every word must match.
        assert_eq!(list(&api, repo, "q=crash").await, [1]);
        assert_eq!(list(&api, repo, "q=WINDOW").await, [1]);
        assert_eq!(list(&api, repo, "q=zebra&state=all").await, [4]);
        assert_eq!(list(&api, repo, "q=zebra").await, Vec::<i64>::new());
        assert_eq!(
            list(&api, repo, "q=plain%20filler").await,
            [12, 11, 10, 9, 8, 7, 6, 5]
        );
        assert_eq!(list(&api, repo, "q=plain%20zebra").await, Vec::<i64>::new());
        assert_eq!(list(&api, repo, "q=bump").await, [11, 9, 7, 5]);
        // Words under three characters are matched too (outside the
        // trigram index), alone and beside longer ones.
        assert_eq!(
            list(&api, repo, "q=pl%20filler").await,
            [12, 11, 10, 9, 8, 7, 6, 5]
        );
        assert_eq!(list(&api, repo, "q=bu%20mp").await, [11, 9, 7, 5]);
        assert_eq!(list(&api, repo, "q=100%25").await, Vec::<i64>::new());

        // Sort orders.
        assert_eq!(
            list(&api, repo, "sort=oldest").await,
            [1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12]
        );
        let most = list(&api, repo, "sort=mostcomment").await;
        assert_eq!(most, [11, 7, 5, 9, 12, 10, 8, 6, 3, 2, 1]);
        let recent = list(&api, repo, "sort=recentupdate").await;
        // The last comments went to 5, then 11, then 9, then 7.
        assert_eq!(&recent[..4], [5, 11, 9, 7]);
        let comments_of = |list: &Value, n: i64| {
            list.as_array()
                .unwrap()
                .iter()
                .find(|i| i["number"] == n)
                .unwrap()["comments"]
                .as_i64()
                .unwrap()
        };
        let full = api
            .ok(&format!("/repos/{repo}/issues?sort=mostcomment"), None)
            .await;
        assert_eq!(comments_of(&full, 11), 3);
        assert_eq!(comments_of(&full, 1), 0);

        // Keyset pages: every page of three, put together, is the big page.
        for sort in ["newest", "oldest", "recentupdate", "mostcomment"] {
            for filter in ["state=all", "state=open", "labels=bug&state=all", "q=plain"] {
                let query = format!("{filter}&sort={sort}");
                let whole = list(&api, repo, &format!("{query}&limit=100")).await;
                for limit in [1, 3, 5] {
                    assert_eq!(
                        all_pages(&api, repo, &query, limit).await,
                        whole,
                        "{query} by {limit}"
                    );
                }
            }
        }
        // The Link header is a working URL.
        let reply = api
            .get(
                &format!("/repos/{repo}/issues?state=all&sort=oldest&limit=5"),
                None,
            )
            .await;
        let link = reply.headers["link"].to_str().unwrap();
        let next = link
            .trim_start_matches('<')
            .split(">;")
            .next()
            .unwrap()
            .to_string();
        assert!(
            next.starts_with(&forge.at("/api/v1/repos/alice/tracker/issues?")),
            "{next}"
        );
        let page = api.ok(&next, None).await;
        assert_eq!(numbers(&page), [6, 7, 8, 9, 10]);
        // The default page is 30 and the largest 100.
        for i in 13..=35 {
            api.issue(repo, &carol, &format!("More {i}"), "").await;
        }
        assert_eq!(list(&api, repo, "state=all").await.len(), 30);
        assert_eq!(list(&api, repo, "state=all&limit=1000").await.len(), 35);
        assert_eq!(list(&api, repo, "state=all&limit=0").await.len(), 30);

        // Numbered pages as Gitea's clients walk them, with the total and
        // the links to the other pages; bad input names its field.
        let reply = api
            .get(&format!("/repos/{repo}/issues?state=all&page=2"), None)
            .await;
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        assert_eq!(numbers(&reply.body), [5, 4, 3, 2, 1]);
        assert_eq!(reply.headers["x-total-count"], "35");
        let link = reply.headers["link"].to_str().unwrap();
        assert!(link.contains("page=1&limit=30>; rel=\"first\""), "{link}");
        assert!(link.contains("page=1&limit=30>; rel=\"prev\""), "{link}");
        assert!(
            !link.contains("rel=\"next\""),
            "the last page has no next: {link}"
        );
        let reply = api
            .get(
                &format!("/repos/{repo}/issues?state=all&page=1&limit=2"),
                None,
            )
            .await;
        assert_eq!(numbers(&reply.body), [35, 34]);
        let link = reply.headers["link"].to_str().unwrap();
        assert!(
            link.contains("state=all&page=2&limit=2>; rel=\"next\""),
            "{link}"
        );
        assert!(link.contains("page=18&limit=2>; rel=\"last\""), "{link}");
        let reply = api
            .get(
                &format!("/repos/{repo}/issues?state=all&page=18&limit=2"),
                None,
            )
            .await;
        assert_eq!(numbers(&reply.body), [1]);
        let reply = api
            .get(
                &format!("/repos/{repo}/issues?state=all&page=19&limit=2"),
                None,
            )
            .await;
        assert_eq!(
            numbers(&reply.body),
            Vec::<i64>::new(),
            "past the end, an empty page"
        );
        assert_eq!(reply.headers["x-total-count"], "35");
        // Every numbered page together is the whole list, once.
        let mut walked = Vec::new();
        for page in 1..=4 {
            walked.extend(list(&api, repo, &format!("state=all&page={page}&limit=10")).await);
        }
        assert_eq!(walked, (1..=35).rev().collect::<Vec<i64>>());
        for (query, field) in [
            ("sort=priority", "sort: "),
            ("state=merged", "state: "),
            ("after=x", "after: "),
            ("sort=mostcomment&after=12", "after: "),
            ("limit=-1", "limit: "),
            ("limit=many", "limit: "),
            ("page=two", "page: "),
        ] {
            let reply = api
                .get(&format!("/repos/{repo}/issues?{query}"), None)
                .await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
            assert!(
                reply.message().starts_with(field),
                "{query}: {}",
                reply.body
            );
        }

        // Milestones list by state.
        api.change(
            &format!("/repos/{repo}/milestones/{v2}"),
            &alice,
            json!({"state": "closed", "due_on": "2031-05-06T07:08:09Z"}),
        )
        .await;
        let open = api.ok(&format!("/repos/{repo}/milestones"), None).await;
        assert_eq!(open.as_array().unwrap().len(), 1);
        assert_eq!(open[0]["title"], "v1");
        let closed = api
            .ok(&format!("/repos/{repo}/milestones?state=closed"), None)
            .await;
        assert_eq!(closed[0]["title"], "v2");
        assert_eq!(closed[0]["state"], "closed");
        assert_eq!(closed[0]["due_on"], "2031-05-06T07:08:09Z");
        let cleared = api
            .change(
                &format!("/repos/{repo}/milestones/v2"),
                &alice,
                json!({"due_on": null}),
            )
            .await;
        assert_eq!(cleared["due_on"], Value::Null);
        assert_eq!(cleared["state"], "closed");
        let reply = api
            .patch(
                &format!("/repos/{repo}/milestones/v2"),
                &alice,
                json!({"due_on": "next tuesday"}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.message().starts_with("due_on: "), "{}", reply.body);
    }
}

// ---------------------------------------------------------------------------
// 4. Counters.

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn counters_stay_right() {
    for forge in TestForge::on_each_engine().await {
        let engine = forge.engine();
        let api = Api::new(&forge);
        let (_, alice) = forge.user_with_token("alice", false).await;
        let (_, bob) = forge.user_with_token("bob", false).await;
        let repo = "alice/counted";
        let base = format!("/repos/{repo}");
        api.create("/user/repos", &alice, json!({"name": "counted"}))
            .await;
        let m1 = api
            .create(
                &format!("{base}/milestones"),
                &alice,
                json!({"title": "m1"}),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let m2 = api
            .create(
                &format!("{base}/milestones"),
                &alice,
                json!({"title": "m2"}),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        for i in 1..=6 {
            api.create(
                &format!("{base}/issues"),
                &alice,
                json!({"title": format!("issue {i}"), "milestone": if i <= 4 { m1 } else { m2 }}),
            )
            .await;
        }
        let mut comment_ids = Vec::new();
        for (n, count) in [(1, 3), (2, 2), (3, 1)] {
            for _ in 0..count {
                comment_ids.push((
                    n,
                    api.create(
                        &format!("{base}/issues/{n}/comments"),
                        &bob,
                        json!({"body": "a comment"}),
                    )
                    .await["id"]
                        .as_i64()
                        .unwrap(),
                ));
            }
        }
        // Close 1 and 2, reopen 2, close 5; move 3 to m2 then close it;
        // move 6 (open) off any milestone; delete a comment of 1 and one of 2.
        api.change(
            &format!("{base}/issues/1"),
            &alice,
            json!({"state": "closed"}),
        )
        .await;
        api.change(
            &format!("{base}/issues/2"),
            &alice,
            json!({"state": "closed"}),
        )
        .await;
        api.change(
            &format!("{base}/issues/2"),
            &alice,
            json!({"state": "open"}),
        )
        .await;
        api.change(
            &format!("{base}/issues/5"),
            &alice,
            json!({"state": "closed"}),
        )
        .await;
        api.change(
            &format!("{base}/issues/3"),
            &alice,
            json!({"milestone": m2}),
        )
        .await;
        api.change(
            &format!("{base}/issues/3"),
            &alice,
            json!({"state": "closed"}),
        )
        .await;
        api.change(&format!("{base}/issues/6"), &alice, json!({"milestone": 0}))
            .await;
        // Closed and moved at once.
        api.change(
            &format!("{base}/issues/4"),
            &alice,
            json!({"state": "closed", "milestone": m2}),
        )
        .await;
        for (n, id) in [comment_ids[0], comment_ids[3]] {
            let reply = api
                .delete(&format!("{base}/issues/comments/{id}"), &bob)
                .await;
            assert_eq!(reply.status, StatusCode::NO_CONTENT, "comment of {n}");
        }
        // The same change many times at once counts once.
        let mut tasks = Vec::new();
        for i in 0..8 {
            let (api, token, path) = (api.clone(), alice.clone(), format!("{base}/issues/6"));
            tasks.push(tokio::spawn(async move {
                let body = if i % 2 == 0 {
                    json!({"state": "closed", "milestone": m1})
                } else {
                    json!({"state": "closed", "milestone": m2})
                };
                api.patch(&path, &token, body).await.status
            }));
        }
        // The second comment of 1 and of 2, each deleted four times at once.
        let (id_of_1, id_of_2) = (comment_ids[1].1, comment_ids[4].1);
        for _ in 0..4 {
            for id in [id_of_1, id_of_2] {
                let (api, token, path) = (
                    api.clone(),
                    bob.clone(),
                    format!("{base}/issues/comments/{id}"),
                );
                tasks.push(tokio::spawn(async move {
                    api.delete(&path, &token).await.status
                }));
            }
        }
        for task in tasks {
            let status = task.await.unwrap();
            assert!(
                [
                    StatusCode::CREATED,
                    StatusCode::NO_CONTENT,
                    StatusCode::NOT_FOUND
                ]
                .contains(&status),
                "{engine:?}: {status}"
            );
        }

        assert_eq!(
            consistency::check(&forge.db).await.unwrap(),
            vec![],
            "{engine:?}"
        );
        // Issue 1 had three comments, two deleted; 2 had two, both deleted;
        // 3 had one.
        let all = api
            .ok(&format!("{base}/issues?state=all&sort=oldest"), None)
            .await;
        let comments: Vec<i64> = all
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["comments"].as_i64().unwrap())
            .collect();
        assert_eq!(comments, [1, 0, 1, 0, 0, 0], "{engine:?}");
        let states: Vec<&str> = all
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["state"].as_str().unwrap())
            .collect();
        assert_eq!(
            states,
            ["closed", "open", "closed", "closed", "closed", "closed"]
        );
        let six = api.ok(&format!("{base}/issues/6"), None).await;
        let six_in_m1 = six["milestone"]["id"] == m1;
        // m1: 1 (closed), 2 (open), and maybe 6 (closed);
        // m2: 3, 4, 5 (closed), and maybe 6.
        let m = api.ok(&format!("{base}/milestones/{m1}"), None).await;
        assert_eq!(
            (m["open_issues"].as_i64(), m["closed_issues"].as_i64()),
            (Some(1), Some(if six_in_m1 { 2 } else { 1 })),
            "{engine:?}"
        );
        let m = api.ok(&format!("{base}/milestones/{m2}"), None).await;
        assert_eq!(
            (m["open_issues"].as_i64(), m["closed_issues"].as_i64()),
            (Some(0), Some(if six_in_m1 { 3 } else { 4 })),
            "{engine:?}"
        );
        // Deleting a milestone leaves its issues without one.
        let reply = api.delete(&format!("{base}/milestones/{m2}"), &alice).await;
        assert_eq!(reply.status, StatusCode::NO_CONTENT);
        assert_eq!(
            list(&api, repo, "state=all&milestone=none&sort=oldest").await,
            if six_in_m1 {
                vec![3, 4, 5]
            } else {
                vec![3, 4, 5, 6]
            }
        );
        assert_eq!(consistency::check(&forge.db).await.unwrap(), vec![]);

        // A counter set wrong behind the domain's back is found and
        // repaired, and the API shows the repaired value.
        testing::execute(&forge.db, "UPDATE issues SET comment_count = 41").await;
        let found = consistency::check(&forge.db).await.unwrap();
        assert_eq!(found.len(), 6);
        assert!(
            found
                .iter()
                .all(|m| m.what == "issue comments" && m.stored == 41)
        );
        consistency::repair(&forge.db).await.unwrap();
        assert_eq!(consistency::check(&forge.db).await.unwrap(), vec![]);
        let one = api.ok(&format!("{base}/issues/1"), None).await;
        assert_eq!(one["comments"], 1);
    }
}

// ---------------------------------------------------------------------------
// 5. Markup is data.

const INJECTIONS: &[&str] = &[
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "<a href=\"data:text/html,<script>alert(1)</script>\">click</a>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<form action=\"https://evil.example\"><input name=p></form>",
    "<svg onload=alert(1)>",
    "<style>body{display:none}</style>",
    "\"'><script>alert(document.cookie)</script>",
    "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
    "{{7*7}} ${7*7} <%= 7*7 %>",
    "\u{202e}evil\u{200b}",
];

#[tokio::test]
async fn script_injections_are_returned_verbatim_and_stored_unchanged() {
    for forge in TestForge::on_each_engine().await {
        let api = Api::new(&forge);
        let (_, alice) = forge.user_with_token("alice", false).await;
        let (_, bob) = forge.user_with_token("bob", false).await;
        api.create("/user/repos", &alice, json!({"name": "web"}))
            .await;
        let base = "/repos/alice/web";
        let id = repo_id(&api, "alice/web", &alice).await;
        for (i, payload) in INJECTIONS.iter().enumerate() {
            let created = api
                .create(
                    &format!("{base}/issues"),
                    &bob,
                    json!({"title": payload, "body": format!("{payload}\n\n{payload}")}),
                )
                .await;
            let n = created["number"].as_i64().unwrap();
            assert_eq!(created["title"], *payload);
            let comment = api
                .create(
                    &format!("{base}/issues/{n}/comments"),
                    &alice,
                    json!({"body": payload}),
                )
                .await;
            assert_eq!(comment["body"], *payload);
            let label = api
                .create(
                    &format!("{base}/labels"),
                    &alice,
                    json!({"name": format!("l{i}"), "color": "#000000", "description": payload}),
                )
                .await;
            assert_eq!(label["description"], *payload);
            let milestone = api
                .create(
                    &format!("{base}/milestones"),
                    &alice,
                    json!({"title": format!("m{i} {payload}"), "description": payload}),
                )
                .await;
            assert_eq!(milestone["description"], *payload);

            // Read back through the API, as JSON strings.
            let reply = api.get(&format!("{base}/issues/{n}"), None).await;
            assert_eq!(
                reply.headers["content-type"].to_str().unwrap(),
                "application/json"
            );
            assert_eq!(reply.body["title"], *payload);
            assert_eq!(reply.body["body"], format!("{payload}\n\n{payload}"));
            let comments = api.ok(&format!("{base}/issues/{n}/comments"), None).await;
            assert_eq!(comments[0]["body"], *payload);
            let edited = api
                .change(
                    &format!("{base}/issues/{n}"),
                    &bob,
                    json!({"title": format!("re: {payload}")}),
                )
                .await;
            assert_eq!(edited["title"], format!("re: {payload}"));
            let timeline = api.ok(&format!("{base}/issues/{n}/timeline"), None).await;
            let renamed = timeline
                .as_array()
                .unwrap()
                .iter()
                .find(|e| e["type"] == "renamed")
                .unwrap();
            assert_eq!(renamed["old_title"], *payload);

            // Stored as sent.
            let stored = forge_core::issue::get(&forge.db, id, n)
                .await
                .unwrap()
                .unwrap();
            assert_eq!(stored.title, format!("re: {payload}"));
            assert_eq!(stored.body, format!("{payload}\n\n{payload}"));
            let stored_comments = forge_core::comment::list(&forge.db, stored.id)
                .await
                .unwrap();
            assert_eq!(stored_comments[0].body, *payload);
        }
        // Searching for markup finds it as text.
        let found = api
            .ok(
                &format!("{base}/issues?q=%3Cscript%3E&state=all&limit=100"),
                None,
            )
            .await;
        assert!(found.as_array().unwrap().len() >= 3);
        // NUL characters are refused alike on both engines (PostgreSQL
        // cannot store them), naming the field.
        let n = api.issue("alice/web", &bob, "plain", "").await;
        for (path, body, field) in [
            (
                format!("{base}/issues"),
                json!({"title": "a\u{0}b"}),
                "title: ",
            ),
            (
                format!("{base}/issues"),
                json!({"title": "t", "body": "a\u{0}b"}),
                "body: ",
            ),
            (
                format!("{base}/issues/{n}/comments"),
                json!({"body": "a\u{0}b"}),
                "body: ",
            ),
            (
                format!("{base}/labels"),
                json!({"name": "a\u{0}b", "color": "#000000"}),
                "name: ",
            ),
            (
                format!("{base}/milestones"),
                json!({"title": "t", "description": "a\u{0}b"}),
                "description: ",
            ),
            (
                format!("{base}/issues"),
                json!({"title": "t", "assignees": ["a\u{0}b"]}),
                "assignees: ",
            ),
            (
                format!("{base}/issues/{n}/labels"),
                json!({"labels": ["a\u{0}b"]}),
                "labels: ",
            ),
        ] {
            let reply = api.post(&path, &alice, body.clone()).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert!(reply.message().starts_with(field), "{body}: {}", reply.body);
        }
        let reply = api
            .patch(
                &format!("{base}/issues/{n}"),
                &bob,
                json!({"title": "x\u{0}"}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        for query in ["q=a%00b", "labels=a%00", "created_by=a%00", "milestone=%00"] {
            let reply = api.get(&format!("{base}/issues?{query}"), None).await;
            assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        }
        let reply = api.get(&format!("{base}/milestones/a%00b"), None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);
        let reply = api.get("/repos/alice%00/web/issues", None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND);

        // Names with markup are refused where names have rules.
        let reply = api
            .post(
                &format!("{base}/labels"),
                &alice,
                json!({"name": "x", "color": "javascript:alert(1)"}),
            )
            .await;
        assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(reply.message().starts_with("color: "), "{}", reply.body);
    }
}

// ---------------------------------------------------------------------------
// 6. Timelines.

#[tokio::test]
async fn timelines_tell_what_happened_in_order() {
    for forge in TestForge::on_each_engine().await {
        let api = Api::new(&forge);
        let (_, alice) = forge.user_with_token("alice", false).await;
        let (_, bob) = forge.user_with_token("bob", false).await;
        api.create("/user/repos", &alice, json!({"name": "story"}))
            .await;
        api.create(
            "/user/repos",
            &alice,
            json!({"name": "hidden", "private": true}),
        )
        .await;
        let base = "/repos/alice/story";
        let label = api
            .create(
                &format!("{base}/labels"),
                &alice,
                json!({"name": "bug", "color": "#ee0000"}),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        let milestone = api
            .create(
                &format!("{base}/milestones"),
                &alice,
                json!({"title": "1.0"}),
            )
            .await["id"]
            .as_i64()
            .unwrap();

        let n = api
            .issue("alice/story", &bob, "It breaks", "Steps: none")
            .await;
        let issue = format!("{base}/issues/{n}");
        api.post(
            &format!("{issue}/labels"),
            &alice,
            json!({"labels": [label]}),
        )
        .await;
        api.delete(&format!("{issue}/labels/{label}"), &alice).await;
        api.change(&issue, &alice, json!({"assignees": ["bob"]}))
            .await;
        api.change(&issue, &alice, json!({"milestone": milestone}))
            .await;
        let comment = api
            .create(
                &format!("{issue}/comments"),
                &bob,
                json!({"body": "Any news?"}),
            )
            .await["id"]
            .clone();
        api.change(
            &issue,
            &bob,
            json!({"state": "closed", "state_reason": "duplicate"}),
        )
        .await;
        api.change(&issue, &alice, json!({"state": "open"})).await;
        api.change(&issue, &bob, json!({"title": "It breaks on Tuesdays"}))
            .await;
        let other = api
            .issue("alice/story", &alice, "Related", &format!("Same as #{n}"))
            .await;
        // Editing the referring text again does not repeat the reference.
        api.change(
            &format!("{base}/issues/{other}"),
            &alice,
            json!({"body": format!("Same as #{n}, really")}),
        )
        .await;
        // A reference from a private repository.
        let secret = api
            .issue(
                "alice/hidden",
                &alice,
                "Private notes",
                &format!("About alice/story#{n}"),
            )
            .await;
        api.change(&issue, &alice, json!({"locked": true, "milestone": null}))
            .await;

        let events = api.ok(&format!("{issue}/timeline"), Some(&alice)).await;
        let events = events.as_array().unwrap();
        let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
        assert_eq!(
            kinds,
            [
                "opened",
                "labeled",
                "unlabeled",
                "assigned",
                "milestoned",
                "commented",
                "closed",
                "reopened",
                "renamed",
                "cross_referenced",
                "cross_referenced",
                "locked",
                "demilestoned",
            ]
        );
        let actors: Vec<&str> = events
            .iter()
            .map(|e| e["actor"]["login"].as_str().unwrap())
            .collect();
        assert_eq!(
            actors,
            [
                "bob", "alice", "alice", "alice", "alice", "bob", "bob", "alice", "bob", "alice",
                "alice", "alice", "alice"
            ]
        );
        assert!(events[0]["actor"]["id"].as_i64().unwrap() > 0);
        assert_eq!(
            events[1]["label"],
            json!({"name": "bug", "color": "ee0000"})
        );
        assert_eq!(events[2]["label"]["name"], "bug");
        assert_eq!(events[3]["assignee"]["login"], "bob");
        assert_eq!(events[4]["milestone"]["title"], "1.0");
        assert_eq!(events[5]["comment_id"], comment);
        assert_eq!(events[6]["state_reason"], "duplicate");
        assert!(events[7].get("state_reason").is_none());
        assert_eq!(events[8]["old_title"], "It breaks");
        assert_eq!(events[8]["new_title"], "It breaks on Tuesdays");
        assert_eq!(events[9]["ref_issue"]["number"], other);
        assert_eq!(events[9]["ref_issue"]["repository"], "alice/story");
        assert_eq!(
            events[9]["ref_issue"]["html_url"],
            forge.at(&format!("/alice/story/issues/{other}"))
        );
        assert_eq!(events[10]["ref_issue"]["number"], secret);
        assert_eq!(events[10]["ref_issue"]["repository"], "alice/hidden");
        assert_eq!(events[12]["milestone"]["title"], "1.0");
        let ids: Vec<i64> = events.iter().map(|e| e["id"].as_i64().unwrap()).collect();
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
        let times: Vec<&str> = events
            .iter()
            .map(|e| e["created_at"].as_str().unwrap())
            .collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{times:?}");

        // Those who cannot read the private repository do not see its
        // reference.
        for token in [None, Some(bob.as_str())] {
            let seen = api.ok(&format!("{issue}/timeline"), token).await;
            let kinds: Vec<&str> = seen
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["type"].as_str().unwrap())
                .collect();
            assert_eq!(
                kinds.iter().filter(|k| **k == "cross_referenced").count(),
                1
            );
            assert!(!seen.to_string().contains("hidden"), "{seen}");
        }

        // The issue tells the same story.
        let now = api.ok(&issue, None).await;
        assert_eq!(now["title"], "It breaks on Tuesdays");
        assert_eq!(now["state"], "open");
        assert_eq!(now["state_reason"], Value::Null);
        assert_eq!(now["closed_at"], Value::Null);
        assert_eq!(now["is_locked"], true);
        assert_eq!(now["milestone"], Value::Null);
        assert_eq!(now["comments"], 1);
        assert_eq!(now["user"]["login"], "bob");
        assert_eq!(
            now["repository"],
            json!({"id": now["repository"]["id"], "name": "story", "owner": "alice", "full_name": "alice/story"})
        );
        assert_eq!(
            now["html_url"],
            forge.at(&format!("/alice/story/issues/{n}"))
        );
        assert_eq!(
            now["url"],
            forge.at(&format!("/api/v1/repos/alice/story/issues/{n}"))
        );
    }
}
