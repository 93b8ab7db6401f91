//! Settings of the `forge` binary, from three sources: command-line flags
//! first, then environment variables (clap reads both), then the optional
//! TOML file, then built-in defaults that need no set-up at all.

use clap::Args;
use forge_web::oidc::{Endpoints, ProviderConfig};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub const DEFAULT_DATA_DIR: &str = "./forge-data";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:3000";
pub const DEFAULT_SITE_NAME: &str = "Forge";
pub const DEFAULT_SHUTDOWN_TIMEOUT_SECS: u64 = 30;

/// The settings every command shares, as flags or environment variables.
#[derive(Debug, Clone, Default, Args)]
pub struct Flags {
    /// A TOML configuration file (see deploy/forge.example.toml).
    #[arg(long, env = "FORGE_CONFIG", global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The data folder: SQLite database and repositories [default: ./forge-data].
    #[arg(long, env = "FORGE_DATA_DIR", global = true, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// The address to listen on [default: 127.0.0.1:3000].
    #[arg(long, env = "FORGE_LISTEN", global = true, value_name = "ADDR")]
    pub listen: Option<String>,
    /// sqlite://FILE or postgres://USER@HOST/DB [default: SQLite in the data folder].
    #[arg(long, env = "FORGE_DATABASE_URL", global = true, value_name = "URL")]
    pub database_url: Option<String>,
    /// The public URL of the forge, used in links and clone URLs [default: http://LISTEN].
    #[arg(long, env = "FORGE_BASE_URL", global = true, value_name = "URL")]
    pub base_url: Option<String>,
    /// Seconds requests in flight get to finish after SIGTERM, before the
    /// transfers still running are cut [default: 30].
    #[arg(
        long,
        env = "FORGE_SHUTDOWN_TIMEOUT",
        global = true,
        value_name = "SECONDS"
    )]
    pub shutdown_timeout: Option<u64>,
    /// Serve Prometheus metrics at /metrics.
    #[arg(long, env = "FORGE_METRICS", global = true)]
    pub metrics: bool,
    /// A token /metrics asks for (`Authorization: Bearer TOKEN`).
    #[arg(
        long,
        env = "FORGE_METRICS_TOKEN",
        global = true,
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub metrics_token: Option<String>,
    /// Serve git over SSH on this address, such as 0.0.0.0:2222 [default: off].
    #[arg(long, env = "FORGE_SSH_LISTEN", global = true, value_name = "ADDR")]
    pub ssh_listen: Option<String>,
}

/// The `[ssh]` table: git over SSH, off unless `listen` is set.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SshEntry {
    pub listen: Option<String>,
    /// The host name shown in SSH clone URLs [default: the base URL's host].
    pub host: Option<String>,
    /// The port shown in SSH clone URLs, when a proxy or a firewall rule
    /// forwards another one [default: the listening port].
    pub port: Option<u16>,
}

/// Git over SSH, once configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshConfig {
    pub listen: SocketAddr,
    pub host: Option<String>,
    pub port: Option<u16>,
}

/// The `[metrics]` table.
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsEntry {
    #[serde(default)]
    pub enabled: bool,
    pub token: Option<String>,
}

impl std::fmt::Debug for MetricsEntry {
    /// The token is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetricsEntry")
            .field("enabled", &self.enabled)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data_dir: Option<PathBuf>,
    pub listen: Option<String>,
    pub database_url: Option<String>,
    pub base_url: Option<String>,
    pub site_name: Option<String>,
    /// Seconds, as `--shutdown-timeout`.
    pub shutdown_timeout: Option<u64>,
    #[serde(default)]
    pub auth: AuthConfig,
    #[serde(default)]
    pub metrics: MetricsEntry,
    #[serde(default)]
    pub ssh: SshEntry,
    #[serde(default)]
    pub webhooks: WebhooksEntry,
    pub mail: Option<MailEntry>,
}

/// The `[webhooks]` table: which targets webhooks may reach, and how long
/// a request may take. Loopback, private, link-local and unique-local
/// addresses are refused unless `allow_private` or the target's host is in
/// `allowed_hosts` (so a webhook cannot probe the forge's own network).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhooksEntry {
    #[serde(default)]
    pub allow_private: bool,
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
    /// Seconds one request may take, connecting included [default: 10].
    pub timeout: Option<u64>,
}

