//! Password hashing with argon2id (the crate's defaults: 19 MiB, t=2, p=1, the
//! OWASP recommendation). Hashing is slow on purpose, so it runs on a few
//! threads of its own ([`Hasher`]): a flood of sign-ins queues up instead of
//! taking every thread the other requests need. Each thread hashes in memory
//! it keeps, so a flood does not grow the server either.

use std::cell::RefCell;
use std::sync::{Arc, LazyLock, Mutex};

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};

thread_local! {
    /// This thread's argon2 memory (19 MiB), made once and used for every
    /// hash. Made and freed for each hash instead, the allocator kept ever
    /// more of it: 172 MB resident after 20 s of wrong passwords on one
    /// hashing thread, 69 MB with the memory kept.
    static BLOCKS: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Runs `argon` over `password` and `salt` into `out`, in this thread's
/// kept memory.
fn hash_into(
    argon: &Argon2<'_>,
    params: &Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> argon2::Result<()> {
    BLOCKS.with(|kept| {
        let mut blocks = kept.borrow_mut();
        let needed = params.block_count();
        if blocks.len() < needed {
            blocks.resize(needed, Block::default());
        }
        argon.hash_password_into_with_memory(password, salt, out, &mut blocks[..needed])
    })
}

/// Hashes a password synchronously (CLI and demo data use this directly).
pub fn hash_blocking(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
    let params = Params::default();
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut salt_bytes = [0u8; 64];
    let raw_salt = salt.as_salt().decode_b64(&mut salt_bytes)?;
    let hash = Output::init_with(
        params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN),
        |out| {
            Ok(hash_into(
                &argon,
                &params,
                password.as_bytes(),
                raw_salt,
                out,
            )?)
        },
    )?;
    Ok(PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params)?,
        salt: Some(salt.as_salt()),
        hash: Some(hash),
    }
    .to_string())
}

/// Verifies synchronously, comparing in constant time; a malformed stored
/// hash never verifies.
pub fn verify_blocking(password: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Ok(algorithm), Ok(params), Some(salt), Some(expected)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
        parsed.salt,
        parsed.hash,
    ) else {
        return false;
    };
    let Ok(version) = parsed
        .version
        .map_or(Ok(Version::default()), Version::try_from)
    else {
        return false;
    };
    let argon = Argon2::new(algorithm, version, params.clone());
    let mut salt_bytes = [0u8; 64];
    let Ok(raw_salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let mut out = vec![0u8; expected.len()];
    hash_into(&argon, &params, password.as_bytes(), raw_salt, &mut out).is_ok()
        && Output::new(&out).is_ok_and(|computed| computed == expected)
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
        // Hashes made by the crate's own hasher (every stored hash so far)
        // verify, and other parameters are read from the hash.
        use argon2::password_hash::PasswordHasher;
        let salt = SaltString::generate(&mut argon2::password_hash::rand_core::OsRng);
        let theirs = Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8192, 3, 1, None).expect("params"),
        )
        .hash_password(b"korvgubbe", &salt)
        .expect("hash")
        .to_string();
        assert!(verify_blocking("korvgubbe", &theirs), "{theirs}");
        assert!(!verify_blocking("korvgubbf", &theirs));
        let default = Argon2::default()
            .hash_password(b"korvgubbe", &salt)
            .expect("hash")
            .to_string();
        assert!(verify_blocking("korvgubbe", &default));
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
