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

/// The program names (executables without their folders) of this process's parent, its
/// parent, and so on up to `depth` of them, nearest first: which app started a launch whose
/// entry does not say. Empty where `/proc` is not there.
pub fn ancestor_programs(depth: usize) -> Vec<String> {
    let mut programs = Vec::new();
    let mut pid = std::process::id();
    for _ in 0..depth {
        let Some(parent) = parent_of(pid) else { break };
        if parent <= 1 {
            break;
        }
        let exe = std::fs::read_link(format!("/proc/{parent}/exe")).ok();
        let name = exe
            .as_deref()
            .and_then(std::path::Path::file_name)
            .map(|name| name.to_string_lossy().into_owned());
        // A program that cannot be read (another user's) still has its short name.
        let name = name.or_else(|| {
            std::fs::read_to_string(format!("/proc/{parent}/comm"))
                .ok()
                .map(|comm| comm.trim_end().to_owned())
        });
        if let Some(name) = name {
            programs.push(name);
        }
        pid = parent;
    }
    programs
}

/// The parent of `pid`, from `/proc/<pid>/stat` (the field after the parenthesised name,
/// which may itself hold spaces and parentheses).
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parent_in_stat(&stat)
}

fn parent_in_stat(stat: &str) -> Option<u32> {
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
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
    fn the_parent_is_read_past_a_name_with_spaces_and_parentheses() {
        assert_eq!(
            parent_in_stat("4242 (Claude (Helper) x) S 17 4242 ..."),
            Some(17)
        );
        assert_eq!(parent_in_stat("garbage"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_test_process_has_ancestors() {
        assert!(!ancestor_programs(4).is_empty());
    }

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
