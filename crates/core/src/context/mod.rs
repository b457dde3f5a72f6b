//! What every use case works with: the store, the clock, the process environment read
//! once at start ([`Environment`]), and where the files are ([`paths`], [`socket`]: pure
//! functions of the platform and the environment).

pub(crate) mod environment;
pub(crate) mod paths;
pub(crate) mod socket;

pub use environment::{Environment, Program, TIMEOUT_VARIABLE, TOKEN_VARIABLE};
pub use paths::{DataDirs, Platform, managed_settings_path, mcp_config_path};
pub use socket::socket_path;

use std::path::PathBuf;

use gatehouse_store::{AuditEvent, AuditKind, Connections, Store};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::policy::{PolicySources, Scope};
use crate::ports::{Clock, SystemClock};
use crate::settings::hub::HubSettings;
use crate::settings::managed::ManagedSettings;

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
    /// The process environment, read once by the shell.
    pub env: Environment,
}

impl Context<SystemClock> {
    /// Opens the store of the environment `env` (`GATEHOUSE_DATA_DIR`, …) with the managed
    /// settings found there, for a long-lived program (a pool of connections).
    pub async fn from_environment(env: Environment) -> Result<Context<SystemClock>> {
        let managed = ManagedSettings::load(&env.managed_settings())?;
        Context::open(env, managed, SystemClock).await
    }

    /// [`Context::from_environment`] for one command (a launch, a check): one connection,
    /// which is all a command uses and costs a launch the least.
    pub async fn for_command(env: Environment) -> Result<Context<SystemClock>> {
        let managed = ManagedSettings::load(&env.managed_settings())?;
        Context::open_with(env, managed, SystemClock, Connections::One).await
    }
}

/// The variables that say where Gatehouse's data and local policy are.
const LOCATION_VARIABLES: [&str; 2] = ["GATEHOUSE_DATA_DIR", "GATEHOUSE_MCP_CONFIG"];

/// The environment `gatehouse run` decides in. Where this user's default data directory
/// follows a hub, `GATEHOUSE_DATA_DIR` and
/// `GATEHOUSE_MCP_CONFIG` are ignored: a client entry, a script or a server that sets them
/// must not move the launcher to a store without the organization's policy, nor keep its
/// decisions out of the real audit log (DESIGN.md "Tamper evidence"). The second value
/// says whether they were ignored.
pub async fn launch_environment(env: Environment) -> (Environment, bool) {
    if LOCATION_VARIABLES
        .iter()
        .all(|name| env.var(name).is_none())
    {
        return (env, false);
    }
    let default = env.clone().without(&LOCATION_VARIABLES);
    let default_hub = match default.data_dir() {
        Ok(dir)
            if dir.join("gatehouse.db").is_file() && env.data_dir().ok() != Some(dir.clone()) =>
        {
            match Store::open_with(&dir.join("gatehouse.db"), Connections::One).await {
                Ok(store) => store
                    .setting("hub_url")
                    .await
                    .ok()
                    .flatten()
                    .is_some_and(|url| !url.is_empty()),
                Err(_) => false,
            }
        }
        _ => false,
    };
    if default_hub {
        (default, true)
    } else {
        (env, false)
    }
}

impl<C: Clock> Context<C> {
    /// Opens (creating if needed) the store in `env`'s data directory.
    pub async fn open(env: Environment, managed: ManagedSettings, clock: C) -> Result<Context<C>> {
        Context::open_with(env, managed, clock, Connections::Pool).await
    }

    /// [`Context::open`] with `connections` store connections at most.
    pub async fn open_with(
        env: Environment,
        managed: ManagedSettings,
        clock: C,
        connections: Connections,
    ) -> Result<Context<C>> {
        let data_dir = env.data_dir()?;
        let mcp_config = env.mcp_config()?;
        let store = Store::open_with(&data_dir.join("gatehouse.db"), connections).await?;
        let device = store.device_id().await?.to_string();
        Ok(Context {
            store,
            clock,
            data_dir,
            mcp_config,
            device,
            user: env.user(),
            managed,
            env,
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

    /// Who `server` is ([`crate::identity::identify`]), with the record of its verified
    /// files when it was installed, compared with them as `check` says.
    pub async fn identity_of(
        &self,
        server: &gatehouse_store::Server,
        check: crate::identity::TreeCheck,
    ) -> Result<crate::identity::Identity> {
        let tree = match server.source {
            gatehouse_store::ServerSource::Registry => self.store.verified_tree(&server.id).await?,
            _ => None,
        };
        let legacy = tree.is_none()
            && server.source == gatehouse_store::ServerSource::Registry
            && self.store.upgrade_pending(&server.id).await?;
        Ok(self.identify(server, tree.as_ref(), legacy, check))
    }

    /// Every registered server with who it is, compared with its files as `check` says.
    /// The records are read in one query each, not one per server: syncs judge them all.
    pub async fn identified_servers(
        &self,
        check: crate::identity::TreeCheck,
    ) -> Result<Vec<(gatehouse_store::Server, crate::identity::Identity)>> {
        let mut trees: std::collections::HashMap<String, gatehouse_store::VerifiedTree> =
            self.store.verified_trees().await?.into_iter().collect();
        let pending: std::collections::HashSet<String> =
            self.store.pending_upgrades().await?.into_iter().collect();
        let mut found = Vec::new();
        for server in self.store.servers().await? {
            let tree = match server.source {
                gatehouse_store::ServerSource::Registry => trees.remove(&server.id),
                _ => None,
            };
            let legacy = tree.is_none()
                && server.source == gatehouse_store::ServerSource::Registry
                && pending.contains(&server.id);
            let identity = self.identify(&server, tree.as_ref(), legacy, check);
            found.push((server, identity));
        }
        Ok(found)
    }

    pub(crate) fn identify(
        &self,
        server: &gatehouse_store::Server,
        tree: Option<&gatehouse_store::VerifiedTree>,
        legacy: bool,
        check: crate::identity::TreeCheck,
    ) -> crate::identity::Identity {
        if legacy {
            // Installed before files were recorded: unbound (no badges, not blocked as
            // changed) until the first sync after the upgrade records its files.
            let mut legacy = server.clone();
            legacy.source = gatehouse_store::ServerSource::Manual;
            return crate::identity::identify(&legacy, None, &self.env, check);
        }
        crate::identity::identify(server, tree, &self.env, check)
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
            hostname: self.env.host().map(str::to_owned),
            app_version: Some(crate::VERSION.to_owned()),
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
