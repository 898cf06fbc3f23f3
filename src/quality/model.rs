//! The quality indicator "kloka kliniska val": among patients who died in a
//! period and ever had a treatment type, the share whose last such
//! treatment was at most W days before death. The rules as pure functions:
//! periods, who counts where, the tally, small-number suppression (with
//! the cells a total would reveal suppressed too), the funnel plot's
//! limits, and the checks that keep personal identity numbers out. No I/O.

use std::collections::{BTreeMap, HashMap};

use chrono::{Datelike, NaiveDate};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Cells with fewer patients than this (numerator or denominator) are shown
/// as "<5" without a share.
pub const MIN_CELL: u32 = 5;

/// A treatment type of the extracts. Cytotoxic treatment and radiotherapy
/// are the indicator's; the others are kept for later indicators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Cytostatika.
    Cytotoxic,
    /// Strålbehandling.
    Radiotherapy,
    /// Immunterapi.
    Immunotherapy,
    /// Everything else (targeted, hormonal, ...).
    Other,
}

impl Kind {
    /// Every kind, in list order.
    pub const ALL: [Kind; 4] = [
        Kind::Cytotoxic,
        Kind::Radiotherapy,
        Kind::Immunotherapy,
        Kind::Other,
    ];

    /// The kinds the indicator is computed for.
    pub const INDICATOR: [Kind; 2] = [Kind::Cytotoxic, Kind::Radiotherapy];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Cytotoxic => "cytotoxic",
            Kind::Radiotherapy => "radiotherapy",
            Kind::Immunotherapy => "immunotherapy",
            Kind::Other => "other",
        }
    }

    /// The stored names and the words extracts use, in either language.
    pub fn parse(s: &str) -> Option<Kind> {
        Some(match s.trim().to_lowercase().as_str() {
            "cytotoxic"
            | "cytostatika"
            | "cytostatikabehandling"
            | "kemoterapi"
            | "chemotherapy" => Kind::Cytotoxic,
            "radiotherapy" | "strålbehandling" | "stralbehandling" | "strålning" | "rt" => {
                Kind::Radiotherapy
            }
            "immunotherapy" | "immunterapi" | "immunoterapi" => Kind::Immunotherapy,
            "other" | "övrig" | "övrigt" | "annan" => Kind::Other,
            _ => return None,
        })
    }

    /// Catalogue key of the name.
    pub fn label_key(self) -> &'static str {
        match self {
            Kind::Cytotoxic => "quality.kind_cytotoxic",
            Kind::Radiotherapy => "quality.kind_radiotherapy",
            Kind::Immunotherapy => "quality.kind_immunotherapy",
            Kind::Other => "quality.kind_other",
        }
    }
}

/// Read with [`Kind::parse`], so a stored mapping may use any of its words.
impl<'de> serde::Deserialize<'de> for Kind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Kind, D::Error> {
        let s = <String as serde::Deserialize>::deserialize(d)?;
        Kind::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown treatment type {s:?}")))
    }
}

/// How long before death a treatment counts as late. 28 days is the
/// indicator's definition; 14 and 30 are asked for too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Window(u16);

impl Window {
    /// The windows one may choose.
    pub const CHOICES: [u16; 3] = [14, 28, 30];

    /// Four weeks.
    pub const DEFAULT: Window = Window(28);

    /// One of [`Window::CHOICES`].
    pub fn new(days: u16) -> Option<Window> {
        Window::CHOICES.contains(&days).then_some(Window(days))
    }

    /// The days.
    pub fn days(self) -> u16 {
        self.0
    }

    /// Whether a last treatment on `last` was late for a death on `died`:
    /// at most `days` days before (day 28 counts, day 29 does not).
    pub fn within(self, last: NaiveDate, died: NaiveDate) -> bool {
        let before = (died - last).num_days();
        (0..=i64::from(self.0)).contains(&before)
    }
}

/// Years or quarters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    /// Calendar years.
    Year,
    /// Calendar quarters.
    Quarter,
}

/// A calendar year or quarter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub struct Period {
    /// The year.
    pub year: i32,
    /// 1 to 4, or `None` for the whole year.
    pub quarter: Option<u8>,
}

