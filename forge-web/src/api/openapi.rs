//! The API described as an OpenAPI 3 document (`/api/v1/openapi.json`) and
//! as a plain page listing every operation (`/api/swagger`, served by the
//! binary: no script, no third-party site).
//!
//! Both are generated from [`operations`]: the table [`OPERATIONS`] and
//! [`super::openapi_collab::COLLABORATION`] (keys, hooks, notifications,
//! forks, pull requests, statuses), every route of [`super::router`] with
//! what it does. Tests check both ways: every operation of the tables is
//! routed, and every `.route(..)` of `forge-web/src/api` is in the
//! document (`tests/api_meta.rs`). Path parameters come from the
//! `{name}` placeholders; bodies and answers are described as JSON
//! objects (or arrays, for lists, with Gitea's paging headers), not field
//! by field: the fields are Gitea's (see `tests/gitea-swagger/`).

use crate::AppState;
use axum::Json;
use axum::extract::State;
use axum::http::header::CONTENT_TYPE;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

/// What an operation answers when it succeeds.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    /// A JSON object (200, or 201 for `Created`).
    Object,
    Created,
    /// A JSON array, one page of a list.
    List,
    /// 204, no body.
    Empty,
    /// Bytes (raw files, archives) or HTML (Markdown).
    Bytes,
    /// 202 and a JSON object: accepted, finished later (a fork).
    Accepted,
    /// 205 and JSON (Gitea's answer to marking notifications read).
    Reset,
    /// A JSON array that is not paged (a handful of items: keys, hooks).
    Array,
}

/// One operation: method, path (as routed, under `/api/v1`), tag, summary,
/// and what it answers.
pub struct Operation {
    pub method: &'static str,
    pub path: &'static str,
    pub tag: &'static str,
    pub summary: &'static str,
    pub answer: Answer,
    /// Query parameters besides paging, all optional strings.
    pub query: &'static [&'static str],
    /// The fields the JSON body must have (when it has any).
    pub required: &'static [&'static str],
}

impl Operation {
    /// The same operation with these query parameters.
    pub const fn query(self, query: &'static [&'static str]) -> Self {
        Operation { query, ..self }
    }

    /// The same operation whose body must have these fields.
    pub const fn requires(self, required: &'static [&'static str]) -> Self {
        Operation { required, ..self }
    }
}

/// Every operation of the API: [`OPERATIONS`] then the collaboration
/// table.
pub fn operations() -> impl Iterator<Item = &'static Operation> {
    OPERATIONS
        .iter()
        .chain(super::openapi_collab::COLLABORATION)
}

pub(super) const fn op(
    method: &'static str,
    path: &'static str,
    tag: &'static str,
    summary: &'static str,
    answer: Answer,
) -> Operation {
    Operation {
        method,
        path,
        tag,
        summary,
        answer,
        query: &[],
        required: &[],
    }
}

use Answer::{Accepted, Array, Bytes, Created, Empty, List, Object, Reset};

const GOAL: &str = "/repos/{owner}/{repo}/issues/{index}/funding";

