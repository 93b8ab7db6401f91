//! Git's smart HTTP protocol: `info/refs`, `git-upload-pack` (clone and
//! fetch) and `git-receive-pack` (push), protocol v0 and v2.
//!
//! This module speaks HTTP only: credentials, status codes, content types,
//! gzipped bodies. Who may do what, running git, streaming, and what a push
//! causes are `forge-service`'s (the same for every transport).

use crate::AppState;
use crate::auth::{self, ClientAddress};
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
use forge_core::repo::Repo;
use forge_core::user::User;
use forge_git::service::{self, Service};
use forge_service::git_access::Denied;
use forge_service::transfer::{Input, Transfer};
use futures_util::TryStreamExt;
use serde::Deserialize;

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
async fn authorize(
    state: &AppState,
    headers: &HeaderMap,
    address: &str,
    owner: &str,
    name: &str,
    service: Service,
) -> Result<(Repo, Option<User>), Response> {
    let header = match headers.get(AUTHORIZATION) {
        Some(value) => Some(value.to_str().map_err(|_| unauthorized())?),
        None => None,
    };
    let caller = match auth::authenticate(state, header, address).await {
        Ok(caller) => caller.map(|caller| caller.user),
        Err(e)
            if e.status == StatusCode::TOO_MANY_REQUESTS
                || e.status == StatusCode::SERVICE_UNAVAILABLE =>
        {
            let mut response = plain(e.status, e.message);
            if let Some(seconds) = e.retry_after {
                response
                    .headers_mut()
                    .insert(axum::http::header::RETRY_AFTER, seconds.into());
            }
            return Err(response);
        }
        Err(_) => return Err(unauthorized()),
    };
    let decision = state
        .forge
        .authorize_git(caller.as_ref(), owner, name, service)
        .await
        .map_err(|e| {
            if e.is_unavailable() {
                tracing::error!(error = %e, "git over HTTP: the database is unavailable");
                unavailable()
            } else {
                internal(e)
            }
        })?;
    match decision {
        Ok(repo) => Ok((repo, caller)),
        Err(Denied::NeedsCredentials) => Err(unauthorized()),
        Err(Denied::NotFound) => Err(not_found()),
        Err(Denied::ReadOnly { user, repo }) => Err(plain(
            StatusCode::FORBIDDEN,
            format!("{user} may read {repo} but not push to it."),
        )),
        Err(Denied::ReadOnlyKey { repo }) => Err(plain(
            StatusCode::FORBIDDEN,
            format!("This deploy key may read {repo} but not push to it."),
        )),
    }
}

/// 503 with a sentence git shows its user, and a hint to retry.
fn unavailable() -> Response {
    let mut response = plain(
        StatusCode::SERVICE_UNAVAILABLE,
        "The forge cannot reach its database right now; nothing was changed. \
         Try again in a moment."
            .into(),
    );
    response.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        "30".parse().expect("a valid header value"),
    );
    response
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
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
) -> Response {
    let Some(service) = query.service.as_deref().and_then(Service::parse) else {
        return plain(
            StatusCode::FORBIDDEN,
            "Only git's smart HTTP protocol is served here.".into(),
        );
    };
    let (repo, _) = match authorize(&state, &headers, &address, &owner, &name, service).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let protocol = protocol_of(&headers);
    let prefix = (!service::is_v2(protocol.as_deref()))
        .then(|| Bytes::from(service::advertisement_prefix(service)));
    let transfer = Transfer {
        repo,
        caller: None,
        deploy_key: None,
        service,
        advertise: true,
        protocol,
    };
    start(
        &state,
        transfer,
        prefix,
        None,
        format!("application/x-{}-advertisement", service.name()),
    )
    .await
}

async fn upload_pack(
    State(state): State<AppState>,
    Path((owner, name)): Path<(String, String)>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    body: Body,
) -> Response {
    rpc(
        state,
        owner,
        name,
        &address,
        headers,
        body,
        Service::UploadPack,
    )
    .await
}

async fn receive_pack(
    State(state): State<AppState>,
    Path((owner, name)): Path<(String, String)>,
    ClientAddress(address): ClientAddress,
    headers: HeaderMap,
    body: Body,
) -> Response {
    rpc(
        state,
        owner,
        name,
        &address,
        headers,
        body,
        Service::ReceivePack,
    )
    .await
}

async fn rpc(
    state: AppState,
    owner: String,
    name: String,
    address: &str,
    headers: HeaderMap,
    body: Body,
    service: Service,
) -> Response {
    let (repo, pusher) = match authorize(&state, &headers, address, &owner, &name, service).await {
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
    let transfer = Transfer {
        repo,
        caller: pusher,
        deploy_key: None,
        service,
        advertise: false,
        protocol: protocol_of(&headers),
    };
    let metrics = state.metrics.clone();
    let name = service.name();
    metrics.git_transfer(name);
    let stream = body
        .into_data_stream()
        .inspect_ok(move |chunk| metrics.git_bytes(name, "received", chunk.len()))
        .map_err(std::io::Error::other);
    let reader = tokio_util::io::StreamReader::new(stream);
    let input: Input = if gzip {
        Box::new(GzipDecoder::new(reader))
    } else {
        Box::new(reader)
    };
    start(
        &state,
        transfer,
        None,
        Some(input),
        format!("application/x-{}-result", service.name()),
    )
    .await
}

/// Starts git and answers with its output as it comes.
async fn start(
    state: &AppState,
    transfer: Transfer,
    prefix: Option<Bytes>,
    input: Option<Input>,
    content_type: String,
) -> Response {
    let name = transfer.service.name();
    let output = match state.forge.start_transfer(transfer, prefix, input).await {
        Ok(output) => output,
        Err(e) => return internal(e),
    };
    let metrics = state.metrics.clone();
    let stream = futures_util::stream::unfold(output, |mut output| async move {
        output.recv().await.map(|item| (item, output))
    })
    .inspect_ok(move |chunk| metrics.git_bytes(name, "sent", chunk.len()));
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
