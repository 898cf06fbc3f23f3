//! Demo courses: the catalogue (the chemotherapy licence course among it),
//! offerings in the past and the coming months, sessions with lecturers in
//! every sign-up status, and some sessions still short of lecturers so that
//! the board and the at-risk panel have something to show. Invented names.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use rusqlite::Connection;

use super::store::bulk;
use crate::auth::store::account_by_email;

use crate::courses::model::{
    CourseInput, OfferingInput, OfferingStatus, Purpose, SessionInput, stockholm_to_utc,
};
use crate::courses::store;
use crate::licences::model::Part;
use crate::organisation::model::Profession;

/// What the demo added.
#[derive(Debug, Clone, Copy, Default)]
pub struct DemoCourses {
    /// Courses.
    pub courses: usize,
    /// Offerings.
    pub offerings: usize,
    /// Sessions.
    pub sessions: usize,
    /// Lecturer sign-ups.
    pub signups: usize,
}

struct DemoCourse {
    code: &'static str,
    title_sv: &'static str,
    title_en: &'static str,
    syllabus: &'static str,
    hours: u32,
    licence: Option<(&'static str, Part)>,
    purpose: Purpose,
    audience: &'static [Profession],
    topics: &'static [&'static str],
}

const COURSES: &[DemoCourse] = &[
    DemoCourse {
        code: "CYTO-G",
        title_sv: "Cytostatikakörkort – grundkurs",
        title_en: "Chemotherapy licence – basic course",
        syllabus: "Cirka 25 timmars webbstudier med inlämningsuppgifter, därefter en kursträff med riskbedömning av den egna arbetsplatsen. Kursen ger den teoretiska delen av cytostatikakörkortet.",
        hours: 25,
        licence: Some(("CYTO", Part::Theory)),
        purpose: Purpose::Basic,
        audience: &[Profession::Nurse, Profession::AssistantNurse],
        topics: &[
            "Arbetsmiljöverkets regler om cytostatika",
            "Säker hantering och spill",
            "Riskbedömning på den egna arbetsplatsen",
        ],
    },
    DemoCourse {
        code: "CYTO-R",
        title_sv: "Cytostatikakörkort – repetition",
        title_en: "Chemotherapy licence – refresher",
        syllabus: "Återkommande utbildning för den som redan har körkortet: nyheter i regelverket, avvikelser och fallövningar.",
        hours: 8,
        licence: Some(("CYTO", Part::Theory)),
        purpose: Purpose::Renewal,
        audience: &[Profession::Nurse, Profession::AssistantNurse],
        topics: &["Nyheter i regelverket", "Fallövningar och avvikelser"],
    },
    DemoCourse {
        code: "STRAL-1",
        title_sv: "Strålbehandling för sjuksköterskor",
        title_en: "Radiotherapy for nurses",
        syllabus: "Grunderna i strålbehandling, biverkningar och omvårdnad.",
        hours: 16,
        licence: None,
        purpose: Purpose::Any,
        audience: &[Profession::Nurse],
        topics: &[
            "Strålbiologi i korthet",
            "Hudreaktioner och omvårdnad",
            "Patientinformation",
        ],
    },
    DemoCourse {
        code: "ST-ONK",
        title_sv: "Onkologisk grundkurs för ST-läkare",
        title_en: "Basic oncology course for specialist trainees",
        syllabus: "Tumörbiologi, systemisk behandling och strålbehandling för ST-läkare i onkologi.",
        hours: 40,
        licence: None,
        purpose: Purpose::Any,
        audience: &[Profession::StDoctor],
        topics: &[
            "Tumörbiologi",
            "Systemisk behandling",
            "Akut onkologi",
            "Strålbehandlingens principer",
        ],
    },
    DemoCourse {
        code: "PALL",
        title_sv: "Palliativ vård i onkologin",
        title_en: "Palliative care in oncology",
        syllabus: "Symtomlindring, brytpunktssamtal och samverkan med närstående.",
        hours: 12,
        licence: None,
        purpose: Purpose::Any,
        audience: &[],
        topics: &["Symtomlindring", "Brytpunktssamtal"],
    },
];

const LECTURERS: &[&str] = &[
    "Lena Lindqvist",
    "Hassan Amiri",
    "Birgitta Ek",
    "Jonas Öberg",
    "Maria Sandé",
];

fn at(day: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    let local = day.and_hms_opt(hour, minute, 0).unwrap_or_default();
    // Demo sessions are by day, never in the night's DST gap.
    stockholm_to_utc(local).unwrap_or_else(|_| Utc.from_utc_datetime(&local))
}

