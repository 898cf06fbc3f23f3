//! Password hashing with argon2id (the crate's defaults: 19 MiB, t=2, p=1, the
//! OWASP recommendation). Hashing is slow on purpose, so it runs on the blocking
//! pool behind a semaphore: a flood of sign-ins queues up instead of taking every
//! thread the other requests need.

use std::sync::{Arc, LazyLock};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use tokio::sync::Semaphore;

/// Hashes a password synchronously (CLI and demo data use this directly).
pub fn hash_blocking(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Verifies synchronously; a malformed stored hash never verifies.
pub fn verify_blocking(password: &str, stored: &str) -> bool {
    match PasswordHash::new(stored) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// A hash of a random password, verified against when the e-mail is unknown so
/// that a wrong e-mail takes as long as a wrong password.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    hash_blocking("no account has this password, it only costs time").unwrap_or_default()
});

/// The bounded hashing service held in the app state.
#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
}

impl Hasher {
    /// At most `concurrent` hashes at once.
    pub fn new(concurrent: usize) -> Self {
        Hasher {
            permits: Arc::new(Semaphore::new(concurrent.max(1))),
        }
    }

    /// Hashes a new password.
    pub async fn hash(&self, password: String) -> Result<String, String> {
        let _permit = self.permits.acquire().await.map_err(|e| e.to_string())?;
        tokio::task::spawn_blocking(move || hash_blocking(&password).map_err(|e| e.to_string()))
            .await
            .map_err(|e| e.to_string())?
    }

    /// Verifies `password` against `stored`, or against a dummy hash when there is
    /// no account, so that both take the same time.
    pub async fn verify(&self, password: String, stored: Option<String>) -> bool {
        let Ok(_permit) = self.permits.acquire().await else {
            return false;
        };
        tokio::task::spawn_blocking(move || match stored {
            Some(hash) => verify_blocking(&password, &hash),
            None => {
                verify_blocking(&password, &DUMMY_HASH);
                false
            }
        })
        .await
        .unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_is_argon2id_with_owasp_parameters() {
        let hash = hash_blocking("korvgubbe-Tändsticka-hylla-97").expect("hash");
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert!(verify_blocking("korvgubbe-Tändsticka-hylla-97", &hash));
        assert!(!verify_blocking("korvgubbe-Tändsticka-hylla-98", &hash));
        assert!(!verify_blocking("x", "not a hash"));
    }
}
