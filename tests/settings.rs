//! The user's settings: profile, password, e-mail address, closing the
//! account, the settings menu, the sign-up form's suggested name and Gitea's
//! `/user/settings` API — driven like a browser without JavaScript would.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_tests::{Browser, TestForge, http, password_of};
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn every_settings_page_is_in_one_menu_and_needs_a_session() {
    for forge in TestForge::on_each_engine().await {
        let mut visitor = Browser::new(&forge, "en");
        for path in [
            "/user/settings",
            "/user/settings/account",
            "/user/settings/account/close",
            "/user/settings/tokens",
        ] {
            let page = visitor.get(path).await;
            assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
            assert!(
                page.location
                    .as_deref()
                    .unwrap()
                    .starts_with("/user/login?redirect_to="),
                "{path}: {:?}",
                page.location
            );
        }

        let mut alice = Browser::new(&forge, "en");
        alice.sign_up("alice").await;
        let home = alice.get("/").await;
        assert!(
            home.contains("href=\"/user/settings\""),
            "the header links to the settings"
        );
        for (path, current) in [
            ("/user/settings", "/user/settings"),
            ("/user/settings/account", "/user/settings/account"),
            ("/user/settings/identities", "/user/settings/identities"),
            ("/user/settings/tokens", "/user/settings/tokens"),
        ] {
            let page = alice.get(path).await;
            assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
            for link in [
                "/user/settings\"",
                "/user/settings/account\"",
                "/user/settings/identities\"",
                "/user/settings/tokens\"",
            ] {
                assert!(
                    page.contains(&format!("href=\"{link}")),
                    "{path} lacks {link}"
                );
            }
            assert!(
                page.contains(&format!("href=\"{current}\" aria-current=\"page\"")),
                "{path} marks itself in the menu"
            );
            assert_eq!(
                page.body.matches("aria-current=\"page\"").count(),
                1,
                "{path}"
            );
        }
    }
}

