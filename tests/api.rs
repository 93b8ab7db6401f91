//! The JSON API over real sockets, on every engine under test.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_tests::{TestForge, http, password_of};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn json_of(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let body = response
        .json::<Value>()
        .await
        .expect("the API answers JSON");
    (status, body)
}

/// The fields of Gitea's `User` object (its swagger definition), which its
/// clients read wherever a user appears.
const GITEA_USER_FIELDS: [&str; 23] = [
    "id",
    "login",
    "login_name",
    "source_id",
    "full_name",
    "email",
    "avatar_url",
    "html_url",
    "language",
    "is_admin",
    "last_login",
    "created",
    "restricted",
    "active",
    "prohibit_login",
    "location",
    "website",
    "description",
    "visibility",
    "followers_count",
    "following_count",
    "starred_repos_count",
    "username",
];

#[tokio::test]
async fn an_admin_bootstraps_users_and_an_organisation() {
    for forge in TestForge::on_each_engine().await {
        let engine = forge.engine();
        forge.user("root", true).await;
        let client = http();

        // A token through HTTP Basic with the password, as Gitea clients do.
        let (status, body) = json_of(
            client
                .post(forge.at("/api/v1/users/root/tokens"))
                .basic_auth("root", Some(password_of("root")))
                .json(&json!({"name": "bootstrap"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{engine:?} {body}");
        let token = body["sha1"].as_str().unwrap().to_string();
        assert_eq!(token.len(), 40);
        assert_eq!(body["token_last_eight"], token[32..]);

        // Every accepted form of credentials.
        for auth in [format!("token {token}"), format!("Bearer {token}")] {
            let (status, me) = json_of(
                client
                    .get(forge.at("/api/v1/user"))
                    .header("authorization", auth)
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(me["login"], "root");
            assert_eq!(me["is_admin"], true);
        }
        let (status, me) = json_of(
            client
                .get(forge.at("/api/v1/user"))
                .basic_auth("root", Some(&token))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            (status, me["login"].as_str()),
            (StatusCode::OK, Some("root"))
        );

        let (status, bob) = json_of(
            client
                .post(forge.at("/api/v1/admin/users"))
                .bearer_auth(&token)
                .json(&json!({"username": "bob", "email": "bob@example.org", "password": "bob's long password"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{bob}");
        assert_eq!(bob["login"], "bob");
        assert_eq!(bob["is_admin"], false);

        let (status, org) = json_of(
            client
                .post(forge.at("/api/v1/orgs"))
                .bearer_auth(&token)
                .json(&json!({
                    "username": "coop-libre",
                    "full_name": "Coopérative Libre",
                    "description": "Shared tools",
                    "kind": "cooperative"
                }))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{org}");
        assert_eq!(org["username"], "coop-libre");
        assert_eq!(org["kind"], "cooperative");

        let (status, member) = json_of(
            client
                .put(forge.at("/api/v1/orgs/coop-libre/members/bob"))
                .bearer_auth(&token)
                .json(&json!({"role": "treasurer"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{member}");
        assert_eq!(member["role"], "treasurer");

        let (status, members) = json_of(
            client
                .get(forge.at("/api/v1/orgs/coop-libre/members"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let pick = |m: &Value| json!({"login": m["login"], "username": m["username"], "full_name": m["full_name"], "role": m["role"]});
        assert_eq!(
            members
                .as_array()
                .unwrap()
                .iter()
                .map(pick)
                .collect::<Vec<_>>(),
            vec![
                json!({"login": "root", "username": "root", "full_name": "", "role": "owner"}),
                json!({"login": "bob", "username": "bob", "full_name": "", "role": "treasurer"}),
            ]
        );
        // Members are whole Gitea users, whose clients read every field; an
        // address nobody may see is a noreply one, as in Gitea.
        for member in members.as_array().unwrap() {
            for field in GITEA_USER_FIELDS {
                assert!(member.get(field).is_some(), "{field} missing from {member}");
            }
            assert!(
                member["email"].as_str().unwrap().contains("@noreply."),
                "{member}"
            );
        }

        let (status, fetched) = json_of(
            client
                .get(forge.at("/api/v1/orgs/coop-libre"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(fetched["full_name"], "Coopérative Libre");

        // Bob sees his organisation; his e-mail is hidden from others.
        let (_, bob_public) = json_of(
            client
                .get(forge.at("/api/v1/users/bob"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        // Hidden as Gitea hides it: a noreply address of the forge's host,
        // never the real one.
        let shown = bob_public["email"].as_str().unwrap();
        assert_eq!(
            shown,
            format!(
                "bob@noreply.{}",
                forge
                    .at("")
                    .trim_start_matches("http://")
                    .trim_end_matches('/')
                    .split(':')
                    .next()
                    .unwrap()
            )
        );
        assert_ne!(shown, bob["email"].as_str().unwrap());
        let (status, mine) = json_of(
            client
                .get(forge.at("/api/v1/user/orgs"))
                .basic_auth("bob", Some("bob's long password"))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(mine[0]["username"], "coop-libre");
        assert_eq!(mine[0]["role"], "treasurer");
    }
}

#[tokio::test]
async fn errors_are_json_with_fitting_statuses() {
    for forge in TestForge::on_each_engine().await {
        let (_, root) = forge.user_with_token("root", true).await;
        let (_, alice) = forge.user_with_token("alice", false).await;
        forge.user("carol", false).await;
        let client = http();

        // Unauthenticated writes: 401 with a Basic challenge.
        let response = client
            .post(forge.at("/api/v1/orgs"))
            .json(&json!({"username": "x"}))
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.headers()["www-authenticate"],
            "Basic realm=\"forge\""
        );
        let (status, body) = json_of(response).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(body["message"].as_str().unwrap().contains("Authentication"));

        // Wrong credentials are refused, never treated as anonymous.
        for bad in [
            "token 0000000000000000000000000000000000000000",
            "Bearer nope",
            "Basic !!!",
            "Magic x",
        ] {
            let response = client
                .get(forge.at("/api/v1/orgs/none"))
                .header("authorization", bad)
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{bad}");
        }
        let response = client
            .get(forge.at("/api/v1/user"))
            .basic_auth("alice", Some("wrong password"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        // Alice's token does not work under Carol's name.
        let response = client
            .get(forge.at("/api/v1/user"))
            .basic_auth("carol", Some(&alice))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

        // Forbidden: not an admin.
        let (status, body) = json_of(
            client
                .post(forge.at("/api/v1/admin/users"))
                .bearer_auth(&alice)
                .json(&json!({"username": "eve", "email": "eve@example.org", "password": "a long password"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

        // Bad input names the field.
        let cases = [
            (
                json!({"username": "api", "email": "a@b.org", "password": "a long password"}),
                "username:",
            ),
            (
                json!({"username": "-dash", "email": "a@b.org", "password": "a long password"}),
                "username:",
            ),
            (
                json!({"username": "dave", "email": "not-an-address", "password": "a long password"}),
                "email:",
            ),
            (
                json!({"username": "dave", "email": "d@b.org", "password": "short"}),
                "password:",
            ),
        ];
        for (body, prefix) in cases {
            let (status, answer) = json_of(
                client
                    .post(forge.at("/api/v1/admin/users"))
                    .bearer_auth(&root)
                    .json(&body)
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            assert!(
                answer["message"].as_str().unwrap().starts_with(prefix),
                "{answer}"
            );
        }
        let (status, answer) = json_of(
            client
                .post(forge.at("/api/v1/admin/users"))
                .bearer_auth(&root)
                .json(&json!({"username": "alice", "email": "new@example.org", "password": "a long password"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(
            answer["message"].as_str().unwrap().starts_with("username:"),
            "{answer}"
        );

        // A body that is not the expected JSON.
        let (status, answer) = json_of(
            client
                .post(forge.at("/api/v1/orgs"))
                .bearer_auth(&alice)
                .header("content-type", "application/json")
                .body("{\"full_name\": 3")
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(answer["message"].is_string());
        let (status, answer) = json_of(
            client
                .post(forge.at("/api/v1/orgs"))
                .bearer_auth(&alice)
                .json(&json!({"username": "org1", "kind": "club"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            answer["message"].as_str().unwrap().starts_with("kind:"),
            "{answer}"
        );

        // Alice creates an organisation; Carol may not manage it.
        let response = client
            .post(forge.at("/api/v1/orgs"))
            .bearer_auth(&alice)
            .json(&json!({"username": "alices-coop", "kind": "association"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
        let (status, _) = json_of(
            client
                .put(forge.at("/api/v1/orgs/alices-coop/members/carol"))
                .basic_auth("carol", Some(password_of("carol")))
                .json(&json!({"role": "owner"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, answer) = json_of(
            client
                .put(forge.at("/api/v1/orgs/alices-coop/members/carol"))
                .bearer_auth(&alice)
                .json(&json!({"role": "boss"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(answer["message"].as_str().unwrap().starts_with("role:"));
        let (status, _) = json_of(
            client
                .put(forge.at("/api/v1/orgs/alices-coop/members/nobody"))
                .bearer_auth(&alice)
                .json(&json!({"role": "member"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // The last owner stays.
        let (status, answer) = json_of(
            client
                .put(forge.at("/api/v1/orgs/alices-coop/members/alice"))
                .bearer_auth(&alice)
                .json(&json!({"role": "member"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(
            answer["message"].as_str().unwrap().contains("owner"),
            "{answer}"
        );
        let response = client
            .delete(forge.at("/api/v1/orgs/alices-coop/members/alice"))
            .bearer_auth(&alice)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CONFLICT);

        // Members can be removed.
        client
            .put(forge.at("/api/v1/orgs/alices-coop/members/carol"))
            .bearer_auth(&alice)
            .json(&json!({"role": "member"}))
            .send()
            .await
            .unwrap();
        let response = client
            .delete(forge.at("/api/v1/orgs/alices-coop/members/carol"))
            .bearer_auth(&alice)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);

        // Unknown things are 404 in JSON.
        for path in [
            "/api/v1/orgs/nothing-here",
            "/api/v1/users/nobody",
            "/api/v1/no/such/route",
        ] {
            let (status, answer) = json_of(client.get(forge.at(path)).send().await.unwrap()).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
            assert!(answer["message"].is_string());
        }
    }
}

#[tokio::test]
async fn tokens_need_the_password_and_can_be_revoked() {
    for forge in TestForge::on_each_engine().await {
        let (_, alice_token) = forge.user_with_token("alice", false).await;
        forge.user("bob", false).await;
        let client = http();

        // A token cannot mint more tokens.
        let response = client
            .post(forge.at("/api/v1/users/alice/tokens"))
            .bearer_auth(&alice_token)
            .json(&json!({"name": "more"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        // Nor may Bob make tokens for Alice.
        let response = client
            .post(forge.at("/api/v1/users/alice/tokens"))
            .basic_auth("bob", Some(password_of("bob")))
            .json(&json!({"name": "more"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);

        let (status, created) = json_of(
            client
                .post(forge.at("/api/v1/users/alice/tokens"))
                .basic_auth("alice", Some(password_of("alice")))
                .json(&json!({"name": "laptop"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
        let secret = created["sha1"].as_str().unwrap().to_string();
        let (status, _) = json_of(
            client
                .post(forge.at("/api/v1/users/alice/tokens"))
                .basic_auth("alice", Some(password_of("alice")))
                .json(&json!({"name": "laptop"}))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::CONFLICT);

        let (status, listed) = json_of(
            client
                .get(forge.at("/api/v1/users/alice/tokens"))
                .basic_auth("alice", Some(password_of("alice")))
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        let names: Vec<&str> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["tests", "laptop"]);
        assert!(
            listed.as_array().unwrap().iter().all(|t| t["sha1"] == ""),
            "secrets are shown once"
        );

        let response = client
            .delete(forge.at(&format!("/api/v1/users/alice/tokens/{}", created["id"])))
            .basic_auth("alice", Some(password_of("alice")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        let response = client
            .get(forge.at("/api/v1/user"))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn health_follows_the_database() {
    for forge in TestForge::on_each_engine().await {
        let client = http();
        let response = client.get(forge.at("/-/health")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        forge.db.close().await;
        let response = client.get(forge.at("/-/health")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    }
}

#[tokio::test]
async fn without_local_passwords_only_admins_use_theirs_and_tokens_still_work() {
    let closed = || forge_web::WebConfig {
        local_signin: false,
        ..forge_tests::default_config()
    };
    for forge in TestForge::on_each_engine_with(closed).await {
        forge.user("root", true).await;
        let (_, token) = forge.user_with_token("bob", false).await;
        let client = http();
        let response = client
            .get(forge.at("/api/v1/user"))
            .basic_auth("bob", Some(password_of("bob")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let response = client
            .get(forge.at("/api/v1/user"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let response = client
            .get(forge.at("/api/v1/user"))
            .basic_auth("root", Some(password_of("root")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
}

/// Gitea's clients build objects from every user they meet, and tell a
/// repository owned by an organisation from one owned by a user by the
/// owner's address (empty for an organisation).
#[tokio::test]
async fn embedded_users_are_whole_gitea_users() {
    for forge in TestForge::on_each_engine().await {
        let (_, token) = forge.user_with_token("alice", false).await;
        let client = http();
        let auth = format!("token {token}");
        let post = |path: &str, body: Value| {
            client
                .post(forge.at(path))
                .header("authorization", &auth)
                .json(&body)
                .send()
        };
        let (status, repo) = json_of(
            post("/api/v1/user/repos", json!({"name": "tool"}))
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{repo}");
        let (status, org) = json_of(
            post(
                "/api/v1/orgs",
                json!({"username": "coop", "full_name": "Coop", "kind": "cooperative"}),
            )
            .await
            .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{org}");
        let (_, org_repo) = json_of(
            post("/api/v1/orgs/coop/repos", json!({"name": "shared"}))
                .await
                .unwrap(),
        )
        .await;
        let (status, issue) = json_of(
            post(
                "/api/v1/repos/alice/tool/issues",
                json!({"title": "A need", "assignees": ["alice"]}),
            )
            .await
            .unwrap(),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{issue}");
        let (_, comment) = json_of(
            post(
                "/api/v1/repos/alice/tool/issues/1/comments",
                json!({"body": "More"}),
            )
            .await
            .unwrap(),
        )
        .await;

        for (what, user) in [
            ("repository owner", &repo["owner"]),
            ("organisation's repository owner", &org_repo["owner"]),
            ("issue author", &issue["user"]),
            ("assignee", &issue["assignees"][0]),
            ("comment author", &comment["user"]),
        ] {
            for field in GITEA_USER_FIELDS {
                assert!(
                    user.get(field).is_some(),
                    "{what}: {field} missing from {user}"
                );
            }
        }
        assert_eq!(repo["owner"]["login"], "alice");
        assert!(
            !repo["owner"]["email"].as_str().unwrap().is_empty(),
            "a user owner has an address"
        );
        assert_eq!(org_repo["owner"]["login"], "coop");
        assert_eq!(
            org_repo["owner"]["email"], "",
            "an organisation owner has none"
        );
        assert_eq!(issue["user"]["login"], "alice");
        assert_ne!(
            issue["user"]["created"], "0001-01-01T00:00:00Z",
            "a looked-up author has its date"
        );
        assert_eq!(comment["user"]["login"], "alice");
    }
}

/// Every list walks by numbered pages as Gitea's clients expect: `page` is
/// never ignored (a client that loops until an empty page must end), and
/// the total and the other pages are in the headers.
#[tokio::test]
async fn every_list_has_numbered_pages() {
    for forge in TestForge::on_each_engine().await {
        let (_, token) = forge.user_with_token("alice", false).await;
        let client = http();
        let auth = format!("token {token}");
        for name in ["one", "three", "two"] {
            let response = client
                .post(forge.at("/api/v1/user/repos"))
                .header("authorization", &auth)
                .json(&json!({"name": name}))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::CREATED);
        }
        for label in ["a", "b", "c"] {
            client
                .post(forge.at("/api/v1/repos/alice/one/labels"))
                .header("authorization", &auth)
                .json(&json!({"name": label, "color": "#000000"}))
                .send()
                .await
                .unwrap();
        }
        for list in [
            "/api/v1/user/repos",
            "/api/v1/users/alice/repos",
            "/api/v1/repos/alice/one/labels",
        ] {
            let mut seen = Vec::new();
            let mut page = 1;
            loop {
                let response = client
                    .get(forge.at(&format!("{list}?limit=2&page={page}")))
                    .header("authorization", &auth)
                    .send()
                    .await
                    .unwrap();
                assert_eq!(response.status(), StatusCode::OK, "{list}");
                assert_eq!(response.headers()["x-total-count"], "3", "{list}");
                let link = response
                    .headers()
                    .get("link")
                    .map(|l| l.to_str().unwrap().to_string())
                    .unwrap_or_default();
                let (_, items) = json_of(response).await;
                let items = items.as_array().unwrap().clone();
                if page == 1 {
                    assert!(
                        link.contains("limit=2&page=2>; rel=\"next\"")
                            || link.contains("page=2&limit=2>; rel=\"next\""),
                        "{list}: {link}"
                    );
                    assert!(
                        link.contains("page=2&limit=2>; rel=\"last\""),
                        "{list}: {link}"
                    );
                }
                if items.is_empty() {
                    break;
                }
                assert!(items.len() <= 2);
                seen.extend(
                    items
                        .iter()
                        .map(|i| i["name"].as_str().unwrap().to_string()),
                );
                page += 1;
                assert!(page < 10, "{list}: the pages never end");
            }
            assert_eq!(seen.len(), 3, "{list}: {seen:?}");
            seen.sort();
            seen.dedup();
            assert_eq!(seen.len(), 3, "{list}: each item once");
        }
    }
}
