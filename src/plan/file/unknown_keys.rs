//! Keys a step's payload holds that the plan types do not know. Most plan types refuse unknown
//! keys themselves; request bodies shared with the API (e.g. `create_field`) accept and drop
//! them, which in a hand-edited plan would silently lose what the person meant. So the parsed
//! document is compared with the plan as read back: a key that vanished was not understood.

use serde_yaml::Value;

use crate::plan::Plan;

/// The first key in a step that the plan types did not read, named by step id and path.
pub fn check(raw: &Value, plan: &Plan) -> Result<(), String> {
    let Some(raw_steps) = raw.get("steps").and_then(Value::as_sequence) else {
        return Ok(());
    };
    for (raw_step, step) in raw_steps.iter().zip(&plan.steps) {
        let read = serde_yaml::to_value(step).expect("a step is plain data and always serialises");
        if let Some(path) = first_unknown(raw_step, &read, String::new()) {
            return Err(format!(
                "step {}: unknown key `{path}` (it is not part of the plan format; remove it)",
                step.id
            ));
        }
    }
    Ok(())
}

/// The path of the first non-empty key in `raw` that `read` lacks.
fn first_unknown(raw: &Value, read: &Value, path: String) -> Option<String> {
    match (raw, read) {
        (Value::Mapping(raw), Value::Mapping(read)) => raw.iter().find_map(|(key, value)| {
            let name = match key {
                Value::String(s) => s.clone(),
                other => serde_yaml::to_string(other)
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
            };
            let here = if path.is_empty() {
                name
            } else {
                format!("{path}.{name}")
            };
            match read.get(key) {
                Some(inner) => first_unknown(value, inner, here),
                // Keys left out only because they are empty (`tags: []`, `model: null`) are fine.
                None if is_empty(value) => None,
                None => Some(here),
            }
        }),
        (Value::Sequence(raw), Value::Sequence(read)) => raw
            .iter()
            .zip(read)
            .enumerate()
            .find_map(|(i, (r, v))| first_unknown(r, v, format!("{path}[{i}]"))),
        _ => None,
    }
}

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Sequence(s) => s.is_empty(),
        Value::Mapping(m) => m.is_empty(),
        _ => false,
    }
}
