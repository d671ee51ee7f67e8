//! Index spaces of a module. Each has its own type, so a function index can
//! never be used where a global index is meant. "Defined" indices count only
//! the entities a module defines itself (after its imports).

macro_rules! index_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub(crate) struct $name(pub(crate) u32);

        impl $name {
            /// The index as a `usize`, for indexing a slice.
            #[inline]
            #[allow(dead_code)]
            pub(crate) fn index(self) -> usize {
                self.0 as usize
            }
        }

        impl From<u32> for $name {
            #[inline]
            fn from(i: u32) -> $name {
                $name(i)
            }
        }
    };
}

index_type!(
    /// A function in the module's function index space (imports first).
    FuncIndex
);
index_type!(
    /// A function the module defines: `FuncIndex - num_imported_funcs`.
    DefinedFuncIndex
);
index_type!(
    /// A table in the module's table index space (imports first).
    TableIndex
);
index_type!(
    /// A memory in the module's memory index space (imports first).
    MemoryIndex
);
index_type!(
    /// A global in the module's global index space (imports first).
    GlobalIndex
);
index_type!(
    /// A global the module defines: `GlobalIndex - num_imported_globals`.
    DefinedGlobalIndex
);
