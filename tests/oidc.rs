//! Signing in with OpenID Connect and OAuth2 providers, against a real
//! provider: the `oidc-provider` npm package, started by each test from
//! `tests/oidc-provider/server.mjs` on 127.0.0.1 (installed by `npm ci` in
//! that folder, which `scripts/test-all.sh` runs).
//!
//! The tests drive the whole flow over HTTP like a browser without
//! JavaScript: they follow redirects between the forge and the provider,
//! keep each site's cookies, and submit the provider's login and consent
//! forms. Every error case checks that the page is readable, and that no
//! account, identity or session was created or changed.
//!
//! Without `node` the tests are skipped with a message, except on CI (`CI`
//! set), where they fail.

use forge_core::user::{self, NewUser};
use forge_core::{Db, UserId, identity, testing};
use forge_tests::password_of;
use forge_web::oidc::{Endpoints, ProviderConfig};
use forge_web::{AppState, WebConfig};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

// --- The provider ---------------------------------------------------------

/// The test provider, a `node` process that stops when dropped (and when
/// this process dies, as its standard input closes).
struct Idp {
    child: Child,
    _stdin: ChildStdin,
    url: String,
}

impl Drop for Idp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn provider_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("oidc-provider")
}

/// Whether the tests can run: `node` is there (or we are on CI, where its
/// absence is a failure) and the provider's packages are installed.
fn node_ready() -> bool {
    let node = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !node {
        assert!(
            std::env::var_os("CI").is_none(),
            "node is needed by the OpenID Connect tests on CI (scripts/test-all.sh installs it)"
        );
        // Straight to stderr: the test harness captures eprintln!.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: node is not installed, so the OpenID Connect tests cannot start their \
             provider (scripts/test-all.sh installs node and the provider's packages)"
        );
        return false;
    }
    assert!(
        provider_dir()
            .join("node_modules/oidc-provider/package.json")
            .exists(),
        "the test provider's packages are missing: run `npm ci` in tests/oidc-provider \
         (scripts/test-all.sh does)"
    );
    true
}

impl Idp {
    /// Starts the provider with the forge's client allowed to come back to
    /// `redirect_uris`, and waits until its discovery document answers. A
    /// provider that does not come up in time (node on a loaded machine) is
    /// stopped and started once more.
    async fn start(redirect_uris: &[String]) -> Idp {
        match Idp::try_start(redirect_uris).await {
            Ok(idp) => idp,
            Err(first) => {
                let _ = writeln!(std::io::stderr(), "{first}; starting it again");
                Idp::try_start(redirect_uris)
                    .await
                    .unwrap_or_else(|second| panic!("{second}"))
            }
        }
    }