impl Period {
    /// The period of `granularity` that holds `day`.
    pub fn of(day: NaiveDate, granularity: Granularity) -> Period {
        Period {
            year: day.year(),
            quarter: match granularity {
                Granularity::Year => None,
                Granularity::Quarter => Some(quarter_of(day)),
            },
        }
    }

    /// The year this quarter is part of (itself for a year).
    pub fn year_of(self) -> Period {
        Period {
            year: self.year,
            quarter: None,
        }
    }

    /// `2025` or `2025 Q2`: the same in both languages.
    pub fn label(self) -> String {
        match self.quarter {
            None => self.year.to_string(),
            Some(q) => format!("{} Q{q}", self.year),
        }
    }

    /// First day.
    pub fn first_day(self) -> Option<NaiveDate> {
        let month = self.quarter.map_or(1, |q| u32::from(q - 1) * 3 + 1);
        NaiveDate::from_ymd_opt(self.year, month, 1)
    }

    /// Parses `2025` or `2025-Q2` (also `2025Q2`, `2025 q2`).
    pub fn parse(s: &str) -> Option<Period> {
        let s = s.trim().to_ascii_uppercase().replace([' ', '-'], "");
        let (year, quarter) = match s.split_once('Q') {
            Some((y, q)) => (
                y,
                Some(q.parse::<u8>().ok().filter(|q| (1..=4).contains(q))?),
            ),
            None => (s.as_str(), None),
        };
        let year = year
            .parse::<i32>()
            .ok()
            .filter(|y| (1900..=9999).contains(y))?;
        Some(Period { year, quarter })
    }
}

fn quarter_of(day: NaiveDate) -> u8 {
    // Months 1..=12 make quarters 1..=4.
    u8::try_from(day.month0() / 3 + 1).unwrap_or(4)
}

/// One treatment (or the last one of its kind) as an extract records it,
/// the patient already a keyed hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Treatment {
    /// The patient's key ([`patient_key`]).
    pub patient: String,
    /// Where the treatment was given.
    pub administration_id: i64,
    /// The unit, when the extract names one.
    pub unit_id: Option<i64>,
    /// Cytotoxic, radiotherapy, ...
    pub kind: Kind,
    /// The day of the treatment.
    pub treated_on: NaiveDate,
    /// The day the patient died, when they have.
    pub died_on: Option<NaiveDate>,
}

/// One patient who died and had the treatment type: where they count and
/// whether their last treatment was late.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    /// The patient's key.
    pub patient: String,
    /// The day of death.
    pub died_on: NaiveDate,
    /// The last treatment of the type.
    pub last_on: NaiveDate,
    /// The administration of that last treatment, where the patient counts.
    pub administration_id: i64,
    /// Its unit, when known.
    pub unit_id: Option<i64>,
    /// Whether the last treatment was within the window before death.
    pub late: bool,
}

/// The patients of `treatments` who died and ever had `kind`: each counts
/// once, in the administration (and unit) of their last treatment of that
/// kind; of two on that last day, the one recorded later. A patient's day
/// of death is the latest any row gives (imports refuse disagreeing rows).
pub fn cases(treatments: &[Treatment], kind: Kind, window: Window) -> Vec<Case> {
    let mut deaths: HashMap<&str, NaiveDate> = HashMap::new();
    for t in treatments {
        if let Some(d) = t.died_on {
            deaths
                .entry(t.patient.as_str())
                .and_modify(|e| *e = (*e).max(d))
                .or_insert(d);
        }
    }
    let mut last: HashMap<&str, &Treatment> = HashMap::new();
    for t in treatments.iter().filter(|t| t.kind == kind) {
        let entry = last.entry(t.patient.as_str()).or_insert(t);
        if t.treated_on >= entry.treated_on {
            *entry = t;
        }
    }
    let mut out: Vec<Case> = last
        .into_iter()
        .filter_map(|(patient, t)| {
            let died_on = *deaths.get(patient)?;
            Some(Case {
                patient: patient.to_string(),
                died_on,
                last_on: t.treated_on,
                administration_id: t.administration_id,
                unit_id: t.unit_id,
                late: window.within(t.treated_on, died_on),
            })
        })
        .collect();
    out.sort_by(|a, b| a.patient.cmp(&b.patient));
    out
}

