//! The client `LoginMachine`: one scenario per rule, the exhaustive table, properties, the wire
//! form and the model-based test.
#![allow(clippy::unwrap_used, clippy::expect_used)] // Tests: a panic is a failed test.

#[path = "../support/mod.rs"]
mod support;

mod model_based;
mod properties;
mod rules;
mod table;
mod wire;
