//! One SSH connection: public-key authentication by fingerprint, then
//! `exec` requests for git services only. Shells, terminals, subsystems,
//! forwarding and every other command are refused with a sentence on the
//! client's standard error and a non-zero exit status.

use crate::command::{self, GitCommand, Refused};
use crate::transfer;
use forge_core::push_journal::DeployKeyPusher;
use forge_core::ssh_key::{self, KeyHolder};
use forge_git::service::{self, Service};
use forge_service::Forge;
use forge_service::git_access::{Denied, GitActor};
use forge_service::transfer::Transfer;
use russh::server::{Auth, Handler, Msg, Session};
use russh::{Channel, ChannelId};
use std::collections::HashMap;
use std::net::SocketAddr;

/// The exit status of a refused command (git's own for a fatal error).
const REFUSED: u32 = 128;

/// A session channel waiting for its command.
struct Pending {
    channel: Channel<Msg>,
    /// `GIT_PROTOCOL` from an `env` request, when well-formed.
    protocol: Option<String>,
}

pub struct Connection {
    forge: Forge,
    peer: Option<SocketAddr>,
    holder: Option<KeyHolder>,
    channels: HashMap<ChannelId, Pending>,
}

impl Connection {
    pub fn new(forge: Forge, peer: Option<SocketAddr>) -> Connection {
        Connection {
            forge,
            peer,
            holder: None,
            channels: HashMap::new(),
        }
    }

    /// Says why on the channel's standard error, then ends it with a
    /// non-zero status. The channel is forgotten: nothing more runs on it.
    fn refuse(&mut self, channel: ChannelId, session: &mut Session, message: &str) {
        self.channels.remove(&channel);
        let text = format!("{message}\n");
        let sent = session
            .extended_data(channel, 1, text.into_bytes())
            .and_then(|()| session.exit_status_request(channel, REFUSED))
            .and_then(|()| session.eof(channel))
            .and_then(|()| session.close(channel));
        if let Err(e) = sent {
            tracing::debug!(error = %e, "the SSH client left before its refusal");
        }
    }

    fn who(&self) -> String {
        match &self.holder {
            Some(KeyHolder::User { user, .. }) => user.name.clone(),
            Some(KeyHolder::Deploy { key, title, .. }) => format!("deploy key {key} ({title})"),
            None => "-".into(),
        }
    }

    /// Checks access to the command's repository, and says why not.
    async fn authorize(&self, command: &GitCommand) -> Result<forge_core::repo::Repo, Refused> {
        let actor = match &self.holder {
            Some(KeyHolder::User { user, .. }) => GitActor::User(user),
            Some(KeyHolder::Deploy {
                repo, can_write, ..
            }) => GitActor::DeployKey {
                repo: *repo,
                can_write: *can_write,
            },
            None => return Err(Refused(NOT_FOUND.into())),
        };
        let decision = self
            .forge
            .authorize_git_as(actor, &command.owner, &command.name, command.service)
            .await;
        match decision {
            Ok(Ok(repo)) => Ok(repo),
            Ok(Err(Denied::NotFound | Denied::NeedsCredentials)) => Err(Refused(NOT_FOUND.into())),
            Ok(Err(Denied::ReadOnly { user, repo })) => Err(Refused(format!(
                "{user} may read {repo} but not push to it."
            ))),
            Ok(Err(Denied::ReadOnlyKey { repo })) => Err(Refused(format!(
                "This deploy key may read {repo} but not push to it."
            ))),
            Err(e) if e.is_unavailable() => {
                tracing::error!(error = %e, "git over SSH: the database is unavailable");
                Err(Refused(
                    "The forge cannot reach its database right now; nothing was changed. \
                     Try again in a moment."
                        .into(),
                ))
            }
            Err(e) => {
                tracing::error!(error = %e, "git over SSH: checking access failed");
                Err(Refused("Internal server error.".into()))
            }
        }
    }
}

const NOT_FOUND: &str = "Repository not found, or you are not allowed to see it.";

impl Handler for Connection {
    type Error = russh::Error;

    async fn auth_publickey_offered(
        &mut self,
        _user: &str,
        offer: russh::server::PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        // Spare the client a signature for a key that is not known here;
        // whether it is still valid is decided once it is proven.
        let fingerprint = ssh_key::fingerprint(offer.public_key);
        match ssh_key::authenticate(&self.forge.db, &fingerprint).await {
            Ok(Some(_)) => Ok(Auth::Accept),
            Ok(None) => Ok(Auth::reject()),
            Err(e) => {
                tracing::error!(error = %e, "git over SSH: looking up a key failed");
                Ok(Auth::reject())
            }
        }
    }

