//! `gatehouse sync`, `status`, `login` and `logout`: talking to the hub and keeping its
//! token. The token comes from `GATEHOUSE_HUB_TOKEN` when set (then the keyring is not
//! consulted), else from the OS keyring; it is never printed.

use gatehouse_desktop::notifier::DesktopNotifier;
use std::io::{IsTerminal as _, Read as _};

use gatehouse_core::context::TOKEN_VARIABLE;
use gatehouse_core::ports::Clock;
use gatehouse_core::settings::{self, ConfigKey};
use gatehouse_core::sync::{Delivery, PolicyOutcome, SyncOutcome};
use gatehouse_core::{Context, Error, Sensitive};
use gatehouse_desktop::keyring::OsKeyring;
use serde_json::json;

use super::policy::explain::{print, print_json};
use super::{fail, runtime};
use crate::exit::Exit;

pub fn sync(json: bool) -> Exit {
    runtime::with_context(|ctx| async move { sync_now(&ctx, json).await })
}

/// Syncs with the configured hub and reports it (`gatehouse sync`, and the first sync of
/// `gatehouse enroll`).
pub(crate) async fn sync_now(ctx: &Context, json: bool) -> Exit {
    let now = ctx.clock.now();
    let result = match client(ctx).await {
        // Someone asked for a sync now: waiting rows are sent whatever their backoff.
        Ok(hub) => {
            let notifier = DesktopNotifier::default();
            let synced = gatehouse_core::sync::sync(ctx, &hub, now, Delivery::All, &notifier).await;
            if synced.is_ok() {
                finish_upgrade(ctx, &notifier).await;
            }
            synced
        }
        Err(error) => Err(error),
    };
    match result {
        Ok(outcome) => {
            report(&outcome, json);
            Exit::Ok
        }
        Err(error) => {
            let kept = match ctx.store.latest_snapshot_serial().await {
                Ok(Some(serial)) => {
                    format!("the cached policy (serial {serial}) stays in force")
                }
                _ => "no policy from the hub is stored yet".to_owned(),
            };
            if json {
                let value = json!({"result": "failed", "error": error.to_string(), "code": error.code(), "cached": kept});
                print(&value.to_string());
            }
            eprintln!("gatehouse: sync failed: {error}");
            eprintln!("gatehouse: {kept}");
            Exit::Failure
        }
    }
}

/// The upgrade's one-time work on servers registered before identity was bound to code
/// ([`gatehouse_core::servers::finish_identity_upgrade`]); what fails is tried next sync.
async fn finish_upgrade(ctx: &Context, notifier: &DesktopNotifier) {
    let clients = settings::configured_registry_client(ctx, &OsKeyring)
        .await
        .and_then(|(registry, _)| Ok((registry, settings::packages_client()?)));
    let result = match clients {
        Ok((registry, packages)) => {
            gatehouse_core::servers::finish_identity_upgrade(ctx, &registry, &packages, notifier)
                .await
        }
        Err(error) => Err(error),
    };
    if let Err(error) = result {
        tracing::warn!(
            "the servers registered before this version will be checked at the next sync: {error}"
        );
    }
}

fn report(outcome: &SyncOutcome, json: bool) {
    let (result, serial) = match outcome.policy {
        PolicyOutcome::Stored { serial } => ("stored", Some(serial)),
        PolicyOutcome::Unchanged { serial } => ("unchanged", serial),
    };
    let audit = &outcome.audit;
    if json {
        let value = json!({
            "result": result,
            "serial": serial,
            "audit": {"delivered": audit.delivered, "pending": audit.pending, "error": audit.error},
        });
        print(&value.to_string());
        return;
    }
    let serial = serial.map_or_else(|| "none".to_owned(), |serial| serial.to_string());
    print(&format!("policy {result} (serial {serial})"));
    print(&format!(
        "audit: {} delivered, {} pending",
        audit.delivered, audit.pending
    ));
    if let Some(error) = &audit.error {
        eprintln!("gatehouse: audit delivery failed, will retry: {error}");
    }
}

/// The client for the configured hub with the token in force. A keyring that cannot be
/// read does not stop a sync: the hub then answers 401 if it needs a token.
pub(crate) async fn client(ctx: &Context) -> Result<gatehouse_core::HubClient, Error> {
    let (hub, keyring_problem) = settings::configured_client(ctx, &OsKeyring).await?;
    if let Some(problem) = keyring_problem {
        eprintln!("gatehouse: {problem}; asking the hub without a token");
    }
    Ok(hub)
}

