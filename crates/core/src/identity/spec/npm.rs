//! The npm family: `npx` (and `npm exec`), `bunx`, `pnpm dlx`, `yarn dlx`.

use super::{ALLOWED_OPTIONS, PackageName, Parsed, Runner};

/// npx's options that always take a value (npm's `bin/npx-cli.js`), and npm configs whose
/// type is not Boolean (the next argument is their value unless given with `=`).
pub(super) const NPX_VALUE: &[&str] = &[
    "-p",
    "--package",
    "-c",
    "--call",
    "--cache",
    "--userconfig",
    "--shell",
    "--script-shell",
    "--registry",
    "--reg",
    "--prefix",
    "-C",
    "--workspace",
    "-w",
    "--node-options",
    "--globalconfig",
    "--loglevel",
    "--location",
    "-L",
    "--tag",
    "--include",
    "--omit",
    "--before",
    "--proxy",
    "--https-proxy",
    "--ca",
    "--cafile",
    "--cert",
    "--key",
    "--scope",
    "--install-strategy",
    "--fetch-retries",
    "--fetch-timeout",
    "--otp",
    "--message",
    "-m",
];

/// npx's switches: options that never take a value (npm configs of Boolean type among them).
const NPX_SWITCHES: &[&str] = &[
    "-y",
    "--yes",
    "-q",
    "--quiet",
    "-s",
    "--silent",
    "-d",
    "-dd",
    "-ddd",
    "--verbose",
    "--no-install",
    "--offline",
    "--prefer-online",
    "--prefer-offline",
    "--ignore-scripts",
    "--global",
    "-g",
    "--force",
    "--legacy-peer-deps",
    "--strict-ssl",
    "--foreground-scripts",
    "--include-workspace-root",
    "--workspaces",
    "--version",
    "-v",
    "--help",
    "-h",
];

/// npx gives every other `--option` without `=` the next argument as its value, unless that
/// argument starts with `-` (npm's config parser). Matched here exactly, so `npx --no-yes
/// pkg` reads `pkg` as a value, as npx does.
pub(super) fn npx_unknown_takes_value(option: &str) -> bool {
    option.starts_with("--") && !NPX_SWITCHES.contains(&option)
}

/// bunx takes a value only for `-p`/`--package` (newer bun; older bun ignores unknown
/// options, which is why any other option makes the line unclean).
pub(super) const BUNX_VALUE: &[&str] = &["-p", "--package"];
pub(super) const PNPM_VALUE: &[&str] = &[
    "--package",
    "--allow-build",
    "--dir",
    "-C",
    "--filter",
    "--registry",
];
pub(super) const YARN_VALUE: &[&str] = &["-p", "--package"];

/// The npm-family runners: options, `-p/--package` values, then the positional (the spec,
/// or a command name when packages were given with `--package`).
pub(super) fn npm_like(
    runner: Runner,
    args: &[&str],
    value_options: &[&str],
    unknown_takes_value: impl Fn(&str) -> bool,
) -> Parsed {
    let mut clean = true;
    let mut packages = Vec::new();
    let mut positional = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if *arg == "--" {
            positional = rest.next().copied();
            break;
        }
        if let Some((option, value)) = split_option(arg) {
            if !ALLOWED_OPTIONS.contains(&option) {
                clean = false;
            }
            let takes = value_options.contains(&option) || unknown_takes_value(option);
            let value = match value {
                Some(value) => Some(value),
                None if takes => next_value(&mut rest),
                None => None,
            };
            if matches!(option, "-p" | "--package")
                && let Some(value) = value
            {
                packages.push(value);
            }
            continue;
        }
        positional = Some(arg);
        break;
    }
    let mut names: Vec<String> = packages.iter().copied().flat_map(npm_names).collect();
    let target = if packages.is_empty() {
        positional.map(npm_spec)
    } else {
        // With `--package`, the positional is a command of those packages, not a package.
        if let Some(command) = positional {
            names.push(command.to_owned());
        }
        clean = false;
        None
    };
    if let Some(spec) = positional.filter(|_| packages.is_empty()) {
        names.extend(npm_names(spec));
    }
    let pinned = target
        .as_ref()
        .is_some_and(|t| t.name.is_some() && t.version.is_some());
    Parsed {
        runner,
        target,
        names,
        clean: clean && pinned,
    }
}

