//! The enrollment link an admin hands people (DESIGN.md "Install, update, enroll"): the
//! hub's address, the org, an optional area and the signing key's id and fingerprint. The
//! app reads the key from `/keys` and pins it only when its fingerprint is this one.

/// `gatehouse://enroll?hub=…&org=…[&area=…]&key_id=…&fingerprint=…`, each value
/// percent-encoded; the fingerprint without its spaces.
pub fn enrollment_link(
    hub_url: &str,
    org: &str,
    area: Option<&str>,
    key_id: &str,
    fingerprint: &str,
) -> String {
    let mut fields = vec![("hub", hub_url.trim_end_matches('/')), ("org", org)];
    if let Some(area) = area {
        fields.push(("area", area));
    }
    let print: String = fingerprint.split_whitespace().collect();
    fields.push(("key_id", key_id));
    fields.push(("fingerprint", &print));
    let query: Vec<String> = fields
        .iter()
        .map(|(name, value)| format!("{name}={}", encode(value)))
        .collect();
    format!("gatehouse://enroll?{}", query.join("&"))
}

/// Percent-encodes everything but the unreserved characters of RFC 3986.
fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(byte).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_encoded_and_the_fingerprint_loses_its_spaces() {
        assert_eq!(
            enrollment_link(
                "https://hub.example.com/",
                "acme",
                Some("data"),
                "hub-1",
                "ab12 cd34"
            ),
            "gatehouse://enroll?hub=https%3A%2F%2Fhub.example.com&org=acme&area=data&key_id=hub-1&fingerprint=ab12cd34"
        );
        assert!(!enrollment_link("http://127.0.0.1:1", "a", None, "k", "00").contains("area="));
    }
}
