//! The catalogue files, embedded in the binary and read once.
//!
//! A file holds one message per line, `key = text`; `#` starts a comment
//! line, `\n` in a text is a line break and `\\` a backslash. `{name}` in a
//! text is filled from the message's arguments when it is rendered.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::Lang;

/// The files of one language, named by domain.
type Files = [(&'static str, &'static str)];

const SV: &Files = &[
    ("core", include_str!("../../locales/sv/core.txt")),
    ("auth", include_str!("../../locales/sv/auth.txt")),
    (
        "organisation",
        include_str!("../../locales/sv/organisation.txt"),
    ),
    ("audit", include_str!("../../locales/sv/audit.txt")),
    ("mail", include_str!("../../locales/sv/mail.txt")),
    ("licences", include_str!("../../locales/sv/licences.txt")),
    ("courses", include_str!("../../locales/sv/courses.txt")),
    ("rotations", include_str!("../../locales/sv/rotations.txt")),
    ("quality", include_str!("../../locales/sv/quality.txt")),
    ("councils", include_str!("../../locales/sv/councils.txt")),
];

const EN: &Files = &[
    ("core", include_str!("../../locales/en/core.txt")),
    ("auth", include_str!("../../locales/en/auth.txt")),
    (
        "organisation",
        include_str!("../../locales/en/organisation.txt"),
    ),
    ("audit", include_str!("../../locales/en/audit.txt")),
    ("mail", include_str!("../../locales/en/mail.txt")),
    ("licences", include_str!("../../locales/en/licences.txt")),
    ("courses", include_str!("../../locales/en/courses.txt")),
    ("rotations", include_str!("../../locales/en/rotations.txt")),
    ("quality", include_str!("../../locales/en/quality.txt")),
    ("councils", include_str!("../../locales/en/councils.txt")),
];

/// One language's messages by key.
type Texts = HashMap<&'static str, String>;

static CATALOGUE: LazyLock<(Texts, Texts)> = LazyLock::new(|| (load(SV), load(EN)));

