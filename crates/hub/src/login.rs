//! The registry's sign-in (HUB_API.md section A, `POST /v1/auth/login`): a user name and
//! password become the access token every later request carries. The password is sent
//! once and never kept; the token comes back as a [`Sensitive`].

use serde::Deserialize;

use crate::client::HubClient;
use crate::error::ClientError;
use crate::sensitive::Sensitive;

#[derive(Deserialize)]
struct LoginAnswer {
    access_token: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

/// A token the registry issued at sign-in.
#[derive(Debug)]
pub struct AccessToken {
    pub token: Sensitive<String>,
    /// Seconds until it expires, when the registry said.
    pub expires_in: Option<u64>,
}

impl HubClient {
    /// Signs in as `username`. A 401 means the name or password is wrong.
    pub async fn login(
        &self,
        username: &str,
        password: &Sensitive<String>,
    ) -> Result<AccessToken, ClientError> {
        let body = serde_json::json!({ "username": username, "password": password.expose() });
        let request = self
            .http()
            .post(self.url_of(["v1", "auth", "login"]))
            .json(&body);
        let response = self.send(request).await?;
        let body = self.read_ok_bounded(response, 64 * 1024).await?;
        let answer: LoginAnswer = serde_json::from_slice(&body)
            .map_err(|e| ClientError::Malformed(format!("the sign-in answer: {e}")))?;
        if answer.access_token.trim().is_empty() {
            return Err(ClientError::Malformed(
                "the sign-in answer holds an empty token".to_owned(),
            ));
        }
        Ok(AccessToken {
            token: Sensitive::new(answer.access_token),
            expires_in: answer.expires_in,
        })
    }
}
