//! The pages, driven like a browser without JavaScript would: forms, cookies,
//! redirects, languages.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_tests::{Browser, TestForge, default_config, http};
use forge_web::WebConfig;
use reqwest::StatusCode;

#[tokio::test]
async fn sign_up_sign_out_and_sign_in() {
    for forge in TestForge::on_each_engine().await {
        let mut browser = Browser::new(&forge, "en");
        let home = browser.get("/").await;
        assert_eq!(home.status, StatusCode::OK);
        assert!(home.contains("<html lang=\"en\">"));
        assert!(
            browser.cookies.contains_key("forge_csrf"),
            "the first visit gets a CSRF cookie"
        );

        let page = browser.sign_up("alice").await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        assert_eq!(page.location.as_deref(), Some("/"));
        assert!(browser.cookies.contains_key("forge_session"));
        let home = browser.get("/").await;
        assert!(home.contains("Welcome, alice"), "{}", home.body);

        // The first account of a forge administers it.
        let alice = forge_core::user::by_name(&forge.db, "alice")
            .await
            .unwrap()
            .unwrap();
        assert!(alice.is_admin);
        assert_eq!(alice.locale.as_deref(), Some("en"));

        let page = browser.post("/user/logout", &[]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert!(!browser.cookies.contains_key("forge_session"));
        assert!(!browser.get("/").await.contains("Welcome, alice"));

        let page = browser.get("/user/login").await;
        let wrong = browser
            .post(
                "/user/login",
                &[("login", "alice"), ("password", "not her password")],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(wrong.contains("role=\"alert\""));
        assert!(wrong.contains("value=\"alice\""), "the login is kept");
        assert!(page.contains("autocomplete=\"current-password\""));

        let page = browser.sign_in("alice").await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert!(browser.get("/").await.contains("Welcome, alice"));

        // Signing in goes back where the visitor came from, never elsewhere.
        let mut other = Browser::new(&forge, "en");
        let settings = other.get("/user/settings/tokens").await;
        assert_eq!(settings.status, StatusCode::SEE_OTHER);
        assert_eq!(
            settings.location.as_deref(),
            Some("/user/login?redirect_to=/user/settings/tokens")
        );
        other.get("/user/login").await;
        let page = other
            .post(
                "/user/login",
                &[
                    ("login", "alice"),
                    ("password", &forge_tests::password_of("alice")),
                    ("redirect_to", "https://evil.example/"),
                ],
            )
            .await;
        assert_eq!(page.location.as_deref(), Some("/"));
    }
}

#[tokio::test]
async fn forms_without_the_csrf_token_or_from_elsewhere_are_refused() {
    for forge in TestForge::on_each_engine().await {
        let mut browser = Browser::new(&forge, "en");
        browser.sign_up("alice").await;

        let page = browser
            .post_raw("/org/create", &[("username", "sneaky"), ("kind", "other")])
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert!(page.contains("This form has expired"), "{}", page.body);
        let page = browser
            .post_raw(
                "/org/create",
                &[
                    ("_csrf", &"0".repeat(64)),
                    ("username", "sneaky"),
                    ("kind", "other"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);

        let cookie = format!(
            "forge_session={}; forge_csrf={}",
            browser.cookies["forge_session"], browser.cookies["forge_csrf"]
        );
        let response = http()
            .post(forge.at("/org/create"))
            .header("cookie", cookie)
            .header("origin", "https://evil.example")
            .form(&[
                ("_csrf", browser.cookies["forge_csrf"].as_str()),
                ("username", "sneaky"),
                ("kind", "other"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
        assert!(
            forge_core::org::by_name(&forge.db, "sneaky")
                .await
                .unwrap()
                .is_none()
        );
    }
}

#[tokio::test]
async fn sign_up_explains_each_problem_next_to_its_field() {
    for forge in TestForge::on_each_engine().await {
        let mut browser = Browser::new(&forge, "fr-FR,fr;q=0.9");
        browser.get("/user/sign_up").await;
        let page = browser
            .post(
                "/user/sign_up",
                &[
                    ("username", "admin"),
                    ("email", "someone@example.org"),
                    ("password", "a long password"),
                    ("password_confirm", "a long password"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("id=\"username-error\""), "{}", page.body);
        assert!(page.contains("Ce nom est réservé"));
        assert!(page.contains("aria-invalid=\"true\""));
        assert!(
            page.contains("value=\"someone@example.org\""),
            "entered values are kept"
        );

        let page = browser
            .post(
                "/user/sign_up",
                &[
                    ("username", "zoe"),
                    ("email", "zoe@example.org"),
                    ("password", "a long password"),
                    ("password_confirm", "another password"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("id=\"password_confirm-error\""));

        // Every problem at once.
        let page = browser
            .post(
                "/user/sign_up",
                &[
                    ("username", "-bad"),
                    ("email", "nowhere"),
                    ("password", "short"),
                    ("password_confirm", "other"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        for field in ["username", "email", "password", "password_confirm"] {
            assert!(
                page.contains(&format!("id=\"{field}-error\"")),
                "{field}: {}",
                page.body
            );
        }
        assert!(
            forge_core::user::by_name(&forge.db, "zoe")
                .await
                .unwrap()
                .is_none()
        );
    }
}

#[tokio::test]
async fn language_follows_the_browser_then_the_visitor_then_the_account() {
    for forge in TestForge::on_each_engine().await {
        let mut browser = Browser::new(&forge, "fr-CA,fr;q=0.8,en;q=0.5");
        let home = browser.get("/").await;
        assert!(home.contains("<html lang=\"fr\">"));
        assert!(home.contains("Partager le code"));

        let page = browser
            .post("/-/lang", &[("lang", "en"), ("next", "/user/login")])
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert_eq!(page.location.as_deref(), Some("/user/login"));
        let home = browser.get("/").await;
        assert!(
            home.contains("<html lang=\"en\">"),
            "the choice beats Accept-Language"
        );

        // Someone who signs up in French keeps French on another browser.
        let mut french = Browser::new(&forge, "fr");
        french.sign_up("amelie").await;
        let mut elsewhere = Browser::new(&forge, "en-US");
        elsewhere.sign_in("amelie").await;
        let home = elsewhere.get("/").await;
        assert!(home.contains("Bienvenue, amelie"), "{}", home.body);

        // And choosing English on the account sticks too.
        elsewhere
            .post("/-/lang", &[("lang", "en"), ("next", "/")])
            .await;
        let mut third = Browser::new(&forge, "fr");
        third.sign_in("amelie").await;
        assert!(third.get("/").await.contains("Welcome, amelie"));

        let missing = browser.get("/no-such-account").await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert!(missing.contains("This page does not exist"));
        let mut french_visitor = Browser::new(&forge, "fr");
        let missing = french_visitor.get("/no-such-account/really").await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);
        assert!(
            missing.contains("Cette page n’existe pas"),
            "{}",
            missing.body
        );
    }
}

#[tokio::test]
async fn tokens_are_created_shown_once_used_and_revoked_in_settings() {
    for forge in TestForge::on_each_engine().await {
        let mut browser = Browser::new(&forge, "en");
        browser.sign_up("alice").await;
        let page = browser.get("/user/settings/tokens").await;
        assert!(page.contains("You have no tokens."));

        let page = browser
            .post("/user/settings/tokens", &[("name", "git on my laptop")])
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let secret = forge_tests::hidden_value(
            &page.body.replace("readonly value", "name=\"new\" value"),
            "new",
        )
        .expect("the new token is shown");
        assert_eq!(secret.len(), 40);

        let response = http()
            .get(forge.at("/api/v1/user"))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);

        let page = browser.get("/user/settings/tokens").await;
        assert!(page.contains("git on my laptop"));
        assert!(!page.contains(&secret), "a token is shown only once");

        let duplicate = browser
            .post("/user/settings/tokens", &[("name", "git on my laptop")])
            .await;
        assert_eq!(duplicate.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(duplicate.contains("id=\"token-name-error\""));

        let id = forge_core::token::list(
            &forge.db,
            forge_core::user::by_name(&forge.db, "alice")
                .await
                .unwrap()
                .unwrap()
                .id,
        )
        .await
        .unwrap()[0]
            .id;
        let page = browser
            .post(&format!("/user/settings/tokens/{id}/delete"), &[])
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        let response = http()
            .get(forge.at("/api/v1/user"))
            .bearer_auth(&secret)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn organisations_are_created_and_their_members_managed_from_the_pages() {
    for forge in TestForge::on_each_engine().await {
        forge.user("bob", false).await;
        let mut alice = Browser::new(&forge, "en");
        alice.sign_up("alice").await;

        let page = alice
            .post(
                "/org/create",
                &[
                    ("username", "coop"),
                    ("full_name", "<script>alert(1)</script> Coop"),
                    ("kind", "cooperative"),
                    ("description", "We <b>share</b>"),
                    ("website", "javascript:alert(1)"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("id=\"website-error\""));

        let page = alice
            .post(
                "/org/create",
                &[
                    ("username", "coop"),
                    ("full_name", "<script>alert(1)</script> Coop"),
                    ("kind", "cooperative"),
                    ("description", "We <b>share</b>"),
                    ("website", "https://coop.example.org"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        assert_eq!(page.location.as_deref(), Some("/coop"));

        let page = alice.get("/coop").await;
        assert!(!page.contains("<script>alert(1)"), "text is escaped");
        assert!(page.contains("&#60;script&#62;alert(1)"), "{}", page.body);
        assert!(page.contains("Cooperative"));
        assert!(page.contains("Add a member"));

        let page = alice
            .post(
                "/org/coop/members",
                &[("username", "bob"), ("role", "treasurer")],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        let members = forge_core::org::members(
            &forge.db,
            forge_core::org::by_name(&forge.db, "coop")
                .await
                .unwrap()
                .unwrap()
                .id,
        )
        .await
        .unwrap();
        assert_eq!(members.len(), 2);

        let page = alice
            .post(
                "/org/coop/members",
                &[("username", "nobody"), ("role", "member")],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("There is no user with this name."));

        let page = alice
            .post(
                "/org/coop/members",
                &[("username", "alice"), ("role", "member")],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("at least one owner"), "{}", page.body);

        // Bob, a treasurer, sees the members but cannot manage them.
        let mut bob = Browser::new(&forge, "en");
        bob.sign_in("bob").await;
        let page = bob.get("/coop").await;
        assert!(page.contains("Treasurer"));
        assert!(!page.contains("Add a member"));
        let page = bob.post("/org/coop/members/alice/remove", &[]).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("Only owners"));

        let page = bob.get("/bob").await;
        assert!(page.contains("/coop"));
        // Anonymous visitors are sent to sign in before creating anything.
        let mut anonymous = Browser::new(&forge, "en");
        let page = anonymous.get("/org/create").await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
    }
}

#[tokio::test]
async fn sign_up_can_be_closed() {
    let closed = || WebConfig {
        local_signup: false,
        ..default_config()
    };
    for forge in TestForge::on_each_engine_with(closed).await {
        let mut browser = Browser::new(&forge, "en");
        let home = browser.get("/").await;
        assert!(!home.contains("/user/sign_up"));
        let page = browser.get("/user/sign_up").await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert!(page.contains("does not accept new accounts"));
        let page = browser
            .post(
                "/user/sign_up",
                &[
                    ("username", "mallory"),
                    ("email", "m@example.org"),
                    ("password", "a long password"),
                    ("password_confirm", "a long password"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        assert_eq!(forge_core::user::count(&forge.db).await.unwrap(), 0);
    }
}

#[tokio::test]
async fn pages_carry_security_headers_and_http_only_cookies() {
    for forge in TestForge::on_each_engine().await {
        let response = http().get(forge.at("/user/login")).send().await.unwrap();
        let headers = response.headers();
        assert_eq!(headers["x-frame-options"], "DENY");
        assert_eq!(headers["x-content-type-options"], "nosniff");
        assert!(
            headers["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("default-src 'self'")
        );
        let cookie = headers["set-cookie"].to_str().unwrap();
        assert!(
            cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
            "{cookie}"
        );
        let css = http()
            .get(forge.at("/-/assets/style.css"))
            .send()
            .await
            .unwrap();
        assert_eq!(css.status(), StatusCode::OK);
        assert!(
            css.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/css")
        );
    }
}

#[tokio::test]
async fn repositories_are_created_changed_and_deleted_from_the_pages() {
    for forge in TestForge::on_each_engine().await {
        let mut alice = Browser::new(&forge, "en");
        alice.sign_up("alice").await;
        alice
            .post(
                "/org/create",
                &[("username", "coop"), ("kind", "association")],
            )
            .await;
        let page = alice.get("/repo/create?owner=coop").await;
        assert!(
            page.contains("<option value=\"coop\" selected>"),
            "{}",
            page.body
        );

        let page = alice
            .post(
                "/repo/create",
                &[
                    ("owner", "coop"),
                    ("name", "bad name"),
                    ("default_branch", "main"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("id=\"name-error\""));

        let page = alice
            .post(
                "/repo/create",
                &[
                    ("owner", "coop"),
                    ("name", "Tools"),
                    ("description", "Shared tools"),
                    ("default_branch", "main"),
                    ("private", "on"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        assert_eq!(page.location.as_deref(), Some("/coop/Tools"));
        let repo = forge_core::repo::find(&forge.db, "coop", "tools")
            .await
            .unwrap()
            .unwrap();
        assert!(repo.private);
        assert!(forge.storage.path_of(repo.id.0).join("HEAD").exists());

        let page = alice.get("/coop").await;
        assert!(page.contains("/coop/Tools"));
        let mut anonymous = Browser::new(&forge, "en");
        let page = anonymous.get("/coop").await;
        assert!(
            !page.contains("/coop/Tools"),
            "private repositories are hidden"
        );
        assert_eq!(
            anonymous.get("/coop/Tools/settings").await.status,
            StatusCode::SEE_OTHER
        );

        // Someone else may not create repositories in the organisation.
        forge.user("mallory", false).await;
        let mut mallory = Browser::new(&forge, "en");
        mallory.sign_in("mallory").await;
        let page = mallory
            .post("/repo/create", &[("owner", "coop"), ("name", "x")])
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("id=\"owner-error\""));
        assert_eq!(
            mallory.get("/coop/Tools/settings").await.status,
            StatusCode::NOT_FOUND
        );

        let page = alice
            .post(
                "/coop/Tools/settings",
                &[("description", "Now public"), ("default_branch", "main")],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert!(
            alice
                .get(page.location.as_deref().unwrap())
                .await
                .contains("The settings are saved.")
        );
        let repo = forge_core::repo::find(&forge.db, "coop", "tools")
            .await
            .unwrap()
            .unwrap();
        assert!(!repo.private);
        assert_eq!(repo.description, "Now public");
        assert!(anonymous.get("/coop").await.contains("/coop/Tools"));

        let page = alice
            .post("/coop/Tools/settings/delete", &[("confirm", "coop/tool")])
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("does not match"));
        assert!(
            forge_core::repo::find(&forge.db, "coop", "tools")
                .await
                .unwrap()
                .is_some()
        );
        let page = alice
            .post("/coop/Tools/settings/delete", &[("confirm", "coop/Tools")])
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        assert!(
            forge_core::repo::find(&forge.db, "coop", "tools")
                .await
                .unwrap()
                .is_none()
        );
        assert!(!forge.storage.path_of(repo.id.0).exists());
    }
}

#[tokio::test]
async fn explore_lists_public_things_and_home_lists_mine() {
    for forge in TestForge::on_each_engine().await {
        let alice = forge.user("alice", false).await;
        for (name, private) in [
            ("open-tool", false),
            ("hidden-tool", true),
            ("other", false),
        ] {
            forge_core::repo::create(
                &forge.db,
                &alice,
                "alice",
                forge_core::repo::NewRepo {
                    name: name.into(),
                    private,
                    description: format!("The {name}"),
                    ..Default::default()
                },
                async |_| Ok(()),
            )
            .await
            .unwrap();
        }
        let mut visitor = Browser::new(&forge, "en");
        let page = visitor.get("/explore/repos").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.contains("alice/open-tool") && page.contains("alice/other"));
        assert!(
            !page.contains("hidden-tool"),
            "private repositories are not listed"
        );
        let page = visitor.get("/explore/repos?q=TOOL").await;
        assert!(page.contains("alice/open-tool") && !page.contains("alice/other"));
        let page = visitor.get("/explore/repos?q=100%25").await;
        assert!(page.contains("Nothing matches"));
        assert_eq!(visitor.get("/explore").await.status, StatusCode::SEE_OTHER);

        // Alice's home lists her repositories and what is assigned to her.
        let repo = forge_core::repo::find(&forge.db, "alice", "open-tool")
            .await
            .unwrap()
            .unwrap();
        forge_core::issue::create(
            &forge.db,
            &alice,
            &repo,
            forge_core::issue::NewIssue {
                title: "Fix the printer".into(),
                assignees: vec!["alice".into()],
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let mut browser = Browser::new(&forge, "en");
        browser.sign_in("alice").await;
        let page = browser.get("/").await;
        assert!(
            page.contains("alice/hidden-tool"),
            "her own private repository is on her home page"
        );
        assert!(
            page.contains("alice/open-tool#1 Fix the printer"),
            "{}",
            page.body
        );
    }
}

#[tokio::test]
async fn the_first_run_page_names_the_site_and_leads_to_the_first_organisation() {
    for forge in TestForge::on_each_engine().await {
        let mut admin = Browser::new(&forge, "en");
        admin.sign_up("root").await;
        let home = admin.get("/").await;
        assert!(
            home.contains("href=\"/-/setup\""),
            "the admin is invited to finish setting up"
        );
        let page = admin.get("/-/setup").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.contains("Create the first organisation"));
        let page = admin.post("/-/setup", &[("site_name", "  ")]).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("id=\"site_name-error\""));
        let page = admin
            .post("/-/setup", &[("site_name", "Réseau des Coopératives")])
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        admin
            .post(
                "/org/create",
                &[("username", "coop"), ("kind", "cooperative")],
            )
            .await;
        let home = admin.get("/").await;
        assert!(
            home.contains("Réseau des Coopératives"),
            "every page carries the new name"
        );
        assert!(
            !home.contains("href=\"/-/setup\""),
            "nothing left to set up"
        );

        // Others never see it.
        forge.user("bob", false).await;
        let mut bob = Browser::new(&forge, "en");
        bob.sign_in("bob").await;
        assert_eq!(bob.get("/-/setup").await.status, StatusCode::NOT_FOUND);
        assert_eq!(
            bob.post("/-/setup", &[("site_name", "Mine")]).await.status,
            StatusCode::NOT_FOUND
        );
        assert!(bob.get("/").await.contains("Réseau des Coopératives"));
    }
}

#[tokio::test]
async fn creating_an_organisation_or_a_repository_is_confirmed_once() {
    for forge in TestForge::on_each_engine().await {
        let mut alice = Browser::new(&forge, "fr");
        alice.sign_up("alice").await;
        alice.get("/org/create").await;
        let page = alice
            .post(
                "/org/create",
                &[("username", "coop"), ("kind", "association")],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let org = alice.get(page.location.as_deref().unwrap()).await;
        assert!(
            org.contains("L’organisation est créée. Ajoutez ses membres ci-dessous."),
            "{}",
            org.body
        );
        assert!(org.contains("role=\"status\""));
        let again = alice.get("/coop").await;
        assert!(!again.contains("L’organisation est créée"), "shown once");

        alice.get("/repo/create?owner=coop").await;
        let page = alice
            .post(
                "/repo/create",
                &[
                    ("owner", "coop"),
                    ("name", "tools"),
                    ("default_branch", "main"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let repo = alice.get(page.location.as_deref().unwrap()).await;
        assert!(repo.contains("Le dépôt est créé."), "{}", repo.body);
        assert!(
            !alice
                .get("/coop/tools")
                .await
                .contains("Le dépôt est créé.")
        );
    }
}
