//! Signing in with other sites: OpenID Connect providers (endpoints and keys
//! from discovery, identity from a signed ID token) and plain OAuth2
//! providers (identity from their user-information endpoint).
//!
//! The flow is the authorization code flow with PKCE (S256): the start
//! redirects the browser to the provider with a random `state`, a nonce and
//! the PKCE challenge; the callback exchanges the code for tokens, then
//! verifies the ID token's signature with the provider's key set (fetched
//! again once when the token names a key it does not hold, for key
//! rotation) and its issuer, audience, times and nonce.
//!
//! Discovery happens at first use and is cached, so the forge starts while
//! a provider is down. Nothing here logs a secret: not the client secret,
//! the code, the tokens, the state or the verifier.

mod http;
pub mod jwt;

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use http::{Answer, HttpClient, HttpError};
use serde_json::{Map, Value};
use std::fmt;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

/// How long a provider's discovery document is trusted before it is read
/// again.
const DISCOVERY_TTL: Duration = Duration::from_secs(24 * 3600);

/// How long a provider's signing keys are trusted before they are read
/// again (a key the token names but the set lacks is looked up at once).
const KEYS_TTL: Duration = Duration::from_secs(3600);

/// How far apart the provider's clock and ours may be, in seconds.
const CLOCK_LEEWAY_SECS: i64 = 60;

/// The default deadline of one exchange with a provider.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Where a provider's endpoints come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Endpoints {
    /// OpenID Connect: `ISSUER/.well-known/openid-configuration` names them,
    /// and the identity comes from the signed ID token.
    Discovery { issuer: String },
    /// Plain OAuth2: the identity comes from the user-information endpoint.
    OAuth2 {
        auth_url: String,
        token_url: String,
        userinfo_url: String,
    },
}

/// One provider of the configuration (`[[auth.providers]]`).
#[derive(Clone, PartialEq, Eq)]
pub struct ProviderConfig {
    /// Appears in URLs: `/user/oauth2/NAME`.
    pub name: String,
    /// Shown on buttons: "Sign in with DISPLAY_NAME".
    pub display_name: String,
    pub endpoints: Endpoints,
    pub client_id: String,
    /// `None` for a public client, which proves itself with PKCE alone.
    pub client_secret: Option<String>,
    pub scopes: Vec<String>,
}

impl fmt::Debug for ProviderConfig {
    /// Everything but the client secret, which is never printed.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let endpoints = match &self.endpoints {
            Endpoints::Discovery { issuer } => format!("issuer {issuer}"),
            Endpoints::OAuth2 {
                auth_url,
                token_url,
                userinfo_url,
            } => format!("auth {auth_url}, token {token_url}, userinfo {userinfo_url}"),
        };
        f.debug_struct("ProviderConfig")
            .field("name", &self.name)
            .field("display_name", &self.display_name)
            .field("endpoints", &endpoints)
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "<hidden>"),
            )
            .field("scopes", &self.scopes)
            .finish()
    }
}

fn is_http_url(url: &str) -> bool {
    (url.starts_with("https://") || url.starts_with("http://"))
        && url
            .parse::<axum::http::Uri>()
            .is_ok_and(|u| u.host().is_some())
}

/// Checks the providers of a configuration: names fit in a URL segment and
/// are unique, URLs are http(s), OpenID Connect asks for the `openid`
/// scope. The message names the provider and the problem.
pub fn validate_providers(providers: &[ProviderConfig]) -> Result<(), String> {
    let mut seen = std::collections::HashSet::new();
    for p in providers {
        let name = &p.name;
        if name.is_empty()
            || name.len() > 40
            || !name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        {
            return Err(format!(
                "provider name {name:?} must be 1 to 40 lowercase letters, digits, '-' or '_' \
                 (it appears in URLs)"
            ));
        }
        if !seen.insert(name.as_str()) {
            return Err(format!("provider name {name:?} is used twice"));
        }
        if p.display_name.trim().is_empty() {
            return Err(format!("provider {name:?} has an empty display_name"));
        }
        if p.client_id.trim().is_empty() {
            return Err(format!("provider {name:?} has no client_id"));
        }
        match &p.endpoints {
            Endpoints::Discovery { issuer } => {
                if !is_http_url(issuer) {
                    return Err(format!(
                        "provider {name:?}: issuer {issuer:?} is not an http:// or https:// URL"
                    ));
                }
                if !p.scopes.iter().any(|s| s == "openid") {
                    return Err(format!(
                        "provider {name:?}: an OpenID Connect provider needs the \"openid\" scope"
                    ));
                }
            }
            Endpoints::OAuth2 {
                auth_url,
                token_url,
                userinfo_url,
            } => {
                for (field, url) in [
                    ("auth_url", auth_url),
                    ("token_url", token_url),
                    ("userinfo_url", userinfo_url),
                ] {
                    if !is_http_url(url) {
                        return Err(format!(
                            "provider {name:?}: {field} {url:?} is not an http:// or https:// URL"
                        ));
                    }
                }
            }
        }
        if let Some(scope) = p.scopes.iter().find(|s| s.is_empty() || s.contains(' ')) {
            return Err(format!(
                "provider {name:?}: scope {scope:?} must be one word"
            ));
        }
    }
    Ok(())
}

