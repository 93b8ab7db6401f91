//! The one Markdown renderer of the forge: READMEs today, issues and
//! comments later. CommonMark with GitHub's extensions (tables, task lists,
//! strikethrough, bare URLs as links) through `pulldown-cmark`, then every
//! byte of HTML through `ammonia`, so that nothing a writer types can run a
//! script, load a frame, post a form or style the page.
//!
//! [`render`] is the entry point for text without context; [`Options`]
//! carries what a page knows (where relative links point, which heading
//! level the text sits under). Issue references and mentions will be one
//! more pass over the events, in [`events`].

use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Parser, Tag, TagEnd, TextMergeStream};
use std::collections::HashSet;
use std::sync::OnceLock;

/// What a page knows about where the Markdown text lives.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Prefixes relative link targets (e.g. `/owner/repo/src/branch/main/`).
    pub link_base: Option<String>,
    /// Prefixes relative image sources (e.g. `/owner/repo/raw/branch/main/`).
    pub image_base: Option<String>,
    /// Lowers headings by this many levels, so that a README's `#` sits
    /// under the page's own headings (h6 stays h6).
    pub heading_offset: u8,
}

/// Renders Markdown into sanitised HTML, without context.
pub fn render(markdown: &str) -> String {
    render_with(markdown, &Options::default())
}

/// Renders Markdown into sanitised HTML.
pub fn render_with(markdown: &str, options: &Options) -> String {
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events(markdown, options).into_iter());
    sanitizer().clean(&html).to_string()
}

fn parser_options() -> pulldown_cmark::Options {
    use pulldown_cmark::Options as O;
    O::ENABLE_TABLES | O::ENABLE_STRIKETHROUGH | O::ENABLE_TASKLISTS | O::ENABLE_FOOTNOTES
}

/// The events of the text, with relative links rebased, headings lowered
/// and bare URLs turned into links.
fn events<'a>(markdown: &'a str, options: &Options) -> Vec<Event<'a>> {
    let parser = TextMergeStream::new(Parser::new_ext(markdown, parser_options()));
    let mut out = Vec::new();
    // Inside a link or a code block, URLs in text stay text.
    let mut in_link = 0usize;
    let mut in_code_block = false;
    for event in parser {
        match event {
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                in_link += 1;
                out.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url: rebase(dest_url, options.link_base.as_deref()),
                    title,
                    id,
                }));
            }
            Event::End(TagEnd::Link) => {
                in_link = in_link.saturating_sub(1);
                out.push(Event::End(TagEnd::Link));
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => out.push(Event::Start(Tag::Image {
                link_type,
                dest_url: rebase(dest_url, options.image_base.as_deref()),
                title,
                id,
            })),
            Event::Start(Tag::Heading {
                level,
                id,
                classes,
                attrs,
            }) => out.push(Event::Start(Tag::Heading {
                level: lower(level, options.heading_offset),
                id,
                classes,
                attrs,
            })),
            Event::End(TagEnd::Heading(level)) => out.push(Event::End(TagEnd::Heading(lower(
                level,
                options.heading_offset,
            )))),
            Event::Start(Tag::CodeBlock(kind)) => {
                in_code_block = true;
                out.push(Event::Start(Tag::CodeBlock(kind)));
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code_block = false;
                out.push(Event::End(TagEnd::CodeBlock));
            }
            Event::Text(text) if in_link == 0 && !in_code_block => autolink(text, &mut out),
            other => out.push(other),
        }
    }
    out
}

fn lower(level: HeadingLevel, offset: u8) -> HeadingLevel {
    let n = (level as usize + usize::from(offset)).min(6);
    HeadingLevel::try_from(n).unwrap_or(HeadingLevel::H6)
}

/// Whether a URL names its scheme (`https:`, `mailto:`, `javascript:`...).
fn has_scheme(url: &str) -> bool {
    let Some(colon) = url.find(':') else {
        return false;
    };
    let scheme = &url[..colon];
    scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Prefixes a relative URL (`docs/x.md`, `./x.png`) with `base`; absolute
/// ones, fragments, and URLs with a scheme stay as they are (the sanitiser
/// judges schemes).
fn rebase<'a>(url: CowStr<'a>, base: Option<&str>) -> CowStr<'a> {
    let Some(base) = base else {
        return url;
    };
    if url.is_empty() || url.starts_with(['/', '#', '?']) || has_scheme(&url) {
        return url;
    }
    let relative = url.strip_prefix("./").unwrap_or(&url);
    let separator = if base.ends_with('/') { "" } else { "/" };
    CowStr::from(format!("{base}{separator}{relative}"))
}

