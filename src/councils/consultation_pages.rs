//! Consultation rounds' pages: a council's rounds (searchable history) and
//! a round's board (documents × who answers, with status and days left),
//! the answers, and the joint answer compiled, sent and shared back.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use maud::{Markup, html};
use serde::Deserialize;

use super::actions;
use super::consultations;
use super::model::{self, Access, AnswerStatus};
use super::store::{self, NewConsultation, NewDocument};
use super::views::{link_list, paragraphs};
use crate::AppState;
use crate::auth::Ctx;
use crate::i18n::Lang;
use crate::msg;
use crate::web::layout::{self, FieldAttrs, csrf_field, page, select_field, text_field, textarea};
use crate::web::{AppError, FieldErrors, Form, Path, Query, see_other};

/// The search of a council's rounds.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RoundsQuery {
    #[serde(default)]
    q: String,
}

/// The new round's form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RoundForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    sender: String,
    #[serde(default)]
    links: String,
    #[serde(default)]
    internal_due_on: String,
    #[serde(default)]
    external_due_on: String,
}

impl RoundForm {
    fn check(&self, lang: Lang) -> Result<NewConsultation, FieldErrors> {
        let mut errors = FieldErrors::new(lang);
        if self.title.trim().is_empty() {
            errors.add("title", msg!("input.required"));
        }
        let date = |errors: &mut FieldErrors, field: &str, s: &str| {
            let d = crate::check::date(s);
            if d.is_none() {
                errors.add(field.to_string(), msg!("input.not_a_date"));
            }
            d
        };
        let internal = date(&mut errors, "internal_due_on", &self.internal_due_on);
        let external = date(&mut errors, "external_due_on", &self.external_due_on);
        if let (Some(i), Some(e)) = (internal, external)
            && let Err(key) = model::check_deadlines(i, e)
        {
            errors.add("internal_due_on", crate::i18n::Msg::new(key));
        }
        match (internal, external) {
            (Some(internal_due_on), Some(external_due_on)) if errors.is_empty() => {
                Ok(NewConsultation {
                    title: self.title.trim().to_string(),
                    sender: self.sender.trim().to_string(),
                    links: self.links.trim().to_string(),
                    internal_due_on,
                    external_due_on,
                })
            }
            _ => Err(errors),
        }
    }
}

async fn rounds_page_with(
    state: &AppState,
    ctx: &Ctx,
    council_id: i64,
    q: &str,
    form: &RoundForm,
    errors: &FieldErrors,
) -> Result<(Access, Markup), AppError> {
    let user = ctx.user()?.clone();
    let query = q.to_string();
    let (access, council, rounds) = state
        .db
        .read(move |c| -> Result<_, AppError> {
            let access = actions::must_see(c, &user, council_id)?;
            let council = store::council(c, council_id)?.ok_or(AppError::NotFound)?;
            let mut rounds = Vec::new();
            for k in store::consultations(c, council_id, &query)? {
                let docs = store::documents(c, k.id)?;
                rounds.push((k, docs));
            }
            Ok((access, council, rounds))
        })
        .await?;
    let lang = ctx.lang;
    let markup = page(
        ctx,
        &format!("{} – {}", lang.t("councils.consultations"), council.name),
        html! {
            p { a href=(format!("/councils/{council_id}")) { "← " (council.name) } }
            form.filters method="get" action=(format!("/councils/{council_id}/consultations")) role="search" {
                (text_field(lang.t("common.search"), "q", q, &FieldErrors::new(lang), FieldAttrs::optional().kind("search")))
                button type="submit" { (lang.t("common.search")) }
            }
            @if rounds.is_empty() { p.muted { (lang.t("councils.no_consultations")) } }
            table {
                thead { tr {
                    th { (lang.t("councils.consultation")) } th { (lang.t("councils.internal_due")) }
                    th { (lang.t("councils.external_due")) } th.num { (lang.t("councils.submitted_count")) } th { (lang.t("common.status")) }
                } }
                tbody {
                    @for (k, docs) in &rounds {
                        tr {
                            td { a href=(format!("/consultations/{}", k.id)) { (k.title) } @if !k.sender.is_empty() { br; span.muted { (k.sender) } } }
                            td { (k.internal_due_on) }
                            td { (k.external_due_on) }
                            td.num { (docs.iter().filter(|d| d.status == AnswerStatus::Submitted).count()) " / " (docs.len()) }
                            td { (round_badge(lang, k)) }
                        }
                    }
                }
            }
            @if access.edits() {
                h2 { (lang.t("councils.new_consultation")) }
                (layout::form_card(ctx, &format!("/councils/{council_id}/consultations"), errors, html! {
                    (text_field(lang.t("councils.consultation_title"), "title", &form.title, errors, FieldAttrs::required()))
                    (text_field(lang.t("councils.sender"), "sender", &form.sender, errors, FieldAttrs::optional()))
                    (textarea(lang.t("councils.links"), "links", &form.links, Some(lang.t("councils.links_hint")), 2, errors))
                    (text_field(lang.t("councils.internal_due"), "internal_due_on", &form.internal_due_on, errors, FieldAttrs::required().kind("date")))
                    (text_field(lang.t("councils.external_due"), "external_due_on", &form.external_due_on, errors, FieldAttrs::required().kind("date")))
                }, lang.t("councils.new_consultation")))
            }
        },
    );
    Ok((access, markup))
}

