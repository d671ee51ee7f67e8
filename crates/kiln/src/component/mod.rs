//! The component model (`kiln::component`, WASI 0.2), starting from the
//! bottom.
//!
//! What is here so far is the canonical ABI's type layout: Kiln's own
//! representation of component value and function types ([`types`]) and,
//! for each of them, the size and alignment in linear memory and the
//! flattened core-wasm signature ([`abi`]). Lifting and lowering values
//! between host and guest, the `canon lift`/`canon lower` trampolines, the
//! typed `ComponentType` traits and the `Component`/`Linker` API come next
//! and build on these definitions.

// Nothing in the runtime calls into this module yet; this goes when the
// component runtime does.
#![allow(dead_code)]

pub(crate) mod abi;
pub(crate) mod types;
pub(crate) mod values;
