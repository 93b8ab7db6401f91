//! The forge's one HTTP client, for the servers it talks to: sign-in
//! providers (discovery, keys, tokens, user information) and the targets
//! of webhooks.
//!
//! It is hyper with rustls on ring and the system's root certificates
//! (so an organisation's own certificate authority works once the system
//! trusts it). Every exchange has a deadline, connecting included, and
//! answers are read up to a size limit, so a slow or hostile server costs
//! a bounded wait and bounded memory.
//!
//! A client may be given an [`AddressPolicy`]: every address a name
//! resolves to is checked when the connection is made (not only when the
//! URL was entered), so a name that later resolves to a loopback or
//! private address (DNS rebinding) is refused all the same.

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderName, HeaderValue, USER_AGENT};
use hyper::{Method, Request, StatusCode};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::dns::Name;
use hyper_util::rt::TokioExecutor;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// Answers are read up to this size; anything larger is refused.
pub const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// Connecting never takes longer than this, even with a longer deadline.
const MAX_CONNECT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    #[error("the server cannot be reached: {0}")]
    Unreachable(String),
    #[error("the server did not answer within {0:?}")]
    Timeout(Duration),
    #[error("the server's answer is larger than {MAX_ANSWER_BYTES} bytes")]
    TooLarge,
    /// The target's address is loopback, private or link-local, and the
    /// policy does not allow it.
    #[error("{0}")]
    Refused(String),
    #[error("the request failed: {0}")]
    Failed(String),
}

/// Which addresses a client may connect to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AddressPolicy {
    /// Whether loopback, private, link-local and unique-local addresses
    /// may be reached at all.
    pub allow_private: bool,
    /// Host names (or address literals) that may be reached whatever they
    /// resolve to.
    pub allowed_hosts: Vec<String>,
}

impl AddressPolicy {
    /// Any address: for sign-in providers, which only the site admin
    /// configures.
    pub fn any() -> AddressPolicy {
        AddressPolicy {
            allow_private: true,
            allowed_hosts: Vec::new(),
        }
    }

    /// Whether `host`, resolved to `address`, may be reached.
    pub fn permits(&self, host: &str, address: IpAddr) -> bool {
        self.allow_private
            || is_public(address)
            || self.allowed_hosts.iter().any(|h| {
                h.trim_matches(['[', ']'])
                    .eq_ignore_ascii_case(host.trim_matches(['[', ']']))
            })
    }
}

/// Whether an address belongs to the public internet: not loopback,
/// private (RFC 1918), shared (RFC 6598), link-local, unique-local,
/// unspecified, multicast or broadcast.
pub fn is_public(address: IpAddr) -> bool {
    match address {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b)))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
    }
}

/// Why a connection was refused, carried through hyper's error chain.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct AddressRefused(String);

fn refusal(host: &str, address: IpAddr) -> String {
    format!(
        "{host} resolves to {address}, a loopback, private or link-local address, \
         which the site's settings do not allow"
    )
}

/// Resolves names and keeps only the addresses the policy permits.
#[derive(Clone)]
struct GuardedResolver {
    policy: Arc<AddressPolicy>,
}

type Resolving =
    Pin<Box<dyn Future<Output = Result<std::vec::IntoIter<SocketAddr>, std::io::Error>> + Send>>;

impl tower_service::Service<Name> for GuardedResolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = std::io::Error;
    type Future = Resolving;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Self::Future {
        let policy = self.policy.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            let found: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = found
                .iter()
                .copied()
                .filter(|a| policy.permits(&host, a.ip()))
                .collect();
            match (allowed.is_empty(), found.first()) {
                (false, _) => Ok(allowed.into_iter()),
                (true, Some(first)) => Err(std::io::Error::new(
                    std::io::ErrorKind::PermissionDenied,
                    AddressRefused(refusal(&host, first.ip())),
                )),
                (true, None) => Err(std::io::Error::new(
                    std::io::ErrorKind::NotFound,
                    format!("{host} has no address"),
                )),
            }
        })
    }
}

/// An answer.
pub struct Answer {
    pub status: StatusCode,
    pub headers: Vec<(String, String)>,
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
    client: Client<HttpsConnector<HttpConnector<GuardedResolver>>, Full<Bytes>>,
    timeout: Duration,
    policy: Arc<AddressPolicy>,
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
            "no system root certificates: servers over https will be refused \
             (install the ca-certificates package)"
        );
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// The host of an absolute http(s) URL.
fn host_of(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split_once(']').map(|(h, _)| h);
    }
    Some(authority.split(':').next().unwrap_or(authority))
}

impl HttpClient {
    /// A client whose exchanges take at most `timeout` each, to any address.
    pub fn new(timeout: Duration) -> Result<HttpClient, rustls::Error> {
        HttpClient::with_policy(timeout, AddressPolicy::any())
    }