    async fn try_start(redirect_uris: &[String]) -> Result<Idp, String> {
        let mut child = Command::new("node")
            .arg("server.mjs")
            .current_dir(provider_dir())
            .env("PORT", "0")
            .env("CLIENT_ID", "forge")
            .env("CLIENT_SECRET", "forge-secret")
            .env("REDIRECT_URIS", redirect_uris.join(","))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("starting node server.mjs");
        let stdin = child.stdin.take().expect("a piped standard input");
        let stdout = child.stdout.take().expect("a piped standard output");
        // From here on, dropping `idp` (on any failure) stops the process.
        let mut idp = Idp {
            child,
            _stdin: stdin,
            url: String::new(),
        };
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            let mut sent = false;
            // Keep reading, so that the provider never blocks on a full pipe.
            while let Some(Ok(line)) = lines.next() {
                if !sent && let Some(port) = line.strip_prefix("listening on ") {
                    let _ = tx.send(port.trim().to_string());
                    sent = true;
                }
            }
        });
        let port = rx
            .recv_timeout(Duration::from_secs(45))
            .map_err(|_| "the test provider did not print its port within 45 seconds")?;
        idp.url = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        let discovery = format!("{}/.well-known/openid-configuration", idp.url);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = client.get(&discovery).send().await
                && r.status().is_success()
            {
                return Ok(idp);
            }
            if Instant::now() > deadline {
                return Err("the test provider's discovery did not answer".into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Sets how the provider misbehaves (see server.mjs); `{}` is normal.
    async fn mode(&self, mode: serde_json::Value) {
        let r = reqwest::Client::new()
            .post(format!("{}/test/mode", self.url))
            .json(&mode)
            .send()
            .await
            .expect("setting the provider's mode");
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
    }

    fn coop(&self) -> ProviderConfig {
        ProviderConfig {
            name: "coop".into(),
            display_name: "CoopID".into(),
            endpoints: Endpoints::Discovery {
                issuer: self.url.clone(),
            },
            client_id: "forge".into(),
            client_secret: Some("forge-secret".into()),
            scopes: vec!["openid".into(), "profile".into(), "email".into()],
        }
    }

    /// The same provider as plain OAuth2: no discovery, no ID token, the
    /// identity from the user-information endpoint.
    fn plain(&self) -> ProviderConfig {
        ProviderConfig {
            name: "plain".into(),
            display_name: "Plain".into(),
            endpoints: Endpoints::OAuth2 {
                auth_url: format!("{}/auth", self.url),
                token_url: format!("{}/token", self.url),
                userinfo_url: format!("{}/me", self.url),
            },
            ..self.coop()
        }
    }
}

/// A provider on a port where nothing listens.
async fn down_provider() -> ProviderConfig {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binding a free port");
    let port = listener.local_addr().expect("a bound address").port();
    drop(listener);
    ProviderConfig {
        name: "down".into(),
        display_name: "Down".into(),
        endpoints: Endpoints::Discovery {
            issuer: format!("http://127.0.0.1:{port}"),
        },
        client_id: "forge".into(),
        client_secret: Some("forge-secret".into()),
        scopes: vec!["openid".into()],
    }
}

// --- The forges -----------------------------------------------------------

/// A forge served on a port chosen before the provider starts, since the
/// provider must know the forge's callback URLs.
struct Forge {
    url: String,
    db: Db,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Forge {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Forge {
    fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    async fn user(&self, name: &str, admin: bool) -> forge_core::user::User {
        user::create(
            &self.db,
            NewUser {
                name: name.into(),
                email: format!("{name}@example.org"),
                password: password_of(name),
                full_name: String::new(),
                is_admin: admin,
            },
        )
        .await
        .expect("creating a test user")
    }

    /// Users and identities: what no failed sign-in may change.
    async fn census(&self) -> (i64, i64) {
        (
            user::count(&self.db).await.expect("counting users"),
            identity::count(&self.db)
                .await
                .expect("counting identities"),
        )
    }
}

/// The provider and one forge per engine (SQLite, and PostgreSQL when
/// `FORGE_TEST_DATABASE_URL` is set), configured by `configure`. `None`
/// when the tests are skipped.
async fn setup(configure: impl Fn(&Idp, &mut WebConfig)) -> Option<(Idp, Vec<Forge>)> {
    if !node_ready() {
        return None;
    }
    let dbs = testing::engines().await;
    let mut listeners = Vec::new();
    let mut redirect_uris = Vec::new();
    for _ in &dbs {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding a free port");
        let url = format!("http://{}", listener.local_addr().expect("an address"));
        for name in ["coop", "plain"] {
            redirect_uris.push(format!("{url}/user/oauth2/{name}/callback"));
        }
        listeners.push((listener, url));
    }
    let idp = Idp::start(&redirect_uris).await;
    let mut forges = Vec::new();
    for (db, (listener, url)) in dbs.into_iter().zip(listeners) {
        let mut config = WebConfig {
            site_name: "Test Forge".into(),
            base_url: url.clone(),
            providers: vec![idp.coop(), idp.plain()],
            ..WebConfig::default()
        };
        configure(&idp, &mut config);
        let state = AppState::new(
            db.clone(),
            config,
            forge_git::Storage::new(std::env::temp_dir().join(format!(
                "forge-test-repos-{}",
                forge_core::secret::random_hex(8)
            ))),
        );
        let server = tokio::spawn(async move {
            axum::serve(listener, forge_web::app(state))
                .await
                .expect("the test server runs");
        });
        forges.push(Forge { url, db, server });
    }
    Some((idp, forges))
}

// --- A browser that visits two sites --------------------------------------

/// One answer, with its absolute URL and redirect target.
struct Reply {
    url: String,
    status: StatusCode,
    location: Option<String>,
    body: String,
}

impl Reply {
    fn contains(&self, text: &str) -> bool {
        self.body.contains(text)
    }

    fn is_redirect(&self) -> bool {
        self.status.is_redirection() && self.location.is_some()
    }
}

/// Keeps cookies per site (scheme, host and port) and never follows
/// redirects by itself.
struct Agent {
    client: reqwest::Client,
    jars: HashMap<String, BTreeMap<String, String>>,
}

fn origin_of(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    let end = url[after_scheme..]
        .find('/')
        .map_or(url.len(), |i| i + after_scheme);
    url[..end].to_string()
}

/// `location` made absolute against `base`.
fn resolve(base: &str, location: &str) -> String {
    if location.starts_with("http://") || location.starts_with("https://") {
        location.to_string()
    } else {
        format!("{}{location}", origin_of(base))
    }
}

/// The value of query parameter `name` in `url`.
fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == name).then(|| v.to_string())
    })
}

