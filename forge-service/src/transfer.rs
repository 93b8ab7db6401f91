//! One run of git's pack protocol for one request: `git upload-pack`
//! (clone, fetch) or `git receive-pack` (push), protocol v0 and v2,
//! whatever the transport: in `--stateless-rpc` mode for smart HTTP, in
//! full duplex for SSH (where `git upload-archive` runs too).
//!
//! Both directions stream through bounded buffers: a pack is never held in
//! memory. A client that disconnects, or stops sending or reading for
//! [`IDLE_TIMEOUT`], gets its git process killed, so no worker waits for
//! ever.
//!
//! A push is journalled before git may move a ref: the request's ref-update
//! commands are read as they stream past, and the bytes that end them are
//! held back until the journal row is committed. Once git has finished,
//! what the push caused is recorded before the client sees the end of the
//! answer (so `git push` returns once the forge knows of the push).

use crate::Forge;
use bytes::Bytes;
use forge_core::push_journal::DeployKeyPusher;
use forge_core::repo::Repo;
use forge_core::user::User;
use forge_core::{Error, PushJournalId, Result};
use forge_git::push::{CommandParser, Evidence, RefCommand};
use forge_git::service::Service;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot};

/// How long a transfer may stall in either direction before it is dropped.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(120);

/// Chunks buffered between git and the client: at most this many times
/// `CHUNK` bytes per transfer are in memory.
const BUFFERED_CHUNKS: usize = 8;
const CHUNK: usize = 64 * 1024;

/// A piece of git's answer, or the error that ends it.
pub type Chunk = std::result::Result<Bytes, std::io::Error>;

/// The request's body as the transport decoded it.
pub type Input = Box<dyn AsyncRead + Send + Unpin>;

/// What to run, for whom.
pub struct Transfer {
    pub repo: Repo,
    /// The authenticated caller; a push is recorded in their name.
    pub caller: Option<User>,
    /// The deploy key the caller authenticated with (git over SSH), which
    /// names a push instead of a user.
    pub deploy_key: Option<DeployKeyPusher>,
    pub service: Service,
    /// Only list the refs (the advertisement of smart HTTP's `info/refs`).
    pub advertise: bool,
    /// The client's protocol request (`version=2`), passed to git only if
    /// it is well-formed.
    pub protocol: Option<String>,
}

/// A journalled push, as the feeder hands it to the pump.
struct Journalled {
    id: PushJournalId,
    commands: Vec<RefCommand>,
    /// Keeps the lease while it lives.
    _renewal: Renewal,
}

/// Renews a push's lease until dropped.
struct Renewal(tokio::task::JoinHandle<()>);

impl Drop for Renewal {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// How a full-duplex transfer ended, for transports that tell their
/// client (SSH's exit status): whether git succeeded, and the start of
/// what it wrote on its standard error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ended {
    pub success: bool,
    pub errors: String,
}

impl Forge {
    /// Starts git for one request and answers with its output as it comes:
    /// `prefix` first (smart HTTP's service announcement), then git's
    /// standard output. `input` is the request body, for the RPC calls.
    /// A push to a repository with protected branches runs the forge's
    /// `pre-receive` hook, which refuses what the rules forbid before any
    /// ref moves.
    pub async fn start_transfer(
        &self,
        transfer: Transfer,
        prefix: Option<Bytes>,
        input: Option<Input>,
    ) -> Result<mpsc::Receiver<Chunk>> {
        let path = self.storage.path_of(transfer.repo.id.0);
        let hooks = self.hooks_for(&transfer).await?;
        let child = forge_git::process::spawn_pack_service(
            &path,
            transfer.service,
            transfer.advertise,
            transfer.protocol.as_deref(),
            input.is_some(),
            hooks.as_ref(),
        )
        .map_err(|e| Error::Internal(format!("cannot run git: {e}")))?;
        Ok(self.run_transfer(child, transfer, prefix, input, None))
    }

    /// Starts git for one whole full-duplex exchange (git over SSH): one
    /// process reads `input` (everything the client sends) and answers as
    /// it goes. Returns git's output as it comes and, once the output has
    /// ended and a push is recorded, how git ended. The journal, the
    /// consequences of a push and the buffers are those of
    /// [`Forge::start_transfer`].
    pub async fn start_duplex_transfer(
        &self,
        transfer: Transfer,
        input: Input,
    ) -> Result<(mpsc::Receiver<Chunk>, oneshot::Receiver<Ended>)> {
        let path = self.storage.path_of(transfer.repo.id.0);
        let hooks = self.hooks_for(&transfer).await?;
        let child = forge_git::process::spawn_duplex_service(
            &path,
            transfer.service,
            transfer.protocol.as_deref(),
            hooks.as_ref(),
        )
        .map_err(|e| Error::Internal(format!("cannot run git: {e}")))?;
        let (sender, ended) = oneshot::channel();
        let output = self.run_transfer(child, transfer, None, Some(input), Some(sender));
        Ok((output, ended))
    }

