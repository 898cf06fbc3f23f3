//! The quality indicator's changes: sources and their mappings, and the
//! import of an extract, each one unit of work with its audit row.

use chrono::NaiveDate;
use serde_json::json;

use super::import::{self, Extract, Mapping, Span};
use super::store;
use crate::db::{Entry, Work};
use crate::msg;
use crate::web::AppError;
use crate::web::csv::{self, LineError};

/// Creates a source (`id` is `None`) or changes one.
pub fn save_source(
    w: &Work,
    id: Option<i64>,
    name: &str,
    region_id: Option<i64>,
    mapping: &Mapping,
) -> Result<i64, AppError> {
    let after = json!({"name": name, "region_id": region_id, "mapping": mapping});
    match id {
        Some(id) => {
            let before = store::source(w, id)?.ok_or(AppError::NotFound)?;
            store::update_source(w, id, name, region_id, mapping)
                .map_err(AppError::conflict_on_unique)?;
            w.changed("quality_source.update", "quality_source", id, before, after)?;
            Ok(id)
        }
        None => {
            let id = store::create_source(w, name, region_id, mapping, w.now())
                .map_err(AppError::conflict_on_unique)?;
            w.created("quality_source.create", "quality_source", id, after)?;
            Ok(id)
        }
    }
}

/// What an import did, or would do in a dry run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Imported {
    /// The batch, when written.
    pub batch_id: Option<i64>,
    /// Rows read.
    pub rows: usize,
    /// Patients in the file.
    pub patients: usize,
    /// Of them, dead.
    pub deaths: usize,
    /// Rows of earlier imports of the same source and days that it
    /// replaces (a dry run counts what it would replace).
    pub replaced: usize,
}

/// An extract to import.
#[derive(Debug, Clone)]
pub struct Upload<'a> {
    /// The source it comes from.
    pub source_id: i64,
    /// The days it covers.
    pub span: Span,
    /// The uploaded file's name.
    pub file_name: &'a str,
    /// The file.
    pub bytes: &'a [u8],
    /// Only check and count; write nothing.
    pub dry_run: bool,
}

/// Why an import wrote nothing.
#[derive(Debug)]
pub enum Refused {
    /// Problems of the file, by line.
    Lines(Vec<LineError>),
    /// Anything else.
    App(AppError),
}

impl<E: Into<AppError>> From<E> for Refused {
    fn from(e: E) -> Self {
        Refused::App(e.into())
    }
}

/// Reads, checks and (unless a dry run) stores an extract of `upload`'s
/// source: the source's rows of the days it covers are replaced by the
/// file's, and one audit row describes the batch. A file with any problem,
/// its own or against what other extracts hold of the same patients, writes
/// nothing.
pub fn import(
    w: &Work,
    upload: &Upload<'_>,
    today: NaiveDate,
    installation_secret: &[u8],
) -> Result<Imported, Refused> {
    let Upload {
        source_id,
        span,
        file_name,
        bytes,
        dry_run,
    } = *upload;
    if span.to < span.from {
        return Err(AppError::unprocessable("to", msg!("quality.error_span")).into());
    }
    let source = store::source(w, source_id)?.ok_or(AppError::NotFound)?;
    let table = csv::read(bytes).map_err(Refused::Lines)?;
    let lookup = store::lookup(w)?;
    let extract = import::check(
        &table,
        &source.mapping,
        &lookup,
        span,
        today,
        installation_secret,
    )
    .map_err(Refused::Lines)?;
    let problems = against_stored(w, &extract, source_id, span)?;
    if !problems.is_empty() {
        return Err(Refused::Lines(problems));
    }
    let mut outcome = Imported {
        batch_id: None,
        rows: extract.rows.len(),
        patients: extract.patients,
        deaths: extract.deaths,
        replaced: 0,
    };
    if dry_run {
        outcome.replaced = store::rows_of_period(w, source_id, span.from, span.to)?;
        return Ok(outcome);
    }
    let batch = store::NewBatch {
        source_id,
        from: span.from,
        to: span.to,
        file_name,
        account_id: w.actor().account_id,
    };
    let (batch_id, replaced) = store::replace_period(w, &batch, &extract.rows, w.now())?;
    outcome.batch_id = Some(batch_id);
    outcome.replaced = replaced;
    w.record(Entry {
        action: "quality_batch.import",
        entity: "quality_batch",
        entity_id: Some(batch_id.to_string()),
        before: None,
        after: Some(json!({
            "source": source.name,
            "from": span.from,
            "to": span.to,
            "file": file_name,
            "rows": outcome.rows,
            "patients": outcome.patients,
            "replaced": replaced,
        })),
    })?;
    Ok(outcome)
}

/// The file's rows against what other extracts hold of the same patients:
/// nobody dies before a treatment another extract recorded, nor is treated
/// after a death another recorded.
fn against_stored(
    w: &Work,
    extract: &Extract,
    source_id: i64,
    span: Span,
) -> Result<Vec<LineError>, AppError> {
    let patients: Vec<&str> = {
        let mut p: Vec<&str> = extract
            .rows
            .iter()
            .map(|r| r.treatment.patient.as_str())
            .collect();
        p.sort_unstable();
        p.dedup();
        p
    };
    let stored = store::stored_of(w, &patients, source_id, span.from, span.to)?;
    let mut problems = Vec::new();
    let mapping = store::source(w, source_id)?
        .map(|s| s.mapping)
        .unwrap_or_default();
    for row in &extract.rows {
        let t = &row.treatment;
        let Some((stored_death, stored_last)) = stored.get(&t.patient) else {
            continue;
        };
        if let Some(died) = stored_death
            && t.treated_on > *died
        {
            problems.push(LineError::new(
                row.line,
                mapping.treated_on.clone(),
                msg!("quality.error_after_stored_death", died = *died),
            ));
        }
        if let Some(died) = t.died_on
            && died < *stored_last
        {
            problems.push(LineError::new(
                row.line,
                mapping.died_on.clone(),
                msg!(
                    "quality.error_before_stored_treatment",
                    treated = *stored_last
                ),
            ));
        }
    }
    Ok(problems)
}
