//! What the OS says about this computer, for audit events and the device inventory: its
//! host name, and the OS by name and release.

/// The host name (`gethostname`), `None` when the OS gives none. (On Windows the shell's
/// environment has it as `COMPUTERNAME`, which [`gatehouse_core::context::Environment`]
/// reads.)
pub fn name() -> Option<String> {
    #[cfg(unix)]
    {
        nix::unistd::gethostname()
            .ok()
            .and_then(|name| name.into_string().ok())
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// The OS by name and release: `/etc/os-release`'s `PRETTY_NAME` on Linux ("Debian
/// GNU/Linux 12 (bookworm)"), else the OS family.
pub fn os_name() -> Option<String> {
    let pretty = std::fs::read_to_string("/etc/os-release")
        .ok()
        .and_then(|text| pretty_name(&text));
    Some(pretty.unwrap_or_else(|| std::env::consts::OS.to_owned()))
}

fn pretty_name(os_release: &str) -> Option<String> {
    os_release.lines().find_map(|line| {
        let value = line.strip_prefix("PRETTY_NAME=")?;
        let value = value.trim().trim_matches('"').trim_matches('\'');
        (!value.is_empty()).then(|| value.to_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pretty_name_is_read_unquoted() {
        let text = "NAME=\"Debian GNU/Linux\"\nPRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\n";
        assert_eq!(
            pretty_name(text).as_deref(),
            Some("Debian GNU/Linux 12 (bookworm)")
        );
        assert_eq!(pretty_name("ID=x\n"), None);
    }
}
