//! Every fault of the reference hub makes `gatehouse sync` exit 1 with a clear message,
//! records `policy_rejected` where a bundle was refused, and leaves the cached policy in
//! force for `check` and `status`.

use crate::{RefHub, check, status, sync};

/// (fault body, text the message must hold, whether a bundle was refused)
const CASES: &[(&str, &str, bool)] = &[
    (
        r#"{"mode": "error", "status": 500}"#,
        "the hub answered 500",
        false,
    ),
    (
        r#"{"mode": "hang", "seconds": 30}"#,
        "did not answer within 1500 ms",
        false,
    ),
    (
        r#"{"mode": "stall_body", "seconds": 30}"#,
        "did not answer within 1500 ms",
        false,
    ),
    (r#"{"mode": "malformed"}"#, "malformed", true),
    (r#"{"mode": "malformed_payload"}"#, "malformed", true),
    (r#"{"mode": "invalid_policy"}"#, "invalid policy", true),
    (
        r#"{"mode": "bad_signature"}"#,
        "signature does not verify",
        true,
    ),
    (
        r#"{"mode": "unknown_key"}"#,
        "not pinned on this device",
        true,
    ),
    (r#"{"mode": "lower_serial"}"#, "rollback", true),
    (r#"{"mode": "same_serial"}"#, "reuses serial 2", true),
    (
        r#"{"mode": "other_org"}"#,
        "organization `acme-corp-other`",
        true,
    ),
];

#[test]
fn every_fault_fails_the_sync_and_keeps_the_cached_policy() {
    let hub = RefHub::start();
    let sandbox = hub.sandbox();
    // Serial 2, so that `lower_serial` (current - 1) is a real rollback and not serial 0.
    assert_eq!(sync(&sandbox).0, 0);
    std::fs::write(
        hub.org_dir().join("policy/mandatory.yaml"),
        "min_cert_level: 1\n",
    )
    .unwrap();
    assert_eq!(sync(&sandbox).0, 0);
    assert_eq!(status(&sandbox)["serial"], 2);
    let decided = check(&sandbox);

    for (fault, message, refused) in CASES {
        hub.fault(fault);
        let rejected_before = rejected(&sandbox);
        let (code, out, err) = sync(&sandbox);
        assert_eq!(code, 1, "{fault}: {out}{err}");
        assert!(
            err.contains(message),
            "{fault}: the message says why: {err}"
        );
        assert!(err.contains("(serial 2) stays in force"), "{fault}: {err}");
        let expected = rejected_before + usize::from(*refused);
        assert_eq!(
            rejected(&sandbox),
            expected,
            "{fault}: policy_rejected only for a refused bundle"
        );
        let now = status(&sandbox);
        assert_eq!(now["serial"], 2, "{fault}: the cached snapshot stays");
        assert_eq!(now["online"], false, "{fault}");
        assert_eq!(check(&sandbox), decided, "{fault}: check decides as before");
    }
    let (code, _, err) = sync(&sandbox);
    assert_eq!(
        code, 0,
        "with the faults used up the hub answers again: {err}"
    );
    assert_eq!(status(&sandbox)["online"], true);
}

fn rejected(sandbox: &gatehouse_e2e::Sandbox) -> usize {
    sandbox
        .audit()
        .iter()
        .filter(|event| event["kind"] == "policy_rejected")
        .count()
}
