//! A person's compliance for one licence type as a step function of time.
//!
//! Whether and where a person counts, and with which status, changes only on
//! known days: when an employment stretch starts or ends, on a completion, on
//! the day the first warning starts, and on the day after expiry. Between two
//! such days nothing the rules look at changes, so evaluating the rules on each
//! of them gives the whole history. The kept counts (`counts`) are sums of
//! these step functions. Pure functions, no I/O.

use chrono::NaiveDate;

use super::model::{self, Done, LicenceType, Part, Status};
use crate::organisation::model::Profession;

/// One stretch of employment: a unit and a profession from `from` up to, not
/// including, `to` (open when `None`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment {
    /// First day.
    pub from: NaiveDate,
    /// First day after, when closed.
    pub to: Option<NaiveDate>,
    /// Unit.
    pub unit_id: i64,
    /// Profession.
    pub profession: Profession,
}

impl Segment {
    /// True when the stretch holds on `day`.
    pub fn holds_on(&self, day: NaiveDate) -> bool {
        self.from <= day && self.to.is_none_or(|to| to > day)
    }
}

/// How a required person counts on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    /// Where they are counted.
    pub unit_id: i64,
    /// Their status.
    pub status: Status,
    /// The last valid day as it stood then (kept for the expiry forecast).
    pub valid_until: Option<NaiveDate>,
}

/// From `day` on, until the next transition, the person counts as `state`
/// (`None`: not counted, because not employed or not required).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transition {
    /// The first day of the state.
    pub day: NaiveDate,
    /// The state.
    pub state: Option<Counted>,
}

/// `segments` cut at the days `cuts_of(unit)` gives for their unit (the days
/// its chemotherapy flag changed), so that whatever depends on the unit's
/// state on a day is the same over each piece.
pub fn cut_at<'a, I>(segments: &[Segment], cuts_of: impl Fn(i64) -> I) -> Vec<Segment>
where
    I: Iterator<Item = &'a NaiveDate>,
{
    let mut out = Vec::with_capacity(segments.len());
    for s in segments {
        let mut from = s.from;
        let mut days: Vec<NaiveDate> = cuts_of(s.unit_id)
            .copied()
            .filter(|d| *d > s.from && s.to.is_none_or(|to| *d < to))
            .collect();
        days.sort_unstable();
        days.dedup();
        for day in days {
            out.push(Segment {
                from,
                to: Some(day),
                ..*s
            });
            from = day;
        }
        out.push(Segment { from, ..*s });
    }
    out
}

/// The stretch a person worked on `day`. Stretches never overlap when written
/// through the store; if they did, the one that started last wins, as
/// `organisation::store::employment_on` decides.
pub fn segment_on(segments: &[Segment], day: NaiveDate) -> Option<&Segment> {
    segments
        .iter()
        .filter(|s| s.holds_on(day))
        .max_by_key(|s| s.from)
}

/// How the person counts on `day`, evaluated directly by the rules.
pub fn state_on_by_rules(
    t: &LicenceType,
    segments: &[Segment],
    required: impl Fn(&Segment) -> bool,
    theory: &[Done],
    practical: &[Done],
    day: NaiveDate,
) -> Option<Counted> {
    let segment = segment_on(segments, day)?;
    if !required(segment) {
        return None;
    }
    let standing = model::standing(t, theory, practical, day);
    Some(Counted {
        unit_id: segment.unit_id,
        status: standing.status,
        valid_until: standing.valid_until,
    })
}

/// Every last valid day the rules can give for one part: the expiry after each
/// prefix of its completions in date order.
fn possible_expiries(t: &LicenceType, part: Part, done: &[Done]) -> Vec<NaiveDate> {
    done.iter()
        .filter(|d| !d.revoked)
        .filter_map(|d| {
            model::valid_until(
                done,
                t.months_for(part),
                t.window_days,
                t.extend_from_expiry,
                d.on,
            )
        })
        .collect()
}

