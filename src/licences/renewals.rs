//! Where licences meet courses: the offerings that give or renew a licence,
//! shown beside it on "Mina körkort". Licences do not know courses; the
//! courses domain provides the finder ([`Renewals`]) and the application
//! sets it.
//!
//! What is suggested follows the licence's standing on the day:
//! - someone who holds it (valid or expiring) is offered renewals whose last
//!   day is inside the renewal window or later; an offering that ends
//!   before the window opens would not renew, so it is not offered, and one
//!   that ends after the expiry is marked so;
//! - someone who does not hold it (never held, or expired) is offered basic
//!   courses;
//! - courses marked for either purpose are offered to both, and offerings
//!   the person is already booked on come first and say so.

use std::collections::HashMap;

use chrono::NaiveDate;
use maud::{Markup, html};
use rusqlite::Connection;

use super::model::{LicenceType, Standing, Status};
use crate::AppState;
use crate::i18n::Lang;
use crate::msg;
use crate::web::layout;

/// What a person needs of one licence type on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Need {
    /// The licence type.
    pub licence_type_id: i64,
    /// Holds it (valid or expiring): a renewal; otherwise a first licence.
    pub holds: bool,
    /// Offerings must end on or after this day: the day the renewal
    /// window opens for a held licence, else none.
    pub ends_from: Option<NaiveDate>,
}

impl Need {
    /// What `standing` of `t` asks for.
    pub fn of(t: &LicenceType, standing: &Standing) -> Need {
        let holds = matches!(standing.status, Status::Valid | Status::Expiring);
        Need {
            licence_type_id: t.id,
            holds,
            ends_from: if holds { standing.window_opens } else { None },
        }
    }
}

/// A place the person already holds on an offering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Booked {
    /// Has a place.
    Enrolled,
    /// On the waitlist.
    Waitlisted,
}

/// An offering that gives or renews a licence, as the licence page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenewalOffer {
    /// The offering.
    pub offering_id: i64,
    /// Course code.
    pub code: String,
    /// Course title in Swedish.
    pub title_sv: String,
    /// Course title in English.
    pub title_en: String,
    /// First day.
    pub starts_on: NaiveDate,
    /// Last day.
    pub ends_on: NaiveDate,
    /// Room or "Teams".
    pub place: String,
    /// Places not yet taken (0 when full).
    pub places_left: i64,
    /// The person's own place on it, if any.
    pub booked: Option<Booked>,
}

impl RenewalOffer {
    /// The course title in `lang`.
    pub fn title(&self, lang: Lang) -> &str {
        match lang {
            Lang::Sv => &self.title_sv,
            Lang::En => &self.title_en,
        }
    }
}

/// For person `person_id` looking on `today`: the next few offerings that
/// meet each need, by licence type id.
pub type RenewalFinder =
    fn(&Connection, i64, &[Need], NaiveDate) -> rusqlite::Result<HashMap<i64, Vec<RenewalOffer>>>;

/// The finder the application has set, as a service.
#[derive(Debug, Clone, Copy)]
pub struct Renewals(pub RenewalFinder);

impl Renewals {
    /// The finder of `state`; without one, no licence lists offerings.
    pub fn of(state: &AppState) -> RenewalFinder {
        state
            .services
            .get::<Renewals>()
            .map_or(|_, _, _, _| Ok(HashMap::new()), |r| r.0)
    }
}

/// The offerings under one licence, with the places they have left and the
/// window they must fall in; `own` when the reader is the person ("you
/// have a place"), else the booking is told in the third person.
pub fn offers_view(
    lang: Lang,
    t: &LicenceType,
    standing: &Standing,
    offers: &[RenewalOffer],
    own: bool,
) -> Markup {
    let need = Need::of(t, standing);
    let window = need.ends_from.zip(standing.valid_until);
    html! {
        section.card {
            h3 { (lang.t(if need.holds { "enrolment.renewing_offerings" } else { "enrolment.granting_offerings" })) }
            @if let Some((opens, until)) = window {
                p.muted { (msg!("enrolment.renewal_window", opens, until).render(lang)) }
            }
            @if offers.is_empty() {
                p.muted { (lang.t("enrolment.no_renewing_offerings")) }
            }
            ul { @for o in offers { li {
                a href=(format!("/offerings/{}/enrol", o.offering_id)) { (o.code) " " (o.title(lang)) } ", "
                (layout::date_range(lang, o.starts_on, o.ends_on)) ", " (o.place) ". "
                @match o.booked {
                    Some(Booked::Enrolled) => (layout::badge(lang.t(if own { "enrolment.booked_enrolled" } else { "enrolment.status_enrolled" }), "ok")),
                    Some(Booked::Waitlisted) => (layout::badge(lang.t(if own { "enrolment.booked_waitlisted" } else { "enrolment.status_waitlisted" }), "warn")),
                    None => {
                        @if o.places_left <= 0 { (layout::badge(lang.t("enrolment.full"), "warn")) }
                        @else { (o.places_left) " " (lang.t("enrolment.places_left")) }
                    }
                }
                @if let Some(until) = window.map(|(_, u)| u).filter(|u| o.ends_on > *u) {
                    " " (layout::badge(&msg!("enrolment.after_expiry", date = until).render(lang), "warn"))
                }
            } } }
        }
    }
}
