//! JSON shapes of Gitea's API that the forge writes outside the API too
//! (in the payloads of webhooks): kept here, below the transports, so the
//! web API and the delivery job write the same objects.

use forge_core::clock::rfc3339;
use serde_json::{Value, json};

/// What the forge knows of a user or organisation where Gitea shows a
/// `User` object: the account itself, or one embedded in an issue, a
/// comment, a repository's owner or a membership.
#[derive(Debug, Default)]
pub struct UserFields<'a> {
    pub id: i64,
    pub login: &'a str,
    pub full_name: &'a str,
    /// The address, when the viewer may see it.
    pub email: Option<&'a str>,
    /// Organisations have no address; Gitea's clients tell them apart by it.
    pub is_org: bool,
    pub language: &'a str,
    pub is_admin: bool,
    pub created: Option<i64>,
}

/// How Gitea writes a time it does not know (Go's zero time), as in
/// `last_login` of an account that never signed in.
pub const GO_ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// Gitea's `User` object, with every field its clients read. An address the
/// viewer may not see is replaced, as Gitea does, by a `noreply` address of
/// the forge's host; an organisation's is empty. Fields with no meaning here
/// take Gitea's neutral values (no followers, public visibility, active), and
/// times not known where the account is embedded take Go's zero time, as
/// Gitea writes them.
pub fn gitea_user(base_url: &str, user: UserFields<'_>) -> Value {
    let host = base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest)
        .split(['/', ':'])
        .next()
        .unwrap_or_default();
    let email = match (user.is_org, user.email) {
        (true, _) => String::new(),
        (false, Some(email)) => email.to_string(),
        (false, None) => format!("{}@noreply.{host}", user.login),
    };
    json!({
        "id": user.id,
        "login": user.login,
        "username": user.login,
        "login_name": "",
        "source_id": 0,
        "full_name": user.full_name,
        "email": email,
        "avatar_url": "",
        "html_url": format!("{base_url}/{}", user.login),
        "language": user.language,
        "is_admin": user.is_admin,
        "last_login": GO_ZERO_TIME,
        "created": user.created.map_or_else(|| GO_ZERO_TIME.to_string(), rfc3339),
        "restricted": false,
        "active": true,
        "prohibit_login": false,
        "location": "",
        "website": "",
        "description": "",
        "visibility": "public",
        "followers_count": 0,
        "following_count": 0,
        "starred_repos_count": 0,
    })
}
