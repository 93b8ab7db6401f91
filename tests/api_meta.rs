//! The API around repositories, on every engine under test: version,
//! settings, Markdown, searches and admin listings, a user's
//! organisations, topics, collaborators, a repository's comments, and
//! tokens in HTTP Basic as Gitea's clients send them.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_tests::{TestForge, http};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn call(
    forge: &TestForge,
    token: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value, reqwest::header::HeaderMap) {
    let mut request = http()
        .request(method, forge.at(&format!("/api/v1{path}")))
        .header("authorization", format!("token {token}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
        headers,
    )
}

#[tokio::test]
async fn version_settings_and_markdown() {
    for forge in TestForge::on_each_engine().await {
        let client = http();
        let version: Value = client
            .get(forge.at("/api/v1/version"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert!(version["version"].as_str().unwrap().starts_with("1."));
        for (path, field) in [
            ("api", "max_response_items"),
            ("repository", "mirrors_disabled"),
            ("ui", "allowed_reactions"),
            ("attachment", "enabled"),
        ] {
            let body: Value = client
                .get(forge.at(&format!("/api/v1/settings/{path}")))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert!(body.get(field).is_some(), "{path}: {body}");
        }
        let html = client
            .post(forge.at("/api/v1/markdown"))
            .json(&json!({"Text": "**hi** <script>x</script> #3", "Mode": "gfm", "Context": "ada/demo"}))
            .send()
            .await
            .unwrap();
        assert_eq!(html.status(), StatusCode::OK);
        assert!(
            html.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        let html = html.text().await.unwrap();
        assert!(html.contains("<strong>hi</strong>"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("/ada/demo/issues/3"), "{html}");
        let raw = client
            .post(forge.at("/api/v1/markdown/raw"))
            .body("# Title")
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(raw.contains("Title</h1>"), "{raw}");
    }
}

#[tokio::test]
async fn searches_listings_topics_collaborators_and_comments() {
    for forge in TestForge::on_each_engine().await {
        let engine = forge.engine();
        let (_, root) = forge.user_with_token("root", true).await;
        let (_, ada) = forge.user_with_token("ada", false).await;
        let (_, bob) = forge.user_with_token("bob", false).await;
        let (status, _, _) = call(
            &forge,
            &ada,
            Method::POST,
            "/orgs",
            Some(json!({"username": "coop"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, _, _) = call(
            &forge,
            &ada,
            Method::PUT,
            "/orgs/coop/members/bob",
            Some(json!({"role": "maintainer"})),
        )
        .await;
        assert!(status.is_success());
        let (status, repo, _) = call(
            &forge,
            &ada,
            Method::POST,
            "/orgs/coop/repos",
            Some(json!({"name": "tool"})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{engine:?} {repo}");

        // Users: search, and the admin listing (admins only).
        let (_, found, headers) = call(&forge, &bob, Method::GET, "/users/search?q=ad", None).await;
        assert_eq!(found["ok"], true);
        assert_eq!(found["data"][0]["login"], "ada");
        assert_eq!(headers["x-total-count"], "1");
        let (status, _, _) = call(&forge, &bob, Method::GET, "/admin/users", None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, users, headers) =
            call(&forge, &root, Method::GET, "/admin/users?limit=2", None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(users.as_array().unwrap().len(), 2);
        assert_eq!(headers["x-total-count"], "3");
        let (status, orgs, _) = call(&forge, &root, Method::GET, "/admin/orgs", None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(orgs[0]["name"], "coop");
        assert_eq!(
            call(&forge, &ada, Method::GET, "/admin/orgs", None).await.0,
            StatusCode::FORBIDDEN
        );
        let (_, mine, _) = call(&forge, &ada, Method::GET, "/users/bob/orgs", None).await;
        assert_eq!(mine[0]["username"], "coop");

        // Topics: the owner of the organisation changes them, a
        // maintainer may not.
        let (status, _, _) = call(
            &forge,
            &ada,
            Method::PUT,
            "/repos/coop/tool/topics",
            Some(json!({"topics": ["Rust", "forge", "rust"]})),
        )
        .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (_, topics, _) = call(&forge, &bob, Method::GET, "/repos/coop/tool/topics", None).await;
        assert_eq!(topics, json!({"topics": ["forge", "rust"]}));
        assert_eq!(
            call(
                &forge,
                &ada,
                Method::PUT,
                "/repos/coop/tool/topics/web",
                None
            )
            .await
            .0,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            call(
                &forge,
                &ada,
                Method::DELETE,
                "/repos/coop/tool/topics/forge",
                None
            )
            .await
            .0,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            call(
                &forge,
                &ada,
                Method::PUT,
                "/repos/coop/tool/topics/not%20valid",
                None
            )
            .await
            .0,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            call(&forge, &bob, Method::PUT, "/repos/coop/tool/topics/x", None)
                .await
                .0,
            StatusCode::FORBIDDEN
        );
        let (_, repo, _) = call(&forge, &bob, Method::GET, "/repos/coop/tool", None).await;
        assert_eq!(repo["topics"], json!(["rust", "web"]));

        // Collaborators: the organisation's members.
        let (_, people, _) = call(
            &forge,
            &bob,
            Method::GET,
            "/repos/coop/tool/collaborators",
            None,
        )
        .await;
        let logins: Vec<&str> = people
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["login"].as_str().unwrap())
            .collect();
        assert_eq!(logins, ["ada", "bob"]);
        assert_eq!(
            call(
                &forge,
                &bob,
                Method::GET,
                "/repos/coop/tool/collaborators/bob",
                None
            )
            .await
            .0,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            call(
                &forge,
                &bob,
                Method::GET,
                "/repos/coop/tool/collaborators/root",
                None
            )
            .await
            .0,
            StatusCode::NOT_FOUND
        );
        let (_, permission, _) = call(
            &forge,
            &bob,
            Method::GET,
            "/repos/coop/tool/collaborators/bob/permission",
            None,
        )
        .await;
        assert_eq!(permission["permission"], "write");
        assert_eq!(permission["user"]["login"], "bob");
        assert_eq!(
            call(
                &forge,
                &bob,
                Method::GET,
                "/repos/coop/tool/collaborators/ada/permission",
                None
            )
            .await
            .0,
            StatusCode::FORBIDDEN
        );
        let (_, permission, _) = call(
            &forge,
            &ada,
            Method::GET,
            "/repos/coop/tool/collaborators/root/permission",
            None,
        )
        .await;
        assert_eq!(
            permission["permission"], "admin",
            "site admins administer all"
        );

        // A repository's comments, by page.
        for title in ["One", "Two"] {
            let (status, _, _) = call(
                &forge,
                &ada,
                Method::POST,
                "/repos/coop/tool/issues",
                Some(json!({"title": title})),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED);
        }
        for (index, text) in [(1, "first"), (2, "second"), (1, "third")] {
            let (status, _, _) = call(
                &forge,
                &bob,
                Method::POST,
                &format!("/repos/coop/tool/issues/{index}/comments"),
                Some(json!({"body": text})),
            )
            .await;
            assert_eq!(status, StatusCode::CREATED);
        }
        let (status, comments, headers) = call(
            &forge,
            &ada,
            Method::GET,
            "/repos/coop/tool/issues/comments?limit=2&page=2",
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{comments}");
        assert_eq!(headers["x-total-count"], "3");
        assert_eq!(comments[0]["body"], "third");
        assert!(
            comments[0]["issue_url"]
                .as_str()
                .unwrap()
                .ends_with("/issues/1")
        );
        let (_, none, _) = call(
            &forge,
            &ada,
            Method::GET,
            "/repos/coop/tool/issues/comments?since=2999-01-01T00:00:00Z",
            None,
        )
        .await;
        assert_eq!(none, json!([]));
    }
}

#[tokio::test]
async fn tokens_in_basic_as_gitea_clients_send_them() {
    for forge in TestForge::on_each_engine().await {
        let (_, token) = forge.user_with_token("ada", false).await;
        let client = http();
        for (user, password) in [
            ("oauth2", Some(token.as_str())),
            (token.as_str(), Some("x-oauth-basic")),
            (token.as_str(), Some("")),
            (token.as_str(), None),
        ] {
            let response = client
                .get(forge.at("/api/v1/user"))
                .basic_auth(user, password)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{password:?}");
            let me: Value = response.json().await.unwrap();
            assert_eq!(me["login"], "ada");
        }
        let wrong = "0".repeat(40);
        for (user, password) in [
            ("oauth2", Some(wrong.as_str())),
            (wrong.as_str(), Some("x-oauth-basic")),
        ] {
            let response = client
                .get(forge.at("/api/v1/user"))
                .basic_auth(user, password)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        }
    }
}

#[tokio::test]
async fn the_openapi_document_is_valid_and_names_every_operation() {
    let forge = TestForge::on_each_engine().await.remove(0);
    let client = http();
    let document: Value = client
        .get(forge.at("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(document["openapi"], "3.0.3");
    let paths = document["paths"].as_object().unwrap();
    for (path, method) in [
        ("/repos/{owner}/{repo}/contents/{path}", "put"),
        ("/repos/search", "get"),
        (
            "/repos/{owner}/{repo}/issues/{index}/funding/pledges",
            "post",
        ),
        ("/orgs/{org}/pledges", "get"),
    ] {
        assert!(paths[path].get(method).is_some(), "{method} {path}");
    }
    // Every documented operation is routed: none answers 405, and those
    // without parameters answer without a server error.
    for (path, item) in paths {
        for method in ["get", "post", "put", "patch", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            let concrete = path
                .replace("{owner}", "nobody")
                .replace("{repo}", "nothing")
                .replace("{index}", "1")
                .replace("{id}", "1")
                .replace(['{', '}'], "");
            let response = client
                .request(
                    Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
                    forge.at(&format!("/api/v1{concrete}")),
                )
                .json(&json!({}))
                .send()
                .await
                .unwrap();
            assert_ne!(
                response.status(),
                StatusCode::METHOD_NOT_ALLOWED,
                "{method} {path}"
            );
            assert!(!response.status().is_server_error(), "{method} {path}");
        }
    }
    // The validator of the OpenAPI specification accepts it.
    let file = std::env::temp_dir().join(format!("forge-openapi-{}.json", std::process::id()));
    std::fs::write(&file, serde_json::to_vec(&document).unwrap()).unwrap();
    let validated = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys; from openapi_spec_validator import validate; \
             from openapi_spec_validator.readers import read_from_filename; \
             validate(read_from_filename(sys.argv[1])[0])",
        ])
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&file);
    assert!(
        validated.status.success(),
        "openapi-spec-validator (pip) refuses the document:\n{}",
        String::from_utf8_lossy(&validated.stderr)
    );
    let page = client.get(forge.at("/api/swagger")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    assert!(
        html.contains("PUT /repos/{owner}/{repo}/contents/{path}"),
        "{html}"
    );
}

/// The source of one call, from after its `(` to its matching `)`, string
/// literals skipped; `None` when the text ends first.
fn call_arguments(text: &str) -> Option<&str> {
    let mut depth = 1;
    let mut in_string = false;
    let mut escaped = false;
    for (at, c) in text.char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Some(&text[..at]);
                }
            }
            _ => {}
        }
    }
    None
}

/// The first string literal of `text` (paths hold no escapes).
fn string_literal(text: &str) -> &str {
    let start = text.find('"').expect("a string literal") + 1;
    let end = start + text[start..].find('"').expect("a closed string literal");
    &text[start..end]
}

/// The path a `.route(..)`'s first argument names: a literal, a `const`
/// of the file, or `&format!("{CONST}/more/{{id}}")`.
fn route_path(argument: &str, consts: &std::collections::HashMap<String, String>) -> String {
    let argument = argument.trim().trim_start_matches('&');
    let path = if argument.starts_with('"') {
        string_literal(argument).to_string()
    } else if let Some(format) = argument.strip_prefix("format!(") {
        let mut path = string_literal(format)
            .replace("{{", "\u{1}")
            .replace("}}", "\u{2}");
        let mut unnamed = path.clone();
        for (name, value) in consts {
            path = path.replace(&format!("{{{name}}}"), value);
            unnamed = unnamed.replace(&format!("{{{name}}}"), "");
        }
        assert!(!unnamed.contains('{'), "unknown name in {argument}");
        path.replace('\u{1}', "{").replace('\u{2}', "}")
    } else {
        consts
            .get(argument)
            .unwrap_or_else(|| panic!("cannot read the route path {argument}"))
            .clone()
    };
    path.replace("{*", "{")
}

/// The methods of a method router: `get(h)`, `axum::routing::delete(h)`,
/// `get(h).post(h2)`, across lines.
fn route_methods(mut expression: &str) -> Vec<String> {
    let mut methods = Vec::new();
    loop {
        expression = expression.trim_start();
        expression = expression
            .strip_prefix("axum::routing::")
            .or_else(|| expression.strip_prefix("routing::"))
            .unwrap_or(expression);
        let name_end = expression
            .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
            .unwrap_or(expression.len());
        let name = &expression[..name_end];
        assert!(
            matches!(name, "get" | "post" | "put" | "patch" | "delete"),
            "a route's method router this test cannot read: {expression}"
        );
        methods.push(name.to_string());
        let rest = expression[name_end..].trim_start();
        let inside = rest
            .strip_prefix('(')
            .and_then(call_arguments)
            .unwrap_or_else(|| panic!("unclosed {name}( in {expression}"));
        expression = rest[1 + inside.len() + 1..].trim_start();
        match expression.strip_prefix('.') {
            Some(more) => expression = more,
            None if matches!(expression.trim(), "" | ",") => return methods,
            None => panic!("a route's method router this test cannot read: {expression}"),
        }
    }
}

/// Every `(method, path)` the `.route(..)` calls of `forge-web/src/api`
/// route, read from the source: axum cannot list a router's routes.
fn routed_operations() -> std::collections::BTreeSet<(String, String)> {
    let folder = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../forge-web/src/api");
    let mut routed = std::collections::BTreeSet::new();
    for entry in std::fs::read_dir(&folder).unwrap() {
        let file = entry.unwrap().path();
        if file.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text: String = std::fs::read_to_string(&file)
            .unwrap()
            .lines()
            .filter(|line| !line.trim_start().starts_with("//"))
            .map(|line| format!("{line}\n"))
            .collect();
        for unread in [
            ".nest(",
            ".nest_service(",
            ".route_service(",
            "on(MethodFilter",
        ] {
            assert!(
                !text.contains(unread),
                "{}: {unread} routes this test does not read",
                file.display()
            );
        }
        let mut consts = std::collections::HashMap::new();
        for (at, _) in text.match_indices("const ") {
            let rest = &text[at + "const ".len()..];
            if let Some((name, value)) = rest.split_once(": &str = ")
                && value.starts_with('"')
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            {
                consts.insert(name.to_string(), string_literal(value).to_string());
            }
        }
        for (at, _) in text.match_indices(".route(") {
            let arguments = call_arguments(&text[at + ".route(".len()..])
                .unwrap_or_else(|| panic!("{}: unclosed .route(", file.display()));
            // The path holds no comma outside `format!`'s parentheses.
            let split = if arguments
                .trim_start()
                .trim_start_matches('&')
                .starts_with("format!(")
            {
                let inner = arguments.find("format!(").unwrap() + "format!(".len();
                inner + call_arguments(&arguments[inner..]).unwrap().len() + 1
            } else {
                0
            };
            let comma = split
                + arguments[split..]
                    .find(',')
                    .expect("a route's two arguments");
            let path = route_path(&arguments[..comma], &consts);
            for method in route_methods(&arguments[comma + 1..]) {
                routed.insert((method, path.clone()));
            }
        }
    }
    routed
}

#[test]
fn every_api_route_is_in_the_openapi_document() {
    let routed = routed_operations();
    // The reading itself works: literals, multi-line chains, `format!`.
    for (method, path) in [
        ("delete", "/repos/{owner}/{repo}/issues/{index}/labels"),
        ("put", "/repos/{owner}/{repo}/contents/{path}"),
        (
            "post",
            "/repos/{owner}/{repo}/issues/{index}/funding/pledges/{id}/payments",
        ),
        ("delete", "/users/{username}/tokens/{id}"),
    ] {
        assert!(
            routed.contains(&(method.to_string(), path.to_string())),
            "{method} {path} not read from the routes"
        );
    }
    let document = forge_web::api::openapi::document("http://forge.test");
    let missing: Vec<String> = routed
        .iter()
        .filter(|(method, path)| document["paths"][path.as_str()].get(method).is_none())
        .map(|(method, path)| format!("{} {path}", method.to_uppercase()))
        .collect();
    assert!(
        missing.is_empty(),
        "routed but missing from the OpenAPI document (forge-web/src/api/openapi*.rs):\n{}",
        missing.join("\n")
    );
    // And the other way: the document names nothing that is not routed.
    let mut unrouted = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            if method != "parameters" && !routed.contains(&(method.clone(), path.clone())) {
                unrouted.push(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    assert!(
        unrouted.is_empty(),
        "documented but not routed:\n{}",
        unrouted.join("\n")
    );
}
