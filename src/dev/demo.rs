//! Fictional demo data: invented regions, hospitals, units and people (with
//! invented HSA-ids under the made-up organisation number 9990000001), and one
//! account per role. Deterministic, so screenshots and tests can rely on it.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::{Connection, TransactionBehavior};
use serde_json::json;

use super::store as dev_store;
use crate::audit::store::{self as audit, Actor, Entry};
use crate::auth::model::{Grant, Role, Scope};
use crate::auth::{password, store as auth_store};
use crate::cli::CommandError;
use crate::organisation::model::Profession;
use crate::organisation::store::{self, NewPerson, UnitInput};

/// A small deterministic generator (SplitMix64); reproducible across platforms
/// and crate versions, unlike the `rand` crate's seeded generators.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// Seeded generator.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

/// A profession drawn with the mix of an oncology clinic's staff: 45 % nurses,
/// 20 % assistant nurses, 8 % ST doctors, 17 % physicians, 10 % others.
pub fn pick_profession(rng: &mut Rng) -> Profession {
    match rng.below(100) {
        0..=44 => Profession::Nurse,
        45..=64 => Profession::AssistantNurse,
        65..=72 => Profession::StDoctor,
        73..=89 => Profession::Physician,
        _ => Profession::Other,
    }
}

/// Invented first names.
pub const FIRST_NAMES: &[&str] = &[
    "Anna",
    "Åsa",
    "Birgitta",
    "Björn",
    "Cecilia",
    "David",
    "Elin",
    "Emil",
    "Eva",
    "Fredrik",
    "Gunilla",
    "Hanna",
    "Ingrid",
    "Johan",
    "Jöns",
    "Karin",
    "Kerstin",
    "Lars",
    "Lena",
    "Linnéa",
    "Maja",
    "Mats",
    "Nils",
    "Olof",
    "Pernilla",
    "Ronja",
    "Sofia",
    "Stina",
    "Tove",
    "Ulrika",
    "Viktor",
    "Ylva",
    "Zacharias",
    "Märta",
    "Örjan",
    "Hélène",
    "Anna-Karin",
    "Per-Erik",
];

/// Invented family names.
pub const LAST_NAMES: &[&str] = &[
    "Alfredsson",
    "Åkerlund",
    "Bergqvist",
    "Dahlgren",
    "Ekström",
    "Falkenberg",
    "Grönvall",
    "Hedlund",
    "Isaksson",
    "Jäderholm",
    "Kvist",
    "Lindqvist",
    "Månsson",
    "Norrby",
    "Öhrvall",
    "Palmér",
    "Rydén",
    "Sjöberg",
    "Tallquist",
    "Uddén",
    "Vikström",
    "Wennerlund",
    "Ängstrand",
    "Östlind",
    "Berg-Hammar",
];

struct DemoUnit {
    code: &'static str,
    name: &'static str,
    chemo: bool,
    capacity: Option<i64>,
}

const fn u(code: &'static str, name: &'static str, chemo: bool, capacity: Option<i64>) -> DemoUnit {
    DemoUnit {
        code,
        name,
        chemo,
        capacity,
    }
}

struct DemoAdministration {
    name: &'static str,
    units: &'static [DemoUnit],
}

