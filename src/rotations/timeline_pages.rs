//! The host timeline page: one host unit's placements over a span of
//! months as a Gantt chart, with the daily count against its capacity.

use axum::extract::State;
use maud::{Markup, html};
use serde::Deserialize;

use super::READERS;
use super::placements::{self as pl, Span};
use super::store;
use super::timeline;
use super::views::{placement_bars, sub_nav};
use crate::AppState;
use crate::auth::Ctx;
use crate::msg;
use crate::web::layout::{FieldAttrs, page, select_field, text_field};
use crate::web::{AppError, FieldErrors, Query};

/// Most months the timeline shows.
const MONTHS_MAX: u32 = 60;

/// `?unit=&from=&months=` of the host timeline.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TimelineQuery {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    months: String,
}

/// `GET /rotations/timeline`: one host unit's placements and capacity.
pub async fn timeline_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<TimelineQuery>,
) -> Result<Markup, AppError> {
    let filter = ctx.require(READERS)?.people_filter();
    let lang = ctx.lang;
    let from = match q.from.trim() {
        "" => pl::first_of_month(ctx.today)
            .checked_sub_months(chrono::Months::new(3))
            .unwrap_or(ctx.today),
        s => crate::check::date(s)
            .ok_or_else(|| AppError::bad_request("from", msg!("input.not_a_date")))?,
    };
    let months = match q.months.trim() {
        "" => 15,
        s => s
            .parse::<u32>()
            .ok()
            .filter(|m| (1..=MONTHS_MAX).contains(m))
            .ok_or_else(|| {
                AppError::bad_request("months", msg!("placements.err_months", max = MONTHS_MAX))
            })?,
    };
    let to = from
        .checked_add_months(chrono::Months::new(months))
        .and_then(|d| d.pred_opt())
        .unwrap_or(from);
    let wanted = q.unit.trim().parse::<i64>().ok();
    let (hosts, chosen, list) = state
        .db
        .read(move |conn| -> Result<_, AppError> {
            let hosts: Vec<_> = store::host_units(conn)?
                .into_iter()
                .filter(|(id, ..)| filter.allows(*id))
                .collect();
            let chosen = match wanted {
                Some(w) => Some(
                    hosts
                        .iter()
                        .find(|h| h.0 == w)
                        .cloned()
                        .ok_or(AppError::NotFound)?,
                ),
                // Without a choice, the busiest host of the span: where a
                // study director most likely needs to look.
                None => {
                    let mut live: std::collections::HashMap<i64, usize> = Default::default();
                    for p in store::placements(conn, None, None, Some((from, to)))?
                        .iter()
                        .filter(|p| p.is_live())
                    {
                        *live.entry(p.host_unit_id).or_default() += 1;
                    }
                    hosts
                        .iter()
                        .max_by_key(|h| {
                            (live.get(&h.0).copied().unwrap_or(0), std::cmp::Reverse(h.0))
                        })
                        .cloned()
                }
            };
            let list = match &chosen {
                Some(h) => store::placements(conn, None, Some(h.0), Some((from, to)))?,
                None => Vec::new(),
            };
            Ok((hosts, chosen, list))
        })
        .await?;
    let options: Vec<(String, String)> = hosts
        .iter()
        .map(|(id, code, name, cap)| (id.to_string(), format!("{code} {name} ({cap})")))
        .collect();
    let none = FieldErrors::new(ctx.lang);
    let bars = placement_bars(lang, &list, ctx.today, true);
    let spans: Vec<Span> = list
        .iter()
        .filter(|p| p.is_live())
        .map(|p| (p.id, p.start, p.end))
        .collect();
    Ok(page(
        &ctx,
        lang.t("placements.timeline_title"),
        html! {
            (sub_nav(&ctx))
            form.filters method="get" action="/rotations/timeline" {
                (select_field(lang.t("placements.host"), "unit", &options, &chosen.as_ref().map(|c| c.0.to_string()).unwrap_or_default(), &none))
                (text_field(lang.t("common.from"), "from", &from.to_string(), &none, FieldAttrs::optional().kind("date")))
                (text_field(lang.t("placements.months_label"), "months", &months.to_string(), &none, FieldAttrs::optional().kind("number")))
                button type="submit" { (lang.t("common.filter")) }
            }
            @match &chosen {
                Some((_, code, name, cap)) => {
                    (timeline::gantt(lang, &format!("{code} {name}"), &bars, from, to, Some((*cap, &spans))))
                    p.muted { (lang.t("placements.timeline_help")) }
                }
                None => { p.muted { (lang.t("placements.no_hosts")) } }
            }
        },
    ))
}
