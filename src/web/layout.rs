//! The one layout and the small components pages share.

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::form::FieldErrors;
use crate::i18n::Lang;

/// What the layout needs to know about a request: its language, the CSRF
/// token forms carry, where it is (for the language switch to come back
/// to), who is signed in and the links of their menu. The page context of
/// the signed-in part implements it.
pub trait Chrome {
    /// The page's language.
    fn lang(&self) -> Lang;
    /// The token every form carries.
    fn csrf(&self) -> &str;
    /// Path and query of this page.
    fn uri(&self) -> &str;
    /// The signed-in user's name, if anyone is signed in.
    fn signed_in(&self) -> Option<&str>;
    /// The main menu's links.
    fn nav(&self) -> Vec<NavLink>;
}

/// A link of the main menu: where it goes and the catalogue key of its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NavLink {
    /// The target.
    pub href: &'static str,
    /// Catalogue key of the text.
    pub key: &'static str,
}

/// The stylesheet, embedded and served from `/static/style.css`.
pub const STYLESHEET: &str = include_str!("style.css");

fn head(lang: Lang, title: &str, noindex: bool) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            @if noindex { meta name="robots" content="noindex"; }
            title { (title) " · oncotrack" }
            link rel="stylesheet" href="/static/style.css";
            meta name="description" content=(lang.t("app.tagline"));
        }
    }
}

/// The form that switches to the other language and comes back here.
fn lang_switch(ctx: &impl Chrome) -> Markup {
    let lang = ctx.lang();
    let other = match lang {
        Lang::Sv => Lang::En,
        Lang::En => Lang::Sv,
    };
    html! {
        form method="post" action="/lang" {
            (csrf_field(ctx))
            input type="hidden" name="lang" value=(other.code());
            input type="hidden" name="next" value=(ctx.uri());
            button.link type="submit" lang=(other.code()) { (lang.t("lang.switch")) }
        }
    }
}

/// A page for visitors who follow a shared link: no navigation, nothing about
/// who is signed in, and kept out of search engines.
pub fn public_page(ctx: &impl Chrome, title: &str, content: Markup) -> Markup {
    let lang = ctx.lang();
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(lang, title, true))
            body {
                header.top {
                    span.brand { (lang.t("app.name")) }
                    div.tools { (lang_switch(ctx)) }
                }
                main #main {
                    h1 { (title) }
                    (content)
                }
                footer { (lang.t("app.tagline")) }
            }
        }
    }
}

/// A full page with the main menu of the signed-in user.
pub fn page(ctx: &impl Chrome, title: &str, content: Markup) -> Markup {
    let lang = ctx.lang();
    let nav = ctx.nav();
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(lang, title, false))
            body {
                a.skip href="#main" { (lang.t("nav.skip")) }
                header.top {
                    a.brand href="/" { (lang.t("app.name")) }
                    nav aria-label=(lang.t("nav.main")) {
                        ul {
                            @for link in &nav {
                                li { a href=(link.href) { (lang.t(link.key)) } }
                            }
                        }
                    }
                    div.tools {
                        (lang_switch(ctx))
                        @if let Some(name) = ctx.signed_in() {
                            span.who { (name) }
                            form method="post" action="/logout" {
                                (csrf_field(ctx))
                                button.link type="submit" { (lang.t("nav.logout")) }
                            }
                        } @else {
                            a href="/login" { (lang.t("nav.login")) }
                        }
                    }
                }
                main #main {
                    h1 { (title) }
                    (content)
                }
                footer { (lang.t("app.tagline")) }
            }
        }
    }
}

/// A page for errors, which may be shown before anything about the user is known.
pub fn error_page(lang: Lang, status: u16, title: &str, message: &str, request_id: &str) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            (head(lang, title, false))
            body {
                header.top { a.brand href="/" { (lang.t("app.name")) } }
                main #main {
                    h1 { (status) " " (title) }
                    p { (message) }
                    @if !request_id.is_empty() { p.muted { (lang.t("error.request_id")) ": " code { (request_id) } } }
                    p { a href="/" { (lang.t("nav.home")) } }
                }
            }
        }
    }
}

/// The hidden CSRF field every form carries, placed first.
pub fn csrf_field(ctx: &impl Chrome) -> Markup {
    html! { input type="hidden" name="csrf_token" value=(ctx.csrf()); }
}