/// Why a sign-in with a provider failed. Each becomes a page in the
/// visitor's language (its [`FlowError::key`]) and a log line for the
/// administrator (its `Display`), and none creates or changes an account.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error("the person refused at the provider ({0})")]
    Denied(String),
    #[error("the provider answered the sign-in with the error {0:?}")]
    ProviderError(String),
    #[error("the provider cannot be reached: {0}")]
    Unreachable(String),
    #[error("the provider is too slow: {0}")]
    Slow(String),
    #[error("the provider's answer is not usable: {0}")]
    BadAnswer(String),
    #[error("the provider refused the code: {0}")]
    CodeRefused(String),
    #[error("the ID token is not acceptable: {0}")]
    Token(jwt::JwtError),
    #[error("this forge cannot make secure connections: {0}")]
    Tls(String),
}

impl FlowError {
    /// The catalogue key of the message shown to the visitor.
    pub fn key(&self) -> &'static str {
        match self {
            FlowError::Denied(_) => "auth-error-denied",
            FlowError::ProviderError(_) => "auth-error-provider-refused",
            FlowError::Unreachable(_) | FlowError::Tls(_) => "auth-error-provider-down",
            FlowError::Slow(_) => "auth-error-provider-slow",
            FlowError::BadAnswer(_) => "auth-error-provider-answer",
            FlowError::CodeRefused(_) => "auth-error-code-refused",
            FlowError::Token(e) => match e {
                jwt::JwtError::UnknownKey | jwt::JwtError::BadSignature => {
                    "auth-error-token-signature"
                }
                jwt::JwtError::Expired | jwt::JwtError::NotYetValid => "auth-error-token-expired",
                jwt::JwtError::Audience => "auth-error-token-audience",
                jwt::JwtError::Issuer => "auth-error-token-issuer",
                jwt::JwtError::Nonce => "auth-error-token-nonce",
                jwt::JwtError::Malformed | jwt::JwtError::Algorithm | jwt::JwtError::Subject => {
                    "auth-error-token-invalid"
                }
            },
        }
    }

    /// 403 for a refusal by the person, 400 for a code the provider no
    /// longer accepts, 502 for a provider that failed us.
    pub fn status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            FlowError::Denied(_) => StatusCode::FORBIDDEN,
            FlowError::CodeRefused(_) => StatusCode::BAD_REQUEST,
            _ => StatusCode::BAD_GATEWAY,
        }
    }
}

impl From<HttpError> for FlowError {
    fn from(error: HttpError) -> Self {
        match error {
            HttpError::Timeout(_) => FlowError::Slow(error.to_string()),
            HttpError::Unreachable(_) | HttpError::Refused(_) => {
                FlowError::Unreachable(error.to_string())
            }
            HttpError::TooLarge | HttpError::Failed(_) => FlowError::BadAnswer(error.to_string()),
        }
    }
}

/// The endpoints of a provider, discovered or configured.
#[derive(Debug, Clone)]
struct Metadata {
    /// The issuer ID tokens must name; `None` for plain OAuth2.
    issuer: Option<String>,
    authorization_endpoint: String,
    token_endpoint: String,
    userinfo_endpoint: Option<String>,
    jwks_uri: Option<String>,
    /// Whether the client authenticates with HTTP Basic (the default) rather
    /// than with its secret in the form.
    basic_auth: bool,
}

