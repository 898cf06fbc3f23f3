-- oncotrack schema of record. `PRAGMA user_version` holds the version; the
-- upgrade steps from every earlier released version live in src/db/migrate.rs.
-- Dates are ISO `YYYY-MM-DD` text, timestamps UTC RFC 3339 text, money integer öre.

-- Installation-wide values: the secret that signs CSRF tokens, and the like.
CREATE TABLE setting (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE region (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
) STRICT;

CREATE TABLE administration (
    id INTEGER PRIMARY KEY,
    region_id INTEGER NOT NULL REFERENCES region (id),
    name TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    UNIQUE (region_id, name)
) STRICT;

CREATE TABLE unit (
    id INTEGER PRIMARY KEY,
    administration_id INTEGER NOT NULL REFERENCES administration (id),
    code TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name TEXT NOT NULL,
    gives_chemotherapy INTEGER NOT NULL DEFAULT 0 CHECK (gives_chemotherapy IN (0, 1)),
    -- How many trainees a host unit takes at once; NULL when it hosts none.
    trainee_capacity INTEGER CHECK (trainee_capacity IS NULL OR trainee_capacity >= 0),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
) STRICT;
CREATE INDEX unit_administration ON unit (administration_id);

-- A person's current unit, profession and leaving date are kept here for fast
-- lists; `employment` holds the dated history that reports as of a past date use.
CREATE TABLE person (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    email TEXT NOT NULL COLLATE NOCASE UNIQUE,
    hsa_id TEXT UNIQUE,
    profession TEXT NOT NULL
        CHECK (profession IN ('nurse', 'assistant_nurse', 'st_doctor', 'physician', 'other')),
    unit_id INTEGER NOT NULL REFERENCES unit (id),
    left_on TEXT,
    created_at TEXT NOT NULL,
    -- The name as the staff list sorts it, written with the name
    -- (`collation::sort_key`: Swedish order, byte for byte), so that an
    -- index serves the list a page at a time.
    sort_name TEXT NOT NULL DEFAULT ''
) STRICT;
-- With `left_on`, counting a unit's staff today reads only the index.
CREATE INDEX person_unit ON person (unit_id, left_on);
CREATE INDEX person_name ON person (name);

-- One row per stretch of time a person worked in one unit with one profession.
-- `valid_to` is exclusive: the first day the row no longer holds (a move or leaving).
CREATE TABLE employment (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES person (id),
    unit_id INTEGER NOT NULL REFERENCES unit (id),
    profession TEXT NOT NULL
        CHECK (profession IN ('nurse', 'assistant_nurse', 'st_doctor', 'physician', 'other')),
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    CHECK (valid_to IS NULL OR valid_to > valid_from)
) STRICT;
CREATE INDEX employment_person ON employment (person_id, valid_from);
CREATE INDEX employment_unit ON employment (unit_id, valid_from);

CREATE TABLE account (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL COLLATE NOCASE UNIQUE,
    name TEXT NOT NULL,
    person_id INTEGER REFERENCES person (id),
    password_hash TEXT NOT NULL,
    language TEXT CHECK (language IS NULL OR language IN ('sv', 'en')),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL
) STRICT;

-- A role, with the scope it holds for managers (`scope_kind` unit, administration
-- or region and the row id); other roles have no scope.
CREATE TABLE account_role (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES account (id),
    role TEXT NOT NULL
        CHECK (role IN ('admin', 'coordinator', 'study_director', 'manager', 'lecturer', 'staff',
                        'quality_analyst', 'council_secretary', 'council_member')),
    scope_kind TEXT CHECK (scope_kind IS NULL OR scope_kind IN ('unit', 'administration', 'region')),
    scope_id INTEGER,
    CHECK ((role = 'manager') = (scope_kind IS NOT NULL AND scope_id IS NOT NULL))
) STRICT;
CREATE UNIQUE INDEX account_role_unique ON account_role (account_id, role, ifnull(scope_kind, ''), ifnull(scope_id, 0));

-- Sessions are stored by the SHA-256 of their token, so a copy of the database
-- does not hand out live sessions.
CREATE TABLE session (
    token_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES account (id),
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    ended_at TEXT,
    address TEXT,
    -- How the user signed in: password, password+totp, password+recovery, oidc.
    method TEXT,
    -- The browser, as its User-Agent named it (cut to 200 characters).
    user_agent TEXT
) STRICT;
CREATE INDEX session_account ON session (account_id);

CREATE TABLE api_token (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES account (id),
    label TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT,
    -- The last day it works (Europe/Stockholm); NULL for no end.
    expires_on TEXT,
    -- What it may do: `all`, `read` (GET only) or a list of endpoint names
    -- separated by spaces (`status`).
    scope TEXT NOT NULL DEFAULT 'all'
) STRICT;

-- Failed and successful sign-ins, read by the throttle.
CREATE TABLE login_attempt (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL COLLATE NOCASE,
    address TEXT NOT NULL,
    at TEXT NOT NULL,
    success INTEGER NOT NULL CHECK (success IN (0, 1))
) STRICT;
CREATE INDEX login_attempt_email ON login_attempt (email, at);
CREATE INDEX login_attempt_address ON login_attempt (address, at);

-- Every write and every sign-in attempt. Append-only: the triggers below refuse
-- changes, so the log can be trusted in an audit.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor_account_id INTEGER REFERENCES account (id),
    actor TEXT NOT NULL,
    address TEXT,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT,
    before TEXT,
    after TEXT
) STRICT;
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- Licence types (e.g. CYTO, the chemotherapy licence). `warning_days` is a JSON
-- array of thresholds in days before expiry, largest first.
CREATE TABLE licence_type (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE COLLATE NOCASE,
    name_sv TEXT NOT NULL,
    name_en TEXT NOT NULL,
    validity_months INTEGER NOT NULL CHECK (validity_months BETWEEN 1 AND 240),
    window_days INTEGER NOT NULL CHECK (window_days BETWEEN 0 AND 3650),
    extend_from_expiry INTEGER NOT NULL CHECK (extend_from_expiry IN (0, 1)),
    warning_days TEXT NOT NULL DEFAULT '[]',
    requires_practical INTEGER NOT NULL DEFAULT 0 CHECK (requires_practical IN (0, 1)),
    practical_validity_months INTEGER CHECK (practical_validity_months IS NULL OR practical_validity_months BETWEEN 1 AND 240),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
) STRICT;

-- Who must hold a licence: a profession in a scope (a unit, an administration,
-- a region, or every unit that gives chemotherapy).
CREATE TABLE licence_requirement (
    id INTEGER PRIMARY KEY,
    licence_type_id INTEGER NOT NULL REFERENCES licence_type (id),
    profession TEXT NOT NULL
        CHECK (profession IN ('nurse', 'assistant_nurse', 'st_doctor', 'physician', 'other')),
    scope_kind TEXT NOT NULL CHECK (scope_kind IN ('unit', 'administration', 'region', 'chemotherapy_units')),
    scope_id INTEGER,
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    CHECK ((scope_kind = 'chemotherapy_units') = (scope_id IS NULL))
) STRICT;

-- A recorded import file; its completions can be undone together.
CREATE TABLE import_batch (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    rows INTEGER NOT NULL,
    added INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    created_by INTEGER REFERENCES account (id),
    undone_at TEXT,
    undone_by INTEGER REFERENCES account (id)
) STRICT;