/// A labelled text input with its error message.
pub fn text_field(
    label: &str,
    name: &str,
    value: &str,
    errors: &FieldErrors,
    attrs: FieldAttrs,
) -> Markup {
    errors.label(name, label);
    let error = errors.get(name);
    let id = format!("f-{name}");
    let err_id = format!("{id}-error");
    html! {
        div.field.invalid[error.is_some()] {
            label for=(id) { (label) @if attrs.required { " " span.req aria-hidden="true" { "*" } } }
            input id=(id) name=(name) type=(attrs.kind) value=(value)
                required[attrs.required] autocomplete=[attrs.autocomplete]
                aria-invalid=[error.as_ref().map(|_| "true")] aria-describedby=[error.as_ref().map(|_| err_id.as_str())]
                placeholder=[attrs.placeholder] maxlength=[attrs.maxlength];
            @if let Some(e) = error { p.error id=(err_id) { (e) } }
        }
    }
}

/// A text area: `rows` high, with an optional hint beside the label.
pub fn textarea(
    label: &str,
    name: &str,
    value: &str,
    hint: Option<&str>,
    rows: u32,
    errors: &FieldErrors,
) -> Markup {
    errors.label(name, label);
    let error = errors.get(name);
    let id = format!("f-{name}");
    let err_id = format!("{id}-error");
    html! {
        div.field.invalid[error.is_some()] {
            label for=(id) { (label) @if let Some(h) = hint { " " span.muted { (h) } } }
            textarea id=(id) name=(name) rows=(rows) maxlength="20000"
                aria-invalid=[error.as_ref().map(|_| "true")] aria-describedby=[error.as_ref().map(|_| err_id.as_str())] { (value) }
            @if let Some(e) = error { p.error id=(err_id) { (e) } }
        }
    }
}

/// Options for `text_field`.
#[derive(Debug, Clone, Copy)]
pub struct FieldAttrs {
    /// `type=`.
    pub kind: &'static str,
    /// Marks the field required.
    pub required: bool,
    /// `autocomplete=`.
    pub autocomplete: Option<&'static str>,
    /// `placeholder=`.
    pub placeholder: Option<&'static str>,
    /// `maxlength=`.
    pub maxlength: Option<u32>,
}

impl FieldAttrs {
    /// A required text field.
    pub const fn required() -> Self {
        FieldAttrs {
            kind: "text",
            required: true,
            autocomplete: None,
            placeholder: None,
            maxlength: Some(200),
        }
    }

    /// An optional text field.
    pub const fn optional() -> Self {
        FieldAttrs {
            required: false,
            ..FieldAttrs::required()
        }
    }

    /// Sets `type=`.
    pub const fn kind(mut self, kind: &'static str) -> Self {
        self.kind = kind;
        self
    }

    /// Sets `autocomplete=`.
    pub const fn autocomplete(mut self, v: &'static str) -> Self {
        self.autocomplete = Some(v);
        self
    }

    /// Sets `placeholder=`.
    pub const fn placeholder(mut self, v: &'static str) -> Self {
        self.placeholder = Some(v);
        self
    }

    /// Sets `maxlength=`.
    pub const fn max_len(mut self, n: u32) -> Self {
        self.maxlength = Some(n);
        self
    }
}

/// A labelled `<select>` from `(value, text)` pairs.
pub fn select_field(
    label: &str,
    name: &str,
    options: &[(String, String)],
    selected: &str,
    errors: &FieldErrors,
) -> Markup {
    errors.label(name, label);
    let error = errors.get(name);
    let id = format!("f-{name}");
    html! {
        div.field.invalid[error.is_some()] {
            label for=(id) { (label) }
            select id=(id) name=(name) aria-invalid=[error.as_ref().map(|_| "true")] {
                @for (value, text) in options {
                    option value=(value) selected[value == selected] { (text) }
                }
            }
            @if let Some(e) = error { p.error { (e) } }
        }
    }
}

/// A labelled checkbox.
pub fn checkbox(label: &str, name: &str, checked: bool) -> Markup {
    let id = format!("f-{name}");
    html! {
        div.field.check {
            input id=(id) type="checkbox" name=(name) value="1" checked[checked];
            label for=(id) { (label) }
        }
    }
}

/// The summary above a form that failed validation: each message under
/// the label of its field (when the field has been rendered), linked to it.
pub fn form_errors(lang: Lang, errors: &FieldErrors) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.alert.error role="alert" {
                p { (lang.t("common.fix_errors")) }
                ul { @for (field, message) in errors.messages() {
                    li {
                        @match errors.label_of(&field) {
                            Some(label) => { a href=(format!("#f-{field}")) { (label) } ": " (message) }
                            None => { (field) ": " (message) }
                        }
                    }
                } }
            }
        }
    }
}

