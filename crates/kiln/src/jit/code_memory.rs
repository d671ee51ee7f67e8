//! Executable memory for a module's compiled code: mapped writable, filled
//! and relocated, then switched to read+execute (never both at once), and
//! unmapped on drop.

use super::compiler::{CompiledCode, RelocTarget, Relocation};
use super::libcalls;
use crate::compile::DefinedFuncIndex;
use anyhow::{bail, Context as _};
use cranelift_codegen::binemit::Reloc;
use std::ptr::NonNull;

/// A module's code, mapped read+execute.
pub(crate) struct CodeMemory {
    ptr: NonNull<u8>,
    /// Mapped length (a multiple of the page size).
    len: usize,
    /// Length of the code in the mapping.
    code_len: usize,
    funcs: Vec<super::FuncRanges>,
}

// SAFETY: after construction the mapping is immutable (read+execute) and
// owned by this value alone, so sharing or sending it between threads is
// sound.
unsafe impl Send for CodeMemory {}
// SAFETY: as above: nothing mutates the mapping through `&self`.
unsafe impl Sync for CodeMemory {}

/// Where a module's machine code comes from.
pub(crate) enum CodeSource<'a> {
    /// Bytes in memory: copied into a fresh mapping.
    Bytes(&'a [u8]),
    /// `len` bytes of a file from `offset` (a multiple of the page size):
    /// mapped privately, so only the pages that relocation writes are
    /// copied; the rest are shared with the page cache.
    File { file: &'a std::fs::File, offset: u64, len: usize },
}

impl CodeSource<'_> {
    fn len(&self) -> usize {
        match self {
            CodeSource::Bytes(bytes) => bytes.len(),
            CodeSource::File { len, .. } => *len,
        }
    }
}

impl CodeMemory {
    /// Maps `code`, resolves its relocations and makes it executable.
    pub(crate) fn new(code: &CompiledCode) -> anyhow::Result<CodeMemory> {
        CodeMemory::load(CodeSource::Bytes(&code.code), &code.funcs, &code.relocs)
    }

    /// Maps the code from `source`, whose functions are at `funcs`,
    /// resolves `relocs` and makes it executable.
    pub(crate) fn load(
        source: CodeSource<'_>,
        funcs: &[super::FuncRanges],
        relocs: &[Relocation],
    ) -> anyhow::Result<CodeMemory> {
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) } as usize;
        let code_len = source.len();
        let len = code_len.max(1).next_multiple_of(page);
        let (fd, offset, flags) = match &source {
            CodeSource::Bytes(_) => (-1, 0, libc::MAP_PRIVATE | libc::MAP_ANONYMOUS),
            CodeSource::File { file, offset, .. } => {
                if offset % page as u64 != 0 {
                    bail!("compiled code at offset {offset:#x} of the file is not page-aligned");
                }
                let offset = libc::off_t::try_from(*offset).context("compiled code offset out of range")?;
                (std::os::fd::AsRawFd::as_raw_fd(*file), offset, libc::MAP_PRIVATE)
            }
        };
        // SAFETY: a private mapping (anonymous, or of an open file) at an
        // address of the kernel's choosing touches no existing memory.
        let raw =
            unsafe { libc::mmap(std::ptr::null_mut(), len, libc::PROT_READ | libc::PROT_WRITE, flags, fd, offset) };
        if raw == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error()).context("mapping memory for compiled code");
        }
        let ptr = NonNull::new(raw.cast::<u8>()).context("mmap returned null")?;
        // From here on, `Drop` unmaps the region, also on the error paths.
        let memory = CodeMemory { ptr, len, code_len, funcs: funcs.to_vec() };
        if let CodeSource::Bytes(bytes) = source {
            // SAFETY: the mapping is `len >= bytes.len()` bytes, writable,
            // and freshly created, so it cannot overlap `bytes`.
            unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr.as_ptr(), bytes.len()) };
        }
        for f in funcs {
            let inside = |r: &std::ops::Range<u32>| r.start <= r.end && r.end as usize <= code_len;
            if !inside(&f.wasm) || !f.array.as_ref().is_none_or(inside) {
                bail!("a function's code is outside the compiled code");
            }
        }
        if !relocs.is_empty() {
            // SAFETY: the mapping is writable for `len >= code_len` bytes
            // until the `mprotect` below, and nothing else refers to it yet.
            let code = unsafe { std::slice::from_raw_parts_mut(ptr.as_ptr(), code_len) };
            let base = ptr.as_ptr() as u64;
            for reloc in relocs {
                let target = match reloc.target {
                    RelocTarget::Func(f) => {
                        let range = funcs.get(f.index()).context("relocation to a function that does not exist")?;
                        base + range.wasm.start as u64
                    }
                    RelocTarget::Code(offset) => base + offset as u64,
                    RelocTarget::LibCall(l) => {
                        libcalls::address(l).with_context(|| format!("no implementation of libcall {l:?}"))? as u64
                    }
                };
                patch(code, base, reloc.offset, reloc.kind, target, reloc.addend)?;
            }
        }
        // SAFETY: `ptr..ptr+len` is exactly the mapping created above.
        let rc = unsafe { libc::mprotect(raw, len, libc::PROT_READ | libc::PROT_EXEC) };
        if rc != 0 {
            return Err(std::io::Error::last_os_error()).context("making compiled code executable");
        }
        flush_icache(ptr.as_ptr(), code_len);
        Ok(memory)
    }

    /// The mapped code as bytes (relocated: every relocation site is
    /// rewritten whole when the code is loaded again, so the bytes there
    /// do not matter).
    pub(crate) fn bytes(&self) -> &[u8] {
        // SAFETY: the mapping is readable (read+execute) for `self.len >=
        // self.code_len` bytes and immutable while `self` lives.
        unsafe { std::slice::from_raw_parts(self.ptr.as_ptr(), self.code_len) }
    }

    fn address(&self, offset: u32) -> usize {
        self.ptr.as_ptr() as usize + offset as usize
    }

    /// Start of the wasm-call entry of defined function `f`.
    pub(crate) fn wasm_entry(&self, f: DefinedFuncIndex) -> *const u8 {
        self.address(self.funcs[f.index()].wasm.start) as *const u8
    }

    /// Start of the array-call entry of defined function `f` (its type is
    /// `vm::vmcontext::VMArrayCallFn`), or null when the function has none
    /// (it cannot be called other than directly).
    pub(crate) fn array_entry(&self, f: DefinedFuncIndex) -> *const u8 {
        match &self.funcs[f.index()].array {
            Some(range) => self.address(range.start) as *const u8,
            None => std::ptr::null(),
        }
    }

    /// The mapped code, for looking up a program counter.
    pub(crate) fn range(&self) -> std::ops::Range<usize> {
        let start = self.ptr.as_ptr() as usize;
        start..start + self.len
    }
}