-- Completions are appended, never changed: a wrong one is revoked below.
CREATE TABLE licence_completion (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES person (id),
    licence_type_id INTEGER NOT NULL REFERENCES licence_type (id),
    part TEXT NOT NULL CHECK (part IN ('theory', 'practical')),
    completed_on TEXT NOT NULL,
    signed_by TEXT,
    note TEXT,
    source TEXT NOT NULL CHECK (source IN ('manual', 'import', 'offering', 'demo')),
    import_batch_id INTEGER REFERENCES import_batch (id),
    recorded_at TEXT NOT NULL,
    recorded_by INTEGER REFERENCES account (id),
    -- The course offering whose completion recorded it (source 'offering').
    offering_id INTEGER REFERENCES offering (id)
) STRICT;
CREATE INDEX licence_completion_person ON licence_completion (person_id, licence_type_id, completed_on);
CREATE INDEX licence_completion_type ON licence_completion (licence_type_id, person_id);
-- Only imported completions have a batch: the others need no entry.
CREATE INDEX licence_completion_batch ON licence_completion (import_batch_id)
    WHERE import_batch_id IS NOT NULL;

CREATE TABLE licence_revocation (
    completion_id INTEGER PRIMARY KEY REFERENCES licence_completion (id),
    revoked_at TEXT NOT NULL,
    revoked_by INTEGER REFERENCES account (id),
    reason TEXT NOT NULL CHECK (length(trim(reason)) > 0)
) STRICT;

CREATE TRIGGER licence_completion_no_update BEFORE UPDATE ON licence_completion
BEGIN
    SELECT RAISE(ABORT, 'completions are never changed; revoke and record anew');
END;
CREATE TRIGGER licence_completion_no_delete BEFORE DELETE ON licence_completion
BEGIN
    SELECT RAISE(ABORT, 'completions are never deleted; revoke instead');
END;
CREATE TRIGGER licence_revocation_no_update BEFORE UPDATE ON licence_revocation
BEGIN
    SELECT RAISE(ABORT, 'revocations are never changed');
END;
CREATE TRIGGER licence_revocation_no_delete BEFORE DELETE ON licence_revocation
BEGIN
    SELECT RAISE(ABORT, 'revocations are never deleted');
END;

-- A fresh database knows the chemotherapy licence and who must hold it.
INSERT INTO licence_type (code, name_sv, name_en, validity_months, window_days, extend_from_expiry, warning_days, requires_practical)
VALUES ('CYTO', 'Cytostatikakörkort', 'Chemotherapy licence', 36, 90, 1, '[90,30]', 0);
INSERT INTO licence_requirement (licence_type_id, profession, scope_kind, scope_id)
VALUES (1, 'nurse', 'chemotherapy_units', NULL);

-- A link that shows one person's licence to whoever holds it (the person's
-- name, the licence, today's status and valid-until), for staff who move
-- between hospitals. Like sessions, only the SHA-256 of the token is stored;
-- a link is revoked, never deleted, so the record of who shared what stays.
CREATE TABLE licence_verification (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES person (id),
    licence_type_id INTEGER NOT NULL REFERENCES licence_type (id),
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    created_by INTEGER REFERENCES account (id),
    revoked_at TEXT,
    revoked_by INTEGER REFERENCES account (id)
) STRICT;
CREATE INDEX licence_verification_person ON licence_verification (person_id, licence_type_id);

-- Messages the application sends: licence reminders to a person and weekly
-- digests to managers. The UNIQUE `dedupe_key` makes "each is sent once" hold
-- across restarts and repeated runs: runs insert with INSERT OR IGNORE, so a
-- message that exists is never queued again. Keys:
--   licence:{person}:{type}:{valid_until}:warn:{days}
--   licence:{person}:{type}:{valid_until}:expired
--   digest:{account}:{ISO year}-W{ISO week}
-- `sent_at` is set once an SMTP server accepted the message; until then it is
-- shown in the app only. `attempts` and `last_error` record failed deliveries.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('licence_warning', 'licence_expired', 'manager_digest',
        'lecturer_confirmed', 'lecturer_declined', 'lecturer_withdrawn', 'enrolment_promoted',
        'offering_cancelled', 'session_cancelled', 'manager_reminder', 'security_notice',
        'council_action_overdue', 'consultation_reminder', 'consultation_shared')),
    dedupe_key TEXT NOT NULL UNIQUE,
    recipient_person_id INTEGER REFERENCES person (id),
    recipient_account_id INTEGER REFERENCES account (id),
    to_email TEXT NOT NULL,
    subject TEXT NOT NULL,
    -- Plain text, Swedish then English.
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error TEXT,
    CHECK (recipient_person_id IS NOT NULL OR recipient_account_id IS NOT NULL)
) STRICT;
CREATE INDEX outbox_person ON outbox (recipient_person_id, created_at);
CREATE INDEX outbox_account ON outbox (recipient_account_id, created_at);
CREATE INDEX outbox_unsent ON outbox (created_at) WHERE sent_at IS NULL;

-- Compliance counts kept as step functions, so that "counts per unit as of any
-- day" is a lookup rather than an evaluation of every person (src/licences/counts.rs).
-- These tables are derived from employment, units, requirements, licence types,
-- completions and revocations, and can always be rebuilt from them; they carry
-- no foreign keys so the rebuild can write millions of rows quickly.
--
-- Days are stored as day numbers (days since 1970-01-01) and statuses as
-- codes (0 valid, 1 expiring, 2 expired, 3 missing): these tables hold
-- tens of millions of rows at national scale, and a number takes two bytes
-- where a date's text takes eleven.
--
-- A person's transitions for one licence type: from `day` (until `until_day`,
-- the next transition's day, NULL for the last) they count in `unit_id` with
-- `status`, or not at all when both are NULL. `valid_until` is the licence's
-- last valid day as it stood then, for the expiry forecast.
CREATE TABLE compliance_event (
    licence_type_id INTEGER NOT NULL,
    person_id INTEGER NOT NULL,
    day INTEGER NOT NULL,
    until_day INTEGER,
    unit_id INTEGER,
    status INTEGER CHECK (status IS NULL OR status BETWEEN 0 AND 3),
    valid_until INTEGER,
    CHECK ((unit_id IS NULL) = (status IS NULL)),
    PRIMARY KEY (licence_type_id, person_id, day)
) STRICT, WITHOUT ROWID;
-- Who holds a licence that runs out in a given span, on a given day: the
-- key's person and day are in every entry too, and with the status the
-- forecast reads the index alone.
CREATE INDEX compliance_event_expiry ON compliance_event (licence_type_id, valid_until, until_day, unit_id, status)
    WHERE status IN (0, 1);

-- The summed change of a unit's counts on a day (the events' differences),
-- by day first: the counts as of a day read a range of days.
CREATE TABLE compliance_delta (
    licence_type_id INTEGER NOT NULL,
    day INTEGER NOT NULL,
    unit_id INTEGER NOT NULL,
    valid INTEGER NOT NULL,
    expiring INTEGER NOT NULL,
    expired INTEGER NOT NULL,
    missing INTEGER NOT NULL,
    PRIMARY KEY (licence_type_id, day, unit_id)
) STRICT, WITHOUT ROWID;

