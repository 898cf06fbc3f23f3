//! Licence types, requirements, completions and revocations in SQLite, and the
//! evaluation of who is required and what their status is on a date. The
//! kept compliance counts, the completion import, reminders and
//! verification links have their SQL in the files beside this one.

pub mod counts;
pub mod import;
pub mod reminders;
pub mod verify;

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::compliance::UnitInfo;
use super::model::{
    self, Done, LicenceType, Part, Requirement, RequirementScope, Standing, UnitPlace,
};
use crate::clock::stamp;
use crate::organisation::model::Profession;
use crate::organisation::store as org;

fn type_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<LicenceType> {
    let warnings: String = r.get("warning_days")?;
    let mut warning_days: Vec<u32> = serde_json::from_str(&warnings).unwrap_or_default();
    warning_days.sort_unstable_by(|a, b| b.cmp(a));
    Ok(LicenceType {
        id: r.get("id")?,
        code: r.get("code")?,
        name_sv: r.get("name_sv")?,
        name_en: r.get("name_en")?,
        validity_months: r.get("validity_months")?,
        window_days: r.get("window_days")?,
        extend_from_expiry: r.get("extend_from_expiry")?,
        warning_days,
        requires_practical: r.get("requires_practical")?,
        practical_validity_months: r.get("practical_validity_months")?,
        active: r.get("active")?,
    })
}

/// Every licence type, by code.
pub fn licence_types(conn: &Connection) -> rusqlite::Result<Vec<LicenceType>> {
    let mut stmt = conn.prepare_cached("SELECT * FROM licence_type ORDER BY code")?;
    stmt.query_map([], type_from_row)?.collect()
}

/// One licence type by id.
pub fn licence_type(conn: &Connection, id: i64) -> rusqlite::Result<Option<LicenceType>> {
    conn.prepare_cached("SELECT * FROM licence_type WHERE id = ?1")?
        .query_row([id], type_from_row)
        .optional()
}

/// One licence type by code (case-insensitive).
pub fn licence_type_by_code(
    conn: &Connection,
    code: &str,
) -> rusqlite::Result<Option<LicenceType>> {
    conn.prepare_cached("SELECT * FROM licence_type WHERE code = ?1")?
        .query_row([code.trim()], type_from_row)
        .optional()
}

/// Creates a licence type; returns its id.
pub fn create_licence_type(conn: &Connection, t: &LicenceType) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO licence_type (code, name_sv, name_en, validity_months, window_days, extend_from_expiry,
            warning_days, requires_practical, practical_validity_months, active)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        params![
            t.code,
            t.name_sv,
            t.name_en,
            t.validity_months,
            t.window_days,
            t.extend_from_expiry,
            serde_json::to_string(&t.warning_days).unwrap_or_else(|_| "[]".into()),
            t.requires_practical,
            t.practical_validity_months,
            t.active
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Changes a licence type (its rules apply to every completion from then on).
pub fn update_licence_type(conn: &Connection, t: &LicenceType) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE licence_type SET code = ?2, name_sv = ?3, name_en = ?4, validity_months = ?5, window_days = ?6,
            extend_from_expiry = ?7, warning_days = ?8, requires_practical = ?9, practical_validity_months = ?10, active = ?11
         WHERE id = ?1",
        params![
            t.id,
            t.code,
            t.name_sv,
            t.name_en,
            t.validity_months,
            t.window_days,
            t.extend_from_expiry,
            serde_json::to_string(&t.warning_days).unwrap_or_else(|_| "[]".into()),
            t.requires_practical,
            t.practical_validity_months,
            t.active
        ],
    )
}

/// Active requirements, of one type or all.
pub fn requirements(
    conn: &Connection,
    licence_type_id: Option<i64>,
) -> rusqlite::Result<Vec<Requirement>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, licence_type_id, profession, scope_kind, scope_id FROM licence_requirement
         WHERE active = 1 AND (?1 IS NULL OR licence_type_id = ?1) ORDER BY id",
    )?;
    let rows = stmt.query_map([licence_type_id], |r| {
        let profession: String = r.get(2)?;
        let kind: String = r.get(3)?;
        let scope_id: Option<i64> = r.get(4)?;
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, i64>(1)?,
            profession,
            kind,
            scope_id,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (id, licence_type_id, profession, kind, scope_id) = row?;
        let scope = match (kind.as_str(), scope_id) {
            ("unit", Some(i)) => RequirementScope::Unit(i),
            ("administration", Some(i)) => RequirementScope::Administration(i),
            ("region", Some(i)) => RequirementScope::Region(i),
            ("chemotherapy_units", None) => RequirementScope::ChemotherapyUnits,
            _ => continue,
        };
        let Some(profession) = Profession::parse(&profession) else {
            continue;
        };
        out.push(Requirement {
            id,
            licence_type_id,
            profession,
            scope,
        });
    }
    Ok(out)
}

