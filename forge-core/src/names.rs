//! The one naming rule shared by users and organisations, and e-mail checks.
//!
//! Names appear in URLs next to the forge's own routes (`/explore`,
//! `/api/...`), so a name that could shadow a route is reserved.

use crate::error::{Error, Result};

pub const MAX_NAME_LEN: usize = 40;

/// Names that would collide with the forge's own URLs or confuse people.
const RESERVED: &[&str] = &[
    "-",
    "about",
    "admin",
    "api",
    "assets",
    "attachments",
    "avatars",
    "explore",
    "favicon.ico",
    "funding",
    "help",
    "install",
    "issues",
    "ledger",
    "login",
    "logout",
    "metrics",
    "new",
    "notifications",
    "org",
    "organisations",
    "organizations",
    "orgs",
    "pulls",
    "repo",
    "repos",
    "robots.txt",
    "search",
    "settings",
    "sign-in",
    "sign-out",
    "sign-up",
    "signin",
    "signout",
    "signup",
    "static",
    "user",
    "users",
];

/// Checks a user or organisation name and returns it in its stored form
/// (lowercase). `field` names the input in the error.
pub fn validate_name(field: &'static str, raw: &str) -> Result<String> {
    let name = raw.trim().to_lowercase();
    if name.is_empty() {
        return Err(Error::invalid(field, "error-name-empty"));
    }
    if name.chars().count() > MAX_NAME_LEN {
        return Err(Error::Invalid {
            field,
            problem: crate::Problem::new("error-name-too-long")
                .arg("max", MAX_NAME_LEN.to_string()),
        });
    }
    if !name
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.'))
    {
        return Err(Error::invalid(field, "error-name-characters"));
    }
    if name.starts_with(['-', '_', '.']) {
        return Err(Error::invalid(field, "error-name-leading-punctuation"));
    }
    if name.ends_with(".git") || name.contains("..") {
        return Err(Error::invalid(field, "error-name-characters"));
    }
    if RESERVED.contains(&name.as_str()) {
        return Err(Error::invalid(field, "error-name-reserved"));
    }
    Ok(name)
}

/// A deliberately simple e-mail check: one `@`, a non-empty local part, a
/// domain with a dot and no spaces. Anything stricter rejects real addresses.
/// The invisible characters that change the order in which text is shown
/// (embeddings, overrides, isolates and the directional marks): U+202E
/// makes "gnp.exe" read as "exe.png".
pub fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

pub fn validate_email(raw: &str) -> Result<String> {
    let email = raw.trim();
    let valid = email.len() <= 254
        && !email.chars().any(|c| c.is_whitespace() || c.is_control())
        && match email.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains("..")
            }
            None => false,
        };
    if valid {
        Ok(email.to_string())
    } else {
        Err(Error::invalid("email", "error-email-invalid"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key_of(result: Result<String>) -> &'static str {
        match result {
            Err(Error::Invalid { problem, .. }) => problem.key,
            other => panic!("expected an invalid-input error, got {other:?}"),
        }
    }

    #[test]
    fn accepts_ordinary_names_and_lowercases_them() {
        assert_eq!(validate_name("username", "alice").unwrap(), "alice");
        assert_eq!(
            validate_name("username", "Coop-42_x.y").unwrap(),
            "coop-42_x.y"
        );
        assert_eq!(
            validate_name("username", &"a".repeat(40)).unwrap().len(),
            40
        );
    }

    #[test]
    fn refuses_bad_names_with_the_right_reason() {
        assert_eq!(key_of(validate_name("username", "")), "error-name-empty");
        assert_eq!(
            key_of(validate_name("username", &"a".repeat(41))),
            "error-name-too-long"
        );
        assert_eq!(
            key_of(validate_name("username", "a b")),
            "error-name-characters"
        );
        assert_eq!(
            key_of(validate_name("username", "émile")),
            "error-name-characters"
        );
        assert_eq!(
            key_of(validate_name("username", "-x")),
            "error-name-leading-punctuation"
        );
        assert_eq!(
            key_of(validate_name("username", ".x")),
            "error-name-leading-punctuation"
        );
        assert_eq!(
            key_of(validate_name("username", "api")),
            "error-name-reserved"
        );
        assert_eq!(
            key_of(validate_name("username", "Admin")),
            "error-name-reserved"
        );
        // `/metrics` is the Prometheus endpoint, never a profile.
        assert_eq!(
            key_of(validate_name("username", "metrics")),
            "error-name-reserved"
        );
        assert_eq!(
            key_of(validate_name("username", "-")),
            "error-name-leading-punctuation"
        );
        assert_eq!(
            key_of(validate_name("username", "x.git")),
            "error-name-characters"
        );
    }

    #[test]
    fn checks_email_addresses() {
        assert_eq!(validate_email(" a@b.org ").unwrap(), "a@b.org");
        for bad in [
            "",
            "a",
            "a@b",
            "@b.org",
            "a@@b.org",
            "a b@c.org",
            "a@b..org",
            "a@.org",
        ] {
            assert!(validate_email(bad).is_err(), "{bad:?} should be refused");
        }
    }
}