/// The form of a create or edit page: its fields (rendered first, so that
/// the summary can name them by their labels), the summary of what to fix,
/// the CSRF token and the submit button.
pub fn form_card(
    ctx: &impl Chrome,
    action: &str,
    errors: &FieldErrors,
    fields: Markup,
    submit: &str,
) -> Markup {
    html! {
        div.card {
            (form_errors(ctx.lang(), errors))
            form method="post" action=(action) {
                (csrf_field(ctx))
                (fields)
                button type="submit" { (submit) }
            }
        }
    }
}

/// The small form that takes back something recorded (revokes a
/// completion, undoes an import or a completion, ends a link): a required
/// reason, kept with the record, and the button. `id` makes the field's id
/// unique on a page listing several.
pub fn reason_form(ctx: &impl Chrome, action: &str, id: &str, label: &str, button: &str) -> Markup {
    let field = format!("reason-{id}");
    html! {
        form.inline method="post" action=(action) {
            (csrf_field(ctx))
            label for=(field) { (label) }
            " "
            input id=(field) type="text" name="reason" required maxlength=(crate::check::REASON_MAX);
            " "
            button.secondary type="submit" { (button) }
        }
    }
}

/// The step before something that cannot be undone: what will happen, a
/// required reason kept with the record, the button that does it, and the
/// way back. A plain form, so it works without JavaScript.
#[allow(clippy::too_many_arguments)]
pub fn confirm_card(
    ctx: &impl Chrome,
    action: &str,
    hidden: &[(&str, &str)],
    consequence: &str,
    reason: &str,
    errors: &FieldErrors,
    button: &str,
    back: &str,
) -> Markup {
    let lang = ctx.lang();
    errors.label("reason", lang.t("common.reason"));
    html! {
        div.card.confirm {
            div.alert.warn role="status" { (consequence) }
            (form_errors(lang, errors))
            form method="post" action=(action) {
                (csrf_field(ctx))
                @for (name, value) in hidden { input type="hidden" name=(name) value=(value); }
                div.field.invalid[errors.get("reason").is_some()] {
                    label for="f-reason" { (lang.t("common.reason")) }
                    input id="f-reason" type="text" name="reason" value=(reason) required maxlength=(crate::check::REASON_MAX);
                    @if let Some(e) = errors.get("reason") { p.error { (e) } }
                }
                button.danger type="submit" { (button) } " "
                a href=(back) { (lang.t("common.back")) }
            }
        }
    }
}

/// A short notice after a change.
pub fn notice(text: &str) -> Markup {
    html! { div.alert.ok role="status" { (text) } }
}

/// Notices a redirect may ask for with `?msg=KEY`; only these keys are shown.
const NOTICES: &[&str] = &[
    "common.saved",
    "licence.notice_reminded",
    "licence.notice_already_reminded",
    "accounts.password_changed",
    "account.session_ended",
    "account.totp_removed",
    "accounts.sessions_ended",
    "accounts.language_saved",
    "import.done",
    "enrolment.notice_enrolled",
    "enrolment.notice_waitlisted",
    "enrolment.notice_cancelled",
    "enrolment.notice_saved",
    "calendar.notice_revoked",
];

/// The notice text for a `msg` query value, when it names one.
pub fn notice_key(lang: Lang, key: &str) -> Option<&'static str> {
    NOTICES.iter().find(|k| **k == key).map(|k| lang.t(k))
}

/// A date with its weekday in a `<time>` element: `tis 2027-02-16`.
pub fn date_with_weekday(lang: Lang, d: chrono::NaiveDate) -> Markup {
    html! { time datetime=(d) { (lang.date_with_weekday(d)) } }
}

/// A span of days with their weekdays: `tis 2027-02-16 – ons 2027-02-17`.
pub fn date_range(lang: Lang, from: chrono::NaiveDate, to: chrono::NaiveDate) -> Markup {
    html! { (date_with_weekday(lang, from)) " – " (date_with_weekday(lang, to)) }
}

/// A coloured label.
pub fn badge(text: &str, class: &str) -> Markup {
    html! { span class=(format!("badge {class}")) { (text) } }
}

/// Rows to skip for page `page` (from 1); saturates, so an absurd page
/// number gives an empty page instead of an overflow.
pub fn page_offset(page: u32, per_page: u32) -> u32 {
    page.saturating_sub(1).saturating_mul(per_page)
}

/// A `?page=N` parameter on its own, for lists whose other filters are
/// read elsewhere.
#[derive(Debug, Default, serde::Deserialize)]
pub struct PageQuery {
    /// From 1; absent is 1.
    pub page: Option<u32>,
}

