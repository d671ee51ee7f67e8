//! Traps: the ways WebAssembly execution stops abnormally, and the wasm
//! backtrace attached to them.

use crate::module::Module;
use crate::vm::ModuleArtifacts;
use std::collections::VecDeque;
use std::fmt;
use std::sync::Arc;

/// Why WebAssembly execution trapped. The `Display` text is the wording of
/// the WebAssembly specification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Trap {
    /// The wasm call stack went past `Config::max_wasm_stack`.
    StackOverflow,
    /// A load or store outside the bounds of a linear memory.
    MemoryOutOfBounds,
    /// An access outside the bounds of a table.
    TableOutOfBounds,
    /// `call_indirect` through a null table element.
    IndirectCallToNull,
    /// `call_indirect` to a function of the wrong type.
    BadSignature,
    /// Integer overflow (`INT_MIN / -1`).
    IntegerOverflow,
    /// Integer division or remainder by zero.
    IntegerDivisionByZero,
    /// A float that cannot be converted to the integer type.
    BadConversionToInteger,
    /// The `unreachable` instruction was executed.
    UnreachableCodeReached,
    /// The store's fuel ran out (`Config::consume_fuel`).
    OutOfFuel,
    /// The engine's epoch reached the store's deadline
    /// (`Config::epoch_interruption`).
    Interrupt,
}

impl Trap {
    /// Every trap, in declaration order: a trap's code (as runtime helpers
    /// pass it) is its position here.
    pub(crate) const ALL: [Trap; 11] = [
        Trap::StackOverflow,
        Trap::MemoryOutOfBounds,
        Trap::TableOutOfBounds,
        Trap::IndirectCallToNull,
        Trap::BadSignature,
        Trap::IntegerOverflow,
        Trap::IntegerDivisionByZero,
        Trap::BadConversionToInteger,
        Trap::UnreachableCodeReached,
        Trap::OutOfFuel,
        Trap::Interrupt,
    ];

    /// The trap whose code is `code`.
    pub(crate) fn from_code(code: u32) -> Option<Trap> {
        Trap::ALL.get(code as usize).copied()
    }

    /// This trap's code (its position in `ALL`: the declaration order).
    pub(crate) fn code(self) -> u32 {
        self as u32
    }

    /// The message the WebAssembly specification uses for this trap.
    pub fn message(&self) -> &'static str {
        match self {
            Trap::StackOverflow => "call stack exhausted",
            Trap::MemoryOutOfBounds => "out of bounds memory access",
            Trap::TableOutOfBounds => "out of bounds table access",
            Trap::IndirectCallToNull => "uninitialized element",
            Trap::BadSignature => "indirect call type mismatch",
            Trap::IntegerOverflow => "integer overflow",
            Trap::IntegerDivisionByZero => "integer divide by zero",
            Trap::BadConversionToInteger => "invalid conversion to integer",
            Trap::UnreachableCodeReached => "unreachable",
            Trap::OutOfFuel => "all fuel consumed by WebAssembly",
            Trap::Interrupt => "interrupt",
        }
    }
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "wasm trap: {}", self.message())
    }
}

impl std::error::Error for Trap {}

/// One wasm frame of a [`WasmBacktrace`].
#[derive(Clone)]
pub struct FrameInfo {
    /// The frame's module (kept alive by the frame, as in Wasmtime: names
    /// are read from it rather than copied into every frame).
    module: Arc<ModuleArtifacts>,
    func_index: u32,
    offset: Option<usize>,
}

impl FrameInfo {
    /// The frame of function `func` of `module`, at wasm bytecode `offset`
    /// if known.
    pub(crate) fn new(module: &Arc<ModuleArtifacts>, func: u32, offset: Option<usize>) -> FrameInfo {
        FrameInfo { module: module.clone(), func_index: func, offset }
    }

    /// The module the frame's function is defined in.
    pub fn module(&self) -> &Module {
        Module::from_artifacts(&self.module)
    }
    /// The index of the function in its module's function index space.
    pub fn func_index(&self) -> u32 {
        self.func_index
    }
    /// The function's name from the `name` section, if there is one.
    pub fn func_name(&self) -> Option<&str> {
        self.module.info.func_names.get(&self.func_index).map(|name| &**name)
    }
    /// The module's name from the `name` section, if there is one.
    pub fn module_name(&self) -> Option<&str> {
        self.module.info.name.as_deref()
    }
    /// Byte offset of the executing instruction in the module binary, when known.
    pub fn module_offset(&self) -> Option<usize> {
        self.offset
    }
    /// Byte offset of the executing instruction from the start of its
    /// function's body in the module binary (where the body's local
    /// declarations begin, after its size), when known.
    pub fn func_offset(&self) -> Option<usize> {
        let info = &self.module.info;
        let defined = self.func_index.checked_sub(info.num_imported_funcs)?;
        let start = *info.body_starts.get(defined as usize)? as usize;
        self.offset?.checked_sub(start)
    }
}

