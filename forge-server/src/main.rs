//! The `forge` binary: `forge serve`, `forge migrate` and `forge admin ...`.

mod admin;
mod config;
mod serve;

use clap::{Parser, Subcommand};
use config::{Config, Flags};
use forge_core::user::{self, NewUser};
use forge_core::{Db, consistency, migrations};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "forge",
    version,
    about = "A forge where organisations co-finance the free software they share"
)]
struct Cli {
    #[command(flatten)]
    flags: Flags,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the forge: web pages, JSON API and git over HTTP.
    Serve,
    /// Apply pending database migrations, then exit.
    Migrate,
    /// Administration tasks, safe to run while a server uses the same data.
    #[command(subcommand)]
    Admin(AdminCommand),
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a user account.
    CreateUser {
        #[arg(long)]
        username: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        password: String,
        /// Make the user a site administrator.
        #[arg(long)]
        admin: bool,
    },
    /// Recompute every stored counter (open and closed issues, comments,
    /// milestone progress) and report those that disagree; exits non-zero
    /// when one does.
    CheckCounters {
        /// Also set the wrong counters to their recomputed values.
        #[arg(long)]
        repair: bool,
    },
    /// Verify the funding ledger: every transaction balances, and every
    /// figure stored on pledges and goals equals what the entries give;
    /// prints each discrepancy and exits non-zero when there is one. The
    /// ledger is append-only, so nothing is repaired here.
    CheckLedger,
    /// Back the whole forge up into DEST, a new folder, while it runs: the
    /// database (SQLite's VACUUM INTO, or pg_dump on PostgreSQL), every
    /// repository (git clone --mirror), and manifest.json with versions,
    /// figures and the checksum of every file.
    Backup {
        #[arg(value_name = "DEST")]
        dest: std::path::PathBuf,
    },
    /// Restore the backup in SRC into the configured, empty, data folder and
    /// database; refuses a damaged backup (a checksum that does not match),
    /// one of a newer forge, one of another engine, or a target that is not
    /// empty.
    Restore {
        #[arg(value_name = "SRC")]
        source: std::path::PathBuf,
    },
    /// Check the forge in place: the database's integrity check, the funding
    /// ledger, the stored counters, and git fsck of every repository; prints
    /// every problem and exits non-zero when there is one.
    Verify,
    /// Lift the guessing limits (growing delays after failed sign-ins) of
    /// an address, of an account, or of one pair when both are given.
    LiftLimit {
        /// The address, as the security log shows it (e.g. 203.0.113.7).
        #[arg(long)]
        address: Option<String>,
        /// The username or e-mail address that was tried.
        #[arg(long)]
        account: Option<String>,
    },
    /// Mark USER's e-mail address verified, so notification e-mail is sent
    /// to it.
    VerifyEmail {
        #[arg(value_name = "USER")]
        username: String,
    },
}