/// The `[mail]` table: notification e-mail over SMTP, off without it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MailEntry {
    pub host: String,
    pub port: Option<u16>,
    /// `none`, `starttls` (the default) or `tls`.
    pub security: Option<String>,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from: String,
}

impl std::fmt::Debug for MailEntry {
    /// The password is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MailEntry")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .finish_non_exhaustive()
    }
}

impl MailEntry {
    fn resolve(self) -> Result<forge_service::mail::MailSettings, ConfigError> {
        use forge_service::mail::Security;
        let security_text = self.security.unwrap_or_else(|| "starttls".into());
        let security = Security::parse(security_text.trim()).ok_or_else(|| {
            ConfigError::Mail(format!(
                "security {security_text:?} is not none, starttls or tls"
            ))
        })?;
        if self.host.trim().is_empty() {
            return Err(ConfigError::Mail("host is empty".into()));
        }
        let port = self.port.unwrap_or(match security {
            Security::None => 25,
            Security::StartTls => 587,
            Security::Tls => 465,
        });
        Ok(forge_service::mail::MailSettings {
            host: self.host.trim().to_string(),
            port,
            security,
            username: self.username,
            password: self.password,
            from: self.from,
        })
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    pub local_signup: Option<bool>,
    pub local_signin: Option<bool>,
    #[serde(default)]
    pub providers: Vec<ProviderEntry>,
}

/// One `[[auth.providers]]` table: an OpenID Connect provider (`issuer`) or
/// a plain OAuth2 one (`auth_url`, `token_url` and `userinfo_url`).
#[derive(Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderEntry {
    pub name: String,
    pub display_name: Option<String>,
    pub issuer: Option<String>,
    pub auth_url: Option<String>,
    pub token_url: Option<String>,
    pub userinfo_url: Option<String>,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub scopes: Option<Vec<String>>,
}

impl std::fmt::Debug for ProviderEntry {
    /// Everything but the client secret, which is never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderEntry")
            .field("name", &self.name)
            .field("issuer", &self.issuer)
            .field("auth_url", &self.auth_url)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl ProviderEntry {
    fn resolve(self) -> Result<ProviderConfig, ConfigError> {
        let name = self.name.trim().to_string();
        let problem = |message: &str| ConfigError::Provider {
            name: name.clone(),
            message: message.to_string(),
        };
        let endpoints = match (
            self.issuer,
            self.auth_url,
            self.token_url,
            self.userinfo_url,
        ) {
            (Some(issuer), None, None, None) => Endpoints::Discovery {
                issuer: issuer.trim().trim_end_matches('/').to_string(),
            },
            (None, Some(auth_url), Some(token_url), Some(userinfo_url)) => Endpoints::OAuth2 {
                auth_url,
                token_url,
                userinfo_url,
            },
            (Some(_), _, _, _) => {
                return Err(problem(
                    "give either issuer (OpenID Connect) or auth_url, token_url and \
                     userinfo_url (plain OAuth2), not both",
                ));
            }
            (None, _, _, _) => {
                return Err(problem(
                    "give issuer (OpenID Connect, with discovery) or all three of \
                     auth_url, token_url and userinfo_url (plain OAuth2)",
                ));
            }
        };
        let default_scopes: &[&str] = match endpoints {
            Endpoints::Discovery { .. } => &["openid", "profile", "email"],
            Endpoints::OAuth2 { .. } => &[],
        };
        Ok(ProviderConfig {
            display_name: self
                .display_name
                .map(|d| d.trim().to_string())
                .unwrap_or_else(|| name.clone()),
            name,
            endpoints,
            client_id: self.client_id,
            client_secret: self.client_secret.filter(|s| !s.is_empty()),
            scopes: self
                .scopes
                .unwrap_or_else(|| default_scopes.iter().map(|s| s.to_string()).collect()),
        })
    }
}

/// Settings after every source was consulted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    pub data_dir: PathBuf,
    pub listen: SocketAddr,
    pub database_url: String,
    /// `None` until the listening address is known (`http://ADDR`).
    pub base_url: Option<String>,
    pub site_name: String,
    pub local_signup: bool,
    /// Whether everyone may sign in with a password, or only site
    /// administrators.
    pub local_signin: bool,
    pub providers: Vec<ProviderConfig>,
    /// How long requests in flight get after SIGTERM.
    pub shutdown_timeout: std::time::Duration,
    pub metrics: forge_web::metrics::MetricsConfig,
    /// Git over SSH, or `None` when off.
    pub ssh: Option<SshConfig>,
    /// Which addresses webhooks may reach, and their timeout.
    pub webhooks: forge_service::webhooks::Settings,
    /// Notification e-mail; `None` when `[mail]` is absent.
    pub mail: Option<forge_service::mail::MailSettings>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the configuration file {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("the configuration file {path} is not valid: {message}")]
    Parse { path: PathBuf, message: String },
    #[error("the listen address {0:?} is not of the form HOST:PORT, such as 127.0.0.1:3000")]
    Listen(String),
    #[error("the SSH listen address {0:?} is not of the form HOST:PORT, such as 0.0.0.0:2222")]
    SshListen(String),
    #[error("the database URL must start with sqlite:// or postgres://, not {0:?}")]
    DatabaseUrl(String),
    #[error("the base URL must start with http:// or https://, not {0:?}")]
    BaseUrl(String),
    #[error("[[auth.providers]] {name:?}: {message}")]
    Provider { name: String, message: String },
    #[error("[[auth.providers]]: {0}")]
    Providers(String),
    #[error("[mail]: {0}")]
    Mail(String),
}

