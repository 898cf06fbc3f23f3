//! Nominations' pages: the matrix of administrations × requests (with
//! CSV), a request with the people named per administration, and naming
//! or withdrawing a person.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::actions;
use super::model;
use super::nominations::{self, Matrix};
use super::store::{self, NewRequest};
use super::views::paragraphs;
use crate::AppState;
use crate::auth::Ctx;
use crate::i18n::Lang;
use crate::msg;
use crate::web::layout::{self, FieldAttrs, csrf_field, page, select_field, text_field, textarea};
use crate::web::{AppError, FieldErrors, Form, Path, Query, csv, see_other};

/// A matrix cell: the names, "saknas" or nothing asked.
fn cell(lang: Lang, c: &nominations::Cell, asked_for: i64) -> Markup {
    html! {
        @if !c.asked {
            span.muted { "–" }
        } @else if c.done {
            (layout::badge(lang.t("councils.named"), "ok")) " " (c.named.join(", "))
        } @else {
            (layout::badge(&msg!("councils.missing_people", missing = asked_for - i64::try_from(c.named.len()).unwrap_or(0)).render(lang), "missing"))
            @if !c.named.is_empty() { " " (c.named.join(", ")) }
        }
    }
}

/// The new request's form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RequestForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    per_administration: String,
    #[serde(default)]
    due_on: String,
    #[serde(default)]
    administrations: Vec<String>,
}

impl RequestForm {
    fn check(&self, lang: Lang) -> Result<NewRequest, FieldErrors> {
        let mut errors = FieldErrors::new(lang);
        if self.title.trim().is_empty() {
            errors.add("title", msg!("input.required"));
        }
        let per = match self.per_administration.trim() {
            "" => Some(1),
            s => s.parse::<i64>().ok().filter(|n| (1..=20).contains(n)),
        };
        if per.is_none() {
            errors.add(
                "per_administration",
                msg!("councils.error_per_administration"),
            );
        }
        let due = crate::check::date(&self.due_on);
        if due.is_none() {
            errors.add("due_on", msg!("input.not_a_date"));
        }
        match (per, due) {
            (Some(per_administration), Some(due_on)) if errors.is_empty() => Ok(NewRequest {
                title: self.title.trim().to_string(),
                description: self.description.trim().to_string(),
                per_administration,
                due_on,
                administrations: self
                    .administrations
                    .iter()
                    .filter_map(|a| a.trim().parse().ok())
                    .collect(),
            }),
            _ => Err(errors),
        }
    }
}

/// The query of the matrix's CSV.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CsvQuery {
    #[serde(default)]
    sep: Option<String>,
    #[serde(default)]
    lang: Option<String>,
}

async fn matrix_for(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
) -> Result<(model::Access, store::Council, Matrix, Vec<(i64, String)>), AppError> {
    let user = ctx.user()?.clone();
    state
        .db
        .read(move |c| -> Result<_, AppError> {
            let access = actions::must_see(c, &user, id)?;
            let council = store::council(c, id)?.ok_or(AppError::NotFound)?;
            let mut administrations = Vec::new();
            for r in &council.regions {
                for a in crate::organisation::store::administrations(c, Some(r.id))? {
                    administrations.push((a.id, format!("{}: {}", r.name, a.name)));
                }
            }
            Ok((
                access,
                council,
                nominations::matrix(c, id)?,
                administrations,
            ))
        })
        .await
}

/// `GET /councils/{id}/nominations`: administrations × requests.
pub async fn matrix_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    render_matrix(
        &state,
        &ctx,
        id,
        &RequestForm::default(),
        &FieldErrors::new(ctx.lang),
    )
    .await
    .map(|(_, m)| m)
}

