//! Demo councils: a RAG spanning every demo region and a regional
//! samordningsråd, with meetings past and coming, agendas drawn from how
//! such minutes read (approval of the previous minutes, consultation
//! rounds on national care programmes, contact persons per förvaltning),
//! an item moved to the next meeting, attendance, actions due on a day or
//! at the next meeting, a consultation round split between the regions,
//! and requests for named people per administration. Every person is an
//! invented one of the demo register.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use rusqlite::Connection;

use crate::cli::CommandError;
use crate::councils::model::{Attendance, Function};
use crate::councils::store::{self, Attended, ItemText, MeetingTimes, NewAction, NewMember};

/// A meeting `days` from today, 09:00–11:00 (or a whole day when `long`)
/// in Stockholm.
fn times(
    today: NaiveDate,
    days: i64,
    long: bool,
    place: &str,
) -> Result<MeetingTimes, CommandError> {
    let day = today + Duration::days(days);
    let at = |h: u32| {
        crate::clock::stockholm_to_utc(
            day.and_time(NaiveTime::from_hms_opt(h, 0, 0).unwrap_or_default()),
        )
        .map_err(|e| CommandError::Invalid(format!("demo councils: {e}")))
    };
    Ok(MeetingTimes {
        starts_at: at(9)?,
        ends_at: at(if long { 16 } else { 11 })?,
        place: place.into(),
        link: if long {
            String::new()
        } else {
            "https://teams.example/rag-onkologi".into()
        },
    })
}

fn text(title: &str, responsible: &str, notes: &str, decision: &str, links: &str) -> ItemText {
    ItemText {
        title: title.into(),
        presenter: String::new(),
        responsible: responsible.into(),
        links: links.into(),
        notes: notes.into(),
        decision: decision.into(),
    }
}

