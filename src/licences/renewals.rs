//! Where licences meet courses: the offerings that renew a licence, shown
//! beside it on "Mina körkort". Licences do not know courses; the courses
//! domain provides the finder ([`Renewals`]) and the application sets it.

use std::collections::HashMap;

use chrono::NaiveDate;
use maud::{Markup, html};
use rusqlite::Connection;

use crate::AppState;
use crate::i18n::Lang;
use crate::web::layout;

/// An offering that renews a licence, as the licence page lists it.
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

/// The next few open offerings that renew each of the licence types, by
/// licence type id, for a nurse looking on `today`.
pub type RenewalFinder =
    fn(&Connection, &[i64], NaiveDate) -> rusqlite::Result<HashMap<i64, Vec<RenewalOffer>>>;

/// The finder the application has set, as a service.
#[derive(Debug, Clone, Copy)]
pub struct Renewals(pub RenewalFinder);

impl Renewals {
    /// The finder of `state`; without one, no licence lists offerings.
    pub fn of(state: &AppState) -> RenewalFinder {
        state
            .services
            .get::<Renewals>()
            .map_or(|_, _, _| Ok(HashMap::new()), |r| r.0)
    }
}

/// The offerings under one licence, with the places they have left.
pub fn offers_view(lang: Lang, offers: &[RenewalOffer]) -> Markup {
    html! {
        @if !offers.is_empty() {
            section.card {
                h3 { (lang.t("enrolment.renewing_offerings")) }
                ul { @for o in offers { li {
                    a href=(format!("/offerings/{}/enrol", o.offering_id)) { (o.code) " " (o.title(lang)) } ", "
                    (o.starts_on) " – " (o.ends_on) ", " (o.place) ". "
                    @if o.places_left <= 0 { (layout::badge(lang.t("enrolment.full"), "warn")) }
                    @else { (o.places_left) " " (lang.t("enrolment.places_left")) }
                } } }
            }
        }
    }
}
