//! Settings of the `forge` binary, from three sources: command-line flags
//! first, then environment variables (clap reads both), then the optional
//! TOML file, then built-in defaults that need no set-up at all.

use clap::Args;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

pub const DEFAULT_DATA_DIR: &str = "./forge-data";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:3000";
pub const DEFAULT_SITE_NAME: &str = "Forge";

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
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub data_dir: Option<PathBuf>,
    pub listen: Option<String>,
    pub database_url: Option<String>,
    pub base_url: Option<String>,
    pub site_name: Option<String>,
    #[serde(default)]
    pub auth: AuthConfig,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    pub local_signup: Option<bool>,
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
    #[error("the database URL must start with sqlite:// or postgres://, not {0:?}")]
    DatabaseUrl(String),
    #[error("the base URL must start with http:// or https://, not {0:?}")]
    BaseUrl(String),
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
        Ok(Config {
            data_dir,
            listen,
            database_url,
            base_url: base_url.map(|u| u.trim_end_matches('/').to_string()),
            site_name: file
                .site_name
                .unwrap_or_else(|| DEFAULT_SITE_NAME.to_string()),
            local_signup: file.auth.local_signup.unwrap_or(true),
        })
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
}
