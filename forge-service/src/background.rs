//! Work nobody asks for: funding deadlines and review windows, expired
//! sessions and sign-ins, pushes whose process died, the uploads that
//! interrupted pushes left behind, the notifications events cause, webhooks
//! to send, and the mergeability of pull requests.
//!
//! Every process that shares the database starts the same jobs, and each
//! job runs in one of them at a time: before each round, a job takes or
//! renews its lease ([`forge_core::lease`]); a process that dies loses its
//! leases when they lapse, and another one carries on. The delivery of
//! webhooks runs in every process instead: each attempt is claimed, row by
//! row ([`forge_core::webhook::delivery`]).

use crate::{Forge, webhooks};
use forge_core::backlog::{self, Backlog};
use forge_core::clock::now_ms;
use forge_core::{funding, identity, lease, notification, outbox, secret, session, webhook};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Duration;

/// How long a job woken by an event waits for the transaction that
/// recorded it to commit.
const COMMIT_GRACE: Duration = Duration::from_millis(20);

/// One kind of background work.
#[derive(Debug, Clone, Copy)]
enum Job {
    /// Expires goals past their deadline and accepts deliveries whose
    /// review window closed, even when nobody looks at them (every read
    /// applies them too).
    FundingDeadlines,
    /// Removes expired sessions and pending sign-ins, so the tables do not
    /// grow for ever.
    ExpiredSessions,
    /// Finishes pushes whose process died before recording them.
    InterruptedPushes,
    /// Removes the quarantine folders that interrupted pushes leave in
    /// the repositories (`objects/tmp_objdir-incoming-*`).
    AbandonedUploads,
    /// Turns new events into webhook deliveries (the `webhooks` consumer
    /// of the outbox), then sends those due.
    WebhookEvents,
    /// Sends the webhook deliveries that are due (retries included), in
    /// every process.
    WebhookDeliveries,
    /// Turns new events of issues into inbox threads and e-mail messages
    /// (the "notifications" consumer of the outbox).
    Notifications,
    /// Sends the e-mail messages due (when `[mail]` is configured).
    Mail,
    /// Writes the reminders due (review windows closing, funding deadlines
    /// near, payments late), each once, and the daily digests of the day
    /// that ended, each once.
    Reminders,
    /// Computes the mergeability of the pull requests that pushes marked
    /// "checking", and records merges that landed.
    PullRequestChecks,
}

/// How long a push's quarantine folder may go unchanged before it counts
/// as abandoned: far longer than any live push goes without writing.
const UPLOAD_GRACE: Duration = Duration::from_secs(3600);

impl Job {
    const ALL: [Job; 10] = [
        Job::FundingDeadlines,
        Job::ExpiredSessions,
        Job::InterruptedPushes,
        Job::AbandonedUploads,
        Job::WebhookEvents,
        Job::WebhookDeliveries,
        Job::Notifications,
        Job::PullRequestChecks,
        Job::Mail,
        Job::Reminders,
    ];

