//! The councils' pages: the list, a council (members, meetings, open
//! actions), its form, members joining and leaving, and the iCalendar feed
//! of its meetings.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::actions;
use super::model::{self, Access, Function};
use super::store::{self, NewMember};
use super::views::{action_badge, due_text, function_label, meeting_badges, when};
use crate::AppState;
use crate::auth::Ctx;
use crate::auth::model::Role;
use crate::msg;
use crate::web::edit::{EditForm, Refused};
use crate::web::layout::{self, FieldAttrs, csrf_field, page, select_field, text_field};
use crate::web::{AppError, FieldErrors, Form, Path, ical, see_other};

/// `GET /councils`: the councils the user sits on (every council for an
/// administrator).
pub async fn list_page(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, AppError> {
    let user = ctx.user()?.clone();
    let may_create = user.is_admin() || user.has(Role::CouncilSecretary);
    let lang = ctx.lang;
    let now = ctx.now;
    let rows = state
        .db
        .read(move |c| -> Result<_, AppError> {
            let scope = (!user.is_admin()).then_some((user.person_id, user.account_id));
            let mut rows = Vec::new();
            for council in store::councils(c, scope)? {
                let next = store::meetings(c, council.id)?
                    .into_iter()
                    .find(|m| m.cancelled_at.is_none() && m.ends_at >= now);
                let open = store::actions(c, store::Actions::Council(council.id))?
                    .iter()
                    .filter(|a| a.status.is_open())
                    .count();
                rows.push((council, next, open));
            }
            Ok(rows)
        })
        .await?;
    Ok(page(
        &ctx,
        lang.t("councils.title"),
        html! {
            @if may_create { p { a.button href="/councils/new" { (lang.t("councils.new")) } } }
            @if rows.is_empty() {
                p.muted { (lang.t("councils.none")) }
            } @else {
                table {
                    thead { tr {
                        th { (lang.t("common.name")) }
                        th { (lang.t("councils.regions")) }
                        th { (lang.t("councils.next_meeting")) }
                        th.num { (lang.t("councils.open_actions")) }
                    } }
                    tbody {
                        @for (c, next, open) in &rows {
                            tr {
                                td { a href=(format!("/councils/{}", c.id)) { (c.name) } }
                                td { (c.regions.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", ")) }
                                td { @if let Some(m) = next { a href=(format!("/meetings/{}", m.id)) { (when(lang, m)) } } @else { "–" } }
                                td.num { (open) }
                            }
                        }
                    }
                }
            }
        },
    ))
}

/// The council form: name, short name and the regions it spans.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CouncilForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    short_name: String,
    #[serde(default)]
    regions: Vec<String>,
}

impl EditForm<AppState> for CouncilForm {
    type Ctx = Ctx;
    type Choices = Vec<(i64, String)>;

    const TITLE_NEW: &'static str = "councils.new";
    const TITLE_EDIT: &'static str = "councils.edit";

    fn action(id: Option<i64>) -> String {
        match id {
            Some(id) => format!("/councils/{id}/edit"),
            None => "/councils/new".into(),
        }
    }

    fn blank() -> Self {
        CouncilForm::default()
    }

