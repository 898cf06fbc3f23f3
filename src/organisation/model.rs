//! Professions, HSA-ids, unit codes and the rules of employment history.
//! No I/O; refusals are typed errors or catalogue messages, rendered where
//! the reader's language is known.

use chrono::NaiveDate;
use serde::Serialize;

use crate::i18n::Msg;
use crate::msg;

/// A person's profession.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Profession {
    /// Sjuksköterska.
    Nurse,
    /// Undersköterska.
    AssistantNurse,
    /// ST-läkare, a specialist trainee.
    StDoctor,
    /// Läkare (specialists and others).
    Physician,
    /// Everyone else.
    Other,
}

impl Profession {
    /// All professions, in list order.
    pub const ALL: [Profession; 5] = [
        Profession::Nurse,
        Profession::AssistantNurse,
        Profession::StDoctor,
        Profession::Physician,
        Profession::Other,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Profession::Nurse => "nurse",
            Profession::AssistantNurse => "assistant_nurse",
            Profession::StDoctor => "st_doctor",
            Profession::Physician => "physician",
            Profession::Other => "other",
        }
    }

    /// Parses the stored names and the Swedish words an HR export uses.
    pub fn parse(s: &str) -> Option<Profession> {
        let s = s.trim().to_lowercase().replace(['-', ' '], "_");
        Some(match s.as_str() {
            "nurse" | "sjuksköterska" | "sjukskoterska" | "ssk" | "specialistsjuksköterska" => {
                Profession::Nurse
            }
            "assistant_nurse" | "undersköterska" | "underskoterska" | "usk" => {
                Profession::AssistantNurse
            }
            "st_doctor" | "st_läkare" | "st_lakare" | "st" | "specialist_trainee" => {
                Profession::StDoctor
            }
            "physician" | "läkare" | "lakare" | "överläkare" | "specialistläkare" | "doctor" => {
                Profession::Physician
            }
            "other" | "övrig" | "övriga" | "ovrig" | "annan" => Profession::Other,
            _ => return None,
        })
    }

    /// Catalogue key of the name.
    pub fn label_key(self) -> &'static str {
        match self {
            Profession::Nurse => "profession.nurse",
            Profession::AssistantNurse => "profession.assistant_nurse",
            Profession::StDoctor => "profession.st_doctor",
            Profession::Physician => "profession.physician",
            Profession::Other => "profession.other",
        }
    }
}

/// The longest HSA-id.
pub const HSA_ID_MAX: usize = 31;

/// Normalises and checks an HSA-id: `SE`, the ten digits of the issuing
/// organisation's number, a hyphen, and a local part of letters and digits,
/// 31 characters at most (e.g. `SE2321000131-E000000012345`).
pub fn normalise_hsa_id(s: &str) -> Result<String, Msg> {
    let id = s.trim().to_uppercase();
    if id.len() > HSA_ID_MAX {
        return Err(msg!("people.error_hsa_too_long", max = HSA_ID_MAX));
    }
    let Some((org, local)) = id.split_once('-') else {
        return Err(msg!("people.error_hsa_shape"));
    };
    let digits = org.strip_prefix("SE").unwrap_or("");
    if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(msg!("people.error_hsa_prefix"));
    }
    if local.is_empty() || !local.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(msg!("people.error_hsa_local"));
    }
    Ok(id)
}

/// Which of a person's identifiers a UNIQUE failure (SQLite's
/// `person.hsa_id`, `person.email`) says another person already has: the
/// field to show it beside and the message. Only HSA-ids and e-mail
/// addresses are unique among people.
pub fn identifier_taken(constraint: &str) -> (&'static str, Msg) {
    if constraint.contains("hsa_id") {
        ("hsa_id", msg!("people.error_hsa_id_taken"))
    } else {
        ("email", msg!("people.error_email_taken"))
    }
}

/// The longest unit code.
pub const UNIT_CODE_MAX: usize = 32;

/// A unit code: letters, digits, `-`, `_` and `.`, at most
/// [`UNIT_CODE_MAX`] characters, trimmed. Codes name units in files and
/// links, so they hold nothing that needs quoting.
pub fn unit_code(s: &str) -> Result<String, Msg> {
    let code = s.trim();
    if code.is_empty() {
        Err(msg!("input.required"))
    } else if code.len() > UNIT_CODE_MAX
        || !code
            .chars()
            .all(|c| c.is_alphanumeric() || "-_.".contains(c))
    {
        Err(msg!("org.error_code"))
    } else {
        Ok(code.to_string())
    }
}

