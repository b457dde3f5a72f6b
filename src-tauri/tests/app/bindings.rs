//! The TypeScript bindings the UI imports are generated from the Rust types and committed.
//! This test regenerates them in memory and fails when the committed files differ, so a
//! Rust change that the UI has not seen cannot land. `make bindings` rewrites the files.

use std::path::PathBuf;

use gatehouse_app::ipc::{
    ActivityQuery, AppInfo, ClientAppChoice, ConfirmAnswer, ConfirmView, ErrorCode, ExportDone,
    InstallDone, InstallProgress, IpcError, SettingKey, SettingsView, SyncDone,
};
use gatehouse_core::activity::ActivityRow;
use gatehouse_core::clients::FileOutcome;
use gatehouse_core::clients::{ClientFileView, EntryView, EntryViolation};
use gatehouse_core::install::InstallStep;
use gatehouse_core::install::{CatalogEntryView, CatalogSearch};
use gatehouse_core::policy::{ClampLine, PolicyView, RuleLine, SnapshotView};
use gatehouse_core::servers::ProbeOutcome;
use gatehouse_core::servers::{ReasonView, ServerView};
use gatehouse_core::sync::Status;
use gatehouse_core::sync::{PolicyPreview, PreviewState, VerdictChange};
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
        one::<SettingKey>(&cfg),
        one::<SettingsView>(&cfg),
        one::<ConfirmView>(&cfg),
        one::<ConfirmAnswer>(&cfg),
        one::<ServerView>(&cfg),
        one::<ReasonView>(&cfg),
        one::<PolicyView>(&cfg),
        one::<SnapshotView>(&cfg),
        one::<RuleLine>(&cfg),
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
        one::<FileOutcome>(&cfg),
    ]
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
