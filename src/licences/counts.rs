//! Compliance counts kept as step functions, so that the counts per unit as of
//! any day are a lookup instead of an evaluation of every required person.
//!
//! Each person's status for a licence type changes only on known days
//! ([`timeline::transitions`]). Their transitions are stored
//! (`compliance_event`); the changes they make to the counts are summed per
//! unit and day (`compliance_delta`); and the running sums at the start of each
//! month are kept (`compliance_checkpoint`). The counts as of D are the
//! checkpoint of D's month plus the deltas from the first of that month to D:
//! a few thousand rows whatever the number of people.
//!
//! Triggers in `schema.sql` record in `compliance_dirty` whatever a write
//! changed (a completion, a revocation, a move, a requirement, a unit's flag, a
//! type's rules), so no write path can forget. [`refresh`] brings the tables up
//! to date: it recomputes the dirty people's transitions and applies the
//! differences, or rebuilds a whole type when that is cheaper.
//!
//! Checkpoints run from the month of a type's first transition (at most
//! [`HISTORY_MONTHS`] back) to [`HORIZON_MONTHS`] after the day of the last
//! refresh. Transitions further ahead (expiries of long licences) are known and
//! stored too: a day beyond the last checkpoint sums the deltas after it, and a
//! day before the first sums the deltas from the beginning. Both give the same
//! answer, only more slowly; every refresh moves the horizon along.
//!
//! The SQL is in [`store::counts`](super::store::counts); this file decides
//! what to read and write.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono::{Datelike, NaiveDate};
use rusqlite::{Connection, Transaction};

use super::compliance::{self, Counts, Level, Row, UnitInfo};
use super::model::{self, LicenceType, RequirementScope, Standing, Status};
use super::store::counts::{self as kept, Change, EventWriter, Parts};
use super::store::{self, RequiredPerson};
use super::timeline::{self, Counted, Segment, Transition};
use crate::organisation::model::{ChemoHistory, Profession};
use crate::organisation::store as org;

pub use super::store::counts::{is_dirty, mark_all_dirty};

/// Checkpoints are kept this many months past the month of the last refresh.
pub const HORIZON_MONTHS: u32 = 24;

/// Checkpoints reach back at most this many months; older days sum deltas.
pub const HISTORY_MONTHS: u32 = 12 * 40;

/// With more dirty people than this in one type, rebuilding the type is faster
/// than recomputing them one by one.
const REBUILD_ABOVE: usize = 20_000;

fn slot(s: Status) -> usize {
    match s {
        Status::Valid => 0,
        Status::Expiring => 1,
        Status::Expired => 2,
        Status::Missing => 3,
    }
}

fn month_start(day: NaiveDate) -> NaiveDate {
    day.with_day(1).unwrap_or(day)
}

fn months_back(month: NaiveDate, n: u32) -> NaiveDate {
    month
        .checked_sub_months(chrono::Months::new(n))
        .unwrap_or(NaiveDate::MIN)
}

/// The first day of every month from `first` to `last`, both included.
fn months(first: NaiveDate, last: NaiveDate) -> Vec<NaiveDate> {
    let mut out = Vec::new();
    let mut m = first;
    while m <= last {
        out.push(m);
        m = model::add_months(m, 1);
        if m == NaiveDate::MAX {
            break;
        }
    }
    out
}

fn is_zero(c: &Change) -> bool {
    c.iter().all(|n| *n == 0)
}

fn add(into: &mut Change, c: &Change) {
    for (a, b) in into.iter_mut().zip(c) {
        *a += b;
    }
}

/// Adds `sign` times the changes `transitions` make to the counts to `out`,
/// keyed by (unit, day).
fn add_deltas(transitions: &[Transition], sign: i64, out: &mut HashMap<(i64, NaiveDate), Change>) {
    let mut before: Option<Counted> = None;
    for t in transitions {
        if let Some(b) = before {
            out.entry((b.unit_id, t.day)).or_default()[slot(b.status)] -= sign;
        }
        if let Some(c) = t.state {
            out.entry((c.unit_id, t.day)).or_default()[slot(c.status)] += sign;
        }
        before = t.state;
    }
}

