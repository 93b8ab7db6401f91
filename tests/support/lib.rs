//! Helpers of the integration tests: a forge served on a real socket
//! (127.0.0.1, port 0) over a fresh database, and a small browser-like client
//! that keeps cookies and reads CSRF tokens out of forms.

pub mod pulls;

use forge_core::user::{self, NewUser, User};
use forge_core::{Db, outbox, testing, token};
use forge_web::{AppState, WebConfig};
use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::{Response, StatusCode};
use std::collections::BTreeMap;

pub struct TestForge {
    pub url: String,
    pub db: Db,
    pub storage: forge_git::Storage,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestForge {
    fn drop(&mut self) {
        self.server.abort();
        // The repositories pushed during the test: some are large.
        let _ = std::fs::remove_dir_all(self.storage.root());
    }
}

pub fn default_config() -> WebConfig {
    WebConfig {
        site_name: "Test Forge".into(),
        base_url: String::new(),
        local_signup: true,
        ..WebConfig::default()
    }
}

impl TestForge {
    /// Serves the forge over `db` on a free port of 127.0.0.1.
    pub async fn start_with(db: Db, config: WebConfig) -> TestForge {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding a free port on 127.0.0.1");
        let url = format!(
            "http://{}",
            listener
                .local_addr()
                .expect("a bound socket has an address")
        );
        let config = WebConfig {
            base_url: url.clone(),
            ..config
        };
        let storage = forge_git::Storage::new(std::env::temp_dir().join(format!(
            "forge-test-repos-{}",
            forge_core::secret::random_hex(8)
        )));
        let state = AppState::new(db.clone(), config, storage.clone());
        let server = tokio::spawn(async move {
            let app =
                forge_web::app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
            axum::serve(listener, app)
                .await
                .expect("the test server runs");
        });
        TestForge {
            url,
            db,
            storage,
            server,
        }
    }

    /// One forge per engine under test: SQLite always, PostgreSQL when
    /// `FORGE_TEST_DATABASE_URL` is set.
    pub async fn on_each_engine() -> Vec<TestForge> {
        Self::on_each_engine_with(default_config).await
    }

    pub async fn on_each_engine_with(config: impl Fn() -> WebConfig) -> Vec<TestForge> {
        let mut forges = Vec::new();
        for db in testing::engines().await {
            forges.push(TestForge::start_with(db, config()).await);
        }
        forges
    }

    pub fn engine(&self) -> forge_core::Engine {
        self.db.engine()
    }

    pub fn at(&self, path: &str) -> String {
        format!("{}{}", self.url, path)
    }

    /// Where the outbox ends now: events recorded later come after it.
    pub async fn outbox_end(&self) -> outbox::Position {
        outbox::end(&self.db).await.expect("reading the outbox")
    }

    /// The events of `kind` recorded after `position`, once `expected` of
    /// them are readable (see [`testing::events_since`]); `position` moves
    /// past every event read.
    pub async fn events_since(
        &self,
        position: &mut outbox::Position,
        kind: &str,
        expected: usize,
    ) -> Vec<outbox::Event> {
        let mut found = Vec::new();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            let events = testing::events_since(&self.db, position, 0).await;
            found.extend(events.into_iter().filter(|e| e.kind == kind));
            if found.len() >= expected || std::time::Instant::now() > deadline {
                return found;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// A user created directly in storage, as `forge admin create-user` does.
    pub async fn user(&self, name: &str, admin: bool) -> User {
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

    /// A user and an API token of theirs.
    pub async fn user_with_token(&self, name: &str, admin: bool) -> (User, String) {
        let user = self.user(name, admin).await;
        let (_, secret) = token::create(&self.db, user.id, "tests")
            .await
            .expect("creating a token");
        (user, secret)
    }
}

/// The password tests give to user `name`.
pub fn password_of(name: &str) -> String {
    format!("{name}-secret-password")
}

/// A client that never follows redirects, so tests see each 303.
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("building an HTTP client")
}

/// A minimal browser: keeps cookies between requests and sends an
/// `Accept-Language` header.
pub struct Browser {
    pub client: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
    pub accept_language: String,
    base: String,
}

pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
}

impl Page {
    /// The value of the first `_csrf` hidden field of the page.
    pub fn csrf(&self) -> String {
        hidden_value(&self.body, "_csrf").expect("the page has a form with a CSRF token")
    }

