//! Syntax highlighting of files in the code browser, as classed HTML (no
//! inline style: the CSP forbids it), and the stylesheet of those classes
//! for light and dark schemes, with every colour checked for contrast.
//!
//! Highlighting is CPU work: callers run it on the blocking pool. Large
//! files, very long lines, unknown languages and slow grammars fall back to
//! plain escaped text.

use std::fmt::Write;
use std::sync::OnceLock;
use std::time::{Duration, Instant};
use syntect::highlighting::{Color, FontStyle, Highlighter, Theme, ThemeSet};
use syntect::parsing::{ParseState, Scope, ScopeStack, SyntaxReference, SyntaxSet};

/// Files larger than this are shown without highlighting.
pub const MAX_BYTES: usize = 256 * 1024;
/// Files with a line longer than this (minified code) neither.
pub const MAX_LINE_BYTES: usize = 4000;
/// Highlighting that takes longer than this is dropped for plain text.
const TIME_BUDGET: Duration = Duration::from_secs(2);

/// The kinds of token the page colours, and the grammar scopes each
/// covers (a scope and everything under it). The innermost scope of a token
/// that falls under one of these decides its kind, the first match in this
/// order; tokens of no kind are plain text.
///
/// A handful of kinds rather than every scope name: a class per scope atom
/// made the 2,000-line file's page 2 MB, ten times its text, and a token's
/// colour depends on these kinds alone in the themes used.
const KINDS: &[(&str, &str)] = &[
    ("comment", "comment"),
    ("string", "string"),
    ("constant.numeric", "number"),
    ("constant.character.escape", "escape"),
    ("constant", "constant"),
    ("keyword.operator", "operator"),
    ("keyword", "keyword"),
    ("storage.type", "type"),
    ("storage", "keyword"),
    ("entity.name.function", "function"),
    ("entity.name.tag", "tag"),
    ("entity.other.attribute-name", "attribute"),
    ("entity.name", "name"),
    ("entity.other.inherited-class", "name"),
    ("support.function", "function"),
    ("support.type", "type"),
    ("support.class", "type"),
    ("support", "builtin"),
    ("variable.parameter", "parameter"),
    ("variable.language", "builtin"),
    ("markup.heading", "heading"),
    ("markup.bold", "bold"),
    ("markup.italic", "italic"),
    ("markup.inserted", "inserted"),
    ("markup.deleted", "deleted"),
    ("markup.raw", "code"),
    ("markup.underline.link", "link"),
    ("meta.preprocessor", "preprocessor"),
    ("invalid", "invalid"),
];

/// Class names are `hl-` and the kind: the Markdown sanitiser keeps exactly
/// these on `<span>`s.
const PREFIX: &str = "hl-";

fn syntaxes() -> &'static SyntaxSet {
    static SYNTAXES: OnceLock<SyntaxSet> = OnceLock::new();
    SYNTAXES.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// The grammar for a file, by extension, by whole name (`Makefile`), or by
/// its first line (`#!/bin/sh`); `None` for plain text.
fn syntax_for<'s>(set: &'s SyntaxSet, name: &str, text: &str) -> Option<&'s SyntaxReference> {
    let by_extension = name
        .rsplit_once('.')
        .and_then(|(_, ext)| set.find_syntax_by_extension(ext));
    let found = by_extension
        .or_else(|| set.find_syntax_by_extension(name))
        .or_else(|| {
            let first: String = text
                .lines()
                .next()
                .unwrap_or("")
                .chars()
                .take(200)
                .collect();
            set.find_syntax_by_first_line(&first)
        })?;
    (found.name != set.find_syntax_plain_text().name).then_some(found)
}

/// The lines of `text` as HTML, one string per line without its end of
/// line: highlighted when the file's language is known and the text is small
/// enough, escaped plain text otherwise.
pub fn lines(file_name: &str, text: &str) -> Vec<String> {
    let small = text.len() <= MAX_BYTES && text.lines().all(|l| l.len() <= MAX_LINE_BYTES);
    if small
        && let Some(syntax) = syntax_for(syntaxes(), file_name, text)
        && let Some(lines) = highlight(syntax, text)
    {
        return lines;
    }
    plain_lines(text)
}

