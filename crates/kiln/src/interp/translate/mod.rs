//! Wasm function bodies to interpreter code, in one pass that also validates
//! (or, for a body validated before, only decodes: see `BodyReader`).
//!
//! The translator mirrors the wasm operand stack with `Operand`s: a value is
//! either in its home slot (`Temp`), still the current value of a local
//! (`Local`) or a constant (`Const`). Consumers read locals and constants
//! where they are, so `local.get` and `*.const` cost nothing at run time; a
//! value is copied into its home slot ("materialized") only when it must be
//! (block boundaries, calls, a write to the local it refers to).

mod control;
mod simd;

use super::ir::{CmpOp, CompiledFunc, ImmOp, Op, Slot};
use crate::compile::{charges_fuel, fuel_cost, BodyReader, CompileError, CompileErrorKind, Interrupts, ModuleInfo};
use crate::types::ValType;
use std::collections::HashMap;
use wasmparser::{BlockType, FunctionBody, Operator};

/// At most this many distinct constants of a function get slots; the rest
/// are materialized where they are used.
const MAX_CONST_SLOTS: usize = 64;

/// A branch carrying at most this many values moves them one op per value,
/// straight from where they are; one carrying more first puts them in their
/// home slots (once, so later branches find them there) and moves them with
/// one `CopySpan`. Otherwise a `br_if` or `br_table` target carrying 1,000
/// values would cost 1,000 ops for every 2 bytes of input.
const MAX_INLINE_MOVES: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Operand {
    Temp,
    Local(u32),
    Const(u64),
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum CtrlKind {
    Func,
    Block,
    Loop,
    If,
    Else,
}

#[derive(Debug)]
struct Ctrl {
    kind: CtrlKind,
    /// The block's type, for the widths of its parameters and results.
    ty: BlockType,
    /// Operand stack height below the block's parameters.
    height: usize,
    params: u32,
    results: u32,
    /// Loop header (branch target of a loop).
    start: u32,
    /// Forward branches to patch with the end label.
    patches: Vec<u32>,
    /// The conditional jump of an `if` to patch with the else (or end) label.
    /// The else arm finds the `if`'s parameters in their home slots: only
    /// the then arm could have changed them, and it did not run.
    else_patch: Option<u32>,
}

impl Ctrl {
    /// How many values a branch to this block carries.
    fn label_arity(&self) -> u32 {
        if self.kind == CtrlKind::Loop {
            self.params
        } else {
            self.results
        }
    }
}

/// A `local.get` (or `local.tee`) that pushed `Operand::Local` at `pos`;
/// `prev` links to the previous one of the same local (index + 1 in
/// `Translator::ref_links`, 0 for none).
#[derive(Clone, Copy)]
struct RefLink {
    pos: u32,
    prev: u32,
}

/// Reusable translation state (allocations are kept between functions).
#[derive(Default)]
pub(crate) struct Translator {
    stack: Vec<Operand>,
    /// The slot of each position of `stack`, and one more: the first slot
    /// above it. A `v128` takes two slots, anything else one.
    slots: Vec<Slot>,
    ctrls: Vec<Ctrl>,
    ops: Vec<Op>,
    offsets: Vec<u32>,
    /// Every push of an `Operand::Local` since the stack last held none
    /// (entries go stale as operands are popped or materialized, and are
    /// checked against the stack when used), chained per local through
    /// `ref_heads`. Finding the operands that refer to a local (or to any
    /// local) then costs what was pushed, not the stack's height: scanning
    /// the whole stack at each `local.set` or block made long `local.tee`
    /// chains and deep stacks quadratic.
    ref_links: Vec<RefLink>,
    /// Per local: the `ref_epoch` its chain head was written in, and the
    /// head (index + 1 in `ref_links`, 0 for none). Heads of another epoch
    /// are empty, so clearing every chain is bumping the epoch (not
    /// touching a head per local: a function may have 50,000).
    ref_heads: Vec<(u32, u32)>,
    ref_epoch: u32,
    num_locals: u32,
    /// Where each local lives, and one more entry (the end of the
    /// locals), when some parameter or local is a `v128`; empty when every
    /// local takes one slot (local `l` is slot `l`).
    local_slots: Vec<Slot>,
    /// Slots of the parameters, and of the parameters and locals.
    param_slots: u32,
    locals_end: u32,
    /// The `v128` constants and shuffle patterns of `Op`s, by index.
    v128_consts: Vec<u128>,
    /// Constants that live in slots of their own, filled at function entry
    /// (right after the locals), so reading one costs no instruction.
    consts: Vec<u64>,
    const_slots: HashMap<u64, Slot>,
    /// First slot of the operand stack: after the locals and constants.
    stack_base: u32,
    /// The highest first-free slot above the stack so far.
    max_slot: u32,
    /// Index of the last op if it only wrote the home slot of the top operand.
    last_producer: Option<usize>,
    dead: bool,
    dead_depth: u32,
    offset: u32,
    /// The fuel and epoch checks to translate in (the engine's).
    pub(crate) interrupts: Interrupts,
    /// Whether the code is for the threaded executor (else the `match` one).
    pub(crate) threaded: bool,
    /// Fuel owed by the operators translated since the last charge.
    pending_fuel: u64,
}

type Result<T> = std::result::Result<T, CompileError>;

/// Makers of a load fused with the add computing its address: `(d, a, imm)`
/// for an add of a constant, `(d, a, b)` for an add of two values.
type FusedLoad = (fn(Slot, Slot, i32) -> Op, fn(Slot, Slot, Slot) -> Op);

fn unsupported(what: &str, offset: usize) -> CompileError {
    CompileError::new(CompileErrorKind::Unsupported, format!("{what} is not supported"), Some(offset))
}

macro_rules! bin {
    ($t:ident, $v:ident) => {
        $t.binary(|d, a, b| Op::$v { d, a, b })
    };
}
macro_rules! un {
    ($t:ident, $v:ident) => {
        $t.unary(|d, a| Op::$v { d, a })
    };
}
macro_rules! load {
    ($t:ident, $v:ident, $m:expr) => {
        $t.load($m, |d, a, off| Op::$v { d, a, off })
    };
}
macro_rules! store {
    ($t:ident, $v:ident, $m:expr) => {
        $t.store($m, |a, v, off| Op::$v { a, v, off })
    };
}

impl Translator {
    /// A translator putting in the fuel and epoch checks `interrupts` asks for.
    pub(crate) fn new(interrupts: Interrupts, threaded: bool) -> Translator {
        Translator { interrupts, threaded, ..Translator::default() }
    }

    /// Translates defined function `func_index`, whose operators `reader`
    /// reads from `body`.
    pub(crate) fn translate(
        &mut self,
        info: &ModuleInfo,
        func_index: u32,
        body: &FunctionBody<'_>,
        mut reader: BodyReader<'_, '_>,
    ) -> Result<CompiledFunc> {
        let ty = info.func_type(func_index);
        let num_params = ty.params().len() as u32;
        let num_results = ty.results().len() as u32;
        let num_locals = num_params.checked_add(reader.num_locals()).ok_or_else(|| {
            CompileError::new(CompileErrorKind::Malformed, "too many locals", Some(body.range().start as usize))
        })?;

        self.reset(num_locals);
        self.lay_out_locals(ty.params(), reader.v128_locals());
        self.collect_consts(body, self.locals_end);
        self.slots.push(self.stack_base);
        self.max_slot = self.stack_base;
        self.ctrls.push(Ctrl {
            kind: CtrlKind::Func,
            ty: BlockType::Empty,
            height: 0,
            params: 0,
            results: num_results,
            start: 0,
            patches: Vec::new(),
            else_patch: None,
        });

        if self.interrupts.any() {
            // A trap here is reported at the start of the body.
            self.offset = body.range().start as u32;
            self.emit(Op::Check {});
        }
        while let Some((offset, op)) = reader.next()? {
            self.offset = offset as u32;
            if self.interrupts.fuel && !self.dead {
                self.pending_fuel += fuel_cost(&op);
                if charges_fuel(&op) {
                    self.charge_fuel();
                }
            }
            self.op(info, op, offset)?;
            if self.dead {
                // Only an `unreachable` trap leaves fuel owed here: the
                // stretch it ends is never charged, as in the JIT.
                self.pending_fuel = 0;
            }
        }

        // A frame is a power of two in slots (see `exec`), and its slot
        // indices are `u32`s.
        let result_slots = super::ir::slots_of(ty.results()) as u32;
        let frame_size = (self.max_slot as u64).max(result_slots as u64).max(1);
        let frame_size = u32::try_from(frame_size).ok().and_then(u32::checked_next_power_of_two).ok_or_else(|| {
            CompileError::new(
                CompileErrorKind::Unsupported,
                "function frame too large",
                Some(body.range().start as usize),
            )
        })?;
        #[cfg(kiln_tail_dispatch)]
        let (code, op_starts) = match self.threaded {
            true => {
                debug_assert_eq!(self.stack_base, self.locals_end + self.consts.len() as u32);
                let frame = super::threaded::FrameLayout {
                    params: self.param_slots,
                    locals: self.locals_end,
                    consts: &self.consts,
                    v128_consts: &self.v128_consts,
                };
                super::threaded::encode(&mut self.ops, info, frame)
            }
            false => Default::default(),
        };
        Ok(CompiledFunc {
            #[cfg(kiln_tail_dispatch)]
            code,
            #[cfg(kiln_tail_dispatch)]
            op_starts,
            ops: if self.threaded { Box::default() } else { self.ops.as_slice().into() },
            offsets: self.offsets.as_slice().into(),
            param_slots: self.param_slots,
            local_slots: self.locals_end,
            consts: self.consts.as_slice().into(),
            v128_consts: self.v128_consts.as_slice().into(),
            frame_size,
        })
    }

    fn reset(&mut self, num_locals: u32) {
        self.stack.clear();
        self.slots.clear();
        self.v128_consts.clear();
        self.ctrls.clear();
        self.ops.clear();
        self.offsets.clear();
        self.clear_refs();
        self.num_locals = num_locals;
        self.consts.clear();
        self.const_slots.clear();
        self.stack_base = num_locals;
        self.max_slot = 0;
        self.last_producer = None;
        self.dead = false;
        self.dead_depth = 0;
        self.pending_fuel = 0;
    }

    /// Charges the fuel owed so far. When the last op is an i32 test that
    /// the branch to come may fuse with (compare-and-branch), the charge
    /// goes before it: a test cannot trap, so the count stays the same.
    fn charge_fuel(&mut self) {
        if self.pending_fuel == 0 {
            return;
        }
        let op = Op::ConsumeFuel { n: u32::try_from(self.pending_fuel).unwrap_or(u32::MAX) };
        self.pending_fuel = 0;
        let fusable = |op: &Op| {
            matches!(
                op,
                Op::I32Eq { .. }
                    | Op::I32Ne { .. }
                    | Op::I32LtS { .. }
                    | Op::I32LtU { .. }
                    | Op::I32GtS { .. }
                    | Op::I32GtU { .. }
                    | Op::I32LeS { .. }
                    | Op::I32LeU { .. }
                    | Op::I32GeS { .. }
                    | Op::I32GeU { .. }
                    | Op::I32Eqz { .. }
                    | Op::BinImm { .. }
            ) || CmpOp::of(op).is_some()
        };
        match self.last_producer {
            Some(at) if fusable(&self.ops[at]) => {
                self.ops.insert(at, op);
                self.offsets.insert(at, self.offsets[at]);
                self.last_producer = Some(at + 1);
            }
            _ => {
                self.emit(op);
            }
        }
    }

    /// Gives the function's most common constants slots of their own. A
    /// quick pre-pass over the body; decoding errors are left to the real pass.
    fn collect_consts(&mut self, body: &FunctionBody<'_>, locals_end: u32) {
        let Ok(mut reader) = body.get_operators_reader() else { return };
        let mut counts: HashMap<u64, u32> = HashMap::new();
        // A constant that the next operator takes as an immediate needs no
        // slot (each slot costs a copy in every call's prologue).
        let mut pending: Option<u64> = None;
        while !reader.eof() {
            let op = match reader.read() {
                Ok(op) => op,
                Err(_) => break,
            };
            if let Some(v) = pending.take() {
                if !takes_immediate(&op, v) {
                    *counts.entry(v).or_default() += 1;
                }
            }
            pending = match op {
                Operator::I32Const { value } => Some(value as u32 as u64),
                Operator::I64Const { value } => Some(value as u64),
                Operator::F32Const { value } => Some(value.bits() as u64),
                Operator::F64Const { value } => Some(value.bits()),
                Operator::RefNull { .. } => Some(0),
                _ => None,
            };
        }
        if let Some(v) = pending {
            *counts.entry(v).or_default() += 1;
        }
        let mut by_use: Vec<(u64, u32)> = counts.into_iter().collect();
        by_use.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        by_use.truncate(MAX_CONST_SLOTS);
        for (i, (v, _)) in by_use.into_iter().enumerate() {
            self.consts.push(v);
            self.const_slots.insert(v, locals_end + i as Slot);
        }
        self.stack_base = locals_end + self.consts.len() as u32;
    }

    // ---- emitting ----

    fn emit(&mut self, op: Op) -> u32 {
        self.ops.push(op);
        self.offsets.push(self.offset);
        self.last_producer = None;
        (self.ops.len() - 1) as u32
    }

    /// Emits an op that writes only the home slot of the (new) top operand.
    fn emit_producer(&mut self, op: Op) {
        self.emit(op);
        self.last_producer = Some(self.ops.len() - 1);
    }

    /// The current position as a branch target. Code reached from elsewhere
    /// may not assume what the previous op left in a slot.
    fn bind_label(&mut self) -> u32 {
        self.last_producer = None;
        self.ops.len() as u32
    }

    fn patch(&mut self, at: u32, target: u32) {
        if let Some(t) = self.ops[at as usize].target_mut() {
            *t = target;
        }
    }

    // ---- the operand stack ----

    /// The home slot of stack position `pos` (or, at the stack's height,
    /// the first slot above it).
    fn home(&self, pos: usize) -> Slot {
        self.slots[pos]
    }

    /// Whether the operand at `pos` is a `v128` (two slots).
    fn wide(&self, pos: usize) -> bool {
        self.slots[pos + 1] - self.slots[pos] == 2
    }

    fn push_temp(&mut self) -> Slot {
        self.push_temp_as(false)
    }

    /// Pushes a temporary, a `v128` when `wide`.
    fn push_temp_as(&mut self, wide: bool) -> Slot {
        self.push_as(Operand::Temp, wide);
        self.home(self.stack.len() - 1)
    }

    fn push(&mut self, operand: Operand) {
        self.push_as(operand, false);
    }

    fn push_as(&mut self, operand: Operand, wide: bool) {
        self.stack.push(operand);
        let top = self.slots[self.slots.len() - 1] + 1 + wide as Slot;
        self.slots.push(top);
        self.max_slot = self.max_slot.max(top);
    }

    /// Pops the top operand without reading it.
    fn pop_operand(&mut self) {
        self.stack.pop();
        self.slots.pop();
    }

    fn truncate(&mut self, height: usize) {
        self.stack.truncate(height);
        self.slots.truncate(height + 1);
    }

    fn materialize(&mut self, pos: usize) {
        let home = self.home(pos);
        match self.stack[pos] {
            Operand::Temp => return,
            Operand::Local(l) => self.emit(copy_op(home, l, self.wide(pos))),
            Operand::Const(v) => self.emit(const_op(home, v)),
        };
        self.stack[pos] = Operand::Temp;
    }

    // ---- locals ----

    /// Lays the locals out: each takes one slot but a `v128`, which takes
    /// two; parameters first, then the declared locals (`v128_locals`: runs
    /// of `v128`s among them, see `BodyReader::v128_locals`).
    fn lay_out_locals(&mut self, params: &[ValType], v128_locals: &[(u32, u32)]) {
        self.local_slots.clear();
        self.param_slots = params.len() as u32;
        self.locals_end = self.num_locals;
        if v128_locals.is_empty() && !params.contains(&ValType::V128) {
            return;
        }
        let mut next: Slot = 0;
        for ty in params {
            self.local_slots.push(next);
            next += if *ty == ValType::V128 { 2 } else { 1 };
        }
        self.param_slots = next;
        let declared = self.num_locals - params.len() as u32;
        let mut runs = v128_locals.iter().copied().peekable();
        let mut l = 0;
        while l < declared {
            let (wide, count) = match runs.peek() {
                Some(&(start, count)) if start == l => {
                    runs.next();
                    (true, count)
                }
                Some(&(start, _)) => (false, start - l),
                None => (false, declared - l),
            };
            for _ in 0..count {
                self.local_slots.push(next);
                next += 1 + wide as Slot;
            }
            l += count;
        }
        self.local_slots.push(next);
        self.locals_end = next;
    }

    /// Local `l`'s slot, and whether it is a `v128`.
    fn local(&self, l: u32) -> (Slot, bool) {
        match self.local_slots.get(l as usize..l as usize + 2) {
            Some(&[at, next]) => (at, next - at == 2),
            _ => (l, false),
        }
    }

    fn materialize_top(&mut self, n: usize) {
        let len = self.stack.len();
        for pos in len - n..len {
            self.materialize(pos);
        }
    }

    /// Materializes every operand that refers to a local.
    fn materialize_locals(&mut self) {
        for i in 0..self.ref_links.len() {
            let pos = self.ref_links[i].pos as usize;
            if let Some(Operand::Local(_)) = self.stack.get(pos) {
                self.materialize(pos);
            }
        }
        self.clear_refs();
    }

    // ---- operands that refer to locals ----

    /// Forgets every `RefLink`: the stack holds no `Operand::Local`.
    fn clear_refs(&mut self) {
        self.ref_links.clear();
        self.ref_epoch = self.ref_epoch.wrapping_add(1);
        if self.ref_epoch == 0 {
            // Wrapped: a head may carry any epoch; start afresh.
            self.ref_heads.clear();
            self.ref_epoch = 1;
        }
    }

    /// The head of local `l`'s chain of `RefLink`s (0 for none).
    fn ref_head(&self, l: u32) -> u32 {
        match self.ref_heads.get(l as usize) {
            Some(&(epoch, head)) if epoch == self.ref_epoch => head,
            _ => 0,
        }
    }

    fn set_ref_head(&mut self, l: u32, head: u32) {
        let l = l as usize;
        if l >= self.ref_heads.len() {
            // Grows to the highest local read, kept for later functions.
            self.ref_heads.resize(l + 1, (0, 0));
        }
        self.ref_heads[l] = (self.ref_epoch, head);
    }

    /// Pushes an operand that reads the local in slot `l` where it is
    /// (a `v128` when `wide`).
    fn push_local(&mut self, l: Slot, wide: bool) {
        let pos = self.stack.len() as u32;
        self.push_as(Operand::Local(l), wide);
        let prev = self.ref_head(l);
        self.ref_links.push(RefLink { pos, prev });
        self.set_ref_head(l, self.ref_links.len() as u32);
    }

    /// Materializes the operands below the top one that still refer to
    /// local `l` (about to be written).
    fn materialize_refs_to(&mut self, l: u32) {
        let top = self.stack.len() - 1;
        let mut link = self.ref_head(l);
        while link != 0 {
            let RefLink { pos, prev } = self.ref_links[link as usize - 1];
            let pos = pos as usize;
            if pos < top && self.stack[pos] == Operand::Local(l) {
                self.materialize(pos);
            }
            link = prev;
        }
        // None is left below the top; a `local.tee` pushes a new one.
        self.set_ref_head(l, 0);
    }

    /// The slot holding the operand at `pos` (constants are materialized).
    fn slot_of(&mut self, pos: usize) -> Slot {
        match self.stack[pos] {
            Operand::Temp => self.home(pos),
            Operand::Local(l) => l,
            Operand::Const(v) => match self.const_slots.get(&v) {
                Some(slot) => *slot,
                None => {
                    self.materialize(pos);
                    self.home(pos)
                }
            },
        }
    }

    fn pop_slot(&mut self) -> Slot {
        let pos = self.stack.len() - 1;
        let slot = self.slot_of(pos);
        self.pop_operand();
        slot
    }

    fn top_const(&self) -> Option<u64> {
        match self.stack.last() {
            Some(Operand::Const(v)) => Some(*v),
            _ => None,
        }
    }

    // ---- op shapes ----

    fn binary(&mut self, make: impl FnOnce(Slot, Slot, Slot) -> Op) {
        let b = self.pop_slot();
        let a = self.pop_slot();
        let d = self.push_temp();
        self.emit_producer(make(d, a, b));
    }

    fn unary(&mut self, make: impl FnOnce(Slot, Slot) -> Op) {
        let a = self.pop_slot();
        let d = self.push_temp();
        self.emit_producer(make(d, a));
    }

    fn load(&mut self, memarg: wasmparser::MemArg, make: impl FnOnce(Slot, Slot, u32) -> Op) -> Result<()> {
        self.load_fused(memarg, make, None)
    }

    /// A load; when its address was just computed by an add (and the
    /// offset is 0), the add is folded into a fused load.
    fn load_fused(
        &mut self,
        memarg: wasmparser::MemArg,
        make: impl FnOnce(Slot, Slot, u32) -> Op,
        fused: Option<FusedLoad>,
    ) -> Result<()> {
        let off = self.offset32(memarg)?;
        if let (0, Some((with_imm, with_add))) = (off, fused) {
            if let Some(producer) =
                self.take_last_producer_of_top(|op| matches!(op, Op::I32AddImm { .. } | Op::I32Add { .. }))
            {
                let d = self.push_temp();
                match producer {
                    Op::I32AddImm { a, imm, .. } => self.emit_producer(with_imm(d, a, imm)),
                    Op::I32Add { a, b, .. } => self.emit_producer(with_add(d, a, b)),
                    _ => unreachable!("filtered above"),
                }
                return Ok(());
            }
        }
        let a = self.pop_slot();
        let d = self.push_temp();
        self.emit_producer(make(d, a, off));
        Ok(())
    }

    fn store(&mut self, memarg: wasmparser::MemArg, make: impl FnOnce(Slot, Slot, u32) -> Op) -> Result<()> {
        self.store_fused(memarg, make, None)
    }

    /// A store; when its address was just computed by an add of a
    /// constant (its value being a local, and the offset 0), the add is
    /// folded into a fused store (`fused`).
    fn store_fused(
        &mut self,
        memarg: wasmparser::MemArg,
        make: impl FnOnce(Slot, Slot, u32) -> Op,
        fused: Option<fn(Slot, Slot, i32) -> Op>,
    ) -> Result<()> {
        let off = self.offset32(memarg)?;
        let len = self.stack.len();
        let value_is_local = matches!(self.stack[len - 1], Operand::Local(_));
        if let (0, Some(fused), true, Some(at)) = (off, fused, value_is_local, self.last_producer) {
            // The add is the last op and wrote the address's home slot;
            // popping a local's operand emits nothing.
            let home = self.home(len - 2);
            if let (Operand::Temp, Op::I32AddImm { d, a, imm }) = (self.stack[len - 2], self.ops[at]) {
                if d == home && at + 1 == self.ops.len() {
                    self.ops.pop();
                    self.offsets.pop();
                    self.last_producer = None;
                    let v = self.pop_slot();
                    self.pop_operand();
                    self.emit(fused(a, v, imm));
                    return Ok(());
                }
            }
        }
        let v = self.pop_slot();
        let a = self.pop_slot();
        self.emit(make(a, v, off));
        Ok(())
    }

    fn offset32(&self, memarg: wasmparser::MemArg) -> Result<u32> {
        if memarg.target != wasmparser::MemArgTarget::Memory(0) {
            return Err(unsupported("multiple memories", self.offset as usize));
        }
        u32::try_from(memarg.offset).map_err(|_| unsupported("64-bit memory offsets", self.offset as usize))
    }

    /// `i32.add`/`i64.add`/`i32.sub`/`i64.sub` with a small constant operand
    /// become one op with an immediate.
    fn add_imm(&mut self, is64: bool, negate: bool) -> bool {
        let Some(c) = self.top_const() else { return false };
        let imm = if is64 {
            let c = c as i64;
            let c = if negate { c.checked_neg() } else { Some(c) };
            match c.and_then(|c| i32::try_from(c).ok()) {
                Some(imm) => imm,
                None => return false,
            }
        } else {
            let c = c as u32 as i32;
            if negate {
                c.wrapping_neg()
            } else {
                c
            }
        };
        self.pop_operand();
        let a = self.pop_slot();
        let d = self.push_temp();
        if is64 {
            self.emit_producer(Op::I64AddImm { d, a, imm });
        } else {
            self.emit_producer(Op::I32AddImm { d, a, imm });
        }
        true
    }

    /// A binary op whose right operand is a constant that fits its
    /// immediate (32 bits; for i64 ops, sign-extended) becomes `BinImm`.
    fn bin_imm(&mut self, op: ImmOp) -> bool {
        let Some(c) = self.top_const() else { return false };
        let imm = if op.wide() {
            match i32::try_from(c as i64) {
                Ok(imm) => imm as u32,
                Err(_) => return false,
            }
        } else {
            c as u32
        };
        self.pop_operand();
        let a = self.pop_slot();
        let d = self.push_temp();
        self.emit_producer(Op::BinImm { op, d, a, imm });
        true
    }

    fn local_set(&mut self, local: u32, tee: bool) {
        let (l, wide) = self.local(local);
        // Operands that still refer to the local's old value must be copied out first.
        self.materialize_refs_to(l);
        let pos = self.stack.len() - 1;
        match self.stack[pos] {
            Operand::Local(src) if src == l => {}
            Operand::Local(src) => {
                self.emit(copy_op(l, src, wide));
            }
            Operand::Const(v) => {
                self.emit(const_op(l, v));
            }
            Operand::Temp => {
                let home = self.home(pos);
                let retargeted = match self.last_producer {
                    Some(at) if at + 1 == self.ops.len() => match self.ops[at].retargetable_dst() {
                        Some(d) if *d == home => {
                            *d = l;
                            true
                        }
                        _ => false,
                    },
                    _ => false,
                };
                if !retargeted {
                    self.emit(copy_op(l, home, wide));
                }
            }
        }
        self.pop_operand();
        self.last_producer = None;
        if tee {
            self.push_local(l, wide);
        }
    }

    fn op(&mut self, info: &ModuleInfo, op: Operator<'_>, offset: usize) -> Result<()> {
        use Operator as O;
        if self.dead {
            match op {
                O::Block { .. } | O::Loop { .. } | O::If { .. } => self.dead_depth += 1,
                O::End if self.dead_depth > 0 => self.dead_depth -= 1,
                O::Else if self.dead_depth == 0 => return self.op_else(info),
                O::End => return self.op_end(info),
                _ => {}
            }
            return Ok(());
        }
        match op {
            O::Nop => {}
            O::Unreachable => {
                self.emit(Op::Unreachable {});
                self.dead = true;
            }
            O::Block { blockty } => {
                let (p, r) = self.block_arity(info, blockty);
                self.materialize_locals();
                self.materialize_top(p as usize);
                self.push_ctrl(CtrlKind::Block, blockty, p, r);
            }
            O::Loop { blockty } => {
                let (p, r) = self.block_arity(info, blockty);
                self.materialize_locals();
                self.materialize_top(p as usize);
                self.push_ctrl(CtrlKind::Loop, blockty, p, r);
                let start = self.bind_label();
                self.ctrls.last_mut().expect("loop frame").start = start;
                if self.interrupts.any() {
                    // Every iteration passes the loop's start: an endless
                    // loop is stopped here.
                    self.emit(Op::Check {});
                }
            }
            O::If { blockty } => {
                let (p, r) = self.block_arity(info, blockty);
                let jump = self.cond_jump(true);
                // Copies must happen before the conditional jump, on both paths.
                self.materialize_locals();
                self.materialize_top(p as usize);
                let jump = self.emit(jump);
                self.push_ctrl(CtrlKind::If, blockty, p, r);
                self.ctrls.last_mut().expect("if frame").else_patch = Some(jump);
            }
            O::Else => return self.op_else(info),
            O::End => return self.op_end(info),
            O::Br { relative_depth } => {
                self.branch(relative_depth);
                self.dead = true;
            }
            O::BrIf { relative_depth } => self.op_br_if(relative_depth),
            O::BrTable { targets } => {
                let mut depths = Vec::with_capacity(targets.len() as usize + 1);
                for t in targets.targets() {
                    depths.push(t.map_err(CompileError::malformed)?);
                }
                depths.push(targets.default());
                self.op_br_table(&depths);
            }
            O::Return => {
                self.emit_return();
                self.dead = true;
            }
            O::Call { function_index } => {
                let ty = info.func_type(function_index);
                let p = ty.params().len();
                self.materialize_top(p);
                let base = self.home(self.stack.len() - p);
                self.truncate(self.stack.len() - p);
                if function_index < info.num_imported_funcs {
                    self.emit(Op::CallImport { func: function_index, base });
                } else {
                    self.emit(Op::Call { func: function_index, base });
                }
                self.push_values(ty.results());
            }
            O::CallIndirect { type_index, table_index } => {
                let ty = &info.types[type_index as usize];
                let p = ty.params().len();
                self.materialize_top(p + 1);
                let base = self.home(self.stack.len() - p - 1);
                self.truncate(self.stack.len() - p - 1);
                self.emit(Op::CallIndirect { table: table_index, ty: type_index, base });
                self.push_values(ty.results());
            }
            O::Drop => self.pop_operand(),
            O::Select | O::TypedSelect { .. } => {
                let len = self.stack.len();
                self.materialize(len - 1);
                let b = self.slot_of(len - 2);
                let a = self.slot_of(len - 3);
                let d = self.home(len - 3);
                let wide = self.wide(len - 3);
                self.truncate(len - 3);
                self.push_temp_as(wide);
                // The condition sits right above the two values, in its home.
                self.emit(if wide { Op::V128Select { d, a, b } } else { Op::Select { d, a, b } });
            }
            O::LocalGet { local_index } => {
                let (l, wide) = self.local(local_index);
                self.push_local(l, wide);
            }
            O::LocalSet { local_index } => self.local_set(local_index, false),
            O::LocalTee { local_index } => self.local_set(local_index, true),
            O::GlobalGet { global_index } => {
                let wide = *info.globals[global_index as usize].content() == ValType::V128;
                let d = self.push_temp_as(wide);
                match wide {
                    true => self.emit_producer(Op::V128GlobalGet { d, g: global_index }),
                    false => self.emit_producer(Op::GlobalGet { d, g: global_index }),
                }
            }
            O::GlobalSet { global_index } => {
                let wide = self.wide(self.stack.len() - 1);
                let a = self.pop_slot();
                match wide {
                    true => self.emit(Op::V128GlobalSet { g: global_index, a }),
                    false => self.emit(Op::GlobalSet { g: global_index, a }),
                };
            }
            O::I32Load { memarg } | O::F32Load { memarg } => self.load_fused(
                memarg,
                |d, a, off| Op::I32Load { d, a, off },
                Some((|d, a, imm| Op::I32LoadAddImm { d, a, imm }, |d, a, b| Op::I32LoadAdd { d, a, b })),
            )?,
            O::I64Load { memarg } | O::F64Load { memarg } => self.load_fused(
                memarg,
                |d, a, off| Op::I64Load { d, a, off },
                Some((|d, a, imm| Op::I64LoadAddImm { d, a, imm }, |d, a, b| Op::I64LoadAdd { d, a, b })),
            )?,
            O::I32Load8S { memarg } => load!(self, I32Load8S, memarg)?,
            O::I32Load8U { memarg } => self.load_fused(
                memarg,
                |d, a, off| Op::I32Load8U { d, a, off },
                Some((|d, a, imm| Op::I32Load8UAddImm { d, a, imm }, |d, a, b| Op::I32Load8UAdd { d, a, b })),
            )?,
            O::I32Load16S { memarg } => load!(self, I32Load16S, memarg)?,
            O::I32Load16U { memarg } => load!(self, I32Load16U, memarg)?,
            O::I64Load8S { memarg } => load!(self, I64Load8S, memarg)?,
            O::I64Load8U { memarg } => load!(self, I64Load8U, memarg)?,
            O::I64Load16S { memarg } => load!(self, I64Load16S, memarg)?,
            O::I64Load16U { memarg } => load!(self, I64Load16U, memarg)?,
            O::I64Load32S { memarg } => load!(self, I64Load32S, memarg)?,
            O::I64Load32U { memarg } => load!(self, I64Load32U, memarg)?,
            O::I32Store { memarg } | O::F32Store { memarg } => self.store_fused(
                memarg,
                |a, v, off| Op::I32Store { a, v, off },
                Some(|a, v, imm| Op::I32StoreAddImm { a, v, imm }),
            )?,
            O::I64Store { memarg } | O::F64Store { memarg } => self.store_fused(
                memarg,
                |a, v, off| Op::I64Store { a, v, off },
                Some(|a, v, imm| Op::I64StoreAddImm { a, v, imm }),
            )?,
            O::I32Store8 { memarg } => self.store_fused(
                memarg,
                |a, v, off| Op::I32Store8 { a, v, off },
                Some(|a, v, imm| Op::I32Store8AddImm { a, v, imm }),
            )?,
            O::I32Store16 { memarg } => store!(self, I32Store16, memarg)?,
            O::I64Store8 { memarg } => store!(self, I64Store8, memarg)?,
            O::I64Store16 { memarg } => store!(self, I64Store16, memarg)?,
            O::I64Store32 { memarg } => store!(self, I64Store32, memarg)?,
            O::MemorySize { mem } => {
                self.check_mem(mem)?;
                let d = self.push_temp();
                self.emit(Op::MemorySize { d });
            }
            O::MemoryGrow { mem } => {
                self.check_mem(mem)?;
                let a = self.pop_slot();
                let d = self.push_temp();
                self.emit(Op::MemoryGrow { d, a });
            }
            O::I32Const { value } => self.push(Operand::Const(value as u32 as u64)),
            O::I64Const { value } => self.push(Operand::Const(value as u64)),
            O::F32Const { value } => self.push(Operand::Const(value.bits() as u64)),
            O::F64Const { value } => self.push(Operand::Const(value.bits())),
            O::I32Eqz => un!(self, I32Eqz),
            O::I32Eq => {
                if !self.bin_imm(ImmOp::I32Eq) {
                    bin!(self, I32Eq)
                }
            }
            O::I32Ne => {
                if !self.bin_imm(ImmOp::I32Ne) {
                    bin!(self, I32Ne)
                }
            }
            O::I32LtS => {
                if !self.bin_imm(ImmOp::I32LtS) {
                    bin!(self, I32LtS)
                }
            }
            O::I32LtU => {
                if !self.bin_imm(ImmOp::I32LtU) {
                    bin!(self, I32LtU)
                }
            }
            O::I32GtS => {
                if !self.bin_imm(ImmOp::I32GtS) {
                    bin!(self, I32GtS)
                }
            }
            O::I32GtU => {
                if !self.bin_imm(ImmOp::I32GtU) {
                    bin!(self, I32GtU)
                }
            }
            O::I32LeS => {
                if !self.bin_imm(ImmOp::I32LeS) {
                    bin!(self, I32LeS)
                }
            }
            O::I32LeU => {
                if !self.bin_imm(ImmOp::I32LeU) {
                    bin!(self, I32LeU)
                }
            }
            O::I32GeS => {
                if !self.bin_imm(ImmOp::I32GeS) {
                    bin!(self, I32GeS)
                }
            }
            O::I32GeU => {
                if !self.bin_imm(ImmOp::I32GeU) {
                    bin!(self, I32GeU)
                }
            }
            // As `i64.eq` with 0, so a branch on it fuses (`BrIfImm`).
            O::I64Eqz => {
                let a = self.pop_slot();
                let d = self.push_temp();
                self.emit_producer(Op::BinImm { op: ImmOp::I64Eq, d, a, imm: 0 });
            }
            O::I64Eq => {
                if !self.bin_imm(ImmOp::I64Eq) {
                    bin!(self, I64Eq)
                }
            }
            O::I64Ne => {
                if !self.bin_imm(ImmOp::I64Ne) {
                    bin!(self, I64Ne)
                }
            }
            O::I64LtS => {
                if !self.bin_imm(ImmOp::I64LtS) {
                    bin!(self, I64LtS)
                }
            }
            O::I64LtU => {
                if !self.bin_imm(ImmOp::I64LtU) {
                    bin!(self, I64LtU)
                }
            }
            O::I64GtS => {
                if !self.bin_imm(ImmOp::I64GtS) {
                    bin!(self, I64GtS)
                }
            }
            O::I64GtU => {
                if !self.bin_imm(ImmOp::I64GtU) {
                    bin!(self, I64GtU)
                }
            }
            O::I64LeS => {
                if !self.bin_imm(ImmOp::I64LeS) {
                    bin!(self, I64LeS)
                }
            }
            O::I64LeU => {
                if !self.bin_imm(ImmOp::I64LeU) {
                    bin!(self, I64LeU)
                }
            }
            O::I64GeS => {
                if !self.bin_imm(ImmOp::I64GeS) {
                    bin!(self, I64GeS)
                }
            }
            O::I64GeU => {
                if !self.bin_imm(ImmOp::I64GeU) {
                    bin!(self, I64GeU)
                }
            }
            O::F32Eq => bin!(self, F32Eq),
            O::F32Ne => bin!(self, F32Ne),
            O::F32Lt => bin!(self, F32Lt),
            O::F32Gt => bin!(self, F32Gt),
            O::F32Le => bin!(self, F32Le),
            O::F32Ge => bin!(self, F32Ge),
            O::F64Eq => bin!(self, F64Eq),
            O::F64Ne => bin!(self, F64Ne),
            O::F64Lt => bin!(self, F64Lt),
            O::F64Gt => bin!(self, F64Gt),
            O::F64Le => bin!(self, F64Le),
            O::F64Ge => bin!(self, F64Ge),
            O::I32Clz => un!(self, I32Clz),
            O::I32Ctz => un!(self, I32Ctz),
            O::I32Popcnt => un!(self, I32Popcnt),
            O::I32Add => {
                if !self.add_imm(false, false) {
                    bin!(self, I32Add)
                }
            }
            O::I32Sub => {
                if !self.add_imm(false, true) {
                    bin!(self, I32Sub)
                }
            }
            O::I32Mul => {
                if !self.bin_imm(ImmOp::I32Mul) {
                    bin!(self, I32Mul)
                }
            }
            O::I32DivS => bin!(self, I32DivS),
            O::I32DivU => bin!(self, I32DivU),
            O::I32RemS => bin!(self, I32RemS),
            O::I32RemU => bin!(self, I32RemU),
            O::I32And => {
                if !self.bin_imm(ImmOp::I32And) {
                    bin!(self, I32And)
                }
            }
            O::I32Or => {
                if !self.bin_imm(ImmOp::I32Or) {
                    bin!(self, I32Or)
                }
            }
            O::I32Xor => {
                if !self.bin_imm(ImmOp::I32Xor) {
                    bin!(self, I32Xor)
                }
            }
            O::I32Shl => {
                if !self.bin_imm(ImmOp::I32Shl) {
                    bin!(self, I32Shl)
                }
            }
            O::I32ShrS => {
                if !self.bin_imm(ImmOp::I32ShrS) {
                    bin!(self, I32ShrS)
                }
            }
            O::I32ShrU => {
                if !self.bin_imm(ImmOp::I32ShrU) {
                    bin!(self, I32ShrU)
                }
            }
            O::I32Rotl => {
                if !self.bin_imm(ImmOp::I32Rotl) {
                    bin!(self, I32Rotl)
                }
            }
            O::I32Rotr => {
                if !self.bin_imm(ImmOp::I32Rotr) {
                    bin!(self, I32Rotr)
                }
            }
            O::I64Clz => un!(self, I64Clz),
            O::I64Ctz => un!(self, I64Ctz),
            O::I64Popcnt => un!(self, I64Popcnt),
            O::I64Add => {
                if !self.add_imm(true, false) {
                    bin!(self, I64Add)
                }
            }
            O::I64Sub => {
                if !self.add_imm(true, true) {
                    bin!(self, I64Sub)
                }
            }
            O::I64Mul => {
                if !self.bin_imm(ImmOp::I64Mul) {
                    bin!(self, I64Mul)
                }
            }
            O::I64DivS => bin!(self, I64DivS),
            O::I64DivU => bin!(self, I64DivU),
            O::I64RemS => bin!(self, I64RemS),
            O::I64RemU => bin!(self, I64RemU),
            O::I64And => {
                if !self.bin_imm(ImmOp::I64And) {
                    bin!(self, I64And)
                }
            }
            O::I64Or => {
                if !self.bin_imm(ImmOp::I64Or) {
                    bin!(self, I64Or)
                }
            }
            O::I64Xor => {
                if !self.bin_imm(ImmOp::I64Xor) {
                    bin!(self, I64Xor)
                }
            }
            O::I64Shl => {
                if !self.bin_imm(ImmOp::I64Shl) {
                    bin!(self, I64Shl)
                }
            }
            O::I64ShrS => {
                if !self.bin_imm(ImmOp::I64ShrS) {
                    bin!(self, I64ShrS)
                }
            }
            O::I64ShrU => {
                if !self.bin_imm(ImmOp::I64ShrU) {
                    bin!(self, I64ShrU)
                }
            }
            O::I64Rotl => {
                if !self.bin_imm(ImmOp::I64Rotl) {
                    bin!(self, I64Rotl)
                }
            }
            O::I64Rotr => {
                if !self.bin_imm(ImmOp::I64Rotr) {
                    bin!(self, I64Rotr)
                }
            }
            O::F32Abs => un!(self, F32Abs),
            O::F32Neg => un!(self, F32Neg),
            O::F32Ceil => un!(self, F32Ceil),
            O::F32Floor => un!(self, F32Floor),
            O::F32Trunc => un!(self, F32Trunc),
            O::F32Nearest => un!(self, F32Nearest),
            O::F32Sqrt => un!(self, F32Sqrt),
            O::F32Add => bin!(self, F32Add),
            O::F32Sub => bin!(self, F32Sub),
            O::F32Mul => bin!(self, F32Mul),
            O::F32Div => bin!(self, F32Div),
            O::F32Min => bin!(self, F32Min),
            O::F32Max => bin!(self, F32Max),
            O::F32Copysign => bin!(self, F32Copysign),
            O::F64Abs => un!(self, F64Abs),
            O::F64Neg => un!(self, F64Neg),
            O::F64Ceil => un!(self, F64Ceil),
            O::F64Floor => un!(self, F64Floor),
            O::F64Trunc => un!(self, F64Trunc),
            O::F64Nearest => un!(self, F64Nearest),
            O::F64Sqrt => un!(self, F64Sqrt),
            O::F64Add => bin!(self, F64Add),
            O::F64Sub => bin!(self, F64Sub),
            O::F64Mul => bin!(self, F64Mul),
            O::F64Div => bin!(self, F64Div),
            O::F64Min => bin!(self, F64Min),
            O::F64Max => bin!(self, F64Max),
            O::F64Copysign => bin!(self, F64Copysign),
            // A value below 2^32 is its own wrap (slots hold i32s
            // zero-extended).
            O::I32WrapI64 if self.top_produced_by(fits_in_32_bits) => {}
            O::I32WrapI64 => un!(self, I32WrapI64),
            O::I32TruncF32S => un!(self, I32TruncF32S),
            O::I32TruncF32U => un!(self, I32TruncF32U),
            O::I32TruncF64S => un!(self, I32TruncF64S),
            O::I32TruncF64U => un!(self, I32TruncF64U),
            O::I64ExtendI32S => un!(self, I64ExtendI32S),
            // An i32 slot already holds its value zero-extended to 64 bits.
            O::I64ExtendI32U => {}
            O::I64TruncF32S => un!(self, I64TruncF32S),
            O::I64TruncF32U => un!(self, I64TruncF32U),
            O::I64TruncF64S => un!(self, I64TruncF64S),
            O::I64TruncF64U => un!(self, I64TruncF64U),
            O::F32ConvertI32S => un!(self, F32ConvertI32S),
            O::F32ConvertI32U => un!(self, F32ConvertI32U),
            O::F32ConvertI64S => un!(self, F32ConvertI64S),
            O::F32ConvertI64U => un!(self, F32ConvertI64U),
            O::F32DemoteF64 => un!(self, F32DemoteF64),
            O::F64ConvertI32S => un!(self, F64ConvertI32S),
            O::F64ConvertI32U => un!(self, F64ConvertI32U),
            O::F64ConvertI64S => un!(self, F64ConvertI64S),
            O::F64ConvertI64U => un!(self, F64ConvertI64U),
            O::F64PromoteF32 => un!(self, F64PromoteF32),
            // Same bits, same slot representation: nothing to do.
            O::I32ReinterpretF32 | O::I64ReinterpretF64 | O::F32ReinterpretI32 | O::F64ReinterpretI64 => {}
            O::I32Extend8S => un!(self, I32Extend8S),
            O::I32Extend16S => un!(self, I32Extend16S),
            O::I64Extend8S => un!(self, I64Extend8S),
            O::I64Extend16S => un!(self, I64Extend16S),
            O::I64Extend32S => un!(self, I64Extend32S),
            O::I32TruncSatF32S => un!(self, I32TruncSatF32S),
            O::I32TruncSatF32U => un!(self, I32TruncSatF32U),
            O::I32TruncSatF64S => un!(self, I32TruncSatF64S),
            O::I32TruncSatF64U => un!(self, I32TruncSatF64U),
            O::I64TruncSatF32S => un!(self, I64TruncSatF32S),
            O::I64TruncSatF32U => un!(self, I64TruncSatF32U),
            O::I64TruncSatF64S => un!(self, I64TruncSatF64S),
            O::I64TruncSatF64U => un!(self, I64TruncSatF64U),
            O::MemoryInit { data_index, mem } => {
                self.check_mem(mem)?;
                let base = self.take_operands(3);
                self.emit(Op::MemoryInit { seg: data_index, base });
            }
            O::DataDrop { data_index } => {
                self.emit(Op::DataDrop { seg: data_index });
            }
            O::MemoryCopy { dst_mem, src_mem } => {
                self.check_mem(dst_mem)?;
                self.check_mem(src_mem)?;
                let base = self.take_operands(3);
                self.emit(Op::MemoryCopy { base });
            }
            O::MemoryFill { mem } => {
                self.check_mem(mem)?;
                let base = self.take_operands(3);
                self.emit(Op::MemoryFill { base });
            }
            O::TableInit { elem_index, table } => {
                let base = self.take_operands(3);
                self.emit(Op::TableInit { table, seg: elem_index, base });
            }
            O::ElemDrop { elem_index } => {
                self.emit(Op::ElemDrop { seg: elem_index });
            }
            O::TableCopy { dst_table, src_table } => {
                let base = self.take_operands(3);
                self.emit(Op::TableCopy { dst: dst_table, src: src_table, base });
            }
            O::RefNull { .. } => self.push(Operand::Const(0)),
            O::RefIsNull => un!(self, RefIsNull),
            O::RefFunc { function_index } => {
                let d = self.push_temp();
                self.emit(Op::RefFunc { d, func: function_index });
            }
            O::TableFill { table } => {
                let base = self.take_operands(3);
                self.emit(Op::TableFill { table, base });
            }
            O::TableGet { table } => {
                let a = self.pop_slot();
                let d = self.push_temp();
                self.emit(Op::TableGet { d, a, table });
            }
            O::TableSet { table } => {
                let base = self.take_operands(2);
                self.emit(Op::TableSet { table, base });
            }
            O::TableGrow { table } => {
                let base = self.take_operands(2);
                self.push_temp();
                self.emit(Op::TableGrow { table, base });
            }
            O::TableSize { table } => {
                let d = self.push_temp();
                self.emit(Op::TableSize { d, table });
            }
            other => match super::simd::classify(&other) {
                Some(op) => self.simd(op)?,
                None => {
                    let name = format!("{other:?}");
                    let name = name.split([' ', '{', '(']).next().unwrap_or("instruction").to_string();
                    return Err(unsupported(&format!("the instruction `{name}`"), offset));
                }
            },
        }
        Ok(())
    }

    fn check_mem(&self, mem: u32) -> Result<()> {
        if mem != 0 {
            return Err(unsupported("multiple memories", self.offset as usize));
        }
        Ok(())
    }

    /// Materializes the top `n` operands, pops them and returns the home
    /// slot of the first: ops with several operands read them in a row.
    fn take_operands(&mut self, n: usize) -> Slot {
        self.materialize_top(n);
        let base = self.home(self.stack.len() - n);
        self.truncate(self.stack.len() - n);
        base
    }
}

/// Whether i64 op `op` always produces a value below 2^32.
fn fits_in_32_bits(op: &Op) -> bool {
    match *op {
        Op::BinImm { op: ImmOp::I64ShrU, imm, .. } => imm % 64 >= 32,
        Op::I64Load8U { .. } | Op::I64Load16U { .. } | Op::I64Load32U { .. } => true,
        _ => false,
    }
}

/// A copy of a value of one slot, or of a `v128` (`wide`).
fn copy_op(d: Slot, a: Slot, wide: bool) -> Op {
    match wide {
        true => Op::V128Copy { d, a },
        false => Op::Copy { d, a },
    }
}

fn const_op(d: Slot, v: u64) -> Op {
    match u32::try_from(v) {
        Ok(v) => Op::Const32 { d, v },
        Err(_) => Op::Const64 { d, v },
    }
}

/// Whether `op`, right after a constant `c`, takes it as an immediate
/// (`add_imm`, `bin_imm`) rather than reading it from a slot.
fn takes_immediate(op: &Operator<'_>, c: u64) -> bool {
    use Operator as O;
    let fits_i32 = i32::try_from(c as i64).is_ok();
    match op {
        O::I32Add
        | O::I32Sub
        | O::I32Mul
        | O::I32And
        | O::I32Or
        | O::I32Xor
        | O::I32Shl
        | O::I32ShrS
        | O::I32ShrU
        | O::I32Rotl
        | O::I32Rotr
        | O::I32Eq
        | O::I32Ne
        | O::I32LtS
        | O::I32LtU
        | O::I32GtS
        | O::I32GtU
        | O::I32LeS
        | O::I32LeU
        | O::I32GeS
        | O::I32GeU => true,
        O::I64Add | O::I64Sub => (c as i64).checked_neg().is_some_and(|n| i32::try_from(n).is_ok()) && fits_i32,
        O::I64Mul
        | O::I64And
        | O::I64Or
        | O::I64Xor
        | O::I64Shl
        | O::I64ShrS
        | O::I64ShrU
        | O::I64Rotl
        | O::I64Rotr
        | O::I64Eq
        | O::I64Ne
        | O::I64LtS
        | O::I64LtU
        | O::I64GtS
        | O::I64GtU
        | O::I64LeS
        | O::I64LeU
        | O::I64GeS
        | O::I64GeU => fits_i32,
        _ => false,
    }
}