/// The operations of the API but those of collaboration.
pub const OPERATIONS: &[Operation] = &[
    op(
        "get",
        "/openapi.json",
        "miscellaneous",
        "This document",
        Object,
    ),
    op(
        "get",
        "/version",
        "miscellaneous",
        "The Gitea version the API follows",
        Object,
    ),
    op("get", "/settings/api", "settings", "Paging sizes", Object),
    op(
        "get",
        "/settings/repository",
        "settings",
        "Repository features",
        Object,
    ),
    op(
        "get",
        "/settings/ui",
        "settings",
        "Interface settings",
        Object,
    ),
    op(
        "get",
        "/settings/attachment",
        "settings",
        "Attachment settings",
        Object,
    ),
    op(
        "post",
        "/markdown",
        "miscellaneous",
        "Render Markdown",
        Bytes,
    ),
    op(
        "post",
        "/markdown/raw",
        "miscellaneous",
        "Render Markdown sent as the body",
        Bytes,
    ),
    op("post", "/admin/users", "admin", "Create a user", Created),
    op("get", "/admin/users", "admin", "List every user", List),
    op(
        "get",
        "/admin/orgs",
        "admin",
        "List every organisation",
        List,
    ),
    op(
        "post",
        "/admin/users/{username}/repos",
        "admin",
        "Create a repository for a user or an organisation",
        Created,
    ),
    op(
        "post",
        "/admin/users/{username}/orgs",
        "admin",
        "Create an organisation owned by a user",
        Created,
    ),
    op("get", "/user", "user", "The authenticated user", Object),
    op("get", "/user/settings", "user", "My settings", Object),
    op(
        "patch",
        "/user/settings",
        "user",
        "Change my settings",
        Object,
    ),
    op("get", "/user/orgs", "user", "My organisations", List),
    op("get", "/user/repos", "user", "My repositories", List),
    op(
        "post",
        "/user/repos",
        "repository",
        "Create a repository of mine",
        Created,
    ),
    op("get", "/users/search", "user", "Search users", Object),
    op("get", "/users/{username}", "user", "A user", Object),
    op(
        "get",
        "/users/{username}/orgs",
        "user",
        "A user's organisations",
        List,
    ),
    op(
        "get",
        "/users/{username}/repos",
        "user",
        "A user's repositories",
        List,
    ),
    op(
        "get",
        "/users/{username}/tokens",
        "user",
        "My access tokens (Basic with the password)",
        List,
    ),
    op(
        "post",
        "/users/{username}/tokens",
        "user",
        "Create an access token (Basic with the password)",
        Created,
    ),
    op(
        "delete",
        "/users/{username}/tokens/{id}",
        "user",
        "Revoke an access token",
        Empty,
    ),
    op(
        "post",
        "/orgs",
        "organization",
        "Create an organisation",
        Created,
    ),
    op(
        "get",
        "/orgs/{org}",
        "organization",
        "An organisation",
        Object,
    ),
    op(
        "get",
        "/orgs/{org}/members",
        "organization",
        "Its members",
        List,
    ),
    op(
        "put",
        "/orgs/{org}/members/{username}",
        "organization",
        "Add a member or change their role",
        Object,
    ),
    op(
        "delete",
        "/orgs/{org}/members/{username}",
        "organization",
        "Remove a member",
        Empty,
    ),
    op(
        "get",
        "/orgs/{org}/repos",
        "organization",
        "Its repositories",
        List,
    ),
    op(
        "post",
        "/orgs/{org}/repos",
        "organization",
        "Create one of its repositories",
        Created,
    ),
    op(
        "get",
        "/orgs/{org}/pledges",
        "funding",
        "Its pledges and their totals",
        Object,
    ),
    op(
        "get",
        "/repos/search",
        "repository",
        "Search repositories",
        Object,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}",
        "repository",
        "A repository",
        Object,
    ),
    op(
        "patch",
        "/repos/{owner}/{repo}",
        "repository",
        "Change a repository's settings",
        Object,
    ),
    op(
        "delete",
        "/repos/{owner}/{repo}",
        "repository",
        "Delete a repository",
        Empty,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/contents",
        "repository",
        "The root folder",
        List,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/contents/{path}",
        "repository",
        "A file or a folder",
        Object,
    ),
    op(
        "post",
        "/repos/{owner}/{repo}/contents/{path}",
        "repository",
        "Create a file by a commit",
        Created,
    ),
    op(
        "put",
        "/repos/{owner}/{repo}/contents/{path}",
        "repository",
        "Replace a file by a commit",
        Object,
    ),
    op(
        "delete",
        "/repos/{owner}/{repo}/contents/{path}",
        "repository",
        "Delete a file by a commit",
        Object,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/raw/{path}",
        "repository",
        "A file's bytes",
        Bytes,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/archive/{archive}",
        "repository",
        "An archive: {ref}.zip or {ref}.tar.gz",
        Bytes,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/branches",
        "repository",
        "Branches",
        List,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/branches/{branch}",
        "repository",
        "A branch",
        Object,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/tags",
        "repository",
        "Tags",
        List,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/commits",
        "repository",
        "Commits",
        List,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/git/commits/{sha}",
        "repository",
        "A commit",
        Object,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/topics",
        "repository",
        "Topics",
        Object,
    ),
    op(
        "put",
        "/repos/{owner}/{repo}/topics",
        "repository",
        "Replace the topics",
        Empty,
    ),
    op(
        "put",
        "/repos/{owner}/{repo}/topics/{topic}",
        "repository",
        "Add a topic",
        Empty,
    ),
    op(
        "delete",
        "/repos/{owner}/{repo}/topics/{topic}",
        "repository",
        "Remove a topic",
        Empty,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/collaborators",
        "repository",
        "Collaborators",
        List,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/collaborators/{username}",
        "repository",
        "Whether someone is a collaborator (204 or 404)",
        Empty,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/collaborators/{username}/permission",
        "repository",
        "What someone may do",
        Object,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/issues",
        "issue",
        "Issues (and pull requests, unless `type` says `issues` or `pulls`)",
        List,
    )
    .query(&["state", "type"]),
    op(
        "post",
        "/repos/{owner}/{repo}/issues",
        "issue",
        "Open an issue",
        Created,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/issues/comments",
        "issue",
        "Every comment of the repository",
        List,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/issues/comments/{id}",
        "issue",
        "A comment",
        Object,
    ),
    op(
        "patch",
        "/repos/{owner}/{repo}/issues/comments/{id}",
        "issue",
        "Edit a comment",
        Object,
    ),
    op(
        "delete",
        "/repos/{owner}/{repo}/issues/comments/{id}",
        "issue",
        "Delete a comment",
        Empty,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/issues/{index}",
        "issue",
        "An issue",
        Object,
    ),
    op(
        "patch",
        "/repos/{owner}/{repo}/issues/{index}",
        "issue",
        "Change an issue (201, as Gitea answers)",
        Created,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/issues/{index}/comments",
        "issue",
        "An issue's comments",
        List,
    ),
    op(
        "post",
        "/repos/{owner}/{repo}/issues/{index}/comments",
        "issue",
        "Comment",
        Created,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/issues/{index}/labels",
        "issue",
        "An issue's labels",
        List,
    ),
    op(
        "post",
        "/repos/{owner}/{repo}/issues/{index}/labels",
        "issue",
        "Add labels",
        List,
    ),
    op(
        "put",
        "/repos/{owner}/{repo}/issues/{index}/labels",
        "issue",
        "Replace the labels",
        List,
    ),
    op(
        "delete",
        "/repos/{owner}/{repo}/issues/{index}/labels",
        "issue",
        "Remove every label",
        Empty,
    ),
    op(
        "delete",
        "/repos/{owner}/{repo}/issues/{index}/labels/{id}",
        "issue",
        "Remove a label",
        Empty,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/issues/{index}/timeline",
        "issue",
        "An issue's timeline",
        List,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/labels",
        "issue",
        "Labels",
        List,
    ),
    op(
        "post",
        "/repos/{owner}/{repo}/labels",
        "issue",
        "Create a label",
        Created,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/labels/{id}",
        "issue",
        "A label",
        Object,
    ),
    op(
        "patch",
        "/repos/{owner}/{repo}/labels/{id}",
        "issue",
        "Change a label",
        Object,
    ),
    op(
        "delete",
        "/repos/{owner}/{repo}/labels/{id}",
        "issue",
        "Delete a label",
        Empty,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/milestones",
        "issue",
        "Milestones",
        List,
    ),
    op(
        "post",
        "/repos/{owner}/{repo}/milestones",
        "issue",
        "Create a milestone",
        Created,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/milestones/{id}",
        "issue",
        "A milestone",
        Object,
    ),
    op(
        "patch",
        "/repos/{owner}/{repo}/milestones/{id}",
        "issue",
        "Change a milestone",
        Object,
    ),
    op(
        "delete",
        "/repos/{owner}/{repo}/milestones/{id}",
        "issue",
        "Delete a milestone",
        Empty,
    ),
    op(
        "get",
        "/repos/{owner}/{repo}/funding",
        "funding",
        "A repository's funding goals",
        List,
    ),
    op("get", GOAL, "funding", "An issue's funding goal", Object),
    op(
        "put",
        GOAL,
        "funding",
        "Put or change a funding goal",
        Object,
    ),
    op(
        "post",
        concat!("/repos/{owner}/{repo}/issues/{index}/funding", "/pledges"),
        "funding",
        "Pledge (Idempotency-Key)",
        Created,
    ),
    op(
        "delete",
        concat!(
            "/repos/{owner}/{repo}/issues/{index}/funding",
            "/pledges/{id}"
        ),
        "funding",
        "Withdraw a pledge",
        Object,
    ),
    op(
        "post",
        concat!(
            "/repos/{owner}/{repo}/issues/{index}/funding",
            "/pledges/{id}/payments"
        ),
        "funding",
        "Record a payment (Idempotency-Key)",
        Created,
    ),
    op(
        "post",
        concat!(
            "/repos/{owner}/{repo}/issues/{index}/funding",
            "/payments/{id}/reverse"
        ),
        "funding",
        "Reverse a payment",
        Object,
    ),
    op(
        "post",
        concat!("/repos/{owner}/{repo}/issues/{index}/funding", "/deliver"),
        "funding",
        "Declare the delivery",
        Object,
    ),
    op(
        "post",
        concat!("/repos/{owner}/{repo}/issues/{index}/funding", "/review"),
        "funding",
        "Accept or object to a delivery",
        Object,
    ),
    op(
        "post",
        concat!("/repos/{owner}/{repo}/issues/{index}/funding", "/resolve"),
        "funding",
        "The mediator's decision",
        Object,
    ),
    op(
        "post",
        concat!("/repos/{owner}/{repo}/issues/{index}/funding", "/vote"),
        "funding",
        "A pledger's vote in a dispute",
        Object,
    ),
    op(
        "post",
        concat!("/repos/{owner}/{repo}/issues/{index}/funding", "/cancel"),
        "funding",
        "Cancel a goal",
        Object,
    ),
    op(
        "get",
        concat!("/repos/{owner}/{repo}/issues/{index}/funding", "/ledger"),
        "funding",
        "A goal's ledger",
        List,
    ),
];

