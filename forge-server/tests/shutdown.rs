//! Graceful shutdown with a deadline, on a real process: after SIGTERM new
//! connections are refused, a request in flight finishes, and a client that
//! stalls is cut at the deadline instead of keeping the server alive.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

mod support;

use base64::Engine as _;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};
use support::{Server, forge, temp_dir};

const BODY: &str = r#"{"name": "a token made while the server stops"}"#;

/// Sends a token request whose body stops after its first `sent` bytes.
fn partial_request(address: &str, sent: usize) -> TcpStream {
    let mut stream = TcpStream::connect(address).unwrap();
    let credentials = base64::engine::general_purpose::STANDARD.encode("root:root password 123");
    write!(
        stream,
        "POST /api/v1/users/root/tokens HTTP/1.1\r\nHost: {address}\r\n\
         Authorization: Basic {credentials}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n{}",
        BODY.len(),
        &BODY[..sent]
    )
    .unwrap();
    stream.flush().unwrap();
    stream
}

#[test]
fn sigterm_finishes_requests_in_flight_and_cuts_stalled_ones_at_the_deadline() {
    let data_dir = temp_dir();
    let output = forge(&data_dir, None)
        .args([
            "admin",
            "create-user",
            "--username",
            "root",
            "--email",
            "root@example.org",
            "--password",
            "root password 123",
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let mut server = Server::start_with(&data_dir, None, &[("FORGE_SHUTDOWN_TIMEOUT", "3")]);
    let address = server.url.trim_start_matches("http://").to_string();

    // Two requests in flight, each waiting for the rest of its body (the
    // server checked the password, then reads the body).
    let mut finishing = partial_request(&address, 5);
    let mut stalled = partial_request(&address, 5);
    std::thread::sleep(Duration::from_millis(1500));

    let stopped_at = Instant::now();
    let status = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    std::thread::sleep(Duration::from_millis(300));

    // New connections are refused while the server drains.
    assert!(
        TcpStream::connect(&address).is_err(),
        "the listener still accepts connections after SIGTERM"
    );

    // The first client sends the rest: its request finishes normally.
    finishing.write_all(&BODY.as_bytes()[5..]).unwrap();
    finishing.flush().unwrap();
    finishing
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut answer = [0u8; 12];
    finishing.read_exact(&mut answer).unwrap();
    assert_eq!(
        &answer,
        b"HTTP/1.1 201",
        "{}",
        String::from_utf8_lossy(&answer)
    );

    // The second never does: the server exits at the deadline anyway.
    let deadline = stopped_at + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "a stalled client kept the server alive past its shutdown deadline"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let took = stopped_at.elapsed();
    assert!(status.success(), "forge exited with {status}");
    assert!(
        took >= Duration::from_millis(2500),
        "the server did not wait for the stalled request ({took:?})"
    );
    // The stalled client's connection is closed.
    stalled
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut rest = Vec::new();
    let _ = stalled.read_to_end(&mut rest);
    drop(server);
    std::fs::remove_dir_all(&data_dir).unwrap();
}
