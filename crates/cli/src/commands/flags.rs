//! Turns the `--trust` / `--force` flags into a policy request.

use gatehouse_policy::{Origin, Request};

use crate::cli::DecisionFlags;

/// The request the flags ask for. Contradictions (an override without `--force`, `--force`
/// without an override, an unknown origin) are usage errors: exit 2, with this message.
pub fn request(flags: &DecisionFlags) -> Result<Request, String> {
    let mut origins = Vec::new();
    for text in &flags.allow_origins {
        let origin = match text.to_ascii_lowercase().as_str() {
            "official" => Origin::Official,
            "verified" => Origin::Verified,
            "community" => Origin::Community,
            _ => {
                return Err(format!(
                    "`{text}` is not an origin: use official, verified or community"
                ));
            }
        };
        origins.push(origin);
    }
    let request = Request {
        trust: flags.trust,
        force: flags.force,
        override_min_cert_level: flags.min_cert_level,
        override_allow_origins: origins,
        now: None,
    };
    request.validate().map_err(|error| error.to_string())?;
    Ok(request)
}
