//! Exit codes of the command line contract (`shared/CLI.md`, `POLICY.md` section 5).

/// An exit status the contract names. The launcher may also exit with the server's own code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Success (or: the decision allows).
    Ok,
    /// A failure that is not a policy decision (I/O, a failed test case, an unknown id to remove).
    Failure,
    /// A usage error: bad flags, bad input files, an override without `--force`.
    Usage,
    /// No usable policy: the policy fails validation, or no valid snapshot is stored.
    NoPolicy,
    /// Blocked by policy, or a confirmation was declined or impossible.
    Blocked,
    /// A setting fixed by managed settings.
    Locked,
    /// A code that was passed through, such as the server's own exit code.
    Code(u8),
}

impl Exit {
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Failure => 1,
            Exit::Usage => 2,
            Exit::NoPolicy => 3,
            Exit::Blocked => 4,
            Exit::Locked => 5,
            Exit::Code(code) => code,
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(exit: Exit) -> Self {
        std::process::ExitCode::from(exit.code())
    }
}
