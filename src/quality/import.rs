//! Reading a treatment extract as its source system exports it: each
//! source has a column mapping ([`Mapping`]), so a region's export is read
//! as it is. A file is checked whole before anything is written: a line
//! error names the line and column, and a column holding what looks like a
//! personal identity number refuses the whole file.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::model::{Kind, Treatment, looks_like_personal_number, patient_key};
use crate::i18n::Msg;
use crate::msg;
use crate::web::csv::{LineError, Table};

/// The longest pseudonym an extract may use.
pub const PSEUDONYM_MAX: usize = 100;
/// The longest diagnosis group.
pub const DIAGNOSIS_MAX: usize = 60;

/// Which column of a source's export holds what, and what its values mean.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Mapping {
    /// The patient's pseudonym.
    pub pseudonym: String,
    /// The administration (förvaltning) that gave the treatment, by name.
    pub administration: String,
    /// The unit that gave it, by code; optional in the file.
    pub unit: String,
    /// The treatment type.
    pub kind: String,
    /// The day of the treatment (or of the last one of its type).
    pub treated_on: String,
    /// The day of death, empty when the patient lives.
    pub died_on: String,
    /// The diagnosis group; optional in the file.
    pub diagnosis: String,
    /// Treatment type values of this source beyond the usual words
    /// (`"Cytostatika iv" = cytotoxic`), compared without case.
    pub kinds: BTreeMap<String, Kind>,
    /// Administration names of this source that differ from ours
    /// (`"SÄS" = "Södra Älvsborgs sjukhus"`), compared without case.
    pub administrations: BTreeMap<String, String>,
}

impl Default for Mapping {
    fn default() -> Self {
        Mapping {
            pseudonym: "pseudonym".into(),
            administration: "administration".into(),
            unit: "unit".into(),
            kind: "treatment".into(),
            treated_on: "treated_on".into(),
            died_on: "died_on".into(),
            diagnosis: "diagnosis_group".into(),
            kinds: BTreeMap::new(),
            administrations: BTreeMap::new(),
        }
    }
}

/// What the extract's names resolve to.
#[derive(Debug, Clone, Default)]
pub struct Lookup {
    /// Administration ids by lower-case name.
    pub administrations: HashMap<String, i64>,
    /// Units by lower-case code: `(unit id, administration id)`.
    pub units: HashMap<String, (i64, i64)>,
}

/// The period an import covers: the treatment days it may hold, and that a
/// later import of the same source and period replaces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Span {
    /// First day.
    pub from: NaiveDate,
    /// Last day.
    pub to: NaiveDate,
}

/// A checked row of an extract.
#[derive(Debug, Clone)]
pub struct Row {
    /// The treatment, the patient as a keyed hash.
    pub treatment: Treatment,
    /// The diagnosis group, when given.
    pub diagnosis: Option<String>,
    /// The line of the file.
    pub line: u64,
}

/// A checked extract.
#[derive(Debug, Clone)]
pub struct Extract {
    /// The rows.
    pub rows: Vec<Row>,
    /// Patients in the file.
    pub patients: usize,
    /// Of them, dead.
    pub deaths: usize,
}

/// A day as extracts write it: `2025-03-01` or `20250301`.
fn extract_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        return NaiveDate::parse_from_str(s, "%Y%m%d").ok();
    }
    crate::check::date(s)
}

