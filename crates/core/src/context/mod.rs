//! What every use case works with: the store, the clock, and where the files are.

use std::path::PathBuf;

use gatehouse_store::{AuditEvent, AuditKind, Store};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::evaluation::{PolicySources, Scope};
use crate::hub_settings::HubSettings;
use crate::managed::{ManagedSettings, managed_settings_path};
use crate::paths::{DataDirs, Platform, mcp_config_path};
use crate::ports::{Clock, SystemClock};

/// The store and the surroundings of one process.
#[derive(Debug)]
pub struct Context<C: Clock = SystemClock> {
    pub store: Store,
    pub clock: C,
    /// The data directory (database, logs, backups).
    pub data_dir: PathBuf,
    /// The `~/.mcp/config.yaml` whose `policy:` block is the local layer.
    pub mcp_config: PathBuf,
    /// This device's id, made on first run.
    pub device: String,
    /// The OS user name, for audit events.
    pub user: String,
    /// What IT fixed for this machine.
    pub managed: ManagedSettings,
}

impl Context<SystemClock> {
    /// Opens the store of this process's environment (`GATEHOUSE_DATA_DIR`, …).
    pub async fn from_process() -> Result<Context<SystemClock>> {
        let env = |name: &str| std::env::var_os(name);
        let dirs = DataDirs::resolve(Platform::current(), env)?;
        let mcp_config = mcp_config_path(Platform::current(), env)?;
        let managed = ManagedSettings::load(&managed_settings_path(Platform::current(), env))?;
        Context::open(dirs.data().to_owned(), mcp_config, managed, SystemClock).await
    }
}

impl<C: Clock> Context<C> {
    /// Opens (creating if needed) the store in `data_dir`.
    pub async fn open(
        data_dir: PathBuf,
        mcp_config: PathBuf,
        managed: ManagedSettings,
        clock: C,
    ) -> Result<Context<C>> {
        let store = Store::open(&data_dir.join("gatehouse.db")).await?;
        let device = store.device_id().await?.to_string();
        Ok(Context {
            store,
            clock,
            data_dir,
            mcp_config,
            device,
            user: os_user(),
            managed,
        })
    }

    /// The hub settings in force: the user's, with what managed settings fix on top.
    pub async fn hub_settings(&self) -> Result<HubSettings> {
        HubSettings::load(&self.store, &self.managed).await
    }

    /// The policy layers available on this machine now ([`PolicySources::load`]).
    pub async fn policy_sources(&self, scope: Scope) -> Result<PolicySources> {
        PolicySources::load(&self.store, &self.mcp_config, &self.managed, scope).await
    }

    /// Now, as the policy engine reads the time of a request.
    pub fn policy_now(&self) -> gatehouse_policy::Timestamp {
        gatehouse_policy::Timestamp(self.clock.now().unix_timestamp())
    }

    /// A request with no flags, made now: how a list or a check judges a server.
    pub fn request_now(&self) -> gatehouse_policy::Request {
        gatehouse_policy::Request {
            now: Some(self.policy_now()),
            ..gatehouse_policy::Request::default()
        }
    }

    /// A new audit event of `kind`, stamped with the time, this device and this user.
    pub fn event(&self, kind: AuditKind) -> AuditEvent {
        AuditEvent {
            id: Uuid::new_v4(),
            time: self.clock.now(),
            device: self.device.clone(),
            user: self.user.clone(),
            kind,
            server: None,
            version: None,
            digest: None,
            verdict: None,
            codes: Vec::new(),
            overrides: None,
            detail: None,
        }
    }

    /// Where a server's stderr is kept: `<data>/logs/<id>.log`, the id made safe as a
    /// file name.
    pub fn server_log(&self, id: &str) -> Result<PathBuf> {
        let dir = self.data_dir.join("logs");
        std::fs::create_dir_all(&dir).map_err(|source| Error::Io {
            path: dir.clone(),
            source,
        })?;
        let safe: String = id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        Ok(dir.join(format!("{safe}.log")))
    }
}

/// The OS user name, as the audit log records it.
fn os_user() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|value| !value.is_empty()))
        .unwrap_or_else(|| "unknown".to_owned())
}
