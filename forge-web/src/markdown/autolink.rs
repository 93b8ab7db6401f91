//! Bare `http://` and `https://` URLs in text, turned into links.

use super::RefContext;
use super::references::references;
use pulldown_cmark::{CowStr, Event, LinkType, Tag, TagEnd};

/// Splits text around bare `http://` and `https://` URLs, which become
/// links (GitHub's "extended autolinks"); with a context, the text between
/// them goes through [`references`].
pub(super) fn autolink<'a>(
    text: CowStr<'a>,
    context: Option<&RefContext>,
    out: &mut Vec<Event<'a>>,
) {
    let mut rest: &str = &text;
    if !rest.contains("http://") && !rest.contains("https://") {
        match context {
            Some(context) => references(&text, context, out),
            None => out.push(Event::Text(text)),
        }
        return;
    }
    let mut pieces = Vec::new();
    while let Some(start) = find_url_start(rest) {
        let candidate = &rest[start..];
        let end = candidate
            .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '`'))
            .unwrap_or(candidate.len());
        let url = trim_url(&candidate[..end]);
        let scheme_len = if url.starts_with("https://") { 8 } else { 7 };
        if url.len() <= scheme_len {
            plain(&rest[..start], context, &mut pieces);
            pieces.push(Event::Text(CowStr::from(
                rest[start..start + scheme_len].to_string(),
            )));
            rest = &rest[start + scheme_len..];
            continue;
        }
        if start > 0 {
            plain(&rest[..start], context, &mut pieces);
        }
        pieces.push(Event::Start(Tag::Link {
            link_type: LinkType::Autolink,
            dest_url: CowStr::from(url.to_string()),
            title: CowStr::from(""),
            id: CowStr::from(""),
        }));
        pieces.push(Event::Text(CowStr::from(url.to_string())));
        pieces.push(Event::End(TagEnd::Link));
        rest = &rest[start + url.len()..];
    }
    if !rest.is_empty() {
        plain(rest, context, &mut pieces);
    }
    out.extend(pieces);
}

/// Text outside URLs: references when there is a context.
fn plain<'a>(text: &str, context: Option<&RefContext>, out: &mut Vec<Event<'a>>) {
    match context {
        Some(context) => references(text, context, out),
        None => out.push(Event::Text(CowStr::from(text.to_string()))),
    }
}

/// Where the next URL starts: `http://` or `https://` at the start of the
/// text or after a character that is not part of a word.
fn find_url_start(text: &str) -> Option<usize> {
    let mut from = 0;
    while from < text.len() {
        let found = [text[from..].find("https://"), text[from..].find("http://")]
            .into_iter()
            .flatten()
            .min()?
            + from;
        let boundary = text[..found]
            .chars()
            .next_back()
            .is_none_or(|c| !c.is_alphanumeric() && c != '/' && c != ':');
        if boundary {
            return Some(found);
        }
        from = found + 4;
    }
    None
}

/// Drops the punctuation that ends a sentence rather than the URL, and a
/// closing parenthesis that has no opening one in the URL.
fn trim_url(url: &str) -> &str {
    let mut url = url;
    loop {
        let Some(last) = url.chars().next_back() else {
            return url;
        };
        let unbalanced_paren = last == ')' && url.matches('(').count() < url.matches(')').count();
        if matches!(
            last,
            '.' | ',' | ':' | ';' | '!' | '?' | '\'' | '*' | '_' | '~'
        ) || unbalanced_paren
        {
            url = &url[..url.len() - last.len_utf8()];
        } else {
            return url;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::render;

    #[test]
    fn bare_urls_become_links_but_not_in_code() {
        let html = render(
            "See https://example.org/a_(b), or http://x.org.\n\n`https://no.example`\n\n    https://block.example\n",
        );
        assert!(
            html.contains(
                "<a href=\"https://example.org/a_(b)\" rel=\"nofollow noopener\">https://example.org/a_(b)</a>,"
            ),
            "{html}"
        );
        assert!(html.contains("<a href=\"http://x.org\""), "{html}");
        assert!(html.contains("<code>https://no.example</code>"), "{html}");
        assert!(!html.contains("href=\"https://no.example"), "{html}");
        assert!(!html.contains("href=\"https://block.example"), "{html}");
        // A link's own text is not linked twice.
        let html = render("[https://a.example](https://b.example)");
        assert_eq!(html.matches("<a ").count(), 1, "{html}");
    }
}
