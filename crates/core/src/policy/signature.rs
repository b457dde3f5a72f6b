//! The signature check of a stored hub snapshot, run on a thread of its own so that the
//! launch path's reads of the same bytes need not wait for it (only its decision does).

use std::sync::Arc;
use std::thread::JoinHandle;

use gatehouse_hub::TrustedKeys;

use crate::error::{Error, NoPolicy, Result};

/// The signature check of a stored snapshot, which may run beside the reads that follow it.
///
/// It hashes the whole payload, the largest part of a launch's work with a 10,000-entry
/// policy, and the reads after it (the server's slice, the tree check, the evaluation) do
/// not depend on its outcome; only acting on them does. So the launch path starts it on a
/// thread of its own and calls [`SignatureCheck::finish`] before it decides anything; its
/// error wins over any error the unverified bytes gave meanwhile.
#[must_use = "nothing read from the snapshot may be acted on before the check finished"]
#[derive(Debug)]
pub struct SignatureCheck(Option<CheckRun>);

#[derive(Debug)]
enum CheckRun {
    Running(JoinHandle<std::result::Result<(), gatehouse_hub::Error>>),
    /// No thread could be started; checked inline instead.
    Done(std::result::Result<(), gatehouse_hub::Error>),
}

impl SignatureCheck {
    /// Nothing to check: no hub snapshot was loaded.
    pub fn none() -> SignatureCheck {
        SignatureCheck(None)
    }

    pub(super) fn start(
        payload: Arc<Vec<u8>>,
        signature: Vec<u8>,
        key_id: String,
        keys: TrustedKeys,
    ) -> SignatureCheck {
        let inputs = (
            Arc::clone(&payload),
            signature.clone(),
            key_id.clone(),
            keys.clone(),
        );
        let spawned = std::thread::Builder::new()
            .name("signature-check".into())
            .spawn(move || {
                let (payload, signature, key_id, keys) = inputs;
                gatehouse_hub::verify_signature(&payload, &signature, &key_id, &keys)
            });
        match spawned {
            Ok(handle) => SignatureCheck(Some(CheckRun::Running(handle))),
            // No thread to be had: check here and now.
            Err(_) => SignatureCheck(Some(CheckRun::Done(gatehouse_hub::verify_signature(
                &payload, &signature, &key_id, &keys,
            )))),
        }
    }

    /// Waits for the check: `Ok` when the snapshot verified with a pinned key (or there
    /// was none to check).
    pub fn finish(self) -> Result<()> {
        let result = match self.0 {
            None => return Ok(()),
            Some(CheckRun::Done(result)) => result,
            Some(CheckRun::Running(handle)) => match handle.join() {
                Ok(result) => result,
                // The check itself panicked: carry the panic on, never treat it as passed.
                Err(panic) => std::panic::resume_unwind(panic),
            },
        };
        result.map_err(|error| Error::NoSnapshot(NoPolicy::FailedCheck(Box::new(error))))
    }
}

#[cfg(test)]
mod tests {
    use ed25519_dalek::{Signer, SigningKey};
    use gatehouse_hub::PinnedKey;

    use super::*;

    fn pinned(key: &SigningKey) -> TrustedKeys {
        TrustedKeys(vec![PinnedKey {
            key_id: Some("k1".into()),
            key: key.verifying_key(),
        }])
    }

    #[test]
    fn the_check_on_its_own_thread_passes_the_signed_bytes_and_nothing_else() {
        let key = SigningKey::from_bytes(&[3; 32]);
        let payload = Arc::new(b"{\"org\":\"acme\"}".to_vec());
        let signature = key.sign(&payload).to_bytes().to_vec();
        let check = SignatureCheck::start(
            Arc::clone(&payload),
            signature.clone(),
            "k1".into(),
            pinned(&key),
        );
        assert!(check.finish().is_ok());

        let other = SigningKey::from_bytes(&[4; 32]);
        let check = SignatureCheck::start(payload, signature, "k1".into(), pinned(&other));
        assert!(matches!(
            check.finish(),
            Err(Error::NoSnapshot(NoPolicy::FailedCheck(_)))
        ));
        assert!(SignatureCheck::none().finish().is_ok(), "nothing to check");
    }
}
