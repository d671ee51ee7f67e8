//! The `kiln` command-line tool's library: the pieces its subcommands are
//! made of, usable from tests.

pub mod limits;
pub mod output;
pub mod run;
mod run_component;
pub mod wast;
