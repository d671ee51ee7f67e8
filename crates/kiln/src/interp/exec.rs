//! The interpreter's executor: runs translated code over a value stack of
//! 64-bit slots. Wasm-to-wasm calls between interpreted functions push a
//! frame record and keep going in the same loop, so deep wasm recursion
//! never deepens the host stack. Memories, globals, tables and function
//! references are reached through the instance's `VMContext` (via `vm`),
//! the same run-time layout compiled code uses; calls to functions of other
//! tiers and of the host go through their array-call entries.

use super::ir::{CompiledFunc, Op};
use super::numeric::*;
use super::InterpCode;
use super::FRAME_OVERHEAD_SLOTS;
use crate::compile::{DefinedFuncIndex, FuncIndex, GlobalIndex, MemoryIndex, TableIndex};
use crate::trap::{with_backtrace, Trap, WasmBacktrace};
use crate::vm::{self, FuncRefPtr, InstanceId, MemoryView, ModuleArtifacts, StoreOpaque, ValRaw};
use crate::vm::{MemoryRef, ACTIVATION_COST_BYTES};
use anyhow::Result;
use std::sync::Arc;

/// A suspended caller.
type Frame = vm::InterpFrame;

/// Where the executor is.
struct Position {
    instance: InstanceId,
    func: FuncIndex,
    pc: usize,
}

/// The interpreter's code of a module (asked only of modules whose code is
/// the interpreter's).
#[inline]
fn interp_code(module: &ModuleArtifacts) -> &Arc<InterpCode> {
    super::code_of(module).expect("an interpreted module")
}

/// The running module or its functions: borrowed from the entry (no
/// reference count to touch on a call from the host), or shared once a
/// call has moved to another instance.
enum Held<'a, T: ?Sized> {
    Entry(&'a T),
    Shared(Arc<T>),
}

impl<T: ?Sized> std::ops::Deref for Held<'_, T> {
    type Target = T;
    #[inline(always)]
    fn deref(&self) -> &T {
        match self {
            Held::Entry(v) => v,
            Held::Shared(v) => v,
        }
    }
}

/// The defined-function index of `func` (a defined function of `module`).
#[inline(always)]
fn defined(module: &ModuleArtifacts, func: FuncIndex) -> DefinedFuncIndex {
    DefinedFuncIndex(func.0 - module.info.num_imported_funcs)
}

/// Memory 0 of an instance, if it has one.
#[inline]
fn memory0(store: &StoreOpaque, module: &ModuleArtifacts, instance: InstanceId) -> Option<MemoryRef> {
    (!module.info.memories.is_empty()).then(|| store.memory_ref(instance, MemoryIndex(0)))
}

/// The array-call entry of interpreted functions.
pub(crate) struct Entry;

impl vm::SafeArrayCall for Entry {
    fn call(
        store: &mut StoreOpaque,
        instance: InstanceId,
        func: FuncIndex,
        _caller: Option<InstanceId>,
        args: &mut [ValRaw],
    ) -> Result<()> {
        call_wasm(store, instance, func, args)
    }
}

/// Calls the wasm function `func` of `instance` with arguments in `args`;
/// results replace them.
fn call_wasm(store: &mut StoreOpaque, instance: InstanceId, func: FuncIndex, args: &mut [ValRaw]) -> Result<()> {
    let in_use = store.stack_in_use;
    let limit = super::activation_limit(store)?;
    let module = store.instance(instance).module.clone();
    let funcs = interp_code(&module);
    let code = funcs.func(&module, defined(&module, func))?;
    let ty = module.info.func_type(func.0);

    let mut stack = std::mem::take(&mut store.stack);
    let needed = code.frame_size as usize;
    if needed > limit {
        return Err(with_backtrace(
            Trap::StackOverflow.into(),
            backtrace_of(store, &[], &Position { instance, func, pc: 0 }),
        ));
    }
    if stack.len() < needed {
        stack.resize(needed.max(1024), 0);
    }
    super::raw_to_slots(ty.params(), args, &mut stack[..needed]);
    prologue(&mut stack[..needed], code);
    let entry = (Held::Entry(&*module), Held::Entry(&**funcs));

    let mut frames = Vec::new();
    // This activation's entry cost counts against the stack of activations
    // it starts (through host functions). A panic in a host function is
    // re-raised where its array call returns, and unwinds through here: the
    // store's accounting and stack buffer are put back before it goes on.
    let depth = store.begin_interp_activation(instance, func);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        run(store, &mut stack, &mut frames, instance, func, entry, limit, in_use + ACTIVATION_COST_BYTES)
    }));
    store.end_activation(depth);
    store.stack_in_use = in_use;
    let outcome = match outcome {
        Ok(outcome) => outcome,
        Err(panic) => {
            if stack.len() > store.stack.len() {
                store.stack = stack;
            }
            std::panic::resume_unwind(panic)
        }
    };
    if outcome.is_ok() {
        super::slots_to_raw(ty.results(), &stack[..needed], args);
    }
    // Keep the bigger buffer for the next call.
    if stack.len() > store.stack.len() {
        store.stack = stack;
    }
    outcome
}

/// Sets up a new frame: locals other than parameters are zero, constant
/// slots hold their constants.
#[inline(always)]
fn prologue(frame: &mut [u64], code: &CompiledFunc) {
    let (np, nl) = (code.param_slots as usize, code.local_slots as usize);
    frame[np..nl].fill(0);
    frame[nl..nl + code.consts.len()].copy_from_slice(&code.consts);
}

fn backtrace_of(store: &StoreOpaque, frames: &[Frame], pos: &Position) -> WasmBacktrace {
    let mut out = crate::trap::FrameCollector::new();
    let mut push = |instance: InstanceId, func: FuncIndex, pc: usize| {
        out.push(vm::interp_frame(store, instance, func, pc));
    };
    push(pos.instance, pos.func, pos.pc);
    for f in frames.iter().rev() {
        push(f.instance, f.func, f.pc);
    }
    let (frames, omitted) = out.finish();
    WasmBacktrace { frames, omitted, cause: None }
}

enum Exit {
    Trap(Trap),
    Host(anyhow::Error),
}

impl From<Trap> for Exit {
    fn from(t: Trap) -> Exit {
        Exit::Trap(t)
    }
}

/// The module of the running instance and its interpreter code.
type ModuleCode<'a> = (Held<'a, ModuleArtifacts>, Held<'a, InterpCode>);

