//! The organisation and staff imports on the web: the upload forms, the
//! preview of a file's changes and applying them. The files are checked
//! and applied by [`super::import`].

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

use super::import::{self, ImportKind, Outcome};
use crate::AppState;
use crate::auth::Ctx;
use crate::auth::model::Role;
use crate::msg;
use crate::web::AppError;
use crate::web::layout::{self, csrf_field, page};

/// `GET /import`: the two upload forms.
pub async fn import_page(ctx: Ctx) -> Result<Markup, AppError> {
    ctx.require(&[Role::Admin])?;
    Ok(page(
        &ctx,
        ctx.t("import.title"),
        html! {
            (upload_form(&ctx, ImportKind::Units))
            (upload_form(&ctx, ImportKind::Staff))
            section.card {
                h2 { (ctx.t("completions_import.title")) }
                p {
                    a href="/import/completions" { (ctx.t("completions_import.title")) }
                    " · "
                    a href="/import/batches" { (ctx.t("completions_import.batches")) }
                }
            }
        },
    ))
}

/// The upload form of one kind of file. It sends the file as
/// `multipart/form-data` and has no field messages (a bad file is answered
/// line by line), so it is not one of the `form_card` forms.
fn upload_form(ctx: &Ctx, kind: ImportKind) -> Markup {
    let lang = ctx.lang;
    let id = format!("file-{}", kind.as_str());
    html! {
        section.card {
            h2 { (lang.t(kind.title_key())) }
            p.muted { (lang.t(kind.help_key())) }
            form method="post" action=(format!("/import/{}", kind.as_str())) enctype="multipart/form-data" {
                (csrf_field(ctx))
                input type="hidden" name="action" value="preview";
                div.field {
                    label for=(id) { (lang.t("import.file")) }
                    input id=(id) type="file" name="file" accept=".csv,text/csv" required;
                }
                button type="submit" { (lang.t("import.preview")) }
            }
        }
    }
}

/// What an upload sent: the file (or the previewed text sent back by the
/// preview's apply button) and whether to apply it.
struct Upload {
    content: Vec<u8>,
    apply: bool,
}

async fn read_upload(mut multipart: Multipart) -> Result<Upload, AppError> {
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        AppError::bad_request("file", msg!("import.error_upload", detail = e.body_text()))
    };
    let mut content: Option<Vec<u8>> = None;
    let mut apply = false;
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        match field.name() {
            Some("file") | Some("content") => {
                content = Some(field.bytes().await.map_err(unreadable)?.to_vec());
            }
            Some("action") => apply = field.text().await.unwrap_or_default() == "apply",
            _ => {}
        }
    }
    let content = content
        .filter(|c| !c.is_empty())
        .ok_or_else(|| AppError::bad_request("file", msg!("import.error_no_file")))?;
    Ok(Upload { content, apply })
}

async fn run_import(
    state: AppState,
    ctx: Ctx,
    kind: ImportKind,
    multipart: Multipart,
) -> Result<Response, AppError> {
    ctx.require(&[Role::Admin])?;
    let Upload { content, apply } = read_upload(multipart).await?;
    let today = ctx.today;
    let bytes = content.clone();
    let outcome = ctx
        .change(&state.db, move |w| {
            import::run_in(w, kind, &bytes, !apply, today)
        })
        .await
        // The plan was checked; a rule refusing a line now is the file's fault.
        .map_err(|e| match e {
            AppError::Unprocessable { message, .. } => AppError::unprocessable("file", message),
            other => other,
        })?;
    let lang = ctx.lang;
    let body = match &outcome {
        Outcome::Rejected(errors) => html! {
            div.alert.error role="alert" { p { (lang.t("import.errors")) } }
            ul.changes { @for e in errors { li { (e.render(lang)) } } }
            (upload_form(&ctx, kind))
        },
        Outcome::Planned(plan) => html! {
            @if apply { (layout::notice(lang.t("import.done"))) }
            h2 { (lang.t("import.changes")) }
            @if plan.changes.is_empty() { p { (lang.t("import.no_changes")) } } @else {
                ul.changes { @for c in &plan.changes { li { (c.render(lang)) } } }
            }
            p.muted { (plan.unchanged) " " (lang.t("import.unchanged")) }
            @if !apply && !plan.is_empty() {
                form method="post" action=(format!("/import/{}", kind.as_str())) enctype="multipart/form-data" {
                    (csrf_field(&ctx))
                    input type="hidden" name="action" value="apply";
                    input type="hidden" name="content" value=(String::from_utf8_lossy(&content));
                    button type="submit" { (lang.t("import.apply")) }
                }
            }
            p { a href="/import" { (lang.t("common.back")) } }
        },
    };
    let status = if matches!(outcome, Outcome::Rejected(_)) {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, page(&ctx, lang.t(kind.title_key()), body)).into_response())
}

/// `POST /import/units`.
pub async fn import_units(
    State(state): State<AppState>,
    ctx: Ctx,
    multipart: Multipart,
) -> Result<Response, AppError> {
    run_import(state, ctx, ImportKind::Units, multipart).await
}

/// `POST /import/staff`.
pub async fn import_staff(
    State(state): State<AppState>,
    ctx: Ctx,
    multipart: Multipart,
) -> Result<Response, AppError> {
    run_import(state, ctx, ImportKind::Staff, multipart).await
}
