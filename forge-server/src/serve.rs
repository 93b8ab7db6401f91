//! `forge serve`: start-up, background tasks and graceful shutdown.

use crate::config::Config;
use axum::serve::ListenerExt;
use forge_web::{AppState, WebConfig};
use std::future::IntoFuture;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

pub async fn serve(config: Config) -> Result<(), String> {
    let repositories = config.repositories_dir();
    std::fs::create_dir_all(&repositories).map_err(|e| {
        format!(
            "cannot create the repositories folder {}: {e}",
            repositories.display()
        )
    })?;
    let db = crate::open_database(&config).await?;
    forge_core::migrations::migrate(&db)
        .await
        .map_err(|e| format!("migrating the database failed: {e}"))?;

    let listener = TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let address = listener
        .local_addr()
        .map_err(|e| format!("cannot read the listening address: {e}"))?;
    let base_url = config
        .base_url
        .clone()
        .unwrap_or_else(|| format!("http://{address}"));

    let ssh = match &config.ssh {
        Some(ssh) => Some(start_ssh(ssh, &config, &base_url).await?),
        None => None,
    };

    let state = AppState::new(
        db.clone(),
        WebConfig {
            site_name: config.site_name.clone(),
            base_url: base_url.clone(),
            local_signup: config.local_signup,
            local_signin: config.local_signin,
            providers: config.providers.clone(),
            metrics: config.metrics.clone(),
            ssh: ssh.as_ref().map(|ssh| ssh.info.clone()),
            webhooks: config.webhooks.clone(),
            ..WebConfig::default()
        },
        forge_git::Storage::new(repositories),
    );
    // Background work (funding deadlines, expired sessions, pushes whose
    // process died, webhooks, notifications and their e-mail), each job in
    // one process at a time, webhook deliveries claimed one by one.
    let forge = match &config.mail {
        Some(settings) => {
            let composer = forge_web::mail_text::MailComposer {
                base_url: base_url.clone(),
                site_name: config.site_name.clone(),
            };
            let mailer = forge_service::mail::Mailer::new(
                settings.clone(),
                std::sync::Arc::new(composer),
                &base_url,
            )?;
            tracing::info!(host = %settings.host, port = settings.port, "notification e-mail is on");
            state.forge.clone().with_mail(mailer)
        }
        None => state.forge.clone(),
    };
    let background = forge_service::background::Background::start(forge);

    tracing::info!(%address, engine = ?db.engine(), "forge started");
    // Printed on standard output so scripts (and the tests) can find the URL.
    println!("Forge is listening on http://{address} (public URL {base_url})");
    if let Some(ssh) = &ssh {
        // What people compare with what their SSH client shows them.
        println!("Git over SSH is listening on {}", ssh.address);
        for (algorithm, fingerprint) in &ssh.info.fingerprints {
            println!("SSH host key {algorithm} {fingerprint}");
        }
    }

    let ssh_server = ssh.map(|ssh| {
        let forge = state.forge.clone();
        let stop = ssh.stop.clone();
        let task = tokio::spawn(async move {
            let stopped = async move { stop.notified().await };
            if let Err(e) = forge_ssh::serve(forge, &ssh.keys, ssh.listener, stopped).await {
                tracing::error!(error = %e, "the SSH server stopped");
            }
        });
        (ssh.stop, task)
    });

    // Answers leave at once: with Nagle's algorithm a response written in
    // several small pieces waits for the client's delayed acknowledgement,
    // about 40 ms, on every request of git's smart HTTP and every page.
    let listener = listener.tap_io(|stream| {
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY on a connection");
        }
    });
    let draining = Arc::new(tokio::sync::Notify::new());
    // The peer's address keys the guessing limits and shows in the
    // security log.
    let app = forge_web::app(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    let server = axum::serve(listener, app).with_graceful_shutdown({
        let draining = draining.clone();
        async move { draining.notified().await }
    });
    let mut server = std::pin::pin!(server.into_future());
    let served = tokio::select! {
        served = &mut server => served,
        () = shutdown_signal() => {
            // The listener closes (new connections are refused) and the
            // requests in flight get until the deadline to finish.
            draining.notify_one();
            match tokio::time::timeout(config.shutdown_timeout, &mut server).await {
                Ok(served) => served,
                Err(_) => {
                    tracing::warn!(
                        timeout_s = config.shutdown_timeout.as_secs(),
                        "requests still running at the shutdown deadline are cut"
                    );
                    Ok(())
                }
            }
        }
    };
    served.map_err(|e| format!("the server stopped: {e}"))?;
    if let Some((stop, task)) = ssh_server {
        // SSH connections are told the forge is going away; their
        // transfers end like HTTP's cut at the deadline.
        stop.notify_one();
        if tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .is_err()
        {
            tracing::warn!("the SSH server did not stop in time");
        }
    }

    background.stop().await;
    // A transfer cut at the deadline may still hold a connection: closing
    // the pool waits for it no longer than a moment.
    if tokio::time::timeout(Duration::from_secs(5), db.close())
        .await
        .is_err()
    {
        tracing::warn!("database connections still in use at exit are dropped");
    }
    tracing::info!("forge stopped");
    Ok(())
}