#[allow(clippy::too_many_arguments)]
fn run(
    store: &mut StoreOpaque,
    stack: &mut Vec<u64>,
    frames: &mut Vec<Frame>,
    instance: InstanceId,
    func: FuncIndex,
    entry: ModuleCode<'_>,
    limit: usize,
    in_use: usize,
) -> Result<()> {
    let mut pos = Position { instance, func, pc: 0 };
    let mut base = 0usize;
    match execute(store, stack, frames, &mut pos, &mut base, entry, limit, in_use) {
        Ok(()) => Ok(()),
        Err(exit) => {
            let bt = backtrace_of(store, frames, &pos);
            let err = match exit {
                Exit::Trap(t) => anyhow::Error::new(t),
                Exit::Host(e) => e,
            };
            Err(with_backtrace(err, bt))
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn execute(
    store: &mut StoreOpaque,
    stack: &mut Vec<u64>,
    frames: &mut Vec<Frame>,
    pos: &mut Position,
    base_out: &mut usize,
    entry: ModuleCode<'_>,
    limit: usize,
    in_use: usize,
) -> Result<(), Exit> {
    let entry_depth = frames.len();
    // The current instance's module, its functions and its memory 0: looked
    // up again only when a call or return changes the instance.
    let (mut module, mut funcs) = entry;
    let mut mem = memory0(store, &module, pos.instance);
    let mut base = *base_out;
    let mut host_buf: Vec<ValRaw> = Vec::new();
    let interrupts = store.engine.config().interrupts();

    'frame: loop {
        // Translated already: the frame was entered, or is a caller's.
        let code = match funcs.func(&module, defined(&module, pos.func)) {
            Ok(code) => code,
            Err(e) => {
                *base_out = base;
                return Err(Exit::Host(e.into()));
            }
        };
        let ops: &[Op] = &code.ops;
        let frame_size = code.frame_size as usize;
        // Frames are a power of two in size and every slot index the
        // translator produced is below it, so masking an index never changes
        // it; it lets the compiler drop the bounds check of every access.
        // Computed in u32 so `mask + 1` provably does not wrap.
        let mask = code.frame_size.wrapping_sub(1) as usize;
        let s: &mut [u64] = &mut stack[base..][..mask + 1];
        // The current instance's memory 0, borrowed for as long as the frame
        // runs without leaving it: anything that may change the memory (a
        // host call, memory.grow, another frame) re-enters `'frame`.
        let mut mem_view = match mem {
            Some(m) => m.view(),
            None => MemoryView::empty(),
        };
        let mem_data: &mut [u8] = mem_view.bytes();
        let mut pc = pos.pc;

        macro_rules! trap {
            ($t:expr) => {{
                pos.pc = pc;
                *base_out = base;
                return Err(Exit::Trap($t));
            }};
        }
        // Leaves with an error that is not a trap (a host limiter's).
        macro_rules! host_error {
            ($e:expr) => {{
                pos.pc = pc;
                *base_out = base;
                return Err(Exit::Host($e));
            }};
        }
        macro_rules! tryt {
            ($e:expr) => {
                match $e {
                    Ok(v) => v,
                    Err(t) => trap!(t),
                }
            };
        }
        macro_rules! i32bin {
            ($d:ident, $a:ident, $b:ident, |$x:ident, $y:ident| $e:expr) => {{
                let $x = s[$a as usize & mask] as u32;
                let $y = s[$b as usize & mask] as u32;
                s[$d as usize & mask] = ($e) as u32 as u64;
            }};
        }
        macro_rules! i64bin {
            ($d:ident, $a:ident, $b:ident, |$x:ident, $y:ident| $e:expr) => {{
                let $x = s[$a as usize & mask];
                let $y = s[$b as usize & mask];
                s[$d as usize & mask] = ($e) as u64;
            }};
        }
        macro_rules! cmp {
            ($d:ident, $a:ident, $b:ident, $t:ty, $conv:expr, |$x:ident, $y:ident| $e:expr) => {{
                let $x: $t = $conv(s[$a as usize & mask]);
                let $y: $t = $conv(s[$b as usize & mask]);
                s[$d as usize & mask] = ($e) as u64;
            }};
        }
        macro_rules! un {
            ($d:ident, $a:ident, |$x:ident| $e:expr) => {{
                let $x = s[$a as usize & mask];
                s[$d as usize & mask] = $e;
            }};
        }
        macro_rules! load {
            ($d:ident, $a:ident, $off:ident, $n:literal, |$bytes:ident| $e:expr) => {{
                let addr = s[$a as usize & mask] as u32 as u64;
                let $bytes = tryt!(vm::load::<$n>(mem_data, addr, $off));
                s[$d as usize & mask] = $e;
            }};
        }
        macro_rules! store {
            ($a:ident, $v:ident, $off:ident, |$x:ident| $e:expr) => {{
                let addr = s[$a as usize & mask] as u32 as u64;
                let $x = s[$v as usize & mask];
                tryt!(vm::store(mem_data, addr, $off, $e));
            }};
        }
        // A `v128` in slots `$a` and `$a + 1`.
        macro_rules! v128 {
            ($a:expr) => {
                s[$a as usize & mask] as u128 | (s[($a as usize + 1) & mask] as u128) << 64
            };
        }
        macro_rules! set_v128 {
            ($d:expr, $v:expr) => {{
                let v: u128 = $v;
                s[$d as usize & mask] = v as u64;
                s[($d as usize + 1) & mask] = (v >> 64) as u64;
            }};
        }
        macro_rules! br_if {
            ($cond:expr, $target:ident) => {{
                if $cond {
                    pc = $target as usize;
                }
            }};
        }

        // The code of function `$index` of the module of `$funcs`,
        // translated if this is its first call; leaves with the error if
        // it cannot be.
        macro_rules! callee_code {
            ($funcs:expr, $module:expr, $index:expr) => {{
                let module: &ModuleArtifacts = $module;
                match $funcs.func(module, defined(module, $index)) {
                    Ok(code) => code,
                    Err(e) => host_error!(e.into()),
                }
            }};
        }

        // Pushes the caller's frame and makes room for a callee frame at
        // `$callee_base`, or traps when the wasm stack limit is reached.
        macro_rules! enter {
            ($callee_base:expr, $callee:expr) => {{
                let callee_base: usize = $callee_base;
                let callee: &CompiledFunc = $callee;
                let end = callee_base + callee.frame_size as usize;
                if end + (frames.len() + 1) * FRAME_OVERHEAD_SLOTS > limit {
                    trap!(Trap::StackOverflow);
                }
                frames.push(Frame { instance: pos.instance, func: pos.func, pc, base });
                if end > stack.len() {
                    let new_len = (stack.len() * 2).max(end).min(limit.max(end));
                    stack.resize(new_len, 0);
                }
                prologue(&mut stack[callee_base..end], callee);
                base = callee_base;
                pos.pc = 0;
            }};
        }

        // Calls the function `$f` (a `FuncRefPtr`), its arguments at slot
        // `$callee`: an interpreted function gets a frame in this loop;
        // anything else is called through its array-call entry.
        // `$ty` is the callee's type (known to the caller's module).
        macro_rules! call_func {
            ($f:expr, $callee:expr, $ty:expr) => {{
                let f: FuncRefPtr = $f;
                let callee_base = base + $callee as usize;
                if let Some((instance, index)) = vm::func_ref_target(f) {
                    if instance == pos.instance {
                        // Same instance, so the same (interpreted) module.
                        enter!(callee_base, callee_code!(funcs, &module, index));
                        pos.func = index;
                        continue 'frame;
                    }
                    let callee_module = &store.instance(instance).module;
                    if let Some(callee_code) = super::code_of(callee_module) {
                        let callee_funcs = Held::Shared(callee_code.clone());
                        let callee_module = Held::Shared(callee_module.clone());
                        enter!(callee_base, callee_code!(callee_funcs, &callee_module, index));
                        mem = memory0(store, &callee_module, instance);
                        module = callee_module;
                        funcs = callee_funcs;
                        pos.instance = instance;
                        pos.func = index;
                        continue 'frame;
                    }
                }
                let ty: &crate::types::FuncType = $ty;
                let (np, nr) = (ty.params().len(), ty.results().len());
                host_buf.clear();
                host_buf.resize(np.max(nr), ValRaw::default());
                super::slots_to_raw(ty.params(), &s[$callee as usize..], &mut host_buf);
                store.stack_in_use = in_use + (base + frame_size + frames.len() * FRAME_OVERHEAD_SLOTS) * 8;
                let caller = store.instance(pos.instance).vmctx();
                store.publish_interp_position(frames, (pos.instance, pos.func, pc));
                let result = vm::call_array(store, f, caller, &mut host_buf);
                store.stack_in_use = in_use;
                if let Err(e) = result {
                    pos.pc = pc;
                    *base_out = base;
                    return Err(Exit::Host(e));
                }
                let s = &mut stack[base..][..mask + 1];
                super::raw_to_slots(ty.results(), &host_buf, &mut s[$callee as usize..]);
                // The callee may have grown memory: view it again.
                pos.pc = pc;
                continue 'frame;
            }};
        }

        loop {
            let op = ops[pc];
            pc += 1;
            match op {
                Op::Copy { d, a } => s[d as usize & mask] = s[a as usize & mask],
                Op::CopySpan { d, a, n } => s.copy_within(a as usize..(a + n) as usize, d as usize),
                Op::Const32 { d, v } => s[d as usize & mask] = v as u64,
                Op::Const64 { d, v } => s[d as usize & mask] = v,
                Op::I32AddImm { d, a, imm } => {
                    s[d as usize & mask] = (s[a as usize & mask] as u32).wrapping_add(imm as u32) as u64
                }
                Op::BinImm { op, d, a, imm } => s[d as usize & mask] = op.eval(s[a as usize & mask], imm),
                Op::I64AddImm { d, a, imm } => {
                    s[d as usize & mask] = s[a as usize & mask].wrapping_add(imm as i64 as u64)
                }
                Op::Select { d, a, b } => {
                    let c = s[(d as usize + 2) & mask] as u32;
                    s[d as usize & mask] = if c != 0 { s[a as usize & mask] } else { s[b as usize & mask] };
                }

                Op::Br { target } => pc = target as usize,
                Op::BrIfImm { op, a, imm, target } => br_if!(op.eval(s[a as usize & mask], imm) != 0, target),
                Op::BrIfNotImm { op, a, imm, target } => br_if!(op.eval(s[a as usize & mask], imm) == 0, target),
                Op::BrIfCmp { op, a, b, target } => br_if!(op.eval(s[a as usize & mask], s[b as usize & mask]), target),
                Op::BrIfNotCmp { op, a, b, target } => {
                    br_if!(!op.eval(s[a as usize & mask], s[b as usize & mask]), target)
                }
                Op::BrIfNez { c, target } => br_if!(s[c as usize & mask] as u32 != 0, target),
                Op::BrIfEqz { c, target } => br_if!(s[c as usize & mask] as u32 == 0, target),
                Op::BrIfI32Eq { a, b, target } => {
                    br_if!(s[a as usize & mask] as u32 == s[b as usize & mask] as u32, target)
                }
                Op::BrIfI32Ne { a, b, target } => {
                    br_if!(s[a as usize & mask] as u32 != s[b as usize & mask] as u32, target)
                }
                Op::BrIfI32LtS { a, b, target } => {
                    br_if!((s[a as usize & mask] as i32) < s[b as usize & mask] as i32, target)
                }
                Op::BrIfI32LtU { a, b, target } => {
                    br_if!((s[a as usize & mask] as u32) < s[b as usize & mask] as u32, target)
                }
                Op::BrIfI32GtS { a, b, target } => {
                    br_if!(s[a as usize & mask] as i32 > s[b as usize & mask] as i32, target)
                }
                Op::BrIfI32GtU { a, b, target } => {
                    br_if!(s[a as usize & mask] as u32 > s[b as usize & mask] as u32, target)
                }
                Op::BrIfI32LeS { a, b, target } => {
                    br_if!(s[a as usize & mask] as i32 <= s[b as usize & mask] as i32, target)
                }
                Op::BrIfI32LeU { a, b, target } => {
                    br_if!(s[a as usize & mask] as u32 <= s[b as usize & mask] as u32, target)
                }
                Op::BrIfI32GeS { a, b, target } => {
                    br_if!(s[a as usize & mask] as i32 >= s[b as usize & mask] as i32, target)
                }
                Op::BrIfI32GeU { a, b, target } => {
                    br_if!(s[a as usize & mask] as u32 >= s[b as usize & mask] as u32, target)
                }
                Op::BrTable { idx, len } => {
                    let i = (s[idx as usize & mask] as u32).min(len);
                    pc += i as usize;
                }
                Op::Unreachable {} => trap!(Trap::UnreachableCodeReached),
                Op::Return { src, n } => {
                    if n == 1 {
                        s[0] = s[src as usize & mask];
                    } else if n > 1 {
                        s.copy_within(src as usize..(src + n) as usize, 0);
                    }
                    if frames.len() == entry_depth {
                        return Ok(());
                    }
                    let caller = frames.pop().expect("caller frame");
                    if caller.instance != pos.instance {
                        let caller_module = &store.instance(caller.instance).module;
                        funcs = Held::Shared(interp_code(caller_module).clone());
                        module = Held::Shared(caller_module.clone());
                        mem = memory0(store, &module, caller.instance);
                    }
                    pos.instance = caller.instance;
                    pos.func = caller.func;
                    pos.pc = caller.pc;
                    base = caller.base;
                    continue 'frame;
                }
                Op::Call { func, base: callee } => {
                    let func = FuncIndex(func);
                    enter!(base + callee as usize, callee_code!(funcs, &module, func));
                    pos.func = func;
                    continue 'frame;
                }
                Op::CallImport { func, base: callee } => {
                    let f = store.instance(pos.instance).func_ref(FuncIndex(func));
                    call_func!(f, callee, module.info.func_type(func));
                }
                Op::CallIndirect { table, ty, base: callee } => {
                    let expected = module.info.sigs[ty as usize];
                    let nparams = super::ir::slots_of(module.info.types[ty as usize].params());
                    let i = s[(callee as usize + nparams) & mask] as u32 as usize;
                    let elements = &store.instance_table(pos.instance, TableIndex(table)).elements;
                    let Some(&elem) = elements.get(i) else { trap!(Trap::TableOutOfBounds) };
                    let Some(f) = FuncRefPtr::from_bits(elem) else { trap!(Trap::IndirectCallToNull) };
                    if vm::func_ref_type_id(f) != expected {
                        trap!(Trap::BadSignature);
                    }
                    call_func!(f, callee, &module.info.types[ty as usize]);
                }

                Op::V128Const { d, idx } => set_v128!(d, code.v128_consts[idx as usize]),
                Op::V128Copy { d, a } => set_v128!(d, v128!(a)),
                Op::V128Unary { op, d, a } => set_v128!(d, op.eval(v128!(a))),
                Op::V128Binary { op, d, a, b } => set_v128!(d, op.eval(v128!(a), v128!(b))),
                Op::V128Ternary { op, base } => set_v128!(base, op.eval(v128!(base), v128!(base + 2), v128!(base + 4))),
                Op::V128Shift { op, d, a, b } => set_v128!(d, op.eval(v128!(a), s[b as usize & mask] as u32)),
                Op::V128Splat { op, d, a } => set_v128!(d, op.eval(s[a as usize & mask])),
                Op::V128Extract { op, lane, d, a } => s[d as usize & mask] = op.eval(v128!(a), lane),
                Op::V128Replace { op, lane, d, a, b } => set_v128!(d, op.eval(v128!(a), s[b as usize & mask], lane)),
                Op::V128Test { op, d, a } => s[d as usize & mask] = op.eval(v128!(a)),
                Op::I8x16Shuffle { base, idx } => {
                    let lanes = code.v128_consts[idx as usize].to_le_bytes();
                    set_v128!(base, super::simd::shuffle(v128!(base), v128!(base + 2), lanes))
                }
                Op::V128Load { op, d, a, off } => {
                    let addr = s[a as usize & mask] as u32 as u64;
                    let raw = tryt!(vm::load_le(mem_data, addr, off, op.size() as usize));
                    set_v128!(d, op.finish(raw))
                }
                Op::V128Store { a, v, off } => {
                    let addr = s[a as usize & mask] as u32 as u64;
                    tryt!(vm::store_le(mem_data, addr, off, v128!(v), 16))
                }
                Op::V128LoadLane { op, lane, base, off } => {
                    let addr = s[base as usize & mask] as u32 as u64;
                    let raw = tryt!(vm::load_le(mem_data, addr, off, op.size() as usize));
                    set_v128!(base, op.insert(v128!(base + 1), raw as u64, lane))
                }
                Op::V128StoreLane { op, lane, base, off } => {
                    let addr = s[base as usize & mask] as u32 as u64;
                    let x = op.extract(v128!(base + 1), lane);
                    tryt!(vm::store_le(mem_data, addr, off, x as u128, op.size() as usize))
                }
                Op::V128Select { d, a, b } => {
                    let c = s[(d as usize + 4) & mask] as u32;
                    set_v128!(d, if c != 0 { v128!(a) } else { v128!(b) });
                }
                Op::V128GlobalGet { d, g } => set_v128!(d, store.instance_global_v128(pos.instance, GlobalIndex(g))),
                Op::V128GlobalSet { g, a } => store.set_instance_global_v128(pos.instance, GlobalIndex(g), v128!(a)),

                Op::GlobalGet { d, g } => {
                    s[d as usize & mask] = store.instance_global(pos.instance, GlobalIndex(g));
                }
                Op::GlobalSet { g, a } => {
                    store.set_instance_global(pos.instance, GlobalIndex(g), s[a as usize & mask]);
                }

                Op::I32Load { d, a, off } => load!(d, a, off, 4, |b| u32::from_le_bytes(b) as u64),
                Op::I64Load { d, a, off } => load!(d, a, off, 8, |b| u64::from_le_bytes(b)),
                Op::I32Load8S { d, a, off } => load!(d, a, off, 1, |b| b[0] as i8 as i32 as u32 as u64),
                Op::I32Load8U { d, a, off } => load!(d, a, off, 1, |b| b[0] as u64),
                Op::I32Load16S { d, a, off } => load!(d, a, off, 2, |b| i16::from_le_bytes(b) as i32 as u32 as u64),
                Op::I32Load16U { d, a, off } => load!(d, a, off, 2, |b| u16::from_le_bytes(b) as u64),
                Op::I64Load8S { d, a, off } => load!(d, a, off, 1, |b| b[0] as i8 as i64 as u64),
                Op::I64Load8U { d, a, off } => load!(d, a, off, 1, |b| b[0] as u64),
                Op::I64Load16S { d, a, off } => load!(d, a, off, 2, |b| i16::from_le_bytes(b) as i64 as u64),
                Op::I64Load16U { d, a, off } => load!(d, a, off, 2, |b| u16::from_le_bytes(b) as u64),
                Op::I64Load32S { d, a, off } => load!(d, a, off, 4, |b| i32::from_le_bytes(b) as i64 as u64),
                Op::I64Load32U { d, a, off } => load!(d, a, off, 4, |b| u32::from_le_bytes(b) as u64),
                Op::I32Store { a, v, off } => store!(a, v, off, |x| (x as u32).to_le_bytes()),
                Op::I64Store { a, v, off } => store!(a, v, off, |x| x.to_le_bytes()),
                Op::I32Store8 { a, v, off } | Op::I64Store8 { a, v, off } => store!(a, v, off, |x| [x as u8]),
                Op::I32Store16 { a, v, off } | Op::I64Store16 { a, v, off } => {
                    store!(a, v, off, |x| (x as u16).to_le_bytes())
                }
                Op::I64Store32 { a, v, off } => store!(a, v, off, |x| (x as u32).to_le_bytes()),

                Op::I32StoreAddImm { a, v, imm } => {
                    let addr = (s[a as usize & mask] as u32).wrapping_add(imm as u32) as u64;
                    tryt!(vm::store(mem_data, addr, 0, (s[v as usize & mask] as u32).to_le_bytes()));
                }
                Op::I64StoreAddImm { a, v, imm } => {
                    let addr = (s[a as usize & mask] as u32).wrapping_add(imm as u32) as u64;
                    tryt!(vm::store(mem_data, addr, 0, s[v as usize & mask].to_le_bytes()));
                }
                Op::I32Store8AddImm { a, v, imm } => {
                    let addr = (s[a as usize & mask] as u32).wrapping_add(imm as u32) as u64;
                    tryt!(vm::store(mem_data, addr, 0, [s[v as usize & mask] as u8]));
                }
                Op::I32LoadAddImm { d, a, imm } => {
                    let addr = (s[a as usize & mask] as u32).wrapping_add(imm as u32) as u64;
                    let b = tryt!(vm::load::<4>(mem_data, addr, 0));
                    s[d as usize & mask] = u32::from_le_bytes(b) as u64;
                }
                Op::I64LoadAddImm { d, a, imm } => {
                    let addr = (s[a as usize & mask] as u32).wrapping_add(imm as u32) as u64;
                    let b = tryt!(vm::load::<8>(mem_data, addr, 0));
                    s[d as usize & mask] = u64::from_le_bytes(b);
                }
                Op::I32Load8UAddImm { d, a, imm } => {
                    let addr = (s[a as usize & mask] as u32).wrapping_add(imm as u32) as u64;
                    let b = tryt!(vm::load::<1>(mem_data, addr, 0));
                    s[d as usize & mask] = b[0] as u64;
                }
                Op::I32LoadAdd { d, a, b } => {
                    let addr = (s[a as usize & mask] as u32).wrapping_add(s[b as usize & mask] as u32) as u64;
                    let b = tryt!(vm::load::<4>(mem_data, addr, 0));
                    s[d as usize & mask] = u32::from_le_bytes(b) as u64;
                }
                Op::I64LoadAdd { d, a, b } => {
                    let addr = (s[a as usize & mask] as u32).wrapping_add(s[b as usize & mask] as u32) as u64;
                    let b = tryt!(vm::load::<8>(mem_data, addr, 0));
                    s[d as usize & mask] = u64::from_le_bytes(b);
                }
                Op::I32Load8UAdd { d, a, b } => {
                    let addr = (s[a as usize & mask] as u32).wrapping_add(s[b as usize & mask] as u32) as u64;
                    let b = tryt!(vm::load::<1>(mem_data, addr, 0));
                    s[d as usize & mask] = b[0] as u64;
                }
                Op::MemorySize { d } => s[d as usize & mask] = (mem_data.len() / vm::WASM_PAGE_SIZE) as u64,
                Op::MemoryGrow { d, a } => {
                    let delta = s[a as usize & mask] as u32 as u64;
                    s[d as usize & mask] = match store.memory_grow(pos.instance, MemoryIndex(0), delta) {
                        Ok(Some(old)) => old,
                        Ok(None) => u32::MAX as u64,
                        Err(e) => host_error!(e),
                    };
                    // The memory may have moved: view it again.
                    pos.pc = pc;
                    continue 'frame;
                }
                Op::MemoryFill { base: o } => {
                    let o = o as usize;
                    let (dst, val, n) = (s[o & mask] as u32, s[(o + 1) & mask] as u8, s[(o + 2) & mask] as u32);
                    tryt!(vm::fill(mem_data, dst, val, n));
                }
                Op::MemoryCopy { base: o } => {
                    let o = o as usize;
                    let (dst, src, n) = (s[o & mask] as u32, s[(o + 1) & mask] as u32, s[(o + 2) & mask] as u32);
                    tryt!(vm::copy_within(mem_data, dst, src, n));
                }
                Op::MemoryInit { seg, base: o } => {
                    let o = o as usize;
                    let (dst, src, n) = (
                        s[o & mask] as u32 as usize,
                        s[(o + 1) & mask] as u32 as usize,
                        s[(o + 2) & mask] as u32 as usize,
                    );
                    let dropped = store.instance(pos.instance).data_dropped[seg as usize];
                    let bytes: &[u8] = if dropped { &[] } else { &module.info.datas[seg as usize].bytes };
                    let data = &mut *mem_data;
                    match (bytes.get(src..src + n), data.get_mut(dst..dst + n)) {
                        (Some(from), Some(to)) => to.copy_from_slice(from),
                        _ => trap!(Trap::MemoryOutOfBounds),
                    }
                }
                Op::DataDrop { seg } => {
                    store.instance_mut(pos.instance).data_dropped[seg as usize] = true;
                }

                Op::TableGet { d, a, table } => {
                    let t = store.instance_table(pos.instance, TableIndex(table));
                    match t.elements.get(s[a as usize & mask] as u32 as usize) {
                        Some(v) => s[d as usize & mask] = *v as u64,
                        None => trap!(Trap::TableOutOfBounds),
                    }
                }
                Op::TableSet { table, base: o } => {
                    let t = store.instance_table(pos.instance, TableIndex(table));
                    let (i, v) = (s[o as usize & mask] as u32 as usize, s[(o as usize + 1) & mask]);
                    match t.elements.get_mut(i) {
                        Some(slot) => *slot = v as usize,
                        None => trap!(Trap::TableOutOfBounds),
                    }
                }
                Op::TableSize { d, table } => {
                    s[d as usize & mask] = store.instance_table(pos.instance, TableIndex(table)).size() as u64;
                }
                Op::TableGrow { table, base: o } => {
                    let (init, n) = (s[o as usize & mask], s[(o as usize + 1) & mask] as u32);
                    s[o as usize & mask] = match store.table_grow(pos.instance, TableIndex(table), n, init as usize) {
                        Ok(Some(old)) => old as u64,
                        Ok(None) => u32::MAX as u64,
                        Err(e) => host_error!(e),
                    };
                }
                Op::TableFill { table, base: o } => {
                    let o = o as usize;
                    let (i, v, n) = (s[o & mask] as u32, s[(o + 1) & mask] as usize, s[(o + 2) & mask] as u32);
                    tryt!(store.instance_table(pos.instance, TableIndex(table)).fill(i, v, n));
                }
                Op::TableCopy { dst, src, base: o } => {
                    let o = o as usize;
                    let (d, si, n) = (s[o & mask] as u32, s[(o + 1) & mask] as u32, s[(o + 2) & mask] as u32);
                    tryt!(store.table_copy(pos.instance, TableIndex(dst), TableIndex(src), d, si, n));
                }
                Op::TableInit { table, seg, base: o } => {
                    let o = o as usize;
                    let (d, si, n) = (s[o & mask] as u32, s[(o + 1) & mask] as u32, s[(o + 2) & mask] as u32);
                    tryt!(store.table_init(pos.instance, TableIndex(table), seg, d, si, n));
                }
                Op::ElemDrop { seg } => {
                    store.instance_mut(pos.instance).elems[seg as usize] = None;
                }
                Op::RefFunc { d, func } => {
                    s[d as usize & mask] = store.instance(pos.instance).func_ref(FuncIndex(func)).to_bits() as u64;
                }
                Op::RefIsNull { d, a } => s[d as usize & mask] = (s[a as usize & mask] == 0) as u64,

                Op::ConsumeFuel { n } => *store.fuel_consumed() += n as i64,
                Op::Check {} => {
                    if store.interrupt_due(interrupts) {
                        if let Err(e) = store.check_interrupts(interrupts) {
                            match e.downcast::<Trap>() {
                                Ok(t) => trap!(t),
                                Err(e) => host_error!(e),
                            }
                        }
                        // The epoch callback had the store: look at the
                        // memory again.
                        pos.pc = pc;
                        continue 'frame;
                    }
                }

                Op::I32Eqz { d, a } => un!(d, a, |x| (x as u32 == 0) as u64),
                Op::I32Eq { d, a, b } => cmp!(d, a, b, u32, |v| v as u32, |x, y| x == y),
                Op::I32Ne { d, a, b } => cmp!(d, a, b, u32, |v| v as u32, |x, y| x != y),
                Op::I32LtS { d, a, b } => cmp!(d, a, b, i32, |v| v as i32, |x, y| x < y),
                Op::I32LtU { d, a, b } => cmp!(d, a, b, u32, |v| v as u32, |x, y| x < y),
                Op::I32GtS { d, a, b } => cmp!(d, a, b, i32, |v| v as i32, |x, y| x > y),
                Op::I32GtU { d, a, b } => cmp!(d, a, b, u32, |v| v as u32, |x, y| x > y),
                Op::I32LeS { d, a, b } => cmp!(d, a, b, i32, |v| v as i32, |x, y| x <= y),
                Op::I32LeU { d, a, b } => cmp!(d, a, b, u32, |v| v as u32, |x, y| x <= y),
                Op::I32GeS { d, a, b } => cmp!(d, a, b, i32, |v| v as i32, |x, y| x >= y),
                Op::I32GeU { d, a, b } => cmp!(d, a, b, u32, |v| v as u32, |x, y| x >= y),
                Op::I64Eq { d, a, b } => cmp!(d, a, b, u64, |v| v, |x, y| x == y),
                Op::I64Ne { d, a, b } => cmp!(d, a, b, u64, |v| v, |x, y| x != y),
                Op::I64LtS { d, a, b } => cmp!(d, a, b, i64, |v| v as i64, |x, y| x < y),
                Op::I64LtU { d, a, b } => cmp!(d, a, b, u64, |v| v, |x, y| x < y),
                Op::I64GtS { d, a, b } => cmp!(d, a, b, i64, |v| v as i64, |x, y| x > y),
                Op::I64GtU { d, a, b } => cmp!(d, a, b, u64, |v| v, |x, y| x > y),
                Op::I64LeS { d, a, b } => cmp!(d, a, b, i64, |v| v as i64, |x, y| x <= y),
                Op::I64LeU { d, a, b } => cmp!(d, a, b, u64, |v| v, |x, y| x <= y),
                Op::I64GeS { d, a, b } => cmp!(d, a, b, i64, |v| v as i64, |x, y| x >= y),
                Op::I64GeU { d, a, b } => cmp!(d, a, b, u64, |v| v, |x, y| x >= y),
                Op::F32Eq { d, a, b } => cmp!(d, a, b, f32, f32_of, |x, y| x == y),
                Op::F32Ne { d, a, b } => cmp!(d, a, b, f32, f32_of, |x, y| x != y),
                Op::F32Lt { d, a, b } => cmp!(d, a, b, f32, f32_of, |x, y| x < y),
                Op::F32Gt { d, a, b } => cmp!(d, a, b, f32, f32_of, |x, y| x > y),
                Op::F32Le { d, a, b } => cmp!(d, a, b, f32, f32_of, |x, y| x <= y),
                Op::F32Ge { d, a, b } => cmp!(d, a, b, f32, f32_of, |x, y| x >= y),
                Op::F64Eq { d, a, b } => cmp!(d, a, b, f64, f64_of, |x, y| x == y),
                Op::F64Ne { d, a, b } => cmp!(d, a, b, f64, f64_of, |x, y| x != y),
                Op::F64Lt { d, a, b } => cmp!(d, a, b, f64, f64_of, |x, y| x < y),
                Op::F64Gt { d, a, b } => cmp!(d, a, b, f64, f64_of, |x, y| x > y),
                Op::F64Le { d, a, b } => cmp!(d, a, b, f64, f64_of, |x, y| x <= y),
                Op::F64Ge { d, a, b } => cmp!(d, a, b, f64, f64_of, |x, y| x >= y),

                Op::I32Clz { d, a } => un!(d, a, |x| (x as u32).leading_zeros() as u64),
                Op::I32Ctz { d, a } => un!(d, a, |x| (x as u32).trailing_zeros() as u64),
                Op::I32Popcnt { d, a } => un!(d, a, |x| (x as u32).count_ones() as u64),
                Op::I32Add { d, a, b } => i32bin!(d, a, b, |x, y| x.wrapping_add(y)),
                Op::I32Sub { d, a, b } => i32bin!(d, a, b, |x, y| x.wrapping_sub(y)),
                Op::I32Mul { d, a, b } => i32bin!(d, a, b, |x, y| x.wrapping_mul(y)),
                Op::I32DivS { d, a, b } => {
                    let (x, y) = (s[a as usize & mask] as i32, s[b as usize & mask] as i32);
                    if y == 0 {
                        trap!(Trap::IntegerDivisionByZero);
                    }
                    if x == i32::MIN && y == -1 {
                        trap!(Trap::IntegerOverflow);
                    }
                    s[d as usize & mask] = (x / y) as u32 as u64;
                }
                Op::I32DivU { d, a, b } => {
                    let (x, y) = (s[a as usize & mask] as u32, s[b as usize & mask] as u32);
                    if y == 0 {
                        trap!(Trap::IntegerDivisionByZero);
                    }
                    s[d as usize & mask] = (x / y) as u64;
                }
                Op::I32RemS { d, a, b } => {
                    let (x, y) = (s[a as usize & mask] as i32, s[b as usize & mask] as i32);
                    if y == 0 {
                        trap!(Trap::IntegerDivisionByZero);
                    }
                    s[d as usize & mask] = x.wrapping_rem(y) as u32 as u64;
                }
                Op::I32RemU { d, a, b } => {
                    let (x, y) = (s[a as usize & mask] as u32, s[b as usize & mask] as u32);
                    if y == 0 {
                        trap!(Trap::IntegerDivisionByZero);
                    }
                    s[d as usize & mask] = (x % y) as u64;
                }
                Op::I32And { d, a, b } => i32bin!(d, a, b, |x, y| x & y),
                Op::I32Or { d, a, b } => i32bin!(d, a, b, |x, y| x | y),
                Op::I32Xor { d, a, b } => i32bin!(d, a, b, |x, y| x ^ y),
                Op::I32Shl { d, a, b } => i32bin!(d, a, b, |x, y| x.wrapping_shl(y)),
                Op::I32ShrS { d, a, b } => i32bin!(d, a, b, |x, y| (x as i32).wrapping_shr(y)),
                Op::I32ShrU { d, a, b } => i32bin!(d, a, b, |x, y| x.wrapping_shr(y)),
                Op::I32Rotl { d, a, b } => i32bin!(d, a, b, |x, y| x.rotate_left(y)),
                Op::I32Rotr { d, a, b } => i32bin!(d, a, b, |x, y| x.rotate_right(y)),
                Op::I64Clz { d, a } => un!(d, a, |x| x.leading_zeros() as u64),
                Op::I64Ctz { d, a } => un!(d, a, |x| x.trailing_zeros() as u64),
                Op::I64Popcnt { d, a } => un!(d, a, |x| x.count_ones() as u64),
                Op::I64Add { d, a, b } => i64bin!(d, a, b, |x, y| x.wrapping_add(y)),
                Op::I64Sub { d, a, b } => i64bin!(d, a, b, |x, y| x.wrapping_sub(y)),
                Op::I64Mul { d, a, b } => i64bin!(d, a, b, |x, y| x.wrapping_mul(y)),
                Op::I64DivS { d, a, b } => {
                    let (x, y) = (s[a as usize & mask] as i64, s[b as usize & mask] as i64);
                    if y == 0 {
                        trap!(Trap::IntegerDivisionByZero);
                    }
                    if x == i64::MIN && y == -1 {
                        trap!(Trap::IntegerOverflow);
                    }
                    s[d as usize & mask] = (x / y) as u64;
                }
                Op::I64DivU { d, a, b } => {
                    let (x, y) = (s[a as usize & mask], s[b as usize & mask]);
                    if y == 0 {
                        trap!(Trap::IntegerDivisionByZero);
                    }
                    s[d as usize & mask] = x / y;
                }
                Op::I64RemS { d, a, b } => {
                    let (x, y) = (s[a as usize & mask] as i64, s[b as usize & mask] as i64);
                    if y == 0 {
                        trap!(Trap::IntegerDivisionByZero);
                    }
                    s[d as usize & mask] = x.wrapping_rem(y) as u64;
                }
                Op::I64RemU { d, a, b } => {
                    let (x, y) = (s[a as usize & mask], s[b as usize & mask]);
                    if y == 0 {
                        trap!(Trap::IntegerDivisionByZero);
                    }
                    s[d as usize & mask] = x % y;
                }
                Op::I64And { d, a, b } => i64bin!(d, a, b, |x, y| x & y),
                Op::I64Or { d, a, b } => i64bin!(d, a, b, |x, y| x | y),
                Op::I64Xor { d, a, b } => i64bin!(d, a, b, |x, y| x ^ y),
                Op::I64Shl { d, a, b } => i64bin!(d, a, b, |x, y| x.wrapping_shl(y as u32)),
                Op::I64ShrS { d, a, b } => i64bin!(d, a, b, |x, y| (x as i64).wrapping_shr(y as u32)),
                Op::I64ShrU { d, a, b } => i64bin!(d, a, b, |x, y| x.wrapping_shr(y as u32)),
                Op::I64Rotl { d, a, b } => i64bin!(d, a, b, |x, y| x.rotate_left((y % 64) as u32)),
                Op::I64Rotr { d, a, b } => i64bin!(d, a, b, |x, y| x.rotate_right((y % 64) as u32)),

                Op::F32Abs { d, a } => un!(d, a, |x| x & 0x7fff_ffff),
                Op::F32Neg { d, a } => un!(d, a, |x| (x ^ 0x8000_0000) & 0xffff_ffff),
                Op::F32Ceil { d, a } => un!(d, a, |x| from_f32(quiet_f32(f32_of(x).ceil()))),
                Op::F32Floor { d, a } => un!(d, a, |x| from_f32(quiet_f32(f32_of(x).floor()))),
                Op::F32Trunc { d, a } => un!(d, a, |x| from_f32(quiet_f32(f32_of(x).trunc()))),
                Op::F32Nearest { d, a } => un!(d, a, |x| from_f32(quiet_f32(f32_of(x).round_ties_even()))),
                Op::F32Sqrt { d, a } => un!(d, a, |x| from_f32(f32_of(x).sqrt())),
                Op::F32Add { d, a, b } => {
                    s[d as usize & mask] = from_f32(f32_of(s[a as usize & mask]) + f32_of(s[b as usize & mask]))
                }
                Op::F32Sub { d, a, b } => {
                    s[d as usize & mask] = from_f32(f32_of(s[a as usize & mask]) - f32_of(s[b as usize & mask]))
                }
                Op::F32Mul { d, a, b } => {
                    s[d as usize & mask] = from_f32(f32_of(s[a as usize & mask]) * f32_of(s[b as usize & mask]))
                }
                Op::F32Div { d, a, b } => {
                    s[d as usize & mask] = from_f32(f32_of(s[a as usize & mask]) / f32_of(s[b as usize & mask]))
                }
                Op::F32Min { d, a, b } => {
                    let (x, y) = (s[a as usize & mask], s[b as usize & mask]);
                    s[d as usize & mask] = from_f32(fmin(f32_of(x), f32_of(y), x, y, f32_of));
                }
                Op::F32Max { d, a, b } => {
                    let (x, y) = (s[a as usize & mask], s[b as usize & mask]);
                    s[d as usize & mask] = from_f32(fmax(f32_of(x), f32_of(y), x, y, f32_of));
                }
                Op::F32Copysign { d, a, b } => {
                    s[d as usize & mask] = (s[a as usize & mask] & 0x7fff_ffff) | (s[b as usize & mask] & 0x8000_0000);
                }
                Op::F64Abs { d, a } => un!(d, a, |x| x & 0x7fff_ffff_ffff_ffff),
                Op::F64Neg { d, a } => un!(d, a, |x| x ^ 0x8000_0000_0000_0000),
                Op::F64Ceil { d, a } => un!(d, a, |x| from_f64(quiet_f64(f64_of(x).ceil()))),
                Op::F64Floor { d, a } => un!(d, a, |x| from_f64(quiet_f64(f64_of(x).floor()))),
                Op::F64Trunc { d, a } => un!(d, a, |x| from_f64(quiet_f64(f64_of(x).trunc()))),
                Op::F64Nearest { d, a } => un!(d, a, |x| from_f64(quiet_f64(f64_of(x).round_ties_even()))),
                Op::F64Sqrt { d, a } => un!(d, a, |x| from_f64(f64_of(x).sqrt())),
                Op::F64Add { d, a, b } => {
                    s[d as usize & mask] = from_f64(f64_of(s[a as usize & mask]) + f64_of(s[b as usize & mask]))
                }
                Op::F64Sub { d, a, b } => {
                    s[d as usize & mask] = from_f64(f64_of(s[a as usize & mask]) - f64_of(s[b as usize & mask]))
                }
                Op::F64Mul { d, a, b } => {
                    s[d as usize & mask] = from_f64(f64_of(s[a as usize & mask]) * f64_of(s[b as usize & mask]))
                }
                Op::F64Div { d, a, b } => {
                    s[d as usize & mask] = from_f64(f64_of(s[a as usize & mask]) / f64_of(s[b as usize & mask]))
                }
                Op::F64Min { d, a, b } => {
                    let (x, y) = (s[a as usize & mask], s[b as usize & mask]);
                    s[d as usize & mask] = from_f64(fmin(f64_of(x), f64_of(y), x, y, f64_of));
                }
                Op::F64Max { d, a, b } => {
                    let (x, y) = (s[a as usize & mask], s[b as usize & mask]);
                    s[d as usize & mask] = from_f64(fmax(f64_of(x), f64_of(y), x, y, f64_of));
                }
                Op::F64Copysign { d, a, b } => {
                    s[d as usize & mask] =
                        (s[a as usize & mask] & 0x7fff_ffff_ffff_ffff) | (s[b as usize & mask] & 0x8000_0000_0000_0000);
                }

                Op::I32WrapI64 { d, a } => un!(d, a, |x| x as u32 as u64),
                Op::I32TruncF32S { d, a } => {
                    let x = f32_of(s[a as usize & mask]) as f64;
                    tryt!(trunc_check(x, -2147483649.0, 2147483648.0));
                    s[d as usize & mask] = x as i32 as u32 as u64;
                }
                Op::I32TruncF32U { d, a } => {
                    let x = f32_of(s[a as usize & mask]) as f64;
                    tryt!(trunc_check(x, -1.0, 4294967296.0));
                    s[d as usize & mask] = x as u32 as u64;
                }
                Op::I32TruncF64S { d, a } => {
                    let x = f64_of(s[a as usize & mask]);
                    tryt!(trunc_check(x, -2147483649.0, 2147483648.0));
                    s[d as usize & mask] = x as i32 as u32 as u64;
                }
                Op::I32TruncF64U { d, a } => {
                    let x = f64_of(s[a as usize & mask]);
                    tryt!(trunc_check(x, -1.0, 4294967296.0));
                    s[d as usize & mask] = x as u32 as u64;
                }
                Op::I64ExtendI32S { d, a } => un!(d, a, |x| x as i32 as i64 as u64),
                Op::I64TruncF32S { d, a } => {
                    let x = f32_of(s[a as usize & mask]);
                    if x.is_nan() {
                        trap!(Trap::BadConversionToInteger);
                    }
                    if !(-9223372036854775808.0f32..9223372036854775808.0f32).contains(&x) {
                        trap!(Trap::IntegerOverflow);
                    }
                    s[d as usize & mask] = x as i64 as u64;
                }
                Op::I64TruncF32U { d, a } => {
                    let x = f32_of(s[a as usize & mask]) as f64;
                    tryt!(trunc_check(x, -1.0, 18446744073709551616.0));
                    s[d as usize & mask] = x as u64;
                }
                Op::I64TruncF64S { d, a } => {
                    let x = f64_of(s[a as usize & mask]);
                    if x.is_nan() {
                        trap!(Trap::BadConversionToInteger);
                    }
                    if !(-9223372036854775808.0f64..9223372036854775808.0f64).contains(&x) {
                        trap!(Trap::IntegerOverflow);
                    }
                    s[d as usize & mask] = x as i64 as u64;
                }
                Op::I64TruncF64U { d, a } => {
                    let x = f64_of(s[a as usize & mask]);
                    tryt!(trunc_check(x, -1.0, 18446744073709551616.0));
                    s[d as usize & mask] = x as u64;
                }
                Op::F32ConvertI32S { d, a } => un!(d, a, |x| from_f32(x as i32 as f32)),
                Op::F32ConvertI32U { d, a } => un!(d, a, |x| from_f32(x as u32 as f32)),
                Op::F32ConvertI64S { d, a } => un!(d, a, |x| from_f32(x as i64 as f32)),
                Op::F32ConvertI64U { d, a } => un!(d, a, |x| from_f32(x as f32)),
                Op::F32DemoteF64 { d, a } => un!(d, a, |x| from_f32(f64_of(x) as f32)),
                Op::F64ConvertI32S { d, a } => un!(d, a, |x| from_f64(x as i32 as f64)),
                Op::F64ConvertI32U { d, a } => un!(d, a, |x| from_f64(x as u32 as f64)),
                Op::F64ConvertI64S { d, a } => un!(d, a, |x| from_f64(x as i64 as f64)),
                Op::F64ConvertI64U { d, a } => un!(d, a, |x| from_f64(x as f64)),
                Op::F64PromoteF32 { d, a } => un!(d, a, |x| from_f64(f32_of(x) as f64)),
                Op::I32Extend8S { d, a } => un!(d, a, |x| x as i8 as i32 as u32 as u64),
                Op::I32Extend16S { d, a } => un!(d, a, |x| x as i16 as i32 as u32 as u64),
                Op::I64Extend8S { d, a } => un!(d, a, |x| x as i8 as i64 as u64),
                Op::I64Extend16S { d, a } => un!(d, a, |x| x as i16 as i64 as u64),
                Op::I64Extend32S { d, a } => un!(d, a, |x| x as i32 as i64 as u64),
                Op::I32TruncSatF32S { d, a } => un!(d, a, |x| f32_of(x) as i32 as u32 as u64),
                Op::I32TruncSatF32U { d, a } => un!(d, a, |x| f32_of(x) as u32 as u64),
                Op::I32TruncSatF64S { d, a } => un!(d, a, |x| f64_of(x) as i32 as u32 as u64),
                Op::I32TruncSatF64U { d, a } => un!(d, a, |x| f64_of(x) as u32 as u64),
                Op::I64TruncSatF32S { d, a } => un!(d, a, |x| f32_of(x) as i64 as u64),
                Op::I64TruncSatF32U { d, a } => un!(d, a, |x| f32_of(x) as u64),
                Op::I64TruncSatF64S { d, a } => un!(d, a, |x| f64_of(x) as i64 as u64),
                Op::I64TruncSatF64U { d, a } => un!(d, a, |x| f64_of(x) as u64),
            }
        }
    }
}
