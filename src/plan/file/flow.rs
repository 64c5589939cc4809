//! A value in flow style written straight from `Serialize`, byte for byte what
//! `emit::flow(&serde_yaml::to_value(value))` writes, without building the YAML value first
//! (the emitter's cost for 100,000 steps). What it does not write the same way (enum variants
//! with data, bytes, 128-bit integers) is refused, and the caller takes the value path.

use serde::ser::{self, Serialize};

use super::emit::{MAX_IMPLICIT_KEY, WIDTH, write_scalar};
use crate::plan::{Action, Step};

/// Writes `step` as `emit::step_block` writes it from its YAML value, and says so; `false`
/// (nothing written) when the step needs the value path: a payload this writer does not write
/// exactly, or one too long for a line with a key too long to be implicit.
pub fn step_block(out: &mut String, step: &Step) -> bool {
    let payload = match &step.action {
        Action::CreateField(a) => flow(a),
        Action::CreateContact(a) => flow(a),
        Action::MergeContact(a) | Action::OverwriteContact(a) => flow(a),
        Action::CreateOpportunity(a) => flow(a),
        Action::CreatePipeline(a) => flow(a),
        Action::AddStage(a) => flow(a),
        Action::CreateNote(a) => flow(a),
        Action::CreateTask(a) => flow(a),
        Action::Delete(a) => flow(a),
        Action::RestoreContact(a) => flow(a),
    };
    let Some(payload) = payload else {
        return false;
    };
    let name = step.action.name();
    let mut action = format!("    {name}: {payload}\n");
    if action.chars().count() > WIDTH + 1 {
        // One line per payload key, as the value path lays out a long payload.
        let Some(entries) =
            top_entries(&payload).filter(|e| !e.iter().any(|e| e.starts_with("? ")))
        else {
            return false;
        };
        action = format!("    {name}:\n");
        for entry in entries {
            action.push_str("      ");
            action.push_str(entry);
            action.push('\n');
        }
    }
    let after = match step.after.is_empty() {
        true => Some(String::new()),
        false => flow(&step.after).map(|list| format!("    after: {list}\n")),
    };
    let Some(after) = after else {
        return false;
    };
    out.push_str("  - id: ");
    write_scalar(out, &step.id);
    out.push('\n');
    out.push_str(&action);
    out.push_str(&after);
    true
}

/// The `key: value` entries of a flow mapping this writer wrote (`None` if it is not one):
/// split at the top level's `, `, outside quotes (a plain scalar it writes never holds a flow
/// indicator or a quote; a quoted one escapes `"` and `\`).
fn top_entries(text: &str) -> Option<Vec<&str>> {
    let inner = text.strip_prefix('{')?.strip_suffix('}')?;
    if inner.is_empty() {
        return Some(vec![]);
    }
    let (mut entries, mut start, mut depth, mut quoted, mut escaped) =
        (vec![], 0, 0i32, false, false);
    let bytes = inner.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match (quoted, b) {
            (true, _) if escaped => escaped = false,
            (true, b'\\') => escaped = true,
            (_, b'"') => quoted = !quoted,
            (false, b'[' | b'{') => depth += 1,
            (false, b']' | b'}') => depth -= 1,
            (false, b',') if depth == 0 && bytes.get(i + 1) == Some(&b' ') => {
                entries.push(&inner[start..i]);
                start = i + 2;
            }
            _ => {}
        }
    }
    entries.push(&inner[start..]);
    (depth == 0 && !quoted).then_some(entries)
}

/// The flow text of `value`, or `None` when only the value path writes it exactly.
pub fn flow<T: Serialize + ?Sized>(value: &T) -> Option<String> {
    let mut out = String::new();
    value.serialize(Flow { out: &mut out }).ok()?;
    Some(out)
}

/// Something this writer leaves to the value path.
#[derive(Debug)]
pub struct Unsupported;

impl std::fmt::Display for Unsupported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not written in flow style directly")
    }
}

impl std::error::Error for Unsupported {}

impl ser::Error for Unsupported {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Unsupported
    }
}

type Result = std::result::Result<(), Unsupported>;

struct Flow<'a> {
    out: &'a mut String,
}

impl Flow<'_> {
    fn number(self, n: serde_yaml::Number) -> Result {
        self.out.push_str(&n.to_string());
        Ok(())
    }
}

/// A sequence or mapping being written: its entries so far.
struct Collection<'a> {
    out: &'a mut String,
    entries: usize,
    /// Where the current mapping key starts (for the explicit-key form of long keys).
    key_start: usize,
}

