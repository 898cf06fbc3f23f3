//! All of the rotations' SQL, as plain functions taking a `&Connection` (a
//! `Work` or a transaction derefs to one): trainees and elements,
//! placements and their ledger, agreements, and the reads behind the
//! reports. No rule lives here; the model and the actions decide.

mod agreements;
mod placements;
mod trainees;

pub use agreements::*;
pub use placements::*;
pub use trainees::*;

use chrono::NaiveDate;
use rusqlite::Connection;

use super::reports::{CostInputs, ElementInputs, year_span};

/// Parses the `YYYY-MM-DD` the store writes without a format parser: the
/// cost report reads several dates for each of thousands of placements.
fn iso_date(b: &[u8]) -> Option<NaiveDate> {
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b.get(r)?.iter().try_fold(0u32, |acc, c| {
            c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
        })
    };
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::from_ymd_opt(i32::try_from(num(0..4)?).ok()?, num(5..7)?, num(8..10)?)
}

/// Reads a `YYYY-MM-DD` column.
pub(crate) fn date_col(r: &rusqlite::Row<'_>, i: usize) -> rusqlite::Result<NaiveDate> {
    let v = r.get_ref(i)?;
    let bytes = v.as_bytes()?;
    iso_date(bytes)
        .or_else(|| std::str::from_utf8(bytes).ok().and_then(crate::check::date))
        .ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                i,
                rusqlite::types::Type::Text,
                String::from_utf8_lossy(bytes).into_owned().into(),
            )
        })
}

/// Reads the inputs of the cost report of `year` in four queries: the
/// year's live placements, every agreement, every salary history, every
/// home period.
pub fn cost_inputs(conn: &Connection, year: i32) -> rusqlite::Result<CostInputs> {
    let (from, to) = year_span(year);
    Ok(CostInputs {
        placements: placements(conn, None, None, Some((from, to)))?
            .into_iter()
            .filter(|p| p.is_live())
            .collect(),
        agreements: load_agreements(conn)?,
        salaries: all_salary_histories(conn)?,
        home_periods: all_home_periods(conn)?,
    })
}

/// Reads what the missing-elements report needs: every trainee, every
/// active element and what each trainee's live placements cover.
pub fn element_inputs(conn: &Connection) -> rusqlite::Result<ElementInputs> {
    Ok(ElementInputs {
        trainees: trainees(conn)?,
        elements: elements(conn)?.into_iter().filter(|e| e.active).collect(),
        covered: all_covered_elements(conn)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        crate::check::date(s).expect("date")
    }

    #[test]
    fn stored_dates_read_fast_and_exactly() {
        assert_eq!(iso_date(b"2024-02-29"), Some(d("2024-02-29")));
        assert_eq!(iso_date(b"2023-02-29"), None);
        assert_eq!(iso_date(b"2024-2-29x"), None);
        assert_eq!(iso_date(b"20240229"), None);
    }
}
