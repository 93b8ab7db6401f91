//! The funding steps through the pages, as treasurers and maintainers use
//! them: amounts typed in each language, plain-language panels, exports.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_core::org::{self, NewOrg, OrgKind, Role};
use forge_core::repo::NewRepo;
use forge_tests::{Browser, TestForge};
use reqwest::StatusCode;

fn coop(name: &str) -> NewOrg {
    NewOrg {
        name: name.into(),
        full_name: String::new(),
        description: String::new(),
        kind: OrgKind::Association,
        website: String::new(),
    }
}

#[tokio::test]
async fn a_goal_is_opened_pledged_funded_delivered_accepted_paid_and_settled_through_the_pages() {
    for forge in TestForge::on_each_engine().await {
        // Mia maintains the project; Théo (French) and Ann (English) are
        // treasurers of two associations.
        let mia = forge.user("mia", false).await;
        let theo = forge.user("theo", false).await;
        let ann = forge.user("ann", false).await;
        forge_core::user::set_locale(&forge.db, theo.id, "fr")
            .await
            .unwrap();
        let repo = forge_core::repo::create(
            &forge.db,
            &mia,
            "mia",
            NewRepo {
                name: "tool".into(),
                ..NewRepo::default()
            },
            async |_| Ok(()),
        )
        .await
        .unwrap();
        let issue = forge_core::issue::create(
            &forge.db,
            &mia,
            &repo,
            forge_core::issue::NewIssue {
                title: "Export to spreadsheet".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        for (name, treasurer) in [("velo", &theo), ("books", &ann)] {
            let o = org::create(&forge.db, treasurer, coop(name)).await.unwrap();
            assert_eq!(
                org::role_of(&forge.db, o.id, treasurer.id).await.unwrap(),
                Some(Role::Owner)
            );
        }
        let base = format!("/mia/tool/issues/{}/funding", issue.number);

        let mut mia_browser = Browser::new(&forge, "en");
        mia_browser.sign_in("mia").await;
        let page = mia_browser.get(&base).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.contains("Nobody has asked for funding"));
        assert!(page.contains("Ask for funding"));

        // A bad amount and a past date are explained next to their fields.
        let page = mia_browser
            .post(
                &base,
                &[
                    ("budget", "lots"),
                    ("currency", "EUR"),
                    ("deadline", "2001-01-01"),
                    ("acceptance", "CSV export"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("id=\"goal-budget-error\""), "{}", page.body);
        // "12,50" is not twelve and a half in English, nor 1,250: refused,
        // with an example in English notation, the values kept, and the
        // error tied to its field.
        let page = mia_browser
            .post(
                &base,
                &[
                    ("budget", "12,50"),
                    ("currency", "EUR"),
                    ("deadline", "2099-12-31"),
                    ("acceptance", "CSV export"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.contains("Type it like this: 1,234.50"),
            "{}",
            page.body
        );
        assert!(page.contains("value=\"12,50\""), "{}", page.body);
        assert!(page.contains("goal-budget-error\" aria-invalid=\"true\""));
        assert!(page.contains(">CSV export</textarea>"));
        assert!(
            forge_core::funding::goal_of_issue(&forge.db, issue.id)
                .await
                .unwrap()
                .is_none()
        );
        let page = mia_browser
            .post(
                &base,
                &[
                    ("budget", "1,500.00"),
                    ("currency", "EUR"),
                    ("deadline", "2099-12-31"),
                    ("review_days", "14"),
                    ("min_funders", "2"),
                    ("acceptance", "An **Export** button writes a CSV file."),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let goal = forge_core::funding::goal_of_issue(&forge.db, issue.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(goal.budget_minor, 150_000);

        // Théo pledges in French notation, Ann in English.
        let mut theo_browser = Browser::new(&forge, "fr");
        theo_browser.sign_in("theo").await;
        let page = theo_browser.get(&base).await;
        assert!(
            page.contains("Promettre pour mon organisation"),
            "{}",
            page.body
        );
        assert!(page.contains("1\u{202f}500,00\u{a0}€"));
        assert!(page.contains("<progress"));
        // "12.34" is ambiguous in French: refused, not read as 1,234.
        let page = theo_browser
            .post(
                &format!("{base}/pledge"),
                &[("org", "velo"), ("amount", "12.34")],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains("Tapez-le ainsi : 1 234,50"), "{}", page.body);
        assert!(page.contains("id=\"pledge-amount-error\""));
        assert!(page.contains("pledge-amount-error\" aria-invalid=\"true\""));
        assert!(page.contains("value=\"12.34\""), "{}", page.body);
        assert!(
            forge_core::funding::pledges_of(&forge.db, goal.id)
                .await
                .unwrap()
                .is_empty()
        );
        let page = theo_browser
            .post(
                &format!("{base}/pledge"),
                &[("org", "velo"), ("amount", "1 000,00")],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let mut ann_browser = Browser::new(&forge, "en");
        ann_browser.sign_in("ann").await;
        // Ann may not pledge for Théo's association.
        let page = ann_browser
            .post(
                &format!("{base}/pledge"),
                &[("org", "velo"), ("amount", "5")],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        let page = ann_browser
            .post(
                &format!("{base}/pledge"),
                &[("org", "books"), ("amount", "1,000.00")],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);

        // 2,000 pledged for 1,500: each pays 750.
        let page = ann_browser.get(&base).await;
        assert!(page.contains("Funded"), "{}", page.body);
        assert_eq!(page.body.matches("€750.00").count(), 2, "{}", page.body);

        let page = mia_browser
            .post(
                &format!("{base}/deliver"),
                &[("note", "Released in 2.0"), ("commits", "")],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        let page = theo_browser
            .post(
                &format!("{base}/review"),
                &[("org", "velo"), ("verdict", "object"), ("reason", "")],
            )
            .await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "an objection needs a reason"
        );
        for (browser, org_name) in [(&mut theo_browser, "velo"), (&mut ann_browser, "books")] {
            let page = browser
                .post(
                    &format!("{base}/review"),
                    &[("org", org_name), ("verdict", "accept")],
                )
                .await;
            assert_eq!(page.status, StatusCode::SEE_OTHER);
        }
        let page = mia_browser.get(&base).await;
        assert!(page.contains("Record a payment received"), "{}", page.body);
        assert!(page.contains("href=\"/user/mia/received\""));

        // Each funder's pledges page shows what it must pay now; the
        // receiving side sees what it is owed, and nobody else does.
        let page = theo_browser.get("/org/velo/pledges").await;
        assert!(
            page.contains("Paiements à faire maintenant"),
            "{}",
            page.body
        );
        assert!(
            page.contains("<td data-label=\"Reste à payer\">750,00\u{a0}€</td>"),
            "{}",
            page.body
        );
        let page = mia_browser.get("/user/mia/received").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.contains("Still to be paid"), "{}", page.body);
        assert!(
            page.contains(
                "<td data-label=\"Still owed\">€1,500.00</td><td data-label=\"Received\">€0.00</td>"
            ),
            "{}",
            page.body
        );
        let page = ann_browser.get("/user/mia/received").await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        let page = ann_browser.get("/org/velo/received").await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        let page = theo_browser.get("/org/velo/received").await;
        assert_eq!(page.status, StatusCode::OK, "a treasurer of velo");

        let pledges = forge_core::funding::pledges_of(&forge.db, goal.id)
            .await
            .unwrap();
        // More than is due: the same page again, the message under the
        // amount of that pledge's form, what was typed still there.
        let first = pledges[0].id;
        let page = mia_browser
            .post(
                &format!("{base}/pledges/{first}/payments"),
                &[("amount", "750.01"), ("reference", "SEPA 2026-11")],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            page.contains(&format!(
                "<p class=\"field-error\" id=\"payment-amount-{first}-error\">This is more than what is still owed on this pledge: at most 750.00 EUR."
            )),
            "{}",
            page.body
        );
        assert!(page.contains(&format!(
            "aria-describedby=\"payment-amount-{first}-hint payment-amount-{first}-error\" aria-invalid=\"true\""
        )));
        assert!(page.contains("value=\"750.01\""));
        assert!(page.contains("value=\"SEPA 2026-11\""));
        // The other pledge's form is untouched.
        let second = pledges[1].id;
        assert!(!page.contains(&format!("payment-amount-{second}-error")));
        // An amount typed the French way by an English visitor.
        let page = mia_browser
            .post(
                &format!("{base}/pledges/{first}/payments"),
                &[("amount", "750,00"), ("reference", "SEPA 2026-11")],
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(page.contains(&format!("id=\"payment-amount-{first}-error\"")));
        assert!(page.contains("value=\"750,00\""));
        assert_eq!(
            forge_core::funding::payments(&forge.db, goal.id)
                .await
                .unwrap()
                .len(),
            0
        );
        for pledge in &pledges {
            let page = mia_browser
                .post(
                    &format!("{base}/pledges/{}/payments", pledge.id),
                    &[("amount", "750"), ("reference", "SEPA 2026-11")],
                )
                .await;
            assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        }
        let page = theo_browser.get(&base).await;
        assert!(page.contains("Soldé"), "{}", page.body);
        assert!(page.contains(&format!("href=\"{base}/ledger\"")));
        let page = mia_browser.get("/user/mia/received").await;
        assert!(
            page.contains(
                "<td data-label=\"Still owed\">€0.00</td><td data-label=\"Received\">€1,500.00</td>"
            ),
            "{}",
            page.body
        );
        let page = theo_browser.get("/org/velo/pledges").await;
        assert!(!page.contains("Paiements à faire maintenant"));

        // The ledger in plain French words, dates in French.
        let page = theo_browser.get(&format!("{base}/ledger")).await;
        assert_eq!(page.status, StatusCode::OK);
        let today =
            forge_web::format::long_date(forge_web::i18n::Lang::Fr, forge_core::clock::now_ms());
        assert!(
            page.contains(&format!("\">{today}</time></td>")),
            "{}",
            page.body
        );
        for sentence in [
            "velo a promis jusqu’à 1\u{202f}000,00\u{a0}€.",
            "L’objectif est financé : la part de velo est de 750,00\u{a0}€ ; les 250,00\u{a0}€ restants de sa promesse ne sont pas nécessaires.",
            "La livraison a été acceptée : books doit maintenant sa part de 750,00\u{a0}€.",
            "Un paiement de 750,00\u{a0}€ de velo a été reçu (référence SEPA 2026-11).",
        ] {
            assert!(page.contains(sentence), "{sentence}: {}", page.body);
        }
        // The spreadsheet: French with semicolons and decimal commas, English
        // with commas and points; both with a byte order mark.
        let response = forge_tests::http()
            .get(forge.at(&format!("{base}/ledger.csv")))
            .header("accept-language", "fr")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(
            response.headers()["content-type"],
            "text/csv; charset=utf-8"
        );
        let french = response.text().await.unwrap();
        assert!(
            french.starts_with("\u{feff}Date;Événement;Description;Compte;Organisation;Débit;Crédit;Devise;Référence bancaire;Par\r\n"),
            "{french}"
        );
        assert!(french.contains(";Paiement;"), "{french}");
        assert!(
            french.contains(";750,00;0,00;EUR;SEPA 2026-11;mia\r\n"),
            "{french}"
        );
        let english = ann_browser.get(&format!("{base}/ledger.csv")).await;
        assert!(
            english.body.starts_with("\u{feff}Date,Event,Description,Account,Organisation,Debit,Credit,Currency,Bank reference,By\r\n"),
            "{}",
            english.body
        );
        assert!(english.contains(",750.00,0.00,EUR,SEPA 2026-11,mia\r\n"));
        let pledges_csv = theo_browser.get("/org/velo/pledges.csv").await;
        assert!(
            pledges_csv.body.starts_with("\u{feff}Dépôt;Ticket;Titre;"),
            "{}",
            pledges_csv.body
        );
        assert!(
            pledges_csv.contains(
                "mia/tool;1;Export to spreadsheet;Payé;Soldé;1000,00;750,00;750,00;0,00;EUR;"
            ),
            "{}",
            pledges_csv.body
        );
        assert!(
            forge_core::funding::ledger::check(&forge.db)
                .await
                .unwrap()
                .is_empty()
        );

        // The organisation's pledges page, and the repository's goals.
        let page = theo_browser.get("/org/velo/pledges").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.contains("mia/tool#1"));
        assert!(page.contains("750,00\u{a0}€"));
        let page = ann_browser.get("/mia/tool/funding").await;
        assert!(page.contains("Export to spreadsheet"));
        assert!(page.contains("Settled"));

        // The ledger is permanent: the repository cannot be deleted.
        let response = forge_tests::http()
            .delete(forge.at("/api/v1/repos/mia/tool"))
            .basic_auth("mia", Some(forge_tests::password_of("mia")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CONFLICT);
        assert!(
            forge_core::repo::find(&forge.db, "mia", "tool")
                .await
                .unwrap()
                .is_some()
        );
    }
}

/// A repository `mia/tool` with one issue, and an association `velo` whose
/// owner is `theo`; Mia's and Théo's browsers, signed in.
async fn project(
    forge: &TestForge,
    theo_lang: &str,
) -> (Browser, Browser, String, forge_core::IssueId) {
    let mia = forge.user("mia", false).await;
    let theo = forge.user("theo", false).await;
    let repo = forge_core::repo::create(
        &forge.db,
        &mia,
        "mia",
        NewRepo {
            name: "tool".into(),
            ..NewRepo::default()
        },
        async |_| Ok(()),
    )
    .await
    .unwrap();
    let issue = forge_core::issue::create(
        &forge.db,
        &mia,
        &repo,
        forge_core::issue::NewIssue {
            title: "Export to spreadsheet".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    org::create(&forge.db, &theo, coop("velo")).await.unwrap();
    let mut mia_browser = Browser::new(forge, "en");
    mia_browser.sign_in("mia").await;
    let mut theo_browser = Browser::new(forge, theo_lang);
    theo_browser.sign_in("theo").await;
    (
        mia_browser,
        theo_browser,
        format!("/mia/tool/issues/{}", issue.number),
        issue.id,
    )
}

#[tokio::test]
async fn each_action_is_confirmed_once_and_destructive_ones_are_asked_first() {
    for forge in TestForge::on_each_engine().await {
        let (mut mia, mut theo, issue, issue_id) = project(&forge, "fr").await;
        let base = format!("{issue}/funding");
        let page = mia
            .post(
                &base,
                &[
                    ("budget", "1,500"),
                    ("currency", "EUR"),
                    ("deadline", "2099-12-31"),
                    ("acceptance", "A CSV export."),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        // The page the redirect leads to says what was done, once.
        let page = mia.get(page.location.as_deref().unwrap()).await;
        assert!(
            page.contains(
                "<p class=\"notice flash\" role=\"status\">The funding goal is saved.</p>"
            ),
            "{}",
            page.body
        );
        let page = mia.get(&issue).await;
        assert!(!page.contains("role=\"status\">The funding goal is saved."));

        // A French treasurer pledges with a decimal comma.
        let page = theo
            .post(
                &format!("{base}/pledge"),
                &[("org", "velo"), ("amount", "1 000,50")],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let page = theo.get(&issue).await;
        assert!(
            page.contains("role=\"status\">Votre promesse est enregistrée.</p>"),
            "{}",
            page.body
        );
        assert!(page.contains("1\u{202f}000,50\u{a0}€"));

        // A confirmation cookie is worth nothing in another session, nor
        // altered: only the forge signs them, per session.
        let flash = {
            let page = theo
                .post(
                    &format!("{base}/pledge"),
                    &[("org", "velo"), ("amount", "1 000,50")],
                )
                .await;
            assert_eq!(page.status, StatusCode::SEE_OTHER);
            theo.cookies.get("forge_flash").cloned().unwrap()
        };
        mia.cookies.insert("forge_flash".into(), flash.clone());
        let page = mia.get(&issue).await;
        assert!(!page.contains("role=\"status\""), "{}", page.body);
        assert!(
            !mia.cookies.contains_key("forge_flash"),
            "deleted once read"
        );
        theo.cookies.insert(
            "forge_flash".into(),
            flash.replace("pledge-recorded", "goal-cancelled"),
        );
        let page = theo.get(&issue).await;
        assert!(!page.contains("role=\"status\""), "{}", page.body);

        // Withdrawing asks first: the page says what happens, and its form
        // carries the CSRF token; nothing changes until it is sent.
        let panel = theo.get(&base).await;
        let pledge = forge_core::funding::pledges_of(
            &forge.db,
            forge_core::funding::goal_of_issue(&forge.db, issue_id)
                .await
                .unwrap()
                .unwrap()
                .id,
        )
        .await
        .unwrap()
        .remove(0);
        let withdraw = format!("{base}/pledges/{}/withdraw", pledge.id);
        assert!(
            panel.contains(&format!("<a href=\"{withdraw}\"")),
            "{}",
            panel.body
        );
        let page = theo.get(&withdraw).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.contains("<h1>Retirer la promesse de velo ?</h1>"),
            "{}",
            page.body
        );
        assert!(page.contains("jusqu’à 1\u{202f}000,50\u{a0}€"));
        assert!(page.contains(&format!("action=\"{withdraw}\"")));
        assert_eq!(page.csrf(), theo.cookies["forge_csrf"]);
        let page = theo.post_raw(&withdraw, &[]).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN, "no CSRF token, no act");
        let page = theo.post(&withdraw, &[]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        let page = theo.get(&issue).await;
        assert!(page.contains("role=\"status\">La promesse est retirée.</p>"));

        // Cancelling asks first too, and an anonymous visitor is sent to
        // sign in.
        let page = Browser::new(&forge, "en")
            .get(&format!("{base}/cancel"))
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        let page = mia.get(&format!("{base}/cancel")).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.contains("<h1>Cancel this funding goal?</h1>"));
        assert!(page.contains("Nobody has pledged yet."));
        assert!(page.contains(&format!("href=\"{issue}#funding\"")));
        let page = mia.post(&format!("{base}/cancel"), &[]).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER);
        let page = mia.get(&issue).await;
        assert!(page.contains("role=\"status\">The funding goal is cancelled."));
        assert!(page.contains("Cancelled"), "{}", page.body);
    }
}

#[tokio::test]
async fn issues_open_for_funding_are_listed_filtered_and_badged() {
    for forge in TestForge::on_each_engine().await {
        let (mut mia, mut theo, first, _) = project(&forge, "en").await;
        let owner = forge_core::user::by_name(&forge.db, "mia")
            .await
            .unwrap()
            .unwrap();
        let repo = forge_core::repo::find(&forge.db, "mia", "tool")
            .await
            .unwrap()
            .unwrap();
        let second = forge_core::issue::create(
            &forge.db,
            &owner,
            &repo,
            forge_core::issue::NewIssue {
                title: "Accessible charts".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        // A private repository's goal is never listed in Explore.
        let hidden = forge_core::repo::create(
            &forge.db,
            &owner,
            "mia",
            NewRepo {
                name: "hidden".into(),
                private: true,
                ..NewRepo::default()
            },
            async |_| Ok(()),
        )
        .await
        .unwrap();
        let secret = forge_core::issue::create(
            &forge.db,
            &owner,
            &hidden,
            forge_core::issue::NewIssue {
                title: "Secret plan".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        for (path, budget, currency, deadline) in [
            (format!("{first}/funding"), "1,000", "EUR", "2099-06-30"),
            (
                format!("/mia/tool/issues/{}/funding", second.number),
                "400",
                "CHF",
                "2098-01-31",
            ),
            (
                format!("/mia/hidden/issues/{}/funding", secret.number),
                "50",
                "EUR",
                "2097-01-01",
            ),
        ] {
            let page = mia
                .post(
                    &path,
                    &[
                        ("budget", budget),
                        ("currency", currency),
                        ("deadline", deadline),
                        ("acceptance", "Done."),
                    ],
                )
                .await;
            assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        }
        // Half of the first budget pledged.
        let page = theo
            .post(
                &format!("{first}/funding/pledge"),
                &[("org", "velo"), ("amount", "500")],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);

        let mut visitor = Browser::new(&forge, "en");
        let page = visitor.get("/explore/funding").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.contains("Export to spreadsheet"), "{}", page.body);
        assert!(page.contains("Accessible charts"));
        assert!(!page.contains("Secret plan"), "private: {}", page.body);
        // Soonest deadline first, in words.
        let charts = page.body.find("Accessible charts").unwrap();
        let export = page.body.find("Export to spreadsheet").unwrap();
        assert!(charts < export);
        assert!(page.contains(">31 January 2098</time>"));
        assert!(page.contains("<progress max=\"100\" value=\"50\""));
        assert!(page.contains("href=\"/explore/funding\" aria-current=\"page\""));

        for (query, shows_export, shows_charts) in [
            ("currency=CHF", false, true),
            ("currency=eur", true, false),
            ("progress=50", true, false),
            ("progress=75", false, false),
            ("before=2098-12-31", false, true),
            ("before=2099-06-30&currency=EUR&progress=25", true, false),
        ] {
            let page = visitor.get(&format!("/explore/funding?{query}")).await;
            assert_eq!(page.status, StatusCode::OK, "{query}");
            assert_eq!(
                page.contains("Export to spreadsheet"),
                shows_export,
                "{query}"
            );
            assert_eq!(page.contains("Accessible charts"), shows_charts, "{query}");
        }
        // The form shows the filters in force.
        let page = visitor
            .get("/explore/funding?currency=CHF&progress=25")
            .await;
        assert!(page.contains("<option value=\"CHF\" selected>"));
        assert!(page.contains("<option value=\"25\" selected>"));
        for bad in ["currency=XYZ", "progress=150", "before=soon", "after=x"] {
            let page = visitor.get(&format!("/explore/funding?{bad}")).await;
            assert_eq!(page.status, StatusCode::BAD_REQUEST, "{bad}");
            assert!(page.contains("A filter could not be read"), "{bad}");
        }

        // Per repository, from its navigation; the private one to its owner.
        let page = visitor.get("/mia/tool/issues").await;
        assert!(
            page.contains("href=\"/mia/tool/funding/open\""),
            "{}",
            page.body
        );
        let page = visitor.get("/mia/tool/funding/open?currency=CHF").await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.contains("Accessible charts"));
        assert!(!page.contains("Export to spreadsheet"));
        assert!(page.contains("href=\"/mia/tool/funding/open\" aria-current=\"true\""));
        let page = visitor.get("/mia/hidden/funding/open").await;
        assert_eq!(page.status, StatusCode::NOT_FOUND);
        let page = mia.get("/mia/hidden/funding/open").await;
        assert!(page.contains("Secret plan"), "{}", page.body);

        // The issue list marks funded issues.
        let page = visitor.get("/mia/tool/issues").await;
        assert_eq!(
            page.body.matches("class=\"badge funding-badge\"").count(),
            2,
            "{}",
            page.body
        );
        assert!(page.contains(">Open for funding</a>"));
    }
}
