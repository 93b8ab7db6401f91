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
//! - [`templates`]: the README, licence and `.gitignore` a new repository
//!   may start with;
//! - [`git_access`]: who may run which git service on which repository;
//! - [`transfer`]: running `git upload-pack` / `receive-pack` for one
//!   request, streaming both ways through bounded buffers, journalling a
//!   push before any ref can move;
//! - [`contents`]: commits made by the forge (files changed through the
//!   API, a new repository's first files), moving branches as pushes do;
//! - [`push`]: what a push causes (default branch, issues closed by
//!   commits, the `push` event), and finishing pushes whose process died;
//! - [`pulls`]: forks, pull requests, their mergeability checks and the
//!   merges the forge makes (whose ref updates go through [`push`] like
//!   any push);
//! - [`background`]: periodic work (funding deadlines, expired sessions,
//!   interrupted pushes, notifications and their e-mail, webhook
//!   deliveries), each run by one process at a time, or by all of them
//!   claiming rows;
//! - [`webhooks`]: the payloads and the delivery of webhooks, over the
//!   one HTTP client of [`http`]; [`gitea`]: JSON shapes of Gitea's API
//!   that payloads share with the web API; [`outcomes`]: how delivery
//!   attempts ended, counted for `/metrics`;
//! - [`mail`]: sending notification e-mail over SMTP.
//!
//! Decisions and storage stay in `forge-core` (which writes every domain
//! event to its outbox, in the transaction of the change) and git work in
//! `forge-git`; this crate orders them.

pub mod background;
pub mod backup;
mod blocking;
pub mod contents;
pub mod git_access;
pub mod gitea;
pub mod http;
pub mod mail;
pub mod outcomes;
pub mod protection;
pub mod pulls;
pub mod push;
pub mod repos;
pub mod reviews;
pub mod templates;
pub mod transfer;
pub mod webhooks;

use forge_core::Db;
use std::sync::Arc;

/// The forge's operations over one database and one repository storage.
/// Cheap to clone; holds nothing that another process would not see.
#[derive(Clone)]
pub struct Forge {
    pub db: Db,
    pub storage: forge_git::Storage,
    /// The settings of webhooks (which addresses, timeouts, retries) and
    /// their client.
    pub webhooks: Arc<webhooks::Webhooks>,
    /// Notification e-mail, when `[mail]` is configured.
    pub mail: Option<Arc<mail::Mailer>>,
}

impl Forge {
    /// A forge with the default webhook settings (no private address).
    pub fn new(db: Db, storage: forge_git::Storage) -> Forge {
        Forge::with_webhooks(db, storage, webhooks::Settings::default())
    }

    pub fn with_webhooks(
        db: Db,
        storage: forge_git::Storage,
        settings: webhooks::Settings,
    ) -> Forge {
        Forge {
            db,
            storage,
            webhooks: webhooks::Webhooks::new(settings),
            mail: None,
        }
    }

    /// The same forge, sending notification e-mail through `mailer`.
    pub fn with_mail(self, mailer: mail::Mailer) -> Forge {
        Forge {
            mail: Some(Arc::new(mailer)),
            ..self
        }
    }
}
