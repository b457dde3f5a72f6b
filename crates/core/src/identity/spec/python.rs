//! The Python runners: `uvx` (and `uv tool run`) and `pipx run`.

use super::{ALLOWED_OPTIONS, PackageName, Parsed, Runner};

/// uv's options that take a value (`uv tool run` and its flattened and global options).
const UVX_VALUE: &[&str] = &[
    "--from",
    "--with",
    "-w",
    "--with-editable",
    "--with-requirements",
    "--constraints",
    "--constraint",
    "-c",
    "--build-constraints",
    "--build-constraint",
    "-b",
    "--overrides",
    "--override",
    "--env-file",
    "--index",
    "--default-index",
    "--index-url",
    "-i",
    "--extra-index-url",
    "--find-links",
    "-f",
    "--upgrade-package",
    "-P",
    "--upgrade-group",
    "--reinstall-package",
    "--index-strategy",
    "--keyring-provider",
    "--resolution",
    "--prerelease",
    "--prerelease-package",
    "--fork-strategy",
    "--config-setting",
    "--config-settings",
    "-C",
    "--config-settings-package",
    "--no-build-isolation-package",
    "--exclude-newer",
    "--exclude-newer-package",
    "--link-mode",
    "--no-sources-package",
    "--no-build-package",
    "--no-binary-package",
    "--refresh-package",
    "--python",
    "-p",
    "--python-platform",
    "--torch-backend",
    "--cache-dir",
    "--config-file",
    "--directory",
    "--project",
    "--color",
    "--allow-insecure-host",
    "--trusted-host",
    "--python-preference",
    "--python-fetch",
    "--preview-features",
];

/// `uvx [options] <package[==version] | package@version> [args]`; `--from` and `--with`
/// name packages too.
pub(super) fn uvx(args: &[&str]) -> Parsed {
    let mut clean = true;
    let mut names = Vec::new();
    let mut from = false;
    let mut positional = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if *arg == "--" {
            positional = rest.next().copied();
            break;
        }
        if let Some((option, inline)) = short_or_long(arg, UVX_VALUE) {
            if !ALLOWED_OPTIONS.contains(&option) {
                clean = false;
            }
            let value = match inline {
                Some(value) => Some(value),
                None if UVX_VALUE.contains(&option) => rest.next().copied(),
                None => None,
            };
            if let Some(value) = value {
                match option {
                    "--from" => {
                        from = true;
                        names.extend(python_spec(value).name);
                    }
                    // A comma-separated list, commas inside `[extras]` excepted.
                    "--with" | "-w" | "--with-editable" => {
                        names.extend(
                            split_outside_brackets(value).filter_map(|s| python_spec(s).name),
                        );
                    }
                    _ => {}
                }
            }
            continue;
        }
        positional = Some(arg);
        break;
    }
    let target = if from {
        // With `--from`, the positional is a command of that package.
        if let Some(command) = positional {
            names.push((*command).to_owned());
        }
        clean = false;
        None
    } else {
        positional.map(python_spec)
    };
    if let Some(name) = target.as_ref().and_then(|t| t.name.clone()) {
        names.push(name);
    }
    let pinned = target
        .as_ref()
        .is_some_and(|t| t.name.is_some() && t.version.is_some());
    Parsed {
        runner: Runner::Uvx,
        target,
        names,
        clean: clean && pinned,
    }
}

/// An option of a clap/argparse-style parser: `--long=value`, `--long`, `-x`, or `-xVALUE`
/// for a short option that takes a value.
fn short_or_long<'a>(arg: &'a str, value_options: &[&str]) -> Option<(&'a str, Option<&'a str>)> {
    if !arg.starts_with('-') || arg == "-" {
        return None;
    }
    if arg.starts_with("--") {
        return Some(match arg.split_once('=') {
            Some((option, value)) => (option, Some(value)),
            None => (arg, None),
        });
    }
    // `-pVALUE`: a short option that takes a value, glued to it.
    if arg.len() > 2 && arg.is_char_boundary(2) && value_options.contains(&&arg[..2]) {
        return Some((&arg[..2], Some(&arg[2..])));
    }
    Some((arg, None))
}

