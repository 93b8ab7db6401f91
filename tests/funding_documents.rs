//! Payee details, calls for funds and receipts over real sockets, on every
//! engine under test: who sees the bank details, the documents as pages
//! and as PDF files, their numbering (also under concurrent payments), and
//! "not found" for everyone else.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_core::Db;
use forge_core::clock::now_ms;
use forge_core::funding::document::{self, DocumentKind};
use forge_core::funding::{self, GoalInput, PaymentRequest, PledgeRequest, Verdict};
use forge_core::issue::{self, Issue, NewIssue};
use forge_core::org::{self, NewOrg, OrgKind, Role};
use forge_core::repo::{self, NewRepo, Repo};
use forge_core::user::User;
use forge_tests::{Browser, TestForge, http};
use reqwest::StatusCode;
use serde_json::Value;

const DAY: i64 = 24 * 3600 * 1000;
const IBAN: &str = "FR76 3000 6000 0112 3456 7890 189";

fn association(name: &str, full_name: &str) -> NewOrg {
    NewOrg {
        name: name.into(),
        full_name: full_name.into(),
        description: String::new(),
        kind: OrgKind::Association,
        website: String::new(),
    }
}

async fn new_repo(db: &Db, owner: &User, name: &str) -> Repo {
    repo::create(
        db,
        owner,
        &owner.name,
        NewRepo {
            name: name.into(),
            ..NewRepo::default()
        },
        async |_| Ok(()),
    )
    .await
    .unwrap()
}

/// An issue of `repo` with a goal of 1000.00 EUR that `orgs` fund with
/// 600.00 each (shares of 500.00), delivered and accepted by all: every
/// share is called.
async fn accepted_goal(
    db: &Db,
    owner: &User,
    repo: &Repo,
    title: &str,
    orgs: &[(&User, &str)],
) -> Issue {
    let found = issue::create(
        db,
        owner,
        repo,
        NewIssue {
            title: title.into(),
            ..NewIssue::default()
        },
    )
    .await
    .unwrap();
    funding::put_goal(
        db,
        owner,
        repo,
        &found,
        GoalInput {
            budget_minor: 100_000,
            currency: "EUR".into(),
            acceptance: "Le calendrier s’exporte en ODS, avec des tests.".into(),
            deadline_at: now_ms() + 30 * DAY,
            review_days: None,
            min_funders: Some(1),
        },
    )
    .await
    .unwrap();
    for (treasurer, org_name) in orgs {
        funding::pledge(
            db,
            treasurer,
            repo,
            &found,
            PledgeRequest {
                org: org_name,
                amount_minor: 120_000 / i64::try_from(orgs.len()).unwrap(),
                currency: "EUR",
                idempotency_key: None,
            },
        )
        .await
        .unwrap();
    }
    funding::deliver(
        db,
        owner,
        repo,
        &found,
        "Export ODS livré.",
        &["abcdef1".into()],
    )
    .await
    .unwrap();
    for (treasurer, org_name) in orgs {
        funding::review(db, treasurer, repo, &found, org_name, Verdict::Accept, "")
            .await
            .unwrap();
    }
    found
}

async fn pledge_of(db: &Db, found: &Issue, org_name: &str) -> i64 {
    let goal = funding::goal_of_issue(db, found.id).await.unwrap().unwrap();
    funding::pledges_of(db, goal.id)
        .await
        .unwrap()
        .into_iter()
        .find(|p| p.org_name == org_name)
        .unwrap()
        .id
        .0
}