/// Who must hold each licence type: the (profession, unit) pairs its
/// requirements by unit, administration and region name, and the
/// professions it requires wherever a unit gives chemotherapy, which
/// depends on the day (each unit's [`ChemoHistory`]).
struct Rules {
    pairs: HashMap<i64, HashSet<(Profession, i64)>>,
    chemo: HashMap<i64, HashSet<Profession>>,
    histories: HashMap<i64, ChemoHistory>,
}

/// Who must hold one licence type.
#[derive(Clone, Copy)]
struct TypeRules<'a> {
    pairs: &'a HashSet<(Profession, i64)>,
    chemo: &'a HashSet<Profession>,
    histories: &'a HashMap<i64, ChemoHistory>,
}

impl TypeRules<'_> {
    /// Whether a person working `s` must hold the licence. `s` lies inside
    /// one state of its unit's flag ([`Rules::segments`] cuts at changes),
    /// so its first day stands for all of it.
    fn required(&self, s: &Segment) -> bool {
        self.pairs.contains(&(s.profession, s.unit_id))
            || (self.chemo.contains(&s.profession)
                && self.histories.get(&s.unit_id).is_some_and(|h| h.on(s.from)))
    }

    /// Whether some stretch of `segments` is required.
    fn touches(&self, segments: &[Segment]) -> bool {
        segments.iter().any(|s| self.required(s))
    }
}

impl Rules {
    fn load(conn: &Connection) -> rusqlite::Result<Rules> {
        let places = store::unit_places(conn)?;
        let mut pairs: HashMap<i64, HashSet<(Profession, i64)>> = HashMap::new();
        let mut chemo: HashMap<i64, HashSet<Profession>> = HashMap::new();
        for r in store::requirements(conn, None)? {
            if r.scope == RequirementScope::ChemotherapyUnits {
                chemo
                    .entry(r.licence_type_id)
                    .or_default()
                    .insert(r.profession);
                continue;
            }
            let set = pairs.entry(r.licence_type_id).or_default();
            for place in places.values() {
                if r.applies(r.profession, place) {
                    set.insert((r.profession, place.unit_id));
                }
            }
        }
        Ok(Rules {
            pairs,
            chemo,
            histories: org::chemo_histories(conn)?,
        })
    }

    /// The rules of one type, when it has any.
    fn of(&self, licence_type_id: i64) -> Option<TypeRules<'_>> {
        static NONE_PAIRS: std::sync::LazyLock<HashSet<(Profession, i64)>> =
            std::sync::LazyLock::new(HashSet::new);
        static NONE_CHEMO: std::sync::LazyLock<HashSet<Profession>> =
            std::sync::LazyLock::new(HashSet::new);
        let pairs = self.pairs.get(&licence_type_id).unwrap_or(&NONE_PAIRS);
        let chemo = self.chemo.get(&licence_type_id).unwrap_or(&NONE_CHEMO);
        (!pairs.is_empty() || !chemo.is_empty()).then_some(TypeRules {
            pairs,
            chemo,
            histories: &self.histories,
        })
    }

    /// A person's stretches of employment cut where their units' flags
    /// changed.
    fn segments(&self, segments: &[Segment]) -> Vec<Segment> {
        timeline::cut_at(segments, |unit| {
            self.histories
                .get(&unit)
                .map(|h| h.changes.iter().map(|(day, _)| day))
                .into_iter()
                .flatten()
        })
    }
}

/// Writes every checkpoint of a type from its stored deltas, a month's range
/// of them at a time: every unit with deltas gets a row for every month.
fn write_checkpoints(
    tx: &Connection,
    licence_type_id: i64,
    today: NaiveDate,
) -> rusqlite::Result<()> {
    let Some(earliest) = kept::first_delta_day(tx, licence_type_id)? else {
        return Ok(());
    };
    let floor = months_back(month_start(today), HISTORY_MONTHS);
    let first = month_start(earliest).max(floor);
    let last = model::add_months(month_start(today), HORIZON_MONTHS).max(first);
    // Running sums per unit at the start of each month.
    let mut values: BTreeMap<i64, Change> = kept::delta_units(tx, licence_type_id)?
        .into_iter()
        .map(|unit| (unit, [0; 4]))
        .collect();
    let mut from = earliest;
    for month in months(first, last) {
        for (unit, c) in kept::deltas_before(tx, licence_type_id, from, month)? {
            add(values.entry(unit).or_default(), &c);
        }
        kept::insert_month(tx, licence_type_id, month, &values)?;
        from = from.max(month);
    }
    Ok(())
}

