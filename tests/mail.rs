//! Notification e-mail against a real SMTP server (Python's aiosmtpd,
//! `tests/smtp_sink.py`), on each engine: only verified addresses, the
//! recipient's language, threading headers, the one-click unsubscribe link
//! (RFC 8058) that works without signing in, and an unreachable server
//! that blocks nothing and is tried again later.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_core::account_settings::{self, ProfileChange};
use forge_core::issue::{self, Issue, NewIssue};
use forge_core::notification::deliver;
use forge_core::notification::mail;
use forge_core::notification::watch::{self, WatchMode};
use forge_core::repo::{NewRepo, Repo};
use forge_core::user::User;
use forge_core::{comment, consumer, testing};
use forge_service::mail::{MailSettings, Mailer, Security};
use forge_tests::{Browser, TestForge, http};
use reqwest::StatusCode;
use serde_json::Value;
use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The SMTP server of one test, stopped when dropped.
struct Sink {
    child: Child,
    port: u16,
    out: PathBuf,
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.out);
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("binding a free port")
        .local_addr()
        .expect("a bound socket has an address")
        .port()
}

fn start_sink() -> Sink {
    let port = free_port();
    let out =
        std::env::temp_dir().join(format!("forge-mail-{}", forge_core::secret::random_hex(6)));
    std::fs::create_dir_all(&out).expect("creating the mail folder");
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/smtp_sink.py");
    let mut child = Command::new("python3")
        .arg(script)
        .arg(port.to_string())
        .arg(&out)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("starting the SMTP server (python3 with aiosmtpd)");
    let stdout = child.stdout.take().expect("the server's output");
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("reading the server's first line");
    assert_eq!(
        line.trim(),
        "ready",
        "the SMTP server did not start (is aiosmtpd installed?)"
    );
    Sink { child, port, out }
}

