//! A plan for machines: the same content as the YAML file, as pretty JSON in the same field
//! order (maps sorted), so equal plans give identical output.

use crate::plan::Plan;

pub fn render(plan: &Plan) -> String {
    let mut out =
        serde_json::to_string_pretty(plan).expect("a plan is plain data and always serialises");
    out.push('\n');
    out
}
