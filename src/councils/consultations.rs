//! Consultation rounds' changes, each on a unit of work with its audit row:
//! opening a round, its documents and who answers them, the answers, the
//! joint answer compiled, sent and shared back, and the reminders before
//! the internal deadline.

use chrono::{Duration, NaiveDate};
use serde_json::json;

use super::actions::{must_edit, must_see};
use super::model::{self, AnswerStatus};
use super::store::{self, NewConsultation, NewDocument};
use crate::auth::model::Principal;
use crate::db::Work;
use crate::i18n::Msg;
use crate::mail::store::{Kind, NewMessage};
use crate::msg;
use crate::web::AppError;

fn round(w: &Work, id: i64) -> Result<store::Consultation, AppError> {
    store::consultation(w, id)?.ok_or(AppError::NotFound)
}

/// Opens a round in council `council_id`: its internal deadline must come
/// before the external one.
pub fn open_round(
    w: &Work,
    user: &Principal,
    council_id: i64,
    k: &NewConsultation,
) -> Result<i64, AppError> {
    must_edit(w, user, council_id)?;
    model::check_deadlines(k.internal_due_on, k.external_due_on)
        .map_err(|key| AppError::unprocessable("internal_due_on", Msg::new(key)))?;
    let id = store::create_consultation(w, council_id, k, w.now())?;
    w.created("consultation.create", "consultation", id, k)?;
    Ok(id)
}

/// Adds a document and who answers it (a region or an administration,
/// and one or several people jointly).
pub fn add_document(
    w: &Work,
    user: &Principal,
    consultation_id: i64,
    d: &NewDocument,
) -> Result<i64, AppError> {
    let k = round(w, consultation_id)?;
    must_edit(w, user, k.council_id)?;
    if k.sent_at.is_some() {
        return Err(AppError::unprocessable(
            "title",
            msg!("councils.error_round_sent"),
        ));
    }
    let id = store::add_document(w, consultation_id, d, w.now())?;
    w.created("consultation.document_add", "consultation_document", id, d)?;
    Ok(id)
}

/// Records a document's answer: by one of the people answering it or the
/// secretary, until the joint answer is sent. An answer submitted after
/// the internal deadline is taken and shows as late.
pub fn answer(
    w: &Work,
    user: &Principal,
    document_id: i64,
    text: &str,
    links: &str,
    status: AnswerStatus,
) -> Result<store::Document, AppError> {
    let d = store::document(w, document_id)?.ok_or(AppError::NotFound)?;
    let k = round(w, d.consultation_id)?;
    let access = must_see(w, user, k.council_id)?;
    let answers = user
        .person_id
        .is_some_and(|p| d.responsible.iter().any(|r| r.person_id == p));
    if !access.edits() && !answers {
        return Err(AppError::Forbidden);
    }
    if k.sent_at.is_some() {
        return Err(AppError::unprocessable(
            "answer",
            msg!("councils.error_round_sent"),
        ));
    }
    if status == AnswerStatus::Submitted && text.trim().is_empty() {
        return Err(AppError::unprocessable("answer", msg!("input.required")));
    }
    store::set_answer(
        w,
        document_id,
        text,
        links,
        status,
        Some(user.account_id),
        w.now(),
    )?;
    w.changed(
        "consultation.answer",
        "consultation_document",
        document_id,
        json!({"status": d.status.as_str(), "answer": d.answer}),
        json!({"status": status.as_str(), "answer": text, "links": links}),
    )?;
    store::document(w, document_id)?.ok_or(AppError::NotFound)
}

/// The secretary's joint answer, edited until it is sent.
pub fn compile(w: &Work, user: &Principal, id: i64, text: &str) -> Result<(), AppError> {
    let k = round(w, id)?;
    must_edit(w, user, k.council_id)?;
    if k.sent_at.is_some() {
        return Err(AppError::unprocessable(
            "compiled_answer",
            msg!("councils.error_round_sent"),
        ));
    }
    store::set_compiled_answer(w, id, text)?;
    w.changed(
        "consultation.compile",
        "consultation",
        id,
        json!({"compiled_answer": k.compiled_answer}),
        json!({"compiled_answer": text}),
    )?;
    Ok(())
}