/// Patients counted and those of them treated late.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct Count {
    /// Died in the period and had the treatment type.
    pub denominator: u32,
    /// Of those, last treated within the window.
    pub numerator: u32,
}

impl Count {
    /// Adds one patient.
    pub fn add(&mut self, late: bool) {
        self.denominator += 1;
        self.numerator += u32::from(late);
    }

    /// Whether the cell is too small to show on its own.
    pub fn small(self) -> bool {
        self.denominator < MIN_CELL || self.numerator < MIN_CELL
    }

    /// The share in basis points (1/100 of a per cent), rounded half up.
    pub fn share_bp(self) -> Option<u32> {
        (self.denominator > 0).then(|| {
            let num = u64::from(self.numerator) * 10_000 * 2 + u64::from(self.denominator);
            u32::try_from(num / (u64::from(self.denominator) * 2)).unwrap_or(u32::MAX)
        })
    }

    fn plus(self, other: Count) -> Count {
        Count {
            denominator: self.denominator + other.denominator,
            numerator: self.numerator + other.numerator,
        }
    }
}

/// Where a cell counts: the whole set, a region, an administration or a unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(tag = "level", content = "id", rename_all = "snake_case")]
pub enum Place {
    /// Every region of the report.
    All,
    /// A region.
    Region(i64),
    /// An administration.
    Administration(i64),
    /// A unit.
    Unit(i64),
}

/// Which region an administration and a unit belong to.
#[derive(Debug, Clone, Default)]
pub struct Tree {
    /// Administration id to its region.
    pub region_of: HashMap<i64, i64>,
    /// Unit id to its administration.
    pub administration_of: HashMap<i64, i64>,
}

impl Tree {
    /// The places a case counts in, from the top down.
    fn places(&self, c: &Case) -> Vec<Place> {
        let mut places = vec![Place::All];
        if let Some(r) = self.region_of.get(&c.administration_id) {
            places.push(Place::Region(*r));
        }
        places.push(Place::Administration(c.administration_id));
        if let Some(u) = c.unit_id
            && self.administration_of.get(&u) == Some(&c.administration_id)
        {
            places.push(Place::Unit(u));
        }
        places
    }

    /// The place above `p` in the tree.
    pub fn parent(&self, p: Place) -> Option<Place> {
        match p {
            Place::All => None,
            Place::Region(_) => Some(Place::All),
            Place::Administration(a) => Some(
                self.region_of
                    .get(&a)
                    .map_or(Place::All, |r| Place::Region(*r)),
            ),
            Place::Unit(u) => self
                .administration_of
                .get(&u)
                .map(|a| Place::Administration(*a)),
        }
    }
}

/// The counts of the cases, by place and period: each death counted in its
/// year and (when `quarters`) its quarter.
pub fn tally(cases: &[Case], tree: &Tree, quarters: bool) -> BTreeMap<(Place, Period), Count> {
    let mut cells: BTreeMap<(Place, Period), Count> = BTreeMap::new();
    for c in cases {
        let mut periods = vec![Period::of(c.died_on, Granularity::Year)];
        if quarters {
            periods.push(Period::of(c.died_on, Granularity::Quarter));
        }
        for place in tree.places(c) {
            for period in &periods {
                cells.entry((place, *period)).or_default().add(c.late);
            }
        }
    }
    cells
}

/// A cell's place and period.
pub type CellKey = (Place, Period);

/// A cell as it may be shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "shown", rename_all = "snake_case")]
pub enum Cell {
    /// The counts and the share.
    Counts {
        /// The counts.
        #[serde(flatten)]
        count: Count,
        /// The share in basis points.
        share_bp: u32,
    },
    /// "<5": fewer than five patients, or hidden so that a total cannot
    /// reveal another such cell.
    Suppressed,
}