/// The lines of `text`, escaped, without highlighting.
pub fn plain_lines(text: &str) -> Vec<String> {
    text.split_inclusive('\n')
        .map(|line| escape_code(line.trim_end_matches(['\n', '\r'])))
        .collect()
}

/// Escapes code for HTML content, showing the characters that reorder text
/// (a "Trojan Source" attack hides code behind them) as visible marks.
pub fn escape_code(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        crate::views::push_marked(&mut out, c);
    }
    out
}

/// Escapes text for HTML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The kinds of the rules in KINDS, as parsed scopes, once.
fn kind_rules() -> &'static [(Scope, &'static str)] {
    static RULES: OnceLock<Vec<(Scope, &'static str)>> = OnceLock::new();
    RULES.get_or_init(|| {
        KINDS
            .iter()
            .map(|(scope, kind)| (Scope::new(scope).expect("the scopes in KINDS parse"), *kind))
            .collect()
    })
}

/// The kind of a token inside `stack`: that of its innermost scope that
/// has one.
fn kind_of(stack: &ScopeStack) -> Option<&'static str> {
    let rules = kind_rules();
    stack.as_slice().iter().rev().find_map(|scope| {
        rules
            .iter()
            .find(|(rule, _)| rule.is_prefix_of(*scope))
            .map(|(_, kind)| *kind)
    })
}

/// Appends `text` to `html`, as a span of `kind` when it has one.
fn push_token(html: &mut String, kind: Option<&str>, text: &str) {
    let text = text.trim_end_matches(['\n', '\r']);
    if text.is_empty() {
        return;
    }
    match kind {
        Some(kind) => {
            html.push_str("<span class=\"");
            html.push_str(PREFIX);
            html.push_str(kind);
            html.push_str("\">");
            html.push_str(&escape_code(text));
            html.push_str("</span>");
        }
        None => html.push_str(&escape_code(text)),
    }
}

/// Each line highlighted on its own (no span crosses an end of line), so
/// that lines can sit in table rows with their numbers; neighbouring tokens
/// of one kind share a span. `None` if the grammar fails or is slow.
fn highlight(syntax: &SyntaxReference, text: &str) -> Option<Vec<String>> {
    let set = syntaxes();
    let started = Instant::now();
    let mut state = ParseState::new(syntax);
    let mut stack = ScopeStack::new();
    let mut out = Vec::new();
    for (n, line) in text.split_inclusive('\n').enumerate() {
        if n % 64 == 0 && started.elapsed() > TIME_BUDGET {
            return None;
        }
        let ops = state.parse_line(line, set).ok()?;
        let mut html = String::with_capacity(line.len() + 64);
        // The text not yet written, from `start`, is all of kind `current`.
        let mut start = 0;
        let mut current = kind_of(&stack);
        for (at, op) in &ops {
            stack.apply(op).ok()?;
            let next = kind_of(&stack);
            if next != current {
                let at = (*at).min(line.len());
                push_token(&mut html, current, line.get(start..at)?);
                start = at;
                current = next;
            }
        }
        push_token(&mut html, current, line.get(start..)?);
        out.push(html);
    }
    Some(out)
}

/// The stylesheet of the code browser: its layout, and the highlighting
/// classes for light and dark schemes. Computed once.
pub fn stylesheet() -> &'static str {
    static CSS: OnceLock<String> = OnceLock::new();
    CSS.get_or_init(|| {
        let mut css = String::from(LAYOUT_CSS);
        let themes = ThemeSet::load_defaults();
        // The surfaces code sits on (style.css's --surface), light and dark.
        let light_bg = Color {
            r: 0xf3,
            g: 0xf4,
            b: 0xf6,
            a: 0xff,
        };
        let dark_bg = Color {
            r: 0x1f,
            g: 0x22,
            b: 0x26,
            a: 0xff,
        };
        // Each theme only in its own scheme: a rule of the light theme that
        // the dark one lacks must not leak light colours onto dark ground.
        if let Some(theme) = themes.themes.get("InspiredGitHub") {
            let _ = write!(
                css,
                "@media not all and (prefers-color-scheme: dark) {{\n{}}}\n",
                theme_css(theme, light_bg)
            );
        }
        if let Some(theme) = themes.themes.get("base16-ocean.dark") {
            let _ = write!(
                css,
                "@media (prefers-color-scheme: dark) {{\n{}}}\n",
                theme_css(theme, dark_bg)
            );
        }
        css
    })
}