/// People are rebuilt this many ids at a time, so that what a rebuild holds
/// in memory (their employment, completions and summed deltas) stays the
/// same however many people there are.
const REBUILD_BATCH: i64 = 50_000;

/// The people with ids from `first` up to `end` with their employment cut
/// where their units' flags changed.
fn batch_segments(
    tx: &Connection,
    rules: &Rules,
    first: i64,
    end: i64,
) -> rusqlite::Result<BTreeMap<i64, Vec<Segment>>> {
    Ok(kept::segments_between(tx, first, end)?
        .into_iter()
        .map(|(p, s)| (p, rules.segments(&s)))
        .collect())
}

/// Recomputes every person of `types` from scratch with set-based loads,
/// `batch` people at a time. `everything` empties the tables first instead
/// of deleting type by type.
fn rebuild(
    tx: &Transaction<'_>,
    types: &[&LicenceType],
    rules: &Rules,
    everything: bool,
    today: NaiveDate,
    batch: i64,
) -> rusqlite::Result<usize> {
    if types.is_empty() {
        return Ok(0);
    }
    let batch = batch.max(1);
    let work: Vec<(&LicenceType, TypeRules<'_>)> = types
        .iter()
        .filter_map(|t| rules.of(t.id).map(|r| (*t, r)))
        .collect();
    let last = kept::last_employed(tx)?;
    let batches = || (1..=last.max(1)).step_by(usize::try_from(batch).unwrap_or(1));
    // Many people make setting the indexes aside and building them again
    // afterwards the quicker way: a rebuild of everything always has them;
    // for some types, everyone ever required is counted first.
    let many = everything || {
        let mut required = 0;
        if !work.is_empty() {
            for first in batches() {
                let segments = batch_segments(tx, rules, first, first + batch)?;
                for (_, type_rules) in &work {
                    required += segments.values().filter(|s| type_rules.touches(s)).count();
                }
            }
        }
        required > REBUILD_ABOVE
    };
    let indexes = if many {
        kept::set_aside_indexes(tx)?
    } else {
        Vec::new()
    };
    let mut people_done = 0;
    if everything {
        kept::clear_all(tx)?;
    } else {
        for t in types {
            kept::clear_type(tx, t.id)?;
        }
    }
    kept::begin_staging(tx)?;
    let none = Parts::default();
    for first in batches() {
        let end = first + batch;
        let segments = batch_segments(tx, rules, first, end)?;
        for (t, type_rules) in &work {
            let required = |s: &Segment| type_rules.required(s);
            let people: BTreeMap<i64, &Vec<Segment>> = segments
                .iter()
                .filter(|(_, s)| type_rules.touches(s))
                .map(|(p, s)| (*p, s))
                .collect();
            people_done += people.len();
            let done = kept::done_between(tx, t.id, first, end, &people)?;
            let mut deltas: HashMap<(i64, NaiveDate), Change> = HashMap::new();
            let mut events = EventWriter::new(tx)?;
            for (person, segs) in &people {
                let parts = done.get(person).unwrap_or(&none);
                let transitions =
                    timeline::transitions(t, segs, required, &parts.theory, &parts.practical);
                add_deltas(&transitions, 1, &mut deltas);
                events.insert(t.id, *person, &transitions)?;
            }
            kept::stage_deltas(tx, t.id, &deltas)?;
        }
    }
    for (t, _) in &work {
        kept::insert_staged_deltas(tx, t.id)?;
        write_checkpoints(tx, t.id, today)?;
    }
    kept::end_staging(tx)?;
    kept::restore_indexes(tx, &indexes)?;
    Ok(people_done)
}

/// Applies summed changes to the deltas and to every checkpoint after them.
fn apply_changes(
    tx: &Connection,
    licence_type_id: i64,
    changes: HashMap<(i64, NaiveDate), Change>,
    today: NaiveDate,
) -> rusqlite::Result<()> {
    let mut per_unit: BTreeMap<i64, Vec<(NaiveDate, Change)>> = BTreeMap::new();
    for ((unit, day), c) in changes {
        if !is_zero(&c) {
            per_unit.entry(unit).or_default().push((day, c));
        }
    }
    if per_unit.is_empty() {
        return Ok(());
    }
    for (unit, list) in per_unit.iter_mut() {
        list.sort_unstable_by_key(|(day, _)| *day);
        kept::add_to_deltas(tx, licence_type_id, *unit, list)?;
    }
    let Some((first, last)) = kept::horizon(tx, licence_type_id)? else {
        // The type's first counts: lay out its checkpoints.
        return write_checkpoints(tx, licence_type_id, today);
    };
    let months = months(first, last);
    let with_rows = kept::checkpoint_units(tx, licence_type_id, first)?;
    for (unit, list) in &per_unit {
        // Every unit with deltas has a row for every month; a unit new to the
        // type gets zero rows first, then the changes below.
        if !with_rows.contains(unit) {
            kept::insert_zero_checkpoints(tx, licence_type_id, *unit, &months)?;
        }
        let mut sum: Change = [0; 4];
        let mut next = 0;
        for m in &months {
            while let Some((day, c)) = list.get(next)
                && day < m
            {
                add(&mut sum, c);
                next += 1;
            }
            if !is_zero(&sum) {
                kept::add_to_checkpoint(tx, licence_type_id, *m, *unit, &sum)?;
            }
        }
    }
    Ok(())
}

/// Recomputes `people` for one type and applies the differences.
fn refresh_people(
    tx: &Transaction<'_>,
    t: &LicenceType,
    rules: &Rules,
    people: &BTreeSet<i64>,
    segments: &mut HashMap<i64, Vec<Segment>>,
    today: NaiveDate,
) -> rusqlite::Result<usize> {
    let type_rules = rules.of(t.id);
    let required = |s: &Segment| type_rules.is_some_and(|r| r.required(s));
    let mut changes: HashMap<(i64, NaiveDate), Change> = HashMap::new();
    let mut changed = 0;
    let mut events = EventWriter::new(tx)?;
    for person in people {
        if !segments.contains_key(person) {
            let s = kept::person_segments(tx, *person)?;
            segments.insert(*person, rules.segments(&s));
        }
        let segs = segments.get(person).map(Vec::as_slice).unwrap_or_default();
        let new = if segs.iter().any(&required) {
            let parts = kept::person_done(tx, *person, t.id)?;
            timeline::transitions(t, segs, required, &parts.theory, &parts.practical)
        } else {
            Vec::new()
        };
        let old = kept::stored_transitions(tx, t.id, *person)?;
        if old == new {
            continue;
        }
        changed += 1;
        add_deltas(&old, -1, &mut changes);
        add_deltas(&new, 1, &mut changes);
        kept::delete_events(tx, t.id, *person)?;
        events.insert(t.id, *person, &new)?;
    }
    apply_changes(tx, t.id, changes, today)?;
    Ok(changed)
}

/// Lays out checkpoints up to [`HORIZON_MONTHS`] after `today`'s month.
fn extend_horizon(tx: &Connection, licence_type_id: i64, today: NaiveDate) -> rusqlite::Result<()> {
    let Some((_, last)) = kept::horizon(tx, licence_type_id)? else {
        return Ok(());
    };
    let target = model::add_months(month_start(today), HORIZON_MONTHS);
    if last >= target {
        return Ok(());
    }
    let mut values: BTreeMap<i64, Change> = kept::checkpoint(tx, licence_type_id, last)?
        .into_iter()
        .collect();
    let mut month = last;
    while month < target {
        let next = model::add_months(month, 1);
        for (unit, c) in kept::deltas_before(tx, licence_type_id, month, next)? {
            add(values.entry(unit).or_default(), &c);
        }
        kept::insert_month(tx, licence_type_id, next, &values)?;
        month = next;
    }
    Ok(())
}

/// What a refresh did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Refreshed {
    /// Licence types rebuilt from scratch.
    pub rebuilt_types: usize,
    /// People evaluated in those rebuilds.
    pub rebuilt_people: usize,
    /// People recomputed one by one whose transitions changed.
    pub changed_people: usize,
}

