//! The create and edit pages every catalogue shares (regions, units,
//! courses, offerings, trainees, licence types...): `GET` shows the form,
//! `POST` checks and saves it, then goes to the saved row's page or shows
//! the form again with the input kept and each field's message. A form
//! type says what differs ([`EditForm`]); [`routes`] serves the four
//! routes for it.

use std::future::Future;

use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use maud::Markup;
use serde::de::DeserializeOwned;

use super::error::AppError;
use super::form::{FieldErrors, Form, Path};
use super::layout::{self, Chrome};
use crate::db::DbError;

/// Why a form was not saved: what to fix in its fields, or an error page.
#[derive(Debug)]
pub enum Refused {
    /// Messages to show beside the fields; the form is shown again.
    Fields(FieldErrors),
    /// Anything else (not found, forbidden, the database).
    Error(AppError),
}

impl From<AppError> for Refused {
    fn from(e: AppError) -> Self {
        Refused::Error(e)
    }
}

impl From<DbError> for Refused {
    fn from(e: DbError) -> Self {
        Refused::Error(AppError::from(e))
    }
}

impl From<rusqlite::Error> for Refused {
    fn from(e: rusqlite::Error) -> Self {
        Refused::Error(AppError::from(e))
    }
}

impl From<FieldErrors> for Refused {
    fn from(e: FieldErrors) -> Self {
        Refused::Fields(e)
    }
}

/// A form that creates a row and edits it. The handlers call
/// [`EditForm::choices`] first, which also checks that the user may use the
/// form at all.
pub trait EditForm<S>: DeserializeOwned + Send + Sync + Sized + 'static
where
    S: Clone + Send + Sync + 'static,
{
    /// The page context: who asks, in which language.
    type Ctx: FromRequestParts<S, Rejection = AppError> + Chrome + Send + Sync + 'static;
    /// What the fields need besides their values (the options of a select).
    type Choices: Send + Sync + 'static;

    /// Catalogue key of the new page's title.
    const TITLE_NEW: &'static str;
    /// Catalogue key of the edit page's title.
    const TITLE_EDIT: &'static str;

    /// Where the form posts: the new page, or row `id`'s edit page.
    fn action(id: Option<i64>) -> String;

    /// The form of a new row.
    fn blank() -> Self;

    /// Checks that the user may make a new row at all, before the new page
    /// is shown (the save checks again). Anyone who may use the form, unless
    /// the form says otherwise.
    fn may_create(_ctx: &Self::Ctx) -> Result<(), AppError> {
        Ok(())
    }

    /// Checks that the user may use the form, and loads its choices.
    fn choices(
        state: &S,
        ctx: &Self::Ctx,
    ) -> impl Future<Output = Result<Self::Choices, AppError>> + Send;

    /// The stored row `id` as a form.
    fn load(
        state: &S,
        ctx: &Self::Ctx,
        id: i64,
    ) -> impl Future<Output = Result<Self, AppError>> + Send;

    /// Checks and saves the form (a new row when `id` is `None`); the page
    /// to go to next.
    fn save(
        self,
        state: &S,
        ctx: &Self::Ctx,
        id: Option<i64>,
    ) -> impl Future<Output = Result<String, Refused>> + Send;

    /// The fields, with their values and messages.
    fn fields(
        &self,
        ctx: &Self::Ctx,
        id: Option<i64>,
        choices: &Self::Choices,
        errors: &FieldErrors,
    ) -> Markup;
}

/// The page of `form`.
fn render<S, F>(
    ctx: &F::Ctx,
    id: Option<i64>,
    form: &F,
    choices: &F::Choices,
    errors: &FieldErrors,
) -> Markup
where
    S: Clone + Send + Sync + 'static,
    F: EditForm<S>,
{
    let lang = ctx.lang();
    let title = lang.t(if id.is_some() {
        F::TITLE_EDIT
    } else {
        F::TITLE_NEW
    });
    let fields = form.fields(ctx, id, choices, errors);
    layout::page(
        ctx,
        title,
        layout::form_card(ctx, &F::action(id), errors, fields, lang.t("common.save")),
    )
}

async fn new_page<S, F>(State(state): State<S>, ctx: F::Ctx) -> Result<Markup, AppError>
where
    S: Clone + Send + Sync + 'static,
    F: EditForm<S>,
{
    F::may_create(&ctx)?;
    let choices = F::choices(&state, &ctx).await?;
    let errors = FieldErrors::new(ctx.lang());
    Ok(render::<S, F>(&ctx, None, &F::blank(), &choices, &errors))
}

async fn edit_page<S, F>(
    State(state): State<S>,
    ctx: F::Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError>
where
    S: Clone + Send + Sync + 'static,
    F: EditForm<S>,
{
    let choices = F::choices(&state, &ctx).await?;
    let form = F::load(&state, &ctx, id).await?;
    let errors = FieldErrors::new(ctx.lang());
    Ok(render::<S, F>(&ctx, Some(id), &form, &choices, &errors))
}

async fn submit<S, F>(state: S, ctx: F::Ctx, id: Option<i64>, form: F) -> Result<Response, AppError>
where
    S: Clone + Send + Sync + 'static,
    F: EditForm<S> + Clone,
{
    let choices = F::choices(&state, &ctx).await?;
    match form.clone().save(&state, &ctx, id).await {
        Ok(next) => Ok(super::see_other(&next)),
        Err(Refused::Fields(errors)) => Ok((
            StatusCode::UNPROCESSABLE_ENTITY,
            render::<S, F>(&ctx, id, &form, &choices, &errors),
        )
            .into_response()),
        Err(Refused::Error(e)) => Err(e),
    }
}

async fn create<S, F>(
    State(state): State<S>,
    ctx: F::Ctx,
    Form(form): Form<F>,
) -> Result<Response, AppError>
where
    S: Clone + Send + Sync + 'static,
    F: EditForm<S> + Clone,
{
    submit(state, ctx, None, form).await
}

async fn update<S, F>(
    State(state): State<S>,
    ctx: F::Ctx,
    Path(id): Path<i64>,
    Form(form): Form<F>,
) -> Result<Response, AppError>
where
    S: Clone + Send + Sync + 'static,
    F: EditForm<S> + Clone,
{
    submit(state, ctx, Some(id), form).await
}

/// `GET`/`POST` on `edit_path` only, for rows made elsewhere (an agenda
/// item is added on its meeting's page).
pub fn edit_routes<S, F>(edit_path: &str) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    F: EditForm<S> + Clone,
{
    Router::new().route(edit_path, get(edit_page::<S, F>).post(update::<S, F>))
}

/// `GET`/`POST` on `new_path` (e.g. `/courses/new`) and on `edit_path`
/// (e.g. `/courses/{id}/edit`, with `{id}` the row) for the form `F`.
pub fn routes<S, F>(new_path: &str, edit_path: &str) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    F: EditForm<S> + Clone,
{
    Router::new()
        .route(new_path, get(new_page::<S, F>).post(create::<S, F>))
        .route(edit_path, get(edit_page::<S, F>).post(update::<S, F>))
}
