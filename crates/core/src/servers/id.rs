//! What a server id may be: the key of an entry in a client app's config or a catalog name,
//! never something a command line or a config file could read two ways.

use crate::error::{Error, Result};

/// Refuses ids that would be ambiguous on a command line or in a config file.
pub fn validate_id(id: &str) -> Result<()> {
    let invalid = |reason| {
        Err(Error::InvalidId {
            id: id.to_owned(),
            reason,
        })
    };
    if id.is_empty() {
        return invalid("it is empty");
    }
    if id.len() > 200 {
        return invalid("it is longer than 200 characters");
    }
    if id.starts_with('-') {
        return invalid("it starts with `-`, which reads as a flag");
    }
    if !id
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '@' | '/' | '.' | '_' | '-' | ':'))
    {
        return invalid("only letters, digits and `@ / . _ - :` may be used");
    }
    // An id names files (its log, its folder of installed code): no part of it may climb
    // out of or stand for a folder.
    if id.starts_with('/')
        || id
            .split('/')
            .any(|part| part.is_empty() || part == "." || part == "..")
    {
        return invalid("it has an empty, `.` or `..` part between slashes");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_that_read_as_flags_or_hold_spaces_are_refused() {
        assert!(validate_id("filesystem").is_ok());
        assert!(validate_id("@acme/tool").is_ok());
        assert!(validate_id("").is_err());
        assert!(
            validate_id("--trust").is_err(),
            "would be read as a flag by `gatehouse run`"
        );
        assert!(validate_id("my server").is_err());
        assert!(validate_id(&"x".repeat(201)).is_err());
        for climbing in ["../../etc", "a/../b", "/abs", "a//b", "a/", "./x", ".."] {
            assert!(validate_id(climbing).is_err(), "{climbing}");
        }
        assert!(validate_id("@acme/tool.v2").is_ok());
    }
}