    fn may_create(ctx: &Ctx) -> Result<(), AppError> {
        let user = ctx.user()?;
        if user.is_admin() || user.has(Role::CouncilSecretary) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    async fn choices(state: &AppState, ctx: &Ctx) -> Result<Self::Choices, AppError> {
        // Who may make a council is checked in `may_create` and again in
        // `save`; who may edit one in `load`.
        ctx.user()?;
        let regions = state
            .db
            .read(|c| crate::organisation::store::regions(c).map_err(AppError::from))
            .await?;
        Ok(regions.into_iter().map(|r| (r.id, r.name)).collect())
    }

    async fn load(state: &AppState, ctx: &Ctx, id: i64) -> Result<Self, AppError> {
        let user = ctx.user()?.clone();
        let council = state
            .db
            .read(move |c| -> Result<_, AppError> {
                actions::must_edit(c, &user, id)?;
                store::council(c, id)?.ok_or(AppError::NotFound)
            })
            .await?;
        Ok(CouncilForm {
            name: council.name,
            short_name: council.short_name,
            regions: council.regions.iter().map(|r| r.id.to_string()).collect(),
        })
    }

    async fn save(self, state: &AppState, ctx: &Ctx, id: Option<i64>) -> Result<String, Refused> {
        let lang = ctx.lang;
        // Who may not save hears that before anything about the fields.
        let user = ctx.user()?.clone();
        match id {
            None if !user.is_admin() && !user.has(Role::CouncilSecretary) => {
                return Err(Refused::Error(AppError::Forbidden));
            }
            None => {}
            Some(id) => {
                let user = user.clone();
                state
                    .db
                    .read(move |c| actions::must_edit(c, &user, id))
                    .await?;
            }
        }
        let mut errors = FieldErrors::new(lang);
        let name = match crate::check::name(&self.name) {
            Ok(n) => n,
            Err(m) => {
                errors.add("name", m);
                String::new()
            }
        };
        let regions: Vec<i64> = self
            .regions
            .iter()
            .filter_map(|r| r.trim().parse().ok())
            .collect();
        if regions.is_empty() {
            errors.add("regions", msg!("councils.error_regions"));
        }
        if !errors.is_empty() {
            return Err(Refused::Fields(errors));
        }
        let short = self.short_name.trim().to_string();
        let id = ctx
            .change(&state.db, move |w| {
                actions::save_council(w, &user, id, &name, &short, &regions)
            })
            .await
            .map_err(|e| match e {
                AppError::Duplicate { .. } => Refused::Fields(FieldErrors::from_list(
                    lang,
                    [("name", msg!("councils.error_name_taken"))],
                )),
                other => Refused::Error(other),
            })?;
        Ok(format!("/councils/{id}"))
    }

    fn fields(
        &self,
        ctx: &Ctx,
        _: Option<i64>,
        regions: &Self::Choices,
        errors: &FieldErrors,
    ) -> Markup {
        let lang = ctx.lang;
        html! {
            (text_field(lang.t("common.name"), "name", &self.name, errors, FieldAttrs::required()))
            (text_field(lang.t("councils.short_name"), "short_name", &self.short_name, errors, FieldAttrs::optional()))
            fieldset {
                legend { (lang.t("councils.regions")) }
                @if let Some(m) = errors.get("regions") { p.error id="regions-error" { (m) } }
                @for (id, name) in regions {
                    label.check {
                        input type="checkbox" name="regions" value=(id) checked[self.regions.contains(&id.to_string())];
                        " " (name)
                    }
                }
            }
        }
    }
}

/// What the council page shows.
struct CouncilView {
    council: store::Council,
    access: Access,
    members: Vec<store::Member>,
    meetings: Vec<store::Meeting>,
    actions: Vec<(store::Action, model::Due)>,
    represent: Vec<(String, String)>,
    /// The user's live subscription links to the meetings: (id, when made).
    feeds: Vec<(i64, String)>,
}

async fn council_view(state: &AppState, ctx: &Ctx, id: i64) -> Result<CouncilView, AppError> {
    let user = ctx.user()?.clone();
    state
        .db
        .read(move |c| -> Result<_, AppError> {
            let access = actions::must_see(c, &user, id)?;
            let council = store::council(c, id)?.ok_or(AppError::NotFound)?;
            let meetings = store::meetings(c, id)?;
            let slots: Vec<model::Slot> = meetings.iter().map(store::Meeting::slot).collect();
            let actions = store::actions(c, store::Actions::Council(id))?
                .into_iter()
                .filter(|a| a.status.is_open())
                .map(|a| {
                    let due = model::due(a.due_rule, &slots);
                    (a, due)
                })
                .collect();
            let mut represent = vec![(String::new(), "–".to_string())];
            for region in &council.regions {
                represent.push((format!("r{}", region.id), region.name.clone()));
                for a in crate::organisation::store::administrations(c, Some(region.id))? {
                    represent.push((format!("a{}", a.id), format!("{}: {}", region.name, a.name)));
                }
            }
            Ok(CouncilView {
                feeds: store::feeds_of(c, id, user.account_id)?,
                members: store::members(c, id)?,
                council,
                access,
                meetings,
                actions,
                represent,
            })
        })
        .await
}

/// `GET /councils/{id}`.
pub async fn council_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    let view = council_view(&state, &ctx, id).await?;
    Ok(render_council(
        &ctx,
        &view,
        &MemberForm::default(),
        &FieldErrors::new(ctx.lang),
        None,
    ))
}