async fn render_matrix(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    form: &RequestForm,
    errors: &FieldErrors,
) -> Result<(model::Access, Markup), AppError> {
    let (access, council, m, administrations) = matrix_for(state, ctx, id).await?;
    let lang = ctx.lang;
    let markup = page(
        ctx,
        &format!("{} – {}", lang.t("councils.nominations"), council.name),
        html! {
            p {
                a href=(format!("/councils/{id}")) { "← " (council.name) } " · "
                a href=(format!("/councils/{id}/nominations.csv")) { (lang.t("common.export_csv")) }
            }
            @if m.requests.is_empty() {
                p.muted { (lang.t("councils.no_requests")) }
            } @else {
                div.table-wrap {
                    table.matrix {
                        thead { tr {
                            th { (lang.t("councils.administration")) }
                            @for q in &m.requests {
                                th { a href=(format!("/nomination-requests/{}", q.id)) { (q.title) } br; span.muted { (lang.t("councils.due_on")) " " (q.due_on) } }
                            }
                        } }
                        tbody {
                            @for row in &m.rows {
                                tr {
                                    th scope="row" { (row.administration) br; span.muted { (row.region) } }
                                    @for (c, q) in row.cells.iter().zip(&m.requests) {
                                        td { (cell(lang, c, q.per_administration)) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if access.edits() {
                h2 { (lang.t("councils.new_request")) }
                (layout::form_card(ctx, &format!("/councils/{id}/nominations"), errors, html! {
                    (text_field(lang.t("councils.request_title"), "title", &form.title, errors, FieldAttrs::required()))
                    (textarea(lang.t("councils.description"), "description", &form.description, None, 3, errors))
                    (text_field(lang.t("councils.per_administration"), "per_administration", &form.per_administration, errors, FieldAttrs::optional().kind("number").placeholder("1")))
                    (text_field(lang.t("councils.due_on"), "due_on", &form.due_on, errors, FieldAttrs::required().kind("date")))
                    fieldset {
                        legend { (lang.t("councils.asked_administrations")) }
                        p.muted { (lang.t("councils.asked_administrations_hint")) }
                        @for (aid, name) in &administrations {
                            label.check {
                                input type="checkbox" name="administrations" value=(aid) checked[form.administrations.contains(&aid.to_string())];
                                " " (name)
                            }
                        }
                    }
                }, lang.t("councils.new_request")))
            }
        },
    );
    Ok((access, markup))
}

/// `GET /councils/{id}/nominations.csv`: the matrix, one row per
/// administration, a column per request (names, or "saknas").
pub async fn matrix_csv(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<CsvQuery>,
) -> Result<Response, AppError> {
    let (_, _, m, _) = matrix_for(&state, &ctx, id).await?;
    let lang = csv::export_lang(q.lang.as_deref());
    let mut headers: Vec<String> = vec![
        lang.t("councils.region").to_string(),
        lang.t("councils.administration").to_string(),
    ];
    headers.extend(m.requests.iter().map(|r| r.title.clone()));
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let rows = m.rows.iter().map(|row| {
        let mut out = vec![row.region.clone(), row.administration.clone()];
        for c in &row.cells {
            out.push(if !c.asked {
                String::new()
            } else if c.named.is_empty() {
                lang.t("councils.missing").to_string()
            } else if c.done {
                c.named.join(", ")
            } else {
                format!("{} ({})", c.named.join(", "), lang.t("councils.missing"))
            });
        }
        out
    });
    Ok(csv::response(
        &format!("nominations-{id}.csv"),
        csv::delimiter(q.sep.as_deref()),
        &header_refs,
        rows.collect::<Vec<_>>(),
    ))
}

/// `POST /councils/{id}/nominations`: makes a request.
pub async fn create_request(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<RequestForm>,
) -> Result<Response, AppError> {
    let errors = match form.check(ctx.lang) {
        Ok(q) => {
            let user = ctx.user()?.clone();
            let rid = ctx
                .change(&state.db, move |w| {
                    nominations::create_request(w, &user, id, &q)
                })
                .await?;
            return Ok(see_other(&format!("/nomination-requests/{rid}")));
        }
        Err(e) => e,
    };
    let (access, markup) = render_matrix(&state, &ctx, id, &form, &errors).await?;
    if !access.edits() {
        return Err(AppError::Forbidden);
    }
    Ok((StatusCode::UNPROCESSABLE_ENTITY, markup).into_response())
}

/// The naming form: who (e-mail or HSA-id), for which administration.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct NominateForm {
    #[serde(default)]
    administration_id: String,
    #[serde(default)]
    who: String,
    #[serde(default)]
    note: String,
}

/// `GET /nomination-requests/{id}`.
pub async fn request_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    render_request(
        &state,
        &ctx,
        id,
        &NominateForm::default(),
        &FieldErrors::new(ctx.lang),
    )
    .await
}

async fn render_request(
    state: &AppState,
    ctx: &Ctx,
    id: i64,
    form: &NominateForm,
    errors: &FieldErrors,
) -> Result<Markup, AppError> {
    let user = ctx.user()?.clone();
    let (q, access, targets, nominees) = state
        .db
        .read(move |c| -> Result<_, AppError> {
            let q = store::request(c, id)?.ok_or(AppError::NotFound)?;
            let access = nominations::request_access(c, &user, &q)?;
            Ok((
                q.clone(),
                access,
                store::targets(c, id)?,
                store::nominees(c, id)?,
            ))
        })
        .await?;
    let lang = ctx.lang;
    let choices: Vec<(String, String)> = targets
        .iter()
        .filter(|t| access.names_for.contains(&t.administration_id))
        .map(|t| {
            (
                t.administration_id.to_string(),
                format!("{}: {}", t.region, t.administration),
            )
        })
        .collect();
    Ok(page(
        ctx,
        &q.title,
        html! {
            @if access.council.sees() { p { a href=(format!("/councils/{}/nominations", q.council_id)) { "← " (lang.t("councils.nominations")) } } }
            (paragraphs(&q.description))
            p { (lang.t("councils.due_on")) " " strong { (q.due_on) } " · " (msg!("councils.asked_per_administration", count = q.per_administration).render(lang)) }
            table {
                thead { tr { th { (lang.t("councils.administration")) } th { (lang.t("councils.named_people")) } th { (lang.t("common.status")) } } }
                tbody {
                    @for t in &targets {
                        @let named: Vec<&store::Nominee> = nominees.iter().filter(|n| n.administration_id == t.administration_id).collect();
                        @let may = access.names_for.contains(&t.administration_id);
                        tr {
                            th scope="row" { (t.administration) br; span.muted { (t.region) } }
                            td {
                                @if named.is_empty() { span.muted { "–" } }
                                ul {
                                    @for n in &named {
                                        li {
                                            (n.name) @if !n.note.is_empty() { " (" (n.note) ")" }
                                            @if may {
                                                form.inline method="post" action=(format!("/nominations/{}/withdraw", n.id)) {
                                                    (csrf_field(ctx)) button.secondary type="submit" { (lang.t("councils.withdraw")) }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                            td {
                                @let c = nominations::Cell {
                                    request_id: q.id,
                                    asked: true,
                                    named: named.iter().map(|n| n.name.clone()).collect(),
                                    done: model::nominations_done(named.len(), q.per_administration),
                                };
                                (cell(lang, &c, q.per_administration))
                            }
                        }
                    }
                }
            }
            @if !choices.is_empty() {
                h2 { (lang.t("councils.name_someone")) }
                (layout::form_card(ctx, &format!("/nomination-requests/{id}/nominate"), errors, html! {
                    (select_field(lang.t("councils.administration"), "administration_id", &choices, &form.administration_id, errors))
                    (text_field(lang.t("councils.member_who"), "who", &form.who, errors, FieldAttrs::required()))
                    (text_field(lang.t("councils.nomination_note"), "note", &form.note, errors, FieldAttrs::optional()))
                }, lang.t("councils.name_someone")))
            }
        },
    ))
}

/// `POST /nomination-requests/{id}/nominate`.
pub async fn nominate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<NominateForm>,
) -> Result<Response, AppError> {
    let lang = ctx.lang;
    let mut errors = FieldErrors::new(lang);
    let administration = form.administration_id.trim().parse::<i64>().ok();
    let who = form.who.trim().to_string();
    let user = ctx.user()?.clone();
    let checked_user = user.clone();
    let person = state
        .db
        .read(move |c| -> Result<Option<i64>, AppError> {
            // Who may not name anyone here hears that first.
            let q = store::request(c, id)?.ok_or(AppError::NotFound)?;
            let a = nominations::request_access(c, &checked_user, &q)?;
            if a.names_for.is_empty() {
                return Err(AppError::Forbidden);
            }
            let person = match crate::organisation::model::normalise_hsa_id(&who) {
                Ok(hsa) => crate::organisation::store::person_by_hsa_id(c, &hsa)?,
                Err(_) => crate::organisation::store::person_by_email(c, &who)?,
            };
            Ok(person.map(|p| p.id))
        })
        .await?;
    if administration.is_none() {
        errors.add("administration_id", msg!("input.required"));
    }
    if person.is_none() {
        errors.add("who", msg!("councils.error_person", who = form.who.trim()));
    }
    if let (Some(a), Some(p), true) = (administration, person, errors.is_empty()) {
        let note = form.note.trim().to_string();
        match ctx
            .change(&state.db, move |w| {
                nominations::nominate(w, &user, id, a, p, &note)
            })
            .await
        {
            Ok(_) => return Ok(see_other(&format!("/nomination-requests/{id}"))),
            Err(AppError::Duplicate { .. }) => {
                errors.add("who", msg!("councils.error_already_named"))
            }
            Err(e) => return Err(e),
        }
    }
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        render_request(&state, &ctx, id, &form, &errors).await?,
    )
        .into_response())
}

/// `POST /nominations/{id}/withdraw`.
pub async fn withdraw(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let user = ctx.user()?.clone();
    let request = ctx
        .change(&state.db, move |w| nominations::withdraw(w, &user, id))
        .await?;
    Ok(see_other(&format!("/nomination-requests/{request}")))
}

/// The start page's panel for a manager: the requests still short of
/// people from an administration they lead, each linking to where they name
/// someone, overdue ones flagged. Empty for everyone else.
pub async fn start_panel(state: &AppState, ctx: &Ctx) -> Result<Markup, AppError> {
    let Some(user) = ctx.user.clone() else {
        return Ok(html! {});
    };
    if !user.has(crate::auth::model::Role::Manager) {
        return Ok(html! {});
    }
    let waiting = state
        .db
        .read(move |c| {
            let led = nominations::led_by(c, &user)?;
            store::waiting_for(c, &led).map_err(AppError::from)
        })
        .await?;
    if waiting.is_empty() {
        return Ok(html! {});
    }
    let lang = ctx.lang;
    Ok(html! {
        section.card {
            h2 { (lang.t("councils.waiting_requests")) }
            ul {
                @for w in &waiting {
                    li {
                        a href=(format!("/nomination-requests/{}", w.request_id)) { (w.title) } " – "
                        (w.administration) ": "
                        (layout::badge(&msg!("councils.missing_people", missing = w.asked - w.named).render(lang), "missing"))
                        " " (msg!("councils.due_by", day = w.due_on.to_string()).render(lang))
                        @if w.due_on < ctx.today { " " (layout::badge(lang.t("councils.overdue"), "warn")) }
                    }
                }
            }
        }
    })
}
