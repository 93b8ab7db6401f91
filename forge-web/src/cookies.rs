//! Reading the `Cookie` header and writing `Set-Cookie` ones.

use axum::http::HeaderMap;
use axum::http::header::COOKIE;

pub const SESSION: &str = "forge_session";
pub const CSRF: &str = "forge_csrf";
pub const LANG: &str = "forge_lang";
/// A sign-in waiting for its second factor.
pub const SECOND_FACTOR: &str = "forge_2fa";

/// The value of cookie `name`, if the request carries it.
pub fn get(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim().to_string())
}

/// A `Set-Cookie` value: HttpOnly and SameSite=Lax always, Secure when the
/// forge is served over https. `max_age` of `None` makes a browser-session
/// cookie; `Some(0)` deletes the cookie.
pub fn set(name: &str, value: &str, max_age_secs: Option<i64>, secure: bool) -> String {
    let mut cookie = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax");
    if let Some(age) = max_age_secs {
        cookie.push_str(&format!("; Max-Age={age}"));
    }
    if secure {
        cookie.push_str("; Secure");
    }
    cookie
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn finds_a_cookie_among_several_headers() {
        let mut headers = HeaderMap::new();
        headers.append(COOKIE, HeaderValue::from_static("a=1; forge_lang=fr"));
        headers.append(COOKIE, HeaderValue::from_static("forge_csrf=abc"));
        assert_eq!(get(&headers, LANG).as_deref(), Some("fr"));
        assert_eq!(get(&headers, CSRF).as_deref(), Some("abc"));
        assert_eq!(get(&headers, SESSION), None);
    }

    #[test]
    fn cookies_are_http_only_and_lax_and_secure_over_https() {
        let cookie = set(SESSION, "x", Some(60), true);
        assert!(cookie.contains("HttpOnly"));
        assert!(cookie.contains("SameSite=Lax"));
        assert!(cookie.ends_with("; Secure"));
        assert!(!set(SESSION, "x", None, false).contains("Secure"));
    }
}