impl Sink {
    /// The messages received so far, in order.
    fn messages(&self) -> Vec<Value> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(&self.out)
            .expect("reading the mail folder")
            .map(|e| e.expect("a folder entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
            .collect()
    }
}

fn settings(port: u16) -> MailSettings {
    MailSettings {
        host: "127.0.0.1".into(),
        port,
        security: Security::None,
        username: None,
        password: None,
        from: "Test Forge <forge@example.org>".into(),
    }
}

fn mailer(forge: &TestForge, port: u16) -> Mailer {
    let composer = forge_web::mail_text::MailComposer {
        base_url: forge.url.clone(),
        site_name: "Test Forge".into(),
    };
    Mailer::new(settings(port), Arc::new(composer), &forge.url).expect("a mailer")
}

async fn make_repo(forge: &TestForge, owner: &User) -> Repo {
    forge_core::repo::create(
        &forge.db,
        owner,
        &owner.name,
        NewRepo {
            name: "project".into(),
            ..NewRepo::default()
        },
        async |_| Ok(()),
    )
    .await
    .expect("creating a repository")
}

async fn open_issue(forge: &TestForge, author: &User, repo: &Repo, title: &str) -> Issue {
    issue::create(
        &forge.db,
        author,
        repo,
        NewIssue {
            title: title.into(),
            ..NewIssue::default()
        },
    )
    .await
    .expect("opening an issue")
}

/// Runs the consumer until `expected` messages wait in total.
async fn queued(forge: &TestForge, expected: i64) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        deliver::run(&forge.db).await.unwrap();
        let n = testing::numbers(
            &forge.db,
            "SELECT CAST(COUNT(*) AS BIGINT) FROM mail_messages",
        )
        .await[0];
        if n >= expected {
            assert_eq!(n, expected);
            return;
        }
        assert!(Instant::now() < deadline, "{n} messages, not {expected}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn header<'a>(message: &'a Value, name: &str) -> &'a str {
    message["headers"][name]
        .as_str()
        .unwrap_or_else(|| panic!("no {name} in {message}"))
}

#[tokio::test]
async fn messages_reach_verified_addresses_in_their_language_threaded_with_one_click_unsubscribe() {
    let sink = start_sink();
    let mut seen = 0;
    for forge in TestForge::on_each_engine().await {
        consumer::position(&forge.db, deliver::CONSUMER, consumer::Start::Now)
            .await
            .unwrap();
        let owner = forge.user("owner", false).await;
        let reader = forge.user("reader", false).await;
        let unverified = forge.user("unverified", false).await;
        account_settings::update_profile(
            &forge.db,
            reader.id,
            ProfileChange {
                full_name: None,
                description: None,
                locale: Some("fr".into()),
            },
            &["en", "fr"],
        )
        .await
        .unwrap();
        mail::verify_email(&forge.db, reader.id).await.unwrap();
        let project = make_repo(&forge, &owner).await;
        for user in [&reader, &unverified] {
            watch::watch(&forge.db, user, &project, WatchMode::All)
                .await
                .unwrap();
        }
        let found = open_issue(&forge, &owner, &project, "Export to ODS").await;
        comment::create(&forge.db, &owner, &project, &found, "Started.")
            .await
            .unwrap();
        // Two events for the verified reader; nothing for the other.
        queued(&forge, 2).await;
        let sender = mailer(&forge, sink.port);
        assert_eq!(sender.send_due(&forge.db).await.unwrap(), 2);
        assert_eq!(sender.send_due(&forge.db).await.unwrap(), 0);
        let messages = sink.messages();
        assert_eq!(messages.len(), seen + 2);
        let (opened, commented) = (&messages[seen], &messages[seen + 1]);
        seen += 2;
        assert_eq!(opened["envelope_to"][0], "reader@example.org");
        assert_eq!(
            header(opened, "Subject"),
            "[owner/project] Export to ODS (#1)"
        );
        assert!(
            opened["text"]
                .as_str()
                .unwrap()
                .contains("owner a ouvert le ticket")
        );
        assert!(
            commented["text"]
                .as_str()
                .unwrap()
                .contains("owner a commenté")
        );
        assert!(
            commented["html"]
                .as_str()
                .unwrap()
                .contains("<html lang=\"fr\">")
        );
        let issue_link = format!("{}/owner/project/issues/1", forge.url);
        assert!(opened["text"].as_str().unwrap().contains(&issue_link));
        // One thread per issue: both name it, each has its own id.
        let thread = format!("<issue-{}@127.0.0.1>", found.id);
        for message in [opened, commented] {
            assert_eq!(header(message, "In-Reply-To"), thread);
            assert_eq!(header(message, "References"), thread);
            assert_eq!(
                header(message, "List-Unsubscribe-Post"),
                "List-Unsubscribe=One-Click"
            );
        }
        assert_ne!(
            header(opened, "Message-ID"),
            header(commented, "Message-ID")
        );
        assert!(header(opened, "Message-ID").ends_with("@127.0.0.1>"));

        // One click, without signing in or any cookie: the issue is muted.
        let link = header(commented, "List-Unsubscribe")
            .trim_matches(['<', '>'])
            .to_string();
        assert!(
            link.starts_with(&format!("{}/-/unsubscribe/", forge.url)),
            "{link}"
        );
        assert!(commented["text"].as_str().unwrap().contains(&link));
        let page = http().get(&link).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        // Following the link (as a mail scanner does) changes nothing.
        assert!(watch::hears_of(&forge.db, &reader, found.id).await.unwrap());
        let clicked = http()
            .post(&link)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click")
            .send()
            .await
            .unwrap();
        assert_eq!(clicked.status(), StatusCode::OK);
        assert!(!watch::hears_of(&forge.db, &reader, found.id).await.unwrap());
        let forged = http()
            .post(format!("{}/-/unsubscribe/{}", forge.url, "0".repeat(64)))
            .send()
            .await
            .unwrap();
        assert_eq!(forged.status(), StatusCode::NOT_FOUND);
        comment::create(&forge.db, &owner, &project, &found, "Muted.")
            .await
            .unwrap();
        let other = open_issue(&forge, &owner, &project, "Another").await;
        let _ = other;
        queued(&forge, 3).await;
        assert_eq!(sender.send_due(&forge.db).await.unwrap(), 1);
        let messages = sink.messages();
        assert_eq!(messages.len(), seen + 1);
        assert!(header(&messages[seen], "Subject").contains("Another (#2)"));
        seen += 1;
    }
}

#[tokio::test]
async fn an_unreachable_server_blocks_nothing_and_is_tried_again_later() {
    let sink = start_sink();
    for forge in TestForge::on_each_engine().await {
        consumer::position(&forge.db, deliver::CONSUMER, consumer::Start::Now)
            .await
            .unwrap();
        let owner = forge.user("owner", false).await;
        let reader = forge.user("reader", false).await;
        mail::verify_email(&forge.db, reader.id).await.unwrap();
        let project = make_repo(&forge, &owner).await;
        watch::watch(&forge.db, &reader, &project, WatchMode::All)
            .await
            .unwrap();
        // The change succeeds whatever the mail server does.
        open_issue(&forge, &owner, &project, "Crash on start").await;
        queued(&forge, 1).await;
        let nowhere = mailer(&forge, free_port());
        assert_eq!(nowhere.send_due(&forge.db).await.unwrap(), 0);
        let recent = mail::recent(&forge.db, 10).await.unwrap();
        assert_eq!(recent[0].state, "pending");
        assert_eq!(recent[0].attempts, 1);
        assert!(recent[0].last_error.is_some());
        // Not before its delay…
        let working = mailer(&forge, sink.port);
        assert_eq!(working.send_due(&forge.db).await.unwrap(), 0);
        // …and once it has passed, it goes.
        testing::execute(&forge.db, "UPDATE mail_messages SET next_attempt_at = 0").await;
        assert_eq!(working.send_due(&forge.db).await.unwrap(), 1);
        let recent = mail::recent(&forge.db, 10).await.unwrap();
        assert_eq!(recent[0].state, "sent");
        assert_eq!(recent[0].attempts, 2);
        assert!(recent[0].sent_at.is_some());
    }
}

/// The link of a verification message.
fn verification_link(forge: &TestForge, message: &Value) -> String {
    let text = message["text"].as_str().unwrap();
    let start = text
        .find(&format!("{}/-/verify-email/", forge.url))
        .unwrap_or_else(|| panic!("no verification link in {text}"));
    text[start..].split_whitespace().next().unwrap().to_string()
}

#[tokio::test]
async fn sign_up_sends_a_verification_link_that_verifies_once_and_opens_the_mail() {
    let sink = start_sink();
    let mut seen = 0;
    for forge in TestForge::on_each_engine().await {
        consumer::position(&forge.db, deliver::CONSUMER, consumer::Start::Now)
            .await
            .unwrap();
        let owner = forge.user("owner", false).await;
        let project = make_repo(&forge, &owner).await;
        let mut browser = Browser::new(&forge, "fr");
        browser.sign_up("camille").await;
        let camille = forge_core::user::by_name(&forge.db, "camille")
            .await
            .unwrap()
            .unwrap();
        watch::watch(&forge.db, &camille, &project, WatchMode::All)
            .await
            .unwrap();
        // Before verification, notifications are not e-mailed: only the
        // verification message waits.
        open_issue(&forge, &owner, &project, "Before").await;
        queued(&forge, 1).await;
        let sender = mailer(&forge, sink.port);
        assert_eq!(sender.send_due(&forge.db).await.unwrap(), 1);
        let messages = sink.messages();
        assert_eq!(messages.len(), seen + 1);
        let message = &messages[seen];
        seen += 1;
        assert_eq!(message["envelope_to"][0], "camille@example.org");
        // In the language she signed up in.
        assert_eq!(
            header(message, "Subject"),
            "Vérifiez votre adresse électronique sur Test Forge"
        );
        assert!(
            message["html"]
                .as_str()
                .unwrap()
                .contains("<html lang=\"fr\">")
        );
        assert!(message["headers"]["List-Unsubscribe"].is_null());
        let link = verification_link(&forge, message);
        // The settings page says the address is not verified, and asking
        // again at once is refused.
        let settings = browser.get("/user/settings/notifications").await;
        assert!(settings.contains("/user/settings/notifications/verify"));
        let again = browser
            .post("/user/settings/notifications/verify", &[])
            .await;
        assert_eq!(
            again.status,
            StatusCode::TOO_MANY_REQUESTS,
            "{}",
            again.body
        );
        // Following the link (as a mail scanner does) verifies nothing.
        let path = link.strip_prefix(&forge.url).unwrap().to_string();
        let mut stranger = Browser::new(&forge, "en");
        let page = stranger.get(&path).await;
        assert_eq!(page.status, StatusCode::OK);
        let page = browser.get(&path).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.contains("name=\"_csrf\""));
        assert!(
            mail::settings_of(&forge.db, camille.id)
                .await
                .unwrap()
                .1
                .is_none()
        );
        // Without the form's token, refused.
        let forged = browser.post_raw(&path, &[]).await;
        assert_eq!(forged.status, StatusCode::FORBIDDEN);
        // The button verifies, once.
        let done = browser.post(&path, &[]).await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        assert!(done.contains("vérifiée"));
        assert!(
            mail::settings_of(&forge.db, camille.id)
                .await
                .unwrap()
                .1
                .is_some()
        );
        assert_eq!(browser.post(&path, &[]).await.status, StatusCode::NOT_FOUND);
        assert_eq!(browser.get(&path).await.status, StatusCode::NOT_FOUND);
        let settings = browser.get("/user/settings/notifications").await;
        assert!(!settings.contains("/user/settings/notifications/verify"));
        // From now on, her notifications are e-mailed.
        open_issue(&forge, &owner, &project, "After").await;
        queued(&forge, 2).await;
        assert_eq!(sender.send_due(&forge.db).await.unwrap(), 1);
        let messages = sink.messages();
        assert_eq!(messages.len(), seen + 1);
        assert_eq!(messages[seen]["envelope_to"][0], "camille@example.org");
        assert!(header(&messages[seen], "Subject").contains("After (#2)"));
        seen += 1;
    }
}

