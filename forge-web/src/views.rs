//! Page templates (askama, compiled into the binary) and the view structs
//! they receive. Templates never see database rows, only these structs, and
//! every visible string in them comes from the catalogue through `ctx.t`.

use crate::context::PageCtx;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use forge_core::Problem;

/// Renders a template into a response; a template error is a 500.
pub fn render(template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "a template failed to render");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

/// Percent-encodes a string for use in a URL query.
pub fn url_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// A local path to go back to after a form, never another site: an open
/// redirect would let a phishing link borrow the forge's name. The one check
/// every redirect target passes (sign-in, language, OpenID Connect): a path
/// of this site is `/` alone or `/` followed by anything but `/` or `\`
/// (both of which browsers read as the start of another host). Control
/// characters are refused anywhere, since browsers drop tabs and newlines
/// from URLs (`/\t/evil.example` becomes `//evil.example`) and CR or LF
/// cannot go in a header at all.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path) if is_local_path(path) => path.to_string(),
        _ => "/".to_string(),
    }
}

fn is_local_path(path: &str) -> bool {
    let mut chars = path.chars();
    if chars.next() != Some('/') {
        return false;
    }
    if matches!(chars.next(), Some('/' | '\\')) {
        return false;
    }
    !path
        .chars()
        .any(|c| c == '\\' || c.is_control() || is_invisible_format(c))
}

/// Characters browsers may strip or that reorder what the address bar shows.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// User text (a name, a title, a description) as HTML: escaped, with each
/// character that reorders text (U+202E and its kin) replaced by a visible
/// mark naming it, as code hosts do, so that "gnp.exe" cannot pass for
/// "exe.png". Templates put the result in a `<bdi>` (or an element with
/// `dir="auto"`), which keeps the text's direction from leaking out.
pub fn bidi_marked(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_marked(&mut out, c);
    }
    out
}

/// The plain-text form of [`bidi_marked`], for text that goes through the
/// catalogue or into an attribute: each reordering character becomes its
/// code point in brackets.
pub fn bidi_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if forge_core::names::is_bidi_control(c) {
            out.push_str(&format!("[U+{:04X}]", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Appends one character as [`bidi_marked`] shows it.
pub fn push_marked(out: &mut String, c: char) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '"' => out.push_str("&quot;"),
        '\'' => out.push_str("&#39;"),
        c if forge_core::names::is_bidi_control(c) => {
            let code = format!("U+{:04X}", u32::from(c));
            out.push_str("<span class=\"bidi-mark\" title=\"");
            out.push_str(&code);
            out.push_str("\">[");
            out.push_str(&code);
            out.push_str("]</span>");
        }
        c => out.push(c),
    }
}

/// Errors of a form, keyed by field, already translated.
#[derive(Debug, Default, Clone)]
pub struct FormErrors {
    pub fields: Vec<(&'static str, String)>,
    pub general: Option<String>,
}

impl FormErrors {
    pub fn of(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(f, _)| *f == field)
            .map(|(_, m)| m.as_str())
    }

    pub fn any(&self) -> bool {
        !self.fields.is_empty() || self.general.is_some()
    }

    /// Files a domain error under its field, or as a general error.
    pub fn from_error(
        ctx: &PageCtx,
        error: forge_core::Error,
    ) -> Result<FormErrors, crate::error::PageError> {
        let mut errors = FormErrors::default();
        match error {
            forge_core::Error::Invalid { field, problem }
            | forge_core::Error::Conflict {
                field: Some(field),
                problem,
            } => errors.fields.push((field, ctx.problem(&problem))),
            forge_core::Error::Conflict {
                field: None,
                problem,
            }
            | forge_core::Error::Forbidden(problem) => {
                errors.general = Some(ctx.problem(&problem));
            }
            other => return Err(other.into()),
        }
        Ok(errors)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorView<'a> {
    pub ctx: &'a PageCtx,
    pub status: u16,
    pub message: String,
}

pub fn error_page(ctx: &PageCtx, status: StatusCode, problem: &Problem) -> Response {
    render(&ErrorView {
        ctx,
        status: status.as_u16(),
        message: ctx.problem(problem),
    })
}

/// An organisation in a list.
pub struct OrgRow {
    pub name: String,
    pub full_name: String,
    pub kind_label: String,
    pub role_label: Option<String>,
}

impl OrgRow {
    pub fn new(
        ctx: &PageCtx,
        org: &forge_core::org::Org,
        role: Option<forge_core::org::Role>,
    ) -> Self {
        OrgRow {
            name: org.name.clone(),
            full_name: org.full_name.clone(),
            kind_label: ctx.t(&format!("org-kind-{}", org.kind.as_str())),
            role_label: role.map(|r| ctx.t(&format!("role-{}", r.as_str()))),
        }
    }
}

/// A repository in a list.
pub struct RepoRow {
    pub full_name: String,
    pub description: String,
    pub private: bool,
}

impl RepoRow {
    pub fn new(repo: &forge_core::repo::Repo) -> Self {
        RepoRow {
            full_name: repo.full_name(),
            description: repo.description.clone(),
            private: repo.private,
        }
    }
}

/// A calendar date (`2026-11-28`) for machines: `datetime` attributes and
/// date fields. People read [`crate::format::long_date`].
pub fn date(ms: i64) -> String {
    let (y, m, d) = forge_core::clock::civil_from_days(ms.div_euclid(86_400_000));
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/org/x")), "/org/x");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
        assert_eq!(safe_next(Some("/")), "/");
        assert_eq!(safe_next(Some("/a/b?c=d#e")), "/a/b?c=d#e");
    }

    #[test]
    fn next_refuses_control_characters_anywhere() {
        for target in [
            "/\t/evil.example/",
            "/\r\nSet-Cookie: x=y",
            "/a\nb",
            "/\0",
            "/a\u{7f}",
            "/a\u{85}",
            "/\u{202e}gnp.exe",
            "\t/x",
            "",
            "evil.example",
            "/a\\b",
        ] {
            assert_eq!(safe_next(Some(target)), "/", "{target:?}");
        }
    }

    #[test]
    fn reordering_characters_are_shown_and_text_escaped() {
        assert_eq!(
            bidi_marked("a\u{202e}gnp.exe<b>"),
            "a<span class=\"bidi-mark\" title=\"U+202E\">[U+202E]</span>gnp.exe&lt;b&gt;"
        );
        assert_eq!(bidi_marked("plain"), "plain");
    }

    #[test]
    fn url_encoding_escapes_query_characters() {
        assert_eq!(url_encode("/a b?c=d&e"), "/a%20b%3Fc%3Dd%26e");
    }
}
