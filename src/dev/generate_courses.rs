//! Synthetic courses for benchmarks: courses, offerings spread over two
//! years around today, ten sessions each, lecturer accounts and their
//! sign-ups in every status. Deterministic for a seed.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::Connection;

use super::demo::Rng;
use super::store::bulk;
use crate::clock::stamp;
use crate::courses::model::stockholm_to_utc;

/// What was generated.
#[derive(Debug, Clone, Copy, Default)]
pub struct GeneratedCourses {
    /// Courses.
    pub courses: usize,
    /// Offerings.
    pub offerings: usize,
    /// Sessions.
    pub sessions: usize,
    /// Lecturer accounts.
    pub lecturers: usize,
    /// Sign-ups.
    pub signups: usize,
}

const TOPICS: &[&str] = &[
    "Säker hantering",
    "Biverkningar",
    "Symtomlindring",
    "Strålbiologi",
    "Tumörbiologi",
    "Riskbedömning",
    "Omvårdnad",
    "Patientinformation",
    "Akut onkologi",
    "Fallövningar",
];

/// Sessions per generated offering.
pub const SESSIONS_PER_OFFERING: usize = 10;

/// Adds `offerings` offerings (with ten sessions each) of 40 courses, and
/// `offerings / 10` lecturer accounts (who cannot sign in: no password
/// matches their hash) with sign-ups. One offering per 50 people is what
/// `oncotrack generate` asks for: 2 000 offerings and 20 000 sessions for
/// 100 000 people.
pub fn generate(
    tx: &Connection,
    offerings: usize,
    seed: u64,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> rusqlite::Result<GeneratedCourses> {
    let mut rng = Rng::new(seed ^ 0x0c0u64);
    let mut out = GeneratedCourses::default();
    let now_s = stamp(now);
    let courses = 40usize;
    let mut first_course = 0;
    for c in 0..courses {
        let id = bulk::course(
            tx,
            &format!("GEN-{:03}", c + 1),
            &format!("Kurs {}", c + 1),
            &format!("Course {}", c + 1),
            8 + (c as i64 % 5) * 8,
            &now_s,
        )?;
        if c == 0 {
            first_course = id;
        }
    }
    out.courses = courses;
    let lecturer_count = (offerings / 10).max(5);
    let mut lecturers = Vec::with_capacity(lecturer_count);
    for l in 0..lecturer_count {
        lecturers.push(bulk::lecturer(
            tx,
            &format!("lecturer{}@gen.oncotrack.example", l + 1),
            &format!("Föreläsare {}", l + 1),
            &now_s,
        )?);
    }
    out.lecturers = lecturer_count;
    for _ in 0..offerings {
        let course = first_course + rng.below(courses as u64) as i64;
        let starts = today - Duration::days(365) + Duration::days(rng.below(730) as i64);
        let ends = starts + Duration::days(1);
        let status = if starts < today {
            "completed"
        } else if rng.below(20) == 0 {
            "cancelled"
        } else if rng.below(2) == 0 {
            "open"
        } else {
            "planned"
        };
        let offering_id = bulk::offering(
            tx,
            &bulk::Offering {
                course_id: course,
                starts_on: starts.to_string(),
                ends_on: ends.to_string(),
                place: if rng.below(3) == 0 { "Teams" } else { "Sal 1" },
                capacity: 10 + rng.below(30) as i64,
                min_participants: rng.below(10) as i64,
                enrolment_opens: (starts - Duration::days(60)).to_string(),
                enrolment_closes: (starts - Duration::days(7)).to_string(),
                status,
                created_at: &now_s,
            },
        )?;
        out.offerings += 1;
        for s in 0..SESSIONS_PER_OFFERING {
            let day = starts + Duration::days((s / 5) as i64);
            let hour = 8 + (s % 5) as u32 * 2;
            let local = day.and_hms_opt(hour, 0, 0).unwrap_or_default();
            let Ok(start) = stockholm_to_utc(local) else {
                continue;
            };
            let needed = 1 + rng.below(2) as i64;
            let session_id = bulk::session(
                tx,
                offering_id,
                &stamp(start),
                &stamp(start + Duration::minutes(90)),
                TOPICS[s % TOPICS.len()],
                needed,
            )?;
            out.sessions += 1;
            let mut confirmed = 0;
            for _ in 0..rng.below(4) {
                let lecturer = lecturers[rng.below(lecturers.len() as u64) as usize];
                let st = match rng.below(10) {
                    // Never more confirmed than needed, as the rules keep it.
                    0..=4 if confirmed < needed => {
                        confirmed += 1;
                        "confirmed"
                    }
                    0..=7 => "volunteered",
                    8 => "declined",
                    _ => "withdrawn",
                };
                out.signups += bulk::signup(tx, session_id, lecturer, st, &now_s, None)?;
            }
        }
    }
    Ok(out)
}
