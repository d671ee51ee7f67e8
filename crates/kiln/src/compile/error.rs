//! Compile errors: what was wrong with a module, where, and in which phase.

use std::fmt;

/// Which phase rejected a module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompileErrorKind {
    /// The bytes are not a well-formed WebAssembly binary (decoding failed).
    Malformed,
    /// The module decodes but breaks a validation rule (types, indices, ...).
    Invalid,
    /// The module uses something this engine does not support.
    Unsupported,
}

/// Why `Module::new` refused a module: a message and the byte offset of the
/// problem in the binary.
#[derive(Clone, Debug)]
pub struct CompileError {
    kind: CompileErrorKind,
    message: String,
    offset: Option<usize>,
}

/// Messages wasmparser's validator gives for problems the specification calls
/// malformed (structure of the binary rather than typing rules).
const MALFORMED_IN_VALIDATOR: &[&str] = &[
    "inconsistent lengths",
    "section out of order",
    "unexpected end",
    "data count section required",
    "malformed",
    "too many locals",
    "function body count mismatch",
    "section size mismatch",
    "junk after last section",
    "unexpected content after last section",
    "integer too large",
    "integer representation too long",
    "invalid leading byte",
];

impl CompileError {
    pub(crate) fn new(kind: CompileErrorKind, message: impl Into<String>, offset: Option<usize>) -> Self {
        CompileError { kind, message: message.into(), offset }
    }

    pub(crate) fn malformed(err: wasmparser::BinaryReaderError) -> Self {
        let message = err.message();
        // wasmparser spells this one as a multi-line dump of both byte arrays.
        let message = if message.starts_with("magic header not detected") {
            "magic header not detected: the bytes do not start with `\\0asm`, so this is not a WebAssembly binary"
                .to_string()
        } else {
            message.to_string()
        };
        CompileError::new(CompileErrorKind::Malformed, message, Some(err.offset() as usize))
    }

    pub(crate) fn unsupported(message: impl Into<String>, offset: impl TryInto<usize>) -> Self {
        CompileError::new(CompileErrorKind::Unsupported, message, offset.try_into().ok())
    }

    /// Errors from the validator are invalid modules, except the few
    /// structural checks it performs that the spec counts as decoding errors.
    pub(crate) fn from_validator(err: wasmparser::BinaryReaderError) -> Self {
        let message = err.message();
        let kind = if MALFORMED_IN_VALIDATOR.iter().any(|m| message.contains(m)) {
            CompileErrorKind::Malformed
        } else {
            CompileErrorKind::Invalid
        };
        CompileError::new(kind, message, Some(err.offset() as usize))
    }

    /// The phase that rejected the module.
    pub fn kind(&self) -> CompileErrorKind {
        self.kind
    }
    /// What is wrong.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// Byte offset in the binary where the problem was found.
    pub fn offset(&self) -> Option<usize> {
        self.offset
    }
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.kind {
            CompileErrorKind::Malformed => "malformed module",
            CompileErrorKind::Invalid => "invalid module",
            CompileErrorKind::Unsupported => "unsupported module",
        };
        write!(f, "{what}: {}", self.message)?;
        if let Some(offset) = self.offset {
            write!(f, " (at offset {offset:#x})")?;
        }
        Ok(())
    }
}

impl std::error::Error for CompileError {}
