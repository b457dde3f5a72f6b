//! Client app extensions: Claude Desktop's `.mcpb` extensions, listed with the verdict the
//! policy gives their names, and switched off through Claude Desktop's own setting while
//! the policy blocks them (switched on again when it allows them, if Gatehouse was the one
//! that switched them off). They cannot be routed through Gatehouse: Claude Desktop builds
//! their launch from the extension's manifest.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use gatehouse_clients::extensions::{Extension, extension_roots, read_extensions, with_enabled};
use gatehouse_clients::secrets::{redact, redact_args};
use gatehouse_clients::{ClientApp, write};
use gatehouse_policy::{Request, Verdict};
use gatehouse_store::AuditKind;
use serde::Serialize;

use super::{ClientFileView, EntryVerdict};
use crate::context::Context;
use crate::error::{Error, Result};
use crate::identity::Identity;
use crate::policy::Evaluator;
use crate::ports::Clock;

/// The settings key listing the extensions Gatehouse switched off (their settings files).
const DISABLED_KEY: &str = "extensions_disabled";

/// One installed extension as `clients list` shows it.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ExtensionView {
    pub client: ClientApp,
    /// Claude Desktop's id for it (its folder's name).
    pub id: String,
    /// The package name the policy judges.
    pub name: String,
    pub display_name: String,
    pub version: Option<String>,
    /// The program Claude Desktop starts for it, secrets redacted.
    pub command: Option<String>,
    pub args: Vec<String>,
    /// Whether Claude Desktop starts it (its Extensions setting).
    pub enabled: bool,
    /// Whether Gatehouse switched it off, because the policy blocks it.
    pub disabled_by_gatehouse: bool,
    pub verdict: Option<EntryVerdict>,
    /// Why it cannot be read (its manifest is missing or damaged).
    pub error: Option<String>,
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub folder: PathBuf,
    #[serde(skip)]
    settings: Option<PathBuf>,
}

/// The extension folders of the client apps, each as a file view with its extensions.
pub(crate) async fn extension_views<C: Clock>(
    ctx: &Context<C>,
    evaluator: &mut Evaluator<'_>,
    request: &Request,
) -> Result<Vec<ClientFileView>> {
    let env = ctx.env.clients();
    let disabled = disabled_by_gatehouse(ctx).await?;
    let mut views = Vec::new();
    for root in extension_roots(env.os, &env.env) {
        if !root.is_dir() {
            continue;
        }
        let mut extensions = Vec::new();
        for found in read_extensions(&root) {
            extensions.push(match found {
                Ok(extension) => view(&extension, evaluator, request, &disabled)?,
                Err((id, why)) => ExtensionView {
                    client: ClientApp::ClaudeDesktop,
                    folder: root.join(&id),
                    name: id.clone(),
                    display_name: id.clone(),
                    id,
                    version: None,
                    command: None,
                    args: Vec::new(),
                    enabled: false,
                    disabled_by_gatehouse: false,
                    verdict: None,
                    error: Some(why),
                    settings: None,
                },
            });
        }
        if extensions.is_empty() {
            continue;
        }
        views.push(ClientFileView {
            client: ClientApp::ClaudeDesktop,
            label: ClientApp::ClaudeDesktop.label(),
            path: root,
            project: None,
            error: None,
            entries: Vec::new(),
            extensions,
        });
    }
    Ok(views)
}

fn view(
    extension: &Extension,
    evaluator: &mut Evaluator<'_>,
    request: &Request,
    disabled: &BTreeSet<String>,
) -> Result<ExtensionView> {
    let evaluation = evaluator.evaluate(&Identity::of_name(&extension.name), request)?;
    Ok(ExtensionView {
        client: ClientApp::ClaudeDesktop,
        id: extension.id.clone(),
        name: extension.name.clone(),
        display_name: extension.display_name.clone(),
        version: extension.version.clone(),
        command: extension.command.as_deref().map(redact),
        args: redact_args(&extension.args),
        enabled: extension.enabled,
        disabled_by_gatehouse: disabled.contains(&key(&extension.settings)),
        verdict: Some(EntryVerdict {
            verdict: evaluation.decision.verdict,
            enforced: true,
            reasons: evaluation
                .decision
                .violations
                .iter()
                .map(|v| v.message.clone())
                .collect(),
        }),
        error: None,
        folder: extension.folder.clone(),
        settings: Some(extension.settings.clone()),
    })
}

