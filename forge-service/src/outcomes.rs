//! How the attempts of this process to deliver webhooks and e-mail ended,
//! counted in memory for `/metrics`.

use std::sync::atomic::{AtomicU64, Ordering};

/// What is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Webhook,
    Email,
}

/// How one attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The receiver accepted it.
    Delivered,
    /// It failed and will be tried again later.
    Retrying,
    /// It failed and no attempt is left.
    GaveUp,
}

impl Channel {
    const ALL: [Channel; 2] = [Channel::Webhook, Channel::Email];

    fn name(self) -> &'static str {
        match self {
            Channel::Webhook => "webhook",
            Channel::Email => "email",
        }
    }
}

impl Outcome {
    const ALL: [Outcome; 3] = [Outcome::Delivered, Outcome::Retrying, Outcome::GaveUp];

    fn name(self) -> &'static str {
        match self {
            Outcome::Delivered => "delivered",
            Outcome::Retrying => "retrying",
            Outcome::GaveUp => "gave_up",
        }
    }
}

static COUNTS: [[AtomicU64; Outcome::ALL.len()]; Channel::ALL.len()] =
    [const { [const { AtomicU64::new(0) }; Outcome::ALL.len()] }; Channel::ALL.len()];

/// Counts one attempt.
pub fn record(channel: Channel, outcome: Outcome) {
    COUNTS[channel as usize][outcome as usize].fetch_add(1, Ordering::Relaxed);
}

/// Every (channel, outcome, attempts) of this process since it started.
pub fn counts() -> Vec<(&'static str, &'static str, u64)> {
    Channel::ALL
        .into_iter()
        .flat_map(|channel| {
            Outcome::ALL.into_iter().map(move |outcome| {
                (
                    channel.name(),
                    outcome.name(),
                    COUNTS[channel as usize][outcome as usize].load(Ordering::Relaxed),
                )
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_are_counted_per_channel_and_outcome() {
        let before = counts();
        record(Channel::Email, Outcome::Retrying);
        let after = counts();
        let of = |list: &[(&str, &str, u64)], c: &str, o: &str| {
            list.iter()
                .find(|(ch, out, _)| *ch == c && *out == o)
                .map(|(_, _, n)| *n)
                .expect("every pair is listed")
        };
        assert_eq!(
            of(&after, "email", "retrying"),
            of(&before, "email", "retrying") + 1
        );
        assert_eq!(after.len(), 6);
    }
}