-- A unit's counts at the start of `month` (`YYYY-MM-01`): the sum of its
-- deltas before that day. Counts as of D are the checkpoint of D's month plus
-- the deltas from the first of the month to D. Every unit with deltas has a row
-- for every month from the type's first month to its last (24 months ahead
-- of the day of the last refresh).
CREATE TABLE compliance_checkpoint (
    licence_type_id INTEGER NOT NULL,
    month TEXT NOT NULL,
    unit_id INTEGER NOT NULL,
    valid INTEGER NOT NULL,
    expiring INTEGER NOT NULL,
    expired INTEGER NOT NULL,
    missing INTEGER NOT NULL,
    PRIMARY KEY (licence_type_id, month, unit_id)
) STRICT, WITHOUT ROWID;

-- What changed since the counts were last brought up to date: a person's
-- licence type, or 0 for "every": (person, 0) every type of one person,
-- (0, type) every person of one type, (0, 0) everything. The triggers below
-- fill it, so no write path can forget; `counts::refresh` empties it.
CREATE TABLE compliance_dirty (
    person_id INTEGER NOT NULL CHECK (person_id >= 0),
    licence_type_id INTEGER NOT NULL CHECK (licence_type_id >= 0),
    PRIMARY KEY (person_id, licence_type_id)
) STRICT, WITHOUT ROWID;

-- While everything is dirty (a bulk load), single rows would be redundant.
CREATE TRIGGER compliance_dirty_completion AFTER INSERT ON licence_completion
WHEN NOT EXISTS (SELECT 1 FROM compliance_dirty WHERE person_id = 0 AND licence_type_id IN (0, NEW.licence_type_id))
BEGIN
    INSERT OR IGNORE INTO compliance_dirty (person_id, licence_type_id) VALUES (NEW.person_id, NEW.licence_type_id);
END;
CREATE TRIGGER compliance_dirty_revocation AFTER INSERT ON licence_revocation
BEGIN
    INSERT OR IGNORE INTO compliance_dirty (person_id, licence_type_id)
    SELECT person_id, licence_type_id FROM licence_completion WHERE id = NEW.completion_id;
END;
CREATE TRIGGER compliance_dirty_employment_insert AFTER INSERT ON employment
WHEN NOT EXISTS (SELECT 1 FROM compliance_dirty WHERE person_id = 0 AND licence_type_id = 0)
BEGIN
    INSERT OR IGNORE INTO compliance_dirty (person_id, licence_type_id) VALUES (NEW.person_id, 0);
END;
CREATE TRIGGER compliance_dirty_employment_update AFTER UPDATE ON employment
BEGIN
    INSERT OR IGNORE INTO compliance_dirty (person_id, licence_type_id) VALUES (OLD.person_id, 0), (NEW.person_id, 0);
END;
CREATE TRIGGER compliance_dirty_employment_delete AFTER DELETE ON employment
BEGIN
    INSERT OR IGNORE INTO compliance_dirty (person_id, licence_type_id) VALUES (OLD.person_id, 0);
END;
-- A requirement concerns one profession in a scope: only the people of that
-- profession who ever worked in a unit of the scope can change.
CREATE TRIGGER compliance_dirty_requirement_insert AFTER INSERT ON licence_requirement
BEGIN
    INSERT OR IGNORE INTO compliance_dirty (person_id, licence_type_id)
    SELECT DISTINCT e.person_id, NEW.licence_type_id
    FROM employment e JOIN unit u ON u.id = e.unit_id JOIN administration a ON a.id = u.administration_id
    WHERE e.profession = NEW.profession AND CASE NEW.scope_kind
        WHEN 'unit' THEN u.id = NEW.scope_id
        WHEN 'administration' THEN u.administration_id = NEW.scope_id
        WHEN 'region' THEN a.region_id = NEW.scope_id
        WHEN 'chemotherapy_units' THEN u.gives_chemotherapy = 1
            OR EXISTS (SELECT 1 FROM unit_chemotherapy_change c WHERE c.unit_id = u.id)
        ELSE 1 END;
END;
CREATE TRIGGER compliance_dirty_requirement_update AFTER UPDATE ON licence_requirement
BEGIN
    INSERT OR IGNORE INTO compliance_dirty (person_id, licence_type_id)
    SELECT DISTINCT e.person_id, OLD.licence_type_id
    FROM employment e JOIN unit u ON u.id = e.unit_id JOIN administration a ON a.id = u.administration_id
    WHERE e.profession = OLD.profession AND CASE OLD.scope_kind
        WHEN 'unit' THEN u.id = OLD.scope_id
        WHEN 'administration' THEN u.administration_id = OLD.scope_id
        WHEN 'region' THEN a.region_id = OLD.scope_id
        WHEN 'chemotherapy_units' THEN u.gives_chemotherapy = 1
            OR EXISTS (SELECT 1 FROM unit_chemotherapy_change c WHERE c.unit_id = u.id)
        ELSE 1 END;
    INSERT OR IGNORE INTO compliance_dirty (person_id, licence_type_id)
    SELECT DISTINCT e.person_id, NEW.licence_type_id
    FROM employment e JOIN unit u ON u.id = e.unit_id JOIN administration a ON a.id = u.administration_id
    WHERE e.profession = NEW.profession AND CASE NEW.scope_kind
        WHEN 'unit' THEN u.id = NEW.scope_id
        WHEN 'administration' THEN u.administration_id = NEW.scope_id
        WHEN 'region' THEN a.region_id = NEW.scope_id
        WHEN 'chemotherapy_units' THEN u.gives_chemotherapy = 1
            OR EXISTS (SELECT 1 FROM unit_chemotherapy_change c WHERE c.unit_id = u.id)
        ELSE 1 END;
END;
CREATE TRIGGER compliance_dirty_requirement_delete AFTER DELETE ON licence_requirement
BEGIN
    INSERT OR IGNORE INTO compliance_dirty (person_id, licence_type_id) VALUES (0, OLD.licence_type_id);
END;
CREATE TRIGGER compliance_dirty_unit AFTER UPDATE OF gives_chemotherapy, administration_id ON unit
WHEN OLD.gives_chemotherapy IS NOT NEW.gives_chemotherapy OR OLD.administration_id IS NOT NEW.administration_id
BEGIN
    INSERT OR IGNORE INTO compliance_dirty (person_id, licence_type_id)
    SELECT DISTINCT person_id, 0 FROM employment WHERE unit_id = NEW.id;
END;
CREATE TRIGGER compliance_dirty_administration AFTER UPDATE OF region_id ON administration
WHEN OLD.region_id IS NOT NEW.region_id
BEGIN
    INSERT OR IGNORE INTO compliance_dirty (person_id, licence_type_id)
    SELECT DISTINCT e.person_id, 0 FROM employment e JOIN unit u ON u.id = e.unit_id WHERE u.administration_id = NEW.id;
END;
-- A new type, or new rules for one, can change every holder's dates.
CREATE TRIGGER compliance_dirty_licence_type_insert AFTER INSERT ON licence_type
BEGIN
    INSERT OR IGNORE INTO compliance_dirty (person_id, licence_type_id) VALUES (0, NEW.id);
END;
CREATE TRIGGER compliance_dirty_licence_type_update AFTER UPDATE ON licence_type
WHEN OLD.validity_months IS NOT NEW.validity_months OR OLD.window_days IS NOT NEW.window_days
    OR OLD.extend_from_expiry IS NOT NEW.extend_from_expiry OR OLD.warning_days IS NOT NEW.warning_days
    OR OLD.requires_practical IS NOT NEW.requires_practical
    OR OLD.practical_validity_months IS NOT NEW.practical_validity_months
