//! The first files of a new repository (`auto_init`): a README, a licence
//! and a `.gitignore`, from a handful of templates embedded in the binary.
//!
//! The licences are SPDX identifiers; the MIT licence is embedded whole,
//! the longer ones as the notice their authors recommend, which names the
//! official text and carries the SPDX identifier.

use forge_core::{Error, Result};
use forge_git::edit::FileChange;

/// The licences offered, by SPDX identifier.
pub const LICENSES: &[(&str, &str)] = &[
    ("MIT", include_str!("templates/MIT")),
    ("Apache-2.0", include_str!("templates/Apache-2.0")),
    (
        "GPL-3.0-or-later",
        include_str!("templates/GPL-3.0-or-later"),
    ),
    (
        "AGPL-3.0-or-later",
        include_str!("templates/AGPL-3.0-or-later"),
    ),
    ("EUPL-1.2", include_str!("templates/EUPL-1.2")),
];

/// The `.gitignore` templates offered, by Gitea's names.
pub const GITIGNORES: &[(&str, &str)] = &[
    ("Go", include_str!("templates/Go.gitignore")),
    ("Java", include_str!("templates/Java.gitignore")),
    ("Node", include_str!("templates/Node.gitignore")),
    ("Python", include_str!("templates/Python.gitignore")),
    ("Rust", include_str!("templates/Rust.gitignore")),
];

/// What a new repository starts with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InitFiles {
    /// A `README.md` with the repository's name and description.
    pub readme: bool,
    /// An SPDX identifier among [`LICENSES`].
    pub license: Option<String>,
    /// Names among [`GITIGNORES`], joined into one `.gitignore`.
    pub gitignores: Vec<String>,
}

fn lookup(table: &[(&str, &'static str)], field: &'static str, name: &str) -> Result<&'static str> {
    table
        .iter()
        .find(|(key, _)| key.eq_ignore_ascii_case(name.trim()))
        .map(|(_, text)| *text)
        .ok_or_else(|| Error::invalid(field, "error-template-unknown"))
}

impl InitFiles {
    /// Refuses unknown template names before anything is created.
    pub fn check(&self) -> Result<()> {
        if let Some(license) = &self.license {
            lookup(LICENSES, "license", license)?;
        }
        for name in &self.gitignores {
            lookup(GITIGNORES, "gitignores", name)?;
        }
        Ok(())
    }

    /// The files, for a repository `name` described by `description`,
    /// owned by `owner`, in `year`.
    pub fn files(
        &self,
        name: &str,
        description: &str,
        owner: &str,
        year: i64,
    ) -> Result<Vec<FileChange>> {
        let mut files = Vec::new();
        if self.readme {
            let mut text = format!("# {name}\n");
            if !description.trim().is_empty() {
                text.push_str(&format!("\n{}\n", description.trim()));
            }
            files.push(FileChange::Put {
                path: "README.md".into(),
                content: text.into_bytes(),
            });
        }
        if let Some(license) = &self.license {
            let text = lookup(LICENSES, "license", license)?
                .replace("{year}", &year.to_string())
                .replace("{owner}", owner);
            files.push(FileChange::Put {
                path: "LICENSE".into(),
                content: text.into_bytes(),
            });
        }
        if !self.gitignores.is_empty() {
            let mut text = String::new();
            for name in &self.gitignores {
                let template = lookup(GITIGNORES, "gitignores", name)?;
                text.push_str(&format!("# {}\n{template}\n", name.trim()));
            }
            files.push(FileChange::Put {
                path: ".gitignore".into(),
                content: text.into_bytes(),
            });
        }
        Ok(files)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_are_found_by_name_and_filled_in() {
        let init = InitFiles {
            readme: true,
            license: Some("mit".into()),
            gitignores: vec!["Rust".into(), "Python".into()],
        };
        init.check().expect("known templates");
        let files = init.files("demo", "A demo", "ada", 2026).expect("files");
        assert_eq!(files.len(), 3);
        let FileChange::Put { content, .. } = &files[1] else {
            panic!("a licence file");
        };
        let text = String::from_utf8_lossy(content);
        assert!(text.contains("Copyright (c) 2026 ada"), "{text}");
        let unknown = InitFiles {
            license: Some("WTFPL".into()),
            ..InitFiles::default()
        };
        assert!(unknown.check().is_err());
    }
}
