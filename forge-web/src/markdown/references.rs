//! References in text written in a repository (`#12`, `owner/repo#12`,
//! `@name`, commit ids), turned into links.

use super::RefContext;
use pulldown_cmark::{CowStr, Event, LinkType, Tag, TagEnd};

/// Whether a character may sit right before a reference: the start of a
/// word, not the middle of one, a path, an address or an entity.
fn starts_word(previous: Option<char>) -> bool {
    previous.is_none_or(|c| {
        !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '@' | '#' | '&' | '+'))
    })
}

/// Whether a reference may end before `rest`: not in the middle of a word,
/// nor before a path or file extension (`abc1234.txt`, `#1/2`).
fn ends_word(rest: &str) -> bool {
    let mut chars = rest.chars();
    match chars.next() {
        None => true,
        Some(c) if c.is_alphanumeric() || c == '_' => false,
        Some('.' | '-' | '/' | '@' | '#' | '+') => {
            chars.next().is_none_or(|n| !n.is_alphanumeric())
        }
        Some(_) => true,
    }
}

/// The length of the run of name characters (`a-z`, `0-9`, `-`, `_`, `.`)
/// at the start of `text`.
fn name_run(text: &str) -> usize {
    text.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(text.len())
}

/// The issue number at the start of `text` (after a `#`), with its length.
fn issue_number(text: &str) -> Option<(i64, usize)> {
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    if digits == 0 || digits > 12 || !ends_word(&text[digits..]) {
        return None;
    }
    let number: i64 = text[..digits].parse().ok()?;
    (number > 0).then_some((number, digits))
}

/// A reference found at the start of a piece of text.
enum Found {
    Issue {
        owner: Option<(String, String)>,
        number: i64,
    },
    Mention(String),
    Commit(String),
}

/// The reference starting at the start of `text`, with its length.
fn reference_at(text: &str) -> Option<(Found, usize)> {
    if let Some(rest) = text.strip_prefix('#') {
        let (number, len) = issue_number(rest)?;
        return Some((
            Found::Issue {
                owner: None,
                number,
            },
            1 + len,
        ));
    }
    if let Some(rest) = text.strip_prefix('@') {
        let run = name_run(rest);
        let name = rest[..run].trim_end_matches(['.', '-', '_']);
        let valid = name.starts_with(|c: char| c.is_ascii_alphanumeric())
            && name.len() <= 40
            && !name.contains("..")
            && ends_word(&rest[name.len()..]);
        return valid.then(|| (Found::Mention(name.to_ascii_lowercase()), 1 + name.len()));
    }
    // owner/repo#12
    let owner_len = name_run(text);
    if owner_len > 0 && text[owner_len..].starts_with('/') {
        let after_owner = &text[owner_len + 1..];
        let repo_len = name_run(after_owner);
        if repo_len > 0 && after_owner[repo_len..].starts_with('#') {
            let owner = &text[..owner_len];
            let repo = &after_owner[..repo_len];
            if let Some((number, len)) = issue_number(&after_owner[repo_len + 1..])
                && owner.starts_with(|c: char| c.is_ascii_alphanumeric())
                && repo.starts_with(|c: char| c.is_ascii_alphanumeric())
                && !owner.contains("..")
                && !repo.contains("..")
            {
                return Some((
                    Found::Issue {
                        owner: Some((owner.to_ascii_lowercase(), repo.to_string())),
                        number,
                    },
                    owner_len + 1 + repo_len + 1 + len,
                ));
            }
        }
    }
    // A commit id: 7 to 40 lowercase hexadecimal digits, with at least one
    // digit and one letter (so that neither numbers nor words link).
    let hex = text
        .find(|c: char| !matches!(c, '0'..='9' | 'a'..='f'))
        .unwrap_or(text.len());
    let id = &text[..hex];
    if (7..=40).contains(&hex)
        && ends_word(&text[hex..])
        && id.bytes().any(|b| b.is_ascii_digit())
        && id.bytes().any(|b| b.is_ascii_alphabetic())
    {
        return Some((Found::Commit(id.to_string()), hex));
    }
    None
}

fn push_link<'a>(out: &mut Vec<Event<'a>>, href: String, text: String) {
    out.push(Event::Start(Tag::Link {
        link_type: LinkType::Inline,
        dest_url: CowStr::from(href),
        title: CowStr::from(""),
        id: CowStr::from(""),
    }));
    out.push(Event::Text(CowStr::from(text)));
    out.push(Event::End(TagEnd::Link));
}

