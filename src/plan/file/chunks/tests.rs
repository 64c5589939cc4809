use std::path::Path;

use proptest::prelude::*;

use super::*;
use crate::plan::Action;
use crate::plan::file::{sample, to_yaml};

const DEMO: &str = include_str!("../../../../plans/demo.plan.yaml");

/// What the whole document gives, as `parse` read it before this module.
fn whole(text: &str) -> Option<Plan> {
    serde_yaml::from_str(text).ok()
}

/// The parts' result with chunks of at least `chunk_bytes` (0: one step per chunk).
fn parts(text: &str, chunk_bytes: usize) -> Option<Plan> {
    parse_split(&split(text, chunk_bytes)?)
}

/// The parts give the whole document's plan, whatever the chunking; and they do give one.
fn assert_read_in_parts(text: &str) {
    let expected = whole(text).expect("the whole document is a plan");
    for chunk_bytes in [0, 1, 300, 4096, CHUNK_BYTES] {
        assert_eq!(
            parts(text, chunk_bytes).as_ref(),
            Some(&expected),
            "chunks of {chunk_bytes} bytes:\n{text}"
        );
    }
    assert_eq!(parse(text), Some(expected));
}

/// Whatever the chunking, the parts give nothing, or what the whole document gives.
fn assert_never_differs(text: &str) {
    let expected = whole(text);
    for chunk_bytes in [0, 1, 300, CHUNK_BYTES] {
        if let Some(plan) = parts(text, chunk_bytes) {
            assert_eq!(
                Some(&plan),
                expected.as_ref(),
                "chunks of {chunk_bytes}:\n{text}"
            );
        }
    }
}

/// The parts decline, so `parse` reads the document whole, as before, with its errors.
fn assert_declined(text: &str) {
    for chunk_bytes in [0, 1, 300, CHUNK_BYTES] {
        assert_eq!(
            parts(text, chunk_bytes),
            None,
            "chunks of {chunk_bytes}:\n{text}"
        );
    }
}

fn crlf(text: &str) -> String {
    text.replace('\n', "\r\n")
}

/// The sample with its strings made tricky: line breaks followed by what looks like a step,
/// a comment or a key, quotes, indicators and unicode.
fn tricky_plan() -> Plan {
    let mut plan = sample::plan();
    let tricky = [
        "Deal\n- id: custom_field/fake\n  create_field: {name: x}",
        "two\nlines\n  - id: indented/fake\n",
        "# not a comment\nnot_done: []",
        "ends with breaks\n\n\n",
        "Zoë 日本 🎉 \u{85} \u{2028} tab\there",
        "'single' \"double\" \\ back",
        "steps:\n- id: x",
        "--- not a marker\n...\n%YAML 1.2",
    ];
    for (step, text) in plan.steps.iter_mut().zip(tricky.iter().cycle()) {
        match &mut step.action {
            Action::CreateField(f) => f.name = (*text).into(),
            Action::CreateContact(c) => {
                c.tags.push((*text).into());
                c.fields.insert("companyName".into(), (*text).into());
            }
            Action::MergeContact(u) | Action::OverwriteContact(u) => {
                u.fields.insert("address1".into(), (*text).into());
            }
            Action::CreateOpportunity(o) => o.name = (*text).into(),
            Action::CreatePipeline(p) => p.name = (*text).into(),
            Action::AddStage(a) => a.pipeline_name = (*text).into(),
            Action::CreateNote(n) => n.body = (*text).into(),
            Action::CreateTask(t) => t.title = (*text).into(),
            Action::Delete(d) => d.name = (*text).into(),
            Action::RestoreContact(r) => r.name = (*text).into(),
        }
    }
    plan.warnings.push("warning\n- id: fake".into());
    plan.name = "name\nsteps:\n- x".into();
    plan
}

#[test]
fn the_sample_is_read_in_parts() {
    assert_read_in_parts(sample::TEXT);
    assert_read_in_parts(&crlf(sample::TEXT));
}

#[test]
fn the_emitted_layout_is_read_in_parts() {
    let text = to_yaml(&sample::plan());
    assert!(text.contains("\nsteps:\n  - id: "), "{text}");
    assert_read_in_parts(&text);
    assert_read_in_parts(&crlf(&text));
}