fn parameters(path: &str) -> Vec<Value> {
    path.split('/')
        .filter_map(|c| c.strip_prefix('{').and_then(|c| c.strip_suffix('}')))
        .map(|name| {
            let integer = matches!(name, "index" | "id");
            json!({
                "name": name,
                "in": "path",
                "required": true,
                "schema": { "type": if integer { "integer" } else { "string" } },
            })
        })
        .collect()
}

fn paging() -> Vec<Value> {
    ["page", "limit"]
        .iter()
        .map(|name| json!({"name": name, "in": "query", "required": false, "schema": {"type": "integer"}}))
        .collect()
}

fn success(answer: Answer) -> (String, Value) {
    let json_body = |schema: Value| json!({"application/json": {"schema": schema}});
    match answer {
        Object => (
            "200".into(),
            json!({"description": "OK", "content": json_body(json!({"type": "object"}))}),
        ),
        Created => (
            "201".into(),
            json!({"description": "Created", "content": json_body(json!({"type": "object"}))}),
        ),
        List => (
            "200".into(),
            json!({
                "description": "One page of the list",
                "headers": {
                    "X-Total-Count": {"schema": {"type": "integer"}},
                    "Link": {"schema": {"type": "string"}},
                },
                "content": json_body(json!({"type": "array", "items": {"type": "object"}})),
            }),
        ),
        Empty => ("204".into(), json!({"description": "Done"})),
        Bytes => (
            "200".into(),
            json!({"description": "The bytes", "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}}),
        ),
        Accepted => (
            "202".into(),
            json!({"description": "Accepted", "content": json_body(json!({"type": "object"}))}),
        ),
        Reset => (
            "205".into(),
            json!({"description": "Marked", "content": json_body(json!({}))}),
        ),
        Array => (
            "200".into(),
            json!({"description": "Every item", "content": json_body(json!({"type": "array", "items": {"type": "object"}}))}),
        ),
    }
}

/// The OpenAPI 3 document of the API whose base is `base_url`.
pub fn document(base_url: &str) -> Value {
    let error = json!({"$ref": "#/components/responses/Error"});
    let mut paths = Map::new();
    for operation in operations() {
        let entry = paths
            .entry(operation.path.to_string())
            .or_insert_with(|| json!({"parameters": parameters(operation.path)}));
        let (status, answer) = success(operation.answer);
        let mut responses = Map::new();
        responses.insert(status, answer);
        for code in [
            "400", "401", "403", "404", "409", "413", "422", "429", "503",
        ] {
            responses.insert(code.to_string(), error.clone());
        }
        let mut described = json!({
            "tags": [operation.tag],
            "summary": operation.summary,
            "operationId": operation_id(operation),
            "responses": responses,
        });
        let mut query = if operation.answer == List {
            paging()
        } else {
            Vec::new()
        };
        query.extend(operation.query.iter().map(|name| {
            json!({"name": name, "in": "query", "required": false, "schema": {"type": "string"}})
        }));
        if !query.is_empty() {
            described["parameters"] = Value::Array(query);
        }
        if matches!(operation.method, "post" | "put" | "patch") && operation.path != "/markdown/raw"
        {
            let mut schema = json!({"type": "object"});
            if !operation.required.is_empty() {
                schema["required"] = json!(operation.required);
            }
            described["requestBody"] = json!({
                "required": !operation.required.is_empty(),
                "content": {"application/json": {"schema": schema}},
            });
        }
        entry[operation.method] = described;
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Forge API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Shaped like Gitea's v1 API (objects, paging, errors), with the funding API of the forge.",
        },
        "servers": [{"url": format!("{base_url}/api/v1")}],
        "security": [{"token": []}, {"bearer": []}, {"basic": []}, {}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "token": {"type": "apiKey", "in": "header", "name": "Authorization", "description": "token TOKEN"},
                "bearer": {"type": "http", "scheme": "bearer"},
                "basic": {"type": "http", "scheme": "basic"},
            },
            "responses": {
                "Error": {
                    "description": "A refusal, with its reason",
                    "content": {"application/json": {"schema": {
                        "type": "object",
                        "required": ["message"],
                        "properties": {"message": {"type": "string"}},
                    }}},
                },
            },
        },
    })
}

