//! iCalendar (RFC 5545) feeds of course sessions: an offering's sessions, a
//! lecturer's confirmed sessions, and the sessions of the offerings a person
//! is enrolled on; and the subscription links calendar apps fetch them by
//! (stored by `store::calendar`). Pure: the calendar text from its events.
//!
//! Times are written as Stockholm wall-clock times with
//! `TZID=Europe/Stockholm`, and the calendar carries the zone's VTIMEZONE
//! (its summer-time rules), so a session keeps its hour across the change to
//! and from summer time in every client. The one hour that happens twice (the
//! night summer time ends) cannot be named that way and is written in UTC.
//! Each session keeps its UID for ever; SEQUENCE is the session's plus the
//! offering's edit count, so any change a calendar shows raises it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::i18n::Lang;
use crate::web::ical;

/// Whose sessions a calendar holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Feed {
    /// Every session of one offering.
    Offering(i64),
    /// The sessions a lecturer (an account) is confirmed for.
    Lecturer(i64),
    /// The sessions of the offerings a person holds a place on.
    Person(i64),
}

impl Feed {
    /// `(kind, subject id)` as stored in `calendar_feed`.
    pub fn parts(self) -> (&'static str, i64) {
        match self {
            Feed::Offering(id) => ("offering", id),
            Feed::Lecturer(id) => ("lecturer", id),
            Feed::Person(id) => ("person", id),
        }
    }

    /// Rebuilds a feed from its stored parts.
    pub fn from_parts(kind: &str, id: i64) -> Option<Feed> {
        match kind {
            "offering" => Some(Feed::Offering(id)),
            "lecturer" => Some(Feed::Lecturer(id)),
            "person" => Some(Feed::Person(id)),
            _ => None,
        }
    }
}

/// One session as a calendar event.
#[derive(Debug, Clone, Serialize)]
pub struct SessionEvent {
    /// The session.
    pub session_id: i64,
    /// Its offering.
    pub offering_id: i64,
    /// Course code.
    pub code: String,
    /// Course title in Swedish.
    pub title_sv: String,
    /// Course title in English.
    pub title_en: String,
    /// The session's topic.
    pub topic: String,
    /// Start (UTC).
    pub starts_at: DateTime<Utc>,
    /// End (UTC).
    pub ends_at: DateTime<Utc>,
    /// The session's place, else the offering's.
    pub place: String,
    /// iCalendar SEQUENCE.
    pub sequence: u32,
    /// The session or its offering is cancelled.
    pub cancelled: bool,
}

impl SessionEvent {
    /// The course title in `lang`.
    pub fn title(&self, lang: Lang) -> &str {
        match lang {
            Lang::Sv => &self.title_sv,
            Lang::En => &self.title_en,
        }
    }
}

/// The stable UID of a session's event.
pub fn uid(session_id: i64) -> String {
    format!("session-{session_id}@oncotrack")
}

/// The calendar named `name` holding `events`, as RFC 5545 text, the
/// course titles in `lang`. `now` is every event's DTSTAMP (when this copy
/// was made).
pub fn build(name: &str, events: &[SessionEvent], lang: Lang, now: DateTime<Utc>) -> String {
    let events: Vec<ical::Event> = events
        .iter()
        .map(|s| ical::Event {
            uid: uid(s.session_id),
            summary: format!("{}: {}", s.code, s.topic),
            description: s.title(lang).to_string(),
            location: s.place.clone(),
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            sequence: s.sequence,
            cancelled: s.cancelled,
        })
        .collect();
    let prodid = match lang {
        Lang::Sv => "-//oncotrack//courses//SV",
        Lang::En => "-//oncotrack//courses//EN",
    };
    ical::calendar(name, prodid, &events, now)
}

/// A subscription link as its owner's page lists it.
#[derive(Debug, Clone, Serialize)]
pub struct FeedLink {
    /// Id.
    pub id: i64,
    /// Whose sessions.
    pub feed: Feed,
    /// When made (UTC).
    pub created_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::ical::{STOCKHOLM_VTIMEZONE, local};
    use chrono::TimeZone;
    use chrono_tz::Europe::Stockholm;
    use icalendar::Calendar;
    use icalendar::CalendarDateTime;

