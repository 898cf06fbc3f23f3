//! Cost-sharing agreements as stored: versions of an agreement, appended,
//! never changed (a new version is a new row with the same code and its own
//! validity), and the rules an agreement's form must keep besides its tiers
//! ([`super::model::validate_tiers`]). The SQL is in `store`.

use chrono::NaiveDate;
use serde::Serialize;

use super::model::Agreement;
pub use super::store::load_agreements;
use crate::i18n::Msg;
use crate::msg;

/// A stored version of an agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AgreementRow {
    /// Row id (one per version).
    pub id: i64,
    /// Version number within the code, from 1.
    pub version: i64,
    /// Free text about the version (the decision behind it, say).
    pub note: String,
    /// When it was recorded, UTC.
    pub created_at: String,
    /// The agreement itself, as the split engine takes it.
    pub agreement: Agreement,
}

/// Longest agreement code.
pub const CODE_MAX: usize = 40;

/// Longest planned length an agreement may name, in months.
pub const MONTHS_MAX: u32 = 240;

/// True when `code` may name an agreement: 1 to [`CODE_MAX`] lower-case
/// letters a–z, digits and hyphens (it is used in URLs and exports).
pub fn valid_code(code: &str) -> bool {
    !code.is_empty()
        && code.len() <= CODE_MAX
        && code
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// What is wrong with a version's validity: it must end after it starts.
pub fn validity_problem(from: NaiveDate, to: Option<NaiveDate>) -> Option<Msg> {
    to.filter(|t| *t <= from)
        .map(|_| msg!("agreements.error.valid_to"))
}

/// What is wrong with a planned-length limit: the longest is not shorter
/// than the shortest.
pub fn length_problem(min: Option<u32>, max: Option<u32>) -> Option<Msg> {
    match (min, max) {
        (Some(min), Some(max)) if max < min => Some(msg!("agreements.error.max_below_min")),
        _ => None,
    }
}