/// Checks `table` against the `mapping` and `span`, on `today`. Either the
/// whole extract or every problem, by line; nothing in between.
pub fn check(
    table: &Table,
    mapping: &Mapping,
    lookup: &Lookup,
    span: Span,
    today: NaiveDate,
    installation_secret: &[u8],
) -> Result<Extract, Vec<LineError>> {
    // No identity numbers anywhere: a column that holds one is refused
    // with the first line it is on, and nothing else is looked at.
    let mut refused: Vec<LineError> = Vec::new();
    for (i, header) in table.headers.iter().enumerate() {
        if let Some(row) = table
            .rows
            .iter()
            .find(|r| looks_like_personal_number(r.get(Some(i))))
        {
            refused.push(LineError::new(
                row.line,
                header.clone(),
                msg!("quality.error_personal_number"),
            ));
        }
    }
    if !refused.is_empty() {
        return Err(refused);
    }
    let required = [
        &mapping.pseudonym,
        &mapping.administration,
        &mapping.kind,
        &mapping.treated_on,
        &mapping.died_on,
    ];
    // The reader lower-cases the header row.
    let names: Vec<String> = required.iter().map(|s| s.trim().to_lowercase()).collect();
    table.require(&names.iter().map(String::as_str).collect::<Vec<_>>())?;
    let col = |name: &str| table.column(&name.trim().to_lowercase());
    let (c_pseudonym, c_admin, c_unit, c_kind, c_treated, c_died, c_diag) = (
        col(&mapping.pseudonym),
        col(&mapping.administration),
        col(&mapping.unit),
        col(&mapping.kind),
        col(&mapping.treated_on),
        col(&mapping.died_on),
        col(&mapping.diagnosis),
    );
    let kinds: HashMap<String, Kind> = mapping
        .kinds
        .iter()
        .map(|(k, v)| (k.trim().to_lowercase(), *v))
        .collect();
    let aliases: HashMap<String, String> = mapping
        .administrations
        .iter()
        .map(|(k, v)| (k.trim().to_lowercase(), v.trim().to_lowercase()))
        .collect();
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    // The day of death each patient's first row gave, and its line.
    let mut deaths: HashMap<String, (Option<NaiveDate>, u64)> = HashMap::new();
    for r in &table.rows {
        let line = r.line;
        let mut bad =
            |column: &str, message: Msg| errors.push(LineError::new(line, column, message));
        let pseudonym = r.get(c_pseudonym);
        if pseudonym.is_empty() {
            bad(&mapping.pseudonym, msg!("input.required"));
        } else if pseudonym.chars().count() > PSEUDONYM_MAX {
            bad(
                &mapping.pseudonym,
                msg!("input.too_long", max = PSEUDONYM_MAX),
            );
        }
        let admin_name = r.get(c_admin).to_lowercase();
        let admin_name = aliases.get(&admin_name).cloned().unwrap_or(admin_name);
        let administration = lookup.administrations.get(&admin_name).copied();
        if administration.is_none() {
            bad(
                &mapping.administration,
                msg!("quality.error_administration", name = r.get(c_admin)),
            );
        }
        let unit = match r.get(c_unit) {
            "" => None,
            code => match lookup.units.get(&code.to_lowercase()) {
                Some((unit, admin))
                    if Some(*admin) == administration || administration.is_none() =>
                {
                    Some(*unit)
                }
                Some(_) => {
                    bad(&mapping.unit, msg!("quality.error_unit_elsewhere", code));
                    None
                }
                None => {
                    bad(&mapping.unit, msg!("quality.error_unit", code));
                    None
                }
            },
        };
        let raw_kind = r.get(c_kind);
        let kind = kinds
            .get(&raw_kind.to_lowercase())
            .copied()
            .or_else(|| Kind::parse(raw_kind));
        if kind.is_none() {
            bad(&mapping.kind, msg!("quality.error_kind", value = raw_kind));
        }
        let treated_on = extract_date(r.get(c_treated));
        match treated_on {
            None => bad(&mapping.treated_on, msg!("input.not_a_date")),
            Some(d) if d > today => {
                bad(&mapping.treated_on, msg!("quality.error_future", date = d))
            }
            Some(d) if d < span.from || d > span.to => bad(
                &mapping.treated_on,
                msg!(
                    "quality.error_outside",
                    date = d,
                    from = span.from,
                    to = span.to
                ),
            ),
            Some(_) => {}
        }
        let died_on = match r.get(c_died) {
            "" => None,
            s => match extract_date(s) {
                None => {
                    bad(&mapping.died_on, msg!("input.not_a_date"));
                    None
                }
                Some(d) if d > today => {
                    bad(&mapping.died_on, msg!("quality.error_future", date = d));
                    None
                }
                Some(d) => Some(d),
            },
        };
        if let (Some(t), Some(d)) = (treated_on, died_on)
            && d < t
        {
            bad(
                &mapping.died_on,
                msg!(
                    "quality.error_death_before_treatment",
                    died = d,
                    treated = t
                ),
            );
        }
        let diagnosis = match r.get(c_diag) {
            "" => None,
            s if s.chars().count() > DIAGNOSIS_MAX => {
                bad(
                    &mapping.diagnosis,
                    msg!("input.too_long", max = DIAGNOSIS_MAX),
                );
                None
            }
            s => Some(s.to_string()),
        };
        if pseudonym.is_empty() {
            continue;
        }
        let patient = patient_key(installation_secret, pseudonym);
        match deaths.get(&patient) {
            Some((first, first_line)) if *first != died_on => bad(
                &mapping.died_on,
                msg!("quality.error_death_differs", first = *first_line),
            ),
            Some(_) => {}
            None => {
                deaths.insert(patient.clone(), (died_on, line));
            }
        }
        if let (Some(administration_id), Some(kind), Some(treated_on)) =
            (administration, kind, treated_on)
        {
            rows.push(Row {
                treatment: Treatment {
                    patient,
                    administration_id,
                    unit_id: unit,
                    kind,
                    treated_on,
                    died_on,
                },
                diagnosis,
                line,
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if rows.is_empty() {
        return Err(vec![LineError::new(1, "file", msg!("quality.error_empty"))]);
    }
    Ok(Extract {
        patients: deaths.len(),
        deaths: deaths.values().filter(|(d, _)| d.is_some()).count(),
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    fn day(s: &str) -> NaiveDate {
        crate::check::date(s).expect("date")
    }

    fn lookup() -> Lookup {
        Lookup {
            administrations: [
                ("södra älvsborgs sjukhus".to_string(), 1),
                ("nu-sjukvården".to_string(), 2),
            ]
            .into_iter()
            .collect(),
            units: [("sas-onk".to_string(), (11, 1))].into_iter().collect(),
        }
    }

    fn run(csv: &str, mapping: &Mapping) -> Result<Extract, Vec<String>> {
        let table = crate::web::csv::read(csv.as_bytes())
            .map_err(|e| e.iter().map(|l| l.render(Lang::En)).collect::<Vec<_>>())?;
        check(
            &table,
            mapping,
            &lookup(),
            Span {
                from: day("2025-01-01"),
                to: day("2025-12-31"),
            },
            day("2026-06-01"),
            b"test secret",
        )
        .map_err(|e| e.iter().map(|l| l.render(Lang::En)).collect())
    }

    #[test]
    fn an_export_is_read_through_its_mapping() {
        let mapping = Mapping {
            pseudonym: "PatientKod".into(),
            administration: "Förvaltning".into(),
            unit: "Enhet".into(),
            kind: "Behandling".into(),
            treated_on: "Datum".into(),
            died_on: "Dödsdatum".into(),
            diagnosis: "Diagnosgrupp".into(),
            kinds: [("Cyto iv".to_string(), Kind::Cytotoxic)]
                .into_iter()
                .collect(),
            administrations: [("SÄS".to_string(), "Södra Älvsborgs sjukhus".to_string())]
                .into_iter()
                .collect(),
        };
        let csv = "PatientKod;Förvaltning;Enhet;Behandling;Datum;Dödsdatum;Diagnosgrupp\n\
                   A1;SÄS;SAS-ONK;Cyto iv;20250301;2025-03-20;Lunga\n\
                   A1;SÄS;;Strålbehandling;2025-02-01;2025-03-20;\n\
                   B2;NU-sjukvården;;cytotoxic;2025-05-05;;\n";
        let e = run(csv, &mapping).expect("reads");
        assert_eq!((e.rows.len(), e.patients, e.deaths), (3, 2, 1));
        let first = &e.rows[0].treatment;
        let diagnosis = &e.rows[0].diagnosis;
        assert_eq!(
            (first.administration_id, first.unit_id, first.kind),
            (1, Some(11), Kind::Cytotoxic)
        );
        assert_eq!(diagnosis.as_deref(), Some("Lunga"));
        assert_ne!(first.patient, "A1", "stored as a keyed hash");
        assert_eq!(first.patient, e.rows[1].treatment.patient);
    }

    #[test]
    fn a_column_of_identity_numbers_refuses_the_file() {
        let csv = "pseudonym;administration;treatment;treated_on;died_on;note\n\
                   A1;NU-sjukvården;cytotoxic;2025-03-01;;ok\n\
                   A2;NU-sjukvården;cytotoxic;2025-03-01;;19121212-1212\n";
        let errors = run(csv, &Mapping::default()).expect_err("refused");
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].starts_with("line 3: note: "), "{errors:?}");
    }

    #[test]
    fn every_bad_line_is_named_and_nothing_passes() {
        let csv = "pseudonym;administration;treatment;treated_on;died_on\n\
                   A1;Okänd förvaltning;cytotoxic;2025-03-01;\n\
                   A2;NU-sjukvården;homeopati;2025-03-01;\n\
                   A3;NU-sjukvården;cytotoxic;2024-12-31;\n\
                   A4;NU-sjukvården;cytotoxic;2025-03-10;2025-03-01\n\
                   A5;NU-sjukvården;cytotoxic;2025-03-10;2025-04-01\n\
                   A5;NU-sjukvården;radiotherapy;2025-03-12;2025-04-02\n\
                   ;NU-sjukvården;cytotoxic;2025-03-10;\n\
                   A6;NU-sjukvården;cytotoxic;2026-07-01;\n";
        let errors = run(csv, &Mapping::default()).expect_err("refused");
        let lines: Vec<&str> = errors
            .iter()
            .map(|e| e.split(':').next().unwrap_or(""))
            .collect();
        assert_eq!(
            lines,
            [
                "line 2", "line 3", "line 4", "line 5", "line 7", "line 8", "line 9"
            ],
            "{errors:#?}"
        );
        assert!(
            errors[3].contains("died_on"),
            "death before treatment: {}",
            errors[3]
        );
    }

    #[test]
    fn a_mapping_is_kept_as_json() {
        let m: Mapping =
            serde_json::from_str(r#"{"pseudonym": "Kod", "kinds": {"Cyto": "cytostatika"}}"#)
                .expect("json");
        assert_eq!(m.pseudonym, "Kod");
        assert_eq!(m.treated_on, "treated_on");
        assert_eq!(m.kinds.get("Cyto"), Some(&Kind::Cytotoxic));
        assert!(serde_json::from_str::<Mapping>(r#"{"kinds": {"x": "homeopati"}}"#).is_err());
        let back: Mapping =
            serde_json::from_str(&serde_json::to_string(&m).expect("json")).expect("json");
        assert_eq!(back, m);
    }
}
