//! The body of `POST /audit` (HUB_API.md B2), checked whole before anything is stored: one
//! bad event refuses the batch, so a client bug shows up as a 400 instead of half a batch.

use serde_json::Value;
use uuid::Uuid;

/// The events of a valid body, each with its id (the idempotency key).
pub(crate) fn parse_batch(body: &[u8]) -> Result<Vec<(Uuid, Value)>, String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| format!("the body is not json: {e}"))?;
    let Some(events) = value.get("events").and_then(Value::as_array) else {
        return Err("the body must be an object with an `events` list".to_owned());
    };
    if let Some(extra) = value
        .as_object()
        .and_then(|map| map.keys().find(|key| *key != "events"))
    {
        return Err(format!("the body has an unknown key `{extra}`"));
    }
    events
        .iter()
        .enumerate()
        .map(|(index, event)| {
            if !event.is_object() {
                return Err(format!("event {index} is not an object"));
            }
            let id = event
                .get("id")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("event {index} has no `id` string"))?;
            // Parsed, so `ABC…` and `abc…` are one event.
            let id = Uuid::parse_str(id)
                .map_err(|_| format!("event {index}: `id` `{id}` is not a uuid"))?;
            Ok((id, event.clone()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0f8fad5b-d9cb-469f-a165-70867728950e";

    #[test]
    fn a_batch_parses_with_normalized_ids() {
        let body = format!(
            r#"{{"events": [{{"id": "{}", "kind": "launch_allowed"}}, {{"id": "{ID}"}}]}}"#,
            ID.to_uppercase()
        );
        let events = parse_batch(body.as_bytes()).unwrap();
        assert_eq!(events.len(), 2);
        assert_eq!(events[0].0, events[1].0, "case does not make another event");
        assert!(parse_batch(br#"{"events": []}"#).unwrap().is_empty());
    }

    #[test]
    fn malformed_batches_are_refused() {
        let cases: [&[u8]; 8] = [
            b"not json",
            b"[]",
            br#"{"event": []}"#,
            br#"{"events": {}}"#,
            br#"{"events": [1]}"#,
            br#"{"events": [{"kind": "x"}]}"#,
            br#"{"events": [{"id": "not-a-uuid"}]}"#,
            br#"{"events": [], "extra": 1}"#,
        ];
        for case in cases {
            assert!(
                parse_batch(case).is_err(),
                "must be refused: {}",
                String::from_utf8_lossy(case)
            );
        }
    }
}
