//! Checks on the repository itself rather than on the forge's behaviour:
//! the code map of `ARCHITECTURE.md` stays true. It may name only files and
//! folders that exist, and it must mention every module of every crate, so
//! that a newcomer reading it is never sent to a file that moved, nor left
//! without a word on one that came.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the repository's root")
        .to_path_buf()
}

/// A `### heading` of the document and the text under it.
struct Section {
    heading: String,
    body: String,
}

fn sections(doc: &str) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    for line in doc.lines() {
        if let Some(heading) = line.strip_prefix("### ") {
            sections.push(Section {
                heading: heading.to_string(),
                body: String::new(),
            });
        } else if line.starts_with("## ") {
            // A new chapter ends the code map's sections.
            sections.push(Section {
                heading: line.to_string(),
                body: String::new(),
            });
        } else if let Some(section) = sections.last_mut() {
            section.body.push_str(line);
            section.body.push('\n');
        }
    }
    sections
}

/// The text of every `code span` (single backticks).
fn code_spans(text: &str) -> Vec<&str> {
    text.split('`').skip(1).step_by(2).collect()
}

/// `locales/{en,fr}.ftl` names `locales/en.ftl` and `locales/fr.ftl`.
fn expand_braces(span: &str) -> Vec<String> {
    match (span.find('{'), span.find('}')) {
        (Some(open), Some(close)) if open < close => span[open + 1..close]
            .split(',')
            .flat_map(|choice| {
                expand_braces(&format!("{}{choice}{}", &span[..open], &span[close + 1..]))
            })
            .collect(),
        _ => vec![span.to_string()],
    }
}

const FILE_ENDINGS: [&str; 10] = [
    ".rs", ".sql", ".ftl", ".html", ".css", ".toml", ".md", ".sh", ".py", ".json",
];

/// Whether a code span names a path (rather than code, a command or a
/// placeholder such as `NNNN_name.sql`).
fn names_a_path(span: &str) -> bool {
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "_./{},-".contains(c);
    !span.is_empty()
        && span.chars().all(allowed)
        && !span.contains("..")
        && (span.ends_with('/') || FILE_ENDINGS.iter().any(|e| span.ends_with(e)))
}

/// The crate folder a heading such as "`forge-core`" names, if any.
fn crate_of(heading: &str, root: &Path) -> Option<String> {
    let name = heading.trim().strip_prefix('`')?.strip_suffix('`')?;
    root.join(name)
        .join("Cargo.toml")
        .exists()
        .then(|| name.to_string())
}

/// What is wrong with the code map of `doc` for the repository at `root`.
fn problems(doc: &str, root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let mut mapped = BTreeSet::new();
    for section in sections(doc) {
        let krate = crate_of(&section.heading, root);
        let mut mentioned = Vec::new();
        for span in code_spans(&section.body)
            .into_iter()
            .filter(|s| names_a_path(s))
        {
            for path in expand_braces(span) {
                let trimmed = path.trim_end_matches('/');
                let candidates: Vec<PathBuf> = match &krate {
                    Some(k) => vec![
                        root.join(k).join("src").join(trimmed),
                        root.join(k).join(trimmed),
                        root.join(trimmed),
                    ],
                    None => vec![root.join(trimmed)],
                };
                if !candidates.iter().any(|c| c.exists()) {
                    problems.push(format!(
                        "{}: `{path}` does not exist",
                        section.heading.trim()
                    ));
                }
                mentioned.push(path);
            }
        }
        if let Some(krate) = krate {
            let src = root.join(&krate).join("src");
            let Ok(entries) = std::fs::read_dir(&src) else {
                continue;
            };
            mapped.insert(krate.clone());
            let mut modules: Vec<String> = entries
                .map(|e| e.unwrap())
                .map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    if e.path().is_dir() {
                        format!("{name}/")
                    } else {
                        name
                    }
                })
                .filter(|name| name.ends_with('/') || name.ends_with(".rs"))
                .collect();
            modules.sort();
            for module in modules {
                let named = mentioned.iter().any(|m| {
                    m == &module
                        || (module.ends_with('/') && m.starts_with(&module))
                        || m.strip_prefix("src/") == Some(module.as_str())
                });
                if !named {
                    problems.push(format!(
                        "`{krate}`: the module `{module}` is not in the code map"
                    ));
                }
            }
        }
    }
    for member in workspace_crates(root) {
        if root.join(&member).join("src").is_dir() && !mapped.contains(&member) {
            problems.push(format!(
                "the crate `{member}` has no section in the code map"
            ));
        }
    }
    problems
}

/// The folders of the workspace's members, from the root `Cargo.toml`.
fn workspace_crates(root: &Path) -> Vec<String> {
    let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let members = manifest
        .split_once("members = [")
        .and_then(|(_, rest)| rest.split_once(']'))
        .map(|(list, _)| list)
        .unwrap_or_default();
    members
        .split(',')
        .map(|m| m.trim().trim_matches('"').to_string())
        .filter(|m| !m.is_empty())
        .collect()
}

#[test]
fn the_code_map_names_what_exists_and_every_module() {
    let root = repository_root();
    let doc = std::fs::read_to_string(root.join("ARCHITECTURE.md")).unwrap();
    let problems = problems(&doc, &root);
    assert!(
        problems.is_empty(),
        "ARCHITECTURE.md's code map is out of date:\n  {}",
        problems.join("\n  ")
    );
}

/// The check itself finds what it is for, on a small made-up repository.
#[test]
fn the_check_reports_missing_files_and_unmentioned_modules() {
    let root =
        std::env::temp_dir().join(format!("forge-tidy-{}", forge_core::secret::random_hex(6)));
    std::fs::create_dir_all(root.join("alpha/src/things")).unwrap();
    std::fs::write(root.join("Cargo.toml"), "members = [\"alpha\"]\n").unwrap();
    std::fs::write(root.join("alpha/Cargo.toml"), "").unwrap();
    for file in ["lib.rs", "kept.rs", "forgotten.rs", "things/mod.rs"] {
        std::fs::write(root.join("alpha/src").join(file), "").unwrap();
    }
    let doc = "## Code map\n\n### `alpha`\n\n- `lib.rs`, `kept.rs`, `things/mod.rs`, \
               `gone.rs` and `locales/{en,fr}.ftl`.\n\n## Invariants\n\n- `not/checked/here.rs`\n";
    let found = problems(doc, &root);
    assert_eq!(
        found,
        [
            "`alpha`: `gone.rs` does not exist",
            "`alpha`: `locales/en.ftl` does not exist",
            "`alpha`: `locales/fr.ftl` does not exist",
            "`alpha`: the module `forgotten.rs` is not in the code map",
            "## Invariants: `not/checked/here.rs` does not exist",
        ]
        .map(String::from)
        .to_vec()
    );
}