impl Collection<'_> {
    fn separator(&mut self) {
        if self.entries > 0 {
            self.out.push_str(", ");
        }
        self.entries += 1;
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.separator();
        value.serialize(Flow { out: self.out })
    }

    fn key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result {
        self.separator();
        self.key_start = self.out.len();
        key.serialize(Flow { out: self.out })?;
        if self.out.len() - self.key_start > MAX_IMPLICIT_KEY {
            self.out.insert_str(self.key_start, "? ");
        }
        self.out.push_str(": ");
        Ok(())
    }

    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        value.serialize(Flow { out: self.out })
    }
}

impl<'a> ser::Serializer for Flow<'a> {
    type Ok = ();
    type Error = Unsupported;
    type SerializeSeq = Collection<'a>;
    type SerializeTuple = Collection<'a>;
    type SerializeTupleStruct = Collection<'a>;
    type SerializeTupleVariant = ser::Impossible<(), Unsupported>;
    type SerializeMap = Collection<'a>;
    type SerializeStruct = Collection<'a>;
    type SerializeStructVariant = ser::Impossible<(), Unsupported>;

    fn serialize_bool(self, v: bool) -> Result {
        self.out.push_str(if v { "true" } else { "false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result {
        self.number(i64::from(v).into())
    }
    fn serialize_i16(self, v: i16) -> Result {
        self.number(i64::from(v).into())
    }
    fn serialize_i32(self, v: i32) -> Result {
        self.number(i64::from(v).into())
    }
    fn serialize_i64(self, v: i64) -> Result {
        self.number(v.into())
    }
    fn serialize_u8(self, v: u8) -> Result {
        self.number(u64::from(v).into())
    }
    fn serialize_u16(self, v: u16) -> Result {
        self.number(u64::from(v).into())
    }
    fn serialize_u32(self, v: u32) -> Result {
        self.number(u64::from(v).into())
    }
    fn serialize_u64(self, v: u64) -> Result {
        self.number(v.into())
    }
    fn serialize_f32(self, _: f32) -> Result {
        Err(Unsupported)
    }
    fn serialize_f64(self, v: f64) -> Result {
        self.number(v.into())
    }
    fn serialize_char(self, v: char) -> Result {
        write_scalar(self.out, v.encode_utf8(&mut [0; 4]));
        Ok(())
    }
    fn serialize_str(self, v: &str) -> Result {
        write_scalar(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result {
        Err(Unsupported)
    }
    fn serialize_none(self) -> Result {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result {
        self.out.push_str("null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result {
        self.serialize_unit()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> Result {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result {
        Err(Unsupported)
    }
    fn serialize_seq(self, _: Option<usize>) -> std::result::Result<Collection<'a>, Unsupported> {
        self.out.push('[');
        Ok(Collection {
            out: self.out,
            entries: 0,
            key_start: 0,
        })
    }
    fn serialize_tuple(self, len: usize) -> std::result::Result<Collection<'a>, Unsupported> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> std::result::Result<Collection<'a>, Unsupported> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> std::result::Result<Self::SerializeTupleVariant, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_map(self, _: Option<usize>) -> std::result::Result<Collection<'a>, Unsupported> {
        self.out.push('{');
        Ok(Collection {
            out: self.out,
            entries: 0,
            key_start: 0,
        })
    }
    fn serialize_struct(
        self,
        _: &'static str,
        len: usize,
    ) -> std::result::Result<Collection<'a>, Unsupported> {
        self.serialize_map(Some(len))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: usize,
    ) -> std::result::Result<Self::SerializeStructVariant, Unsupported> {
        Err(Unsupported)
    }
    fn serialize_i128(self, _: i128) -> Result {
        Err(Unsupported)
    }
    fn serialize_u128(self, _: u128) -> Result {
        Err(Unsupported)
    }
}

impl ser::SerializeSeq for Collection<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.element(value)
    }
    fn end(self) -> Result {
        self.out.push(']');
        Ok(())
    }
}

impl ser::SerializeTuple for Collection<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.element(value)
    }
    fn end(self) -> Result {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for Collection<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.element(value)
    }
    fn end(self) -> Result {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeMap for Collection<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result {
        self.key(key)
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result {
        self.value(value)
    }
    fn end(self) -> Result {
        self.out.push('}');
        Ok(())
    }
}

impl ser::SerializeStruct for Collection<'_> {
    type Ok = ();
    type Error = Unsupported;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result {
        self.key(key)?;
        self.value(value)
    }
    fn end(self) -> Result {
        ser::SerializeMap::end(self)
    }
}

#[cfg(test)]
mod tests;