/// The SSH server, ready to serve.
struct Ssh {
    address: std::net::SocketAddr,
    listener: TcpListener,
    keys: forge_ssh::HostKeys,
    info: forge_web::SshInfo,
    stop: Arc<tokio::sync::Notify>,
}

/// Reads or makes the host keys and listens.
async fn start_ssh(
    ssh: &crate::config::SshConfig,
    config: &Config,
    base_url: &str,
) -> Result<Ssh, String> {
    let folder = config.ssh_keys_dir();
    let keys = tokio::task::spawn_blocking(move || forge_ssh::HostKeys::load_or_create(&folder))
        .await
        .map_err(|e| format!("making the SSH host keys failed: {e}"))?
        .map_err(|e| format!("cannot read or make the SSH host keys: {e}"))?;
    let listener = TcpListener::bind(ssh.listen)
        .await
        .map_err(|e| format!("cannot listen for SSH on {}: {e}", ssh.listen))?;
    let address = listener
        .local_addr()
        .map_err(|e| format!("cannot read the SSH listening address: {e}"))?;
    let host = ssh.host.clone().unwrap_or_else(|| host_of(base_url));
    let info = forge_web::SshInfo {
        host,
        port: ssh.port.unwrap_or(address.port()),
        fingerprints: keys
            .fingerprints()
            .into_iter()
            .map(|f| (f.algorithm, f.fingerprint))
            .collect(),
    };
    tracing::info!(%address, "git over SSH started");
    Ok(Ssh {
        address,
        listener,
        keys,
        info,
        stop: Arc::new(tokio::sync::Notify::new()),
    })
}

/// The host of a base URL: `forge.example.org` of
/// `https://forge.example.org:8443/forge`.
fn host_of(base_url: &str) -> String {
    let rest = base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest);
    let authority = rest.split('/').next().unwrap_or(rest);
    let authority = authority
        .rsplit_once('@')
        .map_or(authority, |(_, host)| host);
    if let Some(bracketed) = authority.strip_prefix('[') {
        return bracketed.split(']').next().unwrap_or(bracketed).to_string();
    }
    authority.split(':').next().unwrap_or(authority).to_string()
}

/// Resolves on SIGINT or SIGTERM. Requests in flight then finish before
/// `axum::serve` returns, or are cut at the shutdown deadline; each of them
/// writes in its own transaction, and a push cut short is finished by the
/// push journal, so nothing is left half-written.
async fn shutdown_signal() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for SIGINT");
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_ssh_host_comes_from_the_base_url() {
        assert_eq!(
            super::host_of("https://forge.example.org"),
            "forge.example.org"
        );
        assert_eq!(super::host_of("http://127.0.0.1:3000/"), "127.0.0.1");
        assert_eq!(super::host_of("https://[::1]:8443/forge"), "::1");
    }
}