/// The cells of `counts` as they may be shown. A cell with fewer than
/// [`MIN_CELL`] patients in its numerator or denominator is suppressed; and
/// wherever a shown total is the sum of cells (the administrations of a
/// region, the regions of the whole, the units of an administration, the
/// quarters of a year) and some of those cells are suppressed, more are
/// suppressed, smallest first, until at least two are and together they
/// hold at least [`MIN_CELL`] patients in numerator and denominator, so
/// that the total minus what is shown reveals no small number; and a hidden
/// total keeps at least one of its parts hidden, so that it is not their sum.
pub fn suppress(
    counts: &BTreeMap<(Place, Period), Count>,
    tree: &Tree,
) -> BTreeMap<(Place, Period), Cell> {
    let mut hidden: std::collections::BTreeSet<CellKey> = counts
        .iter()
        .filter(|(_, c)| c.small())
        .map(|(k, _)| *k)
        .collect();
    // Groups of cells that add up to a cell of their own.
    // Each total is the sum of its places below (`false`) and, for a year,
    // of its quarters (`true`): two groups, each checked on its own.
    let mut groups: BTreeMap<(CellKey, bool), Vec<CellKey>> = BTreeMap::new();
    for &(place, period) in counts.keys() {
        if let Some(parent) = tree.parent(place)
            && counts.contains_key(&(parent, period))
        {
            groups
                .entry(((parent, period), false))
                .or_default()
                .push((place, period));
        }
        if period.quarter.is_some() && counts.contains_key(&(place, period.year_of())) {
            groups
                .entry(((place, period.year_of()), true))
                .or_default()
                .push((place, period));
        }
    }
    loop {
        let mut changed = false;
        for ((total, _), members) in &groups {
            if hidden.contains(total) {
                // A hidden total whose parts are all shown is their sum:
                // one part must go too.
                if members.iter().all(|m| !hidden.contains(m))
                    && let Some(m) = members
                        .iter()
                        .min_by_key(|m| (counts[m].denominator, counts[m].numerator, **m))
                {
                    hidden.insert(*m);
                    changed = true;
                }
                continue;
            }
            loop {
                let suppressed: Vec<_> = members.iter().filter(|m| hidden.contains(m)).collect();
                if suppressed.is_empty() {
                    break;
                }
                let sum = suppressed
                    .iter()
                    .fold(Count::default(), |s, m| s.plus(counts[m]));
                if suppressed.len() >= 2 && !sum.small() {
                    break;
                }
                let next = members
                    .iter()
                    .filter(|m| !hidden.contains(m))
                    .min_by_key(|m| (counts[m].denominator, counts[m].numerator, **m));
                match next {
                    Some(m) => {
                        hidden.insert(*m);
                        changed = true;
                    }
                    None => break,
                }
            }
        }
        if !changed {
            break;
        }
    }
    counts
        .iter()
        .map(|(k, c)| {
            let cell = if hidden.contains(k) {
                Cell::Suppressed
            } else {
                Cell::Counts {
                    count: *c,
                    share_bp: c.share_bp().unwrap_or(0),
                }
            };
            (*k, cell)
        })
        .collect()
}

/// The funnel plot's control limits around the share `p` (0 to 1) for a
/// unit with `n` patients: `(lower, upper)` for `z` (1.96 for 95 %, 3.09 for
/// 99.8 %), by the normal approximation to the binomial, within 0 and 1.
pub fn funnel_limits(p: f64, n: u32, z: f64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 1.0);
    }
    let spread = z * (p * (1.0 - p) / f64::from(n)).sqrt();
    ((p - spread).max(0.0), (p + spread).min(1.0))
}

/// z for a 95 % limit.
pub const Z95: f64 = 1.959_964;
/// z for a 99.8 % limit.
pub const Z998: f64 = 3.090_232;

/// Whether `s` looks like a Swedish personal identity number (personnummer)
/// or coordination number (samordningsnummer, day + 60) with a valid check
/// digit: `YYMMDD-NNNC`, `YYMMDD+NNNC`, `YYYYMMDDNNNC`, `YYYYMMDD-NNNC` or
/// `YYMMDDNNNC`. Extracts must carry pseudonyms only.
pub fn looks_like_personal_number(s: &str) -> bool {
    let s = s.trim();
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    let others: String = s.chars().filter(|c| !c.is_ascii_digit()).collect();
    if !(others.is_empty() || others == "-" || others == "+") {
        return false;
    }
    let ten = match digits.len() {
        10 => digits.as_str(),
        12 => &digits[2..],
        _ => return false,
    };
    if others.len() == 1 && s.chars().rev().nth(4) != others.chars().next() {
        return false;
    }
    let d: Vec<u32> = ten.chars().filter_map(|c| c.to_digit(10)).collect();
    let month = d[2] * 10 + d[3];
    let day = d[4] * 10 + d[5];
    let day_ok = (1..=31).contains(&day) || (61..=91).contains(&day);
    if !(1..=12).contains(&month) || !day_ok {
        return false;
    }
    // Luhn over the first nine digits, the tenth the check.
    let sum: u32 = d[..9]
        .iter()
        .enumerate()
        .map(|(i, x)| {
            let v = if i % 2 == 0 { x * 2 } else { *x };
            v / 10 + v % 10
        })
        .sum();
    (10 - sum % 10) % 10 == d[9]
}

