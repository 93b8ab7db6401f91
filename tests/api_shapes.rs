//! The forge's JSON objects compared field by field with Gitea's swagger
//! definitions (`tests/gitea-swagger/definitions.json`, a copy of the ones
//! checked, with their source): every property Gitea defines is there with
//! its type, in every object and every object inside it, on every engine
//! under test.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_tests::{TestForge, http};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Properties Gitea writes as `null` when they do not apply.
const NULLABLE: [&str; 8] = [
    "closed_at",
    "due_on",
    "due_date",
    "content",
    "encoding",
    "target",
    "submodule_git_url",
    "download_url",
];

fn definitions() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/gitea-swagger/definitions.json"
    ))
    .unwrap();
    serde_json::from_str::<Value>(&text).unwrap()["definitions"].clone()
}

fn type_matches(kind: &str, value: &Value) -> bool {
    match kind {
        "integer" => value.is_i64() || value.is_u64(),
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "array" => value.is_array(),
        "object" => value.is_object(),
        _ => true,
    }
}

/// What is missing or mistyped in `value` as Gitea's definition `name`.
fn check(defs: &Value, name: &str, value: &Value, at: &str, problems: &mut Vec<String>) {
    let Some(def) = defs.get(name) else {
        return; // A definition not kept: not checked.
    };
    if let Some(kind) = def["type"].as_str()
        && kind != "object"
    {
        if !type_matches(kind, value) {
            problems.push(format!("{at}: {value} is not a {kind} ({name})"));
        }
        return;
    }
    let Some(fields) = value.as_object() else {
        problems.push(format!("{at}: not an object ({name})"));
        return;
    };
    for (property, schema) in def["properties"].as_object().unwrap() {
        let here = format!("{at}.{property}");
        let found = fields.get(property);
        if let Some(reference) = schema["$ref"].as_str() {
            if let Some(found) = found.filter(|v| !v.is_null()) {
                let target = reference.trim_start_matches("#/definitions/");
                check(defs, target, found, &here, problems);
            }
            continue;
        }
        let Some(found) = found else {
            problems.push(format!("{here}: missing ({name})"));
            continue;
        };
        let kind = schema["type"].as_str().unwrap_or("");
        if found.is_null() && NULLABLE.contains(&property.as_str()) {
            continue;
        }
        if !type_matches(kind, found) {
            problems.push(format!("{here}: {found} is not a {kind} ({name})"));
            continue;
        }
        if kind == "array" {
            for (i, item) in found.as_array().unwrap().iter().enumerate() {
                let item_at = format!("{here}[{i}]");
                match (
                    schema["items"]["$ref"].as_str(),
                    schema["items"]["type"].as_str(),
                ) {
                    (Some(reference), _) => check(
                        defs,
                        reference.trim_start_matches("#/definitions/"),
                        item,
                        &item_at,
                        problems,
                    ),
                    (None, Some(kind)) if !type_matches(kind, item) => {
                        problems.push(format!("{item_at}: {item} is not a {kind}"));
                    }
                    _ => {}
                }
            }
        }
    }
}