impl fmt::Debug for FrameInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FrameInfo")
            .field("module_name", &self.module_name())
            .field("func_index", &self.func_index)
            .field("func_name", &self.func_name())
            .field("module_offset", &self.offset)
            .finish()
    }
}

/// The wasm frames that were active when an error left WebAssembly code,
/// innermost first. Attached as context to trap errors: `err.downcast_ref::<WasmBacktrace>()`.
#[derive(Clone, Debug, Default)]
pub struct WasmBacktrace {
    pub(crate) frames: Vec<FrameInfo>,
    /// Frames left out between the innermost and outermost ones kept.
    pub(crate) omitted: usize,
    /// The message of the error this backtrace is attached to, shown first.
    pub(crate) cause: Option<String>,
}

impl WasmBacktrace {
    /// The frames, innermost first. A very deep stack keeps its innermost
    /// and outermost frames ([`frames_omitted`](Self::frames_omitted) says
    /// how many are left out between them), so a backtrace's memory stays
    /// bounded whatever the guest does.
    pub fn frames(&self) -> &[FrameInfo] {
        &self.frames
    }

    /// How many frames between the innermost and outermost were not kept.
    pub fn frames_omitted(&self) -> usize {
        self.omitted
    }

    /// The wasm frames on `store`'s stack now, innermost first: called from
    /// a host function, the wasm code that called it and its callers, out
    /// through every entry into wasm of the store (in both tiers); with no
    /// wasm running, none. A frame that called out of compiled code may
    /// lack its offset (`FrameInfo::module_offset` is `None`).
    pub fn capture(store: impl crate::AsContext) -> WasmBacktrace {
        crate::vm::capture_backtrace(&store.as_context().0.opaque)
    }
}

/// Frames kept at each end of a backtrace.
const KEPT_AT_EACH_END: usize = 10_000;

/// Collects the frames of a backtrace, innermost first, keeping at most
/// `KEPT_AT_EACH_END` at each end and counting the rest.
#[derive(Debug)]
pub(crate) struct FrameCollector<T> {
    head: Vec<T>,
    tail: VecDeque<T>,
    omitted: usize,
}

impl<T> FrameCollector<T> {
    pub(crate) fn new() -> Self {
        FrameCollector { head: Vec::new(), tail: VecDeque::new(), omitted: 0 }
    }

    /// Adds the next frame out.
    pub(crate) fn push(&mut self, frame: T) {
        if self.head.len() < KEPT_AT_EACH_END {
            self.head.push(frame);
            return;
        }
        if self.tail.len() == KEPT_AT_EACH_END {
            self.tail.pop_front();
            self.omitted += 1;
        }
        self.tail.push_back(frame);
    }

    /// The frames kept, innermost first, and how many were left out.
    pub(crate) fn finish(self) -> (Vec<T>, usize) {
        let mut frames = self.head;
        frames.extend(self.tail);
        (frames, self.omitted)
    }
}

impl fmt::Display for WasmBacktrace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(cause) = &self.cause {
            writeln!(f, "{cause}")?;
        }
        writeln!(f, "wasm backtrace:")?;
        for (i, frame) in self.frames.iter().enumerate() {
            // Frames after the omitted ones are numbered by their depth in
            // the whole stack.
            let mut depth = i;
            if self.omitted > 0 && i >= KEPT_AT_EACH_END {
                if i == KEPT_AT_EACH_END {
                    writeln!(f, "  ... {} frames omitted ...", self.omitted)?;
                }
                depth += self.omitted;
            }
            write!(f, "  {depth:>3}: ")?;
            if let Some(offset) = frame.offset {
                write!(f, "{offset:#8x} - ")?;
            }
            if let Some(m) = frame.module_name() {
                write!(f, "{m}!")?;
            }
            match frame.func_name() {
                Some(name) => write!(f, "{name}")?,
                None => write!(f, "<wasm function {}>", frame.func_index)?,
            }
            if i + 1 < self.frames.len() {
                writeln!(f)?;
            }
        }
        Ok(())
    }
}

/// Wraps a trap (or a host error) that left wasm with its backtrace, so that
/// the error's `Display` shows both: the cause first, then the frames.
pub(crate) fn with_backtrace(err: anyhow::Error, mut bt: WasmBacktrace) -> anyhow::Error {
    if bt.frames.is_empty() || err.downcast_ref::<WasmBacktrace>().is_some() {
        return err;
    }
    bt.cause = Some(err.to_string());
    err.context(bt)
}

#[cfg(test)]
mod code_tests {
    use super::Trap;

    #[test]
    fn a_traps_code_is_its_place_in_all() {
        for (i, trap) in Trap::ALL.iter().enumerate() {
            assert_eq!(trap.code(), i as u32);
            assert_eq!(Trap::from_code(i as u32), Some(*trap));
        }
        assert_eq!(Trap::from_code(Trap::ALL.len() as u32), None);
    }
}
