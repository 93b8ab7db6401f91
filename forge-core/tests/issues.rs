//! The issue tracker's storage contract, on SQLite and PostgreSQL.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_core::commit_refs::{self, PushedCommit};
use forge_core::issue::{self, CloseReason, IssueChanges, NewIssue};
use forge_core::issue_query::{self, IssueQuery, MilestoneFilter, Sort, StateFilter};
use forge_core::label::{self, LabelInput};
use forge_core::milestone::{self, MilestoneInput};
use forge_core::repo::{self, NewRepo, Repo};
use forge_core::user::User;
use forge_core::{Db, Error, comment, consistency, testing, timeline};

async fn make_repo(db: &Db, owner: &User, name: &str, private: bool) -> Repo {
    repo::create(
        db,
        owner,
        &owner.name,
        NewRepo {
            name: name.into(),
            private,
            ..NewRepo::default()
        },
        async |_| Ok(()),
    )
    .await
    .unwrap()
}

fn new_issue(title: &str, body: &str) -> NewIssue {
    NewIssue {
        title: title.into(),
        body: body.into(),
        ..NewIssue::default()
    }
}

fn numbers(page: &issue_query::IssuePage) -> Vec<i64> {
    page.issues.iter().map(|i| i.number).collect()
}

#[tokio::test]
async fn issues_are_numbered_and_counted() {
    for db in testing::engines().await {
        let alice = testing::user(&db, "alice").await;
        let bob = testing::user(&db, "bob").await;
        let project = make_repo(&db, &alice, "project", false).await;
        let other = make_repo(&db, &alice, "other", false).await;

        let first = issue::create(&db, &bob, &project, new_issue("First", "Body"))
            .await
            .unwrap();
        let second = issue::create(&db, &alice, &project, new_issue("Second", ""))
            .await
            .unwrap();
        let elsewhere = issue::create(&db, &alice, &other, new_issue("Elsewhere", ""))
            .await
            .unwrap();
        assert_eq!((first.number, second.number, elsewhere.number), (1, 2, 1));
        assert_eq!(first.author_name, "bob");
        assert!(matches!(
            issue::create(&db, &bob, &project, new_issue("  ", "")).await,
            Err(Error::Invalid { field: "title", .. })
        ));

        // Bob closes his own issue; he may not close Alice's.
        let closed = issue::update(
            &db,
            &bob,
            &project,
            &first,
            IssueChanges {
                state: Some(Some(CloseReason::NotPlanned)),
                ..IssueChanges::default()
            },
        )
        .await
        .unwrap();
        assert!(closed.closed);
        assert_eq!(closed.close_reason, Some(CloseReason::NotPlanned));
        assert!(matches!(
            issue::update(
                &db,
                &bob,
                &project,
                &second,
                IssueChanges {
                    state: Some(Some(CloseReason::Completed)),
                    ..IssueChanges::default()
                }
            )
            .await,
            Err(Error::Forbidden(_))
        ));
        // Nor triage (lock) his own.
        assert!(matches!(
            issue::update(
                &db,
                &bob,
                &project,
                &closed,
                IssueChanges {
                    locked: Some(true),
                    ..IssueChanges::default()
                }
            )
            .await,
            Err(Error::Forbidden(_))
        ));

        let c1 = comment::create(&db, &bob, &project, &second, "I agree, @alice")
            .await
            .unwrap();
        comment::create(&db, &alice, &project, &second, "Thanks")
            .await
            .unwrap();
        comment::delete(&db, &bob, &project, &second, c1.id)
            .await
            .unwrap();
        let second = issue::get(&db, project.id, 2).await.unwrap().unwrap();
        assert_eq!(second.comment_count, 1);

        // Locking stops non-maintainers from commenting.
        let locked = issue::update(
            &db,
            &alice,
            &project,
            &second,
            IssueChanges {
                locked: Some(true),
                ..IssueChanges::default()
            },
        )
        .await
        .unwrap();
        assert!(matches!(
            comment::create(&db, &bob, &project, &locked, "hello?").await,
            Err(Error::Forbidden(_))
        ));
        comment::create(&db, &alice, &project, &locked, "Maintainers still can")
            .await
            .unwrap();

        // Milestones count their issues, through closing and reopening.
        let m = milestone::create(
            &db,
            &alice,
            &project,
            MilestoneInput {
                title: "1.0".into(),
                ..MilestoneInput::default()
            },
        )
        .await
        .unwrap();
        for number in [1, 2] {
            let i = issue::get(&db, project.id, number).await.unwrap().unwrap();
            issue::update(
                &db,
                &alice,
                &project,
                &i,
                IssueChanges {
                    milestone: Some(Some(m.id)),
                    ..IssueChanges::default()
                },
            )
            .await
            .unwrap();
        }
        let m = milestone::get(&db, project.id, m.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (m.open_issues, m.closed_issues, m.progress_percent()),
            (1, 1, 50)
        );
        let i1 = issue::get(&db, project.id, 1).await.unwrap().unwrap();
        issue::update(
            &db,
            &alice,
            &project,
            &i1,
            IssueChanges {
                state: Some(None),
                ..IssueChanges::default()
            },
        )
        .await
        .unwrap();
        let m = milestone::get(&db, project.id, m.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((m.open_issues, m.closed_issues), (2, 0));

        assert_eq!(consistency::check(&db).await.unwrap(), vec![]);

        // A wrong counter is found, and repaired.
        testing::execute(&db, "UPDATE repositories SET open_issues = open_issues + 5").await;
        testing::execute(&db, "UPDATE issues SET comment_count = 42 WHERE number = 2").await;
        let found = consistency::check(&db).await.unwrap();
        let what: Vec<&str> = found.iter().map(|m| m.what).collect();
        assert_eq!(
            what,
            [
                "repository open issues",
                "repository open issues",
                "issue comments"
            ]
        );
        assert_eq!(found[2].stored, 42);
        assert_eq!(found[2].actual, 2);
        consistency::repair(&db).await.unwrap();
        assert_eq!(consistency::check(&db).await.unwrap(), vec![]);
    }
}

#[tokio::test]
async fn private_issues_are_invisible_and_assignees_must_read() {
    for db in testing::engines().await {
        let alice = testing::user(&db, "alice").await;
        let eve = testing::user(&db, "eve").await;
        let secret = make_repo(&db, &alice, "secret", true).await;
        assert!(matches!(
            issue::create(&db, &eve, &secret, new_issue("Let me in", "")).await,
            Err(Error::NotFound(_))
        ));
        let mine = issue::create(&db, &alice, &secret, new_issue("Mine", ""))
            .await
            .unwrap();
        assert!(matches!(
            issue::find_readable(&db, Some(&eve), &secret, 1).await,
            Err(Error::NotFound(_))
        ));
        assert!(matches!(
            issue::find_readable(&db, None, &secret, 1).await,
            Err(Error::NotFound(_))
        ));
        assert!(matches!(
            issue::update(
                &db,
                &alice,
                &secret,
                &mine,
                IssueChanges {
                    assignees: Some(vec!["eve".into()]),
                    ..IssueChanges::default()
                }
            )
            .await,
            Err(Error::Invalid {
                field: "assignees",
                ..
            })
        ));
    }
}

#[tokio::test]
async fn filters_search_and_keyset_pages() {
    for db in testing::engines().await {
        let alice = testing::user(&db, "alice").await;
        let bob = testing::user(&db, "bob").await;
        let project = make_repo(&db, &alice, "project", false).await;
        let bug = label::create(
            &db,
            &alice,
            &project,
            LabelInput {
                name: "bug".into(),
                color: "#d73a4a".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let ui = label::create(
            &db,
            &alice,
            &project,
            LabelInput {
                name: "UI".into(),
                color: "0e8a16".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(matches!(
            label::create(
                &db,
                &alice,
                &project,
                LabelInput {
                    name: "Bug".into(),
                    color: "#000".into(),
                    ..Default::default()
                }
            )
            .await,
            Err(Error::Conflict {
                field: Some("name"),
                ..
            })
        ));
        let m = milestone::create(
            &db,
            &alice,
            &project,
            MilestoneInput {
                title: "Spring".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        for n in 1..=12i64 {
            let author = if n % 2 == 0 { &alice } else { &bob };
            let body = if n == 7 {
                "Crashes when saving a 50% discount, cc @alice"
            } else {
                "Something"
            };
            let mut new = new_issue(&format!("Issue number {n}"), body);
            if n % 3 == 0 {
                new.labels = vec![bug.id];
            }
            if n % 4 == 0 {
                new.labels.push(ui.id);
                new.milestone = Some(m.id);
                new.assignees = vec!["bob".into()];
            }
            // Bob may not triage: his labels are ignored.
            issue::create(&db, author, &project, new).await.unwrap();
        }
        let i5 = issue::get(&db, project.id, 5).await.unwrap().unwrap();
        comment::create(&db, &alice, &project, &i5, "The invoice module is affected")
            .await
            .unwrap();
        comment::create(&db, &bob, &project, &i5, "Yes")
            .await
            .unwrap();
        let i2 = issue::get(&db, project.id, 2).await.unwrap().unwrap();
        issue::update(
            &db,
            &alice,
            &project,
            &i2,
            IssueChanges {
                state: Some(Some(CloseReason::Duplicate)),
                ..Default::default()
            },
        )
        .await
        .unwrap();

        let query = |f: fn(&mut IssueQuery)| {
            let mut q = IssueQuery {
                limit: 50,
                ..IssueQuery::default()
            };
            f(&mut q);
            q
        };
        let list = |q: IssueQuery| {
            let db = db.clone();
            async move { issue_query::list(&db, project.id, &q).await.unwrap() }
        };
        assert_eq!(
            numbers(&list(query(|_| {})).await),
            [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 1]
        );
        assert_eq!(
            numbers(&list(query(|q| q.state = StateFilter::Closed)).await),
            [2]
        );
        assert_eq!(
            numbers(&list(query(|q| q.sort = Sort::Oldest)).await)[..3],
            [1, 3, 4]
        );
        assert_eq!(
            numbers(&list(query(|q| q.sort = Sort::MostCommented)).await)[0],
            5
        );
        let mut q = query(|_| {});
        q.labels = vec![bug.id, ui.id];
        // Only alice's (maintainer) issues got labels: 12 (bug and ui).
        assert_eq!(numbers(&list(q).await), [12]);
        let mut q = query(|_| {});
        q.milestone = Some(MilestoneFilter::Is(m.id));
        assert_eq!(numbers(&list(q).await), [12, 8, 4]);
        let mut q = query(|_| {});
        q.milestone = Some(MilestoneFilter::None);
        assert_eq!(list(q).await.issues.len(), 8);
        let mut q = query(|_| {});
        q.assignee = Some(bob.id);
        assert_eq!(numbers(&list(q).await), [12, 8, 4]);
        let mut q = query(|_| {});
        q.author = Some(bob.id.into());
        assert_eq!(numbers(&list(q).await), [11, 9, 7, 5, 3, 1]);
        let mut q = query(|_| {});
        q.mentioned = Some(alice.id);
        assert_eq!(numbers(&list(q).await), [7]);
        let mut q = query(|_| {});
        q.text = Some("50% DISCOUNT".into());
        assert_eq!(numbers(&list(q).await), [7]);
        let mut q = query(|_| {});
        q.text = Some("invoice".into());
        assert_eq!(numbers(&list(q).await), [5], "comments are searched");
        let mut q = query(|_| {});
        q.text = Some("_".into());
        assert!(
            list(q).await.issues.is_empty(),
            "LIKE wildcards are escaped"
        );

        // Pages of three, in every order, add up to the whole list.
        for sort in Sort::ALL {
            let mut whole = query(|_| {});
            whole.sort = sort;
            whole.state = StateFilter::All;
            let expected = numbers(&list(whole.clone()).await);
            let mut collected = Vec::new();
            let mut after = None;
            loop {
                let mut page_query = whole.clone();
                page_query.limit = 3;
                page_query.after = after.clone();
                let page = list(page_query).await;
                collected.extend(numbers(&page));
                match page.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            assert_eq!(collected, expected, "{sort:?}");
        }
    }
}

#[tokio::test]
async fn commits_close_and_reference_issues_once() {
    for db in testing::engines().await {
        let alice = testing::user(&db, "alice").await;
        let bob = testing::user(&db, "bob").await;
        let project = make_repo(&db, &alice, "project", false).await;
        let bobs = make_repo(&db, &bob, "elsewhere", false).await;
        for n in 1..=3 {
            issue::create(&db, &alice, &project, new_issue(&format!("Issue {n}"), ""))
                .await
                .unwrap();
        }
        issue::create(&db, &bob, &bobs, new_issue("Bob's", ""))
            .await
            .unwrap();

        let commits = vec![
            PushedCommit {
                id: "a".repeat(40),
                message: "Fix the thing\n\nFixes #1, see #2".into(),
            },
            PushedCommit {
                id: "b".repeat(40),
                message: "Closes bob/elsewhere#1".into(),
            },
        ];
        // On another branch: references only.
        let outcome = commit_refs::apply(&db, &project, Some(&alice), &commits, false)
            .await
            .unwrap();
        assert!(outcome.closed.is_empty());
        assert_eq!(outcome.referenced.len(), 3);
        assert!(
            !issue::get(&db, project.id, 1)
                .await
                .unwrap()
                .unwrap()
                .closed
        );

        // Reaching the default branch: closes #1; Alice may not close Bob's.
        let outcome = commit_refs::apply(&db, &project, Some(&alice), &commits, true)
            .await
            .unwrap();
        assert_eq!(outcome.closed, vec![("alice/project".to_string(), 1)]);
        let one = issue::get(&db, project.id, 1).await.unwrap().unwrap();
        assert!(one.closed);
        assert!(!issue::get(&db, bobs.id, 1).await.unwrap().unwrap().closed);

        // Seeing the commits again changes nothing, even after a reopen.
        issue::update(
            &db,
            &alice,
            &project,
            &one,
            IssueChanges {
                state: Some(None),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let again = commit_refs::apply(&db, &project, Some(&alice), &commits, true)
            .await
            .unwrap();
        assert_eq!(again, commit_refs::Outcome::default());
        assert!(
            !issue::get(&db, project.id, 1)
                .await
                .unwrap()
                .unwrap()
                .closed
        );
        let events = timeline::events(&db, one.id).await.unwrap();
        let kinds: Vec<&str> = events.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["opened", "referenced", "closed", "reopened"]);
        let closed = &events[2];
        assert_eq!(closed.commit.as_deref(), Some("a".repeat(40).as_str()));
        assert_eq!(closed.new_value.as_deref(), Some("completed"));
        assert_eq!(consistency::check(&db).await.unwrap(), vec![]);
    }
}
