//! Licence reminders: a message to a person when a licence they must hold
//! crosses a warning threshold and when it expires, and a weekly digest to
//! each manager of the expiring and expired people in their scope.
//!
//! Messages go to the outbox (`crate::mail`), whose unique dedupe key makes
//! each one exist once however often and wherever the run happens (the
//! server's background job, `oncotrack reminders run`, or both). Decisions:
//!
//! - A licence cycle is one person, one type and one `valid_until`; a renewal
//!   gives a new `valid_until` and so a fresh cycle of reminders.
//! - Within a cycle the reminders come in order: the largest warning
//!   threshold, the smaller ones, then expiry. A run queues the latest stage
//!   reached on its day, and only when neither it nor a later stage of the
//!   cycle exists yet. So a run that finds several thresholds crossed at once
//!   (the first run after installation, or after downtime) sends just the
//!   smallest, and a run for an earlier date (`--as-of` in the past) never
//!   sends an older warning after a newer one. No placeholder rows are needed.
//! - Expiry notices go out only within [`EXPIRED_NOTICE_DAYS`] of expiry, so
//!   the first run does not write to everyone whose licence lapsed years ago.
//! - The digest goes out on the first run of each ISO week that finds
//!   something to list (normally the Monday run), keyed by account and week;
//!   a manager with nothing to report gets nothing.
//! - A run that queues something writes one audit row, `reminders.run`, with
//!   the counts, in the same transaction; a run that queues nothing changes
//!   nothing and leaves the log alone (the job runs several times a day).

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rusqlite::Connection;
use serde::Serialize;
use serde_json::json;

use super::model::{LicenceType, Standing, Status};
use super::store;
use crate::audit::store::{self as audit, Actor, Entry};
use crate::auth::model::Role;
use crate::auth::store as auth_store;
use crate::clock::Clock;
use crate::config::Config;
use crate::db::{Db, DbError};
use crate::i18n::Lang;
use crate::mail::smtp::{Delivered, MailError, Mailer, deliver_pending};
use crate::mail::store::{self as outbox, Kind, NewMessage};

/// Expiry notices are sent up to this many days after the licence expired.
pub const EXPIRED_NOTICE_DAYS: i64 = 30;

/// A digest lists at most this many people; the compliance report has the rest.
pub const DIGEST_MAX_LINES: usize = 200;

/// A step in one licence cycle's reminders.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// At most this many days left (a warning threshold).
    Warning(u32),
    /// Expired.
    Expired,
}

impl Stage {
    /// Position in time within a cycle: larger thresholds come first, expiry last.
    fn rank(self) -> i64 {
        match self {
            Stage::Warning(days) => -i64::from(days),
            Stage::Expired => 1,
        }
    }

    /// The last part of the dedupe key.
    pub fn key_suffix(self) -> String {
        match self {
            Stage::Warning(days) => format!("warn:{days}"),
            Stage::Expired => "expired".into(),
        }
    }

    /// Reads a key suffix back.
    pub fn parse_suffix(s: &str) -> Option<Stage> {
        match s {
            "expired" => Some(Stage::Expired),
            _ => s.strip_prefix("warn:")?.parse().ok().map(Stage::Warning),
        }
    }
}

/// The reminder stage a licence has reached on `day`, if any: the smallest
/// warning threshold its days left are within, or expiry (recent only).
pub fn due(t: &LicenceType, standing: &Standing, day: NaiveDate) -> Option<Stage> {
    let (Some(until), Some(days_left)) = (standing.valid_until, standing.days_left) else {
        return None;
    };
    if standing.status == Status::Missing {
        return None;
    }
    if days_left < 0 {
        return ((day - until).num_days() <= EXPIRED_NOTICE_DAYS).then_some(Stage::Expired);
    }
    t.warning_days
        .iter()
        .copied()
        .filter(|w| days_left <= i64::from(*w))
        .min()
        .map(Stage::Warning)
}