#[tokio::test]
async fn a_changed_address_is_verified_again_and_an_expired_link_verifies_nothing() {
    let sink = start_sink();
    let mut seen = 0;
    for forge in TestForge::on_each_engine().await {
        let mut browser = Browser::new(&forge, "en");
        browser.sign_up("dominique").await;
        let user = forge_core::user::by_name(&forge.db, "dominique")
            .await
            .unwrap()
            .unwrap();
        mail::verify_email(&forge.db, user.id).await.unwrap();
        // The sign-up's link, now useless: the address is verified.
        testing::execute(&forge.db, "DELETE FROM mail_messages").await;
        browser.get("/user/settings/account").await;
        let changed = browser
            .post(
                "/user/settings/account/email",
                &[
                    ("email", "dominique@example.net"),
                    ("current_password", &forge_tests::password_of("dominique")),
                ],
            )
            .await;
        assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.body);
        assert!(
            mail::settings_of(&forge.db, user.id)
                .await
                .unwrap()
                .1
                .is_none()
        );
        let sender = mailer(&forge, sink.port);
        assert_eq!(sender.send_due(&forge.db).await.unwrap(), 1);
        let messages = sink.messages();
        assert_eq!(messages.len(), seen + 1);
        assert_eq!(messages[seen]["envelope_to"][0], "dominique@example.net");
        assert_eq!(
            header(&messages[seen], "Subject"),
            "Verify your e-mail address on Test Forge"
        );
        let link = verification_link(&forge, &messages[seen]);
        seen += 1;
        let path = link.strip_prefix(&forge.url).unwrap().to_string();
        testing::execute(&forge.db, "UPDATE email_verifications SET expires_at = 0").await;
        assert_eq!(browser.get(&path).await.status, StatusCode::NOT_FOUND);
        browser.get("/user/settings/notifications").await;
        assert_eq!(browser.post(&path, &[]).await.status, StatusCode::NOT_FOUND);
        assert!(
            mail::settings_of(&forge.db, user.id)
                .await
                .unwrap()
                .1
                .is_none()
        );
        // Asking again, after a while, sends a new link that works.
        testing::execute(&forge.db, "UPDATE mail_messages SET created_at = 0").await;
        let again = browser
            .post("/user/settings/notifications/verify", &[])
            .await;
        assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.body);
        assert_eq!(sender.send_due(&forge.db).await.unwrap(), 1);
        let messages = sink.messages();
        let path = verification_link(&forge, &messages[seen])
            .strip_prefix(&forge.url)
            .unwrap()
            .to_string();
        seen += 1;
        browser.get(&path).await;
        assert_eq!(browser.post(&path, &[]).await.status, StatusCode::OK);
        assert!(
            mail::settings_of(&forge.db, user.id)
                .await
                .unwrap()
                .1
                .is_some()
        );
    }
}

