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

    /// Whether the database could not be reached or could not write
    /// (connection refused or lost, pool exhausted, disk full, read-only
    /// file system or database, server shutting down): a passing condition
    /// that callers answer with 503, not a fault of the request.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Error::Database(e) => database_unavailable(e),
            _ => false,
        }
    }
}

fn database_unavailable(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed
        | sqlx::Error::BeginFailed => true,
        sqlx::Error::Database(e) => {
            let Some(code) = e.code() else {
                return false;
            };
            // A PostgreSQL SQLSTATE has five characters, often all digits;
            // SQLite's extended result codes have at most four digits.
            if code.len() < 5
                && let Ok(extended) = code.parse::<i64>()
            {
                // SQLite: the primary result code is the low byte. BUSY,
                // LOCKED, NOMEM, READONLY, IOERR, CORRUPT, FULL, CANTOPEN.
                return matches!(extended & 0xff, 5 | 6 | 7 | 8 | 10 | 11 | 13 | 14);
            }
            // PostgreSQL SQLSTATE classes: connection exceptions (08), the
            // server refusing the forge's own role (28), insufficient
            // resources (53), operator intervention (57, the server
            // shutting down), system errors (58); a read-only transaction
            // (25006), as on a standby or a read-only database; a database
            // closed to connections (55000) or missing (3D000).
            ["08", "28", "53", "57", "58"]
                .iter()
                .any(|c| code.starts_with(c))
                || ["25006", "55000", "3D000"].contains(&code.as_ref())
        }
        _ => false,
    }
}
