//! SSH keys: users' keys and repositories' deploy keys, on SQLite always and
//! on PostgreSQL whenever `FORGE_TEST_DATABASE_URL` is set.

#![allow(clippy::unwrap_used)] // A failed unwrap is a failed test, with its line.

use forge_core::outbox::Position;
use forge_core::repo::{self, NewRepo};
use forge_core::ssh_key::{self, KeyHolder, KeyOwner};
use forge_core::{Error, account_settings, testing};

const ALICE_KEY: &str =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIO/b3qfXCgTwX36QMjjWDp8H0suzqmZVyT3dCSOxxIB4 alice@laptop";
const ALICE_FINGERPRINT: &str = "SHA256:mOVyvpZu5qL3IXSsiI6ndjorWO4mPIoth6GlbUIh7ak";
const DEPLOY_KEY: &str = "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBDbg9aVK4Cn2PKLKQV2QEAGibdxJlra/Sgpa3UBHr+TI+UdgpUBRzuif1/uVLTJMN4QfDYtjb8DE8wgNuF1JRmo= ci";

#[tokio::test]
async fn keys_story() {
    for db in testing::engines().await {
        let mut position = Position::START;
        let _ = testing::events_since(&db, &mut position, 0).await;
        let alice = testing::user(&db, "alice").await;
        let bob = testing::user(&db, "bob").await;
        let repo = repo::create(
            &db,
            &alice,
            "alice",
            NewRepo {
                name: "tools".into(),
                description: String::new(),
                private: true,
                default_branch: None,
            },
            async |_| Ok(()),
        )
        .await
        .unwrap();
        let _ = testing::events_since(&db, &mut position, 1).await;

        // An empty title takes the key's comment.
        let key = ssh_key::add_user_key(&db, &alice, alice.id, "", ALICE_KEY)
            .await
            .unwrap();
        assert_eq!(key.title, "alice@laptop");
        assert_eq!(key.fingerprint, ALICE_FINGERPRINT);
        assert_eq!(key.owner, KeyOwner::User(alice.id));
        let events = testing::events_since(&db, &mut position, 1).await;
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].kind, "ssh_key.added");
        assert_eq!(events[0].payload["fingerprint"], ALICE_FINGERPRINT);

        // Nobody else adds keys to alice's account.
        assert!(matches!(
            ssh_key::add_user_key(&db, &bob, alice.id, "x", ALICE_KEY).await,
            Err(Error::Forbidden(_))
        ));
        // A key belongs to one account only: not twice, not to bob, not as
        // a deploy key.
        for result in [
            ssh_key::add_user_key(&db, &alice, alice.id, "again", ALICE_KEY).await,
            ssh_key::add_user_key(&db, &bob, bob.id, "mine", ALICE_KEY).await,
            ssh_key::add_deploy_key(&db, &alice, &repo, "ci", ALICE_KEY, false).await,
        ] {
            assert!(
                matches!(
                    result,
                    Err(Error::Conflict {
                        field: Some("key"),
                        ..
                    })
                ),
                "{result:?}"
            );
        }
        assert_eq!(
            ssh_key::list_user_keys(&db, alice.id).await.unwrap(),
            vec![key.clone()]
        );
        assert!(
            ssh_key::list_user_keys(&db, bob.id)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(matches!(
            ssh_key::user_key(&db, bob.id, key.id).await,
            Err(Error::NotFound(_))
        ));

        // The server finds alice by her key's fingerprint.
        match ssh_key::authenticate(&db, ALICE_FINGERPRINT).await.unwrap() {
            Some(KeyHolder::User { user, .. }) => assert_eq!(user.id, alice.id),
            other => panic!("{other:?}"),
        }
        assert!(
            ssh_key::authenticate(&db, "SHA256:unknown")
                .await
                .unwrap()
                .is_none()
        );
        let used = ssh_key::user_key(&db, alice.id, key.id).await.unwrap();
        assert!(used.last_used_at.is_some());

        // Deploy keys: the repository's admin only; bob cannot see it.
        assert!(matches!(
            ssh_key::add_deploy_key(&db, &bob, &repo, "ci", DEPLOY_KEY, true).await,
            Err(Error::NotFound(_))
        ));
        assert!(matches!(
            ssh_key::list_deploy_keys(&db, &bob, &repo).await,
            Err(Error::NotFound(_))
        ));
        let deploy = ssh_key::add_deploy_key(&db, &alice, &repo, "", DEPLOY_KEY, false)
            .await
            .unwrap();
        assert_eq!(deploy.title, "ci");
        assert!(deploy.read_only());
        let events = testing::events_since(&db, &mut position, 1).await;
        assert_eq!(events[0].kind, "deploy_key.added");
        assert_eq!(events[0].repo, Some(repo.id));
        assert_eq!(
            ssh_key::authenticate(&db, &deploy.fingerprint)
                .await
                .unwrap(),
            Some(KeyHolder::Deploy {
                key: deploy.id,
                title: "ci".into(),
                repo: repo.id,
                can_write: false
            })
        );
        assert_eq!(
            ssh_key::list_deploy_keys(&db, &alice, &repo)
                .await
                .unwrap()
                .len(),
            1
        );

        // Deleting: someone else's key is "not found"; events follow.
        assert!(matches!(
            ssh_key::delete_user_key(&db, &bob, bob.id, key.id).await,
            Err(Error::NotFound(_))
        ));
        ssh_key::delete_user_key(&db, &alice, alice.id, key.id)
            .await
            .unwrap();
        ssh_key::delete_deploy_key(&db, &alice, &repo, deploy.id)
            .await
            .unwrap();
        let kinds: Vec<String> = testing::events_since(&db, &mut position, 2)
            .await
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(kinds, ["ssh_key.removed", "deploy_key.removed"]);
        assert!(
            ssh_key::authenticate(&db, ALICE_FINGERPRINT)
                .await
                .unwrap()
                .is_none()
        );

        // Closing an account deletes its keys in the same transaction, with
        // their events; the repositories' deploy keys stay, so the key may
        // then be added to another account.
        let key = ssh_key::add_user_key(&db, &bob, bob.id, "bob", ALICE_KEY)
            .await
            .unwrap();
        let deploy = ssh_key::add_deploy_key(&db, &alice, &repo, "ci", DEPLOY_KEY, false)
            .await
            .unwrap();
        let _ = testing::events_since(&db, &mut position, 2).await;
        assert!(
            ssh_key::authenticate(&db, &key.fingerprint)
                .await
                .unwrap()
                .is_some()
        );
        account_settings::close(&db, &bob, "a long password")
            .await
            .unwrap();
        assert!(
            ssh_key::authenticate(&db, &key.fingerprint)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            ssh_key::list_user_keys(&db, bob.id)
                .await
                .unwrap()
                .is_empty()
        );
        let events = testing::events_since(&db, &mut position, 1).await;
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].kind, "ssh_key.removed");
        assert_eq!(events[0].payload["fingerprint"], key.fingerprint);
        assert_eq!(
            testing::numbers(
                &db,
                "SELECT COUNT(*) FROM ssh_keys WHERE repo_id IS NOT NULL"
            )
            .await,
            [1]
        );
        assert_eq!(
            ssh_key::authenticate(&db, &deploy.fingerprint)
                .await
                .unwrap(),
            Some(KeyHolder::Deploy {
                key: deploy.id,
                title: "ci".into(),
                repo: repo.id,
                can_write: false
            })
        );
        ssh_key::add_user_key(&db, &alice, alice.id, "again", ALICE_KEY)
            .await
            .unwrap();
    }
}