/// The most trainees a unit can host at once.
pub const TRAINEE_CAPACITY_MAX: i64 = 1000;

/// A unit's trainee capacity: empty (not said) or a whole number from 0 to
/// [`TRAINEE_CAPACITY_MAX`].
pub fn trainee_capacity(s: &str) -> Result<Option<i64>, Msg> {
    match s.trim() {
        "" => Ok(None),
        s => match s.parse::<i64>() {
            Ok(n) if (0..=TRAINEE_CAPACITY_MAX).contains(&n) => Ok(Some(n)),
            _ => Err(msg!("org.error_capacity", max = TRAINEE_CAPACITY_MAX)),
        },
    }
}

/// Where someone works from a day on: the unit, the profession and the
/// first day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Assignment {
    /// Unit.
    pub unit_id: i64,
    /// Profession.
    pub profession: Profession,
    /// First day.
    pub from: NaiveDate,
}

/// The open stretch of a person's employment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Current {
    /// Unit.
    pub unit_id: i64,
    /// Profession.
    pub profession: Profession,
    /// When this stretch began.
    pub valid_from: NaiveDate,
}

/// What to do to the history for a change of unit or profession.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryStep {
    /// Nothing changes.
    Nothing,
    /// The change starts the day the current stretch began: correct that stretch.
    ReplaceCurrent,
    /// Close the current stretch on the date and open a new one.
    CloseAndOpen,
}

/// Why a change of a person's employment history is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmploymentError {
    /// A change dated before the open stretch began.
    #[error("before the current record, which starts {starts}")]
    BeforeCurrent {
        /// When the open stretch began.
        starts: NaiveDate,
    },
    /// Leaving on or before the day the open stretch began.
    #[error("leaving no later than the current record starts ({starts})")]
    LeavingTooEarly {
        /// When the open stretch began.
        starts: NaiveDate,
    },
    /// A rehire dated before the person left.
    #[error("rehired before leaving on {left_on}")]
    RejoinBeforeLeaving {
        /// The day they left.
        left_on: NaiveDate,
    },
    /// A date ahead of today, for a change that is recorded as it happens.
    #[error("{date} is in the future")]
    InFuture {
        /// The date given.
        date: NaiveDate,
    },
    /// A move of someone who has left (they are rehired instead).
    #[error("the person has left")]
    HasLeft,
    /// Leaving twice.
    #[error("the person has already left")]
    AlreadyLeft,
    /// Rehiring someone who has not left.
    #[error("the person has not left")]
    NotLeft,
}

impl EmploymentError {
    /// The message for the date field.
    pub fn msg(self) -> Msg {
        match self {
            EmploymentError::BeforeCurrent { starts } => {
                msg!("people.error_before_current", date = starts)
            }
            EmploymentError::LeavingTooEarly { starts } => {
                msg!("people.error_leaving_too_early", date = starts)
            }
            EmploymentError::RejoinBeforeLeaving { left_on } => {
                msg!("people.error_rejoin_before_leaving", date = left_on)
            }
            EmploymentError::InFuture { date } => msg!("people.error_in_future", date),
            EmploymentError::HasLeft => msg!("people.error_has_left"),
            EmploymentError::AlreadyLeft => msg!("people.error_already_left"),
            EmploymentError::NotLeft => msg!("people.error_not_left"),
        }
    }
}

impl From<EmploymentError> for Msg {
    fn from(e: EmploymentError) -> Msg {
        e.msg()
    }
}

/// Decides how a change to `unit_id`/`profession` from `effective` enters the
/// history. Changes cannot reach back before the current stretch began, since
/// reports as of those dates were already answered from it.
pub fn plan_change(
    current: Current,
    unit_id: i64,
    profession: Profession,
    effective: NaiveDate,
) -> Result<HistoryStep, EmploymentError> {
    if current.unit_id == unit_id && current.profession == profession {
        return Ok(HistoryStep::Nothing);
    }
    if effective < current.valid_from {
        return Err(EmploymentError::BeforeCurrent {
            starts: current.valid_from,
        });
    }
    Ok(if effective == current.valid_from {
        HistoryStep::ReplaceCurrent
    } else {
        HistoryStep::CloseAndOpen
    })
}

