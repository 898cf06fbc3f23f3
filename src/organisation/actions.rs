//! The organisation's changes, one function each: its checks against what
//! is stored, its SQL (through the store) and its audit row, in the unit of
//! work the caller opened. The pages, the imports and the API call these.

use serde_json::json;

use super::store;
use crate::db::Work;
use crate::web::AppError;

/// Creates a region (`id` is `None`) or renames and (de)activates region
/// `id`. A taken name is `AppError::Duplicate`.
pub fn save_region(w: &Work, id: Option<i64>, name: &str, active: bool) -> Result<i64, AppError> {
    let after = json!({"name": name, "active": active});
    match id {
        Some(id) => {
            let before = store::region(w, id)?.ok_or(AppError::NotFound)?;
            store::update_region(w, id, name, active).map_err(AppError::conflict_on_unique)?;
            w.changed("region.update", "region", id, before, after)?;
            Ok(id)
        }
        None => {
            let id = store::create_region(w, name).map_err(AppError::conflict_on_unique)?;
            w.created("region.create", "region", id, after)?;
            Ok(id)
        }
    }
}
