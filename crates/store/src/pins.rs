//! Tool pins: the hash of each tool definition a server exposed the first time, so that a
//! later change is noticed (DESIGN.md, "The launch path", step 5).
//!
//! Pins are keyed by a launch key the caller builds from server, version and launch config:
//! the same server started with other arguments may expose different tool schemas. Only
//! hashes are kept, never tool arguments.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use crate::error::Result;
use crate::open::Store;
use crate::time_text::to_text;

impl Store {
    /// The pinned hash of every tool for `launch_key` (tool name → hash).
    pub async fn tool_pins(&self, launch_key: &str) -> Result<BTreeMap<String, String>> {
        let launch_key = launch_key.to_owned();
        self.direct()
            .read(move |conn| {
                let mut statement =
                    conn.prepare_cached("SELECT tool, hash FROM tool_pins WHERE launch_key = ?1")?;
                let rows =
                    statement.query_map([&launch_key], |row| Ok((row.get(0)?, row.get(1)?)))?;
                Ok(rows.collect::<rusqlite::Result<_>>()?)
            })
            .await
    }

    /// Pins the tools that have no pin yet; a tool already pinned keeps its hash even when
    /// `tools` gives another (first write wins: a changed tool must be accepted explicitly,
    /// with [`Store::replace_pins`]). Returns how many tools were newly pinned.
    pub async fn pin_tools<T, H>(
        &self,
        launch_key: &str,
        tools: &[(T, H)],
        at: OffsetDateTime,
    ) -> Result<u64>
    where
        T: AsRef<str>,
        H: AsRef<str>,
    {
        self.write_pins(
            "INSERT OR IGNORE INTO tool_pins (launch_key, tool, hash, pinned_at) \
             VALUES (?, ?, ?, ?)",
            launch_key,
            tools,
            at,
        )
        .await
    }

    /// Re-pins `tools` to the given hashes after the user accepted a change, overwriting
    /// their earlier pins. Pins of tools not listed are kept: re-pinning one changed tool
    /// must not silently unpin the others. Returns how many tools were written.
    pub async fn replace_pins<T, H>(
        &self,
        launch_key: &str,
        tools: &[(T, H)],
        at: OffsetDateTime,
    ) -> Result<u64>
    where
        T: AsRef<str>,
        H: AsRef<str>,
    {
        self.write_pins(
            "INSERT INTO tool_pins (launch_key, tool, hash, pinned_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (launch_key, tool) DO UPDATE \
             SET hash = excluded.hash, pinned_at = excluded.pinned_at",
            launch_key,
            tools,
            at,
        )
        .await
    }

    /// Runs `statement` once per tool in one write transaction: all or none are pinned.
    async fn write_pins<T, H>(
        &self,
        statement: &'static str,
        launch_key: &str,
        tools: &[(T, H)],
        at: OffsetDateTime,
    ) -> Result<u64>
    where
        T: AsRef<str>,
        H: AsRef<str>,
    {
        let at = to_text(at)?;
        let mut tx = self.begin_write().await?;
        let mut written = 0;
        for (tool, hash) in tools {
            written += sqlx::query(statement)
                .bind(launch_key)
                .bind(tool.as_ref())
                .bind(hash.as_ref())
                .bind(&at)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
        tx.commit().await?;
        Ok(written)
    }
}