async fn call(
    forge: &TestForge,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let mut request = http()
        .request(method, forge.at(&format!("/api/v1{path}")))
        .header("authorization", format!("token {token}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    if response.status() == StatusCode::NO_CONTENT {
        return Value::Null;
    }
    response.json().await.unwrap()
}

#[tokio::test]
async fn json_objects_have_every_field_of_giteas_definitions() {
    let defs = definitions();
    for forge in TestForge::on_each_engine().await {
        let engine = forge.engine();
        let (_, token) = forge.user_with_token("ada", false).await;
        let t = token.as_str();
        call(
            &forge,
            t,
            Method::POST,
            "/orgs",
            Some(json!({"username": "coop"})),
        )
        .await;
        let repo = call(
            &forge,
            t,
            Method::POST,
            "/orgs/coop/repos",
            Some(json!({"name": "tool", "auto_init": true, "license": "EUPL-1.2"})),
        )
        .await;
        call(&forge, t, Method::PUT, "/repos/coop/tool/topics/rust", None).await;
        let label = call(
            &forge,
            t,
            Method::POST,
            "/repos/coop/tool/labels",
            Some(json!({"name": "bug", "color": "#ee0701"})),
        )
        .await;
        let milestone = call(
            &forge,
            t,
            Method::POST,
            "/repos/coop/tool/milestones",
            Some(json!({"title": "v1", "due_on": "2030-01-01T00:00:00Z"})),
        )
        .await;
        call(
            &forge,
            t,
            Method::POST,
            "/repos/coop/tool/issues",
            Some(json!({
                "title": "It breaks", "body": "Steps", "labels": [label["id"]],
                "milestone": milestone["id"], "assignees": ["ada"],
            })),
        )
        .await;
        let comment = call(
            &forge,
            t,
            Method::POST,
            "/repos/coop/tool/issues/1/comments",
            Some(json!({"body": "Seen"})),
        )
        .await;
        // A tag, made by git itself.
        let git_dir = forge.storage.path_of(repo["id"].as_i64().unwrap());
        let tagged = std::process::Command::new("git")
            .arg("--git-dir")
            .arg(&git_dir)
            .args(["tag", "v1.0", "main"])
            .status()
            .unwrap();
        assert!(tagged.success());
        let commits = call(&forge, t, Method::GET, "/repos/coop/tool/commits", None).await;
        let sha = commits[0]["sha"].as_str().unwrap().to_string();

        let cases: Vec<(&str, String, bool)> = vec![
            ("User", "/users/ada".into(), false),
            ("Organization", "/orgs/coop".into(), false),
            ("Repository", "/repos/coop/tool".into(), false),
            ("SearchResults", "/repos/search?q=tool".into(), false),
            ("ServerVersion", "/version".into(), false),
            ("TopicName", "/repos/coop/tool/topics".into(), false),
            (
                "RepoCollaboratorPermission",
                "/repos/coop/tool/collaborators/ada/permission".into(),
                false,
            ),
            (
                "Label",
                format!("/repos/coop/tool/labels/{}", label["id"]),
                false,
            ),
            (
                "Milestone",
                format!("/repos/coop/tool/milestones/{}", milestone["id"]),
                false,
            ),
            ("Issue", "/repos/coop/tool/issues/1".into(), false),
            ("Issue", "/repos/coop/tool/issues".into(), true),
            (
                "Comment",
                format!("/repos/coop/tool/issues/comments/{}", comment["id"]),
                false,
            ),
            ("Comment", "/repos/coop/tool/issues/comments".into(), true),
            ("Branch", "/repos/coop/tool/branches/main".into(), false),
            ("Branch", "/repos/coop/tool/branches".into(), true),
            ("Tag", "/repos/coop/tool/tags".into(), true),
            ("Commit", "/repos/coop/tool/commits".into(), true),
            (
                "Commit",
                format!("/repos/coop/tool/git/commits/{sha}"),
                false,
            ),
            (
                "ContentsResponse",
                "/repos/coop/tool/contents/README.md".into(),
                false,
            ),
            ("ContentsResponse", "/repos/coop/tool/contents".into(), true),
            ("User", "/repos/coop/tool/collaborators".into(), true),
            ("User", "/users/search?q=ad".into(), false),
        ];
        let mut problems = Vec::new();
        for (name, path, list) in cases {
            let value = call(&forge, t, Method::GET, &path, None).await;
            if path.starts_with("/users/search") {
                for (i, item) in value["data"].as_array().unwrap().iter().enumerate() {
                    check(&defs, name, item, &format!("{path}[{i}]"), &mut problems);
                }
            } else if list {
                let items = value.as_array().unwrap();
                assert!(!items.is_empty(), "{path}: an empty list checks nothing");
                for (i, item) in items.iter().enumerate() {
                    check(&defs, name, item, &format!("{path}[{i}]"), &mut problems);
                }
            } else {
                check(&defs, name, &value, &path, &mut problems);
            }
        }
        assert!(problems.is_empty(), "{engine:?}:\n{}", problems.join("\n"));
    }
}