#[test]
fn the_committed_demo_plan_is_read_in_parts() {
    assert_read_in_parts(DEMO);
    let plan = whole(DEMO).unwrap();
    assert_eq!(split(DEMO, 0).unwrap().chunks.len(), plan.steps.len());
}

#[test]
fn a_plan_written_by_serde_yaml_is_read_in_parts() {
    // As the tests that edit plans by hand write them: items at column 0, block scalars.
    for plan in [sample::plan(), whole(DEMO).unwrap(), tricky_plan()] {
        let text = serde_yaml::to_string(&plan).unwrap();
        assert!(text.contains("\nsteps:\n- id: "), "{text}");
        assert_read_in_parts(&text);
        assert_eq!(parse(&text), Some(plan));
    }
}

#[test]
fn tricky_strings_are_read_in_parts() {
    let plan = tricky_plan();
    let text = to_yaml(&plan);
    assert_read_in_parts(&text);
    assert_eq!(parse(&text), Some(plan.clone()));
    assert_read_in_parts(&crlf(&text));
}

#[test]
fn comments_and_blank_lines_between_steps_and_keys_after_them_are_read_in_parts() {
    let text = sample::TEXT
        .replace("- id: contact/", "# a comment\n\n  # another\n- id: contact/")
        .replace("steps:\n", "steps:\n# first\n\n")
        .replace("not_done:\n", "# last\nnot_done:\n")
        .replace(
            "warnings:\n- 'custom field `Region`: text in the source, numerical in the target; its values are not copied'\n- 'pipeline `Renewals` does not exist in the target: create it there, then re-plan'\n",
            "",
        );
    let text = format!("{text}warnings: [w]\n");
    assert_read_in_parts(&text);
    assert_eq!(whole(&text).unwrap().warnings, vec!["w".to_string()]);
}

#[test]
fn a_byte_order_mark_and_a_last_line_without_break_are_read_in_parts() {
    assert_read_in_parts(&format!("\u{FEFF}{}", sample::TEXT));
    let without_not_done = &sample::TEXT[..sample::TEXT.find("not_done:").unwrap()];
    let last_step = format!("not_done: []\n{without_not_done}");
    assert_read_in_parts(last_step.trim_end());
}

#[test]
fn block_scalars_in_steps_are_read_in_parts() {
    // Keep-chomping block scalars at the end of every chunk keep their trailing lines.
    let text = sample::TEXT
        .replace(
            "    model: opportunity\n",
            "    model: opportunity\n    placeholder: |+\n      - id: custom_field/fake\n      create_field: {}\n\n\n",
        )
        .replace(
            "    assigned_to: UsrT4rget0001\n  after:\n",
            "    assigned_to: UsrT4rget0001\n    dnd: false\n  after:\n",
        )
        .replace(
            "    - field: FbX2kq0TargetBudget\n      value: 5000\n",
            "    - field: FbX2kq0TargetBudget\n      value: >-\n        folded\n        - id: x\n\n        # text\n",
        );
    assert_read_in_parts(&text);
    let plan = whole(&text).unwrap();
    let Action::CreateField(field) = &plan.steps[1].action else {
        panic!()
    };
    assert_eq!(
        field.placeholder.as_deref(),
        Some("- id: custom_field/fake\ncreate_field: {}\n\n\n")
    );
}

#[test]
fn a_step_line_inside_a_quoted_string_is_never_cut() {
    // The quoted string spans lines that look like steps, a comment and the next key; YAML
    // (libyaml) takes its lines even when less indented than the key, so only parsing tells
    // them apart.
    let quoted = sample::TEXT.replace(
        "    name: Deal Source\n",
        "    name: \"Deal Source\n- id: custom_field/fake\n  create_field: {name: x}\n# no comment\nnot_done: []\n  \"\n",
    );
    let single = quoted.replace('"', "'");
    for text in [quoted, single] {
        let plan = whole(&text).expect("a plan");
        assert_eq!(plan.steps.len(), 8);
        assert_never_differs(&text);
        assert_declined(&text);
    }
}

#[test]
fn the_next_key_inside_a_flow_collection_is_never_cut() {
    let flow = sample::TEXT.replace(
        "    source_id: src-opp-8\n",
        "    source_id: src-opp-8\n    custom_fields:\n    - field: F\n      value: [a,\nnot_done: x]\n",
    );
    assert_eq!(whole(&flow).expect("a plan").not_done.len(), 4);
    assert_never_differs(&flow);
    assert_declined(&flow);
}

