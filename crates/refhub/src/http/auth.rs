//! The bearer token check: every endpoint but `/keys` (which the app calls before it has
//! pinned anything, and which serves only public keys) needs `Authorization: Bearer <token>`
//! with a token from `org.yaml` or `--token`, or one handed out at sign-in.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;

use crate::http::error::ApiError;

pub(crate) fn authorize(
    headers: &HeaderMap,
    tokens: &[String],
    issued: &[String],
) -> Result<(), ApiError> {
    let value = headers.get(AUTHORIZATION).ok_or_else(|| {
        ApiError::unauthorized("the request has no `Authorization: Bearer` token")
    })?;
    let token = value
        .to_str()
        .ok()
        .and_then(|text| text.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .ok_or_else(|| {
            ApiError::unauthorized("the `Authorization` header is not `Bearer <token>`")
        })?;
    if tokens
        .iter()
        .chain(issued)
        .any(|known| same(known.as_bytes(), token.as_bytes()))
    {
        Ok(())
    } else {
        Err(ApiError::unauthorized(
            "the token is missing, expired or revoked: sign in again",
        ))
    }
}

/// Compares without stopping at the first difference, so timing does not tell how much of
/// a guessed token was right.
pub(crate) fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn check(header: Option<&str>) -> bool {
        let mut headers = HeaderMap::new();
        if let Some(header) = header {
            headers.insert(AUTHORIZATION, HeaderValue::from_str(header).unwrap());
        }
        authorize(&headers, &["s3cret".to_owned()], &["issued".to_owned()]).is_ok()
    }

    #[test]
    fn only_a_known_bearer_token_passes() {
        assert!(check(Some("Bearer s3cret")));
        assert!(
            check(Some("bearer s3cret")),
            "the scheme is case-insensitive"
        );
        assert!(!check(None));
        assert!(!check(Some("Bearer s3cre")));
        assert!(!check(Some("Bearer s3cret2")));
        assert!(!check(Some("Basic s3cret")));
        assert!(!check(Some("s3cret")));
        assert!(!check(Some("Bearer ")));
        assert!(
            check(Some("Bearer issued")),
            "a token handed out at sign-in"
        );
    }
}
