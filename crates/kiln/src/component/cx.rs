//! What lifting and lowering a value needs from the call around it: the
//! guest's memory and `realloc`, its string encoding, and its handle table.
//!
//! The canonical-ABI code ([`super::values`], [`super::typed`]) is written
//! against these traits; the call paths (`canon lift` from the host,
//! `canon lower` trampolines) implement them over a store.

use super::resources::ResourceAny;
use super::types::ValueType;
use super::values::LiftError;

/// The `string-encoding` canonical option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) enum StringEncoding {
    /// `string-encoding=utf8` (the default).
    #[default]
    Utf8,
    /// `string-encoding=utf16`.
    Utf16,
    /// `string-encoding=latin1+utf16`.
    CompactUtf16,
}

/// Reading values the guest gives: arguments of a host import, results of
/// a guest export.
pub(crate) trait LiftCx {
    /// The guest's memory (the `memory` canonical option); empty if the
    /// function has none, so any pointer is out of bounds.
    fn memory(&self) -> &[u8];

    /// The guest's string encoding.
    fn string_encoding(&self) -> StringEncoding;

    /// The handle `index` of type `ty` (an `own` or `borrow`) in the
    /// guest's handle table: an `own` is taken out of the table, a
    /// `borrow` is looked up. A dead handle, one of another resource type,
    /// or an `own` that is lent out is an error (a trap).
    fn lift_resource(&mut self, ty: &ValueType, index: u32) -> Result<ResourceAny, LiftError>;
}

/// Writing values the guest receives: arguments of a guest export,
/// results of a host import.
pub(crate) trait LowerCx {
    /// The guest's memory, fetched again after every [`LowerCx::realloc`]
    /// (which may grow it): never hold the slice across a call to it.
    fn memory_mut(&mut self) -> &mut [u8];

    /// Calls the guest's `realloc(old_ptr, old_size, align, new_size)`
    /// and returns the pointer it gives (not yet checked against the
    /// memory: the caller checks it as it would any guest pointer).
    fn realloc(&mut self, old_ptr: u32, old_size: u32, align: u32, new_size: u32) -> Result<u32, LiftError>;

    /// The guest's string encoding.
    fn string_encoding(&self) -> StringEncoding;

    /// Puts `resource` into the guest's handle table as a value of type
    /// `ty` (`own` or `borrow`) and returns the handle's index (or, for a
    /// `borrow` of a resource the guest itself defines, its `rep`).
    fn lower_resource(&mut self, ty: &ValueType, resource: ResourceAny) -> Result<u32, LiftError>;
}
