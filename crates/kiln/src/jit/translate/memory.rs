//! Linear memory: loads, stores, `memory.size`, and the bulk operators
//! (through runtime helpers).
//!
//! The memory's definition pointer is fixed for the instance's lifetime
//! (a readonly load), but its `base` and `current_length` are loaded at
//! every access: anything that can grow memory (calls, `memory.grow`,
//! helpers) may change them, and Cranelift's alias analysis treats calls as
//! clobbering memory, so it never reuses a load across one.

use super::{fixed, trusted, FuncTranslator, MemoryMode, GUARD_SIZE, PTR};
use crate::compile::{CompileError, MemoryIndex};
use crate::vm::BuiltinIndex;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{F32, F64, I16, I32, I64, I8};
use cranelift_codegen::ir::{Endianness, InstBuilder, MemFlagsData, TrapCode, Type, Value};
use wasmparser::{MemArg, MemArgTarget, Operator};

/// Flags of a wasm load or store: little-endian, maybe unaligned, and a
/// fault is an out-of-bounds access.
pub(super) fn heap_flags() -> MemFlagsData {
    MemFlagsData::new().with_endianness(Endianness::Little).with_trap_code(Some(TrapCode::HEAP_OUT_OF_BOUNDS))
}

/// How a load produces its value.
#[derive(Clone, Copy)]
enum Load {
    /// A full-width load of the type.
    Plain(Type),
    /// A narrow load of `bits` extended to `ty`.
    Extend { ty: Type, bits: u8, signed: bool },
}

