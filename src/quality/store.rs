//! The quality indicator's SQL: sources and their mappings, imported
//! batches, the treatment rows, and what the report reads.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};

use super::import::Mapping;
use super::model::{Kind, Treatment, Tree};
use crate::clock::stamp;

/// A source system.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Source {
    /// Id.
    pub id: i64,
    /// Its name, e.g. "Cytobase Region Kalmar".
    pub name: String,
    /// The region whose extracts it holds, when one.
    pub region_id: Option<i64>,
    /// How its exports read.
    pub mapping: Mapping,
    /// Imported batches.
    pub batches: i64,
}

fn source_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Source> {
    let mapping: String = r.get(3)?;
    Ok(Source {
        id: r.get(0)?,
        name: r.get(1)?,
        region_id: r.get(2)?,
        // The column holds what `save_source` wrote.
        mapping: serde_json::from_str(&mapping).unwrap_or_default(),
        batches: r.get(4)?,
    })
}

const SOURCE: &str = "SELECT s.id, s.name, s.region_id, s.mapping,
        (SELECT count(*) FROM quality_batch b WHERE b.source_id = s.id)
     FROM quality_source s";

/// Every source, by name.
pub fn sources(conn: &Connection) -> rusqlite::Result<Vec<Source>> {
    conn.prepare(&format!("{SOURCE} ORDER BY s.name COLLATE swedish"))?
        .query_map([], source_row)?
        .collect()
}

/// One source.
pub fn source(conn: &Connection, id: i64) -> rusqlite::Result<Option<Source>> {
    conn.query_row(&format!("{SOURCE} WHERE s.id = ?1"), [id], source_row)
        .optional()
}

/// The id of the source called `name` (any case).
pub fn source_by_name(conn: &Connection, name: &str) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT id FROM quality_source WHERE name = ?1 COLLATE NOCASE",
        [name.trim()],
        |r| r.get(0),
    )
    .optional()
}

/// Creates a source.
pub fn create_source(
    conn: &Connection,
    name: &str,
    region_id: Option<i64>,
    mapping: &Mapping,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO quality_source (name, region_id, mapping, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![name, region_id, json(mapping), stamp(now)],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Changes a source's name, region and mapping.
pub fn update_source(
    conn: &Connection,
    id: i64,
    name: &str,
    region_id: Option<i64>,
    mapping: &Mapping,
) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE quality_source SET name = ?2, region_id = ?3, mapping = ?4 WHERE id = ?1",
        params![id, name, region_id, json(mapping)],
    )
}

fn json(mapping: &Mapping) -> String {
    serde_json::to_string(mapping).unwrap_or_else(|_| "{}".into())
}

/// Administration ids by lower-case name, and units by lower-case code
/// with their administration: what an extract's names are read against.
pub fn lookup(conn: &Connection) -> rusqlite::Result<super::import::Lookup> {
    let administrations = conn
        .prepare("SELECT lower(name), id FROM administration")?
        .query_map([], |r| {
            Ok((r.get::<_, String>(0)?.to_lowercase(), r.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let units = conn
        .prepare("SELECT code, id, administration_id FROM unit")?
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?.to_lowercase(),
                (r.get(1)?, r.get(2)?),
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(super::import::Lookup {
        administrations,
        units,
    })
}

/// A new batch, as its import describes it.
#[derive(Debug, Clone)]
pub struct NewBatch<'a> {
    /// The source.
    pub source_id: i64,
    /// First day covered.
    pub from: NaiveDate,
    /// Last day covered.
    pub to: NaiveDate,
    /// The uploaded file's name.
    pub file_name: &'a str,
    /// Who imported it.
    pub account_id: Option<i64>,
}

/// Removes the source's rows of the days the batch covers (an earlier
/// import of the same period), then stores the batch and its rows. Returns
/// the batch id and how many rows were replaced.
pub fn replace_period(
    conn: &Connection,
    batch: &NewBatch<'_>,
    rows: &[super::import::Row],
    now: DateTime<Utc>,
) -> rusqlite::Result<(i64, usize)> {
    let replaced = conn.execute(
        "DELETE FROM quality_treatment WHERE source_id = ?1 AND treated_on BETWEEN ?2 AND ?3",
        params![
            batch.source_id,
            batch.from.to_string(),
            batch.to.to_string()
        ],
    )?;
    conn.execute(
        "INSERT INTO quality_batch (source_id, period_from, period_to, file_name, row_count,
            replaced_rows, imported_at, imported_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            batch.source_id,
            batch.from.to_string(),
            batch.to.to_string(),
            batch.file_name,
            rows.len() as i64,
            replaced as i64,
            stamp(now),
            batch.account_id
        ],
    )?;
    let batch_id = conn.last_insert_rowid();
    let mut insert = conn.prepare_cached(
        "INSERT INTO quality_treatment (batch_id, source_id, patient, administration_id, unit_id,
            kind, treated_on, died_on, diagnosis_group)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for row in rows {
        let (t, diagnosis) = (&row.treatment, &row.diagnosis);
        insert.execute(params![
            batch_id,
            batch.source_id,
            t.patient,
            t.administration_id,
            t.unit_id,
            t.kind.as_str(),
            t.treated_on.to_string(),
            t.died_on.map(|d| d.to_string()),
            diagnosis
        ])?;
    }
    Ok((batch_id, replaced))
}

/// How many rows of `source_id` an import of the days from `from` to `to`
/// would replace.
pub fn rows_of_period(
    conn: &Connection,
    source_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> rusqlite::Result<usize> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM quality_treatment WHERE source_id = ?1 AND treated_on BETWEEN ?2 AND ?3",
        params![source_id, from.to_string(), to.to_string()],
        |r| r.get(0),
    )?;
    Ok(usize::try_from(n).unwrap_or(0))
}

/// What is stored of these patients outside the rows an import of
/// `source_id` from `from` to `to` replaces: the latest day of death and
/// the latest treatment, so that an import cannot make a patient die
/// before a treatment another extract recorded.
pub fn stored_of(
    conn: &Connection,
    patients: &[&str],
    source_id: i64,
    from: NaiveDate,
    to: NaiveDate,
) -> rusqlite::Result<std::collections::HashMap<String, (Option<NaiveDate>, NaiveDate)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT max(died_on), max(treated_on) FROM quality_treatment
         WHERE patient = ?1 AND NOT (source_id = ?2 AND treated_on BETWEEN ?3 AND ?4)",
    )?;
    let (from, to) = (from.to_string(), to.to_string());
    let mut out = std::collections::HashMap::new();
    for p in patients {
        let (died, treated): (Option<String>, Option<String>) = stmt
            .query_row(params![p, source_id, from, to], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        if let Some(treated) = treated.as_deref().and_then(crate::check::date) {
            let died = died.as_deref().and_then(crate::check::date);
            out.insert((*p).to_string(), (died, treated));
        }
    }
    Ok(out)
}