/// Checks that `bytes` is a well-formed PDF file: the header, the end
/// marker, a cross-reference table whose every entry points at the object
/// it names. Returns its text, read by `pdftotext` when it is installed,
/// else the strings of its pages decoded from WinAnsi.
fn pdf_text(bytes: &[u8]) -> String {
    assert!(bytes.starts_with(b"%PDF-1."), "no PDF header");
    let tail = String::from_utf8_lossy(&bytes[bytes.len().saturating_sub(64)..]).to_string();
    assert!(tail.trim_end().ends_with("%%EOF"), "no end marker: {tail}");
    let start: usize = tail
        .split("startxref")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let table = String::from_utf8_lossy(&bytes[start..]).to_string();
    assert!(table.starts_with("xref"), "startxref points elsewhere");
    let mut lines = table.lines().skip(1);
    let header: Vec<usize> = lines
        .next()
        .unwrap()
        .split_whitespace()
        .map(|n| n.parse().unwrap())
        .collect();
    let (first, count) = (header[0], header[1]);
    assert!(count > 5, "too few objects: {count}");
    for (i, line) in lines.take(count).enumerate() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields[2] != "n" {
            continue;
        }
        let offset: usize = fields[0].parse().unwrap();
        let object = format!("{} 0 obj", first + i);
        assert!(
            bytes[offset..].starts_with(object.as_bytes()),
            "entry {} does not point at its object",
            first + i
        );
    }
    if let Ok(output) = std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8", "-", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(bytes)?;
            child.wait_with_output()
        })
    {
        assert!(output.status.success(), "pdftotext refused the file");
        return String::from_utf8(output.stdout).unwrap();
    }
    // Without pdftotext: the literal strings of the content streams.
    let mut text = String::new();
    let mut inside = false;
    for &byte in bytes {
        match (inside, byte) {
            (false, b'(') => inside = true,
            (true, b')') => {
                inside = false;
                text.push('\n');
            }
            (true, b'\x80') => text.push('€'),
            (true, b'\xa0') => text.push(' '),
            (true, b'\x92') => text.push('’'),
            (true, other) => text.push(char::from(other)),
            _ => {}
        }
    }
    text
}

/// Text with every kind of space made a plain one, for comparisons.
fn plain(text: &str) -> String {
    text.replace(['\u{a0}', '\u{202f}'], " ")
}