/// The days on which a person's state for `t` changes, with the state from
/// each of them on. Sorted by day; consecutive states differ; empty when the
/// person is never required.
pub fn transitions(
    t: &LicenceType,
    segments: &[Segment],
    required: impl Fn(&Segment) -> bool,
    theory: &[Done],
    practical: &[Done],
) -> Vec<Transition> {
    let is_required = |s: &Segment| required(s);
    if !segments.iter().any(is_required) {
        return Vec::new();
    }
    let mut days: Vec<NaiveDate> = Vec::new();
    for s in segments {
        days.push(s.from);
        days.extend(s.to);
    }
    days.extend(theory.iter().chain(practical).map(|d| d.on));
    // The licence is valid until the earliest part's expiry, so every day the
    // status can turn comes from one part's possible expiries.
    let first_warning = t.first_warning();
    for part in t.parts() {
        let done = match part {
            Part::Theory => theory,
            Part::Practical => practical,
        };
        for until in possible_expiries(t, *part, done) {
            days.push(model::minus_days(until, first_warning));
            days.extend(until.succ_opt());
        }
    }
    days.sort_unstable();
    days.dedup();
    let mut out: Vec<Transition> = Vec::new();
    let mut current: Option<Counted> = None;
    for day in days {
        let state = match segment_on(segments, day) {
            Some(s) if is_required(s) => {
                state_on_by_rules(t, segments, &required, theory, practical, day)
            }
            _ => None,
        };
        if state != current {
            out.push(Transition { day, state });
            current = state;
        }
    }
    out
}