#[test]
fn a_steps_line_inside_a_quoted_string_before_it_is_never_taken_for_the_key() {
    // The whole document reads the steps into a warning and has none (the summary's counts
    // then fail validation); the head alone would read `steps: []` into the warning, and the
    // chunks would find 8 steps.
    let text = sample::TEXT
        .replace("- 'pipeline `Renewals`", "- \"pipeline `Renewals`")
        .replace("then re-plan'\n", "then re-plan\n")
        .replace("not_done:\n", "end\"\nnot_done:\n");
    let plan = whole(&text).expect("a plan");
    assert!(plan.steps.is_empty());
    assert!(plan.warnings[1].contains("- id: custom_field/interests"));
    assert_never_differs(&text);
    assert_declined(&text);
}

#[test]
fn line_breaks_only_yaml_sees_never_hide_a_step_or_a_key() {
    // A lone CR (and NEL) breaks lines for YAML, not for the cutting.
    for newline in ["\r", "\u{85}"] {
        let hidden_step = sample::TEXT.replace(
            "\n- id: contact/+15550199",
            &format!("{newline}- id: contact/+15550199"),
        );
        let hidden_key = sample::TEXT.replace("\nnot_done:", &format!("{newline}not_done:"));
        for text in [hidden_step, hidden_key] {
            assert_never_differs(&text);
            assert_declined(&text);
        }
    }
    let plan =
        whole(&sample::TEXT.replace("\n- id: contact/+15550199", "\r- id: contact/+15550199"));
    assert_eq!(plan, whole(sample::TEXT));
}

#[test]
fn aliases_directives_and_document_markers_are_declined() {
    let alias = sample::TEXT
        .replace("name: acme-to-parent", "name: &n acme-to-parent")
        .replace("  source_id: src-opp-8\n", "  source_id: &n src-opp-8\n")
        .replace("reason: text in the source", "reason: *n");
    assert_declined(&alias);
    assert_declined(&format!("%YAML 1.1\n---\n{}", sample::TEXT));
    assert_declined(&format!("---\n{}", sample::TEXT));
    assert_declined(&format!(
        "{}...\n",
        &sample::TEXT.replace("not_done:", "...\nnot_done:")
    ));
    // A `*` inside a word is no alias.
    let starred = sample::TEXT.replace("name: Deal 7", "name: Deal*7 x.*y");
    assert_read_in_parts(&starred);
}

#[test]
fn other_layouts_are_declined() {
    let cases = [
        sample::TEXT.replace("steps:\n", "steps: # the work\n"),
        sample::TEXT.replace("not_done:\n", "\"not_done\":\n"),
        sample::TEXT.replace("steps:\n", "? steps\n:\n"),
    ];
    for text in cases {
        assert_declined(&text);
        assert_eq!(whole(&text), whole(sample::TEXT), "{text}");
    }
}

#[test]
fn invalid_documents_are_declined() {
    let cases = [
        sample::TEXT.replace("steps:\n", "steps:\n  x: 1\n"),
        sample::TEXT.replace("not_done:\n", "steps: []\nnot_done:\n"),
        sample::TEXT.replace("    status: won", "    status: wonn"),
        sample::TEXT.replace("- id: contact/+15550199", "-id: contact/+15550199"),
        sample::TEXT.replace("- id: contact/+15550199", "\t- id: contact/+15550199"),
        sample::TEXT.replace(
            "    source_id: src-opp-8\n",
            "    source_id: src-opp-8\n  x: [\n",
        ),
        sample::TEXT.replace("\nnot_done:", "\nnot_done: [\n]\nnot_done:"),
        "format: ghl-migrate/plan/v1\nsteps:\nnot_done: []\n".to_string(),
        "steps:\n- a\n".to_string(),
        String::new(),
    ];
    for text in cases {
        assert_declined(&text);
        assert_eq!(whole(&text), None, "{text}");
    }
}

