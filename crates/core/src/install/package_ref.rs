//! What `gatehouse install` was asked for: `@org/name[@ref]` (or `org/name`, or just `name`
//! for the configured organization), as the registry's paths need it.

use crate::error::{Error, Result};

/// A package reference, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageRef {
    pub org: String,
    pub name: String,
    /// A semver, `latest`, or `sha256:<hex>`.
    pub reference: String,
}

impl PackageRef {
    /// Parses `text`; `default_org` serves a bare `name`.
    pub fn parse(text: &str, default_org: Option<&str>) -> Result<PackageRef> {
        let usage = |why: &str| Err(Error::Usage(format!("`{text}` is not a package: {why}")));
        let body = text.strip_prefix('@').unwrap_or(text);
        let (path, reference) = match body.split_once('@') {
            Some((path, reference)) => (path, reference),
            None => (body, "latest"),
        };
        let (org, name) = match path.split_once('/') {
            Some((org, name)) => (org, name),
            None => match default_org {
                Some(org) => (org, path),
                None => {
                    return usage(
                        "name it as `@org/name`, or set `gatehouse config set organization <org>`",
                    );
                }
            },
        };
        if !is_segment(org) || !is_segment(name) {
            return usage("the organization and name may hold only letters, digits and `. _ -`");
        }
        if !is_reference(reference) {
            return usage(
                "the version must be a version number, `latest` or `sha256:<64 hex digits>`",
            );
        }
        Ok(PackageRef {
            org: org.to_owned(),
            name: name.to_owned(),
            reference: reference.to_owned(),
        })
    }

    /// The catalog name and server id: `@org/name`.
    pub fn id(&self) -> String {
        format!("@{}/{}", self.org, self.name)
    }
}

fn is_segment(text: &str) -> bool {
    !text.is_empty()
        && !text.starts_with('.')
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
}

fn is_reference(text: &str) -> bool {
    if let Some(hex) = text.strip_prefix("sha256:") {
        return hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit());
    }
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '+' | '-' | '_'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<PackageRef> {
        PackageRef::parse(text, Some("acme-corp"))
    }

    #[test]
    fn scoped_names_split_into_org_name_and_ref() {
        let parsed = parse("@acme-corp/db@1.2.0").unwrap();
        assert_eq!(
            (
                parsed.org.as_str(),
                parsed.name.as_str(),
                parsed.reference.as_str()
            ),
            ("acme-corp", "db", "1.2.0")
        );
        assert_eq!(parsed.id(), "@acme-corp/db");
        assert_eq!(parse("other/db").unwrap().org, "other");
        assert_eq!(
            parse("db").unwrap().reference,
            "latest",
            "no ref means latest"
        );
        let digest = format!("sha256:{}", "a".repeat(64));
        assert_eq!(parse(&format!("@o/n@{digest}")).unwrap().reference, digest);
    }

    #[test]
    fn names_that_could_change_the_path_or_query_are_refused() {
        for bad in [
            "@acme/../x",
            "@acme/db@1.0?x=1",
            "@acme/db@",
            "@/db",
            "@acme/db/extra",
            "@acme/db@sha256:abc",
            "@acme/d b",
        ] {
            assert!(parse(bad).is_err(), "`{bad}` must be refused");
        }
        assert!(
            PackageRef::parse("db", None).is_err(),
            "a bare name needs a configured organization"
        );
    }
}
