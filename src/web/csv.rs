//! CSV in and out. Imports accept UTF-8 with or without BOM, `,` or `;`, and
//! report problems as `line N: column: message` (`rad N: …` in Swedish).
//! Exports are UTF-8 with BOM and `;` by default so that Swedish Excel opens
//! them, `,` on request. Their headers and labels are Swedish unless the
//! request says `lang=en` ([`export_lang`]), and money is kronor with two
//! decimals in the export's convention ([`kronor`]); the JSON keeps öre.

use std::fmt;

use crate::i18n::{Lang, Msg};
use crate::msg;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

/// One problem in an imported file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    /// 1-based line in the file (the header is line 1).
    pub line: u64,
    /// The column, or `file`/`row` for problems of the whole line.
    pub column: String,
    /// What is wrong.
    pub message: Msg,
}

impl LineError {
    /// A problem on `line` in `column`.
    pub fn new(line: u64, column: impl Into<String>, message: impl Into<Msg>) -> Self {
        LineError {
            line,
            column: column.into(),
            message: message.into(),
        }
    }

    /// `rad N: kolumn: meddelande` in `lang`, as import pages show it.
    pub fn render(&self, lang: Lang) -> String {
        msg!(
            "input.line_error",
            line = self.line,
            column = self.column.as_str(),
            message = self.message.clone()
        )
        .render(lang)
    }
}

/// English, as the command line prints it.
impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Lang::En))
    }
}

/// A parsed file: header names (trimmed, lower case) and data rows.
#[derive(Debug, Clone)]
pub struct Table {
    /// Column names from the header row.
    pub headers: Vec<String>,
    /// Data rows, empty lines skipped.
    pub rows: Vec<Row>,
}

/// One data row.
#[derive(Debug, Clone)]
pub struct Row {
    /// Line in the file.
    pub line: u64,
    fields: Vec<String>,
}

impl Row {
    /// The trimmed value in column `index`, empty when absent.
    pub fn get(&self, index: Option<usize>) -> &str {
        index
            .and_then(|i| self.fields.get(i))
            .map(|s| s.trim())
            .unwrap_or("")
    }
}

impl Table {
    /// The index of a column by name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// Fails with one error per missing required column.
    pub fn require(&self, names: &[&str]) -> Result<(), Vec<LineError>> {
        let missing: Vec<LineError> = names
            .iter()
            .filter(|n| self.column(n).is_none())
            .map(|n| LineError::new(1, *n, msg!("csv.column_missing")))
            .collect();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(missing)
        }
    }
}

/// Reads a CSV file with a header row.
pub fn read(bytes: &[u8]) -> Result<Table, Vec<LineError>> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count() as u64
                + 1;
            return Err(vec![LineError::new(line, "file", msg!("csv.not_utf8"))]);
        }
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // Files saved on Windows end lines with CR LF, old Mac exports with CR
    // alone; the reader's line count is right only for LF.
    let normalised;
    let text = if text.contains('\r') {
        normalised = text.replace("\r\n", "\n").replace('\r', "\n");
        normalised.as_str()
    } else {
        text
    };
    let first_line = text.lines().next().unwrap_or("");
    if first_line.trim().is_empty() {
        return Err(vec![empty_file()]);
    }
    let delimiter = if first_line.matches(';').count() > first_line.matches(',').count() {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    // Line numbers come from byte offsets: the reader's own line count skips
    // blank lines.
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    let line_of = |byte: u64| {
        // A record's start may point at the blank lines the reader skipped.
        let mut b = usize::try_from(byte).unwrap_or(usize::MAX);
        while text.as_bytes().get(b) == Some(&b'\n') {
            b += 1;
        }
        line_starts.partition_point(|s| *s <= b) as u64
    };
    let mut records = reader.records();
    let headers: Vec<String> = match records.next() {
        Some(Ok(h)) => h.iter().map(|s| s.trim().to_lowercase()).collect(),
        Some(Err(e)) => return Err(vec![LineError::new(1, "file", unreadable(&e))]),
        None => return Err(vec![empty_file()]),
    };
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    for record in records {
        match record {
            Ok(r) => {
                let line = r.position().map(|p| line_of(p.byte())).unwrap_or(0);
                if r.iter().all(|f| f.trim().is_empty()) {
                    continue;
                }
                if r.len() != headers.len() {
                    errors.push(LineError::new(
                        line,
                        "row",
                        msg!("csv.field_count", expected = headers.len(), found = r.len()),
                    ));
                    continue;
                }
                rows.push(Row {
                    line,
                    fields: r.iter().map(str::to_string).collect(),
                });
            }
            Err(e) => {
                let line = e.position().map(|p| line_of(p.byte())).unwrap_or(0);
                errors.push(LineError::new(line, "row", unreadable(&e)));
            }
        }
    }
    if errors.is_empty() {
        Ok(Table { headers, rows })
    } else {
        Err(errors)
    }
}