impl Drop for CodeMemory {
    fn drop(&mut self) {
        // SAFETY: the region was mapped by `new` with exactly this length
        // and nothing refers to it once its owner is dropped.
        unsafe { libc::munmap(self.ptr.as_ptr().cast(), self.len) };
    }
}

/// Writes into `code` (placed at address `base`) at `offset` a reference
/// of `kind` to the address `target` (plus `addend`). Every kind rewrites
/// its whole field, so what the bytes held before does not matter.
pub(super) fn patch(
    code: &mut [u8],
    base: u64,
    offset: u32,
    kind: Reloc,
    target: u64,
    addend: i64,
) -> anyhow::Result<()> {
    let width = if kind == Reloc::Abs8 { 8 } else { 4 };
    let start = offset as usize;
    let Some(field) = code.get_mut(start..start + width) else {
        bail!("relocation at {offset:#x} is outside the code");
    };
    let place = base.wrapping_add(offset as u64) as i64;
    let pc_relative = (target as i64).wrapping_add(addend).wrapping_sub(place);
    match kind {
        Reloc::Abs8 => field.copy_from_slice(&(target as i64).wrapping_add(addend).to_le_bytes()),
        Reloc::X86CallPCRel4 | Reloc::X86CallPLTRel4 | Reloc::X86PCRel4 => {
            let value = i32::try_from(pc_relative).context("x86 call relocation out of range")?;
            field.copy_from_slice(&value.to_le_bytes());
        }
        Reloc::Arm64Call => {
            if pc_relative % 4 != 0 || !(-(1 << 27)..(1 << 27)).contains(&pc_relative) {
                bail!("aarch64 call relocation out of range");
            }
            let insn = u32::from_le_bytes(field[..4].try_into().expect("4 bytes"));
            let imm26 = ((pc_relative >> 2) as u32) & 0x03ff_ffff;
            field.copy_from_slice(&((insn & 0xfc00_0000) | imm26).to_le_bytes());
        }
        other => bail!("unsupported relocation kind {other:?}"),
    }
    Ok(())
}

/// Makes freshly written code visible to instruction fetch. x86_64 keeps
/// the caches coherent; aarch64 needs an explicit flush.
#[cfg(target_arch = "aarch64")]
fn flush_icache(start: *mut u8, len: usize) {
    unsafe extern "C" {
        fn __clear_cache(start: *mut libc::c_char, end: *mut libc::c_char);
    }
    // SAFETY: the range is inside the mapping just written; the routine
    // only runs cache maintenance instructions on it.
    unsafe { __clear_cache(start.cast(), start.add(len).cast()) };
}

#[cfg(not(target_arch = "aarch64"))]
fn flush_icache(_start: *mut u8, _len: usize) {}
