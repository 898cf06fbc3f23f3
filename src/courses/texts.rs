//! Texts of this domain's pages, `(key, svenska, English)`; part of the
//! catalogue in `crate::i18n`.

/// This domain's catalogue entries.
pub const ENTRIES: &[(&str, &str, &str)] = &[
    ("courses.nav", "Kurser", "Courses"),
    ("courses.enrol", "Anmäl dig", "Enrol"),
    ("courses.participants", "Deltagare", "Participants"),
    ("courses.calendar", "Kalender (.ics)", "Calendar (.ics)"),
    (
        "courses.my_enrolments",
        "Mina kursanmälningar",
        "My enrolments",
    ),
    ("courses.catalogue", "Kurskatalog", "Course catalogue"),
    ("courses.offerings", "Kurstillfällen", "Course offerings"),
    (
        "courses.board",
        "Föreläsare efterfrågas",
        "Lecturers wanted",
    ),
    ("courses.teaching", "Min undervisning", "My teaching"),
    ("courses.new_course", "Ny kurs", "New course"),
    ("courses.edit_course", "Ändra kurs", "Edit course"),
    ("courses.no_courses", "Inga kurser ännu.", "No courses yet."),
    ("courses.code", "Kod", "Code"),
    ("courses.title", "Kursnamn", "Title"),
    ("courses.title_sv", "Kursnamn (svenska)", "Title (Swedish)"),
    ("courses.title_en", "Kursnamn (engelska)", "Title (English)"),
    ("courses.syllabus", "Kursplan", "Syllabus"),
    (
        "courses.length_hours",
        "Omfattning (timmar)",
        "Length (hours)",
    ),
    ("courses.licence", "Ger behörighet", "Grants licence"),
    ("courses.no_licence", "Ingen", "None"),
    ("courses.part", "Del av behörigheten", "Part of the licence"),
    ("courses.audience", "Målgrupp", "Audience"),
    (
        "courses.audience_hint",
        "(ingen markerad: alla yrken)",
        "(none ticked: every profession)",
    ),
    ("courses.audience_all", "Alla yrken", "Every profession"),
    (
        "courses.coming_offerings",
        "Kommande kurstillfällen",
        "Coming offerings",
    ),
    ("courses.course", "Kurs", "Course"),
    ("courses.dates", "Datum", "Dates"),
    ("courses.place", "Plats", "Place"),
    ("courses.capacity", "Platser", "Places"),
    (
        "courses.min_participants",
        "Minsta antal deltagare",
        "Minimum participants",
    ),
    ("courses.starts_on", "Första dag", "First day"),
    ("courses.ends_on", "Sista dag", "Last day"),
    (
        "courses.enrolment_opens",
        "Anmälan öppnar",
        "Enrolment opens",
    ),
    (
        "courses.enrolment_closes",
        "Sista anmälningsdag",
        "Enrolment closes",
    ),
    (
        "courses.enrolment_window",
        "Anmälningsperiod",
        "Enrolment period",
    ),
    ("courses.enrolled", "Antagna", "Enrolled"),
    ("courses.waitlisted", "På reservlistan", "Waitlisted"),
    ("courses.full", "Fullt", "Full"),
    (
        "courses.no_offerings",
        "Inga kurstillfällen.",
        "No offerings.",
    ),
    ("courses.new_offering", "Nytt kurstillfälle", "New offering"),
    (
        "courses.edit_offering",
        "Ändra kurstillfälle",
        "Edit offering",
    ),
    ("courses.status_planned", "Planerat", "Planned"),
    ("courses.status_open", "Öppet", "Open"),
    ("courses.status_cancelled", "Inställt", "Cancelled"),
    ("courses.status_completed", "Genomfört", "Completed"),
    ("courses.do_open", "Öppna", "Open"),
    (
        "courses.do_complete",
        "Markera som genomfört",
        "Mark as completed",
    ),
    ("courses.do_cancel", "Ställ in", "Cancel offering"),
    ("courses.sessions", "Pass", "Sessions"),
    ("courses.no_sessions", "Inga pass ännu.", "No sessions yet."),
    ("courses.add_session", "Lägg till pass", "Add a session"),
    ("courses.edit_session", "Ändra pass", "Edit session"),
    (
        "courses.cancel_session",
        "Ställ in passet",
        "Cancel session",
    ),
    ("courses.session_cancelled", "Inställt", "Cancelled"),
    ("courses.short", "Föreläsare saknas", "Lecturers short"),
    ("courses.lecturers", "Föreläsare", "Lecturers"),
    (
        "courses.lecturers_needed",
        "Antal föreläsare",
        "Lecturers needed",
    ),
    ("courses.starts_at", "Börjar", "Starts"),
    ("courses.ends_at", "Slutar", "Ends"),
    ("courses.topic", "Ämne", "Topic"),
    (
        "courses.session_place",
        "Plats (om annan än kurstillfällets)",
        "Place (if not the offering's)",
    ),
    (
        "courses.local_time_hint",
        "Tider anges i svensk tid (Europe/Stockholm).",
        "Times are Swedish local time (Europe/Stockholm).",
    ),
    ("courses.time", "Tid", "Time"),
    ("courses.you", "Du", "You"),
    ("courses.note", "Kommentar (valfri)", "Note (optional)"),
    ("courses.volunteer", "Anmäl mig", "Volunteer"),
    ("courses.withdraw", "Dra tillbaka", "Withdraw"),
    ("courses.confirm", "Bekräfta", "Confirm"),
    ("courses.decline", "Avböj", "Decline"),
    ("courses.signup_volunteered", "anmäld", "volunteered"),
    ("courses.signup_confirmed", "bekräftad", "confirmed"),
    ("courses.signup_declined", "avböjd", "declined"),
    ("courses.signup_withdrawn", "återtagen", "withdrawn"),
    (
        "courses.overlap_warning",
        "Observera: du har redan ett pass samtidigt:",
        "Note: you already have a session at the same time:",
    ),
    (
        "courses.board_empty",
        "Alla kommande pass har sina föreläsare.",
        "Every coming session has its lecturers.",
    ),
    (
        "courses.my_confirmed",
        "Bekräftade pass",
        "Confirmed sessions",
    ),
    (
        "courses.my_volunteered",
        "Anmälda, ej beslutade",
        "Volunteered, not yet decided",
    ),
    (
        "courses.teaching_record",
        "Genomförd undervisning",
        "Teaching record",
    ),
    (
        "courses.at_risk",
        "Kurstillfällen i riskzonen",
        "Offerings at risk",
    ),
    (
        "courses.at_risk_hint",
        "Tillfällen som saknar föreläsare eller deltagare och börjar inom",
        "Offerings short of lecturers or participants that start within",
    ),
    ("courses.weeks", "veckor", "weeks"),
    (
        "courses.at_risk_none",
        "Inga tillfällen i riskzonen.",
        "No offerings at risk.",
    ),
    (
        "courses.sessions_short",
        "pass saknar föreläsare",
        "sessions short of lecturers",
    ),
    (
        "courses.enrolled_of_min",
        "antagna av minst",
        "enrolled of the minimum",
    ),
];

#[cfg(test)]
mod tests {
    /// Every `courses.` key this domain's code names is in the catalogue, so
    /// no page shows a bare key.
    #[test]
    fn every_key_the_code_uses_is_listed() {
        for source in [
            include_str!("pages.rs"),
            include_str!("model.rs"),
            include_str!("api.rs"),
        ] {
            for piece in source.split("\"courses.").skip(1) {
                let key = format!("courses.{}", piece.split('"').next().unwrap_or(""));
                assert!(
                    super::ENTRIES.iter().any(|(k, _, _)| *k == key),
                    "missing text {key}"
                );
            }
        }
    }
}
