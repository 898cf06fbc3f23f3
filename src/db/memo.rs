//! Answers kept in memory while they are still true: an entry is used only
//! while no write has been committed through this process's [`super::Db`]
//! since it was read (the database's generation), and for `max_age` at most,
//! which bounds how long a change made by another process (the command line)
//! can go unseen.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Values by key, each tagged with the generation it was read at.
pub struct Memo<K, V> {
    entries: Mutex<HashMap<K, Entry<V>>>,
    capacity: usize,
    max_age: Duration,
    /// Turns to compute a value, one per share of the keys (see [`Memo::turn`]).
    turns: Vec<tokio::sync::Mutex<()>>,
}

/// How many turns the keys share.
const TURNS: usize = 16;

struct Entry<V> {
    generation: u64,
    read_at: Instant,
    value: V,
}

impl<K: Eq + Hash, V: Clone> Memo<K, V> {
    /// Keeps at most `capacity` entries, each for `max_age` at most. When
    /// full, entries no longer usable are dropped first, and all of them
    /// only if every one is still fresh.
    pub fn new(capacity: usize, max_age: Duration) -> Self {
        Memo {
            entries: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
            max_age,
            turns: (0..TURNS).map(|_| tokio::sync::Mutex::new(())).collect(),
        }
    }

    /// The value for `key` kept at `generation`, or else `compute`'s, kept
    /// for the next asker when the generation is known. Many asking at once
    /// compute it once: the first computes and keeps it, the others wait
    /// their turn and find it kept (keys share [`TURNS`] turns).
    pub async fn get_or_compute<E>(
        &self,
        key: K,
        generation: Option<u64>,
        compute: impl Future<Output = Result<V, E>>,
    ) -> Result<V, E> {
        if let Some(value) = generation.and_then(|g| self.get(&key, g)) {
            return Ok(value);
        }
        let _turn = self.turn(&key).await;
        if let Some(value) = generation.and_then(|g| self.get(&key, g)) {
            return Ok(value);
        }
        let value = compute.await?;
        if let Some(g) = generation {
            self.put(key, g, value.clone());
        }
        Ok(value)
    }

    /// Waits for the turn to compute `key`'s value: one caller at a time per
    /// share of the keys.
    async fn turn(&self, key: &K) -> tokio::sync::MutexGuard<'_, ()> {
        use std::hash::{BuildHasher, RandomState};
        static SEED: std::sync::LazyLock<RandomState> = std::sync::LazyLock::new(RandomState::new);
        let share = SEED.hash_one(key) % TURNS as u64;
        self.turns[usize::try_from(share).unwrap_or(0)].lock().await
    }

    /// The value for `key` when it was read at `generation` and recently enough.
    pub fn get(&self, key: &K, generation: u64) -> Option<V> {
        let entries = self.entries.lock().ok()?;
        let entry = entries.get(key)?;
        (entry.generation == generation && entry.read_at.elapsed() < self.max_age)
            .then(|| entry.value.clone())
    }

    /// Keeps `value`, read while the database was at `generation`. Take the
    /// generation before the read begins: a write that races the read then
    /// leaves the entry stale rather than wrong. A value read at an older
    /// generation than a fresh one kept (a slow read that lost a race) is
    /// dropped; once the kept one is too old, any value replaces it.
    pub fn put(&self, key: K, generation: u64, value: V) {
        if let Ok(mut entries) = self.entries.lock() {
            let newer_kept = entries
                .get(&key)
                .is_some_and(|e| e.generation > generation && e.read_at.elapsed() < self.max_age);
            if newer_kept {
                return;
            }
            if entries.len() >= self.capacity && !entries.contains_key(&key) {
                // Entries of older generations can never be served again.
                entries.retain(|_, e| {
                    e.generation == generation && e.read_at.elapsed() < self.max_age
                });
                if entries.len() >= self.capacity {
                    entries.clear();
                }
            }
            entries.insert(
                key,
                Entry {
                    generation,
                    read_at: Instant::now(),
                    value,
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_serves_only_its_generation_and_age() {
        let memo = Memo::new(10, Duration::from_secs(60));
        memo.put("a", 3, 7);
        assert_eq!(memo.get(&"a", 3), Some(7));
        assert_eq!(memo.get(&"a", 4), None, "a write since the read");
        assert_eq!(memo.get(&"b", 3), None);
        // Full: stale entries go first, and the same key is replaced in place.
        let full = Memo::new(2, Duration::from_secs(60));
        full.put("old", 1, 1);
        full.put("a", 2, 2);
        full.put("a", 2, 3);
        assert_eq!(full.get(&"a", 2), Some(3), "replacing a key keeps the rest");
        full.put("b", 2, 4);
        assert_eq!((full.get(&"a", 2), full.get(&"b", 2)), (Some(3), Some(4)));
        // A slow read of an older generation does not replace a newer one.
        full.put("b", 1, 5);
        assert_eq!(full.get(&"b", 2), Some(4));
        let young = Memo::new(10, Duration::ZERO);
        young.put("a", 3, 7);
        assert_eq!(young.get(&"a", 3), None, "too old");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn many_asking_at_once_compute_a_value_once() {
        let memo = std::sync::Arc::new(Memo::new(10, Duration::from_secs(60)));
        let computed = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let asks: Vec<_> = (0..16)
            .map(|_| {
                let (memo, computed) = (memo.clone(), computed.clone());
                tokio::spawn(async move {
                    memo.get_or_compute("report", Some(1), async {
                        computed.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(20)).await;
                        Ok::<_, ()>(42)
                    })
                    .await
                    .expect("computed")
                })
            })
            .collect();
        for ask in asks {
            assert_eq!(ask.await.expect("task"), 42);
        }
        assert_eq!(computed.load(std::sync::atomic::Ordering::SeqCst), 1);
    }
}
