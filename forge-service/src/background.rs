//! Work nobody asks for: funding deadlines and review windows, expired
//! sessions and sign-ins, pushes whose process died, the uploads that
//! interrupted pushes left behind, and the notifications events cause.
//!
//! Every process that shares the database starts the same jobs, and each
//! job runs in one of them at a time: before each round, a job takes or
//! renews its lease ([`forge_core::lease`]); a process that dies loses its
//! leases when they lapse, and another one carries on.

use crate::Forge;
use forge_core::clock::now_ms;
use forge_core::{funding, identity, lease, notification, outbox, secret, session};
use std::sync::atomic::{AtomicU64, Ordering};
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
    /// Turns new events of issues into inbox threads and e-mail messages
    /// (the "notifications" consumer of the outbox).
    Notifications,
    /// Sends the e-mail messages due (when `[mail]` is configured).
    Mail,
    /// Writes the reminders due (review windows closing, funding deadlines
    /// near, payments late), each once.
    Reminders,
}

/// How long a push's quarantine folder may go unchanged before it counts
/// as abandoned: far longer than any live push goes without writing.
const UPLOAD_GRACE: Duration = Duration::from_secs(3600);

impl Job {
    const ALL: [Job; 7] = [
        Job::FundingDeadlines,
        Job::ExpiredSessions,
        Job::InterruptedPushes,
        Job::AbandonedUploads,
        Job::Notifications,
        Job::Mail,
        Job::Reminders,
    ];

    fn name(self) -> &'static str {
        match self {
            Job::FundingDeadlines => "funding-deadlines",
            Job::ExpiredSessions => "expired-sessions",
            Job::InterruptedPushes => "interrupted-pushes",
            Job::AbandonedUploads => "abandoned-uploads",
            Job::Notifications => "notifications",
            Job::Mail => "mail",
            Job::Reminders => "reminders",
        }
    }

    /// Whether the job also runs as soon as this process records an event
    /// (consumers of the outbox that must act within moments), besides its
    /// rounds.
    fn wakes_on_events(self) -> bool {
        match self {
            Job::FundingDeadlines
            | Job::ExpiredSessions
            | Job::InterruptedPushes
            | Job::AbandonedUploads => false,
            Job::Notifications => true,
            Job::Mail | Job::Reminders => false,
        }
    }

    fn every(self) -> Duration {
        match self {
            Job::FundingDeadlines => Duration::from_secs(60),
            Job::ExpiredSessions => Duration::from_secs(3600),
            Job::InterruptedPushes => Duration::from_secs(10),
            Job::AbandonedUploads => Duration::from_secs(600),
            Job::Notifications => Duration::from_secs(5),
            Job::Mail => Duration::from_secs(10),
            Job::Reminders => Duration::from_secs(600),
        }
    }

    /// Runs one round; returns whether it succeeded.
    async fn run(self, forge: &Forge) -> bool {
        let db = &forge.db;
        match self {
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
            Job::Reminders => match notification::reminder::queue(db, now_ms()).await {
                Ok(0) => true,
                Ok(n) => {
                    tracing::info!(reminders = n, "wrote reminders");
                    true
                }
                Err(e) => {
                    tracing::warn!(error = %e, "writing reminders failed");
                    false
                }
            },
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
}

static STATS: [Counters; Job::ALL.len()] = [const {
    Counters {
        runs: AtomicU64::new(0),
        failures: AtomicU64::new(0),
    }
}; Job::ALL.len()];

/// What one job did in this process since it started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobStats {
    pub name: &'static str,
    pub runs: u64,
    pub failures: u64,
}

/// Every job's rounds and failures in this process.
pub fn job_stats() -> Vec<JobStats> {
    Job::ALL
        .into_iter()
        .map(|job| JobStats {
            name: job.name(),
            runs: STATS[job as usize].runs.load(Ordering::Relaxed),
            failures: STATS[job as usize].failures.load(Ordering::Relaxed),
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
        match lease::try_take(&forge.db, job.name(), &holder, now, now + length).await {
            Ok(true) => {
                let ok = job.run(&forge).await;
                let stats = &STATS[job as usize];
                stats.runs.fetch_add(1, Ordering::Relaxed);
                if !ok {
                    stats.failures.fetch_add(1, Ordering::Relaxed);
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
