//! The generator's bulk inserts: rows written straight, with ids and
//! histories the domains' actions would refuse to invent, from statements
//! prepared once per connection.

use rusqlite::{Connection, params};

/// Adds a region.
pub fn region(conn: &Connection, name: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT INTO region (name) VALUES (?1)")?
        .execute([name])
        .map(drop)
}

/// Adds an administration.
pub fn administration(conn: &Connection, region_id: i64, name: &str) -> rusqlite::Result<()> {
    conn.prepare_cached("INSERT INTO administration (region_id, name) VALUES (?1, ?2)")?
        .execute(params![region_id, name])
        .map(drop)
}

/// A unit as the generator writes it.
pub struct Unit<'a> {
    /// Its administration.
    pub administration_id: i64,
    /// Code.
    pub code: &'a str,
    /// Name.
    pub name: &'a str,
    /// Gives chemotherapy.
    pub gives_chemotherapy: bool,
    /// Trainee places, when it hosts trainees.
    pub trainee_capacity: Option<i64>,
}

/// Adds a unit.
pub fn unit(conn: &Connection, u: &Unit<'_>) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO unit (administration_id, code, name, gives_chemotherapy, trainee_capacity) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        u.administration_id,
        u.code,
        u.name,
        u.gives_chemotherapy,
        u.trainee_capacity
    ])
    .map(drop)
}

/// Adds the yearly CPR licence (HLR) and returns its id.
pub fn cpr_licence(conn: &Connection) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO licence_type (code, name_sv, name_en, validity_months, window_days, extend_from_expiry, warning_days)
         VALUES ('HLR', 'Hjärt-lungräddning', 'CPR', 12, 60, 1, '[60,14]')",
        [],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Requires a licence of a profession in the units that give chemotherapy.
pub fn chemotherapy_requirement(
    conn: &Connection,
    licence_type_id: i64,
    profession: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO licence_requirement (licence_type_id, profession, scope_kind) VALUES (?1, ?2, 'chemotherapy_units')",
    )?
    .execute(params![licence_type_id, profession])
    .map(drop)
}

/// A person as the generator writes them, with their id.
pub struct Person<'a> {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: &'a str,
    /// E-mail.
    pub email: &'a str,
    /// HSA-id.
    pub hsa_id: &'a str,
    /// Stored profession.
    pub profession: &'a str,
    /// Current unit.
    pub unit_id: i64,
    /// When they left (`YYYY-MM-DD`).
    pub left_on: Option<String>,
    /// When created (UTC stamp).
    pub created_at: &'a str,
}

/// Adds a person.
pub fn person(conn: &Connection, p: &Person<'_>) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO person (id, name, email, hsa_id, profession, unit_id, left_on, created_at, sort_name) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        p.id,
        p.name,
        p.email,
        p.hsa_id,
        p.profession,
        p.unit_id,
        p.left_on,
        p.created_at,
        crate::db::collation::sort_key(p.name)
    ])
    .map(drop)
}

/// Adds an employment, open when `valid_to` is `None`.
pub fn employment(
    conn: &Connection,
    person_id: i64,
    unit_id: i64,
    profession: &str,
    valid_from: &str,
    valid_to: Option<&str>,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO employment (person_id, unit_id, profession, valid_from, valid_to) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![person_id, unit_id, profession, valid_from, valid_to])
    .map(drop)
}

/// Adds an imported theory completion.
pub fn theory_completion(
    conn: &Connection,
    person_id: i64,
    licence_type_id: i64,
    completed_on: &str,
    recorded_at: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO licence_completion (person_id, licence_type_id, part, completed_on, source, recorded_at) VALUES (?1, ?2, 'theory', ?3, 'import', ?4)",
    )?
    .execute(params![person_id, licence_type_id, completed_on, recorded_at])
    .map(drop)
}

/// Adds a course and returns its id.
pub fn course(
    conn: &Connection,
    code: &str,
    title_sv: &str,
    title_en: &str,
    length_hours: i64,
    created_at: &str,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO course (code, title_sv, title_en, length_hours, created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![code, title_sv, title_en, length_hours, created_at])?;
    Ok(conn.last_insert_rowid())
}