/// Splits text around bare `http://` and `https://` URLs, which become
/// links (GitHub's "extended autolinks").
fn autolink<'a>(text: CowStr<'a>, out: &mut Vec<Event<'a>>) {
    let mut rest: &str = &text;
    if !rest.contains("http://") && !rest.contains("https://") {
        out.push(Event::Text(text));
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
            pieces.push(Event::Text(CowStr::from(
                rest[..start + scheme_len].to_string(),
            )));
            rest = &rest[start + scheme_len..];
            continue;
        }
        if start > 0 {
            pieces.push(Event::Text(CowStr::from(rest[..start].to_string())));
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
        pieces.push(Event::Text(CowStr::from(rest.to_string())));
    }
    out.extend(pieces);
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

/// The sanitiser: ammonia's defaults (no script, style, iframe, form,
/// event attributes or style attributes), links limited to http, https and
/// mailto, relative URLs kept, task-list checkboxes kept and disabled.
fn sanitizer() -> &'static ammonia::Builder<'static> {
    static SANITIZER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    SANITIZER.get_or_init(|| {
        let mut builder = ammonia::Builder::default();
        builder
            .url_schemes(HashSet::from(["http", "https", "mailto"]))
            .link_rel(Some("nofollow noopener"))
            .url_relative(ammonia::UrlRelative::PassThrough)
            .add_tags(["input"])
            .add_tag_attributes("input", ["type", "checked"])
            .set_tag_attribute_value("input", "disabled", "")
            .add_tag_attributes("ol", ["start"])
            .add_tag_attributes("code", ["class"])
            .attribute_filter(|element, attribute, value| match (element, attribute) {
                ("input", "type") => (value == "checkbox").then(|| value.into()),
                // Fenced code's language, as `language-rust`: a class the
                // page may style, never one of the page's own.
                ("code", "class") => {
                    let ok = value.strip_prefix("language-").is_some_and(|lang| {
                        lang.chars()
                            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+'))
                    });
                    ok.then(|| value.into())
                }
                _ => Some(value.into()),
            });
        builder
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_github_flavoured_markdown() {
        let html = render(
            "# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n- [ ] todo\n\n~~gone~~ and `code`\n",
        );
        assert!(html.contains("<h1>Title</h1>"), "{html}");
        assert!(html.contains("<table>"), "{html}");
        assert!(html.contains("<td>1</td>"), "{html}");
        assert!(html.contains("type=\"checkbox\""), "{html}");
        assert!(html.contains("checked"), "{html}");
        assert!(html.contains("disabled"), "{html}");
        assert!(html.contains("<del>gone</del>"), "{html}");
        assert!(html.contains("<code>code</code>"), "{html}");
    }

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

    #[test]
    fn options_rebase_relative_links_and_lower_headings() {
        let options = Options {
            link_base: Some("/o/r/src/branch/main/".into()),
            image_base: Some("/o/r/raw/branch/main".into()),
            heading_offset: 2,
        };
        let html = render_with(
            "# T\n\n###### Six\n\n[doc](docs/a.md) [top](/x) [here](#s) [ext](https://e.org)\n\n![logo](./logo.png)",
            &options,
        );
        assert!(html.contains("<h3>T</h3>"), "{html}");
        assert!(html.contains("<h6>Six</h6>"), "{html}");
        assert!(
            html.contains("href=\"/o/r/src/branch/main/docs/a.md\""),
            "{html}"
        );
        assert!(html.contains("href=\"/x\""), "{html}");
        assert!(html.contains("href=\"#s\""), "{html}");
        assert!(html.contains("href=\"https://e.org\""), "{html}");
        assert!(
            html.contains("src=\"/o/r/raw/branch/main/logo.png\""),
            "{html}"
        );
    }

    /// Attempts to run script, load foreign content or break out of the
    /// sanitised HTML; none may survive.
    const INJECTIONS: &[&str] = &[
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
        "<img src=x onerror=alert(1)>",
        "<img src=\"javascript:alert(1)\">",
        "<svg onload=alert(1)><circle/></svg>",
        "<iframe src=\"https://evil.example\"></iframe>",
        "<object data=\"x.swf\"></object><embed src=\"x.swf\">",
        "<form action=\"https://evil.example\"><input name=p><button>Go</button></form>",
        "<style>body{display:none}</style>",
        "<p style=\"position:fixed;top:0\">cover</p>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=\"JaVaScRiPt:alert(1)\">x</a>",
        "<a href=\"jav&#x09;ascript:alert(1)\">x</a>",
        "<a href=\"&#106;avascript:alert(1)\">x</a>",
        "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
        "<a href=\"vbscript:msgbox(1)\">x</a>",
        "[x](javascript:alert(1))",
        "[x](JAVASCRIPT:alert(1))",
        "[x](javascript&#58;alert(1))",
        "[x]( javascript:alert(1) )",
        "[x](<javascript:alert(1)>)",
        "[x][r]\n\n[r]: javascript:alert(1)",
        "![x](javascript:alert(1))",
        "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
        "<javascript:alert(1)>",
        "<div onmouseover=\"alert(1)\">hover</div>",
        "<a href=\"#\" onclick=\"alert(1)\">click</a>",
        "<details open ontoggle=alert(1)>",
        "<meta http-equiv=\"refresh\" content=\"0;url=https://evil.example\">",
        "<base href=\"https://evil.example/\">",
        "<link rel=stylesheet href=\"https://evil.example/x.css\">",
        "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
        "<textarea><script>alert(1)</script></textarea>",
        "<!-- <script>alert(1)</script> -->",
        "<p id=\"main\" class=\"skip-link\">clobber</p>",
        "```\n</code></pre><script>alert(1)</script>\n```",
        "`<script>alert(1)</script>`",
        "```\"><script>alert(1)</script>\nx\n```",
    ];

    /// The markup of `html` with attribute values emptied, and the values
    /// of its URL attributes.
    fn split_markup(html: &str) -> (String, Vec<String>) {
        let mut markup = String::new();
        let mut urls = Vec::new();
        let mut rest = html;
        while let Some(at) = rest.find("=\"") {
            markup.push_str(&rest[..at + 2]);
            let value_start = at + 2;
            let end = rest[value_start..]
                .find('"')
                .map_or(rest.len(), |e| e + value_start);
            let name = markup
                .rsplit(|c: char| c.is_whitespace())
                .next()
                .unwrap_or("")
                .to_string();
            if name.starts_with("href=") || name.starts_with("src=") {
                urls.push(rest[value_start..end].to_string());
            }
            rest = &rest[end..];
        }
        markup.push_str(rest);
        (markup, urls)
    }

    #[test]
    fn injection_attempts_do_not_survive() {
        for attempt in INJECTIONS {
            let html = render(attempt).to_ascii_lowercase();
            let (markup, urls) = split_markup(&html);
            for forbidden in [
                "<script",
                "<iframe",
                "<object",
                "<embed",
                "<form",
                "<style",
                "<svg",
                "<math",
                "<meta",
                "<base",
                "<link",
                "<textarea",
                "<button",
                "<noscript",
                " on",
                " style=",
                " id=",
                " class=",
                " name=",
            ] {
                assert!(
                    !markup.contains(forbidden),
                    "{attempt:?} rendered as {html:?}, which contains {forbidden:?}"
                );
            }
            for url in urls {
                assert!(
                    url.starts_with("http://")
                        || url.starts_with("https://")
                        || url.starts_with("mailto:")
                        || !has_scheme(&url),
                    "{attempt:?} rendered as {html:?}, which links to {url:?}"
                );
            }
        }
    }

    #[test]
    fn links_get_rel_and_escaped_text_stays_text() {
        let html = render("[x](https://e.org) and 1 < 2 & <b>bold</b>");
        assert!(
            html.contains("<a href=\"https://e.org\" rel=\"nofollow noopener\">x</a>"),
            "{html}"
        );
        assert!(html.contains("1 &lt; 2 &amp;"), "{html}");
        assert!(html.contains("<b>bold</b>"), "{html}");
    }

    #[test]
    fn code_keeps_only_language_classes() {
        let html = render("```rust\nfn main() {}\n```\n\n<code class=\"button danger\">x</code>");
        assert!(html.contains("class=\"language-rust\""), "{html}");
        assert!(!html.contains("button danger"), "{html}");
    }
}
