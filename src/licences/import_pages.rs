//! The completion import's pages: upload with preview, apply, the list of
//! imported files, and undoing one.

use std::sync::Arc;

use crate::auth::Ctx;
use crate::web::Path;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use serde::Deserialize;

use super::actions;
use super::import::{self, Outcome, Plan};
use super::model::{IMPORT_KIND, UndoRefused};
use super::store::import::{self as stored, Batch};
use crate::AppState;
use crate::auth::model::Role;
use crate::clock::local_display;
use crate::i18n::{Lang, Msg};
use crate::msg;
use crate::web::csv::LineError;
use crate::web::layout::{self, csrf_field, page};
use crate::web::{AppError, Form, Query};

/// Who may import completions and see the imported files.
pub const IMPORTERS: &[Role] = &[Role::Admin, Role::Coordinator];

const PER_PAGE: u32 = 50;

/// The completion import and the batch list. Uploads get `upload_limit`
/// instead of the small default body limit, as the other imports do.
pub fn import_router(upload_limit: usize) -> Router<AppState> {
    Router::new()
        .route(
            "/import/completions",
            get(upload_page)
                .post(upload)
                .layer(DefaultBodyLimit::max(upload_limit)),
        )
        .route("/import/batches", get(batches_page))
        .route("/import/batches/{id}/undo", post(undo))
}

// ---- Upload, preview, apply ----

fn upload_form(ctx: &Ctx) -> Markup {
    let lang = ctx.lang;
    html! {
        section.card {
            p.muted { (lang.t("completions_import.help")) }
            form method="post" action="/import/completions" enctype="multipart/form-data" {
                (csrf_field(ctx))
                input type="hidden" name="action" value="preview";
                div.field {
                    label for="file-completions" { (lang.t("import.file")) }
                    input #file-completions type="file" name="file" accept=".csv,text/csv" required;
                }
                button type="submit" { (lang.t("import.preview")) }
            }
        }
        p { a href="/import/batches" { (lang.t("completions_import.batches")) } }
    }
}

/// `GET /import/completions`: the upload form.
pub async fn upload_page(ctx: Ctx) -> Result<Markup, AppError> {
    ctx.require(IMPORTERS)?;
    Ok(page(
        &ctx,
        ctx.t("completions_import.title"),
        upload_form(&ctx),
    ))
}

/// A posted import form: the file (or, from the preview's apply button, its
/// content again), its name, and whether to apply.
struct Upload {
    content: Arc<[u8]>,
    file_name: String,
    apply: bool,
}

async fn read_upload(mut multipart: Multipart) -> Result<Upload, AppError> {
    let mut content: Option<Vec<u8>> = None;
    let mut file_name: Option<String> = None;
    let mut apply = false;
    let bad = |e: axum::extract::multipart::MultipartError| {
        AppError::bad_request("file", msg!("input.unreadable", detail = e.body_text()))
    };
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        match field.name() {
            Some("file") | Some("content") => {
                if let Some(n) = field.file_name().filter(|n| !n.trim().is_empty()) {
                    file_name = Some(n.to_string());
                }
                content = Some(field.bytes().await.map_err(bad)?.to_vec());
            }
            Some("file_name") => {
                let n = field.text().await.map_err(bad)?;
                if !n.trim().is_empty() {
                    file_name = Some(n);
                }
            }
            Some("action") => apply = field.text().await.map_err(bad)? == "apply",
            _ => {}
        }
    }
    let content = content
        .filter(|c| !c.is_empty())
        .ok_or_else(|| AppError::bad_request("file", msg!("completions_import.error_no_file")))?;
    Ok(Upload {
        content: content.into(),
        file_name: file_name.unwrap_or_else(|| "upload.csv".into()),
        apply,
    })
}

