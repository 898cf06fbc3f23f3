//! Swedish public holidays (allmänna helgdagar, lagen 1989:253) and the
//! three eves that workplaces keep as holidays (midsommarafton, julafton,
//! nyårsafton): a session planned on one of them warns its coordinator.

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// A day off in Sweden.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holiday {
    /// Nyårsdagen, 1 January.
    NewYearsDay,
    /// Trettondedag jul, 6 January.
    Epiphany,
    /// Långfredagen, the Friday before Easter.
    GoodFriday,
    /// Påskdagen.
    EasterSunday,
    /// Annandag påsk.
    EasterMonday,
    /// Första maj.
    MayDay,
    /// Kristi himmelsfärdsdag, 39 days after Easter.
    Ascension,
    /// Pingstdagen, 49 days after Easter.
    Pentecost,
    /// Sveriges nationaldag, 6 June.
    NationalDay,
    /// Midsommarafton, the Friday between 19 and 25 June.
    MidsummerEve,
    /// Midsommardagen, the Saturday between 20 and 26 June.
    MidsummerDay,
    /// Alla helgons dag, the Saturday between 31 October and 6 November.
    AllSaints,
    /// Julafton, 24 December.
    ChristmasEve,
    /// Juldagen, 25 December.
    ChristmasDay,
    /// Annandag jul, 26 December.
    BoxingDay,
    /// Nyårsafton, 31 December.
    NewYearsEve,
}

impl Holiday {
    /// Catalogue key of its name.
    pub fn label_key(self) -> &'static str {
        match self {
            Holiday::NewYearsDay => "holiday.new_years_day",
            Holiday::Epiphany => "holiday.epiphany",
            Holiday::GoodFriday => "holiday.good_friday",
            Holiday::EasterSunday => "holiday.easter_sunday",
            Holiday::EasterMonday => "holiday.easter_monday",
            Holiday::MayDay => "holiday.may_day",
            Holiday::Ascension => "holiday.ascension",
            Holiday::Pentecost => "holiday.pentecost",
            Holiday::NationalDay => "holiday.national_day",
            Holiday::MidsummerEve => "holiday.midsummer_eve",
            Holiday::MidsummerDay => "holiday.midsummer_day",
            Holiday::AllSaints => "holiday.all_saints",
            Holiday::ChristmasEve => "holiday.christmas_eve",
            Holiday::ChristmasDay => "holiday.christmas_day",
            Holiday::BoxingDay => "holiday.boxing_day",
            Holiday::NewYearsEve => "holiday.new_years_eve",
        }
    }
}

/// Easter Sunday of `year` in the Gregorian calendar (the anonymous
/// algorithm of Meeus, Jones and Butcher).
pub fn easter(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).unwrap_or_default()
}

/// The holiday `d` is, if any.
pub fn holiday(d: NaiveDate) -> Option<Holiday> {
    let fixed = match (d.month(), d.day()) {
        (1, 1) => Some(Holiday::NewYearsDay),
        (1, 6) => Some(Holiday::Epiphany),
        (5, 1) => Some(Holiday::MayDay),
        (6, 6) => Some(Holiday::NationalDay),
        (12, 24) => Some(Holiday::ChristmasEve),
        (12, 25) => Some(Holiday::ChristmasDay),
        (12, 26) => Some(Holiday::BoxingDay),
        (12, 31) => Some(Holiday::NewYearsEve),
        (6, 19..=25) if d.weekday() == Weekday::Fri => Some(Holiday::MidsummerEve),
        (6, 20..=26) if d.weekday() == Weekday::Sat => Some(Holiday::MidsummerDay),
        (10, 31) | (11, 1..=6) if d.weekday() == Weekday::Sat => Some(Holiday::AllSaints),
        _ => None,
    };
    if fixed.is_some() {
        return fixed;
    }
    let from_easter = (d - easter(d.year())).num_days();
    match from_easter {
        -2 => Some(Holiday::GoodFriday),
        0 => Some(Holiday::EasterSunday),
        1 => Some(Holiday::EasterMonday),
        39 => Some(Holiday::Ascension),
        49 => Some(Holiday::Pentecost),
        _ => None,
    }
}

/// The holidays in `from..=to`, in order.
pub fn holidays_between(from: NaiveDate, to: NaiveDate) -> Vec<(NaiveDate, Holiday)> {
    let mut out = Vec::new();
    let mut d = from;
    while d <= to {
        if let Some(h) = holiday(d) {
            out.push((d, h));
        }
        d += Duration::days(1);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    #[test]
    fn easter_falls_where_the_almanac_puts_it() {
        for (year, day) in [
            (2024, "2024-03-31"),
            (2025, "2025-04-20"),
            (2026, "2026-04-05"),
            (2027, "2027-03-28"),
            (2028, "2028-04-16"),
            (2038, "2038-04-25"),
            (2285, "2285-03-22"),
        ] {
            assert_eq!(easter(year), d(day), "{year}");
        }
    }

    #[test]
    fn the_swedish_holidays_of_2027() {
        let days: Vec<(String, Holiday)> = holidays_between(d("2027-01-01"), d("2027-12-31"))
            .into_iter()
            .map(|(day, h)| (day.to_string(), h))
            .collect();
        let expected = [
            ("2027-01-01", Holiday::NewYearsDay),
            ("2027-01-06", Holiday::Epiphany),
            ("2027-03-26", Holiday::GoodFriday),
            ("2027-03-28", Holiday::EasterSunday),
            ("2027-03-29", Holiday::EasterMonday),
            ("2027-05-01", Holiday::MayDay),
            ("2027-05-06", Holiday::Ascension),
            ("2027-05-16", Holiday::Pentecost),
            ("2027-06-06", Holiday::NationalDay),
            ("2027-06-25", Holiday::MidsummerEve),
            ("2027-06-26", Holiday::MidsummerDay),
            ("2027-11-06", Holiday::AllSaints),
            ("2027-12-24", Holiday::ChristmasEve),
            ("2027-12-25", Holiday::ChristmasDay),
            ("2027-12-26", Holiday::BoxingDay),
            ("2027-12-31", Holiday::NewYearsEve),
        ];
        let expected: Vec<(String, Holiday)> =
            expected.iter().map(|(s, h)| (s.to_string(), *h)).collect();
        assert_eq!(days, expected);
    }

    #[test]
    fn midsummer_and_all_saints_move_with_the_weekday() {
        // 2026: midsummer eve on the 19th, All Saints on 31 October.
        assert_eq!(holiday(d("2026-06-19")), Some(Holiday::MidsummerEve));
        assert_eq!(holiday(d("2026-06-20")), Some(Holiday::MidsummerDay));
        assert_eq!(holiday(d("2026-06-26")), None);
        assert_eq!(holiday(d("2026-10-31")), Some(Holiday::AllSaints));
        assert_eq!(holiday(d("2026-11-07")), None);
        // An ordinary Tuesday, and a leap day.
        assert_eq!(holiday(d("2027-02-16")), None);
        assert_eq!(holiday(d("2028-02-29")), None);
    }
}