/// Marks the joint answer sent, to whom (it must have been compiled).
pub fn mark_sent(w: &Work, user: &Principal, id: i64, to: &str) -> Result<(), AppError> {
    let k = round(w, id)?;
    must_edit(w, user, k.council_id)?;
    if k.compiled_answer.trim().is_empty() {
        return Err(AppError::unprocessable(
            "sent_to",
            msg!("councils.error_nothing_compiled"),
        ));
    }
    if k.sent_at.is_some() {
        return Err(AppError::unprocessable(
            "sent_to",
            msg!("councils.error_round_sent"),
        ));
    }
    store::mark_sent(w, id, to, w.now())?;
    w.changed(
        "consultation.send",
        "consultation",
        id,
        json!({"sent": false}),
        json!({"sent_to": to}),
    )?;
    Ok(())
}

/// Shares the sent joint answer back with every participant: the
/// council's current members and the people who answered, each e-mailed
/// once (in their language) and shown it on the round's page. Returns how
/// many were written to.
pub fn share(
    w: &Work,
    user: &Principal,
    id: i64,
    public_url: Option<&str>,
) -> Result<usize, AppError> {
    let k = round(w, id)?;
    must_edit(w, user, k.council_id)?;
    if k.sent_at.is_none() {
        return Err(AppError::unprocessable(
            "share",
            msg!("councils.error_not_sent"),
        ));
    }
    let mut to: Vec<(Option<i64>, Option<i64>, String)> = store::members(w, k.council_id)?
        .into_iter()
        .filter(|m| m.left_at.is_none())
        .map(|m| (m.person_id, m.account_id, m.email))
        .collect();
    for d in store::documents(w, id)? {
        for r in d.responsible {
            to.push((Some(r.person_id), None, r.email));
        }
    }
    to.sort_by_key(|a| a.2.to_lowercase());
    to.dedup_by(|a, b| a.2.eq_ignore_ascii_case(&b.2));
    let link = format!(
        "{}/consultations/{id}",
        public_url.unwrap_or("").trim_end_matches('/')
    );
    let mut written = 0;
    for (person, account, email) in to {
        let lang = crate::mail::store::recipient_lang(w, account, person)?;
        let message = NewMessage {
            kind: Kind::ConsultationShared,
            dedupe_key: format!("consultation_shared:{id}:{}", email.to_lowercase()),
            recipient_person_id: person,
            recipient_account_id: account,
            to_email: email,
            subject: msg!("councils.mail_shared_subject", title = k.title.as_str()).render(lang),
            body: msg!(
                "councils.mail_shared_body",
                title = k.title.as_str(),
                council = k.council_name.as_str(),
                sent_to = k.sent_to.as_str(),
                answer = k.compiled_answer.as_str(),
                link = link.as_str()
            )
            .render(lang),
        };
        if crate::mail::store::queue(w, &message, w.now())? {
            written += 1;
        }
    }
    store::mark_shared(w, id, w.now())?;
    w.changed(
        "consultation.share",
        "consultation",
        id,
        json!({"shared": false}),
        json!({"written": written}),
    )?;
    Ok(written)
}

/// Reminds the people answering a document not yet submitted, within
/// [`model::REMIND_DAYS_BEFORE`] days of the internal deadline: once per
/// person, document and deadline. Returns how many were queued.
pub fn queue_round_reminders(
    w: &Work,
    today: NaiveDate,
    public_url: Option<&str>,
) -> Result<usize, AppError> {
    let mut queued = 0;
    let until = today + Duration::days(model::REMIND_DAYS_BEFORE);
    for (round_id, document_id, person, email) in store::unanswered_between(w, today, until)? {
        let (Some(k), Some(d)) = (
            store::consultation(w, round_id)?,
            store::document(w, document_id)?,
        ) else {
            continue;
        };
        if !model::remind_answer(d.status, k.internal_due_on, today) {
            continue;
        }
        let lang = crate::mail::store::recipient_lang(w, None, Some(person))?;
        let link = format!(
            "{}/consultations/{round_id}",
            public_url.unwrap_or("").trim_end_matches('/')
        );
        let message = NewMessage {
            kind: Kind::ConsultationReminder,
            dedupe_key: format!(
                "consultation_reminder:{document_id}:{person}:{}",
                k.internal_due_on
            ),
            recipient_person_id: Some(person),
            recipient_account_id: None,
            to_email: email,
            subject: msg!("councils.mail_reminder_subject", title = k.title.as_str()).render(lang),
            body: msg!(
                "councils.mail_reminder_body",
                document = d.title.as_str(),
                title = k.title.as_str(),
                day = k.internal_due_on.to_string(),
                link = link.as_str()
            )
            .render(lang),
        };
        if crate::mail::store::queue(w, &message, w.now())? {
            queued += 1;
        }
    }
    Ok(queued)
}
