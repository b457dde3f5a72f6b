//! Telling the admin about servers that run outside Gatehouse: each local entry that is
//! not routed and each remote entry of every client app is recorded once as
//! `unrouted_server_found` (HUB_API.md B2), at sync and when the person lists the client
//! apps. An entry is known by its app, file, key path and command or URL; the set of known
//! entries is rewritten each time, so an entry that was removed and comes back is
//! reported again.

use std::collections::BTreeSet;

use gatehouse_store::AuditKind;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{ClientFileView, EntryKind, EntryView};
use crate::context::Context;
use crate::error::Result;
use crate::ports::Clock;

/// The setting holding the entries already reported (a JSON array of hex digests).
const REPORTED_KEY: &str = "unrouted_reported";

/// Every client app file with its entries ([`super::list_clients`] of all apps, and of the
/// `extra` project folders too), each entry that runs outside Gatehouse reported once to
/// the admin on the way; a failure to record that is logged and does not hide the list.
pub async fn list_and_report<C: Clock>(
    ctx: &Context<C>,
    extra: &[std::path::PathBuf],
) -> Result<Vec<ClientFileView>> {
    let mut views = super::list_clients(ctx, &[], extra).await?;
    // An extension the policy blocks is switched off where the person would see it.
    if let Err(error) = super::extensions::enforce(ctx, &mut views).await {
        tracing::warn!("could not switch the client app extensions: {error}");
    }
    if let Err(error) = report_unrouted(ctx, &views).await {
        tracing::warn!("could not record the servers that run outside Gatehouse: {error}");
    }
    Ok(views)
}

/// Records an `unrouted_server_found` event for each unrouted or remote entry of `views`
/// not reported before; returns how many were recorded.
pub(crate) async fn report_unrouted<C: Clock>(
    ctx: &Context<C>,
    views: &[ClientFileView],
) -> Result<usize> {
    let known: BTreeSet<String> = match ctx.store.setting(REPORTED_KEY).await? {
        Some(text) => serde_json::from_str(&text).unwrap_or_default(),
        None => BTreeSet::new(),
    };
    let mut now = BTreeSet::new();
    let mut recorded = 0;
    for file in views {
        for entry in file.entries.iter().filter(|entry| outside(entry)) {
            let key = key_of(file, entry);
            if !known.contains(&key) {
                ctx.store.record(&event(ctx, file, entry)).await?;
                recorded += 1;
            }
            now.insert(key);
        }
    }
    if now != known {
        let text = serde_json::Value::from(now.into_iter().collect::<Vec<_>>()).to_string();
        ctx.store.set_setting(REPORTED_KEY, &text).await?;
    }
    Ok(recorded)
}

/// A local entry that does not run through Gatehouse, or a remote one; entries of a kind
/// Gatehouse does not know are left out (nothing can be said about them).
fn outside(entry: &EntryView) -> bool {
    match entry.kind {
        EntryKind::Local => !entry.routed,
        EntryKind::Remote | EntryKind::Extension => true,
        EntryKind::Unknown => false,
    }
}

fn key_of(file: &ClientFileView, entry: &EntryView) -> String {
    let mut hash = Sha256::new();
    for part in [
        file.client.name(),
        &file.path.to_string_lossy(),
        &entry.entry_path.join("\u{1f}"),
        entry.command.as_deref().unwrap_or_default(),
        entry.url.as_deref().unwrap_or_default(),
    ] {
        hash.update(part.as_bytes());
        hash.update([0]);
    }
    hex::encode(hash.finalize())
}

fn event<C: Clock>(
    ctx: &Context<C>,
    file: &ClientFileView,
    entry: &EntryView,
) -> gatehouse_store::AuditEvent {
    let mut event = ctx.event(AuditKind::UnroutedServerFound);
    event.server = entry.server_id.clone();
    event.codes = entry
        .violations
        .iter()
        .map(|violation| violation.code.as_str().to_owned())
        .collect();
    // Only the program and the URL without credentials or query: arguments, environment
    // values and URL parts can hold secrets, which no event carries.
    event.detail = Some(json!({
        "client": file.client.name(),
        "config_path": file.path.to_string_lossy(),
        "entry": entry.name,
        "kind": entry.kind.as_str(),
        "command": entry.command,
        "url": entry.url.as_deref().map(without_secrets),
    }));
    event
}

/// `url` without user info, query or fragment; text that is no URL is left out entirely.
fn without_secrets(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.set_query(None);
            parsed.set_fragment(None);
            parsed.to_string()
        }
        Err(_) => "<redacted>".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_credentials_and_queries() {
        assert_eq!(
            without_secrets("https://user:pw@mcp.example.com/sse?token=abc#x"),
            "https://mcp.example.com/sse"
        );
        assert_eq!(without_secrets("not a url"), "<redacted>");
    }
}
