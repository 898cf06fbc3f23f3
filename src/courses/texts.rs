//! Texts of this domain's pages, `(key, svenska, English)`; part of the
//! catalogue in `crate::i18n`.

/// This domain's catalogue entries.
pub const ENTRIES: &[(&str, &str, &str)] = &[];
