//! The analysts' pages: importing an extract (check first, then read in),
//! the imported batches, and the source systems with their column mappings.

use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use serde::Deserialize;

use super::actions::{self, Imported, Refused as ImportRefused, Upload};
use super::import::{Mapping, Span};
use super::model::Kind;
use super::pages::ANALYSTS;
use super::store;
use crate::AppState;
use crate::auth::Ctx;
use crate::clock::local_display;
use crate::i18n::Lang;
use crate::msg;
use crate::web::csv::LineError;
use crate::web::edit::{EditForm, Refused};
use crate::web::layout::{self, FieldAttrs, csrf_field, page, select_field, text_field, textarea};
use crate::web::{AppError, FieldErrors};

/// What the import form was sent.
#[derive(Debug, Default)]
struct ImportForm {
    source_id: String,
    from: String,
    to: String,
    file_name: String,
    content: Vec<u8>,
    apply: bool,
}

async fn read_form(mut multipart: Multipart) -> Result<ImportForm, AppError> {
    let mut form = ImportForm::default();
    let bad = |e: axum::extract::multipart::MultipartError| {
        AppError::bad_request("file", msg!("input.unreadable", detail = e.body_text()))
    };
    while let Some(field) = multipart.next_field().await.map_err(bad)? {
        match field.name().unwrap_or("") {
            "file" => {
                form.file_name = field.file_name().unwrap_or("extract.csv").to_string();
                form.content = field.bytes().await.map_err(bad)?.to_vec();
            }
            // The checked file, sent back by the button under the check.
            "content" => form.content = field.bytes().await.map_err(bad)?.to_vec(),
            "file_name" => form.file_name = field.text().await.map_err(bad)?,
            "source_id" => form.source_id = field.text().await.map_err(bad)?,
            "from" => form.from = field.text().await.map_err(bad)?,
            "to" => form.to = field.text().await.map_err(bad)?,
            "action" => form.apply = field.text().await.map_err(bad)? == "apply",
            _ => {}
        }
    }
    Ok(form)
}

fn import_form(
    ctx: &Ctx,
    sources: &[store::Source],
    form: &ImportForm,
    errors: &FieldErrors,
) -> Markup {
    let lang = ctx.lang;
    let options: Vec<(String, String)> = sources
        .iter()
        .map(|s| (s.id.to_string(), s.name.clone()))
        .collect();
    errors.label("file", lang.t("import.file"));
    let fields = html! {
        (select_field(lang.t("quality.source"), "source_id", &options, &form.source_id, errors))
        (text_field(lang.t("quality.period_from"), "from", &form.from, errors, FieldAttrs::required().kind("date")))
        (text_field(lang.t("quality.period_to"), "to", &form.to, errors, FieldAttrs::required().kind("date")))
        @let file_error = errors.get("file");
        div.field.invalid[file_error.is_some()] {
            label for="f-file" { (lang.t("import.file")) }
            input #f-file type="file" name="file" accept=".csv,text/csv" required;
            @if let Some(e) = file_error { p.error { (e) } }
        }
        p.muted { (lang.t("quality.import_help")) }
    };
    html! {
        div.card {
            (layout::form_errors(lang, errors))
            form method="post" action="/quality/import" enctype="multipart/form-data" {
                (csrf_field(ctx))
                (fields)
                button type="submit" name="action" value="preview" { (lang.t("import.preview")) }
                " "
                button.secondary type="submit" name="action" value="apply" { (lang.t("quality.apply")) }
            }
        }
    }
}

fn batches_view(lang: Lang, batches: &[store::Batch]) -> Markup {
    html! {
        h2 { (lang.t("quality.batches")) }
        @if batches.is_empty() { p.muted { (lang.t("quality.no_batches")) } }
        @else {
            div.table-wrap tabindex="0" { table {
                thead { tr {
                    th { (lang.t("quality.source")) } th { (lang.t("quality.period")) } th { (lang.t("import.file")) }
                    th.num { (lang.t("quality.rows")) } th.num { (lang.t("quality.replaced")) } th { (lang.t("quality.imported")) }
                } }
                tbody { @for b in batches { tr {
                    td { (b.source) } td { (b.from) " – " (b.to) } td { (b.file_name) }
                    td.num { (b.rows) } td.num { (b.replaced) }
                    td { (local_display(&b.imported_at)) " " span.muted { (b.imported_by.as_deref().unwrap_or("")) } }
                } } }
            } }
        }
    }
}

