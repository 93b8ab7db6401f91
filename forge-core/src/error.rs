//! The one error type of the domain.
//!
//! Messages meant for people are not written here: a [`Problem`] carries the
//! key of a message in the translation catalogue and its arguments, so the web
//! layer can say it in the visitor's language and the API in English.

use std::fmt;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A message key of the translation catalogue with its named arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
}

impl Problem {
    pub fn new(key: &'static str) -> Self {
        Problem {
            key,
            args: Vec::new(),
        }
    }

    pub fn arg(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.args.push((name, value.into()));
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key)?;
        for (name, value) in &self.args {
            write!(f, " {name}={value:?}")?;
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The input breaks a rule; `field` names the offending field.
    #[error("invalid {field}: {problem}")]
    Invalid {
        field: &'static str,
        problem: Problem,
    },
    /// The thing asked for does not exist, or the actor may not know it does.
    #[error("not found: {0}")]
    NotFound(Problem),
    /// The request clashes with the current state (a taken name, the last owner).
    #[error("conflict: {problem}")]
    Conflict {
        field: Option<&'static str>,
        problem: Problem,
    },
    /// The actor is known but may not do this.
    #[error("forbidden: {0}")]
    Forbidden(Problem),
    /// The forge is too busy for this right now (a bounded queue is full);
    /// trying again shortly may work.
    #[error("busy: {0}")]
    Busy(Problem),
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("internal: {0}")]
    Internal(String),
}

impl Error {
    pub fn invalid(field: &'static str, key: &'static str) -> Self {
        Error::Invalid {
            field,
            problem: Problem::new(key),
        }
    }

    pub fn not_found(key: &'static str) -> Self {
        Error::NotFound(Problem::new(key))
    }

    pub fn forbidden(key: &'static str) -> Self {
        Error::Forbidden(Problem::new(key))
    }

    pub fn conflict(field: Option<&'static str>, key: &'static str) -> Self {
        Error::Conflict {
            field,
            problem: Problem::new(key),
        }
    }

    /// Whether this is a database unique-constraint violation, which callers
    /// turn into a [`Error::Conflict`] naming the field.
    pub fn is_unique_violation(&self) -> bool {
        matches!(self, Error::Database(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}