#[test]
fn a_declined_plan_gives_the_whole_documents_error() {
    let text = sample::TEXT.replace("    status: won", "    status: wonn");
    assert_eq!(parse(&text), None);
    let e = crate::plan::file::parse(Path::new("p.yaml"), &text)
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("p.yaml:"), "{e}");
    assert!(
        e.starts_with(
            "p.yaml:156:13: step opportunity/deal-7-jane@acme.test: steps[6].create_opportunity.status: unknown variant `wonn`"
        ),
        "{e}"
    );
}

#[test]
fn nesting_counts_as_in_the_whole_document() {
    // serde_yaml refuses nesting beyond a depth counted from the document's root: a chunk
    // read on its own must hit that limit for the same value.
    for depth in 110..130 {
        let value = format!("{}1{}", "[".repeat(depth), "]".repeat(depth));
        let text = sample::TEXT.replace("      value: 5000\n", &format!("      value: {value}\n"));
        let expected = whole(&text);
        for chunk_bytes in [0, CHUNK_BYTES] {
            assert_eq!(parts(&text, chunk_bytes), expected, "depth {depth}");
        }
    }
}

#[test]
fn lines_classify_as_the_cutting_needs() {
    assert_eq!(classify("- id: x", None), Line::Item(0));
    assert_eq!(classify("  - id: x", None), Line::Item(2));
    assert_eq!(classify("-", Some(0)), Line::Item(0));
    assert_eq!(classify("-\r", Some(0)), Line::Item(0));
    assert_eq!(classify("  - x", Some(0)), Line::Inner);
    assert_eq!(classify("- x", Some(2)), Line::Other);
    assert_eq!(classify("  x: 1", None), Line::Other);
    assert_eq!(classify("  # c", None), Line::Inner);
    assert_eq!(classify("", Some(2)), Line::Inner);
    assert_eq!(classify("not_done:", Some(2)), Line::Key);
    assert_eq!(classify("---", Some(0)), Line::Other);
    assert_eq!(classify("\u{FEFF}- x", Some(0)), Line::Other);
    assert!(may_hold_alias("a: *x"));
    assert!(may_hold_alias("*x"));
    assert!(may_hold_alias("{\"a\":*x}"));
    assert!(!may_hold_alias("a: b*c, d.*, e**-"));
}

/// Lines that change the meaning of what follows them, or look like the lines cuts are made
/// at; and, more often, comments and blank lines, which leave most documents valid.
fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => (0..8usize, prop::sample::select(vec!["", "# c", "#", "# - id: x"]))
            .prop_map(|(indent, rest)| format!("{}{rest}", " ".repeat(indent))),
        2 => dangerous_line(),
    ]
}

fn dangerous_line() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "- id: custom_field/fake",
        "  - id: custom_field/fake",
        "- ",
        "-",
        "  create_field: {name: x, dataType: TEXT, model: contact}",
        "    name: \"open",
        "    name: 'open",
        "close\"",
        "close'",
        "  '",
        "\"",
        "    placeholder: |",
        "    placeholder: >+",
        "      text",
        "  x: [",
        "]",
        "}",
        "# comment",
        "  # comment",
        "",
        "   ",
        "\t",
        "steps:",
        "steps: []",
        "not_done:",
        "not_done: []",
        "warnings: [x]",
        "name: other",
        "---",
        "...",
        "%YAML 1.1",
        "? complex",
        "  after: []",
        "  after:",
        "  - custom_field/interests",
        "\u{FEFF}",
        "x: &a y",
        "x: *a",
    ])
    .prop_map(str::to_string)
}