    fn name(self) -> &'static str {
        match self {
            Job::FundingDeadlines => "funding-deadlines",
            Job::ExpiredSessions => "expired-sessions",
            Job::InterruptedPushes => "interrupted-pushes",
            Job::AbandonedUploads => "abandoned-uploads",
            Job::WebhookEvents => "webhook-events",
            Job::WebhookDeliveries => "webhook-deliveries",
            Job::Notifications => "notifications",
            Job::PullRequestChecks => "pull-request-checks",
            Job::Mail => "mail",
            Job::Reminders => "reminders",
        }
    }

    /// Whether one process at a time runs the job (under its lease);
    /// otherwise every process runs it, and it claims its rows.
    fn leased(self) -> bool {
        !matches!(self, Job::WebhookDeliveries)
    }

    /// Whether the job also runs as soon as this process records an event
    /// (consumers of the outbox that must act within moments), besides its
    /// rounds.
    fn wakes_on_events(self) -> bool {
        match self {
            Job::FundingDeadlines
            | Job::ExpiredSessions
            | Job::InterruptedPushes
            | Job::AbandonedUploads
            | Job::WebhookDeliveries
            | Job::Mail
            | Job::Reminders => false,
            // A push is followed by its check within moments.
            Job::WebhookEvents | Job::Notifications | Job::PullRequestChecks => true,
        }
    }

    fn every(self) -> Duration {
        match self {
            Job::FundingDeadlines => Duration::from_secs(60),
            Job::ExpiredSessions => Duration::from_secs(3600),
            Job::InterruptedPushes => Duration::from_secs(10),
            Job::AbandonedUploads => Duration::from_secs(600),
            Job::WebhookEvents => Duration::from_secs(5),
            Job::WebhookDeliveries => Duration::from_secs(2),
            Job::Notifications => Duration::from_secs(5),
            Job::PullRequestChecks => Duration::from_secs(5),
            Job::Mail => Duration::from_secs(10),
            Job::Reminders => Duration::from_secs(600),
        }
    }

    /// What the job's queue holds now, for jobs that work through one.
    async fn backlog(self, forge: &Forge) -> Option<forge_core::Result<Backlog>> {
        let db = &forge.db;
        Some(match self {
            Job::InterruptedPushes => backlog::push_journal(db).await,
            Job::WebhookEvents => backlog::outbox_consumer(db, webhook::consume::CONSUMER).await,
            Job::WebhookDeliveries => backlog::webhook_deliveries(db).await,
            Job::Notifications => {
                backlog::outbox_consumer(db, notification::deliver::CONSUMER).await
            }
            Job::Mail => backlog::mail_messages(db).await,
            Job::FundingDeadlines
            | Job::ExpiredSessions
            | Job::AbandonedUploads
            | Job::Reminders
            | Job::PullRequestChecks => return None,
        })
    }

    /// Runs one round; returns whether it succeeded.
    async fn run(self, forge: &Forge, holder: &str) -> bool {
        let db = &forge.db;
        match self {
            Job::WebhookEvents => match webhooks::send::run(forge, holder).await {
                Ok(_) => true,
                Err(e) => {
                    tracing::warn!(error = %e, "turning events into webhook deliveries failed");
                    false
                }
            },
            Job::WebhookDeliveries => match webhooks::send::deliver_due(forge, holder).await {
                Ok(_) => true,
                Err(e) => {
                    tracing::warn!(error = %e, "sending webhook deliveries failed");
                    false
                }
            },
            Job::FundingDeadlines => match funding::sweep(db).await {
                Ok(0) => true,
                Ok(n) => {
                    tracing::info!(goals = n, "applied funding deadlines and review windows");
                    true
                }
                Err(e) => {
                    tracing::warn!(error = %e, "applying funding deadlines failed");
                    false
                }
            },
            Job::ExpiredSessions => {
                let sessions = match session::purge_expired(db).await {
                    Ok(0) => true,
                    Ok(n) => {
                        tracing::info!(removed = n, "purged expired sessions");
                        true
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "purging expired sessions failed");
                        false
                    }
                };
                match identity::purge_expired(db).await {
                    Ok(_) => sessions,
                    Err(e) => {
                        tracing::warn!(error = %e, "purging expired sign-ins with providers failed");
                        false
                    }
                }
            }
            Job::AbandonedUploads => {
                let storage = forge.storage.clone();
                let removed = tokio::task::spawn_blocking(move || {
                    storage.remove_abandoned_quarantines(UPLOAD_GRACE)
                })
                .await;
                match removed {
                    Ok(Ok(0)) => true,
                    Ok(Ok(n)) => {
                        tracing::info!(folders = n, "removed abandoned push uploads");
                        true
                    }
                    Ok(Err(e)) => {
                        tracing::warn!(error = %e, "removing abandoned push uploads failed");
                        false
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "removing abandoned push uploads failed");
                        false
                    }
                }
            }
            Job::Notifications => match notification::deliver::run(db).await {
                Ok(_) => true,
                Err(e) => {
                    tracing::warn!(error = %e, "writing notifications failed");
                    false
                }
            },
            Job::PullRequestChecks => match forge.check_pull_requests().await {
                Ok(0) => true,
                Ok(n) => {
                    tracing::debug!(pull_requests = n, "checked pull requests");
                    true
                }
                Err(e) => {
                    tracing::warn!(error = %e, "checking pull requests failed");
                    false
                }
            },
            Job::Reminders => {
                let now = now_ms();
                let reminders = match notification::reminder::queue(db, now).await {
                    Ok(0) => true,
                    Ok(n) => {
                        tracing::info!(reminders = n, "wrote reminders");
                        true
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "writing reminders failed");
                        false
                    }
                };
                let digests = match notification::digest::queue(db, now).await {
                    Ok(0) => true,
                    Ok(n) => {
                        tracing::info!(digests = n, "wrote daily digests");
                        true
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "writing daily digests failed");
                        false
                    }
                };
                reminders && digests
            }
            Job::Mail => match &forge.mail {
                None => true,
                Some(mailer) => match mailer.send_due(db).await {
                    Ok(0) => true,
                    Ok(n) => {
                        tracing::info!(messages = n, "sent notification e-mail");
                        true
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "sending notification e-mail failed");
                        false
                    }
                },
            },
            Job::InterruptedPushes => match forge.finish_interrupted_pushes().await {
                Ok(0) => true,
                Ok(n) => {
                    tracing::info!(pushes = n, "finished interrupted pushes");
                    true
                }
                Err(e) => {
                    tracing::warn!(error = %e, "finishing interrupted pushes failed");
                    false
                }
            },
        }
    }
}

