//! The agreements' SQL: versions of cost-sharing agreements and their
//! tiers. Versions are appended, never changed: a new version is a new row
//! with the same code and its own validity.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::date_col;
use crate::clock::stamp;
use crate::rotations::agreements::AgreementRow;
use crate::rotations::model::{Agreement, Kind, Tier};

/// Kinds as stored: comma-separated codes, `''` for every kind.
fn kinds_text(kinds: &[Kind]) -> String {
    kinds.iter().map(|k| k.code()).collect::<Vec<_>>().join(",")
}

fn parse_kinds(s: &str) -> Vec<Kind> {
    s.split(',').filter_map(Kind::parse).collect()
}

fn to_u32(v: Option<i64>) -> Option<u32> {
    v.and_then(|n| u32::try_from(n).ok())
}

/// Every version of every agreement with its tiers, by code and version.
/// One statement, so a request reads all agreements with one query.
pub fn agreement_rows(conn: &Connection) -> rusqlite::Result<Vec<AgreementRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT a.id, a.version, a.note, a.created_at, a.code, a.name_sv, a.name_en,
                a.valid_from, a.valid_to, a.kinds, a.min_months, a.max_months,
                a.cap_ore_per_month, a.is_fallback, t.from_month, t.to_month, t.host_permille
         FROM agreement a LEFT JOIN agreement_tier t ON t.agreement_id = a.id
         ORDER BY a.code, a.version, t.from_month",
    )?;
    let mut rows = stmt.query([])?;
    let mut out: Vec<AgreementRow> = Vec::new();
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        if out.last().is_none_or(|a| a.id != id) {
            let valid_to = match r.get_ref(8)? {
                rusqlite::types::ValueRef::Null => None,
                _ => Some(date_col(r, 8)?),
            };
            let kinds: String = r.get(9)?;
            out.push(AgreementRow {
                id,
                version: r.get(1)?,
                note: r.get(2)?,
                created_at: r.get(3)?,
                agreement: Agreement {
                    code: r.get(4)?,
                    version: u32::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
                    name_sv: r.get(5)?,
                    name_en: r.get(6)?,
                    valid_from: date_col(r, 7)?,
                    valid_to,
                    kinds: parse_kinds(&kinds),
                    min_months: to_u32(r.get(10)?),
                    max_months: to_u32(r.get(11)?),
                    tiers: Vec::new(),
                    cap_ore_per_month: r.get(12)?,
                    is_fallback: r.get(13)?,
                },
            });
        }
        let from: Option<i64> = r.get(14)?;
        if let (Some(from), Some(last)) = (to_u32(from), out.last_mut()) {
            last.agreement.tiers.push(Tier {
                from_month: from,
                to_month: to_u32(r.get(15)?),
                host_permille: u16::try_from(r.get::<_, i64>(16)?).unwrap_or(0),
            });
        }
    }
    Ok(out)
}

/// Every version of every agreement, as the split engine takes them
/// ([`crate::rotations::model::choose_agreement`] picks among them).
pub fn load_agreements(conn: &Connection) -> rusqlite::Result<Vec<Agreement>> {
    Ok(agreement_rows(conn)?
        .into_iter()
        .map(|r| r.agreement)
        .collect())
}

/// One version by row id.
pub fn agreement_by_id(conn: &Connection, id: i64) -> rusqlite::Result<Option<AgreementRow>> {
    Ok(agreement_rows(conn)?.into_iter().find(|a| a.id == id))
}

/// Appends a version of `agreement.code` (version 1 when the code is new)
/// with its tiers; returns `(row id, version)`. The caller checks the tiers
/// with [`crate::rotations::model::validate_tiers`] and records the audit row in the
/// same transaction.
pub fn insert_version(
    conn: &Connection,
    agreement: &Agreement,
    note: &str,
    by: Option<i64>,
    at: DateTime<Utc>,
) -> rusqlite::Result<(i64, i64)> {
    let version: i64 = conn.query_row(
        "SELECT coalesce(max(version), 0) + 1 FROM agreement WHERE code = ?1",
        [&agreement.code],
        |r| r.get(0),
    )?;
    conn.execute(
        "INSERT INTO agreement (code, version, name_sv, name_en, valid_from, valid_to, kinds,
             min_months, max_months, cap_ore_per_month, is_fallback, note, created_at, created_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        params![
            agreement.code,
            version,
            agreement.name_sv,
            agreement.name_en,
            agreement.valid_from.to_string(),
            agreement.valid_to.map(|d| d.to_string()),
            kinds_text(&agreement.kinds),
            agreement.min_months,
            agreement.max_months,
            agreement.cap_ore_per_month,
            agreement.is_fallback,
            note,
            stamp(at),
            by,
        ],
    )?;
    let id = conn.last_insert_rowid();
    let mut tier = conn.prepare_cached(
        "INSERT INTO agreement_tier (agreement_id, from_month, to_month, host_permille)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    for t in &agreement.tiers {
        tier.execute(params![id, t.from_month, t.to_month, t.host_permille])?;
    }
    Ok((id, version))
}

/// True when some version of `code` exists.
pub fn code_exists(conn: &Connection, code: &str) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM agreement WHERE code = ?1)",
        [code],
        |r| r.get(0),
    )
}
