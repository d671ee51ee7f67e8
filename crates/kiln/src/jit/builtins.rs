//! The runtime helpers compiled code calls through the instance's
//! `VMBuiltins` table.
//!
//! `vm::vmcontext::BuiltinIndex` is the authority, but `vm::vmcontext` is
//! private to `vm/`, so the table order and parameter kinds are mirrored
//! here and must change together with `vm/vmcontext.rs`.

/// A helper in the `VMBuiltins` table, in table order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Builtin {
    MemoryGrow,
    MemoryFill,
    MemoryCopy,
    MemoryInit,
    DataDrop,
    TableGrow,
    TableFill,
    TableCopy,
    TableInit,
    ElemDrop,
    RaiseTrap,
    Unwind,
}

/// Kind of a helper parameter after the leading `vmctx`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Param {
    U32,
    Usize,
}

impl Builtin {
    /// Byte offset of the helper's function pointer in `VMBuiltins`.
    pub(crate) fn offset(self, ptr_size: u32) -> u32 {
        self as u32 * ptr_size
    }

    /// Parameters after `vmctx`.
    pub(crate) fn params(self) -> &'static [Param] {
        use Param::*;
        match self {
            Builtin::MemoryGrow => &[U32, U32],
            Builtin::MemoryFill => &[U32, U32, U32, U32],
            Builtin::MemoryCopy | Builtin::MemoryInit | Builtin::TableCopy | Builtin::TableInit => {
                &[U32, U32, U32, U32, U32]
            }
            Builtin::DataDrop | Builtin::ElemDrop | Builtin::RaiseTrap => &[U32],
            Builtin::TableGrow => &[U32, U32, Usize],
            Builtin::TableFill => &[U32, U32, Usize, U32],
            Builtin::Unwind => &[],
        }
    }

    /// Whether the helper returns a `u32`.
    pub(crate) fn returns_u32(self) -> bool {
        matches!(self, Builtin::MemoryGrow | Builtin::TableGrow)
    }
}