/// The next argument as an option's value, unless it is itself an option.
fn next_value<'a>(rest: &mut std::slice::Iter<'_, &'a str>) -> Option<&'a str> {
    match rest.as_slice().first() {
        Some(next) if !next.starts_with('-') => rest.next().copied(),
        _ => None,
    }
}

/// `--opt=value` → (`--opt`, Some(value)); `--opt` → (`--opt`, None); `-x` → (`-x`, None);
/// not an option → None.
fn split_option(arg: &str) -> Option<(&str, Option<&str>)> {
    if !arg.starts_with('-') || arg == "-" {
        return None;
    }
    match arg.split_once('=') {
        Some((option, value)) if arg.starts_with("--") => Some((option, Some(value))),
        _ => Some((arg, None)),
    }
}

/// Collects the values of the package options among `args` (for lines whose options stand
/// before the runner's subcommand).
pub(super) fn collect_option_values<'a>(
    args: &[&'a str],
    value_options: &[&str],
    unknown_takes_value: impl Fn(&str) -> bool,
    out: &mut Vec<&'a str>,
) {
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if let Some((option, value)) = split_option(arg) {
            let takes = value_options.contains(&option) || unknown_takes_value(option);
            let value = match value {
                Some(value) => Some(value),
                None if takes => next_value(&mut rest),
                None => None,
            };
            if matches!(option, "-p" | "--package")
                && let Some(value) = value
            {
                out.push(value);
            }
        }
    }
}

/// The registry package names an npm spec mentions: its own, or an alias's real package
/// (`alias@npm:@scope/real@1.0.0` installs `@scope/real`).
pub(super) fn npm_names(spec: &str) -> Vec<String> {
    if let Some((_, real)) = spec.split_once("@npm:") {
        return npm_spec(real).name.into_iter().collect();
    }
    npm_spec(spec).name.into_iter().collect()
}

/// `@scope/pkg@1.2.3`, `pkg@1.2.3`, `pkg`, `pkg@latest` (a tag pins nothing), `pkg@^1`
/// (a range pins nothing); paths, URLs, git and aliases name no registry package.
fn npm_spec(spec: &str) -> PackageName {
    let none = PackageName {
        name: None,
        version: None,
        digest: None,
    };
    let looks_local = spec.starts_with('.')
        || spec.starts_with('/')
        || spec.starts_with('~')
        || spec.contains(':')
        || spec.ends_with(".tgz")
        || spec.ends_with(".tar.gz");
    if looks_local || spec.is_empty() {
        return none;
    }
    let (name, version) = match spec[1..].find('@') {
        Some(at) => (&spec[..at + 1], Some(&spec[at + 2..])),
        None => (spec, None),
    };
    // `owner/repo` without a scope is a GitHub shorthand, not a registry name.
    if !valid_npm_name(name) || (!name.starts_with('@') && name.contains('/')) {
        return none;
    }
    PackageName {
        name: Some(name.to_owned()),
        version: version.filter(|v| exact_semver(v)).map(str::to_owned),
        digest: None,
    }
}

fn valid_npm_name(name: &str) -> bool {
    let body = name.strip_prefix('@').unwrap_or(name);
    let parts: Vec<&str> = body.split('/').collect();
    let scoped = name.starts_with('@');
    let shape_ok = if scoped {
        parts.len() == 2
    } else {
        parts.len() == 1
    };
    shape_ok
        && parts.iter().all(|part| {
            !part.is_empty()
                && !part.starts_with('.')
                && part.chars().all(|c| {
                    c.is_ascii_lowercase()
                        || c.is_ascii_digit()
                        || matches!(c, '-' | '_' | '.' | '~')
                })
        })
}

/// `1.2.3`, `1.2.3-rc.1`, `1.2.3+build`: one exact version, not a range or a tag.
fn exact_semver(text: &str) -> bool {
    let core = text.split(['-', '+']).next().unwrap_or_default();
    let parts: Vec<&str> = core.split('.').collect();
    parts.len() == 3
        && parts
            .iter()
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'+'))
}
