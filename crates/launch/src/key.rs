//! The key tool pins are kept under.

use sha2::{Digest, Sha256};

use crate::spawn::LaunchSpec;

/// `<server>@<version>#<digest>`: the same server and version started another way (other
/// program, arguments or working directory) may list other tools — `mcp-server-time` puts
/// its time-zone argument into a tool's schema — so each launch config has its own pins.
/// The environment is left out: its values may be secrets (and the key is stored), and
/// which variables happen to be present differs between a terminal and an app starting
/// the same server, which must not make it pin anew.
pub fn launch_key(server: &str, version: Option<&str>, spec: &LaunchSpec) -> String {
    key(server, version, spec, false)
}

/// The key earlier versions kept pins under: the same, with the names of the variables
/// present. Pins found under it are carried over to [`launch_key`] once.
pub fn legacy_launch_key(server: &str, version: Option<&str>, spec: &LaunchSpec) -> String {
    key(server, version, spec, true)
}

fn key(server: &str, version: Option<&str>, spec: &LaunchSpec, env_names: bool) -> String {
    let mut hasher = Sha256::new();
    // Length-prefixed fields, so that moving bytes between fields changes the digest.
    let mut field = |bytes: &[u8]| {
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    field(spec.program.as_encoded_bytes());
    field(&(spec.args.len() as u64).to_le_bytes());
    for arg in &spec.args {
        field(arg.as_encoded_bytes());
    }
    field(
        spec.cwd
            .as_ref()
            .map_or(&b""[..], |dir| dir.as_os_str().as_encoded_bytes()),
    );
    if env_names {
        for name in spec.env.keys() {
            field(name.as_encoded_bytes());
        }
    }
    let digest = hex::encode(&hasher.finalize()[..16]);
    format!("{server}@{}#{digest}", version.unwrap_or("unknown"))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::ffi::OsString;

    use super::*;

    fn spec(args: &[&str], env: &[(&str, &str)]) -> LaunchSpec {
        let mut spec = LaunchSpec::new("uvx", args.iter().map(OsString::from).collect());
        spec.env = env
            .iter()
            .map(|(k, v)| (OsString::from(k), OsString::from(v)))
            .collect::<BTreeMap<_, _>>();
        spec
    }

    #[test]
    fn the_launch_config_but_not_secret_values_shapes_the_key() {
        let base = launch_key(
            "time",
            Some("1.0"),
            &spec(&["mcp-server-time"], &[("K", "a")]),
        );
        assert!(base.starts_with("time@1.0#"), "{base}");
        let other_args = launch_key(
            "time",
            Some("1.0"),
            &spec(&["mcp-server-time", "--local-timezone=UTC"], &[("K", "a")]),
        );
        assert_ne!(base, other_args, "arguments can change the tools");
        let other_value = launch_key(
            "time",
            Some("1.0"),
            &spec(&["mcp-server-time"], &[("K", "b")]),
        );
        assert_eq!(
            base, other_value,
            "a secret's value must not be part of a stored key"
        );
        let other_names = launch_key("time", Some("1.0"), &spec(&["mcp-server-time"], &[]));
        assert_eq!(
            base, other_names,
            "the variables present differ between a terminal and an app"
        );
        assert_ne!(
            legacy_launch_key(
                "time",
                Some("1.0"),
                &spec(&["mcp-server-time"], &[("K", "a")])
            ),
            base,
            "the older key held the names"
        );
        let joined = launch_key("time", Some("1.0"), &spec(&["mcp-server-timeK"], &[]));
        assert_ne!(base, joined);
        assert!(launch_key("time", None, &spec(&[], &[])).starts_with("time@unknown#"));
    }
}
