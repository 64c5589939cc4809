//! Matching ("smart mapping"): pure functions that decide, for each source object, what it is in
//! the target. Each kind has its own module; none of them touches the network.

pub mod contacts;
pub mod fields;
pub mod opportunities;
pub mod pipelines;
pub mod users;