/// Adds a requirement.
pub fn create_requirement(
    conn: &Connection,
    licence_type_id: i64,
    profession: Profession,
    scope: RequirementScope,
) -> rusqlite::Result<i64> {
    let (kind, id) = match scope {
        RequirementScope::Unit(i) => ("unit", Some(i)),
        RequirementScope::Administration(i) => ("administration", Some(i)),
        RequirementScope::Region(i) => ("region", Some(i)),
        RequirementScope::ChemotherapyUnits => ("chemotherapy_units", None),
    };
    conn.execute(
        "INSERT INTO licence_requirement (licence_type_id, profession, scope_kind, scope_id) VALUES (?1, ?2, ?3, ?4)",
        params![licence_type_id, profession.as_str(), kind, id],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Ends a requirement (kept for the record).
pub fn deactivate_requirement(conn: &Connection, id: i64) -> rusqlite::Result<usize> {
    conn.execute(
        "UPDATE licence_requirement SET active = 0 WHERE id = ?1",
        [id],
    )
}

/// True when the unit, administration or region a scope names exists.
pub fn scope_exists(conn: &Connection, scope: RequirementScope) -> rusqlite::Result<bool> {
    let (sql, id) = match scope {
        RequirementScope::ChemotherapyUnits => return Ok(true),
        RequirementScope::Unit(i) => ("SELECT EXISTS (SELECT 1 FROM unit WHERE id = ?1)", i),
        RequirementScope::Administration(i) => (
            "SELECT EXISTS (SELECT 1 FROM administration WHERE id = ?1)",
            i,
        ),
        RequirementScope::Region(i) => ("SELECT EXISTS (SELECT 1 FROM region WHERE id = ?1)", i),
    };
    conn.prepare_cached(sql)?.query_row([id], |r| r.get(0))
}

/// The unit names and where each unit sits, for grouping reports.
pub fn unit_infos(conn: &Connection) -> rusqlite::Result<HashMap<i64, UnitInfo>> {
    let mut stmt = conn.prepare_cached(
        "SELECT u.id, u.code || ' ' || u.name, a.id, a.name, r.id, r.name FROM unit u
         JOIN administration a ON a.id = u.administration_id JOIN region r ON r.id = a.region_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(UnitInfo {
            unit_id: r.get(0)?,
            unit_name: r.get(1)?,
            administration_id: r.get(2)?,
            administration_name: r.get(3)?,
            region_id: r.get(4)?,
            region_name: r.get(5)?,
        })
    })?;
    rows.map(|r| r.map(|u| (u.unit_id, u))).collect()
}

/// The name of person `id`.
pub fn person_name(conn: &Connection, person_id: i64) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached("SELECT name FROM person WHERE id = ?1")?
        .query_row([person_id], |r| r.get(0))
        .optional()
}

/// Where every unit sits on `day`, with whether it gave chemotherapy then.
pub fn unit_places_on(
    conn: &Connection,
    day: NaiveDate,
) -> rusqlite::Result<HashMap<i64, UnitPlace>> {
    let mut places = unit_places(conn)?;
    for (unit, history) in org::chemo_histories(conn)? {
        if let Some(p) = places.get_mut(&unit) {
            p.gives_chemotherapy = history.on(day);
        }
    }
    Ok(places)
}

/// Where every unit sits, flagged as it is now.
pub fn unit_places(conn: &Connection) -> rusqlite::Result<HashMap<i64, UnitPlace>> {
    let mut stmt = conn.prepare_cached(
        "SELECT u.id, u.administration_id, a.region_id, u.gives_chemotherapy FROM unit u
         JOIN administration a ON a.id = u.administration_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(UnitPlace {
            unit_id: r.get(0)?,
            administration_id: r.get(1)?,
            region_id: r.get(2)?,
            gives_chemotherapy: r.get(3)?,
        })
    })?;
    rows.map(|r| r.map(|u| (u.unit_id, u))).collect()
}

