//! Linear memories as the embedding API shows them.

use crate::store::{AsContext, AsContextMut, StoreContext, StoreContextMut};
use crate::types::MemoryType;
use crate::vm::{LinearMemory, MemoryId, StoreId, StoreOpaque, WASM_PAGE_SIZE};
use anyhow::{bail, Result};
use std::fmt;

/// A linear memory: a handle into its store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Memory {
    pub(crate) store: StoreId,
    pub(crate) index: MemoryId,
}

/// A `Memory::read` or `Memory::write` outside the memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MemoryAccessError {
    offset: usize,
    len: usize,
    size: usize,
}

impl fmt::Display for MemoryAccessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "out of bounds memory access: {} bytes at offset {} in a memory of {} bytes",
            self.len, self.offset, self.size
        )
    }
}

impl std::error::Error for MemoryAccessError {}

impl Memory {
    /// A new memory of type `ty`, owned by the store.
    pub fn new(mut store: impl AsContextMut, ty: MemoryType) -> Result<Memory> {
        if ty.is_64() || ty.is_shared() {
            bail!("64-bit and shared memories are not supported yet");
        }
        let store = &mut store.as_context_mut().0.opaque;
        let index = store.new_host_memory(ty.minimum(), ty.maximum())?;
        Ok(Memory { store: store.id, index })
    }

    fn get<'a>(&self, store: &'a StoreOpaque) -> &'a LinearMemory {
        assert!(store.id == self.store, "memory used with the wrong store");
        &store.memories[self.index.index()]
    }

    /// The memory's contents.
    ///
    /// # Panics
    /// When used with another store than the memory's own.
    pub fn data<'a, T: 'a>(&self, store: impl Into<StoreContext<'a, T>>) -> &'a [u8] {
        self.get(&store.into().0.opaque).data()
    }

    /// The memory's contents, writable.
    ///
    /// # Panics
    /// When used with another store than the memory's own.
    pub fn data_mut<'a, T: 'a>(&self, store: impl Into<StoreContextMut<'a, T>>) -> &'a mut [u8] {
        let store = &mut store.into().0.opaque;
        assert!(store.id == self.store, "memory used with the wrong store");
        store.memories[self.index.index()].data_mut()
    }

    /// The memory's contents and the store's host data at once, both
    /// writable: what a host function needs to move data between guest
    /// memory and its own state (e.g. a WASI context).
    ///
    /// # Panics
    /// When used with another store than the memory's own.
    pub fn data_and_store_mut<'a, T: 'a>(&self, store: impl Into<StoreContextMut<'a, T>>) -> (&'a mut [u8], &'a mut T) {
        let store = store.into().0;
        assert!(store.opaque.id == self.store, "memory used with the wrong store");
        (store.opaque.memories[self.index.index()].data_mut(), &mut store.data)
    }

    /// Copies `buf.len()` bytes at `offset` into `buf`.
    pub fn read(&self, store: impl AsContext, offset: usize, buf: &mut [u8]) -> Result<(), MemoryAccessError> {
        let store = store.as_context();
        let data = self.get(&store.0.opaque).data();
        let err = MemoryAccessError { offset, len: buf.len(), size: data.len() };
        let src = offset.checked_add(buf.len()).and_then(|end| data.get(offset..end)).ok_or(err)?;
        buf.copy_from_slice(src);
        Ok(())
    }

    /// Copies `buf` into the memory at `offset`.
    pub fn write(&self, mut store: impl AsContextMut, offset: usize, buf: &[u8]) -> Result<(), MemoryAccessError> {
        let store = &mut store.as_context_mut().0.opaque;
        assert!(store.id == self.store, "memory used with the wrong store");
        let data = store.memories[self.index.index()].data_mut();
        let err = MemoryAccessError { offset, len: buf.len(), size: data.len() };
        let dst = offset.checked_add(buf.len()).and_then(|end| data.get_mut(offset..end)).ok_or(err)?;
        dst.copy_from_slice(buf);
        Ok(())
    }

    /// Where the memory's contents start, as a raw pointer, for hosts that
    /// need one (e.g. to hand to foreign code). Reading or writing through
    /// it needs `unsafe` in the caller's code: the pointer is valid for
    /// [`data_size`](Self::data_size) bytes only until the memory grows or
    /// the store is used in any other way (e.g. a call into wasm), and must
    /// not be used while a slice from [`data`](Self::data) or
    /// [`data_mut`](Self::data_mut) is alive. [`read`](Self::read),
    /// [`write`](Self::write) and the slices are the safe ways in.
    ///
    /// # Panics
    /// When used with another store than the memory's own.
    pub fn data_ptr(&self, store: impl AsContext) -> *mut u8 {
        self.get(&store.as_context().0.opaque).base_ptr()
    }

    /// The size of this memory's pages in bytes: always 65,536 (Kiln does
    /// not support the custom-page-sizes proposal).
    ///
    /// # Panics
    /// When used with another store than the memory's own.
    pub fn page_size(&self, store: impl AsContext) -> u64 {
        self.get(&store.as_context().0.opaque);
        WASM_PAGE_SIZE as u64
    }

    /// Size in pages.
    pub fn size(&self, store: impl AsContext) -> u64 {
        self.get(&store.as_context().0.opaque).pages()
    }

    /// Size in bytes.
    pub fn data_size(&self, store: impl AsContext) -> usize {
        self.size(store) as usize * WASM_PAGE_SIZE
    }

    /// Grows by `delta` pages and returns the previous size in pages.
    pub fn grow(&self, mut store: impl AsContextMut, delta: u64) -> Result<u64> {
        let store = &mut store.as_context_mut().0.opaque;
        if store.id != self.store {
            bail!("memory used with the wrong store");
        }
        match store.grow_memory(self.index, delta)? {
            Some(old) => Ok(old),
            None => {
                bail!("failed to grow memory of {} pages by {delta} pages", store.memories[self.index.index()].pages())
            }
        }
    }

    /// The memory's type, with its current size as the minimum.
    pub fn ty(&self, store: impl AsContext) -> MemoryType {
        let store = store.as_context();
        assert!(store.0.opaque.id == self.store, "memory used with the wrong store");
        crate::instance::memory_type_of(&store.0.opaque, self.index)
    }
}