/// `POST /import/completions`: `action=preview` checks the file and shows what
/// would be recorded; `action=apply` checks it again and records it.
pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    multipart: Multipart,
) -> Result<Response, AppError> {
    ctx.require(IMPORTERS)?;
    let up = read_upload(multipart).await?;
    let today = ctx.today;
    let bytes = up.content.clone();
    let outcome = if up.apply {
        let name = up.file_name.clone();
        ctx.change(&state.db, move |w| {
            import::run_in(w, &name, &bytes, false, today).map_err(AppError::from)
        })
        .await?
    } else {
        // A preview writes nothing, so it need not hold up the writer.
        state
            .db
            .read(move |conn| {
                Ok::<_, AppError>(match import::plan(conn, &bytes, today)? {
                    Ok(plan) => Outcome::Planned(plan),
                    Err(errors) => Outcome::Rejected(errors),
                })
            })
            .await?
    };
    let title = ctx.t("completions_import.title");
    Ok(match outcome {
        Outcome::Rejected(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            page(&ctx, title, rejected_view(&ctx, &errors)),
        )
            .into_response(),
        Outcome::Planned(plan) => page(
            &ctx,
            title,
            plan_view(&ctx, &plan, &up.content, &up.file_name, up.apply),
        )
        .into_response(),
    })
}

fn rejected_view(ctx: &Ctx, errors: &[LineError]) -> Markup {
    html! {
        div.alert.error role="alert" { p { (ctx.t("import.errors")) } }
        ul.changes { @for e in errors { li { (e.render(ctx.lang)) } } }
        (upload_form(ctx))
    }
}

fn plan_view(ctx: &Ctx, plan: &Plan, content: &[u8], file_name: &str, applied: bool) -> Markup {
    let lang = ctx.lang;
    html! {
        @if applied {
            (layout::notice(lang.t("import.done")))
        }
        dl.facts {
            dt { (lang.t("import.file")) } dd { (file_name) }
            dt { (lang.t("completions_import.rows")) } dd { (plan.rows) }
            dt { (lang.t(if applied { "completions_import.added" } else { "completions_import.to_add" })) }
            dd { (plan.to_add()) }
            dt { (lang.t("completions_import.already_recorded")) } dd { (plan.already_recorded) }
        }
        @if plan.is_empty() {
            p { (lang.t("completions_import.nothing_to_add")) }
        } @else {
            h2 { (lang.t("completions_import.per_licence")) }
            ul { @for c in &plan.per_licence {
                li { (c.code) " " (lang.t(c.part.label_key())) ": " (c.count) }
            } }
            h2 { (lang.t("import.changes")) }
            ul.changes { @for c in &plan.changes { li { (c.render(lang)) } } }
            @if plan.not_listed() > 0 {
                p.muted { "… " (plan.not_listed()) " " (lang.t("completions_import.more_rows")) }
            }
        }
        @if !applied && !plan.is_empty() {
            form method="post" action="/import/completions" enctype="multipart/form-data" {
                (csrf_field(ctx))
                input type="hidden" name="action" value="apply";
                input type="hidden" name="file_name" value=(file_name);
                input type="hidden" name="content" value=(String::from_utf8_lossy(content));
                button type="submit" { (lang.t("import.apply")) }
            }
        }
        p {
            a href="/import/completions" { (lang.t("common.back")) }
            " · "
            a href="/import/batches" { (lang.t("completions_import.batches")) }
        }
    }
}

// ---- Batches and undo ----

/// Query of the batch list.
#[derive(Debug, Default, Deserialize)]
pub struct BatchQuery {
    /// Page, from 1.
    #[serde(default)]
    page: Option<u32>,
    /// A batch just undone, for the notice.
    #[serde(default)]
    undone: Option<i64>,
    /// How many completions that undo revoked.
    #[serde(default)]
    revoked: Option<usize>,
}

/// A message above the batch list.
enum Message {
    Done(Msg),
    Refused(Msg),
}

async fn batch_list(state: &AppState, page_no: u32) -> Result<(Vec<Batch>, i64), AppError> {
    state
        .db
        .read(move |conn| {
            stored::batches(
                conn,
                PER_PAGE,
                crate::web::layout::page_offset(page_no, PER_PAGE),
            )
            .map_err(AppError::from)
        })
        .await
}

