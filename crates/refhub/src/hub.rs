//! The hub's state between requests: the signing key, the state file, the fault queue, and
//! the last good reading of the org directory with the bundle published from it.
//!
//! The directory is read again on every request (a few small files), so an edit is served
//! at once without a watcher. A reading that fails validation changes nothing but the log:
//! the last good bundle, org and tokens stay in force. A reading whose content hash differs
//! from the published one makes the next serial, stored before it is served, so the serial
//! never goes back, not across restarts either.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use serde_json::Value;

use crate::clock;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::faults::Faults;
use crate::org_dir::{self, OrgContent};
use crate::published::{Published, payload};
use crate::signer::Signer;
use crate::state::{StateDb, StoredBundle};

/// What one request works with: a consistent reading of the hub.
#[derive(Debug, Clone)]
pub struct View {
    pub content: Arc<OrgContent>,
    /// `org.yaml`'s tokens and the command line's.
    pub tokens: Arc<[String]>,
    pub published: Arc<Published>,
}

/// A running hub's state. Cheap to clone; clones share everything.
#[derive(Debug, Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    config: Config,
    signer: Signer,
    key_created: bool,
    // Lock order: `current`, then `state`.
    state: Mutex<StateDb>,
    current: Mutex<Current>,
    faults: Faults,
    /// Registry requests per path, so a test can prove a request never came.
    requests: Mutex<std::collections::BTreeMap<String, u64>>,
    /// Tokens handed out at sign-in, with when each stops working. Kept in memory only: a
    /// restarted hub asks everyone to sign in again, as a real one may.
    issued: Mutex<Vec<(String, std::time::Instant)>>,
}

/// How long a token handed out at sign-in works.
pub const ISSUED_TOKEN_LIFETIME: std::time::Duration = std::time::Duration::from_secs(12 * 3600);