/// A completion with its revocation, for histories.
#[derive(Debug, Clone, Serialize)]
pub struct Completion {
    /// Id.
    pub id: i64,
    /// Person.
    pub person_id: i64,
    /// Licence type.
    pub licence_type_id: i64,
    /// Theory or practical.
    pub part: Part,
    /// When completed.
    pub completed_on: NaiveDate,
    /// Supervisor who signed a practical part.
    pub signed_by: Option<String>,
    /// Free text.
    pub note: Option<String>,
    /// `manual`, `import`, `offering`, `demo`.
    pub source: String,
    /// Import batch, when imported.
    pub import_batch_id: Option<i64>,
    /// When recorded (UTC).
    pub recorded_at: String,
    /// Who recorded it.
    pub recorded_by: Option<String>,
    /// When revoked (UTC), by whom and why.
    pub revoked: Option<(String, Option<String>, String)>,
}

impl Completion {
    /// As the rules see it.
    pub fn done(&self) -> Done {
        Done {
            on: self.completed_on,
            revoked: self.revoked.is_some(),
        }
    }
}

/// A person's completions of one type (or all types), oldest first.
pub fn completions(
    conn: &Connection,
    person_id: i64,
    licence_type_id: Option<i64>,
) -> rusqlite::Result<Vec<Completion>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.id, c.person_id, c.licence_type_id, c.part, c.completed_on, c.signed_by, c.note, c.source,
                c.import_batch_id, c.recorded_at, ra.email, v.revoked_at, va.email, v.reason
         FROM licence_completion c
         LEFT JOIN account ra ON ra.id = c.recorded_by
         LEFT JOIN licence_revocation v ON v.completion_id = c.id
         LEFT JOIN account va ON va.id = v.revoked_by
         WHERE c.person_id = ?1 AND (?2 IS NULL OR c.licence_type_id = ?2)
         ORDER BY c.completed_on, c.id",
    )?;
    stmt.query_map(params![person_id, licence_type_id], |r| {
        let part: String = r.get(3)?;
        let on: String = r.get(4)?;
        let revoked_at: Option<String> = r.get(11)?;
        Ok(Completion {
            id: r.get(0)?,
            person_id: r.get(1)?,
            licence_type_id: r.get(2)?,
            part: Part::parse(&part).unwrap_or(Part::Theory),
            completed_on: crate::check::date(&on).unwrap_or_default(),
            signed_by: r.get(5)?,
            note: r.get(6)?,
            source: r.get(7)?,
            import_batch_id: r.get(8)?,
            recorded_at: r.get(9)?,
            recorded_by: r.get(10)?,
            revoked: match revoked_at {
                Some(at) => Some((at, r.get(12)?, r.get(13)?)),
                None => None,
            },
        })
    })?
    .collect()
}

/// A completion to record.
#[derive(Debug, Clone, Serialize)]
pub struct NewCompletion {
    /// Person.
    pub person_id: i64,
    /// Licence type.
    pub licence_type_id: i64,
    /// Part.
    pub part: Part,
    /// Date.
    pub completed_on: NaiveDate,
    /// Supervisor, for practical parts.
    pub signed_by: Option<String>,
    /// Note.
    pub note: Option<String>,
    /// `manual`, `import`, `offering`, `demo`.
    pub source: &'static str,
    /// Batch, for imports.
    pub import_batch_id: Option<i64>,
}

/// Appends a completion.
pub fn record_completion(
    conn: &Connection,
    c: &NewCompletion,
    recorded_by: Option<i64>,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    insert_completion(conn, c, None, recorded_by, now)
}

/// Appends a completion recorded by completing a course offering; the row
/// names the offering (completions are never updated, so it is set here).
pub fn record_offering_completion(
    conn: &Connection,
    c: &NewCompletion,
    offering_id: i64,
    recorded_by: Option<i64>,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    insert_completion(conn, c, Some(offering_id), recorded_by, now)
}

fn insert_completion(
    conn: &Connection,
    c: &NewCompletion,
    offering_id: Option<i64>,
    recorded_by: Option<i64>,
    now: DateTime<Utc>,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO licence_completion (person_id, licence_type_id, part, completed_on, signed_by, note, source,
            import_batch_id, recorded_at, recorded_by, offering_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        c.person_id,
        c.licence_type_id,
        c.part.as_str(),
        c.completed_on.to_string(),
        c.signed_by,
        c.note,
        c.source,
        c.import_batch_id,
        stamp(now),
        recorded_by,
        offering_id
    ])?;
    Ok(conn.last_insert_rowid())
}