/// What the provider says about the person who signed in.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Identity {
    /// The provider's stable name for the person (`sub`).
    pub subject: String,
    /// A username the person might like (`preferred_username` and kin).
    pub username_hint: Option<String>,
    pub email: Option<String>,
    pub name: Option<String>,
}

/// A provider with its caches.
pub struct Provider {
    pub config: ProviderConfig,
    metadata: Mutex<Option<(Arc<Metadata>, Instant)>>,
    keys: Mutex<Option<(Arc<Vec<jwt::Jwk>>, Instant)>>,
}

/// Every configured provider and the HTTP client they share.
pub struct Providers {
    providers: Vec<Arc<Provider>>,
    timeout: Duration,
    http: OnceLock<Result<HttpClient, String>>,
}

impl fmt::Debug for Providers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.providers.iter().map(|p| &p.config))
            .finish()
    }
}

/// The query string of `pairs`, form-encoded.
fn encode_pairs(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

/// `endpoint` with `query` appended, whether or not it has a query already.
fn with_query(endpoint: &str, query: &str) -> String {
    let separator = if endpoint.contains('?') { '&' } else { '?' };
    format!("{endpoint}{separator}{query}")
}

/// The PKCE S256 challenge of `verifier`.
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(ring::digest::digest(
        &ring::digest::SHA256,
        verifier.as_bytes(),
    ))
}

