use serde_yaml::{Mapping, Value};

use super::*;

fn document(value: &Value) -> String {
    super::document(value, vec![]).concat()
}

/// Strings YAML could misread: types, indicators, comments, breaks, controls, unicode.
const NASTY: &[&str] = &[
    "",
    " ",
    "a ",
    " a",
    "a  b",
    "yes",
    "No",
    "ON",
    "off",
    "y",
    "n",
    "true",
    "False",
    "null",
    "NULL",
    "~",
    "nan",
    ".nan",
    ".inf",
    "-.inf",
    "inf",
    "Infinity",
    "43215",
    "+15550100",
    "-1",
    "1e3",
    "1E3",
    "0x1F",
    "0o17",
    "0b101",
    "0X1f",
    "0B1",
    "0O7",
    "0123",
    "123e4",
    "1e400",
    "1E-3",
    "1e",
    "9abc",
    "0xZZ",
    "0x1F abc",
    "12 34",
    "1 ",
    "1  a",
    "2024-01-05 10:00:00",
    "1.5 kg",
    "1_000",
    "12:30:45",
    "2024-01-05",
    "2024-01-05T10:00:00Z",
    ".5",
    "key: value",
    "key:",
    "a:b",
    "http://x.test/a?b=c",
    "value # not a comment",
    "#start",
    "a#b",
    "a #b",
    "a#",
    "a##",
    "a# b",
    "- item",
    "-",
    "--",
    "---",
    "...",
    "? q",
    "?",
    ":",
    ": x",
    ",",
    "a, b",
    "[x]",
    "a[0]",
    "{x}",
    "a}b",
    "&anchor",
    "*alias",
    "!tag",
    "!!str",
    "|",
    ">",
    "'single'",
    "\"double\"",
    "it's",
    "say \"hi\"",
    "back\\slash",
    "%YAML",
    "@at",
    "`tick",
    "<<",
    "=",
    "line\nbreak",
    "trailing\n",
    "\ttab",
    "a\tb",
    "cr\r\n",
    "nul\0",
    "bell\u{7}",
    "del\u{7F}",
    "nel\u{85}",
    "c1\u{9B}",
    "ls\u{2028}ps\u{2029}",
    "bom\u{FEFF}",
    "\u{FFFE}",
    "Zoë Ünal",
    "日本語",
    "emoji 🎉",
    "ß",
    "e\u{301}",
    "\u{A0}nbsp",
];

/// `s` everywhere a string can stand: block value, flow value, flow key, list item, step.
fn in_every_position(s: &str) -> Value {
    let text = Value::from(s);
    let mut map = Mapping::new();
    map.insert(text.clone(), text.clone());
    map.insert(
        "in_list".into(),
        Value::Sequence(vec![text.clone(), text.clone()]),
    );
    let mut step = Mapping::new();
    step.insert("id".into(), text.clone());
    step.insert("create_contact".into(), Value::Mapping(map.clone()));
    step.insert("after".into(), Value::Sequence(vec![text.clone()]));
    step.insert(text.clone(), text.clone());
    let mut odd_step = Mapping::new();
    odd_step.insert(text.clone(), Value::Mapping(map.clone()));
    let mut doc = Mapping::new();
    doc.insert("value".into(), text.clone());
    doc.insert(text.clone(), Value::Mapping(map.clone()));
    doc.insert("warnings".into(), Value::Sequence(vec![text.clone()]));
    doc.insert(
        "steps".into(),
        Value::Sequence(vec![Value::Mapping(step), Value::Mapping(odd_step)]),
    );
    Value::Mapping(doc)
}

#[test]
fn every_nasty_string_reads_back_as_itself() {
    for s in NASTY {
        let value = in_every_position(s);
        let text = document(&value);
        let back: Value = serde_yaml::from_str(&text)
            .unwrap_or_else(|e| panic!("{s:?} does not parse: {e}\n{text}"));
        assert_eq!(back, value, "{s:?} changed:\n{text}");
    }
}

#[test]
fn everyday_strings_stay_plain() {
    for s in [
        "jane@acme.test",
        "contact/jane@acme.test",
        "contact/+15550199",
        "contact/source:oq9z4CKRrJZsAF6QtkfF",
        "Sales / Won",
        "Summit Roofing Co.",
        "sha256:4f1c2a9e",
        "O'Brien",
        "REF-56854",
        "Zoë Ünal",
        "_private",
        "/path",
        "yesterday",
        "8sWfQ1aZx0PqLm2TnR7u",
        "5sGi7TA6pG6dj0YpEJuz",
        "1e",
        "1185 Main St",
        "12 34",
        "opportunity/x@y.test/sales/deal#4NGRo0wYY2RfB69KGFGq",
    ] {
        assert_eq!(flow(&Value::from(s)), s);
    }
}