fn read_file(path: &Path) -> Result<FileConfig, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    toml::from_str(&text).map_err(|e| ConfigError::Parse {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

impl Config {
    pub fn resolve(flags: &Flags) -> Result<Config, ConfigError> {
        let file = match &flags.config {
            Some(path) => read_file(path)?,
            None => FileConfig::default(),
        };
        Config::merge(flags, file)
    }

    fn merge(flags: &Flags, file: FileConfig) -> Result<Config, ConfigError> {
        let data_dir = flags
            .data_dir
            .clone()
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from(DEFAULT_DATA_DIR));
        let listen_text = flags
            .listen
            .clone()
            .or(file.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.to_string());
        let listen = listen_text
            .parse::<SocketAddr>()
            .map_err(|_| ConfigError::Listen(listen_text.clone()))?;
        let database_url = flags
            .database_url
            .clone()
            .or(file.database_url)
            .filter(|url| !url.trim().is_empty())
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("forge.db").display()));
        if forge_core::Engine::of_url(&database_url).is_none() {
            return Err(ConfigError::DatabaseUrl(database_url));
        }
        let base_url = flags
            .base_url
            .clone()
            .or(file.base_url)
            .filter(|u| !u.trim().is_empty());
        if let Some(url) = &base_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return Err(ConfigError::BaseUrl(url.clone()));
        }
        let providers = file
            .auth
            .providers
            .into_iter()
            .map(ProviderEntry::resolve)
            .collect::<Result<Vec<_>, _>>()?;
        forge_web::oidc::validate_providers(&providers).map_err(ConfigError::Providers)?;
        for provider in &providers {
            let plain_http = match &provider.endpoints {
                Endpoints::Discovery { issuer } => issuer.starts_with("http://"),
                Endpoints::OAuth2 { token_url, .. } => token_url.starts_with("http://"),
            };
            if plain_http {
                tracing::warn!(
                    provider = %provider.name,
                    "this sign-in provider is reached over plain http: fine for tests, \
                     not for real accounts"
                );
            }
        }
        let shutdown_timeout = std::time::Duration::from_secs(
            flags
                .shutdown_timeout
                .or(file.shutdown_timeout)
                .unwrap_or(DEFAULT_SHUTDOWN_TIMEOUT_SECS),
        );
        let metrics = forge_web::metrics::MetricsConfig {
            enabled: flags.metrics || file.metrics.enabled,
            token: flags
                .metrics_token
                .clone()
                .or(file.metrics.token)
                .map(|t| t.trim().to_string())
                .filter(|t| !t.is_empty()),
        };
        let ssh = match flags
            .ssh_listen
            .clone()
            .or(file.ssh.listen)
            .filter(|l| !l.trim().is_empty())
        {
            None => None,
            Some(text) => Some(SshConfig {
                listen: text
                    .trim()
                    .parse::<SocketAddr>()
                    .map_err(|_| ConfigError::SshListen(text.clone()))?,
                host: file.ssh.host.filter(|h| !h.trim().is_empty()),
                port: file.ssh.port,
            }),
        };
        let defaults = forge_service::webhooks::Settings::default();
        let webhooks = forge_service::webhooks::Settings {
            addresses: forge_service::http::AddressPolicy {
                allow_private: file.webhooks.allow_private,
                allowed_hosts: file
                    .webhooks
                    .allowed_hosts
                    .iter()
                    .map(|h| h.trim().to_string())
                    .filter(|h| !h.is_empty())
                    .collect(),
            },
            timeout: file
                .webhooks
                .timeout
                .map_or(defaults.timeout, std::time::Duration::from_secs),
            ..defaults
        };
        let mail = file.mail.map(MailEntry::resolve).transpose()?;
        Ok(Config {
            ssh,
            mail,
            metrics,
            webhooks,
            shutdown_timeout,
            data_dir,
            listen,
            database_url,
            base_url: base_url.map(|u| u.trim_end_matches('/').to_string()),
            site_name: file
                .site_name
                .unwrap_or_else(|| DEFAULT_SITE_NAME.to_string()),
            local_signup: file.auth.local_signup.unwrap_or(true),
            local_signin: file.auth.local_signin.unwrap_or(true),
            providers,
        })
    }

    /// The folder that holds the SSH server's host keys.
    pub fn ssh_keys_dir(&self) -> PathBuf {
        self.data_dir.join("ssh")
    }

    /// The folder that holds the bare repositories.
    pub fn repositories_dir(&self) -> PathBuf {
        self.data_dir.join("repositories")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_need_no_configuration() {
        let config = Config::merge(&Flags::default(), FileConfig::default()).unwrap();
        assert_eq!(config.data_dir, PathBuf::from("./forge-data"));
        assert_eq!(config.listen.to_string(), "127.0.0.1:3000");
        assert_eq!(config.database_url, "sqlite://./forge-data/forge.db");
        assert_eq!(config.base_url, None);
        assert!(config.local_signup);
        assert_eq!(config.shutdown_timeout, std::time::Duration::from_secs(30));
    }

    #[test]
    fn webhooks_refuse_private_addresses_unless_the_file_allows_them() {
        let config = Config::merge(&Flags::default(), FileConfig::default()).unwrap();
        assert!(!config.webhooks.addresses.allow_private);
        let file: FileConfig = toml::from_str(
            r#"
            [webhooks]
            allow_private = true
            allowed_hosts = ["ci.internal"]
            timeout = 3
            "#,
        )
        .unwrap();
        let config = Config::merge(&Flags::default(), file).unwrap();
        assert!(config.webhooks.addresses.allow_private);
        assert_eq!(config.webhooks.addresses.allowed_hosts, ["ci.internal"]);
        assert_eq!(config.webhooks.timeout, std::time::Duration::from_secs(3));
    }

    #[test]
    fn metrics_are_off_unless_asked_for_and_their_token_is_never_printed() {
        let config = Config::merge(&Flags::default(), FileConfig::default()).unwrap();
        assert!(!config.metrics.enabled);
        let file: FileConfig = toml::from_str(
            r#"
            [metrics]
            enabled = true
            token = "scrape-secret"
            "#,
        )
        .unwrap();
        assert!(!format!("{file:?}").contains("scrape-secret"));
        let config = Config::merge(&Flags::default(), file).unwrap();
        assert!(config.metrics.enabled);
        assert_eq!(config.metrics.token.as_deref(), Some("scrape-secret"));
        assert!(!format!("{config:?}").contains("scrape-secret"));
        let flags = Flags {
            metrics: true,
            metrics_token: Some("from-env".into()),
            ..Flags::default()
        };
        let config = Config::merge(&flags, FileConfig::default()).unwrap();
        assert!(config.metrics.enabled);
        assert_eq!(config.metrics.token.as_deref(), Some("from-env"));
    }

    #[test]
    fn mail_is_off_without_its_table_and_its_password_is_never_printed() {
        let config = Config::merge(&Flags::default(), FileConfig::default()).unwrap();
        assert_eq!(config.mail, None);
        let file: FileConfig = toml::from_str(
            "[mail]\nhost = \"smtp.example.org\"\nsecurity = \"tls\"\nusername = \"u\"\n\
             password = \"hunter2\"\nfrom = \"Forge <forge@example.org>\"",
        )
        .unwrap();
        let config = Config::merge(&Flags::default(), file).unwrap();
        let mail = config.mail.clone().unwrap();
        assert_eq!(mail.port, 465);
        assert_eq!(mail.security, forge_service::mail::Security::Tls);
        assert!(!format!("{config:?}").contains("hunter2"));
        let file: FileConfig =
            toml::from_str("[mail]\nhost = \"h\"\nsecurity = \"ssl\"\nfrom = \"f@e.org\"").unwrap();
        let e = Config::merge(&Flags::default(), file).unwrap_err();
        assert!(e.to_string().contains("starttls"), "{e}");
    }

    #[test]
    fn the_shutdown_deadline_comes_from_the_flag_or_the_file() {
        let file: FileConfig = toml::from_str("shutdown_timeout = 5").unwrap();
        let config = Config::merge(&Flags::default(), file).unwrap();
        assert_eq!(config.shutdown_timeout, std::time::Duration::from_secs(5));
        let file: FileConfig = toml::from_str("shutdown_timeout = 5").unwrap();
        let flags = Flags {
            shutdown_timeout: Some(2),
            ..Flags::default()
        };
        let config = Config::merge(&flags, file).unwrap();
        assert_eq!(config.shutdown_timeout, std::time::Duration::from_secs(2));
    }

    #[test]
    fn ssh_is_off_unless_an_address_is_given() {
        let config = Config::merge(&Flags::default(), FileConfig::default()).unwrap();
        assert_eq!(config.ssh, None);
        let file: FileConfig = toml::from_str(
            r#"
            [ssh]
            listen = "0.0.0.0:2222"
            host = "git.example.org"
            port = 22
            "#,
        )
        .unwrap();
        let config = Config::merge(&Flags::default(), file).unwrap();
        let ssh = config.ssh.unwrap();
        assert_eq!(ssh.listen.to_string(), "0.0.0.0:2222");
        assert_eq!(ssh.host.as_deref(), Some("git.example.org"));
        assert_eq!(ssh.port, Some(22));
        let flags = Flags {
            ssh_listen: Some("127.0.0.1:2200".into()),
            ..Flags::default()
        };
        let config = Config::merge(&flags, FileConfig::default()).unwrap();
        assert_eq!(config.ssh.unwrap().listen.to_string(), "127.0.0.1:2200");
        let flags = Flags {
            ssh_listen: Some("2200".into()),
            ..Flags::default()
        };
        assert!(matches!(
            Config::merge(&flags, FileConfig::default()),
            Err(ConfigError::SshListen(_))
        ));
    }

    #[test]
    fn flags_win_over_the_file() {
        let file: FileConfig = toml::from_str(
            r#"
            data_dir = "/srv/forge"
            listen = "0.0.0.0:8080"
            base_url = "https://forge.example.org/"
            site_name = "Coop Forge"
            [auth]
            local_signup = false
            "#,
        )
        .unwrap();
        let flags = Flags {
            listen: Some("127.0.0.1:4000".into()),
            ..Flags::default()
        };
        let config = Config::merge(&flags, file).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:4000");
        assert_eq!(config.data_dir, PathBuf::from("/srv/forge"));
        assert_eq!(config.database_url, "sqlite:///srv/forge/forge.db");
        assert_eq!(
            config.base_url.as_deref(),
            Some("https://forge.example.org")
        );
        assert_eq!(config.site_name, "Coop Forge");
        assert!(!config.local_signup);
    }

    #[test]
    fn bad_values_are_explained() {
        let bad_listen = Flags {
            listen: Some("3000".into()),
            ..Flags::default()
        };
        let e = Config::merge(&bad_listen, FileConfig::default()).unwrap_err();
        assert!(e.to_string().contains("HOST:PORT"), "{e}");
        let bad_db = Flags {
            database_url: Some("mysql://x".into()),
            ..Flags::default()
        };
        assert!(matches!(
            Config::merge(&bad_db, FileConfig::default()),
            Err(ConfigError::DatabaseUrl(_))
        ));
        assert!(toml::from_str::<FileConfig>("listen_on = \"x\"").is_err());
    }

    fn providers_of(text: &str) -> Result<Config, ConfigError> {
        let file: FileConfig = toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: PathBuf::from("forge.toml"),
            message: e.to_string(),
        })?;
        Config::merge(&Flags::default(), file)
    }

    #[test]
    fn providers_are_read_from_the_file() {
        let config = providers_of(
            r#"
            [auth]
            local_signup = false
            local_signin = false

            [[auth.providers]]
            name = "coopid"
            display_name = "CoopID"
            issuer = "https://id.example.org/"
            client_id = "forge"
            client_secret = "s3cret"

            [[auth.providers]]
            name = "git-host"
            auth_url = "https://git.example.org/login/oauth/authorize"
            token_url = "https://git.example.org/login/oauth/access_token"
            userinfo_url = "https://git.example.org/api/user"
            client_id = "abc"
            scopes = ["read:user"]
            "#,
        )
        .unwrap();
        assert!(!config.local_signup);
        assert!(!config.local_signin);
        assert_eq!(config.providers.len(), 2);
        let coop = &config.providers[0];
        assert_eq!(coop.display_name, "CoopID");
        assert_eq!(
            coop.endpoints,
            Endpoints::Discovery {
                issuer: "https://id.example.org".into()
            }
        );
        assert_eq!(coop.scopes, ["openid", "profile", "email"]);
        assert_eq!(coop.client_secret.as_deref(), Some("s3cret"));
        let plain = &config.providers[1];
        assert_eq!(plain.display_name, "git-host");
        assert!(matches!(plain.endpoints, Endpoints::OAuth2 { .. }));
        assert_eq!(plain.client_secret, None);
        // The secret never shows in the configuration's debug form.
        assert!(!format!("{config:?}").contains("s3cret"));
    }

    #[test]
    fn bad_providers_are_explained() {
        let both = providers_of(
            r#"
            [[auth.providers]]
            name = "x"
            issuer = "https://id.example.org"
            token_url = "https://id.example.org/token"
            client_id = "forge"
            "#,
        )
        .unwrap_err();
        assert!(both.to_string().contains("not both"), "{both}");
        let missing = providers_of(
            r#"
            [[auth.providers]]
            name = "x"
            auth_url = "https://id.example.org/auth"
            client_id = "forge"
            "#,
        )
        .unwrap_err();
        assert!(missing.to_string().contains("all three"), "{missing}");
        let twice = providers_of(
            r#"
            [[auth.providers]]
            name = "x"
            issuer = "https://a.example.org"
            client_id = "forge"
            [[auth.providers]]
            name = "x"
            issuer = "https://b.example.org"
            client_id = "forge"
            "#,
        )
        .unwrap_err();
        assert!(twice.to_string().contains("twice"), "{twice}");
        let bad_name = providers_of(
            r#"
            [[auth.providers]]
            name = "Coop ID"
            issuer = "https://a.example.org"
            client_id = "forge"
            "#,
        )
        .unwrap_err();
        assert!(bad_name.to_string().contains("URLs"), "{bad_name}");
        let unknown = providers_of(
            r#"
            [[auth.providers]]
            name = "x"
            issuer = "https://a.example.org"
            client_id = "forge"
            secret = "typo"
            "#,
        )
        .unwrap_err();
        assert!(unknown.to_string().contains("secret"), "{unknown}");
    }
}
