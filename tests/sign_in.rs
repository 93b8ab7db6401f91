//! Signing in under attack: guessing limits, the security log and
//! two-factor sign-in, through real HTTP on both database engines, with the
//! clock under the test's control wherever time decides.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_tests::{Browser, TestForge, http};
use reqwest::StatusCode;

#[tokio::test]
async fn guessing_limits_grow_per_address_and_account_on_the_clock_of_the_test() {
    use forge_core::auth_limit::{self, Channel, Checked, Verdict};
    use forge_core::security_log;
    for forge in TestForge::on_each_engine().await {
        let db = &forge.db;
        let alice = forge.user("alice", false).await;
        let right = forge_tests::password_of("alice");
        let t0 = 1_900_000_000_000;
        let attacker = "203.0.113.7";
        let home = "198.51.100.2";
        for n in 0..auth_limit::PAIR_FREE_FAILURES {
            let checked = auth_limit::authenticate_password(
                db,
                attacker,
                "alice",
                "guess",
                Channel::Web,
                t0 + n,
            )
            .await
            .unwrap();
            assert!(matches!(checked, Checked::Wrong), "{checked:?}");
        }
        // One failure more starts the delays: even the right password waits.
        let t1 = t0 + 100;
        auth_limit::authenticate_password(db, attacker, "ALICE", "guess", Channel::Web, t1)
            .await
            .unwrap();
        let checked =
            auth_limit::authenticate_password(db, attacker, "alice", &right, Channel::Web, t1 + 10)
                .await
                .unwrap();
        assert!(
            matches!(checked, Checked::Wait { retry_after_ms } if retry_after_ms == 990),
            "{checked:?}"
        );
        // The real user, from elsewhere, is not locked out.
        let checked =
            auth_limit::authenticate_password(db, home, "alice", &right, Channel::Web, t1 + 20)
                .await
                .unwrap();
        assert!(matches!(checked, Checked::User(ref u) if u.id == alice.id));
        // Other accounts from the attacker's address are still checked.
        assert_eq!(
            auth_limit::check(db, attacker, "bob", t1 + 30)
                .await
                .unwrap(),
            Verdict::Allowed
        );
        // Once the delay has passed, another failure doubles it.
        auth_limit::authenticate_password(db, attacker, "alice", "guess", Channel::Web, t1 + 1_000)
            .await
            .unwrap();
        assert_eq!(
            auth_limit::check(db, attacker, "alice", t1 + 1_000)
                .await
                .unwrap(),
            Verdict::Wait {
                retry_after_ms: 2_000
            }
        );
        assert_eq!(
            auth_limit::check(db, attacker, "alice", t1 + 3_000)
                .await
                .unwrap(),
            Verdict::Allowed
        );
        // The admin lifts it.
        auth_limit::authenticate_password(db, attacker, "alice", "guess", Channel::Web, t1 + 3_000)
            .await
            .unwrap();
        assert!(matches!(
            auth_limit::check(db, attacker, "alice", t1 + 3_001)
                .await
                .unwrap(),
            Verdict::Wait { .. }
        ));
        assert_eq!(auth_limit::lift(db, Some(attacker), None).await.unwrap(), 2);
        assert_eq!(
            auth_limit::check(db, attacker, "alice", t1 + 3_001)
                .await
                .unwrap(),
            Verdict::Allowed
        );

        // Many accounts from one address: the address's own limit.
        for n in 0..auth_limit::ADDRESS_FREE_FAILURES + 1 {
            auth_limit::record_failure(db, attacker, &format!("user{n}"), t1 + 4_000)
                .await
                .unwrap();
        }
        assert!(matches!(
            auth_limit::check(db, attacker, "someone-new", t1 + 4_000)
                .await
                .unwrap(),
            Verdict::Wait { .. }
        ));
        assert_eq!(
            auth_limit::check(db, home, "someone-new", t1 + 4_000)
                .await
                .unwrap(),
            Verdict::Allowed
        );

        // Everything was logged on alice's account.
        let log = security_log::of_user(db, alice.id, 50).await.unwrap();
        let kinds: Vec<&str> = log.iter().map(|e| e.kind.as_str()).collect();
        assert!(kinds.contains(&security_log::kind::SIGN_IN), "{kinds:?}");
        assert!(
            kinds.contains(&security_log::kind::SIGN_IN_FAILED),
            "{kinds:?}"
        );
        assert!(kinds.contains(&security_log::kind::LIMITED), "{kinds:?}");
        assert!(log.iter().any(|e| e.address == attacker));
    }
}