#[test]
fn risky_strings_are_double_quoted_with_escapes() {
    for (s, written) in [
        ("", r#""""#),
        ("43215", r#""43215""#),
        ("1e3", r#""1e3""#),
        ("0x1F", r#""0x1F""#),
        ("0xZZ", r#""0xZZ""#),
        ("+15550100", r#""+15550100""#),
        ("no", r#""no""#),
        ("a: b", r#""a: b""#),
        ("a, b", r#""a, b""#),
        ("say \"hi\"", r#""say \"hi\"""#),
        ("line\nbreak", r#""line\nbreak""#),
        ("nel\u{85}", r#""nel\u0085""#),
        ("bom\u{FEFF}", r#""bom\uFEFF""#),
    ] {
        assert_eq!(flow(&Value::from(s)), written, "{s:?}");
    }
}

#[test]
fn numbers_render_stably() {
    let cases = [
        (Value::from(100.0), "100.0"),
        (Value::from(78.9), "78.9"),
        (Value::from(0.5), "0.5"),
        (Value::from(5000), "5000"),
        (Value::from(-7), "-7"),
        (Value::from(u64::MAX), "18446744073709551615"),
        (Value::from(i64::MIN), "-9223372036854775808"),
        (Value::from(1e16), "1e16"),
        (Value::from(true), "true"),
        (Value::Null, "null"),
    ];
    for (value, written) in cases {
        assert_eq!(flow(&value), written);
        let back: Value = serde_yaml::from_str(written).unwrap();
        assert_eq!(back, value, "{written}");
    }
}

fn step(payload: &str) -> Value {
    serde_yaml::from_str(&format!(
        "steps:\n- id: contact/a@b.test\n  merge_contact: {payload}\n  after: [x/1, x/2]\n"
    ))
    .unwrap()
}

#[test]
fn a_short_payload_is_one_line() {
    assert_eq!(
        document(&step(
            "{into: K1, fields: {phone: '+1555'}, add_tags: [vip]}"
        )),
        "steps:\n  - id: contact/a@b.test\n    merge_contact: {into: K1, fields: {phone: \"+1555\"}, add_tags: [vip]}\n    after: [x/1, x/2]\n"
    );
}

#[test]
fn a_long_payload_gets_one_line_per_key() {
    let tags = (0..30)
        .map(|i| format!("tag{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let text = document(&step(&format!("{{into: K1, add_tags: [{tags}]}}")));
    assert_eq!(
        text,
        format!(
            "steps:\n  - id: contact/a@b.test\n    merge_contact:\n      into: K1\n      add_tags: [{tags}]\n    after: [x/1, x/2]\n"
        )
    );
}

#[test]
fn sections_are_blocks_with_one_line_per_entry() {
    let value: Value = serde_yaml::from_str(
        "format: f\nsummary:\n  contacts: {create: 2, merge: 1}\n  readiness_percent: 81.8\n\
         mapping:\n  fields_mapped: 1\n  fields: [{source: A, target: A, by: key}]\n  users: []\n\
         warnings: [w1, 'w: 2']\nsteps: []\nnot_done: [{id: x/1, outcome: blocked, reason: r}]\n",
    )
    .unwrap();
    assert_eq!(
        document(&value),
        "format: f\nsummary:\n  contacts: {create: 2, merge: 1}\n  readiness_percent: 81.8\n\
         mapping:\n  fields_mapped: 1\n  fields:\n    - {source: A, target: A, by: key}\n  users: []\n\
         warnings:\n  - w1\n  - \"w: 2\"\nsteps: []\nnot_done:\n  - {id: x/1, outcome: blocked, reason: r}\n"
    );
}

#[test]
fn long_keys_read_back() {
    for n in [100, 129, 1023, 1100, 3000] {
        let key = "k".repeat(n);
        let quoted = format!("\"{}", "q".repeat(n));
        for key in [key, quoted] {
            let value = in_every_position(&key);
            let text = document(&value);
            let back: Value = serde_yaml::from_str(&text)
                .unwrap_or_else(|e| panic!("a key of {n} does not parse: {e}"));
            assert_eq!(back, value);
        }
    }
}

#[test]
fn streamed_steps_follow_the_listed_ones() {
    let head: Value =
        serde_yaml::from_str("format: f\nsteps: [{id: a/1}]\nnot_done: []\n").unwrap();
    let mut more = String::new();
    step_block(
        &mut more,
        &serde_yaml::from_str("{id: a/2, after: [a/1]}").unwrap(),
    );
    let pieces = super::document(&head, vec![more.clone(), String::new()]);
    assert_eq!(
        pieces[1], more,
        "the steps' text is moved in, not copied into another string"
    );
    let out = pieces.concat();
    assert_eq!(
        out,
        "format: f\nsteps:\n  - id: a/1\n  - id: a/2\n    after: [a/1]\nnot_done: []\n"
    );
}