/// Rounds run and failed by this process, per job (in `Job::ALL`'s order),
/// for metrics: counted in memory, never read from the database.
struct Counters {
    runs: AtomicU64,
    failures: AtomicU64,
    /// The items the job's queue held after this process's last round,
    /// `-1` until known.
    backlog: AtomicI64,
    /// When the oldest of them was made (unix milliseconds), `0` when none.
    oldest_at: AtomicI64,
}

static STATS: [Counters; Job::ALL.len()] = [const {
    Counters {
        runs: AtomicU64::new(0),
        failures: AtomicU64::new(0),
        backlog: AtomicI64::new(-1),
        oldest_at: AtomicI64::new(0),
    }
}; Job::ALL.len()];

/// What one job did in this process since it started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobStats {
    pub name: &'static str,
    pub runs: u64,
    pub failures: u64,
    /// What the job's queue held after this process's last round of it:
    /// `None` for jobs without a queue, and until this process runs one.
    pub backlog: Option<Backlog>,
}

/// Every job's rounds and failures in this process.
pub fn job_stats() -> Vec<JobStats> {
    Job::ALL
        .into_iter()
        .map(|job| JobStats {
            name: job.name(),
            runs: STATS[job as usize].runs.load(Ordering::Relaxed),
            failures: STATS[job as usize].failures.load(Ordering::Relaxed),
            backlog: {
                let stats = &STATS[job as usize];
                let items = stats.backlog.load(Ordering::Relaxed);
                let oldest_at = stats.oldest_at.load(Ordering::Relaxed);
                (items >= 0).then_some(Backlog {
                    items,
                    oldest_at: (oldest_at > 0).then_some(oldest_at),
                })
            },
        })
        .collect()
}

/// The background jobs of one process.
pub struct Background {
    forge: Forge,
    holder: String,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Background {
    /// Starts every job; each runs its first round at once if its lease is
    /// free (a restarted process finishes interrupted pushes right away
    /// when no other process holds that job).
    pub fn start(forge: Forge) -> Background {
        // A name of this process's own: leases are never shared by two
        // processes, nor inherited by a restarted one.
        let holder = secret::random_hex(16);
        let tasks = Job::ALL
            .into_iter()
            .map(|job| tokio::spawn(run_job(forge.clone(), holder.clone(), job)))
            .collect();
        Background {
            forge,
            holder,
            tasks,
        }
    }

    /// Stops the jobs and gives their leases up, so another process need
    /// not wait for them to lapse.
    pub async fn stop(self) {
        for task in &self.tasks {
            task.abort();
        }
        for job in Job::ALL {
            if let Err(e) = lease::release(&self.forge.db, job.name(), &self.holder).await {
                tracing::warn!(job = job.name(), error = %e, "giving a lease up failed");
            }
        }
    }
}

async fn run_job(forge: Forge, holder: String, job: Job) {
    let every = job.every();
    // Twice the period: a holder that misses one round keeps its job.
    let length = i64::try_from(every.as_millis() * 2).expect("periods are minutes long at most");
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        if job.wakes_on_events() {
            tokio::select! {
                _ = tick.tick() => {}
                () = outbox::recorded() => {
                    // The event was recorded inside a transaction that is
                    // about to commit: give it a moment. Should it take
                    // longer, the next round finds the event.
                    tokio::time::sleep(COMMIT_GRACE).await;
                }
            }
        } else {
            tick.tick().await;
        }
        let now = now_ms();
        let taken = if job.leased() {
            lease::try_take(&forge.db, job.name(), &holder, now, now + length).await
        } else {
            Ok(true)
        };
        match taken {
            Ok(true) => {
                let ok = job.run(&forge, &holder).await;
                let stats = &STATS[job as usize];
                stats.runs.fetch_add(1, Ordering::Relaxed);
                if !ok {
                    stats.failures.fetch_add(1, Ordering::Relaxed);
                }
                match job.backlog(&forge).await {
                    None => {}
                    Some(Ok(backlog)) => {
                        stats.backlog.store(backlog.items, Ordering::Relaxed);
                        stats
                            .oldest_at
                            .store(backlog.oldest_at.unwrap_or(0), Ordering::Relaxed);
                    }
                    Some(Err(e)) => {
                        tracing::warn!(job = job.name(), error = %e, "measuring a job's backlog failed");
                    }
                }
            }
            Ok(false) => {}
            Err(e) => {
                STATS[job as usize].failures.fetch_add(1, Ordering::Relaxed);
                tracing::warn!(job = job.name(), error = %e, "taking a job's lease failed");
            }
        }
    }
}