impl FuncTranslator<'_, '_> {
    pub(super) fn memory_op(&mut self, op: &Operator<'_>) -> Result<bool, CompileError> {
        use Operator as O;
        let ext = |ty, bits, signed| Load::Extend { ty, bits, signed };
        match *op {
            O::I32Load { memarg } => self.load(&memarg, Load::Plain(I32))?,
            O::I64Load { memarg } => self.load(&memarg, Load::Plain(I64))?,
            O::F32Load { memarg } => self.load(&memarg, Load::Plain(F32))?,
            O::F64Load { memarg } => self.load(&memarg, Load::Plain(F64))?,
            O::I32Load8S { memarg } => self.load(&memarg, ext(I32, 8, true))?,
            O::I32Load8U { memarg } => self.load(&memarg, ext(I32, 8, false))?,
            O::I32Load16S { memarg } => self.load(&memarg, ext(I32, 16, true))?,
            O::I32Load16U { memarg } => self.load(&memarg, ext(I32, 16, false))?,
            O::I64Load8S { memarg } => self.load(&memarg, ext(I64, 8, true))?,
            O::I64Load8U { memarg } => self.load(&memarg, ext(I64, 8, false))?,
            O::I64Load16S { memarg } => self.load(&memarg, ext(I64, 16, true))?,
            O::I64Load16U { memarg } => self.load(&memarg, ext(I64, 16, false))?,
            O::I64Load32S { memarg } => self.load(&memarg, ext(I64, 32, true))?,
            O::I64Load32U { memarg } => self.load(&memarg, ext(I64, 32, false))?,
            O::I32Store { memarg } | O::I64Store { memarg } | O::F32Store { memarg } | O::F64Store { memarg } => {
                self.store(&memarg, None)?
            }
            O::I32Store8 { memarg } | O::I64Store8 { memarg } => self.store(&memarg, Some(I8))?,
            O::I32Store16 { memarg } | O::I64Store16 { memarg } => self.store(&memarg, Some(I16))?,
            O::I64Store32 { memarg } => self.store(&memarg, Some(I32))?,
            O::MemorySize { mem } => {
                self.check_memory32(mem)?;
                let def = self.memory_definition(mem);
                let len = self.b.ins().load(PTR, trusted(), def, self.env.offsets.memory_current_length() as i32);
                let pages = self.b.ins().ushr_imm_u(len, 16);
                let v = self.b.ins().ireduce(I32, pages);
                self.push(v);
            }
            O::MemoryGrow { mem } => {
                self.check_memory32(mem)?;
                let delta = self.pop();
                let mem = self.b.ins().iconst(I32, mem as i64);
                let old = self.call_builtin(BuiltinIndex::memory_grow, &[mem, delta]).expect("memory_grow returns");
                self.push(old);
            }
            O::MemoryFill { mem } => {
                self.check_memory32(mem)?;
                let (dst, val, len) = self.pop3();
                let mem = self.b.ins().iconst(I32, mem as i64);
                self.call_builtin(BuiltinIndex::memory_fill, &[mem, dst, val, len]);
            }
            O::MemoryCopy { dst_mem, src_mem } => {
                self.check_memory32(dst_mem)?;
                self.check_memory32(src_mem)?;
                let (dst, src, len) = self.pop3();
                let dm = self.b.ins().iconst(I32, dst_mem as i64);
                let sm = self.b.ins().iconst(I32, src_mem as i64);
                self.call_builtin(BuiltinIndex::memory_copy, &[dm, sm, dst, src, len]);
            }
            O::MemoryInit { data_index, mem } => {
                self.check_memory32(mem)?;
                let (dst, src, len) = self.pop3();
                let mem = self.b.ins().iconst(I32, mem as i64);
                let data = self.b.ins().iconst(I32, data_index as i64);
                self.call_builtin(BuiltinIndex::memory_init, &[mem, data, dst, src, len]);
            }
            O::DataDrop { data_index } => {
                let data = self.b.ins().iconst(I32, data_index as i64);
                self.call_builtin(BuiltinIndex::data_drop, &[data]);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// 64-bit memories are not supported by Kiln (nor by this tier).
    fn check_memory32(&self, mem: u32) -> Result<(), CompileError> {
        if self.env.info.memories[mem as usize].is_64() {
            return Err(crate::jit::unsupported("the Cranelift tier does not support 64-bit memories"));
        }
        Ok(())
    }

    /// The memory's `*mut VMMemoryDefinition`.
    fn memory_definition(&mut self, mem: u32) -> Value {
        let off = self.env.offsets.vmctx_memory_pointer(MemoryIndex(mem));
        self.b.ins().load(PTR, fixed(), self.vmctx, off as i32)
    }

    /// Pops the index operand and returns the native address of an access
    /// of `size` bytes, trapping first if it is out of bounds and the
    /// memory mode needs an explicit check.
    pub(super) fn heap_address(&mut self, memarg: &MemArg, size: u64) -> Result<Value, CompileError> {
        let MemArgTarget::Memory(mem) = memarg.target else {
            return Err(crate::jit::unsupported("the Cranelift tier does not support GC arrays"));
        };
        self.check_memory32(mem)?;
        let index = self.pop();
        let index = self.b.ins().uextend(I64, index);
        let def = self.memory_definition(mem);
        // A 32-bit memory's offset is below 2^32 (validated), so
        // `index + offset + size` cannot overflow 64 bits.
        let offset = memarg.offset;
        let checked = match self.env.mode {
            MemoryMode::Explicit => true,
            MemoryMode::Guard => offset + size > GUARD_SIZE,
        };
        if checked {
            let len = self.b.ins().load(PTR, trusted(), def, self.env.offsets.memory_current_length() as i32);
            let end = self.b.ins().iadd_imm_u(index, (offset + size) as i64);
            let out = self.b.ins().icmp(IntCC::UnsignedGreaterThan, end, len);
            self.b.ins().trapnz(out, TrapCode::HEAP_OUT_OF_BOUNDS);
        }
        // A memory used by guard-mode code never moves, so its base is a
        // constant Cranelift may hoist out of loops; otherwise anything that
        // can grow memory may move it.
        let base_flags = match self.env.mode {
            MemoryMode::Guard => fixed(),
            MemoryMode::Explicit => trusted(),
        };
        let base = self.b.ins().load(PTR, base_flags, def, self.env.offsets.memory_base() as i32);
        let addr = self.b.ins().iadd(base, index);
        Ok(if offset == 0 { addr } else { self.b.ins().iadd_imm_u(addr, offset as i64) })
    }

    fn load(&mut self, memarg: &MemArg, kind: Load) -> Result<(), CompileError> {
        let size = match kind {
            Load::Plain(ty) => ty.bytes() as u64,
            Load::Extend { bits, .. } => bits as u64 / 8,
        };
        let addr = self.heap_address(memarg, size)?;
        let f = heap_flags();
        let ins = self.b.ins();
        let v = match kind {
            Load::Plain(ty) => ins.load(ty, f, addr, 0),
            Load::Extend { ty, bits: 8, signed: true } => ins.sload8(ty, f, addr, 0),
            Load::Extend { ty, bits: 8, signed: false } => ins.uload8(ty, f, addr, 0),
            Load::Extend { ty, bits: 16, signed: true } => ins.sload16(ty, f, addr, 0),
            Load::Extend { ty, bits: 16, signed: false } => ins.uload16(ty, f, addr, 0),
            // 32-bit narrow loads exist only for i64.
            Load::Extend { signed: true, .. } => ins.sload32(f, addr, 0),
            Load::Extend { signed: false, .. } => ins.uload32(f, addr, 0),
        };
        self.push(v);
        Ok(())
    }

    /// Stores the top value, truncated to `narrow` if given.
    fn store(&mut self, memarg: &MemArg, narrow: Option<Type>) -> Result<(), CompileError> {
        let value = self.pop();
        let size = match narrow {
            Some(ty) => ty.bytes(),
            None => self.b.func.dfg.value_type(value).bytes(),
        } as u64;
        let addr = self.heap_address(memarg, size)?;
        let f = heap_flags();
        match narrow {
            None => self.b.ins().store(f, value, addr, 0),
            Some(I8) => self.b.ins().istore8(f, value, addr, 0),
            Some(I16) => self.b.ins().istore16(f, value, addr, 0),
            Some(_) => self.b.ins().istore32(f, value, addr, 0),
        };
        Ok(())
    }
}
