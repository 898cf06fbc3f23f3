//! Professions, HSA-ids, e-mail addresses and the rules of employment history.
//! No I/O.

use chrono::NaiveDate;
use serde::Serialize;

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

/// Normalises and checks an HSA-id: `SE`, the ten digits of the issuing
/// organisation's number, a hyphen, and a local part of letters and digits,
/// 31 characters at most (e.g. `SE2321000131-E000000012345`).
pub fn normalise_hsa_id(s: &str) -> Result<String, &'static str> {
    let id = s.trim().to_uppercase();
    if id.len() > 31 {
        return Err("HSA-id is at most 31 characters / HSA-id har högst 31 tecken");
    }
    let Some((org, local)) = id.split_once('-') else {
        return Err(
            "HSA-id looks like SE2321000131-E000000012345 / HSA-id ser ut som SE2321000131-E000000012345",
        );
    };
    let digits = org.strip_prefix("SE").unwrap_or("");
    if digits.len() != 10 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("HSA-id starts with SE and ten digits / HSA-id börjar med SE och tio siffror");
    }
    if local.is_empty() || !local.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(
            "HSA-id ends with letters and digits after the hyphen / HSA-id slutar med bokstäver och siffror efter bindestrecket",
        );
    }
    Ok(id)
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

/// Decides how a change to `unit_id`/`profession` from `effective` enters the
/// history. Changes cannot reach back before the current stretch began, since
/// reports as of those dates were already answered from it.
pub fn plan_change(
    current: Current,
    unit_id: i64,
    profession: Profession,
    effective: NaiveDate,
) -> Result<HistoryStep, String> {
    if current.unit_id == unit_id && current.profession == profession {
        return Ok(HistoryStep::Nothing);
    }
    if effective < current.valid_from {
        return Err(format!(
            "must be on or after {} when the current employment record starts / måste vara {} eller senare",
            current.valid_from, current.valid_from
        ));
    }
    Ok(if effective == current.valid_from {
        HistoryStep::ReplaceCurrent
    } else {
        HistoryStep::CloseAndOpen
    })
}

/// Checks a leaving date against the open stretch: the person must have worked
/// at least one day.
pub fn check_leaving(current: Current, left_on: NaiveDate) -> Result<(), String> {
    if left_on <= current.valid_from {
        Err(format!(
            "must be after {} when the current employment record starts / måste vara efter {}",
            current.valid_from, current.valid_from
        ))
    } else {
        Ok(())
    }
}

/// Checks a rehire date against the leaving date.
pub fn check_rejoin(left_on: NaiveDate, from: NaiveDate) -> Result<(), String> {
    if from < left_on {
        Err(format!(
            "must be on or after {left_on}, the day the person left / måste vara {left_on} eller senare"
        ))
    } else {
        Ok(())
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
        assert!(plan_change(cur, 1, Profession::Physician, d("2024-01-09")).is_err());
        assert!(check_leaving(cur, d("2024-01-10")).is_err());
        assert!(check_leaving(cur, d("2024-01-11")).is_ok());
        assert!(check_rejoin(d("2024-05-01"), d("2024-04-30")).is_err());
        assert!(check_rejoin(d("2024-05-01"), d("2024-05-01")).is_ok());
    }
}
