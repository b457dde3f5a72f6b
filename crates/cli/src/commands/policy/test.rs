//! `gatehouse policy test <file-or-dir>...`: runs every case of every corpus file and
//! prints `PASS <file>: <case>` / `FAIL <file>: <case>: <reason>`, then `N passed, M failed`.
//! A file that cannot be read or is not a corpus counts as one failure.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::Args;
use gatehouse_policy::run_corpus_str;

use crate::exit::Exit;

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Corpus files, or folders whose `*.yaml` and `*.yml` files are all run (sorted).
    #[arg(required = true, value_name = "FILE_OR_DIR")]
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Default)]
struct Tally {
    passed: usize,
    failed: usize,
}

pub fn run(args: &TestArgs) -> Exit {
    let mut out = std::io::stdout().lock();
    let mut tally = Tally::default();
    // A closed stdout cannot be reported anywhere useful; the exit code still tells.
    let mut line = |text: String| {
        let _ = writeln!(out, "{text}");
    };
    for path in &args.paths {
        match corpus_files(path) {
            Ok(files) => {
                for file in files {
                    run_file(&file, &mut tally, &mut line);
                }
            }
            Err(reason) => {
                tally.failed += 1;
                line(format!("FAIL {}: {reason}", path.display()));
            }
        }
    }
    line(format!("{} passed, {} failed", tally.passed, tally.failed));
    if tally.failed == 0 {
        Exit::Ok
    } else {
        Exit::Failure
    }
}

fn run_file(file: &Path, tally: &mut Tally, line: &mut impl FnMut(String)) {
    let shown = file.display();
    let text = match std::fs::read_to_string(file) {
        Ok(text) => text,
        Err(error) => {
            tally.failed += 1;
            line(format!("FAIL {shown}: cannot read the file: {error}"));
            return;
        }
    };
    match run_corpus_str(&text) {
        Ok(outcomes) => {
            for outcome in outcomes {
                match outcome.failure {
                    None => {
                        tally.passed += 1;
                        line(format!("PASS {shown}: {}", outcome.name));
                    }
                    Some(reason) => {
                        tally.failed += 1;
                        line(format!("FAIL {shown}: {}: {reason}", outcome.name));
                    }
                }
            }
        }
        Err(error) => {
            tally.failed += 1;
            line(format!("FAIL {shown}: {error}"));
        }
    }
}

/// A file as given, or a folder's `*.yaml` / `*.yml` files in name order. A folder without
/// any is an error: running nothing must not look like success.
fn corpus_files(path: &Path) -> Result<Vec<PathBuf>, String> {
    if !path.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let entries =
        std::fs::read_dir(path).map_err(|error| format!("cannot read the folder: {error}"))?;
    let mut files = Vec::new();
    for entry in entries {
        let file = entry
            .map_err(|error| format!("cannot read the folder: {error}"))?
            .path();
        let is_yaml = file
            .extension()
            .is_some_and(|ext| ext == "yaml" || ext == "yml");
        if is_yaml && !file.is_dir() {
            files.push(file);
        }
    }
    if files.is_empty() {
        return Err("the folder holds no .yaml or .yml files".to_owned());
    }
    files.sort();
    Ok(files)
}
