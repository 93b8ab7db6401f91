//! Every visible string of a template comes from the catalogue: once the
//! tags, expressions and statements are taken out, only punctuation may be
//! left. Attributes that people read (alt, title, placeholder, aria-label)
//! must be expressions too.

use std::path::Path;

/// Removes `open ... close` spans, outermost first.
fn strip(mut text: String, open: &str, close: &str) -> String {
    while let Some(start) = text.find(open) {
        match text[start + open.len()..].find(close) {
            Some(end) => text.replace_range(start..start + open.len() + end + close.len(), " "),
            None => break,
        }
    }
    text
}

fn visible_text(template: &str) -> String {
    let text = strip(template.to_string(), "{#", "#}");
    let text = strip(text, "{{", "}}");
    let text = strip(text, "{%", "%}");
    let text = strip(text, "<!--", "-->");
    let text = strip(text, "<style", "</style>");
    strip(text, "<", ">")
}

fn human_attributes(template: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["alt=\"", "title=\"", "placeholder=\"", "aria-label=\""] {
        let mut rest = template;
        while let Some(start) = rest.find(attribute) {
            let value_start = start + attribute.len();
            // The value ends at the first quote outside `{{ }}` and `{% %}`.
            let mut end = value_start;
            while end < rest.len() {
                let tail = &rest[end..];
                if tail.starts_with("{{") || tail.starts_with("{%") {
                    let close = if tail.starts_with("{{") { "}}" } else { "%}" };
                    end += tail.find(close).map_or(tail.len(), |c| c + 2);
                } else if tail.starts_with('"') {
                    break;
                } else {
                    end += tail.chars().next().map_or(1, char::len_utf8);
                }
            }
            let end = end.min(rest.len());
            let value = &rest[value_start..end];
            let literal = strip(value.to_string(), "{{", "}}");
            let literal = strip(literal, "{%", "%}");
            if literal.chars().any(char::is_alphabetic) {
                found.push(format!("{attribute}{value}\""));
            }
            rest = &rest[end..];
        }
    }
    found
}

#[test]
fn templates_carry_no_literal_text() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
    let mut offenders = Vec::new();
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("the templates folder exists") {
        let path = entry.expect("a readable entry").path();
        if path.extension().is_none_or(|e| e != "html") {
            continue;
        }
        checked += 1;
        let template = std::fs::read_to_string(&path).expect("a readable template");
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let visible = visible_text(&template);
        let words: Vec<&str> = visible
            .split_whitespace()
            .filter(|w| w.chars().any(char::is_alphabetic))
            .collect();
        if !words.is_empty() {
            offenders.push(format!("{name}: {words:?}"));
        }
        for attribute in human_attributes(&template) {
            offenders.push(format!("{name}: {attribute}"));
        }
    }
    assert!(checked > 10, "only {checked} templates found");
    assert!(
        offenders.is_empty(),
        "literal text outside the catalogue:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn the_checker_finds_literal_text() {
    assert_eq!(visible_text("<p>{{ ctx.t(\"x\") }}</p>").trim(), "");
    assert!(visible_text("<p>Hello {{ name }}</p>").contains("Hello"));
    assert_eq!(
        human_attributes("<img alt=\"A cat\">"),
        vec!["alt=\"A cat\"".to_string()]
    );
    assert!(human_attributes("<img alt=\"{{ ctx.t(\"cat\") }}\">").is_empty());
}