async fn import_page_with(
    state: &AppState,
    ctx: &Ctx,
    form: &ImportForm,
    errors: &FieldErrors,
    outcome: Markup,
) -> Result<Markup, AppError> {
    let (sources, batches) = state
        .db
        .read(|c| Ok::<_, AppError>((store::sources(c)?, store::batches(c, 50)?)))
        .await?;
    let lang = ctx.lang;
    Ok(page(
        ctx,
        lang.t("quality.import_title"),
        html! {
            p { a href="/quality" { (lang.t("quality.title")) } " · " a href="/quality/sources" { (lang.t("quality.sources_title")) } }
            (outcome)
            @if sources.is_empty() {
                p { (lang.t("quality.no_sources")) " " a href="/quality/sources/new" { (lang.t("quality.new_source")) } }
            } @else {
                (import_form(ctx, &sources, form, errors))
            }
            (batches_view(lang, &batches))
        },
    ))
}

/// `GET /quality/import`.
pub async fn import_page(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, AppError> {
    ctx.require(ANALYSTS)?;
    let errors = FieldErrors::new(ctx.lang);
    import_page_with(&state, &ctx, &ImportForm::default(), &errors, html! {}).await
}

/// What a check or an import did; under a check, the button that reads
/// the checked file in without choosing it again.
fn outcome_view(ctx: &Ctx, form: &ImportForm, o: &Imported) -> Markup {
    let lang = ctx.lang;
    let applied = form.apply;
    html! {
        @if applied { (layout::notice(lang.t("import.done"))) }
        @else { div.alert.ok role="status" { p { (lang.t("quality.checked")) } } }
        dl.facts {
            dt { (lang.t("quality.rows")) } dd { (o.rows) }
            dt { (lang.t("quality.patients_in_file")) } dd { (o.patients) }
            dt { (lang.t("quality.deaths_in_file")) } dd { (o.deaths) }
            dt { (lang.t(if applied { "quality.replaced" } else { "quality.would_replace" })) } dd { (o.replaced) }
        }
        @if !applied {
            form.apply-checked method="post" action="/quality/import" enctype="multipart/form-data" {
                (csrf_field(ctx))
                input type="hidden" name="source_id" value=(form.source_id);
                input type="hidden" name="from" value=(form.from);
                input type="hidden" name="to" value=(form.to);
                input type="hidden" name="file_name" value=(form.file_name);
                input type="hidden" name="content" value=(String::from_utf8_lossy(&form.content));
                button type="submit" name="action" value="apply" { (lang.t("quality.apply")) }
            }
        }
    }
}

fn lines_view(lang: Lang, errors: &[LineError]) -> Markup {
    html! {
        div.alert.error role="alert" {
            p { (lang.t("import.errors")) }
            ul.changes { @for e in errors.iter().take(200) { li { (e.render(lang)) } } }
            @if errors.len() > 200 { p { "… " (errors.len() - 200) } }
        }
    }
}

/// `POST /quality/import`: `action=preview` checks the file and says what
/// it would do; `action=apply` checks it and reads it in.
pub async fn import_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    multipart: Multipart,
) -> Result<Response, AppError> {
    ctx.require(ANALYSTS)?;
    let form = read_form(multipart).await?;
    let lang = ctx.lang;
    let mut errors = FieldErrors::new(lang);
    let source_id = form.source_id.trim().parse::<i64>().ok();
    if source_id.is_none() {
        errors.add("source_id", msg!("quality.error_choose_source"));
    }
    let from = crate::check::date(&form.from);
    let to = crate::check::date(&form.to);
    if from.is_none() {
        errors.add("from", msg!("input.not_a_date"));
    }
    if to.is_none() {
        errors.add("to", msg!("input.not_a_date"));
    }
    if form.content.is_empty() {
        errors.add("file", msg!("quality.error_choose_file"));
    }
    let (Some(source_id), Some(from), Some(to), true) = (source_id, from, to, errors.is_empty())
    else {
        let body = import_page_with(&state, &ctx, &form, &errors, html! {}).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response());
    };
    let (bytes, file_name, apply) = (form.content.clone(), form.file_name.clone(), form.apply);
    let (today, secret) = (ctx.today, state.secret.clone());
    let result = ctx
        .change(&state.db, move |w| {
            let upload = Upload {
                source_id,
                span: Span { from, to },
                file_name: &file_name,
                bytes: &bytes,
                dry_run: !apply,
            };
            Ok::<_, AppError>(actions::import(w, &upload, today, &secret))
        })
        .await?;
    match result {
        Ok(outcome) => {
            let body = import_page_with(
                &state,
                &ctx,
                &form,
                &errors,
                outcome_view(&ctx, &form, &outcome),
            )
            .await?;
            Ok(body.into_response())
        }
        Err(ImportRefused::Lines(lines)) => {
            let body =
                import_page_with(&state, &ctx, &form, &errors, lines_view(lang, &lines)).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(ImportRefused::App(AppError::Unprocessable { field, message })) => {
            errors.add(field, message);
            let body = import_page_with(&state, &ctx, &form, &errors, html! {}).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, body).into_response())
        }
        Err(ImportRefused::App(e)) => Err(e),
    }
}