/// The value of the first input named `name` in a page.
fn field_value(html: &str, name: &str) -> Option<String> {
    let start = html.find(&format!("name=\"{name}\""))?;
    let tag = &html[start..start + html[start..].find('>')?];
    let value = tag.split_once("value=\"")?.1;
    Some(value.split('"').next()?.to_string())
}

/// The `action` of the form whose action ends with `suffix`.
fn form_action(html: &str, suffix: &str) -> Option<String> {
    html.split("action=\"")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .find(|action| action.ends_with(suffix))
        .map(str::to_string)
}

impl Agent {
    fn new() -> Agent {
        Agent {
            client: forge_tests::http(),
            jars: HashMap::new(),
        }
    }

    /// Drops the cookies of the site of `url`, as signing out there would.
    fn forget(&mut self, url: &str) {
        self.jars.remove(&origin_of(url));
    }

    fn cookie(&self, url: &str, name: &str) -> Option<String> {
        self.jars.get(&origin_of(url))?.get(name).cloned()
    }

    async fn send(&mut self, url: &str, form: Option<&[(&str, &str)]>) -> Reply {
        let origin = origin_of(url);
        let cookies = self
            .jars
            .get(&origin)
            .map(|jar| {
                jar.iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("; ")
            })
            .unwrap_or_default();
        let request = match form {
            Some(fields) => self.client.post(url).form(fields),
            None => self.client.get(url),
        };
        let response = request
            .header(COOKIE, cookies)
            .header("accept-language", "en")
            .send()
            .await
            .unwrap_or_else(|e| panic!("requesting {url}: {e}"));
        let jar = self.jars.entry(origin).or_default();
        for value in response.headers().get_all(SET_COOKIE) {
            let text = value.to_str().expect("Set-Cookie is ASCII");
            let Some((name, value)) = text.split(';').next().and_then(|p| p.split_once('=')) else {
                continue;
            };
            // Only the attributes say whether the cookie is deleted: a random
            // value may well contain "1970".
            let attributes = text
                .split_once(';')
                .map_or(String::new(), |(_, rest)| rest.to_ascii_lowercase());
            if value.is_empty() || attributes.contains("max-age=0") || attributes.contains("1970") {
                jar.remove(name.trim());
            } else {
                jar.insert(name.trim().to_string(), value.trim().to_string());
            }
        }
        let status = response.status();
        let location = response
            .headers()
            .get(LOCATION)
            .map(|v| resolve(url, v.to_str().expect("Location is ASCII")));
        let body = response.text().await.expect("reading a body");
        Reply {
            url: url.to_string(),
            status,
            location,
            body,
        }
    }

    async fn get(&mut self, url: &str) -> Reply {
        self.send(url, None).await
    }

    async fn post(&mut self, url: &str, fields: &[(&str, &str)]) -> Reply {
        self.send(url, Some(fields)).await
    }

