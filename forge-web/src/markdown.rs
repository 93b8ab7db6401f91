//! The one Markdown renderer of the forge: READMEs, issues, comments,
//! acceptance criteria and delivery notes. CommonMark with GitHub's extensions (tables, task lists,
//! strikethrough, bare URLs as links) through `pulldown-cmark`, then every
//! byte of HTML through `ammonia`, so that nothing a writer types can run a
//! script, load a frame, post a form or style the page.
//!
//! [`render`] is the entry point for text without context; [`Options`]
//! carries what a page knows (where relative links point, which heading
//! level the text sits under). Text that belongs to a repository (issues,
//! comments, milestones) goes through [`render_in`], whose [`RefContext`]
//! names that repository: `#12`, `owner/repo#12`, `@name` and commit ids
//! then become links (see [`references`]), never inside code or links.

use pulldown_cmark::{
    CodeBlockKind, CowStr, Event, HeadingLevel, LinkType, Parser, Tag, TagEnd, TextMergeStream,
};
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

/// The repository a text belongs to, which its references point into:
/// `#12` is issue 12 of `owner/repo`, a commit id one of its commits.
///
/// A separate argument rather than a field of [`Options`], so that callers
/// that build an `Options` literal keep compiling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefContext {
    pub owner: String,
    pub repo: String,
}

/// Renders Markdown into sanitised HTML, without context.
pub fn render(markdown: &str) -> String {
    render_with(markdown, &Options::default())
}

/// Renders Markdown into sanitised HTML.
pub fn render_with(markdown: &str, options: &Options) -> String {
    render_events(markdown, options, None)
}

/// Renders Markdown written in a repository (an issue, a comment) into
/// sanitised HTML, with its references as links.
pub fn render_in(markdown: &str, options: &Options, context: &RefContext) -> String {
    render_events(markdown, options, Some(context))
}

fn render_events(markdown: &str, options: &Options, context: Option<&RefContext>) -> String {
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events(markdown, options, context).into_iter());
    sanitizer().clean(&html).to_string()
}

fn parser_options() -> pulldown_cmark::Options {
    use pulldown_cmark::Options as O;
    O::ENABLE_TABLES | O::ENABLE_STRIKETHROUGH | O::ENABLE_TASKLISTS | O::ENABLE_FOOTNOTES
}

/// The events of the text, with relative links rebased, headings lowered,
/// bare URLs turned into links and, given a context, references too.
fn events<'a>(
    markdown: &'a str,
    options: &Options,
    context: Option<&RefContext>,
) -> Vec<Event<'a>> {
    let mut parser = TextMergeStream::new(Parser::new_ext(markdown, parser_options()));
    let mut out = Vec::new();
    // Inside a link, an image's text or code, URLs and references in text
    // stay text; `raw` counts the same places opened by raw HTML tags.
    let mut in_link = 0usize;
    let mut in_image = 0usize;
    let mut in_code_block = false;
    let mut raw = RawHtmlDepth::default();
    while let Some(event) = parser.next() {
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
            }) => {
                in_image += 1;
                out.push(Event::Start(Tag::Image {
                    link_type,
                    dest_url: rebase(dest_url, options.image_base.as_deref()),
                    title,
                    id,
                }));
            }
            Event::End(TagEnd::Image) => {
                in_image = in_image.saturating_sub(1);
                out.push(Event::End(TagEnd::Image));
            }
            Event::Html(html) => {
                raw.scan(&html);
                out.push(Event::Html(html));
            }
            Event::InlineHtml(html) => {
                raw.scan(&html);
                out.push(Event::InlineHtml(html));
            }
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
            Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info)))
                if code_language(&info).is_some() =>
            {
                // A fenced block with a language: its text, highlighted.
                let mut code = String::new();
                for inner in parser.by_ref() {
                    match inner {
                        Event::End(TagEnd::CodeBlock) => break,
                        Event::Text(text) => code.push_str(&text),
                        _ => {}
                    }
                }
                out.push(highlighted_block(&info, code));
            }
            Event::Start(Tag::CodeBlock(kind)) => {
                in_code_block = true;
                out.push(Event::Start(Tag::CodeBlock(kind)));
            }
            Event::End(TagEnd::CodeBlock) => {
                in_code_block = false;
                out.push(Event::End(TagEnd::CodeBlock));
            }
            Event::Text(text) if in_link == 0 && in_image == 0 && !in_code_block && raw.none() => {
                autolink(text, context, &mut out)
            }
            other => out.push(other),
        }
    }
    out
}

