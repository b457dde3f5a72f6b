//! Which env values of an entry are secrets, to be moved out of the file into the keyring.
//!
//! A heuristic that errs towards "secret": moving a harmless value to the keyring costs
//! nothing, leaving a token in a plain file is the harm this avoids.

/// Parts of a variable name that mark its value as a credential.
const SECRET_NAME_PARTS: &[&str] = &[
    "TOKEN",
    "KEY",
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PWD",
    "AUTH",
    "CREDENTIAL",
    "PRIVATE",
    "COOKIE",
    "SESSION",
    "BEARER",
    "PAT",
    "DSN",
];

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
    "xapp-",
    "sk-",
    "sk_live_",
    "rk_live_",
    "AKIA",
    "ASIA",
    "AIza",
    "hf_",
    "npm_",
    "eyJ",
];

/// Whether the env variable `name` with `value` looks like a secret. Empty values and
/// references the app resolves itself (VS Code's `${input:…}` / `${env:…}`) are not secrets:
/// the file does not hold the value.
pub fn looks_secret(name: &str, value: &str) -> bool {
    let value = value.trim();
    if value.is_empty() || (value.starts_with("${") && value.ends_with('}')) {
        return false;
    }
    let upper = name.to_ascii_uppercase();
    let name_says = upper
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|part| SECRET_NAME_PARTS.iter().any(|s| part.contains(s)) && part != "PATH")
        || upper.contains("APIKEY");
    let value_says = TOKEN_PREFIXES
        .iter()
        .any(|prefix| value.starts_with(prefix) && value.len() >= prefix.len() + 12);
    name_says || value_says
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
    fn plain_settings_and_app_resolved_references_stay_in_the_file() {
        assert!(!looks_secret("LOG_LEVEL", "debug"));
        assert!(!looks_secret("ALLOWED_PATH", "/home/ana"));
        assert!(!looks_secret("GITHUB_TOKEN", "${input:github_token}"));
        assert!(!looks_secret("API_KEY", ""));
        assert!(!looks_secret("MODE", "sk-short"));
    }
}