pub fn status(json: bool) -> Exit {
    runtime::with_context(|ctx| async move {
        let status = match gatehouse_core::sync::status(&ctx, ctx.clock.now()).await {
            Ok(status) => status,
            Err(error) => return super::fail_json(&error, json),
        };
        if json {
            return print_json(&status, "status");
        }
        let or_none = |value: &Option<String>| value.clone().unwrap_or_else(|| "-".to_owned());
        let mut lines = vec![
            format!("hub:          {}", or_none(&status.hub_url)),
            format!("organization: {}", or_none(&status.organization)),
            format!("area:         {}", or_none(&status.area)),
            format!(
                "policy:       {}",
                status.serial.map_or_else(
                    || "none".to_owned(),
                    |serial| format!("serial {serial}, fetched {}", or_none(&status.fetched_at))
                )
            ),
            format!(
                "last sync:    {} ({})",
                or_none(&status.last_attempt_at),
                if status.online { "online" } else { "offline" }
            ),
            format!("stale:        {}", if status.stale { "yes" } else { "no" }),
            format!("servers:      {}", status.servers),
            format!("audit:        {} waiting for the hub", status.pending_audit),
        ];
        if let Some(error) = &status.last_error {
            lines.push(format!("last error:   {error}"));
        }
        for warning in &status.warnings {
            lines.push(format!("warning:      {warning}"));
        }
        print(&lines.join("\n"));
        Exit::Ok
    })
}

pub fn login(token: Option<String>) -> Exit {
    let token = match token.as_deref() {
        Some("-") => {
            let mut text = String::new();
            if let Err(error) = std::io::stdin().read_to_string(&mut text) {
                eprintln!("gatehouse: cannot read the token from stdin: {error}");
                return Exit::Failure;
            }
            text.trim().to_owned()
        }
        Some(token) => token.trim().to_owned(),
        None if std::io::stdin().is_terminal() => {
            match rpassword::prompt_password("hub token (not shown): ") {
                Ok(text) => text.trim().to_owned(),
                Err(error) => {
                    eprintln!("gatehouse: cannot read the token from the terminal: {error}");
                    return Exit::Failure;
                }
            }
        }
        None => {
            eprintln!(
                "gatehouse: no terminal to ask on: pass the token with `--token T`, or `--token -` to read it from stdin"
            );
            return Exit::Usage;
        }
    };
    if token.is_empty() {
        eprintln!("gatehouse: the token is empty");
        return Exit::Usage;
    }
    let token = Sensitive::new(token);
    runtime::with_context(|ctx| async move {
        match settings::sign_in(&ctx, &OsKeyring, &token).await {
            Ok(account) => {
                eprintln!("gatehouse: the token for `{account}` is stored in the OS keyring");
                if ctx.env.hub_token().is_some() {
                    eprintln!(
                        "gatehouse: note: `{TOKEN_VARIABLE}` is set and wins over the keyring"
                    );
                }
                offer_keys(&ctx, token).await
            }
            Err(error) => fail(&error),
        }
    })
}

pub fn logout() -> Exit {
    runtime::with_context(|ctx| async move {
        match settings::sign_out(&ctx, &OsKeyring).await {
            Ok((account, true)) => {
                eprintln!("gatehouse: the token for `{account}` is removed from the OS keyring");
                Exit::Ok
            }
            Ok((account, false)) => {
                eprintln!("gatehouse: no token for `{account}` was stored");
                Exit::Ok
            }
            Err(error) => fail(&error),
        }
    })
}

/// At first sign-in (no key pinned), shows the hub's keys with their fingerprints and, on
/// a terminal with exactly one key, asks whether to pin it. A failure here does not undo
/// the login: the token is stored either way.
async fn offer_keys(ctx: &Context, token: Sensitive<String>) -> Exit {
    let offered = async {
        let settings = ctx.hub_settings().await?;
        if !settings.keys.is_empty() {
            return Ok(None);
        }
        let org = settings
            .organization
            .clone()
            .ok_or(Error::HubNotConfigured("organization"))?;
        let hub = settings::hub_client(ctx, &settings, Some(token))?;
        Ok::<_, Error>(Some(settings::offered_keys(&hub, &org).await?))
    };
    let keys = match offered.await {
        Ok(Some(keys)) => keys,
        Ok(None) => return Exit::Ok,
        Err(error) => {
            eprintln!(
                "gatehouse: no signing key is pinned and the hub's keys cannot be read: {error}"
            );
            return Exit::Ok;
        }
    };
    eprintln!("gatehouse: no signing key is pinned; the hub publishes:");
    for key in &keys {
        eprintln!("  {}\n    fingerprint {}", key.pin, key.fingerprint);
    }
    eprintln!("gatehouse: compare the fingerprint with the one your hub's admin gives you");
    if let [only] = keys.as_slice()
        && std::io::stdin().is_terminal()
        && confirm("pin this key? [y/N] ")
    {
        return match settings::change(ctx, &OsKeyring, ConfigKey::HubKey, &only.pin).await {
            Ok(()) => {
                eprintln!("gatehouse: the key is pinned");
                Exit::Ok
            }
            Err(error) => fail(&error),
        };
    }
    eprintln!("gatehouse: to pin one: gatehouse config set hub-key '<key_id:key>'");
    Exit::Ok
}

pub(crate) fn confirm(question: &str) -> bool {
    eprint!("{question}");
    let mut answer = String::new();
    std::io::stdin().read_line(&mut answer).is_ok() && matches!(answer.trim(), "y" | "Y" | "yes")
}
