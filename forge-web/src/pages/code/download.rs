//! What raw files and archives share: the `Content-Disposition` that names
//! a download, and a git process's output streamed as a response body.

use super::{encode_component, internal};
use crate::error::PageError;
use axum::body::Body;
use axum::http::header::CONTENT_DISPOSITION;
use axum::http::{HeaderMap, HeaderValue};
use forge_git::process::{ArgumentError, GitCommand};
use tokio::io::AsyncReadExt;

/// `inline` or `attachment` with the file name, in ASCII and in UTF-8.
fn content_disposition(kind: &str, name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!(
        "{kind}; filename=\"{ascii}\"; filename*=UTF-8''{}",
        encode_component(name.as_bytes())
    )
}

/// Sets the `Content-Disposition` of a download: `inline` or `attachment`
/// with the file name. A name that cannot be a header value leaves the
/// header out.
pub(super) fn set_disposition(headers: &mut HeaderMap, kind: &str, name: &str) {
    let disposition = content_disposition(kind, name);
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(CONTENT_DISPOSITION, value);
    }
}

/// A git command forge-git refused to build. Only values the forge derived
/// itself (object ids, folder names) reach these commands, so this is the
/// forge's own failure: logged, and answered with a 500.
pub(super) fn command_refused(error: ArgumentError) -> PageError {
    tracing::error!(error = %error, "a git command was refused");
    internal()
}

/// Starts `command`, reads up to `peek` bytes of its output (to choose
/// headers, and to answer a readable error when it fails at once), and
/// streams the whole output. The process lives as long as the body (a
/// client that goes away kills it).
pub(super) async fn stream_git(
    command: GitCommand,
    peek: usize,
) -> Result<(Vec<u8>, Body), PageError> {
    let mut output = command.spawn_output().map_err(|e| {
        tracing::error!(error = %e, "could not start git");
        internal()
    })?;
    let mut first = vec![0u8; peek];
    let mut filled = 0;
    while filled < peek {
        let n = output.read(&mut first[filled..]).await.map_err(|e| {
            tracing::error!(error = %e, "could not read git's output");
            internal()
        })?;
        if n == 0 {
            break;
        }
        filled += n;
    }
    first.truncate(filled);
    if filled == 0 {
        let status = output.wait().await.map_err(|_| internal())?;
        if !status.success() {
            tracing::error!(%status, "git failed");
            return Err(internal());
        }
    }
    let stream =
        tokio_util::io::ReaderStream::new(std::io::Cursor::new(first.clone()).chain(output));
    Ok((first, Body::from_stream(stream)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn downloads_name_their_file_safely() {
        assert_eq!(
            content_disposition("attachment", "a\"b\u{e9}.bin"),
            "attachment; filename=\"a_b_.bin\"; filename*=UTF-8''a%22b%C3%A9.bin"
        );
    }
}