/// How many times the counts were brought up to date, or `None` while a change
/// waits for the next refresh. Two equal marks mean the counts did not change
/// in between, however many other writes (sign-ins, messages) there were: a
/// report computed at one mark is still the answer at the next lookup.
pub fn mark(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    if is_dirty(conn)? {
        return Ok(None);
    }
    kept::refreshed(conn).map(Some)
}

/// Brings the kept counts up to date with every write recorded in
/// `compliance_dirty`, and moves the checkpoint horizon to [`HORIZON_MONTHS`]
/// after `today`. Runs inside the caller's transaction, so the counts commit
/// together with the emptied dirty set.
pub fn refresh(tx: &Transaction<'_>, today: NaiveDate) -> rusqlite::Result<Refreshed> {
    refresh_in_batches(tx, today, REBUILD_BATCH)
}

/// [`refresh`], rebuilding `batch` people at a time: the same counts for
/// every batch size, which a test checks with a small one.
pub fn refresh_in_batches(
    tx: &Transaction<'_>,
    today: NaiveDate,
    batch: i64,
) -> rusqlite::Result<Refreshed> {
    let dirty = kept::dirty(tx)?;
    let types = store::licence_types(tx)?;
    let mut done = Refreshed::default();
    if !dirty.is_empty() {
        let rules = Rules::load(tx)?;
        let everything = dirty.contains(&(0, 0));
        let mut whole: BTreeSet<i64> = if everything {
            types.iter().map(|t| t.id).collect()
        } else {
            dirty
                .iter()
                .filter(|(p, _)| *p == 0)
                .map(|(_, t)| *t)
                .collect()
        };
        let every_type: BTreeSet<i64> = dirty
            .iter()
            .filter(|(p, t)| *p != 0 && *t == 0)
            .map(|(p, _)| *p)
            .collect();
        let mut one_by_one: Vec<(&LicenceType, BTreeSet<i64>)> = Vec::new();
        for t in &types {
            if whole.contains(&t.id) {
                continue;
            }
            let mut people = every_type.clone();
            people.extend(
                dirty
                    .iter()
                    .filter(|(p, ty)| *p != 0 && *ty == t.id)
                    .map(|(p, _)| *p),
            );
            if people.len() > REBUILD_ABOVE {
                whole.insert(t.id);
            } else if !people.is_empty() {
                one_by_one.push((t, people));
            }
        }
        let rebuilt: Vec<&LicenceType> = types.iter().filter(|t| whole.contains(&t.id)).collect();
        done.rebuilt_types = rebuilt.len();
        done.rebuilt_people = rebuild(tx, &rebuilt, &rules, everything, today, batch)?;
        let mut segments = HashMap::new();
        for (t, people) in one_by_one {
            done.changed_people += refresh_people(tx, t, &rules, &people, &mut segments, today)?;
        }
        kept::clear_dirty(tx)?;
    }
    for t in &types {
        extend_horizon(tx, t.id, today)?;
    }
    kept::count_refresh(tx)?;
    Ok(done)
}