/// True when `stage` should be queued given the stages the cycle already has:
/// only when neither it nor a later one exists.
pub fn should_queue(stage: Stage, existing: &[Stage]) -> bool {
    !existing.iter().any(|s| s.rank() >= stage.rank())
}

/// The dedupe key prefix of one licence cycle (ends with `:`).
pub fn cycle_prefix(person_id: i64, licence_type_id: i64, valid_until: NaiveDate) -> String {
    format!("licence:{person_id}:{licence_type_id}:{valid_until}:")
}

/// The dedupe key of a manager's digest for the ISO week of `day`.
pub fn digest_key(account_id: i64, day: NaiveDate) -> String {
    let w = day.iso_week();
    format!("digest:{account_id}:{}-W{:02}", w.year(), w.week())
}

/// Replaces `{name}` placeholders in a catalogue text.
fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    vars.iter().fold(template.to_string(), |s, (k, v)| {
        s.replace(&format!("{{{k}}}"), v)
    })
}

/// The same catalogue text in Swedish and English, each filled with its own
/// variables (licence names differ by language).
fn both(key: &'static str, vars: impl Fn(Lang) -> Vec<(&'static str, String)>) -> [String; 2] {
    [Lang::Sv, Lang::En].map(|lang| {
        let v = vars(lang);
        let pairs: Vec<(&str, &str)> = v.iter().map(|(k, s)| (*k, s.as_str())).collect();
        fill(lang.t(key), &pairs)
    })
}

/// Where the person finds their licences: a link when the public address is
/// configured, else directions.
fn licences_hint(lang: Lang, public_url: Option<&str>) -> String {
    match public_url {
        Some(base) => fill(
            lang.t("reminder.see_licences"),
            &[("url", &format!("{base}/licences"))],
        ),
        None => lang.t("reminder.see_licences_app").to_string(),
    }
}

/// Subject and body of a reminder to a person.
pub fn compose_reminder(
    stage: Stage,
    person_name: &str,
    t: &LicenceType,
    valid_until: NaiveDate,
    public_url: Option<&str>,
) -> (String, String) {
    let (subject_key, body_key) = match stage {
        Stage::Warning(_) => ("reminder.warning_subject", "reminder.warning_body"),
        Stage::Expired => ("reminder.expired_subject", "reminder.expired_body"),
    };
    let vars = |lang: Lang| {
        vec![
            ("name", person_name.to_string()),
            ("licence", t.name(lang).to_string()),
            ("code", t.code.clone()),
            ("date", valid_until.to_string()),
        ]
    };
    let [subject_sv, subject_en] = both(subject_key, vars);
    let [body_sv, body_en] = both(body_key, vars);
    let body = format!(
        "{body_sv}\n\n{}\n\n----\n\n{body_en}\n\n{}\n\n-- \n{} / {}\n",
        licences_hint(Lang::Sv, public_url),
        licences_hint(Lang::En, public_url),
        Lang::Sv.t("reminder.footer"),
        Lang::En.t("reminder.footer"),
    );
    (format!("{subject_sv} / {subject_en}"), body)
}

/// One person in a manager's digest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DigestLine {
    /// Person.
    pub person_id: i64,
    /// Name.
    pub name: String,
    /// Unit on the day.
    pub unit_id: i64,
    /// Unit code and name.
    pub unit: String,
    /// Licence code.
    pub licence: String,
    /// Last valid day.
    pub valid_until: NaiveDate,
    /// Expiring or expired.
    pub status: Status,
}