/// The state on `day` according to `transitions` (the last one on or before it).
pub fn state_on(transitions: &[Transition], day: NaiveDate) -> Option<Counted> {
    let after = transitions.partition_point(|t| t.day <= day);
    after
        .checked_sub(1)
        .and_then(|i| transitions.get(i))
        .and_then(|t| t.state)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("date")
    }

    fn cyto() -> LicenceType {
        LicenceType {
            id: 1,
            code: "CYTO".into(),
            name_sv: "Cytostatikakörkort".into(),
            name_en: "Chemotherapy licence".into(),
            validity_months: 36,
            window_days: 90,
            extend_from_expiry: true,
            warning_days: vec![90, 30],
            requires_practical: false,
            practical_validity_months: None,
            active: true,
        }
    }

    fn done(dates: &[&str]) -> Vec<Done> {
        dates
            .iter()
            .map(|s| Done {
                on: d(s),
                revoked: false,
            })
            .collect()
    }

    fn seg(from: &str, to: Option<&str>, unit_id: i64) -> Segment {
        Segment {
            from: d(from),
            to: to.map(d),
            unit_id,
            profession: Profession::Nurse,
        }
    }

    /// Unit 1 gives chemotherapy; unit 2 does not.
    fn chemo(s: &Segment) -> bool {
        s.profession == Profession::Nurse && s.unit_id == 1
    }

    fn counted(day: &str, unit_id: i64, status: Status, until: Option<&str>) -> Transition {
        Transition {
            day: d(day),
            state: Some(Counted {
                unit_id,
                status,
                valid_until: until.map(d),
            }),
        }
    }

    #[test]
    fn missing_then_valid_expiring_and_expired_on_the_rules_days() {
        let t = cyto();
        let got = transitions(
            &t,
            &[seg("2020-01-01", None, 1)],
            chemo,
            &done(&["2020-03-01"]),
            &[],
        );
        assert_eq!(
            got,
            [
                counted("2020-01-01", 1, Status::Missing, None),
                counted("2020-03-01", 1, Status::Valid, Some("2023-03-01")),
                // 90 days before 2023-03-01.
                counted("2022-12-01", 1, Status::Expiring, Some("2023-03-01")),
                counted("2023-03-02", 1, Status::Expired, Some("2023-03-01")),
            ]
        );
    }

    #[test]
    fn a_renewal_in_the_window_turns_expiring_back_to_valid_without_expiring() {
        let t = cyto();
        let got = transitions(
            &t,
            &[seg("2020-01-01", None, 1)],
            chemo,
            &done(&["2020-03-01", "2023-01-15"]),
            &[],
        );
        assert_eq!(
            got,
            [
                counted("2020-01-01", 1, Status::Missing, None),
                counted("2020-03-01", 1, Status::Valid, Some("2023-03-01")),
                counted("2022-12-01", 1, Status::Expiring, Some("2023-03-01")),
                counted("2023-01-15", 1, Status::Valid, Some("2026-03-01")),
                counted("2025-12-01", 1, Status::Expiring, Some("2026-03-01")),
                counted("2026-03-02", 1, Status::Expired, Some("2026-03-01")),
            ]
        );
    }

    #[test]
    fn moves_count_in_the_new_unit_and_leaving_or_a_unit_without_the_requirement_ends_counting() {
        let t = cyto();
        let segments = [
            seg("2020-01-01", Some("2021-01-01"), 1),
            seg("2021-01-01", Some("2022-01-01"), 2),
            seg("2022-01-01", Some("2022-06-01"), 1),
        ];
        let got = transitions(&t, &segments, chemo, &done(&["2019-05-05"]), &[]);
        assert_eq!(
            got,
            [
                counted("2020-01-01", 1, Status::Valid, Some("2022-05-05")),
                Transition {
                    day: d("2021-01-01"),
                    state: None
                },
                counted("2022-01-01", 1, Status::Valid, Some("2022-05-05")),
                counted("2022-02-04", 1, Status::Expiring, Some("2022-05-05")),
                counted("2022-05-06", 1, Status::Expired, Some("2022-05-05")),
                Transition {
                    day: d("2022-06-01"),
                    state: None
                },
            ]
        );
    }

    #[test]
    fn nobody_required_has_no_transitions_and_revoked_completions_count_for_nothing() {
        let t = cyto();
        assert!(
            transitions(
                &t,
                &[seg("2020-01-01", None, 2)],
                chemo,
                &done(&["2020-03-01"]),
                &[]
            )
            .is_empty()
        );
        let revoked = [Done {
            on: d("2020-03-01"),
            revoked: true,
        }];
        assert_eq!(
            transitions(&t, &[seg("2020-01-01", None, 1)], chemo, &revoked, &[]),
            [counted("2020-01-01", 1, Status::Missing, None)]
        );
    }

    #[test]
    fn a_renewal_before_the_window_changes_only_the_expiry() {
        let t = cyto();
        let got = transitions(
            &t,
            &[seg("2020-01-01", None, 1)],
            chemo,
            &done(&["2020-01-10", "2021-06-01"]),
            &[],
        );
        assert_eq!(
            got[1],
            counted("2020-01-10", 1, Status::Valid, Some("2023-01-10"))
        );
        assert_eq!(
            got[2],
            counted("2021-06-01", 1, Status::Valid, Some("2024-06-01"))
        );
        assert_eq!(
            state_on(&got, d("2024-06-01")).map(|c| c.status),
            Some(Status::Expiring)
        );
        assert_eq!(
            state_on(&got, d("2024-06-02")).map(|c| c.status),
            Some(Status::Expired)
        );
        assert_eq!(state_on(&got, d("2019-12-31")), None);
    }

    fn arb_type() -> impl Strategy<Value = LicenceType> {
        (
            1u32..40,
            0u32..120,
            any::<bool>(),
            proptest::collection::vec(0u32..120, 0..3),
            any::<bool>(),
            proptest::option::of(1u32..24),
        )
            .prop_map(|(months, window, extend, mut warnings, practical, pm)| {
                warnings.sort_unstable_by(|a, b| b.cmp(a));
                LicenceType {
                    validity_months: months,
                    window_days: window,
                    extend_from_expiry: extend,
                    warning_days: warnings,
                    requires_practical: practical,
                    practical_validity_months: pm,
                    ..cyto()
                }
            })
    }

    /// Stretches as the store writes them: in order, never overlapping, with
    /// gaps for leaving and rejoining; the last may stay open.
    fn arb_segments() -> impl Strategy<Value = Vec<Segment>> {
        proptest::collection::vec((0i64..300, 1i64..1500, 1i64..4, any::<bool>()), 0..5)
            .prop_flat_map(|parts| (Just(parts), any::<bool>()))
            .prop_map(|(parts, last_open)| {
                let mut day = d("2015-01-01");
                let n = parts.len();
                parts
                    .into_iter()
                    .enumerate()
                    .map(|(i, (gap, len, unit, nurse))| {
                        let from = day + chrono::Duration::days(gap);
                        let to = from + chrono::Duration::days(len);
                        day = to;
                        Segment {
                            from,
                            to: (!(last_open && i + 1 == n)).then_some(to),
                            unit_id: unit,
                            profession: if nurse {
                                Profession::Nurse
                            } else {
                                Profession::Physician
                            },
                        }
                    })
                    .collect()
            })
    }

    fn arb_done(max: usize) -> impl Strategy<Value = Vec<Done>> {
        proptest::collection::vec((0i64..5000, proptest::bool::weighted(0.15)), 0..max).prop_map(
            |v| {
                v.into_iter()
                    .map(|(o, revoked)| Done {
                        on: d("2014-06-01") + chrono::Duration::days(o),
                        revoked,
                    })
                    .collect()
            },
        )
    }

    #[test]
    fn stretches_are_cut_where_their_units_flag_changed() {
        let s = |from: &str, to: Option<&str>, unit| Segment {
            from: d(from),
            to: to.map(d),
            unit_id: unit,
            profession: Profession::Nurse,
        };
        let cuts = [
            d("2020-01-01"),
            d("2026-03-02"),
            d("2026-03-09"),
            d("2030-01-01"),
        ];
        let got = cut_at(
            &[
                s("2025-01-01", Some("2027-01-01"), 1),
                s("2027-01-01", None, 2),
            ],
            |unit| cuts.iter().filter(move |_| unit == 1),
        );
        assert_eq!(
            got,
            [
                s("2025-01-01", Some("2026-03-02"), 1),
                s("2026-03-02", Some("2026-03-09"), 1),
                s("2026-03-09", Some("2027-01-01"), 1),
                s("2027-01-01", None, 2),
            ]
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(400))]
        #[test]
        fn the_transitions_give_the_rules_answer_on_every_day(
            t in arb_type(),
            segments in arb_segments(),
            required_pairs in proptest::collection::vec(any::<bool>(), 6),
            theory in arb_done(7),
            practical in arb_done(4),
            probes in proptest::collection::vec(-200i64..6500, 1..40),
        ) {
            let required = |s: &Segment| {
                let row = usize::from(s.profession == Profession::Nurse);
                usize::try_from(s.unit_id - 1).ok().and_then(|u| required_pairs.get(row * 3 + u)).copied().unwrap_or(false)
            };
            let got = transitions(&t, &segments, required, &theory, &practical);
            for w in got.windows(2) {
                prop_assert!(w[0].day < w[1].day);
                prop_assert!(w[0].state != w[1].state);
            }
            prop_assert!(got.first().is_none_or(|t| t.state.is_some()));
            let start = d("2014-06-01");
            let mut days: Vec<NaiveDate> = probes.iter().map(|o| start + chrono::Duration::days(*o)).collect();
            // The days around each transition are where an off-by-one would show.
            for tr in &got {
                days.extend([tr.day.pred_opt(), Some(tr.day), tr.day.succ_opt()].into_iter().flatten());
            }
            for day in days {
                prop_assert_eq!(
                    state_on(&got, day),
                    state_on_by_rules(&t, &segments, required, &theory, &practical, day),
                    "on {}", day
                );
            }
        }
    }
}
