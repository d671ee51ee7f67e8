//! Our translator from a validated wasm function body to Cranelift IR.
//!
//! One `FuncTranslator` walks the operators once, keeping the wasm operand
//! stack as a `Vec` of SSA values and a control stack of frames (see
//! `control.rs`). Each operator family lives in its own file; each file's
//! entry point returns `Ok(false)` for operators it does not handle, so the
//! dispatcher tries them in turn.

mod calls;
mod control;
mod memory;
mod numeric;
mod simd;
mod tables;

pub(crate) use calls::store_valraw;

use crate::compile::{charges_fuel, fuel_cost, CompileError, Interrupts, ModuleInfo, VMOffsets};
use crate::types::{FuncType, ValType};
use crate::vm::BuiltinIndex;
use control::Frame;
use cranelift_codegen::ir::condcodes::IntCC;
use cranelift_codegen::ir::{
    self, types, AbiParam, ArgumentPurpose, BlockArg, Function, GlobalValueData, InstBuilder, MemFlagsData, Signature,
    Type, Value,
};
use cranelift_codegen::isa::{CallConv, TargetFrontendConfig};
use cranelift_frontend::{FunctionBuilder, FunctionBuilderContext, Variable};
use std::collections::HashMap;
use wasmparser::{FunctionBody, Operator};

/// How loads and stores of linear memory are checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum MemoryMode {
    /// Every access compares `index + offset + size` with the memory's
    /// current length; works with any memory.
    Explicit,
    /// 32-bit memories live in a 4 GiB reservation followed by a guard
    /// region of `GUARD_SIZE`: accesses whose static offset fits in the guard
    /// are not checked (a fault in the guard is the trap).
    Guard,
}

/// Size of the guard region after a 4 GiB reservation in `MemoryMode::Guard`.
pub(crate) const GUARD_SIZE: u64 = 32 << 20;

/// What a function's translation depends on besides its body.
pub(crate) struct ModuleEnv<'a> {
    pub(crate) info: &'a ModuleInfo,
    pub(crate) offsets: &'a VMOffsets,
    pub(crate) mode: MemoryMode,
    /// Calling convention of host functions (`extern "C"`): helpers and
    /// array calls.
    pub(crate) host_cc: CallConv,
    /// What `FunctionBuilder::finalize` needs to know about the target.
    pub(crate) frontend: TargetFrontendConfig,
    /// The fuel and epoch checks to compile in.
    pub(crate) interrupts: Interrupts,
}

/// Pointer type: the tier supports 64-bit hosts only.
pub(crate) const PTR: Type = types::I64;

/// The Cranelift type of a wasm value type.
pub(crate) fn ir_type(ty: &ValType) -> Result<Type, CompileError> {
    Ok(match ty {
        ValType::I32 => types::I32,
        ValType::I64 => types::I64,
        ValType::F32 => types::F32,
        ValType::F64 => types::F64,
        ValType::Ref(_) => PTR,
        ValType::V128 => simd::V128,
    })
}

/// The wasm-call signature of a function type:
/// `(callee_vmctx, caller_vmctx, params...) -> results`, tail convention.
pub(crate) fn wasm_signature(ty: &FuncType) -> Result<Signature, CompileError> {
    let mut sig = Signature::new(CallConv::Tail);
    sig.params.push(AbiParam::special(PTR, ArgumentPurpose::VMContext));
    sig.params.push(AbiParam::new(PTR));
    for p in ty.params() {
        sig.params.push(AbiParam::new(ir_type(p)?));
    }
    for r in ty.results() {
        sig.returns.push(AbiParam::new(ir_type(r)?));
    }
    Ok(sig)
}

/// The array-call signature: `(callee funcref, caller vmctx, args, len) -> bool`.
pub(crate) fn array_signature(host_cc: CallConv) -> Signature {
    let mut sig = Signature::new(host_cc);
    sig.params.extend([AbiParam::new(PTR); 4]);
    sig.returns.push(AbiParam::new(types::I8));
    sig
}

