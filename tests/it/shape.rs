//! The shape of the code, read from the sources: the shared edge and
//! storage import no domain, no two domains import each other, SQL stays in
//! the stores, and no text holds two languages. These are the seams a new
//! capability is built on; a change that breaks one fails here with the
//! file and line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The domain folders.
const DOMAINS: &[&str] = &[
    "audit",
    "auth",
    "courses",
    "licences",
    "mail",
    "organisation",
    "quality",
    "rotations",
];

/// Modules every domain may use and that use no domain: the edge, the
/// storage, the texts, the shared checks, the clock, the settings and the
/// state handlers share.
const FOUNDATION: &[&str] = &["web", "db", "i18n", "check", "clock", "config", "state"];

/// What assembles the application or serves developers: these may use
/// every domain, and no domain or foundation module may use them.
const ASSEMBLY: &[&str] = &["app", "home", "cli", "dev", "main", "lib"];

struct Source {
    path: PathBuf,
    /// The top-level module: `licences` for `src/licences/pages.rs`,
    /// `app` for `src/app.rs`.
    module: String,
    /// The code without `#[cfg(test)]` modules and comments.
    code: String,
}

fn sources() -> Vec<Source> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("src").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut paths = Vec::new();
    walk(Path::new("src"), &mut paths);
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("source");
            let module = path
                .strip_prefix("src")
                .ok()
                .and_then(|p| p.components().next())
                .map(|c| {
                    c.as_os_str()
                        .to_string_lossy()
                        .trim_end_matches(".rs")
                        .to_string()
                })
                .unwrap_or_default();
            Source {
                code: production_code(&text),
                path,
                module,
            }
        })
        .collect()
}