/// Subject and body of a manager's digest; `lines` sorted as they should read.
pub fn compose_digest(
    manager_name: &str,
    day: NaiveDate,
    lines: &[DigestLine],
) -> (String, String) {
    let w = day.iso_week();
    let week = format!("{}-W{:02}", w.year(), w.week());
    let [subject_sv, subject_en] =
        both("reminder.digest_subject", |_| vec![("week", week.clone())]);
    let [body_sv, body_en] = both("reminder.digest_body", |_| {
        vec![
            ("name", manager_name.to_string()),
            ("date", day.to_string()),
            ("count", lines.len().to_string()),
        ]
    });
    let mut body = format!("{body_sv}\n\n{body_en}\n\n");
    for l in lines.iter().take(DIGEST_MAX_LINES) {
        body.push_str(&format!(
            "- {} · {} · {} · {} · {} / {}\n",
            l.name,
            l.unit,
            l.licence,
            l.valid_until,
            Lang::Sv.t(l.status.label_key()),
            Lang::En.t(l.status.label_key()),
        ));
    }
    if lines.len() > DIGEST_MAX_LINES {
        let more = (lines.len() - DIGEST_MAX_LINES).to_string();
        let [sv, en] = both("reminder.digest_more", |_| vec![("count", more.clone())]);
        body.push_str(&format!("\n{sv}\n{en}\n"));
    }
    body.push_str(&format!(
        "\n-- \n{} / {}\n",
        Lang::Sv.t("reminder.footer"),
        Lang::En.t("reminder.footer")
    ));
    (format!("{subject_sv} / {subject_en}"), body)
}

/// What one run queued.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Queued {
    /// Warning reminders.
    pub warnings: usize,
    /// Expiry notices.
    pub expired: usize,
    /// Manager digests.
    pub digests: usize,
}

impl Queued {
    /// Messages queued in all.
    pub fn total(&self) -> usize {
        self.warnings + self.expired + self.digests
    }
}

/// The stages a licence cycle already has in the outbox.
fn existing_stages(conn: &Connection, prefix: &str) -> rusqlite::Result<Vec<Stage>> {
    Ok(outbox::keys_with_prefix(conn, prefix)?
        .iter()
        .filter_map(|k| k.strip_prefix(prefix).and_then(Stage::parse_suffix))
        .collect())
}

/// Queues the reminders and digests due on `as_of`. Call it inside one write
/// transaction: the messages and the audit row commit together.
pub fn queue(
    conn: &Connection,
    as_of: NaiveDate,
    now: DateTime<Utc>,
    actor: &Actor,
    public_url: Option<&str>,
) -> rusqlite::Result<Queued> {
    let mut queued = Queued::default();
    let units: HashMap<i64, String> = conn
        .prepare("SELECT id, code || ' ' || name FROM unit")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let mut attention: Vec<DigestLine> = Vec::new();
    for t in store::licence_types(conn)?.into_iter().filter(|t| t.active) {
        for p in store::required_people(conn, &t, as_of, None)? {
            let s = p.standing;
            let Some(valid_until) = s.valid_until else {
                continue;
            };
            if matches!(s.status, Status::Expiring | Status::Expired) {
                attention.push(DigestLine {
                    person_id: p.person_id,
                    name: p.name.clone(),
                    unit_id: p.unit_id,
                    unit: units.get(&p.unit_id).cloned().unwrap_or_default(),
                    licence: t.code.clone(),
                    valid_until,
                    status: s.status,
                });
            }
            let Some(stage) = due(&t, &s, as_of) else {
                continue;
            };
            let prefix = cycle_prefix(p.person_id, t.id, valid_until);
            if !should_queue(stage, &existing_stages(conn, &prefix)?) {
                continue;
            }
            let email: String = conn
                .prepare_cached("SELECT email FROM person WHERE id = ?1")?
                .query_row([p.person_id], |r| r.get(0))?;
            let (subject, body) = compose_reminder(stage, &p.name, &t, valid_until, public_url);
            let message = NewMessage {
                kind: match stage {
                    Stage::Warning(_) => Kind::LicenceWarning,
                    Stage::Expired => Kind::LicenceExpired,
                },
                dedupe_key: format!("{prefix}{}", stage.key_suffix()),
                recipient_person_id: Some(p.person_id),
                recipient_account_id: None,
                to_email: email,
                subject,
                body,
            };
            if outbox::queue(conn, &message, now)? {
                match stage {
                    Stage::Warning(_) => queued.warnings += 1,
                    Stage::Expired => queued.expired += 1,
                }
            }
        }
    }
    attention.sort_by(|a, b| {
        a.unit
            .cmp(&b.unit)
            .then(a.valid_until.cmp(&b.valid_until))
            .then_with(|| crate::db::collation::swedish(&a.name, &b.name))
            .then(a.licence.cmp(&b.licence))
    });
    for (account_id, name, email) in managers(conn)? {
        let key = digest_key(account_id, as_of);
        // Cheap check first: most runs of a week find the digest already there.
        if outbox::exists(conn, &key)? {
            continue;
        }
        let scope = managed_units(conn, account_id)?;
        let lines: Vec<DigestLine> = attention
            .iter()
            .filter(|l| scope.contains(&l.unit_id))
            .cloned()
            .collect();
        if lines.is_empty() {
            continue;
        }
        let (subject, body) = compose_digest(&name, as_of, &lines);
        let message = NewMessage {
            kind: Kind::ManagerDigest,
            dedupe_key: key,
            recipient_person_id: None,
            recipient_account_id: Some(account_id),
            to_email: email,
            subject,
            body,
        };
        if outbox::queue(conn, &message, now)? {
            queued.digests += 1;
        }
    }
    if queued.total() > 0 {
        audit::record(
            conn,
            actor,
            now,
            Entry {
                action: "reminders.run",
                entity: "outbox",
                entity_id: None,
                before: None,
                after: Some(json!({
                    "as_of": as_of.to_string(),
                    "warnings": queued.warnings,
                    "expired": queued.expired,
                    "digests": queued.digests,
                })),
            },
        )?;
    }
    Ok(queued)
}