fn render_council(
    ctx: &Ctx,
    v: &CouncilView,
    form: &MemberForm,
    errors: &FieldErrors,
    new_link: Option<&str>,
) -> Markup {
    let lang = ctx.lang;
    let edits = v.access.edits();
    let now = ctx.now;
    let (past, coming): (Vec<&store::Meeting>, Vec<&store::Meeting>) =
        v.meetings.iter().partition(|m| m.ends_at < now);
    let functions: Vec<(String, String)> = Function::ALL
        .iter()
        .map(|f| (f.as_str().to_string(), function_label(lang, *f).to_string()))
        .collect();
    page(
        ctx,
        &v.council.name,
        html! {
            p.muted {
                (lang.t("councils.regions")) ": "
                (v.council.regions.iter().map(|r| r.name.as_str()).collect::<Vec<_>>().join(", "))
            }
            p {
                a href=(format!("/councils/{}/consultations", v.council.id)) { (lang.t("councils.consultations")) } " · "
                a href=(format!("/councils/{}/nominations", v.council.id)) { (lang.t("councils.nominations")) } " · "
                a href=(format!("/councils/{}/meetings.ics", v.council.id)) { (lang.t("councils.calendar")) }
                @if edits {
                    " · " a href=(format!("/councils/{}/edit", v.council.id)) { (lang.t("common.edit")) }
                    " · " a.button href=(format!("/councils/{}/meetings/new", v.council.id)) { (lang.t("councils.new_meeting")) }
                }
            }
            h2 { (lang.t("councils.coming_meetings")) }
            (meeting_table(lang, &coming))
            h2 { (lang.t("councils.open_actions")) }
            @if v.actions.is_empty() {
                p.muted { (lang.t("councils.no_open_actions")) }
            } @else {
                table {
                    thead { tr {
                        th { (lang.t("councils.action")) } th { (lang.t("councils.responsible")) }
                        th { (lang.t("councils.due")) } th { (lang.t("common.status")) } th { (lang.t("councils.from_meeting")) }
                    } }
                    tbody {
                        @for (a, due) in &v.actions {
                            tr {
                                td { (a.text) }
                                td { (a.responsible) }
                                td { (due_text(lang, *due)) }
                                td { (action_badge(lang, a.status, model::overdue(a.status, *due, ctx.today))) }
                                td { a href=(format!("/meetings/{}", a.meeting_id)) { (crate::courses::model::stockholm_date(a.meeting_starts_at)) } }
                            }
                        }
                    }
                }
            }
            h2 { (lang.t("councils.members")) }
            table {
                thead { tr {
                    th { (lang.t("common.name")) } th { (lang.t("councils.function")) }
                    th { (lang.t("councils.represents")) } @if edits { th { span.visually-hidden { (lang.t("common.actions")) } } }
                } }
                tbody {
                    @for m in v.members.iter().filter(|m| m.left_at.is_none()) {
                        tr {
                            td { (m.name) }
                            td { (function_label(lang, m.function)) }
                            td { (m.administration.as_deref().or(m.region.as_deref()).unwrap_or("–")) }
                            @if edits {
                                td {
                                    form.inline method="post" action=(format!("/council-members/{}/remove", m.id)) {
                                        (csrf_field(ctx))
                                        button.secondary type="submit" { (lang.t("councils.remove_member")) }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            @if edits {
                details open[!errors.is_empty()] {
                    summary { (lang.t("councils.add_member")) }
                    (layout::form_card(ctx, &format!("/councils/{}/members", v.council.id), errors, html! {
                        (text_field(lang.t("councils.member_who"), "who", &form.who, errors, FieldAttrs::required().placeholder("namn@region.example")))
                        p.muted { (lang.t("councils.member_who_hint")) }
                        (select_field(lang.t("councils.function"), "function", &functions, &form.function, errors))
                        (select_field(lang.t("councils.represents"), "represents", &v.represent, &form.represents, errors))
                    }, lang.t("councils.add_member")))
                }
            }
            h2 { (lang.t("councils.past_meetings")) }
            (meeting_table(lang, &past.into_iter().rev().collect::<Vec<_>>()))
            h2 { (lang.t("calendar.title")) }
            p { (lang.t("councils.calendar_explain")) }
            @if let Some(url) = new_link { (ical::new_link_notice(lang, url)) }
            @if !v.feeds.is_empty() {
                ul { @for (feed, made) in &v.feeds { li {
                    (lang.t("councils.calendar_link_made")) " " (crate::clock::local_display(made)) " "
                    form.inline method="post" action=(format!("/council-calendar-feeds/{feed}/revoke")) {
                        (csrf_field(ctx))
                        button.secondary type="submit" { (lang.t("calendar.revoke")) }
                    }
                } } }
            }
            form.inline method="post" action=(format!("/councils/{}/calendar-feeds", v.council.id)) {
                (csrf_field(ctx))
                button type="submit" { (lang.t("councils.calendar_create")) }
            }
        },
    )
}

fn meeting_table(lang: crate::i18n::Lang, meetings: &[&store::Meeting]) -> Markup {
    html! {
        @if meetings.is_empty() {
            p.muted { (lang.t("councils.no_meetings")) }
        } @else {
            ul {
                @for m in meetings {
                    li {
                        a href=(format!("/meetings/{}", m.id)) { (when(lang, m)) }
                        @if !m.place.is_empty() { ", " (m.place) }
                        " " (meeting_badges(lang, m))
                    }
                }
            }
        }
    }
}

/// The form adding a member: an e-mail or HSA-id, a function, and what
/// they represent (`r<id>` a region, `a<id>` an administration).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct MemberForm {
    #[serde(default)]
    who: String,
    #[serde(default)]
    function: String,
    #[serde(default)]
    represents: String,
}

/// `POST /councils/{id}/members`.
pub async fn add_member(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<MemberForm>,
) -> Result<Response, AppError> {
    let user = ctx.user()?.clone();
    let lang = ctx.lang;
    let mut errors = FieldErrors::new(lang);
    let function = Function::parse(&form.function);
    if function.is_none() {
        errors.add("function", msg!("councils.error_function"));
    }
    let who = form.who.trim().to_string();
    let found = state
        .db
        .read(move |c| -> Result<_, AppError> {
            let person = match crate::organisation::model::normalise_hsa_id(&who) {
                Ok(hsa) => crate::organisation::store::person_by_hsa_id(c, &hsa)?,
                Err(_) => crate::organisation::store::person_by_email(c, &who)?,
            };
            if let Some(p) = person {
                return Ok(Some((Some(p.id), None)));
            }
            let account = crate::auth::store::account_by_email(c, &who)?;
            Ok(account.map(|(a, _)| (None, Some(a.id))))
        })
        .await?;
    if found.is_none() {
        errors.add("who", msg!("councils.error_who"));
    }
    let represents = form.represents.trim();
    let (region_id, administration_id) = match represents.split_at_checked(1) {
        Some(("r", n)) => (n.parse().ok(), None),
        Some(("a", n)) => (None, n.parse().ok()),
        _ => (None, None),
    };
    if let (Some(f), Some((person_id, account_id)), true) = (function, found, errors.is_empty()) {
        let m = NewMember {
            person_id,
            account_id,
            function: f,
            region_id,
            administration_id,
        };
        let added = ctx
            .change(&state.db, move |w| actions::add_member(w, &user, id, &m))
            .await;
        match added {
            Ok(_) => return Ok(see_other(&format!("/councils/{id}"))),
            Err(AppError::Duplicate { .. }) => {
                errors.add("who", msg!("councils.error_already_member"))
            }
            Err(e) => return Err(e),
        }
    }
    let view = council_view(&state, &ctx, id).await?;
    if !view.access.edits() {
        return Err(AppError::Forbidden);
    }
    Ok((
        StatusCode::UNPROCESSABLE_ENTITY,
        render_council(&ctx, &view, &form, &errors, None),
    )
        .into_response())
}

/// `POST /council-members/{id}/remove`: the member leaves the council.
pub async fn remove_member(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let user = ctx.user()?.clone();
    let council = ctx
        .change(&state.db, move |w| actions::remove_member(w, &user, id))
        .await?;
    Ok(see_other(&format!("/councils/{council}")))
}

/// `GET /councils/{id}/meetings.ics`: the council's meetings for a calendar
/// app (members only; cancelled meetings stay, marked cancelled).
pub async fn meetings_ics(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let user = ctx.user()?.clone();
    meetings_calendar(&state, user, id, ctx.lang, ctx.now).await
}

/// `GET /council-calendar/{token}.ics`: a subscription link to a council's
/// meetings, fetched by calendar apps without a session, in the language of
/// the account that made it, and only while that account still sees the
/// council. Unknown and revoked links answer 404.
pub async fn feed_ics(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let token = token.strip_suffix(".ics").unwrap_or(&token).to_string();
    let (council, maker, lang) = state
        .db
        .read(move |c| -> Result<_, AppError> {
            let (council, by) = store::feed_by_token(c, &token)?.ok_or(AppError::NotFound)?;
            let maker = crate::auth::store::principal(c, by)?.ok_or(AppError::NotFound)?;
            let lang = crate::mail::store::recipient_lang(c, Some(by), None)?;
            Ok((council, maker, lang))
        })
        .await?;
    match meetings_calendar(&state, maker, council, lang, state.clock.now()).await {
        Err(AppError::Hidden | AppError::Forbidden) => Err(AppError::NotFound),
        answer => answer,
    }
}

/// The council's meetings as an iCalendar file, for `user` who must see them.
async fn meetings_calendar(
    state: &AppState,
    user: crate::auth::model::Principal,
    id: i64,
    lang: crate::i18n::Lang,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Response, AppError> {
    let (council, meetings) = state
        .db
        .read(move |c| -> Result<_, AppError> {
            actions::must_see(c, &user, id)?;
            Ok((
                store::council(c, id)?.ok_or(AppError::NotFound)?,
                store::meetings(c, id)?,
            ))
        })
        .await?;
    let base = state.config.public_url.clone().unwrap_or_default();
    let events: Vec<ical::Event> = meetings
        .iter()
        .map(|m| ical::Event {
            uid: format!("meeting-{}@oncotrack", m.id),
            summary: council.name.clone(),
            description: [
                m.link.clone(),
                format!("{}/meetings/{}", base.trim_end_matches('/'), m.id),
            ]
            .into_iter()
            .filter(|s| !s.trim().is_empty())
            .collect::<Vec<_>>()
            .join("\n"),
            location: if m.place.is_empty() {
                m.link.clone()
            } else {
                m.place.clone()
            },
            starts_at: m.starts_at,
            ends_at: m.ends_at,
            sequence: m.sequence,
            cancelled: m.cancelled_at.is_some(),
        })
        .collect();
    let prodid = match lang {
        crate::i18n::Lang::Sv => "-//oncotrack//councils//SV",
        crate::i18n::Lang::En => "-//oncotrack//councils//EN",
    };
    Ok(ical::response(
        &format!("council-{id}.ics"),
        ical::calendar(&council.name, prodid, &events, now),
    ))
}

/// `POST /councils/{id}/calendar-feeds`: makes a subscription link to the
/// meetings and shows it once on the council's page.
pub async fn create_feed(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
    uri: axum::http::Uri,
    Path(id): Path<i64>,
) -> Result<Markup, AppError> {
    let user = ctx.user()?.clone();
    let token = ctx
        .change(&state.db, move |w| actions::create_feed(w, &user, id))
        .await?;
    let origin = crate::licences::verify::origin(&state.config, &headers, &uri);
    let url = format!(
        "{}/council-calendar/{token}.ics",
        origin.trim_end_matches('/')
    );
    let view = council_view(&state, &ctx, id).await?;
    Ok(render_council(
        &ctx,
        &view,
        &MemberForm::default(),
        &FieldErrors::new(ctx.lang),
        Some(&url),
    ))
}

/// `POST /council-calendar-feeds/{id}/revoke`: the link stops working
/// (404); back to its council.
pub async fn revoke_feed(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    let account = ctx.user()?.account_id;
    let council = ctx
        .change(&state.db, move |w| -> Result<i64, AppError> {
            let council = store::feed_council(w, id, account)?.ok_or(AppError::NotFound)?;
            crate::courses::actions::revoke_feed(w, account, id)?;
            Ok(council)
        })
        .await?;
    Ok(see_other(&format!("/councils/{council}")))
}

/// The start page's panel: the user's own council actions still to do
/// (overdue ones flagged, each markable as done), and the councils they
/// sit on. Empty for someone on no council.
pub async fn start_panel(state: &AppState, ctx: &Ctx) -> Result<Markup, AppError> {
    let Some(user) = ctx.user.clone() else {
        return Ok(html! {});
    };
    let (councils, mine) = state
        .db
        .read(move |c| -> Result<_, AppError> {
            let councils = store::councils(c, Some((user.person_id, user.account_id)))?;
            let mut mine = Vec::new();
            let mut calendars = store::Calendars::default();
            if let Some(person) = user.person_id {
                for a in store::actions(c, store::Actions::OpenFor(person))? {
                    let due = model::due(a.due_rule, calendars.of(c, a.council_id)?);
                    mine.push((a, due));
                }
            }
            Ok((councils, mine))
        })
        .await?;
    if councils.is_empty() && mine.is_empty() {
        return Ok(html! {});
    }
    let lang = ctx.lang;
    Ok(html! {
        section.card {
            h2 { (lang.t("councils.your_actions")) }
            @if mine.is_empty() { p.muted { (lang.t("councils.no_open_actions")) } }
            ul {
                @for (a, due) in &mine {
                    li id=(format!("my-action-{}", a.id)) {
                        (a.text) " – " a href=(format!("/meetings/{}", a.meeting_id)) { (a.council_name) } ", "
                        (due_text(lang, *due)) " "
                        (action_badge(lang, a.status, model::overdue(a.status, *due, ctx.today)))
                        form.inline method="post" action=(format!("/council-actions/{}/status", a.id)) {
                            (csrf_field(ctx))
                            input type="hidden" name="status" value="done";
                            input type="hidden" name="next" value="/";
                            button.secondary type="submit" { (lang.t("councils.mark_done")) }
                        }
                    }
                }
            }
            p { (lang.t("councils.your_councils")) ": "
                @for (i, c) in councils.iter().enumerate() {
                    @if i > 0 { ", " }
                    a href=(format!("/councils/{}", c.id)) { (c.name) }
                }
            }
        }
    })
}