/// Fenced blocks longer than this are shown without highlighting (it is
/// CPU work, done while the page is built).
const MAX_HIGHLIGHTED_BYTES: usize = 32 * 1024;

/// The language of a fenced block's info string (`rust`, `python title`),
/// if it can be named in a class; the first word only.
fn code_language(info: &str) -> Option<&str> {
    let lang = info.split_whitespace().next()?;
    let ok = lang.len() <= 40
        && lang
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+'));
    ok.then_some(lang)
}

/// The file extension the highlighter knows a language by.
fn extension_for(lang: &str) -> String {
    let lower = lang.to_ascii_lowercase();
    let known = match lower.as_str() {
        "rust" => "rs",
        "python" | "python3" => "py",
        "javascript" | "node" => "js",
        "shell" | "bash" | "console" | "shell-session" | "zsh" => "sh",
        "ruby" => "rb",
        "markdown" => "md",
        "c++" => "cpp",
        "csharp" => "cs",
        "golang" => "go",
        "perl" => "pl",
        "haskell" => "hs",
        "yml" => "yaml",
        "patch" => "diff",
        "text" | "plain" | "txt" => "txt",
        other => return other.to_string(),
    };
    known.to_string()
}

/// A fenced block as `<pre><code class="language-…">` with highlighting
/// classes (`hl-…`, styled by the code browser's stylesheet); escaped plain
/// text when the language is unknown or the block is long.
fn highlighted_block<'a>(info: &str, code: String) -> Event<'a> {
    let lang = code_language(info).unwrap_or("text");
    let lines = if code.len() <= MAX_HIGHLIGHTED_BYTES {
        crate::highlight::lines(&format!("code.{}", extension_for(lang)), &code)
    } else {
        crate::highlight::plain_lines(&code)
    };
    let mut html = format!(
        "<pre><code class=\"language-{}\">",
        crate::highlight::escape(lang)
    );
    for line in lines {
        html.push_str(&line);
        html.push('\n');
    }
    html.push_str("</code></pre>\n");
    Event::Html(CowStr::from(html))
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
/// links (GitHub's "extended autolinks"); with a context, the text between
/// them goes through [`references`].
fn autolink<'a>(text: CowStr<'a>, context: Option<&RefContext>, out: &mut Vec<Event<'a>>) {
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

/// How many `<a>`, `<code>` and `<pre>` elements opened by raw HTML in the
/// text are still open: references and URLs inside them stay text.
#[derive(Debug, Default)]
struct RawHtmlDepth {
    depth: usize,
}

impl RawHtmlDepth {
    fn none(&self) -> bool {
        self.depth == 0
    }

    /// Counts the opening and closing `a`, `code` and `pre` tags of a piece
    /// of raw HTML (a whole block, or one inline tag).
    fn scan(&mut self, html: &str) {
        let bytes = html.as_bytes();
        let mut i = 0;
        while let Some(offset) = html[i..].find('<') {
            let mut j = i + offset + 1;
            let closing = bytes.get(j) == Some(&b'/');
            if closing {
                j += 1;
            }
            let name_start = j;
            while j < bytes.len() && bytes[j].is_ascii_alphanumeric() {
                j += 1;
            }
            let name = html[name_start..j].to_ascii_lowercase();
            let ends_name = bytes
                .get(j)
                .is_none_or(|b| b.is_ascii_whitespace() || matches!(b, b'>' | b'/'));
            if ends_name && matches!(name.as_str(), "a" | "code" | "pre") {
                let self_closing = html[j..]
                    .find('>')
                    .is_some_and(|end| html[j..j + end].ends_with('/'));
                if closing {
                    self.depth = self.depth.saturating_sub(1);
                } else if !self_closing {
                    self.depth += 1;
                }
            }
            i = j.max(i + offset + 1);
        }
    }
}

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
fn references<'a>(text: &str, context: &RefContext, out: &mut Vec<Event<'a>>) {
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
            .add_tag_attributes("span", ["class"])
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
                // Highlighting classes only (`hl-keyword hl-control`).
                ("span", "class") => {
                    let ok = value.split_whitespace().all(|class| {
                        class.strip_prefix("hl-").is_some_and(|name| {
                            !name.is_empty()
                                && name.chars().all(|c| {
                                    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '+')
                                })
                        })
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
        "<div style=\"width: expression(alert(1))\">css</div>",
        "<div style=\"background:url(javascript:alert(1))\">css</div>",
        "<a href=\"&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1)\">x</a>",
        "<a href=\"javascript&colon;alert(1)\">x</a>",
        "[x](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
        "<a href=\"data:text/html,<script>alert(1)</script>\">x</a>",
        "<img src=\"data:image/svg+xml,<svg onload=alert(1)>\">",
        "<svg><script>alert(1)</script></svg>",
        "<svg/onload=alert(1)>",
        "<frameset><frame src=\"javascript:alert(1)\"></frameset>",
        "<video><source onerror=\"alert(1)\"></video>",
        "<body onload=alert(1)>",
        "<input autofocus onfocus=alert(1)>",
        "<isindex action=javascript:alert(1) type=image>",
        "<form><button formaction=javascript:alert(1)>x</button></form>",
        "<a href=\"  javascript:alert(1)\">x</a>",
        "<a href=\"java\nscript:alert(1)\">x</a>",
        "<iframe srcdoc=\"<script>alert(1)</script>\"></iframe>",
        "<template><script>alert(1)</script></template>",
        "<img src=x:alert(alt) onerror=eval(src) alt=0>",
        "#12 <script>alert(1)</script> @alice",
        "[#12](javascript:alert(1)) owner/repo#3\"><script>x</script>",
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
        let context = RefContext {
            owner: "coop".into(),
            repo: "tools".into(),
        };
        let rendered = INJECTIONS.iter().flat_map(|attempt| {
            [
                (attempt, render(attempt)),
                (attempt, render_in(attempt, &Options::default(), &context)),
            ]
        });
        for (attempt, html) in rendered {
            let html = html.to_ascii_lowercase();
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
                "<frame",
                "<input autofocus",
                "<template",
                "<video",
                "<source",
                "<body",
                "<isindex",
                "expression(",
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

    fn coop_tools() -> RefContext {
        RefContext {
            owner: "coop".into(),
            repo: "tools".into(),
        }
    }

    fn refs(text: &str) -> String {
        render_in(text, &Options::default(), &coop_tools())
    }

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

    #[test]
    fn fenced_code_is_highlighted() {
        let html = render(
            "```rust\nfn main() { let x = \"<b>\"; }\n```\n\n```nosuchlanguage\n<i>x</i>\n```",
        );
        assert!(
            html.contains("<pre><code class=\"language-rust\">"),
            "{html}"
        );
        assert!(html.contains("<span class=\"hl-"), "{html}");
        assert!(html.contains("&lt;b&gt;"), "{html}");
        assert!(!html.contains("<b>"), "{html}");
        assert!(
            html.contains("<code class=\"language-nosuchlanguage\">&lt;i&gt;x&lt;/i&gt;\n</code>"),
            "{html}"
        );
        // Classes typed by hand survive only as highlighting classes.
        let html = render("<span class=\"hl-keyword\">a</span><span class=\"skip-link\">b</span>");
        assert!(
            html.contains("<span class=\"hl-keyword\">a</span>"),
            "{html}"
        );
        assert!(html.contains("<span>b</span>"), "{html}");
        // References stay text inside highlighted code.
        let html = refs("```rust\n// see #12 and @alice\n```");
        assert!(!html.contains("href"), "{html}");
    }

    #[test]
    fn code_keeps_only_language_classes() {
        let html = render("```rust\nfn main() {}\n```\n\n<code class=\"button danger\">x</code>");
        assert!(html.contains("class=\"language-rust\""), "{html}");
        assert!(!html.contains("button danger"), "{html}");
    }
}