proptest! {
    // A fixed seed: the same cases on every run, so the suite is deterministic.
    #![proptest_config(ProptestConfig {
        cases: 256,
        rng_seed: proptest::test_runner::RngSeed::Fixed(20_261_128),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// Lines inserted anywhere in the three layouts: the parts give nothing, or the plan the
    /// whole document gives.
    #[test]
    fn inserted_lines_never_make_the_parts_differ(
        layout in 0..3usize,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), line()), 1..4),
        line_break in prop::sample::select(vec!["\n", "\r\n"]),
    ) {
        let text = match layout {
            0 => sample::TEXT.to_string(),
            1 => to_yaml(&tricky_plan()),
            _ => serde_yaml::to_string(&tricky_plan()).unwrap(),
        };
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        for (at, line) in edits {
            lines.insert(at.index(lines.len() + 1), line);
        }
        let text = lines.join(line_break) + line_break;
        let expected = whole(&text);
        for chunk_bytes in [0, 300, CHUNK_BYTES] {
            if let Some(plan) = parts(&text, chunk_bytes) {
                prop_assert_eq!(Some(&plan), expected.as_ref(), "{}", text);
            }
        }
    }

    /// Plans holding random strings made of YAML's dangerous pieces, in both layouts, are read
    /// in parts as the whole document reads them (unless a `*` might be an alias).
    #[test]
    fn written_plans_with_random_strings_are_read_in_parts(
        strings in proptest::collection::vec(proptest::collection::vec(piece(), 0..6), 1..12),
        serde_layout in any::<bool>(),
    ) {
        let mut plan = sample::plan();
        let strings: Vec<String> = strings.into_iter().map(|p| p.concat()).collect();
        for (i, s) in strings.iter().enumerate() {
            let n = plan.steps.len();
            match &mut plan.steps[i % n].action {
                Action::CreateField(f) => f.placeholder = Some(s.clone()),
                Action::CreateContact(c) => c.tags.push(s.clone()),
                Action::MergeContact(u) | Action::OverwriteContact(u) => {
                    u.fields.insert(s.clone(), s.clone());
                }
                Action::CreateOpportunity(o) => o.name = format!("x{s}"),
                Action::CreatePipeline(p) => p.name = format!("x{s}"),
                Action::AddStage(a) => a.pipeline_name = format!("x{s}"),
                Action::CreateNote(n) => n.body = format!("x{s}"),
                Action::CreateTask(t) => t.body = Some(s.clone()),
                Action::Delete(d) => d.name = format!("x{s}"),
                Action::RestoreContact(r) => r.name = format!("x{s}"),
            }
        }
        plan.not_done[0].reason = strings[0].clone();
        let text = if serde_layout {
            serde_yaml::to_string(&plan).unwrap()
        } else {
            to_yaml(&plan)
        };
        prop_assert_eq!(whole(&text), Some(plan.clone()));
        for chunk_bytes in [0, 300, CHUNK_BYTES] {
            let got = parts(&text, chunk_bytes);
            // Declining is the safe answer to a `*` that might be an alias, and to a line
            // break that YAML sees but a cut at `\n` does not (which serde_yaml may write at
            // the start of a block scalar's line).
            if !text.contains(['*', '\u{85}', '\u{2028}', '\u{2029}']) {
                prop_assert!(got.is_some(), "{}", text);
            }
            if let Some(got) = got {
                prop_assert_eq!(&got, &plan);
            }
        }
    }
}

/// Fragments that are harmless alone and dangerous together or at the start of a line.
fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9]{1,4}",
        prop::sample::select(vec![
            " ",
            ": ",
            ":",
            " #",
            "#",
            "'",
            "\"",
            "\\",
            ",",
            "[",
            "]",
            "{",
            "}",
            "-",
            "- ",
            "\n- ",
            "\n  - ",
            "\n",
            "\n\n",
            "\r\n",
            "\r",
            "\t",
            "@",
            "*",
            "&",
            "!",
            "|",
            ">",
            "%",
            "?",
            "~",
            "---",
            "...",
            "steps:",
            "not_done:",
            "id: x",
            "Zoë",
            "🎉",
            "\u{85}",
            "\u{2028}",
            "\u{FEFF}",
            "\u{A0}",
            "\u{0}",
        ])
        .prop_map(str::to_string),
    ]
}

/// A document end marker behind a line break only YAML sees (a lone CR, NEL,
/// LS) at the end of a chunk ends the whole document there, so the whole text is no plan (a
/// second document follows); the chunk alone ends at the same place and parses.
#[test]
fn a_hidden_document_end_at_a_cut_is_declined() {
    for newline in ["\r", "\u{85}", "\u{2028}"] {
        let text = sample::TEXT.replace(
            "\n- id: contact/+15550199",
            &format!("{newline}...\n- id: contact/+15550199"),
        );
        assert_eq!(whole(&text), None, "the whole document is not a plan");
        assert_never_differs(&text);
    }
}

