//! How an audit row reads: the fields a change touched, each with its value
//! before and after, instead of two blobs of JSON. Pure functions.

use serde_json::Value;

/// One field a change touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// The field, dotted when nested (`unit.code`).
    pub field: String,
    /// Its value before; none when it had none (or the row was new).
    pub before: Option<String>,
    /// Its value after; none when it has none.
    pub after: Option<String>,
}

/// Longest value shown; longer ones are cut with an ellipsis.
const VALUE_MAX: usize = 120;

fn text(v: &Value) -> Option<String> {
    let s = match v {
        Value::Null => return None,
        Value::String(s) => s.clone(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    };
    Some(if s.chars().count() > VALUE_MAX {
        let cut: String = s.chars().take(VALUE_MAX).collect();
        format!("{cut}…")
    } else {
        s
    })
}

/// The leaves of `v` by dotted path, two levels deep (deeper values are
/// shown as JSON), in the order they appear.
fn leaves(v: &Value, prefix: &str, depth: u8, out: &mut Vec<(String, Value)>) {
    match v {
        Value::Object(map) if depth < 2 => {
            for (k, child) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                leaves(child, &path, depth + 1, out);
            }
        }
        other => out.push((prefix.to_string(), other.clone())),
    }
}

/// The fields that differ between `before` and `after` (JSON as stored), in
/// field order. A field of `after` is compared with the same field of
/// `before`, or with `before`'s field of the same name when `after` nests it
/// (`{"unit": {"code": ..}}` against a flat row). Fields only `before` has are
/// context (counts, names of related rows), not changes, and are left out;
/// a new row lists what it was made with, a removal what was there. Text
/// that is not JSON is one change.
pub fn changes(before: Option<&str>, after: Option<&str>) -> Vec<Change> {
    let parse = |s: Option<&str>| -> Option<Value> {
        s.map(|s| serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.to_string())))
    };
    let (b, a) = (parse(before), parse(after));
    let mut old = Vec::new();
    let mut new = Vec::new();
    if let Some(b) = &b {
        leaves(b, "", 0, &mut old);
    }
    if let Some(a) = &a {
        leaves(a, "", 0, &mut new);
    }
    if a.is_none() {
        return old
            .iter()
            .filter_map(|(field, value)| {
                text(value).map(|before| Change {
                    field: field.clone(),
                    before: Some(before),
                    after: None,
                })
            })
            .collect();
    }
    let mut out = Vec::new();
    for (field, value) in &new {
        let leaf = field.rsplit('.').next().unwrap_or(field);
        let was = old
            .iter()
            .find(|(f, _)| f == field)
            .or_else(|| old.iter().find(|(f, _)| f == leaf))
            .map(|(_, v)| v);
        if was != Some(value) {
            let (before, after) = (was.and_then(text), text(value));
            if before.is_some() || after.is_some() {
                out.push(Change {
                    field: field.clone(),
                    before,
                    after,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(field: &str, before: Option<&str>, after: Option<&str>) -> Change {
        Change {
            field: field.into(),
            before: before.map(str::to_string),
            after: after.map(str::to_string),
        }
    }

    #[test]
    fn only_what_changed_is_listed() {
        let got = changes(
            Some(r#"{"status":"open","capacity":20,"place":"Sal 1"}"#),
            Some(r#"{"status":"cancelled","capacity":20,"reason":"För få anmälda"}"#),
        );
        assert_eq!(
            got,
            [
                c("reason", None, Some("För få anmälda")),
                c("status", Some("open"), Some("cancelled")),
            ]
        );
        // A nested after against a flat row, with context fields around.
        let got = changes(
            Some(
                r#"{"code":"ONK1","gives_chemotherapy":true,"staff":12,"region_name":"Testregionen"}"#,
            ),
            Some(r#"{"unit":{"code":"ONK1","gives_chemotherapy":false},"active":true}"#),
        );
        assert_eq!(
            got,
            [
                c("active", None, Some("true")),
                c("unit.gives_chemotherapy", Some("true"), Some("false")),
            ]
        );
        // A removal lists what was there.
        assert_eq!(
            changes(Some(r#"{"code":"K1"}"#), None),
            [c("code", Some("K1"), None)]
        );
    }

    #[test]
    fn a_new_row_lists_what_it_was_made_with_and_nesting_reads_dotted() {
        let got = changes(
            None,
            Some(r#"{"unit":{"code":"ONK1","gives_chemotherapy":true},"active":true,"note":null}"#),
        );
        assert_eq!(
            got,
            [
                c("active", None, Some("true")),
                c("unit.code", None, Some("ONK1")),
                c("unit.gives_chemotherapy", None, Some("true")),
            ]
        );
        // Not JSON: one change, as it is.
        assert_eq!(changes(None, Some("plain")), [c("", None, Some("plain"))]);
        // A long value is cut.
        let long = format!(r#"{{"note":"{}"}}"#, "x".repeat(500));
        let got = changes(None, Some(&long));
        assert!(
            got[0]
                .after
                .as_deref()
                .is_some_and(|v| v.ends_with('…') && v.chars().count() == VALUE_MAX + 1)
        );
    }
}