/// Checks a leaving date against the open stretch: the person must have worked
/// at least one day.
pub fn check_leaving(current: Current, left_on: NaiveDate) -> Result<(), EmploymentError> {
    if left_on <= current.valid_from {
        Err(EmploymentError::LeavingTooEarly {
            starts: current.valid_from,
        })
    } else {
        Ok(())
    }
}

/// Checks a rehire date against the leaving date.
pub fn check_rejoin(left_on: NaiveDate, from: NaiveDate) -> Result<(), EmploymentError> {
    if from < left_on {
        Err(EmploymentError::RejoinBeforeLeaving { left_on })
    } else {
        Ok(())
    }
}

/// Checks the first day of a new stretch (a new person, a move, a rehire)
/// against today. History is recorded as it happens: a stretch dated ahead
/// would move the person in today's lists at once. (A leaving date may lie
/// ahead: notice is given before the last day.)
pub fn check_started(from: NaiveDate, today: NaiveDate) -> Result<(), EmploymentError> {
    if from > today {
        Err(EmploymentError::InFuture { date: from })
    } else {
        Ok(())
    }
}

/// Whether a unit gives chemotherapy, day by day: its flag now and the
/// dated changes that led to it, oldest first (a change on a day holds from
/// that day). Before its first change a unit was the opposite of that
/// change; a unit never changed has always been as it is now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChemoHistory {
    /// The flag now.
    pub now: bool,
    /// `(from, gives)`, in the order they took effect.
    pub changes: Vec<(NaiveDate, bool)>,
}

impl ChemoHistory {
    /// Whether the unit gave chemotherapy on `day`.
    pub fn on(&self, day: NaiveDate) -> bool {
        match self.changes.iter().rev().find(|(from, _)| *from <= day) {
            Some((_, gives)) => *gives,
            None => match self.changes.first() {
                Some((_, gives)) => !gives,
                None => self.now,
            },
        }
    }

    /// The days the flag changed on.
    pub fn change_days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.changes.iter().map(|(day, _)| *day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        crate::check::date(s).expect("date")
    }

    #[test]
    fn a_date_has_four_digits_of_year_and_no_sign() {
        assert_eq!(
            crate::check::date(" 2024-02-29 "),
            NaiveDate::from_ymd_opt(2024, 2, 29)
        );
        assert_eq!(
            crate::check::date("0001-01-01"),
            NaiveDate::from_ymd_opt(1, 1, 1)
        );
        for bad in [
            "-009-01-01",
            "+009-01-01",
            "2025-02-29",
            "2025-1-01",
            "25-01-01",
        ] {
            assert_eq!(crate::check::date(bad), None, "{bad}");
        }
    }

