//! The storage contract: one story per entity, run on SQLite always and on
//! PostgreSQL whenever `FORGE_TEST_DATABASE_URL` is set.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_core::org::{self, NewOrg, OrgKind, Role};
use forge_core::user::{self, NewUser, User};
use forge_core::{Db, Error, migrations, session, testing, token};

fn new_user(name: &str) -> NewUser {
    NewUser {
        name: name.into(),
        email: format!("{name}@example.org"),
        password: "a long password".into(),
        full_name: String::new(),
        is_admin: false,
    }
}

async fn make_user(db: &Db, name: &str) -> User {
    user::create(db, new_user(name))
        .await
        .expect("creating a user")
}

fn conflict_field(result: Result<impl std::fmt::Debug, Error>) -> Option<&'static str> {
    match result {
        Err(Error::Conflict { field, .. }) => field,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[tokio::test]
async fn migrations_are_idempotent() {
    for db in testing::engines().await {
        assert!(
            migrations::migrate(&db).await.unwrap().is_empty(),
            "{:?}",
            db.engine()
        );
        assert!(db.ping().await);
    }
}

#[tokio::test]
async fn users_story() {
    for db in testing::engines().await {
        let alice = make_user(&db, "Alice").await;
        assert_eq!(alice.name, "alice");
        assert!(!alice.is_admin);

        let by_name = user::by_name(&db, "ALICE").await.unwrap().unwrap();
        assert_eq!(by_name, alice);
        assert_eq!(user::by_id(&db, alice.id).await.unwrap().unwrap(), alice);
        assert_eq!(user::count(&db).await.unwrap(), 1);

        assert_eq!(
            conflict_field(user::create(&db, new_user("alice")).await),
            Some("username")
        );
        let same_email = NewUser {
            email: "ALICE@example.org".into(),
            ..new_user("alice2")
        };
        assert_eq!(
            conflict_field(user::create(&db, same_email).await),
            Some("email")
        );
        assert!(matches!(
            user::create(
                &db,
                NewUser {
                    password: "short".into(),
                    ..new_user("bob")
                }
            )
            .await,
            Err(Error::Invalid {
                field: "password",
                ..
            })
        ));
        assert!(matches!(
            user::create(&db, new_user("api")).await,
            Err(Error::Invalid {
                field: "username",
                ..
            })
        ));

        let signed_in = user::authenticate(&db, "alice", "a long password")
            .await
            .unwrap();
        assert_eq!(signed_in.as_ref().map(|u| u.id), Some(alice.id));
        let by_email = user::authenticate(&db, "Alice@Example.org", "a long password")
            .await
            .unwrap();
        assert_eq!(by_email.map(|u| u.id), Some(alice.id));
        assert!(
            user::authenticate(&db, "alice", "wrong password")
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            user::authenticate(&db, "nobody", "a long password")
                .await
                .unwrap()
                .is_none()
        );

        user::set_locale(&db, alice.id, "fr").await.unwrap();
        assert_eq!(
            user::by_id(&db, alice.id)
                .await
                .unwrap()
                .unwrap()
                .locale
                .as_deref(),
            Some("fr")
        );
    }
}

#[tokio::test]
async fn tokens_story() {
    for db in testing::engines().await {
        let alice = make_user(&db, "alice").await;
        let bob = make_user(&db, "bob").await;
        let (tok, secret) = token::create(&db, alice.id, "ci").await.unwrap();
        assert_eq!(secret.len(), 40);
        assert!(secret.ends_with(&tok.last_eight));
        assert_eq!(
            conflict_field(token::create(&db, alice.id, "ci").await),
            Some("name")
        );
        token::create(&db, bob.id, "ci")
            .await
            .expect("names are per user");

        let listed = token::list(&db, alice.id).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].id, tok.id);
        assert!(listed[0].last_used_at.is_none());

        let user = token::authenticate(&db, &secret).await.unwrap().unwrap();
        assert_eq!(user.id, alice.id);
        assert!(
            token::list(&db, alice.id).await.unwrap()[0]
                .last_used_at
                .is_some()
        );
        assert!(
            token::authenticate(&db, &"0".repeat(40))
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            token::authenticate(&db, "not a token")
                .await
                .unwrap()
                .is_none()
        );

        assert!(matches!(
            token::revoke(&db, bob.id, tok.id).await,
            Err(Error::NotFound(_))
        ));
        token::revoke(&db, alice.id, tok.id).await.unwrap();
        assert!(token::authenticate(&db, &secret).await.unwrap().is_none());
    }
}