/// The file has no header row.
fn empty_file() -> LineError {
    LineError::new(1, "file", msg!("csv.empty_file"))
}

/// A CSV reader's complaint (its own words, in English).
fn unreadable(e: &::csv::Error) -> Msg {
    msg!("csv.unreadable", detail = e.to_string())
}

/// Parses a yes/no cell: yes/no, ja/nej, true/false, 1/0, x/empty.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "yes" | "ja" | "true" | "1" | "y" | "j" | "x" => Some(true),
        "no" | "nej" | "false" | "0" | "n" | "" => Some(false),
        _ => None,
    }
}

/// The export delimiter from a `sep` parameter: `;` unless `,`/`comma` is asked for.
pub fn delimiter(sep: Option<&str>) -> u8 {
    match sep.map(str::trim) {
        Some(",") | Some("comma") => b',',
        _ => b';',
    }
}

/// Cells starting like a formula get a leading apostrophe, so a spreadsheet
/// shows them instead of running them. A cell starting with `-` is a formula
/// to a spreadsheet too (`-2+3+cmd|...`), unless it is a plain negative
/// number (an adjustment of `-1 250,50` kr), which stays a number.
fn defuse(cell: &str) -> std::borrow::Cow<'_, str> {
    let negative_number = cell.strip_prefix('-').is_some_and(|rest| {
        rest.starts_with(|c: char| c.is_ascii_digit())
            && rest
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | ' ' | '\u{a0}'))
    });
    if cell.starts_with(['=', '+', '@', '\t', '\r']) || (cell.starts_with('-') && !negative_number)
    {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

/// The language of an export: Swedish, the language of the spreadsheets it
/// is opened in, unless `lang` asks for English.
pub fn export_lang(lang: Option<&str>) -> Lang {
    match lang.map(str::trim) {
        Some("en") => Lang::En,
        _ => Lang::Sv,
    }
}

/// Öre as kronor with two decimals, as a spreadsheet in `lang` reads a
/// number: `1234,50` (Swedish) or `1234.50`, no thousands separator.
pub fn kronor(ore: i64, lang: Lang) -> String {
    let sign = if ore < 0 { "-" } else { "" };
    let abs = ore.unsigned_abs();
    let sep = match lang {
        Lang::Sv => ',',
        Lang::En => '.',
    };
    format!("{sign}{}{sep}{:02}", abs / 100, abs % 100)
}

/// A CSV export whose headers are catalogue keys, written in `lang`.
pub fn response_in(
    lang: Lang,
    filename: &str,
    delimiter: u8,
    header_keys: &[&'static str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Response {
    let headers: Vec<&str> = header_keys.iter().map(|k| lang.t(k)).collect();
    response(filename, delimiter, &headers, rows)
}

/// Writes rows as CSV bytes (BOM first).
pub fn write(
    delimiter: u8,
    headers: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Vec<u8> {
    let mut out = "\u{feff}".as_bytes().to_vec();
    {
        let mut w = csv::WriterBuilder::new()
            .delimiter(delimiter)
            .from_writer(&mut out);
        let _ = w.write_record(headers);
        for row in rows {
            let _ = w.write_record(row.iter().map(|c| defuse(c).into_owned()));
        }
        let _ = w.flush();
    }
    out
}

/// A CSV download.
pub fn response(
    filename: &str,
    delimiter: u8,
    headers: &[&str],
    rows: impl IntoIterator<Item = Vec<String>>,
) -> Response {
    let body = write(delimiter, headers, rows);
    let mut r = body.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_semicolons_with_bom_and_skips_blank_lines() {
        let t =
            read("\u{feff}Region;Unit_Code\nVäst;ONK1\n\n Öst ;ONK2\n".as_bytes()).expect("table");
        assert_eq!(t.headers, ["region", "unit_code"]);
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[1].line, 4);
        assert_eq!(t.rows[1].get(t.column("region")), "Öst");
    }

    #[test]
    fn reads_commas_and_quotes() {
        let t = read(b"name,email\n\"Berg, Anna\",a@example.se\n").expect("table");
        assert_eq!(t.rows[0].get(Some(0)), "Berg, Anna");
    }

    #[test]
    fn reports_ragged_lines_and_bad_encoding_by_line() {
        let e = read(b"a,b\n1,2\n3\n").expect_err("ragged");
        assert_eq!(e[0].to_string(), "line 3: row: expected 2 fields, found 1");
        let e = read(b"a,b\n1,\xff\n").expect_err("latin-1");
        assert_eq!(e[0].line, 2);
        assert!(read(b"").is_err());
    }

    #[test]
    fn line_numbers_hold_with_windows_and_old_mac_line_endings() {
        let e = read(b"a,b\r\n1,2\r\n3\r\n").expect_err("ragged");
        assert_eq!(e[0].line, 3);
        let e = read(b"a,b\r1,2\r3\r").expect_err("ragged");
        assert_eq!(e[0].line, 3);
        let t = read(b"a,b\r\n\"x\r\ny\",2\r\n").expect("quoted newline");
        assert_eq!(t.rows[0].get(Some(0)), "x\ny");
    }

    #[test]
    fn missing_columns_are_named() {
        let t = read(b"a,b\n").expect("table");
        let e = t.require(&["a", "c"]).expect_err("missing");
        assert_eq!(
            e[0].to_string(),
            "line 1: c: column missing from the header row"
        );
    }

    #[test]
    fn export_has_bom_and_defuses_formulas() {
        let bytes = write(b';', &["a", "b"], vec![vec!["=1+1".into(), "-5".into()]]);
        let text = String::from_utf8(bytes).expect("utf8");
        assert_eq!(text, "\u{feff}a;b\n'=1+1;-5\n");
        let bytes = write(
            b';',
            &["a", "b", "c"],
            vec![vec![
                "-2+3+cmd|' /C calc'!A0".into(),
                "-1 250,50".into(),
                "-".into(),
            ]],
        );
        let text = String::from_utf8(bytes).expect("utf8");
        assert_eq!(
            text,
            "\u{feff}a;b;c\n'-2+3+cmd|' /C calc'!A0;-1 250,50;'-\n"
        );
    }

    #[test]
    fn booleans_in_both_languages() {
        for (s, v) in [
            ("ja", true),
            ("Nej", false),
            ("yes", true),
            ("0", false),
            ("TRUE", true),
        ] {
            assert_eq!(parse_bool(s), Some(v), "{s}");
        }
        assert_eq!(parse_bool("kanske"), None);
    }

    #[test]
    fn kronor_read_as_numbers_in_the_exports_language() {
        assert_eq!(kronor(123_450, Lang::Sv), "1234,50");
        assert_eq!(kronor(123_450, Lang::En), "1234.50");
        assert_eq!(kronor(-5, Lang::Sv), "-0,05");
        assert_eq!(kronor(0, Lang::En), "0.00");
        assert_eq!(export_lang(None), Lang::Sv);
        assert_eq!(export_lang(Some("en")), Lang::En);
        assert_eq!(export_lang(Some("fr")), Lang::Sv);
        // A negative amount stays a number in the spreadsheet.
        assert_eq!(defuse("-1234,50"), "-1234,50");
    }
}