fn counts_from(c: &Change) -> rusqlite::Result<Counts> {
    let n = |i: usize| {
        u64::try_from(c[i]).map_err(|_| rusqlite::Error::IntegralValueOutOfRange(i, c[i]))
    };
    let (valid, expiring, expired, missing) = (n(0)?, n(1)?, n(2)?, n(3)?);
    Ok(Counts {
        required: valid + expiring + expired + missing,
        valid,
        expiring,
        expired,
        missing,
    })
}

/// The counts per unit as of `day`, from the kept step functions, restricted
/// to `units` when given. Units where nobody is required are left out. Equal to
/// grouping [`store::required_people`] by unit, for every day, once
/// [`refresh`] has run.
pub fn counts_as_of(
    conn: &Connection,
    licence_type_id: i64,
    day: NaiveDate,
    units: Option<&[i64]>,
) -> rusqlite::Result<HashMap<i64, Counts>> {
    let mut sums: HashMap<i64, Change> = HashMap::new();
    let month = month_start(day);
    let from = match kept::horizon(conn, licence_type_id)? {
        Some((first, last)) if month >= first => {
            let base = month.min(last);
            for (unit, c) in kept::checkpoint(conn, licence_type_id, base)? {
                add(sums.entry(unit).or_default(), &c);
            }
            Some(base)
        }
        // Before the first checkpoint: every delta up to the day.
        _ => None,
    };
    for (unit, c) in kept::deltas_from_to(conn, licence_type_id, from, day)? {
        add(sums.entry(unit).or_default(), &c);
    }
    let visible: Option<HashSet<i64>> = units.map(|u| u.iter().copied().collect());
    let mut out = HashMap::new();
    for (unit, c) in sums {
        if is_zero(&c) || visible.as_ref().is_some_and(|v| !v.contains(&unit)) {
            continue;
        }
        out.insert(unit, counts_from(&c)?);
    }
    Ok(out)
}

