//! The report: the indicator per place and period as it may be shown, with
//! the funnel plot's points and the trend per quarter. Everything is
//! computed over the whole organisation and suppressed there, so that what
//! one reader sees cannot be set against what another sees; a manager's
//! view then keeps the rows of their scope.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use rusqlite::Connection;

use super::model::{self, Cell, Count, Granularity, Kind, Period, Place, Tree, Window};
use super::store;

/// The deepest level of rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Depth {
    /// Regions.
    Region,
    /// Administrations (förvaltningar), the council's usual view.
    Administration,
    /// Units.
    Unit,
}

/// What the reader asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Query {
    /// Cytotoxic treatment or radiotherapy.
    pub kind: Kind,
    /// Days before death.
    pub window: Window,
    /// Columns per year or per quarter.
    pub granularity: Granularity,
    /// First year.
    pub from_year: i32,
    /// Last year.
    pub to_year: i32,
    /// How deep the rows go.
    pub depth: Depth,
}

/// One row of the report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Row {
    /// Where.
    pub place: Place,
    /// Its name.
    pub name: String,
    /// 0 for the whole, 1 regions, 2 administrations, 3 units.
    pub depth: u8,
    /// One cell per period of the report.
    pub cells: Vec<Cell>,
}

/// A point of the funnel plot: an administration's patients and share.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Point {
    /// The administration.
    pub name: String,
    /// Its patients (the denominator).
    pub patients: u32,
    /// Its share in basis points.
    pub share_bp: u32,
}

/// The report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    /// What was asked.
    pub query: Query,
    /// The columns.
    pub periods: Vec<Period>,
    /// The rows, the whole first, each region followed by its places.
    pub rows: Vec<Row>,
    /// The year the funnel plot shows.
    pub funnel_period: Period,
    /// The whole's count that year (the plot's centre line), unless
    /// suppressed.
    pub funnel_centre: Cell,
    /// The administrations shown in the plot (suppressed ones are left out).
    pub funnel: Vec<Point>,
    /// The whole per quarter over the years asked for.
    pub trend: Vec<(Period, Cell)>,
}

fn depth_of(p: Place) -> u8 {
    match p {
        Place::All => 0,
        Place::Region(_) => 1,
        Place::Administration(_) => 2,
        Place::Unit(_) => 3,
    }
}

/// The report for `q`, with the rows `visible` lets through (the whole and
/// the regions are aggregates anyone who may see the report sees).
pub fn build(
    conn: &Connection,
    q: Query,
    visible: &dyn Fn(Place, &Tree) -> bool,
) -> rusqlite::Result<Report> {
    let first = NaiveDate::from_ymd_opt(q.from_year, 1, 1).unwrap_or(NaiveDate::MIN);
    let last = NaiveDate::from_ymd_opt(q.to_year, 12, 31).unwrap_or(NaiveDate::MAX);
    let treatments = store::treatments_of_the_dead(conn, q.kind, first, last)?;
    let tree = store::tree(conn)?;
    let names = store::place_names(conn)?;
    let cases = model::cases(&treatments, q.kind, q.window);
    let counts = model::tally(&cases, &tree, true);
    let shown = model::suppress(&counts, &tree);
    Ok(assemble(q, &tree, &names, &counts, &shown, visible))
}

