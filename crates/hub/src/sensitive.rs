//! A secret value (the hub token) that cannot leak by accident: its `Debug` prints
//! `<redacted>`, it has no `Display`, and it does not implement `Serialize`, so it cannot
//! end up in a log line, an error message, JSON output or the audit log.

use std::fmt;

/// Holds a secret; read it only where it is used, with [`Sensitive::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct Sensitive<T>(T);

impl<T> Sensitive<T> {
    pub fn new(value: T) -> Sensitive<T> {
        Sensitive(value)
    }

    /// The secret itself. Call it only to hand the value to its one consumer (an HTTP
    /// header, the keyring), never to format it.
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Sensitive<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl<T> From<T> for Sensitive<T> {
    fn from(value: T) -> Self {
        Sensitive(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let token = Sensitive::new("s3cret-token".to_owned());
        assert_eq!(format!("{token:?}"), "<redacted>");
        assert_eq!(format!("{:?}", Some(token.clone())), "Some(<redacted>)");
        assert_eq!(token.expose(), "s3cret-token");
    }
}