    /// The branch protection hook of a push, when its repository has
    /// rules; nothing for the other services.
    async fn hooks_for(&self, transfer: &Transfer) -> Result<Option<forge_git::hooks::Hooks>> {
        if transfer.service != Service::ReceivePack || transfer.advertise {
            return Ok(None);
        }
        self.push_hooks(&transfer.repo, transfer.caller.as_ref())
            .await
    }

    fn run_transfer(
        &self,
        mut child: tokio::process::Child,
        transfer: Transfer,
        prefix: Option<Bytes>,
        input: Option<Input>,
        ended: Option<oneshot::Sender<Ended>>,
    ) -> mpsc::Receiver<Chunk> {
        let (tx, rx) = mpsc::channel::<Chunk>(BUFFERED_CHUNKS);
        let mut journal = None;
        let feeder = match (input, child.stdin.take()) {
            (Some(input), Some(stdin)) => {
                let journaller = (transfer.service == Service::ReceivePack).then(|| {
                    let (sender, receiver) = oneshot::channel();
                    journal = Some(receiver);
                    Journaller {
                        forge: self.clone(),
                        repo: transfer.repo.id,
                        pusher: transfer.caller.as_ref().map(|u| u.id),
                        deploy_key: transfer.deploy_key.clone(),
                        sender,
                    }
                });
                Some(tokio::spawn(feed(input, stdin, journaller)))
            }
            _ => None,
        };
        let run = Run {
            forge: self.clone(),
            transfer,
        };
        tokio::spawn(run.pump(child, prefix, feeder, journal, tx, ended));
        rx
    }
}

struct Run {
    forge: Forge,
    transfer: Transfer,
}

impl Run {
    /// Copies git's output to the client, then waits for git and, after a
    /// push, records what it changed before the answer ends.
    async fn pump(
        self,
        mut child: tokio::process::Child,
        prefix: Option<Bytes>,
        feeder: Option<tokio::task::JoinHandle<std::result::Result<(), String>>>,
        journal: Option<oneshot::Receiver<Journalled>>,
        tx: mpsc::Sender<Chunk>,
        ended: Option<oneshot::Sender<Ended>>,
    ) {
        let repo = self.transfer.repo.full_name();
        let name = self.transfer.service.name();
        let stderr = child
            .stderr
            .take()
            .map(|stderr| tokio::spawn(read_limited(stderr, 8 * 1024)));
        let mut delivered = true;
        if let Some(prefix) = prefix {
            delivered = send(&tx, prefix).await;
        }
        if let Some(mut stdout) = child.stdout.take() {
            let mut buffer = vec![0u8; CHUNK];
            while delivered {
                // A client that leaves while git works silently (counting
                // objects, unpacking a push) stops git at once.
                let read = tokio::select! {
                    read = stdout.read(&mut buffer) => read,
                    () = tx.closed() => {
                        delivered = false;
                        break;
                    }
                };
                match read {
                    Ok(0) => break,
                    Ok(n) => delivered = send(&tx, Bytes::copy_from_slice(&buffer[..n])).await,
                    Err(e) => {
                        tracing::warn!(error = %e, "reading git's output failed");
                        break;
                    }
                }
            }
        }
        if !delivered {
            // The client went away or stopped reading: stop git now. git
            // may have moved refs already; what it did is recorded below.
            if let Err(e) = child.kill().await {
                tracing::warn!(error = %e, "killing git failed");
            }
            if let Some(feeder) = feeder {
                feeder.abort();
            }
            tracing::info!(%repo, service = name, "transfer abandoned by the client");
            self.record_push(journal).await;
            return;
        }
        // In full duplex, git closing its output means it is done with its
        // input too: a client that keeps its side open must not hold the
        // transfer. Every ref update git read was journalled before git
        // could read its end, so nothing is lost by stopping the feeder.
        let feeder = match (feeder, ended.is_some()) {
            (Some(feeder), true) => {
                feeder.abort();
                None
            }
            (feeder, _) => feeder,
        };
        let status = child.wait().await;
        if let Some(feeder) = feeder {
            match feeder.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::info!(%repo, error = %e, "request body ended early"),
                Err(e) => tracing::warn!(error = %e, "the request feeder failed"),
            }
        }
        let errors = match stderr {
            Some(task) => task.await.unwrap_or_default(),
            None => String::new(),
        };
        let success = matches!(&status, Ok(status) if status.success());
        match status {
            Ok(status) if status.success() => {}
            Ok(status) => tracing::warn!(
                %repo, service = name, %status, stderr = %errors.trim(),
                "git exited with an error"
            ),
            Err(e) => tracing::warn!(error = %e, "waiting for git failed"),
        }
        self.record_push(journal).await;
        if let Some(ended) = ended {
            // The transport may be gone already; nothing else to tell.
            let _ = ended.send(Ended { success, errors });
        }
        drop(tx);
    }

    /// Records a journalled push once git is gone. A failure leaves the
    /// journal row, and the push is finished later by any process.
    async fn record_push(&self, journal: Option<oneshot::Receiver<Journalled>>) {
        let Some(journalled) = journal.and_then(|mut receiver| receiver.try_recv().ok()) else {
            return;
        };
        let transfer = &self.transfer;
        if let Err(e) = self
            .forge
            .process_push_by(
                &transfer.repo,
                transfer.caller.as_ref(),
                transfer.deploy_key.as_ref(),
                Some(journalled.id),
                journalled.commands,
                Evidence::JustFinished,
            )
            .await
        {
            tracing::error!(repo = %transfer.repo.full_name(), journal = %journalled.id, error = %e, "recording a push failed; it will be finished later");
        }
    }
}