/// A theme's colours for the kinds of KINDS, each adjusted to a contrast
/// of at least 4.5 on `bg`. Kinds the theme leaves in its plain text colour
/// get no rule.
fn theme_css(theme: &Theme, bg: Color) -> String {
    let highlighter = Highlighter::new(theme);
    let plain = highlighter.get_default();
    let mut css = String::new();
    let mut done: Vec<&str> = Vec::new();
    for (scope, kind) in kind_rules() {
        // A kind listed twice takes the colour of its first scope.
        if done.contains(kind) {
            continue;
        }
        done.push(kind);
        let style = highlighter.style_for_stack(&[*scope]);
        let mut rule = String::new();
        if style.foreground != plain.foreground {
            let c = readable(style.foreground, bg);
            let _ = write!(rule, "color:#{:02x}{:02x}{:02x};", c.r, c.g, c.b);
        }
        for (flag, property) in [
            (FontStyle::BOLD, "font-weight:bold;"),
            (FontStyle::ITALIC, "font-style:italic;"),
            (FontStyle::UNDERLINE, "text-decoration:underline;"),
        ] {
            if style.font_style.contains(flag) {
                rule.push_str(property);
            }
        }
        // Backgrounds are not used: code sits on the page's own surface.
        if !rule.is_empty() {
            let _ = writeln!(css, ".{PREFIX}{kind}{{{rule}}}");
        }
    }
    css
}

fn luminance(c: Color) -> f64 {
    let channel = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.039_28 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)
}

fn contrast(a: Color, b: Color) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

fn mix(a: Color, b: Color, t: f64) -> Color {
    let m = |x: u8, y: u8| (f64::from(x) * (1.0 - t) + f64::from(y) * t).round() as u8;
    Color {
        r: m(a.r, b.r),
        g: m(a.g, b.g),
        b: m(a.b, b.b),
        a: 0xff,
    }
}

/// `fg` (blended over `bg` if translucent) moved toward black or white,
/// whichever is away from `bg`, until it reaches a contrast of 4.5.
fn readable(fg: Color, bg: Color) -> Color {
    let mut color = mix(bg, Color { a: 0xff, ..fg }, f64::from(fg.a) / 255.0);
    let target = if luminance(bg) > 0.5 {
        Color {
            r: 0,
            g: 0,
            b: 0,
            a: 0xff,
        }
    } else {
        Color {
            r: 0xff,
            g: 0xff,
            b: 0xff,
            a: 0xff,
        }
    };
    for _ in 0..20 {
        if contrast(color, bg) >= 4.6 {
            break;
        }
        color = mix(color, target, 0.1);
    }
    color
}

