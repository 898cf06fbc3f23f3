//! What every handler shares: the database, the clock, the settings, the
//! installation secret and the request metrics, plus the services a domain
//! keeps for itself (a cache, a bounded pool), which live in [`Services`] so
//! that this module names no domain.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::clock::Clock;
use crate::config::Config;
use crate::db::{Db, DbError};
use crate::web;

/// Everything handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The database.
    pub db: Db,
    /// The time source.
    pub clock: Arc<dyn Clock>,
    /// Settings.
    pub config: Arc<Config>,
    /// Installation secret that signs CSRF tokens.
    pub secret: Arc<Vec<u8>>,
    /// Request metrics.
    pub metrics: Arc<web::metrics::Metrics>,
    /// The domains' own services, one of each type.
    pub services: Arc<Services>,
}

impl AppState {
    /// Builds the state, creating the installation secret on first start.
    pub fn new(db: Db, clock: Arc<dyn Clock>, config: Config) -> Result<AppState, DbError> {
        let secret = load_secret(&db)?;
        Ok(AppState {
            db,
            clock,
            config: Arc::new(config),
            secret: Arc::new(secret),
            metrics: Arc::new(web::metrics::Metrics::default()),
            services: Arc::new(Services::default()),
        })
    }

    /// The service of type `T`, made by `init` the first time it is asked for.
    pub fn service<T: Any + Send + Sync>(&self, init: impl FnOnce() -> T) -> Arc<T> {
        self.services.get_or_init(init)
    }
}

/// One value of each type, made when first asked for: a domain's caches and
/// pools belong to one `AppState` (tests run many side by side), yet this
/// module need not know their types.
#[derive(Default)]
pub struct Services(RwLock<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>);

impl Services {
    /// The value of type `T`, when one has been made or set.
    pub fn get<T: Any + Send + Sync>(&self) -> Option<Arc<T>> {
        let map = self.0.read().unwrap_or_else(|e| e.into_inner());
        map.get(&TypeId::of::<T>())
            .and_then(|v| v.clone().downcast::<T>().ok())
    }

    /// The value of type `T`, made by `init` when there is none yet.
    pub fn get_or_init<T: Any + Send + Sync>(&self, init: impl FnOnce() -> T) -> Arc<T> {
        if let Some(v) = self.get::<T>() {
            return v;
        }
        let mut map = self.0.write().unwrap_or_else(|e| e.into_inner());
        let entry = map
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Arc::new(init()));
        match entry.clone().downcast::<T>() {
            Ok(v) => v,
            // The entry was made for this very type id.
            Err(_) => unreachable!("a service stored under another type"),
        }
    }

    /// Sets the value of type `T`, replacing any before it.
    pub fn insert<T: Any + Send + Sync>(&self, value: T) {
        let mut map = self.0.write().unwrap_or_else(|e| e.into_inner());
        map.insert(TypeId::of::<T>(), Arc::new(value));
    }
}

/// The installation secret, made on first start and kept in `setting`.
fn load_secret(db: &Db) -> Result<Vec<u8>, DbError> {
    if db.read_only() {
        // A replica has the primary's secret (its CSRF tokens then match
        // the primary's for the same browser) and makes none.
        let conn = rusqlite::Connection::open_with_flags(
            db.path(),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )?;
        let encoded = crate::db::settings::get(&conn, "secret")?
            .ok_or_else(|| DbError::Task("the replica has no installation secret".into()))?;
        return Ok(decode_secret(encoded));
    }
    let conn = crate::db::open_connection(db.path(), &crate::db::DbOptions::default())?;
    installation_secret(&conn)
}

fn decode_secret(encoded: String) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(encoded.as_bytes())
        .unwrap_or_else(|_| encoded.into_bytes())
}

/// The installation's secret on `conn` (made when there is none): it signs
/// CSRF tokens and keys the quality indicator's patient hashes.
pub fn installation_secret(conn: &rusqlite::Connection) -> Result<Vec<u8>, DbError> {
    let encoded = crate::db::settings::get_or_insert(conn, "secret", &web::token::random())?;
    Ok(decode_secret(encoded))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_is_made_once_and_shared() {
        let services = Services::default();
        assert!(services.get::<String>().is_none());
        let a = services.get_or_init(|| String::from("first"));
        let b = services.get_or_init(|| String::from("second"));
        assert_eq!((a.as_str(), b.as_str()), ("first", "first"));
        services.insert(7_u32);
        assert_eq!(services.get::<u32>().as_deref(), Some(&7));
    }
}