/// Sends one chunk to the client; `false` when the client is gone or has
/// not read anything for [`IDLE_TIMEOUT`].
async fn send(tx: &mpsc::Sender<Chunk>, chunk: Bytes) -> bool {
    matches!(
        tokio::time::timeout(IDLE_TIMEOUT, tx.send(Ok(chunk))).await,
        Ok(Ok(()))
    )
}

/// Journals a push's commands for the feeder.
struct Journaller {
    forge: Forge,
    repo: forge_core::RepoId,
    pusher: Option<forge_core::UserId>,
    deploy_key: Option<DeployKeyPusher>,
    sender: oneshot::Sender<Journalled>,
}

impl Journaller {
    async fn journal(self, commands: Vec<RefCommand>) -> Result<()> {
        let id = self
            .forge
            .journal_push_by(self.repo, self.pusher, self.deploy_key.as_ref(), &commands)
            .await?;
        // No await from here to the send: an aborted feeder either never
        // journalled or has handed the journal over.
        let forge = self.forge.clone();
        let renewal = Renewal(tokio::spawn(async move {
            let mut tick = tokio::time::interval(crate::push::LEASE / 3);
            tick.tick().await;
            loop {
                tick.tick().await;
                if let Err(e) = forge.renew_push_lease(id).await {
                    tracing::warn!(journal = %id, error = %e, "renewing a push's lease failed");
                }
            }
        }));
        let journalled = Journalled {
            id,
            commands,
            _renewal: renewal,
        };
        // The pump is gone only if the transfer was dropped; the lease then
        // lapses and the push is finished later.
        let _ = self.sender.send(journalled);
        Ok(())
    }
}

/// Copies the request body into git's standard input. For a push, reads
/// the ref-update commands at its start and journals them before git sees
/// their end (the flush packet), so no ref can move unjournalled.
async fn feed(
    mut input: Input,
    mut stdin: tokio::process::ChildStdin,
    mut journaller: Option<Journaller>,
) -> std::result::Result<(), String> {
    let mut parser = journaller.as_ref().map(|_| CommandParser::new());
    let mut buffer = vec![0u8; CHUNK];
    loop {
        let n = match tokio::time::timeout(IDLE_TIMEOUT, input.read(&mut buffer)).await {
            Ok(Ok(0)) => break,
            Ok(Ok(n)) => n,
            Ok(Err(e)) => return Err(format!("reading the request failed: {e}")),
            Err(_) => return Err("the client stopped sending".into()),
        };
        if let Some(commands) = parser.as_mut() {
            commands.feed(&buffer[..n]);
            if commands.is_done()
                && let (Some(done), Some(journaller)) = (parser.take(), journaller.take())
            {
                let commands = done.commands();
                if !commands.is_empty() {
                    // Dropping git's input unwritten makes it stop before
                    // it moves any ref: the push is refused, not lost.
                    if let Err(e) = journaller.journal(commands).await {
                        tracing::error!(error = %e, "journalling a push failed; it is refused");
                        return Err(format!("journalling the push failed: {e}"));
                    }
                }
            }
        }
        match tokio::time::timeout(IDLE_TIMEOUT, stdin.write_all(&buffer[..n])).await {
            Ok(Ok(())) => {}
            // git stopped reading (it refused the request); its answer says why.
            Ok(Err(_)) => break,
            Err(_) => return Err("git stopped reading the request".into()),
        }
    }
    drop(stdin);
    Ok(())
}

async fn read_limited(mut stream: impl AsyncRead + Unpin, limit: usize) -> String {
    let mut kept = Vec::new();
    let mut buffer = [0u8; 4096];
    while let Ok(n) = stream.read(&mut buffer).await {
        if n == 0 {
            break;
        }
        let room = limit.saturating_sub(kept.len());
        kept.extend_from_slice(&buffer[..n.min(room)]);
    }
    String::from_utf8_lossy(&kept).into_owned()
}
