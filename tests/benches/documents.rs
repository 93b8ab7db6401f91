//! Time to produce one call for funds as a PDF: the PDF writer alone on a
//! realistic document, and the whole request (`GET …/call.pdf`: session,
//! access checks, reading the document, rendering) on SQLite. Goal: under
//! 100 ms each. Prints one table; never fails on a figure.

#![allow(clippy::unwrap_used)] // A benchmark that cannot set up has nothing to say.

use forge_core::clock::now_ms;
use forge_core::funding::payee::PayeeInput;
use forge_core::funding::{self, GoalInput, PledgeRequest, Verdict};
use forge_core::issue::{self, NewIssue};
use forge_core::org::{self, NewOrg, OrgKind};
use forge_core::repo::NewRepo;
use forge_tests::{Browser, TestForge};
use forge_web::pdf::{PrintedDocument, Section, render};
use std::time::{Duration, Instant};

const RUNS: usize = 50;

fn summary(mut samples: Vec<Duration>) -> (Duration, Duration) {
    samples.sort();
    let p99 = samples[(samples.len() * 99 / 100).min(samples.len() - 1)];
    (samples[samples.len() / 2], p99)
}

fn document() -> PrintedDocument {
    let field = |label: &str, value: &str| (label.to_string(), value.to_string());
    PrintedDocument {
        title: "Appel de fonds n° 000042".into(),
        subtitle: "Émis le 2 décembre 2026".into(),
        sections: vec![
            Section {
                heading: "Parties".into(),
                fields: vec![
                    field("Émetteur (bénéficiaire)", "Coopérative Logiciel Libre SCIC\n3 rue des Lilas\n75011 Paris"),
                    field("Destinataire (payeur)", "Vélo Solidaire (velo)"),
                ],
                paragraphs: Vec::new(),
            },
            Section {
                heading: "Montant à payer".into(),
                fields: vec![
                    field("Montant appelé", "12\u{202f}500,00\u{a0}€"),
                    field("Référence à indiquer sur le virement", "COOP-000042"),
                ],
                paragraphs: Vec::new(),
            },
            Section {
                heading: "Objet du paiement".into(),
                fields: vec![field("Ticket", "coop/agenda #128 — Export du calendrier en ODS")],
                paragraphs: vec![
                    "Critères d’acceptation : l’export s’ouvre dans LibreOffice, garde les dates et les fuseaux, avec des tests. ".repeat(12),
                ],
            },
        ],
    }
}

async fn http_figure() -> (Duration, Duration) {
    let forge = TestForge::start_with(
        {
            let db = forge_core::Db::connect(&forge_core::testing::sqlite_url())
                .await
                .unwrap();
            forge_core::migrations::migrate(&db).await.unwrap();
            db
        },
        forge_tests::default_config(),
    )
    .await;
    let db = &forge.db;
    let mia = forge.user("mia", false).await;
    let theo = forge.user("theo", false).await;
    let repo = forge_core::repo::create(
        db,
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
    org::create(
        db,
        &theo,
        NewOrg {
            name: "velo".into(),
            full_name: "Vélo Solidaire".into(),
            description: String::new(),
            kind: OrgKind::Association,
            website: String::new(),
        },
    )
    .await
    .unwrap();
    funding::payee::save(
        db,
        &mia,
        mia.id.into(),
        &PayeeInput {
            legal_name: "Mia Dupont EI".into(),
            address: "3 rue des Lilas\n75011 Paris".into(),
            iban: "FR76 3000 6000 0112 3456 7890 189".into(),
            bic: "BNPAFRPP".into(),
            note: String::new(),
        },
    )
    .await
    .unwrap();
    let found = issue::create(
        db,
        &mia,
        &repo,
        NewIssue {
            title: "Export du calendrier".into(),
            ..NewIssue::default()
        },
    )
    .await
    .unwrap();
    funding::put_goal(
        db,
        &mia,
        &repo,
        &found,
        GoalInput {
            budget_minor: 1_250_000,
            currency: "EUR".into(),
            acceptance: "L’export s’ouvre dans LibreOffice, avec des tests.".into(),
            deadline_at: now_ms() + 86_400_000 * 30,
            review_days: None,
            min_funders: Some(1),
        },
    )
    .await
    .unwrap();
    funding::pledge(
        db,
        &theo,
        &repo,
        &found,
        PledgeRequest {
            org: "velo",
            amount_minor: 1_250_000,
            currency: "EUR",
            idempotency_key: None,
        },
    )
    .await
    .unwrap();
    funding::deliver(db, &mia, &repo, &found, "Livré.", &[])
        .await
        .unwrap();
    funding::review(db, &theo, &repo, &found, "velo", Verdict::Accept, "")
        .await
        .unwrap();
    let goal = funding::goal_of_issue(db, found.id).await.unwrap().unwrap();
    let pledge = funding::pledges_of(db, goal.id).await.unwrap()[0].id;
    let mut browser = Browser::new(&forge, "fr");
    browser.sign_in("theo").await;
    let path = format!(
        "/mia/tool/issues/{}/funding/pledges/{pledge}/call.pdf",
        found.number
    );
    let mut samples = Vec::new();
    for run in 0..RUNS + 3 {
        let started = Instant::now();
        let page = browser.get(&path).await;
        assert_eq!(page.status, reqwest::StatusCode::OK);
        if run >= 3 {
            samples.push(started.elapsed());
        }
    }
    summary(samples)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let doc = document();
    let mut samples = Vec::new();
    let mut size = 0;
    for run in 0..RUNS + 3 {
        let started = Instant::now();
        let bytes = render(&doc);
        if run >= 3 {
            samples.push(started.elapsed());
        }
        size = bytes.len();
    }
    let rows = [
        (
            format!("call for funds PDF, writer alone ({size} bytes)"),
            summary(samples),
        ),
        (
            "call for funds PDF, whole request on SQLite".to_string(),
            http_figure().await,
        ),
    ];
    println!("| figure | median | p99 | goal | met? |");
    println!("| --- | --- | --- | --- | --- |");
    for (what, (median, p99)) in rows {
        let met = if median < Duration::from_millis(100) {
            "yes"
        } else {
            "no"
        };
        println!(
            "| {what} | {:.2} ms | {:.2} ms | < 100 ms | {met} |",
            median.as_secs_f64() * 1000.0,
            p99.as_secs_f64() * 1000.0
        );
    }
}