fn standing_from(
    t: &LicenceType,
    day: NaiveDate,
    status: Status,
    until: Option<NaiveDate>,
) -> Standing {
    // What `model::standing` gives: the state is constant between transitions.
    Standing {
        status,
        valid_until: until,
        days_left: until.map(|u| (u - day).num_days()),
        window_opens: until.map(|u| model::minus_days(u, t.window_days)),
    }
}

/// One person's standing for `t` on `day`, and whether they must hold it
/// then (the status API's answer).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersonStatus {
    /// The standing.
    pub standing: Standing,
    /// Whether the person must hold the licence on the day.
    pub required: bool,
}

/// [`PersonStatus`] from the kept transitions while they are up to date for
/// the person and type: one lookup, and the person's completions only when
/// they do not count that day (a person counts exactly when required).
/// Equal to [`status_by_rules`], which answers while a change waits.
pub fn status_on(
    conn: &Connection,
    t: &LicenceType,
    person_id: i64,
    day: NaiveDate,
) -> rusqlite::Result<PersonStatus> {
    match kept::state_on(conn, t.id, person_id, day)? {
        kept::Kept::Counted(state) => Ok(PersonStatus {
            standing: standing_from(t, day, state.status, state.valid_until),
            required: true,
        }),
        kept::Kept::Uncounted => Ok(PersonStatus {
            standing: standing_by_rules(conn, t, person_id, day)?,
            required: false,
        }),
        kept::Kept::Stale => status_by_rules(conn, t, person_id, day),
    }
}

/// [`PersonStatus`] evaluated from the person's employment, the requirements
/// and their completions.
pub fn status_by_rules(
    conn: &Connection,
    t: &LicenceType,
    person_id: i64,
    day: NaiveDate,
) -> rusqlite::Result<PersonStatus> {
    Ok(PersonStatus {
        standing: standing_by_rules(conn, t, person_id, day)?,
        required: store::required_types(conn, person_id, day)?.contains(&t.id),
    })
}

fn standing_by_rules(
    conn: &Connection,
    t: &LicenceType,
    person_id: i64,
    day: NaiveDate,
) -> rusqlite::Result<Standing> {
    let parts = kept::person_done(conn, person_id, t.id)?;
    Ok(model::standing(t, &parts.theory, &parts.practical, day))
}

/// Everyone who must hold `t` on `day` in one of `units`, with their standing,
/// read from the kept transitions: the people employed there that day, each
/// looked up by index. Equal to [`store::required_people`] for those units,
/// and sorted the same way, once [`refresh`] has run.
pub fn people_in_units(
    conn: &Connection,
    t: &LicenceType,
    day: NaiveDate,
    units: &[i64],
) -> rusqlite::Result<Vec<RequiredPerson>> {
    let mut out: Vec<RequiredPerson> = kept::people_in_units(conn, t.id, day, units)?
        .into_iter()
        .map(|p| required_person(t, day, p))
        .collect();
    out.sort_by(|a, b| {
        crate::db::collation::swedish(&a.name, &b.name).then(a.person_id.cmp(&b.person_id))
    });
    Ok(out)
}

/// Everyone who must hold `t` on `day` and whose licence is not valid then
/// (expiring, expired, missing), with their standing, read from the kept
/// transitions: the people the reminders and the managers' digests name.
/// Equal to filtering [`store::required_people`] by status, in person order,
/// once [`refresh`] has run.
pub fn needing_attention(
    conn: &Connection,
    t: &LicenceType,
    day: NaiveDate,
) -> rusqlite::Result<Vec<RequiredPerson>> {
    Ok(kept::needing_attention(conn, t.id, day)?
        .into_iter()
        .map(|p| required_person(t, day, p))
        .collect())
}