fn round_badge(lang: Lang, k: &store::Consultation) -> Markup {
    if k.shared_at.is_some() {
        layout::badge(lang.t("councils.round_shared"), "ok")
    } else if k.sent_at.is_some() {
        layout::badge(lang.t("councils.round_sent"), "ok")
    } else {
        layout::badge(lang.t("councils.round_open"), "warn")
    }
}

/// `GET /councils/{id}/consultations?q=`.
pub async fn rounds_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Query(q): Query<RoundsQuery>,
) -> Result<Markup, AppError> {
    let none = FieldErrors::new(ctx.lang);
    Ok(
        rounds_page_with(&state, &ctx, id, &q.q, &RoundForm::default(), &none)
            .await?
            .1,
    )
}

/// `POST /councils/{id}/consultations`: opens a round.
pub async fn open_round(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<RoundForm>,
) -> Result<Response, AppError> {
    let errors = match form.check(ctx.lang) {
        Ok(k) => {
            let user = ctx.user()?.clone();
            let round = ctx
                .change(&state.db, move |w| {
                    consultations::open_round(w, &user, id, &k)
                })
                .await?;
            return Ok(see_other(&format!("/consultations/{round}")));
        }
        Err(errors) => errors,
    };
    let (access, markup) = rounds_page_with(&state, &ctx, id, "", &form, &errors).await?;
    if !access.edits() {
        return Err(AppError::Forbidden);
    }
    Ok((StatusCode::UNPROCESSABLE_ENTITY, markup).into_response())
}

/// What a round's page shows.
struct RoundView {
    round: store::Consultation,
    access: Access,
    documents: Vec<store::Document>,
    represent: Vec<(String, String)>,
}

async fn round_view(state: &AppState, ctx: &Ctx, id: i64) -> Result<RoundView, AppError> {
    let user = ctx.user()?.clone();
    state
        .db
        .read(move |c| -> Result<_, AppError> {
            let round = store::consultation(c, id)?.ok_or(AppError::NotFound)?;
            let access = actions::must_see(c, &user, round.council_id)?;
            let council = store::council(c, round.council_id)?.ok_or(AppError::NotFound)?;
            let mut represent = vec![(String::new(), "–".to_string())];
            for region in &council.regions {
                represent.push((format!("r{}", region.id), region.name.clone()));
                for a in crate::organisation::store::administrations(c, Some(region.id))? {
                    represent.push((format!("a{}", a.id), format!("{}: {}", region.name, a.name)));
                }
            }
            Ok(RoundView {
                documents: store::documents(c, id)?,
                round,
                access,
                represent,
            })
        })
        .await
}

