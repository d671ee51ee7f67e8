//! Control flow: blocks, branches and their values, returns, and the
//! conditional jumps that take in the comparison computing their condition.

use super::{const_op, copy_op, Ctrl, CtrlKind, Operand, Result, Translator, MAX_INLINE_MOVES};
use crate::compile::ModuleInfo;
use crate::interp::ir::{CmpOp, Op, Slot};
use crate::types::ValType;
use std::collections::HashMap;
use wasmparser::BlockType;

impl Translator {
    pub(super) fn block_arity(&self, info: &ModuleInfo, ty: BlockType) -> (u32, u32) {
        match ty {
            BlockType::Empty => (0, 0),
            BlockType::Type(_) => (0, 1),
            BlockType::FuncType(t) => {
                let ty = &info.types[t as usize];
                (ty.params().len() as u32, ty.results().len() as u32)
            }
        }
    }

    pub(super) fn push_ctrl(&mut self, kind: CtrlKind, ty: BlockType, params: u32, results: u32) {
        let height = self.stack.len() - params as usize;
        self.ctrls.push(Ctrl { kind, ty, height, params, results, start: 0, patches: Vec::new(), else_patch: None });
    }

    /// Pushes temporaries for a block's parameters (`results` false) or
    /// results, each as wide as its type.
    pub(super) fn push_block_values(&mut self, info: &ModuleInfo, ty: BlockType, results: bool, n: u32) {
        for i in 0..n as usize {
            let wide = match ty {
                BlockType::Empty => false,
                BlockType::Type(t) => t == wasmparser::ValType::V128,
                BlockType::FuncType(f) => {
                    let f = &info.types[f as usize];
                    (if results { f.results() } else { f.params() })[i] == ValType::V128
                }
            };
            self.push_temp_as(wide);
        }
    }

    /// Pushes temporaries for the values of `types`.
    pub(super) fn push_values(&mut self, types: &[ValType]) {
        for ty in types {
            self.push_temp_as(*ty == ValType::V128);
        }
    }

    /// Copies the top `n` operands into the home slots of positions
    /// `target..target + n` (a branch's destination), leaving the
    /// translator's stack unchanged when `n <= MAX_INLINE_MOVES`. More
    /// values are first materialized (in the translator's stack too): the
    /// caller does that before any conditional jump, or it is at a block's
    /// end, where they go to their home slots anyway, or the code after it
    /// is unreachable.
    pub(super) fn move_to(&mut self, target: usize, n: usize) {
        let len = self.stack.len();
        if n > MAX_INLINE_MOVES {
            self.materialize_top(n);
            let (d, a) = (self.home(target), self.home(len - n));
            if d != a {
                self.emit(Op::CopySpan { d, a, n: self.home(len) - a });
            }
            return;
        }
        // The values land one after another from the target's first slot,
        // each as wide as it is (the positions in between hold others).
        let mut dst = self.home(target);
        for src_pos in len - n..len {
            let wide = self.wide(src_pos);
            match self.stack[src_pos] {
                Operand::Temp => {
                    let src = self.home(src_pos);
                    if src != dst {
                        self.emit(copy_op(dst, src, wide));
                    }
                }
                Operand::Local(l) => {
                    self.emit(copy_op(dst, l, wide));
                }
                Operand::Const(v) => {
                    self.emit(const_op(dst, v));
                }
            }
            dst += 1 + wide as Slot;
        }
    }

    pub(super) fn emit_return(&mut self) {
        let n = self.ctrls[0].results as usize;
        match n {
            0 => {
                self.emit(Op::Return { src: 0, n: 0 });
            }
            1 => {
                let pos = self.stack.len() - 1;
                let src = self.slot_of(pos);
                self.emit(Op::Return { src, n: 1 + self.wide(pos) as u32 });
            }
            _ => {
                self.materialize_top(n);
                let len = self.stack.len();
                let src = self.home(len - n);
                self.emit(Op::Return { src, n: self.home(len) - src });
            }
        }
    }