/// Active accounts holding a manager role: `(id, name, email)`.
fn managers(conn: &Connection) -> rusqlite::Result<Vec<(i64, String, String)>> {
    conn.prepare(
        "SELECT DISTINCT a.id, a.name, a.email FROM account a JOIN account_role r ON r.account_id = a.id
         WHERE a.active = 1 AND r.role = 'manager' ORDER BY a.id",
    )?
    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
    .collect()
}

/// Every unit an account's manager roles cover.
fn managed_units(conn: &Connection, account_id: i64) -> rusqlite::Result<BTreeSet<i64>> {
    let mut units = BTreeSet::new();
    for (_, g) in auth_store::grants(conn, account_id)? {
        if let (Role::Manager, Some(scope)) = (g.role, g.scope) {
            units.extend(auth_store::units_in_scope(conn, scope)?);
        }
    }
    Ok(units)
}

/// A run failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The mailer could not be set up.
    #[error(transparent)]
    Mail(#[from] MailError),
}

/// What a run did: queued, and e-mailed when SMTP is configured.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunReport {
    /// The day the run was for.
    pub as_of: Option<NaiveDate>,
    /// Messages queued.
    pub queued: Queued,
    /// Delivery, when SMTP is configured.
    pub delivered: Option<Delivered>,
}