/// Flags for loads of the run-time structures: never trap (the pointers
/// are valid by construction) and naturally aligned.
pub(super) fn trusted() -> MemFlagsData {
    MemFlagsData::trusted()
}

/// Like `trusted`, for fields that never change while the code runs.
pub(super) fn readonly() -> MemFlagsData {
    MemFlagsData::trusted().with_readonly()
}

/// Like `readonly`, for fields reached from the instance's context alone
/// (valid wherever the function runs), which Cranelift may therefore move,
/// share and hoist out of loops.
pub(super) fn fixed() -> MemFlagsData {
    readonly().with_can_move()
}

/// Wraps values as block-call arguments.
pub(super) fn block_args(values: &[Value]) -> Vec<BlockArg> {
    values.iter().map(|v| BlockArg::Value(*v)).collect()
}

/// Translates the body of function `func_index` (a defined function) into
/// `func`, whose signature must already be the function's wasm signature.
pub(crate) fn translate_function(
    env: &ModuleEnv<'_>,
    func_index: u32,
    body: &FunctionBody<'_>,
    func: &mut Function,
    fctx: &mut FunctionBuilderContext,
) -> Result<(), CompileError> {
    // Stack overflow: Cranelift checks the stack pointer against this in
    // the prologue (vmctx -> store_context -> stack_limit).
    let vmctx_gv = func.create_global_value(GlobalValueData::VMContext);
    let flags = func.dfg.mem_flags.insert_unchecked(readonly());
    let store_ctx = func.create_global_value(GlobalValueData::Load {
        base: vmctx_gv,
        offset: (env.offsets.vmctx_store_context() as i32).into(),
        global_type: PTR,
        flags,
    });
    let limit = func.create_global_value(GlobalValueData::Load {
        base: store_ctx,
        offset: (env.offsets.store_context_stack_limit() as i32).into(),
        global_type: PTR,
        flags,
    });
    func.stack_limit = Some(limit);

    let b = FunctionBuilder::new(func, fctx);
    let mut t = FuncTranslator::new(env, b);
    t.translate(func_index, body)?;
    t.b.finalize(env.frontend);
    Ok(())
}

/// State of one function's translation.
pub(super) struct FuncTranslator<'a, 'f> {
    env: &'a ModuleEnv<'a>,
    b: FunctionBuilder<'f>,
    /// The callee vmctx parameter: this instance's context.
    vmctx: Value,
    locals: Vec<Variable>,
    /// The wasm operand stack.
    stack: Vec<Value>,
    control: Vec<Frame>,
    /// False after `br`, `return`, `unreachable`...: operators are skipped
    /// until the `end` or `else` of the current frame.
    reachable: bool,
    /// Blocks opened inside unreachable code, to find the matching `end`.
    dead_depth: u32,
    wasm_sigs: HashMap<u32, ir::SigRef>,
    direct_funcs: HashMap<u32, ir::FuncRef>,
    builtin_sigs: HashMap<u32, ir::SigRef>,
    array_sig: Option<ir::SigRef>,
    /// The function being translated (index in the module).
    func_index: u32,
    /// The store's fuel counter, kept in a variable and written back to
    /// the store at every charge (`Config::consume_fuel`).
    fuel: Option<Variable>,
    /// Fuel owed by the operators translated since the last charge.
    pending_fuel: u64,
}

impl<'a, 'f> FuncTranslator<'a, 'f> {
    fn new(env: &'a ModuleEnv<'a>, b: FunctionBuilder<'f>) -> Self {
        FuncTranslator {
            env,
            b,
            vmctx: Value::from_u32(0),
            locals: Vec::new(),
            stack: Vec::new(),
            control: Vec::new(),
            reachable: true,
            dead_depth: 0,
            wasm_sigs: HashMap::new(),
            direct_funcs: HashMap::new(),
            builtin_sigs: HashMap::new(),
            array_sig: None,
            func_index: 0,
            fuel: None,
            pending_fuel: 0,
        }
    }