/// True when the person already has this completion, not revoked (imports skip it).
pub fn has_completion(
    conn: &Connection,
    person_id: i64,
    licence_type_id: i64,
    part: Part,
    on: NaiveDate,
) -> rusqlite::Result<bool> {
    conn.prepare_cached(
        "SELECT EXISTS (SELECT 1 FROM licence_completion c WHERE c.person_id = ?1 AND c.licence_type_id = ?2
            AND c.part = ?3 AND c.completed_on = ?4
            AND NOT EXISTS (SELECT 1 FROM licence_revocation v WHERE v.completion_id = c.id))",
    )?
    .query_row(params![person_id, licence_type_id, part.as_str(), on.to_string()], |r| r.get(0))
}

/// Whether completion `id` is revoked; `None` when there is no such completion.
pub fn revocation_state(conn: &Connection, completion_id: i64) -> rusqlite::Result<Option<bool>> {
    conn.prepare_cached(
        "SELECT v.revoked_at IS NOT NULL FROM licence_completion c
         LEFT JOIN licence_revocation v ON v.completion_id = c.id WHERE c.id = ?1",
    )?
    .query_row([completion_id], |r| r.get(0))
    .optional()
}

/// Appends the revocation of a completion that is not revoked yet.
pub fn insert_revocation(
    conn: &Connection,
    completion_id: i64,
    reason: &str,
    by: Option<i64>,
    now: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO licence_revocation (completion_id, revoked_at, revoked_by, reason) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![completion_id, stamp(now), by, reason])?;
    Ok(())
}

/// The person a completion belongs to and the unit they work in now.
pub fn completion_person(
    conn: &Connection,
    completion_id: i64,
) -> rusqlite::Result<Option<(i64, i64)>> {
    conn.prepare_cached(
        "SELECT p.id, p.unit_id FROM licence_completion c JOIN person p ON p.id = c.person_id WHERE c.id = ?1",
    )?
    .query_row([completion_id], |r| Ok((r.get(0)?, r.get(1)?)))
    .optional()
}

/// Revokes a completion with a reason, unless it is unknown or already
/// revoked; kept under its old path for the callers outside licences.
pub use super::actions::revoke_completion;

/// Splits completions into the rules' theory and practical lists.
pub fn split_parts(completions: &[Completion], licence_type_id: i64) -> (Vec<Done>, Vec<Done>) {
    let mut theory = Vec::new();
    let mut practical = Vec::new();
    for c in completions
        .iter()
        .filter(|c| c.licence_type_id == licence_type_id)
    {
        match c.part {
            Part::Theory => theory.push(c.done()),
            Part::Practical => practical.push(c.done()),
        }
    }
    (theory, practical)
}