#[derive(Debug)]
struct Current {
    view: View,
    /// The last validation error logged, so an invalid directory is reported once per change
    /// rather than once per request.
    last_error: Option<String>,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Every critical section leaves the value consistent before anything can fail.
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Hub {
    /// Loads the key (making it if needed), opens the state file and reads the directory.
    /// An invalid directory is an error here: there is no last good bundle to fall back on.
    pub fn open(config: Config) -> Result<Hub> {
        let (signer, key_created) = Signer::load_or_create(&config.key_file, &config.key_id)?;
        let state = StateDb::open(&config.state_file)?;
        let content = org_dir::read(&config.dir)?;
        let tokens = tokens(&config.tokens, &content)?;
        let published = publish(&state, &signer, &content)?;
        let view = View {
            content: Arc::new(content),
            tokens,
            published: Arc::new(published),
        };
        Ok(Hub {
            inner: Arc::new(Inner {
                config,
                signer,
                key_created,
                state: Mutex::new(state),
                current: Mutex::new(Current {
                    view,
                    last_error: None,
                }),
                faults: Faults::default(),
                requests: Mutex::default(),
                issued: Mutex::default(),
            }),
        })
    }

    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    pub fn signer(&self) -> &Signer {
        &self.inner.signer
    }

    /// Whether this start made the signing key (it did not exist).
    pub fn key_created(&self) -> bool {
        self.inner.key_created
    }

    /// The fault queue; it is used whether or not the HTTP endpoints for it are served.
    pub fn faults(&self) -> &Faults {
        &self.inner.faults
    }

    /// Counts one request for `path`.
    pub fn count_request(&self, path: &str) {
        *lock(&self.inner.requests)
            .entry(path.to_owned())
            .or_insert(0) += 1;
    }

    /// Registry requests received per path.
    pub fn request_counts(&self) -> std::collections::BTreeMap<String, u64> {
        lock(&self.inner.requests).clone()
    }

    /// The current reading, without reading the directory again.
    pub fn view(&self) -> View {
        lock(&self.inner.current).view.clone()
    }

    /// Reads the directory again and publishes a new serial if its content changed; returns
    /// the reading to answer with. Blocking: file and database I/O.
    pub fn refresh(&self) -> View {
        let mut current = lock(&self.inner.current);
        let serial = current.view.published.serial;
        match self.reread(&current.view) {
            Ok(view) => {
                if current.last_error.take().is_some() {
                    eprintln!("refhub: the org directory is valid again");
                }
                if view.published.serial != serial {
                    eprintln!("refhub: published serial {}", view.published.serial);
                }
                current.view = view;
            }
            Err(error) => {
                let text = error.chain();
                if current.last_error.as_deref() != Some(text.as_str()) {
                    eprintln!("refhub: {text}; still serving serial {serial}");
                    current.last_error = Some(text);
                }
            }
        }
        current.view.clone()
    }

    fn reread(&self, old: &View) -> Result<View> {
        let content = org_dir::read(&self.inner.config.dir)?;
        let tokens = tokens(&self.inner.config.tokens, &content)?;
        let published = if content.hash() == old.published.content_hash {
            Arc::clone(&old.published)
        } else {
            Arc::new(publish(
                &lock(&self.inner.state),
                &self.inner.signer,
                &content,
            )?)
        };
        Ok(View {
            content: Arc::new(content),
            tokens,
            published,
        })
    }

    /// A new random token for a person who signed in, good for [`ISSUED_TOKEN_LIFETIME`].
    pub fn issue_token(&self) -> Result<String> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|e| Error::Random(e.to_string()))?;
        let token = hex::encode(bytes);
        let now = std::time::Instant::now();
        let mut issued = lock(&self.inner.issued);
        issued.retain(|(_, until)| *until > now);
        issued.push((token.clone(), now + ISSUED_TOKEN_LIFETIME));
        Ok(token)
    }

    /// The tokens handed out at sign-in that still work.
    pub fn issued_tokens(&self) -> Vec<String> {
        let now = std::time::Instant::now();
        lock(&self.inner.issued)
            .iter()
            .filter(|(_, until)| *until > now)
            .map(|(token, _)| token.clone())
            .collect()
    }

    /// Stores a batch of audit events; (accepted, duplicates). Blocking.
    pub fn store_events(
        &self,
        org: &str,
        events: &[(uuid::Uuid, Value)],
    ) -> Result<(usize, usize)> {
        lock(&self.inner.state).store_events(org, &clock::now_text(), events)
    }

    /// The gaps in `device`'s audit chain (B2). Blocking.
    pub fn audit_gaps(&self, org: &str, device: &str) -> Result<Vec<[u64; 2]>> {
        lock(&self.inner.state).audit_gaps(org, device)
    }

    /// Records the audit head `device` reported with a policy request (B1). Blocking.
    pub fn report_head(&self, org: &str, device: &str, head: Option<(i64, &str)>) -> Result<()> {
        lock(&self.inner.state).report_head(org, device, head, &clock::now_text())
    }

    /// Keeps `device`'s inventory (B4). Blocking.
    pub fn save_inventory(&self, org: &str, device: &str, inventory: &Value) -> Result<()> {
        lock(&self.inner.state).save_inventory(org, device, inventory, &clock::now_text())
    }

    /// The admin's device list (B4), against the serial published now. Blocking.
    pub fn devices(&self, org: &str, published_serial: u64) -> Result<Vec<Value>> {
        lock(&self.inner.state).devices(org, published_serial)
    }

    /// Every audit event received, oldest first. Blocking.
    pub fn audit_events(&self) -> Result<Vec<Value>> {
        lock(&self.inner.state).events()
    }
}

fn tokens(extra: &[String], content: &OrgContent) -> Result<Arc<[String]>> {
    let mut tokens: Vec<String> = extra.iter().chain(&content.tokens).cloned().collect();
    tokens.sort();
    tokens.dedup();
    if tokens.is_empty() {
        return Err(Error::NoToken);
    }
    Ok(tokens.into())
}

/// The bundle for `content`: the stored one when it was made from the same content (same
/// serial, same bytes), else the next serial, stored before it is returned.
fn publish(state: &StateDb, signer: &Signer, content: &OrgContent) -> Result<Published> {
    let hash = content.hash();
    let stored = state.published()?;
    if let Some(stored) = &stored
        && stored.content_hash == hash
    {
        return Ok(Published::new(stored.clone(), signer));
    }
    let serial = stored.map_or(1, |stored| stored.serial.saturating_add(1));
    let issued_at = clock::now_text();
    let bundle = StoredBundle {
        payload: payload(&content.body, serial, &issued_at),
        serial,
        content_hash: hash,
        issued_at,
    };
    if !state.save_published(&bundle)? {
        return Err(Error::StateAhead {
            path: state.path().to_owned(),
        });
    }
    Ok(Published::new(bundle, signer))
}
