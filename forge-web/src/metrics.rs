//! Prometheus metrics, counted in memory as requests pass (nothing is read
//! from the database at scrape time), and the access log: one line per
//! request.
//!
//! `/metrics` is off unless the operator turns it on, and may require a
//! bearer token, compared in constant time.

use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Whether `/metrics` is served, and the token it asks for.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct MetricsConfig {
    pub enabled: bool,
    pub token: Option<String>,
}

impl std::fmt::Debug for MetricsConfig {
    /// The token is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsConfig")
            .field("enabled", &self.enabled)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .finish()
    }
}

#[derive(Default)]
struct Latency {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum_seconds: f64,
}

/// The figures of this process since it started.
#[derive(Default)]
pub struct Metrics {
    /// (method, route, status) → answers.
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    /// route → latency histogram.
    latency: Mutex<BTreeMap<String, Latency>>,
    /// (service, direction) → bytes; service → transfers.
    git_bytes: Mutex<BTreeMap<(&'static str, &'static str), u64>>,
    git_transfers: Mutex<BTreeMap<&'static str, u64>>,
    in_flight: AtomicU64,
}

/// The route label of a request: the matched path, never the raw URL (so
/// that the number of series stays bounded and no name leaks).
#[derive(Clone)]
struct Route(String);

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves counters that are still
    // numbers: keep counting.
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Metrics {
    fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        *lock(&self.requests)
            .entry((method.to_string(), route.to_string(), status))
            .or_default() += 1;
        let mut latency = lock(&self.latency);
        let entry = latency.entry(route.to_string()).or_default();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                entry.buckets[i] += 1;
            }
        }
        entry.count += 1;
        entry.sum_seconds += seconds;
    }

    /// One git transfer of `service` started.
    pub fn git_transfer(&self, service: &'static str) {
        *lock(&self.git_transfers).entry(service).or_default() += 1;
    }

    /// `bytes` went through a git transfer of `service`, `"received"` from
    /// the client or `"sent"` to it.
    pub fn git_bytes(&self, service: &'static str, direction: &'static str, bytes: usize) {
        *lock(&self.git_bytes)
            .entry((service, direction))
            .or_default() += bytes as u64;
    }

    /// The Prometheus text format of every figure.
    pub fn render(
        &self,
        pool: forge_core::db::PoolStats,
        jobs: &[forge_service::background::JobStats],
    ) -> String {
        let mut out = String::new();
        out.push_str(
            "# HELP forge_http_requests_total HTTP requests answered, by method, route and status.\n\
             # TYPE forge_http_requests_total counter\n",
        );
        for ((method, route, status), n) in lock(&self.requests).iter() {
            let _ = writeln!(
                out,
                "forge_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
                escape(method),
                escape(route)
            );
        }
        out.push_str(
            "# HELP forge_http_request_duration_seconds Time to answer, by route.\n\
             # TYPE forge_http_request_duration_seconds histogram\n",
        );
        for (route, latency) in lock(&self.latency).iter() {
            let route = escape(route);
            for (bound, n) in BUCKETS.iter().zip(latency.buckets) {
                let _ = writeln!(
                    out,
                    "forge_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "forge_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {}\n\
                 forge_http_request_duration_seconds_sum{{route=\"{route}\"}} {}\n\
                 forge_http_request_duration_seconds_count{{route=\"{route}\"}} {}",
                latency.count, latency.sum_seconds, latency.count
            );
        }
        let _ = writeln!(
            out,
            "# HELP forge_http_requests_in_flight Requests being answered now.\n\
             # TYPE forge_http_requests_in_flight gauge\n\
             forge_http_requests_in_flight {}",
            self.in_flight.load(Ordering::Relaxed)
        );
        out.push_str(
            "# HELP forge_git_transfers_total Git pack transfers started, by service.\n\
             # TYPE forge_git_transfers_total counter\n",
        );
        for (service, n) in lock(&self.git_transfers).iter() {
            let _ = writeln!(
                out,
                "forge_git_transfers_total{{service=\"{service}\"}} {n}"
            );
        }
        out.push_str(
            "# HELP forge_git_transfer_bytes_total Bytes of git transfers, by service and direction.\n\
             # TYPE forge_git_transfer_bytes_total counter\n",
        );
        for ((service, direction), n) in lock(&self.git_bytes).iter() {
            let _ = writeln!(
                out,
                "forge_git_transfer_bytes_total{{service=\"{service}\",direction=\"{direction}\"}} {n}"
            );
        }
        let _ = writeln!(
            out,
            "# HELP forge_db_pool_connections Database connections of this process, by state.\n\
             # TYPE forge_db_pool_connections gauge\n\
             forge_db_pool_connections{{state=\"idle\"}} {}\n\
             forge_db_pool_connections{{state=\"in_use\"}} {}\n\
             # HELP forge_db_pool_max_connections The pool's limit.\n\
             # TYPE forge_db_pool_max_connections gauge\n\
             forge_db_pool_max_connections {}",
            pool.idle,
            pool.size.saturating_sub(pool.idle),
            pool.max
        );
        out.push_str(
            "# HELP forge_background_job_runs_total Rounds of each background job run by this process.\n\
             # TYPE forge_background_job_runs_total counter\n",
        );
        for job in jobs {
            let _ = writeln!(
                out,
                "forge_background_job_runs_total{{job=\"{}\"}} {}",
                job.name, job.runs
            );
        }
        out.push_str(
            "# HELP forge_background_job_failures_total Rounds of each background job that failed.\n\
             # TYPE forge_background_job_failures_total counter\n",
        );
        for job in jobs {
            let _ = writeln!(
                out,
                "forge_background_job_failures_total{{job=\"{}\"}} {}",
                job.name, job.failures
            );
        }
        out.push_str(
            "# HELP forge_background_backlog Items waiting in each background job's queue, after this process's last round of it.\n\
             # TYPE forge_background_backlog gauge\n",
        );
        for job in jobs {
            if let Some(backlog) = job.backlog {
                let _ = writeln!(
                    out,
                    "forge_background_backlog{{job=\"{}\"}} {}",
                    job.name, backlog.items
                );
            }
        }
        out.push_str(
            "# HELP forge_background_oldest_item_age_seconds Age of the oldest item waiting in each background job's queue (0 when empty).\n\
             # TYPE forge_background_oldest_item_age_seconds gauge\n",
        );
        out.push_str(
            "# HELP forge_deliveries_total Attempts of this process to deliver webhooks and e-mail, by outcome.\n\
             # TYPE forge_deliveries_total counter\n",
        );
        for (channel, outcome, n) in forge_service::outcomes::counts() {
            let _ = writeln!(
                out,
                "forge_deliveries_total{{channel=\"{channel}\",outcome=\"{outcome}\"}} {n}"
            );
        }
        let now = forge_core::clock::now_ms();
        for job in jobs {
            if let Some(backlog) = job.backlog {
                let age_ms = backlog
                    .oldest_at
                    .map_or(0, |at| now.saturating_sub(at).max(0));
                let _ = writeln!(
                    out,
                    "forge_background_oldest_item_age_seconds{{job=\"{}\"}} {:.3}",
                    job.name,
                    age_ms as f64 / 1000.0
                );
            }
        }
        out
    }
}

fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Inner layer, on every route: hands the matched path to [`track`].
pub async fn route_label(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string());
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(Route(route));
    }
    response
}