/// Days left to the internal deadline, or late, as a badge.
fn deadline_badge(lang: Lang, d: &store::Document, due: NaiveDate, today: NaiveDate) -> Markup {
    let submitted = d
        .submitted_at
        .as_deref()
        .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
        .map(|t| crate::clock::stockholm_day(t.to_utc()));
    let late = model::answer_late(d.status, submitted, due, today);
    let left = model::days_left(due, today);
    html! {
        @if late {
            (layout::badge(lang.t("councils.late"), "bad"))
        } @else if d.status != AnswerStatus::Submitted {
            (layout::badge(&msg!("councils.days_left", days = left).render(lang), if left <= model::REMIND_DAYS_BEFORE { "warn" } else { "muted" }))
        }
    }
}

fn answer_badge(lang: Lang, s: AnswerStatus) -> Markup {
    let class = match s {
        AnswerStatus::Submitted => "ok",
        AnswerStatus::Draft => "warn",
        AnswerStatus::NotStarted => "missing",
    };
    layout::badge(lang.t(s.label_key()), class)
}

/// `GET /consultations/{id}`: the round's board.
pub async fn round_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    let v = round_view(&state, &ctx, id).await?;
    Ok(render_round(
        &ctx,
        &v,
        &DocumentForm::default(),
        &FieldErrors::new(ctx.lang),
    ))
}