#[tokio::test]
async fn the_profile_is_saved_and_bad_values_stay_on_the_form() {
    for forge in TestForge::on_each_engine().await {
        let mut alice = Browser::new(&forge, "en");
        alice.sign_up("alice").await;
        alice.get("/user/settings").await;

        let page = alice
            .post(
                "/user/settings",
                &[
                    ("full_name", "Alice Liddell"),
                    ("description", "Treasurer of the Wonderland cooperative"),
                    ("language", "fr"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        assert_eq!(
            page.location.as_deref(),
            Some("/user/settings?done=profile")
        );
        let user = forge_core::user::by_name(&forge.db, "alice")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(user.full_name, "Alice Liddell");
        assert_eq!(user.locale.as_deref(), Some("fr"));
        // The stored language wins over the browser's English.
        let page = alice.get("/user/settings?done=profile").await;
        assert!(page.contains("<html lang=\"fr\">"), "{}", page.body);
        assert!(
            page.contains("Votre profil est enregistré."),
            "{}",
            page.body
        );
        assert!(page.contains("Treasurer of the Wonderland cooperative"));
        assert!(
            page.contains("<option value=\"fr\" selected"),
            "{}",
            page.body
        );

        // Back to the browser's language.
        let page = alice
            .post(
                "/user/settings",
                &[
                    ("full_name", "Alice Liddell"),
                    ("description", ""),
                    ("language", ""),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        let user = forge_core::user::by_name(&forge.db, "alice")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(user.locale, None);
        assert!(
            alice
                .get("/user/settings")
                .await
                .contains("<html lang=\"en\">")
        );

        let long = "x".repeat(101);
        let page = alice
            .post(
                "/user/settings",
                &[
                    ("full_name", long.as_str()),
                    ("description", "kept"),
                    ("language", "xx"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.contains("A full name has at most 100 characters."),
            "{}",
            page.body
        );
        assert!(page.contains("aria-invalid=\"true\""));
        assert!(
            page.contains(&format!("value=\"{long}\"")),
            "the typed value stays"
        );
        assert!(page.contains(">kept</textarea>"));
        let user = forge_core::user::by_name(&forge.db, "alice")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(user.full_name, "Alice Liddell", "nothing was stored");
    }
}

#[tokio::test]
async fn a_new_password_needs_the_current_one_and_signs_out_other_browsers() {
    for forge in TestForge::on_each_engine().await {
        let mut laptop = Browser::new(&forge, "en");
        laptop.sign_up("alice").await;
        let mut phone = Browser::new(&forge, "en");
        phone.sign_in("alice").await;
        assert!(phone.get("/").await.contains("Welcome, alice"));
        laptop.get("/user/settings/account").await;

        let page = laptop
            .post(
                "/user/settings/account/password",
                &[
                    ("current_password", "not the password"),
                    ("new_password", "a new long password"),
                    ("new_password_confirm", "a new long password"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.contains("This is not your current password."),
            "{}",
            page.body
        );
        assert!(page.contains("id=\"current_password-error\""));

        let page = laptop
            .post(
                "/user/settings/account/password",
                &[
                    ("current_password", &password_of("alice")),
                    ("new_password", "a new long password"),
                    ("new_password_confirm", "another one entirely"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("The two passwords differ."));

        let page = laptop
            .post(
                "/user/settings/account/password",
                &[
                    ("current_password", &password_of("alice")),
                    ("new_password", "a new long password"),
                    ("new_password_confirm", "a new long password"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let page = laptop.get(page.location.as_deref().unwrap()).await;
        assert!(
            page.contains("Your new password is saved."),
            "{}",
            page.body
        );
        assert!(
            laptop.get("/").await.contains("Welcome, alice"),
            "this browser stays signed in"
        );
        assert!(
            !phone.get("/").await.contains("Welcome, alice"),
            "the other one is signed out"
        );

        assert!(
            forge_core::user::authenticate(&forge.db, "alice", &password_of("alice"))
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            forge_core::user::authenticate(&forge.db, "alice", "a new long password")
                .await
                .unwrap()
                .is_some()
        );
    }
}

#[tokio::test]
async fn the_email_address_changes_only_with_the_password_and_to_a_free_address() {
    for forge in TestForge::on_each_engine().await {
        let mut alice = Browser::new(&forge, "fr");
        alice.sign_up("alice").await;
        forge.user("bob", false).await;
        alice.get("/user/settings/account").await;

        let page = alice
            .post(
                "/user/settings/account/email",
                &[
                    ("email", "alice@new.example"),
                    ("current_password", "wrong"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.contains("Ce n’est pas votre mot de passe actuel."),
            "{}",
            page.body
        );
        assert!(page.contains("id=\"email_current_password-error\""));
        assert!(
            page.contains("value=\"alice@new.example\""),
            "the typed address stays"
        );

        let bob_email = forge_core::user::by_name(&forge.db, "bob")
            .await
            .unwrap()
            .unwrap()
            .email;
        let page = alice
            .post(
                "/user/settings/account/email",
                &[
                    ("email", &bob_email.to_uppercase()),
                    ("current_password", &password_of("alice")),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("id=\"email-error\""), "{}", page.body);

        let page = alice
            .post(
                "/user/settings/account/email",
                &[
                    ("email", " alice@new.example "),
                    ("current_password", &password_of("alice")),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let page = alice.get(page.location.as_deref().unwrap()).await;
        assert!(page.contains("Votre adresse électronique est changée."));
        assert!(page.contains("alice@new.example"));
        let alice_row = forge_core::user::by_name(&forge.db, "alice")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(alice_row.email, "alice@new.example");
    }
}

#[tokio::test]
async fn closing_an_account_keeps_the_name_and_frees_the_address() {
    for forge in TestForge::on_each_engine().await {
        // The first account administers the forge: it cannot leave it alone.
        let mut admin = Browser::new(&forge, "en");
        admin.sign_up("alice").await;
        let page = admin.get("/user/settings/account/close").await;
        assert!(
            page.contains("You are the only administrator"),
            "{}",
            page.body
        );
        assert!(!page.contains("action=\"/user/settings/account/close\""));

        let mut bob = Browser::new(&forge, "en");
        bob.sign_up("bob").await;
        let bob_user = forge_core::user::by_name(&forge.db, "bob")
            .await
            .unwrap()
            .unwrap();
        forge_core::repo::create(
            &forge.db,
            &bob_user,
            "bob",
            forge_core::repo::NewRepo {
                name: "tool".into(),
                ..Default::default()
            },
            async |_| Ok(()),
        )
        .await
        .unwrap();
        let page = bob.get("/user/settings/account/close").await;
        assert!(page.contains("You own repositories"), "{}", page.body);
        assert!(page.contains("href=\"/bob/tool/settings\""));
        // Posting anyway changes nothing.
        let page = bob
            .post(
                "/user/settings/account/close",
                &[
                    ("confirm_username", "bob"),
                    ("current_password", &password_of("bob")),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            forge_core::user::by_name(&forge.db, "bob")
                .await
                .unwrap()
                .is_some()
        );

        let mut carol = Browser::new(&forge, "en");
        carol.sign_up("carol").await;
        let (_, token) = {
            let carol_user = forge_core::user::by_name(&forge.db, "carol")
                .await
                .unwrap()
                .unwrap();
            forge_core::token::create(&forge.db, carol_user.id, "script")
                .await
                .unwrap()
        };
        let page = carol.get("/user/settings/account/close").await;
        assert!(
            page.contains("action=\"/user/settings/account/close\""),
            "{}",
            page.body
        );
        let page = carol
            .post(
                "/user/settings/account/close",
                &[
                    ("confirm_username", "karol"),
                    ("current_password", &password_of("carol")),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("Type your user name exactly as shown"));
        let page = carol
            .post(
                "/user/settings/account/close",
                &[("confirm_username", "Carol"), ("current_password", "wrong")],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("This is not your current password."));

        let page = carol
            .post(
                "/user/settings/account/close",
                &[
                    ("confirm_username", "Carol"),
                    ("current_password", &password_of("carol")),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.contains("Your account is closed"));
        assert!(!carol.cookies.contains_key("forge_session"));
        assert!(!carol.get("/").await.contains("Welcome, carol"));

        // Nothing lets anyone act as carol any more.
        assert!(
            forge_core::user::authenticate(&forge.db, "carol", &password_of("carol"))
                .await
                .unwrap()
                .is_none()
        );
        let api = http()
            .get(forge.at("/api/v1/user"))
            .header("authorization", format!("token {token}"))
            .send()
            .await
            .unwrap();
        assert_eq!(api.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(carol.get("/carol").await.status, StatusCode::NOT_FOUND);

        // Her name stays hers; her address may be used again.
        let mut newcomer = Browser::new(&forge, "en");
        newcomer.get("/user/sign_up").await;
        let page = newcomer
            .post(
                "/user/sign_up",
                &[
                    ("username", "carol"),
                    ("email", "someone@example.org"),
                    ("password", "a long password"),
                    ("password_confirm", "a long password"),
                ],
            )
            .await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "the name is kept"
        );
        let page = newcomer
            .post(
                "/user/sign_up",
                &[
                    ("username", "caroline"),
                    ("email", "carol@example.org"),
                    ("password", "a long password"),
                    ("password_confirm", "a long password"),
                ],
            )
            .await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "the address is free: {}",
            page.body
        );
    }
}

#[tokio::test]
async fn sign_up_offers_a_valid_name_derived_from_the_typed_one() {
    for forge in TestForge::on_each_engine().await {
        let mut visitor = Browser::new(&forge, "fr");
        visitor.get("/user/sign_up").await;
        let page = visitor
            .post(
                "/user/sign_up",
                &[
                    ("username", "Camille Martin"),
                    ("email", "camille@example.org"),
                    ("password", "a long password"),
                    ("password_confirm", "a long password"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.contains("Nous vous proposons «\u{a0}camille-martin\u{a0}»"),
            "{}",
            page.body
        );
        assert!(page.contains("name=\"username\" type=\"text\" autocomplete=\"username\" required maxlength=\"40\" value=\"camille-martin\""), "{}", page.body);
        assert!(
            page.contains("value=\"Camille Martin\""),
            "the typed text becomes the full name"
        );
        assert!(
            page.contains("value=\"camille@example.org\""),
            "the address stays"
        );

        // A suggestion already taken is not offered.
        forge.user("jean-dupont", false).await;
        let page = visitor
            .post(
                "/user/sign_up",
                &[
                    ("username", "Jean Dupont"),
                    ("email", "jean@example.org"),
                    ("password", "a long password"),
                    ("password_confirm", "a long password"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(!page.contains("Nous vous proposons"), "{}", page.body);
        assert!(
            page.contains("value=\"Jean Dupont\""),
            "the typed name stays as typed"
        );
    }
}

#[tokio::test]
async fn gitea_user_settings_api() {
    for forge in TestForge::on_each_engine().await {
        let (_, token) = forge.user_with_token("alice", false).await;
        let client = http();
        let settings = |method: reqwest::Method, body: Option<Value>| {
            let mut request = client
                .request(method, forge.at("/api/v1/user/settings"))
                .header("authorization", format!("token {token}"));
            if let Some(body) = body {
                request = request.json(&body);
            }
            request.send()
        };
        let response = settings(reqwest::Method::GET, None).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        for field in [
            "full_name",
            "description",
            "language",
            "location",
            "website",
            "theme",
            "diff_view_style",
        ] {
            assert!(body[field].is_string(), "{field} in {body}");
        }
        assert_eq!(body["hide_email"], json!(false));

        let response = settings(
            reqwest::Method::PATCH,
            Some(json!({"full_name": "Alice L.", "language": "fr-FR", "website": "https://x.example"})),
        )
        .await
        .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["full_name"], "Alice L.");
        assert_eq!(body["language"], "fr");
        assert_eq!(body["description"], "", "fields not sent stay as they were");
        let alice = forge_core::user::by_name(&forge.db, "alice")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(alice.locale.as_deref(), Some("fr"));

        let response = settings(reqwest::Method::PATCH, Some(json!({"language": "de-DE"})))
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body: Value = response.json().await.unwrap();
        assert!(
            body["message"].as_str().unwrap().contains("languages"),
            "{body}"
        );

        let anonymous = http()
            .get(forge.at("/api/v1/user/settings"))
            .send()
            .await
            .unwrap();
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    }
}