    #[test]
    fn hsa_ids() {
        assert_eq!(
            normalise_hsa_id(" se2321000131-e000000012345 "),
            Ok("SE2321000131-E000000012345".to_string())
        );
        for bad in [
            "",
            "SE232100013-E1",
            "SE2321000131E1",
            "SE2321000131-",
            "SE2321000131-E 1",
            "XX2321000131-E1",
            "SE2321000131-E0000000000000000000",
        ] {
            assert!(normalise_hsa_id(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails() {
        assert_eq!(
            crate::check::email(" anna.ek@region.example.se "),
            Ok("anna.ek@region.example.se".into())
        );
        for bad in [
            "", "anna", "anna@", "@x.se", "a b@x.se", "a@x", "a@b@x.se", "a@.se",
        ] {
            assert!(crate::check::email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn professions_in_swedish() {
        assert_eq!(Profession::parse("Sjuksköterska"), Some(Profession::Nurse));
        assert_eq!(Profession::parse("ST-läkare"), Some(Profession::StDoctor));
        assert_eq!(
            Profession::parse("undersköterska"),
            Some(Profession::AssistantNurse)
        );
        assert_eq!(Profession::parse("Överläkare"), Some(Profession::Physician));
        assert_eq!(Profession::parse("kurator"), None);
        for p in Profession::ALL {
            assert_eq!(Profession::parse(p.as_str()), Some(p));
        }
    }

    #[test]
    fn dates_are_strict() {
        assert_eq!(crate::check::date("2024-02-29"), Some(d("2024-02-29")));
        assert_eq!(crate::check::date("2023-02-29"), None);
        assert_eq!(crate::check::date("2024-2-1"), None);
        assert_eq!(crate::check::date("24-02-01"), None);
    }

    #[test]
    fn history_steps() {
        let cur = Current {
            unit_id: 1,
            profession: Profession::Nurse,
            valid_from: d("2024-01-10"),
        };
        assert_eq!(
            plan_change(cur, 1, Profession::Nurse, d("2020-01-01")),
            Ok(HistoryStep::Nothing)
        );
        assert_eq!(
            plan_change(cur, 2, Profession::Nurse, d("2024-01-10")),
            Ok(HistoryStep::ReplaceCurrent)
        );
        assert_eq!(
            plan_change(cur, 2, Profession::Nurse, d("2024-03-01")),
            Ok(HistoryStep::CloseAndOpen)
        );
        assert_eq!(
            plan_change(cur, 1, Profession::Physician, d("2024-01-09")),
            Err(EmploymentError::BeforeCurrent {
                starts: d("2024-01-10")
            })
        );
        assert!(check_leaving(cur, d("2024-01-10")).is_err());
        assert!(check_leaving(cur, d("2024-01-11")).is_ok());
        assert!(check_rejoin(d("2024-05-01"), d("2024-04-30")).is_err());
        assert!(check_rejoin(d("2024-05-01"), d("2024-05-01")).is_ok());
        assert!(check_started(d("2024-05-02"), d("2024-05-01")).is_err());
        assert!(check_started(d("2024-05-01"), d("2024-05-01")).is_ok());
    }

    #[test]
    fn refusals_are_catalogue_messages_in_either_language() {
        use crate::i18n::Lang;
        let e = EmploymentError::BeforeCurrent {
            starts: d("2020-01-01"),
        };
        assert_eq!(
            e.msg().render(Lang::Sv),
            "måste vara 2020-01-01 eller senare"
        );
        assert!(
            e.msg()
                .render(Lang::En)
                .starts_with("must be on or after 2020-01-01")
        );
        let hsa = normalise_hsa_id("SE1-X").expect_err("refused");
        assert!(hsa.key().is_some_and(|k| k.starts_with("people.")));
        assert_ne!(hsa.render(Lang::Sv), hsa.render(Lang::En));
        assert_eq!(identifier_taken("person.hsa_id").0, "hsa_id");
        assert_eq!(identifier_taken("person.email").0, "email");
    }

    #[test]
    fn unit_codes_and_capacities() {
        assert_eq!(unit_code(" NU-ONK.51_a "), Ok("NU-ONK.51_a".into()));
        for bad in ["", "a b", "ONK/1", &"x".repeat(33)] {
            assert!(unit_code(bad).is_err(), "{bad}");
        }
        assert_eq!(trainee_capacity(""), Ok(None));
        assert_eq!(trainee_capacity(" 3 "), Ok(Some(3)));
        for bad in ["many", "-1", "1001", "2.5"] {
            assert!(trainee_capacity(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_units_chemotherapy_flag_has_a_history() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date");
        let never_changed = ChemoHistory {
            now: true,
            changes: vec![],
        };
        assert!(never_changed.on(d("1990-01-01")) && never_changed.on(d("2030-01-01")));
        // Started on 2026-02-01, stopped on 2026-09-01.
        let h = ChemoHistory {
            now: false,
            changes: vec![(d("2026-02-01"), true), (d("2026-09-01"), false)],
        };
        assert!(!h.on(d("2026-01-31")));
        assert!(h.on(d("2026-02-01")));
        assert!(h.on(d("2026-08-31")));
        assert!(!h.on(d("2026-09-01")));
        // Two changes on one day: the later one holds from that day.
        let h = ChemoHistory {
            now: true,
            changes: vec![(d("2026-05-04"), false), (d("2026-05-04"), true)],
        };
        assert!(h.on(d("2026-05-03")) && h.on(d("2026-05-04")));
    }
}
