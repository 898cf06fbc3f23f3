//! Swedish sort order for names (`COLLATE swedish`): å, ä and ö come after z,
//! accented letters sort with their base letter, and case is ignored.

use std::cmp::Ordering;

fn key(c: char) -> u32 {
    let lower = c.to_lowercase().next().unwrap_or(c);
    let base = match lower {
        'å' => return 'z' as u32 + 1,
        'ä' | 'æ' => return 'z' as u32 + 2,
        'ö' | 'ø' => return 'z' as u32 + 3,
        'á' | 'à' | 'â' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'y',
        other => other,
    };
    base as u32
}

/// Compares two strings in Swedish order.
pub fn swedish(a: &str, b: &str) -> Ordering {
    a.chars()
        .map(key)
        .cmp(b.chars().map(key))
        .then_with(|| a.cmp(b))
}

/// A text whose byte order is the Swedish order of `s` ([`swedish`]):
/// each letter's sort value, then a zero, then `s` itself (which breaks
/// ties as [`swedish`] does). Kept beside names so an index can sort them.
pub fn sort_key(s: &str) -> String {
    let mut out: String = s
        .chars()
        .map(|c| char::from_u32(key(c)).unwrap_or(c))
        .collect();
    out.push('\0');
    out.push_str(s);
    out
}

/// The range of sort keys ([`sort_key`]) of the texts that start with
/// `prefix`, ignoring case and accents as the order does: from (included)
/// and to (excluded).
pub fn prefix_range(prefix: &str) -> (String, String) {
    let from: String = prefix
        .chars()
        .map(|c| char::from_u32(key(c)).unwrap_or(c))
        .collect();
    let mut to = from.clone();
    to.push(char::MAX);
    (from, to)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Names with the letters Swedish order treats apart.
    const NAMES: [&str; 8] = [
        "Öberg",
        "Zetterlund",
        "Åkesson",
        "Ahlström",
        "Ängström",
        "Éklund",
        "Eriksson",
        "ebbesson",
    ];

    #[test]
    fn the_sort_key_orders_as_the_collation() {
        let more = [
            "Ab", "Abc", "ab", "Ünal", "Ulla", "Yngve", "Ørsted", "Æbelø",
        ];
        let names: Vec<&str> = NAMES.iter().chain(more.iter()).copied().collect();
        let mut by_collation = names.to_vec();
        by_collation.sort_by(|a, b| swedish(a, b));
        let mut by_key = names.to_vec();
        by_key.sort_by_key(|n| sort_key(n));
        assert_eq!(by_key, by_collation);
    }

    #[test]
    fn a_prefix_range_holds_the_names_that_start_with_it() {
        let (from, to) = prefix_range("Sj");
        let within = |name: &str| {
            let k = sort_key(name);
            k >= from && k < to
        };
        assert!(within("Sjöberg"));
        assert!(within("sjögren"));
        assert!(within("Sj"));
        assert!(!within("Siv"));
        assert!(!within("Sk"));
        let (from, to) = prefix_range("Ö");
        assert!(sort_key("öberg") >= from && sort_key("Ørsted") < to);
        assert!(sort_key("Östen") >= from && sort_key("Östen") < to);
        assert!(sort_key("Åke") < from);
    }

    #[test]
    fn swedish_letters_sort_last() {
        let mut names = NAMES.to_vec();
        names.sort_by(|a, b| swedish(a, b));
        assert_eq!(
            names,
            [
                "Ahlström",
                "ebbesson",
                "Éklund",
                "Eriksson",
                "Zetterlund",
                "Åkesson",
                "Ängström",
                "Öberg"
            ]
        );
    }
}
