//! The "Route through Gatehouse" action: one entry is routed and the others stay as they
//! are; a file Gatehouse would not find itself is refused.

use super::*;
use crate::ports::testing::MemorySecrets as Memory;

const CURSOR: &str = r#"{
  "mcpServers": {
    "notes": {"command": "npx", "args": ["-y", "@acme/notes"]},
    "mail": {"command": "uvx", "args": ["mail-mcp"], "env": {"MAIL_TOKEN": "s3cret-value"}}
  }
}
"#;

async fn setup(dir: &tempfile::TempDir) -> (Context, PathBuf) {
    let ctx = crate::test_support::context_in(dir).await;
    let cursor = dir.path().join(".cursor/mcp.json");
    std::fs::create_dir_all(cursor.parent().unwrap()).unwrap();
    std::fs::write(&cursor, CURSOR).unwrap();
    (ctx, cursor)
}

#[tokio::test]
async fn one_entry_is_routed_and_its_neighbours_are_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, cursor) = setup(&dir).await;
    let secrets = Memory::default();
    let entry = ["mcpServers".to_owned(), "mail".to_owned()];
    let outcome = wire_entry(
        &ctx,
        &secrets,
        "/opt/gatehouse",
        ClientApp::Cursor,
        &cursor,
        &entry,
    )
    .await
    .unwrap();
    assert_eq!(outcome.changed.len(), 1, "{outcome:?}");
    let text = std::fs::read_to_string(&cursor).unwrap();
    assert!(
        text.contains(r#""notes": {"command": "npx", "args": ["-y", "@acme/notes"]}"#),
        "the other entry keeps its bytes: {text}"
    );
    assert!(!text.contains("s3cret-value"), "the secret left the file");
    let id = &outcome.changed[0].1;
    assert!(ctx.store.server(id).await.unwrap().is_some());
    assert_eq!(ctx.store.servers().await.unwrap().len(), 1);

    let again = wire_entry(
        &ctx,
        &secrets,
        "/opt/gatehouse",
        ClientApp::Cursor,
        &cursor,
        &entry,
    )
    .await
    .unwrap();
    assert_eq!(
        (again.changed.len(), again.unchanged),
        (0, 1),
        "already routed"
    );
    let gone = ["mcpServers".to_owned(), "calendar".to_owned()];
    assert!(
        wire_entry(
            &ctx,
            &secrets,
            "/opt/gatehouse",
            ClientApp::Cursor,
            &cursor,
            &gone
        )
        .await
        .is_err(),
        "an entry that is not there any more is an error, not a silent no-op"
    );
}

#[tokio::test]
async fn only_the_apps_own_files_can_be_named() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, cursor) = setup(&dir).await;
    let elsewhere = dir.path().join("elsewhere.json");
    std::fs::copy(&cursor, &elsewhere).unwrap();
    let error = wire_entry(
        &ctx,
        &Memory::default(),
        "/opt/gatehouse",
        ClientApp::Cursor,
        &elsewhere,
        &["mcpServers".to_owned(), "notes".to_owned()],
    )
    .await
    .unwrap_err();
    assert!(matches!(error, Error::Usage(_)), "{error:?}");
    assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), CURSOR);
}

#[tokio::test]
async fn the_backup_holds_no_moved_secret_and_goes_when_the_file_is_given_back() {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, cursor) = setup(&dir).await;
    let secrets = Memory::default();
    let entry = ["mcpServers".to_owned(), "mail".to_owned()];
    wire_entry(
        &ctx,
        &secrets,
        "/opt/gatehouse",
        ClientApp::Cursor,
        &cursor,
        &entry,
    )
    .await
    .unwrap();
    let backup = backup_path(&ctx, ClientApp::Cursor, &cursor);
    let kept = std::fs::read_to_string(&backup).unwrap();
    assert!(!kept.contains("s3cret-value"), "{kept}");
    assert!(
        kept.contains("gatehouse:keyring:client-env/"),
        "the backup names where the secret went: {kept}"
    );
    assert!(
        kept.contains(r#""command": "uvx""#),
        "and is otherwise the original: {kept}"
    );

    let outcomes = unwire_clients(&ctx, &secrets, &[ClientApp::Cursor], &[], None)
        .await
        .unwrap();
    assert_eq!(outcomes[0].changed.len(), 1, "{outcomes:?}");
    assert_eq!(std::fs::read_to_string(&cursor).unwrap(), CURSOR);
    assert!(!backup.exists(), "nothing is left of the wiring");
}

#[tokio::test]
async fn secret_arguments_go_to_the_keyring_and_back_into_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let ctx = crate::test_support::context_in(&dir).await;
    let cursor = dir.path().join(".cursor/mcp.json");
    std::fs::create_dir_all(cursor.parent().unwrap()).unwrap();
    let original = r#"{"mcpServers": {"db": {"command": "npx", "args": ["-y", "mcp-db", "postgres://app:hunter2@db/app", "--token", "abc123"]}}}
"#;
    std::fs::write(&cursor, original).unwrap();
    let secrets = Memory::default();
    let entry = ["mcpServers".to_owned(), "db".to_owned()];
    let outcome = wire_entry(
        &ctx,
        &secrets,
        "/opt/gatehouse",
        ClientApp::Cursor,
        &cursor,
        &entry,
    )
    .await
    .unwrap();
    let id = outcome.changed[0].1.clone();
    let server = ctx.store.server(&id).await.unwrap().unwrap();
    let stored = serde_json::to_string(&server.args).unwrap();
    assert!(
        !stored.contains("hunter2") && !stored.contains("abc123"),
        "{stored}"
    );
    let wirings = serde_json::to_string(&ctx.store.wirings().await.unwrap()[0].restore).unwrap();
    assert!(
        !wirings.contains("hunter2") && !wirings.contains("abc123"),
        "{wirings}"
    );
    let backup = std::fs::read_to_string(backup_path(&ctx, ClientApp::Cursor, &cursor)).unwrap();
    assert!(
        !backup.contains("hunter2") && !backup.contains("abc123"),
        "{backup}"
    );
    assert_eq!(
        arg_secrets::expand_args(&id, &server.args, &secrets).unwrap()[2],
        "postgres://app:hunter2@db/app",
        "the launcher gets the value back"
    );

    unwire_clients(&ctx, &secrets, &[ClientApp::Cursor], &[], None)
        .await
        .unwrap();
    assert_eq!(std::fs::read_to_string(&cursor).unwrap(), original);
    assert!(
        secrets
            .get(&arg_secrets::arg_account(&id, 2))
            .unwrap()
            .is_none(),
        "the keyring holds nothing for a server that is gone"
    );
}
