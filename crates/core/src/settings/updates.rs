//! New versions of Gatehouse itself (DESIGN.md "Install, update, enroll"): where the update
//! feed is (HUB_API.md B5), whether to look at all, and what the audit log says about an
//! update. Fetching, verifying and installing are the tray app's, through Tauri's updater.

use gatehouse_store::AuditKind;
use serde_json::json;

use crate::context::Context;
use crate::error::Result;
use crate::ports::Clock;
use crate::settings::UpdateMode;

/// The feed's address with the updater's own placeholders, which it fills in: the OS
/// (`linux`), the CPU (`x86_64`), the package kind it was installed from (`deb`, `rpm`, …)
/// and the running version.
const FEED_PATH: &str = "/api/v1/updates/{{target}}/{{arch}}/{{bundle_type}}/{{current_version}}";

/// The update feed to ask, or `None` when updates are off or there is no hub to ask: the
/// managed `update_url`, else the hub's URL.
pub async fn feed_url<C: Clock>(ctx: &Context<C>) -> Result<Option<String>> {
    if ctx.managed.updates == UpdateMode::Off {
        return Ok(None);
    }
    let base = match &ctx.managed.update_url {
        Some(url) => Some(url.clone()),
        None => ctx.hub_settings().await?.hub_url,
    };
    Ok(base
        .filter(|url| !url.trim().is_empty())
        .map(|url| format!("{}{FEED_PATH}", url.trim_end_matches('/'))))
}

/// What became of a version the feed offered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateOutcome {
    /// Verified and installed: it runs from the next start; new launches use it at once.
    Installed,
    /// Not installed, and why (a signature that does not verify, a refused install).
    Refused(String),
}

/// Audits what became of `version` (`update_installed` or `update_refused`).
pub async fn record<C: Clock>(
    ctx: &Context<C>,
    version: &str,
    outcome: &UpdateOutcome,
) -> Result<()> {
    let (kind, detail) = match outcome {
        UpdateOutcome::Installed => (
            AuditKind::UpdateInstalled,
            json!({"from": crate::VERSION, "to": version}),
        ),
        UpdateOutcome::Refused(why) => (
            AuditKind::UpdateRefused,
            json!({"from": crate::VERSION, "to": version, "reason": why}),
        ),
    };
    let mut event = ctx.event(kind);
    event.version = Some(version.to_owned());
    event.detail = Some(detail);
    ctx.store.record(&event).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::{Environment, Platform};
    use crate::ports::SystemClock;
    use crate::settings::ManagedSettings;

    async fn context(dir: &std::path::Path, managed: ManagedSettings) -> Context<SystemClock> {
        let env = Environment::confined_to(Platform::Linux, dir);
        Context::open(env, managed, SystemClock).await.unwrap()
    }

    #[tokio::test]
    async fn the_feed_is_the_managed_url_else_the_hubs_and_nothing_when_off() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = context(dir.path(), ManagedSettings::default()).await;
        assert_eq!(feed_url(&ctx).await.unwrap(), None, "no hub: nobody to ask");
        ctx.store
            .set_setting("hub_url", "https://hub.example/")
            .await
            .unwrap();
        assert_eq!(
            feed_url(&ctx).await.unwrap().as_deref(),
            Some(
                "https://hub.example/api/v1/updates/{{target}}/{{arch}}/{{bundle_type}}/{{current_version}}"
            )
        );
        drop(ctx);

        let managed = ManagedSettings {
            update_url: Some("https://updates.example".to_owned()),
            ..ManagedSettings::default()
        };
        let ctx = context(dir.path(), managed.clone()).await;
        assert!(
            feed_url(&ctx)
                .await
                .unwrap()
                .is_some_and(|url| url.starts_with("https://updates.example/api/v1/updates/")),
            "IT's feed wins over the hub's"
        );
        drop(ctx);
        let off = ManagedSettings {
            updates: UpdateMode::Off,
            ..managed
        };
        let ctx = context(dir.path(), off).await;
        assert_eq!(feed_url(&ctx).await.unwrap(), None);
    }

    #[tokio::test]
    async fn installed_and_refused_updates_are_audited_with_both_versions() {
        let dir = tempfile::tempdir().unwrap();
        let ctx = context(dir.path(), ManagedSettings::default()).await;
        record(&ctx, "9.0.0", &UpdateOutcome::Installed)
            .await
            .unwrap();
        record(
            &ctx,
            "9.0.1",
            &UpdateOutcome::Refused("signature does not verify".to_owned()),
        )
        .await
        .unwrap();
        let events = ctx.store.audit(None, 10).await.unwrap();
        let kinds: Vec<_> = events.iter().map(|event| event.kind).collect();
        assert!(kinds.contains(&AuditKind::UpdateInstalled), "{kinds:?}");
        let refused = events
            .iter()
            .find(|event| event.kind == AuditKind::UpdateRefused)
            .unwrap();
        assert_eq!(refused.version.as_deref(), Some("9.0.1"));
        let detail = refused.detail.as_ref().unwrap();
        assert_eq!(detail["from"], crate::VERSION);
        assert_eq!(detail["reason"], "signature does not verify");
    }
}