/// The layout of the code browser's pages (style.css holds the rest).
const LAYOUT_CSS: &str = r#"/* Code browser */
.repo-nav ul { display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; margin: 0 0 1.5rem; padding: 0 0 .5rem; list-style: none; border-bottom: 1px solid var(--rule); }
.repo-nav a { display: inline-block; padding: .375rem 0; }
.repo-nav a[aria-current] { font-weight: 700; text-decoration-thickness: 3px; }
.clone { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem; margin: 0 0 1rem; }
.clone input { flex: 1 1 20rem; font-family: var(--mono); }
ul.inline-list { display: flex; flex-wrap: wrap; gap: .25rem 1rem; padding: 0; margin: 0 0 1rem; list-style: none; }
table.files td.size, table.files th.size { text-align: end; white-space: nowrap; }
table.files .kind { color: var(--muted); white-space: nowrap; }
.file-meta { display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; align-items: baseline; margin: 0 0 1rem; }
.code-scroll { overflow-x: auto; border: 1px solid var(--rule); border-radius: 4px; background: var(--surface); margin: 0 0 1.5rem; }
table.code { width: auto; min-width: 100%; border-collapse: collapse; font-family: var(--mono); font-size: .9375rem; line-height: 1.45; }
table.code td { padding: 0 .75rem; border: 0; vertical-align: top; }
table.code td.code { white-space: pre; tab-size: 4; width: 100%; }
table.code td.ln { text-align: end; user-select: none; padding-inline: .75rem .5rem; border-inline-end: 1px solid var(--rule); }
table.code td.ln a { color: var(--muted); text-decoration: none; }
table.code td.ln a:hover, table.code td.ln a:focus-visible { color: var(--link); text-decoration: underline; }
table.code tr:target td, table.code tr:has(a:target) td { background: var(--bg); outline: 2px solid var(--accent); outline-offset: -2px; }
table.code td.mark { user-select: none; padding: 0 .25rem; font-weight: 700; }
table.diff tr.add td { background: #e3f5e7; }
table.diff tr.del td { background: #fbe8e6; }
table.diff tr.hunk td { color: var(--muted); background: var(--bg); padding-block: .25rem; }
.diff-file { margin: 0 0 2rem; }
.diff-file h3 { font-size: 1.0625rem; font-family: var(--mono); margin: 1.5rem 0 .5rem; overflow-wrap: anywhere; }
.markdown { margin: 0 0 2rem; }
.markdown img { max-width: 100%; }
.markdown table { width: auto; }
dl.commit-meta { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0 0 1rem; }
dl.commit-meta dt { font-weight: 600; }
dl.commit-meta dd { margin: 0; }
.commit-message { white-space: pre-wrap; font-family: var(--mono); background: var(--surface); padding: 1rem; border-radius: 4px; }
.pager { display: flex; gap: 1.5rem; margin: 1rem 0 2rem; }
.file-image { max-width: 100%; border: 1px solid var(--rule); }
@media (prefers-color-scheme: dark) {
  table.diff tr.add td { background: #15321f; }
  table.diff tr.del td { background: #3a1d1b; }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_known_languages_line_by_line() {
        let text = "/* a comment\n   on two lines */\nfn main() {\n    let s = \"<b>\";\n}\n";
        let lines = lines("main.rs", text);
        assert_eq!(lines.len(), 5);
        for line in &lines {
            assert_eq!(
                line.matches("<span").count(),
                line.matches("</span>").count(),
                "{line}"
            );
            assert!(!line.contains('\n'));
        }
        assert!(lines[1].contains("hl-comment"), "{}", lines[1]);
        assert!(lines[3].contains("&lt;b&gt;"), "{}", lines[3]);
        assert!(!lines[3].contains("<b>"), "{}", lines[3]);
    }

    #[test]
    fn plain_text_and_huge_files_are_escaped_only() {
        assert_eq!(lines("notes", "a <b>\nc\n"), ["a &lt;b&gt;", "c"]);
        let long = format!("fn x() {{}}\n{}\n", "x".repeat(MAX_LINE_BYTES + 1));
        assert!(!lines("x.rs", &long)[0].contains("<span"));
        assert_eq!(lines("x.rs", "no newline").len(), 1);
        assert!(lines("x.rs", "").is_empty());
    }

    #[test]
    fn the_stylesheet_has_both_schemes_with_readable_colours() {
        let css = stylesheet();
        assert!(css.contains(".hl-comment"), "{css}");
        assert!(css.contains("prefers-color-scheme: dark"));
        let white = Color {
            r: 0xf3,
            g: 0xf4,
            b: 0xf6,
            a: 0xff,
        };
        let grey = Color {
            r: 0x96,
            g: 0x98,
            b: 0x96,
            a: 0xff,
        };
        assert!(contrast(readable(grey, white), white) >= 4.5);
    }
}
