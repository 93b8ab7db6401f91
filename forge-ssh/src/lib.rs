//! Git over SSH: the forge's own SSH server, a transport like `forge-web`.
//!
//! It authenticates clients by public key only, finding who holds the key
//! by its fingerprint (a user's key, or a repository's deploy key), and
//! runs nothing but `git-upload-pack`, `git-receive-pack` and
//! `git-upload-archive` on a repository path. Who may do what, running
//! git, streaming and what a push causes are `forge-service`'s, exactly as
//! for smart HTTP: this crate decides nothing that HTTP does not.
//!
//! - `host_keys.rs`: the server's Ed25519 and RSA host keys, made on first
//!   start.
//! - `command.rs`: reading the one command allowed.
//! - `session.rs`: a connection: authentication, requests, refusals.
//! - `transfer.rs`: a git service over one channel.

pub mod command;
pub mod host_keys;
mod session;
mod transfer;

pub use host_keys::{Fingerprint, HostKeys};

use forge_service::Forge;
use russh::MethodKind;
use russh::server::Server;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// The SSH server's settings.
fn config(host_keys: &HostKeys) -> russh::server::Config {
    russh::server::Config {
        server_id: russh::SshId::Standard("SSH-2.0-forge".into()),
        methods: (&[MethodKind::PublicKey][..]).into(),
        keys: host_keys.keys().to_vec(),
        // Every refusal takes as long, known key or not.
        auth_rejection_time: Duration::from_millis(500),
        auth_rejection_time_initial: Some(Duration::from_millis(0)),
        max_auth_attempts: 6,
        inactivity_timeout: Some(Duration::from_secs(600)),
        keepalive_interval: Some(Duration::from_secs(60)),
        nodelay: true,
        ..Default::default()
    }
}

struct Listener {
    forge: Forge,
}

impl Server for Listener {
    type Handler = session::Connection;

    fn new_client(&mut self, peer: Option<std::net::SocketAddr>) -> session::Connection {
        session::Connection::new(self.forge.clone(), peer)
    }

    fn handle_session_error(&mut self, error: russh::Error) {
        tracing::debug!(%error, "an SSH connection ended with an error");
    }
}

/// Serves git over SSH on `listener` until `shutdown` resolves; then
/// connections are told the server is going away and closed.
pub async fn serve(
    forge: Forge,
    host_keys: &HostKeys,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let config = Arc::new(config(host_keys));
    let mut server = Listener { forge };
    let running = server.run_on_socket(config, &listener);
    let handle = running.handle();
    tokio::select! {
        result = running => result,
        () = shutdown => {
            handle.shutdown("the forge is shutting down".into());
            Ok(())
        }
    }
}
