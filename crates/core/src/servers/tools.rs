//! The tools each server listed at its last run (the launcher reports them as it proxies),
//! kept in the store's settings under one key per server.

use serde::Serialize;

use crate::context::Context;
use crate::error::{Error, Result};
use crate::ports::Clock;

/// The tools a server listed at its last run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct LastTools {
    pub tools: Vec<String>,
    pub at: String,
}

/// The settings keys holding each server's last tools: this prefix and the server id.
pub(crate) const TOOLS_PREFIX: &str = "last_tools/";

pub(crate) fn tools_key(id: &str) -> String {
    format!("{TOOLS_PREFIX}{id}")
}

/// Remembers the tools server `id` listed (the launcher reports them as it proxies).
pub async fn record_tools<C: Clock>(
    ctx: &Context<C>,
    id: &str,
    tools: &[String],
    at: time::OffsetDateTime,
) -> Result<()> {
    let at = at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let value = serde_json::to_string(&LastTools {
        tools: tools.to_vec(),
        at,
    })
    .map_err(|error| Error::Encode {
        what: "the tools of a server",
        source: Box::new(error),
    })?;
    ctx.store.set_setting(&tools_key(id), &value).await?;
    Ok(())
}