    /// An unconditional branch to the label `depth` levels out. The
    /// translator's view of the stack is left as it was: the code after a
    /// conditional branch must not believe the branch's copies happened.
    pub(super) fn branch(&mut self, depth: u32) {
        let idx = self.ctrls.len() - 1 - depth as usize;
        if idx == 0 {
            // Only the results can change (materialized on this path only).
            let at = self.stack.len() - self.ctrls[0].results as usize;
            let saved = self.stack[at..].to_vec();
            self.emit_return();
            self.stack.truncate(at);
            self.stack.extend_from_slice(&saved);
            return;
        }
        let (height, arity, kind, start) = {
            let c = &self.ctrls[idx];
            (c.height, c.label_arity() as usize, c.kind, c.start)
        };
        self.move_to(height, arity);
        if kind == CtrlKind::Loop {
            self.emit(Op::Br { target: start });
        } else {
            let at = self.emit(Op::Br { target: 0 });
            self.ctrls[idx].patches.push(at);
        }
    }

    /// Emits a jump taken when `cond` is false (for `if`), fusing a
    /// preceding i32 comparison into it when possible.
    pub(super) fn jump_if_false(&mut self) -> u32 {
        let op = self.cond_jump(true);
        self.emit(op)
    }

    /// Emits a jump taken when `cond` is true.
    pub(super) fn jump_if_true(&mut self) -> u32 {
        let op = self.cond_jump(false);
        self.emit(op)
    }

    /// Pops the condition and returns the jump taken when it is true (or
    /// false, `when_false`), not emitted yet, so that copies may go before
    /// it without losing the fusion with the comparison that computed it.
    /// Such copies only write home slots below the condition's position,
    /// never what the jump reads (locals, constants, slots at or above it).
    pub(super) fn cond_jump(&mut self, when_false: bool) -> Op {
        if let Some(op) = self.take_fused_compare(when_false) {
            return op;
        }
        if let Some(Op::I32Eqz { a, .. }) = self.take_last_producer_of_top(|op| matches!(op, Op::I32Eqz { .. })) {
            return if when_false { Op::BrIfNez { c: a, target: 0 } } else { Op::BrIfEqz { c: a, target: 0 } };
        }
        let c = self.pop_slot();
        if when_false {
            Op::BrIfEqz { c, target: 0 }
        } else {
            Op::BrIfNez { c, target: 0 }
        }
    }