    /// Posts a form of the forge with this browser's CSRF token.
    async fn forge_post(&mut self, url: &str, fields: &[(&str, &str)]) -> Reply {
        let csrf = self.cookie(url, "forge_csrf").unwrap_or_default();
        let mut form = vec![("_csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        self.post(url, &form).await
    }

    /// Signs in to the forge with a password.
    async fn sign_in_with_password(&mut self, forge: &Forge, name: &str) -> Reply {
        self.get(&forge.at("/user/login")).await;
        let password = password_of(name);
        self.forge_post(
            &forge.at("/user/login"),
            &[("login", name), ("password", &password)],
        )
        .await
    }
}

/// What the person does at the provider's consent page.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Consent {
    Allow,
    Deny,
}

/// A trip through the provider: the callback URL the provider sent the
/// browser to, and the forge's answer to it (when asked to call it).
struct Trip {
    callback: String,
    reply: Option<Reply>,
}

/// Starts at `start` (a forge URL), follows the redirects, signs in at the
/// provider as `login` when asked, answers the consent page, and stops at
/// the forge's callback: calls it when `call_back`, and returns.
async fn trip(
    agent: &mut Agent,
    start: &str,
    login: &str,
    consent: Consent,
    call_back: bool,
) -> Trip {
    let mut reply = agent.get(start).await;
    for _ in 0..20 {
        if let Some(next) = reply.location.clone().filter(|_| reply.is_redirect()) {
            if next.contains("/user/oauth2/") && next.contains("/callback") {
                let reply = if call_back {
                    Some(agent.get(&next).await)
                } else {
                    None
                };
                return Trip {
                    callback: next,
                    reply,
                };
            }
            reply = agent.get(&next).await;
            continue;
        }
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "unexpected answer from {}: {}",
            reply.url,
            reply.body
        );
        if let Some(action) = form_action(&reply.body, "/login") {
            let password = format!("{login}-password");
            reply = agent
                .post(
                    &resolve(&reply.url, &action),
                    &[("login", login), ("password", &password)],
                )
                .await;
        } else if let Some(action) = form_action(
            &reply.body,
            if consent == Consent::Allow {
                "/confirm"
            } else {
                "/abort"
            },
        ) {
            reply = agent.post(&resolve(&reply.url, &action), &[]).await;
        } else {
            panic!(
                "a page of the flow with no known form at {}: {}",
                reply.url, reply.body
            );
        }
    }
    panic!("the sign-in did not come back to the forge within 20 steps");
}

/// Signs in at the provider as `login` from the forge's sign-in button and
/// returns the forge's answer to the callback.
async fn sign_in(agent: &mut Agent, forge: &Forge, provider: &str, login: &str) -> Reply {
    let start = forge.at(&format!("/user/oauth2/{provider}"));
    trip(agent, &start, login, Consent::Allow, true)
        .await
        .reply
        .expect("the callback was called")
}

/// Fills in the confirmation page of a first sign-in.
async fn confirm(
    agent: &mut Agent,
    forge: &Forge,
    provider: &str,
    username: &str,
    email: &str,
) -> Reply {
    agent
        .forge_post(
            &forge.at(&format!("/user/oauth2/{provider}/confirm")),
            &[("username", username), ("email", email), ("full_name", "")],
        )
        .await
}

fn signed_in(agent: &Agent, forge: &Forge) -> bool {
    agent.cookie(&forge.url, "forge_session").is_some()
}

async fn user_id(forge: &Forge, name: &str) -> UserId {
    user::by_name(&forge.db, name)
        .await
        .expect("reading a user")
        .unwrap_or_else(|| panic!("user {name} exists"))
        .id
}

// --- Tests ----------------------------------------------------------------

