//! The small HTTP client that talks to sign-in providers: discovery, keys,
//! tokens and user information.
//!
//! It is hyper with rustls on ring and the system's root certificates
//! (so an organisation's own certificate authority works once the system
//! trusts it). Every exchange has a deadline, connecting included, and
//! answers are read up to a size limit, so a slow or hostile provider costs
//! a bounded wait and bounded memory.

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use hyper::{Method, Request, StatusCode};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use std::sync::Arc;
use std::time::Duration;

/// Providers' answers are small JSON documents; anything larger is refused.
const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// Connecting never takes longer than this, even with a longer deadline.
const MAX_CONNECT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("the provider cannot be reached: {0}")]
    Unreachable(String),
    #[error("the provider did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the provider's answer is larger than {MAX_ANSWER_BYTES} bytes")]
    TooLarge,
    #[error("the request to the provider failed: {0}")]
    Failed(String),
}

/// A provider's answer.
pub struct Answer {
    pub status: StatusCode,
    pub body: Bytes,
}

impl Answer {
    /// The body as a JSON object, if it is one.
    pub fn json_object(&self) -> Option<serde_json::Map<String, serde_json::Value>> {
        match serde_json::from_slice(&self.body) {
            Ok(serde_json::Value::Object(map)) => Some(map),
            _ => None,
        }
    }
}

#[derive(Clone)]
pub struct HttpClient {
    client: Client<HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
}

fn tls_config() -> Result<rustls::ClientConfig, rustls::Error> {
    let mut roots = rustls::RootCertStore::empty();
    let native = rustls_native_certs::load_native_certs();
    for error in &native.errors {
        tracing::warn!(%error, "a system root certificate could not be read");
    }
    let (added, ignored) = roots.add_parsable_certificates(native.certs);
    if added == 0 {
        tracing::warn!(
            ignored,
            "no system root certificates: sign-in providers over https will fail \
             (install the ca-certificates package)"
        );
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

impl HttpClient {
    /// A client whose exchanges take at most `timeout` each.
    pub fn new(timeout: Duration) -> Result<HttpClient, rustls::Error> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(timeout.min(MAX_CONNECT)));
        http.set_nodelay(true);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls_config()?)
            .https_or_http()
            .enable_http1()
            .wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(connector);
        Ok(HttpClient { client, timeout })
    }

    pub async fn get(&self, url: &str, bearer: Option<&str>) -> Result<Answer, HttpError> {
        let authorization = bearer.map(|token| format!("Bearer {token}"));
        self.send(Method::GET, url, authorization, None).await
    }

    /// Posts an `application/x-www-form-urlencoded` body.
    pub async fn post_form(
        &self,
        url: &str,
        authorization: Option<String>,
        body: String,
    ) -> Result<Answer, HttpError> {
        self.send(Method::POST, url, authorization, Some(body))
            .await
    }

    async fn send(
        &self,
        method: Method,
        url: &str,
        authorization: Option<String>,
        form: Option<String>,
    ) -> Result<Answer, HttpError> {
        let mut request = Request::builder()
            .method(method)
            .uri(url)
            .header(ACCEPT, "application/json")
            .header(USER_AGENT, concat!("forge/", env!("CARGO_PKG_VERSION")));
        if let Some(value) = authorization {
            request = request.header(AUTHORIZATION, value);
        }
        let body = match form {
            Some(form) => {
                request = request.header(CONTENT_TYPE, "application/x-www-form-urlencoded");
                Full::new(Bytes::from(form))
            }
            None => Full::new(Bytes::new()),
        };
        let request = request
            .body(body)
            .map_err(|e| HttpError::Failed(format!("invalid request to {url}: {e}")))?;
        let exchange = async {
            let response = self.client.request(request).await.map_err(|e| {
                if e.is_connect() {
                    HttpError::Unreachable(error_chain(&e))
                } else {
                    HttpError::Failed(error_chain(&e))
                }
            })?;
            let status = response.status();
            let body = Limited::new(response.into_body(), MAX_ANSWER_BYTES)
                .collect()
                .await
                .map_err(|e| {
                    if e.downcast_ref::<http_body_util::LengthLimitError>()
                        .is_some()
                    {
                        HttpError::TooLarge
                    } else {
                        HttpError::Failed(e.to_string())
                    }
                })?
                .to_bytes();
            Ok(Answer { status, body })
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| HttpError::Timeout(self.timeout))?
    }
}

/// An error and its causes on one line, for the log.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