fn init_logging() {
    let filter: tracing_subscriber::filter::Targets = std::env::var("FORGE_LOG")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(|| "info".parse().expect("\"info\" is a valid filter"));
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    // FORGE_LOG_FORMAT=json: one JSON object per line, for log collectors.
    let json = std::env::var("FORGE_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let registry = tracing_subscriber::registry().with(filter);
    if json {
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_writer(std::io::stderr),
            )
            .init();
    } else {
        registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())),
            )
            .init();
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging();
    let result = match Config::resolve(&cli.flags) {
        Ok(config) => run(cli.command, config).await,
        Err(e) => Err(e.to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("forge: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> Result<(), String> {
    match command {
        Command::Serve => serve::serve(config).await,
        Command::Migrate => {
            let db = open_database(&config).await?;
            let applied = migrations::migrate(&db).await.map_err(|e| e.to_string())?;
            if applied.is_empty() {
                println!("The database is up to date.");
            } else {
                println!("Applied {} migration(s): {applied:?}.", applied.len());
            }
            db.close().await;
            Ok(())
        }
        Command::Admin(AdminCommand::CreateUser {
            username,
            email,
            password,
            admin,
        }) => {
            let db = open_database(&config).await?;
            migrations::migrate(&db).await.map_err(|e| e.to_string())?;
            let created = user::create(
                &db,
                NewUser {
                    name: username,
                    email,
                    password,
                    full_name: String::new(),
                    is_admin: admin,
                },
            )
            .await
            .map_err(describe)?;
            let role = if created.is_admin {
                "site administrator"
            } else {
                "user"
            };
            println!("Created {role} {} <{}>.", created.name, created.email);
            db.close().await;
            Ok(())
        }
        Command::Admin(AdminCommand::CheckLedger) => check_ledger(&config).await,
        Command::Admin(AdminCommand::Backup { dest }) => admin::backup(&config, &dest).await,
        Command::Admin(AdminCommand::Restore { source }) => admin::restore(&config, &source).await,
        Command::Admin(AdminCommand::Verify) => admin::verify(&config).await,
        Command::Admin(AdminCommand::LiftLimit { address, account }) => {
            if address.is_none() && account.is_none() {
                return Err("give --address, --account, or both".into());
            }
            let db = open_database(&config).await?;
            migrations::migrate(&db).await.map_err(|e| e.to_string())?;
            let lifted = forge_core::auth_limit::lift(&db, address.as_deref(), account.as_deref())
                .await
                .map_err(describe)?;
            let user = match account.as_deref() {
                Some(login) => user::id_of_login(&db, login).await.map_err(describe)?,
                None => None,
            };
            let detail = format!(
                "address {}, account {}",
                address.as_deref().unwrap_or("any"),
                account.as_deref().unwrap_or("any")
            );
            forge_core::security_log::record(
                &db,
                user,
                forge_core::security_log::kind::LIMIT_LIFTED,
                "admin",
                &detail,
                forge_core::clock::now_ms(),
            )
            .await
            .map_err(describe)?;
            println!("Lifted {lifted} limit(s).");
            db.close().await;
            Ok(())
        }
        Command::Admin(AdminCommand::VerifyEmail { username }) => {
            let db = open_database(&config).await?;
            migrations::migrate(&db).await.map_err(|e| e.to_string())?;
            let found = user::by_name(&db, &username)
                .await
                .map_err(describe)?
                .ok_or_else(|| format!("there is no user {username:?}"))?;
            forge_core::notification::mail::verify_email(&db, found.id)
                .await
                .map_err(describe)?;
            println!("The e-mail address of {} is verified.", found.name);
            db.close().await;
            Ok(())
        }
        Command::Admin(AdminCommand::CheckCounters { repair }) => {
            let db = open_database(&config).await?;
            migrations::migrate(&db).await.map_err(|e| e.to_string())?;
            let mismatches = consistency::check(&db).await.map_err(|e| e.to_string())?;
            for m in &mismatches {
                println!(
                    "{} of #{}: stored {}, actual {}",
                    m.what, m.id, m.stored, m.actual
                );
            }
            if mismatches.is_empty() {
                println!("Every counter is right.");
            } else if repair {
                consistency::repair(&db).await.map_err(|e| e.to_string())?;
                println!("Repaired {} counter(s).", mismatches.len());
            }
            db.close().await;
            if mismatches.is_empty() || repair {
                Ok(())
            } else {
                Err(format!(
                    "{} counter(s) disagree with the rows they count; run with --repair to fix them",
                    mismatches.len()
                ))
            }
        }
    }
}

async fn check_ledger(config: &Config) -> Result<(), String> {
    let db = open_database(config).await?;
    migrations::migrate(&db).await.map_err(|e| e.to_string())?;
    let found = forge_core::funding::ledger::check(&db)
        .await
        .map_err(|e| e.to_string());
    db.close().await;
    let found = found?;
    for discrepancy in &found {
        println!("{}", discrepancy.what);
    }
    if found.is_empty() {
        println!("The ledger balances and agrees with every figure shown.");
        Ok(())
    } else {
        Err(format!(
            "{} discrepancy(ies) in the funding ledger",
            found.len()
        ))
    }
}

/// Opens the configured database, creating the data folder for SQLite.
pub(crate) async fn open_database(config: &Config) -> Result<Db, String> {
    std::fs::create_dir_all(&config.data_dir).map_err(|e| {
        format!(
            "cannot create the data folder {}: {e}",
            config.data_dir.display()
        )
    })?;
    Db::connect(&config.database_url)
        .await
        .map_err(|e| e.to_string())
}

/// A domain error as an English sentence for the terminal.
pub(crate) fn describe(error: forge_core::Error) -> String {
    forge_web::error::ApiError::from(error).message
}
