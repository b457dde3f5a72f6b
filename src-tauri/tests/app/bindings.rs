//! The TypeScript bindings the UI imports are generated from the Rust types and committed.
//! This test regenerates them in memory and fails when the committed files differ, so a
//! Rust change that the UI has not seen cannot land. `make bindings` rewrites the files.
//! The tables the UI shows (level names, app names, activity kinds, install steps) are
//! generated the same way into `tables.ts`, so the UI keeps no hand copy of a Rust table.

use std::path::PathBuf;

use gatehouse_app::ipc::{
    ActivityQuery, AppInfo, ClientAppChoice, ConfirmAnswer, ConfirmView, EnrollOfferView,
    EnrollSignIn, ErrorCode, ExportDone, InstallDone, InstallProgress, IpcError, SettingKey,
    SettingsView, SyncDone,
};
use gatehouse_core::ClientApp;
use gatehouse_core::activity::{ActivityRow, kind_label};
use gatehouse_core::clients::{
    ClientFileView, EntryKind, EntryProblem, EntryVerdict, EntryView, EntryViolation,
    ExtensionView, FileOutcome, ProjectFolder, ProjectSource,
};
use gatehouse_core::identity::Standing;
use gatehouse_core::install::{CatalogEntryView, CatalogSearch, CatalogSource, InstallStep};
use gatehouse_core::policy::{ClampLine, PolicyView, RuleLine, ServerRules, SnapshotView};
use gatehouse_core::servers::ProbeOutcome;
use gatehouse_core::servers::{ReasonView, ServerView};
use gatehouse_core::sync::Status;
use gatehouse_core::sync::{PolicyPreview, PreviewState, VerdictChange};
use gatehouse_policy::{Code, Layer, Origin, Severity, Status as FactStatus, Verdict};
use gatehouse_store::{AuditKind, ServerSource};
use ts_rs::{Config, TS};

fn bindings_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/ipc/bindings")
}

/// Every type that crosses the IPC boundary, with its generated text.
fn generated() -> Vec<(String, String)> {
    let cfg = Config::new();
    fn one<T: TS + 'static>(cfg: &Config) -> (String, String) {
        let text = T::export_to_string(cfg).unwrap();
        (format!("{}.ts", T::name(cfg)), text)
    }
    vec![
        one::<AppInfo>(&cfg),
        one::<ErrorCode>(&cfg),
        one::<IpcError>(&cfg),
        one::<ActivityQuery>(&cfg),
        one::<ExportDone>(&cfg),
        one::<SyncDone>(&cfg),
        one::<EnrollOfferView>(&cfg),
        one::<EnrollSignIn>(&cfg),
        one::<SettingKey>(&cfg),
        one::<SettingsView>(&cfg),
        one::<ConfirmView>(&cfg),
        one::<ConfirmAnswer>(&cfg),
        one::<ServerView>(&cfg),
        one::<ProjectFolder>(&cfg),
        one::<ExtensionView>(&cfg),
        one::<ProjectSource>(&cfg),
        one::<ReasonView>(&cfg),
        one::<PolicyView>(&cfg),
        one::<SnapshotView>(&cfg),
        one::<RuleLine>(&cfg),
        one::<ServerRules>(&cfg),
        one::<ClampLine>(&cfg),
        one::<PolicyPreview>(&cfg),
        one::<PreviewState>(&cfg),
        one::<VerdictChange>(&cfg),
        one::<Status>(&cfg),
        one::<ActivityRow>(&cfg),
        one::<ProbeOutcome>(&cfg),
        one::<CatalogSearch>(&cfg),
        one::<CatalogEntryView>(&cfg),
        one::<ClientAppChoice>(&cfg),
        one::<InstallProgress>(&cfg),
        one::<InstallStep>(&cfg),
        one::<InstallDone>(&cfg),
        one::<ClientFileView>(&cfg),
        one::<EntryView>(&cfg),
        one::<EntryViolation>(&cfg),
        one::<EntryVerdict>(&cfg),
        one::<FileOutcome>(&cfg),
        one::<EntryKind>(&cfg),
        one::<EntryProblem>(&cfg),
        one::<CatalogSource>(&cfg),
        one::<Verdict>(&cfg),
        one::<Origin>(&cfg),
        one::<FactStatus>(&cfg),
        one::<Code>(&cfg),
        one::<Severity>(&cfg),
        one::<Layer>(&cfg),
        one::<AuditKind>(&cfg),
        one::<ServerSource>(&cfg),
        one::<ClientApp>(&cfg),
        one::<Standing>(&cfg),
        ("tables.ts".to_owned(), tables()),
    ]
}

/// The Rust tables the UI shows, as TypeScript constants typed by the generated enums.
fn tables() -> String {
    let quoted = |text: &str| serde_json::to_string(text).unwrap();
    let levels: Vec<String> = (0..=3)
        .map(|level| quoted(gatehouse_policy::level_name(level)))
        .collect();
    let apps: Vec<String> = ClientApp::ALL
        .iter()
        .map(|app| format!("  {}: {},", quoted(app.name()), quoted(app.label())))
        .collect();
    let kinds: Vec<String> = AuditKind::ALL
        .iter()
        .map(|kind| format!("  {}: {},", kind.as_str(), quoted(kind_label(*kind))))
        .collect();
    let steps: Vec<String> = InstallStep::ORDER.iter().map(|s| quoted(s)).collect();
    format!(
        "// Generated from the Rust tables by the bindings test (`make bindings`). Do not edit.\n\
         import type {{ AuditKind }} from \"./AuditKind\";\n\
         import type {{ ClientApp }} from \"./ClientApp\";\n\
         import type {{ InstallStep }} from \"./InstallStep\";\n\n\
         /** The certification levels' names, by level (POLICY.md section 6). */\n\
         export const LEVEL_NAMES: readonly string[] = [{}];\n\n\
         /** Each client app's own name, for people. */\n\
         export const CLIENT_LABELS: Record<ClientApp, string> = {{\n{}\n}};\n\n\
         /** What each kind of activity is called where a person picks which to see. */\n\
         export const ACTIVITY_KINDS: Record<AuditKind, string> = {{\n{}\n}};\n\n\
         /** The steps of an install, in the order it goes through them. */\n\
         export const INSTALL_STEPS: readonly InstallStep[\"step\"][] = [{}];\n",
        levels.join(", "),
        apps.join("\n"),
        kinds.join("\n"),
        steps.join(", "),
    )
}

#[test]
fn committed_bindings_match_the_rust_types() {
    let dir = bindings_dir();
    let update = std::env::var_os("UPDATE_BINDINGS").is_some();
    let mut stale = Vec::new();
    for (file, text) in generated() {
        let path = dir.join(&file);
        if update {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(committed) if committed == text => {}
            _ => stale.push(file),
        }
    }
    assert!(
        stale.is_empty(),
        "these bindings differ from the Rust types (run `make bindings` and commit): {stale:?}"
    );
}
