use gatehouse_store::ConfirmationKey;

use crate::fixtures::{T0, new_store};

fn key() -> ConfirmationKey {
    ConfirmationKey {
        server_id: "fs".into(),
        version: Some("1.2.3".into()),
        digest: Some("sha256:abc".into()),
        rules_hash: "rules-1".into(),
    }
}

#[tokio::test]
async fn a_remembered_answer_matches_only_its_exact_key() {
    let (_dir, store) = new_store().await;
    assert!(!store.has_confirmation(&key()).await.unwrap());
    assert!(store.remember_confirmation(&key(), T0).await.unwrap());
    assert!(store.has_confirmation(&key()).await.unwrap());

    // POLICY.md 4: any change of version, digest or rules asks again.
    let changes = [
        ConfirmationKey {
            version: Some("1.2.4".into()),
            ..key()
        },
        ConfirmationKey {
            version: None,
            ..key()
        },
        ConfirmationKey {
            digest: Some("sha256:def".into()),
            ..key()
        },
        ConfirmationKey {
            digest: None,
            ..key()
        },
        ConfirmationKey {
            rules_hash: "rules-2".into(),
            ..key()
        },
        ConfirmationKey {
            server_id: "fs2".into(),
            ..key()
        },
    ];
    for changed in changes {
        assert!(
            !store.has_confirmation(&changed).await.unwrap(),
            "{changed:?}"
        );
    }
}

#[tokio::test]
async fn unknown_version_and_digest_are_remembered_once() {
    let (_dir, store) = new_store().await;
    let unknown = ConfirmationKey {
        version: None,
        digest: None,
        ..key()
    };
    assert!(store.remember_confirmation(&unknown, T0).await.unwrap());
    assert!(
        !store.remember_confirmation(&unknown, T0).await.unwrap(),
        "NULLs compare equal here, so no duplicate row"
    );
    assert!(store.has_confirmation(&unknown).await.unwrap());
    assert!(
        !store.has_confirmation(&key()).await.unwrap(),
        "known ≠ unknown"
    );
    assert_eq!(
        store.forget_confirmations("fs").await.unwrap(),
        1,
        "stored once"
    );
}

#[tokio::test]
async fn forgetting_is_per_server() {
    let (_dir, store) = new_store().await;
    let other = ConfirmationKey {
        server_id: "other".into(),
        ..key()
    };
    store.remember_confirmation(&key(), T0).await.unwrap();
    store
        .remember_confirmation(
            &ConfirmationKey {
                rules_hash: "rules-2".into(),
                ..key()
            },
            T0,
        )
        .await
        .unwrap();
    store.remember_confirmation(&other, T0).await.unwrap();
    assert_eq!(store.forget_confirmations("fs").await.unwrap(), 2);
    assert!(!store.has_confirmation(&key()).await.unwrap());
    assert!(store.has_confirmation(&other).await.unwrap());
}