/// A person's stored state on `day` as the straightforward computation
/// gives it.
fn required_person(t: &LicenceType, day: NaiveDate, p: kept::EventPerson) -> RequiredPerson {
    RequiredPerson {
        person_id: p.person_id,
        name: p.name,
        hsa_id: p.hsa_id,
        unit_id: p.unit_id,
        standing: standing_from(t, day, p.status, p.valid_until),
    }
}

/// The expiry forecast of `day` from the kept transitions: per month, for the
/// twelve months from the day's month, how many people required and valid on
/// the day have a licence that runs out then. The same months and numbers as
/// [`compliance::forecast`] over [`store::required_people`], without
/// evaluating anyone: an index range over the expiry dates in those months.
pub fn forecast(
    conn: &Connection,
    t: &LicenceType,
    day: NaiveDate,
    units: Option<&[i64]>,
) -> rusqlite::Result<Vec<(NaiveDate, u64)>> {
    let first = month_start(day);
    let months: Vec<NaiveDate> = (0..12).map(|i| model::add_months(first, i)).collect();
    let end = model::add_months(first, 12);
    let visible: Option<HashSet<i64>> = units.map(|u| u.iter().copied().collect());
    let mut counts = vec![0u64; months.len()];
    for (unit_id, until) in kept::expiries(conn, t.id, day, first, end)? {
        if visible.as_ref().is_some_and(|v| !v.contains(&unit_id)) {
            continue;
        }
        let month = month_start(until);
        if let Some(i) = months.iter().position(|m| *m == month) {
            counts[i] += 1;
        }
    }
    Ok(months.into_iter().zip(counts).collect())
}

/// What a report shows and for whom.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// The level rows group by.
    pub by: Level,
    /// The parent the rows are under (a region for administrations, an
    /// administration for units).
    pub within: Option<i64>,
    /// The units the user may see; every unit when `None`.
    pub visible: Option<&'a [i64]>,
    /// One unit whose people are listed.
    pub unit: Option<i64>,
    /// List every required person in view (the people export).
    pub everyone: bool,
}

/// A report computed from the kept counts.
#[derive(Debug, Clone)]
pub struct View {
    /// Rows.
    pub rows: Vec<Row>,
    /// Their total.
    pub total: Counts,
    /// The people the view lists: everyone required in the units shown at
    /// unit level, in one unit, or for the people export; nobody otherwise.
    pub people: Vec<RequiredPerson>,
    /// Units with names.
    pub units: HashMap<i64, UnitInfo>,
}

/// The compliance report of `t` on `day`: counts from the kept step functions,
/// and people only where the view lists them (at unit level, for one unit, or
/// for the people export), looked up for just those units.
pub fn view(
    conn: &Connection,
    t: &LicenceType,
    day: NaiveDate,
    scope: &Scope<'_>,
) -> rusqlite::Result<View> {
    let units = store::unit_infos(conn)?;
    let counts = counts_as_of(conn, t.id, day, scope.visible)?;
    let (rows, total) = compliance::aggregate_counts(&counts, &units, scope.by, scope.within);
    // People at unit level where the units are few (an administration's,
    // or a manager's scope); every unit of every region lists none (each
    // row links to its unit), so the first report after a start stays fast.
    let units_are_few = scope.within.is_some() || scope.visible.is_some();
    let people = if (scope.by == Level::Unit && units_are_few)
        || scope.unit.is_some()
        || scope.everyone
    {
        let mut in_view: Vec<i64> = units
            .values()
            .filter(|u| scope.visible.is_none_or(|v| v.contains(&u.unit_id)))
            .filter(|u| match (scope.by, scope.within) {
                (_, None) | (Level::Region, _) => true,
                (Level::Administration, Some(r)) => u.region_id == r,
                (Level::Unit, Some(a)) => u.administration_id == a,
            })
            .filter(|u| scope.by == Level::Unit || scope.unit.is_none_or(|one| one == u.unit_id))
            .map(|u| u.unit_id)
            .collect();
        in_view.sort_unstable();
        people_in_units(conn, t, day, &in_view)?
    } else {
        Vec::new()
    };
    Ok(View {
        rows,
        total,
        people,
        units,
    })
}
