//! Funding: a maintainer puts a budget on an issue; organisations pledge "up
//! to" an amount; when the pledges cover the budget (and enough
//! organisations take part) the goal is funded and each pledger's fair share
//! is fixed; the work is delivered, reviewed by the pledgers, accepted, and
//! paid outside the forge, each payment recorded by the receiving side.
//!
//! Every money event writes balanced ledger lines in the same transaction as
//! the state change (see [`ledger`] for the account scheme). Every change
//! to a goal first takes a write on the goal's row, which serialises
//! concurrent requests on one goal on both engines: funding happens once.
//!
//! Each transition carries its actor check, its ledger transaction and its
//! timeline event, in one database transaction. They are grouped by what
//! they act on: `goal` (putting and cancelling a goal, and what time
//! decides), `pledge` (pledging, withdrawing, funding), `delivery`
//! (delivery, review, acceptance), `dispute` (the pledgers' weighted vote
//! and the mediator) and `payment` (payments,
//! reversals, settling); `shared` holds what they all use and
//! `idempotency` the replay of `Idempotency-Key`s. `view` reads,
//! `receivable` reads what is due from each side, `open_list` the goals
//! still collecting pledges, and `ledger` keeps the accounts.

mod delivery;
pub mod dispute;
pub mod document;
mod goal;
mod idempotency;
pub mod ledger;
mod open_list;
pub mod payee;
mod payment;
mod pledge;
mod receivable;
mod shared;
mod view;

pub use delivery::{deliver, review};
pub use dispute::{resolve, vote};
pub use goal::{GoalInput, cancel, put_goal, refresh, sweep};
pub use open_list::{OpenFilter, OpenGoal, goal_states, open_goals};
pub use payment::{
    PaymentOutcome, PaymentRequest, record_payment, record_payment_outcome, reverse_payment,
};
pub use pledge::{PledgeOutcome, PledgeRequest, pledge, withdraw};
pub use receivable::{org_payments_due, owed_to};
pub use view::*;

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};

/// Timeline event kinds of funding.
pub mod kind {
    pub const OPENED: &str = "funding_opened";
    pub const CHANGED: &str = "funding_changed";
    pub const PLEDGED: &str = "pledged";
    pub const PLEDGE_CHANGED: &str = "pledge_changed";
    pub const WITHDRAWN: &str = "pledge_withdrawn";
    pub const FUNDED: &str = "funded";
    pub const EXPIRED: &str = "funding_expired";
    pub const CANCELLED: &str = "funding_cancelled";
    pub const DELIVERED: &str = "delivered";
    pub const REVIEW_ACCEPTED: &str = "delivery_accepted_by";
    pub const DISPUTED: &str = "disputed";
    pub const ACCEPTED: &str = "delivery_accepted";
    pub const REJECTED: &str = "delivery_rejected";
    pub const PAYMENT: &str = "payment_recorded";
    pub const PAYMENT_REVERSED: &str = "payment_reversed";
    pub const SETTLED: &str = "settled";
    /// How disputes are decided was set, one kind per rule; the mediator
    /// is the subject.
    pub const DISPUTE_TERMS_MAJORITY: &str = "funding_dispute_majority";
    pub const DISPUTE_TERMS_TWO_THIRDS: &str = "funding_dispute_two_thirds";
    pub const DISPUTE_TERMS_UNANIMITY: &str = "funding_dispute_unanimity";
    /// A pledger voted in a dispute (the organisation is the subject).
    pub const VOTED_ACCEPT: &str = "delivery_vote_accept";
    pub const VOTED_REJECT: &str = "delivery_vote_reject";
    /// The vote reached the goal's rule.
    pub const VOTE_DECIDED_ACCEPT: &str = "delivery_vote_decided_accept";
    pub const VOTE_DECIDED_REJECT: &str = "delivery_vote_decided_reject";
    /// Every pledger voted and no side reached the rule.
    pub const VOTE_TIED: &str = "delivery_vote_tied";
    /// The mediator decided.
    pub const MEDIATED_ACCEPT: &str = "delivery_mediated_accept";
    pub const MEDIATED_REJECT: &str = "delivery_mediated_reject";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GoalState {
    Open,
    Funded,
    Expired,
    Cancelled,
    Delivered,
    Disputed,
    Accepted,
    Rejected,
    Settled,
}

impl GoalState {
    pub const ALL: [GoalState; 9] = [
        GoalState::Open,
        GoalState::Funded,
        GoalState::Expired,
        GoalState::Cancelled,
        GoalState::Delivered,
        GoalState::Disputed,
        GoalState::Accepted,
        GoalState::Rejected,
        GoalState::Settled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GoalState::Open => "open",
            GoalState::Funded => "funded",
            GoalState::Expired => "expired",
            GoalState::Cancelled => "cancelled",
            GoalState::Delivered => "delivered",
            GoalState::Disputed => "disputed",
            GoalState::Accepted => "accepted",
            GoalState::Rejected => "rejected",
            GoalState::Settled => "settled",
        }
    }

    pub fn parse(s: &str) -> Option<GoalState> {
        GoalState::ALL.into_iter().find(|g| g.as_str() == s)
    }

    /// The state read from the database, where anything else is a bug.
    pub(crate) fn from_stored(s: &str) -> Result<GoalState> {
        GoalState::parse(s).ok_or_else(|| Error::Internal(format!("unknown goal state {s}")))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PledgeState {
    Active,
    Withdrawn,
    Committed,
    Due,
    Paid,
    Released,
}

impl PledgeState {
    pub const ALL: [PledgeState; 6] = [
        PledgeState::Active,
        PledgeState::Withdrawn,
        PledgeState::Committed,
        PledgeState::Due,
        PledgeState::Paid,
        PledgeState::Released,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PledgeState::Active => "active",
            PledgeState::Withdrawn => "withdrawn",
            PledgeState::Committed => "committed",
            PledgeState::Due => "due",
            PledgeState::Paid => "paid",
            PledgeState::Released => "released",
        }
    }

    pub fn parse(s: &str) -> Option<PledgeState> {
        PledgeState::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// The state read from the database, where anything else is a bug.
    pub(crate) fn from_stored(s: &str) -> Result<PledgeState> {
        PledgeState::parse(s).ok_or_else(|| Error::Internal(format!("unknown pledge state {s}")))
    }

    /// Whether the pledge still counts toward its goal: not withdrawn, not
    /// released.
    pub fn is_live(self) -> bool {
        matches!(
            self,
            PledgeState::Active | PledgeState::Committed | PledgeState::Due | PledgeState::Paid
        )
    }
}

/// A reviewer's verdict on a delivery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Accept,
    Object,
}

impl Verdict {
    /// The verdict as stored with the review.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Accept => "accept",
            Verdict::Object => "object",
        }
    }
}

/// A decision on a dispute: a pledger's vote, or the mediator's decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    Accept,
    Reject,
}

pub const DEFAULT_REVIEW_DAYS: i64 = 14;
pub const DAY_MS: i64 = 24 * 3600 * 1000;