async fn api_goal(forge: &TestForge, token: &str, index: i64) -> Value {
    let response = http()
        .get(forge.at(&format!("/api/v1/repos/mia/tool/issues/{index}/funding")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

#[tokio::test]
async fn payee_details_calls_for_funds_and_receipts_reach_only_those_concerned() {
    for forge in TestForge::on_each_engine().await {
        let db = &forge.db;
        let engine = forge.engine();
        // Mia receives; Théo (French) is treasurer of Vélo, Ann of Books;
        // Max is a plain member of Vélo; Eve belongs to nothing.
        let (mia, _) = forge.user_with_token("mia", false).await;
        let (theo, theo_token) = forge.user_with_token("theo", false).await;
        let (ann, ann_token) = forge.user_with_token("ann", false).await;
        let (_, max_token) = forge.user_with_token("max", false).await;
        let (_, eve_token) = forge.user_with_token("eve", false).await;
        forge_core::user::set_locale(db, theo.id, "fr")
            .await
            .unwrap();
        let velo = org::create(db, &theo, association("velo", "Vélo Solidaire"))
            .await
            .unwrap();
        org::set_member(db, &theo, &velo, "max", Role::Member)
            .await
            .unwrap();
        org::create(db, &ann, association("books", ""))
            .await
            .unwrap();
        let repo = new_repo(db, &mia, "tool").await;

        // Mia's details: a typing mistake in the IBAN is explained next to
        // the field, with what she typed kept; then they are saved.
        let mut mia_browser = Browser::new(&forge, "en");
        mia_browser.sign_in("mia").await;
        let page = mia_browser.get("/user/settings/payee").await;
        assert_eq!(page.status, StatusCode::OK, "{engine:?}");
        let typo = "FR76 3000 6000 0112 3456 7890 188";
        let fields = |iban: &'static str| {
            [
                ("legal_name", "Mia Dupont EI"),
                ("address", "3 rue des Lilas\n75011 Paris"),
                ("iban", iban),
                ("bic", "bnpafrpp"),
                ("note", "Merci d’indiquer la référence."),
            ]
        };
        let page = mia_browser
            .post(
                "/user/settings/payee",
                &fields("FR76 3000 6000 0112 3456 7890 188"),
            )
            .await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?}");
        assert!(page.contains("check digits do not match"), "{}", page.body);
        assert!(page.contains(typo));
        let page = mia_browser
            .post("/user/settings/payee", &fields(IBAN))
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let page = mia_browser.get("/user/settings/payee").await;
        assert!(page.contains(IBAN) && page.contains("BNPAFRPP"));
        // Someone else's organisation page is not found.
        let mut eve_browser = Browser::new(&forge, "en");
        eve_browser.sign_in("eve").await;
        assert_eq!(
            eve_browser.get("/org/velo/payee").await.status,
            StatusCode::NOT_FOUND
        );
        let mut max_browser = Browser::new(&forge, "en");
        max_browser.sign_in("max").await;
        assert_eq!(
            max_browser.get("/org/velo/payee").await.status,
            StatusCode::NOT_FOUND
        );

        // Before anything is owed, nobody but Mia sees the details.
        let found = issue::create(
            db,
            &mia,
            &repo,
            NewIssue {
                title: "Open goal".into(),
                ..NewIssue::default()
            },
        )
        .await
        .unwrap();
        let mut theo_browser = Browser::new(&forge, "fr");
        theo_browser.sign_in("theo").await;
        let open_panel = format!("/mia/tool/issues/{}/funding", found.number);
        funding::put_goal(
            db,
            &mia,
            &repo,
            &found,
            GoalInput {
                budget_minor: 50_000,
                currency: "EUR".into(),
                acceptance: "Tests.".into(),
                deadline_at: now_ms() + 30 * DAY,
                review_days: None,
                min_funders: Some(1),
            },
        )
        .await
        .unwrap();
        assert!(!theo_browser.get(&open_panel).await.contains(IBAN));

        // A goal both fund and accept: each share is called, and numbered.
        let accepted = accepted_goal(
            db,
            &mia,
            &repo,
            "Export du calendrier",
            &[(&theo, "velo"), (&ann, "books")],
        )
        .await;
        let velo_pledge = pledge_of(db, &accepted, "velo").await;
        let books_pledge = pledge_of(db, &accepted, "books").await;
        let base = format!("/mia/tool/issues/{}/funding", accepted.number);

        // Théo owes: the panel shows where to pay and the call, in French.
        let panel = theo_browser.get(&base).await;
        assert_eq!(panel.status, StatusCode::OK);
        assert!(panel.contains(IBAN), "{engine:?}: {}", panel.body);
        assert!(panel.contains("Appel de fonds n° 000001"), "{}", panel.body);
        assert!(panel.contains("MIA-000001"));
        // Books' call is not Théo's business.
        assert!(!panel.contains("MIA-000002"));
        // Max is a member, not a treasurer; Eve is nobody: no details.
        for browser in [&mut max_browser, &mut eve_browser] {
            let panel = browser.get(&base).await;
            assert_eq!(panel.status, StatusCode::OK);
            assert!(!panel.contains(IBAN) && !panel.contains("BNPAFRPP"));
            assert!(!panel.contains("MIA-00000"));
        }
        // The API says the same.
        let goal = api_goal(&forge, &theo_token, accepted.number).await;
        assert_eq!(goal["payee"]["iban"], "FR7630006000011234567890189");
        assert_eq!(goal["payee"]["legal_name"], "Mia Dupont EI");
        let documents = goal["documents"].as_array().unwrap();
        assert_eq!(documents.len(), 1, "{goal}");
        assert_eq!(documents[0]["reference"], "MIA-000001");
        assert_eq!(documents[0]["kind"], "call");
        for token in [&max_token, &eve_token] {
            let goal = api_goal(&forge, token, accepted.number).await;
            assert!(goal.get("payee").is_none() && goal.get("documents").is_none());
        }

        // The call for funds, as a page and as a PDF file, linked from the
        // paying organisation's pledges page for its treasurer.
        let call = format!("{base}/pledges/{velo_pledge}/call");
        let pledges = theo_browser.get("/org/velo/pledges").await;
        assert_eq!(pledges.status, StatusCode::OK);
        assert!(
            pledges.contains(&format!("href=\"{call}\"")),
            "{}",
            pledges.body
        );
        assert!(pledges.contains(&format!("href=\"{call}.pdf\"")));
        assert!(
            !max_browser
                .get("/org/velo/pledges")
                .await
                .contains(&format!("href=\"{call}\"")),
            "only treasurers and owners get the link"
        );
        let page = theo_browser.get(&call).await;
        assert_eq!(page.status, StatusCode::OK);
        let text = plain(&page.body);
        for expected in [
            "Appel de fonds n° 000001",
            "500,00 €",
            "MIA-000001",
            IBAN,
            "BNPAFRPP",
            "Mia Dupont EI",
            "75011 Paris",
            "Vélo Solidaire",
            "Export du calendrier",
            "Export ODS livré.",
        ] {
            assert!(text.contains(expected), "{engine:?}: {expected} missing");
        }
        let response = http()
            .get(forge.at(&format!("{call}.pdf")))
            .header(
                "cookie",
                theo_browser
                    .cookies
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "application/pdf");
        let bytes = response.bytes().await.unwrap();
        let text = plain(&pdf_text(&bytes));
        for expected in [
            "Appel de fonds n° 000001",
            "500,00 €",
            "MIA-000001",
            IBAN,
            "Vélo Solidaire",
            "calendrier s’exporte",
        ] {
            assert!(
                text.contains(expected),
                "{engine:?}: {expected} not in {text}"
            );
        }

        // Outsiders, the other payer and a plain member find nothing.
        let mut ann_browser = Browser::new(&forge, "en");
        ann_browser.sign_in("ann").await;
        for browser in [&mut eve_browser, &mut max_browser, &mut ann_browser] {
            assert_eq!(browser.get(&call).await.status, StatusCode::NOT_FOUND);
            assert_eq!(
                browser.get(&format!("{call}.pdf")).await.status,
                StatusCode::NOT_FOUND
            );
        }
        // Ann reads her own call, numbered next.
        let page = ann_browser
            .get(&format!("{base}/pledges/{books_pledge}/call"))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.contains("Call for funds No. 000002") && page.contains("MIA-000002"));
        // Anonymous visitors are asked to sign in; unknown documents are
        // not found.
        let anonymous = http().get(forge.at(&call)).send().await.unwrap();
        assert_eq!(anonymous.status(), StatusCode::SEE_OTHER);
        assert_eq!(
            theo_browser
                .get(&format!("{base}/pledges/999999/call"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        // Mia records Vélo's payment in two parts: two receipts.
        let first = funding::record_payment(
            db,
            &mia,
            &repo,
            &accepted,
            PaymentRequest {
                pledge: forge_core::PledgeId(velo_pledge),
                amount_minor: 20_000,
                reference: "VIR SEPA 2026-114",
                idempotency_key: None,
            },
        )
        .await
        .unwrap();
        let receipt = format!("{base}/payments/{first}/receipt");
        let page = theo_browser.get(&receipt).await;
        assert_eq!(page.status, StatusCode::OK);
        let text = plain(&page.body);
        for expected in [
            "Reçu n° 000003",
            "200,00 €",
            "VIR SEPA 2026-114",
            "MIA-000001",
            "300,00 €",
        ] {
            assert!(text.contains(expected), "{engine:?}: {expected} missing");
        }
        let pdf = theo_browser.get(&format!("{receipt}.pdf")).await;
        assert_eq!(pdf.status, StatusCode::OK);
        assert_eq!(
            ann_browser.get(&receipt).await.status,
            StatusCode::NOT_FOUND
        );
        let response = http()
            .get(forge.at(&format!("{receipt}.pdf")))
            .header(
                "cookie",
                theo_browser
                    .cookies
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join("; "),
            )
            .send()
            .await
            .unwrap();
        let text = plain(&pdf_text(&response.bytes().await.unwrap()));
        assert!(
            text.contains("Reçu n° 000003") && text.contains("200,00 €"),
            "{text}"
        );
        funding::record_payment(
            db,
            &mia,
            &repo,
            &accepted,
            PaymentRequest {
                pledge: forge_core::PledgeId(velo_pledge),
                amount_minor: 30_000,
                reference: "VIR SEPA 2026-131",
                idempotency_key: None,
            },
        )
        .await
        .unwrap();
        // Vélo has paid everything: Théo no longer sees the bank details,
        // but keeps his documents; Ann still owes and still sees them.
        let panel = theo_browser.get(&base).await;
        assert!(!panel.contains(IBAN), "{engine:?}");
        assert!(panel.contains("Reçu n° 000004") && panel.contains("VIR SEPA 2026-131"));
        assert!(ann_browser.get(&base).await.contains(IBAN));
        let goal = api_goal(&forge, &ann_token, accepted.number).await;
        assert_eq!(goal["payee"]["bic"], "BNPAFRPP");

        // Every export carries the references: the organisation's pledges
        // the call's, the goal's ledger the call's and the transfers'.
        let get = |path: String, token: String| {
            let url = forge.at(&path);
            async move {
                let response = http().get(url).bearer_auth(token).send().await.unwrap();
                assert_eq!(response.status(), StatusCode::OK);
                response.text().await.unwrap()
            }
        };
        let pledges = get(
            "/api/v1/orgs/velo/pledges?format=csv".into(),
            theo_token.clone(),
        )
        .await;
        assert!(
            pledges.lines().next().unwrap().ends_with(",reference"),
            "{pledges}"
        );
        assert!(pledges.contains("MIA-000001"), "{engine:?}: {pledges}");
        let pledges = get("/api/v1/orgs/velo/pledges".into(), theo_token.clone()).await;
        assert!(
            pledges.contains("\"reference\":\"MIA-000001\""),
            "{pledges}"
        );
        let ledger_path = format!(
            "/api/v1/repos/mia/tool/issues/{}/funding/ledger",
            accepted.number
        );
        let ledger = get(format!("{ledger_path}?format=csv"), eve_token.clone()).await;
        for expected in [
            "MIA-000001",
            "MIA-000002",
            "VIR SEPA 2026-114",
            "VIR SEPA 2026-131",
        ] {
            assert!(
                ledger.contains(expected),
                "{engine:?}: {expected} not in {ledger}"
            );
        }
        let ledger = get(ledger_path, eve_token.clone()).await;
        assert!(ledger.contains("\"reference\":\"VIR SEPA 2026-114\""));
    }
}

#[tokio::test]
async fn documents_are_numbered_in_sequence_under_concurrent_payments() {
    for forge in TestForge::on_each_engine().await {
        let db = &forge.db;
        let mia = forge.user("mia", false).await;
        let theo = forge.user("theo", false).await;
        org::create(db, &theo, association("velo", ""))
            .await
            .unwrap();
        let first_repo = new_repo(db, &mia, "tool").await;
        let second_repo = new_repo(db, &mia, "site").await;
        let first = accepted_goal(db, &mia, &first_repo, "One", &[(&theo, "velo")]).await;
        let second = accepted_goal(db, &mia, &second_repo, "Two", &[(&theo, "velo")]).await;
        let pledges = [
            pledge_of(db, &first, "velo").await,
            pledge_of(db, &second, "velo").await,
        ];
        // Two tasks at once, each paying its goal's share in ten parts.
        let pay = |repo: Repo, found: Issue, pledge: i64| {
            let db = db.clone();
            let mia = mia.clone();
            tokio::spawn(async move {
                for part in 0..10 {
                    funding::record_payment(
                        &db,
                        &mia,
                        &repo,
                        &found,
                        PaymentRequest {
                            pledge: forge_core::PledgeId(pledge),
                            amount_minor: 10_000,
                            reference: &format!("VIR {pledge}-{part}"),
                            idempotency_key: None,
                        },
                    )
                    .await
                    .unwrap();
                }
            })
        };
        let a = pay(first_repo.clone(), first.clone(), pledges[0]);
        let b = pay(second_repo.clone(), second.clone(), pledges[1]);
        a.await.unwrap();
        b.await.unwrap();
        let documents = document::of_payee(db, mia.id.into()).await.unwrap();
        let numbers: Vec<i64> = documents.iter().map(|d| d.number).collect();
        assert_eq!(
            numbers,
            (1..=22).collect::<Vec<_>>(),
            "{:?}",
            forge.engine()
        );
        let calls = documents
            .iter()
            .filter(|d| d.kind == DocumentKind::Call)
            .count();
        assert_eq!(calls, 2);
        // Every payment has exactly one receipt.
        let receipts: std::collections::BTreeSet<_> =
            documents.iter().filter_map(|d| d.payment_id).collect();
        assert_eq!(receipts.len(), 20);
    }
}

#[tokio::test]
async fn a_dispute_is_voted_and_mediated_through_the_pages() {
    for forge in TestForge::on_each_engine().await {
        let db = &forge.db;
        let engine = forge.engine();
        let mia = forge.user("mia", false).await;
        let theo = forge.user("theo", false).await;
        let ann = forge.user("ann", false).await;
        forge.user("sam", false).await;
        forge_core::user::set_locale(db, theo.id, "fr")
            .await
            .unwrap();
        org::create(db, &theo, association("velo", "Vélo Solidaire"))
            .await
            .unwrap();
        org::create(db, &ann, association("books", ""))
            .await
            .unwrap();
        let repo = new_repo(db, &mia, "tool").await;
        let found = issue::create(
            db,
            &mia,
            &repo,
            NewIssue {
                title: "Agenda partagé".into(),
                ..NewIssue::default()
            },
        )
        .await
        .unwrap();
        let base = format!("/mia/tool/issues/{}/funding", found.number);
        let mut mia_browser = Browser::new(&forge, "en");
        mia_browser.sign_in("mia").await;
        // The goal form offers the rule and the mediator; naming herself
        // (the account that gets paid) is refused next to the field.
        let page = mia_browser.get(&base).await;
        assert!(page.contains("name=\"dispute_rule\"") && page.contains("name=\"mediator\""));
        let goal_fields = |mediator: &'static str| {
            [
                ("budget", "1000"),
                ("currency", "EUR"),
                ("deadline", "2099-01-01"),
                ("review_days", "14"),
                ("min_funders", "1"),
                ("acceptance", "Shared agenda with tests."),
                ("dispute_rule", "majority"),
                ("mediator", mediator),
            ]
        };
        let page = mia_browser.post(&base, &goal_fields("mia")).await;
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?}");
        assert!(
            page.contains("cannot be the account that gets paid"),
            "{}",
            page.body
        );
        let page = mia_browser.post(&base, &goal_fields("sam")).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        for (treasurer, org_name) in [(&theo, "velo"), (&ann, "books")] {
            funding::pledge(
                db,
                treasurer,
                &repo,
                &found,
                PledgeRequest {
                    org: org_name,
                    amount_minor: 60_000,
                    currency: "EUR",
                    idempotency_key: None,
                },
            )
            .await
            .unwrap();
        }
        funding::deliver(db, &mia, &repo, &found, "Livré.", &[])
            .await
            .unwrap();
        funding::review(
            db,
            &ann,
            &repo,
            &found,
            "books",
            Verdict::Object,
            "Dates are lost.",
        )
        .await
        .unwrap();
        // Théo votes in French through the form; Ann votes the other way.
        let mut theo_browser = Browser::new(&forge, "fr");
        theo_browser.sign_in("theo").await;
        let page = theo_browser.get(&base).await;
        assert!(page.contains("Voter sur la livraison"), "{}", page.body);
        assert!(page.contains("La majorité simple des parts"));
        let page = theo_browser
            .post(
                &format!("{base}/vote"),
                &[("org", "velo"), ("vote", "accept")],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let mut ann_browser = Browser::new(&forge, "en");
        ann_browser.sign_in("ann").await;
        let page = ann_browser
            .post(
                &format!("{base}/vote"),
                &[("org", "books"), ("vote", "reject")],
            )
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        // A tie: the owner cannot decide; the mediator can, and does.
        assert!(!mia_browser.get(&base).await.contains("Decide as mediator"));
        let page = mia_browser
            .post(&format!("{base}/resolve"), &[("verdict", "accept")])
            .await;
        // Refusals are explained on the funding page, as for every step.
        assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{engine:?}");
        assert!(
            page.contains("Only the goal&#39;s mediator decides"),
            "{}",
            page.body
        );
        let mut sam_browser = Browser::new(&forge, "en");
        sam_browser.sign_in("sam").await;
        let page = sam_browser.get(&base).await;
        assert!(page.contains("Decide as mediator"), "{}", page.body);
        let page = sam_browser
            .post(&format!("{base}/resolve"), &[("verdict", "accept")])
            .await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.body);
        let goal = funding::goal_of_issue(db, found.id).await.unwrap().unwrap();
        assert_eq!(goal.state, funding::GoalState::Accepted);
        // The timeline tells every step, in French for Théo.
        let page = theo_browser
            .get(&format!("/mia/tool/issues/{}", found.number))
            .await;
        for expected in [
            "a voté pour",
            "aucun camp n’atteint la règle",
            "médiateur, a accepté la livraison",
            "la majorité simple des parts, médiateur",
            "accepter la livraison",
        ] {
            assert!(
                page.contains(expected),
                "{engine:?}: {expected} missing from {}",
                page.body
                    .lines()
                    .filter(|l| l.contains("tranch") || l.contains("diateur"))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
}
