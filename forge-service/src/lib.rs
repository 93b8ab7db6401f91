//! The forge's operations, as every transport calls them.
//!
//! The web crate (pages, JSON API, git over HTTP) and any later transport
//! (SSH) parse requests and render answers; the forge itself (merges of
//! pull requests, background work) acts too. Whatever touches both the
//! database and the repositories, and everything a push causes, is done
//! here once, so that every way in behaves the same:
//!
//! - [`repos`]: creating, changing and deleting repositories (row and
//!   folder together);
//! - [`git_access`]: who may run which git service on which repository;
//! - [`transfer`]: running `git upload-pack` / `receive-pack` for one
//!   request, streaming both ways through bounded buffers, journalling a
//!   push before any ref can move;
//! - [`push`]: what a push causes (default branch, issues closed by
//!   commits, the `push` event), and finishing pushes whose process died;
//! - [`background`]: periodic work (funding deadlines, expired sessions,
//!   interrupted pushes, notifications and their e-mail), each run by one
//!   process at a time;
//! - [`mail`]: sending notification e-mail over SMTP.
//!
//! Decisions and storage stay in `forge-core` (which writes every domain
//! event to its outbox, in the transaction of the change) and git work in
//! `forge-git`; this crate orders them.

pub mod background;
pub mod backup;
mod blocking;
pub mod git_access;
pub mod mail;
pub mod push;
pub mod repos;
pub mod transfer;

use forge_core::Db;

/// The forge's operations over one database and one repository storage.
/// Cheap to clone; holds nothing that another process would not see.
#[derive(Clone)]
pub struct Forge {
    pub db: Db,
    pub storage: forge_git::Storage,
    /// Notification e-mail, when `[mail]` is configured.
    pub mail: Option<std::sync::Arc<mail::Mailer>>,
}

impl Forge {
    pub fn new(db: Db, storage: forge_git::Storage) -> Forge {
        Forge {
            db,
            storage,
            mail: None,
        }
    }

    /// The same forge, sending notification e-mail through `mailer`.
    pub fn with_mail(self, mailer: mail::Mailer) -> Forge {
        Forge {
            mail: Some(std::sync::Arc::new(mailer)),
            ..self
        }
    }
}
