//! What the licence pages share: the status badge, the part's name, the
//! "as of" filter. The pages themselves are split by subject:
//! [`licence_pages`](super::licence_pages) (a person's licences),
//! [`compliance_pages`](super::compliance_pages) (the compliance report) and
//! [`type_pages`](super::type_pages) (licence types and requirements).

use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;

use super::model::{Part, Status};
use crate::auth::Ctx;
use crate::i18n::Lang;
use crate::web::FieldErrors;
use crate::web::layout::{self, FieldAttrs, text_field};

pub use super::model::may_record;
pub use super::report::{COMPLIANCE_ROLES, as_of, compliance_filter};
pub use super::store::unit_infos;

/// A status badge.
pub fn status_badge(lang: Lang, s: Status) -> Markup {
    layout::badge(lang.t(s.label_key()), s.as_str())
}

/// The name of a licence part in `lang`.
pub fn part_label(lang: Lang, p: Part) -> &'static str {
    lang.t(p.label_key())
}

/// Query with an as-of date.
#[derive(Debug, Deserialize, Default)]
pub struct AsOfQuery {
    /// The day; today when empty.
    #[serde(default)]
    pub as_of: String,
    /// A notice to show after a change.
    #[serde(default)]
    pub msg: String,
}

/// The "as of" filter above a page about one day.
pub fn as_of_form(ctx: &Ctx, action: &str, day: NaiveDate) -> Markup {
    let lang = ctx.lang;
    html! {
        form.filters method="get" action=(action) {
            (text_field(lang.t("licence.as_of"), "as_of", &day.to_string(), &FieldErrors::new(ctx.lang), FieldAttrs::optional().kind("date")))
            button type="submit" { (lang.t("common.filter")) }
        }
    }
}
