//! A JSON value read the way the API describes its bodies: a struct comes
//! from an object and nothing else. Serde's derived structs also take an
//! array of their fields in order (`["K1", "Titel", …]`), which no client
//! means and the OpenAPI description does not allow; [`Strict`] refuses it
//! at every depth. It also refuses control characters in keys and strings
//! (as forms do, see [`super::form::control_free`]), so that one walk over
//! the value checks both; otherwise it reads exactly as `serde_json::Value`
//! does.

use serde::de::{
    self, DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Unexpected, Visitor,
};
use serde_json::{Error, Value};

use super::form::{CONTROL_REFUSAL, control_free};

/// A borrowed JSON value to deserialize from.
pub struct Strict<'a>(pub &'a Value);

fn unexpected(v: &Value) -> Unexpected<'_> {
    match v {
        Value::Null => Unexpected::Unit,
        Value::Bool(b) => Unexpected::Bool(*b),
        Value::Number(_) => Unexpected::Other("number"),
        Value::String(s) => Unexpected::Str(s),
        Value::Array(_) => Unexpected::Seq,
        Value::Object(_) => Unexpected::Map,
    }
}

impl<'de> Deserializer<'de> for Strict<'de> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Array(items) => visitor.visit_seq(Items(items.iter())),
            Value::Object(fields) => visitor.visit_map(Fields {
                iter: fields.iter(),
                value: None,
            }),
            Value::String(text) if !control_free(text) => Err(Error::custom(CONTROL_REFUSAL)),
            scalar => scalar.deserialize_any(visitor),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            Value::Object(_) => self.deserialize_any(visitor),
            other => Err(Error::invalid_type(unexpected(other), &"an object")),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        // The API's enums are names (`"open"`); serde_json's own reading
        // gives the right messages for anything else.
        self.0.deserialize_enum(name, variants, visitor)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map identifier
        ignored_any
    }
}

/// The items of an array, each read strictly.
struct Items<'a>(std::slice::Iter<'a, Value>);

impl<'de> SeqAccess<'de> for Items<'de> {
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        self.0
            .next()
            .map(|item| seed.deserialize(Strict(item)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// The members of an object, each value read strictly.
struct Fields<'a> {
    iter: serde_json::map::Iter<'a>,
    value: Option<&'a Value>,
}

impl<'de> MapAccess<'de> for Fields<'de> {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.iter.next() {
            Some((key, _)) if !control_free(key) => Err(Error::custom(CONTROL_REFUSAL)),
            Some((key, value)) => {
                self.value = Some(value);
                seed.deserialize(de::value::BorrowedStrDeserializer::<Error>::new(key))
                    .map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.value.take() {
            Some(value) => seed.deserialize(Strict(value)),
            None => Err(Error::custom("a value without its key")),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Row {
        from: String,
        cost: i64,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Body {
        code: String,
        #[serde(default)]
        rows: Vec<Row>,
        #[serde(default)]
        note: Option<String>,
    }

    fn read(json: &str) -> Result<Body, String> {
        let value: Value = serde_json::from_str(json).expect("json");
        serde_path_to_error::deserialize(Strict(&value)).map_err(|e| e.to_string())
    }

    #[test]
    fn objects_read_as_from_serde_json() {
        assert_eq!(
            read(r#"{"code": "K1", "rows": [{"from": "2026-01-01", "cost": 5}], "note": null}"#),
            Ok(Body {
                code: "K1".into(),
                rows: vec![Row {
                    from: "2026-01-01".into(),
                    cost: 5
                }],
                note: None,
            })
        );
    }

    #[test]
    fn a_struct_as_an_array_is_refused_at_any_depth() {
        let top = read(r#"["K1", [], null]"#).expect_err("an array for a struct");
        assert!(top.contains("expected an object"), "{top}");
        let nested =
            read(r#"{"code": "K1", "rows": [["2026-01-01", 5]]}"#).expect_err("an array for a row");
        assert!(nested.starts_with("rows[0]"), "{nested}");
    }

    #[test]
    fn control_characters_are_refused_where_they_are() {
        let e = read("{\"code\": \"K\\u0000\"}").expect_err("a NUL");
        assert!(e.starts_with("code: control characters"), "{e}");
        let e = read("{\"code\": \"K1\", \"rows\": [{\"from\": \"\\u0007\", \"cost\": 1}]}")
            .expect_err("a bell");
        assert!(e.starts_with("rows[0].from"), "{e}");
        assert!(read("{\"code\": \"K1\", \"note\": \"rad 1\\nrad 2\\t\"}").is_ok());
    }

    #[test]
    fn wrong_types_name_their_path() {
        let e = read(r#"{"code": "K1", "rows": [{"from": "x", "cost": "many"}]}"#)
            .expect_err("text for a number");
        assert!(e.starts_with("rows[0].cost"), "{e}");
    }
}