    /// If the top operand was just computed by an i32 comparison (and
    /// nothing else can reach this point), removes that op and the operand
    /// and returns the fused branch (negated when asked).
    pub(super) fn take_fused_compare(&mut self, negate: bool) -> Option<Op> {
        let at = self.last_producer?;
        let home = self.home(self.stack.len() - 1);
        if self.stack.last() != Some(&Operand::Temp) {
            return None;
        }
        let t = 0;
        let fused = match (self.ops[at], negate) {
            (Op::I32Eq { d, a, b }, false) | (Op::I32Ne { d, a, b }, true) if d == home => {
                Op::BrIfI32Eq { a, b, target: t }
            }
            (Op::I32Ne { d, a, b }, false) | (Op::I32Eq { d, a, b }, true) if d == home => {
                Op::BrIfI32Ne { a, b, target: t }
            }
            (Op::I32LtS { d, a, b }, false) | (Op::I32GeS { d, a, b }, true) if d == home => {
                Op::BrIfI32LtS { a, b, target: t }
            }
            (Op::I32LtU { d, a, b }, false) | (Op::I32GeU { d, a, b }, true) if d == home => {
                Op::BrIfI32LtU { a, b, target: t }
            }
            (Op::I32GtS { d, a, b }, false) | (Op::I32LeS { d, a, b }, true) if d == home => {
                Op::BrIfI32GtS { a, b, target: t }
            }
            (Op::I32GtU { d, a, b }, false) | (Op::I32LeU { d, a, b }, true) if d == home => {
                Op::BrIfI32GtU { a, b, target: t }
            }
            (Op::I32LeS { d, a, b }, false) | (Op::I32GtS { d, a, b }, true) if d == home => {
                Op::BrIfI32LeS { a, b, target: t }
            }
            (Op::I32LeU { d, a, b }, false) | (Op::I32GtU { d, a, b }, true) if d == home => {
                Op::BrIfI32LeU { a, b, target: t }
            }
            (Op::I32GeS { d, a, b }, false) | (Op::I32LtS { d, a, b }, true) if d == home => {
                Op::BrIfI32GeS { a, b, target: t }
            }
            (Op::I32GeU { d, a, b }, false) | (Op::I32LtU { d, a, b }, true) if d == home => {
                Op::BrIfI32GeU { a, b, target: t }
            }
            (Op::BinImm { op, d, a, imm }, false) if d == home => Op::BrIfImm { op, a, imm, target: t },
            (op, negate) if CmpOp::of(&op).is_some_and(|(_, d, _, _)| d == home) => {
                let (op, _, a, b) = CmpOp::of(&op).expect("checked above");
                match negate {
                    false => Op::BrIfCmp { op, a, b, target: t },
                    true => Op::BrIfNotCmp { op, a, b, target: t },
                }
            }
            (Op::BinImm { op, d, a, imm }, true) if d == home => Op::BrIfNotImm { op, a, imm, target: t },
            _ => return None,
        };
        self.ops.pop();
        self.offsets.pop();
        self.pop_operand();
        self.last_producer = None;
        Some(fused)
    }

    /// Removes the op that just produced the top operand, if it did and
    /// `wanted` accepts it, and returns it (with the operand popped): the
    /// caller fuses it into what consumes the operand.
    /// Whether the top operand is a temporary that the last op, one that
    /// `wanted` accepts, just produced.
    pub(super) fn top_produced_by(&self, wanted: impl Fn(&Op) -> bool) -> bool {
        let Some(at) = self.last_producer else { return false };
        if self.stack.last() != Some(&Operand::Temp) {
            return false;
        }
        let home = self.home(self.stack.len() - 1);
        let mut op = self.ops[at];
        op.retargetable_dst().map(|d| *d) == Some(home) && wanted(&op)
    }

    pub(super) fn take_last_producer_of_top(&mut self, wanted: impl Fn(&Op) -> bool) -> Option<Op> {
        let at = self.last_producer?;
        if self.stack.last() != Some(&Operand::Temp) {
            return None;
        }
        let home = self.home(self.stack.len() - 1);
        let mut op = self.ops[at];
        if op.retargetable_dst().map(|d| *d) != Some(home) || !wanted(&op) {
            return None;
        }
        self.ops.pop();
        self.offsets.pop();
        self.pop_operand();
        self.last_producer = None;
        Some(op)
    }
    pub(super) fn op_br_if(&mut self, depth: u32) {
        let idx = self.ctrls.len() - 1 - depth as usize;
        let (height, arity) = (self.ctrls[idx].height, self.ctrls[idx].label_arity() as usize);
        if arity > MAX_INLINE_MOVES {
            // The values go to their home slots on both paths, before the
            // jump: then the branch is a jump, a span copy or a return.
            let simple = idx != 0 && height == self.stack.len() - 1 - arity;
            let jump = self.cond_jump(!simple);
            self.materialize_top(arity);
            let at = self.emit(jump);
            if simple {
                self.patch_branch(idx, at);
            } else {
                self.branch(depth);
                let label = self.bind_label();
                self.patch(at, label);
            }
            return;
        }
        // The condition is popped first; the carried values are below it.
        let simple = idx != 0 && {
            let len = self.stack.len() - 1;
            arity == 0 || (height == len - arity && self.stack[len - arity..len].iter().all(|o| *o == Operand::Temp))
        };
        if simple {
            let at = self.jump_if_true();
            self.patch_branch(idx, at);
            return;
        }
        let skip = self.jump_if_false();
        self.branch(depth);
        let label = self.bind_label();
        self.patch(skip, label);
    }