fn render_round(ctx: &Ctx, v: &RoundView, form: &DocumentForm, errors: &FieldErrors) -> Markup {
    let lang = ctx.lang;
    let k = &v.round;
    let edits = v.access.edits();
    let open = k.sent_at.is_none();
    let me = ctx.user.as_ref().and_then(|u| u.person_id);
    let statuses: Vec<(String, String)> = AnswerStatus::ALL
        .iter()
        .map(|s| (s.as_str().to_string(), lang.t(s.label_key()).to_string()))
        .collect();
    let none = FieldErrors::new(lang);
    let draft: String = if k.compiled_answer.is_empty() {
        v.documents
            .iter()
            .filter(|d| !d.answer.trim().is_empty())
            .map(|d| format!("{}\n{}", d.title, d.answer.trim()))
            .collect::<Vec<_>>()
            .join("\n\n")
    } else {
        k.compiled_answer.clone()
    };
    page(
        ctx,
        &k.title,
        html! {
            p {
                a href=(format!("/councils/{}/consultations", k.council_id)) { "← " (k.council_name) }
                @if !k.sender.is_empty() { " · " (k.sender) }
                " · " (lang.t("councils.internal_due")) " " strong { (k.internal_due_on) }
                " · " (lang.t("councils.external_due")) " " strong { (k.external_due_on) }
                " " (round_badge(lang, k))
            }
            (link_list(&k.links))
            h2 { (lang.t("councils.board")) }
            @if v.documents.is_empty() { p.muted { (lang.t("councils.no_documents")) } }
            table.board {
                thead { tr {
                    th { (lang.t("councils.document")) } th { (lang.t("councils.answered_by")) }
                    th { (lang.t("common.status")) } th { (lang.t("councils.internal_due")) }
                } }
                tbody {
                    @for d in &v.documents {
                        tr {
                            td { a href=(format!("#document-{}", d.id)) { (d.title) } }
                            td {
                                (d.administration.as_deref().or(d.region.as_deref()).unwrap_or("–"))
                                @if !d.responsible.is_empty() { br; span.muted { (d.responsible.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", ")) } }
                            }
                            td { (answer_badge(lang, d.status)) }
                            td { (deadline_badge(lang, d, k.internal_due_on, ctx.today)) }
                        }
                    }
                }
            }
            @for d in &v.documents {
                @let answers = me.is_some_and(|p| d.responsible.iter().any(|r| r.person_id == p));
                section.card id=(format!("document-{}", d.id)) {
                    h3 { (d.title) " " (answer_badge(lang, d.status)) " " (deadline_badge(lang, d, k.internal_due_on, ctx.today)) }
                    @if model::is_web_link(&d.link) { p { a href=(d.link) rel="noopener noreferrer" { (d.link) } } }
                    @if (edits || answers) && open {
                        form method="post" action=(format!("/consultation-documents/{}/answer", d.id)) {
                            (csrf_field(ctx))
                            (textarea(lang.t("councils.answer"), &format!("answer-{}", d.id), &d.answer, None, 6, &none))
                            (textarea(lang.t("councils.links"), &format!("links-{}", d.id), &d.answer_links, Some(lang.t("councils.links_hint")), 2, &none))
                            (select_field(lang.t("common.status"), &format!("status-{}", d.id), &statuses, d.status.as_str(), &none))
                            button type="submit" { (lang.t("councils.save_answer")) }
                        }
                    } @else {
                        (paragraphs(&d.answer))
                        (link_list(&d.answer_links))
                    }
                }
            }
            @if edits && open {
                details open[!errors.is_empty()] {
                    summary { (lang.t("councils.add_document")) }
                    (layout::form_card(ctx, &format!("/consultations/{}/documents", k.id), errors, html! {
                        (text_field(lang.t("councils.document"), "title", &form.title, errors, FieldAttrs::required()))
                        (text_field(lang.t("councils.link"), "link", &form.link, errors, FieldAttrs::optional().kind("url")))
                        (select_field(lang.t("councils.answered_by"), "represents", &v.represent, &form.represents, errors))
                        (textarea(lang.t("councils.answering_people"), "people", &form.people, Some(lang.t("councils.answering_people_hint")), 2, errors))
                    }, lang.t("councils.add_document")))
                }
            }
            h2 { (lang.t("councils.compiled_answer")) }
            @if edits && open {
                (layout::form_card(ctx, &format!("/consultations/{}/compile", k.id), &none, html! {
                    (textarea(lang.t("councils.compiled_answer"), "compiled_answer", &draft, None, 10, &none))
                }, lang.t("common.save")))
                @if !k.compiled_answer.is_empty() {
                    (layout::form_card(ctx, &format!("/consultations/{}/send", k.id), &none, html! {
                        (text_field(lang.t("councils.sent_to"), "sent_to", "", &none, FieldAttrs::required()))
                    }, lang.t("councils.mark_sent")))
                }
            } @else if k.compiled_answer.is_empty() {
                p.muted { (lang.t("councils.not_compiled")) }
            } @else if k.shared_at.is_some() || edits {
                (paragraphs(&k.compiled_answer))
            } @else {
                p.muted { (lang.t("councils.not_shared")) }
            }
            @if let Some(sent) = &k.sent_at {
                p { (lang.t("councils.round_sent")) " " (crate::clock::local_display(sent)) ", " (k.sent_to) }
                @if edits && k.shared_at.is_none() {
                    form method="post" action=(format!("/consultations/{}/share", k.id)) {
                        (csrf_field(ctx))
                        button type="submit" { (lang.t("councils.share")) }
                    }
                }
                @if let Some(shared) = &k.shared_at { p { (lang.t("councils.round_shared")) " " (crate::clock::local_display(shared)) } }
            }
        },
    )
}

/// A new document's form: who answers it (`r<id>` a region, `a<id>` an
/// administration) and the people, by e-mail or HSA-id, one per line.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DocumentForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    link: String,
    #[serde(default)]
    represents: String,
    #[serde(default)]
    people: String,
}