    fn translate(&mut self, func_index: u32, body: &FunctionBody<'_>) -> Result<(), CompileError> {
        self.func_index = func_index;
        let ty = self.env.info.func_type(func_index).clone();
        let entry = self.b.create_block();
        self.b.append_block_params_for_function_params(entry);
        self.b.switch_to_block(entry);
        self.b.seal_block(entry);
        let params = self.b.block_params(entry).to_vec();
        self.vmctx = params[0];

        for (i, p) in ty.params().iter().enumerate() {
            let var = self.b.declare_var(ir_type(p)?);
            self.b.def_var(var, params[2 + i]);
            self.locals.push(var);
        }
        let locals = body.get_locals_reader().map_err(CompileError::malformed)?;
        for local in locals {
            let (count, ty) = local.map_err(CompileError::malformed)?;
            let ty = ir_type(&ValType::from_wasmparser(ty).map_err(|e| unsupported(e.to_string()))?)?;
            for _ in 0..count {
                let var = self.b.declare_var(ty);
                let zero = self.zero(ty);
                self.b.def_var(var, zero);
                self.locals.push(var);
            }
        }

        // The body is a block whose end returns.
        let results: Vec<Type> = ty.results().iter().map(ir_type).collect::<Result<_, _>>()?;
        self.push_frame(control::FrameKind::Block, 0, results);
        if self.env.interrupts.fuel {
            let var = self.b.declare_var(types::I64);
            self.fuel = Some(var);
            self.reload_fuel();
        }
        if self.env.interrupts.any() {
            self.interrupt_check();
        }

        let mut reader = body.get_operators_reader().map_err(CompileError::malformed)?;
        while !reader.eof() {
            let (op, offset) = reader.read_with_offset().map_err(CompileError::malformed)?;
            self.b.set_srcloc(ir::SourceLoc::new(offset as u32));
            self.translate_op(&op, offset)?;
        }
        // `end` of the body left the return block current if it is reachable.
        if self.reachable {
            let results = std::mem::take(&mut self.stack);
            self.b.ins().return_(&results);
        }
        self.b.seal_all_blocks();
        Ok(())
    }

    fn translate_op(&mut self, op: &Operator<'_>, offset: u64) -> Result<(), CompileError> {
        if !self.reachable {
            return self.skip_dead(op);
        }
        if self.fuel.is_some() {
            self.pending_fuel += fuel_cost(op);
            if charges_fuel(op) {
                self.charge_fuel();
            }
        }
        let handled = self.control_op(op)?
            || self.variable_op(op)?
            || self.numeric_op(op)?
            || self.memory_op(op)?
            || self.call_op(op)?
            || self.table_op(op)?
            || self.simd_op(op)?;
        if handled {
            if self.fuel.is_some() {
                if matches!(op, Operator::Call { .. } | Operator::CallIndirect { .. }) {
                    // The callee charged its own fuel, and a host function
                    // may have set the store's.
                    self.reload_fuel();
                }
                if !self.reachable {
                    // Only an `unreachable` trap leaves fuel owed here: the
                    // stretch it ends is never charged, as in the interpreter.
                    self.pending_fuel = 0;
                }
            }
            Ok(())
        } else {
            Err(CompileError::unsupported(format!("the Cranelift tier does not support {op:?}"), offset as usize))
        }
    }

