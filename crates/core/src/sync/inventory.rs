//! The device inventory of HUB_API.md B4, sent after a sync when it changed: what this
//! computer runs and how each server stands under the policy in force, so the admin can
//! see which devices comply. Commands and URLs go with their secrets replaced by
//! `<redacted>`; nothing here is a tool argument or an environment value.

use gatehouse_clients::secrets::redact;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::clients::{ClientFileView, EntryKind};
use crate::context::Context;
use crate::error::Result;
use crate::policy::Scope;
use crate::ports::{Clock, HubPort};
use crate::servers::list_servers;

/// The setting holding the hash of the inventory the hub last accepted.
const SENT_KEY: &str = "inventory_sent";

/// This device's inventory now, with the client apps' files as `clients` lists them,
/// without `sent_at`.
pub async fn inventory<C: Clock>(ctx: &Context<C>, clients: &[ClientFileView]) -> Result<Value> {
    let servers: Vec<Value> = list_servers(ctx)
        .await?
        .into_iter()
        .map(|server| {
            json!({
                "id": server.id,
                "name": server.name,
                "version": server.version,
                "standing": server.standing,
                "verdict": server.verdict,
                "codes": server.codes,
                "clients": server.clients,
                "routed": !server.clients.is_empty(),
            })
        })
        .collect();
    let (mut unrouted, mut remote, mut app_extensions) = (Vec::new(), Vec::new(), Vec::new());
    for file in clients {
        for entry in &file.entries {
            match entry.kind {
                EntryKind::Local if !entry.routed => {
                    // The entry's arguments are already redacted in the view.
                    let mut command = vec![entry.command.clone().unwrap_or_default()];
                    command.extend(entry.args.iter().cloned());
                    unrouted.push(json!({
                        "client": file.client,
                        "config_path": file.path.to_string_lossy(),
                        "entry": entry.name,
                        "command": redact(&command.join(" ")),
                        // What Gatehouse would decide if it started it.
                        "verdict": entry.verdict.as_ref().map(|v| v.verdict),
                        "codes": entry.violations.iter().map(|v| v.code.as_str()).collect::<Vec<_>>(),
                    }));
                }
                // A server a Zed extension provides: listed among the extensions.
                EntryKind::Extension => app_extensions.push(json!({
                    "app": file.client,
                    "id": entry.name,
                    "name": entry.name,
                    "version": null,
                    "verdict": entry.verdict.as_ref().map(|v| v.verdict),
                    "enabled": true,
                })),
                EntryKind::Remote => remote.push(json!({
                    "client": file.client,
                    "entry": entry.name,
                    "url": entry.url.as_deref().map(redact),
                    "host": entry.host,
                    "verdict": entry.verdict.as_ref().map(|v| v.verdict),
                })),
                _ => {}
            }
        }
    }
    let mut extensions: Vec<_> = clients
        .iter()
        .flat_map(|file| file.extensions.iter())
        .map(|extension| {
            json!({
                "app": extension.client,
                "id": extension.id,
                "name": extension.name,
                "version": extension.version,
                "verdict": extension.verdict.as_ref().map(|v| v.verdict),
                "enabled": extension.enabled,
            })
        })
        .collect();
    extensions.extend(app_extensions);
    let sources = ctx.policy_sources(Scope::OneServer).await.ok();
    let snapshot = sources.as_ref().and_then(|sources| sources.hub.as_ref());
    let verified_at = snapshot
        .and_then(|hub| OffsetDateTime::from_unix_timestamp(hub.fresh_at.0).ok())
        .and_then(|time| time.format(&Rfc3339).ok());
    Ok(json!({
        "hostname": ctx.env.host(),
        "os": ctx.env.os_name(),
        "app_version": crate::VERSION,
        "user": ctx.user,
        "serial": snapshot.map(|hub| hub.serial),
        "verified_at": verified_at,
        "managed": ctx.managed.path.is_some(),
        "servers": servers,
        "unrouted": unrouted,
        "remote": remote,
        "extensions": extensions,
    }))
}

/// Sends the inventory to `hub` when it differs from the one last accepted; returns
/// whether it was sent.
pub async fn send_if_changed<C: Clock>(
    ctx: &Context<C>,
    hub: &impl HubPort,
    org: &str,
    clients: &[ClientFileView],
) -> Result<bool> {
    let mut inventory = inventory(ctx, clients).await?;
    let hash = hex::encode(Sha256::digest(
        gatehouse_store::canonical(&inventory).as_bytes(),
    ));
    if ctx.store.setting(SENT_KEY).await?.as_deref() == Some(hash.as_str()) {
        return Ok(false);
    }
    let now = ctx
        .clock
        .now()
        .format(&Rfc3339)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned());
    if let Value::Object(map) = &mut inventory {
        map.insert("sent_at".to_owned(), Value::String(now));
    }
    hub.put_inventory(org, &ctx.device, &inventory)
        .await
        .map_err(crate::Error::from)?;
    ctx.store.set_setting(SENT_KEY, &hash).await?;
    Ok(true)
}
