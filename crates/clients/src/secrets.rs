//! Which values of an entry are secrets: env values to be moved out of the file into the
//! keyring, and anything that leaves the machine (the device inventory) with its secrets
//! replaced by `<redacted>`.
//!
//! A heuristic that errs towards "secret": moving a harmless value to the keyring costs
//! nothing, leaving a token in a plain file is the harm this avoids. But a name is judged by
//! its words, not by substrings: `PYTHONPATH` holds no `PAT`, `SESSION_DRIVER` no
//! credential, and `PWD` is the working directory.

/// Words of a variable name that mark its value as a credential. A word matches whole,
/// or as the end of a longer word (`APIKEY`, `ACCESSTOKEN`, `DBPASSWORD`).
const SECRET_WORDS: &[&str] = &[
    "TOKEN",
    "TOKENS",
    "KEY",
    "KEYS",
    "APIKEY",
    "SECRET",
    "SECRETS",
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PASSPHRASE",
    "AUTH",
    "CREDENTIAL",
    "CREDENTIALS",
    "CREDS",
    "PRIVATE",
    "COOKIE",
    "BEARER",
    "PAT",
    "DSN",
];

/// Word endings that mark a credential inside a longer word.
const SECRET_ENDINGS: &[&str] = &["TOKEN", "APIKEY", "SECRET", "PASSWORD", "PASSWD"];

/// Whole names that contain a secret word but are not secrets.
const NOT_SECRET_NAMES: &[&str] = &["PWD", "OLDPWD", "KEYMAP", "XAUTHORITY", "SSH_AUTH_SOCK"];

/// Prefixes of well-known token formats (GitHub, GitLab, Slack, OpenAI/Anthropic, Stripe,
/// AWS, Google, Hugging Face, npm, JWTs).
const TOKEN_PREFIXES: &[&str] = &[
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xoxs-",
    "xoxr-",
    "xapp-",
    "sk-",
    "sk_live_",
    "sk_test_",
    "rk_live_",
    "AKIA",
    "ASIA",
    "AIza",
    "hf_",
    "npm_",
    "eyJ",
];

/// What [`redact`] writes in place of a secret.
pub const REDACTED: &str = "<redacted>";

/// Whether the env variable `name` with `value` looks like a secret. Empty values and
/// references the app resolves itself (VS Code's `${input:…}` / `${env:…}`) are not secrets:
/// the file does not hold the value.
pub fn looks_secret(name: &str, value: &str) -> bool {
    let value = value.trim();
    if value.is_empty() || is_reference(value) {
        return false;
    }
    name_says_secret(name) || secret_shaped(value)
}

/// Whether a variable called `name` holds a credential, by the words of its name.
pub fn name_says_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    if NOT_SECRET_NAMES.contains(&upper.as_str()) {
        return false;
    }
    upper
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .any(|word| {
            SECRET_WORDS.contains(&word)
                || SECRET_ENDINGS
                    .iter()
                    .any(|ending| word.len() > ending.len() && word.ends_with(ending))
        })
}

/// Whether `value` has the shape of a secret whatever it is called: a well-known token
/// format, a URL with a password in it, a JWT, or a long random-looking string.
pub fn secret_shaped(value: &str) -> bool {
    let value = value.trim();
    if is_reference(value) {
        return false;
    }
    let token = TOKEN_PREFIXES
        .iter()
        .any(|prefix| value.starts_with(prefix) && value.len() >= prefix.len() + 12);
    token || url_password(value).is_some() || is_jwt(value) || high_entropy(value)
}

/// `text` with every secret in it replaced by [`REDACTED`]: the password of a URL, a
/// token-shaped word, and the value of a `NAME=value` or `--name=value` whose name says
/// secret. For commands and URLs that leave the machine.
pub fn redact(text: &str) -> String {
    if text.contains("://") {
        let redacted = redact_url(text);
        if redacted != text {
            return redacted;
        }
    }
    if let Some((name, value)) = text.split_once('=')
        && !value.is_empty()
        && (name_says_secret(name.trim_start_matches('-')) || secret_shaped(value))
    {
        return format!("{name}={REDACTED}");
    }
    if secret_shaped(text) {
        return REDACTED.to_owned();
    }
    text.to_owned()
}

/// `text` holding a URL with its password, and the value of each query parameter whose
/// name says secret or whose value is secret-shaped (`?team=a&api_key=…`), replaced.
fn redact_url(text: &str) -> String {
    let mut out = match url_password(text) {
        Some((start, end)) => format!("{}{REDACTED}{}", &text[..start], &text[end..]),
        None => text.to_owned(),
    };
    let Some(query_start) = out
        .find("://")
        .and_then(|scheme| out[scheme..].find('?').map(|at| scheme + at + 1))
    else {
        return out;
    };
    let query_end = out[query_start..]
        .find(['#', ' '])
        .map_or(out.len(), |at| query_start + at);
    let query = out[query_start..query_end]
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, value))
                if !value.is_empty() && (name_says_secret(name) || secret_shaped(value)) =>
            {
                format!("{name}={REDACTED}")
            }
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&");
    out.replace_range(query_start..query_end, &query);
    out
}

/// Each argument of `args` redacted ([`redact`]), and the value after an option whose name
/// says secret (`--api-key VALUE`, `--token VALUE`).
pub fn redact_args(args: &[String]) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    let mut next_is_secret = false;
    for arg in args {
        if next_is_secret && !arg.starts_with('-') {
            out.push(REDACTED.to_owned());
            next_is_secret = false;
            continue;
        }
        next_is_secret = arg.starts_with('-')
            && !arg.contains('=')
            && name_says_secret(arg.trim_start_matches('-'));
        out.push(redact(arg));
    }
    out
}