/// `text` without its test module (`#[cfg(test)]` to the end: the tests
/// sit at the bottom of each file) and without `//` comments.
fn production_code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or(text);
    text.lines()
        .map(|line| match line.trim_start().starts_with("//") {
            true => "",
            false => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level modules `code` names as `crate::x`.
fn uses(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for piece in code.split("crate::").skip(1) {
        let name: String = piece
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if name == "AppState" {
            found.insert("state".to_string());
        } else if !name.is_empty() {
            found.insert(name);
        }
    }
    // `use crate::{a, b::c}` names several at once.
    for piece in code.split("use crate::{").skip(1) {
        let list = piece.split("};").next().unwrap_or("");
        for item in list.split(',') {
            let name: String = item
                .trim()
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if name == "AppState" {
                found.insert("state".to_string());
            } else if !name.is_empty() {
                found.insert(name);
            }
        }
    }
    found
}

#[test]
fn the_foundation_imports_no_domain_and_the_domains_import_no_assembly() {
    let mut wrong = Vec::new();
    for s in sources() {
        let used = uses(&s.code);
        let forbidden: Vec<&str> = if FOUNDATION.contains(&s.module.as_str()) {
            DOMAINS.iter().chain(ASSEMBLY).copied().collect()
        } else if DOMAINS.contains(&s.module.as_str()) {
            ASSEMBLY.to_vec()
        } else {
            Vec::new()
        };
        for f in forbidden {
            if used.contains(f) {
                wrong.push(format!("{} uses crate::{f}", s.path.display()));
            }
        }
    }
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn no_two_domains_import_each_other() {
    let mut edges: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for s in sources() {
        if !DOMAINS.contains(&s.module.as_str()) {
            continue;
        }
        for used in uses(&s.code) {
            if used != s.module && DOMAINS.contains(&used.as_str()) {
                edges
                    .entry(s.module.clone())
                    .or_default()
                    .entry(used)
                    .or_default()
                    .insert(s.path.display().to_string());
            }
        }
    }
    // A cycle of any length between domains, found by walking from each.
    let mut cycles = Vec::new();
    for start in edges.keys() {
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        while let Some((at, path)) = stack.pop() {
            for next in edges
                .get(&at)
                .map(|m| m.keys().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
            {
                if next == *start && path.iter().all(|p| p >= start) {
                    let files: Vec<String> = path
                        .iter()
                        .zip(path.iter().skip(1).chain(std::iter::once(start)))
                        .map(|(a, b)| format!("{a} -> {b}: {:?}", edges[a][b]))
                        .collect();
                    cycles.push(files);
                } else if !path.contains(&next) && path.len() < DOMAINS.len() {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push((next, longer));
                }
            }
        }
    }
    assert!(
        cycles.is_empty(),
        "domains that import each other: {cycles:#?}"
    );
}

/// String literals of `code`, with the line each starts on.
fn literals(code: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut line = 1;
    let mut chars = code.chars().peekable();
    let mut prev = ' ';
    while let Some(c) = chars.next() {
        if c == '\n' {
            line += 1;
        }
        // A char literal '"' is not a string.
        if c == '"' && prev != '\'' {
            let start = line;
            let mut text = String::new();
            while let Some(d) = chars.next() {
                match d {
                    '\\' => {
                        if let Some(e) = chars.next() {
                            text.push('\\');
                            text.push(e);
                        }
                    }
                    '"' => break,
                    '\n' => {
                        line += 1;
                        text.push(d);
                    }
                    _ => text.push(d),
                }
            }
            out.push((start, text));
            prev = '"';
            continue;
        }
        prev = c;
    }
    out
}

/// SQL statements start with one of these.
const SQL: &[&str] = &[
    "SELECT ", "INSERT ", "UPDATE ", "DELETE ", "WITH ", "CREATE ", "PRAGMA ",
];

#[test]
fn sql_lives_in_the_stores() {
    let mut wrong = Vec::new();
    for s in sources() {
        let in_store = s.path.file_name().is_some_and(|f| f == "store.rs")
            || s.path.parent().is_some_and(|p| p.ends_with("store"))
            || s.module == "db";
        if in_store {
            continue;
        }
        for (line, text) in literals(&s.code) {
            let t = text.trim_start();
            if SQL.iter().any(|k| t.starts_with(k)) {
                wrong.push(format!(
                    "{}:{line}: {}",
                    s.path.display(),
                    t.lines().next().unwrap_or("")
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "SQL outside store.rs and db/: {wrong:#?}");
}

#[test]
fn no_text_holds_both_languages() {
    let mut wrong = Vec::new();
    for s in sources() {
        for (line, text) in literals(&s.code) {
            // "English / svenska": words on both sides of a spaced slash.
            if let Some((a, b)) = text.split_once(" / ")
                && a.chars().last().is_some_and(char::is_alphabetic)
                && b.chars().next().is_some_and(char::is_alphabetic)
            {
                wrong.push(format!("{}:{line}: {text}", s.path.display()));
            }
        }
        for marker in [
            "text!(",
            "Text::new(",
            "Text::from_pair(",
            "Msg::from_pair(",
        ] {
            for (n, l) in s.code.lines().enumerate() {
                if l.contains(marker) {
                    wrong.push(format!("{}:{}: {}", s.path.display(), n + 1, l.trim()));
                }
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "texts in two languages outside the catalogue: {wrong:#?}"
    );
}

#[test]
fn the_scans_see_the_code() {
    let all = sources();
    assert!(all.len() > 60, "{} files", all.len());
    let licences = all
        .iter()
        .find(|s| s.path.ends_with("licences/mod.rs"))
        .expect("licences/mod.rs");
    assert!(
        uses(&licences.code).contains("state"),
        "{:?}",
        uses(&licences.code)
    );
    let sql = literals("let q = \"SELECT 1\"; let c = '\"'; let t = \"a \\\" b\";");
    assert_eq!(
        sql.iter().map(|(_, t)| t.as_str()).collect::<Vec<_>>(),
        ["SELECT 1", "a \\\" b"]
    );
    assert!(production_code("a\n#[cfg(test)]\nmod tests { \"SELECT\" }").trim() == "a");
}