/// The same through the public entry point, with the real chunk size: a plan whose first
/// chunk is over `CHUNK_BYTES` and ends with `\r...`.
#[test]
fn a_hidden_document_end_is_accepted_by_file_parse() {
    let mut plan = sample::plan();
    if let Action::CreateField(f) = &mut plan.steps[0].action {
        f.placeholder = Some("x".repeat(CHUNK_BYTES));
    }
    let text = to_yaml(&plan);
    let second = text.find("\n  - id: custom_field/deal-source").unwrap();
    let text = format!("{}\r...{}", &text[..second], &text[second..]);
    assert!(serde_yaml::from_str::<Plan>(&text).is_err());
    assert_eq!(
        parse(&text),
        None,
        "chunks::parse gave a plan the whole text is not"
    );
    assert!(
        crate::plan::file::parse(Path::new("p.yaml"), &text).is_err(),
        "file::parse accepted a text serde_yaml refuses"
    );
}

/// Hidden line breaks (a lone CR, NEL, LS, PS) followed by dangerous lines, inserted
/// at random into the three layouts: the parts give nothing, or what the whole document gives.
#[test]
fn hidden_breaks_before_dangerous_lines_never_make_the_parts_differ() {
    use rand::{RngExt, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let layouts = [
        sample::TEXT.to_string(),
        to_yaml(&sample::plan()),
        serde_yaml::to_string(&sample::plan()).unwrap(),
    ];
    let dangerous = [
        "- id: custom_field/fake",
        "  - id: custom_field/fake",
        "- ",
        "  create_field: {name: x, dataType: TEXT, model: contact}",
        "    name: \"open",
        "close\"",
        "    placeholder: |",
        "    placeholder: >+",
        "      text",
        "  x: [",
        "]",
        "# comment",
        "",
        "steps:",
        "steps: []",
        "not_done:",
        "not_done: []",
        "warnings: [x]",
        "---",
        "...",
        "%YAML 1.1",
        "? complex",
        "? steps",
        ": x",
        "  after: []",
        "  - custom_field/interests",
        "!!map",
        "&a",
    ];
    let breaks = ["\r", "\u{85}", "\u{2028}", "\u{2029}", "\n", "\r\n"];
    let mut compared = 0;
    for _ in 0..1000 {
        let mut text = layouts[rng.random_range(0..layouts.len())].clone();
        for _ in 0..rng.random_range(1..3) {
            // Mostly at a line's end, where a chunk ends.
            let ends: Vec<usize> = text.match_indices('\n').map(|(i, _)| i).collect();
            let mut at = if rng.random_range(0..10) < 7 {
                ends[rng.random_range(0..ends.len())]
            } else {
                rng.random_range(0..=text.len())
            };
            while !text.is_char_boundary(at) {
                at -= 1;
            }
            let before = breaks[rng.random_range(0..breaks.len())];
            let after = breaks[rng.random_range(0..breaks.len())];
            let line = dangerous[rng.random_range(0..dangerous.len())];
            text.insert_str(at, &format!("{before}{line}{after}"));
        }
        let expected = whole(&text);
        for chunk_bytes in [0, 300] {
            if let Some(plan) = parts(&text, chunk_bytes) {
                compared += 1;
                assert_eq!(
                    Some(&plan),
                    expected.as_ref(),
                    "chunks of {chunk_bytes}: {text:?}"
                );
            }
        }
    }
    assert!(compared > 25, "{compared}");
}

/// The smallest text showing a document end hidden behind a lone CR (one step per chunk).
#[test]
fn minimal_hidden_document_end() {
    let text = "format: ghl-migrate/plan/v1\nname: n\n\
        source: {api: v2, location: S, fingerprint: f}\n\
        target: {api: v2, location: T, fingerprint: g}\n\
        summary: {custom_fields: {}, pipelines: {}, stages: {}, users: {}, contacts: {}, opportunities: {}, readiness_percent: 0}\n\
        mapping: {fields_mapped: 0, pipelines_mapped: 0, stages_mapped: 0, overall_readiness_percent: 0}\n\
        steps:\n\
        - id: custom_field/a\n  create_field: {name: A, dataType: TEXT}\r...\n\
        - id: custom_field/b\n  create_field: {name: B, dataType: TEXT}\n\
        not_done: []\n";
    assert!(serde_yaml::from_str::<Plan>(text).is_err());
    assert!(serde_yaml::from_str::<Plan>(&text.replace("\r...", "")).is_ok());
    assert_eq!(parts(text, 0), None);
}
