//! Integration tests of kiln-wasi: the C guest programs of
//! `tests/programs/wasi/` run through the embedding API, with in-memory
//! stdio and temporary directories, checked for their exact output and exit
//! status. One module per topic.

mod harness;

mod api;
mod args_env;
mod clocks;
mod components;
mod dirs;
mod exit;
mod fdops;
mod files;
mod limits;
mod memory;
mod p1;
mod poll;
mod random;
mod readonly;
mod sandbox;
mod sandbox_fuzz;
mod sandbox_fuzz_check;
mod stdio;
mod symlinks;
mod trunc_append;