/// Adds the demo courses. Needs the demo's lecturer account
/// (`forelasare@demo.oncotrack.example`); more lecturers are created with
/// its password.
pub fn load(
    tx: &Connection,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> rusqlite::Result<DemoCourses> {
    let mut report = DemoCourses::default();
    let (lars, hash) = account_by_email(tx, "forelasare@demo.oncotrack.example")?
        .map(|(a, hash)| (a.id, hash))
        .ok_or(rusqlite::Error::QueryReturnedNoRows)?;
    let coordinator =
        account_by_email(tx, "koordinator@demo.oncotrack.example")?.map(|(a, _)| a.id);
    let mut lecturers = vec![lars];
    for (i, name) in LECTURERS.iter().enumerate() {
        let id = crate::auth::store::create_account(
            tx,
            &format!("forelasare{}@demo.oncotrack.example", i + 2),
            name,
            &hash,
            now,
        )?;
        crate::auth::store::add_grant(
            tx,
            id,
            crate::auth::model::Grant {
                role: crate::auth::model::Role::Lecturer,
                scope: None,
            },
        )?;
        lecturers.push(id);
    }
    // Offsets in days from today: two held, a cancelled one, and the coming
    // months (the first within the at-risk window).
    let plan: &[(i64, OfferingStatus)] = &[
        (-200, OfferingStatus::Completed),
        (-60, OfferingStatus::Completed),
        (18, OfferingStatus::Open),
        (33, OfferingStatus::Cancelled),
        (55, OfferingStatus::Open),
        (95, OfferingStatus::Planned),
    ];
    let mut turn = 0usize;
    for (ci, c) in COURSES.iter().enumerate() {
        let licence = match c.licence {
            Some((code, _)) => store::licence_type_id(tx, code)?,
            None => None,
        };
        let course = store::create_course(
            tx,
            &CourseInput {
                code: c.code.into(),
                title_sv: c.title_sv.into(),
                title_en: c.title_en.into(),
                syllabus: c.syllabus.into(),
                length_hours: Some(c.hours),
                licence: c.licence.map(|(l, _)| l.to_string()),
                part: c.licence.map(|(_, p)| p),
                purpose: c.purpose,
                audience: c.audience.to_vec(),
                active: true,
            },
            licence,
            now,
        )?;
        report.courses += 1;
        for (oi, (offset, status)) in plan.iter().enumerate() {
            // Not every course runs every time.
            if (ci + oi) % 3 == 2 {
                continue;
            }
            let starts = today + Duration::days(offset + ci as i64 * 3);
            let days = c.topics.len().div_ceil(3) as i64;
            let ends = starts + Duration::days(days - 1);
            let offering = store::create_offering(
                tx,
                course,
                &OfferingInput {
                    course: c.code.into(),
                    starts_on: starts,
                    ends_on: ends,
                    place: if oi % 2 == 0 {
                        "Onkologen, sal 3".into()
                    } else {
                        "Teams".into()
                    },
                    capacity: 16 + (ci as u32 % 3) * 4,
                    min_participants: 8,
                    enrolment_opens: starts - Duration::days(60),
                    enrolment_closes: starts - Duration::days(7),
                },
                *status,
                coordinator,
                now,
            )?;
            report.offerings += 1;
            for (ti, topic) in c.topics.iter().enumerate() {
                let day = starts + Duration::days(ti as i64 / 3);
                let hour = [9, 10, 13][ti % 3];
                let needed = if ti == 0 && ci % 2 == 0 { 2 } else { 1 };
                let session = store::create_session(
                    tx,
                    offering,
                    &SessionInput {
                        starts_at: at(day, hour, if hour == 10 { 45 } else { 0 }),
                        ends_at: at(day, hour + 1, 30),
                        topic: (*topic).into(),
                        lecturers_needed: needed,
                        place: None,
                    },
                )?;
                report.sessions += 1;
                turn += 1;
                let lecturer = lecturers[turn % lecturers.len()];
                let other = lecturers[(turn + 2) % lecturers.len()];
                let signups: Vec<(i64, &str)> = if *offset < 0 {
                    // Held: the record of who taught.
                    vec![(lecturer, "confirmed")]
                } else {
                    match turn % 5 {
                        // Still short: nobody yet, or a volunteer waiting.
                        0 => vec![],
                        1 => vec![(lecturer, "volunteered")],
                        2 => vec![(lecturer, "confirmed"), (other, "declined")],
                        3 => vec![(other, "withdrawn"), (lecturer, "volunteered")],
                        _ => vec![(lecturer, "confirmed")],
                    }
                };
                for (account, s) in signups {
                    bulk::signup(
                        tx,
                        session,
                        account,
                        s,
                        &crate::clock::stamp(now),
                        coordinator,
                    )?;
                    report.signups += 1;
                }
            }
        }
    }
    Ok(report)
}
