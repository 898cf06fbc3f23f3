//! A message as data: a catalogue key and its arguments, rendered in the
//! reader's language where that language is known (a page, a problem
//! document, an e-mail to one person).

use std::fmt;

use super::{Lang, catalogue};

/// A user-visible message. Build one with [`msg!`](crate::msg).
#[derive(Clone, PartialEq, Eq)]
pub struct Msg(Inner);

#[derive(Clone, PartialEq, Eq)]
enum Inner {
    /// A catalogue key with its arguments.
    Key {
        key: &'static str,
        args: Vec<(&'static str, Arg)>,
    },
    /// Text that is the same in every language: a name, a code, a value
    /// the user typed.
    Verbatim(String),
    /// A name its owner gave in Swedish and, optionally, English (an
    /// agreement's name): the English one for English readers when given.
    Named { sv: String, en: Option<String> },
}

/// An argument of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    /// Text shown as it is in every language (a name, a number, a date).
    Plain(String),
    /// A message of its own, rendered in the same language (a field's label,
    /// a status).
    Msg(Msg),
}

impl Msg {
    /// The message `key` without arguments.
    pub const fn new(key: &'static str) -> Msg {
        Msg(Inner::Key {
            key,
            args: Vec::new(),
        })
    }

    /// Text shown as it is in every language.
    pub fn verbatim(text: impl Into<String>) -> Msg {
        Msg(Inner::Verbatim(text.into()))
    }

    /// A name given in Swedish and optionally English; the Swedish one
    /// serves a reader of a language it lacks.
    pub fn named(sv: impl Into<String>, en: Option<String>) -> Msg {
        Msg(Inner::Named {
            sv: sv.into(),
            en: en.filter(|e| !e.trim().is_empty()),
        })
    }

    /// The message with the argument `name` set to `value`.
    #[must_use]
    pub fn with(mut self, name: &'static str, value: impl Into<Arg>) -> Msg {
        if let Inner::Key { args, .. } = &mut self.0 {
            args.push((name, value.into()));
        }
        self
    }

    /// The catalogue key, for messages that have one.
    pub fn key(&self) -> Option<&'static str> {
        match &self.0 {
            Inner::Key { key, .. } => Some(key),
            _ => None,
        }
    }

    /// The argument `name`, when set.
    pub fn arg(&self, name: &str) -> Option<&Arg> {
        match &self.0 {
            Inner::Key { args, .. } => args.iter().find(|(n, _)| *n == name).map(|(_, a)| a),
            _ => None,
        }
    }

    /// The message in `lang`. A key missing from the catalogue shows itself
    /// (the catalogue tests catch it); a placeholder without its argument is
    /// left as written.
    pub fn render(&self, lang: Lang) -> String {
        match &self.0 {
            Inner::Verbatim(text) => text.clone(),
            Inner::Named { sv, en } => match (lang, en) {
                (Lang::En, Some(en)) => en.clone(),
                _ => sv.clone(),
            },
            Inner::Key { key, args } => {
                let Some(template) = catalogue::lookup(lang, key) else {
                    return (*key).to_string();
                };
                fill(template, lang, args)
            }
        }
    }
}

fn fill(template: &str, lang: Lang, args: &[(&'static str, Arg)]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let arg = after
            .find('}')
            .and_then(|close| Some((close, args.iter().find(|(n, _)| *n == &after[..close])?)));
        match arg {
            Some((close, (_, value))) => {
                match value {
                    Arg::Plain(text) => out.push_str(text),
                    Arg::Msg(m) => out.push_str(&m.render(lang)),
                }
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Messages show their key and arguments when debugged, never a language.
impl fmt::Debug for Msg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Inner::Key { key, args } if args.is_empty() => write!(f, "msg!({key:?})"),
            Inner::Key { key, args } => {
                write!(f, "msg!({key:?}")?;
                for (name, value) in args {
                    match value {
                        Arg::Plain(text) => write!(f, ", {name} = {text:?}")?,
                        Arg::Msg(m) => write!(f, ", {name} = {m:?}")?,
                    }
                }
                write!(f, ")")
            }
            Inner::Verbatim(text) => write!(f, "Msg::verbatim({text:?})"),
            Inner::Named { sv, en } => write!(f, "Msg::named({sv:?}, {en:?})"),
        }
    }
}

impl From<Msg> for Arg {
    fn from(m: Msg) -> Arg {
        Arg::Msg(m)
    }
}

impl From<&str> for Arg {
    fn from(s: &str) -> Arg {
        Arg::Plain(s.to_string())
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Arg {
        Arg::Plain(s)
    }
}

impl From<&String> for Arg {
    fn from(s: &String) -> Arg {
        Arg::Plain(s.clone())
    }
}

macro_rules! plain_args {
    ($($t:ty),*) => {
        $(impl From<$t> for Arg {
            fn from(v: $t) -> Arg {
                Arg::Plain(v.to_string())
            }
        })*
    };
}

plain_args!(
    i32,
    i64,
    u8,
    u16,
    u32,
    u64,
    usize,
    char,
    chrono::NaiveDate,
    chrono::NaiveDateTime
);

/// A [`Msg`] from a catalogue key and named arguments:
/// `msg!("input.line_error", line = 3, column = "email", message)`, or `msg!("k", line)`
/// for an argument named after the variable holding it.
#[macro_export]
macro_rules! msg {
    ($key:literal $(, $name:ident $(= $value:expr)?)* $(,)?) => {
        $crate::i18n::Msg::new($key)$(.with(stringify!($name), $crate::msg!(@value $name $($value)?)))*
    };
    (@value $name:ident $value:expr) => { $value };
    (@value $name:ident) => { $name };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_renders_its_arguments_in_the_readers_language() {
        let line = 3;
        let m = crate::msg!(
            "input.line_error",
            line,
            column = "email",
            message = Msg::new("input.required")
        );
        assert_eq!(m.key(), Some("input.line_error"));
        assert_eq!(m.arg("line"), Some(&Arg::Plain("3".into())));
        let sv = m.render(Lang::Sv);
        let en = m.render(Lang::En);
        assert!(sv.contains('3') && sv.contains("email"), "{sv}");
        assert!(sv.contains(Lang::Sv.t("input.required")), "{sv}");
        assert!(en.contains(Lang::En.t("input.required")), "{en}");
        assert_ne!(sv, en);
    }

    #[test]
    fn placeholders_without_arguments_and_unknown_keys_show_themselves() {
        assert_eq!(Msg::new("no.such.key").render(Lang::Sv), "no.such.key");
        assert_eq!(fill("a {x} b {y", Lang::En, &[]), "a {x} b {y");
        assert_eq!(
            fill("{x}{x} {y}", Lang::En, &[("x", Arg::Plain("1".into()))]),
            "11 {y}"
        );
        assert_eq!(Msg::verbatim("Åsa Öberg").render(Lang::En), "Åsa Öberg");
    }
}