    fn event(id: i64, cancelled: bool) -> SessionEvent {
        SessionEvent {
            session_id: id,
            offering_id: 1,
            code: "CYT1".into(),
            title_sv: "Cytostatika, grundkurs".into(),
            title_en: "Cytotoxic drugs, basic course".into(),
            topic: "Säker hantering; spill".into(),
            starts_at: Utc
                .with_ymd_and_hms(2026, 3, 29, 7, 0, 0)
                .single()
                .expect("t"),
            ends_at: Utc
                .with_ymd_and_hms(2026, 3, 29, 9, 0, 0)
                .single()
                .expect("t"),
            place: "Sal 1, Sjukhuset".into(),
            sequence: 3,
            cancelled,
        }
    }

    #[test]
    fn events_keep_their_uid_sequence_status_and_stockholm_times() {
        let now = Utc
            .with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
            .single()
            .expect("t");
        let text = build("Test", &[event(7, false), event(8, true)], Lang::En, now);
        assert!(text.contains("UID:session-7@oncotrack"), "{text}");
        assert!(text.contains("SEQUENCE:3"), "{text}");
        assert!(text.contains("STATUS:CANCELLED"), "{text}");
        // 07:00 UTC on the first day of summer time is 09:00 in Stockholm.
        assert!(
            text.contains("DTSTART;TZID=Europe/Stockholm:20260329T090000"),
            "{text}"
        );
        assert!(text.contains("BEGIN:VTIMEZONE"), "{text}");
        assert!(text.contains("PRODID:-//oncotrack//courses//EN"), "{text}");
        assert_eq!(text.matches("PRODID").count(), 1, "one PRODID: {text}");
        assert_eq!(text.matches("VERSION:2.0").count(), 1, "{text}");
        assert!(
            text.contains("RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU"),
            "{text}"
        );
        assert!(text.contains("TZOFFSETTO:+0200"), "{text}");
        // Text values escape the separators RFC 5545 reserves.
        assert!(text.contains("Säker hantering\\; spill"), "{text}");
        // The titles in the calendar's language only.
        assert!(text.contains("DESCRIPTION:Cytotoxic drugs"), "{text}");
        assert!(!text.contains("Cytostatika, grundkurs"), "{text}");
        let parsed: Calendar = text.parse().expect("parses");
        assert_eq!(parsed.events().count(), 2);
    }

    /// The written rules (last Sunday of March 02:00 CET, last Sunday of
    /// October 03:00 CEST, both 01:00 UTC) agree with the time-zone database.
    #[test]
    fn the_written_zone_rules_match_the_tz_database() {
        use chrono::{Datelike, Offset, Weekday};
        let offset =
            |t: DateTime<Utc>| t.with_timezone(&Stockholm).offset().fix().local_minus_utc();
        for year in 1997..2038 {
            for (month, before, after) in [(3, 3600, 7200), (10, 7200, 3600)] {
                let last_sunday = (22..=31)
                    .rev()
                    .filter_map(|d| chrono::NaiveDate::from_ymd_opt(year, month, d))
                    .find(|d| d.weekday() == Weekday::Sun)
                    .expect("a last Sunday");
                let change = last_sunday.and_hms_opt(1, 0, 0).expect("time").and_utc();
                assert_eq!(
                    offset(change - chrono::Duration::seconds(1)),
                    before,
                    "{year}-{month}"
                );
                assert_eq!(offset(change), after, "{year}-{month}");
            }
        }
        assert!(STOCKHOLM_VTIMEZONE.contains("BYMONTH=3;BYDAY=-1SU"));
        assert!(STOCKHOLM_VTIMEZONE.contains("DTSTART:19700329T020000"));
        assert!(STOCKHOLM_VTIMEZONE.contains("BYMONTH=10;BYDAY=-1SU"));
        assert!(STOCKHOLM_VTIMEZONE.contains("DTSTART:19701025T030000"));
    }

    #[test]
    fn the_hour_that_happens_twice_is_written_in_utc() {
        // 2026-10-25 02:30 CEST (00:30Z) and 02:30 CET (01:30Z).
        let first = Utc
            .with_ymd_and_hms(2026, 10, 25, 0, 30, 0)
            .single()
            .expect("t");
        let second = Utc
            .with_ymd_and_hms(2026, 10, 25, 1, 30, 0)
            .single()
            .expect("t");
        assert!(matches!(local(first), CalendarDateTime::Utc(t) if t == first));
        assert!(matches!(local(second), CalendarDateTime::Utc(t) if t == second));
        let before = Utc
            .with_ymd_and_hms(2026, 10, 24, 22, 0, 0)
            .single()
            .expect("t");
        assert!(matches!(
            local(before),
            CalendarDateTime::WithTimezone { date_time, .. } if date_time.to_string() == "2026-10-25 00:00:00"
        ));
    }
}
