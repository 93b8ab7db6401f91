//! The pass over the parser's events: relative links and images rebased,
//! headings lowered, fenced blocks with a language highlighted, and text
//! outside links, images and code handed to [`autolink`] (which also makes
//! references).

use super::autolink::autolink;
use super::code::{code_language, highlighted_block};
use super::{Options, RefContext};
use pulldown_cmark::{
    CodeBlockKind, CowStr, Event, HeadingLevel, Parser, Tag, TagEnd, TextMergeStream,
};

fn parser_options() -> pulldown_cmark::Options {
    use pulldown_cmark::Options as O;
    O::ENABLE_TABLES | O::ENABLE_STRIKETHROUGH | O::ENABLE_TASKLISTS | O::ENABLE_FOOTNOTES
}

/// The events of the text, with relative links rebased, headings lowered,
/// bare URLs turned into links and, given a context, references too.
pub(super) fn events<'a>(
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

fn lower(level: HeadingLevel, offset: u8) -> HeadingLevel {
    let n = (level as usize + usize::from(offset)).min(6);
    HeadingLevel::try_from(n).unwrap_or(HeadingLevel::H6)
}

/// Whether a URL names its scheme (`https:`, `mailto:`, `javascript:`...).
pub(super) fn has_scheme(url: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use super::super::render_with;
    use super::*;

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
}