const REGIONS: &[(&str, &[DemoAdministration])] = &[
    (
        "Region Norrsund",
        &[
            DemoAdministration {
                name: "Norrsunds universitetssjukhus",
                units: &[
                    u("NUS-ONK51", "Onkologi avd 51", true, Some(4)),
                    u("NUS-ONK52", "Onkologi avd 52", true, Some(2)),
                    u("NUS-STRAL", "Strålbehandling", false, Some(3)),
                    u("NUS-HEM", "Hematologi", true, Some(2)),
                    u("NUS-KIR12", "Kirurgi avd 12", false, None),
                ],
            },
            DemoAdministration {
                name: "Sjukhusen i Ådalen",
                units: &[
                    u("ADA-ONK", "Onkologimottagningen Ådalen", true, None),
                    u("ADA-MED3", "Medicin avd 3", false, None),
                    u("ADA-PAL", "Palliativ vård", false, None),
                ],
            },
        ],
    ),
    (
        "Region Västkusten",
        &[
            DemoAdministration {
                name: "Kustsjukhuset",
                units: &[
                    u("KUS-ONK", "Onkologi och hematologi", true, Some(1)),
                    u("KUS-KIR", "Kirurgiska kliniken", false, None),
                    u("KUS-BARN", "Barnonkologi", true, None),
                ],
            },
            DemoAdministration {
                name: "Sjukhusen i väster",
                units: &[
                    u("VAS-ONKM", "Onkologimottagning Väster", true, None),
                    u("VAS-MED", "Medicinkliniken", false, None),
                ],
            },
        ],
    ),
    (
        "Region Sjöbygden",
        &[DemoAdministration {
            name: "Länssjukhuset Sjöbygden",
            units: &[
                u("SJO-ONK", "Onkologiska kliniken", true, Some(1)),
                u("SJO-URO", "Urologi", false, None),
                u("SJO-GYN", "Gynekologisk onkologi", true, None),
            ],
        }],
    ),
];

/// What `load` created, for printing.
#[derive(Debug)]
pub struct DemoReport {
    /// Units created.
    pub units: usize,
    /// People created.
    pub people: usize,
    /// Licence completions recorded.
    pub completions: usize,
    /// `(email, role description)` of the demo accounts.
    pub accounts: Vec<(String, String)>,
    /// The password every demo account shares.
    pub password: String,
}

/// The number of demo people.
pub const DEMO_PEOPLE: usize = 320;

