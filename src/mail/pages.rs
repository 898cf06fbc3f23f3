//! The signed-in user's own messages, and the administrators' outbox with
//! its filter.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::store::{self, Delivery, Kind, Message, OutboxFilter};
use crate::AppState;
use crate::auth::Ctx;
use crate::auth::model::Role;
use crate::clock::local_display;
use crate::i18n::Lang;
use crate::msg;
use crate::web::layout::{self, FieldAttrs, PageQuery, page, select_field, text_field};
use crate::web::{AppError, FieldErrors, Query};

const PER_PAGE: u32 = 25;

/// Whether and when a message was e-mailed.
fn delivery_badge(lang: Lang, m: &Message) -> Markup {
    let d = Delivery::of(m);
    let class = match d {
        Delivery::Sent => "ok",
        Delivery::Unsent => "muted",
        Delivery::Failed => "warn",
    };
    html! {
        (layout::badge(lang.t(d.label_key()), class))
        @if let Some(at) = &m.sent_at { " " span.muted { (local_display(at)) } }
    }
}

/// `GET /messages`: the messages to the user's person record and account,
/// newest first.
pub async fn my_messages(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<PageQuery>,
) -> Result<Markup, AppError> {
    let user = ctx.user()?;
    let (person_id, account_id) = (user.person_id, user.account_id);
    let page_no = q.page.unwrap_or(1).max(1);
    let (rows, total) = state
        .db
        .read(move |c| {
            store::for_recipient(
                c,
                person_id,
                account_id,
                PER_PAGE,
                crate::web::layout::page_offset(page_no, PER_PAGE),
            )
            .map_err(AppError::from)
        })
        .await?;
    let lang = ctx.lang;
    Ok(page(
        &ctx,
        lang.t("messages.title"),
        html! {
            p.muted { (lang.t("messages.intro")) }
            @if rows.is_empty() {
                p { (lang.t("messages.none")) }
            }
            @for m in &rows {
                article.card {
                    h2 { (m.subject) }
                    p.muted {
                        (local_display(&m.created_at)) " · " (lang.t(m.kind.label_key())) " · "
                        (delivery_badge(lang, m))
                    }
                    pre.code { (m.body) }
                }
            }
            (layout::pager(lang, "/messages", page_no, PER_PAGE, total))
        },
    ))
}

/// The administrators' filter, as the query string carries it.
#[derive(Debug, Deserialize, Default, Clone)]
pub struct OutboxQuery {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    q: String,
    page: Option<u32>,
}

impl OutboxQuery {
    /// The filter, or the fields that hold a value no filter knows.
    fn filter(&self, lang: Lang) -> Result<OutboxFilter, FieldErrors> {
        let mut errors = FieldErrors::new(lang);
        let kind = match self.kind.trim() {
            "" => None,
            s => Kind::parse(s).or_else(|| {
                let allowed = Kind::ALL.map(Kind::as_str).join(", ");
                errors.add("kind", msg!("input.unknown_value", value = s, allowed));
                None
            }),
        };
        let delivery = match self.status.trim() {
            "" => None,
            s => Delivery::parse(s).or_else(|| {
                let allowed = Delivery::ALL.map(Delivery::as_str).join(", ");
                errors.add("status", msg!("input.unknown_value", value = s, allowed));
                None
            }),
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(OutboxFilter {
            kind,
            delivery,
            text: self.q.trim().to_string(),
        })
    }

    fn query_string(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("kind", &self.kind),
            ("status", &self.status),
            ("q", &self.q),
        ] {
            if !v.trim().is_empty() {
                s.append_pair(k, v.trim());
            }
        }
        s.finish()
    }
}

/// One page of the outbox as the administrators' list shows it.
struct Found {
    rows: Vec<Message>,
    page_no: u32,
    total: i64,
    /// Whether an SMTP server is set up.
    smtp: bool,
}

fn outbox_view(ctx: &Ctx, q: &OutboxQuery, errors: &FieldErrors, found: &Found) -> Markup {
    let lang = ctx.lang;
    let mut kinds = vec![(String::new(), lang.t("common.all").to_string())];
    kinds.extend(
        Kind::ALL
            .iter()
            .map(|k| (k.as_str().to_string(), lang.t(k.label_key()).to_string())),
    );
    let mut states = vec![(String::new(), lang.t("common.all").to_string())];
    states.extend(
        Delivery::ALL
            .iter()
            .map(|d| (d.as_str().to_string(), lang.t(d.label_key()).to_string())),
    );
    let qs = q.query_string();
    // The fields first, so that the summary above them names their labels.
    let fields = html! {
        (select_field(lang.t("outbox.kind"), "kind", &kinds, q.kind.trim(), errors))
        (select_field(lang.t("common.status"), "status", &states, q.status.trim(), errors))
        (text_field(lang.t("outbox.search"), "q", &q.q, errors, FieldAttrs::optional()))
    };
    page(
        ctx,
        lang.t("outbox.title"),
        html! {
            p.muted { (lang.t(if found.smtp { "outbox.smtp_on" } else { "outbox.smtp_off" })) }
            (layout::form_errors(lang, errors))
            form.filters method="get" action="/admin/outbox" {
                (fields)
                button type="submit" { (lang.t("common.filter")) }
            }
            div.table-wrap tabindex="0" { table {
                thead { tr {
                    th { (lang.t("outbox.created")) } th { (lang.t("outbox.kind")) } th { (lang.t("outbox.to")) }
                    th { (lang.t("outbox.subject")) } th { (lang.t("common.status")) } th { (lang.t("outbox.attempts")) }
                } }
                tbody { @for m in &found.rows { tr {
                    td { (local_display(&m.created_at)) }
                    td { (lang.t(m.kind.label_key())) }
                    td { (m.to_email) }
                    td {
                        details {
                            summary { (m.subject) }
                            pre.code { (m.body) }
                        }
                    }
                    td {
                        (delivery_badge(lang, m))
                        @if let Some(e) = &m.last_error { br; span.muted { (e) } }
                    }
                    td { (m.attempts) }
                } } }
            } }
            (layout::pager(lang, &format!("/admin/outbox?{qs}"), found.page_no, PER_PAGE, found.total))
        },
    )
}

/// `GET /admin/outbox`: every message, with whether it was e-mailed. A
/// filter value no filter knows answers 400 with the message beside its field.
pub async fn outbox(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OutboxQuery>,
) -> Result<Response, AppError> {
    ctx.require(&[Role::Admin])?;
    let smtp = state.config.mail.is_some();
    let filter = match q.filter(ctx.lang) {
        Ok(filter) => filter,
        Err(errors) => {
            let none = Found {
                rows: Vec::new(),
                page_no: 1,
                total: 0,
                smtp,
            };
            let view = outbox_view(&ctx, &q, &errors, &none);
            return Ok((StatusCode::BAD_REQUEST, view).into_response());
        }
    };
    let page_no = q.page.unwrap_or(1).max(1);
    let (rows, total) = state
        .db
        .read(move |c| {
            store::search(
                c,
                &filter,
                PER_PAGE,
                crate::web::layout::page_offset(page_no, PER_PAGE),
            )
            .map_err(AppError::from)
        })
        .await?;
    let found = Found {
        rows,
        page_no,
        total,
        smtp,
    };
    let errors = FieldErrors::new(ctx.lang);
    Ok(outbox_view(&ctx, &q, &errors, &found).into_response())
}
