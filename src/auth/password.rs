//! Password hashing with argon2id (the crate's defaults: 19 MiB, t=2, p=1, the
//! OWASP recommendation). Hashing is slow on purpose, so it runs on the blocking
//! pool behind a semaphore: a flood of sign-ins queues up instead of taking every
//! thread the other requests need.

use std::sync::{Arc, LazyLock, Mutex};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

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
/// Runs password hashing on a few threads of its own, at most `concurrent`
/// hashes at once, so that a storm of sign-in attempts takes those threads and
/// leaves the rest of the machine to everyone else. Dedicated threads also keep
/// memory flat: each argon2 run takes 19 MiB, and spread over the blocking
/// pool's many threads the allocator kept one such block per thread (1 GB
/// resident after 100 concurrent wrong passwords).
#[derive(Clone)]
pub struct Hasher {
    jobs: Option<std::sync::mpsc::Sender<Job>>,
}

type Job = Box<dyn FnOnce() + Send>;

impl Hasher {
    /// The application's hasher, started on first use with the configured
    /// number of workers.
    pub fn of(state: &crate::AppState) -> std::sync::Arc<Hasher> {
        state.service(|| Hasher::new(state.config.hash_concurrency))
    }

    /// At most `concurrent` hashes at once.
    pub fn new(concurrent: usize) -> Self {
        let (jobs, queue) = std::sync::mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        let mut started = 0;
        for n in 0..concurrent.max(1) {
            let queue = queue.clone();
            let worker = std::thread::Builder::new()
                .name(format!("password-hash-{n}"))
                .spawn(move || {
                    // Pages and the API go first when the cores are busy:
                    // 25 of 99 is a niceness of about 9 on Linux, a tenth of
                    // a normal thread's share, so sign-ins slow down under a
                    // storm but are never starved.
                    let lower = thread_priority::ThreadPriorityValue::try_from(25u8)
                        .map(thread_priority::ThreadPriority::Crossplatform)
                        .map_err(|e| format!("{e:?}"))
                        .and_then(|p| {
                            thread_priority::set_current_thread_priority(p)
                                .map_err(|e| format!("{e:?}"))
                        });
                    if let Err(e) = lower {
                        tracing::warn!(error = %e, "could not lower the hashing thread's priority");
                    }
                    loop {
                        // The lock is held only while waiting for the next job.
                        let job = match queue.lock() {
                            Ok(q) => q.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return,
                        }
                    }
                });
            match worker {
                Ok(_) => started += 1,
                Err(e) => tracing::error!(error = %e, "could not start a password hashing thread"),
            }
        }
        Hasher {
            jobs: (started > 0).then_some(jobs),
        }
    }

    /// Runs `f` on a hashing thread (or, if none could be started, on the
    /// blocking pool).
    async fn run<T: Send + 'static>(&self, f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
        match &self.jobs {
            Some(jobs) => {
                let (done, result) = tokio::sync::oneshot::channel();
                jobs.send(Box::new(move || {
                    let _ = done.send(f());
                }))
                .ok()?;
                result.await.ok()
            }
            None => tokio::task::spawn_blocking(f).await.ok(),
        }
    }

    /// Hashes a new password.
    pub async fn hash(&self, password: String) -> Result<String, String> {
        self.run(move || hash_blocking(&password).map_err(|e| e.to_string()))
            .await
            .unwrap_or_else(|| Err("the password hashing thread stopped".into()))
    }

    /// Verifies `password` against `stored`, or against a dummy hash when there is
    /// no account, so that both take the same time.
    pub async fn verify(&self, password: String, stored: Option<String>) -> bool {
        self.run(move || match stored {
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

    #[tokio::test]
    async fn the_hashing_threads_hash_and_verify() {
        let hasher = Hasher::new(1);
        let hash = hasher
            .hash("korvgubbe-Tändsticka-hylla-97".into())
            .await
            .expect("hash");
        let (right, wrong, nobody) = tokio::join!(
            hasher.verify("korvgubbe-Tändsticka-hylla-97".into(), Some(hash.clone())),
            hasher.verify("fel".into(), Some(hash)),
            hasher.verify("fel".into(), None),
        );
        assert!(right && !wrong && !nobody);
    }
}