/// A client whose connections come from `address` (any 127.x.y.z works on
/// the loopback interface), so a test can be several visitors.
fn http_from(address: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .local_address(address.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn guessing_through_the_sign_in_form_basic_auth_and_git_is_delayed() {
    for forge in TestForge::on_each_engine().await {
        forge.user("alice", false).await;
        let right = forge_tests::password_of("alice");
        let mut browser = Browser::new(&forge, "en");
        browser.get("/user/login").await;
        for _ in 0..forge_core::auth_limit::PAIR_FREE_FAILURES {
            let page = browser
                .post("/user/login", &[("login", "alice"), ("password", "guess")])
                .await;
            assert_eq!(page.status, StatusCode::UNAUTHORIZED);
        }
        // Failures counted as the form's would be, far enough to last the
        // test whatever the machine's speed (the clock is real here; the
        // delays themselves are tested on the test's clock above).
        for _ in 0..5 {
            forge_core::auth_limit::record_failure(
                &forge.db,
                "127.0.0.1",
                "alice",
                forge_core::clock::now_ms(),
            )
            .await
            .unwrap();
        }
        let page = browser
            .post("/user/login", &[("login", "alice"), ("password", &right)])
            .await;
        assert_eq!(page.status, StatusCode::TOO_MANY_REQUESTS, "{}", page.body);
        assert!(page.contains("Too many failed attempts"), "{}", page.body);
        assert!(!browser.cookies.contains_key("forge_session"));

        // The same address through Basic auth, on the API and git.
        let api = http()
            .get(forge.at("/api/v1/user"))
            .basic_auth("alice", Some(&right))
            .send()
            .await
            .unwrap();
        assert_eq!(api.status(), StatusCode::TOO_MANY_REQUESTS);
        let seconds: u64 = api.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=16).contains(&seconds), "{seconds}");
        let git = http()
            .get(forge.at("/alice/nothing.git/info/refs?service=git-upload-pack"))
            .basic_auth("alice", Some(&right))
            .send()
            .await
            .unwrap();
        assert_eq!(git.status(), StatusCode::TOO_MANY_REQUESTS);

        // Alice, from another address, signs in.
        let elsewhere = http_from("127.0.0.2");
        let response = elsewhere
            .get(forge.at("/api/v1/user"))
            .basic_auth("alice", Some(&right))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);

        // Wrong tokens count against the address too.
        let other = http_from("127.0.0.3");
        for _ in 0..forge_core::auth_limit::ADDRESS_FREE_FAILURES {
            let response = other
                .get(forge.at("/api/v1/user"))
                .header("authorization", format!("token {}", "0".repeat(40)))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        }
        for _ in 0..5 {
            forge_core::auth_limit::record_failure(
                &forge.db,
                "127.0.0.3",
                "",
                forge_core::clock::now_ms(),
            )
            .await
            .unwrap();
        }
        let response = other
            .get(forge.at("/api/v1/user"))
            .header("authorization", format!("token {}", "0".repeat(40)))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    }
}

