//! The git binary's pack protocol services: `upload-pack` (clone, fetch)
//! and `receive-pack` (push), as git's own `http-backend` runs them in
//! `--stateless-rpc` mode, one process per request (started by
//! [`crate::process::spawn_pack_service`]), and the same two with
//! `upload-archive` as `sshd` runs them, one full-duplex process per
//! command (started by [`crate::process::spawn_duplex_service`]).

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    UploadPack,
    ReceivePack,
    /// `git archive --remote`: served over SSH only, as git does.
    UploadArchive,
}

impl Service {
    /// `git-upload-pack` or `git-receive-pack`, as in URLs and headers.
    pub fn parse(name: &str) -> Option<Service> {
        match name {
            "git-upload-pack" => Some(Service::UploadPack),
            "git-receive-pack" => Some(Service::ReceivePack),
            _ => None,
        }
    }

    /// A service named as the first word of an SSH command
    /// (`git-upload-pack`, `git-receive-pack`, `git-upload-archive`).
    pub fn parse_command(name: &str) -> Option<Service> {
        match name {
            "git-upload-archive" => Some(Service::UploadArchive),
            other => Service::parse(other),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Service::UploadPack => "git-upload-pack",
            Service::ReceivePack => "git-receive-pack",
            Service::UploadArchive => "git-upload-archive",
        }
    }

    pub(crate) fn subcommand(self) -> &'static str {
        match self {
            Service::UploadPack => "upload-pack",
            Service::ReceivePack => "receive-pack",
            Service::UploadArchive => "upload-archive",
        }
    }

    /// Whether the service changes the repository.
    pub fn writes(self) -> bool {
        self == Service::ReceivePack
    }
}

/// Whether a `Git-Protocol` header value may be passed to git as
/// `GIT_PROTOCOL`: colon-separated `key` or `key=value` items of safe
/// characters, as git itself checks.
pub fn valid_protocol(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 256
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'=' | b':' | b'.' | b'_' | b'-'))
}

/// Whether the client asked for protocol version 2.
pub fn is_v2(protocol: Option<&str>) -> bool {
    protocol.is_some_and(|p| p.split(':').any(|item| item == "version=2"))
}

/// One pkt-line holding `data`.
pub fn pkt_line(data: &str) -> Vec<u8> {
    let mut line = format!("{:04x}", data.len() + 4).into_bytes();
    line.extend_from_slice(data.as_bytes());
    line
}

/// What an `info/refs` answer starts with in protocol v0 and v1: the
/// service announcement and a flush packet. Protocol v2 has none.
pub fn advertisement_prefix(service: Service) -> Vec<u8> {
    let mut prefix = pkt_line(&format!("# service={}\n", service.name()));
    prefix.extend_from_slice(b"0000");
    prefix
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_headers() {
        assert!(valid_protocol("version=2"));
        assert!(valid_protocol("version=2:object-format=sha1"));
        assert!(!valid_protocol(""));
        assert!(!valid_protocol("version=2; rm -rf /"));
        assert!(!valid_protocol("version=2\n"));
        assert!(is_v2(Some("version=2")));
        assert!(!is_v2(Some("version=1")));
        assert!(!is_v2(None));
    }

    #[test]
    fn announcement() {
        assert_eq!(
            advertisement_prefix(Service::UploadPack),
            b"001e# service=git-upload-pack\n0000".to_vec()
        );
        assert_eq!(
            Service::parse("git-receive-pack"),
            Some(Service::ReceivePack)
        );
        assert_eq!(Service::parse("git-upload-archive"), None);
        assert_eq!(
            Service::parse_command("git-upload-archive"),
            Some(Service::UploadArchive)
        );
        assert_eq!(Service::parse_command("git-shell"), None);
    }
}
