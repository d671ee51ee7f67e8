//! Tables and references: `table.get/set/size` inline, the rest through
//! runtime helpers; `ref.null/is_null/func`.
//!
//! Table elements are pointer-sized in the shared value encoding, so a
//! funcref is a `*const VMFuncRef` and an externref an index, 0 = null.

use super::{fixed, trusted, FuncTranslator, PTR};
use crate::compile::{CompileError, DefinedFuncIndex, FuncIndex, TableIndex};
use crate::jit::traps;
use crate::vm::BuiltinIndex;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{I32, I64};
use cranelift_codegen::ir::{InstBuilder, Value};
use wasmparser::Operator;

impl FuncTranslator<'_, '_> {
    pub(super) fn table_op(&mut self, op: &Operator<'_>) -> Result<bool, CompileError> {
        use Operator as O;
        match *op {
            O::TableGet { table } => {
                let index = self.pop();
                let addr = self.table_element_address(TableIndex(table), index);
                let v = self.b.ins().load(PTR, trusted(), addr, 0);
                self.push(v);
            }
            O::TableSet { table } => {
                let value = self.pop();
                let index = self.pop();
                let addr = self.table_element_address(TableIndex(table), index);
                self.b.ins().store(trusted(), value, addr, 0);
            }
            O::TableSize { table } => {
                let def = self.table_definition(TableIndex(table));
                let len = self.b.ins().load(PTR, trusted(), def, self.env.offsets.table_current_elements() as i32);
                let v = self.b.ins().ireduce(I32, len);
                self.push(v);
            }
            O::TableGrow { table } => {
                let (init, delta) = self.pop2();
                let t = self.b.ins().iconst(I32, table as i64);
                let old = self.call_builtin(BuiltinIndex::table_grow, &[t, delta, init]).expect("table_grow returns");
                self.push(old);
            }
            O::TableFill { table } => {
                let (dst, val, len) = self.pop3();
                let t = self.b.ins().iconst(I32, table as i64);
                self.call_builtin(BuiltinIndex::table_fill, &[t, dst, val, len]);
            }
            O::TableCopy { dst_table, src_table } => {
                let (dst, src, len) = self.pop3();
                let d = self.b.ins().iconst(I32, dst_table as i64);
                let s = self.b.ins().iconst(I32, src_table as i64);
                self.call_builtin(BuiltinIndex::table_copy, &[d, s, dst, src, len]);
            }
            O::TableInit { elem_index, table } => {
                let (dst, src, len) = self.pop3();
                let t = self.b.ins().iconst(I32, table as i64);
                let e = self.b.ins().iconst(I32, elem_index as i64);
                self.call_builtin(BuiltinIndex::table_init, &[t, e, dst, src, len]);
            }
            O::ElemDrop { elem_index } => {
                let e = self.b.ins().iconst(I32, elem_index as i64);
                self.call_builtin(BuiltinIndex::elem_drop, &[e]);
            }
            O::RefNull { .. } => {
                let v = self.b.ins().iconst(PTR, 0);
                self.push(v);
            }
            O::RefIsNull => {
                let r = self.pop();
                let c = self.b.ins().icmp_imm_u(IntCC::Equal, r, 0);
                let v = self.b.ins().uextend(I32, c);
                self.push(v);
            }
            O::RefFunc { function_index } => {
                let v = self.func_ref(function_index);
                self.push(v);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The table's `*mut VMTableDefinition` (fixed for the instance).
    fn table_definition(&mut self, table: TableIndex) -> Value {
        let off = self.env.offsets.vmctx_table_pointer(table);
        self.b.ins().load(PTR, fixed(), self.vmctx, off as i32)
    }

    /// Address of element `index` (an i32) of `table`, trapping with
    /// TableOutOfBounds when it is past the current size.
    pub(super) fn table_element_address(&mut self, table: TableIndex, index: Value) -> Value {
        let o = self.env.offsets;
        let def = self.table_definition(table);
        let len = self.b.ins().load(PTR, trusted(), def, o.table_current_elements() as i32);
        let index = self.b.ins().uextend(I64, index);
        let out = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, index, len);
        self.b.ins().trapnz(out, traps::TABLE_OUT_OF_BOUNDS);
        let base = self.b.ins().load(PTR, trusted(), def, o.table_base() as i32);
        let scaled = self.b.ins().imul_imm_u(index, o.ptr as i64);
        self.b.ins().iadd(base, scaled)
    }

    /// `ref.func`: a defined function's `VMFuncRef` lives in this context;
    /// an imported one's is in its import record.
    fn func_ref(&mut self, index: u32) -> Value {
        let o = self.env.offsets;
        let imported = self.env.info.num_imported_funcs;
        if index < imported {
            let off = o.vmctx_function_import(FuncIndex(index)) + o.function_import_func_ref();
            self.b.ins().load(PTR, fixed(), self.vmctx, off as i32)
        } else {
            let off = o.vmctx_func_ref(DefinedFuncIndex(index - imported));
            self.b.ins().iadd_imm_u(self.vmctx, off as i64)
        }
    }
}