/// Previous and next links for a list whose length is not counted: `more`
/// says whether a next page exists. `base` already holds the query.
pub fn next_pager(lang: Lang, base: &str, page: u32, more: bool) -> Markup {
    let sep = if base.contains('?') { '&' } else { '?' };
    html! {
        @if page > 1 || more {
            nav.pager aria-label=(lang.t("common.page")) {
                @if page > 1 { a rel="prev" href=(format!("{base}{sep}page={}", page - 1)) { "← " (lang.t("common.previous")) } }
                span { (lang.t("common.page")) " " (page) }
                @if more { a rel="next" href=(format!("{base}{sep}page={}", page + 1)) { (lang.t("common.next")) " →" } }
            }
        }
    }
}

/// Previous and next links for a paged list. `base` already holds the query.
pub fn pager(lang: Lang, base: &str, page: u32, per_page: u32, total: i64) -> Markup {
    let pages = ((total.max(0) as u64).div_ceil(u64::from(per_page.max(1)))).max(1);
    let sep = if base.contains('?') { '&' } else { '?' };
    html! {
        nav.pager aria-label=(lang.t("common.page")) {
            @if page > 1 { a rel="prev" href=(format!("{base}{sep}page={}", page - 1)) { "← " (lang.t("common.previous")) } }
            span { (lang.t("common.page")) " " (page) " " (lang.t("common.of")) " " (pages) " (" (total) " " (lang.t(if total == 1 { "common.result" } else { "common.results" })) ")" }
            @if u64::from(page) < pages { a rel="next" href=(format!("{base}{sep}page={}", page + 1)) { (lang.t("common.next")) " →" } }
        }
    }
}

/// Previous and next links of a list paged by position in its order (the
/// ids of the first and last row shown, `before=` and `after=`), with how
/// many rows match in all ("more than `counted`" beyond what was counted).
pub fn keyset_pager(
    lang: Lang,
    base: &str,
    ends: Option<(i64, i64)>,
    has_prev: bool,
    has_next: bool,
    total: i64,
    counted: i64,
) -> Markup {
    let sep = if base.contains('?') { '&' } else { '?' };
    html! {
        nav.pager aria-label=(lang.t("common.page")) {
            @if let (true, Some((first, _))) = (has_prev, ends) {
                a href=(base) { "⇤ " (lang.t("common.first_page")) }
                a rel="prev" href=(format!("{base}{sep}before={first}")) { "← " (lang.t("common.previous")) }
            }
            span {
                @if total > counted { (crate::msg!("common.more_than", count = counted).render(lang)) " " }
                @else { (total) " " }
                (lang.t(if total == 1 { "common.result" } else { "common.results" }))
            }
            @if let (true, Some((_, last))) = (has_next, ends) {
                a rel="next" href=(format!("{base}{sep}after={last}")) { (lang.t("common.next")) " →" }
            }
        }
    }
}

/// Raw text that is already safe (numbers formatted by us).
pub fn raw(s: &str) -> PreEscaped<String> {
    PreEscaped(s.to_string())
}

/// A local path for `next=` redirects; anything else becomes `/`, so a link
/// cannot send a user to another site after sign-in. Browsers drop tabs and
/// line breaks from a `Location` and read `\\` as `/`, so `/\t/evil.example`
/// would leave the site: a path with a control character, whitespace or a
/// backslash is refused, as is one starting `//`, and one too long to be a
/// page of ours.
pub fn safe_next(next: &str) -> String {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && next.len() <= 2048
        && !next
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    if local {
        next.to_string()
    } else {
        "/".to_string()
    }
}

/// A QR code of `text` as an SVG document.
pub fn qr_svg(text: &str) -> Result<String, super::AppError> {
    let code = qrcode::QrCode::new(text.as_bytes())
        .map_err(|e| super::AppError::Internal(format!("QR code: {e}")))?;
    Ok(code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(240, 240)
        .build())
}

/// The SVG without its XML declaration, to place inside a page.
pub fn inline_svg(svg: &str) -> &str {
    svg.find("<svg").map_or(svg, |i| &svg[i..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next("/people?q=a"), "/people?q=a");
        assert_eq!(safe_next("//evil.example"), "/");
        assert_eq!(safe_next("https://evil.example"), "/");
        assert_eq!(safe_next("/\\evil.example"), "/");
        for sneaky in [
            "/\t/evil.example/x",
            "/\r/x",
            "/\n/evil.example",
            "/ /evil.example",
            "/\u{a0}/evil.example",
            "/\u{0}",
        ] {
            assert_eq!(safe_next(sneaky), "/", "{sneaky:?}");
        }
        assert_eq!(safe_next(&format!("/{}", "a".repeat(3000))), "/");
    }
}
