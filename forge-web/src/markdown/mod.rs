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
//!
//! The work is split by concern: [`events`] walks the parser's events
//! (links rebased, headings lowered), [`code`] highlights fenced blocks,
//! [`autolink`] turns bare URLs into links, [`references`] turns references
//! into links, and [`sanitize`] holds the sanitiser every byte goes through.

mod autolink;
mod code;
mod events;
mod references;
mod sanitize;

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
    pulldown_cmark::html::push_html(
        &mut html,
        events::events(markdown, options, context).into_iter(),
    );
    sanitize::sanitizer().clean(&html).to_string()
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

    pub(super) fn coop_tools() -> RefContext {
        RefContext {
            owner: "coop".into(),
            repo: "tools".into(),
        }
    }

    pub(super) fn refs(text: &str) -> String {
        render_in(text, &Options::default(), &coop_tools())
    }
}