/// Switches off every enabled extension of `views` the policy blocks, and back on every one
/// Gatehouse switched off that it no longer blocks; each change is audited and shown in
/// `views`. One that cannot be switched is logged and left as it is (its verdict still
/// shows); returns how many changed.
pub(crate) async fn enforce<C: Clock>(
    ctx: &Context<C>,
    views: &mut [ClientFileView],
) -> Result<usize> {
    let mut disabled = disabled_by_gatehouse(ctx).await?;
    let before = disabled.clone();
    let mut changed = 0;
    for extension in views.iter_mut().flat_map(|view| view.extensions.iter_mut()) {
        let (Some(settings), Some(verdict)) = (extension.settings.clone(), &extension.verdict)
        else {
            continue;
        };
        let blocked = verdict.verdict == Verdict::Block;
        let ours = disabled.contains(&key(&settings));
        let want = if blocked && extension.enabled {
            false
        } else if !blocked && !extension.enabled && ours {
            true
        } else {
            if blocked && ours {
                continue;
            }
            // Switched on or off by the person: their choice, no longer ours.
            disabled.remove(&key(&settings));
            continue;
        };
        if let Err(error) = switch(ctx, &settings, want) {
            tracing::warn!(extension = %extension.id, "cannot switch the extension: {error}");
            continue;
        }
        extension.enabled = want;
        extension.disabled_by_gatehouse = !want;
        if want {
            disabled.remove(&key(&settings));
        } else {
            disabled.insert(key(&settings));
        }
        let kind = if want {
            AuditKind::ExtensionEnabled
        } else {
            AuditKind::ExtensionDisabled
        };
        let mut event = ctx.event(kind);
        event.server = Some(extension.name.clone());
        event.version = extension.version.clone();
        event.verdict = Some(verdict.verdict.name().to_owned());
        event.detail = Some(serde_json::json!({
            "client": extension.client.name(),
            "id": extension.id,
            "settings": settings.to_string_lossy(),
            "enabled": want,
        }));
        ctx.store.record(&event).await?;
        changed += 1;
    }
    if disabled != before {
        let text = serde_json::to_string(&disabled)
            .map_err(|error| Error::Usage(format!("cannot record the extensions: {error}")))?;
        ctx.store.set_setting(DISABLED_KEY, &text).await?;
    }
    Ok(changed)
}

/// Sets `isEnabled` in an extension's settings file, keeping every other byte; a missing
/// file is created whole (as Claude Desktop would on the first toggle).
fn switch<C: Clock>(ctx: &Context<C>, settings: &Path, enabled: bool) -> Result<()> {
    let io = |source| Error::Io {
        path: settings.to_owned(),
        source,
    };
    let text = match std::fs::read_to_string(settings) {
        Ok(text) => Some(text),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => None,
        Err(error) => return Err(io(error)),
    };
    let new = with_enabled(settings, text.as_deref(), enabled)?;
    match text {
        Some(old) => {
            let backup = super::wire::backup_path(ctx, ClientApp::ClaudeDesktop, settings);
            write::replace(settings, &old, &new, &backup)?;
        }
        None => {
            if let Some(dir) = settings.parent() {
                std::fs::create_dir_all(dir).map_err(io)?;
            }
            let temp = settings.with_extension("gatehouse-new");
            std::fs::write(&temp, &new).map_err(io)?;
            std::fs::rename(&temp, settings).map_err(|error| {
                let _ = std::fs::remove_file(&temp);
                io(error)
            })?;
        }
    }
    Ok(())
}

async fn disabled_by_gatehouse<C: Clock>(ctx: &Context<C>) -> Result<BTreeSet<String>> {
    Ok(match ctx.store.setting(DISABLED_KEY).await? {
        Some(text) => serde_json::from_str(&text).unwrap_or_default(),
        None => BTreeSet::new(),
    })
}

fn key(settings: &Path) -> String {
    settings.to_string_lossy().into_owned()
}
