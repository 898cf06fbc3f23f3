//! Checks of typed text that every domain shares: a name, an e-mail
//! address, a date. Each tidies what it accepts and refuses with a message
//! for the field's owner to show. No I/O.

use chrono::NaiveDate;

use crate::i18n::Msg;
use crate::msg;

/// The longest name, title or label a form takes.
pub const NAME_MAX: usize = 200;

/// A name with its runs of spaces made one: not empty, at most
/// [`NAME_MAX`] characters.
pub fn name(s: &str) -> Result<String, Msg> {
    let n = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if n.is_empty() {
        Err(msg!("input.required"))
    } else if n.chars().count() > NAME_MAX {
        Err(msg!("input.too_long", max = NAME_MAX))
    } else {
        Ok(n)
    }
}

/// The longest reason a revocation or an undo takes.
pub const REASON_MAX: usize = 500;

/// The reason given for taking something back: required, kept with the
/// record, at most [`REASON_MAX`] characters.
pub fn reason(s: &str) -> Result<String, Msg> {
    let r = s.trim();
    if r.is_empty() {
        Err(msg!("input.reason_required"))
    } else if r.chars().count() > REASON_MAX {
        Err(msg!("input.too_long", max = REASON_MAX))
    } else {
        Ok(r.to_string())
    }
}

/// The longest e-mail address (RFC 5321's path limit less the brackets).
pub const EMAIL_MAX: usize = 254;

/// A reason that may be left out: empty (or only spaces) is none, anything
/// else is checked as [`reason`].
pub fn optional_reason(s: Option<&str>) -> Result<Option<String>, Msg> {
    s.filter(|r| !r.trim().is_empty()).map(reason).transpose()
}

/// A trimmed e-mail address of the usual shape: one `@`, a dotted domain,
/// no spaces, 254 characters at most.
pub fn email(s: &str) -> Result<String, Msg> {
    let e = s.trim();
    let ok = e.len() <= EMAIL_MAX
        && !e.contains(char::is_whitespace)
        && e.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if ok {
        Ok(e.to_string())
    } else {
        Err(msg!("input.not_an_email"))
    }
}

/// A strict `YYYY-MM-DD` date: four digits of year (chrono's `%Y` also
/// takes a sign, as in `-009-01-01`, whose stored text would then not sort
/// as dates do).
pub fn date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if s.len() != 10 || !s.as_bytes()[..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_tidied_and_bounded() {
        assert_eq!(name("  Åsa   Lind-Öberg "), Ok("Åsa Lind-Öberg".into()));
        assert_eq!(name("   "), Err(msg!("input.required")));
        assert!(name(&"x".repeat(201)).is_err());
        assert!(name(&"å".repeat(200)).is_ok());
    }

    #[test]
    fn a_reason_is_required_and_bounded() {
        assert_eq!(reason("  wrong person "), Ok("wrong person".into()));
        assert_eq!(reason(" "), Err(msg!("input.reason_required")));
        assert!(reason(&"x".repeat(501)).is_err());
    }

    #[test]
    fn emails_have_one_at_and_a_dotted_domain() {
        assert_eq!(email(" a.b@region.se "), Ok("a.b@region.se".into()));
        for bad in ["a@b", "a@@b.se", "@b.se", "a b@c.se", "a@.se", "a@se."] {
            assert!(email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_have_four_digit_years() {
        assert_eq!(date("2024-02-29"), NaiveDate::from_ymd_opt(2024, 2, 29));
        assert_eq!(date("2023-02-29"), None);
        assert_eq!(date("-009-01-01"), None);
        assert_eq!(date("20240101"), None);
    }
}