#[tokio::test]
async fn the_security_log_shows_each_user_their_own_and_the_admin_everything() {
    for forge in TestForge::on_each_engine().await {
        forge.user("root", true).await;
        forge.user("alice", false).await;
        forge.user("bob", false).await;
        let mut alice = Browser::new(&forge, "en");
        alice.get("/user/login").await;
        let page = alice
            .post("/user/login", &[("login", "alice"), ("password", "guess")])
            .await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
        alice.sign_in("alice").await;
        alice.get("/user/settings/tokens").await;
        alice
            .post("/user/settings/tokens", &[("name", "laptop")])
            .await;
        let mut bob = Browser::new(&forge, "fr");
        bob.sign_in("bob").await;

        let page = alice.get("/user/settings/security").await;
        assert_eq!(page.status, StatusCode::OK);
        for text in [
            "Signed in",
            "Failed sign-in",
            "Token created",
            "laptop",
            "127.0.0.1",
        ] {
            assert!(page.contains(text), "{text}: {}", page.body);
        }
        let page = bob.get("/user/settings/security").await;
        assert!(page.contains("Journal de sécurité") && page.contains("Connexion"));
        assert!(!page.contains("laptop"), "only bob's own entries");

        // Site-wide, for administrators only.
        assert_eq!(
            alice.get("/-/admin/security").await.status,
            StatusCode::NOT_FOUND
        );
        let mut root = Browser::new(&forge, "en");
        root.sign_in("root").await;
        let page = root.get("/-/admin/security").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.contains("laptop") && page.contains(">bob<"),
            "{}",
            page.body
        );
        let response = http()
            .get(forge.at("/user/settings/security"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
    }
}

/// The key shown on the settings page, decoded from base32.
fn secret_of(page: &forge_tests::Page) -> Vec<u8> {
    let marker = "id=\"totp-secret\">";
    let start = page.body.find(marker).unwrap() + marker.len();
    let end = page.body[start..].find('<').unwrap() + start;
    let mut bits: u64 = 0;
    let mut count = 0;
    let mut out = Vec::new();
    for c in page.body[start..end].chars() {
        let value = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".find(c).unwrap() as u64;
        bits = (bits << 5) | value;
        count += 5;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    out
}

#[tokio::test]
async fn two_factor_sign_in_with_an_app_code_or_a_recovery_code() {
    use forge_core::totp;
    for forge in TestForge::on_each_engine().await {
        let (_, token) = forge.user_with_token("alice", false).await;
        let mut browser = Browser::new(&forge, "en");
        browser.sign_in("alice").await;
        let page = browser.get("/user/settings/two_factor").await;
        assert!(page.contains("Two-factor sign-in is off."), "{}", page.body);
        browser.post("/user/settings/two_factor/enrol", &[]).await;
        let page = browser.get("/user/settings/two_factor").await;
        assert!(
            page.contains("otpauth://totp/Test%20Forge:alice?secret="),
            "{}",
            page.body
        );
        let secret = secret_of(&page);
        assert_eq!(secret.len(), 20);
        // A wrong code does not confirm.
        let now = forge_core::clock::now_ms();
        let wrong = format!(
            "{:06}",
            (totp::code_now(&secret, now).parse::<u32>().unwrap() + 1) % 1_000_000
        );
        let page = browser
            .post("/user/settings/two_factor/confirm", &[("code", &wrong)])
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        let code = totp::code_now(&secret, forge_core::clock::now_ms());
        let page = browser
            .post("/user/settings/two_factor/confirm", &[("code", &code)])
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.contains("Two-factor sign-in is now on."));
        let recovery: Vec<String> = page
            .body
            .split("<li><code>")
            .skip(1)
            .map(|part| part.split('<').next().unwrap().to_string())
            .collect();
        assert_eq!(recovery.len(), totp::RECOVERY_CODES);

        // Signing in now asks for the second factor before any session.
        let mut other = Browser::new(&forge, "en");
        let page = other.sign_in("alice").await;
        assert_eq!(page.location.as_deref(), Some("/user/two_factor"));
        assert!(!other.cookies.contains_key("forge_session"));
        assert!(!other.get("/").await.contains("Welcome, alice"));
        let page = other.get("/user/two_factor").await;
        assert!(page.contains("autocomplete=\"one-time-code\""));
        let page = other.post("/user/two_factor", &[("code", &wrong)]).await;
        assert_eq!(page.status, StatusCode::UNAUTHORIZED);
        assert!(!other.cookies.contains_key("forge_session"));
        // A recovery code stands in for a code from the app, once.
        let page = other
            .post("/user/two_factor", &[("code", &recovery[0])])
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        assert_eq!(page.location.as_deref(), Some("/"));
        assert!(other.get("/").await.contains("Welcome, alice"));
        let mut third = Browser::new(&forge, "en");
        third.sign_in("alice").await;
        let page = third
            .post("/user/two_factor", &[("code", &recovery[0])])
            .await;
        assert_eq!(
            page.status,
            StatusCode::UNAUTHORIZED,
            "a recovery code works once"
        );

        // Tokens keep working, on the API and as git's password; a password
        // alone, which would skip the second factor, does not.
        let response = http()
            .get(forge.at("/api/v1/user"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let response = http()
            .get(forge.at("/api/v1/user"))
            .basic_auth("alice", Some(&token))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let response = http()
            .get(forge.at("/api/v1/user"))
            .basic_auth("alice", Some(forge_tests::password_of("alice")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body = response.text().await.unwrap();
        assert!(body.contains("access token"), "{body}");

        // Turning it off takes a code; the log tells what happened.
        let page = browser
            .post(
                "/user/settings/two_factor/disable",
                &[("code", &recovery[1])],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let page = browser.get("/user/settings/security").await;
        for text in [
            "Two-factor sign-in turned on",
            "Two-factor sign-in turned off",
            "Wrong two-factor code",
        ] {
            assert!(page.contains(text), "{text}");
        }
        let mut fourth = Browser::new(&forge, "en");
        let page = fourth.sign_in("alice").await;
        assert_eq!(page.location.as_deref(), Some("/"));
    }
}

#[tokio::test]
async fn a_totp_code_works_once_and_only_near_its_time() {
    use forge_core::totp;
    for forge in TestForge::on_each_engine().await {
        let alice = forge.user("alice", false).await;
        let t = 1_900_000_020_000; // the start of a 30-second step
        let key = totp::enrol(&forge.db, alice.id, t).await.unwrap();
        assert!(!totp::enabled(&forge.db, alice.id).await.unwrap());
        let page = forge_tests::Page {
            status: StatusCode::OK,
            location: None,
            body: format!("<code id=\"totp-secret\">{key}</code>"),
        };
        let secret = secret_of(&page);
        totp::confirm(&forge.db, alice.id, &totp::code_now(&secret, t), t)
            .await
            .unwrap();
        assert!(totp::enabled(&forge.db, alice.id).await.unwrap());
        // The same code again (a replay) is refused, even in its step.
        let used = totp::code_now(&secret, t);
        assert!(
            !totp::verify(&forge.db, alice.id, &used, t + 1_000)
                .await
                .unwrap()
        );
        // The next step's code, a step late, works once.
        let next = totp::code_now(&secret, t + 30_000);
        assert!(
            totp::verify(&forge.db, alice.id, &next, t + 60_000)
                .await
                .unwrap()
        );
        assert!(
            !totp::verify(&forge.db, alice.id, &next, t + 60_000)
                .await
                .unwrap()
        );
        // A code two steps old is refused.
        let later = t + 10 * 30_000;
        let old = totp::code_now(&secret, later - 60_000);
        let fresh = totp::code_now(&secret, later);
        if old != fresh {
            assert!(
                !totp::verify(&forge.db, alice.id, &old, later)
                    .await
                    .unwrap()
            );
        }
        assert!(
            totp::verify(&forge.db, alice.id, &fresh, later)
                .await
                .unwrap()
        );
    }
}

#[tokio::test]
async fn those_who_must_use_two_factor_sign_in_enrol_before_acting() {
    use forge_core::org::{self, NewOrg, OrgKind, Role};
    use forge_core::totp;
    for forge in TestForge::on_each_engine().await {
        let root = forge.user("root", true).await;
        forge.user("tess", false).await;
        forge.user("mia", false).await;
        let coop = org::create(
            &forge.db,
            &root,
            NewOrg {
                name: "coop".into(),
                full_name: String::new(),
                description: String::new(),
                kind: OrgKind::Cooperative,
                website: String::new(),
            },
        )
        .await
        .unwrap();
        for (name, role) in [("tess", Role::Treasurer), ("mia", Role::Member)] {
            org::set_member(&forge.db, &root, &coop, name, role)
                .await
                .unwrap();
        }
        let mut tess = Browser::new(&forge, "en");
        tess.sign_in("tess").await;
        let mut mia = Browser::new(&forge, "en");
        mia.sign_in("mia").await;
        assert_eq!(tess.get("/").await.status, StatusCode::OK);

        // Only an owner may require it.
        tess.get("/coop").await;
        let page = tess
            .post("/org/coop/two_factor", &[("required", "1")])
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "{}", page.body);
        assert!(
            !forge_core::two_factor_policy::org_required(&forge.db, coop.id)
                .await
                .unwrap()
        );
        let mut admin = Browser::new(&forge, "en");
        admin.sign_in("root").await;
        let page = admin.get("/coop").await;
        assert!(page.contains("Require two-factor sign-in of owners and treasurers"));
        let page = admin
            .post("/org/coop/two_factor", &[("required", "1")])
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);

        // The treasurer must enrol first; the member is not concerned.
        let page = tess.get("/coop").await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert_eq!(
            page.location.as_deref(),
            Some("/user/settings/two_factor?required=1")
        );
        let page = tess.post("/user/settings/tokens", &[("name", "x")]).await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "no acting before enrolling"
        );
        assert_eq!(mia.get("/coop").await.status, StatusCode::OK);
        let page = tess.get("/user/settings/two_factor?required=1").await;
        assert!(page.contains("your role requires it"), "{}", page.body);
        tess.post("/user/settings/two_factor/enrol", &[]).await;
        let page = tess.get("/user/settings/two_factor").await;
        let secret = secret_of(&page);
        let code = totp::code_now(&secret, forge_core::clock::now_ms());
        let page = tess
            .post("/user/settings/two_factor/confirm", &[("code", &code)])
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert_eq!(tess.get("/coop").await.status, StatusCode::OK);

        // Root owns the organisation: they too must enrol before acting,
        // even to lift the requirement.
        let page = admin
            .post("/org/coop/two_factor", &[("required", "0")])
            .await;
        assert_eq!(
            page.location.as_deref(),
            Some("/user/settings/two_factor?required=1")
        );
        assert!(
            forge_core::two_factor_policy::org_required(&forge.db, coop.id)
                .await
                .unwrap()
        );

        // A site admin requires it of every admin, themselves included.
        forge.user("ada", true).await;
        let mut ada = Browser::new(&forge, "en");
        ada.sign_in("ada").await;
        let page = ada.get("/-/admin/security").await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let page = ada.post("/-/admin/two_factor", &[("required", "1")]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert_eq!(
            ada.get("/").await.location.as_deref(),
            Some("/user/settings/two_factor?required=1")
        );
        assert_eq!(mia.get("/").await.status, StatusCode::OK);
    }
}