/// `POST /consultations/{id}/documents`.
pub async fn add_document(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<DocumentForm>,
) -> Result<Response, AppError> {
    let v = round_view(&state, &ctx, id).await?;
    if !v.access.edits() {
        return Err(AppError::Forbidden);
    }
    let lang = ctx.lang;
    let mut errors = FieldErrors::new(lang);
    if form.title.trim().is_empty() {
        errors.add("title", msg!("input.required"));
    }
    let link = form.link.trim().to_string();
    if !link.is_empty() && !model::is_web_link(&link) {
        errors.add("link", msg!("councils.error_link"));
    }
    let (region_id, administration_id) = match form.represents.trim().split_at_checked(1) {
        Some(("r", n)) => (n.parse().ok(), None),
        Some(("a", n)) => (None, n.parse().ok()),
        _ => (None, None),
    };
    let names: Vec<String> = form
        .people
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    let found = state
        .db
        .read(move |c| -> Result<Vec<(String, Option<i64>)>, AppError> {
            let mut out = Vec::new();
            for who in names {
                let person = match crate::organisation::model::normalise_hsa_id(&who) {
                    Ok(hsa) => crate::organisation::store::person_by_hsa_id(c, &hsa)?,
                    Err(_) => crate::organisation::store::person_by_email(c, &who)?,
                };
                out.push((who, person.map(|p| p.id)));
            }
            Ok(out)
        })
        .await?;
    for (who, person) in &found {
        if person.is_none() {
            errors.add("people", msg!("councils.error_person", who = who.as_str()));
        }
    }
    if region_id.is_none() && administration_id.is_none() && found.is_empty() {
        errors.add("represents", msg!("councils.error_no_one_answers"));
    }
    if errors.is_empty() {
        let d = NewDocument {
            title: form.title.trim().to_string(),
            link,
            region_id,
            administration_id,
            people: found.iter().filter_map(|(_, p)| *p).collect(),
        };
        let user = ctx.user()?.clone();
        let doc = ctx
            .change(&state.db, move |w| {
                consultations::add_document(w, &user, id, &d)
            })
            .await?;
        return Ok(see_other(&format!("/consultations/{id}#document-{doc}")));
    }
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        render_round(&ctx, &v, &form, &errors),
    )
        .into_response())
}

/// `POST /consultation-documents/{id}/answer`: `answer-<id>`, `links-<id>`
/// and `status-<id>` (the fields are named by document, as a page holds
/// several).
pub async fn answer(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<std::collections::HashMap<String, String>>,
) -> Result<Response, AppError> {
    let field = |name: &str| {
        form.get(&format!("{name}-{id}"))
            .map(|s| s.trim().to_string())
            .unwrap_or_default()
    };
    let (text, links) = (field("answer"), field("links"));
    let status = AnswerStatus::parse(&field("status")).unwrap_or(AnswerStatus::Draft);
    let user = ctx.user()?.clone();
    let d = ctx
        .change(&state.db, move |w| {
            consultations::answer(w, &user, id, &text, &links, status)
        })
        .await?;
    Ok(see_other(&format!(
        "/consultations/{}#document-{id}",
        d.consultation_id
    )))
}

/// The joint answer's form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CompileForm {
    #[serde(default)]
    compiled_answer: String,
}

/// `POST /consultations/{id}/compile`.
pub async fn compile(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<CompileForm>,
) -> Result<Response, AppError> {
    let user = ctx.user()?.clone();
    let text = form.compiled_answer.trim().to_string();
    ctx.change(&state.db, move |w| {
        consultations::compile(w, &user, id, &text)
    })
    .await?;
    Ok(see_other(&format!("/consultations/{id}")))
}

/// The sending's form.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SendForm {
    #[serde(default)]
    sent_to: String,
}

/// `POST /consultations/{id}/send`: the joint answer was sent, to whom.
pub async fn mark_sent(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<SendForm>,
) -> Result<Response, AppError> {
    let user = ctx.user()?.clone();
    let to = form.sent_to.trim().to_string();
    if to.is_empty() {
        state
            .db
            .read(move |c| -> Result<(), AppError> {
                let k = store::consultation(c, id)?.ok_or(AppError::NotFound)?;
                actions::must_edit(c, &user, k.council_id)
            })
            .await?;
        return Err(AppError::unprocessable("sent_to", msg!("input.required")));
    }
    ctx.change(&state.db, move |w| {
        consultations::mark_sent(w, &user, id, &to)
    })
    .await?;
    Ok(see_other(&format!("/consultations/{id}")))
}

/// `POST /consultations/{id}/share`: the sent joint answer to every
/// participant.
pub async fn share(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let user = ctx.user()?.clone();
    let url = state.config.public_url.clone();
    ctx.change(&state.db, move |w| {
        consultations::share(w, &user, id, url.as_deref())
    })
    .await?;
    Ok(see_other(&format!("/consultations/{id}")))
}