/// An imported batch as the import page lists it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Batch {
    /// Id.
    pub id: i64,
    /// The source's name.
    pub source: String,
    /// First day covered.
    pub from: String,
    /// Last day covered.
    pub to: String,
    /// The file.
    pub file_name: String,
    /// Rows stored.
    pub rows: i64,
    /// Rows of an earlier import it replaced.
    pub replaced: i64,
    /// When (UTC).
    pub imported_at: String,
    /// By whom.
    pub imported_by: Option<String>,
}

/// The latest batches, newest first.
pub fn batches(conn: &Connection, limit: u32) -> rusqlite::Result<Vec<Batch>> {
    conn.prepare(
        "SELECT b.id, s.name, b.period_from, b.period_to, b.file_name, b.row_count, b.replaced_rows,
                b.imported_at, a.email
         FROM quality_batch b JOIN quality_source s ON s.id = b.source_id
         LEFT JOIN account a ON a.id = b.imported_by
         ORDER BY b.id DESC LIMIT ?1",
    )?
    .query_map([limit], |r| {
        Ok(Batch {
            id: r.get(0)?,
            source: r.get(1)?,
            from: r.get(2)?,
            to: r.get(3)?,
            file_name: r.get(4)?,
            rows: r.get(5)?,
            replaced: r.get(6)?,
            imported_at: r.get(7)?,
            imported_by: r.get(8)?,
        })
    })?
    .collect()
}

/// The rows of `kind` of the patients who died from `from` to `to`, with
/// the day of death their other rows give: what the indicator counts.
pub fn treatments_of_the_dead(
    conn: &Connection,
    kind: Kind,
    from: NaiveDate,
    to: NaiveDate,
) -> rusqlite::Result<Vec<Treatment>> {
    let mut stmt = conn.prepare_cached(
        "WITH dead AS (
             SELECT patient, max(died_on) AS died_on FROM quality_treatment
             WHERE died_on IS NOT NULL GROUP BY patient
             HAVING max(died_on) BETWEEN ?2 AND ?3
         )
         SELECT t.patient, t.administration_id, t.unit_id, t.treated_on, d.died_on
         FROM quality_treatment t JOIN dead d ON d.patient = t.patient
         WHERE t.kind = ?1
         ORDER BY t.id",
    )?;
    let rows = stmt.query_map(
        params![kind.as_str(), from.to_string(), to.to_string()],
        |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, Option<i64>>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        },
    )?;
    let mut out = Vec::new();
    for row in rows {
        let (patient, administration_id, unit_id, treated, died) = row?;
        // Dates are stored by the import as `YYYY-MM-DD`.
        if let (Some(treated_on), Some(died_on)) =
            (crate::check::date(&treated), crate::check::date(&died))
        {
            out.push(Treatment {
                patient,
                administration_id,
                unit_id,
                kind,
                treated_on,
                died_on: Some(died_on),
            });
        }
    }
    Ok(out)
}

/// The organisation as the report groups it.
pub fn tree(conn: &Connection) -> rusqlite::Result<Tree> {
    let region_of = conn
        .prepare("SELECT id, region_id FROM administration")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let administration_of = conn
        .prepare("SELECT id, administration_id FROM unit")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    Ok(Tree {
        region_of,
        administration_of,
    })
}

/// Names of places, by level and id.
pub fn place_names(
    conn: &Connection,
) -> rusqlite::Result<std::collections::HashMap<super::model::Place, String>> {
    use super::model::Place;
    let mut out = std::collections::HashMap::new();
    for (sql, make) in [
        (
            "SELECT id, name FROM region",
            Place::Region as fn(i64) -> Place,
        ),
        ("SELECT id, name FROM administration", Place::Administration),
        ("SELECT id, code || ' ' || name FROM unit", Place::Unit),
    ] {
        let rows = conn
            .prepare(sql)?
            .query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        out.extend(rows.into_iter().map(|(id, name)| (make(id), name)));
    }
    Ok(out)
}

/// The years with deaths in the extracts, newest first.
pub fn years(conn: &Connection) -> rusqlite::Result<Vec<i32>> {
    conn.prepare(
        "SELECT DISTINCT CAST(substr(died_on, 1, 4) AS INTEGER) FROM quality_treatment
         WHERE died_on IS NOT NULL ORDER BY 1 DESC",
    )?
    .query_map([], |r| r.get(0))?
    .collect()
}