    pub fn contains(&self, text: &str) -> bool {
        self.body.contains(text)
    }
}

/// The value of the first input named `name` in `html`.
pub fn hidden_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

impl Browser {
    pub fn new(forge: &TestForge, accept_language: &str) -> Browser {
        Browser {
            client: http(),
            cookies: BTreeMap::new(),
            accept_language: accept_language.into(),
            base: forge.url.clone(),
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn read(&mut self, response: Response) -> Page {
        for value in response.headers().get_all(SET_COOKIE) {
            let text = value.to_str().expect("Set-Cookie is ASCII");
            let pair = text
                .split(';')
                .next()
                .expect("a cookie has a name=value pair");
            let (name, value) = pair
                .split_once('=')
                .expect("a cookie pair has an equals sign");
            if text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        let status = response.status();
        let location = response
            .headers()
            .get("location")
            .map(|v| v.to_str().expect("Location is ASCII").to_string());
        let body = response.text().await.expect("reading a response body");
        Page {
            status,
            location,
            body,
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .header("accept-language", &self.accept_language)
            .send()
            .await
            .expect("sending a GET");
        self.read(response).await
    }

    /// Posts a form with the CSRF token this browser holds.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = self.cookies.get("forge_csrf").cloned().unwrap_or_default();
        let mut form: Vec<(&str, &str)> = vec![("_csrf", csrf.as_str())];
        form.extend_from_slice(fields);
        self.post_raw(path, &form).await
    }

    /// Posts exactly the fields given, CSRF token or not.
    pub async fn post_raw(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let response = self
            .client
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .header("accept-language", &self.accept_language)
            .form(fields)
            .send()
            .await
            .expect("sending a POST");
        self.read(response).await
    }

    /// Signs up through the form, then signs in (a new account is not
    /// signed in by the sign-up itself); returns the sign-in's response.
    pub async fn sign_up(&mut self, name: &str) -> Page {
        self.get("/user/sign_up").await;
        let password = password_of(name);
        let email = format!("{name}@example.org");
        let page = self
            .post(
                "/user/sign_up",
                &[
                    ("username", name),
                    ("email", &email),
                    ("password", &password),
                    ("password_confirm", &password),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        assert_eq!(page.location.as_deref(), Some("/user/login?signed_up=1"));
        self.sign_in(name).await
    }

    pub async fn sign_in(&mut self, name: &str) -> Page {
        self.get("/user/login").await;
        let password = password_of(name);
        self.post("/user/login", &[("login", name), ("password", &password)])
            .await
    }
}

/// A temporary folder of one test (work trees, keys, clones), removed when
/// dropped.
pub struct Scratch(std::path::PathBuf);

impl std::ops::Deref for Scratch {
    type Target = std::path::Path;
    fn deref(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A new empty folder under the system's temporary folder, named after
/// `purpose` and a random suffix.
pub fn scratch(purpose: &str) -> Scratch {
    let dir = std::env::temp_dir().join(format!(
        "forge-{purpose}-{}",
        forge_core::secret::random_hex(6)
    ));
    std::fs::create_dir_all(&dir).expect("the temporary folder is writable");
    Scratch(dir)
}

/// Runs the real `git` in `dir` with a clean, prompt-free environment: no
/// system or user configuration, no credential helper, a fixed author.
pub async fn git(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    tokio::process::Command::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.org"])
        .args(["-c", "init.defaultBranch=main", "-c", "credential.helper="])
        .args(args)
        .current_dir(dir)
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_ASKPASS", "/bin/false")
        .env_remove("GIT_DIR")
        .output()
        .await
        .expect("git runs")
}

/// [`git`] that must succeed; its standard output.
pub async fn git_ok(dir: &std::path::Path, args: &[&str]) -> String {
    let output = git(dir, args).await;
    assert!(
        output.status.success(),
        "git {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}
