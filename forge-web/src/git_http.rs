//! Git's smart HTTP protocol: `info/refs`, `git-upload-pack` (clone and
//! fetch) and `git-receive-pack` (push), served by the `git` binary in
//! `--stateless-rpc` mode, protocol v0 and v2.
//!
//! Both directions stream through bounded buffers: a pack is never held in
//! memory. A client that disconnects, or stops sending or reading for
//! [`IDLE_TIMEOUT`], gets its git process killed, so no worker waits forever.

use crate::AppState;
use crate::auth;
use async_compression::tokio::bufread::GzipDecoder;
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::header::{
    AUTHORIZATION, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, WWW_AUTHENTICATE,
};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use bytes::Bytes;
use forge_core::repo::{self, Access, Repo};
use forge_core::user::User;
use forge_git::push::{CommandParser, PushEvent, RefCommand};
use forge_git::service::{self, Service};
use futures_util::TryStreamExt;
use serde::Deserialize;
use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

/// How long a transfer may stall in either direction before it is dropped.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(120);

/// Chunks buffered between git and the client: at most this many times
/// `CHUNK` bytes per transfer are in memory.
const BUFFERED_CHUNKS: usize = 8;
const CHUNK: usize = 64 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{owner}/{repo}/info/refs", get(info_refs))
        .route("/{owner}/{repo}/git-upload-pack", post(upload_pack))
        .route("/{owner}/{repo}/git-receive-pack", post(receive_pack))
}

fn plain(status: StatusCode, message: String) -> Response {
    let mut response = (status, format!("{message}\n")).into_response();
    response.headers_mut().insert(
        CONTENT_TYPE,
        "text/plain; charset=utf-8"
            .parse()
            .expect("a valid header value"),
    );
    response
}

fn unauthorized() -> Response {
    let mut response = plain(
        StatusCode::UNAUTHORIZED,
        "Authentication required: use your username and a password or access token.".into(),
    );
    response.headers_mut().insert(
        WWW_AUTHENTICATE,
        "Basic realm=\"forge\""
            .parse()
            .expect("a valid header value"),
    );
    response
}

fn not_found() -> Response {
    plain(
        StatusCode::NOT_FOUND,
        "Repository not found, or you are not allowed to see it.".into(),
    )
}

/// Finds the repository and checks that the caller may use `service` on it.
/// Anonymous callers are asked for credentials whenever anonymous access is
/// not enough, whether or not the repository exists, so that the answer
/// never reveals a private repository.
async fn authorize(
    state: &AppState,
    headers: &HeaderMap,
    owner: &str,
    name: &str,
    service: Service,
) -> Result<(Repo, Option<User>), Response> {
    let header = match headers.get(AUTHORIZATION) {
        Some(value) => Some(value.to_str().map_err(|_| unauthorized())?),
        None => None,
    };
    let caller = auth::authenticate(state, header)
        .await
        .map_err(|_| unauthorized())?
        .map(|caller| caller.user);
    let found = repo::find(&state.db, owner, name).await.map_err(internal)?;
    let needed = if service.writes() {
        Access::Write
    } else {
        Access::Read
    };
    let Some(found) = found else {
        return Err(if caller.is_none() {
            unauthorized()
        } else {
            not_found()
        });
    };
    let access = repo::access(&state.db, caller.as_ref(), &found)
        .await
        .map_err(internal)?;
    if access >= needed {
        return Ok((found, caller));
    }
    Err(match (&caller, access) {
        (None, _) => unauthorized(),
        (Some(_), Access::None) => not_found(),
        (Some(user), _) => plain(
            StatusCode::FORBIDDEN,
            format!(
                "{} may read {} but not push to it.",
                user.name,
                found.full_name()
            ),
        ),
    })
}

fn internal(error: impl std::fmt::Display) -> Response {
    tracing::error!(%error, "git over HTTP failed");
    plain(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Internal server error.".into(),
    )
}

fn protocol_of(headers: &HeaderMap) -> Option<String> {
    headers
        .get("git-protocol")
        .and_then(|v| v.to_str().ok())
        .filter(|v| service::valid_protocol(v))
        .map(str::to_string)
}

#[derive(Deserialize)]
struct InfoRefsQuery {
    service: Option<String>,
}