// ---- Sources ----

/// `GET /quality/sources`: the source systems and their mappings.
pub async fn sources_page(State(state): State<AppState>, ctx: Ctx) -> Result<Markup, AppError> {
    ctx.require(ANALYSTS)?;
    let sources = state
        .db
        .read(|c| store::sources(c).map_err(AppError::from))
        .await?;
    let lang = ctx.lang;
    Ok(page(
        &ctx,
        lang.t("quality.sources_title"),
        html! {
            p { a href="/quality/import" { (lang.t("quality.import_title")) } " · " a href="/quality/sources/new" { (lang.t("quality.new_source")) } }
            p.muted { (lang.t("quality.sources_help")) }
            div.table-wrap tabindex="0" { table {
                thead { tr { th { (lang.t("common.name")) } th { (lang.t("quality.columns")) } th.num { (lang.t("quality.batches")) } th { span.visually-hidden { (lang.t("common.edit")) } } } }
                tbody { @for s in &sources { tr {
                    td { (s.name) }
                    td { code { (s.mapping.pseudonym) ", " (s.mapping.administration) ", " (s.mapping.unit) ", " (s.mapping.kind) ", " (s.mapping.treated_on) ", " (s.mapping.died_on) ", " (s.mapping.diagnosis) } }
                    td.num { (s.batches) }
                    td { a href=(format!("/quality/sources/{}/edit", s.id)) { (lang.t("common.edit")) } }
                } } }
            } }
        },
    ))
}

/// A source's form: its name, region, the column names of its export, and
/// value translations one per line (`Cyto iv = cytotoxic`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SourceForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    region_id: String,
    #[serde(default)]
    pseudonym: String,
    #[serde(default)]
    administration: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    treated_on: String,
    #[serde(default)]
    died_on: String,
    #[serde(default)]
    diagnosis: String,
    #[serde(default)]
    kinds: String,
    #[serde(default)]
    administrations: String,
}

/// The column fields of the form, with their label keys.
const COLUMNS: [(&str, &str); 7] = [
    ("pseudonym", "quality.column_pseudonym"),
    ("administration", "quality.column_administration"),
    ("unit", "quality.column_unit"),
    ("kind", "quality.column_kind"),
    ("treated_on", "quality.column_treated_on"),
    ("died_on", "quality.column_died_on"),
    ("diagnosis", "quality.column_diagnosis"),
];

impl SourceForm {
    fn from_source(s: &store::Source) -> SourceForm {
        let lines = |m: Vec<(String, String)>| {
            m.into_iter()
                .map(|(k, v)| format!("{k} = {v}"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        let m = &s.mapping;
        SourceForm {
            name: s.name.clone(),
            region_id: s.region_id.map(|r| r.to_string()).unwrap_or_default(),
            pseudonym: m.pseudonym.clone(),
            administration: m.administration.clone(),
            unit: m.unit.clone(),
            kind: m.kind.clone(),
            treated_on: m.treated_on.clone(),
            died_on: m.died_on.clone(),
            diagnosis: m.diagnosis.clone(),
            kinds: lines(
                m.kinds
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().to_string()))
                    .collect(),
            ),
            administrations: lines(m.administrations.clone().into_iter().collect()),
        }
    }

    fn value(&self, field: &str) -> &str {
        match field {
            "pseudonym" => &self.pseudonym,
            "administration" => &self.administration,
            "unit" => &self.unit,
            "kind" => &self.kind,
            "treated_on" => &self.treated_on,
            "died_on" => &self.died_on,
            _ => &self.diagnosis,
        }
    }

    /// The mapping the form describes, or what to fix.
    fn mapping(&self, lang: Lang) -> Result<(String, Option<i64>, Mapping), FieldErrors> {
        let mut errors = FieldErrors::new(lang);
        let name = crate::check::name(&self.name).unwrap_or_else(|m| {
            errors.add("name", m);
            String::new()
        });
        let region_id = match self.region_id.trim() {
            "" => None,
            r => r.parse::<i64>().ok().or_else(|| {
                errors.add("region_id", msg!("quality.error_choose_region"));
                None
            }),
        };
        let column = |field: &str, errors: &mut FieldErrors| {
            let v = self.value(field).trim().to_lowercase();
            if v.chars().count() > 100 {
                errors.add(field.to_string(), msg!("input.too_long", max = 100));
            }
            v
        };
        let defaults = Mapping::default();
        let mut mapping = Mapping {
            pseudonym: column("pseudonym", &mut errors),
            administration: column("administration", &mut errors),
            unit: column("unit", &mut errors),
            kind: column("kind", &mut errors),
            treated_on: column("treated_on", &mut errors),
            died_on: column("died_on", &mut errors),
            diagnosis: column("diagnosis", &mut errors),
            ..Mapping::default()
        };
        // A required column left empty keeps its usual name.
        for (value, default) in [
            (&mut mapping.pseudonym, &defaults.pseudonym),
            (&mut mapping.administration, &defaults.administration),
            (&mut mapping.kind, &defaults.kind),
            (&mut mapping.treated_on, &defaults.treated_on),
            (&mut mapping.died_on, &defaults.died_on),
        ] {
            if value.is_empty() {
                value.clone_from(default);
            }
        }
        for (n, line) in self
            .kinds
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            match line
                .split_once('=')
                .map(|(k, v)| (k.trim(), Kind::parse(v)))
            {
                Some((k, Some(kind))) if !k.is_empty() => {
                    mapping.kinds.insert(k.to_string(), kind);
                }
                _ => errors.add("kinds", msg!("quality.error_kind_line", line = n + 1)),
            }
        }
        for (n, line) in self
            .administrations
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
        {
            match line.split_once('=').map(|(k, v)| (k.trim(), v.trim())) {
                Some((k, v)) if !k.is_empty() && !v.is_empty() => {
                    mapping.administrations.insert(k.to_string(), v.to_string());
                }
                _ => errors.add(
                    "administrations",
                    msg!("quality.error_alias_line", line = n + 1),
                ),
            }
        }
        if errors.is_empty() {
            Ok((name, region_id, mapping))
        } else {
            Err(errors)
        }
    }
}