#[tokio::test]
async fn the_daily_digest_tells_each_day_once_grouped_and_nothing_when_nothing_happened() {
    use forge_core::notification::digest;
    let sink = start_sink();
    for (seen, forge) in TestForge::on_each_engine().await.into_iter().enumerate() {
        consumer::position(&forge.db, deliver::CONSUMER, consumer::Start::Now)
            .await
            .unwrap();
        let owner = forge.user("owner", false).await;
        let reader = forge.user("reader", false).await;
        let quiet = forge.user("quiet", false).await;
        for user in [&reader, &quiet] {
            mail::verify_email(&forge.db, user.id).await.unwrap();
            mail::set_mode(&forge.db, user.id, mail::MailMode::Digest)
                .await
                .unwrap();
        }
        let project = make_repo(&forge, &owner).await;
        watch::watch(&forge.db, &reader, &project, WatchMode::All)
            .await
            .unwrap();
        let first = open_issue(&forge, &owner, &project, "Export to ODS").await;
        comment::create(&forge.db, &owner, &project, &first, "Started.")
            .await
            .unwrap();
        open_issue(&forge, &owner, &project, "Import CSV").await;
        // No message per event in digest mode.
        queued(&forge, 0).await;
        // Today's digest waits for the day to end.
        let now = forge_core::clock::now_ms();
        assert_eq!(digest::queue(&forge.db, now).await.unwrap(), 0);
        let tomorrow = now + digest::DAY_MS;
        // Two processes at once: one digest.
        let (a, b) = tokio::join!(
            digest::queue(&forge.db, tomorrow),
            digest::queue(&forge.db, tomorrow)
        );
        assert_eq!(a.unwrap() + b.unwrap(), 1);
        assert_eq!(digest::queue(&forge.db, tomorrow + 1000).await.unwrap(), 0);
        let sender = mailer(&forge, sink.port);
        assert_eq!(sender.send_due(&forge.db).await.unwrap(), 1);
        let messages = sink.messages();
        assert_eq!(messages.len(), seen + 1);
        let message = &messages[seen];
        assert_eq!(message["envelope_to"][0], "reader@example.org");
        assert_eq!(
            header(message, "Subject"),
            "Test Forge: your daily summary (2)"
        );
        let text = message["text"].as_str().unwrap();
        assert_eq!(
            text.lines()
                .filter(|l| l.trim_end() == "owner/project")
                .count(),
            1,
            "{text}"
        );
        assert!(text.contains("#1 Export to ODS: owner commented"), "{text}");
        assert!(text.contains("#2 Import CSV: owner opened"), "{text}");
        assert!(text.contains(&format!("{}/owner/project/issues/2", forge.url)));
        // The digest has its one-click unsubscribe too: it stops e-mail.
        assert_eq!(
            header(message, "List-Unsubscribe-Post"),
            "List-Unsubscribe=One-Click"
        );
        let link = header(message, "List-Unsubscribe")
            .trim_matches(['<', '>'])
            .to_string();
        assert!(
            link.starts_with(&format!("{}/-/unsubscribe/", forge.url)),
            "{link}"
        );
        let page = http().get(&link).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK);
        assert!(
            page.text()
                .await
                .unwrap()
                .contains("Stop the daily summary")
        );
        let clicked = http()
            .post(&link)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("List-Unsubscribe=One-Click")
            .send()
            .await
            .unwrap();
        assert_eq!(clicked.status(), StatusCode::OK);
        assert_eq!(
            mail::settings_of(&forge.db, reader.id).await.unwrap().0,
            mail::MailMode::None
        );
        // Back to the digest for the rest of the story.
        mail::set_mode(&forge.db, reader.id, mail::MailMode::Digest)
            .await
            .unwrap();
        // The next day, nothing new happened: no message.
        assert_eq!(
            digest::queue(&forge.db, tomorrow + digest::DAY_MS)
                .await
                .unwrap(),
            0
        );
        assert_eq!(sender.send_due(&forge.db).await.unwrap(), 0);
    }
}
