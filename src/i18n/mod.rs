//! The translation catalogue. Swedish is the default; every text a user reads is
//! looked up here by key, so the language switch turns every label.
//!
//! The texts live in one catalogue per language (`locales/sv/`, `locales/en/`,
//! a file per domain). Code never builds a sentence: it names a key and its
//! arguments in a [`Msg`], and the edge renders it in the reader's language.

mod catalogue;
mod msg;

pub use catalogue::entries;
pub use msg::{Arg, Msg};

/// A language the interface speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Svenska.
    #[default]
    Sv,
    /// English.
    En,
}

impl Lang {
    /// Parses `sv` or `en`.
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "sv" => Some(Lang::Sv),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The ISO code.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }

    /// Picks the first supported language in an `Accept-Language` header,
    /// honouring q-values.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
            let q = pieces
                .find_map(|p| {
                    p.trim()
                        .strip_prefix("q=")
                        .and_then(|v| v.parse::<f32>().ok())
                })
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            let lang = match primary {
                "sv" => Lang::Sv,
                "en" => Lang::En,
                _ => continue,
            };
            if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l)
    }

    /// The text for `key` in this language; the key itself when it is missing,
    /// which the catalogue tests catch.
    pub fn t(self, key: &'static str) -> &'static str {
        catalogue::lookup(self, key).unwrap_or(key)
    }

    /// The text for a key made at run time, when the catalogue has it.
    pub fn lookup(self, key: &str) -> Option<&'static str> {
        catalogue::lookup(self, key)
    }

    /// Both languages, Swedish first.
    pub const ALL: [Lang; 2] = [Lang::Sv, Lang::En];

    /// A date as people read it, with its weekday: `tis 2027-02-16`,
    /// `Tue 2027-02-16`.
    pub fn date_with_weekday(self, d: chrono::NaiveDate) -> String {
        const KEYS: [&str; 7] = [
            "weekday.mon",
            "weekday.tue",
            "weekday.wed",
            "weekday.thu",
            "weekday.fri",
            "weekday.sat",
            "weekday.sun",
        ];
        let day = chrono::Datelike::weekday(&d).num_days_from_monday() as usize;
        format!("{} {d}", self.t(KEYS[day]))
    }
}

/// Whether the catalogue holds `key` (tests use it to find untranslated text).
pub fn has_key(key: &str) -> bool {
    catalogue::lookup(Lang::Sv, key).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_date_reads_with_its_weekday() {
        let d = |s| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        assert_eq!(
            Lang::Sv.date_with_weekday(d("2027-02-16")),
            "tis 2027-02-16"
        );
        assert_eq!(
            Lang::En.date_with_weekday(d("2027-02-16")),
            "Tue 2027-02-16"
        );
        assert_eq!(
            Lang::Sv.date_with_weekday(d("2028-02-29")),
            "tis 2028-02-29"
        );
        assert_eq!(
            Lang::Sv.date_with_weekday(d("2026-12-27")),
            "sön 2026-12-27"
        );
    }

    #[test]
    fn keys_are_unique_and_both_languages_are_filled() {
        let mut seen = std::collections::HashSet::new();
        for (key, sv, en) in entries() {
            assert!(seen.insert(key), "duplicate key {key}");
            assert!(!sv.is_empty() && !en.is_empty(), "empty text for {key}");
        }
        assert!(seen.len() > 600, "the catalogue files are read");
    }

    #[test]
    fn accept_language_honours_quality() {
        assert_eq!(Lang::from_accept_language("en-GB,en;q=0.9"), Some(Lang::En));
        assert_eq!(
            Lang::from_accept_language("de, en;q=0.5, sv;q=0.8"),
            Some(Lang::Sv)
        );
        assert_eq!(Lang::from_accept_language("fr"), None);
        assert_eq!(Lang::from_accept_language("sv;q=0"), None);
    }

    #[test]
    fn missing_key_shows_itself() {
        assert_eq!(Lang::En.t("no.such.key"), "no.such.key");
        assert_eq!(Lang::Sv.t("nav.people"), "Personal");
    }
}
