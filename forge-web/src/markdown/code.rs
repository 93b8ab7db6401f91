//! Fenced code blocks with a language, highlighted into classes.

use pulldown_cmark::{CowStr, Event};

/// Fenced blocks longer than this are shown without highlighting (it is
/// CPU work, done while the page is built).
const MAX_HIGHLIGHTED_BYTES: usize = 32 * 1024;

/// The language of a fenced block's info string (`rust`, `python title`),
/// if it can be named in a class; the first word only.
pub(super) fn code_language(info: &str) -> Option<&str> {
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
pub(super) fn highlighted_block<'a>(info: &str, code: String) -> Event<'a> {
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

#[cfg(test)]
mod tests {
    use super::super::render;
    use super::super::tests::refs;

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
