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
    code TEXT NOT NULL UNIQUE,
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
    created_at TEXT NOT NULL
) STRICT;
CREATE INDEX person_unit ON person (unit_id);
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
        CHECK (role IN ('admin', 'coordinator', 'study_director', 'manager', 'lecturer', 'staff')),
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
    address TEXT
) STRICT;
CREATE INDEX session_account ON session (account_id);

CREATE TABLE api_token (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES account (id),
    label TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
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