BEGIN
    INSERT OR IGNORE INTO compliance_dirty (person_id, licence_type_id) VALUES (0, NEW.id);
END;


-- @version 2
-- Everything below was added in version 2. A version 1 file gets it from the
-- upgrade step in src/db/migrate.rs (the changes to the tables above) followed
-- by this section; tests/upgrade.rs checks both paths end with the same schema.

-- Courses ------------------------------------------------------------------

-- A course in the catalogue. Completing one that names a licence type records
-- that licence part for each participant marked completed.
CREATE TABLE course (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE COLLATE NOCASE,
    title_sv TEXT NOT NULL CHECK (length(trim(title_sv)) > 0),
    title_en TEXT NOT NULL CHECK (length(trim(title_en)) > 0),
    -- The syllabus (kursplan), plain text.
    syllabus TEXT NOT NULL DEFAULT '',
    length_hours INTEGER CHECK (length_hours IS NULL OR length_hours > 0),
    licence_type_id INTEGER REFERENCES licence_type (id),
    licence_part TEXT CHECK (licence_part IS NULL OR licence_part IN ('theory', 'practical')),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at TEXT NOT NULL,
    -- Whom the licence page suggests it to: a basic course, a renewal, or
    -- either (version 5).
    purpose TEXT NOT NULL DEFAULT 'any' CHECK (purpose IN ('any', 'basic', 'renewal')),
    CHECK ((licence_type_id IS NULL) = (licence_part IS NULL))
) STRICT;

-- Who a course is for; a course without rows is open to every profession.
CREATE TABLE course_audience (
    course_id INTEGER NOT NULL REFERENCES course (id),
    profession TEXT NOT NULL
        CHECK (profession IN ('nurse', 'assistant_nurse', 'st_doctor', 'physician', 'other')),
    PRIMARY KEY (course_id, profession)
) STRICT, WITHOUT ROWID;

-- A course offering (kurstillfälle). "Full" is derived from the enrolments,
-- never stored. `sequence` is the iCalendar SEQUENCE of its events, bumped on
-- every change a calendar shows.
CREATE TABLE offering (
    id INTEGER PRIMARY KEY,
    course_id INTEGER NOT NULL REFERENCES course (id),
    starts_on TEXT NOT NULL,
    ends_on TEXT NOT NULL,
    -- A room, or "Teams" / distance.
    place TEXT NOT NULL,
    capacity INTEGER NOT NULL CHECK (capacity > 0),
    min_participants INTEGER NOT NULL DEFAULT 0 CHECK (min_participants >= 0),
    enrolment_opens TEXT NOT NULL,
    enrolment_closes TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'planned'
        CHECK (status IN ('planned', 'open', 'cancelled', 'completed')),
    sequence INTEGER NOT NULL DEFAULT 0 CHECK (sequence >= 0),
    created_at TEXT NOT NULL,
    created_by INTEGER REFERENCES account (id),
    CHECK (ends_on >= starts_on),
    CHECK (enrolment_closes >= enrolment_opens)
) STRICT;
CREATE INDEX offering_course ON offering (course_id, starts_on);
CREATE INDEX offering_starts ON offering (starts_on);

-- A session (föreläsning / pass) of an offering. Times are UTC instants
-- (`YYYY-MM-DDTHH:MM:SSZ`); pages show and take them in Europe/Stockholm.
CREATE TABLE course_session (
    id INTEGER PRIMARY KEY,
    offering_id INTEGER NOT NULL REFERENCES offering (id),
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    topic TEXT NOT NULL CHECK (length(trim(topic)) > 0),
    lecturers_needed INTEGER NOT NULL DEFAULT 1 CHECK (lecturers_needed >= 1),
    -- NULL: the offering's place.
    place TEXT,
    cancelled_at TEXT,
    sequence INTEGER NOT NULL DEFAULT 0 CHECK (sequence >= 0),
    CHECK (ends_at > starts_at)
) STRICT;
CREATE INDEX course_session_offering ON course_session (offering_id, starts_at);
CREATE INDEX course_session_starts ON course_session (starts_at);

-- A lecturer's offer to teach a session, and what became of it. One row per
-- lecturer and session; volunteering again after withdrawing reuses it.
-- Lecturers are accounts: many teach from outside the staff register.
CREATE TABLE lecturer_signup (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES course_session (id),
    account_id INTEGER NOT NULL REFERENCES account (id),
    status TEXT NOT NULL CHECK (status IN ('volunteered', 'confirmed', 'declined', 'withdrawn')),
    note TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    decided_by INTEGER REFERENCES account (id),
    UNIQUE (session_id, account_id)
) STRICT;
CREATE INDEX lecturer_signup_account ON lecturer_signup (account_id, status);
CREATE INDEX lecturer_signup_session ON lecturer_signup (session_id, status);

-- A place on an offering or on its waitlist. The waitlist is ordered by
-- `queued_at` then id; promotion takes the first. A person holds at most one
-- live (not cancelled) enrolment per offering.
CREATE TABLE enrolment (
    id INTEGER PRIMARY KEY,
    offering_id INTEGER NOT NULL REFERENCES offering (id),
    person_id INTEGER NOT NULL REFERENCES person (id),
    status TEXT NOT NULL CHECK (status IN ('enrolled', 'waitlisted', 'cancelled')),
    queued_at TEXT NOT NULL,
    enrolled_at TEXT,
    cancelled_at TEXT,
    enrolled_by INTEGER REFERENCES account (id),
    -- Marked by the coordinator: NULL until marked.
    attended INTEGER CHECK (attended IS NULL OR attended IN (0, 1)),
    completed_on TEXT,
    -- The licence completion this enrolment's completion recorded.
    licence_completion_id INTEGER REFERENCES licence_completion (id)
) STRICT;
CREATE UNIQUE INDEX enrolment_live ON enrolment (offering_id, person_id) WHERE status <> 'cancelled';
CREATE INDEX enrolment_offering ON enrolment (offering_id, status, queued_at, id);
CREATE INDEX enrolment_person ON enrolment (person_id, status);

-- Subscription links for calendar apps, which fetch without a session: an
-- offering's sessions, a lecturer's (account's) confirmed sessions, or a
-- person's enrolments. Only the SHA-256 of the token is stored; revoked, never deleted.
CREATE TABLE calendar_feed (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('offering', 'lecturer', 'person', 'council')),
    subject_id INTEGER NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    created_by INTEGER REFERENCES account (id),
    revoked_at TEXT
) STRICT;
CREATE INDEX calendar_feed_subject ON calendar_feed (kind, subject_id);

-- Rotations -----------------------------------------------------------------

-- Agreements (cost sharing between home clinic and host) --------------------
-- One version of a cost-sharing agreement per row. A new version is a new row
-- with the same code and its own validity: history is appended, never
-- overwritten. For a placement start, the version of a code in force is the one
-- with the latest valid_from that covers it (see src/rotations/model.rs).
CREATE TABLE agreement (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL CHECK (code <> ''),
    version INTEGER NOT NULL CHECK (version >= 1),
    name_sv TEXT NOT NULL CHECK (name_sv <> ''),
    name_en TEXT,
    valid_from TEXT NOT NULL,
    valid_to TEXT CHECK (valid_to IS NULL OR valid_to >= valid_from),
    -- Comma-separated kinds (general, radiotherapy); '' covers every kind.
    kinds TEXT NOT NULL DEFAULT '',
    min_months INTEGER CHECK (min_months IS NULL OR min_months >= 1),
    max_months INTEGER CHECK (max_months IS NULL OR max_months >= 1),
    cap_ore_per_month INTEGER CHECK (cap_ore_per_month IS NULL OR cap_ore_per_month >= 0),
    is_fallback INTEGER NOT NULL DEFAULT 0 CHECK (is_fallback IN (0, 1)),
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    created_by INTEGER REFERENCES account (id),
    UNIQUE (code, version)
) STRICT;

