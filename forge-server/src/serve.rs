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

    let state = AppState::new(
        db.clone(),
        WebConfig {
            site_name: config.site_name.clone(),
            base_url: base_url.clone(),
            local_signup: config.local_signup,
            local_signin: config.local_signin,
            providers: config.providers.clone(),
            metrics: config.metrics.clone(),
            ..WebConfig::default()
        },
        forge_git::Storage::new(repositories),
    );
    // Background work (funding deadlines, expired sessions, pushes whose
    // process died), each job in one process at a time.
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