    /// Locals, globals and the parametric operators.
    fn variable_op(&mut self, op: &Operator<'_>) -> Result<bool, CompileError> {
        match *op {
            Operator::Nop => {}
            Operator::Drop => {
                self.pop();
            }
            Operator::Select | Operator::TypedSelect { .. } => {
                let cond = self.pop();
                let (a, b) = self.pop2();
                let v = self.b.ins().select(cond, a, b);
                self.push(v);
            }
            Operator::LocalGet { local_index } => {
                let v = self.b.use_var(self.locals[local_index as usize]);
                self.push(v);
            }
            Operator::LocalSet { local_index } => {
                let v = self.pop();
                self.b.def_var(self.locals[local_index as usize], v);
            }
            Operator::LocalTee { local_index } => {
                let v = self.peek();
                self.b.def_var(self.locals[local_index as usize], v);
            }
            Operator::GlobalGet { global_index } => {
                let (addr, ty) = self.global_addr(global_index)?;
                let v = self.b.ins().load(ty, trusted(), addr, 0);
                self.push(v);
            }
            Operator::GlobalSet { global_index } => {
                let (addr, _) = self.global_addr(global_index)?;
                let v = self.pop();
                self.b.ins().store(trusted(), v, addr, 0);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Address and type of a global's value.
    fn global_addr(&mut self, index: u32) -> Result<(Value, Type), CompileError> {
        let info = self.env.info;
        let ty = ir_type(info.globals[index as usize].content())?;
        let addr = if index < info.num_imported_globals {
            let off = self.env.offsets.vmctx_global_import(index.into());
            self.b.ins().load(PTR, fixed(), self.vmctx, off as i32)
        } else {
            let def = (index - info.num_imported_globals).into();
            let off = self.env.offsets.vmctx_global_definition(def);
            self.b.ins().iadd_imm_u(self.vmctx, off as i64)
        };
        Ok((addr, ty))
    }

    /// Calls helper `builtin` with `vmctx` prepended to `args`; returns its
    /// result if it has one.
    fn call_builtin(&mut self, builtin: BuiltinIndex, args: &[Value]) -> Option<Value> {
        let sig = match self.builtin_sigs.get(&(builtin as u32)) {
            Some(sig) => *sig,
            None => {
                let mut sig = Signature::new(self.env.host_cc);
                sig.params.push(AbiParam::new(PTR));
                for &pointer_sized in builtin.params() {
                    sig.params.push(AbiParam::new(if pointer_sized { PTR } else { types::I32 }));
                }
                if builtin.returns_u32() {
                    sig.returns.push(AbiParam::new(types::I32));
                }
                let sig = self.b.import_signature(sig);
                self.builtin_sigs.insert(builtin as u32, sig);
                sig
            }
        };
        let offsets = self.env.offsets;
        self.record_exit();
        let table = self.b.ins().load(PTR, fixed(), self.vmctx, offsets.vmctx_builtins() as i32);
        let fptr = self.b.ins().load(PTR, fixed(), table, builtin.offset() as i32);
        let mut all = vec![self.vmctx];
        all.extend_from_slice(args);
        let call = self.b.ins().call_indirect(sig, fptr, &all);
        self.b.inst_results(call).first().copied()
    }

    /// Leaves this frame findable for a backtrace before a call out of
    /// compiled code (a runtime helper or an array call), which may end in
    /// a trap or error that skips it: its frame pointer, and as "pc" the
    /// function's own address (which names the function).
    fn record_exit(&mut self) {
        let o = self.env.offsets;
        let fp = self.b.ins().get_frame_pointer(PTR);
        let this = self.direct_func(self.func_index).expect("the function's own signature was built");
        let pc = self.b.ins().func_addr(PTR, this);
        let ctx = self.b.ins().load(PTR, fixed(), self.vmctx, o.vmctx_store_context() as i32);
        self.b.ins().store(MemFlagsData::trusted(), fp, ctx, o.store_context_last_wasm_exit_fp() as i32);
        self.b.ins().store(MemFlagsData::trusted(), pc, ctx, o.store_context_last_wasm_exit_pc() as i32);
    }

    /// The store's context (`VMStoreContext`).
    fn store_context(&mut self) -> Value {
        let o = self.env.offsets;
        self.b.ins().load(PTR, fixed(), self.vmctx, o.vmctx_store_context() as i32)
    }

    /// Reads the store's fuel counter into the fuel variable.
    fn reload_fuel(&mut self) {
        let Some(var) = self.fuel else { return };
        let ctx = self.store_context();
        let offset = self.env.offsets.store_context_fuel_consumed() as i32;
        let v = self.b.ins().load(types::I64, trusted(), ctx, offset);
        self.b.def_var(var, v);
    }

    /// Charges the fuel owed so far, to the variable and to the store (so
    /// the store's counter is exact even if a trap follows).
    fn charge_fuel(&mut self) {
        let Some(var) = self.fuel else { return };
        if self.pending_fuel == 0 {
            return;
        }
        let v = self.b.use_var(var);
        let v = self.b.ins().iadd_imm_u(v, self.pending_fuel as i64);
        self.b.def_var(var, v);
        let ctx = self.store_context();
        let offset = self.env.offsets.store_context_fuel_consumed() as i32;
        self.b.ins().store(trusted(), v, ctx, offset);
        self.pending_fuel = 0;
    }

    /// The check at function entries and loop headers: trap when the fuel
    /// is used up; run the store's epoch behaviour when the deadline is
    /// reached. The slow paths are out of line.
    pub(super) fn interrupt_check(&mut self) {
        let o = self.env.offsets;
        if let Some(var) = self.fuel {
            let fuel = self.b.use_var(var);
            let spent = self.b.ins().icmp_imm_s(IntCC::SignedGreaterThanOrEqual, fuel, 0);
            let out = self.b.create_block();
            let cont = self.b.create_block();
            self.b.ins().brif(spent, out, &[], cont, &[]);
            self.b.seal_block(out);
            self.b.seal_block(cont);
            self.b.set_cold_block(out);
            self.b.switch_to_block(out);
            self.call_builtin(BuiltinIndex::out_of_fuel, &[]);
            self.b.ins().trap(crate::jit::traps::UNREACHABLE);
            self.b.switch_to_block(cont);
        }
        if self.env.interrupts.epochs {
            let epoch_ptr = self.b.ins().load(PTR, fixed(), self.vmctx, o.vmctx_epoch_ptr() as i32);
            // Not `readonly`: other threads advance the epoch. The slow
            // path's call keeps the load from being merged with an earlier one.
            let epoch = self.b.ins().load(types::I64, trusted(), epoch_ptr, 0);
            let ctx = self.store_context();
            let deadline = self.b.ins().load(types::I64, trusted(), ctx, o.store_context_epoch_deadline() as i32);
            let reached = self.b.ins().icmp(IntCC::UnsignedGreaterThanOrEqual, epoch, deadline);
            let slow = self.b.create_block();
            let cont = self.b.create_block();
            self.b.ins().brif(reached, slow, &[], cont, &[]);
            self.b.seal_block(slow);
            self.b.set_cold_block(slow);
            self.b.switch_to_block(slow);
            self.call_builtin(BuiltinIndex::new_epoch, &[]);
            // The epoch callback may have set the store's fuel.
            self.reload_fuel();
            self.b.ins().jump(cont, &[]);
            self.b.seal_block(cont);
            self.b.switch_to_block(cont);
        }
    }

    fn zero(&mut self, ty: Type) -> Value {
        match ty {
            types::F32 => self.b.ins().f32const(0.0),
            types::F64 => self.b.ins().f64const(0.0),
            simd::V128 => simd::vector_zero(&mut self.b, ty),
            _ => self.b.ins().iconst(ty, 0),
        }
    }

    /// Pushes a value; a vector of any shape goes on the stack as a `V128`.
    fn push(&mut self, v: Value) {
        let v = if self.b.func.dfg.value_type(v).is_vector() { simd::cast(&mut self.b, v, simd::V128) } else { v };
        self.stack.push(v);
    }
    fn pop(&mut self) -> Value {
        self.stack.pop().expect("operand stack underflow in validated code")
    }
    fn pop2(&mut self) -> (Value, Value) {
        let b = self.pop();
        let a = self.pop();
        (a, b)
    }
    fn pop3(&mut self) -> (Value, Value, Value) {
        let c = self.pop();
        let (a, b) = self.pop2();
        (a, b, c)
    }
    /// Pops the top `n` values, deepest first.
    fn pop_n(&mut self, n: usize) -> Vec<Value> {
        let at = self.stack.len() - n;
        self.stack.split_off(at)
    }
    fn peek(&self) -> Value {
        *self.stack.last().expect("operand stack underflow in validated code")
    }
    /// The top `n` values, deepest first, left on the stack.
    fn peek_n(&self, n: usize) -> Vec<Value> {
        self.stack[self.stack.len() - n..].to_vec()
    }
}

fn unsupported(message: String) -> CompileError {
    crate::jit::unsupported(message)
}