impl EditForm<AppState> for SourceForm {
    type Ctx = Ctx;
    type Choices = Vec<(String, String)>;

    const TITLE_NEW: &'static str = "quality.new_source";
    const TITLE_EDIT: &'static str = "quality.edit_source";

    fn action(id: Option<i64>) -> String {
        match id {
            Some(id) => format!("/quality/sources/{id}/edit"),
            None => "/quality/sources/new".into(),
        }
    }

    fn blank() -> Self {
        SourceForm::from_source(&store::Source {
            id: 0,
            name: String::new(),
            region_id: None,
            mapping: Mapping::default(),
            batches: 0,
        })
    }

    async fn choices(state: &AppState, ctx: &Ctx) -> Result<Self::Choices, AppError> {
        ctx.require(ANALYSTS)?;
        let lang = ctx.lang;
        let regions = state
            .db
            .read(|c| crate::organisation::store::regions(c).map_err(AppError::from))
            .await?;
        let mut options = vec![(String::new(), lang.t("quality.any_region").to_string())];
        options.extend(regions.into_iter().map(|r| (r.id.to_string(), r.name)));
        Ok(options)
    }

    async fn load(state: &AppState, _: &Ctx, id: i64) -> Result<Self, AppError> {
        let source = state
            .db
            .read(move |c| store::source(c, id).map_err(AppError::from))
            .await?
            .ok_or(AppError::NotFound)?;
        Ok(SourceForm::from_source(&source))
    }

    async fn save(self, state: &AppState, ctx: &Ctx, id: Option<i64>) -> Result<String, Refused> {
        let (name, region_id, mapping) = self.mapping(ctx.lang)?;
        let lang = ctx.lang;
        ctx.change(&state.db, move |w| {
            actions::save_source(w, id, &name, region_id, &mapping)
        })
        .await
        .map_err(|e| match e {
            AppError::Duplicate { .. } => Refused::Fields(FieldErrors::from_list(
                lang,
                [("name", msg!("quality.error_source_exists"))],
            )),
            other => Refused::Error(other),
        })?;
        Ok("/quality/sources".into())
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
            (select_field(lang.t("quality.region"), "region_id", regions, &self.region_id, errors))
            fieldset {
                legend { (lang.t("quality.columns")) }
                p.muted { (lang.t("quality.columns_help")) }
                @for (field, key) in COLUMNS {
                    (text_field(lang.t(key), field, self.value(field), errors, FieldAttrs::optional()))
                }
            }
            (textarea(lang.t("quality.kinds"), "kinds", &self.kinds, Some(lang.t("quality.kinds_hint")), 4, errors))
            (textarea(lang.t("quality.aliases"), "administrations", &self.administrations, Some(lang.t("quality.aliases_hint")), 4, errors))
        }
    }
}
