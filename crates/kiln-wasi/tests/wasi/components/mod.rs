//! WASI 0.2 components made from the preview 1 guest programs with the
//! preview 1 adapter (issue 8, item 7(b)) and the run-once command of
//! item 6.
//!
//! `run.rs` runs them, in both tiers, against their core runs.

pub mod adapt;
mod inventory;
mod run;
mod translate;