fn is_reference(value: &str) -> bool {
    value.starts_with("${") && value.ends_with('}')
}

/// The byte range of the password in a `scheme://user:password@host…` inside `text`.
fn url_password(text: &str) -> Option<(usize, usize)> {
    let scheme_end = text.find("://")? + 3;
    let rest = &text[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let at = rest[..authority_end].rfind('@')?;
    let colon = rest[..at].find(':')?;
    let (start, end) = (scheme_end + colon + 1, scheme_end + at);
    (end > start).then_some((start, end))
}

fn is_jwt(value: &str) -> bool {
    let parts: Vec<&str> = value.split('.').collect();
    parts.len() == 3
        && value.starts_with("eyJ")
        && parts.iter().all(|part| {
            part.len() >= 4
                && part
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'=')
        })
}

/// A long word of token characters that mixes letters and digits and is about as random
/// as a key: 32+ characters, no path or word separators, at least 3.5 bits per character
/// (hex keys of 32+ characters count too). Paths, version strings and sentences are not.
fn high_entropy(value: &str) -> bool {
    if value.len() < 32
        || !value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'=' | b'-' | b'_'))
    {
        return false;
    }
    let digits = value.bytes().any(|b| b.is_ascii_digit());
    let letters = value.bytes().any(|b| b.is_ascii_alphabetic());
    if !(digits && letters) {
        return false;
    }
    if value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return true;
    }
    let mut counts = [0usize; 256];
    for b in value.bytes() {
        counts[usize::from(b)] += 1;
    }
    let len = value.len() as f64;
    let bits: f64 = counts
        .iter()
        .filter(|&&n| n > 0)
        .map(|&n| {
            let p = n as f64 / len;
            -p * p.log2()
        })
        .sum();
    bits >= 3.5
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_names_and_token_shapes_are_secrets() {
        assert!(looks_secret("GITHUB_PERSONAL_ACCESS_TOKEN", "x"));
        assert!(looks_secret("OPENAI_API_KEY", "x"));
        assert!(looks_secret("DB_PASSWORD", "hunter2"));
        assert!(looks_secret("BRAVE_APIKEY", "x"));
        assert!(looks_secret("GITHUB_PAT", "x"));
        assert!(looks_secret("SLACK_ACCESSTOKEN", "x"));
        assert!(looks_secret(
            "GH",
            "ghp_0123456789abcdefghijklmnopqrstuvwxyz"
        ));
        assert!(looks_secret(
            "WHATEVER",
            "sk-ant-api03-abcdefghijklmnopqrstuvwxyz"
        ));
    }

    #[test]
    fn values_shaped_like_secrets_are_secrets_whatever_their_name() {
        assert!(looks_secret(
            "DATABASE_URL",
            "postgres://app:s3cr3t@db.internal:5432/app"
        ));
        assert!(looks_secret("SLACK", "xoxb-1234567890-abcdefghijkl"));
        assert!(looks_secret(
            "X",
            "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
        ));
        assert!(looks_secret("X", "q8Vz3LmR7tYw2KpN9xJc4HbF6sGd1AeU"));
        assert!(looks_secret("X", "4f9a1c7e2b8d6035a1f4e9c2b7d8a6e3"));
    }

    #[test]
    fn false_friends_and_plain_values_stay_in_the_file() {
        assert!(!looks_secret("PYTHONPATH", "/opt/lib"));
        assert!(!looks_secret("SESSION_DRIVER", "file"));
        assert!(!looks_secret("PWD", "/home/ana"));
        assert!(!looks_secret("PATH", "/usr/bin:/bin"));
        assert!(!looks_secret("KEYBOARD_LAYOUT", "de"));
        assert!(!looks_secret("LOG_LEVEL", "debug"));
        assert!(!looks_secret("ALLOWED_PATH", "/home/ana"));
        assert!(!looks_secret("GITHUB_TOKEN", "${input:github_token}"));
        assert!(!looks_secret("API_KEY", ""));
        assert!(!looks_secret("MODE", "sk-short"));
        assert!(!looks_secret(
            "DATABASE_URL",
            "postgres://db.internal:5432/app"
        ));
        assert!(!looks_secret(
            "ROOT",
            "/home/ana/projects/a-rather-long-folder-name-2026"
        ));
        assert!(!looks_secret(
            "PKG",
            "@modelcontextprotocol/server-everything"
        ));
    }

    #[test]
    fn redaction_keeps_the_shape_and_drops_the_secret() {
        assert_eq!(
            redact("postgres://app:s3cr3t@db:5432/app"),
            "postgres://app:<redacted>@db:5432/app"
        );
        assert_eq!(
            redact("--token=ghp_0123456789abcdefghijklmnop"),
            "--token=<redacted>"
        );
        assert_eq!(redact("API_KEY=abc"), "API_KEY=<redacted>");
        assert_eq!(
            redact("https://mcp.example.com/sse?team=a&api_key=s3cret#top"),
            "https://mcp.example.com/sse?team=a&api_key=<redacted>#top",
            "every query parameter is judged, not only the first"
        );
        assert_eq!(
            redact("https://u:pw@mcp.example.com/sse?token=abc"),
            "https://u:<redacted>@mcp.example.com/sse?token=<redacted>"
        );
        assert_eq!(redact("--token=https://x.example"), "--token=<redacted>");
        assert_eq!(redact("stdio"), "stdio");
        let args: Vec<String> = [
            "--api-key",
            "abc123",
            "--port",
            "8080",
            "sk-abcdefghijklmnopqrstu",
        ]
        .map(str::to_owned)
        .to_vec();
        assert_eq!(
            redact_args(&args),
            ["--api-key", "<redacted>", "--port", "8080", "<redacted>"]
        );
    }
}
