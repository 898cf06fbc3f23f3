//! Licence reminders: a message to a person when a licence they must hold
//! crosses a warning threshold and when it expires, and a weekly digest to
//! each manager of everyone in their scope who is not compliant: expiring,
//! expired and missing.
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
//! - Each message is written in its recipient's language: the language the
//!   person's (or the manager's) account chose, Swedish otherwise
//!   ([`crate::mail::store::recipient_lang`]).
//! - The queueing itself is [`actions::queue_reminders`]; this file holds
//!   its rules and the texts.
//! - A run that queues something writes one audit row, `reminders.run`, with
//!   the counts, in the same transaction; a run that queues nothing changes
//!   nothing and leaves the log alone (the job runs several times a day).

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use super::actions;
use super::model::{LicenceType, Standing, Status};
use crate::clock::Clock;
use crate::config::Config;
use crate::db::{Actor, Db, DbError};
use crate::i18n::{Lang, Msg};
use crate::mail::smtp::{Delivered, MailError, Mailer, deliver_pending};
use crate::msg;

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

/// Where the person finds their licences: a link when the public address is
/// configured, else directions.
fn licences_hint(public_url: Option<&str>) -> Msg {
    match public_url {
        Some(base) => msg!("reminder.see_licences", url = format!("{base}/licences")),
        None => msg!("reminder.see_licences_app"),
    }
}

/// A licence's name inside a sentence, in lower case: "ditt
/// cytostatikakörkort", "your chemotherapy licence".
fn in_sentence(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Subject and body of the reminder a manager or coordinator sends one
/// person about a licence as it stands, in `lang` (the recipient's).
pub fn compose_manual_reminder(
    lang: Lang,
    person_name: &str,
    sender_name: &str,
    t: &LicenceType,
    standing: &super::model::Standing,
    public_url: Option<&str>,
) -> (String, String) {
    let subject = msg!("reminder.manual_subject", licence = t.name(lang)).render(lang);
    let licence = in_sentence(t.name(lang));
    let state = match (standing.status, standing.valid_until) {
        (Status::Missing, _) | (_, None) => msg!("reminder.manual_missing", licence),
        (Status::Expired, Some(d)) => msg!("reminder.manual_expired", licence, date = d),
        (_, Some(d)) => msg!("reminder.manual_valid_until", licence, date = d),
    };
    let body = format!(
        "{}\n\n{}\n\n{}\n\n-- \n{}\n",
        msg!(
            "reminder.manual_body",
            name = person_name,
            sender = sender_name
        )
        .render(lang),
        state.render(lang),
        licences_hint(public_url).render(lang),
        lang.t("reminder.footer"),
    );
    (subject, body)
}

/// Subject and body of a reminder to a person, in `lang` (the recipient's).
pub fn compose_reminder(
    lang: Lang,
    stage: Stage,
    person_name: &str,
    t: &LicenceType,
    valid_until: NaiveDate,
    public_url: Option<&str>,
) -> (String, String) {
    let (subject, body) = match stage {
        Stage::Warning(_) => (
            msg!(
                "reminder.warning_subject",
                licence = t.name(lang),
                date = valid_until
            ),
            msg!(
                "reminder.warning_body",
                name = person_name,
                licence = in_sentence(t.name(lang)),
                code = t.code.as_str(),
                date = valid_until
            ),
        ),
        Stage::Expired => (
            msg!(
                "reminder.expired_subject",
                licence = t.name(lang),
                date = valid_until
            ),
            msg!(
                "reminder.expired_body",
                name = person_name,
                licence = in_sentence(t.name(lang)),
                code = t.code.as_str(),
                date = valid_until
            ),
        ),
    };
    let body = format!(
        "{}\n\n{}\n\n-- \n{}\n",
        body.render(lang),
        licences_hint(public_url).render(lang),
        lang.t("reminder.footer"),
    );
    (subject.render(lang), body)
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
    /// Last valid day; none for a licence never held.
    pub valid_until: Option<NaiveDate>,
    /// Expiring, expired or missing.
    pub status: Status,
}

/// Where a manager acts on a unit's people for one licence type: the
/// compliance report opened on that unit.
pub fn unit_link(base: &str, licence: &str, unit_id: i64) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("licence", licence)
        .append_pair("by", "unit")
        .append_pair("unit", &unit_id.to_string())
        .finish();
    format!("{base}/compliance?{query}")
}

/// Subject and body of a manager's digest, in `lang` (the recipient's);
/// `lines` sorted as they should read ([`sort_digest`]). The people come
/// under a heading per unit and licence type, with a link to that unit's
/// page when the server's public address is known.
pub fn compose_digest(
    lang: Lang,
    manager_name: &str,
    day: NaiveDate,
    lines: &[DigestLine],
    public_url: Option<&str>,
) -> (String, String) {
    let w = day.iso_week();
    let week = format!("{}-W{:02}", w.year(), w.week());
    let subject = msg!("reminder.digest_subject", week).render(lang);
    let mut body = msg!(
        "reminder.digest_body",
        name = manager_name,
        date = day,
        count = lines.len()
    )
    .render(lang);
    body.push('\n');
    let mut heading: Option<(i64, &str)> = None;
    for l in lines.iter().take(DIGEST_MAX_LINES) {
        if heading != Some((l.unit_id, l.licence.as_str())) {
            heading = Some((l.unit_id, l.licence.as_str()));
            body.push_str(&format!("\n{} · {}\n", l.unit, l.licence));
            if let Some(base) = public_url {
                body.push_str(&format!("{}\n", unit_link(base, &l.licence, l.unit_id)));
            }
        }
        body.push_str(&format!(
            "- {} · {} · {}\n",
            l.name,
            lang.t(l.status.label_key()),
            match l.valid_until {
                Some(d) => msg!("reminder.digest_valid_until", date = d).render(lang),
                None => lang.t("reminder.digest_never_held").to_string(),
            },
        ));
    }
    if lines.len() > DIGEST_MAX_LINES {
        let count = lines.len() - DIGEST_MAX_LINES;
        body.push_str(&format!(
            "\n{}\n",
            msg!("reminder.digest_more", count).render(lang)
        ));
    }
    body.push_str(&format!("\n-- \n{}\n", lang.t("reminder.footer")));
    (subject, body)
}