    /// Makes the jump at `at` go to the label of control frame `idx`.
    pub(super) fn patch_branch(&mut self, idx: usize, at: u32) {
        let c = &mut self.ctrls[idx];
        if c.kind == CtrlKind::Loop {
            let start = c.start;
            self.patch(at, start);
        } else {
            c.patches.push(at);
        }
    }

    pub(super) fn op_br_table(&mut self, depths: &[u32]) {
        let idx = self.pop_slot();
        // Every target takes as many values (validated).
        let arity = self.ctrls[self.ctrls.len() - 1 - depths[0] as usize].label_arity() as usize;
        if arity > MAX_INLINE_MOVES {
            // Each stub moves them as one span (see `move_to`), so they
            // must sit in their home slots before the table, for all stubs.
            self.materialize_top(arity);
        }
        let len = self.stack.len();
        let all_temps = self.stack[len - arity..].iter().all(|o| *o == Operand::Temp);
        let table = self.emit(Op::BrTable { idx, len: depths.len() as u32 - 1 });
        for _ in depths {
            self.emit(Op::Br { target: 0 });
        }
        // One stub per target frame, however many entries name it: a stub
        // per entry would cost `arity` ops per byte of the table.
        let mut stubs: HashMap<usize, u32> = HashMap::new();
        for (i, &depth) in depths.iter().enumerate() {
            let entry = table + 1 + i as u32;
            let cidx = self.ctrls.len() - 1 - depth as usize;
            let height = self.ctrls[cidx].height;
            if cidx != 0 && (arity == 0 || (all_temps && height == len - arity)) {
                self.patch_branch(cidx, entry);
            } else if let Some(&stub) = stubs.get(&cidx) {
                self.patch(entry, stub);
            } else {
                // A stub moves the carried values (or returns) first.
                let stub = self.bind_label();
                stubs.insert(cidx, stub);
                self.patch(entry, stub);
                self.branch(depth);
            }
        }
        self.dead = true;
    }

    pub(super) fn op_else(&mut self, info: &ModuleInfo) -> Result<()> {
        let idx = self.ctrls.len() - 1;
        if !self.dead {
            let (height, results) = (self.ctrls[idx].height, self.ctrls[idx].results as usize);
            self.move_to(height, results);
            let at = self.emit(Op::Br { target: 0 });
            self.ctrls[idx].patches.push(at);
        }
        let label = self.bind_label();
        let ctrl = &mut self.ctrls[idx];
        ctrl.kind = CtrlKind::Else;
        let (height, params, ty) = (ctrl.height, ctrl.params, ctrl.ty);
        if let Some(jump) = ctrl.else_patch.take() {
            self.patch(jump, label);
        }
        // The parameters are where the `if` left them (see `else_patch`).
        self.truncate(height);
        self.push_block_values(info, ty, false, params);
        self.dead = false;
        Ok(())
    }

    pub(super) fn op_end(&mut self, info: &ModuleInfo) -> Result<()> {
        let ctrl = self.ctrls.pop().expect("validated control stack");
        if ctrl.kind == CtrlKind::Func {
            if !self.dead {
                self.ctrls.push(ctrl);
                self.emit_return();
                self.ctrls.pop();
            }
            self.dead = true;
            return Ok(());
        }
        if !self.dead {
            self.move_to(ctrl.height, ctrl.results as usize);
        }
        let label = self.bind_label();
        if let Some(jump) = ctrl.else_patch {
            self.patch(jump, label);
        }
        for &at in &ctrl.patches {
            self.patch(at, label);
        }
        self.truncate(ctrl.height);
        self.push_block_values(info, ctrl.ty, true, ctrl.results);
        self.dead = false;
        Ok(())
    }
}
