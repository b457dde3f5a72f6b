//! Drives the built `gatehouse` binary as a user or script would: `--version`, `--help`,
//! `policy test` and `policy explain`, checking output and exit codes of `shared/CLI.md`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn gatehouse(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gatehouse"))
        .args(args)
        .output()
        .expect("the gatehouse binary must start")
}

fn code(output: &Output) -> i32 {
    output
        .status
        .code()
        .expect("gatehouse must exit, not be killed")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn shared_corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/conformance/policy")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("the temp dir must be writable");
    path.to_str().expect("temp paths are UTF-8").to_owned()
}

#[test]
fn version_and_help_work() {
    let version = gatehouse(&["--version"]);
    assert_eq!(code(&version), 0, "--version must succeed");
    assert!(
        stdout(&version).starts_with("gatehouse "),
        "--version names the binary: {}",
        stdout(&version)
    );
    let help = gatehouse(&["--help"]);
    assert_eq!(code(&help), 0, "--help must succeed");
    assert!(
        stdout(&help).contains("policy"),
        "--help lists the policy commands"
    );
}

#[test]
fn policy_test_passes_the_shared_corpus() {
    let corpus = shared_corpus();
    let output = gatehouse(&["policy", "test", corpus.to_str().expect("UTF-8 path")]);
    let text = stdout(&output);
    assert_eq!(code(&output), 0, "every shared case must pass:\n{text}");
    let last = text.lines().last().unwrap_or_default();
    let (passed, failed) = last
        .split_once(" passed, ")
        .expect("the closing line is `N passed, M failed`");
    assert_eq!(failed, "0 failed", "closing line: {last}");
    assert!(
        passed.parse::<usize>().expect("N is a number") > 0,
        "the shared corpus holds cases, so some must pass"
    );
    assert!(
        text.lines()
            .any(|line| line.starts_with("PASS ") && line.contains("01-basics.yaml: ")),
        "one line per case names the file and the case:\n{text}"
    );
}

#[test]
fn policy_test_reports_a_failing_case() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = write(
        dir.path(),
        "wrong.yaml",
        "layers: {local: {min_cert_level: 2}}\ncases:\n  - name: expects the wrong verdict\n    \
         server: {name: '@a/b', cert_level: 1}\n    expect: {verdict: allow}\n",
    );
    let output = gatehouse(&["policy", "test", &file]);
    let text = stdout(&output);
    assert_eq!(code(&output), 1, "a failing case exits 1:\n{text}");
    assert!(
        text.contains("FAIL ") && text.contains("expects the wrong verdict: verdict is block"),
        "the failure says which case and why:\n{text}"
    );
    assert_eq!(text.lines().last(), Some("0 passed, 1 failed"));
}

#[test]
fn policy_test_counts_a_malformed_file_as_a_failure() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = write(dir.path(), "broken.yaml", "cases: []\n");
    let output = gatehouse(&["policy", "test", &file]);
    assert_eq!(code(&output), 1, "a corpus without cases must not pass");
    assert_eq!(stdout(&output).lines().last(), Some("0 passed, 1 failed"));
}

#[test]
fn policy_test_without_arguments_is_a_usage_error() {
    assert_eq!(
        code(&gatehouse(&["policy", "test"])),
        2,
        "clap refuses missing paths with 2"
    );
}

#[test]
fn policy_explain_json_describes_a_block() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let layers = write(
        dir.path(),
        "layers.yaml",
        "org: {min_cert_level: 1}\narea: {min_cert_level: 0}\n",
    );
    let server = write(
        dir.path(),
        "server.json",
        r#"{"name": "@acme/tool", "version": "1.0.0", "origin": "verified", "cert_level": 0, "score": 80}"#,
    );
    let output = gatehouse(&[
        "policy", "explain", "--layers", &layers, "--server", &server, "--json",
    ]);
    assert_eq!(code(&output), 4, "a block exits 4 as `check` would");
    let json: Value = serde_json::from_slice(&output.stdout).expect("--json prints JSON");
    assert_eq!(json["server"], "@acme/tool");
    assert_eq!(json["version"], "1.0.0");
    assert_eq!(json["verdict"], "block");
    assert_eq!(json["exit_code"], 4);
    let violation = &json["violations"][0];
    assert_eq!(violation["code"], "cert_level_below_min");
    assert_eq!(violation["severity"], "block");
    assert_eq!(violation["layer"], "org", "org set the highest minimum");
    assert!(
        violation["message"]
            .as_str()
            .is_some_and(|m| m.contains("level 1"))
    );
    let clamp = &json["diagnostics"][0];
    assert_eq!(
        (
            &clamp["kind"],
            &clamp["layer"],
            &clamp["key"],
            &clamp["asked"],
            &clamp["kept"]
        ),
        (
            &Value::from("clamp"),
            &Value::from("area"),
            &Value::from("min_cert_level"),
            &Value::from(0),
            &Value::from(1)
        ),
        "area tried to lower the org minimum, so the merge records a clamp"
    );
}