/// Outer layer: times every request, counts it, and writes its access-log
/// line (method, route, path without the query, status, duration; never a
/// header, so no credential reaches the log).
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().as_str().to_string();
    let path = request.uri().path().to_string();
    state.metrics.in_flight.fetch_add(1, Ordering::Relaxed);
    let response = next.run(request).await;
    state.metrics.in_flight.fetch_sub(1, Ordering::Relaxed);
    let seconds = started.elapsed().as_secs_f64();
    let route = response
        .extensions()
        .get::<Route>()
        .map_or("unmatched", |r| r.0.as_str())
        .to_string();
    let status = response.status().as_u16();
    state.metrics.record(&method, &route, status, seconds);
    tracing::info!(
        target: "forge::access",
        method = %method,
        route = %route,
        path = %path,
        status,
        duration_ms = (seconds * 1000.0).round() as u64,
        "request"
    );
    response
}

/// `GET /metrics`: 404 unless enabled; 401 without the configured token.
pub async fn metrics(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    let config = &state.config.metrics;
    if !config.enabled {
        return StatusCode::NOT_FOUND.into_response();
    }
    if let Some(token) = &config.token {
        let presented = headers
            .get(AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if !forge_core::secret::constant_time_eq(presented.trim(), token) {
            return (
                StatusCode::UNAUTHORIZED,
                [(axum::http::header::WWW_AUTHENTICATE, "Bearer")],
                "A bearer token is required.\n",
            )
                .into_response();
        }
    }
    let body = state.metrics.render(
        state.db.pool_stats(),
        &forge_service::background::job_stats(),
    );
    (
        [(CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        body,
    )
        .into_response()
}