/// Splits text around its references, which become links: `#12` to issue
/// 12 of the context's repository, `owner/repo#12` to that repository's
/// issue, `@name` to the person's or organisation's page, and commit ids
/// (7 to 40 hexadecimal digits, standing alone) to the repository's commit.
///
/// Links are made without looking anything up (the renderer has no
/// database): one to an issue or account that does not exist leads to a
/// "not found" page, as a mistyped address would.
pub(super) fn references<'a>(text: &str, context: &RefContext, out: &mut Vec<Event<'a>>) {
    let base = format!(
        "/{}/{}",
        crate::views::url_encode(&context.owner),
        crate::views::url_encode(&context.repo)
    );
    let mut plain_from = 0;
    let mut i = 0;
    let mut previous: Option<char> = None;
    while i < text.len() {
        let Some(c) = text[i..].chars().next() else {
            break;
        };
        let candidate =
            (c == '#' || c == '@' || c.is_ascii_alphanumeric()) && starts_word(previous);
        if candidate && let Some((found, len)) = reference_at(&text[i..]) {
            if plain_from < i {
                out.push(Event::Text(CowStr::from(text[plain_from..i].to_string())));
            }
            let shown = text[i..i + len].to_string();
            let (href, shown) = match found {
                Found::Issue {
                    owner: None,
                    number,
                } => (format!("{base}/issues/{number}"), shown),
                Found::Issue {
                    owner: Some((owner, repo)),
                    number,
                } => (
                    format!(
                        "/{}/{}/issues/{number}",
                        crate::views::url_encode(&owner),
                        crate::views::url_encode(&repo)
                    ),
                    shown,
                ),
                Found::Mention(name) => (format!("/{}", crate::views::url_encode(&name)), shown),
                Found::Commit(id) => {
                    let short: String = id.chars().take(10).collect();
                    (format!("{base}/commit/{id}"), short)
                }
            };
            push_link(out, href, shown);
            i += len;
            plain_from = i;
            previous = text[..i].chars().next_back();
            continue;
        }
        if c.is_alphanumeric() || c == '_' {
            // Skip the rest of the word: references start words.
            let word_end = text[i..]
                .find(|w: char| !(w.is_alphanumeric() || w == '_'))
                .map_or(text.len(), |e| i + e);
            previous = text[..word_end].chars().next_back();
            i = word_end;
        } else {
            previous = Some(c);
            i += c.len_utf8();
        }
    }
    if plain_from == 0 {
        out.push(Event::Text(CowStr::from(text.to_string())));
    } else if plain_from < text.len() {
        out.push(Event::Text(CowStr::from(text[plain_from..].to_string())));
    }
}

#[cfg(test)]
mod tests {
    use super::super::render;
    use super::super::tests::refs;

    #[test]
    fn references_become_links() {
        let html = refs(
            "Fixes #12, see other/repo#3 and Coop-2/my.tools#45; thanks @Alice. \
             Done in 1a2b3c4 and 0123456789abcdef0123456789abcdef01234567.",
        );
        assert!(
            html.contains("<a href=\"/coop/tools/issues/12\" rel=\"nofollow noopener\">#12</a>,"),
            "{html}"
        );
        assert!(
            html.contains(
                "<a href=\"/other/repo/issues/3\" rel=\"nofollow noopener\">other/repo#3</a>"
            ),
            "{html}"
        );
        assert!(
            html.contains("href=\"/coop-2/my.tools/issues/45\""),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"/alice\" rel=\"nofollow noopener\">@Alice</a>."),
            "{html}"
        );
        assert!(
            html.contains(
                "<a href=\"/coop/tools/commit/1a2b3c4\" rel=\"nofollow noopener\">1a2b3c4</a>"
            ),
            "{html}"
        );
        assert!(
            html.contains("<a href=\"/coop/tools/commit/0123456789abcdef0123456789abcdef01234567\" rel=\"nofollow noopener\">0123456789</a>."),
            "{html}"
        );
        // At the very start and end of a text, in brackets, in lists.
        let html = refs("#1\n\n- (#2)\n- [ ] @bob\n\n| a |\n|---|\n| #3 |\n");
        for href in [
            "/coop/tools/issues/1",
            "/coop/tools/issues/2",
            "/bob",
            "/coop/tools/issues/3",
        ] {
            assert!(
                html.contains(&format!("href=\"{href}\"")),
                "{href} in {html}"
            );
        }
    }

    #[test]
    fn references_stay_text_in_code_links_and_words() {
        for text in [
            "`#12` and `@alice` and `1a2b3c4`",
            "```\n#12 @alice 1a2b3c4\n```",
            "    #12 @alice 1a2b3c4",
            "[see #12 and @alice](https://example.org)",
            "<a href=\"https://example.org\">#12 @alice 1a2b3c4</a>",
            "<code>#12 @alice</code> <pre>1a2b3c4</pre>",
            "![#12 @alice](https://example.org/x.png)",
            "https://example.org/a#12 and https://example.org/@alice/1a2b3c4",
            "mail a@b.org, C#1, a#1, x/#2, issue#4, v1.2-1a2b3c4",
            "colours #fff and #0, #1.5, 12#3",
            "1234567 is a number, deadbeef a word, ABCDEF1 shouts, abc1234.txt a file",
            "1a2b3c4d5e6f7a8b9c0d1a2b3c4d5e6f7a8b9c0d1 is 41 digits long",
            "@-dash @_under @ alone, @averyveryveryveryveryveryveryverylongname1",
        ] {
            let html = refs(text);
            let links: Vec<&str> = html.match_indices("<a ").map(|(i, _)| &html[i..]).collect();
            let ours = links
                .iter()
                .filter(|l| l.starts_with("<a href=\"/"))
                .count();
            assert_eq!(ours, 0, "{text:?} rendered as {html}");
        }
        // Without a context (READMEs), nothing is a reference.
        let html = render("#12 @alice 1a2b3c4 other/repo#3");
        assert!(!html.contains("<a "), "{html}");
    }

    #[test]
    fn references_next_to_urls_and_html() {
        let html = refs("See https://example.org/x, then #7 <b>#8</b> <a href=\"/y\">#9</a> #10");
        assert!(html.contains("href=\"https://example.org/x\""), "{html}");
        assert!(html.contains("href=\"/coop/tools/issues/7\""), "{html}");
        assert!(html.contains("href=\"/coop/tools/issues/8\""), "{html}");
        assert!(!html.contains("href=\"/coop/tools/issues/9\""), "{html}");
        assert!(html.contains("href=\"/coop/tools/issues/10\""), "{html}");
    }
}