/// Loads the demo data into a database that has no organisation yet.
pub fn load(
    conn: &mut Connection,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<DemoReport, CommandError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if dev_store::count(&tx, "region")? > 0 {
        return Err(CommandError::Invalid(
            "the database already has an organisation; demo data goes into an empty database"
                .into(),
        ));
    }
    let mut rng = Rng::new(20_261_122);
    let mut unit_ids: Vec<(i64, &DemoUnit)> = Vec::new();
    let mut region_ids = Vec::new();
    let mut admin_ids = Vec::new();
    for (region, admins) in REGIONS {
        let region_id = store::create_region(&tx, region)?;
        region_ids.push(region_id);
        for a in *admins {
            let admin_id = store::create_administration(&tx, region_id, a.name)?;
            admin_ids.push(admin_id);
            for unit in a.units {
                let id = store::create_unit(
                    &tx,
                    &UnitInput {
                        administration_id: admin_id,
                        code: unit.code.into(),
                        name: unit.name.into(),
                        gives_chemotherapy: unit.chemo,
                        trainee_capacity: unit.capacity,
                    },
                )?;
                unit_ids.push((id, unit));
            }
        }
    }
    let mut people = Vec::new();
    for i in 0..DEMO_PEOPLE {
        let first = rng.pick(FIRST_NAMES);
        let last = rng.pick(LAST_NAMES);
        let profession = pick_profession(&mut rng);
        // Nurses mostly work where chemotherapy is given, as in real oncology care.
        let (unit_id, _) = loop {
            let candidate = rng.pick(&unit_ids);
            if profession != Profession::Nurse || candidate.1.chemo || rng.below(4) == 0 {
                break *candidate;
            }
        };
        let started = today - Duration::days(30 + rng.below(365 * 12) as i64);
        let email = format!(
            "{}.{}{}@demo.oncotrack.example",
            ascii_slug(first),
            ascii_slug(last),
            i + 1
        );
        let p = NewPerson {
            name: format!("{first} {last}"),
            email,
            hsa_id: Some(format!("SE9990000001-D{:08}", i + 1)),
            profession,
            unit_id,
            from: started,
        };
        let id = store::create_person(&tx, &p, now)?;
        // Some moved between units, some left.
        match rng.below(20) {
            0 | 1 => {
                let (to, _) = *rng.pick(&unit_ids);
                let moved = started
                    + Duration::days(
                        1 + rng.below((today - started).num_days().max(2) as u64 - 1) as i64,
                    );
                let _ = store::change_assignment(&tx, id, to, profession, moved)?;
            }
            2 => {
                let left = started
                    + Duration::days(
                        1 + rng.below((today - started).num_days().max(2) as u64 - 1) as i64,
                    );
                let _ = store::mark_left(&tx, id, left)?;
            }
            _ => {}
        }
        people.push((id, profession, unit_id));
    }

    // Chemotherapy licence histories: most nurses renew every three years or
    // so, some stopped renewing, some never took the course.
    let cyto = crate::courses::store::licence_type_id(&tx, "CYTO")?;
    let mut completions = 0usize;
    if let Some(cyto) = cyto {
        for (id, profession, _) in &people {
            let takes_course = match profession {
                Profession::Nurse => rng.below(10) != 0,
                Profession::AssistantNurse => rng.below(3) == 0,
                _ => false,
            };
            if !takes_course {
                continue;
            }
            let started = dev_store::first_employed(&tx, *id)?;
            let Some(started) = started.as_deref().and_then(crate::check::date) else {
                continue;
            };
            let mut on = started + Duration::days(rng.below(200) as i64);
            while on <= today {
                crate::licences::store::record_completion(
                    &tx,
                    &crate::licences::store::NewCompletion {
                        person_id: *id,
                        licence_type_id: cyto,
                        part: crate::licences::model::Part::Theory,
                        completed_on: on,
                        signed_by: None,
                        note: None,
                        source: "demo",
                        import_batch_id: None,
                    },
                    None,
                    now,
                )?;
                completions += 1;
                if rng.below(7) == 0 {
                    break;
                }
                on = crate::licences::model::add_months(on, 31 + rng.below(8) as u32);
            }
        }
    }

    let password = crate::cli::generate_password();
    let hash =
        password::hash_blocking(&password).map_err(|e| CommandError::Invalid(e.to_string()))?;
    let nth_of = |prof: Profession, n: usize| {
        people
            .iter()
            .filter(|(_, p, _)| *p == prof)
            .nth(n)
            .map(|(id, _, _)| *id)
    };
    let first_of = |prof: Profession| nth_of(prof, 0);
    let onk51 = unit_ids
        .iter()
        .find(|(_, u)| u.code == "NUS-ONK51")
        .map(|(id, _)| *id)
        .unwrap_or(1);
    let demo_accounts: Vec<(&str, &str, Vec<Grant>, Option<i64>)> = vec![
        (
            "admin@demo.oncotrack.example",
            "Adam Administratör",
            vec![Grant {
                role: Role::Admin,
                scope: None,
            }],
            None,
        ),
        (
            "koordinator@demo.oncotrack.example",
            "Karin Koordinator",
            vec![Grant {
                role: Role::Coordinator,
                scope: None,
            }],
            None,
        ),
        (
            "studierektor@demo.oncotrack.example",
            "Stig Studierektor",
            vec![Grant {
                role: Role::StudyDirector,
                scope: None,
            }],
            None,
        ),
        (
            "chef.avd51@demo.oncotrack.example",
            "Cecilia Enhetschef",
            vec![Grant {
                role: Role::Manager,
                scope: Some(Scope::Unit(onk51)),
            }],
            None,
        ),
        (
            "chef.nus@demo.oncotrack.example",
            "Viktor Verksamhetschef",
            vec![Grant {
                role: Role::Manager,
                scope: Some(Scope::Administration(admin_ids[0])),
            }],
            None,
        ),
        (
            "processchef@demo.oncotrack.example",
            "Pia Processchef",
            vec![Grant {
                role: Role::Manager,
                scope: Some(Scope::Region(region_ids[0])),
            }],
            None,
        ),
        (
            "forelasare@demo.oncotrack.example",
            "Lars Föreläsare",
            vec![
                Grant {
                    role: Role::Lecturer,
                    scope: None,
                },
                Grant {
                    role: Role::Staff,
                    scope: None,
                },
            ],
            first_of(Profession::Physician),
        ),
        (
            "sjukskoterska@demo.oncotrack.example",
            "Sara Sjuksköterska",
            vec![Grant {
                role: Role::Staff,
                scope: None,
            }],
            first_of(Profession::Nurse),
        ),
        (
            "sekreterare@demo.oncotrack.example",
            "Siri Sekreterare",
            vec![Grant {
                role: Role::CouncilSecretary,
                scope: None,
            }],
            nth_of(Profession::Other, 0),
        ),
        (
            "ledamot@demo.oncotrack.example",
            "Leif Ledamot",
            vec![
                Grant {
                    role: Role::CouncilMember,
                    scope: None,
                },
                Grant {
                    role: Role::Staff,
                    scope: None,
                },
            ],
            nth_of(Profession::Physician, 1),
        ),
        (
            "kvalitet@demo.oncotrack.example",
            "Kim Kvalitetsanalytiker",
            vec![Grant {
                role: Role::QualityAnalyst,
                scope: None,
            }],
            None,
        ),
    ];
    let mut accounts = Vec::new();
    for (email, name, grants, person) in demo_accounts {
        let id = auth_store::create_account(&tx, email, name, &hash, now)?;
        if let Some(pid) = person {
            // The account shows the name of the person it belongs to.
            dev_store::link_account(&tx, id, pid)?;
        }
        for g in &grants {
            auth_store::add_grant(&tx, id, *g)?;
        }
        let roles: Vec<&str> = grants.iter().map(|g| g.role.as_str()).collect();
        accounts.push((email.to_string(), roles.join(", ")));
    }
    super::demo_courses::load(&tx, now, today)?;
    super::enrolments::load_demo(&tx, now, today)?;
    audit::record(
        &tx,
        &Actor::cli(),
        now,
        Entry {
            action: "demo.load",
            entity: "database",
            entity_id: None,
            before: None,
            after: Some(
                json!({"units": unit_ids.len(), "people": people.len(), "accounts": accounts.len(), "completions": completions}),
            ),
        },
    )?;
    super::demo_rotations::load(&tx, now, today)?;
    if let (Some(secretary), Some(member)) = (
        nth_of(Profession::Other, 0),
        nth_of(Profession::Physician, 1),
    ) {
        let others: Vec<i64> = people
            .iter()
            .filter(|(_, p, _)| *p == Profession::Physician)
            .skip(2)
            .map(|(id, _, _)| *id)
            .collect();
        super::demo_councils::load(&tx, now, today, secretary, member, &others)?;
    }
    let secret = crate::state::installation_secret(&tx)?;
    super::quality::load_demo(&tx, now, today, &secret)?;
    // The first compliance report then finds the counts ready.
    crate::licences::counts::refresh(&tx, today)?;
    tx.commit()?;
    Ok(DemoReport {
        units: unit_ids.len(),
        people: people.len(),
        completions,
        accounts,
        password,
    })
}

/// Lower-case ASCII for e-mail local parts: å→a, ö→o, é→e.
pub fn ascii_slug(s: &str) -> String {
    s.chars()
        .filter_map(|c| match c.to_lowercase().next().unwrap_or(c) {
            'å' | 'ä' | 'á' | 'à' => Some('a'),
            'ö' | 'ø' | 'ó' => Some('o'),
            'é' | 'è' | 'ë' => Some('e'),
            'ü' => Some('u'),
            c if c.is_ascii_alphanumeric() => Some(c),
            _ => None,
        })
        .collect()
}
