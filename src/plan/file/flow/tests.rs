use serde_json::json;

use super::*;
use crate::plan::file::emit;

/// What the value path writes.
fn via_value<T: Serialize>(value: &T) -> String {
    emit::flow(&serde_yaml::to_value(value).unwrap())
}

fn same<T: Serialize>(value: &T) {
    assert_eq!(flow(value).as_deref(), Some(via_value(value).as_str()));
}

#[test]
fn scalars_are_written_as_the_value_path_writes_them() {
    for s in [
        "",
        "plain",
        "yes",
        "No",
        "null",
        "1",
        "0x1F",
        "1e3",
        "8sWfQ1aZx0PqLm2TnR7u",
        "a: b",
        "a:b",
        "#x",
        "a #b",
        " lead",
        "trail ",
        "two  spaces",
        "- dash",
        "*alias",
        "&anchor",
        "!tag",
        "{x}",
        "[x]",
        "quote\"s",
        "back\\slash",
        "line\nbreak",
        "tab\there",
        "\r",
        "\u{85}",
        "\u{2028}",
        "\u{feff}",
        "Zoë 日本 🎉",
        "https://x.test/a?b=c",
        "@handle",
    ] {
        same(&s);
    }
    for n in [
        0.0,
        -0.0,
        0.1,
        100.0,
        1e300,
        -2.5e-10,
        f64::NAN,
        f64::INFINITY,
    ] {
        same(&n);
    }
    for n in [0i64, -1, i64::MIN, i64::MAX] {
        same(&n);
    }
    same(&u64::MAX);
    same(&true);
    same(&Option::<String>::None);
    same(&'c');
}

#[test]
fn collections_and_json_values_are_written_as_the_value_path_writes_them() {
    same(&json!({}));
    same(&json!([]));
    same(&json!({"a": [1, 2.5, "x", null, true], "b": {"c": {}}, "": "empty key"}));
    same(&json!({"k".repeat(200): "a key too long to be implicit"}));
    same(&vec![vec!["a"], vec![]]);
    same(&std::collections::BTreeMap::from([
        (3, "three"),
        (1, "one"),
    ]));
}

#[test]
fn every_step_of_the_sample_and_demo_plans_is_written_as_the_value_path_writes_it() {
    let demo: crate::plan::Plan =
        serde_yaml::from_str(include_str!("../../../../plans/demo.plan.yaml")).unwrap();
    let sample = crate::plan::file::sample::plan();
    let mut direct = 0;
    for step in sample.steps.iter().chain(&demo.steps) {
        let mut expected = String::new();
        emit::step_block(&mut expected, &serde_yaml::to_value(step).unwrap());
        let mut got = String::new();
        if step_block(&mut got, step) {
            direct += 1;
            assert_eq!(got, expected, "{}", step.id);
        } else {
            assert!(got.is_empty());
        }
    }
    assert!(direct > 200, "most steps take the direct path ({direct})");
}

#[test]
fn what_it_cannot_write_exactly_is_left_to_the_value_path() {
    #[derive(serde::Serialize)]
    enum E {
        Data(u8),
    }
    assert_eq!(flow(&E::Data(1)), None);
    assert_eq!(flow(&1.5f32), None);
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig {
        cases: 512,
        rng_seed: proptest::test_runner::RngSeed::Fixed(20_261_128),
        failure_persistence: None,
        ..proptest::prelude::ProptestConfig::default()
    })]

    #[test]
    fn any_json_value_is_written_as_the_value_path_writes_it(value in json_value()) {
        proptest::prop_assert_eq!(flow(&value), Some(via_value(&value)));
    }

    /// Steps of any length and content: the direct path writes them as the value path does, or
    /// leaves them to it.
    #[test]
    fn any_contact_step_is_written_as_the_value_path_writes_it(
        id in ".{1,20}",
        fields in proptest::collection::btree_map("[a-zA-Z]{1,8}", ".{0,30}", 0..6),
        tags in proptest::collection::vec(".{0,12}", 0..4),
        values in proptest::collection::vec((".{1,10}", json_value()), 0..3),
        after in proptest::collection::vec(".{1,10}", 0..3),
    ) {
        let step = Step {
            id,
            action: Action::CreateContact(crate::plan::ContactCreate {
                identity: "email".into(),
                source_id: "S1".into(),
                fields,
                tags,
                custom_fields: values
                    .into_iter()
                    .map(|(field, value)| crate::plan::ValueWrite {
                        field,
                        value,
                        ..Default::default()
                    })
                    .collect(),
                ..Default::default()
            }),
            after,
        };
        let mut expected = String::new();
        emit::step_block(&mut expected, &serde_yaml::to_value(&step).unwrap());
        let mut got = String::new();
        if step_block(&mut got, &step) {
            proptest::prop_assert_eq!(got, expected);
        }
    }
}

fn json_value() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just(serde_json::Value::Null),
        any::<bool>().prop_map(serde_json::Value::from),
        any::<i64>().prop_map(serde_json::Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(serde_json::Value::from),
        ".{0,12}".prop_map(serde_json::Value::from),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
            prop::collection::btree_map(".{0,8}", inner, 0..4)
                .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
        ]
    })
}