/// Adds a lecturer's account that cannot sign in and returns its id.
pub fn lecturer(
    conn: &Connection,
    email: &str,
    name: &str,
    created_at: &str,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO account (email, name, password_hash, created_at) VALUES (?1, ?2, 'disabled', ?3)",
    )?
    .execute(params![email, name, created_at])?;
    let id = conn.last_insert_rowid();
    conn.prepare_cached("INSERT INTO account_role (account_id, role) VALUES (?1, 'lecturer')")?
        .execute([id])?;
    Ok(id)
}

/// An offering as the generator writes it.
pub struct Offering<'a> {
    /// Its course.
    pub course_id: i64,
    /// First day.
    pub starts_on: String,
    /// Last day.
    pub ends_on: String,
    /// Where.
    pub place: &'a str,
    /// Places.
    pub capacity: i64,
    /// Fewest participants for it to run.
    pub min_participants: i64,
    /// Enrolment opens.
    pub enrolment_opens: String,
    /// Enrolment closes.
    pub enrolment_closes: String,
    /// Stored status.
    pub status: &'a str,
    /// When created (UTC stamp).
    pub created_at: &'a str,
}

/// Adds an offering and returns its id.
pub fn offering(conn: &Connection, o: &Offering<'_>) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO offering (course_id, starts_on, ends_on, place, capacity, min_participants,
            enrolment_opens, enrolment_closes, status, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        o.course_id,
        o.starts_on,
        o.ends_on,
        o.place,
        o.capacity,
        o.min_participants,
        o.enrolment_opens,
        o.enrolment_closes,
        o.status,
        o.created_at
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Adds a session (UTC stamps) and returns its id.
pub fn session(
    conn: &Connection,
    offering_id: i64,
    starts_at: &str,
    ends_at: &str,
    topic: &str,
    lecturers_needed: i64,
) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO course_session (offering_id, starts_at, ends_at, topic, lecturers_needed)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        offering_id,
        starts_at,
        ends_at,
        topic,
        lecturers_needed
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Adds a lecturer's sign-up unless they have one for the session; a
/// confirmed or declined one is decided by `decided_by`. Returns how many
/// rows were added.
pub fn signup(
    conn: &Connection,
    session_id: i64,
    account_id: i64,
    status: &str,
    at: &str,
    decided_by: Option<i64>,
) -> rusqlite::Result<usize> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO lecturer_signup (session_id, account_id, status, created_at, updated_at, decided_by)
         VALUES (?1, ?2, ?3, ?4, ?4, CASE WHEN ?3 IN ('confirmed', 'declined') THEN ?5 END)",
    )?
    .execute(params![session_id, account_id, status, at, decided_by])
}

/// An enrolment as the generator writes it.
pub struct Enrolment<'a> {
    /// Its offering.
    pub offering_id: i64,
    /// Who.
    pub person_id: i64,
    /// Stored status.
    pub status: &'a str,
    /// When they joined the queue (UTC stamp).
    pub queued_at: &'a str,
    /// When they got a place.
    pub enrolled_at: Option<&'a str>,
    /// When it was cancelled.
    pub cancelled_at: Option<String>,
    /// Whether they came, once held.
    pub attended: Option<bool>,
    /// When they completed (`YYYY-MM-DD`).
    pub completed_on: Option<&'a str>,
    /// The account that enrolled them.
    pub enrolled_by: Option<i64>,
}

/// Adds an enrolment and returns its id.
pub fn enrolment(conn: &Connection, e: &Enrolment<'_>) -> rusqlite::Result<i64> {
    conn.prepare_cached(
        "INSERT INTO enrolment (offering_id, person_id, status, queued_at, enrolled_at, cancelled_at, attended, completed_on, enrolled_by)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?
    .execute(params![
        e.offering_id,
        e.person_id,
        e.status,
        e.queued_at,
        e.enrolled_at,
        e.cancelled_at,
        e.attended,
        e.completed_on,
        e.enrolled_by
    ])?;
    Ok(conn.last_insert_rowid())
}

/// Adds a period a trainee was called home from a placement.
pub fn called_home(
    conn: &Connection,
    placement_id: i64,
    start_on: &str,
    end_on: &str,
    created_at: &str,
) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO placement_home_period (placement_id, start_on, end_on, reason, note, created_at)
         VALUES (?1, ?2, ?3, 'called_home', '', ?4)",
    )?
    .execute(params![placement_id, start_on, end_on, created_at])
    .map(drop)
}
