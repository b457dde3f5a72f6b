//! Runs the shared conformance corpora (`shared/conformance/policy/*.yaml` and
//! `shared/conformance/identity/*.yaml`, POLICY.md section
//! 7) and this crate's own guard corpus (`tests/corpus/*.yaml`) through the real validation,
//! merge and evaluation. A missing or empty corpus folder fails loudly: a run that checks
//! nothing must never pass.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests"
)]

use std::path::{Path, PathBuf};

use gatehouse_policy::run_corpus_str;

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The shared corpus lives beside the project: `<workspace root>/../shared/...`.
fn shared_corpus() -> PathBuf {
    manifest_dir().join("../../../shared/conformance/policy")
}

fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let entries = std::fs::read_dir(dir).unwrap_or_else(|error| {
        panic!(
            "the corpus folder {} cannot be read ({error}); the policy tests must run it",
            dir.display()
        )
    });
    let mut files: Vec<PathBuf> = entries
        .map(|entry| {
            entry
                .expect("a corpus folder entry must be readable")
                .path()
        })
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "yaml" || ext == "yml")
        })
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "the corpus folder {} holds no .yaml files; a run that checks nothing must fail",
        dir.display()
    );
    files
}

/// Runs every case of every file and returns (cases run, failures).
fn run_folder(dir: &Path) -> (usize, Vec<String>) {
    let mut run = 0;
    let mut failures = Vec::new();
    for file in yaml_files(dir) {
        let text = std::fs::read_to_string(&file)
            .unwrap_or_else(|error| panic!("{} cannot be read: {error}", file.display()));
        let outcomes = match run_corpus_str(&text) {
            Ok(outcomes) => outcomes,
            Err(error) => {
                failures.push(format!("{}: {error}", file.display()));
                continue;
            }
        };
        for outcome in outcomes {
            run += 1;
            if let Some(reason) = outcome.failure {
                failures.push(format!("{}: {}: {reason}", file.display(), outcome.name));
            }
        }
    }
    (run, failures)
}

fn assert_folder_passes(dir: &Path) {
    let (run, failures) = run_folder(dir);
    for failure in &failures {
        eprintln!("FAIL {failure}");
    }
    eprintln!(
        "{}: {run} cases run, {} failed",
        dir.display(),
        failures.len()
    );
    assert!(run > 0, "no case ran in {}", dir.display());
    assert!(
        failures.is_empty(),
        "every corpus case must agree with POLICY.md; {} failed (listed above)",
        failures.len()
    );
}

#[test]
fn the_shared_corpus_passes() {
    assert_folder_passes(&shared_corpus());
}

/// The identity cases (bound name and claims, POLICY.md section 1), beside the policy ones.
#[test]
fn the_shared_identity_corpus_passes() {
    assert_folder_passes(&manifest_dir().join("../../../shared/conformance/identity"));
}

#[test]
fn the_guard_corpus_passes() {
    assert_folder_passes(&manifest_dir().join("tests/corpus"));
}

#[test]
fn a_wrong_expectation_is_caught() {
    // The runner itself must be able to fail: flip one verdict of the shared corpus.
    let file = shared_corpus().join("01-basics.yaml");
    let text = std::fs::read_to_string(&file).expect("01-basics.yaml is part of the corpus");
    let flipped = text.replacen("verdict: allow", "verdict: block", 1);
    assert_ne!(
        flipped, text,
        "the corpus file must contain an allow verdict to flip"
    );
    let outcomes = run_corpus_str(&flipped).expect("the flipped file is still well-formed");
    assert_eq!(
        outcomes.iter().filter(|outcome| !outcome.passed()).count(),
        1,
        "exactly the flipped case must fail"
    );
}