fn operation_id(operation: &Operation) -> String {
    let mut id = operation.method.to_string();
    for part in operation.path.split('/').filter(|p| !p.is_empty()) {
        let word = part.trim_start_matches('{').trim_end_matches('}');
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            id.push(first.to_ascii_uppercase());
            id.extend(chars.filter(|c| c.is_ascii_alphanumeric()));
        }
    }
    id
}

/// `GET /api/v1/openapi.json`.
pub async fn json(State(state): State<AppState>) -> Json<Value> {
    Json(document(&state.config.base_url))
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `GET /api/swagger`: every operation as a readable list, grouped by tag.
pub async fn page() -> Response {
    let mut html = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>API</title><link rel=\"stylesheet\" href=\"/-/assets/style.css\"></head>\
         <body><main><h1>API</h1><p>Every operation under <code>/api/v1</code>; \
         the whole description is <a href=\"/api/v1/openapi.json\">openapi.json</a>.</p>",
    );
    let mut tags: Vec<&str> = operations().map(|o| o.tag).collect();
    tags.dedup();
    tags.sort_unstable();
    tags.dedup();
    for tag in tags {
        html.push_str(&format!("<section><h2>{}</h2><ul>", escape(tag)));
        for operation in operations().filter(|o| o.tag == tag) {
            html.push_str(&format!(
                "<li><code>{} {}</code>: {}</li>",
                operation.method.to_ascii_uppercase(),
                escape(operation.path),
                escape(operation.summary)
            ));
        }
        html.push_str("</ul></section>");
    }
    html.push_str("</main></body></html>\n");
    ([(CONTENT_TYPE, "text/html; charset=utf-8")], html).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_are_unique_and_named_once() {
        let mut seen = std::collections::HashSet::new();
        for operation in operations() {
            assert!(
                seen.insert((operation.method, operation.path)),
                "{} {} twice",
                operation.method,
                operation.path
            );
        }
        let ids: std::collections::HashSet<String> = operations().map(operation_id).collect();
        assert_eq!(ids.len(), operations().count());
    }
}