#[test]
fn policy_explain_allows_and_reports_null_version() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let layers = write(dir.path(), "layers.yaml", "");
    let server = write(dir.path(), "server.json", r#"{"name": "@a/b"}"#);
    let output = gatehouse(&[
        "policy", "explain", "--layers", &layers, "--server", &server, "--json",
    ]);
    assert_eq!(
        code(&output),
        0,
        "no layers: nothing restricts an unknown server"
    );
    let json: Value = serde_json::from_slice(&output.stdout).expect("--json prints JSON");
    assert_eq!(json["version"], Value::Null, "an unknown version is null");
    assert_eq!(json["violations"], Value::Array(Vec::new()));
}

#[test]
fn policy_explain_refuses_an_invalid_policy_with_exit_3() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let layers = write(dir.path(), "layers.yaml", "org: {mode: strcit}\n");
    let server = write(dir.path(), "server.json", r#"{"name": "@a/b"}"#);
    let output = gatehouse(&[
        "policy", "explain", "--layers", &layers, "--server", &server, "--json",
    ]);
    assert_eq!(code(&output), 3, "an invalid policy is 'no usable policy'");
    let json: Value = serde_json::from_slice(&output.stdout).expect("--json prints JSON");
    let error = &json["error"];
    assert_eq!(error["code"], "invalid_policy");
    assert_eq!(error["layer"], "org");
    assert_eq!(
        error["key"], "cert_mode",
        "the alias `mode` is reported by its canonical key"
    );
    assert!(
        error["message"]
            .as_str()
            .is_some_and(|m| m.contains("`strcit`"))
    );
}

#[test]
fn policy_explain_refuses_an_override_without_force() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let layers = write(dir.path(), "layers.yaml", "org: {min_cert_level: 2}\n");
    let server = write(
        dir.path(),
        "server.json",
        r#"{"name": "@a/b", "cert_level": 1}"#,
    );
    let request = write(
        dir.path(),
        "request.json",
        r#"{"override_min_cert_level": 0}"#,
    );
    let output = gatehouse(&[
        "policy",
        "explain",
        "--layers",
        &layers,
        "--server",
        &server,
        "--request",
        &request,
    ]);
    assert_eq!(
        code(&output),
        2,
        "an override without --force is a usage error"
    );
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("needs `force`"),
        "the message says what is missing"
    );
}

#[test]
fn policy_explain_refuses_unreadable_and_bad_inputs_with_exit_2() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let layers = write(dir.path(), "layers.yaml", "");
    let missing = dir.path().join("missing.json");
    let missing = missing.to_str().expect("UTF-8 path");
    let output = gatehouse(&[
        "policy", "explain", "--layers", &layers, "--server", missing,
    ]);
    assert_eq!(code(&output), 2, "an unreadable file is a usage error");
    let blank = write(dir.path(), "blank.json", r#"{"name": "", "version": "1"}"#);
    let output = gatehouse(&["policy", "explain", "--layers", &layers, "--server", &blank]);
    assert_eq!(code(&output), 2, "a name, when given, must be one");
    let nameless = write(dir.path(), "nameless.json", r#"{"claims": ["x"]}"#);
    let output = gatehouse(&[
        "policy", "explain", "--layers", &layers, "--server", &nameless,
    ]);
    assert_eq!(
        code(&output),
        0,
        "an unbound server (claims, no name) is valid facts (POLICY.md section 1)"
    );
}