-- The steps of a version: placement months from_month..to_month (open when
-- NULL), host's share in per-mille. Contiguous from month 1 (checked on save).
CREATE TABLE agreement_tier (
    agreement_id INTEGER NOT NULL REFERENCES agreement (id),
    from_month INTEGER NOT NULL CHECK (from_month >= 1),
    to_month INTEGER CHECK (to_month IS NULL OR to_month >= from_month),
    host_permille INTEGER NOT NULL CHECK (host_permille BETWEEN 0 AND 1000),
    PRIMARY KEY (agreement_id, from_month)
) STRICT, WITHOUT ROWID;

INSERT INTO agreement (code, version, name_sv, name_en, valid_from, kinds, min_months, is_fallback, note, created_at)
VALUES ('older-regional', 1, 'Äldre regional överenskommelse', 'Older regional agreement', '2000-01-01',
        'radiotherapy', 6, 0, 'Sammanhängande strålbehandlingsplacering om minst 6 månader.', '2026-01-01T00:00:00Z');
INSERT INTO agreement_tier (agreement_id, from_month, to_month, host_permille)
SELECT id, 1, 3, 0 FROM agreement WHERE code = 'older-regional' AND version = 1
UNION ALL SELECT id, 4, 6, 500 FROM agreement WHERE code = 'older-regional' AND version = 1
UNION ALL SELECT id, 7, 9, 1000 FROM agreement WHERE code = 'older-regional' AND version = 1;
INSERT INTO agreement (code, version, name_sv, name_en, valid_from, kinds, is_fallback, note, created_at)
VALUES ('home-pays', 1, 'Hemkliniken betalar', 'The home clinic pays', '2000-01-01', '', 1,
        'Gäller när inget annat avtal är tillämpligt.', '2026-01-01T00:00:00Z');
INSERT INTO agreement_tier (agreement_id, from_month, to_month, host_permille)
SELECT id, 1, NULL, 0 FROM agreement WHERE code = 'home-pays' AND version = 1;

-- Trainees, training elements and placements --------------------------------

-- An ST doctor in training: a person with profession `st_doctor` whose unit
-- is the home clinic that employs them. `rulebook` is `sosfs_2015_8` (goals
-- c1, c2, ...) or `hslf_fs_2021_8` (goals STc1, STc2, ...).
CREATE TABLE trainee (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL UNIQUE REFERENCES person (id),
    specialty TEXT NOT NULL CHECK (length(trim(specialty)) > 0),
    rulebook TEXT NOT NULL CHECK (rulebook IN ('sosfs_2015_8', 'hslf_fs_2021_8')),
    st_start TEXT NOT NULL,
    planned_end TEXT NOT NULL,
    study_director TEXT NOT NULL DEFAULT '',
    supervisor TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    CHECK (planned_end > st_start)
) STRICT;

-- A trainee's monthly salary cost (öre) from a day on. Appended, never
-- changed: a revision is a new row; of two rows from the same day the later
-- recorded one holds.
CREATE TABLE trainee_salary (
    id INTEGER PRIMARY KEY,
    trainee_id INTEGER NOT NULL REFERENCES trainee (id),
    effective_from TEXT NOT NULL,
    monthly_cost_ore INTEGER NOT NULL CHECK (monthly_cost_ore >= 0),
    recorded_at TEXT NOT NULL,
    recorded_by INTEGER REFERENCES account (id)
) STRICT;
CREATE INDEX trainee_salary_trainee ON trainee_salary (trainee_id, effective_from, id);
CREATE TRIGGER trainee_salary_no_update BEFORE UPDATE ON trainee_salary
BEGIN
    SELECT RAISE(ABORT, 'salary history is append-only; record a revision');
END;
CREATE TRIGGER trainee_salary_no_delete BEFORE DELETE ON trainee_salary
BEGIN
    SELECT RAISE(ABORT, 'salary history is append-only; record a revision');
END;

-- A training element of a specialty, kept by study directors. Goals are
-- space-separated codes (`STc2 STc3`, `c5`).
CREATE TABLE training_element (
    id INTEGER PRIMARY KEY,
    specialty TEXT NOT NULL,
    name TEXT NOT NULL CHECK (length(trim(name)) > 0),
    goals_largely TEXT NOT NULL DEFAULT '',
    goals_partly TEXT NOT NULL DEFAULT '',
    suggested_months INTEGER NOT NULL CHECK (suggested_months BETWEEN 1 AND 36),
    at_host INTEGER NOT NULL DEFAULT 1 CHECK (at_host IN (0, 1)),
    active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    UNIQUE (specialty, name)
) STRICT;

-- A placement (randning) at a host unit. `end_on` is inclusive. The stored
-- status is planned, approved or cancelled; an approved placement shows as
-- active while it runs and completed after its end. Approval copies the plan
-- (`approved_*`) and the agreement chosen from it, so later changes never
-- change which agreement applies.
CREATE TABLE placement (
    id INTEGER PRIMARY KEY,
    trainee_id INTEGER NOT NULL REFERENCES trainee (id),
    host_unit_id INTEGER NOT NULL REFERENCES unit (id),
    kind TEXT NOT NULL CHECK (kind IN ('general', 'radiotherapy')),
    start_on TEXT NOT NULL,
    end_on TEXT NOT NULL,
    extent_percent INTEGER NOT NULL CHECK (extent_percent BETWEEN 1 AND 100),
    host_supervisor TEXT NOT NULL DEFAULT '',
    certificate TEXT NOT NULL DEFAULT 'not_started'
        CHECK (certificate IN ('not_started', 'pending', 'signed')),
    status TEXT NOT NULL DEFAULT 'planned' CHECK (status IN ('planned', 'approved', 'cancelled')),
    approved_kind TEXT CHECK (approved_kind IS NULL OR approved_kind IN ('general', 'radiotherapy')),
    approved_start TEXT,
    approved_end TEXT,
    approved_extent INTEGER,
    agreement_code TEXT,
    approved_at TEXT,
    -- The version of agreement_code the placement was priced with (version 6).
    agreement_version INTEGER,
    approved_by INTEGER REFERENCES account (id),
    created_at TEXT NOT NULL,
    CHECK (end_on >= start_on)
) STRICT;
CREATE INDEX placement_trainee ON placement (trainee_id, start_on);
CREATE INDEX placement_host ON placement (host_unit_id, start_on);
CREATE INDEX placement_dates ON placement (start_on, end_on);

-- The training elements a placement covers.
CREATE TABLE placement_element (
    placement_id INTEGER NOT NULL REFERENCES placement (id),
    element_id INTEGER NOT NULL REFERENCES training_element (id),
    PRIMARY KEY (placement_id, element_id)
) STRICT;
CREATE INDEX placement_element_element ON placement_element (element_id);

