//! Sending webhooks: the payloads, shaped like Gitea's ([`payload`]), and
//! the delivery job ([`send`]) that claims due deliveries, signs and posts
//! them, records what happened and schedules retries.
//!
//! Which deliveries exist is decided in `forge-core` (the `webhooks`
//! consumer of the outbox); this module does the network work, afterwards,
//! in every process: each attempt is claimed by one of them.

pub mod payload;
pub mod send;

use crate::http::{AddressPolicy, HttpClient};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

/// The site's settings for webhooks (`[webhooks]` in the configuration).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// The public URL of the forge, for the links in payloads.
    pub base_url: String,
    /// Which target addresses may be reached: by default none that is
    /// loopback, private or link-local.
    pub addresses: AddressPolicy,
    /// How long one request may take, connecting included.
    pub timeout: Duration,
    /// The delay before the first retry; later ones grow (×6, ×30, ×180,
    /// ×720).
    pub retry_base: Duration,
    /// Attempts per delivery, the first included.
    pub max_attempts: i64,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            base_url: String::new(),
            addresses: AddressPolicy::default(),
            timeout: Duration::from_secs(10),
            retry_base: Duration::from_secs(10),
            max_attempts: 6,
        }
    }
}

/// The settings and, once needed, the client of one process.
pub struct Webhooks {
    pub settings: Settings,
    client: OnceLock<Result<HttpClient, String>>,
}

impl Webhooks {
    pub fn new(settings: Settings) -> Arc<Webhooks> {
        Arc::new(Webhooks {
            settings,
            client: OnceLock::new(),
        })
    }

    /// The client, built at first use (it reads the system's root
    /// certificates).
    pub fn client(&self) -> Result<&HttpClient, String> {
        self.client
            .get_or_init(|| {
                HttpClient::with_policy(self.settings.timeout, self.settings.addresses.clone())
                    .map_err(|e| format!("cannot set TLS up: {e}"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}