    /// A client that connects only to the addresses `policy` permits.
    pub fn with_policy(
        timeout: Duration,
        policy: AddressPolicy,
    ) -> Result<HttpClient, rustls::Error> {
        let policy = Arc::new(policy);
        let mut http = HttpConnector::new_with_resolver(GuardedResolver {
            policy: policy.clone(),
        });
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
        Ok(HttpClient {
            client,
            timeout,
            policy,
        })
    }

    pub async fn get(&self, url: &str, bearer: Option<&str>) -> Result<Answer, HttpError> {
        let mut headers = vec![(ACCEPT.to_string(), "application/json".to_string())];
        if let Some(token) = bearer {
            headers.push((AUTHORIZATION.to_string(), format!("Bearer {token}")));
        }
        self.send(Method::GET, url, &headers, Bytes::new()).await
    }

    /// Posts an `application/x-www-form-urlencoded` body.
    pub async fn post_form(
        &self,
        url: &str,
        authorization: Option<String>,
        body: String,
    ) -> Result<Answer, HttpError> {
        let mut headers = vec![
            (ACCEPT.to_string(), "application/json".to_string()),
            (
                CONTENT_TYPE.to_string(),
                "application/x-www-form-urlencoded".to_string(),
            ),
        ];
        if let Some(value) = authorization {
            headers.push((AUTHORIZATION.to_string(), value));
        }
        self.send(Method::POST, url, &headers, Bytes::from(body))
            .await
    }

    /// Posts `body` with `headers`.
    pub async fn post(
        &self,
        url: &str,
        headers: &[(String, String)],
        body: Bytes,
    ) -> Result<Answer, HttpError> {
        self.send(Method::POST, url, headers, body).await
    }

    async fn send(
        &self,
        method: Method,
        url: &str,
        headers: &[(String, String)],
        body: Bytes,
    ) -> Result<Answer, HttpError> {
        // Address literals skip the resolver: check them here.
        let host = host_of(url).ok_or_else(|| HttpError::Failed(format!("invalid URL {url}")))?;
        if let Ok(address) = host.parse::<IpAddr>()
            && !self.policy.permits(host, address)
        {
            return Err(HttpError::Refused(refusal(host, address)));
        }
        let mut request = Request::builder()
            .method(method)
            .uri(url)
            .header(USER_AGENT, concat!("forge/", env!("CARGO_PKG_VERSION")));
        for (name, value) in headers {
            let name = HeaderName::try_from(name.as_str())
                .map_err(|e| HttpError::Failed(format!("invalid header {name}: {e}")))?;
            let value = HeaderValue::try_from(value.as_str())
                .map_err(|e| HttpError::Failed(format!("invalid header value: {e}")))?;
            request = request.header(name, value);
        }
        let request = request
            .body(Full::new(body))
            .map_err(|e| HttpError::Failed(format!("invalid request to {url}: {e}")))?;
        let exchange = async {
            let response = self.client.request(request).await.map_err(|e| {
                if let Some(refused) = find_cause::<AddressRefused>(&e) {
                    HttpError::Refused(refused.0.clone())
                } else if e.is_connect() {
                    HttpError::Unreachable(error_chain(&e))
                } else {
                    HttpError::Failed(error_chain(&e))
                }
            })?;
            let status = response.status();
            let headers = response
                .headers()
                .iter()
                .map(|(name, value)| {
                    (
                        name.to_string(),
                        String::from_utf8_lossy(value.as_bytes()).into_owned(),
                    )
                })
                .collect();
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
            Ok(Answer {
                status,
                headers,
                body,
            })
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| HttpError::Timeout(self.timeout))?
    }
}

/// The first cause of type `T` in an error's chain, looking inside I/O
/// errors too.
fn find_cause<'a, T: std::error::Error + 'static>(
    error: &'a (dyn std::error::Error + 'static),
) -> Option<&'a T> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>()
            && let Some(inner) = io.get_ref()
            && let Some(found) = inner.downcast_ref::<T>()
        {
            return Some(found);
        }
        current = e.source();
    }
    None
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

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("a valid address")
    }

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "::",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(ip(private)), "{private}");
        }
        for public in ["93.184.216.34", "1.1.1.1", "2606:4700::1111"] {
            assert!(is_public(ip(public)), "{public}");
        }
    }

    #[test]
    fn the_policy_allows_private_addresses_only_when_told() {
        let strict = AddressPolicy::default();
        assert!(!strict.permits("localhost", ip("127.0.0.1")));
        assert!(strict.permits("example.org", ip("93.184.216.34")));
        let listed = AddressPolicy {
            allow_private: false,
            allowed_hosts: vec!["ci.internal".into()],
        };
        assert!(listed.permits("CI.internal", ip("10.0.0.5")));
        assert!(!listed.permits("other.internal", ip("10.0.0.5")));
        assert!(AddressPolicy::any().permits("localhost", ip("127.0.0.1")));
    }

    #[test]
    fn hosts_are_read_from_urls() {
        assert_eq!(host_of("http://127.0.0.1:8080/x"), Some("127.0.0.1"));
        assert_eq!(host_of("https://[::1]:8443/x"), Some("::1"));
        assert_eq!(host_of("https://example.org?q"), Some("example.org"));
    }
}
