//! Domain rules and storage of the forge.
//!
//! Everything that decides what may happen (who may add a member, which names
//! are valid, how secrets are stored) lives here, next to the SQL that records
//! it. This crate knows nothing of HTTP: the web layer turns its [`Error`]
//! into responses and its message keys into translated text.

pub mod account;
pub mod account_settings;
pub mod auth_limit;
pub mod backlog;
pub mod backup;
pub mod branch_protection;
pub mod clock;
pub mod collaborator;
pub mod comment;
pub mod commit_refs;
pub mod commit_status;
pub mod consistency;
pub mod consumer;
pub mod dashboard;
pub mod db;
pub mod directory;
pub mod error;
pub mod feed;
pub mod funding;
pub mod health;
pub mod identity;
pub mod ids;
pub mod issue;
pub mod issue_query;
pub mod label;
pub mod lease;
pub mod migrations;
pub mod milestone;
pub mod money;
pub mod names;
pub mod notification;
pub mod org;
pub mod outbox;
pub mod password;
pub mod pull;
pub mod push_journal;
pub mod refs;
pub mod repo;
pub mod review;
pub mod review_comment;
pub mod secret;
pub mod security_log;
pub mod session;
pub mod site;
pub mod ssh_key;
pub mod testing;
pub mod timeline;
pub mod token;
pub mod topic;
pub mod totp;
pub mod two_factor_policy;
pub mod user;
pub mod webhook;

pub use db::{Db, Engine};
pub use error::{Error, Problem, Result};
pub use ids::{
    AccountId, CommentId, DeliveryId, EventId, GoalId, IssueId, LabelId, LedgerTxnId, MilestoneId,
    NotificationId, OrgId, PaymentId, PledgeId, PushJournalId, RepoId, SshKeyId, TokenId, UserId,
    WebhookId,
};
