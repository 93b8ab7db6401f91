//! The HTTP client that talks to sign-in providers: `forge-service`'s
//! client (hyper with rustls on ring, deadlines, bounded answers), which
//! the delivery of webhooks shares. Providers are configured by the site
//! admin, so any address may be reached.

pub use forge_service::http::{Answer, HttpClient, HttpError};
