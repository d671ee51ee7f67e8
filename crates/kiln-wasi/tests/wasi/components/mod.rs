//! WASI 0.2 components made from the preview 1 guest programs with the
//! preview 1 adapter (issue 8, item 7(b)) and the run-once command of
//! item 6.
//!
//! `run.rs` (not compiled yet: it needs `kiln_wasi::p2`) runs them.

pub mod adapt;
mod inventory;
mod run;
mod translate;