/// Queues what is due on `as_of` (today when None) and, when SMTP is
/// configured, e-mails every unsent message. Without SMTP the messages stay
/// unsent and are shown in the app only.
pub async fn run(
    db: &Db,
    config: &Config,
    clock: &dyn Clock,
    as_of: Option<NaiveDate>,
    actor: Actor,
) -> Result<RunReport, RunError> {
    let day = as_of.unwrap_or_else(|| clock.today());
    let now = clock.now();
    let public_url = config.public_url.clone();
    let queued = db
        .write(move |tx| queue(tx, day, now, &actor, public_url.as_deref()).map_err(DbError::from))
        .await?;
    let delivered = match &config.mail {
        Some(settings) => Some(deliver_pending(db, &Mailer::new(settings)?, clock).await?),
        None => None,
    };
    Ok(RunReport {
        as_of: Some(day),
        queued,
        delivered,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::licences::model::{Done, standing};

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn cyto() -> LicenceType {
        LicenceType::cyto_default()
    }

    /// Completed 2023-03-15: valid until 2026-03-15.
    fn due_on(day: &str) -> Option<Stage> {
        let t = cyto();
        let done = [Done {
            on: d("2023-03-15"),
            revoked: false,
        }];
        due(&t, &standing(&t, &done, &[], d(day)), d(day))
    }

    #[test]
    fn the_smallest_crossed_threshold_is_due() {
        assert_eq!(due_on("2025-12-14"), None); // 91 days left
        assert_eq!(due_on("2025-12-15"), Some(Stage::Warning(90)));
        assert_eq!(due_on("2026-02-12"), Some(Stage::Warning(90))); // 31 days
        assert_eq!(due_on("2026-02-13"), Some(Stage::Warning(30)));
        assert_eq!(due_on("2026-03-15"), Some(Stage::Warning(30))); // last valid day
    }

    #[test]
    fn expiry_is_due_for_thirty_days_only() {
        assert_eq!(due_on("2026-03-16"), Some(Stage::Expired));
        assert_eq!(due_on("2026-04-14"), Some(Stage::Expired));
        assert_eq!(due_on("2026-04-15"), None);
    }

    #[test]
    fn nothing_is_due_for_a_licence_never_held() {
        let t = cyto();
        assert_eq!(
            due(
                &t,
                &standing(&t, &[], &[], d("2026-01-01")),
                d("2026-01-01")
            ),
            None
        );
    }

    #[test]
    fn a_stage_is_queued_once_and_never_after_a_later_one() {
        assert!(should_queue(Stage::Warning(90), &[]));
        assert!(!should_queue(Stage::Warning(90), &[Stage::Warning(90)]));
        assert!(should_queue(Stage::Warning(30), &[Stage::Warning(90)]));
        assert!(!should_queue(Stage::Warning(90), &[Stage::Warning(30)]));
        assert!(!should_queue(Stage::Warning(30), &[Stage::Expired]));
        assert!(should_queue(
            Stage::Expired,
            &[Stage::Warning(90), Stage::Warning(30)]
        ));
        assert!(!should_queue(Stage::Expired, &[Stage::Expired]));
    }

    #[test]
    fn keys_read_back_and_weeks_are_iso_weeks() {
        for s in [Stage::Warning(90), Stage::Warning(7), Stage::Expired] {
            assert_eq!(Stage::parse_suffix(&s.key_suffix()), Some(s));
        }
        assert_eq!(
            cycle_prefix(7, 1, d("2026-05-31")),
            "licence:7:1:2026-05-31:"
        );
        // 2027-01-01 is a Friday in ISO week 53 of 2026.
        assert_eq!(digest_key(3, d("2027-01-01")), "digest:3:2026-W53");
        assert_eq!(digest_key(3, d("2026-03-02")), "digest:3:2026-W10");
    }

    #[test]
    fn messages_are_swedish_then_english() {
        let (subject, body) =
            compose_reminder(Stage::Warning(90), "Sara", &cyto(), d("2026-05-31"), None);
        assert!(subject.starts_with("Cytostatikakörkort"), "{subject}");
        assert!(subject.contains("Chemotherapy licence"), "{subject}");
        let sv = body.find("Cytostatikakörkort").expect("swedish");
        let en = body.find("Chemotherapy licence").expect("english");
        assert!(sv < en);
        assert!(body.contains("2026-05-31"));
        let (_, linked) = compose_reminder(
            Stage::Expired,
            "Sara",
            &cyto(),
            d("2026-05-31"),
            Some("https://onko.example.se"),
        );
        assert!(
            linked.contains("https://onko.example.se/licences"),
            "{linked}"
        );
    }
}