-- Days inside a placement when the trainee was called home or on leave; the
-- home clinic pays those days in full.
CREATE TABLE placement_home_period (
    id INTEGER PRIMARY KEY,
    placement_id INTEGER NOT NULL REFERENCES placement (id),
    start_on TEXT NOT NULL,
    end_on TEXT NOT NULL,
    reason TEXT NOT NULL CHECK (reason IN ('called_home', 'leave')),
    note TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL,
    CHECK (end_on >= start_on)
) STRICT;
CREATE INDEX placement_home_period_placement ON placement_home_period (placement_id, start_on);

-- The reported split of approved placements, as a ledger per calendar month.
-- Approval writes one `approval` line per month; every later change (dates,
-- extent, a home period, a salary revision) writes `adjustment` lines dated
-- the change day with the difference between the new split and what the
-- month's lines already sum to. Lines are never changed, so what was reported
-- stays as it was; a month's lines always sum to the current split.
CREATE TABLE placement_split_line (
    id INTEGER PRIMARY KEY,
    placement_id INTEGER NOT NULL REFERENCES placement (id),
    kind TEXT NOT NULL CHECK (kind IN ('approval', 'adjustment')),
    recorded_on TEXT NOT NULL,
    month TEXT NOT NULL,
    home_ore INTEGER NOT NULL,
    host_ore INTEGER NOT NULL,
    cause TEXT NOT NULL DEFAULT '',
    recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX placement_split_line_placement ON placement_split_line (placement_id, month, id);
CREATE TRIGGER placement_split_line_no_update BEFORE UPDATE ON placement_split_line
BEGIN
    SELECT RAISE(ABORT, 'reported split lines are never changed; add an adjustment');
END;
CREATE TRIGGER placement_split_line_no_delete BEFORE DELETE ON placement_split_line
BEGIN
    SELECT RAISE(ABORT, 'reported split lines are never deleted; add an adjustment');
END;


-- @version 4
-- Everything below was added in version 4 (with the roles of quality
-- analysts and council secretaries and members above).

-- The quality indicator ----------------------------------------------------

-- A source system whose pseudonymised treatment extracts are imported (one
-- region's Cytobase, another's system), with how its export's columns and
-- values read (JSON, see src/quality/import.rs `Mapping`).
CREATE TABLE quality_source (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(trim(name)) > 0),
    region_id INTEGER REFERENCES region (id),
    mapping TEXT NOT NULL DEFAULT '{}',
    created_at TEXT NOT NULL
) STRICT;

-- One imported extract: a source's treatments of the days from `period_from`
-- to `period_to`. A later import of the same source replaces the rows of the
-- days it covers (`replaced_rows` says how many it took away).
CREATE TABLE quality_batch (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES quality_source (id),
    period_from TEXT NOT NULL,
    period_to TEXT NOT NULL,
    file_name TEXT NOT NULL,
    row_count INTEGER NOT NULL CHECK (row_count >= 0),
    replaced_rows INTEGER NOT NULL DEFAULT 0 CHECK (replaced_rows >= 0),
    imported_at TEXT NOT NULL,
    imported_by INTEGER REFERENCES account (id),
    CHECK (period_to >= period_from)
) STRICT;

-- A treatment as an extract records it. The patient is only a keyed hash of
-- the source's pseudonym; nobody is shown these rows, only aggregates.
CREATE TABLE quality_treatment (
    id INTEGER PRIMARY KEY,
    batch_id INTEGER NOT NULL REFERENCES quality_batch (id),
    source_id INTEGER NOT NULL REFERENCES quality_source (id),
    patient TEXT NOT NULL,
    administration_id INTEGER NOT NULL REFERENCES administration (id),
    unit_id INTEGER REFERENCES unit (id),
    kind TEXT NOT NULL CHECK (kind IN ('cytotoxic', 'radiotherapy', 'immunotherapy', 'other')),
    treated_on TEXT NOT NULL,
    died_on TEXT,
    diagnosis_group TEXT,
    CHECK (died_on IS NULL OR died_on >= treated_on)
) STRICT;
CREATE INDEX quality_treatment_source ON quality_treatment (source_id, treated_on);
CREATE INDEX quality_treatment_patient ON quality_treatment (patient, kind);
CREATE INDEX quality_treatment_death ON quality_treatment (died_on) WHERE died_on IS NOT NULL;

-- @version 7

