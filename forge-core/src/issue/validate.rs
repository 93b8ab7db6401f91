//! Checks of the texts people type: titles, bodies, and no NUL character.

use crate::error::{Error, Problem, Result};

pub const MAX_TITLE_LEN: usize = 255;
pub const MAX_BODY_LEN: usize = 65_536;

/// Refuses NUL characters: PostgreSQL cannot store them in text, and SQLite
/// would, so both engines refuse them alike.
pub(crate) fn refuse_nul(field: &'static str, text: &str) -> Result<()> {
    if text.contains('\0') {
        return Err(Error::invalid(field, "error-text-nul"));
    }
    Ok(())
}

pub(super) fn validate_title(title: &str) -> Result<String> {
    refuse_nul("title", title)?;
    let title = title.trim();
    if title.is_empty() {
        return Err(Error::invalid("title", "error-issue-title-empty"));
    }
    if title.chars().count() > MAX_TITLE_LEN {
        return Err(Error::Invalid {
            field: "title",
            problem: Problem::new("error-text-too-long").arg("max", MAX_TITLE_LEN.to_string()),
        });
    }
    Ok(title.to_string())
}

pub(crate) fn validate_body(field: &'static str, body: &str) -> Result<String> {
    refuse_nul(field, body)?;
    if body.chars().count() > MAX_BODY_LEN {
        return Err(Error::Invalid {
            field,
            problem: Problem::new("error-text-too-long").arg("max", MAX_BODY_LEN.to_string()),
        });
    }
    Ok(body.trim_end().to_string())
}
