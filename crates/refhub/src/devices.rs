//! What the hub knows about each device (HUB_API.md B1, B2, B4): the audit chain as it
//! arrived, the heads the device reported with its policy requests, its latest inventory,
//! and when it was last seen. From these the admin's device list says which devices comply
//! and where a device's audit log has gaps: numbers that never arrived, a reported head
//! that is not what arrived, or an event whose `prev` names another event than the one
//! received before it.

use std::collections::BTreeMap;

use rusqlite::{Transaction, params};
use serde_json::{Value, json};

use crate::canonical;
use crate::error::Result;
use crate::state::StateDb;

/// Records the chain link of a newly received `event` (its `device`, `seq`, `prev` and the
/// hash of its canonical bytes) and that the device was seen. Events without a `seq`
/// (from apps before the chain) are stored but have no place in it.
pub(crate) fn link(
    tx: &Transaction<'_>,
    org: &str,
    received_at: &str,
    event: &Value,
) -> rusqlite::Result<()> {
    let Some(device) = event.get("device").and_then(Value::as_str) else {
        return Ok(());
    };
    seen(tx, org, device, received_at)?;
    let Some(seq) = event.get("seq").and_then(Value::as_i64) else {
        return Ok(());
    };
    let hash = canonical::hash(event);
    let prev = event.get("prev").and_then(Value::as_str);
    let inserted = tx.execute(
        "INSERT INTO chain (org, device, seq, hash, prev) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (org, device, seq) DO NOTHING",
        params![org, device, seq, hash, prev],
    )?;
    if inserted == 0 {
        // A second event with a number already taken: kept as a head, so the number shows
        // as a gap unless both are the same event.
        head(tx, org, device, seq, &hash, received_at)?;
    }
    Ok(())
}

fn seen(tx: &Transaction<'_>, org: &str, device: &str, at: &str) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO devices (org, device, last_seen) VALUES (?1, ?2, ?3)
         ON CONFLICT (org, device) DO UPDATE SET last_seen = excluded.last_seen",
        params![org, device, at],
    )?;
    Ok(())
}

fn head(
    tx: &Transaction<'_>,
    org: &str,
    device: &str,
    seq: i64,
    hash: &str,
    at: &str,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO heads (org, device, seq, hash, reported_at) VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT DO NOTHING",
        params![org, device, seq, hash, at],
    )?;
    Ok(())
}

/// The ranges `[from, to]` of `chain` (seq → (hash, prev)) that are missing or do not fit,
/// given the `heads` (seq, hash) the device reported.
pub(crate) fn gaps(
    chain: &BTreeMap<u64, (String, Option<String>)>,
    heads: &[(u64, String)],
) -> Vec<[u64; 2]> {
    let top = chain
        .keys()
        .chain(heads.iter().map(|(seq, _)| seq))
        .copied()
        .max()
        .unwrap_or(0);
    let mut bad: Vec<u64> = (1..=top).filter(|seq| !chain.contains_key(seq)).collect();
    for (seq, (_, prev)) in chain {
        if let Some((before, _)) = seq.checked_sub(1).and_then(|before| chain.get(&before))
            && prev.as_deref() != Some(before.as_str())
        {
            bad.push(seq - 1);
        }
    }
    for (seq, hash) in heads {
        if chain.get(seq).is_some_and(|(stored, _)| stored != hash) {
            bad.push(*seq);
        }
    }
    bad.sort_unstable();
    bad.dedup();
    let mut ranges: Vec<[u64; 2]> = Vec::new();
    for seq in bad {
        match ranges.last_mut() {
            Some(last) if last[1] + 1 == seq => last[1] = seq,
            _ => ranges.push([seq, seq]),
        }
    }
    ranges
}

impl StateDb {
    /// Records the audit head a device reported with a policy request (B1), and that it was
    /// seen.
    pub fn report_head(
        &mut self,
        org: &str,
        device: &str,
        head: Option<(i64, &str)>,
        at: &str,
    ) -> Result<()> {
        let done = self.conn.transaction().and_then(|tx| {
            seen(&tx, org, device, at)?;
            if let Some((seq, hash)) = head {
                self::head(&tx, org, device, seq, hash, at)?;
            }
            tx.commit()
        });
        done.map_err(|e| self.fail(e))
    }

    /// Keeps `inventory` as the device's latest (B4).
    pub fn save_inventory(
        &mut self,
        org: &str,
        device: &str,
        inventory: &Value,
        at: &str,
    ) -> Result<()> {
        self.conn
            .execute(
                "INSERT INTO devices (org, device, inventory, inventory_at, last_seen)
                 VALUES (?1, ?2, ?3, ?4, ?4)
                 ON CONFLICT (org, device) DO UPDATE SET inventory = excluded.inventory,
                     inventory_at = excluded.inventory_at, last_seen = excluded.last_seen",
                params![org, device, inventory.to_string(), at],
            )
            .map_err(|e| self.fail(e))?;
        Ok(())
    }

