//! Typed identifiers, so that an organisation id can never be passed where a
//! user id is expected. Users and organisations are both accounts (they share
//! one namespace), hence the conversions into [`AccountId`].

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

id_type!(
    /// The id of a user or an organisation.
    AccountId
);
id_type!(
    /// The id of a user account.
    UserId
);
id_type!(
    /// The id of an organisation account.
    OrgId
);
id_type!(
    /// The id of a personal access token.
    TokenId
);
id_type!(
    /// The id of a notification thread (one user, one issue).
    NotificationId
);

impl From<UserId> for AccountId {
    fn from(id: UserId) -> Self {
        AccountId(id.0)
    }
}

impl From<OrgId> for AccountId {
    fn from(id: OrgId) -> Self {
        AccountId(id.0)
    }
}
id_type!(
    /// The id of an SSH public key, a user's or a deploy key.
    SshKeyId
);
id_type!(
    /// The id of a repository; also names its folder on disk.
    RepoId
);
id_type!(
    /// The id of an issue (not its number, which is per repository).
    IssueId
);
id_type!(
    /// The id of a comment on an issue.
    CommentId
);
id_type!(
    /// The id of a label of a repository.
    LabelId
);
id_type!(
    /// The id of a milestone of a repository.
    MilestoneId
);
id_type!(
    /// The id of a funding goal (one per issue at most).
    GoalId
);
id_type!(
    /// The id of an organisation's pledge to a funding goal.
    PledgeId
);
id_type!(
    /// The id of a payment recorded against a pledge, or of its reversal.
    PaymentId
);

/// The id of one ledger transaction: the lines written together for one
/// money event share it, and their debits equal their credits. It is random
/// text rather than a number, as stored, so it cannot share the macro.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct LedgerTxnId(pub String);

impl fmt::Display for LedgerTxnId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
id_type!(
    /// The id of an event in the outbox.
    EventId
);
id_type!(
    /// The id of a push whose consequences are not yet recorded.
    PushJournalId
);
id_type!(
    /// The id of a webhook of a repository or an organisation.
    WebhookId
);
id_type!(
    /// The id of one delivery (request) of a webhook.
    DeliveryId
);