fn split_outside_brackets(text: &str) -> impl Iterator<Item = &str> {
    let mut depth = 0i32;
    let mut start = 0;
    let mut parts = Vec::new();
    for (index, c) in text.char_indices() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&text[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    parts.push(&text[start..]);
    parts
        .into_iter()
        .map(str::trim)
        .filter(|part| !part.is_empty())
}

/// `pkg==1.2.3`, `pkg@1.2.3` (uv's exact-version form), `pkg`, `pkg>=1` (a range pins
/// nothing), `pkg[extra]==1` (extras change what is installed: no pin is kept); URLs, git
/// and paths name no registry package.
fn python_spec(spec: &str) -> PackageName {
    let none = PackageName {
        name: None,
        version: None,
        digest: None,
    };
    if spec.contains("://") || spec.contains('/') || spec.starts_with('.') || spec.contains(" @") {
        return none;
    }
    let end = spec
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(spec.len());
    let (name, rest) = spec.split_at(end);
    if name.is_empty() || !name.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return none;
    }
    let version = rest
        .strip_prefix("==")
        .or_else(|| rest.strip_prefix('@'))
        .filter(|version| exact_pep440(version))
        .map(str::to_owned);
    PackageName {
        name: Some(name.to_owned()),
        version,
        digest: None,
    }
}

/// A PEP 440 release such as `1.2.3`, `2026.10.19`, `1.0rc1` or `1.0.post2`: digits first,
/// no operators, wildcards or spaces.
fn exact_pep440(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_digit())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-' | b'_' | b'!'))
}

/// pipx's `run` options that take a value. argparse also accepts any unique prefix of a
/// long option, so a prefix of one of these is read as it (`--sp` is `--spec`).
const PIPX_VALUE: &[&str] = &[
    "--spec",
    "--python",
    "--fetch-python",
    "--index-url",
    "-i",
    "--pip-args",
    "--python-args",
    "--with",
    "--cooldown",
    "--backend",
];

pub(super) fn pipx(args: &[&str]) -> Parsed {
    let mut clean = true;
    let mut names = Vec::new();
    let mut spec = false;
    let mut positional = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if *arg == "--" {
            positional = rest.next().copied();
            break;
        }
        if let Some((option, inline)) = short_or_long(arg, PIPX_VALUE) {
            if !ALLOWED_OPTIONS.contains(&option) {
                clean = false;
            }
            let option = expand_prefix(option, PIPX_VALUE);
            let value = match inline {
                Some(value) => Some(value),
                None if PIPX_VALUE.contains(&option) => rest.next().copied(),
                None => None,
            };
            if let Some(value) = value {
                match option {
                    "--spec" => {
                        spec = true;
                        names.extend(python_spec(value).name);
                    }
                    "--with" => names.extend(python_spec(value).name),
                    _ => {}
                }
            }
            continue;
        }
        positional = Some(arg);
        break;
    }
    let target = if spec {
        if let Some(command) = positional {
            names.push((*command).to_owned());
        }
        clean = false;
        None
    } else {
        positional.map(python_spec)
    };
    if let Some(name) = target.as_ref().and_then(|t| t.name.clone()) {
        names.push(name);
    }
    let pinned = target
        .as_ref()
        .is_some_and(|t| t.name.is_some() && t.version.is_some());
    Parsed {
        runner: Runner::PipxRun,
        target,
        names,
        clean: clean && pinned,
    }
}

/// A long option given as a unique prefix of one of `known`, as argparse reads it.
fn expand_prefix<'a>(option: &'a str, known: &[&'a str]) -> &'a str {
    if !option.starts_with("--") || known.contains(&option) {
        return option;
    }
    let mut matching = known
        .iter()
        .filter(|candidate| candidate.starts_with("--") && candidate.starts_with(option));
    match (matching.next(), matching.next()) {
        (Some(only), None) => only,
        _ => option,
    }
}