#[tokio::test]
async fn sessions_story() {
    for db in testing::engines().await {
        let alice = make_user(&db, "alice").await;
        let cookie = session::create(&db, alice.id).await.unwrap();
        assert_eq!(
            session::user_of(&db, &cookie).await.unwrap().map(|u| u.id),
            Some(alice.id)
        );
        assert!(
            session::user_of(&db, &"f".repeat(64))
                .await
                .unwrap()
                .is_none()
        );
        assert_eq!(session::purge_expired(&db).await.unwrap(), 0);
        session::delete(&db, &cookie).await.unwrap();
        assert!(session::user_of(&db, &cookie).await.unwrap().is_none());
    }
}

fn coop(name: &str) -> NewOrg {
    NewOrg {
        name: name.into(),
        full_name: "Coopérative Libre".into(),
        description: "We share software".into(),
        kind: OrgKind::Cooperative,
        website: "https://coop.example.org".into(),
    }
}

#[tokio::test]
async fn organisations_story() {
    for db in testing::engines().await {
        let alice = make_user(&db, "alice").await;
        let bob = make_user(&db, "bob").await;
        let carol = make_user(&db, "carol").await;

        let org = org::create(&db, &alice, coop("Libre-Coop")).await.unwrap();
        assert_eq!(org.name, "libre-coop");
        assert_eq!(org::by_name(&db, "libre-coop").await.unwrap().unwrap(), org);
        assert_eq!(
            org::role_of(&db, org.id, alice.id).await.unwrap(),
            Some(Role::Owner)
        );

        // One namespace for users and organisations.
        assert_eq!(
            conflict_field(org::create(&db, &alice, coop("bob")).await),
            Some("username")
        );
        assert_eq!(
            conflict_field(user::create(&db, new_user("libre-coop")).await),
            Some("username")
        );
        assert!(matches!(
            org::create(
                &db,
                &alice,
                NewOrg {
                    website: "ftp://x".into(),
                    ..coop("other")
                }
            )
            .await,
            Err(Error::Invalid {
                field: "website",
                ..
            })
        ));

        assert!(
            org::set_member(&db, &alice, &org, "bob", Role::Treasurer)
                .await
                .unwrap()
        );
        assert!(
            !org::set_member(&db, &alice, &org, "bob", Role::Maintainer)
                .await
                .unwrap()
        );
        assert!(matches!(
            org::set_member(&db, &bob, &org, "carol", Role::Member).await,
            Err(Error::Forbidden(_))
        ));
        assert!(matches!(
            org::set_member(&db, &alice, &org, "nobody", Role::Member).await,
            Err(Error::NotFound(_))
        ));

        let members = org::members(&db, org.id).await.unwrap();
        let summary: Vec<(&str, Role)> =
            members.iter().map(|m| (m.name.as_str(), m.role)).collect();
        assert_eq!(
            summary,
            vec![("alice", Role::Owner), ("bob", Role::Maintainer)]
        );

        // The last owner can be neither demoted nor removed.
        assert_eq!(
            conflict_field(org::set_member(&db, &alice, &org, "alice", Role::Member).await),
            Some("role")
        );
        assert_eq!(
            conflict_field(org::remove_member(&db, &alice, &org, "alice").await),
            Some("role")
        );
        assert_eq!(
            org::role_of(&db, org.id, alice.id).await.unwrap(),
            Some(Role::Owner)
        );

        // With a second owner, the first may step down.
        org::set_member(&db, &alice, &org, "bob", Role::Owner)
            .await
            .unwrap();
        org::set_member(&db, &alice, &org, "alice", Role::Member)
            .await
            .unwrap();
        assert_eq!(
            org::role_of(&db, org.id, alice.id).await.unwrap(),
            Some(Role::Member)
        );

        // A member may leave; an outsider may not remove others.
        assert!(matches!(
            org::remove_member(&db, &carol, &org, "alice").await,
            Err(Error::Forbidden(_))
        ));
        org::remove_member(&db, &alice, &org, "alice")
            .await
            .unwrap();
        assert_eq!(org::role_of(&db, org.id, alice.id).await.unwrap(), None);

        let bobs = org::of_user(&db, bob.id).await.unwrap();
        assert_eq!(bobs.len(), 1);
        assert_eq!(bobs[0].0.id, org.id);
        assert_eq!(bobs[0].1, Role::Owner);
    }
}
