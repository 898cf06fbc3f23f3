//! iCalendar (RFC 5545) calendars and responses.
//!
//! Times are written as Stockholm wall-clock times with
//! `TZID=Europe/Stockholm`, and the calendar carries the zone's VTIMEZONE
//! (its summer-time rules), so an event keeps its hour across the change to
//! and from summer time in every client. The one hour that happens twice (the
//! night summer time ends) cannot be named that way and is written in UTC.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, LocalResult, TimeZone, Utc};
use chrono_tz::Europe::Stockholm;
use icalendar::{Calendar, CalendarDateTime, Component, EventLike, EventStatus};

/// The zone every local time refers to.
pub const TZID: &str = "Europe/Stockholm";

/// Europe/Stockholm's VTIMEZONE: CET, and CEST from the last Sunday of March
/// 02:00 to the last Sunday of October 03:00 (the EU rule since 1996).
pub(crate) const STOCKHOLM_VTIMEZONE: &str = "BEGIN:VTIMEZONE\r\nTZID:Europe/Stockholm\r\n\
BEGIN:DAYLIGHT\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\nTZNAME:CEST\r\n\
DTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n\
BEGIN:STANDARD\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\nTZNAME:CET\r\n\
DTSTART:19701025T030000\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n\
END:VTIMEZONE\r\n";

/// An instant as a Stockholm wall-clock time with its TZID, or in UTC when
/// that wall-clock time happens twice.
pub(crate) fn local(at: DateTime<Utc>) -> CalendarDateTime {
    let wall = at.with_timezone(&Stockholm).naive_local();
    match Stockholm.from_local_datetime(&wall) {
        LocalResult::Single(_) => CalendarDateTime::WithTimezone {
            date_time: wall,
            tzid: TZID.into(),
        },
        _ => CalendarDateTime::Utc(at),
    }
}

/// One event of a calendar.
#[derive(Debug, Clone)]
pub struct Event {
    /// Stable for ever, so a calendar updates the event instead of adding one.
    pub uid: String,
    /// The title.
    pub summary: String,
    /// The text under it.
    pub description: String,
    /// Where.
    pub location: String,
    /// Start (UTC).
    pub starts_at: DateTime<Utc>,
    /// End (UTC).
    pub ends_at: DateTime<Utc>,
    /// SEQUENCE: raised by every change a calendar shows.
    pub sequence: u32,
    /// Cancelled events stay in the feed, marked so.
    pub cancelled: bool,
}

/// The calendar named `name` holding `events`, as RFC 5545 text with
/// `prodid`. `now` is every event's DTSTAMP (when this copy was made).
pub fn calendar(name: &str, prodid: &str, events: &[Event], now: DateTime<Utc>) -> String {
    // One PRODID: `Calendar::new` would add the library's own beside ours.
    let mut cal = Calendar::empty();
    cal.append_property(icalendar::Property::new("VERSION", "2.0"))
        .append_property(icalendar::Property::new("PRODID", prodid))
        .append_property(icalendar::Property::new("CALSCALE", "GREGORIAN"))
        .name(name)
        .timezone(TZID);
    for s in events {
        let mut e = icalendar::Event::new();
        e.uid(&s.uid)
            .timestamp(now)
            .sequence(s.sequence)
            .summary(&s.summary)
            .description(&s.description)
            .location(&s.location)
            .starts(local(s.starts_at))
            .ends(local(s.ends_at))
            .status(if s.cancelled {
                EventStatus::Cancelled
            } else {
                EventStatus::Confirmed
            });
        cal.push(e.done());
    }
    // The builder writes a DTSTAMP and a UID into every component it knows
    // nothing about, which a VTIMEZONE must not have, so the zone goes in as
    // text ahead of the events that name it.
    let text = cal.done().to_string();
    match text.find("BEGIN:VEVENT\r\n") {
        Some(at) => format!("{}{STOCKHOLM_VTIMEZONE}{}", &text[..at], &text[at..]),
        None => text,
    }
}

/// An iCalendar (`text/calendar`) answer named `filename`. Calendar apps poll
/// subscriptions, so it may be cached briefly but never shared by proxies.
pub fn response(filename: &str, body: String) -> Response {
    let mut r = body.into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/calendar; charset=utf-8"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=300"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// A subscription link just made, shown once: the address to copy, a
/// `webcal:` button for calendar apps that take one, and how Outlook adds it.
pub fn new_link_notice(lang: crate::i18n::Lang, url: &str) -> maud::Markup {
    maud::html! {
        div.alert.ok role="status" {
            p { (lang.t("calendar.new_link")) }
            p { code { (url) } }
            @if let Some(rest) = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")) {
                p { a.button href=(format!("webcal://{rest}")) { (lang.t("calendar.subscribe")) } }
            }
            p.muted { (lang.t("calendar.outlook_hint")) }
        }
    }
}