/// The order a digest reads in: by unit and licence type, then the most
/// urgent first (never held, then by expiry), then by name.
pub fn sort_digest(lines: &mut [DigestLine]) {
    lines.sort_by(|a, b| {
        a.unit
            .cmp(&b.unit)
            .then(a.unit_id.cmp(&b.unit_id))
            .then(a.licence.cmp(&b.licence))
            .then(a.valid_until.cmp(&b.valid_until))
            .then_with(|| crate::db::collation::swedish(&a.name, &b.name))
            .then(a.licence.cmp(&b.licence))
    });
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
        .change(actor, now, move |w| {
            actions::queue_reminders(w, day, public_url.as_deref()).map_err(DbError::from)
        })
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
    fn messages_are_written_in_one_language() {
        let (subject, body) = compose_reminder(
            Lang::Sv,
            Stage::Warning(90),
            "Sara",
            &cyto(),
            d("2026-05-31"),
            None,
        );
        assert!(subject.starts_with("Cytostatikakörkort"), "{subject}");
        assert!(!subject.contains("Chemotherapy licence"), "{subject}");
        assert!(
            body.contains("Hej Sara") && body.contains("2026-05-31"),
            "{body}"
        );
        assert!(
            !body.contains("Chemotherapy licence") && !body.contains("Hello"),
            "{body}"
        );
        let (subject, body) = compose_reminder(
            Lang::En,
            Stage::Warning(90),
            "Sara",
            &cyto(),
            d("2026-05-31"),
            None,
        );
        assert!(subject.starts_with("Chemotherapy licence"), "{subject}");
        // Inside the sentence the name reads in lower case.
        assert!(body.contains("Your chemotherapy licence"), "{body}");
        assert!(
            !body.to_lowercase().contains("cytostatikakörkort") && !body.contains("Hej"),
            "{body}"
        );
        let (_, linked) = compose_reminder(
            Lang::Sv,
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

    #[test]
    fn a_digest_is_written_in_one_language() {
        let line = DigestLine {
            person_id: 1,
            name: "Sara Sjöström".into(),
            unit_id: 1,
            unit: "ONK1 Onkologi".into(),
            licence: "CYTO".into(),
            valid_until: Some(d("2026-05-31")),
            status: Status::Expiring,
        };
        let (subject, body) = compose_digest(
            Lang::En,
            "Maja",
            d("2026-03-02"),
            std::slice::from_ref(&line),
            None,
        );
        assert!(subject.contains("2026-W10"), "{subject}");
        assert!(
            body.contains("Hello Maja") && body.contains("Sara Sjöström"),
            "{body}"
        );
        assert!(
            !body.contains("Hej") && !body.contains("Går snart ut"),
            "{body}"
        );
        let (_, body) = compose_digest(Lang::Sv, "Maja", d("2026-03-02"), &[line], None);
        assert!(
            body.contains("Hej Maja") && body.contains("Går snart ut"),
            "{body}"
        );
        assert!(!body.contains("Hello"), "{body}");
    }

    #[test]
    fn a_digest_lists_the_missing_first_under_each_unit_with_its_link() {
        let line = |name: &str, unit_id: i64, unit: &str, valid: Option<&str>, status| DigestLine {
            person_id: 1,
            name: name.into(),
            unit_id,
            unit: unit.into(),
            licence: "CYTO".into(),
            valid_until: valid.map(d),
            status,
        };
        let mut lines = vec![
            line(
                "Sara",
                1,
                "ONK1 Onkologi",
                Some("2026-05-31"),
                Status::Expiring,
            ),
            line(
                "Åke",
                2,
                "ONK2 Onkologi",
                Some("2025-01-10"),
                Status::Expired,
            ),
            line("Nils", 1, "ONK1 Onkologi", None, Status::Missing),
            line(
                "Ebba",
                1,
                "ONK1 Onkologi",
                Some("2026-01-10"),
                Status::Expired,
            ),
        ];
        sort_digest(&mut lines);
        let names: Vec<&str> = lines.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["Nils", "Ebba", "Sara", "Åke"]);
        let (_, body) = compose_digest(
            Lang::Sv,
            "Maja",
            d("2026-03-02"),
            &lines,
            Some("https://onko.example.se"),
        );
        assert!(body.contains("(4 st)"), "{body}");
        assert!(
            body.contains("- Nils · Saknas · har aldrig haft körkortet"),
            "{body}"
        );
        assert!(
            body.contains("- Ebba · Utgånget · giltigt till 2026-01-10"),
            "{body}"
        );
        let link = "https://onko.example.se/compliance?licence=CYTO&by=unit&unit=1\n";
        assert_eq!(
            body.matches(link).count(),
            1,
            "one heading per unit: {body}"
        );
        assert!(body.contains("unit=2\n"), "{body}");
        let (_, body) = compose_digest(Lang::En, "Maja", d("2026-03-02"), &lines, None);
        assert!(body.contains("- Nils · Missing · never held"), "{body}");
        assert!(!body.contains("http"), "{body}");
    }
}
