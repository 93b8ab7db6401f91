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

        let pledges = forge_core::funding::pledges_of(&forge.db, goal.id)
            .await
            .unwrap();
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