    /// The gaps in `device`'s audit chain.
    pub fn audit_gaps(&self, org: &str, device: &str) -> Result<Vec<[u64; 2]>> {
        let fail = |e| self.fail(e);
        let mut query = self
            .conn
            .prepare("SELECT seq, hash, prev FROM chain WHERE org = ?1 AND device = ?2")
            .map_err(fail)?;
        let mut chain = BTreeMap::new();
        let rows = query
            .query_map(params![org, device], |row| {
                Ok((
                    row.get::<_, i64>(0)?,
                    row.get::<_, String>(1)?,
                    row.get::<_, Option<String>>(2)?,
                ))
            })
            .map_err(fail)?;
        for row in rows {
            let (seq, hash, prev) = row.map_err(fail)?;
            if let Ok(seq) = u64::try_from(seq) {
                chain.insert(seq, (hash, prev));
            }
        }
        let mut query = self
            .conn
            .prepare("SELECT seq, hash FROM heads WHERE org = ?1 AND device = ?2")
            .map_err(fail)?;
        let rows = query
            .query_map(params![org, device], |row| {
                Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
            })
            .map_err(fail)?;
        let mut heads = Vec::new();
        for row in rows {
            let (seq, hash) = row.map_err(fail)?;
            if let Ok(seq) = u64::try_from(seq) {
                heads.push((seq, hash));
            }
        }
        Ok(gaps(&chain, &heads))
    }

    /// Every device of `org` as the admin's list shows it, given the serial published now:
    /// its latest inventory, when it was last seen, its audit gaps, and whether it complies
    /// (and if not, why).
    pub fn devices(&self, org: &str, published_serial: u64) -> Result<Vec<Value>> {
        let fail = |e| self.fail(e);
        let mut query = self
            .conn
            .prepare(
                "SELECT device, inventory, inventory_at, last_seen FROM devices
                 WHERE org = ?1 ORDER BY device",
            )
            .map_err(fail)?;
        let rows = query
            .query_map(params![org], |row| {
                Ok((
                    row.get::<_, String>(0)?,
                    row.get::<_, Option<String>>(1)?,
                    row.get::<_, Option<String>>(2)?,
                    row.get::<_, String>(3)?,
                ))
            })
            .map_err(fail)?;
        let mut out = Vec::new();
        for row in rows {
            let (device, inventory, inventory_at, last_seen) = row.map_err(fail)?;
            let inventory: Value = inventory
                .and_then(|text| serde_json::from_str(&text).ok())
                .unwrap_or(Value::Null);
            let gaps = self.audit_gaps(org, &device)?;
            let problems = problems(&inventory, published_serial, &gaps);
            out.push(json!({
                "device": device,
                "hostname": inventory["hostname"],
                "user": inventory["user"],
                "app_version": inventory["app_version"],
                "serial": inventory["serial"],
                "managed": inventory["managed"],
                "last_seen": last_seen,
                "inventory_at": inventory_at,
                "compliant": problems.is_empty(),
                "problems": problems,
                "audit_gaps": gaps,
                "inventory": inventory,
            }));
        }
        Ok(out)
    }
}

/// Why a device does not comply, in the admin's words; none when it does.
fn problems(inventory: &Value, published_serial: u64, gaps: &[[u64; 2]]) -> Vec<String> {
    let mut problems = Vec::new();
    if inventory.is_null() {
        problems.push("no inventory received yet".to_owned());
        return problems;
    }
    if inventory["managed"] != Value::Bool(true) {
        problems
            .push("not bound by managed settings (the user could point it elsewhere)".to_owned());
    }
    match inventory["serial"].as_u64() {
        Some(serial) if serial >= published_serial => {}
        Some(serial) => problems.push(format!(
            "enforces policy serial {serial}, the hub publishes {published_serial}"
        )),
        None => problems.push("enforces no policy from this hub".to_owned()),
    }
    let unrouted = inventory["unrouted"].as_array().map_or(0, Vec::len);
    if unrouted > 0 {
        problems.push(format!("{unrouted} server(s) run outside Gatehouse"));
    }
    if !gaps.is_empty() {
        problems.push(format!("audit log has {} gap(s)", gaps.len()));
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chain(links: &[(u64, &str, Option<&str>)]) -> BTreeMap<u64, (String, Option<String>)> {
        links
            .iter()
            .map(|(seq, hash, prev)| (*seq, ((*hash).to_owned(), prev.map(str::to_owned))))
            .collect()
    }

    #[test]
    fn a_whole_chain_has_no_gaps() {
        let whole = chain(&[(1, "a", None), (2, "b", Some("a")), (3, "c", Some("b"))]);
        assert_eq!(gaps(&whole, &[(3, "c".into())]), Vec::<[u64; 2]>::new());
        assert_eq!(gaps(&BTreeMap::new(), &[]), Vec::<[u64; 2]>::new());
    }

    #[test]
    fn missing_numbers_a_tail_that_never_came_and_broken_links_are_gaps() {
        let holes = chain(&[(1, "a", None), (4, "d", Some("c")), (5, "e", Some("d"))]);
        assert_eq!(gaps(&holes, &[]), vec![[2, 3]]);
        let short = chain(&[(1, "a", None), (2, "b", Some("a"))]);
        assert_eq!(
            gaps(&short, &[(5, "e".into())]),
            vec![[3, 5]],
            "the device said it had reached 5"
        );
        let edited = chain(&[(1, "a", None), (2, "x", Some("a")), (3, "c", Some("b"))]);
        assert_eq!(gaps(&edited, &[]), vec![[2, 2]], "3 names another 2");
        assert_eq!(
            gaps(&short, &[(2, "other".into())]),
            vec![[2, 2]],
            "the head it reported is not what arrived"
        );
    }
}