#[tokio::test]
async fn a_first_sign_in_creates_an_account_and_later_ones_use_it() {
    let Some((_idp, forges)) = setup(|_, _| {}).await else {
        return;
    };
    for forge in &forges {
        // "alice" is taken here by a local account: the proposal differs.
        forge.user("alice", false).await;
        let before = forge.census().await;

        let mut browser = Agent::new();
        let login = browser.get(&forge.at("/user/login")).await;
        assert!(login.contains("Sign in with CoopID"), "{}", login.body);
        assert!(login.contains("href=\"/user/oauth2/coop\""));

        let reply = sign_in(&mut browser, forge, "coop", "alice").await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        assert_eq!(
            reply.location.as_deref(),
            Some(forge.at("/user/oauth2/coop/confirm").as_str())
        );
        assert!(!signed_in(&browser, forge));
        assert_eq!(
            forge.census().await,
            before,
            "nothing is created before confirming"
        );

        let page = browser.get(&forge.at("/user/oauth2/coop/confirm")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert_eq!(
            field_value(&page.body, "username").as_deref(),
            Some("alice-2")
        );
        assert_eq!(
            field_value(&page.body, "email").as_deref(),
            Some("alice@coop.example")
        );
        assert_eq!(
            field_value(&page.body, "full_name").as_deref(),
            Some("Alice Martin")
        );

        // The username is editable, and still must be free.
        let taken = confirm(&mut browser, forge, "coop", "alice", "alice@coop.example").await;
        assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(taken.contains("already taken"), "{}", taken.body);
        assert_eq!(forge.census().await, before);

        let done = confirm(
            &mut browser,
            forge,
            "coop",
            "alice-coop",
            "alice@coop.example",
        )
        .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        assert!(signed_in(&browser, forge));
        let home = browser.get(&forge.at("/")).await;
        assert!(home.contains("alice-coop"));

        let created = user_id(forge, "alice-coop").await;
        assert!(
            !user::has_password(&forge.db, created)
                .await
                .expect("reading")
        );
        let linked = identity::find(&forge.db, "coop", "alice")
            .await
            .expect("reading")
            .expect("the identity is stored");
        assert_eq!(linked.user_id, created);
        assert_eq!(forge.census().await, (before.0 + 1, before.1 + 1));
        // The provider's address gets its verification link like any other.
        let queued = forge_core::notification::mail::recent(&forge.db, 20)
            .await
            .expect("reading");
        assert!(
            queued
                .iter()
                .any(|m| m.user_name == "alice-coop" && m.kind == "verify_email"),
            "{queued:?}"
        );

        // The sign-up is used up.
        let again = browser.get(&forge.at("/user/oauth2/coop/confirm")).await;
        assert_eq!(again.status, StatusCode::BAD_REQUEST);

        // Another browser, another sign-in at the provider: the same account,
        // back where the sign-in started.
        let mut other = Agent::new();
        let start = forge.at("/user/oauth2/coop?redirect_to=/user/settings/identities");
        let reply = trip(&mut other, &start, "alice", Consent::Allow, true)
            .await
            .reply
            .expect("called back");
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        assert_eq!(
            reply.location.as_deref(),
            Some(forge.at("/user/settings/identities").as_str())
        );
        let settings = other.get(&forge.at("/user/settings/identities")).await;
        assert!(settings.contains("alice-coop"));
        assert!(settings.contains("CoopID"));
        assert_eq!(forge.census().await, (before.0 + 1, before.1 + 1));
    }
}

#[tokio::test]
async fn a_signed_in_user_links_a_provider_and_signs_in_with_it() {
    let Some((idp, forges)) = setup(|_, _| {}).await else {
        return;
    };
    for forge in &forges {
        let bob = forge.user("bob", false).await;
        let mut browser = Agent::new();
        assert_eq!(
            browser.sign_in_with_password(forge, "bob").await.status,
            StatusCode::SEE_OTHER
        );
        let page = browser.get(&forge.at("/user/settings/identities")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.contains("No account at another site"));
        let href = page
            .body
            .split("href=\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .find(|h| h.starts_with("/user/oauth2/coop?link=1"))
            .expect("a link button for CoopID")
            .replace("&#38;", "&")
            .replace("&amp;", "&");

        // Linking needs the page's CSRF token.
        let forged = browser.get(&forge.at("/user/oauth2/coop?link=1")).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);

        let linking = trip(
            &mut browser,
            &forge.at(&href),
            "carol",
            Consent::Allow,
            true,
        )
        .await;
        let reply = linking.reply.expect("called back");
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        assert_eq!(
            reply.location.as_deref(),
            Some(forge.at("/user/settings/identities?linked=coop").as_str())
        );
        let page = browser
            .get(reply.location.as_deref().expect("a location"))
            .await;
        assert!(
            page.contains("Your CoopID account is now linked"),
            "{}",
            page.body
        );
        assert!(page.contains("<code>carol</code>"));
        let linked = identity::find(&forge.db, "coop", "carol")
            .await
            .expect("reading")
            .expect("linked");
        assert_eq!(linked.user_id, bob.id);

        // Another browser signs in with the provider: straight into bob's
        // account, no confirmation, no new account.
        let census = forge.census().await;
        let mut other = Agent::new();
        let reply = sign_in(&mut other, forge, "coop", "carol").await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        assert_eq!(reply.location.as_deref(), Some(forge.at("/").as_str()));
        let home = other.get(&forge.at("/")).await;
        assert!(home.contains("href=\"/bob\""), "{}", home.body);
        assert_eq!(forge.census().await, census);

        // An identity already linked to someone else is never taken over.
        // (Signing out of the provider first, to sign in there as alice.)
        browser.forget(&idp.url);
        let eve = forge.user("eve", false).await;
        identity::link(&forge.db, eve.id, "coop", "alice")
            .await
            .expect("linking directly");
        let taken = trip(
            &mut browser,
            &forge.at(&href),
            "alice",
            Consent::Allow,
            true,
        )
        .await;
        let reply = taken.reply.expect("called back");
        assert_eq!(reply.status, StatusCode::CONFLICT);
        assert!(
            reply.contains("already linked to another account"),
            "{}",
            reply.body
        );
        assert!(reply.contains("Back to your linked accounts"));
        let alice = identity::find(&forge.db, "coop", "alice")
            .await
            .expect("reading")
            .expect("still linked");
        assert_eq!(alice.user_id, eve.id);

        // Bob has a password, so unlinking his only identity is fine.
        let unlink = format!("/user/settings/identities/{}/unlink", linked.id);
        let reply = browser.forge_post(&forge.at(&unlink), &[]).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        assert!(
            identity::find(&forge.db, "coop", "carol")
                .await
                .expect("reading")
                .is_none()
        );
        // Without the CSRF token nothing happens.
        let eve_identity = alice.id;
        let reply = browser
            .post(
                &forge.at(&format!("/user/settings/identities/{eve_identity}/unlink")),
                &[],
            )
            .await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn unlinking_the_only_way_in_is_refused() {
    let Some((_idp, forges)) = setup(|_, _| {}).await else {
        return;
    };
    for forge in &forges {
        // Dave's provider gives no e-mail address: he types one.
        let mut browser = Agent::new();
        let reply = sign_in(&mut browser, forge, "coop", "dave").await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        let page = browser.get(&forge.at("/user/oauth2/coop/confirm")).await;
        assert_eq!(field_value(&page.body, "email").as_deref(), Some(""));
        let missing = confirm(&mut browser, forge, "coop", "dave", "").await;
        assert_eq!(missing.status, StatusCode::UNPROCESSABLE_ENTITY);
        let done = confirm(&mut browser, forge, "coop", "dave", "dave@example.org").await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);

        let dave = identity::find(&forge.db, "coop", "dave")
            .await
            .expect("reading")
            .expect("linked");
        let page = browser.get(&forge.at("/user/settings/identities")).await;
        assert!(page.contains("You have no password here"));
        let reply = browser
            .forge_post(
                &forge.at(&format!("/user/settings/identities/{}/unlink", dave.id)),
                &[],
            )
            .await;
        assert_eq!(reply.status, StatusCode::CONFLICT);
        assert!(reply.contains("your only way to sign in"), "{}", reply.body);
        assert!(
            identity::find(&forge.db, "coop", "dave")
                .await
                .expect("reading")
                .is_some()
        );

        // With a second identity (the plain OAuth2 provider) one may go.
        let page = browser.get(&forge.at("/user/settings/identities")).await;
        let csrf = field_value(&page.body, "_csrf").expect("a CSRF token");
        let start = forge.at(&format!("/user/oauth2/plain?link=1&_csrf={csrf}"));
        let reply = trip(&mut browser, &start, "dave", Consent::Allow, true)
            .await
            .reply
            .expect("called back");
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let reply = browser
            .forge_post(
                &forge.at(&format!("/user/settings/identities/{}/unlink", dave.id)),
                &[],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let left = identity::list(&forge.db, dave.user_id)
            .await
            .expect("reading");
        assert_eq!(left.len(), 1);
        assert_eq!(left[0].provider, "plain");
    }
}

#[tokio::test]
async fn a_plain_oauth2_provider_identifies_through_userinfo() {
    let Some((_idp, forges)) = setup(|_, _| {}).await else {
        return;
    };
    for forge in &forges {
        let mut browser = Agent::new();
        let start = browser.get(&forge.at("/user/oauth2/plain")).await;
        let to = start.location.clone().expect("a redirect to the provider");
        // No discovery and no ID token, hence no nonce; PKCE all the same.
        assert!(query_param(&to, "nonce").is_none());
        assert_eq!(
            query_param(&to, "code_challenge_method").as_deref(),
            Some("S256")
        );

        let reply = sign_in(&mut browser, forge, "plain", "carol").await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        let page = browser.get(&forge.at("/user/oauth2/plain/confirm")).await;
        assert_eq!(
            field_value(&page.body, "username").as_deref(),
            Some("carol")
        );
        let done = confirm(&mut browser, forge, "plain", "carol", "carol@coop.example").await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
        let linked = identity::find(&forge.db, "plain", "carol")
            .await
            .expect("reading")
            .expect("linked");
        assert_eq!(linked.user_id, user_id(forge, "carol").await);
    }
}

/// Checks a failed sign-in's page: its status, its message, a way back,
/// no session, and no account or identity created.
async fn assert_failure(
    forge: &Forge,
    agent: &Agent,
    census: (i64, i64),
    reply: &Reply,
    status: StatusCode,
    message: &str,
) {
    assert_eq!(reply.status, status, "{}", reply.body);
    assert!(
        reply.contains(message),
        "expected {message:?} in {}",
        reply.body
    );
    assert!(reply.contains("Signing in did not work"));
    assert!(
        reply.contains("Back to the sign-in page"),
        "a way back: {}",
        reply.body
    );
    assert!(!signed_in(agent, forge));
    assert_eq!(forge.census().await, census);
}

#[tokio::test]
async fn refusals_and_wrong_or_replayed_answers_change_nothing() {
    let Some((_idp, forges)) = setup(|_, _| {}).await else {
        return;
    };
    for forge in &forges {
        let census = forge.census().await;
        let start = forge.at("/user/oauth2/coop");

        // The person refuses at the consent page.
        let mut browser = Agent::new();
        let reply = trip(&mut browser, &start, "carol", Consent::Deny, true)
            .await
            .reply
            .expect("called back");
        assert_failure(
            forge,
            &browser,
            census,
            &reply,
            StatusCode::FORBIDDEN,
            "You declined",
        )
        .await;

        // A state that was never issued, and no state at all.
        let wrong = format!(
            "{}?code=whatever&state={}",
            forge.at("/user/oauth2/coop/callback"),
            "ab".repeat(32)
        );
        let reply = browser.get(&wrong).await;
        assert_failure(
            forge,
            &browser,
            census,
            &reply,
            StatusCode::BAD_REQUEST,
            "cannot be finished",
        )
        .await;
        let reply = browser
            .get(&forge.at("/user/oauth2/coop/callback?code=x"))
            .await;
        assert_failure(
            forge,
            &browser,
            census,
            &reply,
            StatusCode::BAD_REQUEST,
            "cannot be finished",
        )
        .await;

        // An answer taken to another browser fails there, and does not use
        // up the sign-in of the browser that started it.
        let mut mallory = Agent::new();
        let trip_a = trip(&mut browser, &start, "carol", Consent::Allow, false).await;
        let reply = mallory.get(&trip_a.callback).await;
        assert_failure(
            forge,
            &mallory,
            census,
            &reply,
            StatusCode::BAD_REQUEST,
            "not started in this browser",
        )
        .await;
        let reply = browser.get(&trip_a.callback).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        assert!(
            reply
                .location
                .as_deref()
                .is_some_and(|l| l.ends_with("/confirm"))
        );

        // The same answer again: the state is used up.
        let reply = browser.get(&trip_a.callback).await;
        assert_failure(
            forge,
            &browser,
            census,
            &reply,
            StatusCode::BAD_REQUEST,
            "already used",
        )
        .await;

        // The old code with a fresh state: the provider refuses the code.
        let fresh = browser.get(&start).await;
        let state = query_param(fresh.location.as_deref().expect("to the provider"), "state")
            .expect("a state");
        let code = query_param(&trip_a.callback, "code").expect("a code");
        let replay = format!(
            "{}?code={code}&state={state}",
            forge.at("/user/oauth2/coop/callback")
        );
        let reply = browser.get(&replay).await;
        assert_failure(
            forge,
            &browser,
            census,
            &reply,
            StatusCode::BAD_REQUEST,
            "no longer accepts",
        )
        .await;

        // A provider error other than a refusal.
        let fresh = browser.get(&start).await;
        let state = query_param(fresh.location.as_deref().expect("to the provider"), "state")
            .expect("a state");
        let reply = browser
            .get(&format!(
                "{}?error=server_error&state={state}",
                forge.at("/user/oauth2/coop/callback")
            ))
            .await;
        assert_failure(
            forge,
            &browser,
            census,
            &reply,
            StatusCode::BAD_GATEWAY,
            "refused the sign-in",
        )
        .await;
    }
}

#[tokio::test]
async fn tokens_that_fail_verification_change_nothing() {
    let Some((idp, forges)) = setup(|_, _| {}).await else {
        return;
    };
    for forge in &forges {
        let census = forge.census().await;
        let mut browser = Agent::new();
        let cases = [
            // The provider's published keys were rotated to ones the token
            // was not signed with. (First, while the forge holds no key set
            // yet: keys it read earlier stay trusted for a while.)
            (
                serde_json::json!({"jwks": "rotated"}),
                "not signed with one of its keys",
            ),
            // Signed by a key the provider does not publish, under the kid
            // of one it does (the forge reads the key set again, once).
            (
                serde_json::json!({"tamper": {"key": "forged"}}),
                "not signed with one of its keys",
            ),
            (
                serde_json::json!({"tamper": {"exp_offset": -600}}),
                "has expired",
            ),
            (
                serde_json::json!({"tamper": {"aud": "other"}}),
                "made for another application",
            ),
            (
                serde_json::json!({"tamper": {"nonce": "not-this-one"}}),
                "does not belong to this sign-in",
            ),
        ];
        for (mode, message) in cases {
            idp.mode(mode.clone()).await;
            let reply = sign_in(&mut browser, forge, "coop", "alice").await;
            idp.mode(serde_json::json!({})).await;
            assert_eq!(
                reply.status,
                StatusCode::BAD_GATEWAY,
                "{mode}: {}",
                reply.body
            );
            assert_failure(
                forge,
                &browser,
                census,
                &reply,
                StatusCode::BAD_GATEWAY,
                message,
            )
            .await;
        }

        // The same sign-in, untampered, works.
        let reply = sign_in(&mut browser, forge, "coop", "alice").await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        assert!(
            reply
                .location
                .as_deref()
                .is_some_and(|l| l.ends_with("/confirm"))
        );

        // A genuine key rotation: the token names a key the forge has not
        // seen; it reads the key set again and accepts the token.
        idp.mode(serde_json::json!({"jwks": "both", "tamper": {"key": "next"}}))
            .await;
        let reply = sign_in(&mut browser, forge, "coop", "alice").await;
        idp.mode(serde_json::json!({})).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.body);
        assert_eq!(forge.census().await, census);
    }
}

#[tokio::test]
async fn a_provider_that_is_down_or_slow_gives_a_page_in_time() {
    let down = down_provider().await;
    let Some((idp, forges)) = setup(|_, config| {
        config.providers.push(down.clone());
        config.provider_timeout = Duration::from_secs(1);
    })
    .await
    else {
        return;
    };
    for forge in &forges {
        let census = forge.census().await;
        let mut browser = Agent::new();

        // Down: nothing listens where its discovery should be.
        let reply = browser.get(&forge.at("/user/oauth2/down")).await;
        assert_failure(
            forge,
            &browser,
            census,
            &reply,
            StatusCode::BAD_GATEWAY,
            "cannot be reached",
        )
        .await;

        // Slow at the token endpoint: the forge gives up after its timeout.
        idp.mode(serde_json::json!({"token_delay_ms": 4000})).await;
        let began = Instant::now();
        let slow = trip(
            &mut browser,
            &forge.at("/user/oauth2/coop"),
            "alice",
            Consent::Allow,
            false,
        )
        .await;
        let waited = Instant::now();
        let reply = browser.get(&slow.callback).await;
        let took = waited.elapsed();
        idp.mode(serde_json::json!({})).await;
        assert_failure(
            forge,
            &browser,
            census,
            &reply,
            StatusCode::BAD_GATEWAY,
            "takes too long",
        )
        .await;
        assert!(took < Duration::from_secs(3), "the forge waited {took:?}");
        assert!(began.elapsed() < Duration::from_secs(20));
    }
}

#[tokio::test]
async fn local_sign_in_can_be_reserved_for_administrators() {
    let Some((_idp, forges)) = setup(|_, config| {
        config.local_signin = false;
        config.local_signup = false;
    })
    .await
    else {
        return;
    };
    for forge in &forges {
        forge.user("root", true).await;
        forge.user("bob", false).await;
        let mut browser = Agent::new();
        let page = browser.get(&forge.at("/user/login")).await;
        assert!(page.contains("Sign in with CoopID"));
        assert!(page.contains("Sign in with Plain"));
        assert!(!page.contains("name=\"password\""), "{}", page.body);
        assert!(!page.contains("/user/sign_up"));

        // Bob's right password no longer opens a session.
        let reply = browser.sign_in_with_password(forge, "bob").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
        assert!(reply.contains("reserved for the site’s administrators"));
        assert!(!signed_in(&browser, forge));

        // The administrator's does, from /user/login?local=1.
        let page = browser.get(&forge.at("/user/login?local=1")).await;
        assert!(page.contains("name=\"password\""));
        let password = password_of("root");
        let reply = browser
            .forge_post(
                &forge.at("/user/login"),
                &[("login", "root"), ("password", &password)],
            )
            .await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        assert!(signed_in(&browser, forge));

        // Provider sign-ups still work.
        let mut carol = Agent::new();
        let reply = sign_in(&mut carol, forge, "coop", "carol").await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER);
        let done = confirm(&mut carol, forge, "coop", "carol", "carol@coop.example").await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    }
}