    async fn auth_publickey(
        &mut self,
        _user: &str,
        key: russh::server::VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        let fingerprint = ssh_key::fingerprint(key.public_key);
        match ssh_key::authenticate(&self.forge.db, &fingerprint).await {
            Ok(Some(holder)) => {
                self.holder = Some(holder);
                tracing::info!(peer = ?self.peer, who = %self.who(), "SSH key accepted");
                Ok(Auth::Accept)
            }
            Ok(None) => {
                tracing::info!(peer = ?self.peer, %fingerprint, "unknown SSH key refused");
                Ok(Auth::reject())
            }
            Err(e) => {
                tracing::error!(error = %e, "git over SSH: looking up a key failed");
                Ok(Auth::reject())
            }
        }
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: russh::server::ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.channels.len() >= 4 {
            reply
                .reject(russh::ChannelOpenFailure::ResourceShortage)
                .await;
            return Ok(());
        }
        self.channels.insert(
            channel.id(),
            Pending {
                channel,
                protocol: None,
            },
        );
        reply.accept().await;
        Ok(())
    }

    async fn channel_close(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.channels.remove(&channel);
        Ok(())
    }

    async fn env_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        value: &str,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        // Only the protocol version is read; every other variable is
        // ignored, as sshd's default `AcceptEnv` does.
        if name == "GIT_PROTOCOL"
            && service::valid_protocol(value)
            && let Some(pending) = self.channels.get_mut(&channel)
        {
            pending.protocol = Some(value.to_string());
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        _col_width: u32,
        _row_height: u32,
        _pix_width: u32,
        _pix_height: u32,
        _modes: &[(russh::Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)
    }

    async fn x11_request(
        &mut self,
        channel: ChannelId,
        _single_connection: bool,
        _x11_auth_protocol: &str,
        _x11_auth_cookie: &str,
        _x11_screen_number: u32,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_success(channel)?;
        let message = match &self.holder {
            Some(KeyHolder::User { user, .. }) => format!(
                "Hello {}! You are signed in, but this forge gives no shell: \
                 use git to clone, fetch and push over SSH.",
                user.name
            ),
            _ => "This forge gives no shell: use git to clone, fetch and push over SSH.".into(),
        };
        self.refuse(channel, session, &message);
        Ok(())
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)?;
        let message = format!("The {name:?} subsystem is not offered here: only git over SSH is.");
        self.refuse(channel, session, &message);
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        // The request succeeds as a request; a refusal is the command's
        // answer, on its standard error, as sshd's would be.
        session.channel_success(channel)?;
        let command = match command::parse(data) {
            Ok(command) => command,
            Err(Refused(message)) => {
                tracing::info!(peer = ?self.peer, who = %self.who(), "SSH command refused");
                self.refuse(channel, session, &message);
                return Ok(());
            }
        };
        let repo = match self.authorize(&command).await {
            Ok(repo) => repo,
            Err(Refused(message)) => {
                tracing::info!(
                    peer = ?self.peer, who = %self.who(), service = command.service.name(),
                    repo = %format!("{}/{}", command.owner, command.name),
                    "git over SSH refused"
                );
                self.refuse(channel, session, &message);
                return Ok(());
            }
        };
        let Some(pending) = self.channels.remove(&channel) else {
            self.refuse(channel, session, "This channel already runs a command.");
            return Ok(());
        };
        let (caller, deploy_key) = match &self.holder {
            Some(KeyHolder::User { user, .. }) => (Some(user.clone()), None),
            Some(KeyHolder::Deploy { key, title, .. }) => (
                None,
                Some(DeployKeyPusher {
                    id: *key,
                    title: title.clone(),
                }),
            ),
            None => (None, None),
        };
        // Protocol v2 is upload-pack's only; git ignores it elsewhere.
        let protocol = pending
            .protocol
            .filter(|_| command.service == Service::UploadPack);
        tracing::info!(
            peer = ?self.peer, who = %self.who(), service = command.service.name(),
            repo = %repo.full_name(), "git over SSH"
        );
        let transfer = Transfer {
            repo,
            caller,
            deploy_key,
            service: command.service,
            advertise: false,
            protocol,
        };
        tokio::spawn(transfer::run(self.forge.clone(), pending.channel, transfer));
        Ok(())
    }
}