fn batches_view(
    ctx: &Ctx,
    batches: &[Batch],
    total: i64,
    page_no: u32,
    message: Option<Message>,
) -> Markup {
    let lang = ctx.lang;
    let admin = ctx.user.as_ref().is_some_and(|u| u.is_admin());
    html! {
        @match &message {
            Some(Message::Done(m)) => (layout::notice(&m.render(lang))),
            Some(Message::Refused(m)) => div.alert.error role="alert" { p { (m.render(lang)) } },
            None => {}
        }
        p { a href="/import/completions" { (lang.t("completions_import.title")) } }
        @if batches.is_empty() {
            p { (lang.t("completions_import.no_batches")) }
        } @else {
            div.table-wrap tabindex="0" { table {
                thead { tr {
                    th { "#" }
                    th { (lang.t("import.file")) }
                    th { (lang.t("completions_import.kind")) }
                    th { (lang.t("completions_import.created")) }
                    th { (lang.t("completions_import.by")) }
                    th { (lang.t("completions_import.rows")) }
                    th { (lang.t("completions_import.added")) }
                    th { (lang.t("common.status")) }
                    @if admin { th { (lang.t("completions_import.undo")) } }
                } }
                tbody { @for b in batches { tr {
                    td { (b.id) }
                    td { (b.file_name) }
                    td {
                        @if b.kind == IMPORT_KIND { (lang.t("completions_import.kind_completions")) } @else { (b.kind) }
                    }
                    td { (local_display(&b.created_at)) }
                    td { (who(lang, b.created_by.as_deref())) }
                    td { (b.rows) }
                    td { (b.added) }
                    td {
                        @if let Some((at, by)) = &b.undone {
                            (layout::badge(lang.t("completions_import.undone"), "muted"))
                            " " (local_display(at)) ", " (who(lang, by.as_deref()))
                        } @else {
                            (layout::badge(lang.t("completions_import.in_effect"), "ok"))
                        }
                    }
                    @if admin {
                        td {
                            @if b.undone.is_none() && b.kind == IMPORT_KIND {
                                (undo_form(ctx, b.id))
                            }
                        }
                    }
                } } }
            } }
            (layout::pager(lang, "/import/batches", page_no, PER_PAGE, total))
        }
    }
}

fn who(lang: Lang, email: Option<&str>) -> String {
    email
        .map(str::to_string)
        .unwrap_or_else(|| lang.t("completions_import.by_cli").to_string())
}

fn undo_form(ctx: &Ctx, id: i64) -> Markup {
    layout::reason_form(
        ctx,
        &format!("/import/batches/{id}/undo"),
        &id.to_string(),
        ctx.t("completions_import.undo_reason"),
        ctx.t("completions_import.undo"),
    )
}

/// `GET /import/batches`: imported files, newest first.
pub async fn batches_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<BatchQuery>,
) -> Result<Markup, AppError> {
    ctx.require(IMPORTERS)?;
    let page_no = q.page.unwrap_or(1).max(1);
    let (batches, total) = batch_list(&state, page_no).await?;
    let message = q.undone.map(|id| {
        Message::Done(msg!(
            "completions_import.undo_done",
            id,
            count = q.revoked.unwrap_or(0)
        ))
    });
    Ok(page(
        &ctx,
        ctx.t("completions_import.batches"),
        batches_view(&ctx, &batches, total, page_no, message),
    ))
}

/// The undo form.
#[derive(Debug, Default, Deserialize)]
pub struct UndoForm {
    /// Why; stored on every revocation.
    #[serde(default)]
    reason: String,
}

/// `POST /import/batches/{id}/undo`: revokes the batch's completions (admins only).
pub async fn undo(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<UndoForm>,
) -> Result<Response, AppError> {
    ctx.require(&[Role::Admin])?;
    let result = ctx
        .change(&state.db, move |w| {
            actions::undo_import(w, id, &form.reason).map_err(AppError::from)
        })
        .await?;
    let refused = match result {
        Ok(revoked) => {
            return Ok(crate::web::see_other(&format!(
                "/import/batches?undone={id}&revoked={revoked}"
            )));
        }
        Err(UndoRefused::NoSuchBatch) => return Err(AppError::NotFound),
        Err(r) => r,
    };
    let status = match refused {
        UndoRefused::Reason(_) => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::CONFLICT,
    };
    let (batches, total) = batch_list(&state, 1).await?;
    Ok((
        status,
        page(
            &ctx,
            ctx.t("completions_import.batches"),
            batches_view(
                &ctx,
                &batches,
                total,
                1,
                Some(Message::Refused(refused.message())),
            ),
        ),
    )
        .into_response())
}
