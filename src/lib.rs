//! ghl-migrate: plan, review and apply a GoHighLevel sub-account migration, Terraform-style.
//!
//! Data flows one way: `config -> fetch (ghl) -> model -> matching -> graph -> plan -> render`,
//! and `plan file -> apply (executor + state) -> report`. Only the clients, the executor and
//! the sandbox are async; everything between is pure functions over plain data.

pub mod access;
pub mod apply;
pub mod atomic_file;
pub mod config;
pub mod error;
pub mod fixture;
pub mod ghl;
pub mod graph;
pub mod ledger;
pub mod matching;
pub mod model;
pub mod normalize;
pub mod parallel;
pub mod plan;
pub mod progress;
pub mod render;
pub mod sandbox;
pub mod state;
pub mod yaml_guard;

pub use error::{Error, Result};