-- The days a unit started or stopped giving chemotherapy, so that a report
-- as of a past day counts the units as they were then. `unit.gives_chemotherapy`
-- is the flag now; before a unit's first change it was the opposite of that
-- change, and a unit never changed has always been as it is.
CREATE TABLE unit_chemotherapy_change (
    id INTEGER PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES unit (id),
    from_day TEXT NOT NULL,
    gives INTEGER NOT NULL CHECK (gives IN (0, 1)),
    recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX unit_chemotherapy_change_unit ON unit_chemotherapy_change (unit_id, from_day, id);
CREATE TRIGGER compliance_dirty_unit_chemotherapy AFTER INSERT ON unit_chemotherapy_change
BEGIN
    INSERT OR IGNORE INTO compliance_dirty (person_id, licence_type_id)
    SELECT DISTINCT person_id, 0 FROM employment WHERE unit_id = NEW.unit_id;
END;

-- @version 9

-- A second factor for local sign-in: a TOTP secret (RFC 6238, base32),
-- in force once the holder has typed a code from it (`confirmed_at`).
-- `last_step` is the time step of the last code taken, so a code is taken once.
CREATE TABLE account_totp (
    account_id INTEGER PRIMARY KEY REFERENCES account (id),
    secret TEXT NOT NULL,
    created_at TEXT NOT NULL,
    confirmed_at TEXT,
    last_step INTEGER NOT NULL DEFAULT 0
) STRICT;

-- One-time recovery codes for when the phone is lost, stored by SHA-256.
CREATE TABLE recovery_code (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES account (id),
    code_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    used_at TEXT
) STRICT;
CREATE INDEX recovery_code_account ON recovery_code (account_id);

-- A password that matched, waiting for the second factor. The browser holds
-- the token; only its SHA-256 is stored. Five wrong codes end it.
CREATE TABLE login_challenge (
    token_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES account (id),
    address TEXT NOT NULL,
    next TEXT NOT NULL,
    created_at TEXT NOT NULL,
    failures INTEGER NOT NULL DEFAULT 0,
    ended_at TEXT
) STRICT;

-- An OpenID Connect sign-in under way: the state (by SHA-256), the nonce and
-- the PKCE verifier, taken once by the callback.
CREATE TABLE oidc_login (
    state_hash TEXT PRIMARY KEY,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    next TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;

-- Who an account is at the identity provider: its issuer and subject.
CREATE TABLE account_identity (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES account (id),
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (issuer, subject)
) STRICT;
CREATE INDEX account_identity_account ON account_identity (account_id);

-- @version 10

-- The staff list in Swedish order, a page at a time from an index.
CREATE INDEX person_sort_name ON person (sort_name, id);

-- @version 11

-- People search, from a trigram index kept by the triggers below: three
-- letters or more find any part of a name, e-mail or HSA-id; two find the
-- start of a word of the name (`words`: the name with a space before each
-- word, a hyphen counting as a space, so "Per-Erik" has the word "Erik").
CREATE VIEW person_search_text AS
    SELECT id, name, email, hsa_id, ' ' || replace(name, '-', ' ') AS words FROM person;
CREATE VIRTUAL TABLE person_search USING fts5(
    name, email, hsa_id, words,
    content = 'person_search_text', content_rowid = 'id', tokenize = 'trigram'
);
CREATE TRIGGER person_search_insert AFTER INSERT ON person
BEGIN
    INSERT INTO person_search (rowid, name, email, hsa_id, words)
    VALUES (NEW.id, NEW.name, NEW.email, NEW.hsa_id, ' ' || replace(NEW.name, '-', ' '));
END;
CREATE TRIGGER person_search_delete AFTER DELETE ON person
BEGIN
    INSERT INTO person_search (person_search, rowid, name, email, hsa_id, words)
    VALUES ('delete', OLD.id, OLD.name, OLD.email, OLD.hsa_id, ' ' || replace(OLD.name, '-', ' '));
END;
CREATE TRIGGER person_search_update AFTER UPDATE OF name, email, hsa_id ON person
BEGIN
    INSERT INTO person_search (person_search, rowid, name, email, hsa_id, words)
    VALUES ('delete', OLD.id, OLD.name, OLD.email, OLD.hsa_id, ' ' || replace(OLD.name, '-', ' '));
    INSERT INTO person_search (rowid, name, email, hsa_id, words)
    VALUES (NEW.id, NEW.name, NEW.email, NEW.hsa_id, ' ' || replace(NEW.name, '-', ' '));
END;

-- How often what a computed answer reads has changed, by topic: an answer
-- computed at one count is still true while the count stays. Kept by
-- triggers, so writes from every process (the server, the command line, a
-- primary whose file a replica reads) count.
CREATE TABLE change_count (
    topic TEXT PRIMARY KEY,
    n INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
-- The cost report: placements, their home periods, agreements and their
-- tiers, trainees and their salaries, and the names and units it shows.
INSERT INTO change_count (topic, n) VALUES ('costs', 0);
CREATE TRIGGER costs_placement_insert AFTER INSERT ON placement
BEGIN UPDATE change_count SET n = n + 1 WHERE topic = 'costs'; END;
CREATE TRIGGER costs_placement_update AFTER UPDATE ON placement
BEGIN UPDATE change_count SET n = n + 1 WHERE topic = 'costs'; END;
CREATE TRIGGER costs_placement_delete AFTER DELETE ON placement
BEGIN UPDATE change_count SET n = n + 1 WHERE topic = 'costs'; END;
CREATE TRIGGER costs_placement_home_period_insert AFTER INSERT ON placement_home_period
BEGIN UPDATE change_count SET n = n + 1 WHERE topic = 'costs'; END;
CREATE TRIGGER costs_placement_home_period_update AFTER UPDATE ON placement_home_period
BEGIN UPDATE change_count SET n = n + 1 WHERE topic = 'costs'; END;
CREATE TRIGGER costs_placement_home_period_delete AFTER DELETE ON placement_home_period
BEGIN UPDATE change_count SET n = n + 1 WHERE topic = 'costs'; END;
CREATE TRIGGER costs_agreement_insert AFTER INSERT ON agreement
BEGIN UPDATE change_count SET n = n + 1 WHERE topic = 'costs'; END;
CREATE TRIGGER costs_agreement_update AFTER UPDATE ON agreement
BEGIN UPDATE change_count SET n = n + 1 WHERE topic = 'costs'; END;
CREATE TRIGGER costs_agreement_delete AFTER DELETE ON agreement
BEGIN UPDATE change_count SET n = n + 1 WHERE topic = 'costs'; END;
CREATE TRIGGER costs_agreement_tier_insert AFTER INSERT ON agreement_tier
BEGIN UPDATE change_count SET n = n + 1 WHERE topic = 'costs'; END;
CREATE TRIGGER costs_agreement_tier_update AFTER UPDATE ON agreement_tier
BEGIN UPDATE change_count SET n = n + 1 WHERE topic = 'costs'; END;
CREATE TRIGGER costs_agreement_tier_delete AFTER DELETE ON agreement_tier
BEGIN UPDATE change_count SET n = n + 1 WHERE topic = 'costs'; END;
CREATE TRIGGER costs_trainee_insert AFTER INSERT ON trainee
BEGIN UPDATE change_count SET n = n + 1 WHERE topic = 'costs'; END;
CREATE TRIGGER costs_trainee_update AFTER UPDATE ON trainee
BEGIN UPDATE change_count SET n = n + 1 WHERE topic = 'costs'; END;
CREATE TRIGGER costs_trainee_delete AFTER DELETE ON trainee
BEGIN UPDATE change_count SET n = n + 1 WHERE topic = 'costs'; END;
CREATE TRIGGER costs_trainee_salary_insert AFTER INSERT ON trainee_salary
BEGIN UPDATE change_count SET n = n + 1 WHERE topic = 'costs'; END;
CREATE TRIGGER costs_trainee_salary_update AFTER UPDATE ON trainee_salary
BEGIN UPDATE change_count SET n = n + 1 WHERE topic = 'costs'; END;
CREATE TRIGGER costs_trainee_salary_delete AFTER DELETE ON trainee_salary
BEGIN UPDATE change_count SET n = n + 1 WHERE topic = 'costs'; END;
CREATE TRIGGER costs_person_update AFTER UPDATE OF name, unit_id ON person
BEGIN UPDATE change_count SET n = n + 1 WHERE topic = 'costs'; END;
CREATE TRIGGER costs_unit_update AFTER UPDATE OF code, name ON unit
BEGIN UPDATE change_count SET n = n + 1 WHERE topic = 'costs'; END;

-- @version 12

-- Councils (samordningsråd, RAG) and their own work: members, meetings
-- with agenda items, attendance and minutes, and the actions decided.
CREATE TABLE council (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE CHECK (length(trim(name)) > 0),
    short_name TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
) STRICT;
-- The regions a council spans.
CREATE TABLE council_region (
    council_id INTEGER NOT NULL REFERENCES council (id),
    region_id INTEGER NOT NULL REFERENCES region (id),
    PRIMARY KEY (council_id, region_id)
) STRICT, WITHOUT ROWID;
-- A member is a person of the register or an account, with a function,
-- representing a region or an administration; leaving keeps the row (old
-- minutes name them).
CREATE TABLE council_member (
    id INTEGER PRIMARY KEY,
    council_id INTEGER NOT NULL REFERENCES council (id),
    person_id INTEGER REFERENCES person (id),
    account_id INTEGER REFERENCES account (id),
    function TEXT NOT NULL CHECK (function IN ('chair', 'secretary', 'member', 'adjunct')),
    region_id INTEGER REFERENCES region (id),
    administration_id INTEGER REFERENCES administration (id),
    added_at TEXT NOT NULL,
    left_at TEXT,
    CHECK ((person_id IS NULL) <> (account_id IS NULL))
) STRICT;
CREATE UNIQUE INDEX council_member_person ON council_member (council_id, person_id)
    WHERE person_id IS NOT NULL AND left_at IS NULL;
CREATE UNIQUE INDEX council_member_account ON council_member (council_id, account_id)
    WHERE account_id IS NOT NULL AND left_at IS NULL;
CREATE INDEX council_member_of_person ON council_member (person_id);
CREATE INDEX council_member_of_account ON council_member (account_id);
-- A meeting; its minutes are approved at a later meeting and frozen from
-- then on (changes are appended as corrections).
CREATE TABLE meeting (
    id INTEGER PRIMARY KEY,
    council_id INTEGER NOT NULL REFERENCES council (id),
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    link TEXT NOT NULL DEFAULT '',
    cancelled_at TEXT,
    approved_at TEXT,
    approved_in INTEGER REFERENCES meeting (id),
    -- iCalendar SEQUENCE: raised by every change a calendar shows.
    sequence INTEGER NOT NULL DEFAULT 0 CHECK (sequence >= 0),
    created_at TEXT NOT NULL,
    CHECK (ends_at > starts_at),
    CHECK ((approved_at IS NULL) = (approved_in IS NULL))
) STRICT;
CREATE INDEX meeting_council ON meeting (council_id, starts_at);
-- An agenda item (Mötespunkt | Anteckning | Ansvarig). An item moved to
-- the next meeting ("flyttas över") is continued there by one item whose
-- `carried_from` names it: at most one, so it appears there exactly once.
CREATE TABLE agenda_item (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meeting (id),
    position INTEGER NOT NULL,
    title TEXT NOT NULL CHECK (length(trim(title)) > 0),
    presenter TEXT NOT NULL DEFAULT '',
    responsible TEXT NOT NULL DEFAULT '',
    links TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    decision TEXT NOT NULL DEFAULT '',
    carry_over INTEGER NOT NULL DEFAULT 0 CHECK (carry_over IN (0, 1)),
    carried_from INTEGER UNIQUE REFERENCES agenda_item (id),
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX agenda_item_meeting ON agenda_item (meeting_id, position);
-- Who attended: present, förhinder (absent), or adjungerad for one item.
CREATE TABLE meeting_attendance (
    meeting_id INTEGER NOT NULL REFERENCES meeting (id),
    member_id INTEGER NOT NULL REFERENCES council_member (id),
    status TEXT NOT NULL CHECK (status IN ('present', 'absent', 'adjunct')),
    item_id INTEGER REFERENCES agenda_item (id),
    PRIMARY KEY (meeting_id, member_id),
    CHECK (status = 'adjunct' OR item_id IS NULL)
) STRICT, WITHOUT ROWID;
-- Corrections to approved (frozen) minutes, appended, never edited.
CREATE TABLE minutes_correction (
    id INTEGER PRIMARY KEY,
    meeting_id INTEGER NOT NULL REFERENCES meeting (id),
    item_id INTEGER REFERENCES agenda_item (id),
    text TEXT NOT NULL CHECK (length(trim(text)) > 0),
    made_by INTEGER REFERENCES account (id),
    made_at TEXT NOT NULL
) STRICT;
CREATE INDEX minutes_correction_meeting ON minutes_correction (meeting_id);
-- An action decided at a meeting: due on a day, or "till nästa möte" (the
-- first meeting after `due_after`, whenever that meeting is held; carried
-- over, it moves on to the meeting after the one that carried it).
CREATE TABLE council_action (
    id INTEGER PRIMARY KEY,
    council_id INTEGER NOT NULL REFERENCES council (id),
    meeting_id INTEGER NOT NULL REFERENCES meeting (id),
    item_id INTEGER REFERENCES agenda_item (id),
    text TEXT NOT NULL CHECK (length(trim(text)) > 0),
    responsible_person_id INTEGER REFERENCES person (id),
    responsible TEXT NOT NULL DEFAULT '',
    due_on TEXT,
    due_after INTEGER REFERENCES meeting (id),
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'dropped', 'carried_over')),
    status_note TEXT NOT NULL DEFAULT '',
    closed_at TEXT,
    created_at TEXT NOT NULL,
    CHECK ((due_on IS NULL) <> (due_after IS NULL)),
    CHECK (responsible_person_id IS NOT NULL OR length(trim(responsible)) > 0)
) STRICT;
CREATE INDEX council_action_council ON council_action (council_id, status);
CREATE INDEX council_action_person ON council_action (responsible_person_id, status);
CREATE INDEX council_action_meeting ON council_action (meeting_id);
-- A consultation round (remissrunda): an incoming consultation with its
-- documents, answered first internally (by `internal_due_on`, before the
-- external `external_due_on`), each document by a region or an
-- administration through named people; the secretary compiles the joint
-- answer, sends it, and shares it back with every participant.
CREATE TABLE consultation (
    id INTEGER PRIMARY KEY,
    council_id INTEGER NOT NULL REFERENCES council (id),
    title TEXT NOT NULL CHECK (length(trim(title)) > 0),
    sender TEXT NOT NULL DEFAULT '',
    links TEXT NOT NULL DEFAULT '',
    internal_due_on TEXT NOT NULL,
    external_due_on TEXT NOT NULL,
    compiled_answer TEXT NOT NULL DEFAULT '',
    sent_at TEXT,
    sent_to TEXT NOT NULL DEFAULT '',
    shared_at TEXT,
    created_at TEXT NOT NULL,
    CHECK (internal_due_on < external_due_on)
) STRICT;
CREATE INDEX consultation_council ON consultation (council_id, external_due_on);
CREATE TABLE consultation_document (
    id INTEGER PRIMARY KEY,
    consultation_id INTEGER NOT NULL REFERENCES consultation (id),
    title TEXT NOT NULL CHECK (length(trim(title)) > 0),
    link TEXT NOT NULL DEFAULT '',
    region_id INTEGER REFERENCES region (id),
    administration_id INTEGER REFERENCES administration (id),
    answer TEXT NOT NULL DEFAULT '',
    answer_links TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'not_started' CHECK (status IN ('not_started', 'draft', 'submitted')),
    submitted_at TEXT,
    answered_by INTEGER REFERENCES account (id),
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX consultation_document_round ON consultation_document (consultation_id);
-- The people answering a document, one or several jointly.
CREATE TABLE consultation_responsible (
    document_id INTEGER NOT NULL REFERENCES consultation_document (id),
    person_id INTEGER NOT NULL REFERENCES person (id),
    PRIMARY KEY (document_id, person_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX consultation_responsible_person ON consultation_responsible (person_id);
-- A request for named people (a contact person per förvaltning, nominees
-- to a working group), asked of administrations; an administration is done
-- only when every person it was asked for is named.
CREATE TABLE nomination_request (
    id INTEGER PRIMARY KEY,
    council_id INTEGER NOT NULL REFERENCES council (id),
    title TEXT NOT NULL CHECK (length(trim(title)) > 0),
    description TEXT NOT NULL DEFAULT '',
    per_administration INTEGER NOT NULL DEFAULT 1 CHECK (per_administration BETWEEN 1 AND 20),
    due_on TEXT NOT NULL,
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX nomination_request_council ON nomination_request (council_id, due_on);
CREATE TABLE nomination_target (
    request_id INTEGER NOT NULL REFERENCES nomination_request (id),
    administration_id INTEGER NOT NULL REFERENCES administration (id),
    PRIMARY KEY (request_id, administration_id)
) STRICT, WITHOUT ROWID;
CREATE TABLE nomination (
    id INTEGER PRIMARY KEY,
    request_id INTEGER NOT NULL REFERENCES nomination_request (id),
    administration_id INTEGER NOT NULL REFERENCES administration (id),
    person_id INTEGER NOT NULL REFERENCES person (id),
    note TEXT NOT NULL DEFAULT '',
    named_by INTEGER REFERENCES account (id),
    named_at TEXT NOT NULL,
    withdrawn_at TEXT
) STRICT;
CREATE UNIQUE INDEX nomination_once ON nomination (request_id, administration_id, person_id)
    WHERE withdrawn_at IS NULL;
CREATE INDEX nomination_request_rows ON nomination (request_id, administration_id);

-- @version 13
-- (The kept compliance counts store day numbers and status codes; the
-- upgrade empties them and marks everything for a rebuild. The index of
-- completions by import batch leaves out those without one.)