/// The licence types a person must hold on `day`, from where they worked then.
pub fn required_types(
    conn: &Connection,
    person_id: i64,
    day: NaiveDate,
) -> rusqlite::Result<Vec<i64>> {
    let Some((unit_id, profession)) = org::employment_on(conn, person_id, day)? else {
        return Ok(Vec::new());
    };
    // Only this person's unit is needed: the status API answers per person
    // and must not read the whole organisation.
    let place = conn
        .prepare_cached(
            "SELECT u.id, u.administration_id, a.region_id, u.gives_chemotherapy FROM unit u
             JOIN administration a ON a.id = u.administration_id WHERE u.id = ?1",
        )?
        .query_row([unit_id], |r| {
            Ok(UnitPlace {
                unit_id: r.get(0)?,
                administration_id: r.get(1)?,
                region_id: r.get(2)?,
                gives_chemotherapy: r.get(3)?,
            })
        })
        .optional()?;
    let Some(mut place) = place else {
        return Ok(Vec::new());
    };
    place.gives_chemotherapy = org::chemo_history(conn, unit_id)?.on(day);
    let mut ids: Vec<i64> = requirements(conn, None)?
        .into_iter()
        .filter(|r| r.applies(profession, &place))
        .map(|r| r.licence_type_id)
        .collect();
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

/// One licence of one person on a day.
#[derive(Debug, Clone, Serialize)]
pub struct PersonLicence {
    /// The type.
    pub licence: LicenceType,
    /// Whether the person must hold it on the day.
    pub required: bool,
    /// The evaluation.
    pub standing: Standing,
    /// The full history of this type, oldest first.
    pub history: Vec<Completion>,
}

/// Every licence a person must hold or has held, evaluated on `day`; required first.
pub fn person_licences(
    conn: &Connection,
    person_id: i64,
    day: NaiveDate,
) -> rusqlite::Result<Vec<PersonLicence>> {
    let required = required_types(conn, person_id, day)?;
    let all = completions(conn, person_id, None)?;
    let mut out = Vec::new();
    for t in licence_types(conn)? {
        let is_required = required.contains(&t.id);
        let history: Vec<Completion> = all
            .iter()
            .filter(|c| c.licence_type_id == t.id)
            .cloned()
            .collect();
        if !is_required && history.is_empty() {
            continue;
        }
        let (theory, practical) = split_parts(&history, t.id);
        let standing = model::standing(&t, &theory, &practical, day);
        out.push(PersonLicence {
            licence: t,
            required: is_required,
            standing,
            history,
        });
    }
    out.sort_by_key(|l| (!l.required, l.licence.code.clone()));
    Ok(out)
}

/// One required person in a compliance report.
#[derive(Debug, Clone, Serialize)]
pub struct RequiredPerson {
    /// Person id.
    pub person_id: i64,
    /// Name.
    pub name: String,
    /// HSA-id.
    pub hsa_id: Option<String>,
    /// Unit on the day.
    pub unit_id: i64,
    /// The evaluation on the day.
    pub standing: Standing,
}

/// Everyone who must hold `t` on `day` (counted where they worked then), with
/// their status, restricted to `units` when given.
///
/// This is the straightforward computation: the people employed on the day,
/// filtered by the requirements, and their completions up to the day.
pub fn required_people(
    conn: &Connection,
    t: &LicenceType,
    day: NaiveDate,
    units: Option<&[i64]>,
) -> rusqlite::Result<Vec<RequiredPerson>> {
    let places = unit_places_on(conn, day)?;
    let reqs = requirements(conn, Some(t.id))?;
    let day_s = day.to_string();
    let mut stmt = conn.prepare_cached(
        "SELECT e.person_id, p.name, p.hsa_id, e.unit_id, e.profession FROM employment e JOIN person p ON p.id = e.person_id
         WHERE e.valid_from <= ?1 AND (e.valid_to IS NULL OR e.valid_to > ?1)",
    )?;
    let mut people: Vec<(i64, String, Option<String>, i64)> = Vec::new();
    let rows = stmt.query_map([&day_s], |r| {
        let profession: String = r.get(4)?;
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, i64>(3)?,
            profession,
        ))
    })?;
    for row in rows {
        let (id, name, hsa, unit_id, profession) = row?;
        if units.is_some_and(|u| !u.contains(&unit_id)) {
            continue;
        }
        let (Some(place), Some(profession)) =
            (places.get(&unit_id), Profession::parse(&profession))
        else {
            continue;
        };
        if reqs.iter().any(|r| r.applies(profession, place)) {
            people.push((id, name, hsa, unit_id));
        }
    }
    let mut done: HashMap<i64, (Vec<Done>, Vec<Done>)> = HashMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT c.person_id, c.part, c.completed_on,
                EXISTS (SELECT 1 FROM licence_revocation v WHERE v.completion_id = c.id)
         FROM licence_completion c WHERE c.licence_type_id = ?1 AND c.completed_on <= ?2",
    )?;
    let rows = stmt.query_map(params![t.id, &day_s], |r| {
        let part: String = r.get(1)?;
        let on: String = r.get(2)?;
        Ok((r.get::<_, i64>(0)?, part, on, r.get::<_, bool>(3)?))
    })?;
    for row in rows {
        let (person, part, on, revoked) = row?;
        let Some(on) = crate::check::date(&on) else {
            continue;
        };
        let entry = done.entry(person).or_default();
        let d = Done { on, revoked };
        match Part::parse(&part) {
            Some(Part::Practical) => entry.1.push(d),
            _ => entry.0.push(d),
        }
    }
    let empty = (Vec::new(), Vec::new());
    let mut out: Vec<RequiredPerson> = people
        .into_iter()
        .map(|(person_id, name, hsa_id, unit_id)| {
            let (theory, practical) = done.get(&person_id).unwrap_or(&empty);
            RequiredPerson {
                person_id,
                name,
                hsa_id,
                unit_id,
                standing: model::standing(t, theory, practical, day),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        crate::db::collation::swedish(&a.name, &b.name).then(a.person_id.cmp(&b.person_id))
    });
    Ok(out)
}
