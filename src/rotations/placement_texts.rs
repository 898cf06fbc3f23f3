//! Texts of this part of the domain's pages, `(key, svenska, English)`; part
//! of the catalogue in `crate::i18n`.

/// This part's catalogue entries.
pub const ENTRIES: &[(&str, &str, &str)] = &[];
