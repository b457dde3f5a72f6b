//! Reading a package runner's command line completely (DESIGN.md "Server identity"): which
//! runner it is, every package it names, the one it runs, and whether the line is *clean*:
//! one package pinned to an exact version (an image by its digest), only options from the
//! allow-list before it. Each runner's options that take a value are listed from its own
//! source, so a value is never mistaken for the package and a package is never hidden in a
//! value. One file per family of runners: [`npm`] (npx, bunx, pnpm dlx, yarn dlx),
//! [`python`] (uvx, pipx run), [`docker`] (docker and podman run).
//!
//! Pure: a command and its arguments in, a [`Parsed`] out. A line that cannot be read is
//! not an error; it simply names no clean package, and the server is unbound.

use std::path::Path;

mod docker;
mod npm;
mod python;

use docker::docker;
use npm::{
    BUNX_VALUE, NPX_VALUE, PNPM_VALUE, YARN_VALUE, collect_option_values, npm_like, npm_names,
    npx_unknown_takes_value,
};
use python::{pipx, uvx};

/// The package runners whose command lines are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runner {
    /// `npx`, `npm exec`: npm packages.
    Npx,
    /// `bunx`: npm packages.
    Bunx,
    /// `pnpm dlx`, `pnpx`: npm packages.
    PnpmDlx,
    /// `yarn dlx`: npm packages.
    YarnDlx,
    /// `uvx`, `uv tool run`: PyPI packages.
    Uvx,
    /// `pipx run`: PyPI packages.
    PipxRun,
    /// `docker run`, `podman run`: OCI images.
    DockerRun,
}

/// Which registry a runner fetches from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ecosystem {
    Npm,
    Pypi,
    Oci,
}

impl Runner {
    pub fn ecosystem(self) -> Ecosystem {
        match self {
            Runner::Npx | Runner::Bunx | Runner::PnpmDlx | Runner::YarnDlx => Ecosystem::Npm,
            Runner::Uvx | Runner::PipxRun => Ecosystem::Pypi,
            Runner::DockerRun => Ecosystem::Oci,
        }
    }
}

/// A package as a runner names it, split into its name and the version it pins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageName {
    /// The package identifier (`@scope/pkg`, the PyPI project, the OCI repository), or `None`
    /// when the spec names no registry package (a path, a URL, a git source).
    pub name: Option<String>,
    /// The exact version it pins (a semver `1.2.3`, a PyPI `==` version), if it pins one.
    pub version: Option<String>,
    /// An OCI image's `sha256:<hex>` digest, when it is pinned by one.
    pub digest: Option<String>,
}

/// What a runner's command line says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    pub runner: Runner,
    /// The package it runs, split (`None` when the line names none, or names a command of
    /// packages installed by options rather than a package).
    pub target: Option<PackageName>,
    /// Every package name the line mentions, the target's included: what a deny list sees.
    pub names: Vec<String>,
    /// One package pinned exactly, and nothing before it but allow-listed options.
    pub clean: bool,
}

/// The options that may stand before the package of a clean spec: they change nothing
/// about what runs (DESIGN.md's allow-list).
pub(super) const ALLOWED_OPTIONS: &[&str] = &["-y", "--yes", "-q", "--quiet", "--"];

/// Reads `command args` as a runner's line; `None` when the program is not a runner.
pub fn parse(command: &str, args: &[String]) -> Option<Parsed> {
    let program = program_name(command)?;
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match program.as_str() {
        "npx" => Some(npm_like(
            Runner::Npx,
            &args,
            NPX_VALUE,
            npx_unknown_takes_value,
        )),
        "npm" if args.first() == Some(&"exec") => Some(npm_like(
            Runner::Npx,
            &args[1..],
            NPX_VALUE,
            npx_unknown_takes_value,
        )),
        "bunx" => Some(npm_like(Runner::Bunx, &args, BUNX_VALUE, |_| false)),
        "pnpx" => Some(npm_like(Runner::PnpmDlx, &args, PNPM_VALUE, |_| false)),
        "pnpm" => {
            let dlx = args.iter().position(|arg| *arg == "dlx")?;
            // pnpm's own options may stand before `dlx`; any of them makes the line unclean.
            let mut parsed = npm_like(Runner::PnpmDlx, &args[dlx + 1..], PNPM_VALUE, |_| false);
            let mut before = Vec::new();
            collect_option_values(&args[..dlx], PNPM_VALUE, |_| false, &mut before);
            parsed.names.extend(before.into_iter().flat_map(npm_names));
            parsed.clean &= dlx == 0;
            Some(parsed)
        }
        "yarn" if args.first() == Some(&"dlx") => {
            Some(npm_like(Runner::YarnDlx, &args[1..], YARN_VALUE, |_| false))
        }
        "uvx" => Some(uvx(&args)),
        "uv" => {
            let at = args
                .windows(2)
                .position(|pair| pair[0] == "tool" && pair[1] == "run")?;
            let mut parsed = uvx(&args[at + 2..]);
            parsed.clean &= at == 0;
            Some(parsed)
        }
        "pipx" => {
            let run = args.iter().position(|arg| *arg == "run")?;
            let mut parsed = pipx(&args[run + 1..]);
            parsed.clean &= run == 0;
            Some(parsed)
        }
        // Windows' `cmd /c <runner …>`: a shell reads the line, so it is never clean, but the
        // names in it are still claims.
        "cmd"
            if args
                .first()
                .is_some_and(|arg| arg.eq_ignore_ascii_case("/c")) =>
        {
            let (inner, rest) = args[1..].split_first()?;
            let rest: Vec<String> = rest.iter().map(|arg| (*arg).to_owned()).collect();
            let mut parsed = parse(inner, &rest)?;
            parsed.clean = false;
            Some(parsed)
        }
        "docker" | "podman" => {
            let run = args.iter().position(|arg| *arg == "run")?;
            let mut parsed = docker(&args[run + 1..]);
            // Global options (`-H`, `--context`, `--config`) choose another daemon or registry.
            parsed.clean &= run == 0;
            Some(parsed)
        }
        _ => None,
    }
}

/// The program's name without its directory or a Windows extension, lower case.
fn program_name(command: &str) -> Option<String> {
    let name = Path::new(command)
        .file_name()?
        .to_str()?
        .to_ascii_lowercase();
    let name = [".cmd", ".exe", ".bat", ".ps1"]
        .iter()
        .find_map(|ext| name.strip_suffix(ext).map(str::to_owned))
        .unwrap_or(name);
    Some(name)
}

#[cfg(test)]
mod tests;
