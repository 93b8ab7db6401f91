//! A git service over one SSH channel: what the client sends is git's
//! input, git's output goes back as it comes, and its exit status ends the
//! channel. The run itself (journal, consequences of a push, buffers,
//! killing git) is `forge-service`'s, the same as for smart HTTP.

use bytes::Bytes;
use forge_service::Forge;
use forge_service::transfer::{Ended, Input, Transfer};
use russh::server::Msg;
use russh::{Channel, ChannelMsg};
use tokio::io::AsyncWriteExt;

/// Bytes of the client's input held between the channel and git.
const INPUT_BUFFER: usize = 64 * 1024;

/// Runs `transfer` on `channel` to its end.
pub async fn run(forge: Forge, channel: Channel<Msg>, transfer: Transfer) {
    let repo = transfer.repo.full_name();
    let service = transfer.service.name();
    let (mut from_client, to_client) = channel.split();
    let (input, mut into_git) = tokio::io::simplex(INPUT_BUFFER);
    let input: Input = Box::new(input);
    let (mut output, ended) = match forge.start_duplex_transfer(transfer, input).await {
        Ok(started) => started,
        Err(e) => {
            tracing::error!(%repo, service, error = %e, "git over SSH could not start");
            let _ = to_client
                .extended_data_bytes(1, Bytes::from_static(b"Internal server error.\n"))
                .await;
            let _ = to_client.exit_status(128).await;
            let _ = to_client.eof().await;
            let _ = to_client.close().await;
            return;
        }
    };
    // The client's data to git, until its end of file; a client that
    // closes the channel or leaves stops the output side too.
    let (gone_tx, mut gone) = tokio::sync::oneshot::channel::<()>();
    let reader = tokio::spawn(async move {
        let mut open = true;
        while let Some(message) = from_client.wait().await {
            match message {
                // When git no longer reads, later data is dropped.
                ChannelMsg::Data { data } if open && into_git.write_all(&data).await.is_err() => {
                    open = false;
                }
                ChannelMsg::Eof => {
                    let _ = into_git.shutdown().await;
                    open = false;
                }
                ChannelMsg::Close => break,
                _ => {}
            }
        }
        drop(into_git);
        let _ = gone_tx.send(());
    });
    let mut writer = to_client.make_writer();
    let mut delivered = true;
    loop {
        tokio::select! {
            chunk = output.recv() => match chunk {
                Some(Ok(bytes)) => {
                    if writer.write_all(&bytes).await.is_err() {
                        delivered = false;
                        break;
                    }
                }
                Some(Err(e)) => {
                    tracing::warn!(%repo, service, error = %e, "git over SSH: output failed");
                    delivered = false;
                    break;
                }
                None => break,
            },
            _ = &mut gone, if delivered => {
                // The client went away: dropping the output kills git.
                delivered = false;
                break;
            }
        }
    }
    if !delivered {
        drop(output);
        reader.abort();
        tracing::info!(%repo, service, "git over SSH: the client left");
        return;
    }
    let _ = writer.flush().await;
    let ended = ended.await.unwrap_or(Ended {
        success: false,
        errors: String::new(),
    });
    if !ended.errors.is_empty() {
        let _ = to_client
            .extended_data_bytes(1, Bytes::from(ended.errors.into_bytes()))
            .await;
    }
    let status = if ended.success { 0 } else { 1 };
    let _ = to_client.exit_status(status).await;
    let _ = to_client.eof().await;
    let _ = to_client.close().await;
    reader.abort();
}