/// Loads the demo councils. `secretary` and `member` are the demo
/// accounts' people; `people` other physicians of the register to sit on
/// the councils. Returns the councils made.
pub fn load(
    conn: &Connection,
    now: DateTime<Utc>,
    today: NaiveDate,
    secretary: i64,
    member: i64,
    people: &[i64],
) -> Result<usize, CommandError> {
    let regions = crate::organisation::store::regions(conn)?;
    let administrations = crate::organisation::store::administrations(conn, None)?;
    let rag = store::create_council(conn, "RAG onkologi", "RAG", now)?;
    store::set_regions(conn, rag, &regions.iter().map(|r| r.id).collect::<Vec<_>>())?;
    let add = |council, person, function, region_id, administration_id| {
        store::add_member(
            conn,
            council,
            &NewMember {
                person_id: Some(person),
                account_id: None,
                function,
                region_id,
                administration_id,
            },
            now,
        )
    };
    let mut members = vec![
        add(rag, secretary, Function::Secretary, None, None)?,
        add(
            rag,
            member,
            Function::Chair,
            regions.first().map(|r| r.id),
            None,
        )?,
    ];
    for (i, person) in people.iter().take(regions.len() * 2).enumerate() {
        let region = &regions[i % regions.len()];
        let administration = administrations
            .iter()
            .filter(|a| a.region_id == region.id)
            .nth(i / regions.len())
            .map(|a| a.id);
        let function = if i == people.len().min(regions.len() * 2) - 1 {
            Function::Adjunct
        } else {
            Function::Member
        };
        members.push(add(
            rag,
            *person,
            function,
            Some(region.id),
            administration,
        )?);
    }
    // Two meetings held (the first approved at the second), one coming.
    let held = store::create_meeting(conn, rag, &times(today, -56, false, "Teams")?, now)?;
    let last = store::create_meeting(
        conn,
        rag,
        &times(today, -21, true, "Regionhuset, sal Ekorren")?,
        now,
    )?;
    let next = store::create_meeting(conn, rag, &times(today, 14, false, "Teams")?, now)?;
    store::add_item(
        conn,
        held,
        &text(
            "Föregående minnesanteckningar",
            "",
            "",
            "Godkänns och läggs till handlingarna.",
            "",
        ),
        None,
        now,
    )?;
    let nvp = store::add_item(
        conn,
        held,
        &text(
            "Remissrunda: nationella vårdprogram",
            "RCC",
            "Tre remisser har kommit: NVP binjuretumörer, ny bilaga till akut onkologi och NVP palliativ vård.\n\nExterna svar senast 9 november, interna utkast 1 november.",
            "Binjuretumörer besvaras av den första regionen, bilagan av den andra och palliativ vård av den tredje.",
            "https://cancercentrum.example/remisser/nvp-binjuretumorer\nhttps://cancercentrum.example/remisser/akut-onkologi-bilaga",
        ),
        None,
        now,
    )?;
    let suicide = store::add_item(
        conn,
        held,
        &text(
            "Kontaktperson för suicidprevention per förvaltning",
            "Ordföranden",
            "Förfrågan om en namngiven kontaktperson i varje förvaltning.",
            "",
            "",
        ),
        None,
        now,
    )?;
    store::add_item(
        conn,
        held,
        &text(
            "Kvalitetsindikatorer: prioritering",
            "",
            "Listan skickas ut för synpunkter.",
            "",
            "",
        ),
        None,
        now,
    )?;
    let carried = store::add_item(
        conn,
        held,
        &text(
            "Regional läkarrepresentant i MIQA",
            "Ordföranden",
            "",
            "",
            "",
        ),
        None,
        now,
    )?;
    store::set_carry_over(conn, carried)?;
    store::add_item(
        conn,
        last,
        &text(
            "Regional läkarrepresentant i MIQA",
            "Ordföranden",
            "Bordlagd vid förra mötet.",
            "",
            "",
        ),
        Some(carried),
        now,
    )?;
    store::add_item(
        conn,
        last,
        &text(
            "Föregående minnesanteckningar",
            "",
            "",
            "Godkänns och läggs till handlingarna.",
            "",
        ),
        None,
        now,
    )?;
    store::add_item(
        conn,
        last,
        &text(
            "Läkare på 20–30 % till regional vårdprocess",
            "Ordföranden",
            "Förslag på namn efterfrågas.",
            "",
            "",
        ),
        None,
        now,
    )?;
    store::approve_minutes(conn, held, last, now)?;
    store::add_item(
        conn,
        next,
        &text("Föregående minnesanteckningar", "", "", "", ""),
        None,
        now,
    )?;
    store::add_item(
        conn,
        next,
        &text(
            "Sammanställt remissvar: NVP palliativ vård",
            "RCC",
            "",
            "",
            "",
        ),
        None,
        now,
    )?;
    let attendance: Vec<Attended> = members
        .iter()
        .enumerate()
        .map(|(i, m)| Attended {
            member_id: *m,
            status: match i % 5 {
                3 => Attendance::Absent,
                _ if i == members.len() - 1 => Attendance::Adjunct,
                _ => Attendance::Present,
            },
            item_id: (i == members.len() - 1).then_some(nvp),
        })
        .collect();
    store::set_attendance(conn, held, &attendance)?;
    let action = |meeting, item, text: &str, person: Option<i64>, due_on: Option<NaiveDate>| {
        store::create_action(
            conn,
            rag,
            meeting,
            &NewAction {
                item_id: item,
                text: text.into(),
                responsible_person_id: person,
                responsible: if person.is_some() {
                    String::new()
                } else {
                    "RCC".into()
                },
                due_on,
            },
            now,
        )
    };
    action(
        held,
        Some(nvp),
        "Sammanställa regionernas svar och skicka tillbaka till alla i rådet",
        None,
        Some(today + Duration::days(20)),
    )?;
    action(
        held,
        Some(suicide),
        "Stämma av vilka förvaltningar som har namngett kontaktperson",
        Some(member),
        None,
    )?;
    let late = action(
        held,
        Some(suicide),
        "Dokumentet klart till slutet av oktober",
        Some(member),
        Some(today - Duration::days(5)),
    )?;
    let _ = late;
    let done = action(
        last,
        None,
        "Dubbelkolla uppgifterna om MIQA-gruppen",
        Some(secretary),
        None,
    )?;
    store::set_action_status(
        conn,
        done,
        crate::councils::model::ActionStatus::Done,
        "Klart",
        Some(last),
        now,
    )?;

    // A consultation round split between the regions, one document jointly
    // by two people, with answers in every state.
    let round = store::create_consultation(
        conn,
        rag,
        &store::NewConsultation {
            title: "Nationella vårdprogram: remissrunda hösten".into(),
            sender: "RCC i samverkan".into(),
            links: "https://cancercentrum.example/remisser".into(),
            internal_due_on: today + Duration::days(5),
            external_due_on: today + Duration::days(13),
        },
        now,
    )?;
    let documents = [
        ("NVP binjuretumörer", 0usize, 1usize),
        ("Ny bilaga: akut onkologi", 1, 1),
        ("NVP palliativ vård", 2, 2),
    ];
    for (n, (title, region, count)) in documents.iter().enumerate() {
        let region = regions.get(*region % regions.len().max(1)).map(|r| r.id);
        let doc = store::add_document(
            conn,
            round,
            &store::NewDocument {
                title: (*title).into(),
                link: format!("https://cancercentrum.example/remisser/{}", n + 1),
                region_id: region,
                administration_id: None,
                people: people.iter().skip(n * 2).take(*count).copied().collect(),
            },
            now,
        )?;
        let status = [
            crate::councils::model::AnswerStatus::Submitted,
            crate::councils::model::AnswerStatus::Draft,
            crate::councils::model::AnswerStatus::NotStarted,
        ][n];
        let answer = match n {
            0 => {
                "Regionen tillstyrker förslaget. Synpunkt: förtydliga uppföljningen efter operation."
            }
            1 => "Utkast: bilagan är tydlig; vi ser över ansvarsfördelningen med akutkliniken.",
            _ => "",
        };
        store::set_answer(conn, doc, answer, "", status, None, now)?;
    }
    // Requests for named people of every administration.
    let all: Vec<i64> = administrations
        .iter()
        .filter(|a| regions.iter().any(|r| r.id == a.region_id))
        .map(|a| a.id)
        .collect();
    let suicide_contact = store::create_request(
        conn,
        rag,
        &store::NewRequest {
            title: "Kontaktperson för suicidprevention".into(),
            description: "En namngiven kontaktperson i varje förvaltning.".into(),
            per_administration: 1,
            due_on: today + Duration::days(21),
            administrations: all.clone(),
        },
        now,
    )?;
    let palliative = store::create_request(
        conn,
        rag,
        &store::NewRequest {
            title: "Två ledamöter till palliativ arbetsgrupp".into(),
            description: String::new(),
            per_administration: 2,
            due_on: today + Duration::days(30),
            administrations: all.iter().take(3).copied().collect(),
        },
        now,
    )?;
    for (i, administration) in all.iter().enumerate().take(all.len().saturating_sub(2)) {
        if let Some(person) = people.get(i) {
            store::nominate(
                conn,
                suicide_contact,
                *administration,
                *person,
                "",
                None,
                now,
            )?;
        }
    }
    if let (Some(a), Some(p)) = (all.first(), people.last()) {
        store::nominate(conn, palliative, *a, *p, "", None, now)?;
    }

    // A regional council of the first region.
    let first = regions.first().map(|r| r.id);
    let regional = store::create_council(conn, "Samordningsråd onkologi", "SRO", now)?;
    if let Some(r) = first {
        store::set_regions(conn, regional, &[r])?;
    }
    add(regional, secretary, Function::Secretary, first, None)?;
    for person in people.iter().take(3) {
        add(regional, *person, Function::Member, first, None)?;
    }
    let coming = store::create_meeting(conn, regional, &times(today, 30, false, "Teams")?, now)?;
    store::add_item(
        conn,
        coming,
        &text("Föregående minnesanteckningar", "", "", "", ""),
        None,
        now,
    )?;
    store::add_item(
        conn,
        coming,
        &text(
            "Två ledamöter till palliativ arbetsgrupp",
            "Ordföranden",
            "",
            "",
            "",
        ),
        None,
        now,
    )?;
    Ok(2)
}