async fn info_refs(
    State(state): State<AppState>,
    Path((owner, name)): Path<(String, String)>,
    Query(query): Query<InfoRefsQuery>,
    headers: HeaderMap,
) -> Response {
    let Some(service) = query.service.as_deref().and_then(Service::parse) else {
        return plain(
            StatusCode::FORBIDDEN,
            "Only git's smart HTTP protocol is served here.".into(),
        );
    };
    let (repo, _) = match authorize(&state, &headers, &owner, &name, service).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let protocol = protocol_of(&headers);
    let prefix = (!service::is_v2(protocol.as_deref()))
        .then(|| Bytes::from(service::advertisement_prefix(service)));
    let run = Run {
        state,
        repo,
        pusher: None,
        service,
        advertise: true,
        protocol,
    };
    run.start(
        prefix,
        None,
        format!("application/x-{}-advertisement", service.name()),
    )
}

async fn upload_pack(
    State(state): State<AppState>,
    Path((owner, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    rpc(state, owner, name, headers, body, Service::UploadPack).await
}

async fn receive_pack(
    State(state): State<AppState>,
    Path((owner, name)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    rpc(state, owner, name, headers, body, Service::ReceivePack).await
}

async fn rpc(
    state: AppState,
    owner: String,
    name: String,
    headers: HeaderMap,
    body: Body,
    service: Service,
) -> Response {
    let (repo, pusher) = match authorize(&state, &headers, &owner, &name, service).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let gzip = match headers
        .get(CONTENT_ENCODING)
        .map(|v| v.to_str().unwrap_or("?"))
    {
        None | Some("identity") => false,
        Some("gzip" | "x-gzip") => true,
        Some(other) => {
            return plain(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("Unsupported content encoding {other:?}."),
            );
        }
    };
    let run = Run {
        state,
        repo,
        pusher,
        service,
        advertise: false,
        protocol: protocol_of(&headers),
    };
    run.start(
        None,
        Some((body, gzip)),
        format!("application/x-{}-result", service.name()),
    )
}

/// One run of a git service for one HTTP request.
struct Run {
    state: AppState,
    repo: Repo,
    pusher: Option<User>,
    service: Service,
    advertise: bool,
    protocol: Option<String>,
}

impl Run {
    fn path(&self) -> PathBuf {
        self.state.storage.path_of(self.repo.id.0)
    }

    /// Spawns git and answers with its output as it comes.
    fn start(
        self,
        prefix: Option<Bytes>,
        input: Option<(Body, bool)>,
        content_type: String,
    ) -> Response {
        let mut command = tokio::process::Command::from(service::command(
            &self.path(),
            self.service,
            self.advertise,
            self.protocol.as_deref(),
        ));
        command
            .stdin(if input.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(e) => return internal(format!("cannot run git: {e}")),
        };
        let (tx, rx) = mpsc::channel::<Result<Bytes, std::io::Error>>(BUFFERED_CHUNKS);
        let feeder = match (input, child.stdin.take()) {
            (Some((body, gzip)), Some(stdin)) => {
                let parse = self.service == Service::ReceivePack;
                Some(tokio::spawn(feed(body, gzip, stdin, parse)))
            }
            _ => None,
        };
        tokio::spawn(self.pump(child, prefix, feeder, tx));

        let stream = futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        });
        let mut response = Response::new(Body::from_stream(stream));
        let headers = response.headers_mut();
        if let Ok(value) = content_type.parse() {
            headers.insert(CONTENT_TYPE, value);
        }
        headers.insert(
            CACHE_CONTROL,
            "no-cache, max-age=0, must-revalidate"
                .parse()
                .expect("a valid header value"),
        );
        response
    }

    /// Copies git's output to the client, then waits for git and, after a
    /// push, records what it changed before the client sees the end of the
    /// answer (so `git push` returns once the forge knows of the push).
    async fn pump(
        self,
        mut child: tokio::process::Child,
        prefix: Option<Bytes>,
        feeder: Option<tokio::task::JoinHandle<Result<Vec<RefCommand>, String>>>,
        tx: mpsc::Sender<Result<Bytes, std::io::Error>>,
    ) {
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
                match stdout.read(&mut buffer).await {
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
            // The client went away or stopped reading: stop git now.
            if let Err(e) = child.kill().await {
                tracing::warn!(error = %e, "killing git failed");
            }
            if let Some(feeder) = feeder {
                feeder.abort();
            }
            tracing::info!(repo = %self.repo.full_name(), service = self.service.name(), "transfer abandoned by the client");
            return;
        }
        let status = child.wait().await;
        let commands = match feeder {
            Some(feeder) => match feeder.await {
                Ok(Ok(commands)) => commands,
                Ok(Err(e)) => {
                    tracing::info!(repo = %self.repo.full_name(), error = %e, "request body ended early");
                    Vec::new()
                }
                Err(e) => {
                    tracing::warn!(error = %e, "the request feeder failed");
                    Vec::new()
                }
            },
            None => Vec::new(),
        };
        let errors = match stderr {
            Some(task) => task.await.unwrap_or_default(),
            None => String::new(),
        };
        match status {
            Ok(status) if status.success() => {}
            Ok(status) => tracing::warn!(
                repo = %self.repo.full_name(), service = self.service.name(), %status, stderr = %errors.trim(),
                "git exited with an error"
            ),
            Err(e) => tracing::warn!(error = %e, "waiting for git failed"),
        }
        if self.service == Service::ReceivePack && !commands.is_empty() {
            crate::push::after_push(&self.state, &self.repo, self.pusher.as_ref(), commands).await;
        }
        drop(tx);
    }
}

/// Sends one chunk to the client; `false` when the client is gone or has
/// not read anything for [`IDLE_TIMEOUT`].
async fn send(tx: &mpsc::Sender<Result<Bytes, std::io::Error>>, chunk: Bytes) -> bool {
    matches!(
        tokio::time::timeout(IDLE_TIMEOUT, tx.send(Ok(chunk))).await,
        Ok(Ok(()))
    )
}

/// Copies the request body (gunzipped when needed) into git's standard
/// input; for a push, also reads the ref-update commands at its start.
async fn feed(
    body: Body,
    gzip: bool,
    mut stdin: tokio::process::ChildStdin,
    parse_commands: bool,
) -> Result<Vec<RefCommand>, String> {
    let stream = body.into_data_stream().map_err(std::io::Error::other);
    let reader = tokio_util::io::StreamReader::new(stream);
    let mut reader: Box<dyn AsyncRead + Send + Unpin> = if gzip {
        Box::new(GzipDecoder::new(reader))
    } else {
        Box::new(reader)
    };
    let mut parser = parse_commands.then(CommandParser::new);
    let mut buffer = vec![0u8; CHUNK];
    loop {
        let n = match tokio::time::timeout(IDLE_TIMEOUT, reader.read(&mut buffer)).await {
            Ok(Ok(0)) => break,
            Ok(Ok(n)) => n,
            Ok(Err(e)) => return Err(format!("reading the request failed: {e}")),
            Err(_) => return Err("the client stopped sending".into()),
        };
        if let Some(parser) = parser.as_mut().filter(|p| !p.is_done()) {
            parser.feed(&buffer[..n]);
        }
        match tokio::time::timeout(IDLE_TIMEOUT, stdin.write_all(&buffer[..n])).await {
            Ok(Ok(())) => {}
            // git stopped reading (it refused the request); its answer says why.
            Ok(Err(_)) => break,
            Err(_) => return Err("git stopped reading the request".into()),
        }
    }
    drop(stdin);
    Ok(parser.map(CommandParser::commands).unwrap_or_default())
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

/// The push event of a finished push, computed off the async threads.
pub async fn push_event(
    state: &AppState,
    repo: &Repo,
    commands: Vec<RefCommand>,
) -> Option<PushEvent> {
    let storage = state.storage.clone();
    let id = repo.id.0;
    let result = tokio::task::spawn_blocking(move || {
        let git = storage.open(id)?;
        forge_git::push::applied(&git, &commands)
    })
    .await;
    match result {
        Ok(Ok(event)) => Some(event),
        Ok(Err(e)) => {
            tracing::error!(repo = %repo.full_name(), error = %e, "reading a push failed");
            None
        }
        Err(e) => {
            tracing::error!(error = %e, "the push reading task failed");
            None
        }
    }
}
