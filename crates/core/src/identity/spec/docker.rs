//! `docker run` and `podman run`: OCI images, pinned by their digest.

use super::{PackageName, Parsed, Runner};

/// `docker run` needs a few more to be usable at all over stdio; none of them changes which
/// image runs or what is mounted over it: stdin kept open, the container removed on exit,
/// an init process, and environment variables (named, or set).
const DOCKER_ALLOWED: &[&str] = &["-i", "--interactive", "--rm", "--init", "-e", "--env"];

/// `docker run`'s switches: the only options that take no value.
const DOCKER_SWITCHES: &[&str] = &[
    "-d",
    "--detach",
    "--help",
    "--init",
    "-i",
    "--interactive",
    "--no-healthcheck",
    "--oom-kill-disable",
    "--privileged",
    "-P",
    "--publish-all",
    "-q",
    "--quiet",
    "--read-only",
    "--rm",
    "--sig-proxy",
    "-t",
    "--tty",
    "--use-api-socket",
    "--disable-content-trust",
];

/// `docker run [options] IMAGE [command]`: the first argument that is not an option is the
/// image; everything after it belongs to the container.
pub(super) fn docker(args: &[&str]) -> Parsed {
    let mut clean = true;
    let mut image = None;
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        if *arg == "--" {
            image = rest.next().copied();
            break;
        }
        if arg.starts_with('-') && *arg != "-" {
            let (option, inline) = match arg.split_once('=') {
                Some((option, value)) if arg.starts_with("--") => (option, Some(value)),
                _ => (*arg, None),
            };
            // Bundled switches such as `-it`: each letter a switch; a last letter that takes
            // a value takes the next argument.
            let letters: Vec<String> = if !option.starts_with("--") && option.len() > 2 {
                option[1..].chars().map(|c| format!("-{c}")).collect()
            } else {
                vec![option.to_owned()]
            };
            let mut takes = false;
            for letter in &letters {
                if !DOCKER_ALLOWED.contains(&letter.as_str()) {
                    clean = false;
                }
                takes = !DOCKER_SWITCHES.contains(&letter.as_str());
            }
            if takes && inline.is_none() {
                rest.next();
            }
            continue;
        }
        image = Some(arg);
        break;
    }
    let target = image.map(image_spec);
    let names = target
        .iter()
        .filter_map(|t| t.name.clone())
        .collect::<Vec<_>>();
    let pinned = target.as_ref().is_some_and(|t| t.digest.is_some());
    Parsed {
        runner: Runner::DockerRun,
        target,
        names,
        clean: clean && pinned,
    }
}

/// `registry/ns/name:tag@sha256:<hex>`: the repository, and the digest when it pins one.
fn image_spec(image: &str) -> PackageName {
    let (reference, digest) = match image.split_once('@') {
        Some((reference, digest)) => (reference, Some(digest)),
        None => (image, None),
    };
    let digest = digest
        .and_then(|digest| digest.strip_prefix("sha256:"))
        .filter(|hex| hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(|hex| format!("sha256:{}", hex.to_ascii_lowercase()));
    // A colon after the last slash is a tag; one before it is a registry port.
    let repository = match reference.rfind(':') {
        Some(colon) if reference.rfind('/').is_none_or(|slash| colon > slash) => {
            &reference[..colon]
        }
        _ => reference,
    };
    let valid = !repository.is_empty()
        && repository
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '.' | '-' | '_' | ':'));
    PackageName {
        name: valid.then(|| repository.to_ascii_lowercase()),
        version: None,
        digest: digest.filter(|_| valid),
    }
}