/// A line of a catalogue file that is not a comment or blank: its key and
/// text, or what is wrong with it.
fn parse_line(line: &'static str) -> Option<Result<(&'static str, String), &'static str>> {
    let line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return None;
    }
    let Some((key, text)) = line.split_once(" = ") else {
        return Some(Err("expected `key = text`"));
    };
    let key = key.trim();
    if key.is_empty()
        || !key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.')
    {
        return Some(Err("a key is lower-case letters, digits, `_` and `.`"));
    }
    Some(Ok((key, unescape(text.trim()))))
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            match chars.next() {
                Some('n') => out.push('\n'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Reads a language's files; a malformed line is left out (the tests below
/// refuse it, so a release never has one).
fn load(files: &'static Files) -> Texts {
    files
        .iter()
        .flat_map(|(_, text)| text.lines())
        .filter_map(parse_line)
        .filter_map(Result::ok)
        .collect()
}

/// The text of `key` in `lang`.
pub(super) fn lookup(lang: Lang, key: &str) -> Option<&'static str> {
    let (sv, en) = &*CATALOGUE;
    match lang {
        Lang::Sv => sv.get(key),
        Lang::En => en.get(key),
    }
    .map(String::as_str)
}

/// Every message as `(key, svenska, English)`, in no particular order.
pub fn entries() -> impl Iterator<Item = (&'static str, &'static str, &'static str)> {
    let (sv, en) = &*CATALOGUE;
    sv.iter()
        .map(|(key, text)| (*key, text.as_str(), en.get(key).map_or("", String::as_str)))
}

/// The `{name}` placeholders of a text, in order.
#[cfg(test)]
fn placeholders(text: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) => {
                let name = &after[..close];
                if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                    names.push(name);
                }
                rest = &after[close + 1..];
            }
            None => break,
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};

    use super::*;

    /// Each file's messages, refusing malformed lines and duplicate keys.
    fn strict(files: &'static Files) -> BTreeMap<&'static str, (String, &'static str)> {
        let mut all = BTreeMap::new();
        for (file, text) in files {
            for (n, line) in text.lines().enumerate() {
                match parse_line(line) {
                    None => {}
                    Some(Err(why)) => panic!("{file}.txt line {}: {why}", n + 1),
                    Some(Ok((key, text))) => {
                        assert!(!text.is_empty(), "{file}.txt line {}: empty text", n + 1);
                        if let Some((_, other)) = all.insert(key, (text, *file)) {
                            panic!("{key} is in both {other}.txt and {file}.txt");
                        }
                    }
                }
            }
        }
        all
    }

    #[test]
    fn every_key_is_in_both_languages_with_the_same_arguments() {
        assert_eq!(
            SV.iter().map(|f| f.0).collect::<Vec<_>>(),
            EN.iter().map(|f| f.0).collect::<Vec<_>>(),
            "the languages have the same files"
        );
        let sv = strict(SV);
        let en = strict(EN);
        let only_sv: Vec<_> = sv.keys().filter(|k| !en.contains_key(*k)).collect();
        let only_en: Vec<_> = en.keys().filter(|k| !sv.contains_key(*k)).collect();
        assert!(only_sv.is_empty(), "missing in English: {only_sv:?}");
        assert!(only_en.is_empty(), "missing in Swedish: {only_en:?}");
        for (key, (sv_text, sv_file)) in &sv {
            let (en_text, en_file) = &en[key];
            assert_eq!(sv_file, en_file, "{key} is in the same domain's file");
            let a: BTreeSet<_> = placeholders(sv_text).into_iter().collect();
            let b: BTreeSet<_> = placeholders(en_text).into_iter().collect();
            assert_eq!(a, b, "{key} takes the same arguments in both languages");
        }
    }

    #[test]
    fn lines_are_read_with_their_escapes() {
        assert_eq!(
            parse_line("a.b = Hej {name}!\\n\\nRad två \\\\ slut"),
            Some(Ok(("a.b", "Hej {name}!\n\nRad två \\ slut".to_string())))
        );
        assert_eq!(parse_line("  # a comment"), None);
        assert_eq!(parse_line(""), None);
        assert!(matches!(parse_line("no equals sign"), Some(Err(_))));
        assert!(matches!(parse_line("Bad Key = x"), Some(Err(_))));
        assert_eq!(placeholders("{a} and {b_2}, not { x } or {"), ["a", "b_2"]);
    }

    /// Every source file of the crate, as `(path, text)`.
    fn sources() -> Vec<(String, String)> {
        fn walk(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
            let Ok(entries) = std::fs::read_dir(dir) else {
                return;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else if path.extension().is_some_and(|e| e == "rs")
                    && let Ok(text) = std::fs::read_to_string(&path)
                {
                    out.push((path.display().to_string(), text));
                }
            }
        }
        let mut out = Vec::new();
        walk(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut out,
        );
        out
    }

    /// A string literal in the code that looks like one of the catalogue's
    /// keys (it starts with a prefix the catalogue uses) is in the
    /// catalogue: a typo would otherwise show the key itself on a page.
    #[test]
    fn every_key_the_code_names_is_in_the_catalogue() {
        let sv = strict(SV);
        let prefixes: BTreeSet<&str> = sv.keys().filter_map(|k| k.split('.').next()).collect();
        // Audit actions and file names that share a prefix with the texts.
        const NOT_KEYS: &[&str] = &[
            "audit.csv",
            "enrolment.attendance",
            "enrolment.create",
            "enrolment.promote",
            "import.completions",
            "import.undo",
            "licence.complete",
            "login.success",
        ];
        let mut missing = Vec::new();
        let sources = sources();
        assert!(sources.len() > 50, "the sources are found");
        for (path, text) in &sources {
            for piece in text.split('"').skip(1).step_by(2) {
                let Some((prefix, rest)) = piece.split_once('.') else {
                    continue;
                };
                let key_like = !rest.is_empty()
                    && !rest.ends_with('.')
                    && piece.chars().all(|c| {
                        c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'
                    });
                // An audit action names its label's key.
                let audit_action = sv.contains_key(format!("audit.action.{piece}").as_str());
                if key_like
                    && prefixes.contains(prefix)
                    && !sv.contains_key(piece)
                    && !audit_action
                    && !NOT_KEYS.contains(&piece)
                {
                    missing.push(format!("{path}: {piece}"));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys missing from the catalogue: {missing:#?}"
        );
    }
}
