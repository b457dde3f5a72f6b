//! The org directory's validation: what is refused, and that the message says where.

use gatehouse_refhub::read_org_dir;

use crate::common::{FILES, write_files};

/// Reads `FILES` with `changes` applied on top (an empty text deletes nothing: it writes an
/// empty file).
fn read_with(changes: &[(&str, &str)]) -> Result<gatehouse_refhub::OrgContent, String> {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), FILES);
    write_files(dir.path(), changes);
    read_org_dir(dir.path()).map_err(|e| e.chain())
}

#[test]
fn the_base_directory_is_valid() {
    let content = read_with(&[]).unwrap();
    assert_eq!(content.org, "test-org");
    assert_eq!(content.tokens, ["t0ken"]);
    assert_eq!(content.catalog.len(), 2);
}

#[test]
fn every_invalid_directory_is_refused_naming_the_file() {
    let cases: &[(&str, &str, &str)] = &[
        // (file, text, what the message must contain)
        ("policy/org.yaml", "min_cert_level: 7\n", "min_cert_level"),
        ("policy/org.yaml", "allowed_origins: [offical]\n", "offical"),
        ("policy/org.yaml", "colour: red\n", "colour"),
        ("policy/org.yaml", "[1, 2]\n", "policy/org.yaml"),
        ("policy/mandatory.yaml", "cert_mode: strcit\n", "strcit"),
        (
            "policy/mandatory.yaml",
            "mode: warn\ncert_mode: warn\n",
            "mandatory.yaml",
        ),
        ("areas/lab.yaml", "policy: {min_score: 101}\n", "min_score"),
        ("areas/lab.yaml", "servers: ['acme/DB']\n", "two areas"),
        ("areas/lab.yaml", "polcy: {}\n", "polcy"),
        ("areas/lab.yml", "servers: []\n", "lab.yml"),
        (
            "servers.yaml",
            "'@acme/db': {min_cert_level: -1}\n",
            "servers.yaml",
        ),
        (
            "servers.yaml",
            "'@acme/db': {}\n'ACME/DB': {}\n",
            "same server",
        ),
        ("servers.yaml", "[]\n", "servers.yaml"),
        (
            "catalog.yaml",
            "- {name: '@a/b', version: '1', status: yanked}\n",
            "yanked",
        ),
        ("catalog.yaml", "{name: '@a/b'}\n", "catalog.yaml"),
        (
            "org.yaml",
            "org: test-org\nstale_mode: sometimes\ntokens: [t]\n",
            "sometimes",
        ),
        (
            "org.yaml",
            "org: test-org\nmax_offline_age: a week\ntokens: [t]\n",
            "a week",
        ),
        ("org.yaml", "org: 'test org'\ntokens: [t]\n", "test org"),
        (
            "org.yaml",
            "org: test-org\ntokens: ['with space']\n",
            "token",
        ),
        ("org.yaml", "org: test-org\ntoken: [t]\n", "token"),
        ("org.yaml", "", "org.yaml"),
        ("org.yaml", "org: [\n", "org.yaml"),
        ("catalogue.yaml", "[]\n", "catalogue.yaml"),
        ("policy/area.yaml", "{}\n", "policy/area.yaml"),
    ];
    for (file, text, expected) in cases {
        match read_with(&[(file, text)]) {
            Ok(_) => panic!("`{file}` with {text:?} must be refused"),
            Err(message) => assert!(
                message.contains(expected),
                "`{file}` with {text:?}: the message must mention `{expected}`: {message}"
            ),
        }
    }
}

#[test]
fn optional_files_may_be_missing_or_empty() {
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &[("org.yaml", "org: solo\n")]);
    let content = read_org_dir(dir.path()).unwrap();
    assert_eq!(content.body["areas"], serde_json::json!({}));
    assert_eq!(content.body["catalog"], serde_json::json!([]));
    assert_eq!(
        content.body["stale_mode"], "keep",
        "the default is written out"
    );
    assert!(content.body.get("mandatory").is_none());

    write_files(
        dir.path(),
        &[
            ("policy/mandatory.yaml", "# nothing yet\n"),
            ("servers.yaml", ""),
            ("catalog.yaml", ""),
            ("areas/empty.yaml", ""),
            ("README.md", "not yaml, not read"),
        ],
    );
    let content = read_org_dir(dir.path()).unwrap();
    assert!(
        content.body.get("mandatory").is_none(),
        "an empty file is no layer"
    );
    assert_eq!(
        content.body["areas"]["empty"],
        serde_json::json!({"servers": []})
    );
}

#[test]
fn a_missing_directory_or_org_file_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let missing = read_org_dir(&dir.path().join("nowhere"))
        .unwrap_err()
        .chain();
    assert!(missing.contains("nowhere"), "{missing}");
    let no_org = read_org_dir(dir.path()).unwrap_err().chain();
    assert!(no_org.contains("org.yaml"), "{no_org}");
}