fn string_field(object: &Map<String, Value>, name: &str) -> Option<String> {
    object
        .get(name)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn now_secs() -> i64 {
    forge_core::clock::now_ms() / 1000
}

impl Providers {
    pub fn new(configs: Vec<ProviderConfig>, timeout: Duration) -> Providers {
        Providers {
            providers: configs
                .into_iter()
                .map(|config| {
                    Arc::new(Provider {
                        config,
                        metadata: Mutex::new(None),
                        keys: Mutex::new(None),
                    })
                })
                .collect(),
            timeout,
            http: OnceLock::new(),
        }
    }

    pub fn get(&self, name: &str) -> Option<Arc<Provider>> {
        self.providers
            .iter()
            .find(|p| p.config.name == name)
            .cloned()
    }

    pub fn all(&self) -> impl Iterator<Item = &ProviderConfig> {
        self.providers.iter().map(|p| &p.config)
    }

    pub fn is_empty(&self) -> bool {
        self.providers.is_empty()
    }

    /// The HTTP client, made at first use (it reads the system's root
    /// certificates).
    fn http(&self) -> Result<&HttpClient, FlowError> {
        self.http
            .get_or_init(|| HttpClient::new(self.timeout).map_err(|e| e.to_string()))
            .as_ref()
            .map_err(|e| FlowError::Tls(e.clone()))
    }

    async fn metadata(&self, provider: &Provider) -> Result<Arc<Metadata>, FlowError> {
        let issuer = match &provider.config.endpoints {
            Endpoints::OAuth2 {
                auth_url,
                token_url,
                userinfo_url,
            } => {
                return Ok(Arc::new(Metadata {
                    issuer: None,
                    authorization_endpoint: auth_url.clone(),
                    token_endpoint: token_url.clone(),
                    userinfo_endpoint: Some(userinfo_url.clone()),
                    jwks_uri: None,
                    basic_auth: true,
                }));
            }
            Endpoints::Discovery { issuer } => issuer,
        };
        let mut cached = provider.metadata.lock().await;
        if let Some((metadata, fetched)) = cached.as_ref()
            && fetched.elapsed() < DISCOVERY_TTL
        {
            return Ok(metadata.clone());
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let answer = self.http()?.get(&url, None).await?;
        let document = ok_json(&answer, "discovery")?;
        let found_issuer = string_field(&document, "issuer")
            .ok_or_else(|| FlowError::BadAnswer("the discovery document names no issuer".into()))?;
        if found_issuer.trim_end_matches('/') != issuer.trim_end_matches('/') {
            return Err(FlowError::BadAnswer(format!(
                "the discovery document names the issuer {found_issuer:?}, not {issuer:?}"
            )));
        }
        let endpoint = |name: &str| {
            string_field(&document, name)
                .filter(|url| is_http_url(url))
                .ok_or_else(|| {
                    FlowError::BadAnswer(format!("the discovery document has no usable {name}"))
                })
        };
        let auth_methods: Vec<&str> = document
            .get("token_endpoint_auth_methods_supported")
            .and_then(Value::as_array)
            .map(|methods| methods.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let basic_auth = auth_methods.is_empty()
            || auth_methods.contains(&"client_secret_basic")
            || !auth_methods.contains(&"client_secret_post");
        let metadata = Arc::new(Metadata {
            authorization_endpoint: endpoint("authorization_endpoint")?,
            token_endpoint: endpoint("token_endpoint")?,
            jwks_uri: Some(endpoint("jwks_uri")?),
            userinfo_endpoint: endpoint("userinfo_endpoint").ok(),
            basic_auth,
            issuer: Some(found_issuer),
        });
        *cached = Some((metadata.clone(), Instant::now()));
        tracing::info!(provider = %provider.config.name, "discovered the provider's endpoints");
        Ok(metadata)
    }

    /// Reads the provider's discovery document unless it is cached: a
    /// provider that cannot be discovered cannot be signed in with.
    pub async fn discover(&self, provider: &Provider) -> Result<(), FlowError> {
        self.metadata(provider).await.map(|_| ())
    }

    /// Where to send the browser to sign in: the provider's authorization
    /// endpoint with this sign-in's state, nonce and PKCE challenge.
    pub async fn authorization_url(
        &self,
        provider: &Provider,
        redirect_uri: &str,
        started: &forge_core::identity::StartedLogin,
    ) -> Result<String, FlowError> {
        let metadata = self.metadata(provider).await?;
        let config = &provider.config;
        let scope = config.scopes.join(" ");
        let challenge = pkce_challenge(&started.pkce_verifier);
        let mut pairs = vec![
            ("response_type", "code"),
            ("client_id", config.client_id.as_str()),
            ("redirect_uri", redirect_uri),
            ("state", started.state.as_str()),
            ("code_challenge", challenge.as_str()),
            ("code_challenge_method", "S256"),
        ];
        if !scope.is_empty() {
            pairs.push(("scope", scope.as_str()));
        }
        if metadata.issuer.is_some() {
            pairs.push(("nonce", started.nonce.as_str()));
        }
        Ok(with_query(
            &metadata.authorization_endpoint,
            &encode_pairs(&pairs),
        ))
    }

    /// Finishes a sign-in: exchanges `code` for tokens and learns who signed
    /// in, from the verified ID token (OpenID Connect) or from the
    /// user-information endpoint (plain OAuth2). `iss` is the issuer the
    /// provider named in its answer (RFC 9207), when it did.
    pub async fn finish(
        &self,
        provider: &Provider,
        redirect_uri: &str,
        code: &str,
        iss: Option<&str>,
        pending: &forge_core::identity::PendingLogin,
    ) -> Result<Identity, FlowError> {
        let metadata = self.metadata(provider).await?;
        let config = &provider.config;
        // An answer naming another issuer is a mix-up: the code is not for
        // this provider's token endpoint.
        if let (Some(expected), Some(named)) = (&metadata.issuer, iss)
            && expected != named
        {
            return Err(FlowError::Token(jwt::JwtError::Issuer));
        }
        let http = self.http()?;

        let mut pairs = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", redirect_uri),
            ("code_verifier", pending.pkce_verifier.as_str()),
            ("client_id", config.client_id.as_str()),
        ];
        let mut authorization = None;
        if let Some(secret) = &config.client_secret {
            if metadata.basic_auth {
                // RFC 6749 2.3.1: both parts form-encoded, then Basic.
                let credentials =
                    format!("{}:{}", form_encode(&config.client_id), form_encode(secret));
                authorization = Some(format!("Basic {}", STANDARD.encode(credentials)));
            } else {
                pairs.push(("client_secret", secret.as_str()));
            }
        }
        let answer = http
            .post_form(
                &metadata.token_endpoint,
                authorization,
                encode_pairs(&pairs),
            )
            .await?;
        let tokens = match answer.json_object() {
            Some(tokens) if answer.status.is_success() => tokens,
            Some(error) if answer.status.is_client_error() => {
                let code = string_field(&error, "error").unwrap_or_default();
                return Err(if code == "invalid_grant" {
                    FlowError::CodeRefused(code)
                } else {
                    FlowError::ProviderError(format!("token endpoint: {code}"))
                });
            }
            _ => {
                return Err(FlowError::BadAnswer(format!(
                    "the token endpoint answered {}",
                    answer.status
                )));
            }
        };
        let access_token = string_field(&tokens, "access_token");

        let Some(issuer) = &metadata.issuer else {
            // Plain OAuth2: the user-information endpoint says who it is.
            let access_token = access_token.ok_or_else(|| {
                FlowError::BadAnswer("the token endpoint gave no access token".into())
            })?;
            let userinfo = self.userinfo(&metadata, &access_token).await?;
            let subject = match userinfo.get("sub").or_else(|| userinfo.get("id")) {
                Some(Value::String(s)) if !s.is_empty() && s.len() <= 255 => s.clone(),
                Some(Value::Number(n)) => n.to_string(),
                _ => {
                    return Err(FlowError::BadAnswer(
                        "the user information names no subject (sub or id)".into(),
                    ));
                }
            };
            return Ok(identity_from(subject, &userinfo));
        };

        let id_token = string_field(&tokens, "id_token")
            .ok_or_else(|| FlowError::BadAnswer("the token endpoint gave no ID token".into()))?;
        let token = jwt::Jwt::parse(&id_token).map_err(FlowError::Token)?;
        self.verify_signature(provider, &metadata, &token).await?;
        let subject = jwt::check_claims(
            &token.claims,
            &jwt::Expected {
                issuer,
                client_id: &config.client_id,
                nonce: &pending.nonce,
                now: now_secs(),
                leeway: CLOCK_LEEWAY_SECS,
            },
        )
        .map_err(FlowError::Token)?;
        let mut identity = identity_from(subject, &token.claims);
        // Profile claims usually come from the user-information endpoint;
        // the identity itself is settled by the ID token already.
        if let (Some(access_token), Some(_)) = (&access_token, &metadata.userinfo_endpoint)
            && (identity.username_hint.is_none() || identity.email.is_none())
        {
            match self.userinfo(&metadata, access_token).await {
                Ok(info) if string_field(&info, "sub").as_deref() == Some(&identity.subject) => {
                    let more = identity_from(identity.subject.clone(), &info);
                    identity.username_hint = identity.username_hint.or(more.username_hint);
                    identity.email = identity.email.or(more.email);
                    identity.name = identity.name.or(more.name);
                }
                Ok(_) => tracing::warn!(
                    provider = %config.name,
                    "the user information is about another subject than the ID token; ignored"
                ),
                Err(e) => tracing::warn!(
                    provider = %config.name,
                    error = %e,
                    "the user information could not be read; going on with the ID token"
                ),
            }
        }
        Ok(identity)
    }

    async fn userinfo(
        &self,
        metadata: &Metadata,
        access_token: &str,
    ) -> Result<Map<String, Value>, FlowError> {
        let url = metadata
            .userinfo_endpoint
            .as_deref()
            .ok_or_else(|| FlowError::BadAnswer("no user-information endpoint".into()))?;
        let answer = self.http()?.get(url, Some(access_token)).await?;
        ok_json(&answer, "user information")
    }

    /// Checks the token's signature with the provider's keys; when none
    /// fits, or the signature fails with keys read earlier, reads the key
    /// set again once (the provider may have rotated its keys).
    async fn verify_signature(
        &self,
        provider: &Provider,
        metadata: &Metadata,
        token: &jwt::Jwt<'_>,
    ) -> Result<(), FlowError> {
        let jwks_uri = metadata
            .jwks_uri
            .as_deref()
            .ok_or_else(|| FlowError::BadAnswer("no key set (jwks_uri)".into()))?;
        let mut keys = provider.keys.lock().await;
        if let Some((cached, fetched)) = keys.as_ref()
            && fetched.elapsed() < KEYS_TTL
        {
            match token.verify(cached) {
                Ok(()) => return Ok(()),
                Err(jwt::JwtError::UnknownKey | jwt::JwtError::BadSignature) => {}
                Err(e) => return Err(FlowError::Token(e)),
            }
        }
        let answer = self.http()?.get(jwks_uri, None).await?;
        let fresh = Arc::new(jwt::parse_jwks(&ok_json(&answer, "key set")?));
        tracing::info!(
            provider = %provider.config.name,
            keys = fresh.len(),
            "read the provider's signing keys"
        );
        *keys = Some((fresh.clone(), Instant::now()));
        token.verify(&fresh).map_err(FlowError::Token)
    }
}

/// The body of a successful answer as a JSON object.
fn ok_json(answer: &Answer, what: &str) -> Result<Map<String, Value>, FlowError> {
    if !answer.status.is_success() {
        return Err(FlowError::BadAnswer(format!(
            "the {what} endpoint answered {}",
            answer.status
        )));
    }
    answer
        .json_object()
        .ok_or_else(|| FlowError::BadAnswer(format!("the {what} answer is not a JSON object")))
}

fn form_encode(value: &str) -> String {
    let encoded = encode_pairs(&[("v", value)]);
    encoded.strip_prefix("v=").unwrap_or_default().to_string()
}

fn identity_from(subject: String, claims: &Map<String, Value>) -> Identity {
    let email = string_field(claims, "email").filter(|e| e.contains('@'));
    let username_hint = ["preferred_username", "login", "username", "nickname"]
        .iter()
        .find_map(|name| string_field(claims, name))
        .or_else(|| {
            email
                .as_deref()
                .and_then(|e| e.split('@').next())
                .map(str::to_string)
        });
    Identity {
        subject,
        username_hint,
        email,
        name: string_field(claims, "name"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(name: &str) -> ProviderConfig {
        ProviderConfig {
            name: name.into(),
            display_name: "CoopID".into(),
            endpoints: Endpoints::Discovery {
                issuer: "https://id.example.org".into(),
            },
            client_id: "forge".into(),
            client_secret: Some("very secret".into()),
            scopes: vec!["openid".into(), "profile".into()],
        }
    }

    #[test]
    fn the_pkce_challenge_is_the_verifiers_sha256_in_base64url() {
        // Computed independently with Python's hashlib and base64.
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gXk-1xMlc"),
            "lgnhSJB9jUiFohUnBW5jpWh4JUoGM8miF9BMhcCV3QU"
        );
    }

    #[test]
    fn the_secret_is_never_printed() {
        let text = format!("{:?}", provider("coop"));
        assert!(!text.contains("very secret"), "{text}");
        assert!(text.contains("coop"));
    }

    #[test]
    fn provider_configurations_are_checked() {
        assert!(validate_providers(&[provider("coop"), provider("other")]).is_ok());
        let twice = validate_providers(&[provider("coop"), provider("coop")]).unwrap_err();
        assert!(twice.contains("twice"), "{twice}");
        assert!(validate_providers(&[provider("Coop ID")]).is_err());
        assert!(validate_providers(&[provider("a/b")]).is_err());
        let mut no_openid = provider("coop");
        no_openid.scopes = vec!["profile".into()];
        assert!(
            validate_providers(&[no_openid])
                .unwrap_err()
                .contains("openid")
        );
        let mut bad_url = provider("coop");
        bad_url.endpoints = Endpoints::OAuth2 {
            auth_url: "https://x.example/auth".into(),
            token_url: "ftp://x.example/token".into(),
            userinfo_url: "https://x.example/user".into(),
        };
        assert!(
            validate_providers(&[bad_url])
                .unwrap_err()
                .contains("token_url")
        );
    }

    #[test]
    fn client_credentials_are_form_encoded() {
        assert_eq!(form_encode("a b:c/d"), "a+b%3Ac%2Fd");
        assert_eq!(with_query("https://x/auth", "a=1"), "https://x/auth?a=1");
        assert_eq!(
            with_query("https://x/auth?p=2", "a=1"),
            "https://x/auth?p=2&a=1"
        );
    }

    #[test]
    fn identities_take_the_best_username_hint() {
        let claims = serde_json::json!({"login": "octo", "email": "o@example.org"});
        let Value::Object(claims) = claims else {
            panic!("an object")
        };
        let identity = identity_from("1".into(), &claims);
        assert_eq!(identity.username_hint.as_deref(), Some("octo"));
        assert_eq!(identity.email.as_deref(), Some("o@example.org"));
        let Value::Object(only_email) = serde_json::json!({"email": "jo@example.org"}) else {
            panic!("an object")
        };
        assert_eq!(
            identity_from("1".into(), &only_email)
                .username_hint
                .as_deref(),
            Some("jo")
        );
    }
}
