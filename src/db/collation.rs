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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swedish_letters_sort_last() {
        let mut names = vec![
            "Öberg",
            "Zetterlund",
            "Åkesson",
            "Ahlström",
            "Ängström",
            "Éklund",
            "Eriksson",
            "ebbesson",
        ];
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
