//! Calls: direct calls within the module, calls to imports, `call_indirect`,
//! and the array-call fallback for callees without a wasm-ABI entry
//! (interpreted and host functions).

use super::{array_signature, block_args, fixed, ir_type, readonly, wasm_signature, FuncTranslator, PTR};
use crate::compile::{CompileError, FuncIndex, TableIndex};
use crate::jit::traps;
use crate::vm::BuiltinIndex;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::types::{F32, F64, I32, I64};
use cranelift_codegen::ir::{
    ExtFuncData, ExternalName, InstBuilder, MemFlagsData, SigRef, StackSlotData, StackSlotKind, Type, UserExternalName,
    Value,
};
use wasmparser::Operator;

/// Size of one `ValRaw` cell of the array-call buffer.
const VALRAW_SIZE: u32 = std::mem::size_of::<crate::vm::ValRaw>() as u32;

/// Where an array call finds the callee's `VMFuncRef` (loaded only on the
/// array path).
#[derive(Clone, Copy)]
enum FuncRefSource {
    /// The `func_ref` field of imported function `index`.
    Import(u32),
    /// A funcref value already at hand.
    Value(Value),
}

impl FuncTranslator<'_, '_> {
    pub(super) fn call_op(&mut self, op: &Operator<'_>) -> Result<bool, CompileError> {
        match *op {
            Operator::Call { function_index } => self.call(function_index)?,
            Operator::CallIndirect { type_index, table_index } => self.call_indirect(type_index, table_index)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    fn wasm_sig(&mut self, type_index: u32) -> Result<SigRef, CompileError> {
        if let Some(sig) = self.wasm_sigs.get(&type_index) {
            return Ok(*sig);
        }
        let sig = wasm_signature(&self.env.info.types[type_index as usize])?;
        let sig = self.b.import_signature(sig);
        self.wasm_sigs.insert(type_index, sig);
        Ok(sig)
    }

    /// A reference to defined function `index` of this module, for native
    /// calls and its address.
    pub(super) fn direct_func(&mut self, index: u32) -> Result<cranelift_codegen::ir::FuncRef, CompileError> {
        if let Some(f) = self.direct_funcs.get(&index) {
            return Ok(*f);
        }
        let sig = self.wasm_sig(self.env.info.funcs[index as usize])?;
        let name = self.b.func.declare_imported_user_function(UserExternalName::new(0, index));
        let f = self.b.import_function(ExtFuncData {
            name: ExternalName::user(name),
            signature: sig,
            colocated: true,
            patchable: false,
        });
        self.direct_funcs.insert(index, f);
        Ok(f)
    }

    fn call(&mut self, index: u32) -> Result<(), CompileError> {
        let info = self.env.info;
        let type_index = info.funcs[index as usize];
        let num_params = info.types[type_index as usize].params().len();
        let args = self.pop_n(num_params);
        let results = if index >= info.num_imported_funcs {
            // Same module: a native call, relocated when the code is linked.
            let callee = self.direct_func(index)?;
            let mut all = vec![self.vmctx, self.vmctx];
            all.extend_from_slice(&args);
            let call = self.b.ins().call(callee, &all);
            self.b.inst_results(call).to_vec()
        } else {
            let o = self.env.offsets;
            let import = o.vmctx_function_import(FuncIndex(index)) as i32;
            let wasm_call = self.b.ins().load(PTR, fixed(), self.vmctx, import + o.function_import_wasm_call() as i32);
            let callee_vmctx = self.b.ins().load(PTR, fixed(), self.vmctx, import + o.function_import_vmctx() as i32);
            self.call_either(type_index, wasm_call, callee_vmctx, FuncRefSource::Import(index), &args)?
        };
        self.stack.extend(results);
        Ok(())
    }

    fn call_indirect(&mut self, type_index: u32, table: u32) -> Result<(), CompileError> {
        let o = self.env.offsets;
        let num_params = self.env.info.types[type_index as usize].params().len();
        let elem = self.pop();
        let args = self.pop_n(num_params);

        let addr = self.table_element_address(TableIndex(table), elem);
        let func_ref = self.b.ins().load(PTR, MemFlagsData::trusted(), addr, 0);
        self.b.ins().trapz(func_ref, traps::INDIRECT_CALL_TO_NULL);
        let actual = self.b.ins().load(I32, MemFlagsData::trusted(), func_ref, o.func_ref_type_id() as i32);
        let type_ids = self.b.ins().load(PTR, fixed(), self.vmctx, o.vmctx_type_ids() as i32);
        let expected = self.b.ins().load(I32, fixed(), type_ids, (type_index * 4) as i32);
        let same = self.b.ins().icmp(IntCC::Equal, actual, expected);
        self.b.ins().trapz(same, traps::BAD_SIGNATURE);

        let wasm_call = self.b.ins().load(PTR, MemFlagsData::trusted(), func_ref, o.func_ref_wasm_call() as i32);
        let callee_vmctx = self.b.ins().load(PTR, MemFlagsData::trusted(), func_ref, o.func_ref_vmctx() as i32);
        let results = self.call_either(type_index, wasm_call, callee_vmctx, FuncRefSource::Value(func_ref), &args)?;
        self.stack.extend(results);
        Ok(())
    }

    /// Calls natively through `wasm_call` when it is non-null, else through
    /// the callee's array-call entry; returns the results.
    fn call_either(
        &mut self,
        type_index: u32,
        wasm_call: Value,
        callee_vmctx: Value,
        func_ref: FuncRefSource,
        args: &[Value],
    ) -> Result<Vec<Value>, CompileError> {
        let ty = self.env.info.types[type_index as usize].clone();
        let result_types: Vec<Type> = ty.results().iter().map(ir_type).collect::<Result<_, _>>()?;
        let sig = self.wasm_sig(type_index)?;

        let native = self.b.create_block();
        let array = self.b.create_block();
        let merge = self.b.create_block();
        for t in &result_types {
            self.b.append_block_param(merge, *t);
        }
        self.b.ins().brif(wasm_call, native, &[], array, &[]);
        self.b.seal_block(native);
        self.b.seal_block(array);

        self.b.switch_to_block(native);
        let mut all = vec![callee_vmctx, self.vmctx];
        all.extend_from_slice(args);
        let call = self.b.ins().call_indirect(sig, wasm_call, &all);
        let results = self.b.inst_results(call).to_vec();
        self.b.ins().jump(merge, &block_args(&results));

        self.b.switch_to_block(array);
        let func_ref = match func_ref {
            FuncRefSource::Value(v) => v,
            FuncRefSource::Import(index) => {
                let o = self.env.offsets;
                let off = o.vmctx_function_import(FuncIndex(index)) + o.function_import_func_ref();
                self.b.ins().load(PTR, fixed(), self.vmctx, off as i32)
            }
        };
        let array_call = self.b.ins().load(PTR, readonly(), func_ref, self.env.offsets.func_ref_array_call() as i32);
        let results = self.call_array(array_call, func_ref, args, &result_types);
        self.b.ins().jump(merge, &block_args(&results));

        self.b.seal_block(merge);
        self.b.switch_to_block(merge);
        Ok(self.b.block_params(merge).to_vec())
    }

    /// Calls an array-call entry: arguments spilled to a stack buffer of
    /// `ValRaw` cells, results read back from it. A `false` return means
    /// the callee trapped or failed: the `unwind` helper takes over.
    fn call_array(&mut self, array_call: Value, func_ref: Value, args: &[Value], results: &[Type]) -> Vec<Value> {
        let cells = args.len().max(results.len()).max(1) as u32;
        let slot = self.b.create_sized_stack_slot(StackSlotData::new(
            StackSlotKind::ExplicitSlot,
            cells * VALRAW_SIZE,
            4, // 16-byte aligned, like `ValRaw`
        ));
        let buffer = self.b.ins().stack_addr(PTR, slot, 0);
        for (i, arg) in args.iter().enumerate() {
            store_valraw(&mut self.b, *arg, buffer, i as u32 * VALRAW_SIZE);
        }
        let sig = match self.array_sig {
            Some(sig) => sig,
            None => {
                let sig = self.b.import_signature(array_signature(self.env.host_cc));
                self.array_sig = Some(sig);
                sig
            }
        };
        let len = self.b.ins().iconst(PTR, cells as i64);
        self.record_exit();
        let call = self.b.ins().call_indirect(sig, array_call, &[func_ref, self.vmctx, buffer, len]);
        let ok = self.b.inst_results(call)[0];

        let failed = self.b.create_block();
        let done = self.b.create_block();
        self.b.ins().brif(ok, done, &[], failed, &[]);
        self.b.seal_block(failed);
        self.b.seal_block(done);
        self.b.set_cold_block(failed);
        self.b.switch_to_block(failed);
        self.call_builtin(BuiltinIndex::unwind, &[]);
        // `unwind` never returns; the block still needs a terminator.
        self.b.ins().trap(traps::UNREACHABLE);

        self.b.switch_to_block(done);
        results
            .iter()
            .enumerate()
            .map(|(i, ty)| self.b.ins().load(*ty, MemFlagsData::trusted(), buffer, (i as u32 * VALRAW_SIZE) as i32))
            .collect()
    }
}

/// Stores `value` as a `ValRaw` cell: the value's bits zero-extended to 128
/// (a `v128` fills the cell).
pub(crate) fn store_valraw(b: &mut cranelift_frontend::FunctionBuilder<'_>, value: Value, buffer: Value, offset: u32) {
    let ty = b.func.dfg.value_type(value);
    if ty.is_vector() {
        b.ins().store(MemFlagsData::trusted(), value, buffer, offset as i32);
        return;
    }
    let low = match ty {
        I32 => b.ins().uextend(I64, value),
        F32 => {
            let bits = b.ins().bitcast(I32, MemFlagsData::new(), value);
            b.ins().uextend(I64, bits)
        }
        F64 => b.ins().bitcast(I64, MemFlagsData::new(), value),
        _ => value,
    };
    let zero = b.ins().iconst(I64, 0);
    b.ins().store(MemFlagsData::trusted(), low, buffer, offset as i32);
    b.ins().store(MemFlagsData::trusted(), zero, buffer, offset as i32 + 8);
}
