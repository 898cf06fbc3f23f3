//! The start page: who you are, what you can do, and where you work.

use axum::extract::State;
use maud::{Markup, html};

use crate::AppState;
use crate::auth::Ctx;
use crate::auth::model::Role;
use crate::organisation::store;
use crate::web::layout::page;
use crate::web::{AppError, Query};

/// `GET /`.
pub async fn home(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(risk): Query<crate::courses::pages::AtRiskQuery>,
) -> Result<Markup, AppError> {
    let user = ctx.user()?.clone();
    let at_risk = crate::courses::pages::at_risk_panel(&state, &ctx, &risk).await?;
    let licences = crate::licences::licence_pages::start_panel(&state, &ctx).await?;
    let scope = crate::licences::compliance_pages::manager_panel(&state, &ctx).await?;
    let teaching = crate::courses::lecturer_pages::start_panel(&state, &ctx).await?;
    let council_work = crate::councils::council_pages::start_panel(&state, &ctx).await?;
    let nominations = crate::councils::nomination_pages::start_panel(&state, &ctx).await?;
    let person_id = user.person_id;
    let person = match person_id {
        Some(id) => {
            state
                .db
                .read(move |c| store::person(c, id).map_err(AppError::from))
                .await?
        }
        None => None,
    };
    let lang = ctx.lang;
    Ok(page(
        &ctx,
        lang.t("home.title"),
        html! {
            p { (lang.t("home.welcome")) ", " (user.name) "." }
            // A nurse's licences come first: on a phone they are what she
            // opens the page for.
            (scope)
            (licences)
            (teaching)
            (council_work)
            (nominations)
            (at_risk)
            div.grid {
                section.card {
                    h2 { (lang.t("home.your_record")) }
                    @match &person {
                        Some(p) => {
                            dl.facts {
                                dt { (lang.t("people.profession")) } dd { (lang.t(p.profession.label_key())) }
                                dt { (lang.t("people.unit")) } dd { (p.unit_code) " " (p.unit_name) }
                            }
                            p { a href=(format!("/people/{}", p.id)) { (lang.t("people.history")) } }
                        }
                        None => { p.muted { (lang.t("home.no_person")) } }
                    }
                }
                section.card {
                    h2 { (lang.t("home.your_roles")) }
                    ul { @for g in &user.grants { li { (lang.t(g.role.label_key())) } } }
                    ul {
                        @if user.may_list_people() { li { a href="/people" { (lang.t("nav.people")) } } }
                        @if user.has_any(&[Role::Admin, Role::Manager, Role::Coordinator, Role::StudyDirector]) { li { a href="/org" { (lang.t("nav.organisation")) } } }
                        @if user.is_admin() {
                            li { a href="/import" { (lang.t("nav.import")) } }
                            li { a href="/admin/accounts" { (lang.t("nav.accounts")) } }
                            li { a href="/admin/audit" { (lang.t("nav.audit")) } }
                        }
                    }
                }
            }
        },
    ))
}
