//! The audit log: who changed what, when, from where, before and after.

pub mod model;
pub mod pages;
pub mod store;

use axum::Router;
use axum::routing::get;

use crate::AppState;
use crate::auth::Ctx;
use crate::db::DbError;

/// What a change hands back to [`audited`]: its result, the changed row's id,
/// and the row before (none for a new one) and after.
///
/// Superseded by [`crate::db::Work`], whose `created`/`changed`/`record`
/// name what they record; goes with [`audited`].
pub type Written<T> = (T, Option<i64>, Option<serde_json::Value>, serde_json::Value);

/// Runs `f` in one write transaction and records its audit row (who, when,
/// what, before and after) in the same transaction; when `f` refuses, nothing
/// is written.
///
/// Superseded by the unit of work [`crate::db::Work`] (`ctx.change(&db, |w|
/// actions::x(w, ..))`): new code does not call this. It stays only until
/// the last callers (organisation and rotations pages) are converted, and is
/// then deleted.
pub async fn audited<T, E, F>(
    state: &AppState,
    ctx: &Ctx,
    action: &'static str,
    entity: &'static str,
    f: F,
) -> Result<T, E>
where
    T: Send + 'static,
    E: From<DbError> + From<rusqlite::Error> + Send + 'static,
    F: FnOnce(&rusqlite::Transaction) -> Result<Written<T>, E> + Send + 'static,
{
    let (actor, now) = (ctx.actor(), ctx.now);
    state
        .db
        .write(move |tx| {
            let (value, id, before, after) = f(tx)?;
            store::record(
                tx,
                &actor,
                now,
                store::Entry {
                    action,
                    entity,
                    entity_id: id.map(|i| i.to_string()),
                    before,
                    after: Some(after),
                },
            )?;
            Ok(value)
        })
        .await
}

/// The administrators' audit pages.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/audit", get(pages::browse))
        .route("/admin/audit.csv", get(pages::export))
}