/// The key a patient is stored under: a keyed hash (HMAC-SHA-256 with a key
/// of the installation) of the pseudonym the extract gives. Two extracts'
/// rows meet only when their sources used the same pseudonym, and the
/// pseudonym cannot be found from the key without the installation's key.
pub fn patient_key(installation_secret: &[u8], pseudonym: &str) -> String {
    let key = {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(installation_secret) else {
            return String::new();
        };
        mac.update(b"quality-pseudonym-v1");
        mac.finalize().into_bytes()
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&key) else {
        return String::new();
    };
    mac.update(pseudonym.trim().as_bytes());
    format!("{:x}", mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> NaiveDate {
        crate::check::date(s).expect("date")
    }

    fn t(patient: &str, admin: i64, kind: Kind, on: &str, died: Option<&str>) -> Treatment {
        Treatment {
            patient: patient.into(),
            administration_id: admin,
            unit_id: None,
            kind,
            treated_on: day(on),
            died_on: died.map(day),
        }
    }

    #[test]
    fn day_28_counts_and_day_29_does_not() {
        let w = Window::DEFAULT;
        let died = day("2025-03-29");
        assert!(w.within(day("2025-03-01"), died), "28 days before");
        assert!(!w.within(day("2025-02-28"), died), "29 days before");
        assert!(w.within(died, died), "the day of death");
        assert!(
            !w.within(day("2025-03-30"), died),
            "after death is not before it"
        );
        assert!(Window::new(14).is_some() && Window::new(30).is_some());
        assert!(Window::new(21).is_none());
        // 2024 is a leap year: 28 days before 2024-03-01 is 2024-02-02.
        assert!(w.within(day("2024-02-02"), day("2024-03-01")));
        assert!(!w.within(day("2024-02-01"), day("2024-03-01")));
    }

    #[test]
    fn a_patient_counts_once_where_the_last_treatment_was() {
        let rows = vec![
            t("p1", 1, Kind::Cytotoxic, "2025-01-10", Some("2025-06-01")),
            t("p1", 2, Kind::Cytotoxic, "2025-05-20", None),
            t("p1", 3, Kind::Radiotherapy, "2025-05-30", None),
            // Alive: not counted.
            t("p2", 1, Kind::Cytotoxic, "2025-05-20", None),
            // Died, but never had cytotoxic treatment.
            t(
                "p3",
                1,
                Kind::Radiotherapy,
                "2025-01-01",
                Some("2025-02-01"),
            ),
        ];
        let cyto = cases(&rows, Kind::Cytotoxic, Window::DEFAULT);
        assert_eq!(cyto.len(), 1);
        assert_eq!(cyto[0].administration_id, 2);
        assert!(cyto[0].late, "12 days before death");
        let rt = cases(&rows, Kind::Radiotherapy, Window::DEFAULT);
        assert_eq!(rt.len(), 2);
        assert!(
            rt.iter()
                .any(|c| c.patient == "p1" && c.administration_id == 3 && c.late)
        );
        assert!(rt.iter().any(|c| c.patient == "p3" && !c.late));
    }

    #[test]
    fn periods_by_year_and_quarter() {
        assert_eq!(
            Period::of(day("2025-03-31"), Granularity::Quarter).label(),
            "2025 Q1"
        );
        assert_eq!(
            Period::of(day("2025-04-01"), Granularity::Quarter).label(),
            "2025 Q2"
        );
        assert_eq!(
            Period::of(day("2025-12-31"), Granularity::Quarter).label(),
            "2025 Q4"
        );
        assert_eq!(
            Period::parse("2025-Q3").map(Period::label).as_deref(),
            Some("2025 Q3")
        );
        assert_eq!(
            Period::parse("2025").map(Period::label).as_deref(),
            Some("2025")
        );
        assert_eq!(Period::parse("2025-Q5"), None);
        assert_eq!(
            Period::parse("2025q4").and_then(Period::first_day),
            Some(day("2025-10-01"))
        );
    }

    #[test]
    fn shares_are_basis_points_rounded_half_up() {
        let c = Count {
            denominator: 3,
            numerator: 1,
        };
        assert_eq!(c.share_bp(), Some(3333));
        let c = Count {
            denominator: 8,
            numerator: 1,
        };
        assert_eq!(c.share_bp(), Some(1250));
        let c = Count {
            denominator: 6,
            numerator: 1,
        };
        assert_eq!(c.share_bp(), Some(1667));
        assert_eq!(Count::default().share_bp(), None);
    }

    fn tree() -> Tree {
        Tree {
            region_of: [(1, 10), (2, 10), (3, 10), (4, 20)].into_iter().collect(),
            administration_of: HashMap::new(),
        }
    }

    fn counts(cells: &[(Place, u32, u32)]) -> BTreeMap<(Place, Period), Count> {
        let year = Period {
            year: 2025,
            quarter: None,
        };
        cells
            .iter()
            .map(|(p, d, n)| {
                (
                    (*p, year),
                    Count {
                        denominator: *d,
                        numerator: *n,
                    },
                )
            })
            .collect()
    }

    #[test]
    fn a_small_cell_and_the_one_that_would_reveal_it_are_suppressed() {
        use Place::*;
        let c = counts(&[
            (All, 60, 15),
            (Region(10), 50, 12),
            (Region(20), 10, 3),
            (Administration(1), 20, 5),
            (Administration(2), 26, 5),
            (Administration(3), 4, 2),
            (Administration(4), 10, 3),
        ]);
        let shown = suppress(&c, &tree());
        let year = Period {
            year: 2025,
            quarter: None,
        };
        let hidden = |p| shown[&(p, year)] == Cell::Suppressed;
        assert!(
            hidden(Region(20)) && hidden(Administration(4)),
            "three late"
        );
        assert!(
            hidden(Region(10)),
            "else the whole minus region 10 gives region 20"
        );
        assert!(hidden(Administration(3)), "four patients");
        // Region 10's total is hidden, so administration 3 cannot be had
        // from it; what the whole minus the shown cells leaves is 3 and 4
        // together, 14 patients of whom 5 late.
        assert!(!hidden(Administration(1)) && !hidden(Administration(2)));
        assert!(!hidden(All));

        // With region 10 alone, its total is shown: administration 3 is
        // small, and the smallest of the others goes with it.
        let c = counts(&[
            (All, 50, 12),
            (Region(10), 50, 12),
            (Administration(1), 20, 5),
            (Administration(2), 26, 5),
            (Administration(3), 4, 2),
        ]);
        let shown = suppress(&c, &tree());
        let hidden = |p| shown[&(p, year)] == Cell::Suppressed;
        assert!(hidden(Administration(3)) && hidden(Administration(1)));
        assert!(!hidden(Administration(2)) && !hidden(Region(10)));
        assert_eq!(
            shown[&(Administration(2), year)],
            Cell::Counts {
                count: Count {
                    denominator: 26,
                    numerator: 5
                },
                share_bp: 1923
            }
        );
    }

    #[test]
    fn a_hidden_total_is_not_left_the_sum_of_shown_parts() {
        use Place::*;
        let tree = Tree {
            region_of: [(1, 10), (2, 10), (4, 20), (6, 30)].into_iter().collect(),
            administration_of: HashMap::new(),
        };
        let c = counts(&[
            (All, 90, 30),
            (Region(10), 60, 20),
            (Region(20), 8, 2),
            (Region(30), 22, 8),
            (Administration(1), 30, 10),
            (Administration(2), 30, 10),
            (Administration(4), 8, 2),
            (Administration(6), 22, 8),
        ]);
        let shown = suppress(&c, &tree);
        let year = Period {
            year: 2025,
            quarter: None,
        };
        let hidden = |p| shown[&(p, year)] == Cell::Suppressed;
        assert!(hidden(Region(20)), "two late");
        assert!(
            hidden(Region(30)),
            "else the whole minus the others gives region 20"
        );
        assert!(
            hidden(Administration(6)),
            "region 30's only administration would show region 30"
        );
        assert!(!hidden(Region(10)) && !hidden(Administration(1)));
    }

    /// `nine` with its Luhn check digit.
    fn checked(nine: &str) -> String {
        let sum: u32 = nine
            .chars()
            .filter_map(|c| c.to_digit(10))
            .enumerate()
            .map(|(i, x)| {
                let v = if i % 2 == 0 { x * 2 } else { x };
                v / 10 + v % 10
            })
            .sum();
        format!("{nine}{}", (10 - sum % 10) % 10)
    }

    #[test]
    fn personal_numbers_are_recognised_by_their_check_digit() {
        // The tax agency's well-known test number 19121212-1212, and a
        // coordination number (day + 60) made from it.
        let coordination = checked("121272121");
        for pnr in [
            "121212-1212".to_string(),
            "1212121212".to_string(),
            "191212121212".to_string(),
            "19121212-1212".to_string(),
            "121212+1212".to_string(),
            format!("{}-{}", &coordination[..6], &coordination[6..]),
        ] {
            assert!(looks_like_personal_number(&pnr), "{pnr}");
        }
        let wrong_check = "121212-1213";
        for not in [
            wrong_check,
            "P-000123",
            "a3f9c2",
            "121312-1212",
            "12345",
            "1212-121212",
        ] {
            assert!(!looks_like_personal_number(not), "{not}");
        }
    }

    #[test]
    fn the_key_depends_on_the_pseudonym_and_the_installation_only() {
        let a = patient_key(b"secret one", "PAT-001");
        assert_eq!(a, patient_key(b"secret one", " PAT-001 "));
        assert_ne!(a, patient_key(b"secret one", "PAT-002"));
        assert_ne!(a, patient_key(b"secret two", "PAT-001"));
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn funnel_limits_narrow_as_patients_grow() {
        let (lo10, hi10) = funnel_limits(0.2, 10, Z95);
        let (lo100, hi100) = funnel_limits(0.2, 100, Z95);
        assert!(lo10 < lo100 && hi10 > hi100);
        let (lo, hi) = funnel_limits(0.2, 100, Z998);
        assert!(lo < lo100 && hi > hi100, "99.8 % is wider than 95 %");
        assert_eq!(funnel_limits(0.0, 5, Z95), (0.0, 0.0));
        assert!((hi100 - 0.2 - 1.959_964 * 0.04).abs() < 1e-9);
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::*;

        fn tree() -> Tree {
            // Three regions: 1, 2 and 3 in region 10, 4 and 5 in region 20,
            // and 6 alone in region 30; units 100+a in administration a.
            Tree {
                region_of: [(1, 10), (2, 10), (3, 10), (4, 20), (5, 20), (6, 30)]
                    .into_iter()
                    .collect(),
                administration_of: (1..=6).map(|a| (100 + a, a)).collect(),
            }
        }

        prop_compose! {
            fn treatment()(
                patient in 0u32..150,
                admin in 1i64..=6,
                with_unit in any::<bool>(),
                kind in 0usize..4,
                treated in 0i64..800,
                died in proptest::option::of(0i64..60),
            ) -> Treatment {
                let start = NaiveDate::from_ymd_opt(2024, 1, 1).expect("day");
                let treated_on = start + chrono::Duration::days(treated);
                Treatment {
                    patient: format!("p{patient}"),
                    administration_id: admin,
                    unit_id: with_unit.then_some(100 + admin),
                    kind: Kind::ALL[kind],
                    treated_on,
                    died_on: died.map(|d| treated_on + chrono::Duration::days(d)),
                }
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(200))]

            /// The tally equals counting each place and period by hand:
            /// for every patient who died in it and had the kind, where
            /// the last such treatment was, and how long before death.
            #[test]
            fn the_indicator_equals_a_straightforward_recomputation(
                rows in proptest::collection::vec(treatment(), 0..120),
                kind in 0usize..2,
                window in 0usize..3,
            ) {
                let kind = Kind::INDICATOR[kind];
                let window = Window::new(Window::CHOICES[window]).expect("window");
                let tree = tree();
                let cells = tally(&cases(&rows, kind, window), &tree, true);
                let patients: std::collections::BTreeSet<&str> =
                    rows.iter().map(|r| r.patient.as_str()).collect();
                let mut expected: BTreeMap<(Place, Period), Count> = BTreeMap::new();
                for p in patients {
                    let mine: Vec<&Treatment> = rows.iter().filter(|r| r.patient == p).collect();
                    let Some(died) = mine.iter().filter_map(|r| r.died_on).max() else { continue };
                    // The last of the kind; of several that day, the later row.
                    let Some(last) = mine.iter().filter(|r| r.kind == kind).fold(None, |best: Option<&&Treatment>, r| {
                        match best { Some(b) if b.treated_on > r.treated_on => Some(b), _ => Some(r) }
                    }) else { continue };
                    let days = (died - last.treated_on).num_days();
                    let late = days >= 0 && days <= i64::from(window.days());
                    let region = tree.region_of[&last.administration_id];
                    let mut places = vec![Place::All, Place::Region(region), Place::Administration(last.administration_id)];
                    if let Some(u) = last.unit_id { places.push(Place::Unit(u)); }
                    for place in places {
                        for period in [Period::of(died, Granularity::Year), Period::of(died, Granularity::Quarter)] {
                            let c = expected.entry((place, period)).or_default();
                            c.denominator += 1;
                            c.numerator += u32::from(late);
                        }
                    }
                }
                prop_assert_eq!(cells, expected);
            }

            /// No shown total, minus the cells shown under it, leaves a
            /// single suppressed cell or fewer than five patients.
            #[test]
            fn suppression_survives_differencing_of_totals(
                rows in proptest::collection::vec(treatment(), 0..500),
            ) {
                let tree = tree();
                let counts = tally(&cases(&rows, Kind::Cytotoxic, Window::DEFAULT), &tree, true);
                let shown = suppress(&counts, &tree);
                for (key, cell) in &shown {
                    let count = counts[key];
                    if count.small() {
                        prop_assert_eq!(*cell, Cell::Suppressed, "{:?}", key);
                    }
                    let (place, period) = *key;
                    if *cell == Cell::Suppressed {
                        // Not the sum of shown parts.
                        let parts: Vec<_> = counts
                            .keys()
                            .filter(|(p, q)| *q == period && tree.parent(*p) == Some(place))
                            .collect();
                        prop_assert!(
                            parts.is_empty() || parts.iter().any(|k| shown[*k] == Cell::Suppressed),
                            "{:?} is the sum of {:?}", key, parts
                        );
                        let quarters: Vec<_> = counts
                            .keys()
                            .filter(|(p, q)| *p == place && period.quarter.is_none() && q.quarter.is_some() && q.year == period.year)
                            .collect();
                        prop_assert!(
                            quarters.is_empty() || quarters.iter().any(|k| shown[*k] == Cell::Suppressed),
                            "{:?} is the sum of its quarters", key
                        );
                        continue;
                    }
                    let children: Vec<(Place, Period)> = counts
                        .keys()
                        .filter(|(p, q)| *q == period && tree.parent(*p) == Some(place))
                        .copied()
                        .collect();
                    let quarters: Vec<(Place, Period)> = counts
                        .keys()
                        .filter(|(p, q)| *p == place && period.quarter.is_none() && q.quarter.is_some() && q.year == period.year)
                        .copied()
                        .collect();
                    for group in [children, quarters] {
                        let hidden: Vec<_> = group.iter().filter(|k| shown[*k] == Cell::Suppressed).collect();
                        if hidden.is_empty() { continue; }
                        let sum = hidden.iter().fold(Count::default(), |s, k| {
                            let c = counts[*k];
                            Count { denominator: s.denominator + c.denominator, numerator: s.numerator + c.numerator }
                        });
                        prop_assert!(hidden.len() >= 2 || hidden.len() == group.len(), "{:?}: {:?}", key, hidden);
                        prop_assert!(!sum.small() || hidden.len() == group.len(), "{:?}: {:?} {:?}", key, hidden, sum);
                    }
                }
            }
        }
    }
}