/// The report from suppressed cells (split from [`build`] for tests).
fn assemble(
    q: Query,
    tree: &Tree,
    names: &HashMap<Place, String>,
    counts: &BTreeMap<(Place, Period), Count>,
    shown: &BTreeMap<(Place, Period), Cell>,
    visible: &dyn Fn(Place, &Tree) -> bool,
) -> Report {
    let years: Vec<i32> = (q.from_year..=q.to_year).collect();
    let quarters: Vec<Period> = years
        .iter()
        .flat_map(|y| {
            (1..=4).map(move |n| Period {
                year: *y,
                quarter: Some(n),
            })
        })
        .collect();
    let periods: Vec<Period> = match q.granularity {
        Granularity::Year => years
            .iter()
            .map(|y| Period {
                year: *y,
                quarter: None,
            })
            .collect(),
        Granularity::Quarter => quarters.clone(),
    };
    let cell = |p: Place, period: Period| {
        shown.get(&(p, period)).copied().unwrap_or(Cell::Counts {
            count: Count::default(),
            share_bp: 0,
        })
    };
    let deepest = match q.depth {
        Depth::Region => 1,
        Depth::Administration => 2,
        Depth::Unit => 3,
    };
    // Every place with a count, in tree order: regions by name, then their
    // administrations by name, then units.
    let mut places: Vec<Place> = counts
        .keys()
        .map(|(p, _)| *p)
        .filter(|p| depth_of(*p) <= deepest)
        .collect();
    places.sort();
    places.dedup();
    let name = |p: Place| match p {
        Place::All => String::new(),
        other => names.get(&other).cloned().unwrap_or_default(),
    };
    let path = |p: Place| {
        let mut chain = vec![p];
        let mut at = p;
        while let Some(up) = tree.parent(at) {
            chain.push(up);
            at = up;
        }
        chain.reverse();
        chain
            .into_iter()
            .map(|x| (depth_of(x), name(x).to_lowercase(), x))
            .collect::<Vec<_>>()
    };
    places.sort_by_key(|p| path(*p));
    let rows = places
        .into_iter()
        .filter(|p| depth_of(*p) <= 1 || visible(*p, tree))
        .map(|p| Row {
            place: p,
            name: name(p),
            depth: depth_of(p),
            cells: periods.iter().map(|period| cell(p, *period)).collect(),
        })
        .collect();
    // The funnel plots one year: the last of the span that has points to
    // plot (the current year may hold too few deaths yet), else the last.
    let points_of = |year: i32| -> Vec<Point> {
        let period = Period {
            year,
            quarter: None,
        };
        counts
            .keys()
            .filter(|(p, at)| matches!(p, Place::Administration(_)) && *at == period)
            .filter(|(p, _)| visible(*p, tree))
            .filter_map(|key| match shown.get(key) {
                Some(Cell::Counts { count, share_bp }) => Some(Point {
                    name: name(key.0),
                    patients: count.denominator,
                    share_bp: *share_bp,
                }),
                _ => None,
            })
            .collect()
    };
    let (funnel_year, funnel) = years
        .iter()
        .rev()
        .map(|y| (*y, points_of(*y)))
        .find(|(y, points)| {
            !points.is_empty()
                && matches!(
                    cell(
                        Place::All,
                        Period {
                            year: *y,
                            quarter: None
                        }
                    ),
                    Cell::Counts { .. }
                )
        })
        .unwrap_or_else(|| (q.to_year, Vec::new()));
    let funnel_period = Period {
        year: funnel_year,
        quarter: None,
    };
    Report {
        query: q,
        periods,
        rows,
        funnel_period,
        funnel_centre: cell(Place::All, funnel_period),
        funnel,
        trend: quarters
            .into_iter()
            .map(|p| (p, cell(Place::All, p)))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_keeps_tree_order_and_the_viewers_scope() {
        let tree = Tree {
            region_of: [(1, 10), (2, 10), (3, 20)].into_iter().collect(),
            administration_of: HashMap::new(),
        };
        let names: HashMap<Place, String> = [
            (Place::Region(10), "Västra regionen".to_string()),
            (Place::Region(20), "Östra regionen".to_string()),
            (Place::Administration(1), "Norra sjukhuset".to_string()),
            (Place::Administration(2), "Ängelholms sjukhus".to_string()),
            (Place::Administration(3), "Kustsjukhuset".to_string()),
        ]
        .into_iter()
        .collect();
        let y = Period {
            year: 2025,
            quarter: None,
        };
        let c = |d, n| Count {
            denominator: d,
            numerator: n,
        };
        let counts: BTreeMap<_, _> = [
            ((Place::All, y), c(60, 18)),
            ((Place::Region(10), y), c(40, 12)),
            ((Place::Region(20), y), c(20, 6)),
            ((Place::Administration(1), y), c(20, 6)),
            ((Place::Administration(2), y), c(20, 6)),
            ((Place::Administration(3), y), c(20, 6)),
        ]
        .into_iter()
        .collect();
        let shown = model::suppress(&counts, &tree);
        let q = Query {
            kind: Kind::Cytotoxic,
            window: Window::DEFAULT,
            granularity: Granularity::Year,
            from_year: 2025,
            to_year: 2025,
            depth: Depth::Administration,
        };
        let everyone = assemble(q, &tree, &names, &counts, &shown, &|_, _| true);
        let order: Vec<&str> = everyone.rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            order,
            [
                "",
                "Västra regionen",
                "Norra sjukhuset",
                "Ängelholms sjukhus",
                "Östra regionen",
                "Kustsjukhuset"
            ]
        );
        assert_eq!(everyone.funnel.len(), 3);
        let mine = assemble(q, &tree, &names, &counts, &shown, &|p, _| {
            p == Place::Administration(3)
        });
        let order: Vec<&str> = mine.rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(
            order,
            ["", "Västra regionen", "Östra regionen", "Kustsjukhuset"]
        );
        assert_eq!(mine.funnel.len(), 1);

        // A span reaching into a year with too few deaths yet: the funnel
        // shows the last year that has points.
        let later = Query { to_year: 2026, ..q };
        let y2026 = Period {
            year: 2026,
            quarter: None,
        };
        let mut counts = counts;
        counts.insert((Place::All, y2026), c(3, 1));
        counts.insert((Place::Region(10), y2026), c(3, 1));
        counts.insert((Place::Administration(1), y2026), c(3, 1));
        let shown = model::suppress(&counts, &tree);
        let report = assemble(later, &tree, &names, &counts, &shown, &|_, _| true);
        assert_eq!(report.funnel_period, y);
        assert_eq!(report.funnel.len(), 3);
    }
}
